package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"zhucan/api"
	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// site is the UI mounted on an API (the real one, or a fake) on a test database.
type site struct {
	t   *testing.T
	db  *store.DB
	ui  *UI
	url string
	jar http.CookieJar
	c   *http.Client
}

// newSite serves the UI in front of the real API (without Temporal: only
// the reads that do not query workflows work) or, when fake is set, in
// front of fake.
func newSite(t *testing.T, fake http.Handler, opts ...func(*Options)) *site {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	cats, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if _, err := db.LoadCatalogue(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	o := Options{DB: db, Log: quietLog()}
	for _, f := range opts {
		f(&o)
	}
	ui := New(o)
	var root http.Handler
	if fake != nil {
		ui.SetAPI(fake)
		mux := http.NewServeMux()
		mux.Handle("/api/", fake)
		mux.Handle("/", ui)
		root = mux
	} else {
		srv := api.New(api.Options{DB: db, Policy: rules.Sandbox(time.Second), Validator: valid.New(), Log: quietLog(), UI: ui})
		ui.SetAPI(srv.Handler())
		root = srv.Handler()
	}
	ts := httptest.NewServer(root)
	t.Cleanup(ts.Close)
	return newClient(t, db, ui, ts.URL)
}

func newClient(t *testing.T, db *store.DB, ui *UI, base string) *site {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &site{t: t, db: db, ui: ui, url: base, jar: jar, c: c}
}

// user adds an account with password "secret-<name>".
func (s *site) user(name, role string, supplier *int64) store.User {
	s.t.Helper()
	h, err := store.HashPassword("secret-" + name)
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := s.db.CreateUser(context.Background(), valid.New(), store.User{Name: name, Role: role, SupplierID: supplier, PasswordHash: &h})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// page is an answer.
type answer struct {
	status int
	header http.Header
	body   string
}

func (s *site) do(req *http.Request) answer {
	s.t.Helper()
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (s *site) get(path string, hdr ...string) answer {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return s.do(req)
}

func (s *site) post(path string, form url.Values, hdr ...string) answer {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return s.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the forms on path.
func (s *site) csrf(path string) string {
	s.t.Helper()
	a := s.get(path)
	m := csrfField.FindStringSubmatch(a.body)
	if m == nil {
		s.t.Fatalf("%s has no CSRF field: %d %s", path, a.status, a.body)
	}
	return m[1]
}

// signIn signs in through the form and fails the test unless it works.
func (s *site) signIn(name string) {
	s.t.Helper()
	a := s.post("/login", url.Values{"csrf": {s.csrf("/login")}, "name": {name}, "password": {"secret-" + name}, "next": {"/"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/" {
		s.t.Fatalf("sign in as %s: %d %s", name, a.status, a.body)
	}
}

func (s *site) cookie(name string) *http.Cookie {
	u, _ := url.Parse(s.url)
	for _, c := range s.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

// checkPage checks what every page has: language, landmarks, skip link,
// and no template error.
func checkPage(t *testing.T, path string, a answer, status int, lang string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("GET %s: %d, want %d: %s", path, a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	mustContain(t, path, a.body, `<html lang="`+lang+`">`, `class="skip-link" href="#main"`, `<main id="main"`, "<header", "<footer",
		`<nav class="site-nav" aria-label=`, `class="brand"`)
	mustNotContain(t, path, a.body, "%!", "<no value>", "ZgotmplZ")
	if a.header.Get("Content-Security-Policy") == "" || a.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: security headers missing: %v", path, a.header)
	}
}

func TestPublicPagesNeedNoSignIn(t *testing.T) {
	s := newSite(t, nil)
	home := s.get("/")
	checkPage(t, "/", home, http.StatusOK, "zh-CN")
	mustContain(t, "/", home.body, "政府购买助残服务", `href="/public"`, `href="/catalog"`, `href="/login"`, "目前没有正在招标的项目")

	pub := s.get("/public")
	checkPage(t, "/public", pub, http.StatusOK, "zh-CN")
	mustContain(t, "/public", pub.body, "<h1>信息公开</h1>", "招标公告", "结果公示", `<label for="f-q">`, `aria-current="page"`)

	cat := s.get("/catalog")
	checkPage(t, "/catalog", cat, http.StatusOK, "zh-CN")
	mustContain(t, "/catalog", cat.body, "指导性目录", "服务领域", "参考单价", "元", "绩效指标模板")

	filtered := s.get("/public?status=settled&q=%E5%BA%B7%E5%A4%8D")
	checkPage(t, "/public?status=settled", filtered, http.StatusOK, "zh-CN")
	mustContain(t, "/public?status=settled", filtered.body, "没有找到与“康复”相关的项目", `<option value="settled" selected>`)

	for _, p := range []string{"/public/purchases/424242", "/no/such/page", "/public/purchases/abc", "/catalog?year=1990"} {
		a := s.get(p)
		checkPage(t, p, a, http.StatusNotFound, "zh-CN")
		mustContain(t, p, a.body, "返回首页")
	}
	if a := s.get("/api/v1/nope"); a.status != http.StatusNotFound || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("unknown API path: %d %s", a.status, a.header.Get("Content-Type"))
	}
	if a := s.get("/static/style.css"); a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/css") {
		t.Errorf("style sheet: %d %s", a.status, a.header.Get("Content-Type"))
	}
	if a := s.get("/static/"); a.status != http.StatusNotFound {
		t.Errorf("static directory listing: %d", a.status)
	}
	if a := s.get("/healthz"); a.status == http.StatusNotFound {
		t.Errorf("the API's /healthz is hidden by the UI")
	}
}

func TestProtectedPagesRedirectToSignIn(t *testing.T) {
	s := newSite(t, nil)
	for _, p := range []string{"/purchases", "/purchases/7", "/purchases?mine=1"} {
		a := s.get(p)
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/login?next="+url.QueryEscape(p) {
			t.Errorf("GET %s: %d to %q", p, a.status, a.header.Get("Location"))
		}
	}
	login := s.get("/login?next=%2Fpurchases%2F7")
	checkPage(t, "/login", login, http.StatusOK, "zh-CN")
	mustContain(t, "/login", login.body, `name="next" value="/purchases/7"`, `<label for="f-name">用户名</label>`, `<label for="f-password">密码</label>`,
		`autocomplete="current-password"`)
}

func TestSignInAndOut(t *testing.T) {
	s := newSite(t, nil)
	officer := s.user("officer", "officer", nil)
	token := s.csrf("/login")

	// A wrong password: the name typed stays, the password does not, the reason is shown.
	bad := s.post("/login", url.Values{"csrf": {token}, "name": {"officer"}, "password": {"wrong-password"}, "next": {"/purchases"}})
	checkPage(t, "POST /login", bad, http.StatusUnauthorized, "zh-CN")
	mustContain(t, "refused sign-in", bad.body, "用户名或密码不正确", `value="officer"`, `role="alert"`, `name="next" value="/purchases"`)
	mustNotContain(t, "refused sign-in", bad.body, "wrong-password")
	empty := s.post("/login", url.Values{"csrf": {token}, "name": {""}, "password": {""}})
	mustContain(t, "empty sign-in", empty.body, "请输入用户名", "请输入密码", `aria-invalid="true"`, `href="#f-name"`, `aria-describedby="f-name-error"`)

	ok := s.post("/login", url.Values{"csrf": {token}, "name": {"officer"}, "password": {"secret-officer"}, "next": {"/purchases"}})
	if ok.status != http.StatusSeeOther || ok.header.Get("Location") != "/purchases" {
		t.Fatalf("sign in: %d %q", ok.status, ok.header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range (&http.Response{Header: ok.header}).Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure {
		t.Fatalf("session cookie %+v", sc)
	}
	u, sess, err := s.db.SessionUser(context.Background(), sc.Value)
	if err != nil || u.ID != officer.ID || sess.CSRF == "" || !sess.ExpiresAt.After(time.Now().Add(11*time.Hour)) {
		t.Fatalf("stored session: %+v %+v %v", u, sess, err)
	}

	inbox := s.get("/")
	checkPage(t, "/ (signed in)", inbox, http.StatusOK, "zh-CN")
	mustContain(t, "inbox", inbox.body, "<h1>我的待办</h1>", "officer", "采购经办人", "目前没有需要您办理的事项", `action="/logout"`, `href="/purchases"`)
	list := s.get("/purchases")
	checkPage(t, "/purchases", list, http.StatusOK, "zh-CN")
	if a := s.get("/login"); a.status != http.StatusSeeOther {
		t.Errorf("sign-in page while signed in: %d", a.status)
	}

	// An open redirect is refused: next must be a path on this site.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		if got := localPath(next); got != "/" {
			t.Errorf("localPath(%q) = %q", next, got)
		}
	}

	out := s.post("/logout", url.Values{"csrf": {s.csrf("/")}})
	if out.status != http.StatusSeeOther || out.header.Get("Location") != "/" {
		t.Fatalf("sign out: %d %s", out.status, out.body)
	}
	if _, _, err := s.db.SessionUser(context.Background(), sc.Value); err == nil {
		t.Error("the session outlives signing out")
	}
	if a := s.get("/purchases"); a.status != http.StatusSeeOther {
		t.Errorf("signed out, /purchases answers %d", a.status)
	}
	// The old cookie, replayed, no longer signs anyone in.
	replay := newClient(t, s.db, s.ui, s.url)
	u0, _ := url.Parse(s.url)
	replay.jar.SetCookies(u0, []*http.Cookie{{Name: sessionCookie, Value: sc.Value}})
	if a := replay.get("/purchases"); a.status != http.StatusSeeOther {
		t.Errorf("replayed session cookie answers %d", a.status)
	}
}

func TestSessionsExpire(t *testing.T) {
	s := newSite(t, nil, func(o *Options) { o.SessionTTL = time.Second })
	s.user("evaluator", "evaluator", nil)
	s.signIn("evaluator")
	if a := s.get("/purchases"); a.status != http.StatusOK {
		t.Fatalf("fresh session: %d", a.status)
	}
	time.Sleep(1100 * time.Millisecond)
	if a := s.get("/purchases"); a.status != http.StatusSeeOther {
		t.Fatalf("expired session: %d", a.status)
	}
	n, err := s.db.PurgeExpiredSessions(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
}

func TestPostsWithoutTheFormsTokenAreRefused(t *testing.T) {
	s := newSite(t, nil)
	s.user("org", "officer", nil)
	// The sign-in form needs its token too (no login CSRF).
	fresh := newClient(t, s.db, s.ui, s.url)
	a := fresh.post("/login", url.Values{"name": {"org"}, "password": {"secret-org"}})
	checkPage(t, "POST /login without token", a, http.StatusForbidden, "zh-CN")
	mustContain(t, "CSRF refusal", a.body, "表单已失效")

	s.signIn("org")
	token := s.csrf("/")
	for name, c := range map[string]struct {
		form url.Values
		hdr  []string
	}{
		"no token":        {url.Values{}, nil},
		"wrong token":     {url.Values{"csrf": {"x" + token}}, nil},
		"other origin":    {url.Values{"csrf": {token}}, []string{"Origin", "https://evil.example"}},
		"cross-site post": {url.Values{"csrf": {token}}, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		a := s.post("/logout", c.form, c.hdr...)
		if a.status != http.StatusForbidden || !strings.Contains(a.body, "表单已失效") {
			t.Errorf("%s: %d", name, a.status)
		}
	}
	if a := s.get("/purchases"); a.status != http.StatusOK {
		t.Fatalf("a refused sign-out signed out: %d", a.status)
	}
	// The anonymous token is not the session's: after sign-in the old one fails.
	if a := s.post("/logout", url.Values{"csrf": {token}}, "Origin", s.url); a.status != http.StatusSeeOther {
		t.Fatalf("same-origin sign-out with the token: %d", a.status)
	}
}

func TestLanguageSwitch(t *testing.T) {
	s := newSite(t, nil)
	a := s.get("/lang/en?next=%2Fpublic%3Fstatus%3Dsettled")
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/public?status=settled" {
		t.Fatalf("switch: %d %q", a.status, a.header.Get("Location"))
	}
	if c := s.cookie(langCookie); c == nil || c.Value != "en" {
		t.Fatalf("lang cookie %+v", c)
	}
	pub := s.get("/public")
	checkPage(t, "/public in English", pub, http.StatusOK, "en")
	mustContain(t, "/public in English", pub.body, "<h1>Public information</h1>", "Tender notices", `href="/lang/zh?next=%2fpublic"`, "中文")
	cat := s.get("/catalog")
	mustContain(t, "/catalog in English", cat.body, "Guiding catalogue", "Reference unit price", "CNY ")
	nf := s.get("/nowhere")
	checkPage(t, "404 in English", nf, http.StatusNotFound, "en")
	mustContain(t, "404 in English", nf.body, "Page not found")

	// Back to Chinese; a foreign next goes home.
	if a := s.get("/lang/zh?next=https%3A%2F%2Fevil.example%2F"); a.header.Get("Location") != "/" {
		t.Errorf("open redirect through the language switch: %q", a.header.Get("Location"))
	}
	checkPage(t, "/public in Chinese", s.get("/public"), http.StatusOK, "zh-CN")
	if a := s.get("/lang/fr"); a.status != http.StatusNotFound {
		t.Errorf("unknown language: %d", a.status)
	}

	// Without the cookie the browser's languages decide.
	b := newClient(t, s.db, s.ui, s.url)
	checkPage(t, "Accept-Language en", b.get("/", "Accept-Language", "en-GB,en;q=0.9,zh;q=0.5"), http.StatusOK, "en")
	checkPage(t, "Accept-Language zh", b.get("/", "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"), http.StatusOK, "zh-CN")
	checkPage(t, "Accept-Language fr", b.get("/", "Accept-Language", "fr"), http.StatusOK, "zh-CN")
}

func TestSecureCookies(t *testing.T) {
	s := newSite(t, nil, func(o *Options) { o.SecureCookies = true })
	s.user("clerk", "officer", nil)
	a := s.get("/login")
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %+v", c)
		}
	}
}

func TestPreferredLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"": "zh", "en": "en", "en-US,en;q=0.9": "en", "zh-CN": "zh", "fr,en;q=0.5": "en",
		"zh;q=0.4,en;q=0.8": "en", "en;q=0,zh;q=0.1": "zh", "de": "zh", "zh-TW,en": "zh",
	} {
		if got := preferred(h); got != want {
			t.Errorf("preferred(%q) = %s, want %s", h, got, want)
		}
	}
}
