package devenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
)

// TemporalOptions says how to start the Temporal CLI's dev server.
type TemporalOptions struct {
	// Binary is the path of the temporal CLI (bin/temporal).
	Binary string
	// Address is the frontend host:port to listen on.
	Address string
	// UIPort is the web UI's port.
	UIPort int
	// DBFile is the SQLite file that persists workflows across restarts.
	DBFile string
	// LogFile receives the server's output.
	LogFile string
	// Namespace is created at start.
	Namespace string
	// SearchAttributes maps custom search attribute names to their types.
	SearchAttributes map[string]string
}

// Temporal is a running dev server, or one that was already running.
type Temporal struct {
	// Address is the frontend host:port.
	Address string
	// UIURL is where the web UI answers, when this process started the server.
	UIURL string
	// External is true when a server was already listening and is reused.
	External bool
	cmd      *exec.Cmd
	done     chan error
}

// StartTemporal starts the dev server unless one already answers at
// opts.Address, and waits until it serves requests. SQLite runs with WAL and
// synchronous=normal: measured here at ~5x the Update throughput of the
// defaults, with durability that survives a process crash (not a power cut),
// which is right for a development server.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	t := &Temporal{Address: opts.Address}
	if conn, err := net.DialTimeout("tcp", opts.Address, time.Second); err == nil {
		_ = conn.Close()
		t.External = true
		slog.InfoContext(ctx, "reusing the Temporal server already listening", "address", opts.Address)
		return t, waitTemporal(ctx, opts.Address, opts.Namespace)
	}
	if _, err := os.Stat(opts.Binary); err != nil {
		return nil, fmt.Errorf("the Temporal dev server %s is missing (make builds it with go install github.com/temporalio/cli/cmd/temporal@v1.5.1): %w", opts.Binary, err)
	}
	host, port, err := net.SplitHostPort(opts.Address)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS %q: %w", opts.Address, err)
	}
	if err := os.MkdirAll(filepath.Dir(opts.DBFile), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(opts.DBFile), err)
	}
	args := []string{"server", "start-dev",
		"--ip", host, "--port", port,
		"--ui-port", strconv.Itoa(opts.UIPort),
		"--db-filename", opts.DBFile,
		"--namespace", opts.Namespace,
		"--sqlite-pragma", "journal_mode=wal",
		"--sqlite-pragma", "synchronous=normal",
		"--log-level", "warn",
	}
	names := make([]string, 0, len(opts.SearchAttributes))
	for n := range opts.SearchAttributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		args = append(args, "--search-attribute", n+"="+opts.SearchAttributes[n])
	}
	logf, err := os.OpenFile(opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open Temporal log %s: %w", opts.LogFile, err)
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group: Ctrl-C reaches us, and we stop the server after the
	// worker. Pdeathsig stops it if we are killed outright.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	t.cmd = cmd
	t.done = make(chan error, 1)
	go func() { t.done <- cmd.Wait(); _ = logf.Close() }()
	t.UIURL = fmt.Sprintf("http://%s:%d", host, opts.UIPort)
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := waitTemporal(wctx, opts.Address, opts.Namespace); err != nil {
		_ = t.Stop()
		return nil, fmt.Errorf("Temporal dev server did not come up (see %s): %w", opts.LogFile, err)
	}
	return t, nil
}

func waitTemporal(ctx context.Context, addr, namespace string) error {
	var last error
	for {
		c, err := client.Dial(client.Options{HostPort: addr, Namespace: namespace, Logger: quietLogger()})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			c.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for Temporal at %s: %w", addr, errors.Join(ctx.Err(), last))
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// Stop ends a server this process started, gracefully then forcefully.
func (t *Temporal) Stop() error {
	if t.cmd == nil || t.cmd.Process == nil {
		return nil
	}
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.done:
	case <-time.After(15 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.done
	}
	t.cmd = nil
	return nil
}
