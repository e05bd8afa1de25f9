package web

import (
	"bytes"
	"encoding/json"
	"strconv"

	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"zhucan/catalog"

	"zhucan/store"
)

// page is what every template gets: the layout's needs and the page's Data.
type page struct {
	// L renders text in the request's language.
	L *locale
	// User is the signed-in user, or nil.
	User *store.User
	// CSRF is the token of the page's POST forms.
	CSRF string
	// Title is the page's title.
	Title string
	// Nav is the navigation for the user's role.
	Nav []navItem
	// Here is the current path with query (where the language switch returns).
	Here string
	// V versions the static assets.
	V string
	// Data is the page's own data.
	Data any
}

// navItem is one link of the main navigation.
type navItem struct {
	// Href is where it goes.
	Href string
	// Key is its label's translation key.
	Key string
	// Current marks the page the user is on.
	Current bool
}

// navByRole lists the navigation of each role ("" for the public). Later
// parts of the UI add their pages here.
var navByRole = map[string][]navItem{
	"":          {{Href: "/", Key: "nav.home"}, {Href: "/public", Key: "nav.public"}, {Href: "/catalog", Key: "nav.catalog"}},
	"officer":   {{Href: "/", Key: "nav.inbox"}, {Href: "/purchases", Key: "nav.purchases"}, {Href: "/dashboard", Key: "nav.dashboard"}, {Href: "/purchases/new", Key: "nav.new_purchase"}, {Href: "/organisations", Key: "nav.orgs"}, {Href: "/public", Key: "nav.public"}, {Href: "/catalog", Key: "nav.catalog"}},
	"supplier":  {{Href: "/", Key: "nav.inbox"}, {Href: "/purchases?mine=1", Key: "nav.mypurchases"}, {Href: "/public", Key: "nav.public"}, {Href: "/catalog", Key: "nav.catalog"}},
	"evaluator": {{Href: "/", Key: "nav.inbox"}, {Href: "/purchases", Key: "nav.purchases"}, {Href: "/public", Key: "nav.public"}, {Href: "/catalog", Key: "nav.catalog"}},
	"admin":     {{Href: "/", Key: "nav.inbox"}, {Href: "/purchases", Key: "nav.purchases"}, {Href: "/dashboard", Key: "nav.dashboard"}, {Href: "/organisations", Key: "nav.orgs"}, {Href: "/public", Key: "nav.public"}, {Href: "/catalog", Key: "nav.catalog"}},
}

func navFor(u *store.User, urlPath string) []navItem {
	role := ""
	if u != nil {
		role = u.Role
	}
	items := navByRole[role]
	out := make([]navItem, len(items))
	for i, it := range items {
		p, _, _ := strings.Cut(it.Href, "?")
		it.Current = p == urlPath || (p != "/" && strings.HasPrefix(urlPath, p+"/"))
		out[i] = it
	}
	return out
}

// funcs are the template helpers; "partial" is bound per template set.
func funcs() template.FuncMap {
	return template.FuncMap{
		"field": func(l *locale, f *form, name, labelKey, typ, autocomplete string) field {
			fd := field{L: l, Form: f, Name: name, Label: l.T(labelKey), Type: typ, Autocomplete: autocomplete}
			if typ != "password" {
				fd.Value = f.Get(name)
			}
			return fd
		},
		"inputOf": inputOf,
		"list":    func(v ...string) []string { return v },
		"inc":     func(i int) int { return i + 1 },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"partial": func(string, any) (template.HTML, error) { return "", errors.New("partial: not bound") },
		"deref": func(v any) any {
			switch p := v.(type) {
			case *int:
				if p != nil {
					return *p
				}
			case *int64:
				if p != nil {
					return *p
				}
			case *string:
				if p != nil {
					return *p
				}
			case *bool:
				if p != nil {
					return *p
				}
			}
			return nil
		},
		"evidence":      evidenceOf,
		"indicatorName": indicatorName,
		"scorer":        scorerName,
	}
}

// parsePages parses each page template with the layout and the partials.
func parsePages() (map[string]*template.Template, error) {
	shared := []string{"templates/layout.html", "templates/partials.html"}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list page templates: %w", err)
	}
	actionFiles, err := fs.Glob(assets, "templates/actions/*.html")
	if err != nil {
		return nil, fmt.Errorf("list action templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t := template.New(name).Funcs(funcs())
		t, err := t.ParseFS(assets, append(append(shared, actionFiles...), f)...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		t.Funcs(template.FuncMap{"partial": func(name string, data any) (template.HTML, error) {
			var b bytes.Buffer
			if err := t.ExecuteTemplate(&b, name, data); err != nil {
				return "", err
			}
			return template.HTML(b.String()), nil //nolint:gosec // output of our own escaped template
		}})
		out[name] = t
	}
	return out, nil
}

// assetVersion is a short hash of the static files, for cache busting.
func assetVersion(fsys fs.FS) string {
	h := sha256.New()
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// newPage builds the page of r with data.
func (ui *UI) newPage(w http.ResponseWriter, r *http.Request, titleKey string, data any, args ...any) *page {
	rq := state(r)
	loc := *rq.loc
	loc.now = ui.now()
	return &page{L: &loc, User: rq.user, CSRF: ui.csrfToken(w, r), Title: loc.T(titleKey, args...),
		Nav: navFor(rq.user, r.URL.Path), Here: here(r), V: ui.version, Data: data}
}

// here is the page the language switch returns to: the page itself, or
// for the answer to a POST the page the form was on.
func here(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	switch p := r.URL.Path; {
	case p == "/login":
		return "/login"
	case strings.Contains(p, "/actions/"):
		return p[:strings.Index(p, "/actions/")]
	}
	return "/"
}

// render writes the page template name with data; the title is the
// translation of titleKey (formatted with args).
func (ui *UI) render(w http.ResponseWriter, r *http.Request, status int, name, titleKey string, data any, args ...any) {
	ui.renderPage(w, r, status, name, ui.newPage(w, r, titleKey, data, args...))
}

func (ui *UI) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := ui.pages[name]
	if !ok {
		ui.log.ErrorContext(r.Context(), "no such page template", "page", name)
		status, t, p.Data = http.StatusInternalServerError, ui.pages["error"], errorData{Status: http.StatusInternalServerError}
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		ui.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		if name == "error" {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		ui.errorPage(w, r, http.StatusInternalServerError, "", "")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// errorData is the error page.
type errorData struct {
	// Status is the HTTP status.
	Status int
	// Heading and Detail explain it ("" for the status's usual words).
	Heading, Detail string
	// RequestID lets the user quote the failure to an administrator.
	RequestID string
}

// errorPage writes the friendly error page for status.
func (ui *UI) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, detail string) {
	loc := state(r).loc
	key := "error.500"
	switch status {
	case http.StatusNotFound:
		key = "error.404"
	case http.StatusForbidden:
		key = "error.403"
	case http.StatusUnauthorized:
		key = "error.401"
	case http.StatusConflict, http.StatusUnprocessableEntity, http.StatusBadRequest:
		key = "error.400"
	}
	if heading == "" {
		heading = loc.T(key + ".title")
	}
	if detail == "" {
		detail = loc.T(key + ".detail")
	}
	d := errorData{Status: status, Heading: heading, Detail: detail, RequestID: w.Header().Get("X-Request-ID")}
	p := ui.newPage(w, r, "", d)
	p.Title = heading
	ui.renderPage(w, r, status, "error", p)
}

// serverError logs err and shows the 500 page.
func (ui *UI) serverError(w http.ResponseWriter, r *http.Request, err error) {
	ui.log.ErrorContext(r.Context(), "web UI request failed", "path", r.URL.Path, "err", err)
	ui.errorPage(w, r, http.StatusInternalServerError, "", "")
}

// apiFailed shows what an API call's failure means for a page: sign in
// again, not found, not allowed with the API's reason, or the 500 page.
func (ui *UI) apiFailed(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ui.serverError(w, r, err)
		return
	}
	switch {
	case ae.Status == http.StatusUnauthorized:
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	case ae.Status == http.StatusNotFound:
		ui.errorPage(w, r, http.StatusNotFound, "", "")
	case ae.Status >= 500:
		ui.serverError(w, r, err)
	default:
		ui.errorPage(w, r, ae.Status, ae.Problem.Title, ae.Problem.Detail)
	}
}

// evidenceItem is a file supporting a report.
type evidenceItem struct {
	// Name is the file name.
	Name string `json:"name"`
	// SHA256 is its hex SHA-256.
	SHA256 string `json:"sha256"`
}

func evidenceOf(raw json.RawMessage) []evidenceItem {
	var out []evidenceItem
	_ = json.Unmarshal(raw, &out)
	return out
}

// indicatorName names an indicator of the contract by its code.
func indicatorName(l *locale, inds []catalog.Indicator, code string) string {
	for _, in := range inds {
		if in.Code == code {
			return l.Pick(in.NameZH, in.NameEN)
		}
	}
	return code
}

// scorerName names who gave an indicator score: "measured" or a user ID.
func scorerName(l *locale, names map[int64]string, scorer string) string {
	if scorer == "measured" {
		return l.T("scorer.measured")
	}
	id, err := strconv.ParseInt(scorer, 10, 64)
	if err != nil {
		return scorer
	}
	if n := names[id]; n != "" {
		return n
	}
	return l.T("actor.user", id)
}
