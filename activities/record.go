package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"zhucan/event"
	"zhucan/store"
)

// ErrTypeBudgetRefused is the application error type of a reservation the
// budget line cannot cover; it is not retried.
const ErrTypeBudgetRefused = "BudgetRefused"

// ErrTypeUnknownBudget is the application error type of a missing budget line.
const ErrTypeUnknownBudget = "UnknownBudget"

// RecordName is the registered name of Record, for workflows.
const RecordName = "Record"

// RecordArgs are events of one purchase to write.
type RecordArgs struct {
	// PurchaseID is the purchase.
	PurchaseID int64 `json:"purchaseId"`
	// WorkflowID is its workflow.
	WorkflowID string `json:"workflowId"`
	// Events are applied in order, each exactly once.
	Events []event.Event `json:"events"`
}

// Record writes events to PostgreSQL in one transaction. A retry after a
// partial failure re-applies nothing that was committed: each event's
// audit key guards its effects. A budget refusal is final.
func (a *Activities) Record(ctx context.Context, args RecordArgs) error {
	err := a.DB.Apply(ctx, args.PurchaseID, args.WorkflowID, args.Events)
	var be *store.BudgetError
	if errors.As(err, &be) {
		return temporal.NewNonRetryableApplicationError(be.Error(), ErrTypeBudgetRefused, err, be.AvailableFen)
	}
	if errors.Is(err, store.ErrUnknownBudget) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeUnknownBudget, err)
	}
	return err
}
