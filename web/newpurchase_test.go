package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"zhucan/catalog"
	"zhucan/store"
	"zhucan/valid"
)

func TestNewPurchaseFormPrefillsAndKeepsWhatWasTyped(t *testing.T) {
	s := newSite(t, nil)
	s.user("clerk", "officer", nil)
	s.user("expert1", "evaluator", nil)
	cats, _ := catalog.Defaults()
	it := cats[len(cats)-1].Items[0]
	if _, err := s.db.CreateBudget(context.Background(), valid.New(), store.Budget{Name: "助残专项", FiscalYear: it.Year, Category: it.Area, AmountFen: 100_000_000}); err != nil {
		t.Fatal(err)
	}
	s.signIn("clerk")
	a := s.get("/purchases/new")
	checkPage(t, "/purchases/new", a, http.StatusOK, "zh-CN")
	mustContain(t, "item chooser", a.body, `<label for="f-item">服务项目</label>`, it.Code)
	a = s.get("/purchases/new?item=" + it.Code)
	checkPage(t, "/purchases/new?item", a, http.StatusOK, "zh-CN")
	mustContain(t, "prefilled form", a.body, "助残专项", "expert1", `name="m0-name" type="text" value="`+it.Milestones[0].NameZH+`"`,
		`name="panel"`, `name="inspectors"`, `name="assessors"`)
	if c := s.get("/catalog"); !strings.Contains(c.body, "/purchases/new?item="+it.Code) {
		t.Error("the catalogue does not offer to buy its items")
	}

	// Refused: the price is not money, nobody is chosen; what was typed stays.
	v := url.Values{"csrf": {s.csrf("/purchases/new")}, "item": {it.Code}, "title": {"我的采购"}, "ceiling": {"12.345"}, "quantity": {"10"}}
	a = s.post("/purchases/new", v)
	checkPage(t, "refused new purchase", a, http.StatusUnprocessableEntity, "zh-CN")
	mustContain(t, "refused new purchase", a.body, `value="我的采购"`, `href="#f-ceiling"`, `href="#f-panel"`, "请至少选择一人")

	// Officers only.
	ev := newClient(t, s.db, s.ui, s.url)
	ev.signIn("expert1")
	if a := ev.get("/purchases/new"); a.status != http.StatusForbidden {
		t.Errorf("an evaluator opens the new purchase page: %d", a.status)
	}
}

func TestNewPurchaseMilestoneRowsAreAddedAndRemoved(t *testing.T) {
	s := newSite(t, nil)
	s.user("clerk", "officer", nil)
	cats, _ := catalog.Defaults()
	it := cats[len(cats)-1].Items[0]
	s.signIn("clerk")
	n := len(it.Milestones)
	if n < 2 {
		t.Fatalf("the test needs an item with at least two milestones, %s has %d", it.Code, n)
	}
	rowsOf := func(body string) int { return strings.Count(body, `class="milestone-row"`) }
	if a := s.get("/purchases/new?item=" + it.Code); rowsOf(a.body) != n || !strings.Contains(a.body, `name="rows" value="`+strconv.Itoa(n)+`"`) {
		t.Fatalf("the form starts with %d rows, want the template's %d", rowsOf(a.body), n)
	}
	form := url.Values{"csrf": {s.csrf("/purchases/new")}, "item": {it.Code}, "title": {"我的采购"}, "rows": {strconv.Itoa(n)}}
	for i := range n {
		form.Set(fmt.Sprintf("m%d-name", i), fmt.Sprintf("节点%d", i+1))
	}

	// Add: one more, empty row; what was typed stays; nothing is created.
	form.Set("addRow", "1")
	a := s.post("/purchases/new", form)
	checkPage(t, "row added", a, http.StatusOK, "zh-CN")
	mustContain(t, "row added", a.body, fmt.Sprintf("已添加第 %d 个履约节点", n+1), `value="我的采购"`,
		fmt.Sprintf(`name="m%d-name" type="text" value=""`, n), `name="rows" value="`+strconv.Itoa(n+1)+`"`)
	if rowsOf(a.body) != n+1 {
		t.Errorf("%d rows after adding, want %d", rowsOf(a.body), n+1)
	}
	var count int
	if err := s.db.X.Get(&count, `SELECT count(*) FROM purchases`); err != nil || count != 0 {
		t.Errorf("adding a row created %d purchases (%v)", count, err)
	}

	// Remove the first: the later rows move up.
	form.Del("addRow")
	form.Set("rows", strconv.Itoa(n+1))
	form.Set("removeRow", "0")
	a = s.post("/purchases/new", form)
	checkPage(t, "row removed", a, http.StatusOK, "zh-CN")
	mustContain(t, "row removed", a.body, "已删除第 1 个履约节点", `name="m0-name" type="text" value="节点2"`, `name="rows" value="`+strconv.Itoa(n)+`"`)
	if rowsOf(a.body) != n {
		t.Errorf("%d rows after removing, want %d", rowsOf(a.body), n)
	}

	// The last row cannot be removed.
	one := url.Values{"csrf": {form.Get("csrf")}, "item": {it.Code}, "rows": {"1"}, "m0-name": {"唯一节点"}, "removeRow": {"0"}}
	a = s.post("/purchases/new", one)
	if rowsOf(a.body) != 1 || strings.Contains(a.body, `name="removeRow"`) {
		t.Errorf("a single row: %d rows, remove button shown: %v", rowsOf(a.body), strings.Contains(a.body, `name="removeRow"`))
	}

	// A stale remove (no such row) shows the form again and creates nothing.
	stale := url.Values{"csrf": {form.Get("csrf")}, "item": {it.Code}, "rows": {"2"}, "m0-name": {"一"}, "m1-name": {"二"}, "removeRow": {"7"}}
	if a := s.post("/purchases/new", stale); a.status != http.StatusOK || rowsOf(a.body) != 2 {
		t.Errorf("a stale remove: %d, %d rows", a.status, rowsOf(a.body))
	}
	if err := s.db.X.Get(&count, `SELECT count(*) FROM purchases`); err != nil || count != 0 {
		t.Errorf("a row button created %d purchases (%v)", count, err)
	}

	// Enter in a field presses the form's own button, not a row button.
	rest := a.body[strings.Index(a.body, `<form method="post" action="/purchases/new"`):]
	button := rest[strings.Index(rest, "<button"):]
	if button = button[:strings.Index(button, ">")]; strings.Contains(button, "name=") || !strings.Contains(button, `type="submit"`) {
		t.Errorf("the first button of the form is not its own submit button: %s", button)
	}
}
