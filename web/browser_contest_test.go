package web

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"zhucan/rules"
)

// TestBrowserContestedPurchase runs, through the UI, the actions a smooth
// purchase never needs: a bid withdrawn and made again, a deadline
// extended, a recusal and its replacement, an abnormally low price
// decided, a challenge filed and answered, a winner that does not sign
// and the award to the next, a failed inspection, its rectification, a
// second failure and the termination; and a failed round re-tendered and
// cancelled. Setup and the smooth steps go through the API; every page
// with a new form is checked with axe-core and photographed.
func TestBrowserContestedPurchase(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	// Long enough a day that each window (7 days to challenge) leaves a
	// browser time to act under load.
	day := 500 * time.Millisecond
	s := newStack(t, day)
	c := s.cast()
	spare := s.person("expert6", "evaluator", 0)
	first, axe, shots := startChromium(t)
	session := func(name string) *browser {
		b := newBrowser(t, first, s.url, name, axe, shots)
		b.signIn(name)
		return b
	}
	const layout = "2006-01-02T15:04:05"

	// The service starts late enough for a forfeit and a second award
	// before it; the round that fails has its own, later service period.
	id := s.createAt(c, "2026年残疾人辅助器具适配服务", 22, 50, 120)
	lone := s.createAt(c, "2026年聋人手语翻译服务", 20, 120, 40)
	page, lonePage := fmt.Sprintf("/purchases/%d", id), fmt.Sprintf("/purchases/%d", lone)
	api := "/api/v1" + page
	for i, price := range []int64{45_000_000, 30_000_000, 48_000_000} {
		s.call(http.StatusOK, "POST", api+"/bids", c.reps[i].Token, map[string]any{"priceFen": price, "proposal": "适配服务方案"}, nil)
	}

	// An organisation withdraws its bid and bids again.
	org1 := session("org1")
	org1.open(page)
	org1.check("purchase-organisation-withdraw")
	org1.act("withdraw", nil)
	org1.mustSee("投标已撤回")
	org1.act("bid", map[string]string{"price": "440000", "proposal": "调整后的适配服务方案"})
	org1.mustSee("投标已提交")

	// The officer extends the deadline by three days.
	officer := session("officer")
	officer.open(page)
	var live struct {
		BidDeadline time.Time `json:"bidDeadline"`
	}
	s.call(http.StatusOK, "GET", api, c.officer.Token, nil, &live)
	extended := live.BidDeadline.Add(3 * day).In(rules.Shanghai)
	officer.check("purchase-officer-extend")
	officer.act("extend", map[string]string{"deadline": extended.Format(layout), "reason": "答疑澄清：服务对象名单更新"})
	officer.mustSee("已发布，投标截止时间已更新", "延长投标截止时间")
	s.call(http.StatusOK, "GET", api, c.officer.Token, nil, &live)
	if !live.BidDeadline.Equal(extended.Truncate(time.Second)) {
		t.Errorf("deadline after the extension %s, want %s", live.BidDeadline, extended)
	}

	// A panel member recuses; the officer appoints the spare in the seat.
	recused := session(c.panel[4].Name)
	recused.open(page)
	recused.check("purchase-panel-recuse")
	recused.act("recuse", map[string]string{"reason": "曾在投标机构任职"})
	recused.mustSee("已回避")
	officer.open(page)
	officer.act("appoint", map[string]string{"user": strconv.FormatInt(spare.ID, 10)})
	officer.mustSee("评审专家已指派")

	// The panel decides on the abnormally low bid, then scores.
	d := s.await(id, c.officer.Token, "evaluating")
	var lowID int64
	for _, b := range d.Bids {
		if b.SupplierID == c.orgs[1] {
			lowID = b.ID
		}
	}
	expert := session(c.panel[0].Name)
	expert.open(page)
	expert.check("purchase-panel-low-price")
	expert.act("low-price", map[string]string{"bid": strconv.FormatInt(lowID, 10), "accept": "true", "reason": "投标人已书面说明成本构成"})
	expert.mustSee("决定已记录")
	tech := map[int64]float64{c.orgs[0]: 60, c.orgs[1]: 50, c.orgs[2]: 70}
	for _, e := range append(append([]person{}, c.panel[:4]...), spare) {
		var scores []map[string]any
		for _, b := range d.Bids {
			scores = append(scores, map[string]any{"bidId": b.ID, "technical": tech[b.SupplierID]})
		}
		s.call(http.StatusOK, "POST", api+"/scores", e.Token, map[string]any{"scores": scores}, nil)
	}

	// A losing bidder challenges the award; the officer answers.
	s.await(id, c.officer.Token, "challenge_period")
	org1.open(page)
	org1.act("challenge", map[string]string{"reason": "技术评分未考虑本机构的专业资质"})
	org1.mustSee("质疑已提交")
	org1.check("purchase-organisation-challenged")
	officer.open(page)
	officer.check("purchase-officer-answer")
	officer.act("answer", map[string]string{"challenge": "1", "upheld": "false", "response": "经复核，评分符合评审标准"})
	officer.mustSee("质疑已答复")

	// The winner does not sign in time; the officer awards to the next.
	s.await(id, c.officer.Token, "contracting")
	deadline := time.Now().Add(2 * time.Minute)
	for officer.open(page); !officer.has("award-next"); officer.open(page) {
		if time.Now().After(deadline) {
			t.Fatal("the winner's forfeit never offered the award to the next bidder")
		}
		time.Sleep(300 * time.Millisecond)
	}
	officer.check("purchase-officer-award-next")
	officer.act("award-next", map[string]string{"reason": "中标人逾期未签订合同"})
	officer.mustSee("已授予下一名")

	// Meanwhile the round without bids failed: a new round, then cancelled.
	s.await(lone, c.officer.Token, "failed")
	officer.open(lonePage)
	officer.check("purchase-officer-retender")
	officer.act("retender", map[string]string{"deadline": time.Now().Add(30 * day).In(rules.Shanghai).Format(layout)})
	officer.mustSee("已开始新一轮招标")
	officer.act("cancel", map[string]string{"reason": "服务需求调整"})
	officer.mustSee("采购已取消")

	// The next bidder signs; delivery starts.
	s.await(id, c.officer.Token, "contracting")
	s.call(http.StatusOK, "POST", api+"/signatures", c.officer.Token, map[string]any{}, nil)
	s.call(http.StatusOK, "POST", api+"/signatures", c.reps[0].Token, map[string]any{}, nil)
	s.await(id, c.officer.Token, "delivering")

	// An inspection fails; the organisation rectifies; the re-inspection
	// fails too, which lets the officer terminate.
	inspector := session("inspector")
	waitFor := func(b *browser, key string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for b.open(page); !b.has(key); b.open(page) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no %s form on %s", b.name, key, page)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	waitFor(inspector, "inspect")
	inspector.act("inspect", map[string]string{"passed": "false", "findings": "适配记录缺少回访", "surveyed": "10", "satisfied": "6"})
	inspector.mustSee("检查结果已记录")
	// org1 (the first organisation) ranked second and now holds the contract.
	waitFor(org1, "rectified")
	org1.check("purchase-organisation-rectified")
	org1.act("rectified", map[string]string{"rectification": "1", "summary": "已补充回访记录"})
	org1.mustSee("整改情况已提交")
	waitFor(inspector, "inspect")
	inspector.act("inspect", map[string]string{"passed": "false", "findings": "回访记录仍不完整", "surveyed": "10", "satisfied": "5"})
	officer.open(page)
	officer.check("purchase-officer-terminate")
	officer.act("terminate", map[string]string{"reason": "连续两次质量检查不合格"})
	officer.mustSee("合同已终止")
	s.await(id, c.officer.Token, "terminated")
}
