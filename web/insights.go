package web

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"zhucan/analytics"
	"zhucan/api"
	"zhucan/store"
)

// chart is a horizontal bar chart drawn by the server as SVG, with a
// title, a description and the same figures as a table for those who
// cannot see it.
type chart struct {
	// ID makes the ids of its title, description and table unique.
	ID string
	// Title and Desc name and describe it.
	Title, Desc string
	// Series name the bars of each row (one or two series).
	Series []string
	// Rows are the bars, one group per row.
	Rows []chartRow
	// Unit formats a value for the labels and the table.
	Unit func(int64) string
}

// chartRow is one labelled group of bars.
type chartRow struct {
	// Label names the row.
	Label string
	// Values are its bars, one per series.
	Values []int64
}

// chartColours are the series' colours, each 3:1 or more against white.
var chartColours = []string{"#1d4ed8", "#b45309", "#047857", "#b91c1c"}

// Colour is series i's colour.
func (c chart) Colour(i int) string { return chartColours[i%len(chartColours)] }

// Cell formats a value for the table.
func (c chart) Cell(v int64) string { return c.Unit(v) }

// SVG draws the chart.
func (c chart) SVG() template.HTML {
	const width, labelW, barH, gap = 640, 170, 18, 10
	var max int64 = 1
	for _, r := range c.Rows {
		for _, v := range r.Values {
			if v > max {
				max = v
			}
		}
	}
	n := len(c.Series)
	rowH := n*barH + gap
	height := len(c.Rows)*rowH + 30
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, width, height, c.ID, c.ID)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, c.ID, esc(c.Title), c.ID, esc(c.Desc))
	plot := float64(width - labelW - 150)
	for i, r := range c.Rows {
		y := i*rowH + 4
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="14" fill="#1f2937">%s</text>`, y+barH-4, esc(truncate(r.Label, 11)))
		for j, v := range r.Values {
			w := int(plot * float64(v) / float64(max))
			if v > 0 && w < 2 {
				w = 2
			}
			by := y + j*barH
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"></rect>`, labelW, by, w, barH-3, c.Colour(j))
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#1f2937">%s</text>`, labelW+w+6, by+barH-6, esc(c.Unit(v)))
		}
	}
	ly := len(c.Rows)*rowH + 20
	x := labelW
	for j, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"></rect><text x="%d" y="%d" font-size="13" fill="#1f2937">%s</text>`,
			x, ly-10, c.Colour(j), x+16, ly, esc(s))
		x += 16 + 14*len([]rune(s)) + 20
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text is escaped above
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// dashboardData is the officer's dashboard.
type dashboardData struct {
	// Year is the fiscal year shown.
	Year int
	// Budgets are the budget lines.
	Budgets []store.Budget
	// Counts are the purchases by status.
	Counts []statusCount
	// Charts are the figures drawn.
	Charts []chart
	// Deadlines are the officer's tasks that have a deadline, soonest first.
	Deadlines []taskView
}

// statusCount is how many purchases are in a status.
type statusCount struct {
	// Status is the purchase status.
	Status string
	// N is how many (with More when there are more than shown).
	N    int
	More bool
}

// areaNames maps service areas to their names in the user's language.
func (ui *UI) areaNames(r *http.Request) map[string]string {
	out := map[string]string{}
	var cat api.CatalogResponse
	if err := ui.getPublic(r, "/api/v1/catalog", &cat); err != nil {
		ui.log.WarnContext(r.Context(), "read catalogue", "err", err)
		return out
	}
	l := state(r).loc
	for _, a := range cat.Areas {
		out[a.Code] = l.Pick(a.NameZH, a.NameEN)
	}
	out["general"] = l.T("area.general")
	return out
}

func (ui *UI) figures(r *http.Request, year string) (api.FigureList, error) {
	var fl api.FigureList
	path := "/api/v1/analytics/areas"
	if year != "" {
		path += "?fiscalYear=" + year
	}
	err := ui.get(r, path, &fl)
	return fl, err
}

func (ui *UI) dashboard(w http.ResponseWriter, r *http.Request) {
	if !officerOnly(state(r).user) {
		ui.errorPage(w, r, http.StatusForbidden, "", "")
		return
	}
	l := state(r).loc
	year := r.URL.Query().Get("year")
	if _, err := strconv.Atoi(year); year != "" && err != nil {
		ui.notFound(w, r)
		return
	}
	fl, err := ui.figures(r, year)
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	d := dashboardData{Year: fl.FiscalYear}
	var bs struct {
		Items []store.Budget `json:"items"`
	}
	if err := ui.get(r, "/api/v1/budgets", &bs); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	d.Budgets = bs.Items
	tasks, err := ui.tasks(r)
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	for _, t := range tasks {
		if t.Due != nil {
			d.Deadlines = append(d.Deadlines, t)
		}
	}
	sort.SliceStable(d.Deadlines, func(i, j int) bool { return d.Deadlines[i].Due.Before(*d.Deadlines[j].Due) })
	if len(d.Deadlines) > 10 {
		d.Deadlines = d.Deadlines[:10]
	}
	for _, st := range []string{"tendering", "evaluating", "challenge_period", "contracting", "delivering", "assessing", "failed", "settled"} {
		var list api.PurchaseList
		if err := ui.get(r, "/api/v1/purchases?limit=100&status="+st, &list); err != nil {
			ui.apiFailed(w, r, err)
			return
		}
		d.Counts = append(d.Counts, statusCount{Status: st, N: len(list.Items), More: list.NextCursor != ""})
	}
	names := ui.areaNames(r)
	name := func(f store.Figures) string { return cmpOr(names[f.Key], f.Name) }
	money := func(v int64) string { return l.Money(v) }
	spend := chart{ID: "chart-spend", Title: l.T("chart.spend.title", d.Year), Desc: l.T("chart.spend.desc"),
		Series: []string{l.T("chart.budget"), l.T("chart.committed"), l.T("chart.paid")}, Unit: money}
	grades := chart{ID: "chart-grades", Title: l.T("chart.grades.title", d.Year), Desc: l.T("chart.grades.desc"),
		Series: []string{l.T("chart.contracts")}, Unit: func(v int64) string { return l.Num(v) }}
	sat := chart{ID: "chart-satisfaction", Title: l.T("chart.sat.title", d.Year), Desc: l.T("chart.sat.desc"),
		Series: []string{l.T("chart.satisfaction")}, Unit: func(v int64) string { return fmt.Sprintf("%d.%02d%%", v/100, v%100) }}
	var g [4]int64
	for _, f := range fl.Items {
		spend.Rows = append(spend.Rows, chartRow{Label: name(f), Values: []int64{f.BudgetFen, f.ReservedFen + f.PaidFen, f.PaidFen}})
		g[0], g[1], g[2], g[3] = g[0]+f.Excellent, g[1]+f.Good, g[2]+f.Pass, g[3]+f.Fail
		if f.SatisfactionBP != nil {
			sat.Rows = append(sat.Rows, chartRow{Label: name(f), Values: []int64{*f.SatisfactionBP}})
		}
	}
	for i, k := range []string{"excellent", "good", "pass", "fail"} {
		grades.Rows = append(grades.Rows, chartRow{Label: l.Grade(k), Values: []int64{g[i]}})
	}
	d.Charts = []chart{spend, grades, sat}
	ui.render(w, r, http.StatusOK, "dashboard", "dashboard.title", d)
}

// analyticsData is the analytics page.
type analyticsData struct {
	// R is the recommendation.
	R api.Recommendation
	// Names are the areas' names.
	Names map[string]string
	// Chart draws this year's budget against the proposal.
	Chart chart
}

// Reason is an area's reason in the user's language.
func (d analyticsData) Reason(l *locale, a analytics.AreaRecommendation) string {
	return l.Pick(a.ReasonZH, a.ReasonEN)
}

// Permille formats a ratio in thousandths.
func (d analyticsData) Permille(v int64) string { return fmt.Sprintf("%d.%d%%", v/10, v%10) }

func (ui *UI) analyticsPage(w http.ResponseWriter, r *http.Request) {
	if !officerOnly(state(r).user) {
		ui.errorPage(w, r, http.StatusForbidden, "", "")
		return
	}
	l := state(r).loc
	var d analyticsData
	if err := ui.get(r, "/api/v1/analytics/recommendation", &d.R); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	d.Names = ui.areaNames(r)
	d.Chart = chart{ID: "chart-rec", Title: l.T("chart.rec.title", d.R.FiscalYear+1), Desc: l.T("chart.rec.desc"),
		Series: []string{l.T("chart.rec.current", d.R.FiscalYear), l.T("chart.rec.proposed", d.R.FiscalYear+1)}, Unit: func(v int64) string { return l.Money(v) }}
	for _, a := range d.R.Items {
		d.Chart.Rows = append(d.Chart.Rows, chartRow{Label: cmpOr(d.Names[a.Area], a.Area), Values: []int64{a.CurrentFen, a.ProposedFen}})
	}
	ui.render(w, r, http.StatusOK, "analytics", "analytics.title", d)
}

// recommendationFile passes the API's CSV or XLSX of the recommendation
// through to the browser, which has no API token of its own.
func (ui *UI) recommendationFile(w http.ResponseWriter, r *http.Request) {
	format := r.PathValue("format")
	if !officerOnly(state(r).user) || (format != "csv" && format != "xlsx") {
		ui.notFound(w, r)
		return
	}
	rec, err := ui.do(r, apiCall{As: state(r).user, Method: http.MethodGet, Path: "/api/v1/analytics/recommendation?format=" + format})
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	for _, h := range []string{"Content-Type", "Content-Disposition"} {
		w.Header().Set(h, rec.header.Get(h))
	}
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(rec.body.Bytes()); err != nil {
		ui.log.WarnContext(r.Context(), "send recommendation file", "err", err)
	}
}

// orgsData is the organisations directory.
type orgsData struct {
	// Items are the organisations.
	Items []store.Supplier
}

func (ui *UI) orgsPage(w http.ResponseWriter, r *http.Request) {
	if !officerOnly(state(r).user) {
		ui.errorPage(w, r, http.StatusForbidden, "", "")
		return
	}
	var d struct {
		Items []store.Supplier `json:"items"`
	}
	if err := ui.get(r, "/api/v1/suppliers", &d); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "orgs", "orgs.title", orgsData{Items: d.Items})
}

// orgData is one organisation with its performance record.
type orgData struct {
	// S is the organisation and its record.
	S api.SupplierView
}

// Grade is the number of contracts graded g.
func (d orgData) Grade(g string) int { return d.S.Record.Grades[g] }

func (ui *UI) orgPage(w http.ResponseWriter, r *http.Request) {
	id, ok := ui.pathID(w, r)
	if !ok {
		return
	}
	var d orgData
	if err := ui.get(r, fmt.Sprintf("/api/v1/suppliers/%d", id), &d.S); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "org", "org.title", d, d.S.Name)
}
