package workflows

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"zhucan/catalog"
	"zhucan/event"
	"zhucan/rules"
)

// delivery is the state of a purchase from the signed contract to
// settlement.
type delivery struct {
	In DeliveryInput
	DeliveryState
	journal
	version int // bumped by every accepted Update, to wake the main loop
}

// DeliveryWorkflow follows a signed contract through delivery milestones,
// quality monitoring, performance evaluation and settlement. It continues
// as new (carrying its state) before its history grows large, so that a
// three-year contract with weekly reports stays cheap to replay.
func DeliveryWorkflow(ctx workflow.Context, in DeliveryInput) (Outcome, error) {
	// Every event before this run is written: the previous run flushed
	// its journal before handing over.
	d := &delivery{In: in, journal: journal{PurchaseID: in.PurchaseID, Seq: in.Seq, Written: in.Seq, Revision: in.Revision,
		WrittenStatus: in.WrittenStatus, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID}}
	if in.State != nil {
		d.DeliveryState = *in.State
	} else {
		d.start(ctx)
		if d.Revision >= RevisionDeliveryOpens {
			d.setStatus(ctx, StatusDelivering)
		}
	}
	if err := d.register(ctx); err != nil {
		return Outcome{}, err
	}
	for {
		d.advance(ctx)
		if d.Status.Terminal() {
			if err := d.finishHandlers(ctx); err != nil {
				return Outcome{}, err
			}
			return Outcome{Status: d.Status, Reason: d.Reason}, nil
		}
		if d.historyFull(ctx) {
			if err := d.finishHandlers(ctx); err != nil {
				return Outcome{}, err
			}
			next := d.In
			st := d.DeliveryState
			next.State, next.Seq, next.WrittenStatus = &st, d.Seq, d.WrittenStatus
			return Outcome{}, workflow.NewContinueAsNewError(ctx, DeliveryWorkflow, next)
		}
		v := d.version
		if _, err := d.wait(ctx, d.nextDeadline(workflow.Now(ctx)), func() bool { return d.version != v || d.Status.Terminal() }); err != nil {
			return Outcome{}, err
		}
	}
}

// start sets up delivery from the contract: milestones, the first
// scheduled inspection, and the retained last payment.
func (d *delivery) start(ctx workflow.Context) {
	d.Status = StatusDelivering
	d.ReservedFen = d.In.ReservedFen
	for i, m := range d.In.Milestones {
		ms := &MilestoneState{ContractMilestone: m, Status: "pending"}
		ms.Retained = d.In.Policy.Retention.Mode == rules.RetainLastMilestone && i == len(d.In.Milestones)-1
		d.Milestones = append(d.Milestones, ms)
	}
	d.NextInspection = d.inspectionDue(1)
}

// inspectionDue is when the k-th scheduled inspection falls due: every
// interval from the start of the service, so that the schedule does not
// drift with the end-of-day rounding of each step.
func (d *delivery) inspectionDue(k int) time.Time {
	return d.In.Policy.Calendar().AddDays(d.In.ServiceStart, d.In.Policy.InspectionIntervalDays*k)
}

func (d *delivery) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := d.In.HistoryLimit
	if limit <= 0 {
		limit = 2000
	}
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit
}

// advance does everything whose time has come or whose conditions hold:
// overdue reports, inspections falling due, lapsed rectifications, the
// end of the service period, evaluations and settlement.
func (d *delivery) advance(ctx workflow.Context) {
	now := workflow.Now(ctx)
	pol := d.In.Policy
	for _, m := range d.Milestones {
		waiting := m.Status == "pending" || m.Status == "returned"
		if waiting && !m.Overdue && !now.Before(m.Due) {
			m.Overdue = true
			d.emit(ctx, "milestone.overdue", system, event.Event{Overdue: &event.MilestoneOverdue{Seq: m.Seq},
				Note: fmt.Sprintf("节点 %d 的履约报告未按期提交 / the report of milestone %d is overdue", m.Seq, m.Seq)})
		}
		if waiting && !m.Late && !now.Before(pol.ReportDeadline(m.Due)) {
			m.Late = true
			detail, _ := json.Marshal(map[string]any{"milestone": m.Seq, "due": m.Due})
			d.emit(ctx, "milestone.late", system, event.Event{
				Record: &event.SupplierRecord{SupplierID: d.In.SupplierID, Kind: "delay", Detail: detail},
				Note:   fmt.Sprintf("节点 %d 超过宽限期仍未提交报告，请采购人处理 / milestone %d is past its grace period: the officer must act", m.Seq, m.Seq)})
		}
	}
	for d.Status == StatusDelivering && !now.Before(d.NextInspection) && d.NextInspection.Before(d.In.ServiceEnd) {
		d.openInspection(ctx, d.NextInspection, 0, false)
		d.Scheduled++
		d.NextInspection = d.inspectionDue(d.Scheduled + 1)
	}
	for _, r := range d.Rectifications {
		if r.Status == RectOpen && !now.Before(r.Deadline) {
			r.Status = RectFailed
			d.TerminationGround = fmt.Sprintf("整改 %d 逾期未完成 / rectification %d not done in time", r.Seq, r.Seq)
			d.emit(ctx, "rectification.failed", system, event.Event{Note: d.TerminationGround,
				Rectification: &event.Rectification{Seq: r.Seq, InspectionSeq: r.InspectionSeq, Deadline: r.Deadline, Status: RectFailed}})
		}
	}
	if d.In.MidTerm && d.evaluation(StageMidterm) == nil && !now.Before(d.midpoint()) && d.Status == StatusDelivering {
		d.openEvaluation(ctx, StageMidterm)
	}
	if d.Status == StatusDelivering && !now.Before(d.In.ServiceEnd) {
		d.setStatus(ctx, StatusAssessing)
		d.openEvaluation(ctx, StageFinal)
	}
	for _, e := range d.Evaluations {
		if !e.Done && len(e.Submitted) == len(d.In.Assessors) && (e.Stage == StageMidterm || d.milestonesResolved(now)) {
			d.grade(ctx, e)
		}
	}
	if d.Status == StatusAssessing {
		if e := d.evaluation(StageFinal); e != nil && e.Done {
			d.settle(ctx, e)
		}
	}
}

// nextDeadline is the earliest moment after now at which advance has
// something to do. Moments already past were handled by advance; counting
// them again would make the main loop spin without yielding (a lapsed
// milestone's grace period stays in the past for ever).
func (d *delivery) nextDeadline(now time.Time) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	pol := d.In.Policy
	for _, m := range d.Milestones {
		if m.Status == "pending" || m.Status == "returned" {
			if !m.Overdue {
				consider(m.Due)
			} else if !m.Late {
				consider(pol.ReportDeadline(m.Due))
			}
		}
	}
	if d.Status == StatusDelivering {
		if d.NextInspection.Before(d.In.ServiceEnd) {
			consider(d.NextInspection)
		}
		consider(d.In.ServiceEnd)
		if d.In.MidTerm && d.evaluation(StageMidterm) == nil {
			consider(d.midpoint())
		}
	}
	for _, r := range d.Rectifications {
		if r.Status == RectOpen {
			consider(r.Deadline)
		}
	}
	if d.Status == StatusAssessing {
		// Milestones lapse at the end of their grace period.
		for _, m := range d.Milestones {
			if m.Status != "accepted" {
				consider(pol.ReportDeadline(m.Due))
			}
		}
	}
	return next
}

func (d *delivery) midpoint() time.Time {
	return d.In.ServiceStart.Add(d.In.ServiceEnd.Sub(d.In.ServiceStart) / 2)
}

// milestonesResolved holds when every milestone is accepted, or has
// lapsed (its grace period is over and no report awaits review).
func (d *delivery) milestonesResolved(now time.Time) bool {
	for _, m := range d.Milestones {
		if m.Status == "accepted" {
			continue
		}
		if m.Status == "reported" || now.Before(d.In.Policy.ReportDeadline(m.Due)) {
			return false
		}
	}
	return true
}

func (d *delivery) setStatus(ctx workflow.Context, s Status) {
	d.Status = s
	d.emit(ctx, "purchase."+string(s), system, event.Event{Status: &event.Status{Status: string(s), Round: d.In.Round,
		Method: string(d.In.Method), BidDeadline: time.Time{}}})
	if !d.batchesSteps() { // see upsertSearch
		_ = workflow.UpsertTypedSearchAttributes(ctx, saStatus.ValueSet(string(s)))
	}
}

func (d *delivery) openInspection(ctx workflow.Context, due time.Time, inspector int64, reinspection bool) *InspectionState {
	if inspector == 0 && len(d.In.Inspectors) > 0 {
		inspector = d.In.Inspectors[d.InspectorTurn%len(d.In.Inspectors)]
		d.InspectorTurn++
	}
	in := &InspectionState{Seq: len(d.Inspections) + 1, Due: due, InspectorID: inspector, Reinspection: reinspection}
	d.Inspections = append(d.Inspections, in)
	action := "inspection.due"
	if reinspection {
		action = "reinspection.due"
	}
	d.emit(ctx, action, system, event.Event{Inspection: &event.Inspection{Seq: in.Seq, Due: due, InspectorID: inspector, Reinspection: reinspection}})
	return in
}

func (d *delivery) evaluation(stage string) *EvaluationState {
	for _, e := range d.Evaluations {
		if e.Stage == stage {
			return e
		}
	}
	return nil
}

func (d *delivery) openEvaluation(ctx workflow.Context, stage string) {
	now := workflow.Now(ctx)
	e := &EvaluationState{Stage: stage, OpenedAt: now, Due: d.In.Policy.EvaluationDeadline(now)}
	d.Evaluations = append(d.Evaluations, e)
	d.emit(ctx, "evaluation.opened", system, event.Event{Evaluation: &event.Evaluation{Stage: stage, Due: e.Due}})
}

// Measured returns what the record says of each measure, as numerator and
// denominator: output = accepted ÷ contracted quantity; timeliness =
// milestones accepted on time ÷ milestones; satisfaction = satisfied ÷
// surveyed across inspections.
func (d *delivery) measured(m catalog.Measure) (num, den int64) {
	switch m {
	case catalog.MeasureOutput:
		for _, ms := range d.Milestones {
			num += ms.AcceptedQty
		}
		return num, d.In.Quantity
	case catalog.MeasureTimeliness:
		for _, ms := range d.Milestones {
			if ms.Status == "accepted" && ms.OnTime {
				num++
			}
		}
		return num, int64(len(d.Milestones))
	case catalog.MeasureSatisfaction:
		for _, in := range d.Inspections {
			if in.Recorded {
				num += int64(in.Satisfied)
				den += int64(in.Surveyed)
			}
		}
		return num, den
	}
	return 0, 0
}

// grade totals an evaluation: measured indicators from the record, scored
// ones as the mean of the assessors.
func (d *delivery) grade(ctx workflow.Context, e *EvaluationState) {
	ev := &event.Evaluation{Stage: e.Stage, Done: true}
	var total rules.Points
	for _, ind := range d.In.Item.Indicators {
		var pts rules.Points
		if ind.Method == catalog.MethodMeasured {
			num, den := d.measured(ind.Measure)
			pts = rules.MeasuredScore(ind.Weight, num, den)
			ev.Scores = append(ev.Scores, event.IndicatorScore{Code: ind.Code, Scorer: "measured", Centi: int64(pts)})
		} else {
			var each []rules.Points
			for _, s := range e.Submitted {
				for _, sc := range s.Scores {
					if sc.Indicator == ind.Code {
						each = append(each, sc.Score)
					}
				}
			}
			pts = rules.MeanPoints(each)
		}
		e.Results = append(e.Results, IndicatorResult{Code: ind.Code, Method: string(ind.Method), Weight: ind.Weight, Score: pts})
		total += pts
	}
	e.Done, e.Total, e.Grade = true, total, d.In.Policy.Grade(total)
	ev.TotalCenti, ev.Grade = int64(total), string(e.Grade)
	evt := event.Event{Evaluation: ev, Note: fmt.Sprintf("%s评价 %s 分，%s / %s evaluation: %s, %s",
		stageZh(e.Stage), total, e.Grade.ZhName(), e.Stage, total, e.Grade.EnName())}
	if e.Stage == StageFinal {
		detail, _ := json.Marshal(map[string]any{"grade": e.Grade, "total": total.String()})
		evt.Record = &event.SupplierRecord{SupplierID: d.In.SupplierID, Kind: "grade", Detail: detail}
	}
	d.emit(ctx, "evaluation.graded", system, evt)
}

func stageZh(stage string) string {
	if stage == StageMidterm {
		return "中期"
	}
	return "期末"
}

// settle applies the grade to the retained payment (结果应用), returns
// what was not paid to the budget line and closes the purchase.
func (d *delivery) settle(ctx workflow.Context, e *EvaluationState) {
	for _, m := range d.Milestones {
		if m.Retained && m.EarnedFen > 0 {
			release := d.In.Policy.RetentionRelease(e.Grade, m.EarnedFen)
			if release > 0 {
				d.pay(ctx, "retention", m.Seq, release, fmt.Sprintf("绩效等级%s，释放质保金 %s 元 / grade %s: retention of %s yuan released",
					e.Grade.ZhName(), rules.FormatYuan(release), e.Grade.EnName(), rules.FormatYuan(release)))
			}
		}
	}
	e2 := event.Event{ContractStatus: &event.ContractStatus{Status: "completed"}}
	if d.ReservedFen > 0 {
		e2.Budget = &event.Budget{BudgetID: d.In.BudgetID, Kind: "release", AmountFen: d.ReservedFen}
		e2.Note = fmt.Sprintf("结算：未支付的 %s 元退回预算 / settlement: %s yuan unpaid returns to the budget", rules.FormatYuan(d.ReservedFen), rules.FormatYuan(d.ReservedFen))
		d.ReservedFen = 0
	}
	d.emit(ctx, "contract.settled", system, e2)
	d.setStatus(ctx, StatusSettled)
}

// pay pays the organisation; the sum paid never exceeds the contract.
func (d *delivery) pay(ctx workflow.Context, kind string, milestone int, amount int64, note string) {
	amount = min(amount, d.In.AmountFen-d.PaidFen, d.ReservedFen)
	if amount <= 0 {
		return
	}
	d.PaidFen += amount
	d.ReservedFen -= amount
	d.Payments = append(d.Payments, PaymentState{Kind: kind, Milestone: milestone, AmountFen: amount, At: workflow.Now(ctx)})
	d.emit(ctx, "payment."+kind, system, event.Event{Note: note,
		Payment: &event.Payment{Kind: kind, Milestone: milestone, AmountFen: amount},
		Budget:  &event.Budget{BudgetID: d.In.BudgetID, Kind: "pay", AmountFen: amount}})
}

func userRef(id int64) string { return strconv.FormatInt(id, 10) }

// view answers the status Query; nothing in delivery is sealed.
func (d *delivery) view(Actor) (DeliveryView, error) {
	return DeliveryView{DeliveryState: d.DeliveryState, PurchaseID: d.In.PurchaseID, Title: d.In.Title,
		SupplierID: d.In.SupplierID, AmountFen: d.In.AmountFen, ServiceStart: d.In.ServiceStart, ServiceEnd: d.In.ServiceEnd}, nil
}
