package workflows_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zhucan/catalog"
	"zhucan/event"
	"zhucan/rules"
	"zhucan/workflows"
)

const contractFen = 48_000_000

// signed writes a purchase whose contract (48,000,000 fen with org0, 100
// units, 30/40/30) was signed at t0, and returns the delivery input: a
// 180-day service period from t0 with milestones due at 60, 120 and 180
// days.
func (f *fixture) signed() workflows.DeliveryInput {
	f.t.Helper()
	pay := rules.SplitByPercent(contractFen, []int{30, 40, 30})
	var ms []workflows.ContractMilestone
	for i, q := range []int64{30, 40, 30} {
		ms = append(ms, workflows.ContractMilestone{Seq: i + 1, Name: fmt.Sprintf("节点%d", i+1), Due: t0.AddDate(0, 0, 60*(i+1)),
			Quantity: q, PaymentPercent: []int{30, 40, 30}[i], PaymentFen: pay[i]})
	}
	return f.signedContract(rules.Statutory(), t0, t0.AddDate(0, 0, 180), ms)
}

// signedContract writes purchase 1 with a contract for 48,000,000 fen
// with org0 over the milestones ms, as if tendered and signed, and
// returns the input of its delivery.
func (f *fixture) signedContract(pol rules.Policy, start, end time.Time, ms []workflows.ContractMilestone) workflows.DeliveryInput {
	f.t.Helper()
	in := f.input(1)
	var qty int64
	var ems []event.Milestone
	for _, m := range ms {
		qty += m.Quantity
		ems = append(ems, event.Milestone{Seq: m.Seq, Name: m.Name, Due: m.Due, Quantity: m.Quantity, PaymentPercent: m.PaymentPercent, PaymentFen: m.PaymentFen})
	}
	d := workflows.DeliveryInput{Revision: workflows.CurrentRevision, PurchaseID: 1, Title: in.Title, Item: f.item, BudgetID: f.budget.ID, ReservedFen: contractFen,
		SupplierID: f.orgs[0].ID, AmountFen: contractFen, Quantity: qty, ServiceStart: start, ServiceEnd: end, Milestones: ms,
		Inspectors: in.Inspectors, Assessors: in.Assessors, Officer: f.officer, Method: in.Method, Round: 1, Policy: pol, Seq: 4}
	members := []event.Member{{UserID: f.inspector.UserID, Duty: "inspector"}, {UserID: f.assessor.UserID, Duty: "assessor"}}
	for _, id := range in.Panel {
		members = append(members, event.Member{UserID: id, Duty: "panel"})
	}
	at := start.Add(-90 * 24 * time.Hour)
	wf := workflows.WorkflowID(1)
	events := []event.Event{
		{Key: wf + "/1", Action: "purchase.planned", At: at, Actor: "system", Planned: &event.Planned{Title: in.Title,
			CatalogYear: f.item.Year, CatalogCode: f.item.Code, Area: f.item.Area, BudgetID: f.budget.ID, Quantity: qty,
			CeilingFen: 50_000_000, Method: string(in.Method), BidDeadline: at, ServiceStart: start, ServiceEnd: end,
			PriceWeight: 30, Policy: pol.Name, Members: members},
			Budget: &event.Budget{BudgetID: f.budget.ID, Kind: "reserve", AmountFen: 50_000_000}},
		{Key: wf + "/2", Action: "bids.opened", At: at, Actor: "system", Opened: &event.Opened{Round: 1,
			Bids: []event.Bid{{SupplierID: f.orgs[0].ID, PriceFen: contractFen, SubmittedAt: at}}}},
		{Key: wf + "/3", Action: "award.notified", At: at, Actor: "system", Award: &event.Award{Round: 1, SupplierID: f.orgs[0].ID, AmountFen: contractFen}},
		{Key: wf + "/4", Action: "contract.signed", At: at, Actor: "system", Contract: &event.Contract{SupplierID: f.orgs[0].ID,
			AmountFen: contractFen, Quantity: qty, ServiceStart: start, ServiceEnd: end, OfficerSignedAt: at,
			SupplierSignedAt: at, Milestones: ems}, Budget: &event.Budget{BudgetID: f.budget.ID, Kind: "release", AmountFen: 2_000_000}},
	}
	if err := f.db.Apply(context.Background(), 1, wf, events); err != nil {
		f.t.Fatal(err)
	}
	return d
}

func (r *run) deliver(in workflows.DeliveryInput) {
	r.env.ExecuteWorkflow(workflows.DeliveryWorkflow, in)
	if !r.env.IsWorkflowCompleted() {
		r.f.t.Fatal("delivery did not complete")
	}
}

func (r *run) report(when time.Time, label string, seq int, qty int64) {
	r.send(when, label, workflows.UpdateReport, workflows.ReportArgs{Actor: r.f.reps[0], Seq: seq, Delivered: qty, Beneficiaries: qty,
		Summary: fmt.Sprintf("第 %d 期服务完成", seq), Evidence: []workflows.Evidence{{Name: "签到表.pdf", SHA256: strings.Repeat("ab", 32)}}})
}

func (r *run) review(when time.Time, label string, seq int, accept bool, qty int64) {
	reason := ""
	if !accept {
		reason = "签到表缺少服务对象签字 / the attendance sheet lacks signatures"
	}
	r.send(when, label, workflows.UpdateReview, workflows.ReviewArgs{Actor: r.f.officer, Seq: seq, Accepted: accept, AcceptedQty: qty, Reason: reason})
}

// inspectionsDue are the scheduled inspections of the fixture's contract:
// every 30 days from t0 while the service lasts.
func inspectionsDue() []time.Time {
	var out []time.Time
	for k := 1; k <= 5; k++ {
		out = append(out, rules.Statutory().Calendar().AddDays(t0, 30*k))
	}
	return out
}

// inspectAll records every scheduled inspection a day after it falls due.
func (r *run) inspectAll(passed bool, surveyed, satisfied int) {
	for i, due := range inspectionsDue() {
		r.send(due.Add(24*time.Hour), fmt.Sprintf("inspect%d", i+1), workflows.UpdateInspect, workflows.InspectArgs{
			Actor: r.f.inspector, Passed: passed, Surveyed: surveyed, Satisfied: satisfied, Findings: "服务规范 / service as agreed"})
	}
}

// assess has the assessor score every scored indicator at pct percent of its weight.
func (r *run) assess(when time.Time, label string, pct int) {
	var sc []workflows.IndicatorScore
	for _, ind := range r.f.item.Indicators {
		if ind.Method == catalog.MethodScored {
			sc = append(sc, workflows.IndicatorScore{Indicator: ind.Code, Score: rules.Points(ind.Weight * pct)})
		}
	}
	r.send(when, label, workflows.UpdateEvaluate, workflows.EvaluateArgs{Actor: r.f.assessor, Scores: sc, Comment: "评价意见"})
}

// deliverAll reports and accepts every milestone in full, on time.
func (r *run) deliverAll() {
	for i, q := range []int64{30, 40, 30} {
		due := t0.AddDate(0, 0, 60*(i+1))
		r.report(due.Add(-48*time.Hour), fmt.Sprintf("report%d", i+1), i+1, q)
		r.review(due.Add(-24*time.Hour), fmt.Sprintf("review%d", i+1), i+1, true, q)
	}
}

var serviceEnd = t0.AddDate(0, 0, 180)

func (f *fixture) paid() (payments, budgetPaid, reserved int64) {
	f.t.Helper()
	var n int64
	if err := f.db.X.Get(&n, `SELECT coalesce(sum(amount_fen), 0) FROM payments`); err != nil {
		f.t.Fatal(err)
	}
	b := f.budgetNow()
	return n, b.PaidFen, b.ReservedFen
}

func TestDeliveryHappyPathToSettlementExcellent(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	r.deliverAll()
	r.inspectAll(true, 10, 10)
	r.assess(serviceEnd.Add(time.Hour), "assess", 100)
	r.at(t0.AddDate(0, 0, 100), func() {
		val, err := r.env.QueryWorkflow(workflows.QueryStatus, f.officer)
		if err != nil {
			t.Fatal(err)
		}
		var v workflows.DeliveryView
		if err := val.Get(&v); err != nil {
			t.Fatal(err)
		}
		if v.Status != workflows.StatusDelivering || v.PaidFen != 14_400_000 || len(v.Inspections) != 3 {
			t.Errorf("mid-way: status %s paid %d inspections %d", v.Status, v.PaidFen, len(v.Inspections))
		}
	})
	r.deliver(in)
	// The delivery run records that delivery began before anything else,
	// in its first write (RevisionDeliveryOpens).
	if len(r.batches) == 0 || r.batches[0][0] != "purchase.delivering" {
		t.Errorf("the delivery run's first write is not purchase.delivering: %v", r.batches)
	}
	o := wantOutcome(t, r, workflows.StatusSettled)
	_ = o
	for _, l := range []string{"report1", "review1", "report3", "review3", "inspect5", "assess"} {
		r.accepted(l)
	}
	payments, budgetPaid, reserved := f.paid()
	if payments != contractFen || budgetPaid != contractFen || reserved != 0 {
		t.Errorf("paid %d (budget %d, still reserved %d), want the whole contract", payments, budgetPaid, reserved)
	}
	if n := f.count(`SELECT count(*) FROM payments WHERE kind = 'retention' AND amount_fen = 14400000`); n != 1 {
		t.Errorf("the retained last payment was not released in full for 优秀")
	}
	if n := f.count(`SELECT count(*) FROM evaluations WHERE stage = 'final' AND grade = 'excellent' AND total_centi = 10000`); n != 1 {
		t.Errorf("final evaluation not recorded as 优秀 100")
	}
	if n := f.count(`SELECT count(*) FROM inspections WHERE passed`); n != 5 {
		t.Errorf("%d inspections recorded, want 5", n)
	}
	if n := f.count(`SELECT count(*) FROM supplier_records WHERE kind = 'grade' AND detail->>'grade' = 'excellent'`); n != 1 {
		t.Errorf("the grade is not on the organisation's record")
	}
	if s := f.status(1); s != "settled" {
		t.Errorf("status %s", s)
	}
	if n := f.count(`SELECT count(*) FROM contracts WHERE status = 'completed'`); n != 1 {
		t.Errorf("contract not completed")
	}
	if n := f.count(`SELECT count(*) FROM milestone_reports WHERE on_time AND accepted`); n != 3 {
		t.Errorf("%d on-time accepted reports", n)
	}
	// The final evaluation and the settlement it sets off are one write.
	r.wroteTogether(t, "evaluation.scored", "evaluation.graded", "payment.retention", "contract.settled", "purchase.settled")
}

func TestReturnedReportIsResubmitted(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	due := t0.AddDate(0, 0, 60)
	r.report(due.Add(-72*time.Hour), "first", 1, 30)
	r.review(due.Add(-71*time.Hour), "return", 1, false, 0)
	r.send(due.Add(-70*time.Hour), "return-no-reason", workflows.UpdateReview, workflows.ReviewArgs{Actor: f.officer, Seq: 1})
	r.report(due.Add(-48*time.Hour), "again", 1, 30)
	r.review(due.Add(-24*time.Hour), "accept", 1, true, 30)
	r.review(due.Add(-23*time.Hour), "accept-twice", 1, true, 30)
	r.at(due, func() {
		if n := f.count(`SELECT count(*) FROM milestone_reports WHERE seq = 1`); n != 2 {
			t.Errorf("%d reports of milestone 1, want 2", n)
		}
		if n := f.count(`SELECT count(*) FROM milestone_reports WHERE seq = 1 AND version = 1 AND accepted = false AND review_reason <> ''`); n != 1 {
			t.Errorf("the returned report and its reason are not recorded")
		}
		if p, _, _ := f.paid(); p != 14_400_000 {
			t.Errorf("paid %d after acceptance", p)
		}
	})
	r.send(due.Add(time.Hour), "terminate", workflows.UpdateTerminate, workflows.ReasonArgs{Actor: f.officer, Reason: "x"})
	r.at(due.Add(2*time.Hour), func() { r.env.CancelWorkflow() })
	r.deliver(in)
	r.accepted("return")
	r.refused("return-no-reason", workflows.CodeState)
	r.accepted("accept")
	r.refused("accept-twice", workflows.CodeState)
	r.refused("terminate", workflows.CodeState)
}

func TestPartialDeliveryIsPaidProRata(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	due := t0.AddDate(0, 0, 60)
	r.report(due.Add(-48*time.Hour), "report", 1, 20)
	r.review(due.Add(-24*time.Hour), "over", 1, true, 21) // more than delivered
	r.review(due.Add(-23*time.Hour), "partial", 1, true, 20)
	r.at(due, func() {
		// 14,400,000 × 20/30 = 9,600,000
		if p, _, _ := f.paid(); p != 9_600_000 {
			t.Errorf("paid %d, want 9,600,000 (20 of 30 units)", p)
		}
		r.env.CancelWorkflow()
	})
	r.deliver(in)
	if ref := r.refused("over", workflows.CodeInvalid); ref.Field != "acceptedQuantity" {
		t.Errorf("refusal names %q", ref.Field)
	}
	r.accepted("partial")
}

// TestAcceptingWithoutAQuantityAcceptsWhatWasReported: an officer who
// names no quantity (AcceptDelivered) accepts the report's own, whatever
// AcceptedQty says, and is paid pro rata to it.
func TestAcceptingWithoutAQuantityAcceptsWhatWasReported(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	due := t0.AddDate(0, 0, 60)
	r.report(due.Add(-48*time.Hour), "report", 1, 20)
	r.send(due.Add(-24*time.Hour), "accept", workflows.UpdateReview, workflows.ReviewArgs{Actor: f.officer, Seq: 1, Accepted: true,
		AcceptedQty: 999, AcceptDelivered: true})
	r.at(due, func() {
		if p, _, _ := f.paid(); p != 9_600_000 {
			t.Errorf("paid %d, want 9,600,000 (the 20 of 30 units reported)", p)
		}
		if n := f.count(`SELECT count(*) FROM milestones WHERE seq = 1 AND accepted_quantity = 20`); n != 1 {
			t.Errorf("the milestone does not record the 20 units reported as accepted")
		}
		r.env.CancelWorkflow()
	})
	r.deliver(in)
	r.accepted("accept")
}

func TestOverdueMilestoneWarnsThenRecordsTheDelay(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	due := t0.AddDate(0, 0, 60)
	r.at(due.Add(time.Hour), func() {
		if n := f.count(`SELECT count(*) FROM milestones WHERE seq = 1 AND overdue`); n != 1 {
			t.Errorf("no warning at the due date")
		}
		if n := f.count(`SELECT count(*) FROM supplier_records WHERE kind = 'delay'`); n != 0 {
			t.Errorf("delay recorded before the grace period ended")
		}
	})
	// Grace: 10 days after the due date.
	r.at(due.AddDate(0, 0, 11), func() {
		if n := f.count(`SELECT count(*) FROM supplier_records WHERE kind = 'delay' AND supplier_id = $1`, f.orgs[0].ID); n != 1 {
			t.Errorf("the delay is not on the organisation's record")
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'milestone.late'`); n != 1 {
			t.Errorf("the officer was not told")
		}
	})
	r.report(due.AddDate(0, 0, 12), "late-report", 1, 30)
	r.review(due.AddDate(0, 0, 13), "accept", 1, true, 30)
	r.at(due.AddDate(0, 0, 14), func() {
		if n := f.count(`SELECT count(*) FROM milestone_reports WHERE on_time = false AND accepted`); n != 1 {
			t.Errorf("a late report must count as late")
		}
		r.env.CancelWorkflow()
	})
	r.deliver(in)
	r.accepted("late-report")
}

func TestFailedInspectionRectifiedInTime(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	due := inspectionsDue()[0]
	r.send(due.Add(24*time.Hour), "fail", workflows.UpdateInspect, workflows.InspectArgs{Actor: f.inspector, Passed: false,
		Findings: "康复记录不完整 / incomplete rehabilitation records", Surveyed: 10, Satisfied: 6})
	r.send(due.Add(48*time.Hour), "done", workflows.UpdateRectified, workflows.RectifiedArgs{Actor: f.reps[0], Seq: 1, Summary: "已补齐记录 / records completed"})
	r.send(due.Add(49*time.Hour), "not-contractor", workflows.UpdateRectified, workflows.RectifiedArgs{Actor: f.reps[1], Seq: 1, Summary: "x"})
	r.send(due.Add(72*time.Hour), "reinspect", workflows.UpdateInspect, workflows.InspectArgs{Actor: f.inspector, Passed: true, Surveyed: 10, Satisfied: 9})
	r.send(due.AddDate(0, 0, 20), "terminate", workflows.UpdateTerminate, workflows.ReasonArgs{Actor: f.officer, Reason: "x"})
	r.at(due.AddDate(0, 0, 21), func() {
		if n := f.count(`SELECT count(*) FROM rectifications WHERE status = 'closed' AND summary <> ''`); n != 1 {
			t.Errorf("rectification not closed")
		}
		if n := f.count(`SELECT count(*) FROM inspections WHERE reinspection AND passed`); n != 1 {
			t.Errorf("re-inspection not recorded")
		}
		r.env.CancelWorkflow()
	})
	r.deliver(in)
	r.accepted("fail")
	r.accepted("done")
	r.refused("not-contractor", workflows.CodeForbidden)
	r.accepted("reinspect")
	r.refused("terminate", workflows.CodeState)
}

func TestInspectorsRecordOnlyTheirOwnInspections(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	second := f.evaluators[7]
	in.Inspectors = []int64{f.inspector.UserID, second.UserID} // assigned in turn
	r := f.newRun()
	inspect := func(when time.Time, label string, by workflows.Actor) {
		r.send(when, label, workflows.UpdateInspect, workflows.InspectArgs{Actor: by, Passed: true, Surveyed: 10, Satisfied: 9})
	}
	due := inspectionsDue()
	inspect(due[0].Add(time.Hour), "first-by-second", second)
	inspect(due[0].Add(2*time.Hour), "first-by-first", f.inspector)
	inspect(due[1].Add(time.Hour), "second-by-first", f.inspector)
	inspect(due[1].Add(2*time.Hour), "second-by-second", second)
	// The third falls to the first inspector, who is on leave: the
	// officer gives it to the second, who records it.
	reassign := func(when time.Time, label string, by workflows.Actor, to int64, reason string) {
		r.send(when, label, workflows.UpdateReassignInspection, workflows.ReassignArgs{Actor: by, Seq: 3, InspectorID: to, Reason: reason})
	}
	reassign(due[2].Add(time.Hour), "reassign-by-inspector", f.inspector, second.UserID, "休假")
	reassign(due[2].Add(time.Hour), "reassign-to-outsider", f.officer, f.evaluators[0].UserID, "休假")
	reassign(due[2].Add(time.Hour), "reassign-no-reason", f.officer, second.UserID, " ")
	reassign(due[2].Add(2*time.Hour), "reassign", f.officer, second.UserID, "原监督员休假 / on leave")
	inspect(due[2].Add(3*time.Hour), "third-by-second", second)
	r.at(due[2].Add(4*time.Hour), func() {
		if n := f.count(fmt.Sprintf(`SELECT count(*) FROM inspections WHERE recorded_at IS NOT NULL AND
			((seq = 1 AND inspector_id = %d) OR (seq IN (2, 3) AND inspector_id = %d))`, f.inspector.UserID, second.UserID)); n != 3 {
			t.Errorf("%d inspections recorded by their assigned inspector, want 3", n)
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'inspection.reassigned'`); n != 1 {
			t.Errorf("%d reassignments in the audit trail, want 1", n)
		}
		r.env.CancelWorkflow()
	})
	r.deliver(in)
	for _, l := range []string{"first-by-second", "second-by-first"} {
		if ref := r.refused(l, workflows.CodeState); !strings.Contains(ref.EN, "assigned to another inspector") {
			t.Errorf("%s: %+v", l, ref)
		}
	}
	r.accepted("first-by-first")
	r.accepted("second-by-second")
	r.refused("reassign-by-inspector", workflows.CodeForbidden)
	for label, field := range map[string]string{"reassign-to-outsider": "inspectorId", "reassign-no-reason": "reason"} {
		if ref := r.refused(label, workflows.CodeInvalid); ref.Field != field {
			t.Errorf("%s: refusal names %q, want %s", label, ref.Field, field)
		}
	}
	r.accepted("reassign")
	r.accepted("third-by-second")
}

func TestSecondFailureLetsTheOfficerTerminate(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	r.report(t0.AddDate(0, 0, 58), "report1", 1, 30)
	r.review(t0.AddDate(0, 0, 59), "review1", 1, true, 30)
	due := inspectionsDue()[1]
	r.send(due.Add(24*time.Hour), "fail1", workflows.UpdateInspect, workflows.InspectArgs{Actor: f.inspector, Findings: "未按计划上门 / visits missed", Surveyed: 5, Satisfied: 2})
	r.send(due.Add(36*time.Hour), "early-terminate", workflows.UpdateTerminate, workflows.ReasonArgs{Actor: f.officer, Reason: "x"})
	r.send(due.Add(48*time.Hour), "done", workflows.UpdateRectified, workflows.RectifiedArgs{Actor: f.reps[0], Seq: 1, Summary: "已整改"})
	r.send(due.Add(72*time.Hour), "fail2", workflows.UpdateInspect, workflows.InspectArgs{Actor: f.inspector, Findings: "仍未上门 / still missed", Surveyed: 5, Satisfied: 1})
	r.send(due.Add(96*time.Hour), "terminate", workflows.UpdateTerminate, workflows.ReasonArgs{Actor: f.officer, Reason: "连续两次检查不合格，解除合同"})
	r.deliver(in)
	wantOutcome(t, r, workflows.StatusTerminated)
	r.refused("early-terminate", workflows.CodeState)
	r.accepted("terminate")
	payments, budgetPaid, reserved := f.paid()
	if payments != 14_400_000 || budgetPaid != 14_400_000 || reserved != 0 {
		t.Errorf("after termination paid %d (budget %d), reserved %d; want 14,400,000 paid and the rest released", payments, budgetPaid, reserved)
	}
	if b := f.budgetNow(); b.AvailableFen != 100_000_000-14_400_000 {
		t.Errorf("unpaid money did not return to the budget line: %+v", b)
	}
	if n := f.count(`SELECT count(*) FROM supplier_records WHERE kind = 'termination'`); n != 1 {
		t.Errorf("the termination is not on the organisation's record")
	}
	if s := f.status(1); s != "terminated" {
		t.Errorf("status %s", s)
	}
	if n := f.count(`SELECT count(*) FROM contracts WHERE status = 'terminated' AND termination_reason <> ''`); n != 1 {
		t.Errorf("contract not terminated")
	}
}

func TestLapsedRectificationLetsTheOfficerTerminate(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	due := inspectionsDue()[0]
	r.send(due.Add(24*time.Hour), "fail", workflows.UpdateInspect, workflows.InspectArgs{Actor: f.inspector, Findings: "x", Surveyed: 1, Satisfied: 0})
	// 15 days to rectify; nothing happens.
	r.send(due.AddDate(0, 0, 17), "late-done", workflows.UpdateRectified, workflows.RectifiedArgs{Actor: f.reps[0], Seq: 1, Summary: "迟到"})
	r.send(due.AddDate(0, 0, 18), "terminate", workflows.UpdateTerminate, workflows.ReasonArgs{Actor: f.officer, Reason: "整改逾期"})
	r.deliver(in)
	wantOutcome(t, r, workflows.StatusTerminated)
	r.refused("late-done", workflows.CodeState)
	r.accepted("terminate")
	if n := f.count(`SELECT count(*) FROM rectifications WHERE status = 'failed'`); n != 1 {
		t.Errorf("lapsed rectification not recorded")
	}
}

func TestEachGradeAppliesToTheRetention(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pct      int // assessor's share of each scored indicator's weight
		grade    string
		released int64
	}{
		{"excellent", 100, "excellent", 14_400_000}, // 50 + 50
		{"good", 70, "good", 14_400_000},            // 50 + 35
		{"pass", 40, "pass", 7_200_000},             // 50 + 20 → half released
		{"fail", 0, "fail", 0},                      // 50 + 0
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 100_000_000)
			in := f.signed()
			r := f.newRun()
			r.deliverAll()
			r.inspectAll(true, 10, 10)
			r.assess(serviceEnd.Add(time.Hour), "assess", tc.pct)
			r.deliver(in)
			wantOutcome(t, r, workflows.StatusSettled)
			if n := f.count(`SELECT count(*) FROM evaluations WHERE grade = $1`, tc.grade); n != 1 {
				t.Errorf("grade is not %s", tc.grade)
			}
			var released int64
			if err := f.db.X.Get(&released, `SELECT coalesce(sum(amount_fen), 0) FROM payments WHERE kind = 'retention'`); err != nil {
				t.Fatal(err)
			}
			if released != tc.released {
				t.Errorf("released %d of the retention, want %d", released, tc.released)
			}
			payments, budgetPaid, reserved := f.paid()
			if payments != 33_600_000+tc.released || budgetPaid != payments || reserved != 0 {
				t.Errorf("paid %d (budget %d), reserved %d", payments, budgetPaid, reserved)
			}
		})
	}
}

func TestMeasuredIndicatorsComeFromTheRecord(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	// 30 + 32 + 30 of 100 units accepted = 92%; milestone 2 reported late;
	// inspections found 40 of 50 surveyed satisfied = 80%.
	r.report(t0.AddDate(0, 0, 58), "r1", 1, 30)
	r.review(t0.AddDate(0, 0, 59), "a1", 1, true, 30)
	r.report(t0.AddDate(0, 0, 122), "r2", 2, 40)
	r.review(t0.AddDate(0, 0, 123), "a2", 2, true, 32)
	r.report(t0.AddDate(0, 0, 178), "r3", 3, 30)
	r.review(t0.AddDate(0, 0, 179), "a3", 3, true, 30)
	r.inspectAll(true, 10, 8)
	r.assess(serviceEnd.Add(time.Hour), "assess", 100)
	r.deliver(in)
	wantOutcome(t, r, workflows.StatusSettled)
	want := map[string]int64{
		"output_quantity": 1840, // 20 × 0.92
		"on_time":         667,  // 10 × 2/3
		"satisfaction":    1600, // 20 × 0.8
	}
	for code, centi := range want {
		if n := f.count(`SELECT count(*) FROM indicator_scores WHERE scorer = 'measured' AND indicator_code = $1 AND score_centi = $2`, code, centi); n != 1 {
			var got int64
			_ = f.db.X.Get(&got, `SELECT score_centi FROM indicator_scores WHERE scorer = 'measured' AND indicator_code = $1`, code)
			t.Errorf("%s scored %d, want %d", code, got, centi)
		}
	}
	// 50 scored + 18.40 + 6.67 + 16.00 = 91.07 → 优秀
	if n := f.count(`SELECT count(*) FROM evaluations WHERE total_centi = 9107 AND grade = 'excellent'`); n != 1 {
		t.Errorf("total not 91.07")
	}
}

// TestPaymentsNeverExceedTheContract sends many reviews of every milestone
// at the same instants, in varying orders: each milestone is paid once.
func TestPaymentsNeverExceedTheContract(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	for i, q := range []int64{30, 40, 30} {
		due := t0.AddDate(0, 0, 60*(i+1))
		r.report(due.Add(-48*time.Hour), fmt.Sprintf("report%d", i+1), i+1, q+5) // over-delivery
		at := due.Add(-24 * time.Hour)
		for k := range 6 {
			r.review(at, fmt.Sprintf("review%d-%d", i+1, k), i+1, true, q+5-int64(k))
		}
	}
	r.inspectAll(true, 10, 10)
	r.assess(serviceEnd.Add(time.Hour), "assess", 100)
	r.deliver(in)
	wantOutcome(t, r, workflows.StatusSettled)
	payments, budgetPaid, _ := f.paid()
	if payments != contractFen || budgetPaid != contractFen {
		t.Errorf("paid %d (budget %d): the contract is %d", payments, budgetPaid, contractFen)
	}
	if n := f.count(`SELECT count(*) FROM payments`); n != 3 {
		t.Errorf("%d payments, want one per milestone", n)
	}
	accepted := 0
	for i := 1; i <= 3; i++ {
		for k := range 6 {
			if o := r.outcomes[fmt.Sprintf("review%d-%d", i, k)]; o != nil && o.rejected == nil && o.err == nil {
				accepted++
			}
		}
	}
	if accepted != 3 {
		t.Errorf("%d reviews accepted, want exactly one per milestone", accepted)
	}
}

// TestLapsedMilestoneDoesNotStallAssessment: a milestone never reported
// lapses at the end of its grace period while the assessor has not yet
// scored; the workflow must wait (not spin) and settle once scored,
// paying nothing for the lapsed milestone.
func TestLapsedMilestoneDoesNotStallAssessment(t *testing.T) {
	f := newFixture(t, 100_000_000)
	in := f.signed()
	r := f.newRun()
	for i, q := range []int64{30, 40} {
		due := t0.AddDate(0, 0, 60*(i+1))
		r.report(due.Add(-48*time.Hour), fmt.Sprintf("report%d", i+1), i+1, q)
		r.review(due.Add(-24*time.Hour), fmt.Sprintf("review%d", i+1), i+1, true, q)
	}
	r.inspectAll(true, 10, 10)
	// Milestone 3 (due at the end) lapses 10 days later; the assessor
	// scores well after that.
	r.assess(serviceEnd.AddDate(0, 0, 30), "assess", 100)
	r.deliver(in)
	wantOutcome(t, r, workflows.StatusSettled)
	r.accepted("assess")
	if p, _, reserved := f.paid(); p != 33_600_000 || reserved != 0 {
		t.Errorf("paid %d, still reserved %d: want milestones 1 and 2 only, the rest released", p, reserved)
	}
}
