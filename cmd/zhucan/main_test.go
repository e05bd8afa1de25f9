package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"zhucan/internal/testenv"
	"zhucan/store"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestAPIWithPostgresDownSaysOneSentence(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/zhucan?sslmode=disable")
	t.Setenv("ZHUCAN_PAYLOAD_KEY", testenv.PayloadKey)
	err := run(context.Background(), []string{"api"}, io.Discard)
	if err == nil {
		t.Fatal("api started without PostgreSQL")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "PostgreSQL is not reachable at 127.0.0.1:1/zhucan") {
		t.Fatalf("want one sentence naming the address, got %q", msg)
	}
}

func TestWorkerWithoutPayloadKeySaysWhatToSet(t *testing.T) {
	t.Setenv("ZHUCAN_PAYLOAD_KEY", "")
	t.Setenv("ZHUCAN_DATA_DIR", t.TempDir())
	err := run(context.Background(), []string{"worker"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "ZHUCAN_PAYLOAD_KEY") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
	t.Setenv("ZHUCAN_PAYLOAD_KEY", "not-hex")
	if err := run(context.Background(), []string{"api"}, io.Discard); err == nil || !strings.Contains(err.Error(), "hexadecimal") {
		t.Fatalf("bad key: %v", err)
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// startDev runs the whole development stack as make run does and waits
// until /healthz answers 200. The returned stop function waits for a clean
// shutdown.
func startDev(t *testing.T, httpAddr string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"dev"}, io.Discard) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				var h struct {
					Status string
					Checks map[string]struct{ OK bool }
				}
				if err := json.Unmarshal(body, &h); err != nil {
					t.Fatal(err)
				}
				if !h.Checks["postgres"].OK || !h.Checks["temporal"].OK {
					t.Fatalf("health: %s", body)
				}
				break
			}
		}
		select {
		case err := <-errc:
			cancel()
			t.Fatalf("dev stack exited early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("dev stack did not become healthy in 2 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("dev stack stopped with %v", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("dev stack did not stop within a minute")
		}
	}
}

// TestDevStackRunsAndKeepsDataAcrossRestarts is make run, twice.
func TestDevStackRunsAndKeepsDataAcrossRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole stack")
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dsn := testenv.NewDatabaseURL(t)
	httpAddr, temporalAddr := freeAddr(t), freeAddr(t)
	_, uiPort, _ := net.SplitHostPort(freeAddr(t))
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("TEMPORAL_ADDRESS", temporalAddr)
	t.Setenv("ZHUCAN_HTTP_ADDR", httpAddr)
	t.Setenv("ZHUCAN_TEMPORAL_UI_PORT", uiPort)
	t.Setenv("ZHUCAN_DATA_DIR", t.TempDir())
	t.Setenv("ZHUCAN_TEMPORAL_BIN", filepath.Join(root, "bin", "temporal"))

	stop := startDev(t, httpAddr)
	var cat struct {
		Year  int
		Areas []struct {
			Code  string
			Items []struct{ Code string }
		}
	}
	getJSON(t, "http://"+httpAddr+"/api/v1/catalog", &cat)
	items := 0
	for _, a := range cat.Areas {
		items += len(a.Items)
	}
	if len(cat.Areas) != 8 || items < 24 {
		t.Fatalf("catalogue lists %d areas and %d items", len(cat.Areas), items)
	}
	// Leave a durable trace in both stores: a workflow nobody polls for
	// and an audit entry.
	tc, err := client.Dial(client.Options{HostPort: temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "persist-probe", TaskQueue: "nobody-polls"}, "Probe"); err != nil {
		t.Fatal(err)
	}
	tc.Close()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AppendAudit(ctx, store.AuditEntry{EventKey: "persist-probe", Actor: "test", Action: "probe"}); err != nil {
		t.Fatal(err)
	}
	stop()

	stop = startDev(t, httpAddr)
	defer stop()
	tc, err = client.Dial(client.Options{HostPort: temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if _, err := tc.DescribeWorkflowExecution(ctx, "persist-probe", ""); err != nil {
		t.Fatalf("workflow lost across restart: %v", err)
	}
	var n int
	if err := db.X.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE event_key = 'persist-probe'`); err != nil || n != 1 {
		t.Fatalf("audit entry after restart: %d, %v", n, err)
	}
	var again struct{ Year int }
	getJSON(t, "http://"+httpAddr+"/api/v1/catalog", &again)
	if again.Year != cat.Year {
		t.Fatalf("catalogue year %d after restart, was %d", again.Year, cat.Year)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(fmt.Errorf("decode %s: %w", url, err))
	}
}

func TestAuditVerifyNamesTheBrokenEntry(t *testing.T) {
	dsn := testenv.NewDatabaseURL(t)
	t.Setenv("DATABASE_URL", dsn)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if err := db.AppendAudit(ctx, store.AuditEntry{EventKey: k, Actor: "system", Action: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	if err := run(ctx, []string{"audit", "verify"}, &out); err != nil || !strings.Contains(out.String(), "2 entries") {
		t.Fatalf("intact: %v %q", err, out.String())
	}
	var id int64
	_ = db.X.Get(&id, `SELECT max(id) FROM audit_log`)
	for _, q := range []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'mallory' WHERE id = (SELECT max(id) FROM audit_log)`} {
		if _, err := db.X.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	err = run(ctx, []string{"audit", "verify"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("audit entry %d", id)) {
		t.Fatalf("tampered: %v", err)
	}
}
