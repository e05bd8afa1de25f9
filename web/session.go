package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"zhucan/store"
)

// Cookie names.
const (
	sessionCookie = "zhucan_session"
	csrfCookie    = "zhucan_csrf"
	langCookie    = "lang"
)

// maxForm bounds a POSTed form (evidence files included).
const maxForm = 32 << 20

type reqKey struct{}

// reqState is what the UI knows about a request: its language and who is
// signed in.
type reqState struct {
	loc   *locale
	user  *store.User
	sess  *store.Session
	token string
	ui    *UI
}

func withReq(ctx context.Context, rq *reqState) context.Context {
	return context.WithValue(ctx, reqKey{}, rq)
}

// state returns the request's state (an anonymous Chinese one outside ServeHTTP).
func state(r *http.Request) *reqState {
	if rq, ok := r.Context().Value(reqKey{}).(*reqState); ok && rq != nil {
		return rq
	}
	return &reqState{loc: localeFor(r)}
}

// prepare resolves the language and the session of r.
func (ui *UI) prepare(w http.ResponseWriter, r *http.Request) (*reqState, error) {
	rq := &reqState{loc: localeFor(r), ui: ui}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return rq, nil
	}
	u, s, err := ui.db.SessionUser(r.Context(), c.Value)
	if errors.Is(err, store.ErrNotFound) {
		// Expired or signed out elsewhere: forget the cookie.
		ui.clearCookie(w, sessionCookie)
		return rq, nil
	}
	if err != nil {
		return rq, fmt.Errorf("read session: %w", err)
	}
	rq.user, rq.sess, rq.token = &u, &s, c.Value
	return rq, nil
}

func (ui *UI) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: ui.secure, SameSite: http.SameSiteLaxMode})
}

func (ui *UI) clearCookie(w http.ResponseWriter, name string) { ui.setCookie(w, name, "", -1) }

func randomString() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Errorf("web: random bytes: %w", err)) // crypto/rand never fails on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken returns the token POST forms of this page must carry: the
// session's, or for an anonymous visitor (the sign-in form) a random one
// kept in a cookie (double submit), set here when missing.
func (ui *UI) csrfToken(w http.ResponseWriter, r *http.Request) string {
	rq := state(r)
	if rq.sess != nil {
		return rq.sess.CSRF
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := randomString()
	ui.setCookie(w, csrfCookie, t, 0)
	// Later reads in this request see the new token.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: t})
	return t
}

// checkCSRF refuses a POST from another site or without the page's token
// with the 403 page, and reports whether the request may go on.
func (ui *UI) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	rq := state(r)
	if r.URL.Path == "/logout" && rq.sess == nil {
		return true // nothing to sign out of: the handler only clears cookies
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	ok := r.Header.Get("Sec-Fetch-Site") != "cross-site"
	if o := r.Header.Get("Origin"); ok && o != "" {
		u, err := url.Parse(o)
		ok = err == nil && u.Host == r.Host
	}
	if ok {
		want := ""
		if rq.sess != nil {
			want = rq.sess.CSRF
		} else if c, err := r.Cookie(csrfCookie); err == nil {
			want = c.Value
		}
		got := r.PostFormValue("csrf")
		ok = want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	}
	if !ok {
		ui.log.WarnContext(r.Context(), "web UI refused a POST without a valid CSRF token", "path", r.URL.Path)
		ui.errorPage(w, r, http.StatusForbidden, rq.loc.T("error.csrf.title"), rq.loc.T("error.csrf.detail"))
	}
	return ok
}

// signedIn sends anonymous visitors to the sign-in page and back.
func (ui *UI) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if state(r).user == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// localPath returns next when it is a path on this site, else "/".
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// loginData is the sign-in page.
type loginData struct {
	// Form is what was typed, with errors.
	Form *form
	// Next is where to go after signing in.
	Next string
}

func (ui *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if state(r).user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	ui.render(w, r, http.StatusOK, "login", "login.title", loginData{Form: newForm(), Next: next})
}

func (ui *UI) login(w http.ResponseWriter, r *http.Request) {
	rq := state(r)
	loc := rq.loc
	f := formFrom(r, "name", "next")
	next := localPath(f.Get("next"))
	password := r.PostFormValue("password")
	if strings.TrimSpace(f.Get("name")) == "" {
		f.Fail("name", loc.T("login.name.required"))
	}
	if password == "" {
		f.Fail("password", loc.T("login.password.required"))
	}
	if f.OK() {
		u, err := ui.db.UserByPassword(r.Context(), strings.TrimSpace(f.Get("name")), password)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Fail("", loc.T("login.failed"))
		case err != nil:
			ui.serverError(w, r, fmt.Errorf("sign in: %w", err))
			return
		default:
			ui.startSession(w, r, u, next)
			return
		}
	}
	ui.render(w, r, http.StatusUnauthorized, "login", "login.title", loginData{Form: f, Next: next})
}

// startSession signs u in with a fresh session (never reusing one from
// before the sign-in) and goes to next.
func (ui *UI) startSession(w http.ResponseWriter, r *http.Request, u store.User, next string) {
	ctx := r.Context()
	if rq := state(r); rq.token != "" {
		if err := ui.db.DeleteSession(ctx, rq.token); err != nil {
			ui.log.WarnContext(ctx, "delete previous session", "err", err)
		}
	}
	token, _, err := ui.db.CreateSession(ctx, u.ID, ui.ttl)
	if err != nil {
		ui.serverError(w, r, err)
		return
	}
	if n, err := ui.db.PurgeExpiredSessions(ctx); err != nil {
		ui.log.WarnContext(ctx, "purge expired sessions", "err", err)
	} else if n > 0 {
		ui.log.InfoContext(ctx, "purged expired sessions", "count", n)
	}
	ui.setCookie(w, sessionCookie, token, 0)
	ui.clearCookie(w, csrfCookie)
	ui.log.InfoContext(ctx, "signed in", "user", u.ID, "role", u.Role)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (ui *UI) logout(w http.ResponseWriter, r *http.Request) {
	rq := state(r)
	if rq.token != "" {
		if err := ui.db.DeleteSession(r.Context(), rq.token); err != nil {
			ui.serverError(w, r, err)
			return
		}
		ui.log.InfoContext(r.Context(), "signed out", "user", rq.user.ID)
	}
	ui.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// switchLang remembers the chosen language and goes back to the page.
func (ui *UI) switchLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "zh" && lang != "en" {
		ui.notFound(w, r)
		return
	}
	ui.setCookie(w, langCookie, lang, 365*24*3600)
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}
