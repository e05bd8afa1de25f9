package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"zhucan/catalog"
	"zhucan/event"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

// budgetAndBidders creates a budget line of 1,000,000 fen for item it's
// area and n organisations qualified for it.
func budgetAndBidders(t *testing.T, db *store.DB, it catalog.Item, n int) (store.Budget, []int64) {
	t.Helper()
	ctx, v := context.Background(), valid.New()
	budget, err := db.CreateBudget(ctx, v, store.Budget{Name: "line", FiscalYear: 2026, Category: it.Area, AmountFen: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	var orgs []int64
	for i := range n {
		first := fmt.Sprintf("523501027%08d", i+1)
		ch, _ := rules.CreditCodeCheckChar(first)
		s, err := db.CreateSupplier(ctx, v, store.Supplier{CreditCode: first + string(ch), Name: fmt.Sprintf("org %d", i), Qualifications: it.Qualifications})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, s.ID)
	}
	return budget, orgs
}

// TestApplyIsExactlyOnce applies a purchase's events several times at once
// and again, as a retried activity would, and finds every row once and the budget moved once.
func TestApplyIsExactlyOnce(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	it := c.Items[0]
	budget, orgs := budgetAndBidders(t, db, it, 3)
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	key := func(n int) string { return fmt.Sprintf("wf/%d", n) }
	events := []event.Event{
		{Key: key(1), Action: "purchase.planned", At: at, Actor: "user:1",
			Planned: &event.Planned{Title: "t", CatalogYear: it.Year, CatalogCode: it.Code, Area: it.Area, BudgetID: budget.ID,
				Quantity: 10, CeilingFen: 900_000, Method: "open_tender", BidDeadline: at.Add(time.Hour),
				ServiceStart: at.Add(2 * time.Hour), ServiceEnd: at.Add(3 * time.Hour), PriceWeight: 30, Policy: "statutory"},
			Budget: &event.Budget{BudgetID: budget.ID, Kind: "reserve", AmountFen: 900_000}},
		{Key: key(2), Action: "bids.opened", At: at, Actor: "system", Opened: &event.Opened{Round: 1, Bids: []event.Bid{
			{SupplierID: orgs[0], PriceFen: 800_000, SubmittedAt: at}, {SupplierID: orgs[1], PriceFen: 700_000, SubmittedAt: at},
			{SupplierID: orgs[2], PriceFen: 850_000, SubmittedAt: at}}}},
		{Key: key(3), Action: "award.notified", At: at, Actor: "system", Award: &event.Award{Round: 1, SupplierID: orgs[1], AmountFen: 700_000,
			Ranking: []event.Ranked{{SupplierID: orgs[1], TotalCenti: 9000, Rank: 1}}}},
		{Key: key(4), Action: "contract.signed", At: at, Actor: "system",
			Contract: &event.Contract{SupplierID: orgs[1], AmountFen: 700_000, Quantity: 10, ServiceStart: at.Add(2 * time.Hour),
				ServiceEnd: at.Add(3 * time.Hour), OfficerSignedAt: at, SupplierSignedAt: at,
				Milestones: []event.Milestone{{Seq: 1, Name: "m1", Due: at.Add(3 * time.Hour), Quantity: 10, PaymentPercent: 100, PaymentFen: 700_000}}},
			Budget: &event.Budget{BudgetID: budget.ID, Kind: "release", AmountFen: 200_000}},
	}
	// Attempts at once, as a local activity retried while its first
	// attempt still runs: each either applies the batch or finds it applied.
	errs := make(chan error, 6)
	for range cap(errs) {
		go func() { errs <- db.Apply(ctx, 7, "wf", events) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Apply(ctx, 7, "wf", events); err != nil {
		t.Fatal(err)
	}
	// A retry of only the tail after a crash also changes nothing.
	if err := db.Apply(ctx, 7, "wf", events[2:]); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{
		`SELECT count(*) FROM purchases`:        1,
		`SELECT count(*) FROM bids`:             3,
		`SELECT count(*) FROM awards`:           1,
		`SELECT count(*) FROM contracts`:        1,
		`SELECT count(*) FROM milestones`:       1,
		`SELECT count(*) FROM budget_movements`: 2,
		`SELECT count(*) FROM audit_log`:        4,
		`SELECT reserved_fen FROM budget_lines`: 700_000,
	} {
		var n int64
		if err := db.X.GetContext(ctx, &n, q); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain after concurrent attempts: %v", err)
	}
}

// TestApplyRefusesAReservationTheBudgetCannotCover leaves nothing behind.
func TestApplyRefusesAReservationTheBudgetCannotCover(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	it := c.Items[0]
	budget, err := db.CreateBudget(ctx, valid.New(), store.Budget{Name: "small", FiscalYear: 2026, Category: it.Area, AmountFen: 100})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	err = db.Apply(ctx, 9, "wf9", []event.Event{{Key: "wf9/1", Action: "purchase.planned", At: at, Actor: "user:1",
		Planned: &event.Planned{Title: "t", CatalogYear: it.Year, CatalogCode: it.Code, Area: it.Area, BudgetID: budget.ID,
			Quantity: 1, CeilingFen: 101, Method: "open_tender", BidDeadline: at, ServiceStart: at.Add(time.Hour),
			ServiceEnd: at.Add(2 * time.Hour), PriceWeight: 30, Policy: "statutory"},
		Budget: &event.Budget{BudgetID: budget.ID, Kind: "reserve", AmountFen: 101}}})
	var be *store.BudgetError
	if !errors.As(err, &be) || be.AvailableFen != 100 || be.WantFen != 101 {
		t.Fatalf("want a budget refusal, got %v", err)
	}
	var n int
	if err := db.X.GetContext(ctx, &n, `SELECT (SELECT count(*) FROM purchases) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM budget_movements)`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a refused purchase left %d rows", n)
	}
}

// TestPurchaseRecordReadsWhatTheSingleReadsRead reads a purchase with its
// bids, award and contract in one round trip and finds what the reads one
// by one find, then a new audit head after the next change.
func TestPurchaseRecordReadsWhatTheSingleReadsRead(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	v := valid.New()
	if _, err := db.PurchaseRecordByID(ctx, 7); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing purchase: %v, want ErrNotFound", err)
	}
	it := c.Items[0]
	budget, orgs := budgetAndBidders(t, db, it, 2)
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	events := []event.Event{
		{Key: "wf/1", Action: "purchase.planned", At: at, Actor: "user:1",
			Planned: &event.Planned{Title: "t", CatalogYear: it.Year, CatalogCode: it.Code, Area: it.Area, BudgetID: budget.ID,
				Quantity: 10, CeilingFen: 900_000, Method: "open_tender", BidDeadline: at.Add(time.Hour),
				ServiceStart: at.Add(2 * time.Hour), ServiceEnd: at.Add(3 * time.Hour), PriceWeight: 30, Policy: "statutory"},
			Budget: &event.Budget{BudgetID: budget.ID, Kind: "reserve", AmountFen: 900_000}},
		{Key: "wf/2", Action: "bids.opened", At: at, Actor: "system", Opened: &event.Opened{Round: 1, Bids: []event.Bid{
			{SupplierID: orgs[0], PriceFen: 800_000, SubmittedAt: at}, {SupplierID: orgs[1], PriceFen: 700_000, SubmittedAt: at}}}},
		{Key: "wf/3", Action: "award.notified", At: at, Actor: "system", Award: &event.Award{Round: 1, SupplierID: orgs[1], AmountFen: 700_000,
			Ranking: []event.Ranked{{SupplierID: orgs[1], TotalCenti: 9000, Rank: 1}, {SupplierID: orgs[0], TotalCenti: 8000, Rank: 2}}}},
		{Key: "wf/4", Action: "contract.signed", At: at, Actor: "system",
			Contract: &event.Contract{SupplierID: orgs[1], AmountFen: 700_000, Quantity: 10, ServiceStart: at.Add(2 * time.Hour),
				ServiceEnd: at.Add(3 * time.Hour), OfficerSignedAt: at, SupplierSignedAt: at,
				Milestones: []event.Milestone{{Seq: 1, Name: "m1", Due: at.Add(3 * time.Hour), Quantity: 10, PaymentPercent: 100, PaymentFen: 700_000}}},
			Budget: &event.Budget{BudgetID: budget.ID, Kind: "release", AmountFen: 200_000}},
	}
	// An evaluator's scores, one statement for all bids; a bid named twice
	// keeps its last score.
	tok, _ := store.NewToken()
	ev, err := db.CreateUserWithToken(ctx, v, store.User{Name: "expert", Role: "evaluator"}, tok)
	if err != nil {
		t.Fatal(err)
	}
	events = append(events[:2], append([]event.Event{{Key: "wf/2s", Action: "scores.submitted", At: at, Actor: "user:5",
		Scores: &event.Scores{Round: 1, EvaluatorID: ev.ID, Technical: []event.TechnicalScore{
			{SupplierID: orgs[0], Centi: 6000}, {SupplierID: orgs[1], Centi: 7000}, {SupplierID: orgs[0], Centi: 6500}}}}}, events[2:]...)...)
	if err := db.Apply(ctx, 7, "wf", events); err != nil {
		t.Fatal(err)
	}
	var scored []struct {
		Supplier int64 `db:"supplier_id"`
		Centi    int64 `db:"technical_centi"`
	}
	if err := db.X.SelectContext(ctx, &scored, `SELECT b.supplier_id, s.technical_centi FROM bid_scores s JOIN bids b ON b.id = s.bid_id
		WHERE s.evaluator_id = $1 ORDER BY b.supplier_id`, ev.ID); err != nil {
		t.Fatal(err)
	}
	if len(scored) != 2 || scored[0].Supplier != orgs[0] || scored[0].Centi != 6500 || scored[1].Centi != 7000 {
		t.Errorf("scores recorded %+v", scored)
	}
	rec, err := db.PurchaseRecordByID(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.PurchaseByID(ctx, 7)
	members, _ := db.Members(ctx, 7)
	bids, _ := db.Bids(ctx, 7)
	awards, _ := db.Awards(ctx, 7)
	challenges, _ := db.Challenges(ctx, 7)
	contract, err := db.ContractOf(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	milestones, _ := db.Milestones(ctx, contract.ID)
	inspections, _ := db.Inspections(ctx, contract.ID)
	rectifications, _ := db.Rectifications(ctx, contract.ID)
	evaluations, _ := db.Evaluations(ctx, contract.ID)
	payments, _ := db.Payments(ctx, contract.ID)
	want := store.PurchaseRecord{Purchase: p, Members: members, Bids: bids, Awards: awards, Challenges: challenges, Contract: &contract,
		Milestones: milestones, Inspections: inspections, Rectifications: rectifications, Evaluations: evaluations, Payments: payments,
		AuditHead: rec.AuditHead}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("one round trip read\n%+v\nthe single reads read\n%+v", rec, want)
	}
	if len(rec.Bids) != 2 || len(rec.Awards) != 1 || len(rec.Milestones) != 1 || rec.AuditHead == 0 {
		t.Errorf("record %+v", rec)
	}
	if err := db.Apply(ctx, 7, "wf", []event.Event{{Key: "wf/5", Action: "purchase.delivering", At: at, Actor: "system",
		Status: &event.Status{Status: "delivering", Round: 1, Method: "open_tender"}}}); err != nil {
		t.Fatal(err)
	}
	if next, err := db.PurchaseRecordByID(ctx, 7); err != nil || next.AuditHead <= rec.AuditHead || next.Purchase.Status != "delivering" {
		t.Errorf("after a change: head %d (was %d), status %s, %v", next.AuditHead, rec.AuditHead, next.Purchase.Status, err)
	}
}
