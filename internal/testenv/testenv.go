// Package testenv owns the real services that integration tests use: a
// private PostgreSQL database per test (created, migrated and dropped) on
// the server at DATABASE_URL, and one Temporal dev server per test binary
// started from bin/temporal.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"zhucan/codec"
	"zhucan/store"
	"zhucan/workflows"
)

var dbCounter atomic.Int64

// BaseURL is the PostgreSQL server tests use: DATABASE_URL or the default.
func BaseURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return store.DefaultURL
}

var staleOnce sync.Once

// NewDatabaseURL creates an empty database of its own for t, dropped when t
// ends, and returns its URL.
func NewDatabaseURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	staleOnce.Do(func() { dropStale(ctx) })
	name := fmt.Sprintf("zhucan_test_%d_%d", os.Getpid(), dbCounter.Add(1))
	dsn, err := store.WithDatabase(BaseURL(), name)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureDatabase(ctx, dsn); err != nil {
		t.Fatalf("integration tests need PostgreSQL (run them with make test): %v", err)
	}
	t.Cleanup(func() {
		if err := store.DropDatabase(context.Background(), dsn); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return dsn
}

// DB returns a migrated database of t's own, dropped when t ends.
func DB(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := NewDatabaseURL(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Test databases share one Temporal dev server: purchase numbers (and
	// so workflow IDs) must not repeat across them.
	if _, err := db.X.ExecContext(ctx, fmt.Sprintf(`ALTER SEQUENCE purchases_id_seq RESTART WITH %d`,
		time.Now().UnixNano()/1000%1_000_000_000_000+1)); err != nil {
		t.Fatal(err)
	}
	return db
}

var testDBName = regexp.MustCompile(`^zhucan_test_(\d+)_\d+$`)

// dropStale drops test databases left by test processes that died.
func dropStale(ctx context.Context) {
	admin, err := store.WithDatabase(BaseURL(), "postgres")
	if err != nil {
		return
	}
	db, err := store.Open(ctx, admin)
	if err != nil {
		return
	}
	defer db.Close()
	var names []string
	if err := db.X.SelectContext(ctx, &names, `SELECT datname FROM pg_database WHERE datname LIKE 'zhucan_test_%'`); err != nil {
		return
	}
	for _, n := range names {
		m := testDBName.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		dsn, _ := store.WithDatabase(BaseURL(), n)
		_ = store.DropDatabase(ctx, dsn)
	}
}

// RepoRoot returns the directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

var (
	devMu     sync.Mutex
	devServer *testsuite.DevServer
)

// Temporal returns a client of this test binary's Temporal dev server,
// starting the server from bin/temporal on first use. Call Main from
// TestMain so that the server is stopped at the end.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	devMu.Lock()
	defer devMu.Unlock()
	if devServer == nil {
		root, err := RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(root, "bin", "temporal")
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s is missing: make test builds it (go install github.com/temporalio/cli/cmd/temporal@v1.5.1)", bin)
		}
		extra := []string{"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"}
		for k, v := range workflows.SearchAttributes() {
			extra = append(extra, "--search-attribute", k+"="+v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
			ExistingPath: bin,
			ClientOptions: &client.Options{
				DataConverter:     DataConverter(),
				ConnectionOptions: codec.ConnectionOptions(),
				Logger:            sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
			},
			LogLevel:  "error",
			ExtraArgs: extra,
			Stdout:    io.Discard,
		})
		if err != nil {
			t.Fatalf("start Temporal dev server: %v", err)
		}
		devServer = s
	}
	return devServer.Client()
}

// TemporalAddress returns the host:port of this test binary's dev server,
// starting it if needed, for processes started by tests.
func TemporalAddress(t testing.TB) string {
	t.Helper()
	Temporal(t)
	devMu.Lock()
	defer devMu.Unlock()
	return devServer.FrontendHostPort()
}

// PayloadKey is the key tests seal Temporal payloads with; recorded
// histories under testdata were sealed with it.
const PayloadKey = "7a6875636e2d746573742d6f6e6c792d7061796c6f61642d6b65792d32303236"

// DataConverter seals payloads with PayloadKey, as the API and worker do
// with theirs.
func DataConverter() converter.DataConverter {
	key, err := codec.ParseKey(PayloadKey)
	if err != nil {
		panic(err)
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		panic(err)
	}
	return dc
}

// Main runs the tests of a package and stops its Temporal dev server.
func Main(m *testing.M) {
	code := m.Run()
	devMu.Lock()
	if devServer != nil {
		_ = devServer.Stop()
	}
	devMu.Unlock()
	os.Exit(code)
}
