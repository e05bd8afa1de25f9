package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
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
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := insertAudit(ctx, tx, e, nil)
		return err
	})
}

// auditLockKey serialises appends to the global hash chain.
const auditLockKey = 7_242_001

// insertAudit appends one entry to both hash chains (its purchase's and
// the global one) inside tx, unless its event key exists; it reports
// whether it inserted. The global chain takes a transaction-scoped
// advisory lock, so concurrent writers append one after another and the
// chain follows the ids.
func insertAudit(ctx context.Context, tx *sqlx.Tx, e AuditEntry, sealedUntil *time.Time) (bool, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
		return false, fmt.Errorf("lock the audit chain: %w", err)
	}
	var id int64
	err := tx.GetContext(ctx, &id, `WITH b AS (SELECT audit_body($1, $2, $3, $4, $5, $6::jsonb, $7, $8) AS body),
		p AS (SELECT CASE WHEN $2::bigint IS NULL
		                  THEN (SELECT hash FROM audit_log WHERE purchase_id IS NULL ORDER BY id DESC LIMIT 1)
		                  ELSE (SELECT hash FROM audit_log WHERE purchase_id = $2::bigint ORDER BY id DESC LIMIT 1) END AS h),
		g AS (SELECT (SELECT global_hash FROM audit_log ORDER BY id DESC LIMIT 1) AS h)
		INSERT INTO audit_log (event_key, purchase_id, workflow_id, actor, action, detail, at, sealed_until, prev_hash, hash, global_prev, global_hash)
		SELECT $1, $2, $3, $4, $5, $6::jsonb, $7, $8, p.h, sha256(coalesce(p.h, ''::bytea) || b.body), g.h, sha256(coalesce(g.h, ''::bytea) || b.body)
		FROM b, p, g
		ON CONFLICT (event_key) DO NOTHING RETURNING id`,
		e.EventKey, e.PurchaseID, e.WorkflowID, e.Actor, e.Action, []byte(e.Detail), e.At.UTC(), sealedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("append audit entry %s: %w", e.EventKey, err)
	}
	return true, nil
}

// LastSignatures returns the actors ("user:12") of the last two contract
// signatures of purchase pid, the earlier first: once a contract is
// signed, those of its award.
func (db *DB) LastSignatures(ctx context.Context, pid int64) ([]string, error) {
	var actors []string
	if err := db.X.SelectContext(ctx, &actors, `SELECT actor FROM (SELECT actor, id FROM audit_log
		WHERE purchase_id = $1 AND action IN ('contract.signed_by_officer', 'contract.signed_by_supplier')
		ORDER BY id DESC LIMIT 2) s ORDER BY id`, pid); err != nil {
		return nil, fmt.Errorf("read signatures of purchase %d: %w", pid, err)
	}
	return actors, nil
}

// ChainBreak names the first audit entry whose hashes do not follow.
type ChainBreak struct {
	// ID is the entry.
	ID int64
	// Chain is "purchase" or "global".
	Chain string
	// Reason says what does not match.
	Reason string
}

// Error names the entry.
func (b *ChainBreak) Error() string {
	return fmt.Sprintf("audit entry %d breaks the %s chain: %s", b.ID, b.Chain, b.Reason)
}

// VerifyAudit recomputes both hash chains over the whole audit trail and
// returns the first entry that does not follow (altered, inserted out of
// turn, or following a deleted entry) as a *ChainBreak; it returns the
// number of entries checked.
func (db *DB) VerifyAudit(ctx context.Context) (int, error) {
	rows, err := db.X.QueryxContext(ctx, `SELECT id, purchase_id, prev_hash, hash, global_prev, global_hash,
			audit_body(event_key, purchase_id, workflow_id, actor, action, detail, at, sealed_until) AS body
		FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("read audit trail: %w", err)
	}
	defer rows.Close()
	last := map[int64][]byte{} // by purchase; 0 for entries of no purchase
	var global []byte
	n := 0
	for rows.Next() {
		var r struct {
			ID         int64  `db:"id"`
			PurchaseID *int64 `db:"purchase_id"`
			PrevHash   []byte `db:"prev_hash"`
			Hash       []byte `db:"hash"`
			GlobalPrev []byte `db:"global_prev"`
			GlobalHash []byte `db:"global_hash"`
			Body       []byte `db:"body"`
		}
		if err := rows.StructScan(&r); err != nil {
			return n, fmt.Errorf("read audit entry: %w", err)
		}
		var key int64
		if r.PurchaseID != nil {
			key = *r.PurchaseID
		}
		prev := last[key]
		switch {
		case !bytes.Equal(r.PrevHash, prev):
			return n, &ChainBreak{ID: r.ID, Chain: "purchase", Reason: "its predecessor's hash differs (an entry before it was changed or removed)"}
		case !bytes.Equal(r.Hash, chainHash(prev, r.Body)):
			return n, &ChainBreak{ID: r.ID, Chain: "purchase", Reason: "its content does not match its hash (it was altered)"}
		case !bytes.Equal(r.GlobalPrev, global):
			return n, &ChainBreak{ID: r.ID, Chain: "global", Reason: "its predecessor's hash differs (an entry before it was changed or removed)"}
		case !bytes.Equal(r.GlobalHash, chainHash(global, r.Body)):
			return n, &ChainBreak{ID: r.ID, Chain: "global", Reason: "its content does not match its hash (it was altered)"}
		}
		last[key], global = r.Hash, r.GlobalHash
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read audit trail: %w", err)
	}
	return n, nil
}

func chainHash(prev, body []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return h.Sum(nil)
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
