package loadtest

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"zhucan/store"
)

// FloorWrites is the local activity of the floor: idempotent rows.
type FloorWrites struct {
	// DB is where the rows go.
	DB *store.DB
}

// Write inserts n rows (at least one) keyed by key, once each, every row
// in a transaction of its own: n of the write transactions the floor
// makes to match the purchases'.
func (f *FloorWrites) Write(ctx context.Context, key string, n int) error {
	for i := range max(n, 1) {
		k := fmt.Sprintf("%s.%d", key, i)
		if _, err := f.DB.X.ExecContext(ctx, `INSERT INTO floor_writes (key) VALUES ($1) ON CONFLICT DO NOTHING`, k); err != nil {
			return fmt.Errorf("floor write %s: %w", k, err)
		}
	}
	return nil
}

// FloorWorkflow accepts Updates named "act" until it receives "done"; each
// makes as many PostgreSQL write transactions as its argument says with a
// local activity before answering, as zhucan's handlers wait for their
// event to be written.
func FloorWorkflow(ctx workflow.Context) error {
	done, n := false, 0
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond}})
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if err := workflow.SetUpdateHandler(ctx, "act", func(ctx workflow.Context, writes int) error {
		n++
		return workflow.ExecuteLocalActivity(lctx, "Write", fmt.Sprintf("%s/%d", id, n), writes).Get(ctx, nil)
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, "done", func(ctx workflow.Context) error { done = true; return nil }); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return done }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
