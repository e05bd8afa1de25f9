package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/lib/pq"
)

// Purchase is a purchase as the read model holds it.
type Purchase struct {
	// ID is the purchase number.
	ID int64 `db:"id" json:"id"`
	// WorkflowID is its Temporal workflow.
	WorkflowID string `db:"workflow_id" json:"workflowId"`
	// Title is its title.
	Title string `db:"title" json:"title"`
	// CatalogYear and CatalogCode name the catalogue item.
	CatalogYear int `db:"catalog_year" json:"catalogYear"`
	// CatalogCode is the item's code.
	CatalogCode string `db:"catalog_code" json:"catalogCode"`
	// ItemNameZH is the item's Chinese name.
	ItemNameZH string `db:"item_name_zh" json:"itemNameZh"`
	// ItemNameEN is the item's English name.
	ItemNameEN string `db:"item_name_en" json:"itemNameEn"`
	// UnitZH is the item's unit.
	UnitZH string `db:"unit_zh" json:"unitZh"`
	// Area is the service area.
	Area string `db:"area" json:"category"`
	// BudgetID is the budget line.
	BudgetID int64 `db:"budget_id" json:"budgetId"`
	// Quantity is the quantity purchased.
	Quantity int64 `db:"quantity" json:"quantity"`
	// CeilingFen is the ceiling price.
	CeilingFen int64 `db:"ceiling_fen" json:"ceilingFen"`
	// Method is the procurement method of the current round.
	Method string `db:"method" json:"method"`
	// Status is where it stands.
	Status string `db:"status" json:"status"`
	// Round is the current tender round.
	Round int `db:"round" json:"round"`
	// BidDeadline closes the current round.
	BidDeadline time.Time `db:"bid_deadline" json:"bidDeadline"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `db:"service_start" json:"serviceStart"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `db:"service_end" json:"serviceEnd"`
	// PriceWeight is the price's share of the score.
	PriceWeight int `db:"price_weight" json:"priceWeight"`
	// Policy names the rule set.
	Policy string `db:"policy" json:"policy"`
	// CreatedBy is the officer who created it.
	CreatedBy *int64 `db:"created_by" json:"createdBy,omitempty"`
	// CreatedAt is when.
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
	// UpdatedAt is its last change.
	UpdatedAt time.Time `db:"updated_at" json:"updatedAt"`
}

const purchaseColumns = `p.id, p.workflow_id, p.title, p.catalog_year, p.catalog_code, i.name_zh AS item_name_zh,
	i.name_en AS item_name_en, i.unit_zh, p.area, p.budget_id, p.quantity, p.ceiling_fen, p.method, p.status, p.round,
	p.bid_deadline, p.service_start, p.service_end, p.price_weight, p.policy, p.created_by, p.created_at, p.updated_at`

const purchaseFrom = ` FROM purchases p` + purchaseItem

// purchaseItem joins a purchase p to its catalogue item i.
const purchaseItem = ` JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code`

// PurchaseFilter selects purchases for a list.
type PurchaseFilter struct {
	// Status, Category (area) and Method match exactly when set.
	Status, Category, Method string
	// SupplierID keeps purchases the organisation bid on or holds.
	SupplierID int64
	// Query matches the title or the item name.
	Query string
	// Before keeps purchases numbered below it (keyset pagination).
	Before int64
	// Limit caps the rows.
	Limit int
}

// where renders the filter as SQL conditions on purchases p (joined to
// catalog_items i), numbering arguments after those already in args.
func (f PurchaseFilter) where(args []any) (string, []any) {
	conds, args := f.conditions(args)
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likePattern(q))
		like := fmt.Sprintf("$%d", len(args))
		conds = append(conds, "(p.title ILIKE "+like+" OR i.name_zh ILIKE "+like+" OR i.name_en ILIKE "+like+")")
	}
	return and(conds), args
}

// conditions renders the filter but its text query as SQL conditions on
// purchases p, numbering arguments after those already in args.
func (f PurchaseFilter) conditions(args []any) ([]string, []any) {
	var where []string
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		where = append(where, "p.status = "+arg(f.Status))
	}
	if f.Category != "" {
		where = append(where, "p.area = "+arg(f.Category))
	}
	if f.Method != "" {
		where = append(where, "p.method = "+arg(f.Method))
	}
	if f.SupplierID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM bids b WHERE b.purchase_id = p.id AND b.supplier_id = "+arg(f.SupplierID)+")")
	}
	if f.Before > 0 {
		where = append(where, "p.id < "+arg(f.Before))
	}
	return where, args
}

// and joins conditions, TRUE for none.
func and(conds []string) string {
	if len(conds) == 0 {
		return "TRUE"
	}
	return strings.Join(conds, " AND ")
}

// likePattern matches q anywhere, with ILIKE's wildcards in q escaped.
func likePattern(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
}

// searchWindow is how many of the newest purchases that pass the other
// filters a text search reads before it asks the indexes for every match.
const searchWindow = 2000

// ListPurchases lists purchases, newest first.
//
// Without a text query the newest purchases that pass the filters are
// read in order, from Before down. A text query (the title or the item's
// name) may match most purchases or a handful, and the planner cannot
// tell which from its statistics: reading the newest purchases until a
// page is full reads the whole table for a rare title (a second at a
// million purchases), while finding every match first sorts hundreds of
// thousands for a common word. So a search reads the newest searchWindow
// purchases that pass the other filters and matches the text among them:
// a full page there is the answer, as no older purchase comes before it.
// Otherwise matches are rare, and every one is found through the indexes
// (the trigram index on titles, the item codes, the status) before the
// newest page is taken from them.
//
// The search refers to purchases only: item names are matched in the
// small catalogue first, and a purchase whose item's code is among those
// matches if its own item's name does, exactly as where renders it (every
// purchase has its item).
func (db *DB) ListPurchases(ctx context.Context, f PurchaseFilter) ([]Purchase, error) {
	conds, args := f.conditions(nil)
	q := strings.TrimSpace(f.Query)
	if q == "" {
		return db.listPurchases(ctx, `SELECT `+purchaseColumns+purchaseFrom+` WHERE `+and(conds), args, f.Limit)
	}
	var codes []string
	if err := db.X.SelectContext(ctx, &codes, `SELECT DISTINCT code FROM catalog_items WHERE name_zh ILIKE $1 OR name_en ILIKE $1`,
		likePattern(q)); err != nil {
		return nil, fmt.Errorf("list purchases: search catalogue items: %w", err)
	}
	window := fmt.Sprintf(`(SELECT * FROM purchases p WHERE %s ORDER BY p.id DESC LIMIT %d) p`, and(conds), searchWindow)
	args = append(args, likePattern(q))
	like := fmt.Sprintf("$%d", len(args))
	text := "p.title " + likeOperator(q) + " " + like
	if len(codes) > 0 {
		args = append(args, pq.Array(codes))
		text = fmt.Sprintf(`(%s OR (p.catalog_code = ANY($%d) AND EXISTS (SELECT 1 FROM catalog_items c
			WHERE c.year = p.catalog_year AND c.code = p.catalog_code AND (c.name_zh ILIKE %s OR c.name_en ILIKE %s))))`,
			text, len(args), like, like)
	}
	out, err := db.listPurchases(ctx, `SELECT `+purchaseColumns+` FROM `+window+purchaseItem+` WHERE `+text, args, f.Limit)
	if err != nil || len(out) >= f.Limit {
		return out, err
	}
	// No full page among the newest: find the matches through the indexes
	// and keep the newest page of them. Ordering by id + 0 keeps the
	// planner from reading purchases in id order (the primary key) until
	// the page is full, which reads the whole table when the matches are
	// old; the page is kept with a top-N sort, without holding every match.
	args = append(args, f.Limit)
	return db.listPurchases(ctx, `WITH hits AS (SELECT p.id FROM purchases p WHERE `+and(append(conds, text))+`
			ORDER BY p.id + 0 DESC LIMIT $`+strconv.Itoa(len(args))+`)
		SELECT `+purchaseColumns+` FROM hits h JOIN purchases p ON p.id = h.id`+purchaseItem, args, f.Limit)
}

// likeOperator is the operator that matches a title against q's pattern
// as ILIKE does: LIKE when no character of q has another case form (a
// year, Chinese text), as no title character then lowers to one of them;
// ILIKE otherwise (ß too: ẞ lowers to it). LIKE compares bytes, several
// times faster than ILIKE, which lowers every title it checks (100,000
// titles for a common year).
func likeOperator(q string) string {
	for _, r := range q {
		if unicode.SimpleFold(r) != r {
			return "ILIKE"
		}
	}
	return "LIKE"
}

// listPurchases reads the purchases query selects, newest first, at most
// limit of them.
func (db *DB) listPurchases(ctx context.Context, query string, args []any, limit int) ([]Purchase, error) {
	args = append(args, limit)
	var out []Purchase
	if err := db.X.SelectContext(ctx, &out, query+fmt.Sprintf(" ORDER BY p.id DESC LIMIT $%d", len(args)), args...); err != nil {
		return nil, fmt.Errorf("list purchases: %w", err)
	}
	return out, nil
}

// purchaseQuery reads purchase $1.
const purchaseQuery = `SELECT ` + purchaseColumns + purchaseFrom + ` WHERE p.id = $1`

// PurchaseByID reads one purchase.
func (db *DB) PurchaseByID(ctx context.Context, id int64) (Purchase, error) {
	var p Purchase
	err := db.X.GetContext(ctx, &p, purchaseQuery, id)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("purchase %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read purchase %d: %w", id, err)
	}
	return p, nil
}

// membersQuery reads the evaluators of purchase $1.
const membersQuery = `SELECT m.user_id, u.name, m.duty, m.recused_at, m.recusal_reason
	FROM purchase_members m JOIN users u ON u.id = m.user_id WHERE m.purchase_id = $1 ORDER BY m.duty, m.user_id`

// Member is an evaluator assigned to a purchase.
type Member struct {
	// UserID is the evaluator.
	UserID int64 `db:"user_id" json:"userId"`
	// Name is their name.
	Name string `db:"name" json:"name"`
	// Duty is panel, inspector or assessor.
	Duty string `db:"duty" json:"duty"`
	// RecusedAt is set after a recusal or removal.
	RecusedAt *time.Time `db:"recused_at" json:"recusedAt,omitempty"`
	// RecusalReason explains it.
	RecusalReason string `db:"recusal_reason" json:"recusalReason,omitempty"`
}

// Members lists a purchase's evaluators.
func (db *DB) Members(ctx context.Context, pid int64) ([]Member, error) {
	var out []Member
	if err := db.X.SelectContext(ctx, &out, membersQuery, pid); err != nil {
		return nil, fmt.Errorf("read members of purchase %d: %w", pid, err)
	}
	return out, nil
}

// Bid is an opened bid.
type Bid struct {
	// ID is the bid's number.
	ID int64 `db:"id" json:"id"`
	// Round is its tender round.
	Round int `db:"round" json:"round"`
	// SupplierID is the bidder.
	SupplierID int64 `db:"supplier_id" json:"supplierId"`
	// SupplierName is its name.
	SupplierName string `db:"supplier_name" json:"supplierName"`
	// PriceFen is the price.
	PriceFen int64 `db:"price_fen" json:"priceFen"`
	// Proposal is the technical proposal.
	Proposal string `db:"proposal" json:"proposal,omitempty"`
	// Status is valid or rejected.
	Status string `db:"status" json:"status"`
	// AbnormallyLow flags a price below the policy share of the mean.
	AbnormallyLow bool `db:"abnormally_low" json:"abnormallyLow"`
	// LowPriceDecision is the panel's reason on an abnormally low price.
	LowPriceDecision string `db:"low_price_decision" json:"lowPriceDecision,omitempty"`
	// TechnicalCenti is the mean technical score, after evaluation.
	TechnicalCenti *int64 `db:"technical_centi" json:"technicalCenti,omitempty"`
	// PriceScoreCenti is the price score.
	PriceScoreCenti *int64 `db:"price_score_centi" json:"priceScoreCenti,omitempty"`
	// TotalCenti is the total.
	TotalCenti *int64 `db:"total_centi" json:"totalCenti,omitempty"`
	// Rank is 1 for the best.
	Rank *int `db:"rank" json:"rank,omitempty"`
	// SubmittedAt is when it arrived.
	SubmittedAt time.Time `db:"submitted_at" json:"submittedAt"`
	// ScoredBy lists the panel members who scored it.
	ScoredBy pq.Int64Array `db:"scored_by" json:"scoredBy,omitempty"`
}

// bidsQuery reads the opened bids of purchase $1.
const bidsQuery = `SELECT b.id, b.round, b.supplier_id, s.name AS supplier_name, b.price_fen, b.proposal,
		b.status, b.abnormally_low, b.low_price_decision, b.technical_centi, b.price_score_centi, b.total_centi, b.rank,
		b.submitted_at, coalesce(array(SELECT evaluator_id FROM bid_scores WHERE bid_id = b.id ORDER BY evaluator_id), '{}') AS scored_by
	FROM bids b JOIN suppliers s ON s.id = b.supplier_id WHERE b.purchase_id = $1
	ORDER BY b.round, b.rank NULLS LAST, b.supplier_id`

// Bids lists a purchase's opened bids, by round and rank.
func (db *DB) Bids(ctx context.Context, pid int64) ([]Bid, error) {
	var out []Bid
	if err := db.X.SelectContext(ctx, &out, bidsQuery, pid); err != nil {
		return nil, fmt.Errorf("read bids of purchase %d: %w", pid, err)
	}
	return out, nil
}

// Award is an award notice.
type Award struct {
	// Round is the tender round.
	Round int `db:"round" json:"round"`
	// BidID is the winning bid.
	BidID int64 `db:"bid_id" json:"bidId"`
	// SupplierID is the winner.
	SupplierID int64 `db:"supplier_id" json:"supplierId"`
	// SupplierName is its name.
	SupplierName string `db:"supplier_name" json:"supplierName"`
	// AmountFen is the winning price.
	AmountFen int64 `db:"amount_fen" json:"amountFen"`
	// Status is notified, signed, forfeited or voided.
	Status string `db:"status" json:"status"`
	// NotifiedAt is the notice.
	NotifiedAt time.Time `db:"notified_at" json:"notifiedAt"`
	// OfficerSignedAt is the purchaser's signature.
	OfficerSignedAt *time.Time `db:"officer_signed_at" json:"officerSignedAt,omitempty"`
	// SupplierSignedAt is the winner's signature.
	SupplierSignedAt *time.Time `db:"supplier_signed_at" json:"supplierSignedAt,omitempty"`
}

// awardsQuery reads the award notices of purchase $1.
const awardsQuery = `SELECT a.round, a.bid_id, a.supplier_id, s.name AS supplier_name, a.amount_fen, a.status,
		a.notified_at, a.officer_signed_at, a.supplier_signed_at
	FROM awards a JOIN suppliers s ON s.id = a.supplier_id WHERE a.purchase_id = $1 ORDER BY a.notified_at, a.id`

// Challenge is a challenge (质疑) and its answer.
type Challenge struct {
	// Seq numbers it.
	Seq int `db:"seq" json:"id"`
	// Round is the tender round.
	Round int `db:"round" json:"round"`
	// SupplierID is the challenger.
	SupplierID int64 `db:"supplier_id" json:"supplierId"`
	// Reason states it.
	Reason string `db:"reason" json:"reason,omitempty"`
	// FiledAt is when.
	FiledAt time.Time `db:"filed_at" json:"filedAt"`
	// Upheld is the answer.
	Upheld *bool `db:"upheld" json:"upheld,omitempty"`
	// Action is rescore or retender.
	Action *string `db:"action" json:"action,omitempty"`
	// Response is the officer's answer.
	Response string `db:"response" json:"response,omitempty"`
	// AnsweredAt is when it was answered.
	AnsweredAt *time.Time `db:"answered_at" json:"answeredAt,omitempty"`
}

// challengesQuery reads the challenges of purchase $1.
const challengesQuery = `SELECT seq, round, supplier_id, reason, filed_at, upheld, action, response, answered_at
	FROM challenges WHERE purchase_id = $1 ORDER BY seq`

// Contract is a signed contract.
type Contract struct {
	// ID is the contract's number.
	ID int64 `db:"id" json:"id"`
	// SupplierID is the contracted organisation.
	SupplierID int64 `db:"supplier_id" json:"supplierId"`
	// SupplierName is its name.
	SupplierName string `db:"supplier_name" json:"supplierName"`
	// AmountFen is the contract amount.
	AmountFen int64 `db:"amount_fen" json:"amountFen"`
	// Quantity is the contracted quantity.
	Quantity int64 `db:"quantity" json:"quantity"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `db:"service_start" json:"serviceStart"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `db:"service_end" json:"serviceEnd"`
	// Indicators are the performance indicators with their weights.
	Indicators json.RawMessage `db:"indicators" json:"indicators"`
	// Status is active, completed or terminated.
	Status string `db:"status" json:"status"`
	// OfficerSignedAt is the purchaser's signature.
	OfficerSignedAt time.Time `db:"officer_signed_at" json:"officerSignedAt"`
	// SupplierSignedAt is the organisation's signature.
	SupplierSignedAt time.Time `db:"supplier_signed_at" json:"supplierSignedAt"`
	// TerminatedAt is set on termination.
	TerminatedAt *time.Time `db:"terminated_at" json:"terminatedAt,omitempty"`
	// TerminationReason explains it.
	TerminationReason string `db:"termination_reason" json:"terminationReason,omitempty"`
}

// contractQuery reads the contract of purchase $1.
const contractQuery = `SELECT c.id, c.supplier_id, s.name AS supplier_name, c.amount_fen, c.quantity, c.service_start,
		c.service_end, c.indicators, c.status, c.officer_signed_at, c.supplier_signed_at, c.terminated_at, c.termination_reason
	FROM contracts c JOIN suppliers s ON s.id = c.supplier_id WHERE c.purchase_id = $1`

// ContractOf reads a purchase's contract, or ErrNotFound before signing.
func (db *DB) ContractOf(ctx context.Context, pid int64) (Contract, error) {
	var c Contract
	err := db.X.GetContext(ctx, &c, contractQuery, pid)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("contract of purchase %d: %w", pid, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read contract of purchase %d: %w", pid, err)
	}
	return c, nil
}

// Report is a milestone report and its review.
type Report struct {
	// Seq is the milestone.
	Seq int `db:"seq" json:"-"`
	// Version numbers the reports of a milestone.
	Version int `db:"version" json:"version"`
	// DeliveredQuantity is the quantity delivered.
	DeliveredQuantity int64 `db:"delivered_quantity" json:"deliveredQuantity"`
	// Beneficiaries is the number of people served.
	Beneficiaries int64 `db:"beneficiaries" json:"beneficiaries"`
	// Summary describes the delivery.
	Summary string `db:"summary" json:"summary"`
	// Evidence lists supporting files with their SHA-256.
	Evidence json.RawMessage `db:"evidence" json:"evidence"`
	// SubmittedAt is when it arrived.
	SubmittedAt time.Time `db:"submitted_at" json:"submittedAt"`
	// OnTime is true when it came by the due date.
	OnTime *bool `db:"on_time" json:"onTime,omitempty"`
	// Accepted is the review's decision.
	Accepted *bool `db:"accepted" json:"accepted,omitempty"`
	// AcceptedQuantity is the quantity accepted.
	AcceptedQuantity *int64 `db:"accepted_quantity" json:"acceptedQuantity,omitempty"`
	// ReviewReason explains a return.
	ReviewReason string `db:"review_reason" json:"reviewReason,omitempty"`
	// ReviewedAt is when it was reviewed.
	ReviewedAt *time.Time `db:"reviewed_at" json:"reviewedAt,omitempty"`
}

// Milestone is a contract milestone with its payment plan and reports.
type Milestone struct {
	// Seq numbers it from 1.
	Seq int `db:"seq" json:"seq"`
	// Name names it.
	Name string `db:"name" json:"name"`
	// Due is its due date.
	Due time.Time `db:"due_at" json:"due"`
	// Quantity is the planned quantity.
	Quantity int64 `db:"planned_quantity" json:"quantity"`
	// PaymentPercent is its share of the contract.
	PaymentPercent int `db:"payment_percent" json:"paymentPercent"`
	// PaymentFen is its planned payment.
	PaymentFen int64 `db:"planned_payment_fen" json:"paymentFen"`
	// Status is pending, reported, returned or accepted.
	Status string `db:"status" json:"status"`
	// AcceptedQuantity is the quantity accepted.
	AcceptedQuantity *int64 `db:"accepted_quantity" json:"acceptedQuantity,omitempty"`
	// Beneficiaries is the number of people served, as accepted.
	Beneficiaries *int64 `db:"beneficiaries" json:"beneficiaries,omitempty"`
	// AcceptedAt is when it was accepted.
	AcceptedAt *time.Time `db:"accepted_at" json:"acceptedAt,omitempty"`
	// Overdue is true once its due date passed without a report.
	Overdue bool `db:"overdue" json:"overdue"`
	// Reports are its reports, oldest first.
	Reports []Report `db:"-" json:"reports"`
}

// milestonesQuery and reportsQuery read the milestones of contract $1 and
// their reports.
const (
	milestonesQuery = `SELECT seq, name, due_at, planned_quantity, payment_percent, planned_payment_fen, status,
		accepted_quantity, beneficiaries, accepted_at, overdue FROM milestones WHERE contract_id = $1 ORDER BY seq`
	reportsQuery = `SELECT seq, version, delivered_quantity, beneficiaries, summary, evidence, submitted_at, on_time,
		accepted, accepted_quantity, review_reason, reviewed_at FROM milestone_reports WHERE contract_id = $1 ORDER BY seq, version`
)

// Milestones reads a contract's milestones with their reports.
func (db *DB) Milestones(ctx context.Context, cid int64) ([]Milestone, error) {
	var ms []Milestone
	if err := db.X.SelectContext(ctx, &ms, milestonesQuery, cid); err != nil {
		return nil, fmt.Errorf("read milestones of contract %d: %w", cid, err)
	}
	var rs []Report
	if err := db.X.SelectContext(ctx, &rs, reportsQuery, cid); err != nil {
		return nil, fmt.Errorf("read reports of contract %d: %w", cid, err)
	}
	return withReports(ms, rs), nil
}

// withReports gives each milestone of ms its reports from rs.
func withReports(ms []Milestone, rs []Report) []Milestone {
	for i := range ms {
		ms[i].Reports = []Report{}
	}
	for _, r := range rs {
		if r.Seq >= 1 && r.Seq <= len(ms) {
			ms[r.Seq-1].Reports = append(ms[r.Seq-1].Reports, r)
		}
	}
	return ms
}

// Inspection is a quality inspection.
type Inspection struct {
	// Seq numbers it.
	Seq int `db:"seq" json:"seq"`
	// Due is when it fell due.
	Due time.Time `db:"due_at" json:"due"`
	// InspectorID is the inspector.
	InspectorID *int64 `db:"inspector_id" json:"inspectorId,omitempty"`
	// Reinspection is true after a rectification.
	Reinspection bool `db:"reinspection" json:"reinspection"`
	// Passed is the result, once recorded.
	Passed *bool `db:"passed" json:"passed,omitempty"`
	// Findings describes what was found.
	Findings string `db:"findings" json:"findings,omitempty"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed *int `db:"surveyed" json:"surveyed,omitempty"`
	// Satisfied is the number satisfied.
	Satisfied *int `db:"satisfied" json:"satisfied,omitempty"`
	// RecordedAt is when it was recorded.
	RecordedAt *time.Time `db:"recorded_at" json:"recordedAt,omitempty"`
}

// inspectionsQuery reads the inspections of contract $1.
const inspectionsQuery = `SELECT seq, due_at, inspector_id, reinspection, passed, findings, surveyed, satisfied, recorded_at
	FROM inspections WHERE contract_id = $1 ORDER BY seq`

// Rectification is a rectification (整改).
type Rectification struct {
	// Seq numbers it.
	Seq int `db:"seq" json:"id"`
	// InspectionSeq is the failed inspection.
	InspectionSeq int `db:"inspection_seq" json:"inspectionSeq"`
	// Deadline is when it must be done.
	Deadline time.Time `db:"deadline" json:"deadline"`
	// Status is open, done, closed or failed.
	Status string `db:"status" json:"status"`
	// Summary is the organisation's account.
	Summary string `db:"summary" json:"summary,omitempty"`
	// DoneAt is when it was reported done.
	DoneAt *time.Time `db:"done_at" json:"doneAt,omitempty"`
	// ClosedAt is when it was closed or failed.
	ClosedAt *time.Time `db:"closed_at" json:"closedAt,omitempty"`
}

// rectificationsQuery reads the rectifications of contract $1.
const rectificationsQuery = `SELECT seq, inspection_seq, deadline, status, summary, done_at, closed_at
	FROM rectifications WHERE contract_id = $1 ORDER BY seq`

// IndicatorScoreRow is one indicator score of an evaluation.
type IndicatorScoreRow struct {
	// Stage is midterm or final.
	Stage string `db:"stage" json:"-"`
	// Indicator is the indicator code.
	Indicator string `db:"indicator_code" json:"indicator"`
	// Scorer is "measured" or an assessor's user ID.
	Scorer string `db:"scorer" json:"scorer"`
	// ScoreCenti is the score in hundredths.
	ScoreCenti int64 `db:"score_centi" json:"scoreCenti"`
	// Comment is the assessor's comment.
	Comment string `db:"comment" json:"comment,omitempty"`
}

// Evaluation is a performance evaluation with its scores.
type Evaluation struct {
	// Stage is midterm or final.
	Stage string `db:"stage" json:"stage"`
	// Status is open or done.
	Status string `db:"status" json:"status"`
	// OpenedAt is when it opened.
	OpenedAt time.Time `db:"opened_at" json:"openedAt"`
	// Due is when assessors should be done.
	Due *time.Time `db:"due_at" json:"due,omitempty"`
	// TotalCenti is the total out of 10000.
	TotalCenti *int64 `db:"total_centi" json:"totalCenti,omitempty"`
	// Grade is excellent, good, pass or fail.
	Grade *string `db:"grade" json:"grade,omitempty"`
	// EvaluatedAt is when it was graded.
	EvaluatedAt *time.Time `db:"evaluated_at" json:"evaluatedAt,omitempty"`
	// Scores are the indicator scores.
	Scores []IndicatorScoreRow `db:"-" json:"scores"`
}

// evaluationsQuery and indicatorScoresQuery read the evaluations of
// contract $1 and their indicator scores.
const (
	evaluationsQuery = `SELECT stage, status, opened_at, due_at, total_centi, grade, evaluated_at
		FROM evaluations WHERE contract_id = $1 ORDER BY opened_at`
	indicatorScoresQuery = `SELECT stage, indicator_code, scorer, score_centi, comment
		FROM indicator_scores WHERE contract_id = $1 ORDER BY stage, indicator_code, scorer`
)

// withScores gives each evaluation of out its indicator scores.
func withScores(out []Evaluation, scores []IndicatorScoreRow) []Evaluation {
	for i := range out {
		out[i].Scores = []IndicatorScoreRow{}
		for _, s := range scores {
			if s.Stage == out[i].Stage {
				out[i].Scores = append(out[i].Scores, s)
			}
		}
	}
	return out
}

// Payment is a payment to the contracted organisation.
type Payment struct {
	// Kind is milestone or retention.
	Kind string `db:"kind" json:"kind"`
	// Milestone is the milestone paid.
	Milestone *int `db:"milestone_seq" json:"milestone,omitempty"`
	// AmountFen is the amount.
	AmountFen int64 `db:"amount_fen" json:"amountFen"`
	// PaidAt is when.
	PaidAt time.Time `db:"paid_at" json:"paidAt"`
}

// paymentsQuery reads the payments of contract $1.
const paymentsQuery = `SELECT kind, milestone_seq, amount_fen, paid_at FROM payments WHERE contract_id = $1 ORDER BY id`

// RecordEntry is one entry of an organisation's performance record.
type RecordEntry struct {
	// PurchaseID is the purchase concerned.
	PurchaseID int64 `db:"purchase_id" json:"purchaseId"`
	// Title is its title.
	Title string `db:"title" json:"title"`
	// Kind is grade, delay, termination or forfeit.
	Kind string `db:"kind" json:"kind"`
	// Detail describes it.
	Detail json.RawMessage `db:"detail" json:"detail"`
	// At is when.
	At time.Time `db:"at" json:"at"`
}

// SupplierRecord reads an organisation's performance record, newest first.
func (db *DB) SupplierRecord(ctx context.Context, sid int64) ([]RecordEntry, error) {
	var out []RecordEntry
	if err := db.X.SelectContext(ctx, &out, `SELECT r.purchase_id, p.title, r.kind, r.detail, r.at
		FROM supplier_records r JOIN purchases p ON p.id = r.purchase_id WHERE r.supplier_id = $1 ORDER BY r.at DESC, r.id DESC`, sid); err != nil {
		return nil, fmt.Errorf("read record of supplier %d: %w", sid, err)
	}
	return out, nil
}

// ListSuppliers lists organisations by name.
func (db *DB) ListSuppliers(ctx context.Context) ([]Supplier, error) {
	var out []Supplier
	if err := db.X.SelectContext(ctx, &out, `SELECT id, credit_code, name, qualifications, contact, welfare_unit, dishonest, dishonest_reason, created_at
		FROM suppliers ORDER BY name, id`); err != nil {
		return nil, fmt.Errorf("list suppliers: %w", err)
	}
	return out, nil
}

// ListBudgets lists budget lines, newest year first.
func (db *DB) ListBudgets(ctx context.Context) ([]Budget, error) {
	var out []Budget
	if err := db.X.SelectContext(ctx, &out, `SELECT `+budgetColumns+` FROM budget_lines ORDER BY fiscal_year DESC, name`); err != nil {
		return nil, fmt.Errorf("list budget lines: %w", err)
	}
	return out, nil
}

// ListUsers lists accounts, optionally of one role.
func (db *DB) ListUsers(ctx context.Context, role string) ([]User, error) {
	var out []User
	if err := db.X.SelectContext(ctx, &out, `SELECT id, name, role, supplier_id, password_hash, created_at FROM users
		WHERE $1 = '' OR role = $1 ORDER BY name`, role); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// VisibleAuditTrail lists a purchase's audit entries that viewer may see:
// an entry sealed until a time still to come (a bid before the deadline),
// or until a deadline since extended and not yet passed, is shown only to
// its own actor.
func (db *DB) VisibleAuditTrail(ctx context.Context, pid int64, viewerActor string) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := db.X.SelectContext(ctx, &out, `SELECT id, event_key, purchase_id, workflow_id, actor, action, detail, at
		FROM audit_log a WHERE purchase_id = $1 AND (sealed_until IS NULL OR actor = $2 OR (sealed_until <= now()
		  -- An extended deadline keeps the round's bids sealed until they are opened.
		  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.id = a.purchase_id AND p.status = 'tendering'
		                    AND p.bid_deadline > now() AND (a.detail->'bid'->>'round')::int = p.round)))
		ORDER BY id`, pid, viewerActor); err != nil {
		return nil, fmt.Errorf("read audit trail of purchase %d: %w", pid, err)
	}
	return out, nil
}

// CurrentBidSuppliers maps those of bidIDs that are bids of purchase
// pid's current round to their bidders, in one query; bids of another
// round or purchase are left out. It returns ErrNotFound when the purchase
// does not exist.
func (db *DB) CurrentBidSuppliers(ctx context.Context, pid int64, bidIDs []int64) (map[int64]int64, error) {
	var rows []struct {
		BidID      *int64 `db:"bid_id"`
		SupplierID *int64 `db:"supplier_id"`
	}
	// Prepared (see prepared): it comes before every panel member's scores.
	st, err := db.prepared(ctx, db.X, `SELECT b.id AS bid_id, b.supplier_id FROM purchases p
			LEFT JOIN bids b ON b.purchase_id = p.id AND b.round = p.round AND b.id = ANY($2)
		WHERE p.id = $1`)
	if err == nil {
		err = st.SelectContext(ctx, &rows, pid, pq.Array(bidIDs))
	}
	if err != nil {
		return nil, fmt.Errorf("read bids of purchase %d: %w", pid, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("purchase %d: %w", pid, ErrNotFound)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		if r.BidID != nil && r.SupplierID != nil {
			out[*r.BidID] = *r.SupplierID
		}
	}
	return out, nil
}

// AuditFeed lists public audit entries of every purchase whose action is
// one of actions, at or after since and numbered after afterID, oldest first.
func (db *DB) AuditFeed(ctx context.Context, actions []string, since time.Time, afterID int64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := db.X.SelectContext(ctx, &out, `SELECT id, event_key, purchase_id, workflow_id, actor, action, detail, at
		FROM audit_log WHERE purchase_id IS NOT NULL AND action = ANY($1) AND at >= $2 AND id > $3
		  AND (sealed_until IS NULL OR sealed_until <= now())
		ORDER BY id LIMIT $4`, pq.Array(actions), since.UTC(), afterID, limit); err != nil {
		return nil, fmt.Errorf("read audit feed: %w", err)
	}
	return out, nil
}
