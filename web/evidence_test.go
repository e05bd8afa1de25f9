package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
)

func TestEvidenceFilesDownloadOnlyToTheContractsPeople(t *testing.T) {
	dir := t.TempDir()
	content := []byte("%PDF-1.4 签到表：张三、李四")
	h := sha256.Sum256(content)
	sum := hex.EncodeToString(h[:])
	if err := os.MkdirAll(filepath.Join(dir, "77"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "77", sum), content, 0o600); err != nil {
		t.Fatal(err)
	}
	// Another purchase's file, whose hash is public: naming it in a report
	// of purchase 77 does not make it downloadable there.
	foreign := []byte("另一项目的签到表")
	fh := sha256.Sum256(foreign)
	foreignSum := hex.EncodeToString(fh[:])
	if err := os.MkdirAll(filepath.Join(dir, "78"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "78", foreignSum), foreign, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := strings.Repeat("ef", 32)
	f := &fakeAPI{t: t}
	s := newSite(t, f, func(o *Options) { o.DataDir = dir })
	officer := s.user("clerk", "officer", nil)
	s.user("judge", "evaluator", nil)
	org := func(n int) int64 {
		first := fmt.Sprintf("523501027%08d", n)
		check, err := rules.CreditCodeCheckChar(first)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := s.db.CreateSupplier(context.Background(), valid.New(), store.Supplier{CreditCode: first + string(check), Name: fmt.Sprintf("机构%d", n)})
		if err != nil {
			t.Fatal(err)
		}
		return sp.ID
	}
	contracted, other := org(1), org(2)
	s.user("winner", "supplier", &contracted)
	s.user("loser", "supplier", &other)
	f.detail = settledPurchase(officer.ID)
	f.detail.Contract.SupplierID = contracted
	f.detail.Milestones[0].Reports[0].Evidence = json.RawMessage(`[{"name":"签到表 3月.pdf","sha256":"` + sum + `"},{"name":"照片.jpg","sha256":"` + missing + `"},{"name":"别人的.pdf","sha256":"` + foreignSum + `"}]`)
	link := "/purchases/77/evidence/" + sum

	if a := s.get(link); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/login") {
		t.Errorf("signed out: %d %s", a.status, a.header.Get("Location"))
	}
	for _, name := range []string{"clerk", "winner"} {
		c := newClient(t, s.db, s.ui, s.url)
		c.signIn(name)
		if page := c.get("/purchases/77"); !strings.Contains(page.body, `href="`+link+`"`) {
			t.Errorf("%s sees no download link", name)
		}
		a := c.get(link)
		if a.status != http.StatusOK || a.body != string(content) {
			t.Fatalf("%s downloads: %d %q", name, a.status, a.body)
		}
		if cd := a.header.Get("Content-Disposition"); !strings.Contains(cd, `filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8%203%E6%9C%88.pdf`) ||
			!strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if ct := a.header.Get("Content-Type"); ct != "application/pdf" || a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	for _, name := range []string{"loser", "judge"} {
		c := newClient(t, s.db, s.ui, s.url)
		c.signIn(name)
		if page := c.get("/purchases/77"); strings.Contains(page.body, link) {
			t.Errorf("%s sees a download link", name)
		}
		if a := c.get(link); a.status != http.StatusForbidden || strings.Contains(a.body, "张三") {
			t.Errorf("%s downloads: %d", name, a.status)
		}
	}

	c := newClient(t, s.db, s.ui, s.url)
	c.signIn("clerk")
	if a := c.get("/purchases/77/evidence/" + strings.Repeat("01", 32)); a.status != http.StatusNotFound {
		t.Errorf("a file no report names: %d", a.status)
	}
	if a := c.get("/purchases/77/evidence/%2e%2e%2f%2e%2e%2fetc%2fpasswd"); a.status == http.StatusOK {
		t.Errorf("a path for a hash: %d", a.status)
	}
	if a := c.get("/purchases/77/evidence/" + missing); a.status != http.StatusNotFound || !strings.Contains(a.body, "文件未保存在本系统") {
		t.Errorf("a file named but not uploaded: %d", a.status)
	}
	if a := c.get("/purchases/77/evidence/" + foreignSum); a.status != http.StatusNotFound || strings.Contains(a.body, "另一项目") {
		t.Errorf("another purchase's file named in this one's report: %d", a.status)
	}
	if err := os.WriteFile(filepath.Join(dir, "77", sum), []byte("altered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if a := c.get(link); a.status != http.StatusInternalServerError || !strings.Contains(a.body, "文件校验失败") || strings.Contains(a.body, "altered") {
		t.Errorf("an altered file: %d", a.status)
	}
}
