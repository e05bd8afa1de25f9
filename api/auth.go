package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"zhucan/store"
	"zhucan/workflows"
)

const userKey ctxKey = iota + 100

// caller returns the authenticated user, or nil for the public.
func caller(ctx context.Context) *store.User {
	u, _ := ctx.Value(userKey).(*store.User)
	return u
}

// withUser returns ctx carrying u as the caller.
func withUser(ctx context.Context, u *store.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// orgKey is the context key of the caller's organisation, read as a
// supplier's user signs in with a token.
type orgKey struct{}

// callerOrg returns the organisation of the caller, a supplier's user: the
// one read as they signed in, or else (a session of the web UI) read now.
func (s *Server) callerOrg(ctx context.Context) (store.Supplier, error) {
	if o, ok := ctx.Value(orgKey{}).(*store.Supplier); ok {
		return *o, nil
	}
	u := caller(ctx)
	if u == nil || u.SupplierID == nil {
		return store.Supplier{}, errors.New("the caller is not an organisation's user")
	}
	return s.db.SupplierByID(ctx, *u.SupplierID)
}

// WithCaller returns ctx carrying u as the authenticated caller. The web
// UI, which signs people in with a session cookie, uses it to call the API
// in-process as that person, so that the UI obeys exactly the API's rules.
func WithCaller(ctx context.Context, u *store.User) context.Context { return withUser(ctx, u) }

// Caller returns the authenticated user of ctx, or nil for the public.
func Caller(ctx context.Context) *store.User { return caller(ctx) }

// authenticate resolves "Authorization: Bearer <token>"; a request without
// it is public, one with an unknown token is refused.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			// Public, or already authenticated in-process (WithCaller).
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			s.problem(w, r, http.StatusUnauthorized, "身份凭证格式错误", "Malformed Authorization header", "use: Authorization: Bearer <token>", nil)
			return
		}
		// An action's Idempotency-Key is claimed in the same statement
		// (store.SignIn): one round trip to PostgreSQL instead of two.
		// Where the request cannot be claimed yet (a key too long, a body
		// too large), idempotent answers for it after the sign-in.
		var kc *store.KeyClaim
		if key := r.Header.Get("Idempotency-Key"); key != "" && len(key) <= maxKey && idempotentMethod(r.Method) {
			kc, _ = readKeyClaim(w, r)
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		in, err := s.db.SignIn(ctx, token, kc)
		cancel()
		if errors.Is(err, store.ErrNotFound) {
			s.problem(w, r, http.StatusUnauthorized, "身份凭证无效或已吊销", "Invalid or revoked token", "", nil)
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		rctx := withUser(r.Context(), &in.User)
		if in.Org != nil {
			rctx = context.WithValue(rctx, orgKey{}, in.Org)
		}
		if kc != nil {
			rctx = context.WithValue(rctx, claimedKey{}, &keyClaimed{hash: kc.RequestHash, claimed: in.Claimed, prev: in.Prev})
		}
		next.ServeHTTP(w, r.WithContext(rctx))
	})
}

// roles wraps h so that only signed-in users with one of roles (any role
// when none is given) reach it.
func (s *Server) roles(h http.HandlerFunc, roles ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := caller(r.Context())
		if u == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="zhucan"`)
			s.problem(w, r, http.StatusUnauthorized, "请先登录", "Sign in first", "", nil)
			return
		}
		if len(roles) > 0 && !hasRole(u, roles...) {
			s.problem(w, r, http.StatusForbidden, "无权进行此操作", "You may not do this",
				"需要角色 / needs role: "+strings.Join(roles, ", "), nil)
			return
		}
		h(w, r)
	}
}

func hasRole(u *store.User, roles ...string) bool {
	if u == nil {
		return false
	}
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// actorOf is the user as the workflows know them.
func actorOf(u *store.User) workflows.Actor {
	if u == nil {
		return workflows.Actor{}
	}
	a := workflows.Actor{UserID: u.ID, Name: u.Name, Role: u.Role}
	if u.SupplierID != nil {
		a.SupplierID = *u.SupplierID
	}
	return a
}

// auditRef is how the audit trail names u.
func auditRef(u *store.User) string {
	if u == nil {
		return "public"
	}
	return "user:" + strconv.FormatInt(u.ID, 10)
}
