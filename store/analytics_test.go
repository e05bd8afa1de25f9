package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"zhucan/event"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

// TestAnalyticsMatchHandComputedFigures builds two purchases through
// events and checks every figure against values computed by hand.
func TestAnalyticsMatchHandComputedFigures(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	v := valid.New()
	rehab, care := c.Items[0], c.Items[4]
	if rehab.Area != "rehabilitation" || care.Area != "care" {
		t.Fatalf("fixture items: %s %s", rehab.Area, care.Area)
	}
	lineR, _ := db.CreateBudget(ctx, v, store.Budget{Name: "康复", FiscalYear: 2026, Category: "rehabilitation", AmountFen: 1_000_000})
	lineC, _ := db.CreateBudget(ctx, v, store.Budget{Name: "托养", FiscalYear: 2026, Category: "care", AmountFen: 500_000})
	var orgs []int64
	for i := range 3 {
		first := fmt.Sprintf("523501027%08d", i+1)
		ch, _ := rules.CreditCodeCheckChar(first)
		s, err := db.CreateSupplier(ctx, v, store.Supplier{CreditCode: first + string(ch), Name: fmt.Sprintf("机构%d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, s.ID)
	}
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	n := 0
	e := func(wf string, action string, ev event.Event) event.Event {
		n++
		ev.Key, ev.Action, ev.At, ev.Actor = fmt.Sprintf("%s/%d", wf, n), action, at.Add(time.Duration(n)*time.Hour), "system"
		return ev
	}
	a := []event.Event{
		e("A", "purchase.planned", event.Event{Planned: &event.Planned{Title: "A", CatalogYear: rehab.Year, CatalogCode: rehab.Code, Area: rehab.Area,
			BudgetID: lineR.ID, Quantity: 20, CeilingFen: 900_000, Method: "open_tender", BidDeadline: at, ServiceStart: at.Add(time.Hour),
			ServiceEnd: at.Add(1000 * time.Hour), PriceWeight: 30, Policy: "statutory"},
			Budget: &event.Budget{BudgetID: lineR.ID, Kind: "reserve", AmountFen: 900_000}}),
		e("A", "bids.opened", event.Event{Opened: &event.Opened{Round: 1, Bids: []event.Bid{
			{SupplierID: orgs[0], PriceFen: 600_000, SubmittedAt: at}, {SupplierID: orgs[1], PriceFen: 700_000, SubmittedAt: at},
			{SupplierID: orgs[2], PriceFen: 800_000, SubmittedAt: at}}}}),
		e("A", "award.notified", event.Event{Award: &event.Award{Round: 1, SupplierID: orgs[0], AmountFen: 600_000}}),
		e("A", "contract.signed", event.Event{Contract: &event.Contract{SupplierID: orgs[0], AmountFen: 600_000, Quantity: 20,
			ServiceStart: at.Add(time.Hour), ServiceEnd: at.Add(1000 * time.Hour), OfficerSignedAt: at, SupplierSignedAt: at,
			Milestones: []event.Milestone{{Seq: 1, Name: "m1", Due: at.Add(500 * time.Hour), Quantity: 10, PaymentPercent: 50, PaymentFen: 300_000},
				{Seq: 2, Name: "m2", Due: at.Add(1000 * time.Hour), Quantity: 10, PaymentPercent: 50, PaymentFen: 300_000}}},
			Budget: &event.Budget{BudgetID: lineR.ID, Kind: "release", AmountFen: 300_000}}),
		e("A", "milestone.reported", event.Event{Report: &event.Report{Seq: 1, Version: 1, Delivered: 10, Beneficiaries: 8, Summary: "s", OnTime: true}}),
		e("A", "milestone.accepted", event.Event{Review: &event.Review{Seq: 1, Version: 1, Accepted: true, AcceptedQty: 10, Beneficiaries: 8}}),
		e("A", "payment.milestone", event.Event{Payment: &event.Payment{Kind: "milestone", Milestone: 1, AmountFen: 300_000},
			Budget: &event.Budget{BudgetID: lineR.ID, Kind: "pay", AmountFen: 300_000}}),
		e("A", "milestone.reported", event.Event{Report: &event.Report{Seq: 2, Version: 1, Delivered: 5, Beneficiaries: 4, Summary: "s", OnTime: false}}),
		e("A", "milestone.accepted", event.Event{Review: &event.Review{Seq: 2, Version: 1, Accepted: true, AcceptedQty: 5, Beneficiaries: 4}}),
		e("A", "payment.milestone", event.Event{Payment: &event.Payment{Kind: "milestone", Milestone: 2, AmountFen: 150_000},
			Budget: &event.Budget{BudgetID: lineR.ID, Kind: "pay", AmountFen: 150_000}}),
		e("A", "inspection.due", event.Event{Inspection: &event.Inspection{Seq: 1, Due: at}}),
		e("A", "inspection.recorded", event.Event{Inspection: &event.Inspection{Seq: 1, Due: at, Recorded: true, Passed: true, Surveyed: 10, Satisfied: 9}}),
		e("A", "inspection.due", event.Event{Inspection: &event.Inspection{Seq: 2, Due: at}}),
		e("A", "inspection.recorded", event.Event{Inspection: &event.Inspection{Seq: 2, Due: at, Recorded: true, Passed: true, Surveyed: 10, Satisfied: 7}}),
		e("A", "evaluation.opened", event.Event{Evaluation: &event.Evaluation{Stage: "final", Due: at}}),
		e("A", "evaluation.graded", event.Event{Evaluation: &event.Evaluation{Stage: "final", Done: true, TotalCenti: 8550, Grade: "good"}}),
	}
	b := []event.Event{
		e("B", "purchase.planned", event.Event{Planned: &event.Planned{Title: "B", CatalogYear: care.Year, CatalogCode: care.Code, Area: care.Area,
			BudgetID: lineC.ID, Quantity: 5, CeilingFen: 400_000, Method: "open_tender", BidDeadline: at, ServiceStart: at.Add(time.Hour),
			ServiceEnd: at.Add(1000 * time.Hour), PriceWeight: 30, Policy: "statutory"},
			Budget: &event.Budget{BudgetID: lineC.ID, Kind: "reserve", AmountFen: 400_000}}),
		e("B", "bids.opened", event.Event{Opened: &event.Opened{Round: 1, Bids: []event.Bid{{SupplierID: orgs[1], PriceFen: 300_000, SubmittedAt: at}}}}),
		e("B", "purchase.failed", event.Event{Status: &event.Status{Status: "failed", Round: 1, Method: "open_tender", BidDeadline: at}}),
	}
	if err := db.Apply(ctx, 101, "A", a); err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(ctx, 102, "B", b); err != nil {
		t.Fatal(err)
	}
	i64 := func(v int64) *int64 { return &v }
	areas, err := db.AreaFigures(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]store.Figures{}
	for _, f := range areas {
		byKey[f.Key] = f
	}
	if len(areas) != 8 {
		t.Errorf("%d area rows, want the 8 areas", len(areas))
	}
	wantR := store.Figures{Key: "rehabilitation", Name: "康复护理", Purchases: 1, BudgetFen: 1_000_000, ReservedFen: 150_000, PaidFen: 450_000,
		ExecutionBP: i64(4500), PlannedQuantity: 20, DeliveredQuantity: 15, Beneficiaries: 12, CostPerBeneficiaryFen: i64(37_500),
		OnTimeBP: i64(5000), Satisfied: 16, Surveyed: 20, SatisfactionBP: i64(8000), Good: 1, MeanScoreCenti: i64(8550),
		Rounds: 1, Bids: 3, BidsPerTenderCenti: i64(300)}
	wantC := store.Figures{Key: "care", Name: "托养照料", Purchases: 1, BudgetFen: 500_000, ReservedFen: 400_000, ExecutionBP: i64(0),
		Rounds: 1, Bids: 1, BidsPerTenderCenti: i64(100), FailedRounds: 1}
	for _, w := range []store.Figures{wantR, wantC} {
		if got := byKey[w.Key]; fmt.Sprintf("%+v", deref(got)) != fmt.Sprintf("%+v", deref(w)) {
			t.Errorf("%s:\n got %+v\nwant %+v", w.Key, deref(got), deref(w))
		}
	}
	sup, err := db.SupplierFigures(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(sup) != 1 || sup[0].PaidFen != 450_000 || sup[0].Good != 1 || sup[0].Beneficiaries != 12 {
		t.Errorf("supplier figures %+v", sup)
	}
	years, err := db.YearFigures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 1 || years[0].BudgetFen != 1_500_000 || years[0].PaidFen != 450_000 || *years[0].ExecutionBP != 3000 || years[0].Purchases != 2 {
		t.Errorf("year figures %+v", years)
	}
	if other, _ := db.AreaFigures(ctx, 2025); other[0].Purchases != 0 {
		t.Errorf("2025 shows 2026 purchases")
	}
}

// deref renders pointer fields by value for comparison.
func deref(f store.Figures) map[string]any {
	p := func(x *int64) any {
		if x == nil {
			return nil
		}
		return *x
	}
	return map[string]any{"key": f.Key, "name": f.Name, "purchases": f.Purchases, "budget": f.BudgetFen, "reserved": f.ReservedFen,
		"paid": f.PaidFen, "exec": p(f.ExecutionBP), "planned": f.PlannedQuantity, "delivered": f.DeliveredQuantity,
		"ben": f.Beneficiaries, "cpb": p(f.CostPerBeneficiaryFen), "ontime": p(f.OnTimeBP), "sat": f.Satisfied, "sur": f.Surveyed,
		"satbp": p(f.SatisfactionBP), "grades": [4]int64{f.Excellent, f.Good, f.Pass, f.Fail}, "mean": p(f.MeanScoreCenti),
		"rounds": f.Rounds, "bids": f.Bids, "bpt": p(f.BidsPerTenderCenti), "failed": f.FailedRounds}
}
