package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"zhucan/catalog"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

func TestOfficerInsightPages(t *testing.T) {
	s := newSite(t, nil)
	s.user("clerk", "officer", nil)
	cats, _ := catalog.Defaults()
	it := cats[len(cats)-1].Items[0]
	ctx := context.Background()
	if _, err := s.db.CreateBudget(ctx, valid.New(), store.Budget{Name: "助残专项", FiscalYear: it.Year, Category: it.Area, AmountFen: 100_000_000}); err != nil {
		t.Fatal(err)
	}
	code := "52350102700000007"
	check, _ := rules.CreditCodeCheckChar(code[:17])
	sp, err := s.db.CreateSupplier(ctx, valid.New(), store.Supplier{Name: "阳光助残服务中心", CreditCode: code[:17] + string(check)})
	if err != nil {
		t.Fatal(err)
	}
	s.signIn("clerk")
	a := s.get("/dashboard")
	checkPage(t, "/dashboard", a, http.StatusOK, "zh-CN")
	mustContain(t, "dashboard", a.body, `role="img"`, "<title id=\"chart-spend-title\">", "<desc id=\"chart-spend-desc\">", "以表格查看数据", "助残专项", "各阶段采购项目", "近期截止事项")
	a = s.get("/analytics")
	checkPage(t, "/analytics", a, http.StatusOK, "zh-CN")
	mustContain(t, "analytics", a.body, `href="/analytics/export/csv"`, `href="/analytics/export/xlsx"`, "计算方法")
	if a := s.get("/analytics/export/csv"); a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV export: %d %s", a.status, a.header.Get("Content-Type"))
	}
	a = s.get("/organisations")
	checkPage(t, "/organisations", a, http.StatusOK, "zh-CN")
	mustContain(t, "organisations", a.body, "阳光助残服务中心")
	a = s.get("/organisations/" + strconv.FormatInt(sp.ID, 10))
	checkPage(t, "/organisations/id", a, http.StatusOK, "zh-CN")
	mustContain(t, "organisation", a.body, "履约记录", "延期次数")
}
