package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"zhucan/event"
	"zhucan/rules"
)

// register installs the status Query and every Update with its validator.
// A validator only reads state; an Update it refuses leaves no trace in
// the workflow's history.
func (p *purchase) register(ctx workflow.Context) error {
	if err := register(ctx, p.view, []update{
		{UpdateBid, p.onBid, p.validateBid},
		{UpdateWithdrawBid, p.onWithdraw, p.validateWithdraw},
		{UpdateScore, p.onScore, p.validateScore},
		{UpdateRecuse, p.onRecuse, p.validateRecuse},
		{UpdateAppoint, p.onAppoint, p.validateAppoint},
		{UpdateLowPrice, p.onLowPrice, p.validateLowPrice},
		{UpdateChallenge, p.onChallenge, p.validateChallenge},
		{UpdateAnswer, p.onAnswer, p.validateAnswer},
		{UpdateSign, p.onSign, p.validateSign},
		{UpdateAwardNext, p.onAwardNext, p.validateAwardNext},
		{UpdateRetender, p.onRetender, p.validateRetender},
		{UpdateCancel, p.onCancel, p.validateCancel},
		{UpdateExtend, p.onExtend, p.validateExtend},
	}, func() Status { return p.WrittenStatus }); err != nil {
		return err
	}
	// The opened Update answers the status alone: the API starts the
	// purchase with it and reads it as such.
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateOpened, p.onOpened,
		workflow.UpdateHandlerOptions{Validator: func(workflow.Context) error { return nil }}); err != nil {
		return fmt.Errorf("register update %s: %w", UpdateOpened, err)
	}
	return nil
}

func requireRole(a Actor, roles ...string) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return refuse(CodeForbidden, "", "此操作需要角色：%s", "this action needs the role %s", strings.Join(roles, "/"))
}

func requireStatus(p *purchase, want ...Status) error {
	for _, s := range want {
		if p.Status == s {
			return nil
		}
	}
	return refuse(CodeState, "", "采购当前状态为 %s，不能进行此操作", "the purchase is %s; this action is not possible now", p.Status)
}

func requireText(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return refuse(CodeInvalid, field, "%s 不能为空", "%s is required", field)
	}
	return nil
}

// onOpened waits for the purchase's first event (its creation and the
// reservation) to be written, or for the refusal.
func (p *purchase) onOpened(ctx workflow.Context) (Status, error) {
	if err := p.written(ctx, 1); err != nil {
		return StatusCancelled, err
	}
	return p.Status, nil
}

// --- bids ---

func (p *purchase) validateBid(ctx workflow.Context, a BidArgs) error {
	if err := requireRole(a.Actor, "supplier"); err != nil {
		return err
	}
	if a.Actor.SupplierID != a.Supplier.ID || a.Supplier.ID == 0 {
		return refuse(CodeForbidden, "", "只能以本机构名义投标", "an organisation can bid only for itself")
	}
	if err := requireStatus(p, StatusTendering); err != nil {
		return err
	}
	if !workflow.Now(ctx).Before(p.BidDeadline) {
		return refuse(CodeState, "", "投标截止时间 %s 已过，不接受迟到的投标", "the bid deadline %s has passed; late bids are refused", shanghai(p.BidDeadline))
	}
	if a.Supplier.Dishonest {
		return refuse(CodeForbidden, "", "该机构列入失信名单，不得参与投标", "the organisation is on the dishonesty list and may not bid")
	}
	if missing := missingQualifications(p.In.Item.Qualifications, a.Supplier.Qualifications); len(missing) > 0 {
		return refuse(CodeForbidden, "", "缺少所需资质：%s", "missing required qualifications: %s", strings.Join(missing, ", "))
	}
	if a.PriceFen <= 0 {
		return refuse(CodeInvalid, "priceFen", "报价须为正数（分）", "priceFen must be a positive amount in fen")
	}
	if a.PriceFen > p.In.CeilingFen {
		return refuse(CodeInvalid, "priceFen", "报价 %d 分超过最高限价 %d 分", "the price %d fen is above the ceiling of %d fen", a.PriceFen, p.In.CeilingFen)
	}
	return requireText("proposal", a.Proposal)
}

func (p *purchase) onBid(ctx workflow.Context, a BidArgs) (BidReceipt, error) {
	now := workflow.Now(ctx)
	b := p.bidOf(a.Supplier.ID)
	replaced := b != nil
	if !replaced {
		b = &bid{}
		p.Bids = append(p.Bids, b)
	}
	*b = bid{Supplier: a.Supplier, PriceFen: a.PriceFen, Proposal: a.Proposal, SubmittedAt: now, Scores: map[int64]rules.Points{}}
	p.sortBids()
	action := "bid.submitted"
	if replaced {
		action = "bid.replaced"
	}
	deadline := p.BidDeadline
	seq := p.emit(ctx, action, a.Actor, event.Event{SealedUntil: &deadline,
		Bid: &event.BidAction{SupplierID: a.Supplier.ID, Round: p.Round}})
	return BidReceipt{Round: p.Round, SubmittedAt: now, Replaced: replaced, Deadline: p.BidDeadline}, p.written(ctx, seq)
}

func (p *purchase) validateWithdraw(ctx workflow.Context, a WithdrawArgs) error {
	if err := requireRole(a.Actor, "supplier"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusTendering); err != nil {
		return err
	}
	if !workflow.Now(ctx).Before(p.BidDeadline) {
		return refuse(CodeState, "", "投标截止时间已过，不能撤回", "the bid deadline has passed; bids can no longer be withdrawn")
	}
	if p.bidOf(a.Actor.SupplierID) == nil {
		return refuse(CodeState, "", "本机构在本轮没有投标", "your organisation has no bid in this round")
	}
	return nil
}

func (p *purchase) onWithdraw(ctx workflow.Context, a WithdrawArgs) (int, error) {
	for i, b := range p.Bids {
		if b.Supplier.ID == a.Actor.SupplierID {
			p.Bids = append(p.Bids[:i], p.Bids[i+1:]...)
			break
		}
	}
	deadline := p.BidDeadline
	seq := p.emit(ctx, "bid.withdrawn", a.Actor, event.Event{SealedUntil: &deadline,
		Bid: &event.BidAction{SupplierID: a.Actor.SupplierID, Round: p.Round}})
	return p.Round, p.written(ctx, seq)
}

// --- evaluation ---

func (p *purchase) requireActiveMember(a Actor) (*member, error) {
	if err := requireRole(a, "evaluator"); err != nil {
		return nil, err
	}
	m := p.panelMember(a.UserID)
	if m == nil || !m.Active {
		return nil, refuse(CodeForbidden, "", "您不是本项目评审小组的在任成员", "you are not an active member of this purchase's panel")
	}
	return m, nil
}

func (p *purchase) validateScore(ctx workflow.Context, a ScoreArgs) error {
	if err := requireStatus(p, StatusEvaluating); err != nil {
		return err
	}
	if _, err := p.requireActiveMember(a.Actor); err != nil {
		return err
	}
	valid := p.validBids()
	if len(a.Scores) != len(valid) {
		return refuse(CodeInvalid, "scores", "须对全部 %d 份有效投标评分，收到 %d 份", "score every one of the %d valid bids; got %d", len(valid), len(a.Scores))
	}
	max := rules.Points(rules.TechnicalMax(p.In.PriceWeight) * 100)
	seen := map[int64]bool{}
	for i, s := range a.Scores {
		field := fmt.Sprintf("scores[%d]", i)
		b := p.bidOf(s.SupplierID)
		if b == nil || b.Rejected {
			return refuse(CodeInvalid, field+".bidId", "不是本轮的有效投标", "not a valid bid of this round")
		}
		if seen[s.SupplierID] {
			return refuse(CodeInvalid, field+".bidId", "同一投标重复评分", "the same bid is scored twice")
		}
		seen[s.SupplierID] = true
		if s.Technical < 0 || s.Technical > max {
			return refuse(CodeInvalid, field+".technical", "技术分须在 0 到 %s 之间", "technical score must be between 0 and %s", max)
		}
	}
	return nil
}

func (p *purchase) onScore(ctx workflow.Context, a ScoreArgs) (int, error) {
	tech := make([]event.TechnicalScore, 0, len(a.Scores))
	for _, s := range a.Scores {
		p.bidOf(s.SupplierID).Scores[a.Actor.UserID] = s.Technical
		tech = append(tech, event.TechnicalScore{SupplierID: s.SupplierID, Centi: int64(s.Technical)})
	}
	seq := p.emit(ctx, "scores.submitted", a.Actor, event.Event{Scores: &event.Scores{Round: p.Round, EvaluatorID: a.Actor.UserID, Technical: tech}})
	return p.Round, p.written(ctx, seq)
}

func (p *purchase) validateRecuse(ctx workflow.Context, a RecuseArgs) error {
	if err := requireStatus(p, StatusTendering, StatusEvaluating); err != nil {
		return err
	}
	if _, err := p.requireActiveMember(a.Actor); err != nil {
		return err
	}
	return requireText("reason", a.Reason)
}

func (p *purchase) onRecuse(ctx workflow.Context, a RecuseArgs) (int, error) {
	m := p.panelMember(a.Actor.UserID)
	m.Active, m.Recused, m.Reason = false, true, a.Reason
	for _, b := range p.Bids {
		delete(b.Scores, m.UserID)
	}
	seq := p.emit(ctx, "panel.recused", a.Actor, event.Event{Note: a.Reason,
		Member:      &event.Member{UserID: m.UserID, Duty: "panel", Recused: true},
		ClearScores: &event.ClearScores{Round: p.Round, EvaluatorID: m.UserID}})
	return len(p.activePanel()), p.written(ctx, seq)
}

func (p *purchase) validateAppoint(ctx workflow.Context, a AppointArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusTendering, StatusEvaluating); err != nil {
		return err
	}
	if a.UserID <= 0 {
		return refuse(CodeInvalid, "userId", "须指定评审专家", "name the evaluator to appoint")
	}
	if m := p.panelMember(a.UserID); m != nil && (m.Active || m.Recused) {
		return refuse(CodeInvalid, "userId", "该专家已在或曾回避本项目评审小组", "that evaluator is or was on this panel")
	}
	if a.Replaces != 0 {
		m := p.panelMember(a.Replaces)
		if m == nil || !m.Active {
			return refuse(CodeInvalid, "replaces", "被替换者不是在任成员", "the member to replace is not active on the panel")
		}
		for _, b := range p.Bids {
			if _, ok := b.Scores[m.UserID]; ok {
				return refuse(CodeState, "replaces", "该成员已评分，不能替换", "that member has already scored and cannot be replaced")
			}
		}
		return requireText("reason", a.Reason)
	}
	return nil
}

func (p *purchase) onAppoint(ctx workflow.Context, a AppointArgs) (int, error) {
	if a.Replaces != 0 {
		m := p.panelMember(a.Replaces)
		m.Active, m.Reason = false, a.Reason
		p.emit(ctx, "panel.removed", a.Actor, event.Event{Note: a.Reason,
			Member: &event.Member{UserID: m.UserID, Duty: "panel", Recused: true}})
	}
	if m := p.panelMember(a.UserID); m != nil {
		m.Active = true
	} else {
		p.Panel = append(p.Panel, &member{UserID: a.UserID, Active: true})
	}
	seq := p.emit(ctx, "panel.appointed", a.Actor, event.Event{Member: &event.Member{UserID: a.UserID, Duty: "panel"}})
	return len(p.activePanel()), p.written(ctx, seq)
}

func (p *purchase) validateLowPrice(ctx workflow.Context, a LowPriceArgs) error {
	if err := requireStatus(p, StatusEvaluating); err != nil {
		return err
	}
	if _, err := p.requireActiveMember(a.Actor); err != nil {
		return err
	}
	b := p.bidOf(a.SupplierID)
	if b == nil || !b.Low {
		return refuse(CodeInvalid, "bidId", "该投标未被标记为异常低价", "that bid is not flagged as abnormally low")
	}
	if b.LowDecided {
		return refuse(CodeState, "bidId", "评审小组已对该报价作出认定", "the panel has already decided on that price")
	}
	return requireText("reason", a.Reason)
}

func (p *purchase) onLowPrice(ctx workflow.Context, a LowPriceArgs) (bool, error) {
	b := p.bidOf(a.SupplierID)
	b.LowDecided, b.LowReason, b.Rejected = true, a.Reason, !a.Accept
	if b.Rejected {
		// A rejected bid takes no further part; its scores are void.
		b.Scores = map[int64]rules.Points{}
	}
	e := event.Event{Note: a.Reason, LowPrice: &event.LowPrice{Round: p.Round, SupplierID: a.SupplierID, Accepted: a.Accept}}
	if b.Rejected {
		e.ClearScores = &event.ClearScores{Round: p.Round, SupplierID: a.SupplierID}
	}
	seq := p.emit(ctx, "bid.low_price_decided", a.Actor, e)
	return a.Accept, p.written(ctx, seq)
}

// --- challenges ---

func (p *purchase) validateChallenge(ctx workflow.Context, a ChallengeArgs) error {
	if err := requireRole(a.Actor, "supplier"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusChallengePeriod); err != nil {
		return err
	}
	if !workflow.Now(ctx).Before(p.Award.ChallengeEnds) {
		return refuse(CodeState, "", "质疑期已于 %s 结束", "the challenge period ended at %s", shanghai(p.Award.ChallengeEnds))
	}
	if p.bidOf(a.Actor.SupplierID) == nil {
		return refuse(CodeForbidden, "", "只有本轮投标人可以提出质疑", "only bidders of this round may challenge")
	}
	return requireText("reason", a.Reason)
}

func (p *purchase) onChallenge(ctx workflow.Context, a ChallengeArgs) (int, error) {
	now := workflow.Now(ctx)
	p.ChallengeSeq++
	c := &challenge{Seq: p.ChallengeSeq, Round: p.Round, SupplierID: a.Actor.SupplierID, Reason: a.Reason,
		FiledAt: now, AnswerBy: p.In.Policy.AnswerDeadline(now)}
	p.Challenges = append(p.Challenges, c)
	seq := p.emit(ctx, "challenge.filed", a.Actor, event.Event{Challenge: &event.Challenge{Seq: c.Seq, Round: p.Round,
		SupplierID: c.SupplierID, Reason: a.Reason}})
	return c.Seq, p.written(ctx, seq)
}

func (p *purchase) challengeOf(seq int) *challenge {
	for _, c := range p.Challenges {
		if c.Seq == seq {
			return c
		}
	}
	return nil
}

func (p *purchase) validateAnswer(ctx workflow.Context, a AnswerArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusChallengePeriod); err != nil {
		return err
	}
	c := p.challengeOf(a.Seq)
	if c == nil {
		return refuse(CodeInvalid, "seq", "没有编号为 %d 的待答复质疑", "there is no open challenge number %d", a.Seq)
	}
	if c.Answered {
		return refuse(CodeState, "seq", "该质疑已答复", "that challenge has already been answered")
	}
	if a.Upheld && a.Action != ActionRescore && a.Action != ActionRetender {
		return refuse(CodeInvalid, "action", "质疑成立时须选择 rescore（重新评审）或 retender（重新招标）", "an upheld challenge needs action rescore or retender")
	}
	if !a.Upheld && a.Action != "" {
		return refuse(CodeInvalid, "action", "质疑不成立时不能指定处理方式", "a rejected challenge takes no action")
	}
	return requireText("response", a.Response)
}

func (p *purchase) onAnswer(ctx workflow.Context, a AnswerArgs) (Status, error) {
	now := workflow.Now(ctx)
	c := p.challengeOf(a.Seq)
	c.Answered, c.Upheld, c.Action, c.Response, c.AnsweredAt = true, a.Upheld, a.Action, a.Response, now
	seq := p.emit(ctx, "challenge.answered", a.Actor, event.Event{Note: a.Response,
		Answer: &event.Answer{Seq: c.Seq, Upheld: a.Upheld, Action: a.Action, Response: a.Response}})
	if a.Upheld {
		// The award falls; other open challenges against it are moot.
		for _, o := range p.Challenges {
			if !o.Answered {
				o.Answered, o.Response, o.AnsweredAt = true, fmt.Sprintf("因质疑 %d 成立而终结 / moot: challenge %d upheld", c.Seq, c.Seq), now
				p.emit(ctx, "challenge.answered", a.Actor, event.Event{Answer: &event.Answer{Seq: o.Seq, Response: o.Response}})
			}
		}
		p.emit(ctx, "award.voided", a.Actor, event.Event{Note: a.Response,
			AwardStatus: &event.AwardStatus{Round: p.Round, SupplierID: p.Award.SupplierID, Status: "voided"}})
		if a.Action == ActionRescore {
			p.clearScores()
			p.emit(ctx, "scores.voided", a.Actor, event.Event{ClearScores: &event.ClearScores{Round: p.Round}})
			p.EvalOverdue = false
			p.EvalDeadline = p.In.Policy.EvaluationDeadline(now)
			seq = p.setStatus(ctx, StatusEvaluating, fmt.Sprintf("质疑 %d 成立，重新评审 / challenge %d upheld: rescoring", c.Seq, c.Seq))
		} else {
			p.FailReason = fmt.Sprintf("质疑 %d 成立，本轮作废 / challenge %d upheld: round voided", c.Seq, c.Seq)
			seq = p.setStatus(ctx, StatusFailed, p.FailReason)
		}
	}
	return p.Status, p.written(ctx, seq)
}

// --- contract ---

func (p *purchase) validateSign(ctx workflow.Context, a SignArgs) error {
	if err := requireRole(a.Actor, "officer", "supplier"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusContracting); err != nil {
		return err
	}
	if p.Award.Forfeited || !workflow.Now(ctx).Before(p.Award.SignBy) {
		return refuse(CodeState, "", "签约期限 %s 已过", "the signing deadline %s has passed", shanghai(p.Award.SignBy))
	}
	if a.Actor.Role == "supplier" {
		if a.Actor.SupplierID != p.Award.SupplierID {
			return refuse(CodeForbidden, "", "只有中标机构可以签约", "only the winning organisation may sign")
		}
		if !p.Award.SupplierSignedAt.IsZero() {
			return refuse(CodeState, "", "中标机构已签约", "the organisation has already signed")
		}
		return nil
	}
	if !p.Award.OfficerSignedAt.IsZero() {
		return refuse(CodeState, "", "采购人已签约", "the purchaser has already signed")
	}
	return nil
}

func (p *purchase) onSign(ctx workflow.Context, a SignArgs) (Status, error) {
	now := workflow.Now(ctx)
	party := "officer"
	if a.Actor.Role == "supplier" {
		p.Award.SupplierSignedAt, party = now, "supplier"
	} else {
		p.Award.OfficerSignedAt = now
	}
	seq := p.emit(ctx, "contract.signed_by_"+party, a.Actor, event.Event{
		Signature: &event.Signature{Round: p.Round, SupplierID: p.Award.SupplierID, Party: party}})
	if err := p.written(ctx, seq); err != nil {
		return p.Status, err
	}
	// When this was the second signature, answer once the contract is written.
	if !p.Award.OfficerSignedAt.IsZero() && !p.Award.SupplierSignedAt.IsZero() {
		if err := workflow.Await(ctx, func() bool { return p.Status != StatusContracting && len(p.outbox) == 0 && p.Written == p.Seq }); err != nil {
			return p.Status, err
		}
	}
	return p.Status, nil
}

func (p *purchase) validateAwardNext(ctx workflow.Context, a ReasonArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusContracting); err != nil {
		return err
	}
	if !p.Award.Forfeited {
		return refuse(CodeState, "", "中标人尚未放弃签约", "the winner has not forfeited")
	}
	for _, r := range p.Ranking {
		if !contains(p.Forfeited, supplierOf(r.ID)) {
			return requireText("reason", a.Reason)
		}
	}
	return refuse(CodeState, "", "没有排名更靠后的有效投标，请重新招标或取消", "no next-ranked bid is left; re-tender or cancel")
}

func (p *purchase) onAwardNext(ctx workflow.Context, a ReasonArgs) (Status, error) {
	p.awardNext(ctx, a.Actor)
	return p.Status, p.written(ctx, p.Seq)
}

// --- re-tender and cancellation ---

func (p *purchase) validateRetender(ctx workflow.Context, a RetenderArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if p.Status != StatusFailed && !(p.Status == StatusContracting && p.Award.Forfeited) {
		return refuse(CodeState, "", "只有流标、本轮作废或中标人放弃签约后才能重新招标", "re-tender only after a failed or voided round or a forfeit")
	}
	method := p.Method
	if a.Method != "" && a.Method != p.Method {
		method = a.Method
		if !method.Valid() {
			return refuse(CodeInvalid, "method", "未知的采购方式 %s", "unknown procurement method %s", method)
		}
		if strings.TrimSpace(a.ApprovalRef) == "" || a.ApprovalDate.IsZero() {
			return refuse(CodeInvalid, "approvalRef", "变更采购方式须提供财政部门批准文号和日期", "changing the method needs the finance bureau's approval reference and date")
		}
		if a.ApprovalDate.After(workflow.Now(ctx)) {
			return refuse(CodeInvalid, "approvalDate", "批准日期不能晚于今天", "the approval date cannot be in the future")
		}
	}
	if err := refusal("bidDeadline", p.In.Policy.CheckBidDeadline(method, workflow.Now(ctx), a.BidDeadline)); err != nil {
		return err
	}
	if err := p.beforeService(a.BidDeadline); err != nil {
		return err
	}
	return refusal("method", rules.CheckPanel(p.In.Policy, method, p.In.CeilingFen, len(p.activePanel())))
}

// beforeService refuses a bid deadline at or after the start of the
// service period, the rule a new purchase is held to: the contract's
// milestones all fall in the service period, so a later round would sign
// a contract whose first milestones are already due. Dates cannot be
// re-planned inside a purchase; the officer cancels and creates it anew.
func (p *purchase) beforeService(deadline time.Time) error {
	if deadline.Before(p.In.ServiceStart) {
		return nil
	}
	return refuse(CodeInvalid, "bidDeadline", "投标截止时间须早于服务期开始（%s）；如需调整服务期，请取消本项目后重新立项",
		"the bid deadline must be before the service period starts (%s); to change the service period, cancel and create the purchase anew",
		shanghai(p.In.ServiceStart))
}

func (p *purchase) validateExtend(ctx workflow.Context, a ExtendArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusTendering); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	if !now.Before(p.BidDeadline) {
		return refuse(CodeState, "", "投标截止时间 %s 已过，不能再延期", "the bid deadline %s has passed; it can no longer be extended", shanghai(p.BidDeadline))
	}
	amended := strings.TrimSpace(a.Amendment) != ""
	// A change published with 15 days or more left keeps the deadline
	// (87号令 Art. 27); otherwise the deadline moves later.
	if !a.BidDeadline.After(p.BidDeadline) && !(amended && a.BidDeadline.Equal(p.BidDeadline)) {
		return refuse(CodeInvalid, "bidDeadline", "新的截止时间须晚于当前截止时间 %s（只发布澄清或修改时可保持不变）",
			"the new deadline must be later than the current one, %s (or the same, to publish only a clarification or change)", shanghai(p.BidDeadline))
	}
	if err := p.beforeService(a.BidDeadline); err != nil {
		return err
	}
	if err := requireText("reason", a.Reason); err != nil {
		return err
	}
	if !amended {
		return nil
	}
	return refusal("bidDeadline", p.In.Policy.CheckAmendedDeadline(p.Method, now, a.BidDeadline))
}

// onExtend moves the deadline, or keeps it for a clarification or change
// published in time. Bids already submitted stand; their bidders may
// replace or withdraw them until the deadline.
func (p *purchase) onExtend(ctx workflow.Context, a ExtendArgs) (time.Time, error) {
	note := a.Reason
	if s := strings.TrimSpace(a.Amendment); s != "" {
		note += "\n澄清或修改 / clarification or change: " + s
	}
	action := "tender.extended"
	if a.BidDeadline.Equal(p.BidDeadline) {
		action = "tender.amended"
	}
	p.BidDeadline = a.BidDeadline
	seq := p.emit(ctx, action, a.Actor, event.Event{Note: note, Status: &event.Status{
		Status: string(p.Status), Round: p.Round, Method: string(p.Method), BidDeadline: p.BidDeadline}})
	return p.BidDeadline, p.written(ctx, seq)
}

func (p *purchase) onRetender(ctx workflow.Context, a RetenderArgs) (int, error) {
	note := ""
	if a.Method != "" && a.Method != p.Method {
		note = fmt.Sprintf("采购方式由 %s 变更为 %s，批准文号 %s（%s） / method changed from %s to %s, approval %s of %s",
			p.Method, a.Method, a.ApprovalRef, shanghaiDate(a.ApprovalDate), p.Method, a.Method, a.ApprovalRef, shanghaiDate(a.ApprovalDate))
		p.Method = a.Method
	}
	p.Round++
	p.Bids, p.FailReason, p.EvalOverdue, p.Forfeited = nil, "", false, nil
	p.clearScores()
	p.NoticeAt, p.BidDeadline = workflow.Now(ctx), a.BidDeadline
	seq := p.setStatus(ctx, StatusTendering, note)
	return p.Round, p.written(ctx, seq)
}

func (p *purchase) validateCancel(ctx workflow.Context, a ReasonArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := requireStatus(p, StatusTendering, StatusEvaluating, StatusChallengePeriod, StatusContracting, StatusFailed); err != nil {
		return err
	}
	return requireText("reason", a.Reason)
}

func (p *purchase) onCancel(ctx workflow.Context, a ReasonArgs) (Status, error) {
	p.CancelReason = a.Reason
	if p.Award != nil {
		p.emit(ctx, "award.voided", a.Actor, event.Event{Note: a.Reason,
			AwardStatus: &event.AwardStatus{Round: p.Round, SupplierID: p.Award.SupplierID, Status: "voided"}})
	}
	e := event.Event{Note: a.Reason, Status: &event.Status{Status: string(StatusCancelled), Round: p.Round,
		Method: string(p.Method), BidDeadline: p.BidDeadline}}
	if p.ReservedFen > 0 {
		e.Budget = &event.Budget{BudgetID: p.In.BudgetID, Kind: "release", AmountFen: p.ReservedFen}
		p.ReservedFen = 0
	}
	p.Status = StatusCancelled
	seq := p.emit(ctx, "purchase.cancelled", a.Actor, e)
	p.upsertSearch(ctx)
	return p.Status, p.written(ctx, seq)
}

func missingQualifications(required, held []string) []string {
	have := map[string]bool{}
	for _, q := range held {
		have[q] = true
	}
	var missing []string
	for _, q := range required {
		if !have[q] {
			missing = append(missing, q)
		}
	}
	return missing
}

// shanghai formats t for people: Asia/Shanghai wall time.
func shanghai(t time.Time) string { return t.In(rules.Shanghai).Format("2006-01-02 15:04:05") }

func shanghaiDate(t time.Time) string { return t.In(rules.Shanghai).Format("2006-01-02") }
