package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

type idemKey struct{}

// idempotencyKey returns the request's Idempotency-Key, if any.
func idempotencyKey(ctx context.Context) string {
	k, _ := ctx.Value(idemKey{}).(string)
	return k
}

// captureWriter keeps a copy of the response for replay.
type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

// replayed headers of a stored response.
var replayHeaders = []string{"Content-Type", "Location"}

// idempotent makes a signed-in POST or DELETE with an Idempotency-Key
// header act once: a retry with the same key and body gets the first
// answer; the same key with another body is refused. A first request that
// died midway (its process crashed) is taken over after 30 seconds: the
// workflow Update it sent carries an ID derived from the key, so Temporal
// answers the retry with that Update's one result.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		u := caller(r.Context())
		if key == "" || u == nil || (r.Method != http.MethodPost && r.Method != http.MethodDelete) {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			s.invalid(w, r, fieldErr("Idempotency-Key", "幂等键过长（最多 200 字符）", "Idempotency-Key is longer than 200 characters"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.problem(w, r, http.StatusRequestEntityTooLarge, "请求体过大", "Request body too large", "", nil)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
		h.Write(body)
		sum := h.Sum(nil)
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		claimed, prev, err := s.db.ClaimIdempotencyKey(ctx, u.ID, key, r.Method, r.URL.Path, sum)
		cancel()
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if !claimed {
			switch {
			case !bytes.Equal(prev.RequestHash, sum):
				s.problem(w, r, http.StatusUnprocessableEntity, "幂等键已用于另一请求", "Idempotency-Key reused for a different request", "", nil)
				return
			case prev.Status != 0:
				var hdr map[string]string
				_ = json.Unmarshal(prev.Headers, &hdr)
				for k, v := range hdr {
					w.Header().Set(k, v)
				}
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(prev.Status)
				_, _ = w.Write(prev.Body)
				return
			}
			took := false
			if prev.Stale {
				tctx, cancel := context.WithTimeout(r.Context(), s.timeout)
				took, err = s.db.TakeOverIdempotencyKey(tctx, u.ID, key)
				cancel()
				if err != nil {
					s.internalError(w, r, err)
					return
				}
			}
			if !took {
				w.Header().Set("Retry-After", "2")
				s.problem(w, r, http.StatusConflict, "相同请求正在处理中，请稍后重试", "The same request is in progress; retry shortly", "", nil)
				return
			}
			// Taken over: the request runs again below, reusing what the
			// first attempt created and its Update IDs.
		}
		ctx = context.WithValue(r.Context(), idemKey{}, key)
		cw := &captureWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r.WithContext(ctx))
		sctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if cw.status >= 500 || cw.status == 0 {
			// Nothing was decided: let the retry act.
			if err := s.db.ReleaseIdempotencyKey(sctx, u.ID, key); err != nil {
				s.log.ErrorContext(r.Context(), "release idempotency key", "err", err)
			}
			return
		}
		hdr := map[string]string{}
		for _, k := range replayHeaders {
			if v := cw.Header().Get(k); v != "" {
				hdr[k] = v
			}
		}
		hb, _ := json.Marshal(hdr)
		if err := s.db.CompleteIdempotencyKey(sctx, u.ID, key, cw.status, hb, cw.buf.Bytes()); err != nil {
			s.log.ErrorContext(r.Context(), "complete idempotency key", "err", err)
		}
	})
}
