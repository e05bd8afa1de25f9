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

	"zhucan/store"
	"zhucan/valid"
)

// Server serves the HTTP API.
type Server struct {
	db       *store.DB
	temporal client.Client
	valid    *valid.Validator
	log      *slog.Logger
	mux      *http.ServeMux
}

// New builds a Server on its dependencies.
func New(db *store.DB, tc client.Client, v *valid.Validator, log *slog.Logger) *Server {
	s := &Server{db: db, temporal: tc, valid: v, log: log, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.HandleFunc("GET /api/v1/catalog", s.getCatalog)
}

// Handler returns the root handler with request IDs, access logs and panic recovery.
func (s *Server) Handler() http.Handler {
	return s.middleware(s.mux)
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
