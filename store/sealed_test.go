package store_test

import (
	"context"
	"testing"
	"time"

	"zhucan/event"
	"zhucan/store"
	"zhucan/valid"
)

// TestBidsStaySealedUntilAnExtendedDeadline: a bid's audit entry is sealed
// until the deadline it was made under; when the deadline is extended the
// entry stays hidden from everyone but its bidder until the bids are
// opened, or the names of the bidders would show before the new deadline.
func TestBidsStaySealedUntilAnExtendedDeadline(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	it := c.Items[0]
	budget, err := db.CreateBudget(ctx, valid.New(), store.Budget{Name: "line", FiscalYear: 2026, Category: it.Area, AmountFen: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first, extended := now.Add(-time.Minute), now.Add(time.Hour) // the first deadline has passed
	apply := func(es ...event.Event) {
		t.Helper()
		if err := db.Apply(ctx, 5, "wf5", es); err != nil {
			t.Fatal(err)
		}
	}
	apply(event.Event{Key: "wf5/1", Action: "purchase.planned", At: now.Add(-time.Hour), Actor: "user:1",
		Planned: &event.Planned{Title: "t", CatalogYear: it.Year, CatalogCode: it.Code, Area: it.Area, BudgetID: budget.ID,
			Quantity: 1, CeilingFen: 1000, Method: "open_tender", BidDeadline: first, ServiceStart: now.Add(2 * time.Hour),
			ServiceEnd: now.Add(3 * time.Hour), PriceWeight: 30, Policy: "sandbox"}},
		event.Event{Key: "wf5/2", Action: "bid.submitted", At: now.Add(-30 * time.Minute), Actor: "user:9", SealedUntil: &first,
			Bid: &event.BidAction{SupplierID: 3, Round: 1}},
		event.Event{Key: "wf5/3", Action: "tender.extended", At: now.Add(-10 * time.Minute), Actor: "user:1", Note: "答疑澄清",
			Status: &event.Status{Status: "tendering", Round: 1, Method: "open_tender", BidDeadline: extended}})
	actions := func(viewer string) []string {
		t.Helper()
		es, err := db.VisibleAuditTrail(ctx, 5, viewer)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return out
	}
	if got := actions("user:2"); len(got) != 2 || got[1] != "tender.extended" {
		t.Errorf("before the extended deadline another viewer sees %v", got)
	}
	if got := actions("user:9"); len(got) != 3 {
		t.Errorf("the bidder sees %v, want its own bid too", got)
	}
	apply(event.Event{Key: "wf5/4", Action: "purchase.evaluating", At: now, Actor: "system",
		Status: &event.Status{Status: "evaluating", Round: 1, Method: "open_tender", BidDeadline: extended}})
	if got := actions("user:2"); len(got) != 4 {
		t.Errorf("after the opening another viewer sees %v, want every entry", got)
	}
}
