package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one line of the append-only audit trail.
type AuditEntry struct {
	// ID is assigned by the database.
	ID int64 `db:"id" json:"id"`
	// EventKey is unique per event, so that a retried write is recorded once.
	EventKey string `db:"event_key" json:"eventKey"`
	// PurchaseID is the purchase concerned, if any.
	PurchaseID *int64 `db:"purchase_id" json:"purchaseId,omitempty"`
	// WorkflowID is the workflow that acted, if any.
	WorkflowID string `db:"workflow_id" json:"workflowId,omitempty"`
	// Actor says who acted: "user:12", "system".
	Actor string `db:"actor" json:"actor"`
	// Action names what happened, e.g. "bid.submitted".
	Action string `db:"action" json:"action"`
	// Detail holds the event's data.
	Detail json.RawMessage `db:"detail" json:"detail"`
	// At is when it happened (UTC).
	At time.Time `db:"at" json:"at"`
}

// AppendAudit records e unless an entry with the same event key exists.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) error {
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage(`{}`)
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := db.X.ExecContext(ctx, `INSERT INTO audit_log (event_key, purchase_id, workflow_id, actor, action, detail, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_key) DO NOTHING`,
		e.EventKey, e.PurchaseID, e.WorkflowID, e.Actor, e.Action, []byte(e.Detail), e.At.UTC())
	if err != nil {
		return fmt.Errorf("append audit entry %s: %w", e.EventKey, err)
	}
	return nil
}

// AuditTrail lists the audit entries of one purchase in order.
func (db *DB) AuditTrail(ctx context.Context, purchaseID int64) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := db.X.SelectContext(ctx, &out, `SELECT id, event_key, purchase_id, workflow_id, actor, action, detail, at
		FROM audit_log WHERE purchase_id = $1 ORDER BY id`, purchaseID); err != nil {
		return nil, fmt.Errorf("read audit trail of purchase %d: %w", purchaseID, err)
	}
	return out, nil
}
