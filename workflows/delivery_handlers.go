package workflows

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"zhucan/catalog"
	"zhucan/event"
	"zhucan/rules"
)

// register installs the delivery phase's status Query and Updates.
func (d *delivery) register(ctx workflow.Context) error {
	return register(ctx, d.view, []update{
		{UpdateReport, d.onReport, d.validateReport},
		{UpdateReview, d.onReview, d.validateReview},
		{UpdateInspect, d.onInspect, d.validateInspect},
		{UpdateRectified, d.onRectified, d.validateRectified},
		{UpdateEvaluate, d.onEvaluate, d.validateEvaluate},
		{UpdateTerminate, d.onTerminate, d.validateTerminate},
		{UpdateReassignInspection, d.onReassign, d.validateReassign},
	}, func() Status { return d.WrittenStatus })
}

// accepted records that an Update changed the state and waits for its
// event to be written.
func (d *delivery) accepted(ctx workflow.Context, seq int) error {
	d.version++
	return d.written(ctx, seq)
}

func (d *delivery) requireContractor(a Actor) error {
	if err := requireRole(a, "supplier"); err != nil {
		return err
	}
	if a.SupplierID != d.In.SupplierID {
		return refuse(CodeForbidden, "", "只有承接本合同的社会组织可以操作", "only the contracted organisation may do this")
	}
	return nil
}

func (d *delivery) requireOpen() error {
	if d.Status != StatusDelivering && d.Status != StatusAssessing {
		return refuse(CodeState, "", "合同已%s，不能再操作", "the contract is %s; nothing more can be done", d.Status)
	}
	return nil
}

func (d *delivery) milestone(field string, seq int) (*MilestoneState, error) {
	if seq < 1 || seq > len(d.Milestones) {
		return nil, refuse(CodeInvalid, field, "没有编号为 %d 的履约节点", "there is no milestone %d", seq)
	}
	return d.Milestones[seq-1], nil
}

func (d *delivery) validateReport(ctx workflow.Context, a ReportArgs) error {
	if err := d.requireContractor(a.Actor); err != nil {
		return err
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	m, err := d.milestone("seq", a.Seq)
	if err != nil {
		return err
	}
	if m.Status != "pending" && m.Status != "returned" {
		return refuse(CodeState, "seq", "节点 %d 的报告%s，不能再提交", "milestone %d is %s; no report can be submitted", a.Seq, m.Status)
	}
	if a.Delivered < 0 {
		return refuse(CodeInvalid, "deliveredQuantity", "交付数量不能为负", "deliveredQuantity cannot be negative")
	}
	if a.Beneficiaries < 0 {
		return refuse(CodeInvalid, "beneficiaries", "服务人数不能为负", "beneficiaries cannot be negative")
	}
	if err := requireText("summary", a.Summary); err != nil {
		return err
	}
	for i, e := range a.Evidence {
		if strings.TrimSpace(e.Name) == "" {
			return refuse(CodeInvalid, fmt.Sprintf("evidence[%d].name", i), "证明材料须有文件名", "evidence needs a file name")
		}
		if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != 32 {
			return refuse(CodeInvalid, fmt.Sprintf("evidence[%d].sha256", i), "SHA-256 须为 64 位十六进制", "sha256 must be 64 hexadecimal digits")
		}
	}
	return nil
}

func (d *delivery) onReport(ctx workflow.Context, a ReportArgs) (int, error) {
	now := workflow.Now(ctx)
	m := d.Milestones[a.Seq-1]
	r := MilestoneReport{Version: len(m.Reports) + 1, Delivered: a.Delivered, Beneficiaries: a.Beneficiaries,
		Summary: a.Summary, Evidence: a.Evidence, SubmittedAt: now}
	m.Reports = append(m.Reports, r)
	m.Status = "reported"
	ev := make([]event.Evidence, len(a.Evidence))
	for i, e := range a.Evidence {
		ev[i] = event.Evidence{Name: e.Name, SHA256: strings.ToLower(e.SHA256)}
	}
	seq := d.emit(ctx, "milestone.reported", a.Actor, event.Event{Report: &event.Report{Seq: m.Seq, Version: r.Version,
		Delivered: a.Delivered, Beneficiaries: a.Beneficiaries, Summary: a.Summary, Evidence: ev, OnTime: !now.After(m.Due)}})
	return r.Version, d.accepted(ctx, seq)
}

func (d *delivery) validateReview(ctx workflow.Context, a ReviewArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	m, err := d.milestone("seq", a.Seq)
	if err != nil {
		return err
	}
	if m.Status != "reported" {
		return refuse(CodeState, "seq", "节点 %d 没有待审核的报告", "milestone %d has no report awaiting review", a.Seq)
	}
	last := m.Reports[len(m.Reports)-1]
	if !a.Accepted {
		return requireText("reason", a.Reason)
	}
	if a.AcceptDelivered {
		return nil
	}
	if a.AcceptedQty < 0 || a.AcceptedQty > last.Delivered {
		return refuse(CodeInvalid, "acceptedQuantity", "验收数量须在 0 到报告的交付数量 %d 之间", "acceptedQuantity must be between 0 and the %d delivered", last.Delivered)
	}
	return nil
}

func (d *delivery) onReview(ctx workflow.Context, a ReviewArgs) (string, error) {
	now := workflow.Now(ctx)
	m := d.Milestones[a.Seq-1]
	r := &m.Reports[len(m.Reports)-1]
	r.Reviewed, r.Accepted, r.Reason = true, a.Accepted, a.Reason
	rv := &event.Review{Seq: m.Seq, Version: r.Version, Accepted: a.Accepted}
	if !a.Accepted {
		m.Status = "returned"
		seq := d.emit(ctx, "milestone.returned", a.Actor, event.Event{Review: rv, Note: a.Reason})
		return m.Status, d.accepted(ctx, seq)
	}
	if a.AcceptDelivered {
		a.AcceptedQty = r.Delivered
	}
	r.AcceptedQty = a.AcceptedQty
	m.Status, m.AcceptedQty, m.Beneficiaries, m.AcceptedAt = "accepted", a.AcceptedQty, r.Beneficiaries, now
	m.OnTime = !r.SubmittedAt.After(m.Due)
	rv.AcceptedQty, rv.Beneficiaries = a.AcceptedQty, r.Beneficiaries
	// Pro rata to the quantity accepted, never above the milestone's share;
	// a milestone that plans no quantity (a report) earns its share.
	m.EarnedFen = m.PaymentFen
	if m.Quantity > 0 {
		m.EarnedFen = rules.ProRata(m.PaymentFen, m.Quantity, a.AcceptedQty)
	}
	seq := d.emit(ctx, "milestone.accepted", a.Actor, event.Event{Review: rv, Note: a.Reason})
	if !m.Retained {
		d.pay(ctx, "milestone", m.Seq, m.EarnedFen, fmt.Sprintf("节点 %d 验收，支付 %s 元 / milestone %d accepted: %s yuan paid",
			m.Seq, rules.FormatYuan(m.EarnedFen), m.Seq, rules.FormatYuan(m.EarnedFen)))
		seq = d.Seq
	}
	return m.Status, d.accepted(ctx, seq)
}

func (d *delivery) requireInspector(a Actor) error {
	if err := requireRole(a, "evaluator"); err != nil {
		return err
	}
	if !contains(d.In.Inspectors, a.UserID) {
		return refuse(CodeForbidden, "", "您不是本项目的质量监督员", "you are not an inspector of this purchase")
	}
	return nil
}

// pendingInspection returns the earliest inspection awaiting its result
// that is assigned to inspector. Inspections are assigned in turn when
// they fall due; an inspector records only their own, so that the one
// who signs the record is the one the schedule named.
func (d *delivery) pendingInspection(inspector int64) *InspectionState {
	for _, in := range d.Inspections {
		if !in.Recorded && in.InspectorID == inspector {
			return in
		}
	}
	return nil
}

func (d *delivery) validateReassign(ctx workflow.Context, a ReassignArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	if a.Seq < 1 || a.Seq > len(d.Inspections) || d.Inspections[a.Seq-1].Recorded {
		return refuse(CodeInvalid, "seq", "没有待记录的第 %d 次检查", "there is no pending inspection %d", a.Seq)
	}
	if !contains(d.In.Inspectors, a.InspectorID) {
		return refuse(CodeInvalid, "inspectorId", "用户 #%d 不是本项目的质量监督员", "user #%d is not an inspector of this purchase", a.InspectorID)
	}
	if d.Inspections[a.Seq-1].InspectorID == a.InspectorID {
		return refuse(CodeInvalid, "inspectorId", "第 %d 次检查已安排给该监督员", "inspection %d is already that inspector's", a.Seq)
	}
	return requireText("reason", a.Reason)
}

// onReassign gives the inspection to another of the purchase's inspectors
// (the one assigned is on leave or has a conflict of interest).
func (d *delivery) onReassign(ctx workflow.Context, a ReassignArgs) (int, error) {
	in := d.Inspections[a.Seq-1]
	in.InspectorID = a.InspectorID
	seq := d.emit(ctx, "inspection.reassigned", a.Actor, event.Event{Note: a.Reason, Inspection: &event.Inspection{
		Seq: in.Seq, Due: in.Due, InspectorID: in.InspectorID, Reinspection: in.Reinspection}})
	return in.Seq, d.written(ctx, seq)
}

func (d *delivery) validateInspect(ctx workflow.Context, a InspectArgs) error {
	if err := d.requireInspector(a.Actor); err != nil {
		return err
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	if d.pendingInspection(a.Actor.UserID) == nil {
		for _, in := range d.Inspections {
			if !in.Recorded {
				return refuse(CodeState, "", "到期的第 %d 次检查已安排给另一位质量监督员（用户 #%d）", "inspection %d is due but assigned to another inspector (user #%d)", in.Seq, in.InspectorID)
			}
		}
		return refuse(CodeState, "", "目前没有到期的检查", "no inspection is due now")
	}
	if a.Surveyed < 0 || a.Satisfied < 0 || a.Satisfied > a.Surveyed {
		return refuse(CodeInvalid, "satisfied", "满意人数须在 0 到受访人数之间", "satisfied must be between 0 and surveyed")
	}
	if !a.Passed {
		return requireText("findings", a.Findings)
	}
	return nil
}

func (d *delivery) onInspect(ctx workflow.Context, a InspectArgs) (int, error) {
	now := workflow.Now(ctx)
	in := d.pendingInspection(a.Actor.UserID)
	if in == nil {
		// Recorded before inspectors were held to their own inspections
		// (validators do not run on replay): the earliest, as it was then.
		for _, x := range d.Inspections {
			if !x.Recorded {
				in = x
				break
			}
		}
	}
	in.Recorded, in.RecordedBy, in.Passed, in.Findings, in.Surveyed, in.Satisfied, in.RecordedAt =
		true, a.Actor.UserID, a.Passed, a.Findings, a.Surveyed, a.Satisfied, now
	seq := d.emit(ctx, "inspection.recorded", a.Actor, event.Event{Note: a.Findings, Inspection: &event.Inspection{
		Seq: in.Seq, Due: in.Due, InspectorID: a.Actor.UserID, Reinspection: in.Reinspection, Recorded: true,
		Passed: a.Passed, Findings: a.Findings, Surveyed: a.Surveyed, Satisfied: a.Satisfied}})
	var rect *RectificationState
	for _, r := range d.Rectifications {
		if r.Status == RectDone {
			rect = r // the re-inspection answers the rectification reported done
		}
	}
	if a.Passed {
		d.ConsecutiveFails = 0
		if rect != nil && in.Reinspection {
			rect.Status = RectClosed
			seq = d.emit(ctx, "rectification.closed", a.Actor, event.Event{Rectification: &event.Rectification{
				Seq: rect.Seq, InspectionSeq: rect.InspectionSeq, Deadline: rect.Deadline, Status: RectClosed}})
		}
		return in.Seq, d.accepted(ctx, seq)
	}
	d.ConsecutiveFails++
	if rect != nil && in.Reinspection {
		rect.Status = RectFailed
		d.emit(ctx, "rectification.failed", a.Actor, event.Event{Rectification: &event.Rectification{
			Seq: rect.Seq, InspectionSeq: rect.InspectionSeq, Deadline: rect.Deadline, Status: RectFailed}})
	}
	if d.ConsecutiveFails >= 2 {
		d.TerminationGround = "连续两次检查不合格 / two consecutive failed inspections"
	}
	r := &RectificationState{Seq: len(d.Rectifications) + 1, InspectionSeq: in.Seq,
		Deadline: d.In.Policy.RectificationDeadline(now), Status: RectOpen}
	d.Rectifications = append(d.Rectifications, r)
	seq = d.emit(ctx, "rectification.opened", system, event.Event{Note: d.TerminationGround, Rectification: &event.Rectification{
		Seq: r.Seq, InspectionSeq: in.Seq, Deadline: r.Deadline, Status: RectOpen}})
	return in.Seq, d.accepted(ctx, seq)
}

func (d *delivery) validateRectified(ctx workflow.Context, a RectifiedArgs) error {
	if err := d.requireContractor(a.Actor); err != nil {
		return err
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	if a.Seq < 1 || a.Seq > len(d.Rectifications) || d.Rectifications[a.Seq-1].Status != RectOpen {
		return refuse(CodeState, "seq", "没有编号为 %d 的待整改事项", "there is no open rectification %d", a.Seq)
	}
	if !workflow.Now(ctx).Before(d.Rectifications[a.Seq-1].Deadline) {
		return refuse(CodeState, "seq", "整改期限已过", "the rectification deadline has passed")
	}
	return requireText("summary", a.Summary)
}

func (d *delivery) onRectified(ctx workflow.Context, a RectifiedArgs) (int, error) {
	r := d.Rectifications[a.Seq-1]
	r.Status, r.Summary = RectDone, a.Summary
	d.emit(ctx, "rectification.done", a.Actor, event.Event{Note: a.Summary, Rectification: &event.Rectification{
		Seq: r.Seq, InspectionSeq: r.InspectionSeq, Deadline: r.Deadline, Status: RectDone, Summary: a.Summary}})
	failed := d.Inspections[r.InspectionSeq-1]
	in := d.openInspection(ctx, workflow.Now(ctx), failed.InspectorID, true)
	return in.Seq, d.accepted(ctx, d.Seq)
}

func (d *delivery) openEvaluationNow() *EvaluationState {
	for _, e := range d.Evaluations {
		if !e.Done {
			return e
		}
	}
	return nil
}

func (d *delivery) validateEvaluate(ctx workflow.Context, a EvaluateArgs) error {
	if err := requireRole(a.Actor, "evaluator"); err != nil {
		return err
	}
	if !contains(d.In.Assessors, a.Actor.UserID) {
		return refuse(CodeForbidden, "", "您不是本项目的绩效评价人员", "you are not an assessor of this purchase")
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	if d.openEvaluationNow() == nil {
		return refuse(CodeState, "", "目前没有进行中的绩效评价", "no performance evaluation is open")
	}
	want := map[string]catalog.Indicator{}
	for _, ind := range d.In.Item.Indicators {
		if ind.Method == catalog.MethodScored {
			want[ind.Code] = ind
		}
	}
	if len(a.Scores) != len(want) {
		return refuse(CodeInvalid, "scores", "须为全部 %d 项评分指标打分", "score every one of the %d scored indicators", len(want))
	}
	seen := map[string]bool{}
	for i, s := range a.Scores {
		f := fmt.Sprintf("scores[%d]", i)
		ind, ok := want[s.Indicator]
		if !ok || seen[s.Indicator] {
			return refuse(CodeInvalid, f+".indicator", "%q 不是需打分的指标或重复", "%q is not a scored indicator, or is repeated", s.Indicator)
		}
		seen[s.Indicator] = true
		if s.Score < 0 || s.Score > rules.WholePoints(ind.Weight) {
			return refuse(CodeInvalid, f+".score", "得分须在 0 到 %d 之间", "score must be between 0 and %d", ind.Weight)
		}
	}
	return nil
}

func (d *delivery) onEvaluate(ctx workflow.Context, a EvaluateArgs) (string, error) {
	e := d.openEvaluationNow()
	sub := AssessorScores{AssessorID: a.Actor.UserID, Scores: a.Scores, Comment: a.Comment}
	replaced := false
	for i := range e.Submitted {
		if e.Submitted[i].AssessorID == a.Actor.UserID {
			e.Submitted[i], replaced = sub, true
		}
	}
	if !replaced {
		e.Submitted = append(e.Submitted, sub)
	}
	ev := &event.Evaluation{Stage: e.Stage}
	for _, s := range a.Scores {
		ev.Scores = append(ev.Scores, event.IndicatorScore{Code: s.Indicator, Scorer: userRef(a.Actor.UserID), Centi: int64(s.Score), Comment: a.Comment})
	}
	seq := d.emit(ctx, "evaluation.scored", a.Actor, event.Event{Evaluation: ev, Note: a.Comment})
	return e.Stage, d.accepted(ctx, seq)
}

func (d *delivery) validateTerminate(ctx workflow.Context, a ReasonArgs) error {
	if err := requireRole(a.Actor, "officer"); err != nil {
		return err
	}
	if err := d.requireOpen(); err != nil {
		return err
	}
	if d.TerminationGround == "" {
		return refuse(CodeState, "", "没有解除合同的依据：须整改逾期未完成或连续两次检查不合格",
			"no ground to terminate: a rectification must have lapsed or two inspections in a row failed")
	}
	return requireText("reason", a.Reason)
}

func (d *delivery) onTerminate(ctx workflow.Context, a ReasonArgs) (Status, error) {
	d.Reason = a.Reason
	detail, _ := json.Marshal(map[string]string{"ground": d.TerminationGround, "reason": a.Reason})
	e := event.Event{Note: a.Reason, ContractStatus: &event.ContractStatus{Status: "terminated"},
		Record: &event.SupplierRecord{SupplierID: d.In.SupplierID, Kind: "termination", Detail: detail}}
	if d.ReservedFen > 0 {
		e.Budget = &event.Budget{BudgetID: d.In.BudgetID, Kind: "release", AmountFen: d.ReservedFen}
		d.ReservedFen = 0
	}
	d.emit(ctx, "contract.terminated", a.Actor, e)
	d.setStatus(ctx, StatusTerminated)
	return d.Status, d.accepted(ctx, d.Seq)
}
