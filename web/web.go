// Package web owns zhucan's web UI: server-rendered pages (html/template)
// for the public (信息公开), officers, social organisations, evaluators and
// administrators, with its assets embedded in the binary. Chinese is the
// default language, English the second. The UI never reads or writes the
// database behind the API's back: every page reads, and every form acts,
// through the JSON API called in-process as the signed-in user, so that
// the UI obeys exactly the API's rules. Only sign-in sessions are its own.
package web

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"zhucan/store"
)

//go:embed templates static
var assets embed.FS

// Options are the UI's dependencies and settings.
type Options struct {
	// DB holds the sessions (and checks passwords at sign-in).
	DB *store.DB
	// Log receives errors.
	Log *slog.Logger
	// SecureCookies marks cookies Secure (serve over HTTPS).
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// DataDir is where uploaded evidence files are stored, under their
	// SHA-256 (default: zhucan-evidence in the system's temporary directory).
	DataDir string
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

// UI is the web UI; it is an http.Handler.
type UI struct {
	db      *store.DB
	log     *slog.Logger
	secure  bool
	ttl     time.Duration
	now     func() time.Time
	api     atomic.Pointer[http.Handler]
	mux     *http.ServeMux
	pages   map[string]*template.Template
	static  http.Handler
	version string
	dataDir string
}

// New builds the UI. Call SetAPI before serving.
func New(o Options) *UI {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(os.TempDir(), "zhucan-evidence")
	}
	ui := &UI{dataDir: o.DataDir, db: o.DB, log: o.Log, secure: o.SecureCookies, ttl: o.SessionTTL, now: o.Now, mux: http.NewServeMux()}
	pages, err := parsePages()
	if err != nil {
		// The templates are embedded: a parse error is a bug caught by every test.
		panic(fmt.Errorf("web: parse templates: %w", err))
	}
	ui.pages = pages
	staticFS, err := fs.Sub(assets, "static")
	if err != nil {
		panic(fmt.Errorf("web: static assets: %w", err))
	}
	ui.version = assetVersion(staticFS)
	ui.static = http.StripPrefix("/static/", http.FileServerFS(staticFS))
	ui.routes()
	return ui
}

// SetAPI gives the UI the API handler it calls in-process for every read
// and action. Call it once, before serving.
func (ui *UI) SetAPI(h http.Handler) { ui.api.Store(&h) }

func (ui *UI) routes() {
	m := ui.mux
	m.HandleFunc("GET /{$}", ui.home)
	m.HandleFunc("GET /login", ui.loginForm)
	m.HandleFunc("POST /login", ui.login)
	m.HandleFunc("POST /logout", ui.logout)
	m.HandleFunc("GET /lang/{lang}", ui.switchLang)
	m.HandleFunc("GET /public", ui.publicList)
	m.HandleFunc("GET /public/purchases/{id}", ui.publicPurchase)
	m.HandleFunc("GET /catalog", ui.catalogPage)
	m.HandleFunc("GET /purchases", ui.signedIn(ui.purchaseList))
	m.HandleFunc("GET /purchases/new", ui.signedIn(ui.newPurchaseForm))
	m.HandleFunc("POST /purchases/new", ui.signedIn(ui.newPurchase))
	m.HandleFunc("GET /purchases/{id}", ui.signedIn(ui.purchasePage))
	m.HandleFunc("POST /purchases/{id}/actions/{action}", ui.signedIn(ui.purchaseAction))
	m.HandleFunc("GET /purchases/{id}/evidence/{sha}", ui.signedIn(ui.evidenceFile))
	m.HandleFunc("GET /dashboard", ui.signedIn(ui.dashboard))
	m.HandleFunc("GET /analytics", ui.signedIn(ui.analyticsPage))
	m.HandleFunc("GET /analytics/export/{format}", ui.signedIn(ui.recommendationFile))
	m.HandleFunc("GET /organisations", ui.signedIn(ui.orgsPage))
	m.HandleFunc("GET /organisations/{id}", ui.signedIn(ui.orgPage))
	m.HandleFunc("GET /static/", ui.serveStatic)
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/icon.svg", http.StatusMovedPermanently)
	})
	m.HandleFunc("/", ui.notFound)
}

// ServeHTTP serves the UI: security headers, language, session, CSRF
// check of every POST, then the page; a panic becomes the error page.
func (ui *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		// Unknown API paths reach the UI mounted at "/": answer as the API would.
		w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, `{"type":"about:blank","title":"Not found","status":404}`)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	rw := &trackWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			ui.log.ErrorContext(r.Context(), "web UI panic", "path", r.URL.Path, "panic", p)
			if !rw.wrote {
				ui.errorPage(rw, r, http.StatusInternalServerError, "", "")
			}
		}
	}()
	rq, err := ui.prepare(rw, r)
	if err != nil {
		ui.log.ErrorContext(r.Context(), "web UI session", "err", err)
		ui.errorPage(rw, r.WithContext(withReq(r.Context(), rq)), http.StatusInternalServerError, "", "")
		return
	}
	r = r.WithContext(withReq(r.Context(), rq))
	if r.Method == http.MethodPost && !ui.checkCSRF(rw, r) {
		return
	}
	ui.mux.ServeHTTP(rw, r)
}

// trackWriter notes whether anything was written, so that a panic after
// the first byte does not write a second page.
type trackWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

func (t *trackWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (ui *UI) serveStatic(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	if strings.HasSuffix(r.URL.Path, "/") {
		ui.notFound(w, r)
		return
	}
	ui.static.ServeHTTP(w, r)
}

func (ui *UI) notFound(w http.ResponseWriter, r *http.Request) {
	ui.errorPage(w, r, http.StatusNotFound, "", "")
}

// errNoAPI is returned when SetAPI was not called.
var errNoAPI = errors.New("web: the API handler is not set (call SetAPI)")
