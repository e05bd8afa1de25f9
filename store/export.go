package store

import (
	"context"
	"fmt"
)

// ExportKinds are the tables that can be exported.
var ExportKinds = []string{"purchases", "contracts", "milestones", "payments", "inspections", "evaluations"}

// exportQueries select each table's rows for purchases p matching a
// filter; the columns are in the order the export package names them.
var exportQueries = map[string]string{
	"purchases": `SELECT p.id, p.title, p.area, p.catalog_code, i.name_zh, p.method, p.status, p.round, p.quantity, i.unit_zh,
		p.ceiling_fen, p.bid_deadline, p.service_start, p.service_end, p.budget_id, p.created_at
		FROM purchases p JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code WHERE %s ORDER BY p.id`,
	"contracts": `SELECT p.id, p.title, c.id, s.name, s.credit_code, c.amount_fen, c.quantity, c.service_start, c.service_end,
		c.status, c.officer_signed_at, c.supplier_signed_at
		FROM contracts c JOIN purchases p ON p.id = c.purchase_id JOIN suppliers s ON s.id = c.supplier_id
		JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code WHERE %s ORDER BY p.id`,
	"milestones": `SELECT p.id, p.title, m.seq, m.name, m.due_at, m.planned_quantity, m.payment_percent, m.planned_payment_fen,
		m.status, m.accepted_quantity, m.beneficiaries, m.accepted_at, m.overdue
		FROM milestones m JOIN contracts c ON c.id = m.contract_id JOIN purchases p ON p.id = c.purchase_id
		JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code WHERE %s ORDER BY p.id, m.seq`,
	"payments": `SELECT p.id, p.title, c.id, s.name, x.kind, x.milestone_seq, x.amount_fen, x.paid_at
		FROM payments x JOIN contracts c ON c.id = x.contract_id JOIN purchases p ON p.id = c.purchase_id
		JOIN suppliers s ON s.id = c.supplier_id
		JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code WHERE %s ORDER BY p.id, x.id`,
	"inspections": `SELECT p.id, p.title, n.seq, n.due_at, n.reinspection, n.passed, n.findings, n.surveyed, n.satisfied, n.recorded_at
		FROM inspections n JOIN contracts c ON c.id = n.contract_id JOIN purchases p ON p.id = c.purchase_id
		JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code WHERE %s ORDER BY p.id, n.seq`,
	"evaluations": `SELECT p.id, p.title, e.stage, e.status, e.total_centi, e.grade, e.evaluated_at
		FROM evaluations e JOIN contracts c ON c.id = e.contract_id JOIN purchases p ON p.id = c.purchase_id
		JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code WHERE %s ORDER BY p.id, e.opened_at`,
}

// ExportRows streams the rows of one export table for the purchases the
// filter selects, calling fn with each row's values (reused between
// calls); memory does not grow with the number of rows.
func (db *DB) ExportRows(ctx context.Context, kind string, f PurchaseFilter, fn func(row []any) error) error {
	q, ok := exportQueries[kind]
	if !ok {
		return fmt.Errorf("export %q: %w", kind, ErrNotFound)
	}
	f.Before, f.Limit = 0, 0
	cond, args := f.where(nil)
	rows, err := db.X.QueryxContext(ctx, fmt.Sprintf(q, cond), args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			return fmt.Errorf("export %s: %w", kind, err)
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	return nil
}
