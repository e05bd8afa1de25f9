package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhucan/catalog"
	"zhucan/rules"
)

// submit submits the form that holds sel and waits for the next page.
func (b *browser) submit(sel string) {
	b.t.Helper()
	js[bool](b, `window.__stale = true; true`)
	b.run("submit "+sel, chromedp.Submit(chromedp.CSS(sel)))
	b.waitNewPage()
}

// click clicks sel (a submit button) and waits for the next page.
func (b *browser) clickNext(sel string) {
	b.t.Helper()
	js[bool](b, `window.__stale = true; true`)
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	b.waitNewPage()
}

func (b *browser) waitNewPage() {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__stale && document.readyState === "complete" && !!document.querySelector("footer")`))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s: no new page after submitting", b.name)
}

// set types values into the controls with the given ids.
func (b *browser) set(vals map[string]string) {
	b.t.Helper()
	for id, v := range vals {
		// Set through script: the browser normalises some values (a
		// time's ":00" seconds), which chromedp.SetValue takes for failure.
		if !js[bool](b, fmt.Sprintf(`(() => { const el = document.getElementById(%q); if (!el) return false; el.value = %q; return true })()`, id, v)) {
			b.t.Fatalf("%s: no control #%s on %s", b.name, id, b.where())
		}
	}
}

// act fills in action key's form and submits it; it fails the test if
// the form is refused.
func (b *browser) act(key string, vals map[string]string) {
	b.t.Helper()
	ids := map[string]string{}
	for k, v := range vals {
		ids[fieldID(key+"-"+k)] = v
	}
	b.set(ids)
	b.submit(fmt.Sprintf("#action-%s button[type=submit]", key))
	if js[bool](b, `!!document.querySelector(".error-summary")`) {
		b.t.Fatalf("%s: action %s refused: %s", b.name, key, js[string](b, `document.querySelector(".error-summary").innerText`))
	}
}

// has reports whether the page shows action key's form.
func (b *browser) has(key string) bool {
	return js[bool](b, fmt.Sprintf(`!!document.querySelector("#action-%s")`, key))
}

// TestBrowserWholePurchase runs one purchase through the UI alone, each
// role in its own browser session, from creation to settlement under the
// sandbox policy; with a refused action, the officer's new pages, axe-core
// on each and screenshots at desktop and phone widths.
func TestBrowserWholePurchase(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	day := 300 * time.Millisecond
	s := newStack(t, day)
	c := s.cast()

	first, axe, shots := startChromium(t)
	session := func(name string) *browser {
		b := newBrowser(t, first, s.url, name, axe, shots)
		b.signIn(name)
		return b
	}

	// The officer creates the purchase from the catalogue item.
	officer := session("officer")
	officer.open("/catalog")
	officer.open("/purchases/new?item=" + s.item.Code)
	officer.mustSee("新建采购项目", "履约节点与付款")
	officer.check("new-purchase")
	now := time.Now().In(rules.Shanghai)
	deadline := now.Add(80 * day)
	start := deadline.Add(20 * day)
	end := start.Add(120 * day)
	const layout = "2006-01-02T15:04:05"
	officer.set(map[string]string{"f-title": "2026年残疾人居家托养服务", "f-budget": strconv.FormatInt(c.budget, 10), "f-quantity": "100",
		"f-ceiling": "500000", "f-method": "open_tender", "f-priceWeight": "30",
		"f-deadline": deadline.Format(layout), "f-start": start.Format(layout), "f-end": end.Format(layout)})
	var boxes []string
	for _, p := range c.panel {
		boxes = append(boxes, fmt.Sprintf("#f-panel-%d", p.ID))
	}
	boxes = append(boxes, fmt.Sprintf("#f-inspectors-%d", c.inspector.ID), fmt.Sprintf("#f-assessors-%d", c.assessor.ID))
	for _, sel := range boxes {
		officer.run("check "+sel, chromedp.Click(chromedp.CSS(sel)))
	}
	// A milestone row added and removed again: the form keeps what was typed.
	rows := js[string](officer, `document.querySelector('input[name="rows"]').value`)
	officer.clickNext(`button[name="addRow"]`)
	officer.mustSee("个履约节点，请填写")
	officer.check("new-purchase-row-added")
	officer.clickNext(fmt.Sprintf(`button[name="removeRow"][value="%s"]`, rows))
	if got := js[string](officer, `document.querySelector('input[name="rows"]').value`); got != rows {
		t.Errorf("after adding and removing a row the form has %s rows, want %s", got, rows)
	}
	officer.clickNext(`button[name="recompute"]`)
	officer.mustSee("已按服务期和数量重新计算履约节点")
	if v := js[string](officer, `document.querySelector("#f-title").value`); v != "2026年残疾人居家托养服务" {
		t.Errorf("the recomputed form lost the title: %q", v)
	}
	officer.clickNext(`form[method="post"][action="/purchases/new"] > button.button:not([name])`)
	if js[bool](officer, `!!document.querySelector(".error-summary")`) {
		t.Fatalf("new purchase refused: %s", js[string](officer, `document.querySelector(".error-summary").innerText`))
	}
	path := officer.where()
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/purchases/"), 10, 64)
	if err != nil {
		t.Fatalf("after creating, the officer is on %s", path)
	}
	officer.mustSee("2026年残疾人居家托养服务", "招标中")
	officer.check("purchase-officer-tendering")
	page := fmt.Sprintf("/purchases/%d", id)

	// The organisations bid; a price above the ceiling is refused with its reason.
	orgs := make([]*browser, len(c.reps))
	for i, price := range []string{"450000", "420000", "480000"} {
		orgs[i] = session(fmt.Sprintf("org%d", i+1))
		orgs[i].open(page)
		if i == 0 {
			orgs[i].set(map[string]string{"f-bid-price": "600000", "f-bid-proposal": "技术方案"})
			orgs[i].submit("#action-bid button[type=submit]")
			orgs[i].mustHave("error-summary")
			if v := js[string](orgs[i], `document.querySelector("#f-bid-proposal").value`); v != "技术方案" {
				t.Errorf("the refused bid form lost the proposal: %q", v)
			}
			orgs[i].check("purchase-bid-refused")
		}
		orgs[i].act("bid", map[string]string{"price": price, "proposal": "保密的技术方案：托养服务计划与人员安排"})
		orgs[i].mustSee("投标已提交")
	}
	orgs[0].check("purchase-organisation-bid")

	// The panel scores every bid side by side.
	s.await(id, c.officer.Token, "evaluating")
	tech := map[string]string{"阳光助残服务中心": "60", "彩虹康复服务社": "55.5", "同心社会工作服务站": "65"}
	for i, p := range c.panel {
		b := session(p.Name)
		b.open(page)
		for name, v := range tech {
			js[bool](b, fmt.Sprintf(`for (const tr of document.querySelectorAll("table.scores tbody tr")) {
				if (tr.querySelector("th").textContent.trim().startsWith(%q)) { tr.querySelector("input").value = %q } }; true`, name, v))
		}
		if i == 0 {
			b.check("purchase-panel-scores")
		}
		b.submit("#action-scores button[type=submit]")
		if js[bool](b, `!!document.querySelector(".error-summary")`) {
			t.Fatalf("%s: scores refused: %s", p.Name, js[string](b, `document.querySelector(".error-summary").innerText`))
		}
	}

	// Both sides sign.
	s.await(id, c.officer.Token, "contracting")
	officer.open(page)
	officer.act("sign", nil)
	winner := orgs[2]
	winner.open(page)
	winner.act("sign", nil)

	// Delivery: reports with evidence, reviews, inspections and the assessment.
	evidence := filepath.Join(t.TempDir(), "签到表.pdf")
	if err := os.WriteFile(evidence, []byte("%PDF-1.4 签到表"), 0o600); err != nil {
		t.Fatal(err)
	}
	inspector, assessor := session("inspector"), session("assessor")
	s.await(id, c.officer.Token, "delivering")
	shot := map[string]bool{}
	limit := time.Now().Add(4 * time.Minute)
	for {
		var d detail
		s.call(http.StatusOK, "GET", "/api/v1"+page, c.officer.Token, nil, &d)
		if d.Status == "settled" {
			break
		}
		if time.Now().After(limit) {
			t.Fatalf("purchase %d stuck in %s", id, d.Status)
		}
		acted := false
		winner.open(page)
		if winner.has("report") {
			var q int64
			sel := js[string](winner, `document.querySelector("#f-report-milestone").value`)
			for _, m := range d.Milestones {
				if strconv.Itoa(m.Seq) == sel {
					q = m.Quantity
				}
			}
			if !shot["report"] {
				winner.check("purchase-organisation-report")
				shot["report"] = true
			}
			winner.run("choose evidence", chromedp.SetUploadFiles(chromedp.CSS("#f-report-evidence"), []string{evidence}))
			winner.act("report", map[string]string{"delivered": strconv.FormatInt(q, 10), "beneficiaries": strconv.FormatInt(q, 10), "summary": "按计划完成托养服务"})
			acted = true
		}
		officer.open(page)
		if officer.has("review") {
			if !shot["review"] {
				officer.check("purchase-officer-review")
				shot["review"] = true
			}
			officer.act("review", nil)
			acted = true
		}
		inspector.open(page)
		if inspector.has("inspect") {
			if !shot["inspect"] {
				inspector.check("purchase-inspector")
				shot["inspect"] = true
			}
			inspector.act("inspect", map[string]string{"surveyed": "10", "satisfied": "9"})
			acted = true
		}
		assessor.open(page)
		if assessor.has("evaluate") {
			vals := map[string]string{"comment": "服务规范"}
			for _, ind := range s.item.Indicators {
				if ind.Method == catalog.MethodScored {
					vals["ind-"+ind.Code] = strconv.Itoa(ind.Weight)
				}
			}
			if !shot["evaluate"] {
				assessor.check("purchase-assessor")
				shot["evaluate"] = true
			}
			assessor.act("evaluate", vals)
			acted = true
		}
		if !acted {
			time.Sleep(200 * time.Millisecond)
		}
	}
	officer.open(page)
	officer.mustSee("已结算")
	officer.mustHave("签到表.pdf")
	officer.check("purchase-officer-settled")

	// The officer's dashboard, analytics and directory.
	officer.open("/dashboard")
	officer.mustHave(`role="img"`, "chart-spend-title")
	officer.check("dashboard")
	officer.open("/analytics")
	officer.mustSee("计算方法")
	officer.check("analytics")
	officer.open("/organisations")
	officer.mustSee("同心社会工作服务站")
	officer.check("organisations")
	officer.open(fmt.Sprintf("/organisations/%d", c.orgs[2]))
	officer.mustSee("履约记录")
	officer.check("organisation")
}
