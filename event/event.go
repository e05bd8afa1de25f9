// Package event defines the facts that a purchase workflow records: one
// Event per state change, carrying the rows it writes. The store applies
// each event exactly once, atomically with its audit entry (the audit
// entry's unique key is the event's key), so a retried activity never
// writes twice and the audit trail is the journal of the purchase.
package event

import (
	"encoding/json"
	"time"
)

// Event is one recorded state change of a purchase.
type Event struct {
	// Key is unique across the system: "<workflowID>/<seq>".
	Key string `json:"key"`
	// Action names what happened, e.g. "bid.submitted".
	Action string `json:"action"`
	// At is when it happened (workflow time, UTC).
	At time.Time `json:"at"`
	// Actor is "user:<id>" for a person or "system" for the workflow itself.
	Actor string `json:"actor"`
	// SealedUntil hides the event from everyone but its actor until then (sealed bids).
	SealedUntil *time.Time `json:"sealedUntil,omitempty"`
	// Note is free text for the audit trail (reasons, responses).
	Note string `json:"note,omitempty"`

	// Planned creates the purchase row and its evaluators.
	Planned *Planned `json:"planned,omitempty"`
	// Status updates the purchase row.
	Status *Status `json:"status,omitempty"`
	// Bid records a (sealed) bid action without price or content.
	Bid *BidAction `json:"bid,omitempty"`
	// Opened writes the bids of a round after its deadline.
	Opened *Opened `json:"opened,omitempty"`
	// Member changes the panel.
	Member *Member `json:"member,omitempty"`
	// LowPrice records the panel's decision on an abnormally low bid.
	LowPrice *LowPrice `json:"lowPrice,omitempty"`
	// Scores records one evaluator's technical scores.
	Scores *Scores `json:"scores,omitempty"`
	// Award records an award notice with the ranking behind it.
	Award *Award `json:"award,omitempty"`
	// AwardStatus changes the status of an award (voided, forfeited).
	AwardStatus *AwardStatus `json:"awardStatus,omitempty"`
	// Challenge records a challenge (质疑) filed.
	Challenge *Challenge `json:"challenge,omitempty"`
	// Answer records the answer to a challenge.
	Answer *Answer `json:"answer,omitempty"`
	// Contract writes the signed contract with milestones.
	Contract *Contract `json:"contract,omitempty"`
	// Budget moves money on the purchase's budget line.
	Budget *Budget `json:"budget,omitempty"`
	// Record adds to an organisation's performance record.
	Record *SupplierRecord `json:"record,omitempty"`
	// Report records a delivery report.
	Report *Report `json:"report,omitempty"`
	// Review records the review of a report.
	Review *Review `json:"review,omitempty"`
	// Overdue flags a milestone whose report is late.
	Overdue *MilestoneOverdue `json:"overdue,omitempty"`
	// Payment pays the organisation (with a pay movement in Budget).
	Payment *Payment `json:"payment,omitempty"`
	// Inspection opens or records an inspection.
	Inspection *Inspection `json:"inspection,omitempty"`
	// Rectification opens or changes a rectification.
	Rectification *Rectification `json:"rectification,omitempty"`
	// Evaluation opens, scores or completes a performance evaluation.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
	// ContractStatus ends the contract.
	ContractStatus *ContractStatus `json:"contractStatus,omitempty"`
	// Signature records one party's signature of the awarded contract.
	Signature *Signature `json:"signature,omitempty"`
	// ClearScores voids technical scores of a round (a rescore, a recusal,
	// a rejected bid).
	ClearScores *ClearScores `json:"clearScores,omitempty"`
}

// ClearScores names the scores voided: of the whole round, of one
// evaluator, or of one bid.
type ClearScores struct {
	// Round is the tender round.
	Round int `json:"round"`
	// EvaluatorID, when set, voids only that evaluator's scores.
	EvaluatorID int64 `json:"evaluatorId,omitempty"`
	// SupplierID, when set, voids only the scores of that bid.
	SupplierID int64 `json:"supplierId,omitempty"`
}

// Signature is one party's signature of the contract awarded in a round.
type Signature struct {
	// Round is the tender round.
	Round int `json:"round"`
	// SupplierID is the awarded organisation.
	SupplierID int64 `json:"supplierId"`
	// Party is officer or supplier.
	Party string `json:"party"`
}

// Planned is a new purchase.
type Planned struct {
	// Title is the purchase's title.
	Title string `json:"title"`
	// CatalogYear and CatalogCode name the catalogue item.
	CatalogYear int `json:"catalogYear"`
	// CatalogCode is the item's code.
	CatalogCode string `json:"catalogCode"`
	// Area is the item's service area.
	Area string `json:"area"`
	// BudgetID is the budget line.
	BudgetID int64 `json:"budgetId"`
	// Quantity is the quantity purchased.
	Quantity int64 `json:"quantity"`
	// CeilingFen is the ceiling price.
	CeilingFen int64 `json:"ceilingFen"`
	// Method is the procurement method.
	Method string `json:"method"`
	// BidDeadline closes the first round.
	BidDeadline time.Time `json:"bidDeadline"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `json:"serviceStart"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `json:"serviceEnd"`
	// PriceWeight is the price's share of the score.
	PriceWeight int `json:"priceWeight"`
	// Policy names the rule set.
	Policy string `json:"policy"`
	// CreatedBy is the officer.
	CreatedBy int64 `json:"createdBy"`
	// Members are the evaluators by duty.
	Members []Member `json:"members"`
}

// Status is the purchase row's state after the event.
type Status struct {
	// Status is the purchase status.
	Status string `json:"status"`
	// Round is the tender round.
	Round int `json:"round"`
	// Method is the procurement method of the round.
	Method string `json:"method"`
	// BidDeadline is the round's bid deadline.
	BidDeadline time.Time `json:"bidDeadline"`
}

// BidAction is a bid submitted, replaced or withdrawn before the deadline.
type BidAction struct {
	// SupplierID is the bidder.
	SupplierID int64 `json:"supplierId"`
	// Round is the tender round.
	Round int `json:"round"`
}

// Opened lists every live bid of a round at its deadline.
type Opened struct {
	// Round is the tender round.
	Round int `json:"round"`
	// Bids are the bids, valid or rejected.
	Bids []Bid `json:"bids"`
}

// Bid is one bid as opened.
type Bid struct {
	// SupplierID is the bidder.
	SupplierID int64 `json:"supplierId"`
	// PriceFen is the bid price.
	PriceFen int64 `json:"priceFen"`
	// Proposal is the technical proposal.
	Proposal string `json:"proposal"`
	// SubmittedAt is when the live version was submitted.
	SubmittedAt time.Time `json:"submittedAt"`
	// AbnormallyLow flags a price below the policy share of the mean.
	AbnormallyLow bool `json:"abnormallyLow"`
}

// Member is a change to a purchase's evaluators.
type Member struct {
	// UserID is the evaluator.
	UserID int64 `json:"userId"`
	// Duty is panel, inspector or assessor.
	Duty string `json:"duty"`
	// Recused is true for a recusal or removal, false for an appointment.
	Recused bool `json:"recused"`
}

// LowPrice is the panel's decision on an abnormally low bid.
type LowPrice struct {
	// Round is the tender round.
	Round int `json:"round"`
	// SupplierID is the bidder.
	SupplierID int64 `json:"supplierId"`
	// Accepted keeps the bid valid; false rejects it.
	Accepted bool `json:"accepted"`
}

// Scores are one evaluator's technical scores in hundredths of a point.
type Scores struct {
	// Round is the tender round.
	Round int `json:"round"`
	// EvaluatorID is the panel member.
	EvaluatorID int64 `json:"evaluatorId"`
	// Technical maps each bid (by supplier) to its score.
	Technical []TechnicalScore `json:"technical"`
}

// TechnicalScore is one bid's technical score by one evaluator.
type TechnicalScore struct {
	// SupplierID identifies the bid within the round.
	SupplierID int64 `json:"supplierId"`
	// Centi is the score in hundredths of a point.
	Centi int64 `json:"centi"`
}

// Award is an award notice with the ranking of the round.
type Award struct {
	// Round is the tender round.
	Round int `json:"round"`
	// SupplierID is the winner.
	SupplierID int64 `json:"supplierId"`
	// AmountFen is the winning price.
	AmountFen int64 `json:"amountFen"`
	// Ranking is every valid bid's scores and rank.
	Ranking []Ranked `json:"ranking"`
}

// Ranked is one bid's final scores.
type Ranked struct {
	// SupplierID identifies the bid within the round.
	SupplierID int64 `json:"supplierId"`
	// TechnicalCenti is the panel's mean technical score.
	TechnicalCenti int64 `json:"technicalCenti"`
	// PriceCenti is the price score.
	PriceCenti int64 `json:"priceCenti"`
	// TotalCenti is technical plus price.
	TotalCenti int64 `json:"totalCenti"`
	// Rank is 1 for the best bid.
	Rank int `json:"rank"`
}

// AwardStatus changes an award's status.
type AwardStatus struct {
	// Round is the tender round.
	Round int `json:"round"`
	// SupplierID is the awarded bidder.
	SupplierID int64 `json:"supplierId"`
	// Status is notified, signed, forfeited or voided.
	Status string `json:"status"`
}

// Challenge is a challenge filed against an award.
type Challenge struct {
	// Seq numbers the challenges of a purchase.
	Seq int `json:"seq"`
	// Round is the tender round.
	Round int `json:"round"`
	// SupplierID is the challenger.
	SupplierID int64 `json:"supplierId"`
	// Reason is the challenger's reasons.
	Reason string `json:"reason"`
}

// Answer is the officer's answer to a challenge.
type Answer struct {
	// Seq is the challenge answered.
	Seq int `json:"seq"`
	// Upheld is true when the challenge is upheld.
	Upheld bool `json:"upheld"`
	// Action is rescore or retender for an upheld challenge.
	Action string `json:"action,omitempty"`
	// Response is the officer's written answer.
	Response string `json:"response"`
}

// Contract is the signed contract.
type Contract struct {
	// SupplierID is the contracted organisation.
	SupplierID int64 `json:"supplierId"`
	// AmountFen is the contract amount (the winning price).
	AmountFen int64 `json:"amountFen"`
	// Quantity is the purchased quantity.
	Quantity int64 `json:"quantity"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `json:"serviceStart"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `json:"serviceEnd"`
	// Indicators is the performance-indicator template.
	Indicators json.RawMessage `json:"indicators"`
	// OfficerSignedAt is when the officer signed.
	OfficerSignedAt time.Time `json:"officerSignedAt"`
	// SupplierSignedAt is when the organisation signed.
	SupplierSignedAt time.Time `json:"supplierSignedAt"`
	// Milestones are the delivery milestones with their payments.
	Milestones []Milestone `json:"milestones"`
}

// Milestone is one contract milestone with its payment plan.
type Milestone struct {
	// Seq numbers milestones from 1.
	Seq int `json:"seq"`
	// Name names it.
	Name string `json:"name"`
	// Due is its due date.
	Due time.Time `json:"due"`
	// Quantity is the planned quantity.
	Quantity int64 `json:"quantity"`
	// PaymentPercent is its share of the contract.
	PaymentPercent int `json:"paymentPercent"`
	// PaymentFen is its planned payment.
	PaymentFen int64 `json:"paymentFen"`
}

// Budget is a movement on the purchase's budget line.
type Budget struct {
	// BudgetID is the line.
	BudgetID int64 `json:"budgetId"`
	// Kind is reserve, release or pay.
	Kind string `json:"kind"`
	// AmountFen is the amount moved (> 0).
	AmountFen int64 `json:"amountFen"`
}

// SupplierRecord is an entry in an organisation's performance record.
type SupplierRecord struct {
	// SupplierID is the organisation.
	SupplierID int64 `json:"supplierId"`
	// Kind is grade, delay, termination or forfeit.
	Kind string `json:"kind"`
	// Detail describes it.
	Detail json.RawMessage `json:"detail,omitempty"`
}

// Evidence is a file supporting a delivery report, identified by its hash.
type Evidence struct {
	// Name is the file name.
	Name string `json:"name"`
	// SHA256 is the file's hex SHA-256.
	SHA256 string `json:"sha256"`
}

// Report is a delivery report for a milestone.
type Report struct {
	// Seq is the milestone.
	Seq int `json:"seq"`
	// Version numbers the reports of that milestone from 1.
	Version int `json:"version"`
	// Delivered is the quantity delivered.
	Delivered int64 `json:"delivered"`
	// Beneficiaries is the number of people served.
	Beneficiaries int64 `json:"beneficiaries"`
	// Summary describes the delivery.
	Summary string `json:"summary"`
	// Evidence lists supporting files.
	Evidence []Evidence `json:"evidence"`
	// OnTime is true when the report came by the milestone's due date.
	OnTime bool `json:"onTime"`
}

// Review is the officer's review of a report.
type Review struct {
	// Seq is the milestone.
	Seq int `json:"seq"`
	// Version is the report reviewed.
	Version int `json:"version"`
	// Accepted accepts the report; false returns it for resubmission.
	Accepted bool `json:"accepted"`
	// AcceptedQty is the quantity accepted.
	AcceptedQty int64 `json:"acceptedQty"`
	// Beneficiaries is the number of people served, as accepted.
	Beneficiaries int64 `json:"beneficiaries"`
}

// MilestoneOverdue marks a milestone whose report is late.
type MilestoneOverdue struct {
	// Seq is the milestone.
	Seq int `json:"seq"`
}

// Payment pays the organisation.
type Payment struct {
	// Kind is milestone, retention or settlement.
	Kind string `json:"kind"`
	// Milestone is the milestone paid, for a milestone payment.
	Milestone int `json:"milestone,omitempty"`
	// AmountFen is the amount paid (> 0).
	AmountFen int64 `json:"amountFen"`
}

// Inspection opens or records an inspection.
type Inspection struct {
	// Seq numbers the contract's inspections from 1.
	Seq int `json:"seq"`
	// Due is when it falls due.
	Due time.Time `json:"due"`
	// InspectorID is the assigned inspector.
	InspectorID int64 `json:"inspectorId"`
	// Reinspection is true after a rectification.
	Reinspection bool `json:"reinspection"`
	// Recorded is true when this event records the result.
	Recorded bool `json:"recorded"`
	// Passed is the result.
	Passed bool `json:"passed"`
	// Findings describes what was found.
	Findings string `json:"findings,omitempty"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed int `json:"surveyed"`
	// Satisfied is the number of them satisfied.
	Satisfied int `json:"satisfied"`
}

// Rectification opens or changes a rectification (整改).
type Rectification struct {
	// Seq numbers the contract's rectifications from 1.
	Seq int `json:"seq"`
	// InspectionSeq is the failed inspection.
	InspectionSeq int `json:"inspectionSeq"`
	// Deadline is when it must be done.
	Deadline time.Time `json:"deadline"`
	// Status is open, done, closed or failed.
	Status string `json:"status"`
	// Summary is the organisation's account of what it fixed.
	Summary string `json:"summary,omitempty"`
}

// Evaluation opens, scores or completes a performance evaluation.
type Evaluation struct {
	// Stage is midterm or final.
	Stage string `json:"stage"`
	// Due is when assessors should be done, when it opens.
	Due time.Time `json:"due,omitempty"`
	// Scores are indicator scores recorded by this event.
	Scores []IndicatorScore `json:"scores,omitempty"`
	// Done is true when this event completes the evaluation.
	Done bool `json:"done"`
	// TotalCenti is the total, when done.
	TotalCenti int64 `json:"totalCenti,omitempty"`
	// Grade is the grade, when done.
	Grade string `json:"grade,omitempty"`
}

// IndicatorScore is one indicator's score by one scorer.
type IndicatorScore struct {
	// Code is the indicator.
	Code string `json:"code"`
	// Scorer is "measured" or the assessor's user ID.
	Scorer string `json:"scorer"`
	// Centi is the score in hundredths of a point.
	Centi int64 `json:"centi"`
	// Comment is the assessor's comment.
	Comment string `json:"comment,omitempty"`
}

// ContractStatus ends a contract.
type ContractStatus struct {
	// Status is completed or terminated.
	Status string `json:"status"`
}
