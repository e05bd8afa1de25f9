package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockChain(ctx, tx, e.PurchaseID); err != nil {
			return err
		}
		_, err := insertAudit(ctx, ptx{tx: tx, db: db}, e, nil)
		return err
	})
	if err == nil {
		db.wakeSealer()
	}
	return err
}

// lockChain takes the transaction-scoped lock of purchase pid's chain (0:
// the chain of entries of no purchase), the lock Apply takes for all of a
// purchase's writes. Appends to one chain follow each other; appends to
// different chains do not wait for each other.
func lockChain(ctx context.Context, tx *sqlx.Tx, pid *int64) error {
	var key int64
	if pid != nil {
		key = *pid
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2::text))`, applyLockSpace, key); err != nil {
		return fmt.Errorf("lock the audit chain of purchase %d: %w", key, err)
	}
	return nil
}

// insertAudit appends one entry to its purchase's hash chain inside tx,
// unless its event key exists, and queues it for the global chain (see
// SealAudit); it reports whether it inserted. The caller holds the
// purchase's chain lock (lockChain), so the chain follows the ids.
func insertAudit(ctx context.Context, tx ptx, e AuditEntry, sealedUntil *time.Time) (bool, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `WITH b AS (SELECT audit_body($1, $2, $3, $4, $5, $6::jsonb, $7, $8) AS body),
		p AS (SELECT CASE WHEN $2::bigint IS NULL
		                  THEN (SELECT hash FROM audit_log WHERE purchase_id IS NULL ORDER BY id DESC LIMIT 1)
		                  ELSE (SELECT hash FROM audit_log WHERE purchase_id = $2::bigint ORDER BY id DESC LIMIT 1) END AS h),
		ins AS (INSERT INTO audit_log (event_key, purchase_id, workflow_id, actor, action, detail, at, sealed_until, prev_hash, hash)
			SELECT $1, $2, $3, $4, $5, $6::jsonb, $7, $8, p.h, sha256(coalesce(p.h, ''::bytea) || b.body)
			FROM b, p
			ON CONFLICT (event_key) DO NOTHING RETURNING id),
		q AS (INSERT INTO audit_unsealed (entry_id) SELECT id FROM ins)
		SELECT id FROM ins`,
		e.EventKey, e.PurchaseID, e.WorkflowID, e.Actor, e.Action, jsonText(e.Detail), e.At.UTC(), sealedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("append audit entry %s: %w", e.EventKey, err)
	}
	return true, nil
}

// sealBatch is how many entries one sealing transaction links at most.
const sealBatch = 500

// SealAudit links the committed audit entries not yet in the global hash
// chain onto its end, in id order, and returns how many it linked. With
// wait false it returns at once when another sealer is at work (that one
// links them); with wait true it waits its turn, so that everything
// committed before the call is sealed when it returns.
//
// Writers do not take the global chain's lock (advisory lock 7242001,
// taken by audit_seal in migration 00008): they queue their entries
// (audit_unsealed) and the sealer links them in batches, so purchases'
// writes never wait for each other's commits.
func (db *DB) SealAudit(ctx context.Context, wait bool) (int, error) {
	return db.inBatches(ctx, "seal the audit trail's global chain", `SELECT audit_seal($1, $2)`, sealBatch, wait)
}

// sealGap is the least time between two seals woken by writes. A seal
// costs PostgreSQL about the same for one entry as for a hundred (its
// lock, the chain's head, a commit): sealing after every write, at forty
// actions a second, was the largest share of PostgreSQL's time under
// load. Entries still join the global chain within a quarter second.
const sealGap = 250 * time.Millisecond

// RunAuditSealer seals the global chain until ctx ends: soon after the
// writes of this process (Apply wakes it; writes that come together are
// sealed together, sealGap apart) and every interval for the writes of
// other processes. Several processes may run one; they take turns.
func (db *DB) RunAuditSealer(ctx context.Context, interval time.Duration, log *slog.Logger) {
	repeat(ctx, interval, db.unsealed, min(sealGap, interval), log, "sealing the audit trail", func(ctx context.Context) (int, error) {
		return db.SealAudit(ctx, false)
	})
}

// wakeSealer tells this process's sealer that entries wait; it never blocks.
func (db *DB) wakeSealer() {
	select {
	case db.unsealed <- struct{}{}:
	default:
	}
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

// VerifyAudit seals what waits for the global chain (SealAudit), then
// recomputes both hash chains over the whole audit trail and returns the
// first entry that does not follow (altered, inserted out of turn,
// following a deleted entry, missing from the global chain) as a
// *ChainBreak; it returns the number of entries checked. Each purchase's
// chain is checked first, in id order, then the global chain in its own
// order.
func (db *DB) VerifyAudit(ctx context.Context) (int, error) {
	if _, err := db.SealAudit(ctx, true); err != nil {
		return 0, err
	}
	n, err := db.verifyPurchaseChains(ctx)
	if err != nil {
		return n, err
	}
	if err := db.verifyGlobalChain(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// verifyPurchaseChains checks every purchase's chain (and the chain of
// entries of no purchase) in id order.
func (db *DB) verifyPurchaseChains(ctx context.Context) (int, error) {
	rows, err := db.X.QueryxContext(ctx, `SELECT id, purchase_id, prev_hash, hash,
			audit_body(event_key, purchase_id, workflow_id, actor, action, detail, at, sealed_until) AS body
		FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("read audit trail: %w", err)
	}
	defer rows.Close()
	last := map[int64][]byte{} // by purchase; 0 for entries of no purchase
	n := 0
	for rows.Next() {
		var r struct {
			ID         int64  `db:"id"`
			PurchaseID *int64 `db:"purchase_id"`
			PrevHash   []byte `db:"prev_hash"`
			Hash       []byte `db:"hash"`
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
		}
		last[key] = r.Hash
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read audit trail: %w", err)
	}
	return n, nil
}

// verifyGlobalChain checks the global chain in its order and that every
// entry is in it.
func (db *DB) verifyGlobalChain(ctx context.Context) error {
	rows, err := db.X.QueryxContext(ctx, `SELECT s.seq, s.entry_id, s.prev, s.hash,
			audit_body(a.event_key, a.purchase_id, a.workflow_id, a.actor, a.action, a.detail, a.at, a.sealed_until) AS body
		FROM audit_seals s LEFT JOIN audit_log a ON a.id = s.entry_id ORDER BY s.seq`)
	if err != nil {
		return fmt.Errorf("read the global chain: %w", err)
	}
	defer rows.Close()
	var global []byte
	var seq int64
	for rows.Next() {
		var r struct {
			Seq     int64  `db:"seq"`
			EntryID int64  `db:"entry_id"`
			Prev    []byte `db:"prev"`
			Hash    []byte `db:"hash"`
			Body    []byte `db:"body"`
		}
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("read the global chain: %w", err)
		}
		seq++
		switch {
		case r.Seq != seq:
			return &ChainBreak{ID: r.EntryID, Chain: "global", Reason: fmt.Sprintf("it is link %d where %d should be (a link was removed)", r.Seq, seq)}
		case r.Body == nil:
			return &ChainBreak{ID: r.EntryID, Chain: "global", Reason: "the entry was removed"}
		case !bytes.Equal(r.Prev, global):
			return &ChainBreak{ID: r.EntryID, Chain: "global", Reason: "its predecessor's hash differs (an entry before it was changed or removed)"}
		case !bytes.Equal(r.Hash, chainHash(global, r.Body)):
			return &ChainBreak{ID: r.EntryID, Chain: "global", Reason: "its content does not match its hash (it was altered)"}
		}
		global = r.Hash
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the global chain: %w", err)
	}
	var missing int64
	err = db.X.GetContext(ctx, &missing, `SELECT a.id FROM audit_log a
		WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = a.id)
		  AND NOT EXISTS (SELECT 1 FROM audit_unsealed u WHERE u.entry_id = a.id) -- committed since the seal above
		ORDER BY a.id LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for entries outside the global chain: %w", err)
	}
	return &ChainBreak{ID: missing, Chain: "global", Reason: "it is not in the global chain (it was inserted behind the writers' backs)"}
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
