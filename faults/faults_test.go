package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"zhucan/devenv"
	"zhucan/internal/testenv"
	"zhucan/workflows"
)

// buildZhucan builds the binary once per test run.
func buildZhucan(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "zhucan")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/zhucan")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build zhucan: %v\n%s", err, out)
	}
	return bin
}

// startWorker runs `zhucan worker` as its own process.
func startWorker(t *testing.T, bin, dsn, queue string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "worker")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "TEMPORAL_ADDRESS="+testenv.TemporalAddress(t),
		"ZHUCAN_TASK_QUEUE="+queue, "ZHUCAN_PAYLOAD_KEY="+testenv.PayloadKey, "ZHUCAN_DATA_DIR="+t.TempDir())
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	return cmd
}

// TestWorkerKilledMidwayLosesNothing kills the worker (SIGKILL) in the
// middle of 20 concurrent purchases and starts a new one: every purchase
// settles, and the database has no missing and no duplicated row.
var (
	purchases = 20
	timeout   = 3 * time.Minute
)

func TestWorkerKilledMidwayLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 20 purchases")
	}
	bin := buildZhucan(t)
	dsn := testenv.NewDatabaseURL(t)
	w := newWorld(t, dsn, 3)
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("faults-%d", time.Now().UnixNano())
	first := startWorker(t, bin, dsn, queue)
	day := time.Second
	ids := w.start(c, queue, day, purchases)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.driveAll(ctx, c, ids) }()
	// Kill it while purchases are being evaluated and signed.
	time.Sleep(25 * day)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()
	time.Sleep(time.Second)
	startWorker(t, bin, dsn, queue)
	if err := <-done; err != nil {
		var rows []struct {
			ID     int64  `db:"id"`
			Status string `db:"status"`
		}
		_ = w.db.X.Select(&rows, `SELECT id, status FROM purchases ORDER BY id`)
		t.Fatalf("%v; purchases: %+v", err, rows)
	}
	w.checkRows(ids)
}

// TestLastSecondBidsAreCountedOrRefused has twenty organisations bid in
// the last moments before the deadline: each bid is either accepted and
// counted at the opening or refused with a reason; none is lost.
func TestLastSecondBidsAreCountedOrRefused(t *testing.T) {
	dsn := testenv.NewDatabaseURL(t)
	w := newWorld(t, dsn, 20)
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("faults-bids-%d", time.Now().UnixNano())
	startWorker(t, buildZhucan(t), dsn, queue)
	day := 100 * time.Millisecond
	in := w.input(day, 22)
	id := workflows.WorkflowID(in.PurchaseID)
	if _, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.PurchaseWorkflow, in); err != nil {
		t.Fatal(err)
	}
	// Aim the burst so that it straddles the deadline.
	time.Sleep(time.Until(in.BidDeadline.Add(-150 * time.Millisecond)))
	var wg sync.WaitGroup
	results := make([]error, len(w.orgs))
	for i := range w.orgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i*15) * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			results[i] = update(ctx, c, id, workflows.UpdateBid, workflows.BidArgs{Actor: w.reps[i], Supplier: w.orgs[i],
				PriceFen: int64(900_000 - i), Proposal: "方案"})
		}()
	}
	wg.Wait()
	accepted := 0
	for i, err := range results {
		if err == nil {
			accepted++
			continue
		}
		r, ok := workflows.AsRefusal(err)
		if !ok || r.Code != workflows.CodeState || r.ZH == "" {
			t.Errorf("bid %d neither accepted nor refused with a reason: %v", i, err)
		}
	}
	// Wait for the opening, then count.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var opened int
		_ = w.db.X.Get(&opened, `SELECT count(*) FROM audit_log WHERE action = 'bids.opened'`)
		if opened == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bids were never opened")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var counted int
	if err := w.db.X.Get(&counted, `SELECT count(*) FROM bids`); err != nil {
		t.Fatal(err)
	}
	if counted != accepted {
		t.Fatalf("%d bids accepted, %d counted at the opening", accepted, counted)
	}
	if accepted == 0 || accepted == len(w.orgs) {
		t.Logf("the burst did not straddle the deadline (%d of %d accepted); the check still holds", accepted, len(w.orgs))
	}
	t.Logf("%d accepted, %d refused as late", accepted, len(w.orgs)-accepted)
}

// TestPostgresRestartLosesNothing stops PostgreSQL (a private cluster of
// the test's own) while purchases are writing and starts it again: the
// local activities retry, and every purchase settles with all its rows.
func TestPostgresRestartLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a PostgreSQL cluster")
	}
	base := t.TempDir()
	for d := base; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755) // the server account must reach its data directory
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/zhucan?sslmode=disable", port)
	ctx := context.Background()
	pg, err := devenv.EnsurePostgres(ctx, dsn, base)
	if err != nil {
		t.Skipf("no PostgreSQL server programs to start a private cluster: %v", err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	w := newWorld(t, dsn, 3)
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("faults-pg-%d", time.Now().UnixNano())
	startWorker(t, buildZhucan(t), dsn, queue)
	day := time.Second
	ids := w.start(c, queue, day, 5)
	dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.driveAll(dctx, c, ids) }()
	// While bids and scores are being written, take the database away.
	time.Sleep(24 * day)
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if pg, err = devenv.EnsurePostgres(ctx, dsn, base); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.db.X.SetMaxIdleConns(0) // drop connections from before the restart
	w.checkRows(ids)
}
