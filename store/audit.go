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
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
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
		return insertAudit(ctx, ptx{tx: tx, db: db}, e, nil)
	})
	if errors.Is(err, errEntryExists) {
		return nil
	}
	if err == nil {
		db.wakeSealer()
	}
	return err
}

// errEntryExists says that an entry's event key is in the audit trail:
// the event was applied before. The statement that found it failed, and
// its transaction with it.
var errEntryExists = errors.New("the audit trail has the entry already")

// auditAppend is the statement that appends an entry to its purchase's
// chain and queues it for the global chain (see SealAudit), with ctes —
// other changes made in the same statement — ahead of it. Its parameters
// follow the first n (those of ctes): the entry's event key, purchase,
// workflow, actor, action, detail, time and sealing. It returns the
// entry's id, and fails with SQLSTATE ZA001 when the event key is there.
//
// The chain's head (audit_chain_heads, migration 00011) is moved on under
// its row lock, which the statement waits for and then reads the latest
// committed head under: appends to one chain follow each other in id
// order without a lock taken ahead; appends to different chains do not
// wait for each other.
func auditAppend(n int, ctes []string) string {
	r := strings.NewReplacer("$1", fmt.Sprintf("$%d", n+1), "$2", fmt.Sprintf("$%d", n+2), "$3", fmt.Sprintf("$%d", n+3),
		"$4", fmt.Sprintf("$%d", n+4), "$5", fmt.Sprintf("$%d", n+5), "$6", fmt.Sprintf("$%d", n+6), "$7", fmt.Sprintf("$%d", n+7),
		"$8", fmt.Sprintf("$%d", n+8))
	with := ""
	for _, c := range ctes {
		with += c + ",\n"
	}
	return "WITH " + with + r.Replace(`b AS (SELECT audit_body($1, $2, $3, $4, $5, $6::jsonb, $7, $8) AS body),
		head AS (INSERT INTO audit_chain_heads AS h (chain, prev, hash)
			SELECT coalesce($2::bigint, 0), NULL, sha256(b.body) FROM b
			ON CONFLICT (chain) DO UPDATE SET prev = h.hash, hash = sha256(h.hash || (SELECT body FROM b))
			RETURNING prev, hash),
		ins AS (INSERT INTO audit_log (event_key, purchase_id, workflow_id, actor, action, detail, at, sealed_until, prev_hash, hash)
			SELECT $1, $2, $3, $4, $5, $6::jsonb, $7, $8, head.prev, head.hash FROM head
			ON CONFLICT (event_key) DO NOTHING RETURNING id),
		q AS (INSERT INTO audit_unsealed (entry_id) SELECT id FROM ins)
		SELECT audit_appended((SELECT id FROM ins))`)
}

// auditArgs are the parameters of e's append (auditAppend).
func auditArgs(e AuditEntry, sealedUntil *time.Time) []any {
	return []any{e.EventKey, e.PurchaseID, e.WorkflowID, e.Actor, e.Action, jsonText(e.Detail), e.At.UTC(), sealedUntil}
}

// isEntryExists reports whether err is auditAppend's failure for an event
// key that is there.
func isEntryExists(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "ZA001"
}

// insertAudit appends one entry to its purchase's hash chain inside tx
// (auditAppend). An entry whose event key exists is errEntryExists, and
// tx can then only be rolled back.
func insertAudit(ctx context.Context, tx ptx, e AuditEntry, sealedUntil *time.Time) error {
	var id int64
	err := tx.GetContext(ctx, &id, auditAppend(0, nil), auditArgs(e, sealedUntil)...)
	if isEntryExists(err) {
		return errEntryExists
	}
	if err != nil {
		return fmt.Errorf("append audit entry %s: %w", e.EventKey, err)
	}
	return nil
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
