// Package activities owns the side effects of purchase workflows: every
// write to PostgreSQL (purchase status, bids, scores, awards, contracts,
// milestones, payments, budget movements and the audit trail). Each write
// is keyed by a business key with a UNIQUE constraint, so a retried
// activity never duplicates a row.
package activities

import (
	"context"

	"zhucan/store"
)

// Activities holds the dependencies of every activity.
type Activities struct {
	// DB is zhucan's database.
	DB *store.DB
}

// New returns activities writing to db.
func New(db *store.DB) *Activities { return &Activities{DB: db} }

// Audit appends one entry to the audit trail, once per event key.
func (a *Activities) Audit(ctx context.Context, e store.AuditEntry) error {
	return a.DB.AppendAudit(ctx, e)
}
