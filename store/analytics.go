package store

import (
	"context"
	"fmt"
)

// Figures are the budget-performance figures of one group of purchases
// (a service area, an organisation or a fiscal year). Rates are in basis
// points (1/10000) and nil when there is nothing to divide by.
type Figures struct {
	// Key is the area code, the supplier ID or the year.
	Key string `db:"key" json:"key"`
	// Name is the area's or organisation's name.
	Name string `db:"name" json:"name"`
	// Purchases counts the purchases.
	Purchases int64 `db:"purchases" json:"purchases"`
	// BudgetFen is the appropriation of the group's budget lines (areas and years only).
	BudgetFen int64 `db:"budget_fen" json:"budgetFen"`
	// ReservedFen is still reserved by purchases and contracts.
	ReservedFen int64 `db:"reserved_fen" json:"reservedFen"`
	// PaidFen is paid out.
	PaidFen int64 `db:"paid_fen" json:"paidFen"`
	// ExecutionBP is paid ÷ budget.
	ExecutionBP *int64 `db:"execution_bp" json:"executionBp"`
	// PlannedQuantity is the contracted quantity.
	PlannedQuantity int64 `db:"planned_quantity" json:"plannedQuantity"`
	// DeliveredQuantity is the accepted quantity.
	DeliveredQuantity int64 `db:"delivered_quantity" json:"deliveredQuantity"`
	// Beneficiaries is the number of people served.
	Beneficiaries int64 `db:"beneficiaries" json:"beneficiaries"`
	// CostPerBeneficiaryFen is paid ÷ beneficiaries.
	CostPerBeneficiaryFen *int64 `db:"cost_per_beneficiary_fen" json:"costPerBeneficiaryFen"`
	// OnTimeBP is milestones accepted on time ÷ milestones accepted.
	OnTimeBP *int64 `db:"on_time_bp" json:"onTimeBp"`
	// Satisfied and Surveyed are summed over inspections.
	Satisfied int64 `db:"satisfied" json:"satisfied"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed int64 `db:"surveyed" json:"surveyed"`
	// SatisfactionBP is satisfied ÷ surveyed.
	SatisfactionBP *int64 `db:"satisfaction_bp" json:"satisfactionBp"`
	// Excellent, Good, Pass and Fail count final grades.
	Excellent int64 `db:"excellent" json:"excellent"`
	// Good counts 良好.
	Good int64 `db:"good" json:"good"`
	// Pass counts 合格.
	Pass int64 `db:"pass" json:"pass"`
	// Fail counts 不合格.
	Fail int64 `db:"fail" json:"fail"`
	// MeanScoreCenti is the mean final score, in hundredths.
	MeanScoreCenti *int64 `db:"mean_score_centi" json:"meanScoreCenti"`
	// Rounds counts tender rounds opened.
	Rounds int64 `db:"rounds" json:"rounds"`
	// Bids counts bids opened.
	Bids int64 `db:"bids" json:"bids"`
	// BidsPerTenderCenti is bids ÷ rounds, in hundredths.
	BidsPerTenderCenti *int64 `db:"bids_per_tender_centi" json:"bidsPerTenderCenti"`
	// FailedRounds counts failed rounds (流标).
	FailedRounds int64 `db:"failed_rounds" json:"failedRounds"`
}

// purchaseFacts is one row per purchase of a fiscal year with its figures.
const purchaseFacts = `
WITH pf AS (
  SELECT p.id, p.area, b.fiscal_year AS year, c.supplier_id,
    coalesce((SELECT sum(x.amount_fen) FROM payments x WHERE x.contract_id = c.id), 0) AS paid,
    coalesce((SELECT sum(CASE m.kind WHEN 'reserve' THEN m.amount_fen ELSE -m.amount_fen END)
              FROM budget_movements m WHERE m.purchase_id = p.id), 0) AS reserved,
    coalesce(c.quantity, 0) AS planned,
    coalesce((SELECT sum(m.accepted_quantity) FROM milestones m WHERE m.contract_id = c.id), 0) AS delivered,
    coalesce((SELECT sum(m.beneficiaries) FROM milestones m WHERE m.contract_id = c.id), 0) AS beneficiaries,
    (SELECT count(*) FROM milestone_reports r WHERE r.contract_id = c.id AND r.accepted AND r.on_time) AS on_time,
    (SELECT count(*) FROM milestones m WHERE m.contract_id = c.id AND m.status = 'accepted') AS accepted,
    coalesce((SELECT sum(i.satisfied) FROM inspections i WHERE i.contract_id = c.id), 0) AS satisfied,
    coalesce((SELECT sum(i.surveyed) FROM inspections i WHERE i.contract_id = c.id), 0) AS surveyed,
    e.grade, e.total_centi,
    (SELECT count(*) FROM audit_log a WHERE a.purchase_id = p.id AND a.action = 'bids.opened') AS rounds,
    (SELECT count(*) FROM bids x WHERE x.purchase_id = p.id) AS bids,
    (SELECT count(*) FROM audit_log a WHERE a.purchase_id = p.id AND a.action = 'purchase.failed') AS failed
  FROM purchases p
  JOIN budget_lines b ON b.id = p.budget_id
  LEFT JOIN contracts c ON c.purchase_id = p.id
  LEFT JOIN evaluations e ON e.contract_id = c.id AND e.stage = 'final' AND e.status = 'done'
  WHERE $1 = 0 OR b.fiscal_year = $1
)`

// figureColumns aggregates pf; budget is the group's appropriation.
const figureColumns = `
  count(pf.id) AS purchases, coalesce(sum(pf.reserved), 0) AS reserved_fen, coalesce(sum(pf.paid), 0) AS paid_fen,
  coalesce(sum(pf.planned), 0) AS planned_quantity, coalesce(sum(pf.delivered), 0) AS delivered_quantity,
  coalesce(sum(pf.beneficiaries), 0) AS beneficiaries,
  CASE WHEN sum(pf.beneficiaries) > 0 THEN (sum(pf.paid) / sum(pf.beneficiaries))::bigint END AS cost_per_beneficiary_fen,
  CASE WHEN sum(pf.accepted) > 0 THEN (sum(pf.on_time) * 10000 / sum(pf.accepted))::bigint END AS on_time_bp,
  coalesce(sum(pf.satisfied), 0) AS satisfied, coalesce(sum(pf.surveyed), 0) AS surveyed,
  CASE WHEN sum(pf.surveyed) > 0 THEN (sum(pf.satisfied) * 10000 / sum(pf.surveyed))::bigint END AS satisfaction_bp,
  count(*) FILTER (WHERE pf.grade = 'excellent') AS excellent, count(*) FILTER (WHERE pf.grade = 'good') AS good,
  count(*) FILTER (WHERE pf.grade = 'pass') AS pass, count(*) FILTER (WHERE pf.grade = 'fail') AS fail,
  round(avg(pf.total_centi))::bigint AS mean_score_centi,
  coalesce(sum(pf.rounds), 0) AS rounds, coalesce(sum(pf.bids), 0) AS bids,
  CASE WHEN sum(pf.rounds) > 0 THEN (sum(pf.bids) * 100 / sum(pf.rounds))::bigint END AS bids_per_tender_centi,
  coalesce(sum(pf.failed), 0) AS failed_rounds`

func withExecution(fs []Figures) []Figures {
	for i := range fs {
		if fs[i].BudgetFen > 0 {
			bp := fs[i].PaidFen * 10000 / fs[i].BudgetFen
			fs[i].ExecutionBP = &bp
		}
	}
	if fs == nil {
		return []Figures{}
	}
	return fs
}

// AreaFigures returns the figures of every service area in a fiscal year
// (0: all years), areas in catalogue order; budget lines marked "general"
// form a row of their own.
func (db *DB) AreaFigures(ctx context.Context, year int) ([]Figures, error) {
	var out []Figures
	err := db.X.SelectContext(ctx, &out, purchaseFacts+`,
	areas AS (
	  SELECT code, min(name_zh) AS name, min(sort_order) AS sort_order FROM catalog_areas GROUP BY code
	  UNION ALL SELECT 'general', '综合', 1000
	),
	budgets AS (
	  SELECT category, sum(amount_fen) AS amount FROM budget_lines WHERE $1 = 0 OR fiscal_year = $1 GROUP BY category
	)
	SELECT a.code AS key, a.name, coalesce(max(bg.amount), 0) AS budget_fen, `+figureColumns+`
	FROM areas a LEFT JOIN pf ON pf.area = a.code LEFT JOIN budgets bg ON bg.category = a.code
	GROUP BY a.code, a.name, a.sort_order
	HAVING count(pf.id) > 0 OR coalesce(max(bg.amount), 0) > 0 OR a.code <> 'general'
	ORDER BY a.sort_order, a.code`, year)
	if err != nil {
		return nil, fmt.Errorf("area figures of %d: %w", year, err)
	}
	return withExecution(out), nil
}

// SupplierFigures returns the figures of every organisation that holds a
// contract in a fiscal year (0: all years).
func (db *DB) SupplierFigures(ctx context.Context, year int) ([]Figures, error) {
	var out []Figures
	err := db.X.SelectContext(ctx, &out, purchaseFacts+`
	SELECT s.id::text AS key, s.name, 0::bigint AS budget_fen, `+figureColumns+`
	FROM pf JOIN suppliers s ON s.id = pf.supplier_id
	GROUP BY s.id, s.name ORDER BY s.name, s.id`, year)
	if err != nil {
		return nil, fmt.Errorf("supplier figures of %d: %w", year, err)
	}
	return withExecution(out), nil
}

// YearFigures returns the figures of every fiscal year.
func (db *DB) YearFigures(ctx context.Context) ([]Figures, error) {
	var out []Figures
	err := db.X.SelectContext(ctx, &out, purchaseFacts+`,
	budgets AS (SELECT fiscal_year, sum(amount_fen) AS amount FROM budget_lines GROUP BY fiscal_year)
	SELECT bg.fiscal_year::text AS key, bg.fiscal_year::text AS name, bg.amount AS budget_fen, `+figureColumns+`
	FROM budgets bg LEFT JOIN pf ON pf.year = bg.fiscal_year
	GROUP BY bg.fiscal_year, bg.amount ORDER BY bg.fiscal_year DESC`, 0)
	if err != nil {
		return nil, fmt.Errorf("year figures: %w", err)
	}
	return withExecution(out), nil
}
