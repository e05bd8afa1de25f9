package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"zhucan/rules"
	"zhucan/valid"
)

// Problem is an RFC 9457 problem document with field errors.
type Problem struct {
	// Type is a URI naming the problem type; about:blank by default.
	Type string `json:"type"`
	// Title is a short summary in the caller's language.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence.
	Detail string `json:"detail,omitempty"`
	// RequestID correlates the problem with the server's logs.
	RequestID string `json:"requestId,omitempty"`
	// Errors names each offending field and why.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one field's error in the caller's language.
type FieldProblem struct {
	// Field is the JSON path of the field.
	Field string `json:"field"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// english reports whether the caller prefers English over Chinese.
func english(r *http.Request) bool {
	if l := r.URL.Query().Get("lang"); l != "" {
		return strings.HasPrefix(l, "en")
	}
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	return strings.HasPrefix(al, "en")
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, status, "application/json; charset=utf-8", v)
}

// writeJSONAs answers v as JSON of content type ct with its length: a
// client has the whole answer as soon as it arrives, even while the
// server still has work to do after sending it (idempotent).
func writeJSONAs(w http.ResponseWriter, status int, ct string, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// problem writes an application/problem+json answer in the caller's language.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, titleZH, titleEN, detail string, fields valid.Errors) {
	p := Problem{Type: "about:blank", Title: titleZH, Status: status, Detail: detail, RequestID: RequestID(r.Context())}
	en := english(r)
	if en {
		p.Title = titleEN
	}
	for _, f := range fields {
		msg := f.Message
		if en && f.MessageEN != "" {
			msg = f.MessageEN
		}
		p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Message: msg})
	}
	writeJSONAs(w, status, "application/problem+json; charset=utf-8", p)
}

// internalError logs err and answers 500 without leaking its text.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "request failed", "requestId", RequestID(r.Context()), "err", err)
	s.problem(w, r, http.StatusInternalServerError, "内部错误，请稍后重试", "Internal error, please retry later", "", nil)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// shanghai is the zone times are shown in.
var shanghai = rules.Shanghai
