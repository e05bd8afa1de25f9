package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zhucan/api"
	"zhucan/catalog"
	"zhucan/store"
	"zhucan/workflows"
)

// fakeAPI answers the API calls of the purchase pages with a fixed
// purchase and records every call.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	detail api.PurchaseDetail
	events []store.AuditEntry
	calls  []fakeCall
}

// fakeCall is one call the UI made.
type fakeCall struct {
	method, path, lang, key string
	caller                  *store.User
	body                    map[string]any
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := fakeCall{method: r.Method, path: r.URL.Path, lang: r.Header.Get("Accept-Language"), key: r.Header.Get("Idempotency-Key"),
		caller: api.Caller(r.Context())}
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &c.body)
	}
	f.calls = append(f.calls, c)
	reply := func(status int, v any) {
		ct := "application/json"
		if status >= 400 {
			ct = "application/problem+json"
		}
		w.Header().Set("Content-Type", ct+"; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	p := fmt.Sprintf("/api/v1/purchases/%d", f.detail.ID)
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v1/catalog":
		cats, err := catalog.Defaults()
		if err != nil {
			f.t.Error(err)
		}
		cat := cats[len(cats)-1]
		resp := api.CatalogResponse{Year: cat.Year, Years: []int{cat.Year}, Qualifications: cat.Qualifications}
		for _, a := range cat.Areas {
			ca := api.CatalogArea{Area: a}
			for _, it := range cat.Items {
				if it.Area == a.Code {
					ca.Items = append(ca.Items, it)
				}
			}
			resp.Areas = append(resp.Areas, ca)
		}
		reply(200, resp)
	case r.Method == "GET" && r.URL.Path == p:
		reply(200, f.detail)
	case r.Method == "GET" && r.URL.Path == p+"/events":
		reply(200, map[string]any{"items": f.events})
	case r.Method == "POST" && r.URL.Path == p+"/cancel":
		if c.body["reason"] == "拒绝" {
			title, msg := "操作被拒绝", "理由不成立"
			if strings.HasPrefix(c.lang, "en") {
				title, msg = "Refused", "that is no reason"
			}
			reply(409, api.Problem{Type: "about:blank", Title: title, Status: 409, Errors: []api.FieldProblem{{Field: "reason", Message: msg}}})
			return
		}
		reply(200, api.ActionResult{Status: "cancelled"})
	default:
		reply(404, api.Problem{Type: "about:blank", Title: "找不到", Status: 404})
	}
}

// last returns the latest call of method on path.
func (f *fakeAPI) last(method, path string) fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.calls) - 1; i >= 0; i-- {
		if c := f.calls[i]; c.method == method && c.path == path {
			return c
		}
	}
	f.t.Fatalf("no call %s %s", method, path)
	return fakeCall{}
}

func (f *fakeAPI) count(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.method == method && c.path == path {
			n++
		}
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// settledPurchase is a purchase with every part filled in, as an officer sees it.
func settledPurchase(officer int64) api.PurchaseDetail {
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
	cats, _ := catalog.Defaults()
	it := cats[len(cats)-1].Items[0]
	ind, _ := json.Marshal(it.Indicators)
	d := api.PurchaseDetail{
		Purchase: store.Purchase{ID: 77, Title: "2026年残疾儿童康复训练服务", CatalogYear: it.Year, CatalogCode: it.Code,
			ItemNameZH: it.NameZH, ItemNameEN: it.NameEN, UnitZH: it.UnitZH, Area: it.Area, BudgetID: 3, Quantity: 100,
			CeilingFen: 50_000_000, Method: "open_tender", Status: "settled", Round: 1, BidDeadline: at, ServiceStart: at.AddDate(0, 1, 0),
			ServiceEnd: at.AddDate(1, 0, 0), PriceWeight: 30, Policy: "statutory", CreatedBy: &officer, CreatedAt: at, UpdatedAt: at},
		Members: &api.Members{Panel: []store.Member{{UserID: 501, Name: "专家甲", Duty: "panel"}},
			Inspectors: []store.Member{{UserID: 502, Name: "检查员乙", Duty: "inspector"}}, Assessors: []store.Member{{UserID: 503, Name: "评价员丙", Duty: "assessor"}}},
		Bids: []store.Bid{
			{ID: 1, Round: 1, SupplierID: 9, SupplierName: "同心社会工作服务站", PriceFen: 48_000_000, Proposal: "机密技术方案甲", Status: "valid",
				TechnicalCenti: ptr(int64(6500)), PriceScoreCenti: ptr(int64(2625)), TotalCenti: ptr(int64(9125)), Rank: ptr(1), SubmittedAt: at},
			{ID: 2, Round: 1, SupplierID: 8, SupplierName: "阳光助残服务中心", PriceFen: 45_000_000, Proposal: "机密技术方案乙", Status: "valid", AbnormallyLow: true,
				TechnicalCenti: ptr(int64(6000)), PriceScoreCenti: ptr(int64(2800)), TotalCenti: ptr(int64(8800)), Rank: ptr(2), SubmittedAt: at},
		},
		Awards:     []store.Award{{Round: 1, BidID: 1, SupplierID: 9, SupplierName: "同心社会工作服务站", AmountFen: 48_000_000, Status: "signed", NotifiedAt: at, OfficerSignedAt: &at, SupplierSignedAt: &at}},
		Challenges: []store.Challenge{{Seq: 1, Round: 1, SupplierID: 8, Reason: "评分有误", FiledAt: at, Upheld: ptr(false), Response: "经复核评分无误", AnsweredAt: &at}},
		Contract: &store.Contract{ID: 5, SupplierID: 9, SupplierName: "同心社会工作服务站", AmountFen: 48_000_000, Quantity: 100,
			ServiceStart: at.AddDate(0, 1, 0), ServiceEnd: at.AddDate(1, 0, 0), Indicators: ind, Status: "completed", OfficerSignedAt: at, SupplierSignedAt: at},
		Milestones: []store.Milestone{{Seq: 1, Name: "第一期", Due: at, Quantity: 100, PaymentPercent: 100, PaymentFen: 48_000_000, Status: "accepted",
			AcceptedQuantity: ptr(int64(100)), Beneficiaries: ptr(int64(95)), AcceptedAt: &at,
			Reports: []store.Report{{Version: 1, DeliveredQuantity: 100, Beneficiaries: 95, Summary: "按计划完成",
				Evidence: json.RawMessage(`[{"name":"签到表.pdf","sha256":"` + strings.Repeat("cd", 32) + `"}]`), SubmittedAt: at, OnTime: ptr(true), Accepted: ptr(true)}}}},
		Inspections:    []store.Inspection{{Seq: 1, Due: at, Passed: ptr(true), Surveyed: ptr(10), Satisfied: ptr(9), RecordedAt: &at}},
		Rectifications: []store.Rectification{{Seq: 1, InspectionSeq: 1, Deadline: at, Status: "closed", Summary: "已补充康复师", DoneAt: &at, ClosedAt: &at}},
		Evaluations: []store.Evaluation{{Stage: "final", Status: "done", OpenedAt: at, Due: &at, TotalCenti: ptr(int64(9800)), Grade: ptr("excellent"), EvaluatedAt: &at,
			Scores: []store.IndicatorScoreRow{{Indicator: it.Indicators[0].Code, Scorer: "measured", ScoreCenti: 2000}, {Indicator: it.Indicators[1].Code, Scorer: "503", ScoreCenti: 1000, Comment: "规范"}}}},
		Payments: []store.Payment{{Kind: "milestone", Milestone: ptr(1), AmountFen: 24_000_000, PaidAt: at}, {Kind: "retention", Milestone: ptr(1), AmountFen: 24_000_000, PaidAt: at}},
		PaidFen:  48_000_000,
		Live:     &workflows.View{NoticeAt: at},
	}
	return d
}

func newFakeSite(t *testing.T) (*site, *fakeAPI, store.User, store.User) {
	t.Helper()
	f := &fakeAPI{t: t}
	s := newSite(t, f)
	officer := s.user("clerk", "officer", nil)
	evaluator := s.user("judge", "evaluator", nil)
	f.detail = settledPurchase(officer.ID)
	pid := ptr(f.detail.ID)
	f.events = []store.AuditEntry{
		{ID: 1, PurchaseID: pid, Actor: fmt.Sprintf("user:%d", officer.ID), Action: "purchase.planned", Detail: json.RawMessage(`{}`), At: f.detail.CreatedAt},
		{ID: 2, PurchaseID: pid, Actor: "user:9001", Action: "bid.submitted", Detail: json.RawMessage(`{"bid":{"supplierId":8,"round":1}}`), At: f.detail.CreatedAt},
		{ID: 3, PurchaseID: pid, Actor: "system", Action: "payment.retention", Detail: json.RawMessage(`{"note":"等级优秀，全额支付尾款 / grade excellent: retention paid","payment":{"kind":"retention","amountFen":24000000}}`), At: f.detail.CreatedAt},
		{ID: 4, PurchaseID: pid, Actor: "user:503", Action: "evaluation.graded", Detail: json.RawMessage(`{"evaluation":{"stage":"final","grade":"excellent"}}`), At: f.detail.CreatedAt},
		{ID: 5, PurchaseID: pid, Actor: "system", Action: "something.new", Detail: json.RawMessage(`{}`), At: f.detail.CreatedAt},
	}
	return s, f, officer, evaluator
}

func TestPurchasePageShowsEveryPart(t *testing.T) {
	s, f, officer, _ := newFakeSite(t)
	s.signIn("clerk")
	a := s.get("/purchases/77")
	checkPage(t, "/purchases/77", a, http.StatusOK, "zh-CN")
	mustContain(t, "purchase page", a.body,
		"2026年残疾儿童康复训练服务", "已结算", "项目概况", "康复护理", "500,000.00 元", "公开招标", "2026-03-02 09:30 北京时间",
		"评审与监督人员", "专家甲", "检查员乙", "评价员丙",
		"投标", "同心社会工作服务站", "480,000.00 元", "91.25", "报价异常偏低", "机密技术方案甲",
		"中标与签约", "已签约", "第 1 号质疑", "质疑不成立", "经复核评分无误",
		"合同", "已履行完毕", "绩效指标", "产出数量",
		"履约节点", "第一期", "已验收", "签到表.pdf", strings.Repeat("cd", 32),
		"质量检查", "9 / 10", "整改", "已补充康复师", "已关闭",
		"绩效评价", "终期评价", "98.00", "优秀", "按履约记录计算", "评价员丙",
		"付款", "节点付款", "绩效尾款", "240,000.00 元",
		"全程记录", "立项并发布招标公告", "操作人：您", "提交投标", "操作人：阳光助残服务中心", "支付绩效尾款", "等级优秀，全额支付尾款",
		"评定绩效等级", "something.new")
	mustNotContain(t, "purchase page", a.body, "action-form", "retention paid")
	if c := f.last("GET", "/api/v1/purchases/77/events"); c.caller == nil || c.caller.ID != officer.ID || c.lang != "zh-CN" {
		t.Errorf("the UI called the API as %+v in %q, want the signed-in officer in zh-CN", c.caller, c.lang)
	}
	if a := s.get("/purchases/78"); a.status != http.StatusNotFound || !strings.Contains(a.body, "找不到该页面") {
		t.Errorf("unknown purchase: %d", a.status)
	}

	// In English, with the API asked in English.
	s.get("/lang/en")
	en := s.get("/purchases/77")
	checkPage(t, "/purchases/77 in English", en, http.StatusOK, "en")
	mustContain(t, "purchase page in English", en.body, "Summary", "CNY 480,000.00", "Rehabilitation care", "excellent",
		"2026-03-02 09:30 CST (UTC&#43;8)", "Timeline", "Purchase created and tender notice published", "by you", "grade excellent: retention paid")
	if c := f.last("GET", "/api/v1/purchases/77"); c.lang != "en" {
		t.Errorf("English page called the API in %q", c.lang)
	}
}

func TestPublicPurchasePageHidesProposals(t *testing.T) {
	s, f, _, _ := newFakeSite(t)
	a := s.get("/public/purchases/77")
	checkPage(t, "/public/purchases/77", a, http.StatusOK, "zh-CN")
	mustContain(t, "public purchase page", a.body, "采购公告", "中标结果", "评分排名", "同心社会工作服务站", "91.25", "88.00",
		"合同摘要", "480,000.00 元", "绩效评价结果", "优秀", "98.00", "人·月")
	// Even if the API sent more, the public page shows no proposals, no
	// challenges' grounds, no evaluators, no timeline.
	mustNotContain(t, "public purchase page", a.body, "机密技术方案", "评分有误", "专家甲", "检查员乙", "签到表.pdf", "全程记录")
	if c := f.last("GET", "/api/v1/purchases/77"); c.caller != nil {
		t.Errorf("the public page called the API as %+v", c.caller)
	}
	// Signed in, the public page still reads as the public.
	s.signIn("clerk")
	s.get("/public/purchases/77")
	if c := f.last("GET", "/api/v1/purchases/77"); c.caller != nil {
		t.Errorf("the public page called the API as %s", c.caller.Name)
	}
}

// registerTestAction registers an officer's cancel form for the test.
func registerTestAction(t *testing.T) {
	t.Helper()
	saved, savedMsgs := actions, map[string]msg{}
	for k, v := range messages {
		savedMsgs[k] = v
	}
	t.Cleanup(func() { actions, messages = saved, savedMsgs })
	messages["action.test-cancel.title"] = msg{"取消采购", "Cancel the purchase"}
	messages["action.test-cancel.submit"] = msg{"取消采购", "Cancel it"}
	messages["action.test-cancel.done"] = msg{"采购已取消。", "The purchase is cancelled."}
	messages["test.reason.required"] = msg{"请填写取消原因", "Say why"}
	actions = append(actions, action{Key: "test-cancel", Section: "summary", Template: "action-generic",
		Inputs:  []input{{Name: "reason", LabelKey: "f.cancel_reason", Type: "textarea"}, {Name: "notify", LabelKey: "yes", Type: "checkbox"}},
		Allowed: func(u *store.User, d *purchaseData) bool { return u != nil && u.Role == "officer" },
		Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
			if strings.TrimSpace(f.Get("reason")) == "" {
				f.Fail("reason", state(r).loc.T("test.reason.required"))
			}
			return apiCall{Method: http.MethodPost, Path: fmt.Sprintf("/api/v1/purchases/%d/cancel", d.P.ID), Body: map[string]any{"reason": f.Get("reason")}}
		}})
}

var idemField = `name="idem" value="`

func TestActionFormsCallTheAPIAndShowRefusals(t *testing.T) {
	registerTestAction(t)
	s, f, officer, _ := newFakeSite(t)

	// Only those allowed see the form.
	other := newClient(t, s.db, s.ui, s.url)
	other.signIn("judge")
	if a := other.get("/purchases/77"); strings.Contains(a.body, "test-cancel") {
		t.Error("an evaluator sees the officer's form")
	}
	if a := other.post("/purchases/77/actions/test-cancel", url.Values{"csrf": {other.csrf("/")}, "reason": {"x"}}); a.status != http.StatusConflict ||
		!strings.Contains(a.body, "当前阶段不能进行此操作") {
		t.Errorf("a form the user may not use: %d", a.status)
	}
	if f.count("POST", "/api/v1/purchases/77/cancel") != 0 {
		t.Fatal("the API was called for a user who may not act")
	}

	s.signIn("clerk")
	page := s.get("/purchases/77")
	mustContain(t, "form", page.body, `action="/purchases/77/actions/test-cancel"`, `<label for="f-test-cancel-reason">取消原因</label>`,
		`<textarea class="input" id="f-test-cancel-reason" name="reason"`, idemField, `type="checkbox"`)
	token := s.csrf("/purchases/77")

	// Nothing typed: refused by the form, the API is not called.
	a := s.post("/purchases/77/actions/test-cancel", url.Values{"csrf": {token}, "reason": {"  "}})
	checkPage(t, "empty form", a, http.StatusUnprocessableEntity, "zh-CN")
	mustContain(t, "empty form", a.body, "请填写取消原因", `href="#f-test-cancel-reason"`, `aria-invalid="true"`)
	if f.count("POST", "/api/v1/purchases/77/cancel") != 0 {
		t.Fatal("the API was called with an invalid form")
	}

	// Refused by the API: its reason next to the field, what was typed kept.
	a = s.post("/purchases/77/actions/test-cancel", url.Values{"csrf": {token}, "reason": {"拒绝"}, "notify": {"true"}, "idem": {"k123"}})
	checkPage(t, "refused action", a, http.StatusConflict, "zh-CN")
	mustContain(t, "refused action", a.body, "操作被拒绝", "理由不成立", `id="f-test-cancel-reason-error"`, ">拒绝</textarea>", `value="true" checked`,
		`href="/lang/en?next=%2fpurchases%2f77"`)
	mustNotContain(t, "refused action", a.body, `name="idem" value="k123"`)
	c := f.last("POST", "/api/v1/purchases/77/cancel")
	if c.method != "POST" || c.caller == nil || c.caller.ID != officer.ID || c.key != "web-k123" || c.body["reason"] != "拒绝" || c.lang != "zh-CN" {
		t.Errorf("API call %+v", c)
	}

	// Accepted: back to the purchase with a confirmation.
	a = s.post("/purchases/77/actions/test-cancel", url.Values{"csrf": {token}, "reason": {"预算调整"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/purchases/77?done=test-cancel#summary" {
		t.Fatalf("accepted action: %d %q", a.status, a.header.Get("Location"))
	}
	done := s.get("/purchases/77?done=test-cancel")
	mustContain(t, "after the action", done.body, `role="status"`, "采购已取消。")

	// A refusal in English comes from the API in English.
	s.get("/lang/en")
	a = s.post("/purchases/77/actions/test-cancel", url.Values{"csrf": {token}, "reason": {"拒绝"}})
	mustContain(t, "refused in English", a.body, "Refused", "that is no reason")
	if a := s.post("/purchases/77/actions/nope", url.Values{"csrf": {token}}); a.status != http.StatusNotFound {
		t.Errorf("unknown action: %d", a.status)
	}
}

func TestEveryMessageHasBothLanguages(t *testing.T) {
	for k, m := range messages {
		if m.zh == "" || m.en == "" {
			t.Errorf("message %s lacks a translation: %+v", k, m)
		}
		if strings.Count(m.zh, "%") != strings.Count(m.en, "%") {
			t.Errorf("message %s: the translations take different arguments: %q %q", k, m.zh, m.en)
		}
	}
	// Every key the templates name exists.
	files, err := assets.ReadDir("templates/pages")
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"templates/layout.html", "templates/partials.html", "templates/actions/generic.html"}
	for _, f := range files {
		paths = append(paths, "templates/pages/"+f.Name())
	}
	for _, p := range paths {
		b, err := assets.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range strings.Split(string(b), `.T "`)[1:] {
			key := part[:strings.Index(part, `"`)]
			if _, ok := messages[key]; !ok {
				t.Errorf("%s uses the untranslated key %q", p, key)
			}
		}
	}
	for _, st := range []string{"tendering", "evaluating", "challenge_period", "contracting", "delivering", "assessing", "settled", "failed", "cancelled", "terminated"} {
		for _, k := range []string{"status." + st} {
			if _, ok := messages[k]; !ok {
				t.Errorf("no message %s", k)
			}
		}
		if st != "tendering" {
			if _, ok := messages["event.purchase."+st]; !ok {
				t.Errorf("no timeline label for purchase.%s", st)
			}
		}
	}
	for kind := range taskSection {
		if _, ok := messages["task."+kind]; !ok {
			t.Errorf("no label for the task %s", kind)
		}
	}
}

func TestOfficerReassignsAnInspection(t *testing.T) {
	s, f, officer, _ := newFakeSite(t)
	second := s.user("inspector2", "evaluator", nil)
	d := &f.detail
	d.Status = "delivering"
	d.Contract.Status = "active"
	d.Members.Inspectors = append(d.Members.Inspectors, store.Member{UserID: second.ID, Name: "检查员丁", Duty: "inspector"})
	d.Inspections = append(d.Inspections, store.Inspection{Seq: 2, Due: d.CreatedAt, InspectorID: ptr(int64(502))})

	s.signIn("clerk")
	page := s.get("/purchases/77")
	checkPage(t, "/purchases/77 with a pending inspection", page, http.StatusOK, "zh-CN")
	mustContain(t, "reassign form", page.body, `action="/purchases/77/actions/reassign"`, "第 2 次检查（检查员乙）", "检查员丁")
	s.post("/purchases/77/actions/reassign", url.Values{"csrf": {s.csrf("/purchases/77")}, "inspection": {"2"},
		"inspector": {strconv.FormatInt(second.ID, 10)}, "reason": {"原监督员休假"}})
	c := f.last("POST", "/api/v1/purchases/77/inspections/2/reassign")
	if c.caller == nil || c.caller.ID != officer.ID || c.body["inspectorId"] != float64(second.ID) || c.body["reason"] != "原监督员休假" {
		t.Errorf("API call %+v", c)
	}
	ev := newClient(t, s.db, s.ui, s.url)
	ev.signIn("inspector2")
	if p := ev.get("/purchases/77"); strings.Contains(p.body, "actions/reassign") {
		t.Error("an inspector sees the officer's reassignment form")
	}
}
