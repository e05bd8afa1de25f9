package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"zhucan/activities"
	"zhucan/api"
	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/workflows"
)

// stack is the API in front of a worker, on a database of the test's own.
type stack struct {
	t     *testing.T
	url   string
	db    *store.DB
	admin string
	cat   catalog.Catalogue
}

const adminToken = "test-admin-token"

func newStack(t *testing.T, day time.Duration) *stack {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	cats, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if _, err := db.LoadCatalogue(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.EnsureAdmin(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("api-%d", time.Now().UnixNano())
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflow(workflows.PurchaseWorkflow)
	w.RegisterWorkflow(workflows.DeliveryWorkflow)
	w.RegisterActivity(activities.New(db))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	srv := api.New(api.Options{DB: db, Temporal: c, TaskQueue: queue, Policy: rules.Sandbox(day), Validator: valid.New(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &stack{t: t, url: ts.URL, db: db, admin: adminToken, cat: cats[len(cats)-1]}
}

// reply is an HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a request with a JSON body (a string is sent as it is).
func (s *stack) call(method, path, token string, body any, hdr ...string) reply {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends a request and fails unless it answers want.
func (s *stack) must(want int, method, path, token string, body any, out any) reply {
	s.t.Helper()
	r := s.call(method, path, token, body)
	if r.status != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.body, want)
	}
	if out != nil {
		r.decode(s.t, out)
	}
	return r
}

type account struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	SupplierID *int64 `json:"supplierId"`
	Token      string `json:"token"`
}

func (s *stack) user(name, role string, supplier *int64) account {
	s.t.Helper()
	var a account
	body := map[string]any{"name": name, "role": role, "password": "secret-" + name}
	if supplier != nil {
		body["supplierId"] = *supplier
	}
	s.must(http.StatusCreated, "POST", "/api/v1/users", s.admin, body, &a)
	if a.Token == "" {
		s.t.Fatal("no token returned")
	}
	return a
}

func creditCode(t testing.TB, n int) string {
	first := fmt.Sprintf("523501027%08d", n)
	c, err := rules.CreditCodeCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// cast is everyone a purchase needs.
type cast struct {
	officer, inspector, assessor account
	panel                        []account
	orgs                         []int64
	reps                         []account
	budget                       int64
	item                         catalog.Item
}

func (s *stack) cast() cast {
	s.t.Helper()
	c := cast{item: s.cat.Items[0]}
	c.officer = s.user("officer", "officer", nil)
	for i := range 5 {
		c.panel = append(c.panel, s.user(fmt.Sprintf("expert%d", i+1), "evaluator", nil))
	}
	c.inspector = s.user("inspector", "evaluator", nil)
	c.assessor = s.user("assessor", "evaluator", nil)
	for i := range 3 {
		var sp struct{ ID int64 }
		s.must(http.StatusCreated, "POST", "/api/v1/suppliers", c.officer.Token, map[string]any{
			"name": fmt.Sprintf("阳光助残服务中心%d", i+1), "creditCode": creditCode(s.t, i+1),
			"qualifications": c.item.Qualifications, "contact": "张女士 13800000000"}, &sp)
		c.orgs = append(c.orgs, sp.ID)
		c.reps = append(c.reps, s.user(fmt.Sprintf("org%d", i+1), "supplier", &sp.ID))
	}
	var b struct{ ID int64 }
	s.must(http.StatusCreated, "POST", "/api/v1/budgets", c.officer.Token, map[string]any{
		"name": "2026年康复服务", "fiscalYear": 2026, "category": c.item.Area, "amountFen": 100_000_000}, &b)
	c.budget = b.ID
	return c
}

// purchaseBody is a purchase with sandbox dates from now.
func (c cast) purchaseBody(day time.Duration, serviceDays int) map[string]any {
	now := time.Now()
	start := now.Add(40 * day)
	end := start.Add(time.Duration(serviceDays) * day)
	ids := func(as []account) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	return map[string]any{
		"title": "2026年残疾儿童康复训练服务", "catalogCode": c.item.Code, "budgetId": c.budget, "quantity": 100,
		"ceilingFen": 50_000_000, "method": "open_tender", "bidDeadline": now.Add(22 * day).Format(time.RFC3339Nano),
		"serviceStart": start.Format(time.RFC3339Nano), "serviceEnd": end.Format(time.RFC3339Nano), "priceWeight": 30,
		"panel": ids(c.panel), "inspectors": []int64{c.inspector.ID}, "assessors": []int64{c.assessor.ID},
		"milestones": []map[string]any{
			{"name": "第一期", "due": start.Add(time.Duration(serviceDays/3) * day).Format(time.RFC3339Nano), "quantity": 30, "paymentPercent": 30},
			{"name": "第二期", "due": start.Add(time.Duration(2*serviceDays/3) * day).Format(time.RFC3339Nano), "quantity": 40, "paymentPercent": 40},
			{"name": "第三期", "due": end.Format(time.RFC3339Nano), "quantity": 30, "paymentPercent": 30},
		},
	}
}

// postponed moves a purchase body's service period (and milestones) later
// by d, for a purchase whose tender may take more rounds.
func postponed(body map[string]any, d time.Duration) map[string]any {
	shift := func(v any) string {
		t, err := time.Parse(time.RFC3339Nano, v.(string))
		if err != nil {
			panic(err)
		}
		return t.Add(d).Format(time.RFC3339Nano)
	}
	body["serviceStart"], body["serviceEnd"] = shift(body["serviceStart"]), shift(body["serviceEnd"])
	for _, m := range body["milestones"].([]map[string]any) {
		m["due"] = shift(m["due"])
	}
	return body
}

// detail is the part of GET /purchases/{id} the tests read.
type detail struct {
	ID     int64
	Status string
	Round  int
	Bids   []struct {
		ID         int64
		SupplierID int64
		PriceFen   int64
		Proposal   string
		Rank       *int
	}
	MyBid      *struct{ PriceFen int64 }
	Award      []struct{ SupplierID int64 } `json:"awards"`
	Contract   *struct{ ID, SupplierID, AmountFen int64 }
	Milestones []struct {
		Seq      int
		Status   string
		Quantity int64
	}
	Inspections []struct {
		Seq    int
		Passed *bool
	}
	Evaluations []struct {
		Stage  string
		Status string
		Grade  *string
	}
	PaidFen int64
}

func (s *stack) purchase(id int64, token string) detail {
	s.t.Helper()
	var d detail
	s.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/purchases/%d", id), token, nil, &d)
	return d
}

// await polls the purchase until it reaches status.
func (s *stack) await(id int64, token, status string) detail {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		d := s.purchase(id, token)
		if d.Status == status {
			return d
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("purchase %d is %s, want %s", id, d.Status, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEndThroughHTTP runs a whole purchase through the HTTP API alone
// under the sandbox policy.
func TestEndToEndThroughHTTP(t *testing.T) {
	day := 200 * time.Millisecond
	s := newStack(t, day)
	c := s.cast()
	var created struct {
		ID     int64
		Status string
	}
	r := s.must(http.StatusCreated, "POST", "/api/v1/purchases", c.officer.Token, c.purchaseBody(day, 60), &created)
	if created.Status != "tendering" || r.header.Get("Location") != fmt.Sprintf("/api/v1/purchases/%d", created.ID) {
		t.Fatalf("created %+v at %s", created, r.header.Get("Location"))
	}
	var b struct{ ReservedFen, AvailableFen int64 }
	s.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/budgets/%d", c.budget), c.officer.Token, nil, &b)
	if b.ReservedFen != 50_000_000 {
		t.Fatalf("ceiling not reserved: %+v", b)
	}
	path := fmt.Sprintf("/api/v1/purchases/%d", created.ID)
	for i, price := range []int64{45_000_000, 42_000_000, 48_000_000} {
		s.must(http.StatusOK, "POST", path+"/bids", c.reps[i].Token, map[string]any{"priceFen": price, "proposal": "康复训练方案"}, nil)
	}
	// Sealed: the officer sees no bid; a bidder sees its own.
	if d := s.purchase(created.ID, c.officer.Token); len(d.Bids) != 0 || d.MyBid != nil {
		t.Fatalf("officer sees sealed bids: %+v", d)
	}
	if d := s.purchase(created.ID, c.reps[1].Token); d.MyBid == nil || d.MyBid.PriceFen != 42_000_000 {
		t.Fatalf("bidder does not see its own bid: %+v", d.MyBid)
	}
	d := s.await(created.ID, c.officer.Token, "evaluating")
	tech := map[int64]float64{c.orgs[0]: 60, c.orgs[1]: 55.5, c.orgs[2]: 65}
	for _, e := range c.panel {
		var scores []map[string]any
		for _, bid := range d.Bids {
			scores = append(scores, map[string]any{"bidId": bid.ID, "technical": tech[bid.SupplierID]})
		}
		s.must(http.StatusOK, "POST", path+"/scores", e.Token, map[string]any{"scores": scores}, nil)
	}
	s.await(created.ID, c.officer.Token, "contracting")
	s.must(http.StatusOK, "POST", path+"/signatures", c.officer.Token, map[string]any{}, nil)
	if r := s.call("POST", path+"/signatures", c.reps[2].Token, map[string]any{}, "Idempotency-Key", "sign-1"); r.status != http.StatusOK {
		t.Fatalf("second signature: %d %s", r.status, r.body)
	}
	d = s.await(created.ID, c.officer.Token, "delivering")
	checkSearchAttributes(t, created.ID)
	// The API died after Temporal took the second signature but before it
	// stored the answer: the retry finds the purchase in its delivery run,
	// which does not know that Update, and still gets the one true answer.
	if _, err := s.db.X.Exec(`DELETE FROM idempotency_keys WHERE key = 'sign-1'`); err != nil {
		t.Fatal(err)
	}
	var again struct{ Result, Status string }
	if r := s.call("POST", path+"/signatures", c.reps[2].Token, map[string]any{}, "Idempotency-Key", "sign-1"); r.status != http.StatusOK {
		t.Fatalf("retried second signature: %d %s", r.status, r.body)
	} else if r.decode(t, &again); again.Result != "delivering" {
		t.Errorf("retried second signature answered %+v", again)
	}
	if r := s.call("POST", path+"/signatures", c.reps[2].Token, map[string]any{}); r.status != http.StatusConflict {
		t.Errorf("a new signature after the contract: %d, want 409", r.status)
	}
	// A key never used before finds no signature of its caller: refused.
	if r := s.call("POST", path+"/signatures", c.reps[0].Token, map[string]any{}, "Idempotency-Key", "sign-other"); r.status != http.StatusConflict {
		t.Errorf("a losing bidder signing after the contract with a new key: %d %s, want 409", r.status, r.body)
	}
	if d.Contract == nil || d.Contract.SupplierID != c.orgs[2] || d.Contract.AmountFen != 48_000_000 {
		t.Fatalf("contract %+v", d.Contract)
	}
	// Delivery: each role works from its inbox.
	deadline := time.Now().Add(2 * time.Minute)
	for d.Status != "settled" {
		if time.Now().After(deadline) {
			t.Fatalf("stuck in %s", d.Status)
		}
		acted := false
		for _, m := range d.Milestones {
			switch m.Status {
			case "pending", "returned":
				s.must(http.StatusOK, "POST", fmt.Sprintf("%s/milestones/%d/reports", path, m.Seq), c.reps[2].Token, map[string]any{
					"deliveredQuantity": m.Quantity, "beneficiaries": m.Quantity, "summary": "按计划完成康复训练",
					"evidence": []map[string]any{{"name": "签到表.pdf", "sha256": strings.Repeat("ab", 32)}}}, nil)
				acted = true
			case "reported":
				s.must(http.StatusOK, "POST", fmt.Sprintf("%s/milestones/%d/review", path, m.Seq), c.officer.Token, map[string]any{"accepted": true}, nil)
				acted = true
			}
		}
		var tasks struct{ Items []struct{ Kind string } }
		s.must(http.StatusOK, "GET", "/api/v1/me/tasks", c.inspector.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "inspect" {
				s.must(http.StatusOK, "POST", path+"/inspections", c.inspector.Token, map[string]any{"passed": true, "findings": "", "surveyed": 10, "satisfied": 10}, nil)
				acted = true
				break
			}
		}
		s.must(http.StatusOK, "GET", "/api/v1/me/tasks", c.assessor.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "assess" {
				var scores []map[string]any
				for _, ind := range c.item.Indicators {
					if ind.Method == catalog.MethodScored {
						scores = append(scores, map[string]any{"indicator": ind.Code, "score": ind.Weight})
					}
				}
				s.must(http.StatusOK, "POST", path+"/evaluations", c.assessor.Token, map[string]any{"scores": scores, "comment": "服务规范"}, nil)
				acted = true
			}
		}
		if !acted {
			time.Sleep(50 * time.Millisecond)
		}
		d = s.purchase(created.ID, c.officer.Token)
	}
	if d.PaidFen != 48_000_000 {
		t.Errorf("paid %d, want the contract", d.PaidFen)
	}
	if len(d.Evaluations) != 1 || d.Evaluations[0].Grade == nil || *d.Evaluations[0].Grade != "excellent" {
		t.Errorf("evaluation %+v", d.Evaluations)
	}
	s.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/budgets/%d", c.budget), c.officer.Token, nil, &b)
	if b.ReservedFen != 0 || b.AvailableFen != 52_000_000 {
		t.Errorf("budget after settlement %+v", b)
	}
	var rec struct {
		Record struct {
			Grades map[string]int
		}
	}
	s.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/suppliers/%d", c.orgs[2]), c.officer.Token, nil, &rec)
	if rec.Record.Grades["excellent"] != 1 {
		t.Errorf("winner's record %+v", rec)
	}
	checkOCDS(t, s, created.ID)
	checkAnalytics(t, s, c)
	var evs struct{ Items []struct{ Action string } }
	s.must(http.StatusOK, "GET", path+"/events", c.officer.Token, nil, &evs)
	if len(evs.Items) < 20 || evs.Items[len(evs.Items)-1].Action != "purchase.settled" {
		t.Errorf("audit trail ends %v", evs.Items[len(evs.Items)-1])
	}
}

// checkSearchAttributes: a purchase starts with its search attributes
// (method, area), delivery inherits them, and neither run upserts any
// (each upsert is a visibility write in the engine, which load tests
// showed in every action's latency).
func checkSearchAttributes(t *testing.T, pid int64) {
	t.Helper()
	ctx := context.Background()
	tc := testenv.Temporal(t)
	desc, err := tc.DescribeWorkflowExecution(ctx, workflows.WorkflowID(pid), "")
	if err != nil {
		t.Fatal(err)
	}
	sa := desc.WorkflowExecutionInfo.GetSearchAttributes().GetIndexedFields()
	for _, k := range []string{workflows.SAMethod, workflows.SAArea} {
		if _, ok := sa[k]; !ok {
			t.Errorf("search attribute %s missing on purchase %d's delivery run", k, pid)
		}
	}
	for _, run := range []string{desc.WorkflowExecutionInfo.GetFirstRunId(), desc.WorkflowExecutionInfo.GetExecution().GetRunId()} {
		it := tc.GetWorkflowHistory(ctx, workflows.WorkflowID(pid), run, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e.GetEventType() == enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
				t.Errorf("run %s upserts search attributes (event %d)", run, e.GetEventId())
			}
		}
	}
}
