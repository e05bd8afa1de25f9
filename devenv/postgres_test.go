package devenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zhucan/store"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPrivateClusterStartsStopsAndKeepsData starts a private PostgreSQL on a
// free port, as make run does where nothing listens at DATABASE_URL.
func TestPrivateClusterStartsStopsAndKeepsData(t *testing.T) {
	if _, err := findPGBin("initdb"); err != nil {
		t.Skipf("PostgreSQL server programs not installed here: %v", err)
	}
	ctx := context.Background()
	base := t.TempDir()
	// t.TempDir is private to root; the server account must reach it.
	for d := base; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	dataDir := filepath.Join(base, "data")
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/zhucan_private?sslmode=disable", freePort(t))

	pg, err := EnsurePostgres(ctx, dsn, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	if !pg.Private {
		t.Fatal("expected a private cluster")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.X.ExecContext(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// While it runs, a second EnsurePostgres reuses it.
	again, err := EnsurePostgres(ctx, dsn, dataDir)
	if err != nil || again.Private {
		t.Fatalf("second EnsurePostgres: private=%v err=%v", again != nil && again.Private, err)
	}

	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, dsn); err == nil {
		t.Fatal("database still answers after Stop")
	}
	pg2, err := EnsurePostgres(ctx, dsn, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg2.Stop(context.Background()) })
	db, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.X.GetContext(ctx, &v, `SELECT v FROM kept`); err != nil || v != "still here" {
		t.Fatalf("data after restart: %q, %v", v, err)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "localhost": true, "::1": true, "127.0.0.2": true,
		"db.example": false, "10.0.0.5": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
