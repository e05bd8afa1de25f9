package workflows

import (
	"time"

	"zhucan/rules"
)

// Names of the purchase workflow's Updates and Queries.
const (
	// UpdateBid submits or replaces the caller's bid.
	UpdateBid = "bid"
	// UpdateWithdrawBid withdraws the caller's bid.
	UpdateWithdrawBid = "withdrawBid"
	// UpdateScore records a panel member's technical scores.
	UpdateScore = "score"
	// UpdateRecuse records a panel member's recusal.
	UpdateRecuse = "recuse"
	// UpdateAppoint appoints a panel member, optionally replacing one.
	UpdateAppoint = "appoint"
	// UpdateLowPrice records the panel's decision on an abnormally low bid.
	UpdateLowPrice = "lowPriceDecision"
	// UpdateChallenge files a challenge against the award.
	UpdateChallenge = "challenge"
	// UpdateAnswer answers a challenge.
	UpdateAnswer = "answerChallenge"
	// UpdateSign signs the contract for the officer or the winner.
	UpdateSign = "sign"
	// UpdateAwardNext awards to the next-ranked bid after a forfeit.
	UpdateAwardNext = "awardNext"
	// UpdateRetender opens a new round after a failed or voided one.
	UpdateRetender = "retender"
	// UpdateCancel cancels the purchase before signing.
	UpdateCancel = "cancel"
	// QueryStatus returns the purchase as a viewer may see it.
	QueryStatus = "status"
)

// BidArgs submits or replaces a bid.
type BidArgs struct {
	// Actor is the supplier user.
	Actor Actor `json:"actor"`
	// Supplier is the organisation's registry record.
	Supplier Supplier `json:"supplier"`
	// PriceFen is the bid price for the whole purchase.
	PriceFen int64 `json:"priceFen"`
	// Proposal is the technical proposal.
	Proposal string `json:"proposal"`
}

// BidReceipt confirms a bid.
type BidReceipt struct {
	// Round is the tender round.
	Round int `json:"round"`
	// SubmittedAt is when the bid was received.
	SubmittedAt time.Time `json:"submittedAt"`
	// Replaced is true when it replaced an earlier bid.
	Replaced bool `json:"replaced"`
	// Deadline is the bid deadline.
	Deadline time.Time `json:"deadline"`
}

// WithdrawArgs withdraws the caller's bid.
type WithdrawArgs struct {
	// Actor is the supplier user.
	Actor Actor `json:"actor"`
}

// TechnicalScore is one bid's technical score.
type TechnicalScore struct {
	// SupplierID identifies the bid in the round.
	SupplierID int64 `json:"supplierId"`
	// Technical is the score, from 0 to 100 − price weight.
	Technical rules.Points `json:"technical"`
}

// ScoreArgs are a panel member's scores for every valid bid.
type ScoreArgs struct {
	// Actor is the panel member.
	Actor Actor `json:"actor"`
	// Scores has one entry per valid bid.
	Scores []TechnicalScore `json:"scores"`
}

// RecuseArgs records a recusal.
type RecuseArgs struct {
	// Actor is the panel member recusing.
	Actor Actor `json:"actor"`
	// Reason names the affiliation.
	Reason string `json:"reason"`
}

// AppointArgs appoints a panel member.
type AppointArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// UserID is the evaluator appointed.
	UserID int64 `json:"userId"`
	// Replaces, when set, removes that member (who has not scored) from the panel.
	Replaces int64 `json:"replaces,omitempty"`
	// Reason explains a replacement.
	Reason string `json:"reason,omitempty"`
}

// LowPriceArgs decides on an abnormally low bid.
type LowPriceArgs struct {
	// Actor is a panel member recording the panel's decision.
	Actor Actor `json:"actor"`
	// SupplierID identifies the bid.
	SupplierID int64 `json:"supplierId"`
	// Accept keeps the bid; false rejects it.
	Accept bool `json:"accept"`
	// Reason is required either way.
	Reason string `json:"reason"`
}

// ChallengeArgs files a challenge.
type ChallengeArgs struct {
	// Actor is a bidder of the round.
	Actor Actor `json:"actor"`
	// Reason states the challenge.
	Reason string `json:"reason"`
}

// Challenge actions for an upheld challenge.
const (
	// ActionRescore reopens scoring of the round.
	ActionRescore = "rescore"
	// ActionRetender voids the round.
	ActionRetender = "retender"
)

// AnswerArgs answers a challenge.
type AnswerArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// Seq is the challenge answered.
	Seq int `json:"seq"`
	// Upheld says whether the challenge is upheld.
	Upheld bool `json:"upheld"`
	// Action is rescore or retender for an upheld challenge.
	Action string `json:"action,omitempty"`
	// Response is the written answer.
	Response string `json:"response"`
}

// SignArgs signs the contract.
type SignArgs struct {
	// Actor is the officer or a user of the winning organisation.
	Actor Actor `json:"actor"`
}

// RetenderArgs opens a new round.
type RetenderArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// BidDeadline closes the new round.
	BidDeadline time.Time `json:"bidDeadline"`
	// Method switches the procurement method; empty keeps it.
	Method rules.Method `json:"method,omitempty"`
	// ApprovalRef is the finance bureau's approval of a method switch.
	ApprovalRef string `json:"approvalRef,omitempty"`
	// ApprovalDate is the date of that approval.
	ApprovalDate time.Time `json:"approvalDate,omitempty"`
}

// ReasonArgs carries an officer's reason (cancel, award to next).
type ReasonArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// Reason explains the decision.
	Reason string `json:"reason"`
}
