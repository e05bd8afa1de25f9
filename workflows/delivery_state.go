package workflows

import (
	"time"

	"zhucan/rules"
)

// MilestoneReport is one delivery report and its review.
type MilestoneReport struct {
	// Version numbers the milestone's reports from 1.
	Version int `json:"version"`
	// Delivered is the quantity delivered.
	Delivered int64 `json:"delivered"`
	// Beneficiaries is the number of people served.
	Beneficiaries int64 `json:"beneficiaries"`
	// Summary describes the delivery.
	Summary string `json:"summary"`
	// Evidence lists supporting files.
	Evidence []Evidence `json:"evidence"`
	// SubmittedAt is when it arrived.
	SubmittedAt time.Time `json:"submittedAt"`
	// Reviewed is true once the officer decided.
	Reviewed bool `json:"reviewed"`
	// Accepted is the decision.
	Accepted bool `json:"accepted"`
	// AcceptedQty is the quantity accepted.
	AcceptedQty int64 `json:"acceptedQty"`
	// Reason explains a return.
	Reason string `json:"reason,omitempty"`
}

// MilestoneState is where one milestone stands.
type MilestoneState struct {
	ContractMilestone
	// Status is pending, reported, returned or accepted.
	Status string `json:"status"`
	// Reports are every report, oldest first.
	Reports []MilestoneReport `json:"reports"`
	// AcceptedQty is the quantity accepted.
	AcceptedQty int64 `json:"acceptedQty"`
	// Beneficiaries is the number of people served, as accepted.
	Beneficiaries int64 `json:"beneficiaries"`
	// AcceptedAt is when it was accepted.
	AcceptedAt time.Time `json:"acceptedAt,omitempty"`
	// OnTime is true when the accepted report came by the due date.
	OnTime bool `json:"onTime"`
	// EarnedFen is what its accepted quantity earned (pro rata).
	EarnedFen int64 `json:"earnedFen"`
	// Retained is true for the milestone whose payment waits for the final evaluation.
	Retained bool `json:"retained"`
	// Overdue is true once its due date passed without a report.
	Overdue bool `json:"overdue"`
	// Late is true once its grace period passed without a report.
	Late bool `json:"late"`
}

// InspectionState is one inspection.
type InspectionState struct {
	// Seq numbers inspections from 1.
	Seq int `json:"seq"`
	// Due is when it fell due.
	Due time.Time `json:"due"`
	// InspectorID is the assigned inspector.
	InspectorID int64 `json:"inspectorId"`
	// Reinspection is true after a rectification.
	Reinspection bool `json:"reinspection"`
	// Recorded is true once the result is in.
	Recorded bool `json:"recorded"`
	// RecordedBy is the inspector who recorded it.
	RecordedBy int64 `json:"recordedBy,omitempty"`
	// Passed is the result.
	Passed bool `json:"passed"`
	// Findings describes what was found.
	Findings string `json:"findings,omitempty"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed int `json:"surveyed"`
	// Satisfied is the number of them satisfied.
	Satisfied int `json:"satisfied"`
	// RecordedAt is when it was recorded.
	RecordedAt time.Time `json:"recordedAt,omitempty"`
}

// Rectification statuses.
const (
	RectOpen   = "open"
	RectDone   = "done"
	RectClosed = "closed"
	RectFailed = "failed"
)

// RectificationState is one rectification (整改).
type RectificationState struct {
	// Seq numbers rectifications from 1.
	Seq int `json:"seq"`
	// InspectionSeq is the failed inspection.
	InspectionSeq int `json:"inspectionSeq"`
	// Deadline is when it must be done.
	Deadline time.Time `json:"deadline"`
	// Status is open, done, closed or failed.
	Status string `json:"status"`
	// Summary is the organisation's account.
	Summary string `json:"summary,omitempty"`
}

// Evaluation stages.
const (
	StageMidterm = "midterm"
	StageFinal   = "final"
)

// AssessorScores are one assessor's submitted scores.
type AssessorScores struct {
	// AssessorID is the assessor.
	AssessorID int64 `json:"assessorId"`
	// Scores has one entry per scored indicator.
	Scores []IndicatorScore `json:"scores"`
	// Comment is the assessor's comment.
	Comment string `json:"comment,omitempty"`
}

// IndicatorResult is one indicator's final score.
type IndicatorResult struct {
	// Code is the indicator.
	Code string `json:"code"`
	// Method is scored or measured.
	Method string `json:"method"`
	// Weight is its maximum.
	Weight int `json:"weight"`
	// Score is what it earned.
	Score rules.Points `json:"score"`
}

// EvaluationState is one performance evaluation (绩效评价).
type EvaluationState struct {
	// Stage is midterm or final.
	Stage string `json:"stage"`
	// OpenedAt is when it opened.
	OpenedAt time.Time `json:"openedAt"`
	// Due is when assessors should be done.
	Due time.Time `json:"due"`
	// Submitted are the assessors' scores.
	Submitted []AssessorScores `json:"submitted"`
	// Done is true once graded.
	Done bool `json:"done"`
	// Results are every indicator's score, when done.
	Results []IndicatorResult `json:"results,omitempty"`
	// Total is the sum, out of 100.
	Total rules.Points `json:"total"`
	// Grade is the grade.
	Grade rules.Grade `json:"grade,omitempty"`
}

// DeliveryState is everything the delivery phase knows; it is carried
// across continue-as-new.
type DeliveryState struct {
	// Status is delivering, assessing, settled or terminated.
	Status Status `json:"status"`
	// Milestones are the contract's milestones.
	Milestones []*MilestoneState `json:"milestones"`
	// Inspections are the inspections so far.
	Inspections []*InspectionState `json:"inspections"`
	// NextInspection is when the next scheduled inspection falls due.
	NextInspection time.Time `json:"nextInspection"`
	// Scheduled counts the scheduled inspections opened so far.
	Scheduled int `json:"scheduled"`
	// InspectorTurn rotates inspections among the inspectors.
	InspectorTurn int `json:"inspectorTurn"`
	// Rectifications are the rectifications so far.
	Rectifications []*RectificationState `json:"rectifications"`
	// ConsecutiveFails counts failed inspections in a row.
	ConsecutiveFails int `json:"consecutiveFails"`
	// TerminationGround says why the officer may terminate, if they may.
	TerminationGround string `json:"terminationGround,omitempty"`
	// Evaluations are the performance evaluations.
	Evaluations []*EvaluationState `json:"evaluations"`
	// PaidFen is what has been paid.
	PaidFen int64 `json:"paidFen"`
	// ReservedFen is what is still reserved on the budget line.
	ReservedFen int64 `json:"reservedFen"`
	// Payments are the payments made.
	Payments []PaymentState `json:"payments"`
	// Reason explains a termination.
	Reason string `json:"reason,omitempty"`
}

// PaymentState is one payment.
type PaymentState struct {
	// Kind is milestone or retention.
	Kind string `json:"kind"`
	// Milestone is the milestone paid.
	Milestone int `json:"milestone,omitempty"`
	// AmountFen is the amount.
	AmountFen int64 `json:"amountFen"`
	// At is when it was paid.
	At time.Time `json:"at"`
}

// DeliveryView is a purchase in delivery, as the status Query returns it.
type DeliveryView struct {
	DeliveryState
	// PurchaseID is the purchase.
	PurchaseID int64 `json:"purchaseId"`
	// Title is its title.
	Title string `json:"title"`
	// SupplierID is the contracted organisation.
	SupplierID int64 `json:"supplierId"`
	// AmountFen is the contract amount.
	AmountFen int64 `json:"amountFen"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `json:"serviceStart"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `json:"serviceEnd"`
}
