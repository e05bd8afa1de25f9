package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"zhucan/api"
	"zhucan/store"
)

// apiError is a refusal or failure answered by the API.
type apiError struct {
	// Status is the HTTP status.
	Status int
	// Problem is the API's explanation, in the user's language.
	Problem api.Problem
}

func (e *apiError) Error() string {
	return fmt.Sprintf("API answered %d: %s %s", e.Status, e.Problem.Title, e.Problem.Detail)
}

// recorder is the in-memory response of an in-process API call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// apiCall is one call of the JSON API.
type apiCall struct {
	// As is the caller (nil: the public).
	As *store.User
	// Method and Path (with query) name the endpoint.
	Method, Path string
	// Body is sent as JSON when not nil.
	Body any
	// IdempotencyKey makes a retried POST act once.
	IdempotencyKey string
}

// call serves c with the API handler in-process, in the language of r,
// and decodes a successful answer into out (when not nil). A refusal is an
// *apiError carrying the API's problem.
func (ui *UI) call(r *http.Request, c apiCall, out any) error {
	rec, err := ui.do(r, c)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if ct := rec.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("%s %s answered %q, not JSON", c.Method, c.Path, ct)
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s %s: %w", c.Method, c.Path, err)
	}
	return nil
}

// do serves c with the API handler in-process and returns its answer; a
// refusal is an *apiError carrying the API's problem.
func (ui *UI) do(r *http.Request, c apiCall) (*recorder, error) {
	hp := ui.api.Load()
	if hp == nil {
		return nil, errNoAPI
	}
	ctx := r.Context()
	// Always set the caller: a browser's own Authorization header never
	// speaks for the UI's calls.
	ctx = api.WithCaller(ctx, c.As)
	// As a server's request, never a nil Body (a handler reads it).
	var body io.Reader = http.NoBody
	if c.Body != nil {
		b, err := json.Marshal(c.Body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", c.Method, c.Path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.Path, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", c.Method, c.Path, err)
	}
	req.Host, req.RemoteAddr, req.RequestURI = r.Host, r.RemoteAddr, c.Path
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", state(r).loc.AcceptLanguage())
	if c.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	}
	if id := api.RequestID(r.Context()); id != "" {
		req.Header.Set("X-Request-ID", id)
	}
	rec := &recorder{header: http.Header{}}
	(*hp).ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 400 {
		e := &apiError{Status: rec.status}
		if err := json.Unmarshal(rec.body.Bytes(), &e.Problem); err != nil || e.Problem.Title == "" {
			e.Problem.Title = http.StatusText(rec.status)
		}
		if e.Problem.RequestID == "" {
			e.Problem.RequestID = rec.header.Get("X-Request-ID")
		}
		return nil, e
	}
	return rec, nil
}

// get reads path as the signed-in user of r (or the public) into out.
func (ui *UI) get(r *http.Request, path string, out any) error {
	return ui.call(r, apiCall{As: state(r).user, Method: http.MethodGet, Path: path}, out)
}

// getPublic reads path as the public, whoever is signed in.
func (ui *UI) getPublic(r *http.Request, path string, out any) error {
	return ui.call(r, apiCall{Method: http.MethodGet, Path: path}, out)
}
