package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRoleAndOwnershipMatrix walks every endpoint with every role while a
// purchase is open for bids, and checks each answer.
func TestRoleAndOwnershipMatrix(t *testing.T) {
	day := time.Second
	s := newStack(t, day)
	c := s.cast()
	outsider := s.user("outsider", "evaluator", nil)
	var p struct{ ID int64 }
	s.must(http.StatusCreated, "POST", "/api/v1/purchases", c.officer.Token, c.purchaseBody(day, 60), &p)
	pp := fmt.Sprintf("/api/v1/purchases/%d", p.ID)
	own, other := c.orgs[0], c.orgs[1]
	roles := []struct {
		name  string
		token string
	}{{"public", ""}, {"admin", s.admin}, {"officer", c.officer.Token}, {"supplier", c.reps[0].Token},
		{"panel", c.panel[0].Token}, {"outsider", outsider.Token}}
	// want lists the status for public, admin, officer, supplier, panel member, unassigned evaluator.
	cases := []struct {
		method, path string
		body         any
		want         [6]int
	}{
		{"GET", "/healthz", nil, [6]int{200, 200, 200, 200, 200, 200}},
		{"GET", "/api/openapi.json", nil, [6]int{200, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/catalog", nil, [6]int{200, 200, 200, 200, 200, 200}},
		{"POST", "/api/v1/catalog/items", map[string]any{}, [6]int{401, 422, 403, 403, 403, 403}},
		{"GET", "/api/v1/me", nil, [6]int{401, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/me/tasks", nil, [6]int{401, 200, 200, 200, 200, 200}},
		{"POST", "/api/v1/users", map[string]any{}, [6]int{401, 422, 403, 403, 403, 403}},
		{"GET", "/api/v1/users", nil, [6]int{401, 200, 200, 403, 403, 403}},
		{"POST", "/api/v1/suppliers", map[string]any{}, [6]int{401, 422, 422, 403, 403, 403}},
		{"GET", "/api/v1/suppliers", nil, [6]int{401, 200, 200, 403, 403, 403}},
		{"GET", fmt.Sprintf("/api/v1/suppliers/%d", own), nil, [6]int{401, 200, 200, 200, 200, 200}},
		{"GET", fmt.Sprintf("/api/v1/suppliers/%d", other), nil, [6]int{401, 200, 200, 403, 200, 200}},
		{"POST", fmt.Sprintf("/api/v1/suppliers/%d/dishonesty", other), map[string]any{}, [6]int{401, 422, 422, 403, 403, 403}},
		{"POST", "/api/v1/budgets", map[string]any{}, [6]int{401, 403, 422, 403, 403, 403}},
		{"GET", "/api/v1/budgets", nil, [6]int{401, 200, 200, 403, 403, 403}},
		{"GET", fmt.Sprintf("/api/v1/budgets/%d", c.budget), nil, [6]int{401, 200, 200, 403, 403, 403}},
		{"POST", "/api/v1/purchases", map[string]any{}, [6]int{401, 403, 422, 403, 403, 403}},
		{"GET", "/api/v1/purchases", nil, [6]int{200, 200, 200, 200, 200, 200}},
		{"GET", pp, nil, [6]int{200, 200, 200, 200, 200, 200}},
		{"GET", pp + "/events", nil, [6]int{200, 200, 200, 200, 200, 200}},
		// Over the ceiling: the supplier passes the gate and the workflow refuses.
		{"POST", pp + "/bids", map[string]any{"priceFen": 60_000_000, "proposal": "x"}, [6]int{401, 403, 403, 422, 403, 403}},
		{"DELETE", pp + "/bids/mine", nil, [6]int{401, 403, 403, 409, 403, 403}},
		{"POST", pp + "/bids/999999/low-price", map[string]any{"accept": true, "reason": "x"}, [6]int{401, 403, 403, 403, 404, 404}},
		{"POST", pp + "/scores", map[string]any{"scores": []map[string]any{{"bidId": 999999, "technical": 1}}}, [6]int{401, 403, 403, 403, 422, 422}},
		{"POST", pp + "/panel", map[string]any{"userId": c.reps[0].ID}, [6]int{401, 403, 422, 403, 403, 403}},
		{"POST", pp + "/challenges", map[string]any{"reason": "x"}, [6]int{401, 403, 403, 409, 403, 403}},
		{"POST", pp + "/challenges/1/answer", map[string]any{"upheld": false, "response": "x"}, [6]int{401, 403, 409, 403, 403, 403}},
		{"POST", pp + "/signatures", map[string]any{}, [6]int{401, 403, 409, 409, 403, 403}},
		{"POST", pp + "/award-next", map[string]any{"reason": "x"}, [6]int{401, 403, 409, 403, 403, 403}},
		{"POST", pp + "/retender", map[string]any{"bidDeadline": time.Now().Add(30 * day)}, [6]int{401, 403, 409, 403, 403, 403}},
		{"POST", pp + "/cancel", map[string]any{"reason": ""}, [6]int{401, 403, 422, 403, 403, 403}},
		{"POST", pp + "/extend", map[string]any{"bidDeadline": time.Now().Add(-day), "reason": "x"}, [6]int{401, 403, 422, 403, 403, 403}},
		{"POST", pp + "/terminate", map[string]any{"reason": "x"}, [6]int{401, 403, 409, 403, 403, 403}},
		{"POST", pp + "/milestones/1/reports", map[string]any{"deliveredQuantity": 1, "beneficiaries": 1, "summary": "x"}, [6]int{401, 403, 403, 409, 403, 403}},
		{"POST", pp + "/milestones/1/review", map[string]any{"accepted": true, "acceptedQuantity": 1}, [6]int{401, 403, 409, 403, 403, 403}},
		{"POST", pp + "/inspections", map[string]any{"passed": true, "surveyed": 1, "satisfied": 1}, [6]int{401, 403, 403, 403, 409, 409}},
		{"POST", pp + "/inspections/1/reassign", map[string]any{"inspectorId": c.inspector.ID, "reason": "x"}, [6]int{401, 403, 409, 403, 403, 403}},
		{"POST", pp + "/rectifications/1/done", map[string]any{"summary": "x"}, [6]int{401, 403, 403, 409, 403, 403}},
		{"POST", pp + "/evaluations", map[string]any{"scores": []map[string]any{{"indicator": "x", "score": 1}}}, [6]int{401, 403, 403, 403, 409, 409}},
		// An unassigned evaluator cannot recuse; the panel member can (last: it changes the panel).
		{"POST", pp + "/recusal", map[string]any{"reason": "曾任职于投标机构"}, [6]int{401, 403, 403, 403, 200, 403}},
	}
	for _, tc := range cases {
		for i, role := range roles {
			r := s.call(tc.method, tc.path, role.token, tc.body)
			if r.status != tc.want[i] {
				t.Errorf("%s %s as %s: %d %s, want %d", tc.method, tc.path, role.name, r.status, r.body, tc.want[i])
			}
			if r.status >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s %s as %s: error without problem+json", tc.method, tc.path, role.name)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Nothing the refused calls sent reached the purchase.
	if n := countRows(t, s, `SELECT count(*) FROM audit_log WHERE purchase_id = $1 AND action LIKE 'bid.%'`, p.ID); n != 0 {
		t.Errorf("%d bid events after refused bids", n)
	}
}

func countRows(t *testing.T, s *stack, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.X.GetContext(context.Background(), &n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSealedBidsThroughHTTP: before the deadline no one but the bidder sees
// a bid; afterwards other bidders see prices but never proposals.
func TestSealedBidsThroughHTTP(t *testing.T) {
	// Long enough sandbox days that the checks before the deadline run
	// before it even on a loaded machine.
	day := 400 * time.Millisecond
	s := newStack(t, day)
	c := s.cast()
	var p struct{ ID int64 }
	s.must(http.StatusCreated, "POST", "/api/v1/purchases", c.officer.Token, c.purchaseBody(day, 60), &p)
	pp := fmt.Sprintf("/api/v1/purchases/%d", p.ID)
	for i, price := range []int64{45_000_000, 42_000_000, 48_000_000} {
		s.must(http.StatusOK, "POST", pp+"/bids", c.reps[i].Token, map[string]any{"priceFen": price, "proposal": fmt.Sprintf("机密方案%d", i)}, nil)
	}
	for _, tok := range []string{"", s.admin, c.officer.Token, c.panel[0].Token, c.reps[1].Token} {
		r := s.call("GET", pp, tok, nil)
		if strings.Contains(string(r.body), "45000000") || strings.Contains(string(r.body), "机密方案0") {
			t.Errorf("bid 0 visible before the deadline: %s", r.body)
		}
		ev := s.call("GET", pp+"/events", tok, nil)
		if strings.Contains(string(ev.body), "bid.submitted") && tok != c.reps[1].Token {
			t.Errorf("bid events visible before the deadline to %q", tok)
		}
	}
	// The panel's identities stay with the purchaser and the panel.
	if ev := s.call("GET", pp+"/events", "", nil); strings.Contains(string(ev.body), `"members"`) || strings.Contains(string(ev.body), "user:") {
		t.Errorf("the public trail shows evaluators or actors: %s", ev.body)
	}
	if ev := s.call("GET", pp+"/events", c.officer.Token, nil); !strings.Contains(string(ev.body), `"members"`) {
		t.Errorf("the officer's trail lacks the panel: %s", ev.body)
	}
	if d := s.purchase(p.ID, c.reps[0].Token); d.MyBid == nil || d.MyBid.PriceFen != 45_000_000 {
		t.Errorf("the bidder cannot see its own bid: %+v", d.MyBid)
	}
	s.await(p.ID, c.officer.Token, "evaluating")
	r := s.call("GET", pp, c.reps[1].Token, nil)
	if !strings.Contains(string(r.body), "45000000") || strings.Contains(string(r.body), "机密方案0") || !strings.Contains(string(r.body), "机密方案1") {
		t.Errorf("after opening a bidder sees prices and its own proposal only: %s", r.body)
	}
	if r := s.call("GET", pp, c.officer.Token, nil); !strings.Contains(string(r.body), "机密方案0") {
		t.Errorf("after opening the officer sees every proposal")
	}
}

// TestIdempotentRetries: a retried POST with the same Idempotency-Key gets
// the first answer and acts once.
func TestIdempotentRetries(t *testing.T) {
	day := time.Second
	s := newStack(t, day)
	c := s.cast()
	sup := map[string]any{"name": "重试测试机构", "creditCode": creditCode(t, 77), "qualifications": []string{}, "contact": ""}
	r1 := s.call("POST", "/api/v1/suppliers", c.officer.Token, sup, "Idempotency-Key", "k-sup")
	r2 := s.call("POST", "/api/v1/suppliers", c.officer.Token, sup, "Idempotency-Key", "k-sup")
	if r1.status != 201 || r2.status != 201 || string(r1.body) != string(r2.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s / %d %s", r1.status, r1.body, r2.status, r2.body)
	}
	if n := countRows(t, s, `SELECT count(*) FROM suppliers WHERE name = '重试测试机构'`); n != 1 {
		t.Errorf("%d suppliers after a retry", n)
	}
	sup["name"] = "另一机构"
	if r := s.call("POST", "/api/v1/suppliers", c.officer.Token, sup, "Idempotency-Key", "k-sup"); r.status != 422 {
		t.Errorf("same key, other body: %d", r.status)
	}
	body := c.purchaseBody(day, 60)
	p1 := s.call("POST", "/api/v1/purchases", c.officer.Token, body, "Idempotency-Key", "k-p")
	p2 := s.call("POST", "/api/v1/purchases", c.officer.Token, body, "Idempotency-Key", "k-p")
	if p1.status != 201 || string(p1.body) != string(p2.body) || p1.header.Get("Location") != p2.header.Get("Location") {
		t.Fatalf("purchase retry: %d %s / %d %s", p1.status, p1.body, p2.status, p2.body)
	}
	if n := countRows(t, s, `SELECT count(*) FROM purchases`); n != 1 {
		t.Errorf("%d purchases after a retry", n)
	}
	var p struct{ ID int64 }
	p1.decode(t, &p)
	bid := map[string]any{"priceFen": 40_000_000, "proposal": "方案"}
	pp := fmt.Sprintf("/api/v1/purchases/%d/bids", p.ID)
	b1 := s.call("POST", pp, c.reps[0].Token, bid, "Idempotency-Key", "k-bid")
	b2 := s.call("POST", pp, c.reps[0].Token, bid, "Idempotency-Key", "k-bid")
	if b1.status != 200 || string(b1.body) != string(b2.body) {
		t.Fatalf("bid retry: %d %s / %d %s", b1.status, b1.body, b2.status, b2.body)
	}
	if n := countRows(t, s, `SELECT count(*) FROM audit_log WHERE action LIKE 'bid.%'`); n != 1 {
		t.Errorf("%d bid events after a retried bid", n)
	}
	// Another user's identical key is theirs alone.
	if r := s.call("POST", pp, c.reps[1].Token, bid, "Idempotency-Key", "k-bid"); r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("keys leak between users: %d", r.status)
	}
}

// TestBadInputIsRefusedAndWritesNothing sends malformed, mistyped,
// unknown, out-of-range and invalid input.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	day := time.Second
	s := newStack(t, day)
	c := s.cast()
	good := c.purchaseBody(day, 60)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	before := countRows(t, s, `SELECT (SELECT count(*) FROM purchases) + (SELECT count(*) FROM suppliers) + (SELECT count(*) FROM users) + (SELECT count(*) FROM budget_lines)`)
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		field                     string
	}{
		{"malformed JSON", "POST", "/api/v1/purchases", c.officer.Token, `{"title": "x",`, 400, ""},
		{"not JSON", "POST", "/api/v1/budgets", c.officer.Token, `name=x`, 400, ""},
		{"wrong type", "POST", "/api/v1/purchases", c.officer.Token, with("quantity", "ten"), 422, "quantity"},
		{"unknown field", "POST", "/api/v1/purchases", c.officer.Token, with("discount", 5), 422, "discount"},
		{"price weight out of range", "POST", "/api/v1/purchases", c.officer.Token, with("priceWeight", 50), 422, "priceWeight"},
		{"deadline too soon", "POST", "/api/v1/purchases", c.officer.Token, with("bidDeadline", time.Now().Add(day).Format(time.RFC3339)), 422, "bidDeadline"},
		{"ceiling over budget", "POST", "/api/v1/purchases", c.officer.Token, with("ceilingFen", 200_000_000), 422, "ceilingFen"},
		{"unknown item", "POST", "/api/v1/purchases", c.officer.Token, with("catalogCode", "NOPE"), 422, "catalogCode"},
		{"officer on the panel", "POST", "/api/v1/purchases", c.officer.Token, with("panel", []int64{c.officer.ID, c.panel[1].ID, c.panel[2].ID, c.panel[3].ID, c.panel[4].ID}), 422, "panel[0]"},
		{"negative amount", "POST", "/api/v1/budgets", c.officer.Token, map[string]any{"name": "x", "fiscalYear": 2026, "category": "general", "amountFen": -1}, 422, "amountFen"},
		{"fractional fen", "POST", "/api/v1/budgets", c.officer.Token, map[string]any{"name": "x", "fiscalYear": 2026, "category": "general", "amountFen": 1.5}, 422, "amountFen"},
		{"credit code check digit", "POST", "/api/v1/suppliers", c.officer.Token, map[string]any{"name": "x", "creditCode": wrongCheckDigit(creditCode(t, 99)), "qualifications": []string{}}, 422, "creditCode"},
		{"unknown qualification", "POST", "/api/v1/suppliers", c.officer.Token, map[string]any{"name": "x", "creditCode": creditCode(t, 98), "qualifications": []string{"wizardry"}}, 422, "qualifications[0]"},
		{"bad role", "POST", "/api/v1/users", s.admin, map[string]any{"name": "x", "role": "king"}, 422, "role"},
		{"short password", "POST", "/api/v1/users", s.admin, map[string]any{"name": "x", "role": "officer", "password": "123"}, 422, "password"},
		{"bad limit", "GET", "/api/v1/purchases?limit=0", "", nil, 422, "limit"},
		{"bad status filter", "GET", "/api/v1/purchases?status=lost", "", nil, 422, "status"},
		{"bad cursor", "GET", "/api/v1/purchases?cursor=bm90LWEtbnVtYmVy", "", nil, 422, "cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(tc.method, tc.path, tc.token, tc.body)
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.status)
			}
			var p struct {
				Title  string
				Status int
				Errors []struct{ Field, Message string }
			}
			r.decode(t, &p)
			if p.Status != tc.status || p.Title == "" {
				t.Errorf("problem %+v", p)
			}
			if tc.field != "" {
				found := false
				for _, e := range p.Errors {
					found = found || (e.Field == tc.field && e.Message != "")
				}
				if !found {
					t.Errorf("no error names %s: %s", tc.field, r.body)
				}
			}
		})
	}
	after := countRows(t, s, `SELECT (SELECT count(*) FROM purchases) + (SELECT count(*) FROM suppliers) + (SELECT count(*) FROM users) + (SELECT count(*) FROM budget_lines)`)
	if after != before {
		t.Errorf("refused input wrote %d rows", after-before)
	}
	// English on request.
	r := s.call("POST", "/api/v1/budgets", c.officer.Token, map[string]any{"name": "x", "fiscalYear": 2026, "category": "general", "amountFen": -1}, "Accept-Language", "en")
	if !strings.Contains(string(r.body), "Invalid input") {
		t.Errorf("no English: %s", r.body)
	}
}

func wrongCheckDigit(code string) string {
	last := code[17]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return code[:17] + string(repl)
}
