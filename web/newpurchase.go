package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"zhucan/api"
	"zhucan/catalog"
	"zhucan/rules"
	"zhucan/store"
)

// newPurchaseData is the officer's "new purchase" page.
type newPurchaseData struct {
	// Items are the active catalogue items to choose from.
	Items []catalog.Item
	// Item is the chosen item (zero when none is chosen yet).
	Item catalog.Item
	// Budgets are the budget lines.
	Budgets []store.Budget
	// Evaluators are the evaluators who may sit on the panel, inspect or assess.
	Evaluators []userChoice
	// Form holds what was typed and what is wrong.
	Form *form
	// Milestones are the indexes of the milestone rows.
	Milestones []int
	// Notice confirms a change to the milestone rows (recomputed, a row
	// added or removed), announced to screen readers.
	Notice string
}

// maxMilestoneRows bounds the milestone rows of the form.
const maxMilestoneRows = 24

// userChoice is a user one may choose.
type userChoice struct {
	// ID identifies the user.
	ID int64 `json:"id"`
	// Name is shown.
	Name string `json:"name"`
}

// Checked reports whether the user id is chosen in the group's field.
func (d *newPurchaseData) Checked(group string, id int64) bool {
	for _, v := range d.Form.Values[group] {
		if v == strconv.FormatInt(id, 10) {
			return true
		}
	}
	return false
}

// MField names a milestone row's field.
func (d *newPurchaseData) MField(i int, name string) string { return fmt.Sprintf("m%d-%s", i, name) }

// ItemOptions are the catalogue items as choices.
func (d *newPurchaseData) ItemOptions(l *locale) []option {
	out := []option{{Value: "", Label: l.T("f.choose")}}
	for _, it := range d.Items {
		out = append(out, option{Value: it.Code, Label: it.Code + " " + l.Pick(it.NameZH, it.NameEN)})
	}
	return out
}

// BudgetOptions are the budget lines fit for the item, with what is left.
func (d *newPurchaseData) BudgetOptions(l *locale) []option {
	out := []option{{Value: "", Label: l.T("f.choose")}}
	for _, b := range d.Budgets {
		if d.Item.Area != "" && b.Category != "general" && b.Category != d.Item.Area {
			continue
		}
		out = append(out, option{Value: strconv.FormatInt(b.ID, 10), Label: l.T("np.budget_option", b.Name, b.FiscalYear, l.Money(b.AvailableFen))})
	}
	return out
}

// MethodOptions are the procurement methods.
func (d *newPurchaseData) MethodOptions(l *locale) []option {
	var out []option
	for _, m := range []string{"open_tender", "competitive_consultation", "single_source"} {
		out = append(out, option{Value: m, Label: l.Method(m)})
	}
	return out
}

// Field is a labelled control of the page's form.
func (d *newPurchaseData) Field(l *locale, name, labelKey, hintKey, typ string, opts []option) field {
	return inputOf(l, d.Form, input{Name: name, LabelKey: labelKey, HintKey: hintKey, Type: typ, Options: opts})
}

// MLabel is the label of a milestone row's field.
func (d *newPurchaseData) MLabel(l *locale, i int, key string) string {
	return l.T("np.milestone_field", i+1, l.T(key))
}

// MInput is a milestone row's control.
func (d *newPurchaseData) MInput(l *locale, i int, name, key, typ string) field {
	return inputOf(l, d.Form, input{Name: d.MField(i, name), Label: d.MLabel(l, i, key), Type: typ})
}

const localLayout = "2006-01-02T15:04"

// npFields are the fields of the new purchase form besides the milestones.
var npFields = []string{"item", "title", "budget", "quantity", "ceiling", "method", "deadline", "start", "end", "priceWeight", "panel", "inspectors", "assessors", "midTerm"}

func (ui *UI) newPurchaseLoad(r *http.Request, d *newPurchaseData) error {
	var cat api.CatalogResponse
	if err := ui.get(r, "/api/v1/catalog", &cat); err != nil {
		return fmt.Errorf("read catalogue: %w", err)
	}
	for _, a := range cat.Areas {
		for _, it := range a.Items {
			if it.Active {
				d.Items = append(d.Items, it)
			}
		}
	}
	code := d.Form.Get("item")
	for _, it := range d.Items {
		if it.Code == code {
			d.Item = it
		}
	}
	var bs struct {
		Items []store.Budget `json:"items"`
	}
	if err := ui.get(r, "/api/v1/budgets", &bs); err != nil {
		return fmt.Errorf("read budgets: %w", err)
	}
	d.Budgets = bs.Items
	var us struct {
		Items []userChoice `json:"items"`
	}
	if err := ui.get(r, "/api/v1/users?role=evaluator", &us); err != nil {
		return fmt.Errorf("read evaluators: %w", err)
	}
	d.Evaluators = us.Items
	return nil
}

// fillDefaults fills the form from the item: title, ceiling, dates and
// the milestones from the item's template, spread over the service period.
func (ui *UI) fillDefaults(r *http.Request, d *newPurchaseData, all bool) {
	f, it, l := d.Form, d.Item, state(r).loc
	set := func(k, v string) {
		if all || f.Get(k) == "" {
			f.Values.Set(k, v)
		}
	}
	now := ui.now().In(rules.Shanghai)
	dl := time.Date(now.Year(), now.Month(), now.Day(), 9, 30, 0, 0, rules.Shanghai).AddDate(0, 0, 30)
	start := time.Date(dl.Year(), dl.Month(), dl.Day(), 0, 0, 0, 0, rules.Shanghai).AddDate(0, 0, 15)
	set("title", l.T("np.default_title", now.Year()+map[bool]int{true: 1, false: 0}[now.Month() > time.September], l.Pick(it.NameZH, it.NameEN)))
	set("quantity", "100")
	set("method", "open_tender")
	set("priceWeight", "30")
	set("deadline", dl.Format(localLayout))
	set("start", start.Format(localLayout))
	set("end", start.AddDate(1, 0, 0).Add(-time.Minute).Format(localLayout))
	qty, _ := strconv.ParseInt(f.Get("quantity"), 10, 64)
	if f.Get("ceiling") == "" && qty > 0 {
		f.Values.Set("ceiling", yuanString(it.PriceMaxFen*qty))
	}
	s, ok1 := parseLocal(f.Get("start"))
	e, ok2 := parseLocal(f.Get("end"))
	if !ok1 || !ok2 || !e.After(s) {
		s, e = start, start.AddDate(1, 0, 0).Add(-time.Minute)
	}
	var sumQ int64
	for i, m := range it.Milestones {
		if !all && f.Get(d.MField(i, "name")) != "" {
			continue
		}
		due := s.Add(time.Duration(float64(e.Sub(s)) * float64(m.DuePercent) / 100))
		layout := localLayout
		if e.Sub(s) >= 48*time.Hour {
			due = due.Truncate(time.Minute)
		} else { // a compressed (sandbox) period: keep the seconds
			due, layout = due.Truncate(time.Second), localLayout+":05"
		}
		q := qty * int64(m.QuantityPercent) / 100
		if i == len(it.Milestones)-1 {
			q = qty - sumQ
		}
		sumQ += q
		f.Values.Set(d.MField(i, "name"), l.Pick(m.NameZH, m.NameEN))
		f.Values.Set(d.MField(i, "due"), due.In(rules.Shanghai).Format(layout))
		f.Values.Set(d.MField(i, "quantity"), strconv.FormatInt(q, 10))
		f.Values.Set(d.MField(i, "payment"), strconv.Itoa(m.PaymentPercent))
	}
}

// yuanString writes fen as yuan with two decimals when needed.
func yuanString(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// rows sets the milestone rows from the form's row count, by default the
// item's template.
func (d *newPurchaseData) rows() {
	n, err := strconv.Atoi(d.Form.Get("rows"))
	if err != nil || n < 1 || n > maxMilestoneRows {
		n = max(len(d.Item.Milestones), 1)
	}
	d.setRows(n)
}

func (d *newPurchaseData) setRows(n int) {
	d.Form.Values.Set("rows", strconv.Itoa(n))
	d.Milestones = d.Milestones[:0]
	for i := range n {
		d.Milestones = append(d.Milestones, i)
	}
}

// milestoneKeys are the fields of a milestone row.
var milestoneKeys = []string{"name", "due", "quantity", "payment"}

// removeRow removes milestone row i and moves the later rows up.
func (d *newPurchaseData) removeRow(i int) {
	n := len(d.Milestones)
	for j := i; j < n-1; j++ {
		for _, k := range milestoneKeys {
			d.Form.Values.Set(d.MField(j, k), d.Form.Get(d.MField(j+1, k)))
		}
	}
	for _, k := range milestoneKeys {
		d.Form.Values.Del(d.MField(n-1, k))
	}
	d.setRows(n - 1)
}

// CanAdd reports whether another milestone row may be added.
func (d *newPurchaseData) CanAdd() bool { return len(d.Milestones) < maxMilestoneRows }

func officerOnly(u *store.User) bool { return u != nil && (u.Role == "officer" || u.Role == "admin") }

func (ui *UI) newPurchaseForm(w http.ResponseWriter, r *http.Request) {
	if !officerOnly(state(r).user) {
		ui.errorPage(w, r, http.StatusForbidden, "", "")
		return
	}
	d := &newPurchaseData{Form: newForm()}
	d.Form.Values.Set("item", r.URL.Query().Get("item"))
	d.Form.Values.Set("rows", "")
	if err := ui.newPurchaseLoad(r, d); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	if d.Item.Code != "" {
		ui.fillDefaults(r, d, true)
	}
	d.rows()
	ui.render(w, r, http.StatusOK, "newpurchase", "np.title", d)
}

var apiFieldIndex = regexp.MustCompile(`^(panel|inspectors|assessors)\[\d+\]$|^milestones\[(\d+)\]\.(name|due|quantity|paymentPercent)$`)

func (ui *UI) newPurchase(w http.ResponseWriter, r *http.Request) {
	if !officerOnly(state(r).user) {
		ui.errorPage(w, r, http.StatusForbidden, "", "")
		return
	}
	l := state(r).loc
	fields := append([]string{}, npFields...)
	fields = append(fields, "rows")
	for i := range maxMilestoneRows {
		for _, k := range milestoneKeys {
			fields = append(fields, fmt.Sprintf("m%d-%s", i, k))
		}
	}
	d := &newPurchaseData{Form: formFrom(r, fields...)}
	f := d.Form
	if err := ui.newPurchaseLoad(r, d); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	d.rows()
	if d.Item.Code == "" {
		f.Fail("item", l.T("err.choose"))
		ui.render(w, r, http.StatusUnprocessableEntity, "newpurchase", "np.title", d)
		return
	}
	// The row buttons change the form and show it again; nothing is sent,
	// even when the change cannot be made (a stale page, a double click).
	rowButton := r.PostFormValue("recompute") != "" || r.PostFormValue("addRow") != "" || r.PostFormValue("removeRow") != ""
	switch {
	case r.PostFormValue("recompute") != "":
		for _, i := range d.Milestones {
			for _, k := range milestoneKeys {
				f.Values.Del(d.MField(i, k))
			}
		}
		d.setRows(max(len(d.Item.Milestones), 1))
		ui.fillDefaults(r, d, false)
		d.Notice = l.T("np.recomputed")
	case r.PostFormValue("addRow") != "" && d.CanAdd():
		d.setRows(len(d.Milestones) + 1)
		d.Notice = l.T("np.row_added", len(d.Milestones))
	case r.PostFormValue("removeRow") != "":
		i, err := strconv.Atoi(r.PostFormValue("removeRow"))
		if err != nil || i < 0 || i >= len(d.Milestones) || len(d.Milestones) == 1 {
			break
		}
		d.removeRow(i)
		d.Notice = l.T("np.row_removed", i+1)
	}
	if rowButton {
		ui.render(w, r, http.StatusOK, "newpurchase", "np.title", d)
		return
	}
	body := map[string]any{"title": strings.TrimSpace(f.Get("title")), "catalogCode": d.Item.Code, "catalogYear": d.Item.Year,
		"method": f.Get("method"), "midTerm": f.Get("midTerm") == "true"}
	required(l, f, "title")
	body["budgetId"] = choice(l, f, "budget")
	if q, ok := parseCount(f.Get("quantity")); ok && q > 0 {
		body["quantity"] = q
	} else {
		f.Fail("quantity", l.T("err.positive"))
	}
	if fen, ok := parseYuan(f.Get("ceiling")); ok {
		body["ceilingFen"] = fen
	} else {
		f.Fail("ceiling", l.T("err.money"))
	}
	for k, api := range map[string]string{"deadline": "bidDeadline", "start": "serviceStart", "end": "serviceEnd"} {
		if t, ok := f.Time(l, k); ok {
			body[api] = t
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(f.Get("priceWeight"))); err == nil {
		body["priceWeight"] = n
	} else {
		f.Fail("priceWeight", l.T("err.count"))
	}
	for _, g := range []string{"panel", "inspectors", "assessors"} {
		ids := []int64{}
		for _, v := range f.Values[g] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			f.Fail(g, l.T("err.choose_people"))
		}
		body[g] = ids
	}
	var ms []map[string]any
	for _, i := range d.Milestones {
		m := map[string]any{"name": strings.TrimSpace(f.Get(d.MField(i, "name")))}
		if m["name"] == "" {
			f.Fail(d.MField(i, "name"), l.T("err.required"))
		}
		if t, ok := f.Time(l, d.MField(i, "due")); ok {
			m["due"] = t
		}
		if q, ok := parseCount(f.Get(d.MField(i, "quantity"))); ok {
			m["quantity"] = q
		} else {
			f.Fail(d.MField(i, "quantity"), l.T("err.count"))
		}
		if p, err := strconv.Atoi(strings.TrimSpace(f.Get(d.MField(i, "payment")))); err == nil && p >= 0 && p <= 100 {
			m["paymentPercent"] = p
		} else {
			f.Fail(d.MField(i, "payment"), l.T("err.percent"))
		}
		ms = append(ms, m)
	}
	body["milestones"] = ms
	status := http.StatusUnprocessableEntity
	if f.OK() {
		var created api.Created
		err := ui.call(r, apiCall{As: state(r).user, Method: http.MethodPost, Path: "/api/v1/purchases", Body: body, IdempotencyKey: "web-" + f.Key}, &created)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/purchases/%d", created.ID), http.StatusSeeOther)
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status >= 500 || ae.Status == http.StatusUnauthorized {
			ui.apiFailed(w, r, err)
			return
		}
		mapped := map[string]string{"catalogCode": "item", "budgetId": "budget", "ceilingFen": "ceiling", "bidDeadline": "deadline",
			"serviceStart": "start", "serviceEnd": "end", "milestones": "m0-name"}
		for _, e := range ae.Problem.Errors {
			if m := apiFieldIndex.FindStringSubmatch(e.Field); m != nil {
				if m[1] != "" {
					mapped[e.Field] = m[1]
				} else {
					k := map[string]string{"paymentPercent": "payment"}[m[3]]
					mapped[e.Field] = "m" + m[2] + "-" + cmpOr(k, m[3])
				}
			}
		}
		f.addProblem(&ae.Problem, func(k string) bool { return slices.Contains(fields, k) }, mapped)
		f.Key = newForm().Key
		status = ae.Status
	}
	ui.render(w, r, status, "newpurchase", "np.title", d)
}
