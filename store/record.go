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
	// Version is what the record was read at: it was read before the
	// rest, so the record is at least as new as Version says.
	Version PageVersion
}

// PageVersion is the version of a purchase's page: the purchase's latest
// audit entry and the registry's version. A page shows the purchase's own
// rows, which change only with an entry in its audit trail, and names
// from the registry (evaluators, organisations, the catalogue item),
// whose every change counts registry_version up; while both numbers stay,
// the page stays as it was.
type PageVersion struct {
	// AuditHead is the number of the purchase's latest audit entry (0: none).
	AuditHead int64 `db:"audit_head"`
	// Registry is the registry's version.
	Registry int64 `db:"registry"`
}

// versionQuery reads the page version of purchase $1.
const versionQuery = `SELECT coalesce((SELECT max(id) FROM audit_log WHERE purchase_id = $1), 0) AS audit_head,
	(SELECT n FROM registry_version) AS registry`

// PurchaseVersion reads the page version of purchase id: one small query,
// against the record's fifteen. A purchase that does not exist has
// version {0, registry}, which no page was ever served at.
func (db *DB) PurchaseVersion(ctx context.Context, id int64) (PageVersion, error) {
	var v PageVersion
	st, err := db.prepared(ctx, db.X, versionQuery)
	if err == nil {
		err = st.GetContext(ctx, &v, id)
	}
	if err != nil {
		return v, fmt.Errorf("read the version of purchase %d: %w", id, err)
	}
	return v, nil
}

// PurchaseRecordByID reads purchase id with everything recorded about it
// in one round trip to PostgreSQL: the reads that PurchaseByID, Members,
// Bids and the others make one by one go together as one multi-statement
// query, each statement a result set. A page shows a purchase often, and
// on a busy machine every round trip waits for two processes to be
// scheduled. The statements see the same committed changes as the
// one-by-one reads would: each takes its own snapshot. The version is
// read first, so that the record is never older than its version: a
// change that commits while the record is read shows in the record and
// moves the version past the one returned.
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
	texts := make([]string, 1, len(reads)+1)
	texts[0] = bind(versionQuery, pid)
	for _, r := range reads {
		texts = append(texts, r.query)
	}
	rows, err := db.X.QueryContext(ctx, strings.Join(texts, ";\n"))
	if err != nil {
		return rec, fmt.Errorf("read purchase %d: %w", id, err)
	}
	defer rows.Close()
	var versions []PageVersion
	if err := sqlx.StructScan(rows, &versions); err != nil || len(versions) != 1 {
		return rec, fmt.Errorf("read purchase %d: its version: %w", id, errOr(err))
	}
	rec.Version = versions[0]
	for i, r := range reads {
		if !rows.NextResultSet() {
			return rec, fmt.Errorf("read purchase %d: result %d of %d missing: %w", id, i+2, len(texts), errOr(rows.Err()))
		}
		if err := sqlx.StructScan(rows, r.dest); err != nil {
			return rec, fmt.Errorf("read purchase %d (result %d): %w", id, i+2, err)
		}
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
