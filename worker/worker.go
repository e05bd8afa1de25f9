// Package worker owns the Temporal worker process: it registers the
// purchase workflows and activities on the task queue and reports its
// health; beside it runs the sealer of the audit trail's global chain.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"zhucan/activities"
	"zhucan/workflows"
)

// New builds a worker for taskQueue that runs zhucan's workflows and activities.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	w.RegisterWorkflow(workflows.PurchaseWorkflow)
	w.RegisterWorkflow(workflows.DeliveryWorkflow)
	w.RegisterActivity(acts)
	return w
}

// SealInterval is how often a worker seals the audit trail's global chain
// for writes of other processes; its own writes wake the sealer at once.
const SealInterval = time.Second

// FiguresInterval is how often a worker recomputes the figures of the
// purchases changed since (store.RunFiguresCatchUp); a read of the
// figures recomputes what is left first.
const FiguresInterval = 500 * time.Millisecond

// Run runs a worker, and beside it the audit trail's sealer and the
// figures' catch-up, until ctx ends, then stops it gracefully.
func Run(ctx context.Context, c client.Client, taskQueue string, acts *activities.Activities, log *slog.Logger) error {
	w := New(c, taskQueue, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on task queue %s: %w", taskQueue, err)
	}
	sealed, counted := make(chan struct{}), make(chan struct{})
	go func() { defer close(sealed); acts.DB.RunAuditSealer(ctx, SealInterval, log) }()
	go func() { defer close(counted); acts.DB.RunFiguresCatchUp(ctx, FiguresInterval, log) }()
	<-ctx.Done()
	w.Stop()
	<-sealed
	<-counted
	return nil
}
