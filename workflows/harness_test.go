package workflows_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"zhucan/activities"
	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/workflows"
)

// t0 is a Monday morning in Shanghai, so that working days are easy to follow.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, rules.Shanghai)

// fixture is a database with the people and money a purchase needs.
type fixture struct {
	t          *testing.T
	db         *store.DB
	item       catalog.Item
	officer    workflows.Actor
	evaluators []workflows.Actor
	inspector  workflows.Actor
	assessor   workflows.Actor
	orgs       []workflows.Supplier // qualified organisations
	reps       []workflows.Actor    // their users
	budget     store.Budget
}

func creditCode(t testing.TB, n int) string {
	first := fmt.Sprintf("523501027%08d", n)
	c, err := rules.CreditCodeCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func newFixture(t *testing.T, budgetFen int64) *fixture {
	t.Helper()
	ctx := context.Background()
	v := valid.New()
	f := &fixture{t: t, db: testenv.DB(t)}
	cats, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if _, err := f.db.LoadCatalogue(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	f.item = cats[len(cats)-1].Items[0]
	user := func(name, role string, supplier *int64) workflows.Actor {
		u, err := f.db.CreateUser(ctx, v, store.User{Name: name, Role: role, SupplierID: supplier})
		if err != nil {
			t.Fatal(err)
		}
		a := workflows.Actor{UserID: u.ID, Name: name, Role: role}
		if supplier != nil {
			a.SupplierID = *supplier
		}
		return a
	}
	f.officer = user("officer", "officer", nil)
	for i := range 8 {
		f.evaluators = append(f.evaluators, user(fmt.Sprintf("expert%d", i+1), "evaluator", nil))
	}
	f.inspector = user("inspector", "evaluator", nil)
	f.assessor = user("assessor", "evaluator", nil)
	for i := range 6 {
		s, err := f.db.CreateSupplier(ctx, v, store.Supplier{CreditCode: creditCode(t, i+1), Name: fmt.Sprintf("助残社工服务中心%d", i+1),
			Qualifications: f.item.Qualifications})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs = append(f.orgs, workflows.Supplier{ID: s.ID, Name: s.Name, Qualifications: s.Qualifications})
		f.reps = append(f.reps, user(fmt.Sprintf("org%d", i+1), "supplier", &s.ID))
	}
	f.budget, err = f.db.CreateBudget(ctx, v, store.Budget{Name: "2026 康复护理", FiscalYear: 2026, Category: f.item.Area, AmountFen: budgetFen})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// input is an open tender for 100 units with a 500,000-yuan ceiling,
// closing 21 days after t0, served for a year from two months after t0.
func (f *fixture) input(id int64) workflows.PurchaseInput {
	start := t0.AddDate(0, 2, 0)
	in := workflows.PurchaseInput{
		Revision:   workflows.CurrentRevision,
		PurchaseID: id, Title: "2026年残疾人居家康复服务", Item: f.item, BudgetID: f.budget.ID,
		Quantity: 100, CeilingFen: 50_000_000, Method: rules.MethodOpenTender,
		BidDeadline:  time.Date(2026, 3, 23, 9, 30, 0, 0, rules.Shanghai),
		ServiceStart: start, ServiceEnd: start.AddDate(1, 0, 0), PriceWeight: 30,
		Inspectors: []int64{f.inspector.UserID}, Assessors: []int64{f.assessor.UserID},
		Officer: f.officer, Policy: rules.Statutory(),
		Milestones: []workflows.MilestonePlan{
			{Name: "第一阶段", Due: start.AddDate(0, 4, 0), Quantity: 30, PaymentPercent: 30},
			{Name: "第二阶段", Due: start.AddDate(0, 8, 0), Quantity: 40, PaymentPercent: 40},
			{Name: "第三阶段", Due: start.AddDate(1, 0, 0), Quantity: 30, PaymentPercent: 30},
		},
	}
	for _, e := range f.evaluators[:5] {
		in.Panel = append(in.Panel, e.UserID)
	}
	return in
}

// outcome is what became of one Update.
type outcome struct {
	accepted bool
	rejected error
	result   any
	err      error
	done     bool
}

func (o *outcome) Accept()                   { o.accepted = true }
func (o *outcome) Reject(err error)          { o.rejected, o.done = err, true }
func (o *outcome) Complete(r any, err error) { o.result, o.err, o.done = r, err, true }

// run drives one purchase workflow along a virtual timeline.
type run struct {
	f        *fixture
	env      *testsuite.TestWorkflowEnvironment
	outcomes map[string]*outcome
	n        int
	// batches are the actions of each write (Record), in order.
	batches [][]string
}

func (f *fixture) newRun() *run {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflow(workflows.PurchaseWorkflow)
	env.RegisterWorkflow(workflows.DeliveryWorkflow)
	env.RegisterActivity(activities.New(f.db))
	env.SetOnLocalActivityCompletedListener(func(info *activity.Info, result converter.EncodedValue, err error) {
		if err != nil {
			f.t.Logf("local activity failed: %v", err)
		}
	})
	r := &run{f: f, env: env, outcomes: map[string]*outcome{}}
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, args []any) {
		if ra, ok := args[0].(activities.RecordArgs); ok && info.Attempt == 1 {
			var actions []string
			for _, e := range ra.Events {
				actions = append(actions, e.Action)
			}
			r.batches = append(r.batches, actions)
		}
	})
	return r
}

// at schedules fn at virtual time when.
func (r *run) at(when time.Time, fn func()) {
	r.env.RegisterDelayedCallback(fn, when.Sub(t0))
}

// update sends an Update now and records its outcome under label.
func (r *run) update(label, name string, args any) {
	r.n++
	o := &outcome{}
	r.outcomes[label] = o
	r.env.UpdateWorkflow(name, fmt.Sprintf("%s-%d", label, r.n), o, args)
}

// send schedules an Update at when.
func (r *run) send(when time.Time, label, name string, args any) {
	r.at(when, func() { r.update(label, name, args) })
}

// accepted fails the test unless the Update labelled label completed without error.
func (r *run) accepted(label string) {
	r.f.t.Helper()
	o := r.outcomes[label]
	switch {
	case o == nil:
		r.f.t.Errorf("update %s was never sent", label)
	case o.rejected != nil:
		r.f.t.Errorf("update %s rejected: %v", label, o.rejected)
	case o.err != nil:
		r.f.t.Errorf("update %s failed: %v", label, o.err)
	case !o.done:
		r.f.t.Errorf("update %s did not complete", label)
	}
}

// answer is the Answer of the Update labelled label.
func (r *run) answer(label string) workflows.Answer {
	r.f.t.Helper()
	o := r.outcomes[label]
	if o == nil {
		r.f.t.Errorf("update %s was never sent", label)
		return workflows.Answer{}
	}
	a, ok := o.result.(workflows.Answer)
	if !ok {
		r.f.t.Errorf("update %s answered %#v, want a workflows.Answer", label, o.result)
	}
	return a
}

// refused fails the test unless the Update labelled label was rejected by
// its validator with a Refusal of code.
func (r *run) refused(label, code string) workflows.Refusal {
	r.f.t.Helper()
	o := r.outcomes[label]
	if o == nil || o.rejected == nil {
		r.f.t.Errorf("update %s was not rejected: %+v", label, o)
		return workflows.Refusal{}
	}
	ref, ok := workflows.AsRefusal(o.rejected)
	if !ok || ref.Code != code {
		r.f.t.Errorf("update %s: want a %s refusal, got %v", label, code, o.rejected)
	}
	return ref
}

// view queries the purchase as viewer.
func (r *run) view(viewer workflows.Actor) workflows.View {
	r.f.t.Helper()
	val, err := r.env.QueryWorkflow(workflows.QueryStatus, viewer)
	if err != nil {
		r.f.t.Fatalf("query: %v", err)
	}
	var v workflows.View
	if err := val.Get(&v); err != nil {
		r.f.t.Fatal(err)
	}
	return v
}

// execute runs the workflow to its end (or continue-as-new).
func (r *run) execute(in workflows.PurchaseInput) {
	r.env.ExecuteWorkflow(workflows.PurchaseWorkflow, in)
	if !r.env.IsWorkflowCompleted() {
		r.f.t.Fatal("workflow did not complete")
	}
}

func (r *run) bid(when time.Time, label string, org int, priceFen int64) {
	r.send(when, label, workflows.UpdateBid, workflows.BidArgs{Actor: r.f.reps[org], Supplier: r.f.orgs[org],
		PriceFen: priceFen, Proposal: fmt.Sprintf("技术方案 %d", org)})
}

// scoreAll has each of the given evaluators score every bidder in orgs
// with the given technical points (whole points, by org index).
func (r *run) scoreAll(when time.Time, label string, evaluators []workflows.Actor, tech map[int]int) {
	for i, e := range evaluators {
		var sc []workflows.TechnicalScore
		for org, pts := range tech {
			sc = append(sc, workflows.TechnicalScore{SupplierID: r.f.orgs[org].ID, Technical: rules.WholePoints(pts)})
		}
		r.send(when, fmt.Sprintf("%s-%d", label, i), workflows.UpdateScore, workflows.ScoreArgs{Actor: e, Scores: sc})
	}
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.X.GetContext(context.Background(), &n, query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *fixture) budgetNow() store.Budget {
	f.t.Helper()
	b, err := f.db.BudgetByID(context.Background(), f.budget.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) status(id int64) string {
	f.t.Helper()
	var s string
	if err := f.db.X.GetContext(context.Background(), &s, `SELECT status FROM purchases WHERE id = $1`, id); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// wroteTogether fails unless one write (Record) ended with these actions.
func (r *run) wroteTogether(t *testing.T, actions ...string) {
	t.Helper()
	for _, b := range r.batches {
		if len(b) >= len(actions) && slices.Equal(b[len(b)-len(actions):], actions) {
			return
		}
	}
	t.Errorf("no write of %v; writes: %v", actions, r.batches)
}
