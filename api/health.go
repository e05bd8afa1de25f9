package api

import (
	"context"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
)

// Check is one dependency's health.
type Check struct {
	// OK is true when the dependency answered.
	OK bool `json:"ok"`
	// LatencyMS is how long the check took.
	LatencyMS int64 `json:"latencyMs"`
	// Error says why it failed.
	Error string `json:"error,omitempty"`
}

// Health is the answer of GET /healthz.
type Health struct {
	// Status is "ok" when every dependency answered, else "unavailable".
	Status string `json:"status"`
	// Checks maps dependency names to their health.
	Checks map[string]Check `json:"checks"`
}

func timed(ctx context.Context, fn func(context.Context) error) Check {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	start := time.Now()
	err := fn(ctx)
	c := Check{OK: err == nil, LatencyMS: time.Since(start).Milliseconds()}
	if err != nil {
		c.Error = err.Error()
	}
	return c
}

// CheckDependencies checks PostgreSQL and Temporal.
func CheckDependencies(ctx context.Context, ping func(context.Context) error, tc client.Client) Health {
	h := Health{Status: "ok", Checks: map[string]Check{
		"postgres": timed(ctx, ping),
		"temporal": timed(ctx, func(ctx context.Context) error {
			_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}),
	}}
	for _, c := range h.Checks {
		if !c.OK {
			h.Status = "unavailable"
		}
	}
	return h
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	h := CheckDependencies(r.Context(), s.db.Ping, s.temporal)
	status := http.StatusOK
	if h.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	s.writeJSON(w, status, h)
}
