package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"zhucan/valid"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// decode reads a JSON body into dst, refusing unknown fields, wrong types
// and trailing data, then validates it. On failure it writes the problem
// and returns false.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.problem(w, r, http.StatusRequestEntityTooLarge, "请求体过大", "Request body too large", fmt.Sprintf("at most %d bytes", maxBody), nil)
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		s.badJSON(w, r, err)
		return false
	}
	if dec.More() {
		s.problem(w, r, http.StatusBadRequest, "JSON 格式错误", "Malformed JSON", "unexpected data after the JSON object", nil)
		return false
	}
	if err := s.valid.Struct(dst); err != nil {
		if fe, ok := valid.As(err); ok {
			s.invalid(w, r, fe)
			return false
		}
		s.internalError(w, r, err)
		return false
	}
	return true
}

// badJSON explains why a body did not decode, naming the field when it can.
func (s *Server) badJSON(w http.ResponseWriter, r *http.Request, err error) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		s.problem(w, r, http.StatusBadRequest, "JSON 格式错误", "Malformed JSON", fmt.Sprintf("syntax error at byte %d", syn.Offset), nil)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		s.invalid(w, r, fieldErr(field, fmt.Sprintf("类型错误：应为 %s，收到 %s", typ.Type, typ.Value),
			fmt.Sprintf("wrong type: want %s, got %s", typ.Type, typ.Value)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		s.invalid(w, r, fieldErr(name, "不认识的字段", "unknown field"))
	case errors.Is(err, io.ErrUnexpectedEOF):
		s.problem(w, r, http.StatusBadRequest, "JSON 格式错误", "Malformed JSON", "the body ends early", nil)
	default:
		s.problem(w, r, http.StatusBadRequest, "JSON 格式错误", "Malformed JSON", err.Error(), nil)
	}
}

// invalid answers 422 with field errors.
func (s *Server) invalid(w http.ResponseWriter, r *http.Request, fe valid.Errors) {
	s.problem(w, r, http.StatusUnprocessableEntity, "输入有误", "Invalid input", "", fe)
}

// pathID reads a positive integer path parameter, answering 404 otherwise.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		s.problem(w, r, http.StatusNotFound, "找不到", "Not found", name+" must be a positive integer", nil)
		return 0, false
	}
	return id, true
}
