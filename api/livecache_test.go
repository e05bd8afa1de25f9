package api

import (
	"testing"

	"zhucan/workflows"
)

// TestLiveCacheServesAnAnswerOnlyAtItsAuditHead: an answer kept for one
// viewer at one audit head serves that viewer while the head stays; a new
// head or another viewer asks the workflow again.
func TestLiveCacheServesAnAnswerOnlyAtItsAuditHead(t *testing.T) {
	c := newLiveCache()
	officer := workflows.Actor{UserID: 1, Role: "officer"}
	bidder := workflows.Actor{UserID: 2, Role: "supplier", SupplierID: 9}
	c.put(7, officer, 100, workflows.View{PurchaseID: 7, Status: workflows.StatusTendering})
	for _, tc := range []struct {
		name   string
		pid    int64
		viewer workflows.Actor
		head   int64
		hit    bool
	}{
		{"same purchase, viewer and head", 7, officer, 100, true},
		{"a change recorded since", 7, officer, 101, false},
		{"another viewer", 7, bidder, 100, false},
		{"another purchase", 8, officer, 100, false},
	} {
		v, ok := c.get(tc.pid, tc.viewer, tc.head)
		if ok != tc.hit || (ok && v.PurchaseID != 7) {
			t.Errorf("%s: hit %v (%+v), want %v", tc.name, ok, v, tc.hit)
		}
	}
	c.put(7, officer, 101, workflows.View{PurchaseID: 7, Status: workflows.StatusEvaluating})
	if v, ok := c.get(7, officer, 101); !ok || v.Status != workflows.StatusEvaluating {
		t.Errorf("the newer answer replaces the older: %+v %v", v, ok)
	}
	if _, ok := c.get(7, officer, 100); ok {
		t.Error("the older head serves after a newer answer was kept")
	}
}
