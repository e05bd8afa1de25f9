package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"zhucan/api"
	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/valid"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	db := testenv.DB(t)
	cats, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if _, err := db.LoadCatalogue(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	srv := api.New(api.Options{DB: db, Temporal: testenv.Temporal(t), Validator: valid.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func TestHealthReportsEachDependency(t *testing.T) {
	ts := newServer(t)
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h api.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || h.Status != "ok" || !h.Checks["postgres"].OK || !h.Checks["temporal"].OK {
		t.Fatalf("health %d %+v", resp.StatusCode, h)
	}
	if resp.Header.Get("X-Request-ID") == "" {
		t.Fatal("no request ID")
	}
}

func TestCatalogIsPublicAndComplete(t *testing.T) {
	ts := newServer(t)
	resp, err := http.Get(ts.URL + "/api/v1/catalog")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s", resp.Status)
	}
	var c api.CatalogResponse
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	want := []string{"康复护理", "托养照料", "生活服务", "扶贫解困", "职业培训", "就业创业服务", "专业社会工作服务", "家居无障碍环境改造"}
	if len(c.Areas) != len(want) {
		t.Fatalf("%d areas, want %d", len(c.Areas), len(want))
	}
	items := 0
	for i, a := range c.Areas {
		if a.NameZH != want[i] {
			t.Errorf("area %d is %s, want %s", i, a.NameZH, want[i])
		}
		if len(a.Items) == 0 {
			t.Errorf("area %s has no items", a.Code)
		}
		items += len(a.Items)
	}
	if items < 24 {
		t.Fatalf("%d items, want at least 24", items)
	}
}

func TestCatalogUnknownYearIsAProblem(t *testing.T) {
	ts := newServer(t)
	for _, q := range []string{"?year=1990", "?year=abc"} {
		resp, err := http.Get(ts.URL + "/api/v1/catalog" + q)
		if err != nil {
			t.Fatal(err)
		}
		var p api.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || resp.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
			t.Errorf("%s: %s %s", q, resp.Status, resp.Header.Get("Content-Type"))
		}
		if len(p.Errors) != 1 || p.Errors[0].Field != "year" {
			t.Errorf("%s: problem %+v does not name the field", q, p)
		}
	}
}
