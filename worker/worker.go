// Package worker owns the Temporal worker process: it registers the
// purchase workflows and activities on the task queue and reports its
// health.
package worker

import (
	"context"
	"fmt"

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

// Run runs a worker until ctx ends, then stops it gracefully.
func Run(ctx context.Context, c client.Client, taskQueue string, acts *activities.Activities) error {
	w := New(c, taskQueue, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on task queue %s: %w", taskQueue, err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
