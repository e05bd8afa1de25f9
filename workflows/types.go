package workflows

import (
	"strconv"
	"time"

	"zhucan/catalog"
	"zhucan/rules"
)

// Status is where a purchase stands.
type Status string

// Purchase statuses, as the API reports them.
const (
	StatusTendering       Status = "tendering"
	StatusEvaluating      Status = "evaluating"
	StatusChallengePeriod Status = "challenge_period"
	StatusContracting     Status = "contracting"
	StatusDelivering      Status = "delivering"
	StatusAssessing       Status = "assessing"
	StatusSettled         Status = "settled"
	StatusFailed          Status = "failed"
	StatusCancelled       Status = "cancelled"
	StatusTerminated      Status = "terminated"
)

// Terminal reports whether nothing more can happen to a purchase in s.
func (s Status) Terminal() bool {
	return s == StatusSettled || s == StatusCancelled || s == StatusTerminated
}

// Actor identifies who acts on a purchase. The API, a trusted caller,
// fills it from the authenticated user.
type Actor struct {
	// UserID is the acting user.
	UserID int64 `json:"userId"`
	// Name is the user's display name, for the audit trail.
	Name string `json:"name"`
	// Role is admin, officer, supplier or evaluator.
	Role string `json:"role"`
	// SupplierID is the organisation a supplier user acts for.
	SupplierID int64 `json:"supplierId,omitempty"`
}

// Supplier is the registry record of a bidding organisation, attached by
// the API from PostgreSQL so that the workflow can check eligibility
// without I/O in its validators.
type Supplier struct {
	// ID is the supplier's ID.
	ID int64 `json:"id"`
	// Name is its registered name.
	Name string `json:"name"`
	// Qualifications are the qualification codes it holds.
	Qualifications []string `json:"qualifications"`
	// Dishonest is true when it is on the dishonesty list (失信名单).
	Dishonest bool `json:"dishonest"`
}

// MilestonePlan is one planned delivery milestone with its payment share.
type MilestonePlan struct {
	// Name names the milestone.
	Name string `json:"name"`
	// Due is the due date.
	Due time.Time `json:"due"`
	// Quantity is the planned quantity, in the item's unit.
	Quantity int64 `json:"quantity"`
	// PaymentPercent is the share of the contract paid on acceptance.
	PaymentPercent int `json:"paymentPercent"`
}

// PurchaseInput starts a purchase workflow. The API validates it against
// the catalogue and the policy before starting.
type PurchaseInput struct {
	// PurchaseID is the purchase's number, allocated by the API.
	PurchaseID int64 `json:"purchaseId"`
	// Title is the purchase's title.
	Title string `json:"title"`
	// Item is the catalogue item, as it stood when the purchase was created.
	Item catalog.Item `json:"item"`
	// BudgetID is the budget line the ceiling is reserved against.
	BudgetID int64 `json:"budgetId"`
	// Quantity is the quantity purchased, in the item's unit.
	Quantity int64 `json:"quantity"`
	// CeilingFen is the ceiling price (最高限价) of the whole purchase.
	CeilingFen int64 `json:"ceilingFen"`
	// Method is the procurement method.
	Method rules.Method `json:"method"`
	// BidDeadline closes the first round.
	BidDeadline time.Time `json:"bidDeadline"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `json:"serviceStart"`
	// ServiceEnd ends the service period.
	ServiceEnd time.Time `json:"serviceEnd"`
	// PriceWeight is the price's share of the total score (10–30).
	PriceWeight int `json:"priceWeight"`
	// Panel are the evaluators who score bids.
	Panel []int64 `json:"panel"`
	// Inspectors are the evaluators who inspect delivery.
	Inspectors []int64 `json:"inspectors"`
	// Assessors are the evaluators who score performance.
	Assessors []int64 `json:"assessors"`
	// Milestones is the delivery and payment plan.
	Milestones []MilestonePlan `json:"milestones"`
	// MidTerm asks for a mid-term performance evaluation too.
	MidTerm bool `json:"midTerm"`
	// Officer is who created the purchase.
	Officer Actor `json:"officer"`
	// Policy is the rule set the purchase runs under.
	Policy rules.Policy `json:"policy"`
	// PublishedAt is when the API accepted the purchase: the notice's
	// publication, from which windows are counted. The workflow checks the
	// input against the same moment, so that a purchase the API accepted
	// is never refused because the workflow started a little later.
	PublishedAt time.Time `json:"publishedAt,omitempty"`
	// Revision is the revision of this workflow code the purchase started
	// under (CurrentRevision when it is started now; see Revision).
	Revision Revision `json:"revision,omitempty"`
}

// Revision numbers the changes of workflow behaviour that would make a
// recorded history replay differently. A purchase keeps the revision it
// started under for its whole life (delivery inherits it), so running
// purchases go on as they began while new ones take the new behaviour.
//
// It lives in the workflow's input instead of workflow.GetVersion: in this
// SDK every first GetVersion of a run also upserts the TemporalChangeVersion
// search attribute, a visibility write in the engine per run, which load
// tests showed in every human action's latency.
type Revision int

const (
	// RevisionOriginal is every purchase started before revisions: each
	// event written as soon as it is queued, a timer per wait, search
	// attributes (with the status) upserted at every status change.
	RevisionOriginal Revision = 0
	// RevisionBatchedSteps writes the Update that completes a step with
	// the step's follow-up events, keeps a deadline's timer across waits,
	// and sets search attributes at the start only.
	RevisionBatchedSteps Revision = 1
	// RevisionDeliveryOpens lets the delivery run, not the tender run,
	// record that delivery began: the records say "delivering" only once
	// the run that takes delivery's actions (reports, inspections) runs.
	// Before, an organisation that reported at once could reach the
	// closing tender run and wait for Temporal to route its report again
	// (1.5 s under load tests).
	RevisionDeliveryOpens Revision = 2
	// CurrentRevision is the revision of purchases started now.
	CurrentRevision = RevisionDeliveryOpens
)

// WorkflowID returns the workflow ID of purchase id.
func WorkflowID(id int64) string { return "purchase-" + strconv.FormatInt(id, 10) }
