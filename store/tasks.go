package store

import (
	"context"
	"fmt"
	"time"
)

// Task is something a user must do now on a purchase.
type Task struct {
	// Kind names the task, e.g. answer_challenge, report_due, score_bids.
	Kind string `db:"kind" json:"kind"`
	// PurchaseID is the purchase.
	PurchaseID int64 `db:"purchase_id" json:"purchaseId"`
	// Title is the purchase's title.
	Title string `db:"title" json:"title"`
	// Ref is the milestone, challenge, inspection or rectification concerned.
	Ref *int `db:"ref" json:"ref,omitempty"`
	// Since is the moment the task arose from (a deadline is computed from it).
	Since *time.Time `db:"since" json:"-"`
	// Due is when it must be done, when the task has a deadline of its own.
	Due *time.Time `db:"due" json:"due,omitempty"`
	// Policy names the purchase's rule set.
	Policy string `db:"policy" json:"-"`
}

// officerTasks finds what waits on an officer. The officer's purchases in
// one status are found by (created_by, status); milestones to review, late
// reports and failed rectifications, a few thousand among millions, are
// found by partial indexes and matched by hash to the IDs of the officer's
// purchases, read once from the index on created_by (mine), instead of
// looking up each one's purchase or each of the officer's tens of
// thousands of purchases (migration 00007).
const officerTasks = `
WITH mine AS MATERIALIZED (SELECT id FROM purchases WHERE created_by = $1)
SELECT 'answer_challenge' AS kind, p.id AS purchase_id, p.title, c.seq AS ref, c.filed_at AS since, NULL::timestamptz AS due, p.policy
  FROM purchases p JOIN challenges c ON c.purchase_id = p.id
 WHERE p.created_by = $1 AND p.status = 'challenge_period' AND c.answered_at IS NULL
UNION ALL
SELECT 'sign_contract', p.id, p.title, NULL, a.notified_at, NULL, p.policy
  FROM purchases p JOIN awards a ON a.purchase_id = p.id AND a.round = p.round AND a.status = 'notified'
 WHERE p.created_by = $1 AND p.status = 'contracting' AND a.officer_signed_at IS NULL
UNION ALL
SELECT 'award_or_retender', p.id, p.title, NULL, NULL, NULL, p.policy
  FROM purchases p JOIN awards a ON a.purchase_id = p.id AND a.round = p.round AND a.status = 'forfeited'
 WHERE p.created_by = $1 AND p.status = 'contracting'
UNION ALL
SELECT 'decide_failed_round', p.id, p.title, NULL, NULL, NULL, p.policy
  FROM purchases p WHERE p.created_by = $1 AND p.status = 'failed'
UNION ALL
SELECT 'evaluation_blocked', p.id, p.title, NULL, NULL, NULL, p.policy
  FROM purchases p WHERE p.created_by = $1 AND p.status = 'evaluating'
   AND EXISTS (SELECT 1 FROM audit_log l WHERE l.purchase_id = p.id AND l.action = 'evaluation.overdue'
               AND l.id > (SELECT max(id) FROM audit_log s WHERE s.purchase_id = p.id AND s.action = 'purchase.evaluating'))
UNION ALL
SELECT 'review_report', p.id, p.title, m.seq, NULL, NULL, p.policy
  FROM milestones m JOIN contracts k ON k.id = m.contract_id JOIN mine ON mine.id = k.purchase_id JOIN purchases p ON p.id = mine.id
 WHERE m.status = 'reported'
UNION ALL
SELECT 'late_report', p.id, p.title, m.seq, NULL, m.due_at, p.policy
  FROM milestones m JOIN contracts k ON k.id = m.contract_id AND k.status = 'active' JOIN mine ON mine.id = k.purchase_id
  JOIN purchases p ON p.id = mine.id
 WHERE m.overdue AND m.status IN ('pending', 'returned')
UNION ALL
SELECT 'may_terminate', p.id, p.title, r.seq, NULL, NULL, p.policy
  FROM rectifications r JOIN contracts k ON k.id = r.contract_id AND k.status = 'active' JOIN mine ON mine.id = k.purchase_id
  JOIN purchases p ON p.id = mine.id
 WHERE r.status = 'failed'`

// supplierTasks finds what waits on an organisation. An open tender's
// item is read by its key for each tendering purchase: as a join, the
// planner expects almost no item to match the organisation's
// qualifications and compares every tendering purchase with every item.
const supplierTasks = `
SELECT 'open_tender' AS kind, p.id AS purchase_id, p.title, NULL::int AS ref, NULL::timestamptz AS since, p.bid_deadline AS due, p.policy
  FROM purchases p
 WHERE p.status = 'tendering' AND p.bid_deadline > now()
   AND (SELECT i.qualifications FROM catalog_items i WHERE i.year = p.catalog_year AND i.code = p.catalog_code)
       <@ (SELECT qualifications FROM suppliers WHERE id = $1)
   AND NOT (SELECT dishonest FROM suppliers WHERE id = $1)
UNION ALL
SELECT 'sign_contract', p.id, p.title, NULL, a.notified_at, NULL, p.policy
  FROM purchases p JOIN awards a ON a.purchase_id = p.id AND a.round = p.round AND a.status = 'notified'
 WHERE a.supplier_id = $1 AND p.status = 'contracting' AND a.supplier_signed_at IS NULL
UNION ALL
SELECT 'report_due', p.id, p.title, m.seq, NULL, m.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN milestones m ON m.contract_id = k.id
 WHERE k.supplier_id = $1 AND m.status IN ('pending', 'returned')
UNION ALL
SELECT 'rectify', p.id, p.title, r.seq, NULL, r.deadline, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN rectifications r ON r.contract_id = k.id
 WHERE k.supplier_id = $1 AND r.status = 'open'`

// evaluatorTasks finds what waits on an evaluator: scoring, inspections
// and assessments of the purchases they serve.
const evaluatorTasks = `
SELECT 'score_bids' AS kind, p.id AS purchase_id, p.title, NULL::int AS ref, NULL::timestamptz AS since, NULL::timestamptz AS due, p.policy
  FROM purchases p JOIN purchase_members m ON m.purchase_id = p.id AND m.duty = 'panel' AND m.user_id = $1 AND m.recused_at IS NULL
 WHERE p.status = 'evaluating'
   AND EXISTS (SELECT 1 FROM bids b WHERE b.purchase_id = p.id AND b.round = p.round AND b.status = 'valid'
               AND NOT EXISTS (SELECT 1 FROM bid_scores s WHERE s.bid_id = b.id AND s.evaluator_id = $1))
UNION ALL
SELECT 'inspect', p.id, p.title, i.seq, NULL, i.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN inspections i ON i.contract_id = k.id
 WHERE i.recorded_at IS NULL AND i.inspector_id = $1
   AND EXISTS (SELECT 1 FROM purchase_members m WHERE m.purchase_id = p.id AND m.duty = 'inspector' AND m.user_id = $1)
UNION ALL
SELECT 'assess', p.id, p.title, NULL, NULL, e.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id JOIN evaluations e ON e.contract_id = k.id AND e.status = 'open'
  JOIN purchase_members m ON m.purchase_id = p.id AND m.duty = 'assessor' AND m.user_id = $1
 WHERE NOT EXISTS (SELECT 1 FROM indicator_scores s WHERE s.contract_id = k.id AND s.stage = e.stage AND s.scorer = $1::text)`

// Tasks lists what user must do now: an officer's purchases waiting on
// them, an organisation's bids, signatures, reports and rectifications,
// an evaluator's scoring, inspections and assessments.
func (db *DB) Tasks(ctx context.Context, u User) ([]Task, error) {
	var q string
	var arg any
	switch u.Role {
	case "officer":
		q, arg = officerTasks, u.ID
	case "supplier":
		if u.SupplierID == nil {
			return nil, nil
		}
		q, arg = supplierTasks, *u.SupplierID
	case "evaluator":
		q, arg = evaluatorTasks, u.ID
	default:
		return []Task{}, nil
	}
	out := []Task{}
	if err := db.X.SelectContext(ctx, &out, `SELECT * FROM (`+q+`) t ORDER BY due NULLS LAST, purchase_id, ref`, arg); err != nil {
		return nil, fmt.Errorf("list tasks of user %d: %w", u.ID, err)
	}
	return out, nil
}
