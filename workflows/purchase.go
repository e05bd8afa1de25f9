package workflows

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"zhucan/activities"
	"zhucan/event"
	"zhucan/rules"
)

// bid is one organisation's live bid in the current round.
type bid struct {
	Supplier    Supplier               `json:"supplier"`
	PriceFen    int64                  `json:"priceFen"`
	Proposal    string                 `json:"proposal"`
	SubmittedAt time.Time              `json:"submittedAt"`
	Rejected    bool                   `json:"rejected"`
	Low         bool                   `json:"low"`
	LowDecided  bool                   `json:"lowDecided"`
	LowReason   string                 `json:"lowReason"`
	Scores      map[int64]rules.Points `json:"scores"`
}

// member is one panel member.
type member struct {
	UserID  int64  `json:"userId"`
	Active  bool   `json:"active"`
	Recused bool   `json:"recused"`
	Reason  string `json:"reason"`
}

// challenge is one challenge against the current award.
type challenge struct {
	Seq        int       `json:"seq"`
	Round      int       `json:"round"`
	SupplierID int64     `json:"supplierId"`
	Reason     string    `json:"reason"`
	FiledAt    time.Time `json:"filedAt"`
	AnswerBy   time.Time `json:"answerBy"`
	Answered   bool      `json:"answered"`
	Upheld     bool      `json:"upheld"`
	Action     string    `json:"action"`
	Response   string    `json:"response"`
	AnsweredAt time.Time `json:"answeredAt"`
}

// award is the current award notice and the signatures on its contract.
type award struct {
	SupplierID       int64     `json:"supplierId"`
	AmountFen        int64     `json:"amountFen"`
	NotifiedAt       time.Time `json:"notifiedAt"`
	ChallengeEnds    time.Time `json:"challengeEnds"`
	SignBy           time.Time `json:"signBy"`
	OfficerSignedAt  time.Time `json:"officerSignedAt"`
	SupplierSignedAt time.Time `json:"supplierSignedAt"`
	Forfeited        bool      `json:"forfeited"`
}

// purchase is the state of one purchase workflow.
type purchase struct {
	In           PurchaseInput  `json:"in"`
	Status       Status         `json:"status"`
	Round        int            `json:"round"`
	Method       rules.Method   `json:"method"`
	NoticeAt     time.Time      `json:"noticeAt"`
	BidDeadline  time.Time      `json:"bidDeadline"`
	OpenedAt     time.Time      `json:"openedAt"`
	EvalDeadline time.Time      `json:"evalDeadline"`
	EvalOverdue  bool           `json:"evalOverdue"`
	Bids         []*bid         `json:"bids"`
	Panel        []*member      `json:"panel"`
	Ranking      []rules.Ranked `json:"ranking"`
	Award        *award         `json:"award"`
	Forfeited    []int64        `json:"forfeited"`
	Challenges   []*challenge   `json:"challenges"`
	ChallengeSeq int            `json:"challengeSeq"`
	FailReason   string         `json:"failReason"`
	CancelReason string         `json:"cancelReason"`
	ReservedFen  int64          `json:"reservedFen"`
	journal
}

// Outcome is what a purchase workflow returns when it ends.
type Outcome struct {
	// Status is the final status.
	Status Status `json:"status"`
	// Reason explains a refusal or cancellation.
	Reason string `json:"reason,omitempty"`
}

// ErrTypeInvalidInput is the application error type of a purchase whose
// input breaks a rule; the API checks the same rules before starting.
const ErrTypeInvalidInput = "InvalidPurchase"

// PurchaseWorkflow runs one purchase from the tender notice to the signed
// contract and hands over to delivery. It reads like the procedure:
// publish the notice and reserve the ceiling, take sealed bids until the
// deadline, open them, let the panel score, award, hear challenges, sign.
func PurchaseWorkflow(ctx workflow.Context, in PurchaseInput) (Outcome, error) {
	p := &purchase{In: in, journal: journal{PurchaseID: in.PurchaseID, Revision: in.Revision, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID}}
	published := in.PublishedAt
	if published.IsZero() {
		published = workflow.Now(ctx)
	}
	if errs := ValidateInput(in, published); len(errs) > 0 {
		return Outcome{}, temporal.NewNonRetryableApplicationError(errs.Error(), ErrTypeInvalidInput, errs)
	}
	// The state is set up before the handlers are registered, so that an
	// Update arriving while the purchase is being recorded finds it open.
	p.open(ctx)
	if err := p.register(ctx); err != nil {
		return Outcome{}, err
	}
	if err := p.plan(ctx); err != nil || p.Refused != "" {
		return Outcome{Status: StatusCancelled, Reason: p.Refused}, err
	}
	for {
		var err error
		switch p.Status {
		case StatusTendering:
			err = p.tender(ctx)
		case StatusEvaluating:
			err = p.evaluate(ctx)
		case StatusChallengePeriod:
			err = p.challengePeriod(ctx)
		case StatusContracting:
			err = p.contracting(ctx)
		case StatusFailed:
			_, err = p.wait(ctx, time.Time{}, func() bool { return p.Status != StatusFailed })
		case StatusCancelled:
			return p.finish(ctx, Outcome{Status: StatusCancelled, Reason: p.CancelReason})
		case StatusDelivering:
			if err := p.finishHandlers(ctx); err != nil {
				return Outcome{}, err
			}
			return Outcome{}, workflow.NewContinueAsNewError(ctx, DeliveryWorkflow, p.deliveryInput())
		default:
			return Outcome{}, fmt.Errorf("purchase in unexpected status %q", p.Status)
		}
		if err != nil {
			return Outcome{}, err
		}
	}
}

// open publishes the tender notice: the first round opens now, and the
// purchase's first event (its creation and reservation) is queued.
func (p *purchase) open(ctx workflow.Context) {
	p.Status, p.Round, p.Method = StatusTendering, 1, p.In.Method
	p.NoticeAt, p.BidDeadline = workflow.Now(ctx), p.In.BidDeadline
	for _, id := range p.In.Panel {
		p.Panel = append(p.Panel, &member{UserID: id, Active: true})
	}
	var members []event.Member
	for _, d := range []struct {
		duty string
		ids  []int64
	}{{"panel", p.In.Panel}, {"inspector", p.In.Inspectors}, {"assessor", p.In.Assessors}} {
		for _, id := range d.ids {
			members = append(members, event.Member{UserID: id, Duty: d.duty})
		}
	}
	p.emit(ctx, "purchase.planned", p.In.Officer, event.Event{
		Planned: &event.Planned{
			Title: p.In.Title, CatalogYear: p.In.Item.Year, CatalogCode: p.In.Item.Code, Area: p.In.Item.Area,
			BudgetID: p.In.BudgetID, Quantity: p.In.Quantity, CeilingFen: p.In.CeilingFen, Method: string(p.In.Method),
			BidDeadline: p.In.BidDeadline, ServiceStart: p.In.ServiceStart, ServiceEnd: p.In.ServiceEnd,
			PriceWeight: p.In.PriceWeight, Policy: p.In.Policy.Name, CreatedBy: p.In.Officer.UserID, Members: members,
		},
		Budget: &event.Budget{BudgetID: p.In.BudgetID, Kind: "reserve", AmountFen: p.In.CeilingFen},
	})
}

// plan writes the purchase and reserves its ceiling on the budget line.
// A line that cannot cover it refuses the purchase: nothing is written,
// and Updates accepted meanwhile are answered with the refusal.
func (p *purchase) plan(ctx workflow.Context) error {
	err := p.flush(ctx)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && (appErr.Type() == activities.ErrTypeBudgetRefused || appErr.Type() == activities.ErrTypeUnknownBudget) {
		p.Status, p.Refused, p.outbox = StatusCancelled, "budget refused: "+appErr.Message(), nil
		return p.finishHandlers(ctx)
	}
	if err != nil {
		return err
	}
	p.ReservedFen = p.In.CeilingFen
	p.upsertSearch(ctx)
	return nil
}

// tender takes sealed bids until the deadline, then opens them. An
// extension moves the deadline while it waits.
func (p *purchase) tender(ctx workflow.Context) error {
	for {
		deadline := p.BidDeadline
		moved := func() bool { return !p.BidDeadline.Equal(deadline) }
		if _, err := p.wait(ctx, deadline, func() bool { return p.Status != StatusTendering || moved() }); err != nil {
			return err
		}
		if p.Status != StatusTendering {
			return nil
		}
		if !moved() {
			break
		}
	}
	now := workflow.Now(ctx)
	p.OpenedAt = now
	prices := make([]int64, len(p.Bids))
	for i, b := range p.Bids {
		prices[i] = b.PriceFen
	}
	low := rules.AbnormallyLow(prices, p.In.Policy.AbnormallyLowPercent)
	opened := &event.Opened{Round: p.Round}
	for i, b := range p.Bids {
		b.Low = low[i]
		opened.Bids = append(opened.Bids, event.Bid{SupplierID: b.Supplier.ID, PriceFen: b.PriceFen, Proposal: b.Proposal,
			SubmittedAt: b.SubmittedAt, AbnormallyLow: b.Low})
	}
	p.emit(ctx, "bids.opened", system, event.Event{Opened: opened})
	if need := p.In.Policy.MinValidBids(p.Method); len(p.Bids) < need {
		p.failRound(ctx, fmt.Sprintf("流标：有效投标 %d 家，少于 %d 家 / failed tender: %d valid bids, fewer than %d", len(p.Bids), need, len(p.Bids), need))
		return nil
	}
	p.EvalDeadline = p.In.Policy.EvaluationDeadline(now)
	p.setStatus(ctx, StatusEvaluating, "")
	return nil
}

// evaluate waits for every panel member's scores and every abnormally-low
// decision, then ranks the bids and awards. A member who has not scored by
// the evaluation deadline blocks the award and the officer is told.
func (p *purchase) evaluate(ctx workflow.Context) error {
	still := func() bool { return p.Status != StatusEvaluating }
	done, err := p.wait(ctx, p.EvalDeadline, func() bool { return still() || p.evaluationComplete() })
	if err != nil || still() {
		return err
	}
	if !done {
		p.EvalOverdue = true
		p.emit(ctx, "evaluation.overdue", system, event.Event{Note: p.evaluationBlockers()})
		if _, err := p.wait(ctx, time.Time{}, func() bool { return still() || p.evaluationComplete() }); err != nil || still() {
			return err
		}
	}
	valid := p.validBids()
	if need := p.In.Policy.MinValidBids(p.Method); len(valid) < need {
		p.failRound(ctx, fmt.Sprintf("流标：评审后有效投标 %d 家，少于 %d 家 / failed tender: %d valid bids after evaluation, fewer than %d", len(valid), need, len(valid), need))
		return nil
	}
	scores := make([]rules.BidScore, 0, len(valid))
	for _, b := range valid {
		scores = append(scores, rules.BidScore{ID: bidKey(b.Supplier.ID), PriceFen: b.PriceFen, Technical: p.meanTechnical(b)})
	}
	p.Ranking = rules.Rank(scores, p.In.PriceWeight)
	p.awardNext(ctx, p.In.Officer)
	return nil
}

// challengePeriod hears challenges until the window closes and every
// challenge is answered; an upheld challenge changes the status itself.
func (p *purchase) challengePeriod(ctx workflow.Context) error {
	still := func() bool { return p.Status != StatusChallengePeriod }
	if _, err := p.wait(ctx, p.Award.ChallengeEnds, still); err != nil || still() {
		return err
	}
	answered := func() bool { return still() || p.pendingChallenges() == 0 }
	done, err := p.wait(ctx, p.latestAnswerBy(), answered)
	if err != nil || still() {
		return err
	}
	if !done {
		p.emit(ctx, "challenge.answer_overdue", system, event.Event{Note: fmt.Sprintf("%d 项质疑逾期未答复 / %d challenges unanswered past their deadline", p.pendingChallenges(), p.pendingChallenges())})
		if _, err := p.wait(ctx, time.Time{}, answered); err != nil || still() {
			return err
		}
	}
	// Challenges answered after the window suspended the award: the time
	// they took is added to the signing deadline, so that a winner is
	// never forfeited for a delay that was not its own.
	if late := workflow.Now(ctx).Sub(p.Award.ChallengeEnds); late > 0 {
		p.Award.SignBy = p.Award.SignBy.Add(late)
	}
	p.setStatus(ctx, StatusContracting, "")
	return nil
}

// contracting waits for both signatures. A winner that does not sign in
// time forfeits; the officer then awards to the next-ranked bid, re-tenders
// or cancels.
func (p *purchase) contracting(ctx workflow.Context) error {
	still := func() bool { return p.Status != StatusContracting }
	signed := func() bool { return !p.Award.OfficerSignedAt.IsZero() && !p.Award.SupplierSignedAt.IsZero() }
	ok, err := p.wait(ctx, p.Award.SignBy, func() bool { return still() || signed() })
	if err != nil || still() {
		return err
	}
	if !ok {
		p.Award.Forfeited = true
		p.Forfeited = append(p.Forfeited, p.Award.SupplierID)
		p.emit(ctx, "award.forfeited", system, event.Event{
			AwardStatus: &event.AwardStatus{Round: p.Round, SupplierID: p.Award.SupplierID, Status: "forfeited"},
			Record:      &event.SupplierRecord{SupplierID: p.Award.SupplierID, Kind: "forfeit"},
			Note:        "中标人未在规定期限内签订合同 / the winner did not sign in time",
		})
		// awardNext, retender or cancel change the status.
		_, err := p.wait(ctx, time.Time{}, still)
		return err
	}
	p.signContract(ctx)
	return nil
}

// signContract writes the contract and reduces the reservation to its amount.
func (p *purchase) signContract(ctx workflow.Context) {
	a := p.Award
	c := &event.Contract{SupplierID: a.SupplierID, AmountFen: a.AmountFen, Quantity: p.In.Quantity,
		ServiceStart: p.In.ServiceStart, ServiceEnd: p.In.ServiceEnd, Indicators: indicatorsJSON(p.In.Item.Indicators),
		OfficerSignedAt: a.OfficerSignedAt, SupplierSignedAt: a.SupplierSignedAt}
	for _, m := range p.contractMilestones() {
		c.Milestones = append(c.Milestones, event.Milestone{Seq: m.Seq, Name: m.Name, Due: m.Due, Quantity: m.Quantity,
			PaymentPercent: m.PaymentPercent, PaymentFen: m.PaymentFen})
	}
	e := event.Event{Contract: c}
	if unused := p.ReservedFen - a.AmountFen; unused > 0 {
		e.Budget = &event.Budget{BudgetID: p.In.BudgetID, Kind: "release", AmountFen: unused}
		p.ReservedFen = a.AmountFen
	}
	p.emit(ctx, "contract.signed", system, e)
	if p.Revision >= RevisionDeliveryOpens {
		p.Status = StatusDelivering // recorded by the delivery run
		return
	}
	p.setStatus(ctx, StatusDelivering, "")
}

// failRound ends the round without award; the officer re-tenders or cancels.
func (p *purchase) failRound(ctx workflow.Context, reason string) {
	p.FailReason = reason
	p.setStatus(ctx, StatusFailed, reason)
}

// awardNext awards to the best-ranked bid that has not forfeited and opens
// the challenge window.
func (p *purchase) awardNext(ctx workflow.Context, by Actor) {
	for _, r := range p.Ranking {
		b := p.bidOf(supplierOf(r.ID))
		if b == nil || contains(p.Forfeited, b.Supplier.ID) {
			continue
		}
		now := workflow.Now(ctx)
		pol := p.In.Policy
		p.Award = &award{SupplierID: b.Supplier.ID, AmountFen: b.PriceFen, NotifiedAt: now,
			ChallengeEnds: pol.ChallengeDeadline(now), SignBy: pol.SigningDeadline(now)}
		p.Challenges = nil
		ranking := make([]event.Ranked, len(p.Ranking))
		for i, r := range p.Ranking {
			ranking[i] = event.Ranked{SupplierID: supplierOf(r.ID), TechnicalCenti: int64(r.Technical),
				PriceCenti: int64(r.PriceScore), TotalCenti: int64(r.Total), Rank: r.Rank}
		}
		p.emit(ctx, "award.notified", by, event.Event{Award: &event.Award{Round: p.Round, SupplierID: b.Supplier.ID,
			AmountFen: b.PriceFen, Ranking: ranking}})
		p.setStatus(ctx, StatusChallengePeriod, "")
		return
	}
	p.failRound(ctx, "没有可授予的有效投标 / no valid bid left to award")
}

// finish waits for in-flight updates and writes, then ends the workflow.
func (p *purchase) finish(ctx workflow.Context, o Outcome) (Outcome, error) {
	if err := p.finishHandlers(ctx); err != nil {
		return Outcome{}, err
	}
	return o, nil
}

func (p *journal) finishHandlers(ctx workflow.Context) error {
	if err := p.flush(ctx); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return p.flush(ctx)
}

func (p *purchase) validBids() []*bid {
	var out []*bid
	for _, b := range p.Bids {
		if !b.Rejected {
			out = append(out, b)
		}
	}
	return out
}

func (p *purchase) bidOf(supplierID int64) *bid {
	for _, b := range p.Bids {
		if b.Supplier.ID == supplierID {
			return b
		}
	}
	return nil
}

func (p *purchase) activePanel() []*member {
	var out []*member
	for _, m := range p.Panel {
		if m.Active {
			out = append(out, m)
		}
	}
	return out
}

func (p *purchase) panelMember(userID int64) *member {
	for _, m := range p.Panel {
		if m.UserID == userID {
			return m
		}
	}
	return nil
}

// meanTechnical is the mean of the active members' scores of b.
func (p *purchase) meanTechnical(b *bid) rules.Points {
	var pts []rules.Points
	for _, m := range p.activePanel() {
		if s, ok := b.Scores[m.UserID]; ok {
			pts = append(pts, s)
		}
	}
	return rules.MeanPoints(pts)
}

// evaluationComplete holds when the panel is properly constituted, every
// active member scored every valid bid and every low price is decided.
func (p *purchase) evaluationComplete() bool {
	return p.evaluationBlockers() == ""
}

// evaluationBlockers says, in both languages, what stops the award.
func (p *purchase) evaluationBlockers() string {
	active := p.activePanel()
	if err := rules.CheckPanel(p.In.Policy, p.Method, p.In.CeilingFen, len(active)); err != nil {
		return "评审小组不符合要求，需补充成员 / the panel needs a replacement member: " + err.Error()
	}
	var missing []int64
	for _, m := range active {
		for _, b := range p.validBids() {
			if _, ok := b.Scores[m.UserID]; !ok {
				missing = append(missing, m.UserID)
				break
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("评审专家 %v 尚未评分 / panel members %v have not scored", missing, missing)
	}
	for _, b := range p.validBids() {
		if b.Low && !b.LowDecided {
			return fmt.Sprintf("供应商 %d 报价异常低，评审小组尚未认定 / the panel has not decided on the abnormally low bid of supplier %d", b.Supplier.ID, b.Supplier.ID)
		}
	}
	return ""
}

func (p *purchase) pendingChallenges() int {
	n := 0
	for _, c := range p.Challenges {
		if !c.Answered {
			n++
		}
	}
	return n
}

func (p *purchase) latestAnswerBy() time.Time {
	var t time.Time
	for _, c := range p.Challenges {
		if !c.Answered && c.AnswerBy.After(t) {
			t = c.AnswerBy
		}
	}
	if t.IsZero() {
		return p.Award.ChallengeEnds
	}
	return t
}

// resetRound clears bids, scores, award and challenges for a new round or
// a rescore.
func (p *purchase) clearScores() {
	for _, b := range p.Bids {
		b.Scores = map[int64]rules.Points{}
	}
	// Forfeits stand across a rescore: a winner that did not sign cannot
	// win the same round again. A re-tender clears them.
	p.Ranking, p.Award, p.Challenges = nil, nil, nil
}

// sortBids keeps bids in supplier order so that every replay sees the same order.
func (p *purchase) sortBids() {
	sort.Slice(p.Bids, func(i, j int) bool { return p.Bids[i].Supplier.ID < p.Bids[j].Supplier.ID })
}

func bidKey(supplierID int64) string { return fmt.Sprintf("S%012d", supplierID) }

func supplierOf(key string) int64 {
	var id int64
	_, _ = fmt.Sscanf(key, "S%d", &id)
	return id
}

func contains(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
