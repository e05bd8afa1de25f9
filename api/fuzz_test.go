package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzRequestDecoders feeds arbitrary bodies to every request decoder:
// each answer is a success or a 4xx problem, never a panic or a 5xx.
func FuzzRequestDecoders(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"priceFen": 1, "proposal": "x"}`, `{"scores": [{"bidId": 1, "technical": 65.5}]}`,
		`{"scores": [{"bidId": 1, "technical": "65"}]}`, `{"technical": 1e400}`, `[`, `null`, `"x"`, `{"a":1}{"b":2}`,
		`{"title": "t", "quantity": -1, "milestones": [{"due": "not a time"}]}`, `{"bidDeadline": "2026-13-45T99:00:00Z"}`,
		`{"evidence": [{"name": "a", "sha256": "zz"}]}`, "\xff\xfe", `{"scores": [{"indicator": "x", "score": 10.005}]}`,
	} {
		f.Add([]byte(seed))
	}
	s := New(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	targets := []func() any{
		func() any { return &CreateUserRequest{} }, func() any { return &CreateSupplierRequest{} },
		func() any { return &CreateBudgetRequest{} }, func() any { return &CreatePurchaseRequest{} },
		func() any { return &BidRequest{} }, func() any { return &ScoresRequest{} }, func() any { return &ReasonRequest{} },
		func() any { return &AppointRequest{} }, func() any { return &LowPriceRequest{} }, func() any { return &AnswerRequest{} },
		func() any { return &SignRequest{} }, func() any { return &RetenderRequest{} }, func() any { return &ExtendRequest{} }, func() any { return &ReportRequest{} },
		func() any { return &ReviewRequest{} }, func() any { return &InspectionRequest{} }, func() any { return &RectifiedRequest{} },
		func() any { return &EvaluationRequest{} }, func() any { return &DishonestyRequest{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, mk := range targets {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
			dst := mk()
			if ok := s.decode(w, r, dst); !ok && (w.Code < 400 || w.Code >= 500) {
				t.Fatalf("%T refused %q with %d", dst, body, w.Code)
			}
		}
	})
}
