// Package devenv owns the local development stack that `make run` starts:
// it finds or starts PostgreSQL (a private cluster under the data
// directory when nothing listens at DATABASE_URL) and the Temporal CLI's dev
// server, and stops what it started.
package devenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"zhucan/store"
)

// Postgres is a PostgreSQL server the development stack uses.
type Postgres struct {
	// URL is the DATABASE_URL clients connect to.
	URL string
	// Private is true when this process started a cluster under the data directory.
	Private bool
	dataDir string
	pgCtl   string
	runAs   string
}

// EnsurePostgres makes sure PostgreSQL answers at dsn and that its database
// exists. When nothing listens at a loopback address it initialises (once)
// and starts a private cluster under dataDir/pg on that port. When the
// server binaries are missing it says which Debian package to install.
func EnsurePostgres(ctx context.Context, dsn, dataDir string) (*Postgres, error) {
	pg := &Postgres{URL: dsn}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	if !listening(host, port) {
		if !isLoopback(host) {
			return nil, fmt.Errorf("PostgreSQL is not reachable at %s:%s and that is not this machine, so it cannot be started here; start it or set DATABASE_URL", host, port)
		}
		if err := pg.startPrivate(ctx, dataDir, port); err != nil {
			return nil, err
		}
	}
	if err := store.EnsureDatabase(ctx, dsn); err != nil {
		if pg.Private {
			_ = pg.Stop(context.Background())
		}
		return nil, err
	}
	return pg, nil
}

func listening(host, port string) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// findPGBin looks for a PostgreSQL server program on PATH and in Debian's
// versioned directories, newest first.
func findPGBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		p := filepath.Join(dirs[i], name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL is not running and its server programs (%s) are not installed: install the Debian package \"postgresql\" (apt-get install postgresql) or set DATABASE_URL to a running server", name)
}

func (pg *Postgres) startPrivate(ctx context.Context, dataDir, port string) error {
	initdb, err := findPGBin("initdb")
	if err != nil {
		return err
	}
	if pg.pgCtl, err = findPGBin("pg_ctl"); err != nil {
		return err
	}
	// Layout: dataDir/postgres/{data,socket,server.log}, all owned by the
	// account the server runs as.
	root, err := filepath.Abs(filepath.Join(dataDir, "postgres"))
	if err != nil {
		return fmt.Errorf("resolve data directory: %w", err)
	}
	pg.dataDir = filepath.Join(root, "data")
	sock := filepath.Join(root, "socket")
	logFile := filepath.Join(root, "server.log")
	// PostgreSQL refuses to run as root; run it as the "postgres" user then.
	var owner *user.User
	if os.Geteuid() == 0 {
		if owner, err = user.Lookup("postgres"); err != nil {
			return errors.New("PostgreSQL refuses to run as root and there is no \"postgres\" user to run it as: install the Debian package \"postgresql\", which creates it")
		}
		pg.runAs = "postgres"
	}
	// The data directory itself must be traversable by that account.
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(root), err)
	}
	for _, d := range []string{root, sock} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := chownTree(root, owner); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(pg.dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		slog.InfoContext(ctx, "initialising private PostgreSQL cluster", "dir", pg.dataDir)
		if out, err := pg.command(ctx, initdb, "-D", pg.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale").CombinedOutput(); err != nil {
			return fmt.Errorf("initdb %s failed: %w: %s", pg.dataDir, err, lastLine(out))
		}
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %s -k %s", port, sock)
	slog.InfoContext(ctx, "starting private PostgreSQL", "dir", pg.dataDir, "port", port, "log", logFile)
	if out, err := pg.command(ctx, pg.pgCtl, "start", "-w", "-t", "60", "-D", pg.dataDir, "-l", logFile, "-o", opts).CombinedOutput(); err != nil {
		return fmt.Errorf("start private PostgreSQL in %s failed (see %s): %w: %s", pg.dataDir, logFile, err, lastLine(out))
	}
	pg.Private = true
	return nil
}

func (pg *Postgres) command(ctx context.Context, prog string, args ...string) *exec.Cmd {
	if pg.runAs != "" {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", pg.runAs, "--", prog}, args...)...)
	}
	return exec.CommandContext(ctx, prog, args...)
}

func chownTree(dir string, owner *user.User) error {
	if owner == nil {
		return nil
	}
	uid, _ := strconv.Atoi(owner.Uid)
	gid, _ := strconv.Atoi(owner.Gid)
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		return fmt.Errorf("hand %s to user postgres: %w", dir, err)
	}
	return nil
}

// Stop shuts down a private cluster this process started; otherwise it does nothing.
func (pg *Postgres) Stop(ctx context.Context) error {
	if !pg.Private {
		return nil
	}
	out, err := pg.command(ctx, pg.pgCtl, "stop", "-m", "fast", "-w", "-D", pg.dataDir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop private PostgreSQL: %w: %s", err, lastLine(out))
	}
	pg.Private = false
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
