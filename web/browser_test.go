package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	sdkworker "go.temporal.io/sdk/worker"

	"zhucan/activities"
	"zhucan/api"
	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/valid"
	"zhucan/workflows"
)

// chromium is Debian's Chromium, which the browser tests drive.
const chromium = "/usr/bin/chromium"

// axePath is where make installs axe-core (npm install --prefix .cache/axe axe-core@4).
const axePath = ".cache/axe/node_modules/axe-core/axe.min.js"

// stack is the whole system on a database of the test's own: a worker,
// the API under the sandbox policy and the web UI mounted on it.
type stack struct {
	t     *testing.T
	url   string
	admin string
	day   time.Duration
	item  catalog.Item
}

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
	const adminToken = "web-test-admin-token"
	if _, err := db.EnsureAdmin(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	c := testenv.Temporal(t)
	queue := fmt.Sprintf("web-%d", time.Now().UnixNano())
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflow(workflows.PurchaseWorkflow)
	w.RegisterWorkflow(workflows.DeliveryWorkflow)
	w.RegisterActivity(activities.New(db))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	ui := New(Options{DB: db, Log: quietLog()})
	srv := api.New(api.Options{DB: db, Temporal: c, TaskQueue: queue, Policy: rules.Sandbox(day), Validator: valid.New(),
		Log: quietLog(), UI: ui})
	ui.SetAPI(srv.Handler())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &stack{t: t, url: ts.URL, admin: adminToken, day: day, item: cats[len(cats)-1].Items[0]}
}

// call sends a JSON request with a bearer token and decodes the answer into out.
func (s *stack) call(want int, method, path, token string, body, out any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("decode %s: %v", b, err)
		}
	}
}

type person struct {
	ID    int64
	Name  string
	Token string
}

// person adds an account whose web password is "secret-<name>".
func (s *stack) person(name, role string, supplier int64) person {
	s.t.Helper()
	body := map[string]any{"name": name, "role": role, "password": "secret-" + name}
	if supplier != 0 {
		body["supplierId"] = supplier
	}
	var p person
	s.call(http.StatusCreated, "POST", "/api/v1/users", s.admin, body, &p)
	return p
}

// cast is everyone the purchases need.
type cast struct {
	officer, inspector, assessor person
	panel, reps                  []person
	orgs                         []int64
	budget                       int64
}

func (s *stack) cast() cast {
	s.t.Helper()
	var c cast
	c.officer = s.person("officer", "officer", 0)
	for i := range 5 {
		c.panel = append(c.panel, s.person(fmt.Sprintf("expert%d", i+1), "evaluator", 0))
	}
	c.inspector = s.person("inspector", "evaluator", 0)
	c.assessor = s.person("assessor", "evaluator", 0)
	for i, name := range []string{"阳光助残服务中心", "彩虹康复服务社", "同心社会工作服务站"} {
		first := fmt.Sprintf("523501027%08d", i+1)
		check, err := rules.CreditCodeCheckChar(first)
		if err != nil {
			s.t.Fatal(err)
		}
		var sp struct{ ID int64 }
		s.call(http.StatusCreated, "POST", "/api/v1/suppliers", c.officer.Token, map[string]any{"name": name,
			"creditCode": first + string(check), "qualifications": s.item.Qualifications, "contact": "张女士 13800000000"}, &sp)
		c.orgs = append(c.orgs, sp.ID)
		c.reps = append(c.reps, s.person(fmt.Sprintf("org%d", i+1), "supplier", sp.ID))
	}
	var b struct{ ID int64 }
	s.call(http.StatusCreated, "POST", "/api/v1/budgets", c.officer.Token, map[string]any{
		"name": "2026年助残服务", "fiscalYear": 2026, "category": s.item.Area, "amountFen": 300_000_000}, &b)
	c.budget = b.ID
	return c
}

// create starts a purchase whose bids close after bidDays and whose service
// lasts serviceDays, and returns its number.
func (s *stack) create(c cast, title string, bidDays, serviceDays int) int64 {
	s.t.Helper()
	return s.createAt(c, title, bidDays, bidDays+18, serviceDays)
}

// createAt is create with the service starting after startDays.
func (s *stack) createAt(c cast, title string, bidDays, startDays, serviceDays int) int64 {
	s.t.Helper()
	now := time.Now()
	d := s.day
	start := now.Add(time.Duration(startDays) * d)
	end := start.Add(time.Duration(serviceDays) * d)
	var ids []int64
	for _, p := range c.panel {
		ids = append(ids, p.ID)
	}
	var out struct{ ID int64 }
	s.call(http.StatusCreated, "POST", "/api/v1/purchases", c.officer.Token, map[string]any{
		"title": title, "catalogCode": s.item.Code, "budgetId": c.budget, "quantity": 100, "ceilingFen": 50_000_000,
		"method": "open_tender", "bidDeadline": now.Add(time.Duration(bidDays) * d).Format(time.RFC3339Nano),
		"serviceStart": start.Format(time.RFC3339Nano), "serviceEnd": end.Format(time.RFC3339Nano), "priceWeight": 30,
		"panel": ids, "inspectors": []int64{c.inspector.ID}, "assessors": []int64{c.assessor.ID},
		"milestones": []map[string]any{
			{"name": "第一期", "due": start.Add(time.Duration(serviceDays/2) * d).Format(time.RFC3339Nano), "quantity": 50, "paymentPercent": 50},
			{"name": "第二期", "due": end.Format(time.RFC3339Nano), "quantity": 50, "paymentPercent": 50},
		},
	}, &out)
	return out.ID
}

// detail is what the seeding reads of a purchase.
type detail struct {
	Status string
	Bids   []struct {
		ID         int64
		SupplierID int64
	}
	Milestones []struct {
		Seq      int
		Status   string
		Quantity int64
	}
}

func (s *stack) await(id int64, token string, status string) detail {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var d detail
		s.call(http.StatusOK, "GET", fmt.Sprintf("/api/v1/purchases/%d", id), token, nil, &d)
		if d.Status == status {
			return d
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("purchase %d is %s, want %s", id, d.Status, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle runs purchase id from bids to settlement through the API.
func (s *stack) settle(c cast, id int64) {
	s.t.Helper()
	path := fmt.Sprintf("/api/v1/purchases/%d", id)
	for i, price := range []int64{45_000_000, 42_000_000, 48_000_000} {
		s.call(http.StatusOK, "POST", path+"/bids", c.reps[i].Token, map[string]any{"priceFen": price,
			"proposal": "保密的技术方案：康复训练计划与师资安排"}, nil)
	}
	d := s.await(id, c.officer.Token, "evaluating")
	tech := map[int64]float64{c.orgs[0]: 60, c.orgs[1]: 55.5, c.orgs[2]: 65}
	for _, e := range c.panel {
		var scores []map[string]any
		for _, b := range d.Bids {
			scores = append(scores, map[string]any{"bidId": b.ID, "technical": tech[b.SupplierID]})
		}
		s.call(http.StatusOK, "POST", path+"/scores", e.Token, map[string]any{"scores": scores}, nil)
	}
	s.await(id, c.officer.Token, "contracting")
	s.call(http.StatusOK, "POST", path+"/signatures", c.officer.Token, map[string]any{}, nil)
	s.call(http.StatusOK, "POST", path+"/signatures", c.reps[2].Token, map[string]any{}, nil)
	d = s.await(id, c.officer.Token, "delivering")
	deadline := time.Now().Add(3 * time.Minute)
	for d.Status != "settled" {
		if time.Now().After(deadline) {
			s.t.Fatalf("purchase %d stuck in %s", id, d.Status)
		}
		acted := false
		for _, m := range d.Milestones {
			switch m.Status {
			case "pending", "returned":
				s.call(http.StatusOK, "POST", fmt.Sprintf("%s/milestones/%d/reports", path, m.Seq), c.reps[2].Token, map[string]any{
					"deliveredQuantity": m.Quantity, "beneficiaries": m.Quantity, "summary": "按计划完成康复训练",
					"evidence": []map[string]any{{"name": "签到表.pdf", "sha256": strings.Repeat("ab", 32)}}}, nil)
				acted = true
			case "reported":
				s.call(http.StatusOK, "POST", fmt.Sprintf("%s/milestones/%d/review", path, m.Seq), c.officer.Token, map[string]any{"accepted": true}, nil)
				acted = true
			}
		}
		var tasks struct{ Items []struct{ Kind string } }
		s.call(http.StatusOK, "GET", "/api/v1/me/tasks", c.inspector.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "inspect" {
				s.call(http.StatusOK, "POST", path+"/inspections", c.inspector.Token, map[string]any{"passed": true, "findings": "", "surveyed": 10, "satisfied": 9}, nil)
				acted = true
				break
			}
		}
		s.call(http.StatusOK, "GET", "/api/v1/me/tasks", c.assessor.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "assess" {
				var scores []map[string]any
				for _, ind := range s.item.Indicators {
					if ind.Method == catalog.MethodScored {
						scores = append(scores, map[string]any{"indicator": ind.Code, "score": ind.Weight})
					}
				}
				s.call(http.StatusOK, "POST", path+"/evaluations", c.assessor.Token, map[string]any{"scores": scores, "comment": "服务规范"}, nil)
				acted = true
			}
		}
		if !acted {
			time.Sleep(50 * time.Millisecond)
		}
		s.call(http.StatusOK, "GET", path, c.officer.Token, nil, &d)
	}
}

// browser drives one person's browser session.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	name  string
	axe   string
	shots string
}

// viewports are the sizes every page is checked and photographed at.
var viewports = []struct {
	name string
	w, h int64
}{{"desktop", 1280, 800}, {"phone", 375, 812}}

// newBrowser opens a new browser context (its own cookies) for a person.
func newBrowser(t *testing.T, root context.Context, base, name, axe, shots string) *browser {
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// axe-core is injected through the DevTools protocol, past the UI's
	// Content-Security-Policy.
	if _, err := chromedp.Call(ctx, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("open browser context: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: base, name: name, axe: axe, shots: shots}
}

// run runs steps, failing the test on error.
func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// value runs one action and returns its value, failing the test on error.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
	return v
}

// js evaluates a script and returns its result.
func js[T any](b *browser, script string) T {
	b.t.Helper()
	return value(b, script, chromedp.Evaluate[T](script))
}

// open loads path and waits for the page.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("footer")))
}

// where is the current path with query.
func (b *browser) where() string { return js[string](b, "location.pathname + location.search") }

// text returns the page's visible text.
func (b *browser) text() string {
	b.t.Helper()
	return value(b, "read text", chromedp.Text(chromedp.CSS("body")))
}

func (b *browser) mustSee(wants ...string) {
	b.t.Helper()
	txt := b.text()
	for _, w := range wants {
		if !strings.Contains(txt, w) {
			b.t.Errorf("%s: %s does not show %q", b.name, b.where(), w)
		}
	}
}

// mustHave checks the page's HTML (text in closed <details> included).
func (b *browser) mustHave(wants ...string) {
	b.t.Helper()
	html := js[string](b, "document.documentElement.outerHTML")
	for _, w := range wants {
		if !strings.Contains(html, w) {
			b.t.Errorf("%s: %s lacks %q", b.name, b.where(), w)
		}
	}
}

func (b *browser) mustNotSee(unwanted ...string) {
	b.t.Helper()
	html := js[string](b, "document.documentElement.outerHTML")
	for _, w := range unwanted {
		if strings.Contains(html, w) {
			b.t.Errorf("%s: %s contains %q", b.name, b.where(), w)
		}
	}
}

// axeViolation is a failed axe-core rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeRun runs axe-core's WCAG 2.1 A/AA and best-practice rules.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
	resultTypes: ["violations"]}).then(r => r.violations)`

// check photographs the current page at every viewport and checks it:
// axe-core finds no serious or critical violation, nothing is wider than
// the viewport, and at 200 % text the desktop layout still fits.
func (b *browser) check(shot string) {
	b.t.Helper()
	url := b.where()
	for _, vp := range viewports {
		b.run("resize", chromedp.EmulateViewport(vp.w, vp.h), chromedp.Sleep(150*time.Millisecond))
		png := value(b, "screenshot", chromedp.FullScreenshot(100))
		file := filepath.Join(b.shots, fmt.Sprintf("%s-%s.png", shot, vp.name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		if js[bool](b, "document.documentElement.scrollWidth > window.innerWidth + 1") {
			b.t.Errorf("%s: %s is wider than %d px", b.name, url, vp.w)
		}
		if !js[bool](b, "typeof axe !== 'undefined'") {
			js[bool](b, b.axe+";true")
		}
		violations := value(b, "axe", chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
		for _, v := range violations {
			msg := fmt.Sprintf("%s: axe on %s at %s: %s (%s) %s", b.name, url, vp.name, v.ID, v.Impact, v.Help)
			for _, n := range v.Nodes {
				msg += fmt.Sprintf("\n    %v: %s", n.Target, n.Summary)
			}
			if v.Impact == "serious" || v.Impact == "critical" {
				b.t.Error(msg)
			} else {
				b.t.Log(msg)
			}
		}
	}
	// Text enlarged to 200 %: still no sideways scrolling at desktop width.
	b.run("resize", chromedp.EmulateViewport(viewports[0].w, viewports[0].h))
	if js[bool](b, `document.documentElement.style.fontSize = "200%"; document.documentElement.scrollWidth > window.innerWidth + 1`) {
		b.t.Errorf("%s: %s scrolls sideways with text at 200%%", b.name, url)
	}
	js[bool](b, `document.documentElement.style.fontSize = ""; true`)
}

// signIn signs in through the form, as a person would.
func (b *browser) signIn(name string) {
	b.t.Helper()
	b.open("/login")
	b.run("sign in as "+name,
		chromedp.SendKeys(chromedp.CSS("#f-name"), name),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "secret-"+name),
		chromedp.Submit(chromedp.CSS("#f-password")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
}

// TestBrowser runs the UI in headless Chromium against the whole system:
// the public pages, the language switch, an officer's and an
// organisation's inbox, the purchase page, with axe-core on every page
// and screenshots at desktop and phone widths.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	day := 100 * time.Millisecond
	s := newStack(t, day)
	c := s.cast()
	settled := s.create(c, "2026年残疾儿童康复训练服务", 22, 40)
	failed := s.create(c, "2026年盲人按摩技能培训", 22, 40)
	open := s.create(c, "2027年精神障碍社区康复服务", 3000, 40)
	s.settle(c, settled)
	s.await(failed, c.officer.Token, "failed")

	first, axe, shots := startChromium(t)

	t.Run("public", func(t *testing.T) {
		b := newBrowser(t, first, s.url, "public", axe, shots)
		b.open("/")
		// The first Tab reaches the skip link, which moves to the main content.
		b.run("tab", chromedp.KeyEvent("\t"))
		if focused := js[string](b, "document.activeElement.className"); focused != "skip-link" {
			t.Errorf("the first Tab focuses %q, not the skip link", focused)
		}
		b.mustSee("政府购买助残服务", "信息公开", "服务目录", "2027年精神障碍社区康复服务")
		b.check("home")

		b.open("/public")
		b.mustSee("招标公告", "结果公示", "2027年精神障碍社区康复服务", "2026年残疾儿童康复训练服务", "最高限价")
		b.check("public")

		b.open(fmt.Sprintf("/public/purchases/%d", settled))
		b.mustSee("采购公告", "中标结果", "评分排名", "同心社会工作服务站", "480,000.00 元", "合同摘要", "绩效评价结果", "优秀", "北京时间")
		b.mustNotSee("保密的技术方案", "张女士", "13800000000", "expert1")
		b.check("public-purchase-settled")

		b.open(fmt.Sprintf("/public/purchases/%d", open))
		b.mustSee("招标中", "评审结束、发出中标通知后在此公布")
		b.check("public-purchase-open")

		b.open("/catalog")
		b.mustSee("指导性目录", "参考单价", "资质要求")
		b.check("catalog")

		b.open("/login")
		b.check("login")

		b.open("/no/such/page")
		b.mustSee("找不到该页面")
		b.check("not-found")

		// A refused sign-in keeps the name and says why, next to the form.
		b.run("refused sign-in",
			chromedp.Navigate(s.url+"/login"),
			chromedp.SendKeys(chromedp.CSS("#f-name"), "officer"),
			chromedp.SendKeys(chromedp.CSS("#f-password"), "not-the-password"),
			chromedp.Submit(chromedp.CSS("#f-password")),
			chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		if name := js[string](b, `document.querySelector("#f-name").value`); name != "officer" {
			t.Errorf("after a refused sign-in the name field holds %q", name)
		}
		b.mustSee("用户名或密码不正确")
		b.check("login-refused")
	})

	t.Run("language", func(t *testing.T) {
		b := newBrowser(t, first, s.url, "language", axe, shots)
		b.open("/public")
		b.run("switch to English", chromedp.Click(chromedp.CSS(".lang-switch")), chromedp.WaitReady(chromedp.CSS(`html[lang="en"] footer`)))
		if path := b.where(); path != "/public" {
			t.Errorf("the language switch went to %s, not back to /public", path)
		}
		b.mustSee("Public information", "Tender notices", "Results", "Ceiling price")
		b.check("public-en")
		b.open(fmt.Sprintf("/public/purchases/%d", settled))
		b.mustSee("Award result", "Ranked scores", "CNY 480,000.00", "excellent", "CST (UTC+8)")
		b.check("public-purchase-en")
		b.open("/catalog")
		b.mustSee("Guiding catalogue", "Reference unit price")
		b.run("back to Chinese", chromedp.Click(chromedp.CSS(".lang-switch")), chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"] footer`)))
		b.mustSee("指导性目录")
	})

	t.Run("officer", func(t *testing.T) {
		b := newBrowser(t, first, s.url, "officer", axe, shots)
		b.open(fmt.Sprintf("/purchases/%d", settled))
		if path := b.where(); !strings.HasPrefix(path, "/login?next=") {
			t.Fatalf("a signed-out visit to a purchase page went to %s, not /login", path)
		}
		b.signIn("officer")
		b.open("/")
		b.mustSee("我的待办", "招标失败：决定重新招标或取消", "2026年盲人按摩技能培训", "采购经办人")
		if href := js[string](b, `document.querySelector(".task-title a").getAttribute("href")`); !strings.HasPrefix(href, fmt.Sprintf("/purchases/%d", failed)) {
			t.Errorf("the task links to %s", href)
		}
		b.check("inbox-officer")

		b.open("/purchases")
		b.mustSee("采购项目", "2026年残疾儿童康复训练服务", "2027年精神障碍社区康复服务")
		b.check("purchases-officer")

		b.open(fmt.Sprintf("/purchases/%d", settled))
		b.mustSee("项目概况", "评审与监督人员", "expert1", "投标", "中标与签约", "合同", "履约节点", "质量检查",
			"绩效评价", "付款", "全程记录", "立项并发布招标公告", "开标", "发出中标通知", "结算完毕", "已结算", "480,000.00 元")
		b.mustHave("签到表.pdf", strings.Repeat("ab", 32), "保密的技术方案")
		b.check("purchase-officer")

		b.open(fmt.Sprintf("/purchases/%d", failed))
		b.mustSee("招标失败", "全程记录")
		b.check("purchase-failed")

		b.run("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href="/login"]`)))
		b.open("/purchases")
		if path := b.where(); !strings.HasPrefix(path, "/login") {
			t.Errorf("after signing out /purchases shows %s", path)
		}
	})

	t.Run("organisation", func(t *testing.T) {
		b := newBrowser(t, first, s.url, "organisation", axe, shots)
		b.signIn("org1")
		b.open("/")
		b.mustSee("我的待办", "可以投标", "2027年精神障碍社区康复服务", "社会组织")
		b.check("inbox-organisation")
		b.open("/purchases?mine=1")
		b.mustSee("我参与的采购项目", "2026年残疾儿童康复训练服务")
		b.check("purchases-organisation")
		b.open(fmt.Sprintf("/purchases/%d", open))
		b.mustSee("投标截止前，所有投标密封保存")
		b.check("purchase-organisation-open")
	})
}

// startChromium starts headless Chromium for a browser test and returns
// its first tab, the axe-core script and the screenshot folder.
func startChromium(t *testing.T) (first context.Context, axe, shots string) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the browser tests need Debian's Chromium at %s: apt-get install chromium", chromium)
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	axeJS, err := os.ReadFile(filepath.Join(root, axePath))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): make axe installs it (npm install --prefix .cache/axe axe-core@4)", err)
	}
	shots = filepath.Join(root, "testdata-out", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// A browser set to Chinese, as most users' are: the UI's language
		// comes from Accept-Language until the switch is used.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	first, cancelFirst := chromedp.NewContext(alloc)
	t.Cleanup(cancelFirst)
	if err := chromedp.Do(first); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return first, string(axeJS), shots
}
