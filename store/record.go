package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// PurchaseRecord is everything recorded about one purchase: what its page
// shows.
type PurchaseRecord struct {
	// Purchase is the purchase itself.
	Purchase Purchase
	// Members are its evaluators.
	Members []Member
	// Bids are its opened bids.
	Bids []Bid
	// Awards are its award notices.
	Awards []Award
	// Challenges are its challenges.
	Challenges []Challenge
	// Contract is its contract, nil before signing.
	Contract *Contract
	// Milestones are the contract's milestones with their reports.
	Milestones []Milestone
	// Inspections are the contract's inspections.
	Inspections []Inspection
	// Rectifications are the contract's rectifications.
	Rectifications []Rectification
	// Evaluations are the contract's evaluations with their scores.
	Evaluations []Evaluation
	// Payments are the contract's payments.
	Payments []Payment
	// AuditHead is the number of the purchase's latest audit entry. Every
	// change to the purchase is an audit entry, so while AuditHead stays
	// the same, nothing about the purchase has changed.
	AuditHead int64
}

// auditHeadQuery reads the latest audit entry of purchase $1 (0: none).
const auditHeadQuery = `SELECT coalesce(max(id), 0) FROM audit_log WHERE purchase_id = $1`

// PurchaseRecordByID reads purchase id with everything recorded about it
// in one round trip to PostgreSQL: the reads that PurchaseByID, Members,
// Bids and the others make one by one go together as one multi-statement
// query, each statement a result set. A page shows a purchase often, and
// on a busy machine every round trip waits for two processes to be
// scheduled. The statements see the same committed changes as the
// one-by-one reads would: each takes its own snapshot.
func (db *DB) PurchaseRecordByID(ctx context.Context, id int64) (PurchaseRecord, error) {
	var rec PurchaseRecord
	// The multi-statement form has no parameters: the number is written
	// into the text, as digits only.
	pid := strconv.FormatInt(id, 10)
	cid := "(SELECT id FROM contracts WHERE purchase_id = " + pid + ")"
	bind := func(q, arg string) string { return strings.ReplaceAll(q, "$1", arg) }
	var purchases []Purchase
	var contracts []Contract
	var reports []Report
	var scores []IndicatorScoreRow
	reads := []struct {
		query string
		dest  any
	}{
		{bind(purchaseQuery, pid), &purchases},
		{bind(membersQuery, pid), &rec.Members},
		{bind(bidsQuery, pid), &rec.Bids},
		{bind(awardsQuery, pid), &rec.Awards},
		{bind(challengesQuery, pid), &rec.Challenges},
		{bind(contractQuery, pid), &contracts},
		{bind(milestonesQuery, cid), &rec.Milestones},
		{bind(reportsQuery, cid), &reports},
		{bind(inspectionsQuery, cid), &rec.Inspections},
		{bind(rectificationsQuery, cid), &rec.Rectifications},
		{bind(evaluationsQuery, cid), &rec.Evaluations},
		{bind(indicatorScoresQuery, cid), &scores},
		{bind(paymentsQuery, cid), &rec.Payments},
	}
	texts := make([]string, len(reads), len(reads)+1)
	for i, r := range reads {
		texts[i] = r.query
	}
	texts = append(texts, bind(auditHeadQuery, pid))
	rows, err := db.X.QueryContext(ctx, strings.Join(texts, ";\n"))
	if err != nil {
		return rec, fmt.Errorf("read purchase %d: %w", id, err)
	}
	defer rows.Close()
	for i, r := range reads {
		if i > 0 && !rows.NextResultSet() {
			return rec, fmt.Errorf("read purchase %d: result %d of %d missing: %w", id, i+1, len(texts), errOr(rows.Err()))
		}
		if err := sqlx.StructScan(rows, r.dest); err != nil {
			return rec, fmt.Errorf("read purchase %d (result %d): %w", id, i+1, err)
		}
	}
	if !rows.NextResultSet() || !rows.Next() {
		return rec, fmt.Errorf("read purchase %d: its audit head is missing: %w", id, errOr(rows.Err()))
	}
	if err := rows.Scan(&rec.AuditHead); err != nil {
		return rec, fmt.Errorf("read purchase %d: its audit head: %w", id, err)
	}
	if err := rows.Close(); err != nil {
		return rec, fmt.Errorf("read purchase %d: %w", id, err)
	}
	if len(purchases) == 0 {
		return rec, fmt.Errorf("purchase %d: %w", id, ErrNotFound)
	}
	rec.Purchase = purchases[0]
	if len(contracts) > 0 {
		rec.Contract = &contracts[0]
	}
	rec.Milestones = withReports(rec.Milestones, reports)
	rec.Evaluations = withScores(rec.Evaluations, scores)
	return rec, nil
}

// errOr is err, or sql.ErrNoRows when there is none.
func errOr(err error) error {
	if err != nil {
		return err
	}
	return sql.ErrNoRows
}
