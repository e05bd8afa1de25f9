package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"zhucan/api"
	"zhucan/catalog"
	"zhucan/rules"
	"zhucan/store"
)

// purchaseData is the purchase page of a signed-in user.
type purchaseData struct {
	// P is the purchase as the caller may see it.
	P api.PurchaseDetail
	// Area names its service area.
	Area string
	// Unit is the item's unit of service.
	Unit string
	// Events is the timeline, oldest first.
	Events []eventView
	// Indicators are the contract's performance indicators.
	Indicators []catalog.Indicator
	// Names are user names known to the page (evaluators), by user ID.
	Names map[int64]string
	// Actions are the forms the caller may use now, by page section.
	Actions map[string][]actionForm
	// Done confirms an action just taken.
	Done string
	// Downloads says the caller may download evidence files.
	Downloads bool
}

// eventView is one line of the timeline.
type eventView struct {
	// At is when it happened.
	At time.Time
	// Label says what happened.
	Label string
	// Actor says who did it.
	Actor string
	// Note is the reason or remark recorded with it.
	Note string
	// Amount is money it moved, if any.
	Amount *int64
	// Grade is the grade it gave, if any.
	Grade string
}

// action is a form on the purchase page that calls one API action. The
// role-specific parts of the UI register theirs in actions.
type action struct {
	// Key names it in the URL: POST /purchases/{id}/actions/{key}.
	Key string
	// Section is the part of the page it appears in (e.g. "bids").
	Section string
	// Template is the name of its form's template (templates/actions/);
	// "action-generic" draws Inputs.
	Template string
	// Inputs are the form's controls, for the generic template.
	Inputs []input
	// InputsFor, when set, builds the controls from the purchase (choices
	// of milestones, bids, indicators); it replaces Inputs.
	InputsFor func(ui *UI, r *http.Request, d *purchaseData) []input
	// Fields are the names of the form's fields, kept after a refusal
	// (default: the names of Inputs).
	Fields []string
	// APIFields maps API field paths to form fields where they differ.
	APIFields map[string]string
	// Allowed reports whether u may use it on the purchase now.
	Allowed func(u *store.User, d *purchaseData) bool
	// Call turns the submitted form into the API call; a field error on
	// the form (f.Fail) stops it before the API is called.
	Call func(r *http.Request, f *form, d *purchaseData) apiCall
}

// actions are the registered purchase actions.
var actions []action

func actionByKey(key string) (action, bool) {
	for _, a := range actions {
		if a.Key == key {
			return a, true
		}
	}
	return action{}, false
}

// inputs are the action's controls on purchase d.
func (a action) inputs(ui *UI, r *http.Request, d *purchaseData) []input {
	if a.InputsFor != nil {
		return a.InputsFor(ui, r, d)
	}
	return a.Inputs
}

// fields are the names of the action's form fields on purchase d.
func (a action) fields(ui *UI, r *http.Request, d *purchaseData) []string {
	if a.Fields != nil {
		return a.Fields
	}
	var out []string
	for _, in := range a.inputs(ui, r, d) {
		out = append(out, in.Name)
	}
	return out
}

// newActionForm is a's empty form.
func newActionForm(a action) *form {
	f := newForm()
	f.Prefix = a.Key + "-"
	return f
}

// actionForm is one action's form as a template draws it.
type actionForm struct {
	// Key is the action.
	Key string
	// Template draws the form.
	Template string
	// Form holds what was typed and what is wrong.
	Form *form
	// Page is the whole page (language, CSRF token, purchase).
	Page *page
	// Data is the purchase page's data.
	Data *purchaseData
	// Inputs are the controls the generic template draws.
	Inputs []input
}

// Multipart reports whether the form uploads files.
func (a actionForm) Multipart() bool {
	for _, in := range a.Inputs {
		if in.Type == "file" {
			return true
		}
	}
	return false
}

// Action is the form's target.
func (a actionForm) Action() string {
	return fmt.Sprintf("/purchases/%d/actions/%s", a.Data.P.ID, a.Key)
}

// loadPurchase reads the purchase and its timeline as the signed-in user.
func (ui *UI) loadPurchase(r *http.Request, id int64) (*purchaseData, error) {
	d := &purchaseData{Names: map[int64]string{}, Actions: map[string][]actionForm{}}
	if err := ui.get(r, fmt.Sprintf("/api/v1/purchases/%d", id), &d.P); err != nil {
		return nil, err
	}
	var evs struct {
		Items []store.AuditEntry `json:"items"`
	}
	if err := ui.get(r, fmt.Sprintf("/api/v1/purchases/%d/events", id), &evs); err != nil {
		return nil, err
	}
	d.Area, d.Unit = ui.itemInfo(r, d.P.Purchase)
	if m := d.P.Members; m != nil {
		for _, group := range [][]store.Member{m.Panel, m.Inspectors, m.Assessors} {
			for _, x := range group {
				d.Names[x.UserID] = x.Name
			}
		}
	}
	if d.P.Contract != nil && len(d.P.Contract.Indicators) > 0 {
		if err := json.Unmarshal(d.P.Contract.Indicators, &d.Indicators); err != nil {
			ui.log.WarnContext(r.Context(), "decode contract indicators", "purchase", id, "err", err)
		}
	}
	loc := state(r).loc
	u := state(r).user
	d.Downloads = d.mayReadEvidence(u)
	for _, e := range evs.Items {
		d.Events = append(d.Events, eventOf(loc, u, d, e))
	}
	return d, nil
}

// eventOf turns an audit entry into a timeline line.
func eventOf(loc *locale, u *store.User, d *purchaseData, e store.AuditEntry) eventView {
	v := eventView{At: e.At, Label: loc.Label("event", e.Action)}
	switch {
	case e.Actor == "system":
		v.Actor = loc.T("actor.system")
	case e.Actor == "public" || e.Actor == "":
		v.Actor = loc.T("actor.public")
	default:
		id, err := strconv.ParseInt(strings.TrimPrefix(e.Actor, "user:"), 10, 64)
		switch {
		case err != nil:
			v.Actor = e.Actor
		case u != nil && id == u.ID:
			v.Actor = loc.T("actor.you")
		case d.Names[id] != "":
			v.Actor = d.Names[id]
		case d.P.CreatedBy != nil && *d.P.CreatedBy == id:
			v.Actor = loc.T("actor.officer")
		case d.orgName(e.Detail) != "":
			v.Actor = d.orgName(e.Detail)
		default:
			v.Actor = loc.T("actor.user", id)
		}
	}
	var det struct {
		Note     string `json:"note"`
		Award    *struct{ AmountFen int64 }
		Payment  *struct{ AmountFen int64 }
		Contract *struct {
			AmountFen int64 `json:"amountFen"`
		}
		Evaluation *struct {
			Grade string `json:"grade"`
		}
	}
	if err := json.Unmarshal(e.Detail, &det); err == nil {
		v.Note = det.Note
		if e.Actor == "system" {
			v.Note = loc.Bi(det.Note) // the workflows' own notes are bilingual
		}
		switch {
		case det.Payment != nil:
			v.Amount = &det.Payment.AmountFen
		case det.Award != nil:
			v.Amount = &det.Award.AmountFen
		case det.Contract != nil && det.Contract.AmountFen > 0:
			v.Amount = &det.Contract.AmountFen
		}
		if det.Evaluation != nil && det.Evaluation.Grade != "" {
			v.Grade = loc.Grade(det.Evaluation.Grade)
		}
	}
	return v
}

// orgName names the organisation an audit entry's detail refers to
// (a bid, a signature, a challenge), when the page already shows its name.
func (d *purchaseData) orgName(detail json.RawMessage) string {
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(detail, &parts); err != nil {
		return ""
	}
	for _, k := range []string{"bid", "signature", "challenge", "report"} {
		var ref struct {
			SupplierID int64 `json:"supplierId"`
		}
		if err := json.Unmarshal(parts[k], &ref); err != nil || ref.SupplierID == 0 {
			continue
		}
		for _, b := range d.P.Bids {
			if b.SupplierID == ref.SupplierID {
				return b.SupplierName
			}
		}
		for _, a := range d.P.Awards {
			if a.SupplierID == ref.SupplierID {
				return a.SupplierName
			}
		}
	}
	return ""
}

// withActions adds the forms the user may use now; failed, when set, is
// the form just refused, shown with what was typed.
func (ui *UI) withActions(r *http.Request, p *page, d *purchaseData, failed *actionForm) {
	u := p.User
	for _, a := range actions {
		if a.Allowed == nil || !a.Allowed(u, d) {
			continue
		}
		af := actionForm{Key: a.Key, Template: a.Template, Form: newActionForm(a), Page: p, Data: d, Inputs: a.inputs(ui, r, d)}
		if failed != nil && failed.Key == a.Key {
			af.Form = failed.Form
		}
		d.Actions[a.Section] = append(d.Actions[a.Section], af)
	}
}

func (ui *UI) purchasePage(w http.ResponseWriter, r *http.Request) {
	id, ok := ui.pathID(w, r)
	if !ok {
		return
	}
	d, err := ui.loadPurchase(r, id)
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	if k := r.URL.Query().Get("done"); k != "" {
		if _, ok := actionByKey(k); ok {
			d.Done = state(r).loc.T("action." + k + ".done")
		}
	}
	p := ui.newPage(w, r, "purchase.title", d, d.P.ID, d.P.Title)
	p.L.Precise = d.P.Policy == rules.PolicySandbox
	ui.withActions(r, p, d, nil)
	ui.renderPage(w, r, http.StatusOK, "purchase", p)
}

// purchaseAction handles an action form: it calls the API as the user and
// goes back to the purchase, or shows the page again with the refusal
// next to the form's fields and what the user typed.
func (ui *UI) purchaseAction(w http.ResponseWriter, r *http.Request) {
	id, ok := ui.pathID(w, r)
	if !ok {
		return
	}
	a, ok := actionByKey(r.PathValue("action"))
	if !ok {
		ui.notFound(w, r)
		return
	}
	d, err := ui.loadPurchase(r, id)
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	u := state(r).user
	fields := a.fields(ui, r, d)
	f := formFrom(r, fields...)
	f.Prefix = a.Key + "-"
	status := http.StatusUnprocessableEntity
	if a.Allowed == nil || !a.Allowed(u, d) {
		f.Fail("", state(r).loc.T("action.not_now"))
		status = http.StatusConflict
	} else {
		c := a.Call(r, f, d)
		if f.OK() {
			c.As = u
			if c.IdempotencyKey == "" {
				c.IdempotencyKey = "web-" + f.Key
			}
			err := ui.call(r, c, nil)
			if err == nil {
				http.Redirect(w, r, fmt.Sprintf("/purchases/%d?done=%s#%s", id, a.Key, a.Section), http.StatusSeeOther)
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status >= 500 {
				ui.serverError(w, r, err)
				return
			}
			if ae.Status == http.StatusUnauthorized {
				ui.apiFailed(w, r, err)
				return
			}
			has := func(field string) bool {
				for _, k := range fields {
					if k == field {
						return true
					}
				}
				return false
			}
			f.addProblem(&ae.Problem, has, a.APIFields)
			// The refused call is finished: the corrected form is a new
			// request and needs a new Idempotency-Key (the API would take
			// the old key with another body for a mistake).
			f.Key = newForm().Key
			status = ae.Status
			// The refusal may follow a change of state: show the page as it is now.
			if fresh, err := ui.loadPurchase(r, id); err == nil {
				d = fresh
			}
		}
	}
	p := ui.newPage(w, r, "purchase.title", d, d.P.ID, d.P.Title)
	p.L.Precise = d.P.Policy == rules.PolicySandbox
	ui.withActions(r, p, d, &actionForm{Key: a.Key, Form: f})
	if len(d.Actions[a.Section]) == 0 || !containsKey(d.Actions[a.Section], a.Key) {
		// No longer allowed: keep the refused form visible with its reason.
		d.Actions[a.Section] = append(d.Actions[a.Section], actionForm{Key: a.Key, Template: a.Template, Form: f, Page: p, Data: d, Inputs: a.inputs(ui, r, d)})
	}
	ui.renderPage(w, r, status, "purchase", p)
}

func containsKey(fs []actionForm, key string) bool {
	for _, f := range fs {
		if f.Key == key {
			return true
		}
	}
	return false
}
