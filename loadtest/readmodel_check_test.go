package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"zhucan/event"
	"zhucan/internal/testenv"
	"zhucan/store"
)

// rmSmall is a world small enough to load row by row in seconds.
var rmSmall = rmScale{Purchases: 3_000, Milestones: 15_000, Years: 3, Suppliers: 40, Officers: 6, Evaluators: 30}

// TestReadModelsMatchTheRecord loads a small world through every
// constraint and trigger, as the application's writes go, applies more
// events through store.Apply, and checks that the purchase list, the
// inboxes and the figures (kept by triggers since migration 00007,
// recomputed after the commit since 00010) are
// exactly what the original queries compute from the record; and that
// rebuilding the figures in one pass changes nothing.
func TestReadModelsMatchTheRecord(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	g, err := newGen(rmSmall, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The figures are recomputed after the commits that change them: a
	// catch-up runs all along the load, as beside a worker.
	cctx, stop := context.WithCancel(ctx)
	caught := make(chan struct{})
	go func() { defer close(caught); db.RunFiguresCatchUp(cctx, time.Millisecond, slog.Default()) }()
	_, err = loadReadModel(ctx, db, g, false, t.Logf)
	stop()
	<-caught
	if err != nil {
		t.Fatal(err)
	}
	checkReadModels(t, db, "after loading")

	// Without a catch-up, the changes wait marked; a read of the figures
	// recomputes them first and sees every one.
	applyMore(t, db)
	var marked int
	if err := db.X.GetContext(ctx, &marked, `SELECT count(*) FROM purchase_figures_stale`); err != nil || marked == 0 {
		t.Errorf("%d purchases marked after more events (%v): their figures were recomputed in the commit", marked, err)
	}
	checkReadModels(t, db, "after more events")

	before := figureTotals(t, db)
	if _, err := db.X.ExecContext(ctx, `SELECT purchase_figures_rebuild()`); err != nil {
		t.Fatal(err)
	}
	if after := figureTotals(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilding the figures changed them:\n before %v\n after  %v", before, after)
	}
	var stale int
	if err := db.X.GetContext(ctx, &stale, `SELECT count(*) FROM purchase_figures_stale`); err != nil || stale != 0 {
		t.Errorf("%d purchases left marked stale (%v)", stale, err)
	}
}

func figureTotals(t *testing.T, db *store.DB) []string {
	t.Helper()
	var rows []string
	if err := db.X.SelectContext(context.Background(), &rows, `SELECT t::text FROM figure_totals t WHERE purchases <> 0 ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	return rows
}

// applyMore writes a few events of each kind the figures count, through
// store.Apply as the workflows do.
func applyMore(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	n := 0
	apply := func(pid int64, evs ...event.Event) {
		t.Helper()
		for i := range evs {
			n++
			evs[i].Key, evs[i].At, evs[i].Actor = fmt.Sprintf("check/%d", n), now, "system"
			if evs[i].Action == "" {
				evs[i].Action = "check.event"
			}
		}
		if err := db.Apply(ctx, pid, fmt.Sprintf("purchase-%d", pid), evs); err != nil {
			t.Fatal(err)
		}
	}
	type target struct {
		PID    int64 `db:"purchase_id"`
		Seq    int   `db:"seq"`
		Budget int64 `db:"budget_id"`
		Amount int64 `db:"amount"`
	}
	pick := func(q string) []target {
		t.Helper()
		var ts []target
		if err := db.X.SelectContext(ctx, &ts, q); err != nil {
			t.Fatal(err)
		}
		if len(ts) == 0 {
			t.Fatalf("no purchase for %s", q)
		}
		return ts
	}
	// Reported milestones accepted and paid (paid from what the purchase
	// reserves anew: its line may hold nothing reserved any more).
	for _, x := range pick(`SELECT k.purchase_id, m.seq, p.budget_id, m.planned_payment_fen AS amount
		FROM milestones m JOIN contracts k ON k.id = m.contract_id JOIN purchases p ON p.id = k.purchase_id
		WHERE m.status = 'reported' ORDER BY 1, 2 LIMIT 5`) {
		apply(x.PID, event.Event{Review: &event.Review{Seq: x.Seq, Version: 1, Accepted: true, AcceptedQty: 3, Beneficiaries: 2}},
			event.Event{Budget: &event.Budget{BudgetID: x.Budget, Kind: "reserve", AmountFen: x.Amount}},
			event.Event{Payment: &event.Payment{Kind: "milestone", Milestone: x.Seq, AmountFen: x.Amount},
				Budget: &event.Budget{BudgetID: x.Budget, Kind: "pay", AmountFen: x.Amount}})
	}
	// Pending milestones reported late, and returned.
	for _, x := range pick(`SELECT k.purchase_id, m.seq FROM milestones m JOIN contracts k ON k.id = m.contract_id
		WHERE m.status = 'pending' AND k.status = 'active' ORDER BY 1, 2 LIMIT 5`) {
		apply(x.PID, event.Event{Report: &event.Report{Seq: x.Seq, Version: 9, Delivered: 4, Beneficiaries: 4, Summary: "s", OnTime: false}},
			event.Event{Review: &event.Review{Seq: x.Seq, Version: 9, Accepted: x.Seq%2 == 0, AcceptedQty: 4, Beneficiaries: 3}})
	}
	// Inspections recorded.
	for _, x := range pick(`SELECT k.purchase_id, i.seq FROM inspections i JOIN contracts k ON k.id = i.contract_id
		WHERE i.recorded_at IS NULL ORDER BY 1, 2 LIMIT 5`) {
		apply(x.PID, event.Event{Inspection: &event.Inspection{Seq: x.Seq, Due: now, Recorded: true, Passed: true, Surveyed: 12, Satisfied: 11}})
	}
	// Final evaluations graded; a new midterm one opened.
	for _, x := range pick(`SELECT k.purchase_id FROM evaluations e JOIN contracts k ON k.id = e.contract_id
		WHERE e.status = 'open' AND e.stage = 'final' ORDER BY 1 LIMIT 5`) {
		apply(x.PID, event.Event{Evaluation: &event.Evaluation{Stage: "final", Done: true, TotalCenti: 9150, Grade: "excellent"}})
	}
	// Tender rounds opened and failed; a purchase planned.
	for _, x := range pick(`SELECT p.id AS purchase_id, p.budget_id FROM purchases p WHERE p.status = 'tendering' ORDER BY 1 LIMIT 5`) {
		apply(x.PID, event.Event{Action: "bids.opened", Opened: &event.Opened{Round: 1, Bids: []event.Bid{{SupplierID: 1, PriceFen: 100, SubmittedAt: now}}}},
			event.Event{Action: "purchase.failed", Status: &event.Status{Status: "failed", Round: 1, Method: "open_tender", BidDeadline: now},
				Budget: &event.Budget{BudgetID: x.Budget, Kind: "release", AmountFen: 1}})
	}
}

func checkReadModels(t *testing.T, db *store.DB, when string) {
	t.Helper()
	ctx := context.Background()
	var years []int
	if err := db.X.SelectContext(ctx, &years, `SELECT DISTINCT fiscal_year FROM budget_lines UNION SELECT 0 UNION SELECT 1999 ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	oracle := func(q string, args ...any) []store.Figures {
		t.Helper()
		var fs []store.Figures
		if err := db.X.SelectContext(ctx, &fs, q, args...); err != nil {
			t.Fatal(err)
		}
		for i := range fs {
			if fs[i].BudgetFen > 0 {
				bp := fs[i].PaidFen * 10000 / fs[i].BudgetFen
				fs[i].ExecutionBP = &bp
			}
		}
		if fs == nil {
			fs = []store.Figures{}
		}
		return fs
	}
	same := func(what string, got []store.Figures, err error, want []store.Figures) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s:\n got %s\nwant %s", when, what, figuresText(got), figuresText(want))
		}
	}
	for _, y := range years {
		got, err := db.AreaFigures(ctx, y)
		same(fmt.Sprintf("AreaFigures(%d)", y), got, err, oracle(oracleAreaFigures, y))
		got, err = db.SupplierFigures(ctx, y)
		same(fmt.Sprintf("SupplierFigures(%d)", y), got, err, oracle(oracleSupplierFigures, y))
	}
	got, err := db.YearFigures(ctx)
	same("YearFigures()", got, err, oracle(oracleYearFigures, 0))

	// The purchase list: titles are Chinese, so English words match only
	// through the item's name.
	var maxID int64
	if err := db.X.GetContext(ctx, &maxID, `SELECT max(id) FROM purchases`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.PurchaseFilter{
		{Query: "Rehabilitation", Limit: 50}, {Query: "rehab", Status: "settled", Limit: 20}, {Query: "care", Before: maxID / 2, Limit: 100},
		{Query: "助餐", Limit: 30}, {Query: "东湖街道", Category: "care", Limit: 20}, {Query: "桂花社区" + fmt.Sprint(g0(db, t)) + "年度", Limit: 100},
		{Query: "项目000123", Limit: 20}, {Query: "100%", Limit: 20}, {Query: `a_b\`, Limit: 20}, {Status: "delivering", Limit: 20},
		{SupplierID: 3, Method: "open_tender", Limit: 20},
	} {
		ps, err := db.ListPurchases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		want := oracleList(t, db, f)
		if !slices.Equal(ids, want) {
			t.Errorf("%s ListPurchases(%+v): got %v, want %v", when, f, ids, want)
		}
	}

	// The inboxes.
	users := map[string]string{"officer": oracleOfficerTasks, "supplier": oracleSupplierTasks, "evaluator": oracleEvaluatorTasks}
	for role, q := range users {
		us, err := db.ListUsers(ctx, role)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			got, err := db.Tasks(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			arg := u.ID
			if role == "supplier" {
				arg = *u.SupplierID
			}
			want := []store.Task{}
			if err := db.X.SelectContext(ctx, &want, `SELECT * FROM (`+q+`) t ORDER BY due NULLS LAST, purchase_id, ref`, arg); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tasksText(got), tasksText(want)) {
				t.Errorf("%s Tasks(%s %d): got %d tasks, want %d:\n got %v\nwant %v", when, role, u.ID, len(got), len(want), tasksText(got), tasksText(want))
			}
		}
	}
}

// g0 is the first fiscal year of the small world.
func g0(db *store.DB, t *testing.T) int {
	var y int
	if err := db.X.GetContext(context.Background(), &y, `SELECT min(fiscal_year) FROM budget_lines`); err != nil {
		t.Fatal(err)
	}
	return y
}

// oracleList is the purchase list as the original query selects it.
func oracleList(t *testing.T, db *store.DB, f store.PurchaseFilter) []int64 {
	t.Helper()
	q := `SELECT p.id FROM purchases p JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code
		WHERE ($1 = '' OR p.status = $1) AND ($2 = '' OR p.area = $2) AND ($3 = '' OR p.method = $3)
		  AND ($4 = 0 OR EXISTS (SELECT 1 FROM bids b WHERE b.purchase_id = p.id AND b.supplier_id = $4))
		  AND ($5 = '' OR p.title ILIKE $6 OR i.name_zh ILIKE $6 OR i.name_en ILIKE $6)
		  AND ($7 = 0 OR p.id < $7)
		ORDER BY p.id DESC LIMIT $8`
	var ids []int64
	like := "%" + escapeLike(f.Query) + "%"
	if err := db.X.SelectContext(context.Background(), &ids, q, f.Status, f.Category, f.Method, f.SupplierID, f.Query, like, f.Before, f.Limit); err != nil {
		t.Fatal(err)
	}
	return ids
}

func escapeLike(s string) string {
	var out []rune
	for _, r := range s {
		if r == '\\' || r == '%' || r == '_' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

func figuresText(fs []store.Figures) string {
	var s string
	for _, f := range fs {
		s += fmt.Sprintf("\n  %+v", deref(f))
	}
	return s
}

// deref renders a Figures' pointer fields by value.
func deref(f store.Figures) map[string]any {
	p := func(x *int64) any {
		if x == nil {
			return nil
		}
		return *x
	}
	return map[string]any{"key": f.Key, "purchases": f.Purchases, "budget": f.BudgetFen, "reserved": f.ReservedFen,
		"paid": f.PaidFen, "exec": p(f.ExecutionBP), "planned": f.PlannedQuantity, "delivered": f.DeliveredQuantity,
		"ben": f.Beneficiaries, "cpb": p(f.CostPerBeneficiaryFen), "ontime": p(f.OnTimeBP), "sat": f.Satisfied, "sur": f.Surveyed,
		"satbp": p(f.SatisfactionBP), "grades": [4]int64{f.Excellent, f.Good, f.Pass, f.Fail}, "mean": p(f.MeanScoreCenti),
		"rounds": f.Rounds, "bids": f.Bids, "bpt": p(f.BidsPerTenderCenti), "failed": f.FailedRounds}
}

func tasksText(ts []store.Task) []string {
	out := []string{}
	for _, x := range ts {
		ref, since, due := "-", "-", "-"
		if x.Ref != nil {
			ref = fmt.Sprint(*x.Ref)
		}
		if x.Since != nil {
			since = x.Since.UTC().Format(time.RFC3339Nano)
		}
		if x.Due != nil {
			due = x.Due.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, fmt.Sprintf("%s/%d/%s/%s/%s/%s", x.Kind, x.PurchaseID, ref, since, due, x.Policy))
	}
	return out
}
