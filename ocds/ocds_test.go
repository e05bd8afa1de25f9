package ocds

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zhucan/store"
)

func schemas(t *testing.T) *Schemas {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "ocds", "1.1.5")
	s, err := LoadSchemas(dir)
	if err != nil {
		t.Fatalf("the OCDS 1.1.5 schemas (../shared/ocds/1.1.5 beside the repository): %v", err)
	}
	return s
}

var pub = Publisher{Name: "某区残疾人联合会", BuyerID: "51350100MJ0000000X", OCIDPrefix: "ocds-zhucan", BaseURI: "https://zhucan.example.gov.cn"}

func ev(id int64, action string, at time.Time, detail any) store.AuditEntry {
	b, _ := json.Marshal(detail)
	return store.AuditEntry{ID: id, Action: action, At: at, Detail: b, Actor: "system"}
}

// lifecycle is a purchase from notice to settlement with a voided award,
// a partial delivery and a retention payment.
func lifecycle() Source {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	acc := int64(20)
	src := Source{
		Purchase: store.Purchase{ID: 7, Title: "2026年残疾儿童康复训练", CatalogYear: 2026, CatalogCode: "KF-01", ItemNameZH: "0—6岁残疾儿童康复训练",
			UnitZH: "人·月", Area: "rehabilitation", Quantity: 100, CeilingFen: 50_000_000, Method: "open_tender", Status: "settled", Round: 1,
			BidDeadline: t0.Add(21 * day), ServiceStart: t0.Add(60 * day), ServiceEnd: t0.Add(240 * day), PriceWeight: 30},
		Budget:    store.Budget{ID: 3, Name: "2026 康复", FiscalYear: 2026},
		Suppliers: map[int64]store.Supplier{1: {ID: 1, Name: "甲中心", CreditCode: "52350102700000001A"}, 2: {ID: 2, Name: "乙中心", CreditCode: "52350102700000002B"}, 3: {ID: 3, Name: "丙中心", CreditCode: "52350102700000003C"}},
		Contract: &store.Contract{ID: 1, SupplierID: 2, AmountFen: 42_000_000, ServiceStart: t0.Add(60 * day), ServiceEnd: t0.Add(240 * day),
			Status: "completed", OfficerSignedAt: t0.Add(40 * day), SupplierSignedAt: t0.Add(41 * day)},
		Milestones: []store.Milestone{{Seq: 1, Name: "一期", Due: t0.Add(120 * day), Quantity: 50, Status: "accepted", AcceptedQuantity: &acc},
			{Seq: 2, Name: "二期", Due: t0.Add(240 * day), Quantity: 50, Status: "accepted"}},
	}
	src.Events = []store.AuditEntry{
		ev(1, "purchase.planned", t0, map[string]any{"planned": map[string]any{"bidDeadline": t0.Add(21 * day)}}),
		ev(5, "bids.opened", t0.Add(21*day), map[string]any{"opened": map[string]any{"bids": []map[string]any{{"supplierId": 1}, {"supplierId": 2}, {"supplierId": 3}}}}),
		ev(9, "award.notified", t0.Add(22*day), map[string]any{"award": map[string]any{"round": 1, "supplierId": 3, "amountFen": 48_000_000}}),
		ev(10, "award.voided", t0.Add(25*day), map[string]any{"awardStatus": map[string]any{"round": 1, "supplierId": 3, "status": "voided"}}),
		ev(12, "award.notified", t0.Add(27*day), map[string]any{"award": map[string]any{"round": 1, "supplierId": 2, "amountFen": 42_000_000}}),
		ev(14, "contract.signed", t0.Add(41*day), map[string]any{}),
		ev(20, "milestone.accepted", t0.Add(119*day), map[string]any{"review": map[string]any{"seq": 1, "accepted": true, "acceptedQty": 20}}),
		ev(21, "payment.milestone", t0.Add(119*day), map[string]any{"payment": map[string]any{"kind": "milestone", "milestone": 1, "amountFen": 8_400_000}}),
		ev(22, "bid.submitted", t0.Add(119*day), map[string]any{}), // never published
		ev(30, "milestone.accepted", t0.Add(239*day), map[string]any{"review": map[string]any{"seq": 2, "accepted": true, "acceptedQty": 50}}),
		ev(31, "payment.retention", t0.Add(250*day), map[string]any{"payment": map[string]any{"kind": "retention", "milestone": 2, "amountFen": 21_000_000}}),
		ev(32, "contract.settled", t0.Add(250*day), map[string]any{}),
	}
	return src
}

func TestLifecycleReleasesValidate(t *testing.T) {
	s := schemas(t)
	src := lifecycle()
	rels := pub.Releases(src)
	if len(rels) != 11 {
		t.Fatalf("%d releases, want 11 (every mapped event, no sealed one)", len(rels))
	}
	var tags []string
	for _, r := range rels {
		if err := s.ValidateRelease(r); err != nil {
			t.Errorf("release %v: %v", r["id"], err)
		}
		tags = append(tags, r["tag"].([]string)...)
	}
	for _, want := range []string{"planning", "tender", "tenderUpdate", "award", "awardUpdate", "contract", "implementation", "contractUpdate"} {
		if !slices.Contains(tags, want) {
			t.Errorf("no %s release", want)
		}
	}
	pkg := pub.RecordPackage(src, time.Now())
	if err := s.ValidateRecordPackage(pkg); err != nil {
		t.Errorf("record package: %v", err)
	}
	rp := pub.ReleasePackage("https://zhucan.example.gov.cn/api/v1/ocds/releases", rels, time.Now())
	if err := s.ValidateReleasePackage(rp); err != nil {
		t.Errorf("release package: %v", err)
	}
	c := pkg.Records[0].CompiledRelease
	if err := s.ValidateRelease(c); err != nil {
		t.Errorf("compiled release: %v", err)
	}
	b, _ := json.Marshal(c)
	js := string(b)
	// The compiled release holds both awards (one cancelled), the contract
	// with two transactions, milestones met and partially met, and exact money.
	for _, want := range []string{`"status":"cancelled"`, `"status":"active"`, `"amount":420000.00`, `"amount":84000.00`, `"amount":210000.00`,
		`"partiallyMet"`, `"met"`, `"procurementMethod":"open"`, `"tag":["compiled"]`, `"numberOfTenderers":3`} {
		if !strings.Contains(js, want) {
			t.Errorf("compiled release lacks %s", want)
		}
	}
	var compiled struct {
		Awards    []struct{ ID, Status string }
		Contracts []struct {
			Status         string
			Implementation struct{ Transactions []struct{ ID string } }
		}
		Tender struct{ Status string }
	}
	_ = json.Unmarshal(b, &compiled)
	if len(compiled.Awards) != 2 || len(compiled.Contracts) != 1 || len(compiled.Contracts[0].Implementation.Transactions) != 2 ||
		compiled.Contracts[0].Status != "terminated" || compiled.Tender.Status != "complete" {
		t.Errorf("compiled %+v", compiled)
	}
}

func TestCancelledAndFailedRoundsValidate(t *testing.T) {
	s := schemas(t)
	src := lifecycle()
	t0 := src.Events[0].At
	src.Events = []store.AuditEntry{src.Events[0],
		ev(2, "bids.opened", t0.Add(time.Hour), map[string]any{"opened": map[string]any{"bids": []map[string]any{}}}),
		ev(3, "purchase.failed", t0.Add(time.Hour), map[string]any{}),
		ev(4, "purchase.tendering", t0.Add(2*time.Hour), map[string]any{"note": "采购方式变更，批准文号 区财采〔2026〕12号", "status": map[string]any{"status": "tendering", "round": 2, "method": "competitive_consultation", "bidDeadline": t0.Add(300 * time.Hour)}}),
		ev(6, "purchase.cancelled", t0.Add(3*time.Hour), map[string]any{}),
	}
	src.Contract = nil
	rels := pub.Releases(src)
	for _, r := range rels {
		if err := s.ValidateRelease(r); err != nil {
			t.Errorf("release %v: %v", r["id"], err)
		}
	}
	c := Compile(pub.OCID(7), rels)
	if err := s.ValidateRelease(c); err != nil {
		t.Errorf("compiled: %v", err)
	}
	tender := c["tender"].(map[string]any)
	if tender["status"] != "cancelled" || tender["procurementMethod"] != "limited" {
		t.Errorf("tender %v", tender)
	}
	if am, _ := tender["amendments"].([]any); len(am) != 1 || rels[3]["tag"].([]string)[0] != "tenderAmendment" {
		t.Errorf("the method switch is not an amendment: %v", tender["amendments"])
	}
}

func TestExtensionAmendsTheTenderPeriod(t *testing.T) {
	s := schemas(t)
	src := lifecycle()
	t0 := src.Events[0].At
	extended := t0.Add(500 * time.Hour)
	src.Events = []store.AuditEntry{src.Events[0],
		ev(2, "tender.extended", t0.Add(time.Hour), map[string]any{"note": "答疑澄清 / clarification", "status": map[string]any{"status": "tendering", "round": 1, "method": "open_tender", "bidDeadline": extended}}),
	}
	src.Contract = nil
	rels := pub.Releases(src)
	if len(rels) != 2 || rels[1]["tag"].([]string)[0] != "tenderAmendment" {
		t.Fatalf("releases %v", rels)
	}
	for _, r := range rels {
		if err := s.ValidateRelease(r); err != nil {
			t.Errorf("release %v: %v", r["id"], err)
		}
	}
	tender := Compile(pub.OCID(7), rels)["tender"].(map[string]any)
	period := tender["tenderPeriod"].(map[string]any)
	if period["endDate"] != extended.UTC().Format(time.RFC3339) || period["startDate"] == nil {
		t.Errorf("tender period after the extension: %v", period)
	}
	if am, _ := tender["amendments"].([]any); len(am) != 1 {
		t.Errorf("amendments %v", tender["amendments"])
	}
}

func TestCodelistMappings(t *testing.T) {
	for status, want := range map[string]string{"tendering": "active", "evaluating": "active", "failed": "unsuccessful",
		"cancelled": "cancelled", "delivering": "complete", "settled": "complete", "terminated": "complete"} {
		if got := TenderStatus(status); got != want {
			t.Errorf("TenderStatus(%s) = %s, want %s", status, got, want)
		}
	}
	for status, want := range map[string]string{"notified": "pending", "signed": "active", "voided": "cancelled", "forfeited": "cancelled"} {
		if got := AwardStatus(status); got != want {
			t.Errorf("AwardStatus(%s) = %s, want %s", status, got, want)
		}
	}
	if ContractStatus("completed") != "terminated" || ContractStatus("active") != "active" {
		t.Error("contract status mapping")
	}
	if fmt.Sprint(money(1)["amount"]) != "0.01" || fmt.Sprint(money(-150)["amount"]) != "-1.50" {
		t.Error("money is not exact")
	}
}

func TestSchemaRejectsABrokenRelease(t *testing.T) {
	s := schemas(t)
	r := pub.Releases(lifecycle())[0]
	r["tag"] = []string{"notATag"}
	if err := s.ValidateRelease(r); err == nil {
		t.Fatal("a release with an unknown tag validated")
	}
}

// TestMappingsUseTheCodelists checks every code the mapping can produce
// against the standard's codelists.
func TestMappingsUseTheCodelists(t *testing.T) {
	codes := func(name string) []string {
		b, err := os.ReadFile(filepath.Join("..", "..", "shared", "ocds", "1.1.5", "codelists", name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[0])
		}
		return out
	}
	check := func(list, code string) {
		if !slices.Contains(codes(list), code) {
			t.Errorf("%q is not in the %s codelist", code, list)
		}
	}
	for _, m := range Methods {
		check("method", m)
	}
	for _, s := range []string{"tendering", "evaluating", "challenge_period", "contracting", "delivering", "assessing", "settled", "failed", "cancelled", "terminated"} {
		check("tenderStatus", TenderStatus(s))
	}
	for _, s := range []string{"notified", "signed", "forfeited", "voided"} {
		check("awardStatus", AwardStatus(s))
	}
	for _, s := range []string{"active", "completed", "terminated"} {
		check("contractStatus", ContractStatus(s))
	}
	q := int64(1)
	for _, m := range []store.Milestone{{Status: "accepted", Quantity: 1, AcceptedQuantity: &q}, {Status: "accepted", Quantity: 2, AcceptedQuantity: &q}, {Status: "pending"}} {
		check("milestoneStatus", MilestoneStatus(m, false))
		check("milestoneStatus", MilestoneStatus(m, true))
	}
	check("milestoneType", "delivery")
	for _, r := range []string{"buyer", "procuringEntity", "payer", "tenderer", "supplier", "payee"} {
		check("partyRole", r)
	}
}
