package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhucan/event"
)

// BudgetError refuses a reservation that the budget line cannot cover.
type BudgetError struct {
	// BudgetID is the line.
	BudgetID int64
	// AvailableFen is what the line has left.
	AvailableFen int64
	// WantFen is what was asked for.
	WantFen int64
}

// Error says what was refused.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("budget line %d has %d fen available, %d fen needed", e.BudgetID, e.AvailableFen, e.WantFen)
}

// ErrUnknownBudget is returned when a purchase names a budget line that does not exist.
var ErrUnknownBudget = errors.New("budget line does not exist")

// Apply writes events of one purchase in one transaction, in order. Each
// event is applied exactly once: its audit entry's unique key guards its
// effects, so applying the same events again changes nothing. A single
// event that changes one table is written in one statement instead
// (applyAtOnce), under the same guard.
//
// The audit entries are appended to the purchase's hash chain after every
// other effect and queued for the global chain, which the sealer extends
// after the commit (SealAudit); the budget lines, shared by many
// purchases, are moved last, so their rows stay locked only until the
// commit that follows.
func (db *DB) Apply(ctx context.Context, purchaseID int64, workflowID string, events []event.Event) error {
	if len(events) == 1 && db.applyAtOnce(ctx, purchaseID, workflowID, events[0]) {
		db.wakeSealer()
		return nil
	}
	for attempt := 1; ; attempt++ {
		err := db.InTx(ctx, func(tx *sqlx.Tx) error {
			t := ptx{tx: tx, db: db}
			// Attempts for one purchase (a retry while the first still
			// runs) wait for each other, so that the second finds the
			// first's entries; other purchases are not held up.
			seen, contract, err := lockAndFind(ctx, t, purchaseID, events)
			if err != nil {
				return err
			}
			if contract != 0 {
				db.contracts.Store(purchaseID, contract)
			}
			st := &applyState{pid: purchaseID, contract: contract}
			var entries []sealedEntry
			for _, e := range events {
				if seen[e.Key] {
					continue // applied before: a retry
				}
				a, err := applyOne(ctx, t, st, workflowID, e)
				if err != nil {
					return fmt.Errorf("apply %s (%s): %w", e.Action, e.Key, err)
				}
				entries = append(entries, a)
			}
			for _, a := range entries {
				if err := insertAudit(ctx, t, a.entry, a.sealedUntil); errors.Is(err, errEntryExists) {
					return errAppliedMeanwhile
				} else if err != nil {
					return err
				}
			}
			// The budget lines last of all: many purchases share a line,
			// and its row stays locked until the commit.
			for _, a := range entries {
				if a.budget == nil {
					continue
				}
				if err := moveBudget(ctx, t, purchaseID, a.entry.EventKey, a.budget); err != nil {
					return fmt.Errorf("apply %s (%s): %w", a.entry.Action, a.entry.EventKey, err)
				}
			}
			return nil
		})
		if err == nil {
			db.wakeSealer()
		}
		// A retry of the same events committed while this one ran: undo
		// this attempt and apply again, skipping what is there now.
		if !errors.Is(err, errAppliedMeanwhile) || attempt == 3 {
			return err
		}
	}
}

// applyLockSpace is the first key of the per-purchase advisory locks
// (pg_advisory_xact_lock(int, int)), a space apart from the audit chain's
// single-key lock.
const applyLockSpace = 7_242_002

// errAppliedMeanwhile says a concurrent attempt applied one of the events.
var errAppliedMeanwhile = errors.New("the event was applied by a concurrent attempt")

// sealedEntry is an audit entry waiting to be appended, with its seal.
type sealedEntry struct {
	entry       AuditEntry
	sealedUntil *time.Time
	budget      *event.Budget
}

// applyAtOnce applies e in one statement, without a transaction of its
// own, when it can, and reports whether it did: the most frequent actions
// (a bid, a panel member's scores, a signature, an inspection) change one
// table besides the audit trail, and a transaction of five round trips
// (BEGIN, the purchase's lock, the change, the audit entry, COMMIT)
// becomes one. The change is the statement's first part and the append
// (auditAppend) the rest, so that both are committed or neither is.
//
// It declines — and Apply takes its transaction — for an event that reads
// (a new purchase, a contract not yet known here), moves a budget line,
// or makes more than one change: parts of one statement do not see each
// other's changes. It fails — and Apply takes its transaction too, which
// finds the entry and applies nothing twice — when the event key is there
// (a retry), or on any other error, which that transaction meets again
// and reports.
func (db *DB) applyAtOnce(ctx context.Context, pid int64, wfID string, e event.Event) bool {
	if e.Budget != nil || e.Planned != nil {
		return false
	}
	st := &applyState{pid: pid}
	if c, ok := db.contracts.Load(pid); ok {
		st.contract = c.(int64)
	}
	capture := &captured{}
	a, err := applyOne(ctx, ptx{db: db, capture: capture}, st, wfID, e)
	if err != nil || len(capture.changes) > 1 {
		return false
	}
	var ctes []string
	var args []any
	if len(capture.changes) == 1 {
		c := capture.changes[0]
		for i, part := range c.parts {
			if strings.HasPrefix(strings.TrimSpace(part), "WITH") {
				return false // a WITH may not nest a change
			}
			ctes = append(ctes, fmt.Sprintf("change%d AS (%s)", i, part))
		}
		args = c.args
	}
	q, err := db.prepared(ctx, db.X, auditAppend(len(args), ctes))
	if err != nil {
		return false
	}
	var id int64
	return q.GetContext(ctx, &id, append(args, auditArgs(a.entry, a.sealedUntil)...)...) == nil
}

// captured holds the changes of an event that applyAtOnce gathers instead
// of running them: each the parts of one statement with their parameters.
type captured struct {
	changes []change
}

// change is one statement: its parts (see ExecParts) and parameters.
type change struct {
	parts []string
	args  []any
}

// errNeedsTransaction stops applyAtOnce's gathering at a read.
var errNeedsTransaction = errors.New("the event reads: it is applied in a transaction")

// ptx is a transaction whose statements are prepared once per connection
// (see DB.prepared): the writes of actions run the same few texts over
// and over. With capture, it runs nothing: it gathers the changes for
// applyAtOnce, and refuses reads.
type ptx struct {
	tx      *sqlx.Tx
	db      *DB
	capture *captured
}

// capturedResult is the result of a gathered change: none yet.
type capturedResult struct{}

func (capturedResult) LastInsertId() (int64, error) { return 0, errNeedsTransaction }
func (capturedResult) RowsAffected() (int64, error) { return 0, errNeedsTransaction }

// ExecContext runs q, prepared, in the transaction.
func (t ptx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.capture != nil {
		t.capture.changes = append(t.capture.changes, change{parts: []string{q}, args: args})
		return capturedResult{}, nil
	}
	st, err := t.db.preparedIn(ctx, t.tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// ExecParts runs parts, changes of different tables that do not read each
// other's, as one statement with args: each part but the last a
// data-modifying CTE. applyAtOnce takes them as parts of its own.
func (t ptx) ExecParts(ctx context.Context, args []any, parts ...string) error {
	if t.capture != nil {
		t.capture.changes = append(t.capture.changes, change{parts: parts, args: args})
		return nil
	}
	q := ""
	for i, part := range parts[:len(parts)-1] {
		q += fmt.Sprintf("part%d AS (%s),\n", i, part)
	}
	if q != "" {
		q = "WITH " + strings.TrimSuffix(q, ",\n") + "\n"
	}
	_, err := t.ExecContext(ctx, q+parts[len(parts)-1], args...)
	return err
}

// GetContext runs q, prepared, in the transaction and scans its one row
// into dest.
func (t ptx) GetContext(ctx context.Context, dest any, q string, args ...any) error {
	if t.capture != nil {
		return errNeedsTransaction
	}
	st, err := t.db.preparedIn(ctx, t.tx, q)
	if err != nil {
		return err
	}
	return st.GetContext(ctx, dest, args...)
}

// applyState is what one attempt of Apply knows of its purchase.
type applyState struct {
	pid int64
	// contract is the purchase's contract; 0 until known.
	contract int64
}

// contractID returns the purchase's contract, reading it the first time
// it is needed: it may have been written by this very transaction.
func (st *applyState) contractID(ctx context.Context, tx ptx) (int64, error) {
	if st.contract == 0 {
		if err := tx.GetContext(ctx, &st.contract, `SELECT id FROM contracts WHERE purchase_id = $1`, st.pid); err != nil {
			return 0, fmt.Errorf("find the contract of purchase %d: %w", st.pid, err)
		}
	}
	return st.contract, nil
}

// lockAndFind takes purchase pid's lock and returns the
// keys of those events that are already in the audit trail, and the
// purchase's contract if it has one (0 if not), in one round trip. Its
// snapshot may predate the lock: an attempt that committed while this one
// waited is then found when the audit entries are appended
// (errAppliedMeanwhile), and this attempt is rolled back and made again.
// The contract is written once and never changes, so a contract this
// snapshot has is the purchase's; one it lacks is read when needed.
func lockAndFind(ctx context.Context, tx ptx, pid int64, events []event.Event) (map[string]bool, int64, error) {
	keys := make([]string, len(events))
	for i, e := range events {
		keys[i] = e.Key
	}
	var row struct {
		Locked   string         `db:"locked"`
		Seen     pq.StringArray `db:"seen"`
		Contract *int64         `db:"contract"`
	}
	// The target list is evaluated in order: the lock, then the lookups.
	if err := tx.GetContext(ctx, &row, `SELECT pg_advisory_xact_lock($1, hashtext($2::text))::text AS locked,
			array(SELECT event_key FROM audit_log WHERE event_key = ANY($3)) AS seen,
			(SELECT id FROM contracts WHERE purchase_id = $2::bigint) AS contract`,
		applyLockSpace, pid, pq.Array(keys)); err != nil {
		return nil, 0, fmt.Errorf("lock purchase %d and look up its audit entries: %w", pid, err)
	}
	seen := make(map[string]bool, len(row.Seen))
	for _, k := range row.Seen {
		seen[k] = true
	}
	var contract int64
	if row.Contract != nil {
		contract = *row.Contract
	}
	return seen, contract, nil
}

// applyOne applies e's effects in tx and returns its audit entry to append.
func applyOne(ctx context.Context, tx ptx, st *applyState, wfID string, e event.Event) (sealedEntry, error) {
	pid := st.pid
	detail, err := json.Marshal(auditDetail(e))
	if err != nil {
		return sealedEntry{}, fmt.Errorf("encode audit detail: %w", err)
	}
	a := sealedEntry{entry: AuditEntry{EventKey: e.Key, PurchaseID: &pid, WorkflowID: wfID, Actor: e.Actor,
		Action: e.Action, Detail: detail, At: e.At}, sealedUntil: e.SealedUntil, budget: e.Budget}
	return a, applyEffects(ctx, tx, st, wfID, e)
}

// applyEffects writes what e changes besides the audit trail and the
// budget lines.
func applyEffects(ctx context.Context, tx ptx, st *applyState, wfID string, e event.Event) error {
	pid := st.pid
	if e.Planned != nil {
		if err := insertPurchase(ctx, tx, pid, wfID, e.Planned); err != nil {
			return err
		}
	}
	if e.Status != nil {
		// A zero deadline (the delivery phase) keeps the one recorded.
		var deadline *time.Time
		if !e.Status.BidDeadline.IsZero() {
			d := e.Status.BidDeadline.UTC()
			deadline = &d
		}
		if _, err := tx.ExecContext(ctx, `UPDATE purchases SET status = $2, round = $3, method = $4,
				bid_deadline = COALESCE($5, bid_deadline), updated_at = $6 WHERE id = $1`,
			pid, e.Status.Status, e.Status.Round, e.Status.Method, deadline, e.At.UTC()); err != nil {
			return fmt.Errorf("update purchase status: %w", err)
		}
	}
	if e.Member != nil {
		if err := applyMember(ctx, tx, pid, e); err != nil {
			return err
		}
	}
	if e.Opened != nil {
		for _, b := range e.Opened.Bids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO bids (purchase_id, round, supplier_id, price_fen, proposal, status, abnormally_low, submitted_at)
				VALUES ($1, $2, $3, $4, $5, 'valid', $6, $7) ON CONFLICT (purchase_id, round, supplier_id) DO NOTHING`,
				pid, e.Opened.Round, b.SupplierID, b.PriceFen, b.Proposal, b.AbnormallyLow, b.SubmittedAt.UTC()); err != nil {
				return fmt.Errorf("insert bid of supplier %d: %w", b.SupplierID, err)
			}
		}
	}
	if e.LowPrice != nil {
		status := "valid"
		if !e.LowPrice.Accepted {
			status = "rejected"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = $4, low_price_decision = $5
			WHERE purchase_id = $1 AND round = $2 AND supplier_id = $3`,
			pid, e.LowPrice.Round, e.LowPrice.SupplierID, status, e.Note); err != nil {
			return fmt.Errorf("record low-price decision: %w", err)
		}
	}
	if c := e.ClearScores; c != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM bid_scores s USING bids b
			WHERE s.bid_id = b.id AND b.purchase_id = $1 AND b.round = $2
			  AND ($3 = 0 OR s.evaluator_id = $3) AND ($4 = 0 OR b.supplier_id = $4)`,
			pid, c.Round, c.EvaluatorID, c.SupplierID); err != nil {
			return fmt.Errorf("void scores: %w", err)
		}
		if c.EvaluatorID == 0 && c.SupplierID == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE bids SET technical_centi = NULL, price_score_centi = NULL, total_centi = NULL, rank = NULL
				WHERE purchase_id = $1 AND round = $2`, pid, c.Round); err != nil {
				return fmt.Errorf("void ranking: %w", err)
			}
		}
	}
	if e.Scores != nil && len(e.Scores.Technical) > 0 {
		// One statement for all the bids an evaluator scored. A bid named
		// twice keeps its last score, as one statement per score did.
		last := map[int64]int64{}
		var suppliers []int64
		for _, s := range e.Scores.Technical {
			if _, ok := last[s.SupplierID]; !ok {
				suppliers = append(suppliers, s.SupplierID)
			}
			last[s.SupplierID] = s.Centi
		}
		centis := make([]int64, len(suppliers))
		for i, sid := range suppliers {
			centis[i] = last[sid]
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bid_scores (bid_id, evaluator_id, technical_centi, scored_at)
				SELECT b.id, $4, s.centi, $6 FROM unnest($3::bigint[], $5::bigint[]) AS s (supplier_id, centi)
				JOIN bids b ON b.purchase_id = $1 AND b.round = $2 AND b.supplier_id = s.supplier_id
			ON CONFLICT (bid_id, evaluator_id) DO UPDATE SET technical_centi = EXCLUDED.technical_centi, scored_at = EXCLUDED.scored_at`,
			pid, e.Scores.Round, pq.Array(suppliers), e.Scores.EvaluatorID, pq.Array(centis), e.At.UTC()); err != nil {
			return fmt.Errorf("record the scores of evaluator %d: %w", e.Scores.EvaluatorID, err)
		}
	}
	if e.Award != nil {
		if err := applyAward(ctx, tx, pid, e); err != nil {
			return err
		}
	}
	if e.AwardStatus != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET status = $4 WHERE purchase_id = $1 AND round = $2
			AND supplier_id = $3 AND status = 'notified'`, pid, e.AwardStatus.Round, e.AwardStatus.SupplierID, e.AwardStatus.Status); err != nil {
			return fmt.Errorf("update award status: %w", err)
		}
	}
	if g := e.Signature; g != nil {
		col := "officer_signed_at"
		if g.Party == "supplier" {
			col = "supplier_signed_at"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE awards SET `+col+` = $4 WHERE purchase_id = $1 AND round = $2 AND supplier_id = $3
			AND status = 'notified'`, pid, g.Round, g.SupplierID, e.At.UTC()); err != nil {
			return fmt.Errorf("record signature: %w", err)
		}
	}
	if e.Challenge != nil {
		c := e.Challenge
		if _, err := tx.ExecContext(ctx, `INSERT INTO challenges (purchase_id, seq, round, supplier_id, reason, filed_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (purchase_id, seq) DO NOTHING`,
			pid, c.Seq, c.Round, c.SupplierID, c.Reason, e.At.UTC()); err != nil {
			return fmt.Errorf("record challenge %d: %w", c.Seq, err)
		}
	}
	if e.Answer != nil {
		a := e.Answer
		var action *string
		if a.Action != "" {
			action = &a.Action
		}
		if _, err := tx.ExecContext(ctx, `UPDATE challenges SET upheld = $3, action = $4, response = $5, answered_at = $6
			WHERE purchase_id = $1 AND seq = $2`, pid, a.Seq, a.Upheld, action, a.Response, e.At.UTC()); err != nil {
			return fmt.Errorf("record answer to challenge %d: %w", a.Seq, err)
		}
	}
	if e.Contract != nil {
		if err := insertContract(ctx, tx, pid, e.Contract); err != nil {
			return err
		}
	}
	if e.Report != nil || e.Review != nil || e.Overdue != nil || e.Payment != nil || e.Inspection != nil ||
		e.Rectification != nil || e.Evaluation != nil || e.ContractStatus != nil {
		if err := applyDelivery(ctx, tx, st, e); err != nil {
			return err
		}
	}
	if e.Record != nil {
		d := e.Record.Detail
		if len(d) == 0 {
			d = json.RawMessage(`{}`)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO supplier_records (supplier_id, purchase_id, kind, detail, op_key, at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (op_key) DO NOTHING`,
			e.Record.SupplierID, pid, e.Record.Kind, jsonText(d), e.Key, e.At.UTC()); err != nil {
			return fmt.Errorf("add to the record of supplier %d: %w", e.Record.SupplierID, err)
		}
	}
	return nil
}

// auditDetail is what the audit trail keeps of an event: its effects
// without the bulky or sealed parts (proposals, contract text).
func auditDetail(e event.Event) map[string]any {
	d := map[string]any{}
	if e.Note != "" {
		d["note"] = e.Note
	}
	add := func(k string, v any, ok bool) {
		if ok {
			d[k] = v
		}
	}
	add("planned", e.Planned, e.Planned != nil)
	add("status", e.Status, e.Status != nil)
	add("bid", e.Bid, e.Bid != nil)
	if e.Opened != nil {
		type opened struct {
			SupplierID    int64 `json:"supplierId"`
			PriceFen      int64 `json:"priceFen"`
			AbnormallyLow bool  `json:"abnormallyLow"`
		}
		var bids []opened
		for _, b := range e.Opened.Bids {
			bids = append(bids, opened{b.SupplierID, b.PriceFen, b.AbnormallyLow})
		}
		d["opened"] = map[string]any{"round": e.Opened.Round, "bids": bids}
	}
	add("member", e.Member, e.Member != nil)
	add("lowPrice", e.LowPrice, e.LowPrice != nil)
	add("scores", e.Scores, e.Scores != nil)
	add("award", e.Award, e.Award != nil)
	add("awardStatus", e.AwardStatus, e.AwardStatus != nil)
	add("challenge", e.Challenge, e.Challenge != nil)
	add("answer", e.Answer, e.Answer != nil)
	if e.Contract != nil {
		d["contract"] = map[string]any{"supplierId": e.Contract.SupplierID, "amountFen": e.Contract.AmountFen,
			"milestones": len(e.Contract.Milestones)}
	}
	add("budget", e.Budget, e.Budget != nil)
	add("record", e.Record, e.Record != nil)
	add("report", e.Report, e.Report != nil)
	add("review", e.Review, e.Review != nil)
	add("overdue", e.Overdue, e.Overdue != nil)
	add("payment", e.Payment, e.Payment != nil)
	add("inspection", e.Inspection, e.Inspection != nil)
	add("rectification", e.Rectification, e.Rectification != nil)
	add("evaluation", e.Evaluation, e.Evaluation != nil)
	add("contractStatus", e.ContractStatus, e.ContractStatus != nil)
	add("signature", e.Signature, e.Signature != nil)
	add("clearScores", e.ClearScores, e.ClearScores != nil)
	return d
}

func insertPurchase(ctx context.Context, tx ptx, pid int64, wfID string, p *event.Planned) error {
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM budget_lines WHERE id = $1)`, p.BudgetID); err != nil {
		return fmt.Errorf("look up budget line %d: %w", p.BudgetID, err)
	}
	if !exists {
		return fmt.Errorf("budget line %d: %w", p.BudgetID, ErrUnknownBudget)
	}
	var createdBy *int64
	if p.CreatedBy != 0 {
		createdBy = &p.CreatedBy
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO purchases (id, workflow_id, title, catalog_year, catalog_code, area, budget_id,
			quantity, ceiling_fen, method, status, round, bid_deadline, service_start, service_end, price_weight, policy, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'tendering', 1, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (id) DO NOTHING`,
		pid, wfID, p.Title, p.CatalogYear, p.CatalogCode, p.Area, p.BudgetID, p.Quantity, p.CeilingFen, p.Method,
		p.BidDeadline.UTC(), p.ServiceStart.UTC(), p.ServiceEnd.UTC(), p.PriceWeight, p.Policy, createdBy); err != nil {
		return fmt.Errorf("insert purchase %d: %w", pid, err)
	}
	for _, m := range p.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO purchase_members (purchase_id, user_id, duty) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, pid, m.UserID, m.Duty); err != nil {
			return fmt.Errorf("assign %s %d: %w", m.Duty, m.UserID, err)
		}
	}
	return nil
}

func moveBudget(ctx context.Context, tx ptx, pid int64, key string, b *event.Budget) error {
	var q string
	switch b.Kind {
	case "reserve":
		q = `UPDATE budget_lines SET reserved_fen = reserved_fen + $2
			WHERE id = $1 AND amount_fen - reserved_fen - paid_fen >= $2`
	case "release":
		q = `UPDATE budget_lines SET reserved_fen = reserved_fen - $2 WHERE id = $1 AND reserved_fen >= $2`
	case "pay":
		q = `UPDATE budget_lines SET reserved_fen = reserved_fen - $2, paid_fen = paid_fen + $2 WHERE id = $1 AND reserved_fen >= $2`
	default:
		return fmt.Errorf("unknown budget movement %q", b.Kind)
	}
	// The line's move and its record in one statement: the record is
	// written only when the line could move.
	res, err := tx.ExecContext(ctx, `WITH line AS (`+q+` RETURNING id)
		INSERT INTO budget_movements (budget_id, purchase_id, kind, amount_fen, op_key)
		SELECT id, $3, $4, $2, $5 FROM line`, b.BudgetID, b.AmountFen, pid, b.Kind, key)
	if err != nil {
		return fmt.Errorf("%s %d fen on budget line %d: %w", b.Kind, b.AmountFen, b.BudgetID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var avail int64
		if err := tx.GetContext(ctx, &avail, `SELECT amount_fen - reserved_fen - paid_fen FROM budget_lines WHERE id = $1`, b.BudgetID); err != nil {
			return fmt.Errorf("budget line %d: %w", b.BudgetID, ErrUnknownBudget)
		}
		return &BudgetError{BudgetID: b.BudgetID, AvailableFen: avail, WantFen: b.AmountFen}
	}
	return nil
}

func applyMember(ctx context.Context, tx ptx, pid int64, e event.Event) error {
	m := e.Member
	if m.Recused {
		_, err := tx.ExecContext(ctx, `UPDATE purchase_members SET recused_at = $4, recusal_reason = $5
			WHERE purchase_id = $1 AND user_id = $2 AND duty = $3`, pid, m.UserID, m.Duty, e.At.UTC(), e.Note)
		if err != nil {
			return fmt.Errorf("record recusal of %d: %w", m.UserID, err)
		}
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO purchase_members (purchase_id, user_id, duty) VALUES ($1, $2, $3)
		ON CONFLICT (purchase_id, user_id, duty) DO UPDATE SET recused_at = NULL, recusal_reason = ''`, pid, m.UserID, m.Duty)
	if err != nil {
		return fmt.Errorf("appoint %s %d: %w", m.Duty, m.UserID, err)
	}
	return nil
}

func applyAward(ctx context.Context, tx ptx, pid int64, e event.Event) error {
	a := e.Award
	// The ranking of every bid and the award, in one statement.
	n := len(a.Ranking)
	suppliers, technical, price, total, rank := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, r := range a.Ranking {
		suppliers[i], technical[i], price[i], total[i], rank[i] = r.SupplierID, r.TechnicalCenti, r.PriceCenti, r.TotalCenti, int64(r.Rank)
	}
	_, err := tx.ExecContext(ctx, `WITH ranked AS (UPDATE bids b SET technical_centi = r.technical, price_score_centi = r.price,
				total_centi = r.total, rank = r.rank
			FROM unnest($6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[]) AS r (supplier_id, technical, price, total, rank)
			WHERE b.purchase_id = $1 AND b.round = $2 AND b.supplier_id = r.supplier_id)
		INSERT INTO awards (purchase_id, round, bid_id, supplier_id, amount_fen, status, notified_at)
		SELECT $1, $2, id, supplier_id, $4, 'notified', $5 FROM bids WHERE purchase_id = $1 AND round = $2 AND supplier_id = $3
		ON CONFLICT (purchase_id, round, bid_id) DO UPDATE SET status = 'notified', notified_at = EXCLUDED.notified_at`,
		pid, a.Round, a.SupplierID, a.AmountFen, e.At.UTC(), pq.Array(suppliers), pq.Array(technical), pq.Array(price), pq.Array(total), pq.Array(rank))
	if err != nil {
		return fmt.Errorf("record the ranking and the award to supplier %d: %w", a.SupplierID, err)
	}
	return nil
}

func insertContract(ctx context.Context, tx ptx, pid int64, c *event.Contract) error {
	ind := c.Indicators
	if len(ind) == 0 {
		ind = json.RawMessage(`[]`)
	}
	var cid int64
	err := tx.GetContext(ctx, &cid, `INSERT INTO contracts (purchase_id, supplier_id, amount_fen, quantity, service_start, service_end,
			indicators, status, officer_signed_at, supplier_signed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)
		ON CONFLICT (purchase_id) DO UPDATE SET purchase_id = EXCLUDED.purchase_id RETURNING id`,
		pid, c.SupplierID, c.AmountFen, c.Quantity, c.ServiceStart.UTC(), c.ServiceEnd.UTC(), jsonText(ind),
		c.OfficerSignedAt.UTC(), c.SupplierSignedAt.UTC())
	if err != nil {
		return fmt.Errorf("insert contract: %w", err)
	}
	// The milestones and the award's signing, in one statement.
	n := len(c.Milestones)
	seqs, quantities, percents, payments := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	names, dues := make([]string, n), make([]string, n)
	for i, m := range c.Milestones {
		seqs[i], names[i], quantities[i], percents[i], payments[i] = int64(m.Seq), m.Name, m.Quantity, int64(m.PaymentPercent), m.PaymentFen
		dues[i] = m.Due.UTC().Format(time.RFC3339Nano)
	}
	if _, err := tx.ExecContext(ctx, `WITH planned AS (INSERT INTO milestones (contract_id, seq, name, due_at, planned_quantity, payment_percent, planned_payment_fen)
			SELECT $1, m.seq, m.name, m.due, m.quantity, m.percent, m.payment
			FROM unnest($4::int[], $5::text[], $6::timestamptz[], $7::bigint[], $8::int[], $9::bigint[]) AS m (seq, name, due, quantity, percent, payment)
			ON CONFLICT (contract_id, seq) DO NOTHING)
		UPDATE awards SET status = 'signed' WHERE purchase_id = $2 AND supplier_id = $3 AND status = 'notified'`,
		cid, pid, c.SupplierID, pq.Array(seqs), pq.Array(names), pq.Array(dues), pq.Array(quantities), pq.Array(percents), pq.Array(payments)); err != nil {
		return fmt.Errorf("insert the milestones and mark the award signed: %w", err)
	}
	return nil
}
