package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

func TestParseYuanIsExact(t *testing.T) {
	for in, want := range map[string]int64{"480000": 48_000_000, "480,000.5": 48_000_050, "¥0.01": 1, " 1234.56 ": 123_456, "0.1": 10} {
		if got, ok := parseYuan(in); !ok || got != want {
			t.Errorf("parseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "0", "1.234", "-5", "1e5", "abc", "12.", "99999999999999"} {
		if got, ok := parseYuan(in); ok {
			t.Errorf("parseYuan(%q) = %d, want refused", in, got)
		}
	}
}

func TestEveryActionHasItsTexts(t *testing.T) {
	for _, a := range actions {
		for _, k := range []string{"title", "submit", "done"} {
			if _, ok := messages["action."+a.Key+"."+k]; !ok {
				t.Errorf("action %s has no %s text", a.Key, k)
			}
		}
		for _, in := range a.Inputs {
			if _, ok := messages[in.LabelKey]; !ok && in.Label == "" {
				t.Errorf("action %s: input %s has no label", a.Key, in.Name)
			}
		}
	}
}

func TestOfficerFormsFollowTheState(t *testing.T) {
	s, f, _, _ := newFakeSite(t)
	f.detail.Status = "tendering"
	f.detail.Contract = nil
	s.signIn("clerk")
	page := s.get("/purchases/77")
	checkPage(t, "tendering purchase", page, http.StatusOK, "zh-CN")
	mustContain(t, "tendering purchase", page.body, `action="/purchases/77/actions/cancel"`, `action="/purchases/77/actions/appoint"`,
		`<label for="f-cancel-reason">取消原因</label>`)
	mustNotContain(t, "tendering purchase", page.body, "actions/terminate", "actions/review", "actions/bid")

	a := s.post("/purchases/77/actions/cancel", url.Values{"csrf": {s.csrf("/purchases/77")}, "reason": {"拒绝"}})
	checkPage(t, "refused cancel", a, http.StatusConflict, "zh-CN")
	mustContain(t, "refused cancel", a.body, "理由不成立", `id="f-cancel-reason-error"`, ">拒绝</textarea>")
}

func TestPanelScoresBidsSideBySide(t *testing.T) {
	s, f, _, judge := newFakeSite(t)
	f.detail.Status = "evaluating"
	f.detail.Contract = nil
	f.detail.Members.Panel[0].UserID = judge.ID
	s.signIn("judge")
	page := s.get("/purchases/77")
	checkPage(t, "evaluating purchase", page, http.StatusOK, "zh-CN")
	mustContain(t, "scores form", page.body, `action="/purchases/77/actions/scores"`, "本轮投标（并列比较）", "同心社会工作服务站 的技术分",
		`name="score-1"`, `name="score-2"`, `action="/purchases/77/actions/recuse"`, `action="/purchases/77/actions/low-price"`)

	token := s.csrf("/purchases/77")
	a := s.post("/purchases/77/actions/scores", url.Values{"csrf": {token}, "score-1": {"65.5"}, "score-2": {"6.555"}})
	checkPage(t, "bad score", a, http.StatusUnprocessableEntity, "zh-CN")
	mustContain(t, "bad score", a.body, `href="#f-scores-score-2"`, `value="65.5"`)
	if f.count("POST", "/api/v1/purchases/77/scores") != 0 {
		t.Fatal("invalid scores were sent")
	}
	s.post("/purchases/77/actions/scores", url.Values{"csrf": {token}, "score-1": {"65.5"}, "score-2": {"60"}})
	c := f.last("POST", "/api/v1/purchases/77/scores")
	sc, _ := c.body["scores"].([]any)
	if len(sc) != 2 || sc[0].(map[string]any)["technical"] != 65.5 || sc[0].(map[string]any)["bidId"] != float64(1) {
		t.Errorf("scores sent: %+v", c.body)
	}
}

func TestReportUploadsEvidence(t *testing.T) {
	dir := t.TempDir()
	f := &fakeAPI{t: t}
	s := newSite(t, f, func(o *Options) { o.DataDir = dir })
	officer := s.user("clerk", "officer", nil)
	code := "523501027" + "00000009"
	check, err := rules.CreditCodeCheckChar(code)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := s.db.CreateSupplier(context.Background(), valid.New(), store.Supplier{Name: "同心社会工作服务站", CreditCode: code + string(check)})
	if err != nil {
		t.Fatal(err)
	}
	s.user("org", "supplier", &sp.ID)
	f.detail = settledPurchase(officer.ID)
	f.detail.Status = "delivering"
	f.detail.Contract.SupplierID = sp.ID
	f.detail.Contract.Status = "active"
	f.detail.Milestones[0].Status = "pending"
	s.signIn("org")
	page := s.get("/purchases/77")
	mustContain(t, "report form", page.body, `enctype="multipart/form-data"`, `type="file" multiple`, `action="/purchases/77/actions/report"`)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf": s.csrf("/purchases/77"), "milestone": "1", "delivered": "100", "beneficiaries": "95", "summary": "按计划完成"} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("evidence", "签到表.pdf")
	content := []byte("%PDF-1.4 sign-in sheet")
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/purchases/77/actions/report", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	s.do(req)
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])
	c := f.last("POST", "/api/v1/purchases/77/milestones/1/reports")
	ev, _ := c.body["evidence"].([]any)
	if len(ev) != 1 || ev[0].(map[string]any)["sha256"] != want || ev[0].(map[string]any)["name"] != "签到表.pdf" || c.body["deliveredQuantity"] != float64(100) {
		t.Errorf("report sent: %+v", c.body)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "77", want)); err != nil || !bytes.Equal(b, content) {
		t.Errorf("evidence not stored: %v", err)
	}
}

func TestBidSendsExactFen(t *testing.T) {
	f := &fakeAPI{t: t}
	s := newSite(t, f)
	officer := s.user("clerk", "officer", nil)
	code := "523501027" + "00000008"
	check, err := rules.CreditCodeCheckChar(code)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := s.db.CreateSupplier(context.Background(), valid.New(), store.Supplier{Name: "彩虹康复服务社", CreditCode: code + string(check)})
	if err != nil {
		t.Fatal(err)
	}
	s.user("org", "supplier", &sp.ID)
	f.detail = settledPurchase(officer.ID)
	f.detail.Status = "tendering"
	f.detail.Contract = nil
	s.signIn("org")
	page := s.get("/purchases/77")
	mustContain(t, "bid form", page.body, `action="/purchases/77/actions/bid"`, "投标总价（元）")
	mustNotContain(t, "bid form", page.body, "actions/withdraw", "actions/cancel")
	token := s.csrf("/purchases/77")
	a := s.post("/purchases/77/actions/bid", url.Values{"csrf": {token}, "price": {"48万"}, "proposal": {"方案"}})
	checkPage(t, "bad price", a, http.StatusUnprocessableEntity, "zh-CN")
	mustContain(t, "bad price", a.body, `href="#f-bid-price"`, ">方案</textarea>")
	s.post("/purchases/77/actions/bid", url.Values{"csrf": {token}, "price": {"480,000.50"}, "proposal": {"方案"}})
	if c := f.last("POST", "/api/v1/purchases/77/bids"); c.body["priceFen"] != float64(48_000_050) || c.body["proposal"] != "方案" {
		t.Errorf("bid sent: %+v", c.body)
	}
}
