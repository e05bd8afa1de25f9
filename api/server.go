// Package api owns zhucan's HTTP interface: the JSON API under /api/v1 that
// officers, social organisations, evaluators and the public use, the health
// endpoint, and the plumbing they share (problem responses, request IDs,
// access logs, timeouts).
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"zhucan/ocds"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

// Options are the Server's dependencies and settings.
type Options struct {
	// DB is zhucan's database.
	DB *store.DB
	// Temporal is the client that starts and updates purchase workflows.
	Temporal client.Client
	// TaskQueue is where purchase workflows run.
	TaskQueue string
	// Policy is the rule set new purchases run under.
	Policy rules.Policy
	// Validator validates request bodies.
	Validator *valid.Validator
	// Log receives access and error logs.
	Log *slog.Logger
	// CallTimeout bounds each call to Temporal and PostgreSQL (default 15s).
	CallTimeout time.Duration
	// UI, when set, serves everything outside /api and /healthz (the web UI).
	UI http.Handler
	// Publisher names the open-data publisher and the OCDS ocid prefix.
	Publisher ocds.Publisher
}

// Server serves the HTTP API.
type Server struct {
	db        *store.DB
	temporal  client.Client
	taskQueue string
	policy    rules.Policy
	valid     *valid.Validator
	log       *slog.Logger
	timeout   time.Duration
	publisher ocds.Publisher
	mux       *http.ServeMux
	live      *liveCache
	build     string // buildID, part of every page's entity tag
}

// New builds a Server on its dependencies.
func New(o Options) *Server {
	if o.Validator == nil {
		o.Validator = valid.New()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Publisher.OCIDPrefix == "" {
		o.Publisher = DefaultPublisher()
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	s := &Server{db: o.DB, temporal: o.Temporal, taskQueue: o.TaskQueue, policy: o.Policy, valid: o.Validator,
		log: o.Log, timeout: o.CallTimeout, publisher: o.Publisher, mux: http.NewServeMux(), live: newLiveCache(), build: buildID()}
	s.routes()
	if o.UI != nil {
		s.mux.Handle("/", o.UI)
	}
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.HandleFunc("GET /api/openapi.json", s.openAPI)
	s.mux.HandleFunc("GET /api/v1/catalog", s.getCatalog)
	s.mux.HandleFunc("POST /api/v1/catalog/items", s.roles(s.addCatalogItem, "admin"))
	s.mux.HandleFunc("GET /api/v1/me", s.roles(s.me))
	s.mux.HandleFunc("GET /api/v1/me/tasks", s.roles(s.myTasks))
	s.mux.HandleFunc("POST /api/v1/users", s.roles(s.createUser, "admin"))
	s.mux.HandleFunc("GET /api/v1/users", s.roles(s.listUsers, "admin", "officer"))
	s.mux.HandleFunc("POST /api/v1/suppliers", s.roles(s.createSupplier, "admin", "officer"))
	s.mux.HandleFunc("GET /api/v1/suppliers", s.roles(s.listSuppliers, "admin", "officer"))
	s.mux.HandleFunc("GET /api/v1/suppliers/{id}", s.roles(s.getSupplier))
	s.mux.HandleFunc("POST /api/v1/suppliers/{id}/dishonesty", s.roles(s.setDishonesty, "admin", "officer"))
	s.mux.HandleFunc("POST /api/v1/budgets", s.roles(s.createBudget, "officer"))
	s.mux.HandleFunc("GET /api/v1/budgets", s.roles(s.listBudgets, "admin", "officer"))
	s.mux.HandleFunc("GET /api/v1/budgets/{id}", s.roles(s.getBudget, "admin", "officer"))
	s.mux.HandleFunc("POST /api/v1/purchases", s.roles(s.createPurchase, "officer"))
	s.mux.HandleFunc("GET /api/v1/purchases", s.listPurchases)
	s.mux.HandleFunc("GET /api/v1/purchases/{id}", s.getPurchase)
	s.mux.HandleFunc("GET /api/v1/purchases/{id}/events", s.getEvents)
	s.actionRoutes()
	s.ocdsRoutes()
	s.analyticsRoutes()
}

// DefaultPublisher is the open-data publisher when none is configured: a
// district federation under the ocid prefix ocds-zhucan (register a real
// prefix with the OCDS Data Support Team before publishing to a registry).
func DefaultPublisher() ocds.Publisher {
	return ocds.Publisher{Name: "区残疾人联合会", BuyerID: "unregistered", OCIDPrefix: "ocds-zhucan", BaseURI: "http://127.0.0.1:8080"}
}

// Handler returns the root handler with request IDs, access logs, panic
// recovery, authentication and idempotent POSTs.
func (s *Server) Handler() http.Handler {
	return s.middleware(s.authenticate(s.idempotent(s.mux)))
}

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully.
// ready, when not nil, receives the bound address once listening.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", err)
	}
	return nil
}
