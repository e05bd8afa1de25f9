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
