package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"zhucan/api"
	"zhucan/rules"
	"zhucan/store"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// taskView is one line of the inbox.
type taskView struct {
	// Label says what to do.
	Label string
	// Href opens the purchase where it is done.
	Href string
	// PurchaseID and Title name the purchase.
	PurchaseID int64
	// Title is the purchase's title.
	Title string
	// Due is the deadline, if the task has one.
	Due *time.Time
}

// taskSection is where on the purchase page a task is done.
var taskSection = map[string]string{
	"answer_challenge": "challenges", "sign_contract": "awards", "award_or_retender": "awards",
	"decide_failed_round": "summary", "evaluation_blocked": "bids", "review_report": "milestones",
	"late_report": "milestones", "may_terminate": "rectifications", "open_tender": "summary",
	"report_due": "milestones", "rectify": "rectifications", "score_bids": "bids", "inspect": "inspections",
	"assess": "evaluations",
}

// homeData is the start page: the inbox when signed in, else the landing page.
type homeData struct {
	// Tasks are the signed-in user's tasks.
	Tasks []taskView
	// Notices are the newest open tenders (landing page).
	Notices []store.Purchase
}

func (ui *UI) home(w http.ResponseWriter, r *http.Request) {
	rq := state(r)
	if rq.user == nil {
		var list api.PurchaseList
		if err := ui.getPublic(r, "/api/v1/purchases?status=tendering&limit=5", &list); err != nil {
			ui.apiFailed(w, r, err)
			return
		}
		ui.render(w, r, http.StatusOK, "home", "home.title", homeData{Notices: list.Items})
		return
	}
	tasks, err := ui.tasks(r)
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "inbox", "inbox.title", homeData{Tasks: tasks})
}

// tasks are the signed-in user's tasks (GET /api/v1/me/tasks) as the pages show them.
func (ui *UI) tasks(r *http.Request) ([]taskView, error) {
	rq := state(r)
	var tl api.TaskList
	if err := ui.get(r, "/api/v1/me/tasks", &tl); err != nil {
		return nil, err
	}
	d := homeData{}
	for _, t := range tl.Items {
		label := rq.loc.T("task." + t.Kind)
		if t.Ref != nil && rq.loc.Has("task."+t.Kind+".ref") {
			label = rq.loc.T("task."+t.Kind+".ref", *t.Ref)
		}
		if !rq.loc.Has("task." + t.Kind) {
			label = t.Kind
		}
		d.Tasks = append(d.Tasks, taskView{Label: label, PurchaseID: t.PurchaseID, Title: t.Title, Due: t.Due,
			Href: fmt.Sprintf("/purchases/%d#%s", t.PurchaseID, cmp.Or(taskSection[t.Kind], "summary"))})
	}
	return d.Tasks, nil
}

// resultStatuses are the statuses whose purchases have a published result.
var resultStatuses = []string{"challenge_period", "contracting", "delivering", "assessing", "settled", "terminated"}

// listData is a list of purchases with its filters.
type listData struct {
	// Q is the search text.
	Q string
	// Status filters by status ("" for the default sections).
	Status string
	// Statuses are the choices of the status filter.
	Statuses []string
	// Mine keeps an organisation's own purchases.
	Mine bool
	// Sections are the lists shown.
	Sections []listSection
	// Base is the path of the list page.
	Base string
	// Public is true on the public pages (links go to /public/purchases).
	Public bool
}

// listSection is one titled list of purchases.
type listSection struct {
	// ID anchors it.
	ID string
	// TitleKey is its heading's translation key.
	TitleKey string
	// EmptyKey says there is nothing.
	EmptyKey string
	// Items are the purchases.
	Items []store.Purchase
	// More is the link to the next page, if any.
	More string
}

func (ui *UI) listPage(r *http.Request, base string, public bool, statuses []string) (listData, error) {
	q := r.URL.Query()
	d := listData{Q: q.Get("q"), Status: q.Get("status"), Statuses: statuses, Base: base, Public: public}
	if !slices.Contains(statuses, d.Status) {
		d.Status = ""
	}
	u := state(r).user
	d.Mine = !public && u != nil && u.SupplierID != nil && q.Get("mine") != ""
	fetch := func(status, cursor string, limit int) (api.PurchaseList, error) {
		v := url.Values{}
		v.Set("limit", strconv.Itoa(limit))
		if status != "" {
			v.Set("status", status)
		}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		if d.Mine {
			v.Set("supplierId", strconv.FormatInt(*u.SupplierID, 10))
		}
		var l api.PurchaseList
		var err error
		if public {
			err = ui.getPublic(r, "/api/v1/purchases?"+v.Encode(), &l)
		} else {
			err = ui.get(r, "/api/v1/purchases?"+v.Encode(), &l)
		}
		return l, err
	}
	more := func(status, cursor string) string {
		if cursor == "" {
			return ""
		}
		v := url.Values{}
		v.Set("status", status)
		v.Set("cursor", cursor)
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.Mine {
			v.Set("mine", "1")
		}
		return base + "?" + v.Encode()
	}
	switch {
	case d.Status != "":
		l, err := fetch(d.Status, q.Get("cursor"), 20)
		if err != nil {
			return d, err
		}
		d.Sections = []listSection{{ID: "list", TitleKey: "status." + d.Status, EmptyKey: "list.empty", Items: l.Items, More: more(d.Status, l.NextCursor)}}
	case public:
		l, err := fetch("tendering", "", 20)
		if err != nil {
			return d, err
		}
		d.Sections = append(d.Sections, listSection{ID: "notices", TitleKey: "public.notices", EmptyKey: "public.notices.empty",
			Items: l.Items, More: more("tendering", l.NextCursor)})
		var results []store.Purchase
		for _, s := range resultStatuses {
			l, err := fetch(s, "", 20)
			if err != nil {
				return d, err
			}
			results = append(results, l.Items...)
		}
		slices.SortFunc(results, func(a, b store.Purchase) int { return cmp.Compare(b.ID, a.ID) })
		d.Sections = append(d.Sections, listSection{ID: "results", TitleKey: "public.results", EmptyKey: "public.results.empty",
			Items: results[:min(len(results), 20)]})
	default:
		l, err := fetch("", q.Get("cursor"), 20)
		if err != nil {
			return d, err
		}
		d.Sections = []listSection{{ID: "list", TitleKey: "list.all", EmptyKey: "list.empty", Items: l.Items, More: more("", l.NextCursor)}}
	}
	return d, nil
}

func (ui *UI) publicList(w http.ResponseWriter, r *http.Request) {
	d, err := ui.listPage(r, "/public", true, append([]string{"tendering"}, resultStatuses...))
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	ui.render(w, r, http.StatusOK, "public", "public.title", d)
}

func (ui *UI) purchaseList(w http.ResponseWriter, r *http.Request) {
	d, err := ui.listPage(r, "/purchases", false, []string{"tendering", "evaluating", "challenge_period", "contracting",
		"delivering", "assessing", "settled", "failed", "cancelled", "terminated"})
	if err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	title := "purchases.title"
	if d.Mine {
		title = "purchases.mine.title"
	}
	ui.render(w, r, http.StatusOK, "purchases", title, d)
}

// pathID reads the {id} of the path, or shows 404.
func (ui *UI) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		ui.notFound(w, r)
		return 0, false
	}
	return id, true
}

// publicPurchaseData is the public page of a purchase.
type publicPurchaseData struct {
	// P is the purchase as the public may see it.
	P api.PurchaseDetail
	// Area names its service area.
	Area string
	// Unit is the item's unit of service.
	Unit string
	// Award is the current award notice, if any.
	Award *store.Award
	// Ranked are the scored bids of the award's round, best first.
	Ranked []store.Bid
	// Graded are the finished performance evaluations.
	Graded []store.Evaluation
}

func (ui *UI) publicPurchase(w http.ResponseWriter, r *http.Request) {
	id, ok := ui.pathID(w, r)
	if !ok {
		return
	}
	var d publicPurchaseData
	if err := ui.getPublic(r, fmt.Sprintf("/api/v1/purchases/%d", id), &d.P); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	d.Area, d.Unit = ui.itemInfo(r, d.P.Purchase)
	for i := len(d.P.Awards) - 1; i >= 0; i-- {
		if a := d.P.Awards[i]; a.Status != "voided" {
			d.Award = &a
			break
		}
	}
	if d.Award != nil {
		for _, b := range d.P.Bids {
			if b.Round == d.Award.Round && b.Rank != nil {
				b.Proposal = "" // never shown publicly, whatever the API sends
				d.Ranked = append(d.Ranked, b)
			}
		}
		slices.SortFunc(d.Ranked, func(a, b store.Bid) int { return cmp.Compare(*a.Rank, *b.Rank) })
	}
	for _, e := range d.P.Evaluations {
		if e.Grade != nil {
			d.Graded = append(d.Graded, e)
		}
	}
	p := ui.newPage(w, r, "public.purchase.title", d, d.P.Title)
	p.L.Precise = d.P.Policy == rules.PolicySandbox
	ui.renderPage(w, r, http.StatusOK, "public_purchase", p)
}

// itemInfo names a purchase's service area and unit in the user's
// language from the catalogue; it falls back to the codes stored with it.
func (ui *UI) itemInfo(r *http.Request, p store.Purchase) (area, unit string) {
	area, unit = p.Area, p.UnitZH
	var c api.CatalogResponse
	if err := ui.getPublic(r, fmt.Sprintf("/api/v1/catalog?year=%d", p.CatalogYear), &c); err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ui.log.WarnContext(r.Context(), "read the catalogue", "err", err)
		}
		return area, unit
	}
	loc := state(r).loc
	for _, a := range c.Areas {
		if a.Code != p.Area {
			continue
		}
		area = loc.Pick(a.NameZH, a.NameEN)
		for _, it := range a.Items {
			if it.Code == p.CatalogCode {
				unit = loc.Pick(it.UnitZH, it.UnitEN)
			}
		}
	}
	return area, unit
}

// catalogData is the catalogue page.
type catalogData struct {
	// C is the catalogue of the year shown.
	C api.CatalogResponse
	// Quals names qualifications by code.
	Quals map[string]string
}

func (ui *UI) catalogPage(w http.ResponseWriter, r *http.Request) {
	path := "/api/v1/catalog"
	if y := r.URL.Query().Get("year"); y != "" {
		if _, err := strconv.Atoi(y); err != nil {
			ui.notFound(w, r)
			return
		}
		path += "?year=" + y
	}
	var d catalogData
	if err := ui.getPublic(r, path, &d.C); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	loc := state(r).loc
	d.Quals = map[string]string{}
	for _, q := range d.C.Qualifications {
		d.Quals[q.Code] = loc.Pick(q.NameZH, q.NameEN)
	}
	ui.render(w, r, http.StatusOK, "catalog", "catalog.title", d, d.C.Year)
}
