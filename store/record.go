package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
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

// recordReads are the statements of a purchase's record, in the order
// PurchaseRecordByID reads them, each with the purchase's number as $1:
// its version first, then the purchase and what was recorded about it.
var recordReads = func() []string {
	cid := "(SELECT id FROM contracts WHERE purchase_id = $1)"
	byContract := func(q string) string { return strings.ReplaceAll(q, "$1", cid) }
	return []string{versionQuery, purchaseQuery, membersQuery, bidsQuery, awardsQuery, challengesQuery, contractQuery,
		byContract(milestonesQuery), byContract(reportsQuery), byContract(inspectionsQuery), byContract(rectificationsQuery),
		byContract(evaluationsQuery), byContract(indicatorScoresQuery), byContract(paymentsQuery)}
}()

// recordStatement names the i-th of recordReads prepared on a connection.
func recordStatement(i int) string { return "zhucan_record_" + strconv.Itoa(i) }

// recordPrepare prepares recordReads on a connection, those it lacks: a
// connection keeps its prepared statements while it lives, with their
// plans, so that a page's record is neither parsed nor planned again.
var recordPrepare = func() string {
	var b strings.Builder
	b.WriteString("DO $zr$ BEGIN\n")
	for i, q := range recordReads {
		fmt.Fprintf(&b, "IF NOT EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = '%s') THEN EXECUTE $q$PREPARE %s(bigint) AS %s$q$; END IF;\n",
			recordStatement(i), recordStatement(i), q)
	}
	b.WriteString("END $zr$")
	return b.String()
}()

// recordExecute runs recordReads for purchase id as one query: a round
// trip to PostgreSQL, each statement a result set with its own snapshot.
// The number is written into the text, as digits only (a query of many
// statements takes no parameters).
func recordExecute(id int64) string {
	pid := strconv.FormatInt(id, 10)
	var b strings.Builder
	for i := range recordReads {
		if i > 0 {
			b.WriteString(";\n")
		}
		b.WriteString("EXECUTE " + recordStatement(i) + "(" + pid + ")")
	}
	return b.String()
}

// PurchaseRecordByID reads purchase id with everything recorded about it
// in one round trip to PostgreSQL: the reads that PurchaseByID, Members,
// Bids and the others make one by one go together as one multi-statement
// query, each statement a result set, and each prepared on its connection
// (recordPrepare), so that PostgreSQL neither parses nor plans it again. A
// page shows a purchase often, and on a busy machine every round trip
// waits for two processes to be scheduled, and every request for the
// server's time. The statements see the same committed changes as the
// one-by-one reads would: each takes its own snapshot. The version is
// read first, so that the record is never older than its version: a
// change that commits while the record is read shows in the record and
// moves the version past the one returned.
func (db *DB) PurchaseRecordByID(ctx context.Context, id int64) (PurchaseRecord, error) {
	var rec PurchaseRecord
	var purchases []Purchase
	var contracts []Contract
	var reports []Report
	var scores []IndicatorScoreRow
	dests := []any{&purchases, &rec.Members, &rec.Bids, &rec.Awards, &rec.Challenges, &contracts, &rec.Milestones, &reports,
		&rec.Inspections, &rec.Rectifications, &rec.Evaluations, &scores, &rec.Payments}
	conn, err := db.X.Conn(ctx)
	if err != nil {
		return rec, fmt.Errorf("read purchase %d: %w", id, err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, recordExecute(id))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "26000" {
		// A connection new to the record's statements: prepare them, once.
		if _, err := conn.ExecContext(ctx, recordPrepare); err != nil {
			return rec, fmt.Errorf("read purchase %d: prepare its statements: %w", id, err)
		}
		rows, err = conn.QueryContext(ctx, recordExecute(id))
	}
	if err != nil {
		return rec, fmt.Errorf("read purchase %d: %w", id, err)
	}
	defer rows.Close()
	var versions []PageVersion
	if err := sqlx.StructScan(rows, &versions); err != nil || len(versions) != 1 {
		return rec, fmt.Errorf("read purchase %d: its version: %w", id, errOr(err))
	}
	rec.Version = versions[0]
	for i, dest := range dests {
		if !rows.NextResultSet() {
			return rec, fmt.Errorf("read purchase %d: result %d of %d missing: %w", id, i+2, len(dests)+1, errOr(rows.Err()))
		}
		if err := sqlx.StructScan(rows, dest); err != nil {
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
