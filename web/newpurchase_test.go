package web

import (
	"context"
	"net/http"
	"net/url"
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
