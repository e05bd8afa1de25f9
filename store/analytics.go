package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"
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

// The figures are summed from figure_totals: the figures of every
// purchase (as the view purchase_figures_source defines them from the
// record) pre-summed per fiscal year, service area and organisation
// (migration 00007). A transaction that changes a purchase's figures
// marks it; the marked purchases are recomputed after the commit
// (migration 00010): by RunFiguresCatchUp beside each worker, and by
// every read of the figures before it reads (CatchUpFigures), so that a
// read sees every change committed before it. A request reads a few
// thousand rows instead of every payment, milestone, report, inspection,
// bid and tender round of a year.
//
// figureColumns aggregates rows t of figure_totals. Sums of bigint are
// numeric, as the sums of per-purchase figures were, so that ratios round
// exactly as before; the mean score is the sum of the final scores over
// their number, as avg computes it.
const figureColumns = `
  coalesce(sum(t.purchases), 0) AS purchases, coalesce(sum(t.reserved), 0) AS reserved_fen, coalesce(sum(t.paid), 0) AS paid_fen,
  coalesce(sum(t.planned), 0) AS planned_quantity, coalesce(sum(t.delivered), 0) AS delivered_quantity,
  coalesce(sum(t.beneficiaries), 0) AS beneficiaries,
  CASE WHEN sum(t.beneficiaries) > 0 THEN (sum(t.paid) / sum(t.beneficiaries))::bigint END AS cost_per_beneficiary_fen,
  CASE WHEN sum(t.accepted) > 0 THEN (sum(t.on_time) * 10000 / sum(t.accepted))::bigint END AS on_time_bp,
  coalesce(sum(t.satisfied), 0) AS satisfied, coalesce(sum(t.surveyed), 0) AS surveyed,
  CASE WHEN sum(t.surveyed) > 0 THEN (sum(t.satisfied) * 10000 / sum(t.surveyed))::bigint END AS satisfaction_bp,
  coalesce(sum(t.excellent), 0) AS excellent, coalesce(sum(t.good), 0) AS good,
  coalesce(sum(t.pass), 0) AS pass, coalesce(sum(t.fail), 0) AS fail,
  CASE WHEN sum(t.graded) > 0 THEN round(sum(t.score_centi) / sum(t.graded))::bigint END AS mean_score_centi,
  coalesce(sum(t.rounds), 0) AS rounds, coalesce(sum(t.bids), 0) AS bids,
  CASE WHEN sum(t.rounds) > 0 THEN (sum(t.bids) * 100 / sum(t.rounds))::bigint END AS bids_per_tender_centi,
  coalesce(sum(t.failed), 0) AS failed_rounds`

// figuresCatchUpBatch is how many marked purchases one transaction of
// CatchUpFigures recomputes.
const figuresCatchUpBatch = 500

// CatchUpFigures recomputes the figures of every purchase marked as
// changed, in transactions of figuresCatchUpBatch, and returns how many
// it recomputed.
func (db *DB) CatchUpFigures(ctx context.Context) (int, error) {
	return db.inBatches(ctx, "recompute the figures of changed purchases", `SELECT purchase_figures_catch_up($1)`, figuresCatchUpBatch)
}

// RunFiguresCatchUp recomputes the figures of changed purchases every
// interval until ctx ends, so that reads of the figures find little left
// to do.
func (db *DB) RunFiguresCatchUp(ctx context.Context, interval time.Duration, log *slog.Logger) {
	repeat(ctx, interval, nil, 0, log, "recomputing the figures", db.CatchUpFigures)
}

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
	if _, err := db.CatchUpFigures(ctx); err != nil {
		return nil, err
	}
	err := db.X.SelectContext(ctx, &out, `
	WITH areas AS (
	  SELECT code, min(name_zh) AS name, min(sort_order) AS sort_order FROM catalog_areas GROUP BY code
	  UNION ALL SELECT 'general', '综合', 1000
	),
	budgets AS (
	  SELECT category, sum(amount_fen) AS amount FROM budget_lines WHERE $1 = 0 OR fiscal_year = $1 GROUP BY category
	),
	t AS (SELECT * FROM figure_totals WHERE $1 = 0 OR fiscal_year = $1)
	SELECT a.code AS key, a.name, coalesce(max(bg.amount), 0) AS budget_fen, `+figureColumns+`
	FROM areas a LEFT JOIN t ON t.area = a.code LEFT JOIN budgets bg ON bg.category = a.code
	GROUP BY a.code, a.name, a.sort_order
	HAVING coalesce(sum(t.purchases), 0) > 0 OR coalesce(max(bg.amount), 0) > 0 OR a.code <> 'general'
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
	if _, err := db.CatchUpFigures(ctx); err != nil {
		return nil, err
	}
	err := db.X.SelectContext(ctx, &out, `
	SELECT s.id::text AS key, s.name, 0::bigint AS budget_fen, `+figureColumns+`
	FROM figure_totals t JOIN suppliers s ON s.id = t.supplier_id
	WHERE ($1 = 0 OR t.fiscal_year = $1) AND t.purchases > 0
	GROUP BY s.id, s.name ORDER BY s.name, s.id`, year)
	if err != nil {
		return nil, fmt.Errorf("supplier figures of %d: %w", year, err)
	}
	return withExecution(out), nil
}

// YearFigures returns the figures of every fiscal year.
func (db *DB) YearFigures(ctx context.Context) ([]Figures, error) {
	var out []Figures
	if _, err := db.CatchUpFigures(ctx); err != nil {
		return nil, err
	}
	err := db.X.SelectContext(ctx, &out, `
	WITH budgets AS (SELECT fiscal_year, sum(amount_fen) AS amount FROM budget_lines GROUP BY fiscal_year)
	SELECT bg.fiscal_year::text AS key, bg.fiscal_year::text AS name, bg.amount AS budget_fen, `+figureColumns+`
	FROM budgets bg LEFT JOIN figure_totals t ON t.fiscal_year = bg.fiscal_year
	GROUP BY bg.fiscal_year, bg.amount ORDER BY bg.fiscal_year DESC`)
	if err != nil {
		return nil, fmt.Errorf("year figures: %w", err)
	}
	return withExecution(out), nil
}
