package loadtest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

// stages collects the Temporal SDK's timers (a client.MetricsHandler), so
// that the report can say where an action's time goes: in the worker's
// PostgreSQL write, in the engine before the worker gets a workflow task,
// or in the worker's handling of the task.
type stages struct {
	mu     *sync.Mutex
	timers map[string][]time.Duration
}

func newStages() *stages {
	return &stages{mu: &sync.Mutex{}, timers: map[string][]time.Duration{}}
}

// take returns what was recorded since the last take and starts afresh.
func (s *stages) take() map[string][]time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.timers
	s.timers = map[string][]time.Duration{}
	return t
}

func (s *stages) WithTags(map[string]string) client.MetricsHandler { return s }
func (s *stages) Counter(string) client.MetricsCounter             { return counterFunc(func(int64) {}) }
func (s *stages) Gauge(string) client.MetricsGauge                 { return gaugeFunc(func(float64) {}) }
func (s *stages) Timer(name string) client.MetricsTimer {
	return timerFunc(func(d time.Duration) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.timers[name] = append(s.timers[name], d)
	})
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

// stageNames are the SDK timers the report shows, with what they measure.
var stageNames = []struct{ metric, label string }{
	{"temporal_local_activity_execution_latency", "PostgreSQL write (local activity)"},
	{"temporal_workflow_task_schedule_to_start_latency", "workflow task waiting in the engine"},
	{"temporal_workflow_task_execution_latency", "workflow task in the worker"},
	{spanBefore, "action sent → worker starts the Update"},
	{spanAPIBefore, "  of which before the Temporal client"},
	{spanHandler, "Update handler, its write included"},
	{spanAfter, "handler done → answer received"},
	{spanAPIAfter, "  of which after the Temporal client"},
}

// reportStages writes the stages of the purchases and of the floor side by side.
func reportStages(sb *strings.Builder, purchases, floor map[string][]time.Duration) {
	fmt.Fprintf(sb, "\n%-38s %21s %21s\n", "where the time goes (p50 / p90)", "purchases", "floor")
	cell := func(ds []time.Duration) string {
		if len(ds) == 0 {
			return "-"
		}
		return fmt.Sprintf("%s / %s", pct(ds, .5).Round(100*time.Microsecond), pct(ds, .9).Round(100*time.Microsecond))
	}
	for _, n := range stageNames {
		fmt.Fprintf(sb, "%-38s %21s %21s\n", n.label, cell(purchases[n.metric]), cell(floor[n.metric]))
	}
	fmt.Fprintln(sb)
}
