package workflows_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"zhucan/activities"
	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/workflows"
)

var updateHistory = flag.Bool("update-history", false, "rewrite testdata/purchase-history.json from a fresh run")

// startWorker runs a worker for f's database on a task queue of its own.
func startWorker(t *testing.T, f *fixture) (client.Client, string) {
	t.Helper()
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("purchase-it-%d", time.Now().UnixNano())
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflow(workflows.PurchaseWorkflow)
	w.RegisterWorkflow(workflows.DeliveryWorkflow)
	w.RegisterActivity(activities.New(f.db))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return c, queue
}

// live drives a purchase on the real dev server.
type live struct {
	t  *testing.T
	c  client.Client
	id string
	// inspected counts the inspections recorded through the workflow.
	inspected int
}

func (l *live) update(name string, args any) error {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for attempt := 1; ; attempt++ {
		h, err := l.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: l.id, UpdateName: name, Args: []any{args},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		// An Update the engine aborted before the workflow took it (its
		// workflow task failed in the engine) changed nothing: a client
		// sends it again, as the API does.
		var notReady *serviceerror.WorkflowNotReady
		if !errors.As(err, &notReady) || attempt == 3 {
			return err
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
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

// TestIntegrationPurchaseLifecycle runs one purchase on the real Temporal
// dev server and PostgreSQL under the sandbox policy, from creation to a
// signed contract and on to settlement, checking the rows written and the
// audit trail at both points.
func TestIntegrationPurchaseLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the Temporal dev server")
	}
	f := newFixture(t, 100_000_000)
	c, queue := startWorker(t, f)

	day := 100 * time.Millisecond
	now := time.Now()
	in := f.input(1)
	in.Policy = rules.Sandbox(day)
	// Five panel members score one after another while the machine runs
	// other packages' tests: the statutory five days (half a second here)
	// left no room for a slow moment, and the evaluation was reported
	// overdue. The trail checked below is that of a panel on time.
	in.Policy.EvaluationWorkingDays = 50
	in.BidDeadline = now.Add(22 * day)
	in.ServiceStart = now.Add(60 * day)
	in.ServiceEnd = in.ServiceStart.Add(60 * day)
	for i := range in.Milestones {
		in.Milestones[i].Due = in.ServiceStart.Add(time.Duration(20*(i+1)) * day)
	}
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

	// The delivery run records that delivery began, as its first step.
	for deadline := time.Now().Add(10 * time.Second); f.status(1) != "delivering"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status %s, want delivering from the delivery run", f.status(1))
		}
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

	// Sealed even in Temporal: no bid price or proposal is readable in the history.
	hist := c.GetWorkflowHistory(context.Background(), id, run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	sealed := 0
	for hist.HasNext() {
		e, err := hist.Next()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetArgs().GetPayloads() {
			if string(p.GetMetadata()["encoding"]) != "binary/encrypted" || strings.Contains(string(p.GetData()), "42000000") {
				t.Errorf("an Update's arguments are readable in Temporal's history: %s", p.GetMetadata()["encoding"])
			}
			sealed++
		}
	}
	if sealed == 0 {
		t.Error("no Update found in the history")
	}

	// Search attributes make the purchase findable in the Temporal web UI.
	// This workflow was started without them (the API sets them at the
	// start): the tender run set them, and delivery inherited them.
	sa := desc.WorkflowExecutionInfo.GetSearchAttributes().GetIndexedFields()
	for _, k := range []string{workflows.SAMethod, workflows.SAArea} {
		if _, ok := sa[k]; !ok {
			t.Errorf("search attribute %s missing on the running purchase", k)
		}
	}
	// Delivery: every role does its part until the purchase settles.
	dv := l.driveDelivery(f)
	if dv.Status != workflows.StatusSettled {
		t.Fatalf("delivery ended %s", dv.Status)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM milestones WHERE status = 'accepted'`:                            3,
		`SELECT count(*) FROM milestone_reports WHERE accepted`:                                3,
		`SELECT count(*) FROM inspections WHERE passed`:                                        len(dv.Inspections),
		`SELECT count(*) FROM evaluations WHERE stage = 'final' AND status = 'done'`:           1,
		`SELECT count(*) FROM contracts WHERE status = 'completed'`:                            1,
		`SELECT sum(amount_fen) FROM payments`:                                                 48_000_000,
		`SELECT count(*) FROM purchases WHERE status = 'settled'`:                              1,
		`SELECT count(*) FROM audit_log WHERE purchase_id = 1 AND action = 'contract.settled'`: 1,
	} {
		if n := f.count(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if len(dv.Inspections) == 0 {
		t.Error("no inspection fell due during the service period")
	}
	if b := f.budgetNow(); b.PaidFen != 48_000_000 || b.ReservedFen != 0 || b.AvailableFen != 52_000_000 {
		t.Errorf("budget after settlement %+v", b)
	}

	if *updateHistory {
		// The tender run, and the delivery run that ended in settlement.
		writeHistory(t, c, id, run.GetRunID(), historyFiles[0])
		writeHistory(t, c, id, "", historyFiles[1])
	}
}

var historyFiles = []string{"testdata/purchase-history.json", "testdata/delivery-history.json"}

func writeHistory(t *testing.T, c client.Client, id, runID, file string) {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d events)", file, len(events))
}

// TestReplayRecordedHistory replays a recorded purchase: a change to the
// workflow code that is not deterministic fails here.
func TestReplayRecordedHistory(t *testing.T) {
	r, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: testenv.DataConverter()})
	if err != nil {
		t.Fatal(err)
	}
	r.RegisterWorkflow(workflows.PurchaseWorkflow)
	r.RegisterWorkflow(workflows.DeliveryWorkflow)
	for _, file := range historyFiles {
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
			t.Errorf("replay %s: %v", file, err)
		}
	}
}

func (l *live) deliveryView() workflows.DeliveryView {
	l.t.Helper()
	val, err := l.c.QueryWorkflow(context.Background(), l.id, "", workflows.QueryStatus, workflows.Actor{})
	if err != nil {
		l.t.Fatalf("query: %v", err)
	}
	var v workflows.DeliveryView
	if err := val.Get(&v); err != nil {
		l.t.Fatal(err)
	}
	return v
}

// driveDelivery acts for the organisation, the officer, the inspector and
// the assessor, as soon as each has something to do, until the purchase
// settles or is terminated. Every Update must be accepted.
func (l *live) driveDelivery(f *fixture) workflows.DeliveryView {
	l.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		v := l.deliveryView()
		if v.Status.Terminal() {
			return v
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("delivery stuck in %s", v.Status)
		}
		acted := false
		var rep workflows.Actor
		for _, r := range f.reps {
			if r.SupplierID == v.SupplierID {
				rep = r
			}
		}
		for _, m := range v.Milestones {
			switch m.Status {
			case "pending", "returned":
				l.must(workflows.UpdateReport, workflows.ReportArgs{Actor: rep, Seq: m.Seq, Delivered: m.Quantity,
					Beneficiaries: m.Quantity, Summary: "按计划完成", Evidence: []workflows.Evidence{{Name: "记录.pdf", SHA256: strings.Repeat("0f", 32)}}})
				acted = true
			case "reported":
				l.must(workflows.UpdateReview, workflows.ReviewArgs{Actor: f.officer, Seq: m.Seq, Accepted: true, AcceptedQty: m.Quantity})
				acted = true
			}
		}
		for _, in := range v.Inspections {
			if !in.Recorded {
				l.must(workflows.UpdateInspect, workflows.InspectArgs{Actor: f.inspector, Passed: true, Surveyed: 10, Satisfied: 9})
				l.inspected++
				acted = true
				break
			}
		}
		for _, e := range v.Evaluations {
			if !e.Done && len(e.Submitted) == 0 {
				var sc []workflows.IndicatorScore
				for _, ind := range f.item.Indicators {
					if ind.Method == catalog.MethodScored {
						sc = append(sc, workflows.IndicatorScore{Indicator: ind.Code, Score: rules.WholePoints(ind.Weight)})
					}
				}
				l.must(workflows.UpdateEvaluate, workflows.EvaluateArgs{Actor: f.assessor, Scores: sc, Comment: "良好"})
				acted = true
			}
		}
		if !acted {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestIntegrationThreeYearContractStaysBounded runs a three-year contract
// with weekly reports and monthly inspections (sandbox days of 10 ms) and
// checks that the workflow continued as new with each run's history
// bounded, and that nothing was lost across the boundaries.
func TestIntegrationThreeYearContractStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the Temporal dev server")
	}
	f := newFixture(t, 100_000_000)
	c, queue := startWorker(t, f)
	day := 10 * time.Millisecond
	pol := rules.Sandbox(day)
	start := time.Now().Add(20 * day)
	end := start.Add(3 * 365 * day)
	// 156 weekly reports; every 13th week (a quarter) carries a payment.
	percents := make([]int, 156)
	for q := range 12 {
		percents[13*q+12] = 8
	}
	percents[155] = 12
	pay := rules.SplitByPercent(contractFen, percents)
	var ms []workflows.ContractMilestone
	for i := range 156 {
		due := start.Add(time.Duration(7*(i+1)) * day)
		if i == 155 {
			due = end
		}
		ms = append(ms, workflows.ContractMilestone{Seq: i + 1, Name: fmt.Sprintf("第%d周", i+1), Due: due, Quantity: 1,
			PaymentPercent: percents[i], PaymentFen: pay[i]})
	}
	in := f.signedContract(pol, start, end, ms)
	const limit = 600
	in.HistoryLimit = limit
	id := fmt.Sprintf("purchase-1-3y-%d", time.Now().UnixNano())
	if _, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.DeliveryWorkflow, in); err != nil {
		t.Fatal(err)
	}
	l := &live{t: t, c: c, id: id}
	v := l.driveDelivery(f)
	if v.Status != workflows.StatusSettled {
		t.Fatalf("ended %s", v.Status)
	}
	if got := f.count(`SELECT count(*) FROM milestones WHERE status = 'accepted'`); got != 156 {
		t.Errorf("%d of 156 weekly reports accepted", got)
	}
	// Monthly over 1,095 days: 36 fall due. The driver records them as it
	// gets to them; the last may still be open when the contract settles.
	if got := f.count(`SELECT count(*) FROM inspections`); got != 36 {
		t.Errorf("%d inspections fell due over three years, want 36", got)
	}
	// How many the driver gets to depends on the machine's pace (10 ms
	// days); each one it recorded must be in PostgreSQL, across the runs.
	if got := f.count(`SELECT count(*) FROM inspections WHERE passed`); got != l.inspected || got == 0 {
		t.Errorf("%d inspections recorded in PostgreSQL, %d recorded through the workflow", got, l.inspected)
	}
	if got := f.count(`SELECT sum(amount_fen) FROM payments`); got != contractFen {
		t.Errorf("paid %d, want %d", got, contractFen)
	}
	resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", id)})
	if err != nil {
		t.Fatal(err)
	}
	runs := resp.GetExecutions()
	if len(runs) < 3 {
		t.Errorf("%d runs: the workflow should have continued as new several times", len(runs))
	}
	for _, r := range runs {
		if n := r.GetHistoryLength(); n > limit+150 {
			t.Errorf("run %s has %d history events, over the bound of %d", r.GetExecution().GetRunId(), n, limit+150)
		}
	}
	t.Logf("%d runs", len(runs))
}
