package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// checkAnalytics reads the figures, the recommendation and the exports
// after the end-to-end purchase settled (48,000,000 fen paid in the
// rehabilitation area, graded excellent).
func checkAnalytics(t *testing.T, s *stack, c cast) {
	t.Helper()
	var areas struct {
		Items []struct {
			Key         string
			PaidFen     int64
			BudgetFen   int64
			ExecutionBp *int64
			Excellent   int64
			Bids        int64
			Rounds      int64
		}
	}
	s.must(200, "GET", "/api/v1/analytics/areas?fiscalYear=2026", "", nil, &areas)
	found := false
	for _, a := range areas.Items {
		if a.Key == c.item.Area {
			found = true
			if a.PaidFen != 48_000_000 || a.BudgetFen != 100_000_000 || a.ExecutionBp == nil || *a.ExecutionBp != 4800 ||
				a.Excellent != 1 || a.Bids != 3 || a.Rounds != 1 {
				t.Errorf("area figures %+v", a)
			}
		}
	}
	if !found || len(areas.Items) < 8 {
		t.Errorf("areas %+v", areas.Items)
	}
	var rec struct {
		Items []struct {
			Area                    string
			CurrentFen, ProposedFen int64
			ReasonZh                string
		}
	}
	s.must(200, "GET", "/api/v1/analytics/recommendation?fiscalYear=2026", c.officer.Token, nil, &rec)
	var total, proposed int64
	for _, it := range rec.Items {
		total += it.CurrentFen
		proposed += it.ProposedFen
		// The only funded area keeps the whole budget; every line says why.
		if it.ReasonZh == "" || (it.Area == c.item.Area && it.ProposedFen != 100_000_000) {
			t.Errorf("recommendation %+v", it)
		}
	}
	if total != proposed || total != 100_000_000 {
		t.Errorf("recommendation moves money: %d → %d", total, proposed)
	}
	r := s.call("GET", "/api/v1/analytics/recommendation?fiscalYear=2026&format=csv", c.officer.Token, nil)
	if r.status != 200 || !strings.Contains(string(r.body), "建议预算（元）") {
		t.Errorf("recommendation CSV: %d %s", r.status, r.body)
	}
	x := s.call("GET", "/api/v1/exports/payments?format=xlsx&lang=en", c.officer.Token, nil)
	if x.status != 200 {
		t.Fatalf("payments export: %d %s", x.status, x.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("data")
	if len(rows) != 4 || rows[0][0] != "Purchase" { // header + three payments
		t.Errorf("payments export rows %v", rows)
	}
	for _, kind := range []string{"purchases", "contracts", "milestones", "inspections", "evaluations"} {
		if r := s.call("GET", "/api/v1/exports/"+kind, c.officer.Token, nil); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Errorf("%s export: %d", kind, r.status)
		}
	}
	if r := s.call("GET", "/api/v1/exports/payments", c.reps[0].Token, nil); r.status != 403 {
		t.Errorf("a supplier exported payments: %d", r.status)
	}
	if r := s.call("GET", "/api/v1/exports/secrets", c.officer.Token, nil); r.status != 404 {
		t.Errorf("unknown export: %d", r.status)
	}
}
