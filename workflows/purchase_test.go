package workflows_test

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"zhucan/rules"
	"zhucan/workflows"
)

// deadline of the fixture's first round, and moments around it.
var (
	deadline    = time.Date(2026, 3, 23, 9, 30, 0, 0, rules.Shanghai)
	beforeClose = deadline.Add(-time.Minute)
	afterClose  = deadline.Add(time.Hour)
)

func wantContinueAsNew(t *testing.T, r *run) {
	t.Helper()
	var can *workflow.ContinueAsNewError
	if err := r.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want the purchase to continue into delivery, got %v", err)
	}
}

func wantOutcome(t *testing.T, r *run, status workflows.Status) workflows.Outcome {
	t.Helper()
	if err := r.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	var o workflows.Outcome
	if err := r.env.GetWorkflowResult(&o); err != nil {
		t.Fatal(err)
	}
	if o.Status != status {
		t.Fatalf("outcome %+v, want %s", o, status)
	}
	return o
}

func TestHappyPathToSignedContract(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	in := f.input(1)
	r.bid(t0.Add(time.Hour), "bid0", 0, 45_000_000)
	r.bid(t0.Add(2*time.Hour), "bid1", 1, 42_000_000)
	r.bid(t0.Add(3*time.Hour), "bid2", 2, 48_000_000)
	// Sealed: before the deadline nobody else sees a bid, and nothing is in PostgreSQL.
	r.at(t0.Add(4*time.Hour), func() {
		v := r.view(f.officer)
		if !v.Sealed || v.BidCount != nil || len(v.Bids) != 0 || v.MyBid != nil {
			t.Errorf("officer sees sealed bids: %+v", v)
		}
		mine := r.view(f.reps[1])
		if mine.MyBid == nil || mine.MyBid.PriceFen != 42_000_000 || len(mine.Bids) != 0 {
			t.Errorf("bidder view before deadline: %+v", mine)
		}
		if n := f.count(`SELECT count(*) FROM bids`); n != 0 {
			t.Errorf("%d bids in PostgreSQL before the deadline", n)
		}
		if f.budgetNow().ReservedFen != in.CeilingFen {
			t.Errorf("ceiling not reserved: %+v", f.budgetNow())
		}
	})
	r.scoreAll(afterClose, "score", f.evaluators[:5], map[int]int{0: 60, 1: 55, 2: 65})
	award := afterClose.Add(time.Hour)
	r.at(award, func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusChallengePeriod || v.Award == nil {
			t.Fatalf("after scoring: %+v", v)
		}
		// lowest 42M; price scores: org0 28.00, org1 30.00, org2 26.25
		// totals: org0 88.00, org1 85.00, org2 91.25 → org2 wins.
		if v.Award.SupplierID != f.orgs[2].ID || v.Award.AmountFen != 48_000_000 {
			t.Errorf("award %+v, want org2 at 48,000,000", v.Award)
		}
		if len(v.Ranking) != 3 || v.Ranking[0].Total != 9125 || v.Ranking[1].Total != 8800 || v.Ranking[2].Total != 8500 {
			t.Errorf("ranking %+v", v.Ranking)
		}
	})
	sign := award.AddDate(0, 0, 14)
	r.send(sign, "sign-officer", workflows.UpdateSign, workflows.SignArgs{Actor: f.officer})
	r.send(sign.Add(time.Hour), "sign-org", workflows.UpdateSign, workflows.SignArgs{Actor: f.reps[2]})
	r.execute(in)
	wantContinueAsNew(t, r)
	for _, l := range []string{"bid0", "bid1", "bid2", "sign-officer", "sign-org"} {
		r.accepted(l)
	}
	for i := range 5 {
		r.accepted("score-" + string(rune('0'+i)))
	}
	// Each answer carries the status PostgreSQL holds once the action is
	// written: the last score is written with the award it sets off.
	if a := r.answer("bid1"); a.Status != workflows.StatusTendering || a.Result.(workflows.BidReceipt).Round != 1 {
		t.Errorf("bid answered %+v", a)
	}
	// (Scores sent together are written together, the award with them.)
	for i := range 5 {
		a := r.answer("score-" + string(rune('0'+i)))
		if a.Status != workflows.StatusEvaluating && a.Status != workflows.StatusChallengePeriod || i == 4 && a.Status != workflows.StatusChallengePeriod {
			t.Errorf("score %d answered %+v", i, a)
		}
	}
	if a := r.answer("sign-org"); a.Status != workflows.StatusContracting {
		t.Errorf("the second signature answered %+v: the records say contracting until the delivery run writes", a)
	}
	// The tender run hands over to delivery; the delivery run records
	// that delivery began (RevisionDeliveryOpens), so the records still
	// say contracting when the tender run ends.
	if s := f.status(1); s != "contracting" {
		t.Errorf("purchase status %s after the tender run, want contracting", s)
	}
	if n := f.count(`SELECT count(*) FROM bids WHERE purchase_id = 1 AND rank IS NOT NULL`); n != 3 {
		t.Errorf("%d ranked bids", n)
	}
	if n := f.count(`SELECT count(*) FROM bid_scores`); n != 15 {
		t.Errorf("%d scores, want 15", n)
	}
	if n := f.count(`SELECT count(*) FROM awards WHERE status = 'signed' AND amount_fen = 48000000`); n != 1 {
		t.Errorf("%d signed awards", n)
	}
	if n := f.count(`SELECT count(*) FROM contracts WHERE amount_fen = 48000000 AND supplier_id = $1`, f.orgs[2].ID); n != 1 {
		t.Errorf("%d contracts", n)
	}
	if n := f.count(`SELECT count(*) FROM milestones WHERE planned_payment_fen > 0`); n != 3 {
		t.Errorf("%d milestones", n)
	}
	if n := f.count(`SELECT sum(planned_payment_fen) FROM milestones`); n != 48_000_000 {
		t.Errorf("milestone payments sum to %d", n)
	}
	if b := f.budgetNow(); b.ReservedFen != 48_000_000 || b.AvailableFen != 52_000_000 {
		t.Errorf("budget after signing: %+v", b)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE purchase_id = 1`); n < 15 {
		t.Errorf("only %d audit entries", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'bid.submitted' AND sealed_until IS NOT NULL`); n != 3 {
		t.Errorf("%d sealed bid entries", n)
	}
	// The Update that completes a step is written with what it sets off,
	// in one transaction, before its answer leaves.
	r.wroteTogether(t, "scores.submitted", "award.notified", "purchase.challenge_period")
	r.wroteTogether(t, "contract.signed_by_supplier", "contract.signed")
}

// threeBids has orgs 0–2 bid 45M, 42M and 48M fen an hour apart.
func threeBids(r *run) {
	r.bid(t0.Add(time.Hour), "bid0", 0, 45_000_000)
	r.bid(t0.Add(2*time.Hour), "bid1", 1, 42_000_000)
	r.bid(t0.Add(3*time.Hour), "bid2", 2, 48_000_000)
}

func cancel(r *run, when time.Time) {
	r.send(when, "cancel", workflows.UpdateCancel, workflows.ReasonArgs{Actor: r.f.officer, Reason: "测试结束 / end of test"})
}

func TestLateBidIsRefusedWithoutTrace(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	r.bid(deadline.Add(time.Second), "late", 0, 40_000_000)
	cancel(r, deadline.Add(time.Hour))
	r.execute(f.input(1))
	wantOutcome(t, r, workflows.StatusCancelled)
	ref := r.refused("late", workflows.CodeState)
	if ref.ZH == "" || ref.EN == "" {
		t.Errorf("refusal without reasons: %+v", ref)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE action LIKE 'bid.%'`); n != 0 {
		t.Errorf("a refused bid left %d audit entries", n)
	}
}

func TestBidOverCeilingIsRefused(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	r.bid(t0.Add(time.Hour), "over", 0, 50_000_001)
	r.bid(t0.Add(2*time.Hour), "at", 1, 50_000_000)
	cancel(r, t0.Add(3*time.Hour))
	r.execute(f.input(1))
	if ref := r.refused("over", workflows.CodeInvalid); ref.Field != "priceFen" {
		t.Errorf("refusal names %q, want priceFen", ref.Field)
	}
	r.accepted("at")
}

func TestUnqualifiedAndDishonestBiddersAreRefused(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	unqualified := f.orgs[3]
	unqualified.Qualifications = unqualified.Qualifications[:len(unqualified.Qualifications)-1]
	dishonest := f.orgs[4]
	dishonest.Dishonest = true
	r.send(t0.Add(time.Hour), "unqualified", workflows.UpdateBid, workflows.BidArgs{Actor: f.reps[3], Supplier: unqualified, PriceFen: 1, Proposal: "x"})
	r.send(t0.Add(time.Hour), "dishonest", workflows.UpdateBid, workflows.BidArgs{Actor: f.reps[4], Supplier: dishonest, PriceFen: 1, Proposal: "x"})
	// An organisation's user cannot bid for another organisation.
	r.send(t0.Add(time.Hour), "impostor", workflows.UpdateBid, workflows.BidArgs{Actor: f.reps[0], Supplier: f.orgs[1], PriceFen: 1, Proposal: "x"})
	r.send(t0.Add(time.Hour), "officer", workflows.UpdateBid, workflows.BidArgs{Actor: f.officer, Supplier: f.orgs[1], PriceFen: 1, Proposal: "x"})
	cancel(r, t0.Add(2*time.Hour))
	r.execute(f.input(1))
	for _, l := range []string{"unqualified", "dishonest", "impostor", "officer"} {
		r.refused(l, workflows.CodeForbidden)
	}
}

func TestSealedBidsReplaceWithdrawAndOpen(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.bid(t0.Add(4*time.Hour), "replace0", 0, 44_000_000)
	r.bid(t0.Add(4*time.Hour), "bid3", 3, 43_000_000)
	r.send(t0.Add(5*time.Hour), "withdraw3", workflows.UpdateWithdrawBid, workflows.WithdrawArgs{Actor: f.reps[3]})
	r.send(t0.Add(5*time.Hour), "withdraw-none", workflows.UpdateWithdrawBid, workflows.WithdrawArgs{Actor: f.reps[4]})
	r.at(beforeClose, func() {
		for _, viewer := range []workflows.Actor{f.officer, f.evaluators[0], f.reps[4]} {
			v := r.view(viewer)
			if !v.Sealed || v.BidCount != nil || len(v.Bids) != 0 || v.MyBid != nil {
				t.Errorf("%s sees sealed bids: %+v", viewer.Name, v)
			}
		}
		if v := r.view(f.reps[0]); v.MyBid == nil || v.MyBid.PriceFen != 44_000_000 || len(v.Bids) != 0 {
			t.Errorf("bidder 0 should see only its replaced bid: %+v", v)
		}
		if n := f.count(`SELECT count(*) FROM bids`); n != 0 {
			t.Errorf("%d bids in PostgreSQL before the deadline", n)
		}
	})
	r.at(afterClose, func() {
		v := r.view(f.officer)
		if v.Sealed || v.BidCount == nil || *v.BidCount != 3 || len(v.Bids) != 3 || v.Bids[0].Proposal == "" {
			t.Errorf("officer after opening: %+v", v)
		}
		other := r.view(f.reps[1])
		for _, b := range other.Bids {
			if b.SupplierID != f.orgs[1].ID && b.Proposal != "" {
				t.Errorf("a bidder sees another bidder's proposal")
			}
		}
		if n := f.count(`SELECT count(*) FROM bids WHERE price_fen = 44000000`); n != 1 {
			t.Errorf("the replaced bid was not the one opened")
		}
	})
	cancel(r, afterClose.Add(time.Hour))
	r.execute(f.input(1))
	for _, l := range []string{"bid0", "bid1", "bid2", "replace0", "bid3", "withdraw3"} {
		r.accepted(l)
	}
	r.refused("withdraw-none", workflows.CodeState)
}

func TestFailedRoundThenRetenderToContract(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	r.bid(t0.Add(time.Hour), "bid0", 0, 45_000_000)
	r.bid(t0.Add(time.Hour), "bid1", 1, 42_000_000)
	r.at(afterClose, func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusFailed || v.FailReason == "" {
			t.Errorf("two bids should fail the round: %+v", v)
		}
	})
	round2 := afterClose.Add(2 * time.Hour)
	deadline2 := round2.AddDate(0, 0, 21)
	r.send(round2, "too-soon", workflows.UpdateRetender, workflows.RetenderArgs{Actor: f.officer, BidDeadline: round2.AddDate(0, 0, 5)})
	r.send(round2, "retender", workflows.UpdateRetender, workflows.RetenderArgs{Actor: f.officer, BidDeadline: deadline2})
	for i := range 3 {
		r.bid(round2.Add(time.Hour), "r2bid"+string(rune('0'+i)), i, int64(40_000_000+i*1_000_000))
	}
	r.scoreAll(deadline2.Add(time.Hour), "score", f.evaluators[:5], map[int]int{0: 60, 1: 60, 2: 60})
	sign := deadline2.AddDate(0, 0, 15)
	r.send(sign, "sign-officer", workflows.UpdateSign, workflows.SignArgs{Actor: f.officer})
	r.send(sign, "sign-org", workflows.UpdateSign, workflows.SignArgs{Actor: f.reps[0]})
	r.execute(f.input(1))
	wantContinueAsNew(t, r)
	r.refused("too-soon", workflows.CodeInvalid)
	r.accepted("retender")
	r.accepted("sign-org")
	if n := f.count(`SELECT count(*) FROM bids WHERE round = 1`); n != 2 {
		t.Errorf("round 1 kept %d bids", n)
	}
	if n := f.count(`SELECT count(*) FROM contracts WHERE amount_fen = 40000000`); n != 1 {
		t.Errorf("round 2's lowest equal-technical bid should win")
	}
	if n := f.count(`SELECT count(*) FROM budget_movements WHERE kind = 'reserve'`); n != 1 {
		t.Errorf("the re-tender must keep the one reservation, got %d", n)
	}
}

func TestExtendedDeadlineKeepsBidsAndTakesLateOnes(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	extend := func(when time.Time, label string, by workflows.Actor, to time.Time, reason, amendment string) {
		r.send(when, label, workflows.UpdateExtend, workflows.ExtendArgs{Actor: by, BidDeadline: to, Reason: reason, Amendment: amendment})
	}
	changed := t0.Add(4 * time.Hour) // 2026-03-02 13:00
	newDeadline := time.Date(2026, 3, 30, 9, 30, 0, 0, rules.Shanghai)
	// With 21 days left, a change is published without moving the deadline.
	extend(changed.Add(-30*time.Minute), "amend-only", f.officer, deadline, "补充说明 / note", "第二章补充服务对象名单")
	extend(changed, "by-bidder", f.reps[0], newDeadline, "更多时间", "")
	extend(changed, "earlier", f.officer, deadline.Add(-time.Hour), "提前", "")
	extend(changed, "after-service-start", f.officer, t0.AddDate(0, 2, 1), "太晚", "")
	extend(changed, "no-reason", f.officer, newDeadline, " ", "")
	// A change that may affect bids needs 15 days: 16 March is the 14th day.
	extend(changed, "amended-too-soon", f.officer, time.Date(2026, 3, 16, 9, 30, 0, 0, rules.Shanghai), "修改服务标准", "第三章服务标准修改")
	extend(changed.Add(time.Minute), "extend", f.officer, newDeadline, "修改服务标准 / service standard changed", "第三章服务标准修改")
	r.bid(afterClose, "after-old-deadline", 3, 43_000_000)
	r.at(afterClose.Add(time.Minute), func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusTendering || !v.BidDeadline.Equal(newDeadline) || !v.Sealed {
			t.Errorf("after the old deadline: %+v", v)
		}
		if n := f.count(`SELECT count(*) FROM bids`); n != 0 {
			t.Errorf("%d bids opened at the old deadline", n)
		}
		if n := f.count(`SELECT count(*) FROM purchases WHERE bid_deadline = '2026-03-30 01:30:00+00'`); n != 1 {
			t.Errorf("the purchase row keeps the old deadline")
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'tender.extended' AND detail->>'note' LIKE '%第三章服务标准修改%'`); n != 1 {
			t.Errorf("the extension and its change are not in the audit trail")
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'tender.amended' AND detail->>'note' LIKE '%第二章补充服务对象名单%'`); n != 1 {
			t.Errorf("the change without extension is not in the audit trail")
		}
	})
	extend(newDeadline.Add(time.Hour), "after-deadline", f.officer, newDeadline.AddDate(0, 0, 20), "再延期", "")
	r.at(newDeadline.Add(2*time.Hour), func() {
		if v := r.view(f.officer); v.Status != workflows.StatusEvaluating {
			t.Errorf("the new deadline did not open the bids: %+v", v.Status)
		}
		if n := f.count(`SELECT count(*) FROM bids`); n != 4 {
			t.Errorf("opened %d bids, want the 3 kept and the 1 late", n)
		}
	})
	cancel(r, newDeadline.Add(3*time.Hour))
	r.execute(f.input(1))
	wantOutcome(t, r, workflows.StatusCancelled)
	r.refused("by-bidder", workflows.CodeForbidden)
	for label, field := range map[string]string{"earlier": "bidDeadline", "after-service-start": "bidDeadline", "no-reason": "reason", "amended-too-soon": "bidDeadline"} {
		if ref := r.refused(label, workflows.CodeInvalid); ref.Field != field {
			t.Errorf("%s: refusal names %q, want %s", label, ref.Field, field)
		}
	}
	r.accepted("amend-only")
	r.accepted("extend")
	r.accepted("after-old-deadline")
	r.refused("after-deadline", workflows.CodeState)
}

func TestRetenderCannotCloseAfterTheServiceStarts(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	r.bid(t0.Add(time.Hour), "bid0", 0, 45_000_000)
	when := afterClose.Add(time.Hour)
	r.send(when, "past-start", workflows.UpdateRetender, workflows.RetenderArgs{Actor: f.officer, BidDeadline: t0.AddDate(0, 2, 3)})
	cancel(r, when.Add(time.Hour))
	r.execute(f.input(1))
	if ref := r.refused("past-start", workflows.CodeInvalid); ref.Field != "bidDeadline" {
		t.Errorf("refusal names %q, want bidDeadline", ref.Field)
	}
}

func TestSwitchToConsultationNeedsApproval(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	r.bid(t0.Add(time.Hour), "bid0", 0, 45_000_000)
	when := afterClose.Add(time.Hour)
	dl := when.AddDate(0, 0, 11)
	r.send(when, "no-approval", workflows.UpdateRetender, workflows.RetenderArgs{Actor: f.officer, BidDeadline: dl, Method: rules.MethodConsultation})
	r.send(when.Add(time.Minute), "switch", workflows.UpdateRetender, workflows.RetenderArgs{Actor: f.officer, BidDeadline: dl,
		Method: rules.MethodConsultation, ApprovalRef: "区财采〔2026〕12号", ApprovalDate: when.Add(-24 * time.Hour)})
	r.at(when.Add(time.Hour), func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusTendering || v.Method != rules.MethodConsultation || v.Round != 2 {
			t.Errorf("after switch: %+v", v)
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE detail->>'note' LIKE '%区财采〔2026〕12号%'`); n != 1 {
			t.Errorf("the approval reference is not in the audit trail")
		}
		if n := f.count(`SELECT count(*) FROM purchases WHERE method = 'competitive_consultation' AND round = 2`); n != 1 {
			t.Errorf("purchase row not switched")
		}
	})
	cancel(r, when.Add(2*time.Hour))
	r.execute(f.input(1))
	if ref := r.refused("no-approval", workflows.CodeInvalid); ref.Field != "approvalRef" {
		t.Errorf("refusal names %q", ref.Field)
	}
	r.accepted("switch")
}

func TestRecusedPanelMemberNeedsReplacement(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.send(afterClose, "recuse", workflows.UpdateRecuse, workflows.RecuseArgs{Actor: f.evaluators[0], Reason: "曾在投标机构2任职 / formerly employed by bidder 2"})
	r.scoreAll(afterClose.Add(time.Minute), "score", f.evaluators[1:5], map[int]int{0: 60, 1: 55, 2: 65})
	r.send(afterClose.Add(2*time.Minute), "recused-scores", workflows.UpdateScore, workflows.ScoreArgs{Actor: f.evaluators[0]})
	r.at(afterClose.Add(time.Hour), func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusEvaluating || v.Blocked == "" {
			t.Errorf("four members must not award: %+v", v)
		}
	})
	r.send(afterClose.Add(2*time.Hour), "appoint", workflows.UpdateAppoint, workflows.AppointArgs{Actor: f.officer, UserID: f.evaluators[5].UserID})
	r.scoreAll(afterClose.Add(3*time.Hour), "late", f.evaluators[5:6], map[int]int{0: 60, 1: 55, 2: 65})
	r.at(afterClose.Add(4*time.Hour), func() {
		if v := r.view(f.officer); v.Status != workflows.StatusChallengePeriod {
			t.Errorf("with the replacement's scores the award should follow: %+v", v)
		}
	})
	cancel(r, afterClose.Add(5*time.Hour))
	r.execute(f.input(1))
	r.accepted("recuse")
	r.refused("recused-scores", workflows.CodeForbidden)
	r.accepted("appoint")
	if n := f.count(`SELECT count(*) FROM purchase_members WHERE duty = 'panel' AND recused_at IS NOT NULL`); n != 1 {
		t.Errorf("recusal not recorded")
	}
}

func TestAbnormallyLowBidNeedsPanelDecision(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	r.bid(t0.Add(time.Hour), "bid0", 0, 45_000_000)
	r.bid(t0.Add(time.Hour), "bid1", 1, 44_000_000)
	r.bid(t0.Add(time.Hour), "bid2", 2, 46_000_000)
	r.bid(t0.Add(time.Hour), "low", 3, 20_000_000) // mean 38.75M, 80% = 31M
	r.scoreAll(afterClose, "score", f.evaluators[:5], map[int]int{0: 60, 1: 55, 2: 65, 3: 70})
	r.at(afterClose.Add(time.Hour), func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusEvaluating || v.Blocked == "" {
			t.Errorf("an undecided low price must block the award: %+v", v)
		}
		var flagged int
		for _, b := range v.Bids {
			if b.AbnormallyLow {
				flagged++
			}
		}
		if flagged != 1 {
			t.Errorf("%d bids flagged, want 1", flagged)
		}
	})
	r.send(afterClose.Add(2*time.Hour), "no-reason", workflows.UpdateLowPrice, workflows.LowPriceArgs{Actor: f.evaluators[0], SupplierID: f.orgs[3].ID})
	r.send(afterClose.Add(2*time.Hour), "reject", workflows.UpdateLowPrice, workflows.LowPriceArgs{Actor: f.evaluators[0], SupplierID: f.orgs[3].ID,
		Reason: "书面说明未能证明可按质履约 / the written explanation does not show it can deliver"})
	r.at(afterClose.Add(3*time.Hour), func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusChallengePeriod || v.Award.SupplierID != f.orgs[2].ID {
			t.Errorf("after rejecting the low bid the best valid bid wins: %+v", v)
		}
		if len(v.Ranking) != 3 {
			t.Errorf("the rejected bid must not be ranked: %+v", v.Ranking)
		}
	})
	cancel(r, afterClose.Add(4*time.Hour))
	r.execute(f.input(1))
	r.refused("no-reason", workflows.CodeInvalid)
	r.accepted("reject")
	if n := f.count(`SELECT count(*) FROM bids WHERE status = 'rejected' AND abnormally_low AND low_price_decision <> ''`); n != 1 {
		t.Errorf("rejection not recorded")
	}
}

func TestUpheldChallengeReopensScoring(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.scoreAll(afterClose, "score", f.evaluators[:5], map[int]int{0: 60, 1: 55, 2: 65})
	c := afterClose.Add(24 * time.Hour)
	r.send(c, "challenge", workflows.UpdateChallenge, workflows.ChallengeArgs{Actor: f.reps[0], Reason: "评分未按评审标准 / scoring ignored the criteria"})
	r.send(c, "outsider", workflows.UpdateChallenge, workflows.ChallengeArgs{Actor: f.reps[5], Reason: "x"})
	r.send(c.Add(time.Hour), "bad-action", workflows.UpdateAnswer, workflows.AnswerArgs{Actor: f.officer, Seq: 1, Upheld: true, Response: "成立"})
	r.send(c.Add(2*time.Hour), "uphold", workflows.UpdateAnswer, workflows.AnswerArgs{Actor: f.officer, Seq: 1, Upheld: true,
		Action: workflows.ActionRescore, Response: "质疑成立，重新评审 / upheld: rescore"})
	r.at(c.Add(3*time.Hour), func() {
		v := r.view(f.officer)
		if v.Status != workflows.StatusEvaluating || v.Award != nil || len(v.Ranking) != 0 {
			t.Errorf("an upheld challenge must reopen scoring: %+v", v)
		}
		if n := f.count(`SELECT count(*) FROM bid_scores`); n != 0 {
			t.Errorf("%d voided scores still in PostgreSQL (the panel's inbox would not ask them to score)", n)
		}
	})
	r.scoreAll(c.Add(4*time.Hour), "rescore", f.evaluators[:5], map[int]int{0: 68, 1: 55, 2: 65})
	r.at(c.Add(5*time.Hour), func() {
		if v := r.view(f.officer); v.Award == nil || v.Award.SupplierID != f.orgs[0].ID {
			t.Errorf("after rescoring org0 (68+28=96) should win: %+v", v.Award)
		}
	})
	cancel(r, c.Add(6*time.Hour))
	r.execute(f.input(1))
	r.accepted("challenge")
	r.refused("outsider", workflows.CodeForbidden)
	r.refused("bad-action", workflows.CodeInvalid)
	r.accepted("uphold")
	if n := f.count(`SELECT count(*) FROM awards WHERE status = 'voided'`); n != 2 {
		t.Errorf("%d voided awards, want 2 (the challenged one and the one cancelled)", n)
	}
	if n := f.count(`SELECT count(*) FROM challenges WHERE upheld AND action = 'rescore'`); n != 1 {
		t.Errorf("challenge answer not recorded")
	}
}

func TestWinnerWhoDoesNotSignForfeitsToTheNextRanked(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.scoreAll(afterClose, "score", f.evaluators[:5], map[int]int{0: 60, 1: 55, 2: 65})
	// org2 wins, never signs; 30 days later it forfeits.
	forfeit := afterClose.AddDate(0, 0, 32)
	r.send(forfeit, "late-sign", workflows.UpdateSign, workflows.SignArgs{Actor: f.reps[2]})
	r.send(forfeit, "next", workflows.UpdateAwardNext, workflows.ReasonArgs{Actor: f.officer, Reason: "中标人放弃 / winner forfeited"})
	// The new award's challenge window spans the May Day holidays: 7
	// working days from Fri 24 Apr end on Fri 8 May.
	sign := forfeit.AddDate(0, 0, 16)
	r.send(sign, "sign-officer", workflows.UpdateSign, workflows.SignArgs{Actor: f.officer})
	r.send(sign, "sign-org", workflows.UpdateSign, workflows.SignArgs{Actor: f.reps[0]})
	r.execute(f.input(1))
	wantContinueAsNew(t, r)
	r.refused("late-sign", workflows.CodeState)
	r.accepted("next")
	r.accepted("sign-org")
	if n := f.count(`SELECT count(*) FROM contracts WHERE supplier_id = $1 AND amount_fen = 45000000`, f.orgs[0].ID); n != 1 {
		t.Errorf("the second-ranked org0 should hold the contract")
	}
	if n := f.count(`SELECT count(*) FROM supplier_records WHERE kind = 'forfeit' AND supplier_id = $1`, f.orgs[2].ID); n != 1 {
		t.Errorf("the forfeit is not on org2's record")
	}
	if n := f.count(`SELECT count(*) FROM awards WHERE status = 'forfeited'`); n != 1 {
		t.Errorf("forfeited award not recorded")
	}
}

func TestCancellationReleasesTheReservation(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.send(t0.Add(4*time.Hour), "no-reason", workflows.UpdateCancel, workflows.ReasonArgs{Actor: f.officer})
	r.send(t0.Add(4*time.Hour), "by-supplier", workflows.UpdateCancel, workflows.ReasonArgs{Actor: f.reps[0], Reason: "x"})
	cancel(r, t0.Add(5*time.Hour))
	r.execute(f.input(1))
	wantOutcome(t, r, workflows.StatusCancelled)
	r.refused("no-reason", workflows.CodeInvalid)
	r.refused("by-supplier", workflows.CodeForbidden)
	if b := f.budgetNow(); b.ReservedFen != 0 || b.AvailableFen != 100_000_000 {
		t.Errorf("budget after cancellation: %+v", b)
	}
	if s := f.status(1); s != "cancelled" {
		t.Errorf("status %s", s)
	}
}

func TestPurchaseRefusedForLackOfBudget(t *testing.T) {
	f := newFixture(t, 49_999_999)
	r := f.newRun()
	r.execute(f.input(1))
	o := wantOutcome(t, r, workflows.StatusCancelled)
	if o.Reason == "" {
		t.Error("no reason given")
	}
	if n := f.count(`SELECT count(*) FROM purchases`); n != 0 {
		t.Errorf("a refused purchase left %d rows", n)
	}
	if b := f.budgetNow(); b.ReservedFen != 0 {
		t.Errorf("a refused purchase reserved %d", b.ReservedFen)
	}
}

func TestEvaluationOverdueTellsTheOfficer(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.scoreAll(afterClose, "score", f.evaluators[:4], map[int]int{0: 60, 1: 55, 2: 65})
	// 5 working days after opening on Mon 23 Mar is the end of Mon 30 Mar.
	r.at(time.Date(2026, 3, 31, 9, 0, 0, 0, rules.Shanghai), func() {
		v := r.view(f.officer)
		if !v.EvaluationOverdue || v.Status != workflows.StatusEvaluating || v.Blocked == "" {
			t.Errorf("overdue evaluation: %+v", v)
		}
		if n := f.count(`SELECT count(*) FROM audit_log WHERE action = 'evaluation.overdue'`); n != 1 {
			t.Errorf("the officer was not told")
		}
	})
	r.send(time.Date(2026, 3, 31, 10, 0, 0, 0, rules.Shanghai), "replace", workflows.UpdateAppoint, workflows.AppointArgs{
		Actor: f.officer, UserID: f.evaluators[6].UserID, Replaces: f.evaluators[4].UserID, Reason: "未到场 / absent"})
	r.scoreAll(time.Date(2026, 3, 31, 11, 0, 0, 0, rules.Shanghai), "late", f.evaluators[6:7], map[int]int{0: 60, 1: 55, 2: 65})
	r.at(time.Date(2026, 3, 31, 12, 0, 0, 0, rules.Shanghai), func() {
		if v := r.view(f.officer); v.Status != workflows.StatusChallengePeriod {
			t.Errorf("after the replacement scored, the award should follow: %+v", v)
		}
	})
	cancel(r, time.Date(2026, 3, 31, 13, 0, 0, 0, rules.Shanghai))
	r.execute(f.input(1))
	r.accepted("replace")
}

// TestLateChallengeAnswerDoesNotForfeitTheWinner: the officer answers a
// challenge after the 30 signing days have run from the award notice;
// the winner, who could not sign meanwhile, still gets its time.
func TestLateChallengeAnswerDoesNotForfeitTheWinner(t *testing.T) {
	f := newFixture(t, 100_000_000)
	r := f.newRun()
	threeBids(r)
	r.scoreAll(afterClose, "score", f.evaluators[:5], map[int]int{0: 60, 1: 55, 2: 65})
	r.send(afterClose.Add(24*time.Hour), "challenge", workflows.UpdateChallenge, workflows.ChallengeArgs{Actor: f.reps[0], Reason: "异议"})
	late := afterClose.AddDate(0, 0, 35)
	r.send(late, "answer", workflows.UpdateAnswer, workflows.AnswerArgs{Actor: f.officer, Seq: 1, Upheld: false, Response: "不成立"})
	r.send(late.Add(time.Hour), "sign-officer", workflows.UpdateSign, workflows.SignArgs{Actor: f.officer})
	r.send(late.Add(2*time.Hour), "sign-org", workflows.UpdateSign, workflows.SignArgs{Actor: f.reps[2]})
	r.execute(f.input(1))
	wantContinueAsNew(t, r)
	r.accepted("answer")
	r.accepted("sign-org")
	if n := f.count(`SELECT count(*) FROM supplier_records WHERE kind = 'forfeit'`); n != 0 {
		t.Errorf("the winner was recorded as forfeiting")
	}
}
