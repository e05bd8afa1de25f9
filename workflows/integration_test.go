package workflows_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"zhucan/activities"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/workflows"
)

var updateHistory = flag.Bool("update-history", false, "rewrite testdata/purchase-history.json from a fresh run")

const historyFile = "testdata/purchase-history.json"

// live drives a purchase on the real dev server.
type live struct {
	t  *testing.T
	c  client.Client
	id string
}

func (l *live) update(name string, args any) error {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := l.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: l.id, UpdateName: name, Args: []any{args},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

func (l *live) must(name string, args any) {
	l.t.Helper()
	if err := l.update(name, args); err != nil {
		l.t.Fatalf("%s: %v", name, err)
	}
}

func (l *live) view(viewer workflows.Actor) workflows.View {
	l.t.Helper()
	val, err := l.c.QueryWorkflow(context.Background(), l.id, "", workflows.QueryStatus, viewer)
	if err != nil {
		l.t.Fatalf("query: %v", err)
	}
	var v workflows.View
	if err := val.Get(&v); err != nil {
		l.t.Fatal(err)
	}
	return v
}

// await polls the status query until the purchase reaches status.
func (l *live) await(viewer workflows.Actor, status workflows.Status) workflows.View {
	l.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		v := l.view(viewer)
		if v.Status == status {
			return v
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("purchase stuck in %s (blocked: %s), want %s", v.Status, v.Blocked, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationPurchaseToSignedContract runs one purchase on the real
// Temporal dev server and PostgreSQL under the sandbox policy, then checks
// the rows written and the audit trail.
func TestIntegrationPurchaseToSignedContract(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the Temporal dev server")
	}
	f := newFixture(t, 100_000_000)
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("purchase-it-%d", time.Now().UnixNano())
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflow(workflows.PurchaseWorkflow)
	w.RegisterWorkflow(workflows.DeliveryWorkflow)
	w.RegisterActivity(activities.New(f.db))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	day := 150 * time.Millisecond
	now := time.Now()
	in := f.input(1)
	in.Policy = rules.Sandbox(day)
	in.BidDeadline = now.Add(22 * day)
	in.ServiceStart = now.Add(200 * day)
	in.ServiceEnd = in.ServiceStart.Add(365 * day)
	for i := range in.Milestones {
		in.Milestones[i].Due = in.ServiceStart.Add(time.Duration(120*(i+1)) * day)
	}
	in.Milestones[2].Due = in.ServiceEnd
	id := workflows.WorkflowID(in.PurchaseID) + fmt.Sprintf("-%d", now.UnixNano())
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE}, workflows.PurchaseWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	l := &live{t: t, c: c, id: id}
	for i, price := range []int64{45_000_000, 42_000_000, 48_000_000} {
		l.must(workflows.UpdateBid, workflows.BidArgs{Actor: f.reps[i], Supplier: f.orgs[i], PriceFen: price, Proposal: "方案"})
	}
	// A second start of the same purchase is refused: no duplicate workflow, no duplicate rows.
	_, err = c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue,
		WorkflowExecutionErrorWhenAlreadyStarted: true}, workflows.PurchaseWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &started) {
		t.Fatalf("second start of the same purchase: %v", err)
	}
	l.await(f.officer, workflows.StatusEvaluating)
	tech := map[int]int{0: 60, 1: 55, 2: 65}
	for _, e := range f.evaluators[:5] {
		var sc []workflows.TechnicalScore
		for org := range 3 {
			sc = append(sc, workflows.TechnicalScore{SupplierID: f.orgs[org].ID, Technical: rules.WholePoints(tech[org])})
		}
		l.must(workflows.UpdateScore, workflows.ScoreArgs{Actor: e, Scores: sc})
	}
	v := l.await(f.officer, workflows.StatusContracting)
	if v.Award == nil || v.Award.SupplierID != f.orgs[2].ID {
		t.Fatalf("award %+v", v.Award)
	}
	l.must(workflows.UpdateSign, workflows.SignArgs{Actor: f.officer})
	l.must(workflows.UpdateSign, workflows.SignArgs{Actor: f.reps[2]})

	// The tender run ends by continuing into delivery under the same ID.
	desc, err := c.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if typ := desc.WorkflowExecutionInfo.GetType().GetName(); typ != "DeliveryWorkflow" {
		t.Fatalf("current run is %s, want DeliveryWorkflow", typ)
	}

	if s := f.status(1); s != "delivering" {
		t.Errorf("status %s", s)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM bids WHERE purchase_id = 1 AND rank IS NOT NULL`:              3,
		`SELECT count(*) FROM bid_scores`:                                                   15,
		`SELECT count(*) FROM awards WHERE status = 'signed'`:                               1,
		`SELECT count(*) FROM contracts WHERE amount_fen = 48000000`:                        1,
		`SELECT count(*) FROM milestones`:                                                   3,
		`SELECT count(*) FROM budget_movements`:                                             2,
		`SELECT count(*) FROM audit_log WHERE purchase_id = 1 AND action = 'bid.submitted'`: 3,
	} {
		if n := f.count(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if b := f.budgetNow(); b.ReservedFen != 48_000_000 {
		t.Errorf("budget %+v", b)
	}
	var actions []string
	if err := f.db.X.Select(&actions, `SELECT action FROM audit_log WHERE purchase_id = 1 ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := []string{"purchase.planned", "bid.submitted", "bid.submitted", "bid.submitted", "bids.opened", "purchase.evaluating",
		"scores.submitted", "scores.submitted", "scores.submitted", "scores.submitted", "scores.submitted",
		"award.notified", "purchase.challenge_period", "purchase.contracting", "contract.signed_by_officer",
		"contract.signed_by_supplier", "contract.signed", "purchase.delivering"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("audit trail\n got %v\nwant %v", actions, want)
	}

	// Search attributes make the purchase findable in the Temporal web UI.
	hist := c.GetWorkflowHistory(context.Background(), id, run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for hist.HasNext() {
		e, err := hist.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	sa := desc.WorkflowExecutionInfo.GetSearchAttributes().GetIndexedFields()
	for _, k := range []string{workflows.SAMethod, workflows.SAStatus, workflows.SAArea} {
		if _, ok := sa[k]; !ok {
			t.Errorf("search attribute %s missing on the running purchase", k)
		}
	}
	if *updateHistory {
		b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(historyFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(historyFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d events)", historyFile, len(events))
	}
}

// TestReplayRecordedHistory replays a recorded purchase: a change to the
// workflow code that is not deterministic fails here.
func TestReplayRecordedHistory(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflow(workflows.PurchaseWorkflow)
	r.RegisterWorkflow(workflows.DeliveryWorkflow)
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, historyFile); err != nil {
		t.Fatalf("replay %s: %v", historyFile, err)
	}
}
