package api_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"zhucan/internal/testenv"
	"zhucan/ocds"
)

// checkOCDS validates the record of purchase id and the bulk feed against
// the OCDS 1.1.5 schemas, and checks that nothing sealed or personal leaks.
func checkOCDS(t *testing.T, s *stack, id int64) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	sch, err := ocds.LoadSchemas(filepath.Join(root, "..", "shared", "ocds", "1.1.5"))
	if err != nil {
		t.Fatal(err)
	}
	var rec ocds.RecordPackage
	r := s.must(200, "GET", fmt.Sprintf("/api/v1/purchases/%d/ocds", id), "", nil, &rec)
	if err := sch.ValidateRecordPackage(rec); err != nil {
		t.Errorf("record package: %v", err)
	}
	if len(rec.Records) != 1 || len(rec.Records[0].Releases) < 8 {
		t.Fatalf("record %s", r.body)
	}
	for _, rel := range rec.Records[0].Releases {
		if err := sch.ValidateRelease(rel); err != nil {
			t.Errorf("release %v: %v", rel["id"], err)
		}
	}
	if err := sch.ValidateRelease(rec.Records[0].CompiledRelease); err != nil {
		t.Errorf("compiled release: %v", err)
	}
	for _, secret := range []string{"康复训练方案", "签到表", "按计划完成", "secret-"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the OCDS record leaks %q", secret)
		}
	}
	var tags []string
	for _, rel := range rec.Records[0].Releases {
		b, _ := json.Marshal(rel["tag"])
		tags = append(tags, string(b))
	}
	joined := strings.Join(tags, " ")
	for _, want := range []string{"planning", "tenderUpdate", `"award"`, `"contract"`, "implementation", "contractUpdate"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s release in %s", want, joined)
		}
	}
	// The bulk feed, two releases a page, all of them valid.
	seen := 0
	next := "/api/v1/ocds/releases?limit=2"
	for next != "" && seen < 200 {
		var pkg ocds.ReleasePackage
		page := s.must(200, "GET", next, "", nil, &pkg)
		if err := sch.ValidateReleasePackage(pkg); err != nil {
			t.Errorf("release package %s: %v", next, err)
		}
		seen += len(pkg.Releases)
		next = ""
		if l := page.header.Get("Link"); l != "" {
			u := l[strings.Index(l, "<")+1 : strings.Index(l, ">")]
			next = u[strings.Index(u, "/api/"):]
		}
	}
	if seen != len(rec.Records[0].Releases) {
		t.Errorf("the feed holds %d releases, the record %d", seen, len(rec.Records[0].Releases))
	}
}
