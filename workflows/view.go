package workflows

import (
	"maps"
	"slices"
	"time"

	"zhucan/rules"
)

// BidView is a bid as a viewer may see it.
type BidView struct {
	// SupplierID is the bidder.
	SupplierID int64 `json:"supplierId"`
	// SupplierName is its name.
	SupplierName string `json:"supplierName"`
	// PriceFen is the price.
	PriceFen int64 `json:"priceFen"`
	// Proposal is the technical proposal.
	Proposal string `json:"proposal,omitempty"`
	// SubmittedAt is when it was received.
	SubmittedAt time.Time `json:"submittedAt"`
	// Rejected is true when the panel rejected it.
	Rejected bool `json:"rejected"`
	// AbnormallyLow flags a price below the policy share of the mean.
	AbnormallyLow bool `json:"abnormallyLow"`
	// LowPriceDecided is true once the panel decided on a low price.
	LowPriceDecided bool `json:"lowPriceDecided"`
	// LowPriceReason is the panel's reason.
	LowPriceReason string `json:"lowPriceReason,omitempty"`
	// ScoredBy lists the panel members who scored it.
	ScoredBy []int64 `json:"scoredBy,omitempty"`
}

// RankView is one line of the ranking.
type RankView struct {
	// SupplierID is the bidder.
	SupplierID int64 `json:"supplierId"`
	// Technical is the panel's mean technical score.
	Technical rules.Points `json:"technical"`
	// PriceScore is the price score.
	PriceScore rules.Points `json:"priceScore"`
	// Total is the sum.
	Total rules.Points `json:"total"`
	// Rank is 1 for the best.
	Rank int `json:"rank"`
}

// MemberView is a panel member.
type MemberView struct {
	// UserID is the evaluator.
	UserID int64 `json:"userId"`
	// Active is true while on the panel.
	Active bool `json:"active"`
	// Recused is true after a recusal.
	Recused bool `json:"recused"`
	// Reason is the recusal or removal reason.
	Reason string `json:"reason,omitempty"`
}

// AwardView is the current award.
type AwardView struct {
	// SupplierID is the winner.
	SupplierID int64 `json:"supplierId"`
	// AmountFen is the winning price.
	AmountFen int64 `json:"amountFen"`
	// NotifiedAt is the award notice.
	NotifiedAt time.Time `json:"notifiedAt"`
	// ChallengeEnds closes the challenge window.
	ChallengeEnds time.Time `json:"challengeEnds"`
	// SignBy is the signing deadline.
	SignBy time.Time `json:"signBy"`
	// OfficerSignedAt is when the purchaser signed.
	OfficerSignedAt *time.Time `json:"officerSignedAt,omitempty"`
	// SupplierSignedAt is when the winner signed.
	SupplierSignedAt *time.Time `json:"supplierSignedAt,omitempty"`
	// Forfeited is true when the winner did not sign in time.
	Forfeited bool `json:"forfeited"`
}

// ChallengeView is a challenge.
type ChallengeView struct {
	// Seq numbers it.
	Seq int `json:"seq"`
	// SupplierID is the challenger.
	SupplierID int64 `json:"supplierId"`
	// Reason states it.
	Reason string `json:"reason"`
	// FiledAt is when it was filed.
	FiledAt time.Time `json:"filedAt"`
	// AnswerBy is the answer deadline.
	AnswerBy time.Time `json:"answerBy"`
	// Answered is true once answered.
	Answered bool `json:"answered"`
	// Upheld is the answer.
	Upheld bool `json:"upheld"`
	// Action is rescore or retender.
	Action string `json:"action,omitempty"`
	// Response is the officer's answer.
	Response string `json:"response,omitempty"`
}

// View is a purchase as one viewer may see it: bids stay sealed until the
// deadline for everyone but their own bidder.
type View struct {
	// PurchaseID is the purchase.
	PurchaseID int64 `json:"purchaseId"`
	// Title is its title.
	Title string `json:"title"`
	// Status is where it stands.
	Status Status `json:"status"`
	// Round is the tender round.
	Round int `json:"round"`
	// Method is the round's procurement method.
	Method rules.Method `json:"method"`
	// CeilingFen is the ceiling price.
	CeilingFen int64 `json:"ceilingFen"`
	// ReservedFen is what is reserved on the budget line.
	ReservedFen int64 `json:"reservedFen"`
	// NoticeAt is when the round's notice was published.
	NoticeAt time.Time `json:"noticeAt"`
	// BidDeadline closes the round.
	BidDeadline time.Time `json:"bidDeadline"`
	// EvaluationDeadline closes scoring.
	EvaluationDeadline *time.Time `json:"evaluationDeadline,omitempty"`
	// EvaluationOverdue is true when scoring missed its deadline.
	EvaluationOverdue bool `json:"evaluationOverdue"`
	// Blocked says what the purchase waits for, when scoring is stuck.
	Blocked string `json:"blocked,omitempty"`
	// Sealed is true while bids are sealed.
	Sealed bool `json:"sealed"`
	// BidCount is the number of bids, shown after the deadline.
	BidCount *int `json:"bidCount,omitempty"`
	// MyBid is the viewer's own bid.
	MyBid *BidView `json:"myBid,omitempty"`
	// Bids are the bids after the deadline.
	Bids []BidView `json:"bids,omitempty"`
	// Panel is the evaluation panel.
	Panel []MemberView `json:"panel,omitempty"`
	// Ranking is the ranking after evaluation.
	Ranking []RankView `json:"ranking,omitempty"`
	// Award is the current award.
	Award *AwardView `json:"award,omitempty"`
	// Challenges are the challenges against it.
	Challenges []ChallengeView `json:"challenges,omitempty"`
	// FailReason explains a failed round.
	FailReason string `json:"failReason,omitempty"`
	// CancelReason explains a cancellation.
	CancelReason string `json:"cancelReason,omitempty"`
}

func bidView(b *bid, withProposal bool) BidView {
	v := BidView{SupplierID: b.Supplier.ID, SupplierName: b.Supplier.Name, PriceFen: b.PriceFen, SubmittedAt: b.SubmittedAt,
		Rejected: b.Rejected, AbnormallyLow: b.Low, LowPriceDecided: b.LowDecided, LowPriceReason: b.LowReason}
	if withProposal {
		v.Proposal = b.Proposal
	}
	v.ScoredBy = slices.Sorted(maps.Keys(b.Scores))
	return v
}

// view answers the status Query for viewer.
func (p *purchase) view(viewer Actor) (View, error) {
	v := View{PurchaseID: p.In.PurchaseID, Title: p.In.Title, Status: p.Status, Round: p.Round, Method: p.Method,
		CeilingFen: p.In.CeilingFen, ReservedFen: p.ReservedFen, NoticeAt: p.NoticeAt, BidDeadline: p.BidDeadline,
		EvaluationOverdue: p.EvalOverdue, FailReason: p.FailReason, CancelReason: p.CancelReason}
	v.Sealed = p.Status == StatusTendering
	if !p.EvalDeadline.IsZero() {
		d := p.EvalDeadline
		v.EvaluationDeadline = &d
	}
	if p.Status == StatusEvaluating {
		v.Blocked = p.evaluationBlockers()
	}
	for _, b := range p.Bids {
		if viewer.Role == "supplier" && b.Supplier.ID == viewer.SupplierID {
			mine := bidView(b, true)
			v.MyBid = &mine
		}
	}
	if !v.Sealed {
		n := len(p.Bids)
		v.BidCount = &n
		// After opening, officers and the panel see every bid; a supplier
		// sees prices (read out at opening) but not others' proposals.
		m := p.panelMember(viewer.UserID)
		full := viewer.Role == "officer" || viewer.Role == "admin" || (m != nil && m.Active)
		for _, b := range p.Bids {
			v.Bids = append(v.Bids, bidView(b, full || b.Supplier.ID == viewer.SupplierID && viewer.Role == "supplier"))
		}
	}
	for _, m := range p.Panel {
		v.Panel = append(v.Panel, MemberView{UserID: m.UserID, Active: m.Active, Recused: m.Recused, Reason: m.Reason})
	}
	for _, r := range p.Ranking {
		v.Ranking = append(v.Ranking, RankView{SupplierID: supplierOf(r.ID), Technical: r.Technical, PriceScore: r.PriceScore, Total: r.Total, Rank: r.Rank})
	}
	if a := p.Award; a != nil {
		av := AwardView{SupplierID: a.SupplierID, AmountFen: a.AmountFen, NotifiedAt: a.NotifiedAt, ChallengeEnds: a.ChallengeEnds,
			SignBy: a.SignBy, Forfeited: a.Forfeited}
		if !a.OfficerSignedAt.IsZero() {
			t := a.OfficerSignedAt
			av.OfficerSignedAt = &t
		}
		if !a.SupplierSignedAt.IsZero() {
			t := a.SupplierSignedAt
			av.SupplierSignedAt = &t
		}
		v.Award = &av
	}
	for _, c := range p.Challenges {
		v.Challenges = append(v.Challenges, ChallengeView{Seq: c.Seq, SupplierID: c.SupplierID, Reason: c.Reason, FiledAt: c.FiledAt,
			AnswerBy: c.AnswerBy, Answered: c.Answered, Upheld: c.Upheld, Action: c.Action, Response: c.Response})
	}
	return v, nil
}
