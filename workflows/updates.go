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
	// UpdateExtend moves the bid deadline of the open round later, or
	// publishes a clarification or change of the documents.
	UpdateExtend = "extend"
	// UpdateOpened answers once the purchase is recorded and its ceiling
	// reserved, or refuses when the budget cannot cover it. The API sends
	// it with the start of the workflow (update-with-start), so that
	// creating a purchase gets a definitive answer.
	UpdateOpened = "opened"
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

// ExtendArgs moves the bid deadline of the open round later (延期).
type ExtendArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// BidDeadline is the new deadline, later than the current one (or the
	// same, with an Amendment published at least the statutory period
	// before it).
	BidDeadline time.Time `json:"bidDeadline"`
	// Reason is published with the new deadline.
	Reason string `json:"reason"`
	// Amendment, when set, is a clarification or change of the documents
	// that may affect the preparation of bids, published with the
	// extension; the new deadline must then leave the statutory period
	// after it (rules.AmendmentDays).
	Amendment string `json:"amendment,omitempty"`
}

// ReasonArgs carries an officer's reason (cancel, award to next).
type ReasonArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// Reason explains the decision.
	Reason string `json:"reason"`
}

// Names of the delivery phase's Updates.
const (
	// UpdateReport submits a milestone's delivery report.
	UpdateReport = "report"
	// UpdateReview accepts or returns a milestone's report.
	UpdateReview = "review"
	// UpdateInspect records an inspection.
	UpdateInspect = "inspect"
	// UpdateRectified reports a rectification done.
	UpdateRectified = "rectified"
	// UpdateEvaluate records an assessor's indicator scores.
	UpdateEvaluate = "evaluate"
	// UpdateTerminate terminates the contract.
	UpdateTerminate = "terminate"
	// UpdateReassignInspection gives a pending inspection to another
	// inspector of the purchase.
	UpdateReassignInspection = "reassignInspection"
)

// Evidence is a file that supports a report, named and hashed.
type Evidence struct {
	// Name is the file name.
	Name string `json:"name"`
	// SHA256 is the hex SHA-256 of its content.
	SHA256 string `json:"sha256"`
}

// ReportArgs report a milestone's delivery.
type ReportArgs struct {
	// Actor is a user of the contracted organisation.
	Actor Actor `json:"actor"`
	// Seq is the milestone.
	Seq int `json:"seq"`
	// Delivered is the quantity delivered, in the item's unit.
	Delivered int64 `json:"delivered"`
	// Beneficiaries is the number of people served.
	Beneficiaries int64 `json:"beneficiaries"`
	// Summary describes the delivery.
	Summary string `json:"summary"`
	// Evidence lists supporting files.
	Evidence []Evidence `json:"evidence"`
}

// ReviewArgs accept or return a milestone's report.
type ReviewArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// Seq is the milestone.
	Seq int `json:"seq"`
	// Accepted accepts the report; false returns it.
	Accepted bool `json:"accepted"`
	// AcceptedQty is the quantity accepted (at most the quantity delivered).
	AcceptedQty int64 `json:"acceptedQty"`
	// AcceptDelivered accepts the quantity the report under review
	// delivered, whatever AcceptedQty says: the API sends it when the
	// officer names no quantity, so that it need not read the report first.
	AcceptDelivered bool `json:"acceptDelivered,omitempty"`
	// Reason is required to return a report.
	Reason string `json:"reason"`
}

// ReassignArgs give a pending inspection to another inspector.
type ReassignArgs struct {
	// Actor is the officer.
	Actor Actor `json:"actor"`
	// Seq is the inspection.
	Seq int `json:"seq"`
	// InspectorID is the inspector who takes it, one of the purchase's.
	InspectorID int64 `json:"inspectorId"`
	// Reason says why (leave, a conflict of interest).
	Reason string `json:"reason"`
}

// InspectArgs record an inspection.
type InspectArgs struct {
	// Actor is an inspector of the purchase.
	Actor Actor `json:"actor"`
	// Passed is the result.
	Passed bool `json:"passed"`
	// Findings describes what was found (required when failed).
	Findings string `json:"findings"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed int `json:"surveyed"`
	// Satisfied is the number of them satisfied.
	Satisfied int `json:"satisfied"`
}

// RectifiedArgs report a rectification done.
type RectifiedArgs struct {
	// Actor is a user of the contracted organisation.
	Actor Actor `json:"actor"`
	// Seq is the rectification.
	Seq int `json:"seq"`
	// Summary says what was fixed.
	Summary string `json:"summary"`
}

// IndicatorScore is an assessor's score of one indicator.
type IndicatorScore struct {
	// Indicator is the indicator's code.
	Indicator string `json:"indicator"`
	// Score is from 0 to the indicator's weight.
	Score rules.Points `json:"score"`
}

// EvaluateArgs are an assessor's scores of every scored indicator.
type EvaluateArgs struct {
	// Actor is an assessor of the purchase.
	Actor Actor `json:"actor"`
	// Scores has one entry per scored indicator.
	Scores []IndicatorScore `json:"scores"`
	// Comment is the assessor's comment.
	Comment string `json:"comment"`
}
