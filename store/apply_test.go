package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
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

// planned is the plan of a purchase of item it under budget line budgetID
// for 900,000 fen, its bids due an hour after at and its service in the
// hour after that.
func planned(it catalog.Item, budgetID int64, at time.Time) *event.Planned {
	return &event.Planned{Title: "t", CatalogYear: it.Year, CatalogCode: it.Code, Area: it.Area, BudgetID: budgetID,
		Quantity: 10, CeilingFen: 900_000, Method: "open_tender", BidDeadline: at.Add(time.Hour),
		ServiceStart: at.Add(2 * time.Hour), ServiceEnd: at.Add(3 * time.Hour), PriceWeight: 30, Policy: "statutory"}
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
			Planned: planned(it, budget.ID, at),
			Budget:  &event.Budget{BudgetID: budget.ID, Kind: "reserve", AmountFen: 900_000}},
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

// TestSingleEventsAreAppliedOnceInOneStatement: the events applied in one
// statement (applyAtOnce) — a bid, an evaluator's scores — sent several
// times at once and again later, as retried activities would, while other
// entries join the same purchase's chain, are each applied once, and the
// chain verifies.
func TestSingleEventsAreAppliedOnceInOneStatement(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	it := c.Items[0]
	budget, orgs := budgetAndBidders(t, db, it, 3)
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	if err := db.Apply(ctx, 7, "wf", []event.Event{
		{Key: "wf/1", Action: "purchase.planned", At: at, Actor: "user:1",
			Planned: planned(it, budget.ID, at)},
		{Key: "wf/2", Action: "bids.opened", At: at, Actor: "system", Opened: &event.Opened{Round: 1, Bids: []event.Bid{
			{SupplierID: orgs[0], PriceFen: 800_000, SubmittedAt: at}, {SupplierID: orgs[1], PriceFen: 700_000, SubmittedAt: at}}}},
	}); err != nil {
		t.Fatal(err)
	}
	var single []event.Event
	for i := range 20 {
		e := event.Event{Key: fmt.Sprintf("wf/%d", i+3), At: at, Actor: fmt.Sprintf("user:%d", 100+i)}
		if i%2 == 0 {
			e.Action, e.Note = "bid.submitted", "sealed"
		} else {
			e.Action = "scores.submitted"
			e.Scores = &event.Scores{Round: 1, EvaluatorID: int64(100 + i), Technical: []event.TechnicalScore{
				{SupplierID: orgs[0], Centi: int64(6000 + i)}, {SupplierID: orgs[1], Centi: 7000}}}
		}
		single = append(single, e)
	}
	for _, u := range []int64{101, 103, 105, 107, 109, 111, 113, 115, 117, 119} {
		if _, err := db.X.ExecContext(ctx, `INSERT INTO users (id, name, role) VALUES ($1, $2, 'evaluator')`, u, fmt.Sprintf("e%d", u)); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 4*len(single)+10)
	var wg sync.WaitGroup
	for _, e := range single {
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- db.Apply(ctx, 7, "wf", []event.Event{e}) }()
		}
	}
	pid := int64(7)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.AppendAudit(ctx, store.AuditEntry{EventKey: fmt.Sprintf("api/%d", i), PurchaseID: &pid, Actor: "user:1", Action: "note"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A retry long after.
	if err := db.Apply(ctx, 7, "wf", single[:2]); err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(ctx, 7, "wf", single[1:2]); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int64{
		`SELECT count(*) FROM audit_log WHERE purchase_id = 7`:                       2 + 20 + 10,
		`SELECT count(DISTINCT event_key) FROM audit_log`:                            2 + 20 + 10,
		`SELECT count(*) FROM bid_scores`:                                            20,
		`SELECT count(*) FROM audit_log WHERE purchase_id = 7 AND prev_hash IS NULL`: 1,
	} {
		var n int64
		if err := db.X.GetContext(ctx, &n, q); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
	var head, last []byte
	if err := db.X.GetContext(ctx, &head, `SELECT hash FROM audit_chain_heads WHERE chain = 7`); err != nil {
		t.Fatal(err)
	}
	if err := db.X.GetContext(ctx, &last, `SELECT hash FROM audit_log WHERE purchase_id = 7 ORDER BY id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(head, last) {
		t.Errorf("the chain's head is not its last entry")
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 32 {
		t.Fatalf("verify: %d entries, %v", n, err)
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

// TestPurchaseRecordReadsTheWholeRecordAtOnce reads a purchase through its
// delivery in one round trip: what the single reads read, what was
// recorded, and a new audit head after the next change.
func TestPurchaseRecordReadsTheWholeRecordAtOnce(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	if _, err := db.PurchaseRecordByID(ctx, 7); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing purchase: %v, want ErrNotFound", err)
	}
	it := c.Items[0]
	budget, orgs := budgetAndBidders(t, db, it, 2)
	tok, _ := store.NewToken()
	expert, err := db.CreateUserWithToken(ctx, valid.New(), store.User{Name: "expert", Role: "evaluator"}, tok)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	events := []event.Event{
		{Key: "wf/1", Action: "purchase.planned", At: at, Actor: "user:1",
			Planned: planned(it, budget.ID, at),
			Budget:  &event.Budget{BudgetID: budget.ID, Kind: "reserve", AmountFen: 900_000}},
		{Key: "wf/2", Action: "bids.opened", At: at, Actor: "system", Opened: &event.Opened{Round: 1, Bids: []event.Bid{
			{SupplierID: orgs[0], PriceFen: 800_000, SubmittedAt: at}, {SupplierID: orgs[1], PriceFen: 700_000, SubmittedAt: at}}}},
		// An evaluator's scores are one statement for all bids; a bid
		// named twice keeps its last score.
		{Key: "wf/3", Action: "scores.submitted", At: at, Actor: "user:5",
			Scores: &event.Scores{Round: 1, EvaluatorID: expert.ID, Technical: []event.TechnicalScore{
				{SupplierID: orgs[0], Centi: 6000}, {SupplierID: orgs[1], Centi: 7000}, {SupplierID: orgs[0], Centi: 6500}}}},
		{Key: "wf/4", Action: "award.notified", At: at, Actor: "system", Award: &event.Award{Round: 1, SupplierID: orgs[1], AmountFen: 700_000,
			Ranking: []event.Ranked{{SupplierID: orgs[1], TotalCenti: 9000, Rank: 1}, {SupplierID: orgs[0], TotalCenti: 8000, Rank: 2}}}},
		{Key: "wf/5", Action: "contract.signed", At: at, Actor: "system",
			Contract: &event.Contract{SupplierID: orgs[1], AmountFen: 700_000, Quantity: 10, ServiceStart: at.Add(2 * time.Hour),
				ServiceEnd: at.Add(3 * time.Hour), OfficerSignedAt: at, SupplierSignedAt: at,
				Milestones: []event.Milestone{{Seq: 1, Name: "m1", Due: at.Add(3 * time.Hour), Quantity: 10, PaymentPercent: 100, PaymentFen: 700_000}}},
			Budget: &event.Budget{BudgetID: budget.ID, Kind: "release", AmountFen: 200_000}},
		{Key: "wf/6", Action: "milestone.reported", At: at, Actor: "user:9",
			Report: &event.Report{Seq: 1, Version: 1, Delivered: 10, Beneficiaries: 10, Summary: "done", OnTime: true}},
		{Key: "wf/7", Action: "milestone.accepted", At: at, Actor: "user:1",
			Review:  &event.Review{Seq: 1, Version: 1, Accepted: true, AcceptedQty: 10, Beneficiaries: 10},
			Payment: &event.Payment{Kind: "milestone", Milestone: 1, AmountFen: 700_000},
			Budget:  &event.Budget{BudgetID: budget.ID, Kind: "pay", AmountFen: 700_000}},
	}
	if err := db.Apply(ctx, 7, "wf", events); err != nil {
		t.Fatal(err)
	}
	rec, err := db.PurchaseRecordByID(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := db.PurchaseByID(ctx, 7)
	members, _ := db.Members(ctx, 7)
	bids, _ := db.Bids(ctx, 7)
	contract, err := db.ContractOf(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	milestones, _ := db.Milestones(ctx, contract.ID)
	for what, same := range map[string]bool{
		"purchase": reflect.DeepEqual(rec.Purchase, p), "members": reflect.DeepEqual(rec.Members, members),
		"bids": reflect.DeepEqual(rec.Bids, bids), "contract": rec.Contract != nil && reflect.DeepEqual(*rec.Contract, contract),
		"milestones": reflect.DeepEqual(rec.Milestones, milestones),
	} {
		if !same {
			t.Errorf("the record's %s differ from the single read's", what)
		}
	}
	if len(rec.Bids) != 2 || len(rec.Bids[0].ScoredBy) != 1 || rec.Bids[0].ScoredBy[0] != expert.ID {
		t.Errorf("bids %+v", rec.Bids)
	}
	if len(rec.Awards) != 1 || rec.Awards[0].SupplierID != orgs[1] || rec.Awards[0].AmountFen != 700_000 || rec.Awards[0].Status != "signed" {
		t.Errorf("awards %+v", rec.Awards)
	}
	// The ranking is recorded on every bid, with the award, in one statement.
	for _, b := range rec.Bids {
		want := map[int64][2]int64{orgs[1]: {9000, 1}, orgs[0]: {8000, 2}}[b.SupplierID]
		if b.TotalCenti == nil || b.Rank == nil || *b.TotalCenti != want[0] || int64(*b.Rank) != want[1] {
			t.Errorf("bid of supplier %d ranked %v / %v, want %v", b.SupplierID, b.TotalCenti, b.Rank, want)
		}
	}
	if m := rec.Milestones; len(m) != 1 || m[0].Name != "m1" || !m[0].Due.Equal(at.Add(3*time.Hour)) || m[0].Quantity != 10 ||
		m[0].PaymentPercent != 100 || m[0].PaymentFen != 700_000 {
		t.Errorf("the contract's milestones as planned: %+v", m)
	}
	if len(rec.Milestones) != 1 || rec.Milestones[0].Status != "accepted" || len(rec.Milestones[0].Reports) != 1 ||
		rec.Milestones[0].Reports[0].Summary != "done" {
		t.Errorf("milestones %+v", rec.Milestones)
	}
	if len(rec.Payments) != 1 || rec.Payments[0].AmountFen != 700_000 || rec.Payments[0].Kind != "milestone" {
		t.Errorf("payments %+v", rec.Payments)
	}
	if len(rec.Challenges)+len(rec.Inspections)+len(rec.Rectifications)+len(rec.Evaluations) != 0 {
		t.Errorf("records of what did not happen: %+v", rec)
	}
	var scored []struct {
		Supplier int64 `db:"supplier_id"`
		Centi    int64 `db:"technical_centi"`
	}
	if err := db.X.SelectContext(ctx, &scored, `SELECT b.supplier_id, s.technical_centi FROM bid_scores s JOIN bids b ON b.id = s.bid_id
		WHERE s.evaluator_id = $1 ORDER BY b.supplier_id`, expert.ID); err != nil {
		t.Fatal(err)
	}
	if len(scored) != 2 || scored[0].Supplier != orgs[0] || scored[0].Centi != 6500 || scored[1].Centi != 7000 {
		t.Errorf("scores recorded %+v", scored)
	}
	if rec.Version.AuditHead == 0 || rec.Version.Registry == 0 {
		t.Errorf("version %+v: neither number may be zero", rec.Version)
	}
	if v, err := db.PurchaseVersion(ctx, 7); err != nil || v != rec.Version {
		t.Errorf("PurchaseVersion = %+v, %v; the record was read at %+v", v, err, rec.Version)
	}
	if err := db.Apply(ctx, 7, "wf", []event.Event{{Key: "wf/8", Action: "purchase.delivering", At: at, Actor: "system",
		Status: &event.Status{Status: "delivering", Round: 1, Method: "open_tender"}}}); err != nil {
		t.Fatal(err)
	}
	next, err := db.PurchaseRecordByID(ctx, 7)
	if err != nil || next.Version.AuditHead <= rec.Version.AuditHead || next.Purchase.Status != "delivering" {
		t.Errorf("after a change: head %d (was %d), status %s, %v", next.Version.AuditHead, rec.Version.AuditHead, next.Purchase.Status, err)
	}
	// A change in the registry (an organisation named on the page put on
	// the dishonesty list) moves the registry's version, not the head.
	if err := db.SetDishonest(ctx, orgs[0], true, "test"); err != nil {
		t.Fatal(err)
	}
	if v, err := db.PurchaseVersion(ctx, 7); err != nil || v.AuditHead != next.Version.AuditHead || v.Registry <= next.Version.Registry {
		t.Errorf("after a registry change: %+v, %v (was %+v)", v, err, next.Version)
	}
	if v, err := db.PurchaseVersion(ctx, 999_999); err != nil || v.AuditHead != 0 {
		t.Errorf("version of a purchase that does not exist: %+v, %v", v, err)
	}
	// Single delivery events once the contract is known: a report and its
	// return, each a change of two tables in one statement with its entry.
	for _, e := range []event.Event{
		{Key: "wf/9", Action: "milestone.reported", At: at, Actor: "user:9",
			Report: &event.Report{Seq: 1, Version: 2, Delivered: 10, Beneficiaries: 10, Summary: "again", OnTime: true}},
		{Key: "wf/10", Action: "milestone.returned", At: at, Actor: "user:1", Note: "missing signatures",
			Review: &event.Review{Seq: 1, Version: 2}},
		{Key: "wf/11", Action: "milestone.reported", At: at, Actor: "user:9",
			Report: &event.Report{Seq: 1, Version: 3, Delivered: 9, Beneficiaries: 9, Summary: "third", OnTime: true}},
	} {
		for range 2 { // and once more, as a retry
			if err := db.Apply(ctx, 7, "wf", []event.Event{e}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ms struct {
		Status   string `db:"status"`
		Reports  int    `db:"reports"`
		Returned int    `db:"returned"`
	}
	if err := db.X.GetContext(ctx, &ms, `SELECT m.status, (SELECT count(*) FROM milestone_reports r WHERE r.contract_id = m.contract_id) AS reports,
			(SELECT count(*) FROM milestone_reports r WHERE r.contract_id = m.contract_id AND r.accepted = false AND r.review_reason = 'missing signatures') AS returned
		FROM milestones m WHERE m.seq = 1`); err != nil || ms.Status != "reported" || ms.Reports != 3 || ms.Returned != 1 {
		t.Errorf("after a report, its return and another report: %+v (%v)", ms, err)
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 11 {
		t.Errorf("verify: %d entries, %v", n, err)
	}
	// The record's statements are prepared on a connection once and kept;
	// one a connection lost is prepared again.
	db.X.SetMaxOpenConns(1)
	for range 2 {
		if again, err := db.PurchaseRecordByID(ctx, 7); err != nil || again.Purchase.Status != "delivering" || len(again.Bids) != 2 {
			t.Fatalf("reading again on one connection: %+v, %v", again.Purchase, err)
		}
	}
	var prepared int
	if err := db.X.GetContext(ctx, &prepared, `SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'zhucan_record_%'`); err != nil || prepared != 14 {
		t.Fatalf("%d of the record's 14 statements prepared on the connection (%v)", prepared, err)
	}
	if _, err := db.X.ExecContext(ctx, `DEALLOCATE zhucan_record_0`); err != nil {
		t.Fatal(err)
	}
	if again, err := db.PurchaseRecordByID(ctx, 7); err != nil || again.Purchase.Status != "delivering" {
		t.Fatalf("after a statement was lost: %+v, %v", again.Purchase, err)
	}
}
