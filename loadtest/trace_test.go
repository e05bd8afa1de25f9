package loadtest

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// updateTrace follows each Update from the client's call to the worker
// and back, so that the report can say how much of an action's time is
// spent before the worker starts the Update (the API's own work and the
// engine's dispatch), in the Update's handler (its PostgreSQL write among
// it) and after (the engine's completion and the answer's way back).
type updateTrace struct {
	mu *sync.Mutex
	// sent and answered are the client's times, by Update ID.
	sent, answered map[string]time.Time
	// called and returned are when the Temporal client (the API's, for
	// an action) sent the Update to the engine and had its outcome.
	called, returned map[string]time.Time
	// began and ended are the worker's times, by Update ID.
	began, ended map[string]time.Time
}

func newUpdateTrace() *updateTrace {
	return &updateTrace{mu: &sync.Mutex{}, sent: map[string]time.Time{}, answered: map[string]time.Time{},
		called: map[string]time.Time{}, returned: map[string]time.Time{}, began: map[string]time.Time{}, ended: map[string]time.Time{}}
}

func (t *updateTrace) mark(m map[string]time.Time, id string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := m[id]; !ok {
		m[id] = at
	}
}

// Names of the spans in the report's stage table.
const (
	spanBefore  = "update: client to worker"
	spanHandler = "update: in the handler"
	spanAfter   = "update: handler to client"
	// The parts of spanBefore and spanAfter outside the engine: from the
	// request to the Temporal client's call, from its outcome to the answer.
	spanAPIBefore = "update: client to Temporal client"
	spanAPIAfter  = "update: Temporal client to client"
)

// spans returns the three spans of every Update whose ID starts with
// prefix, by name, and forgets those Updates; only those sent from from
// to to count, unless both are zero.
func (t *updateTrace) spans(prefix string, from, to time.Time) map[string][]time.Duration {
	var before, handler, after, apiBefore, apiAfter []time.Duration
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, s := range t.sent {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		inside := (from.IsZero() && to.IsZero()) || (!s.Before(from) && !s.After(to))
		a, b, e := t.answered[id], t.began[id], t.ended[id]
		if inside && !a.IsZero() && !b.IsZero() && !e.IsZero() {
			before, handler, after = append(before, b.Sub(s)), append(handler, e.Sub(b)), append(after, a.Sub(e))
			if c, r := t.called[id], t.returned[id]; !c.IsZero() && !r.IsZero() {
				apiBefore, apiAfter = append(apiBefore, c.Sub(s)), append(apiAfter, a.Sub(r))
			}
		}
		delete(t.sent, id)
		delete(t.answered, id)
		delete(t.began, id)
		delete(t.ended, id)
		delete(t.called, id)
		delete(t.returned, id)
	}
	return map[string][]time.Duration{spanBefore: before, spanHandler: handler, spanAfter: after,
		spanAPIBefore: apiBefore, spanAPIAfter: apiAfter}
}

// tracer is the worker interceptor that records when each Update's
// validator starts and its handler ends (not when a handler replays).
type tracer struct {
	interceptor.WorkerInterceptorBase
	t *updateTrace
}

func (w *tracer) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &tracedWorkflow{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, t: w.t}
}

type tracedWorkflow struct {
	interceptor.WorkflowInboundInterceptorBase
	t *updateTrace
}

// The wall clock is read on purpose: these times measure the worker, they
// do not steer the workflow.

func (w *tracedWorkflow) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	if !workflow.IsReplaying(ctx) {
		w.t.mark(w.t.began, workflow.GetCurrentUpdateInfo(ctx).ID, time.Now())
	}
	return w.Next.ValidateUpdate(ctx, in)
}

func (w *tracedWorkflow) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	if !workflow.IsReplaying(ctx) {
		// An Update without a validator starts here.
		w.t.mark(w.t.began, workflow.GetCurrentUpdateInfo(ctx).ID, time.Now())
	}
	r, err := w.Next.ExecuteUpdate(ctx, in)
	if !workflow.IsReplaying(ctx) {
		w.t.mark(w.t.ended, workflow.GetCurrentUpdateInfo(ctx).ID, time.Now())
	}
	return r, err
}

// clientTracer is the client interceptor that records when the Temporal
// client sends each Update and has its outcome.
type clientTracer struct {
	interceptor.ClientInterceptorBase
	t *updateTrace
}

func (c *clientTracer) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &tracedClient{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, t: c.t}
}

type tracedClient struct {
	interceptor.ClientOutboundInterceptorBase
	t *updateTrace
}

func (c *tracedClient) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	c.t.mark(c.t.called, in.UpdateID, time.Now())
	h, err := c.Next.UpdateWorkflow(ctx, in)
	c.t.mark(c.t.returned, in.UpdateID, time.Now())
	return h, err
}
