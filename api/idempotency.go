package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"zhucan/store"
	"zhucan/workflows"
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

// maxKey is the longest Idempotency-Key accepted.
const maxKey = 200

// idempotentMethod reports whether method's requests honour Idempotency-Key.
func idempotentMethod(method string) bool {
	return method == http.MethodPost || method == http.MethodDelete
}

// keyClaimed is the outcome of claiming a request's Idempotency-Key: the
// request's hash, whether the key was claimed for it, and else the key's
// earlier record.
type keyClaimed struct {
	hash    []byte
	claimed bool
	prev    store.IdempotentResponse
}

// claimedKey is the context key of a keyClaimed made as the caller
// signed in (authenticate).
type claimedKey struct{}

// readKeyClaim reads r's body (leaving it to be read again) and returns
// the claim of its Idempotency-Key: the key and the request's hash. A body
// over the limit is an error, and r's body then fails the same way again.
func readKeyClaim(w http.ResponseWriter, r *http.Request) (*store.KeyClaim, error) {
	if r.Body == nil { // an in-process caller's request may have none
		r.Body = http.NoBody
	}
	orig := r.Body
	body, err := io.ReadAll(http.MaxBytesReader(w, orig, maxBody))
	if err != nil {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), orig))
		return nil, fmt.Errorf("read request body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	h.Write(body)
	return &store.KeyClaim{Key: r.Header.Get("Idempotency-Key"), Method: r.Method, Path: r.URL.Path, RequestHash: h.Sum(nil)}, nil
}

// replayed headers of a stored response.
var replayHeaders = []string{"Content-Type", "Location"}

// idempotent makes a signed-in POST or DELETE with an Idempotency-Key
// header act once: a retry with the same key and body gets the first
// answer; the same key with another body is refused. A first request that
// died midway (its process crashed) is taken over after 30 seconds: the
// workflow Update it sent carries an ID derived from the key, so Temporal
// answers the retry with that Update's one result; a purchase it created
// is answered from its workflow (resumePurchase).
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		u := caller(r.Context())
		if key == "" || u == nil || !idempotentMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxKey {
			s.invalid(w, r, fieldErr("Idempotency-Key", "幂等键过长（最多 200 字符）", "Idempotency-Key is longer than 200 characters"))
			return
		}
		c, _ := r.Context().Value(claimedKey{}).(*keyClaimed)
		if c == nil {
			// Not claimed as the caller signed in (a session of the web UI).
			kc, err := readKeyClaim(w, r)
			if err != nil {
				s.problem(w, r, http.StatusRequestEntityTooLarge, "请求体过大", "Request body too large", "", nil)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
			claimed, prev, err := s.db.ClaimIdempotencyKey(ctx, u.ID, kc.Key, kc.Method, kc.Path, kc.RequestHash)
			cancel()
			if err != nil {
				s.internalError(w, r, err)
				return
			}
			c = &keyClaimed{hash: kc.RequestHash, claimed: claimed, prev: prev}
		}
		claimed, prev, sum := c.claimed, c.prev, c.hash
		handler := next
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
				var err error
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
			if prev.Resource != nil {
				handler = s.resumePurchase(next, *prev.Resource)
			}
		}
		ctx := context.WithValue(r.Context(), idemKey{}, key)
		cw := &captureWriter{ResponseWriter: w}
		handler.ServeHTTP(cw, r.WithContext(ctx))
		// The caller has its whole answer now (its length is known):
		// storing it for a retry happens after. A retry that comes before
		// it is stored finds the key still claimed (409, Retry-After); a
		// crash before it is stored leaves the key to be taken over, as a
		// crash before the answer did.
		_ = http.NewResponseController(w).Flush()
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

// resumePurchase answers a taken-over POST /api/v1/purchases whose first
// attempt allocated purchase number res (purchaseNumber) and then died or
// failed without an answer.
//
// If the purchase's workflow exists, that attempt reached Temporal: the
// workflow records the purchase and reserves its ceiling, or refuses it,
// and the one true answer is the outcome of its "opened" Update. Running
// createPurchase again instead would judge the request anew against a
// world the first attempt has changed — its own reservation makes the
// budget line look too small, time has moved the earliest allowed bid
// deadline — and store a refusal as the answer for a purchase that exists
// with its ceiling reserved (found by the fault test
// TestAPIRestartRetryGetsTheOneTrueAnswer). If the workflow does not
// exist, nothing was created: the request runs again, reusing the number.
func (s *Server) resumePurchase(next http.Handler, res string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(res, 10, 64)
		if err != nil || r.Method != http.MethodPost || r.URL.Path != "/api/v1/purchases" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := s.ctx(r)
		defer cancel()
		wid := workflows.WorkflowID(id)
		if _, err := s.temporal.DescribeWorkflowExecution(ctx, wid, ""); err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				next.ServeHTTP(w, r)
				return
			}
			s.internalError(w, r, fmt.Errorf("look up purchase workflow %s: %w", wid, err))
			return
		}
		st, err := s.purchaseOpened(ctx, wid)
		if err != nil {
			if ctx.Err() != nil {
				// The SDK's timeout error does not wrap the context's.
				err = errors.Join(ctx.Err(), err)
			}
			s.workflowError(w, r, err)
			return
		}
		w.Header().Set("Location", fmt.Sprintf("/api/v1/purchases/%d", id))
		s.writeJSON(w, http.StatusCreated, Created{ID: id, Status: string(st)})
	})
}

// purchaseOpened returns the outcome of workflow wid's "opened" Update,
// under the ID startPurchase gives it, waiting for it if need be.
func (s *Server) purchaseOpened(ctx context.Context, wid string) (workflows.Status, error) {
	uid := wid + "-opened"
	var st workflows.Status
	err := s.temporal.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: wid, UpdateID: uid}).Get(ctx, &st)
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		return st, err
	}
	// Temporal lost the Update before the workflow accepted it: send it
	// again under the same ID; it only waits for the purchase's record.
	upd := client.UpdateWorkflowOptions{WorkflowID: wid, UpdateID: uid, UpdateName: workflows.UpdateOpened,
		WaitForStage: client.WorkflowUpdateStageCompleted}
	for try := 0; ; try++ {
		h, err := s.temporal.UpdateWorkflow(ctx, upd)
		if err == nil {
			err = h.Get(ctx, &st)
		}
		// As in startPurchase: an Update may reach a new workflow before
		// its handlers are registered.
		if err == nil || !strings.Contains(err.Error(), "KnownUpdates=[]") || try == 20 {
			return st, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
