// Package ocds owns the publication of purchases as Open Contracting Data
// Standard 1.1.5 data: it maps each purchase's audit trail to releases
// (planning, tender, award, contract, implementation, termination),
// compiles them into a record, and wraps them in release and record
// packages. It publishes only what is public: no bid content before the
// deadline (sealed events never map to a release) and no personal data of
// beneficiaries (delivery reports are summarised as milestones and
// payments only).
package ocds

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"zhucan/store"
)

// Version is the OCDS version published.
const Version = "1.1"

// Publisher names who publishes the data, and how parties are identified.
type Publisher struct {
	// Name is the publisher's (and buyer's) name.
	Name string `json:"name"`
	// BuyerID is the buyer's unified social credit code.
	BuyerID string `json:"buyerId"`
	// OCIDPrefix is the registered prefix (e.g. ocds-xxxxxx) followed by the local namespace.
	OCIDPrefix string `json:"ocidPrefix"`
	// BaseURI is where the API is published, for package URIs.
	BaseURI string `json:"baseUri"`
}

// Scheme is the org-id.guide scheme under which unified social credit
// codes are given (China's SAMR register). To verify against
// org-id.guide before publishing to a registry; it is a constant so that
// one edit changes every party.
const Scheme = "CN-SAMR"

// Source is what the store knows of one purchase.
type Source struct {
	// Purchase is the purchase row.
	Purchase store.Purchase
	// Budget is its budget line.
	Budget store.Budget
	// Suppliers maps supplier IDs to their registry records.
	Suppliers map[int64]store.Supplier
	// Contract is the signed contract, if any.
	Contract *store.Contract
	// Milestones are the contract's milestones.
	Milestones []store.Milestone
	// Events is the purchase's public audit trail, oldest first.
	Events []store.AuditEntry
}

// Release is one OCDS release, as generic JSON so that releases can be
// merged into a compiled release by the standard's merge rules.
type Release = map[string]any

// OCID returns the Open Contracting ID of purchase id.
func (p Publisher) OCID(id int64) string { return p.OCIDPrefix + "-" + strconv.FormatInt(id, 10) }

// money renders integer fen as an exact decimal JSON number of yuan: money
// never passes through a float.
func money(fen int64) map[string]any {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return map[string]any{"amount": json.Number(fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)), "currency": "CNY"}
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Methods maps our procurement methods to the OCDS method codelist:
// 公开招标 is open; 竞争性磋商 is limited (the buyer negotiates with the
// suppliers who responded, the panel shortlisting them); 单一来源 is direct.
var Methods = map[string]string{"open_tender": "open", "competitive_consultation": "limited", "single_source": "direct"}

var methodDetails = map[string]string{"open_tender": "公开招标 (open tender)",
	"competitive_consultation": "竞争性磋商 (competitive consultation)", "single_source": "单一来源采购 (single source)"}

// TenderStatus maps a purchase status to the tender status codelist:
// bids are taken and evaluated while active; a failed round is
// unsuccessful until a re-tender; signing completes the tender.
func TenderStatus(status string) string {
	switch status {
	case "tendering", "evaluating", "challenge_period", "contracting":
		return "active"
	case "failed":
		return "unsuccessful"
	case "cancelled":
		return "cancelled"
	}
	return "complete"
}

// AwardStatus maps an award status: notified awards are pending during
// the challenge period and until signing; signed is active; voided and
// forfeited awards are cancelled.
func AwardStatus(status string) string {
	switch status {
	case "notified":
		return "pending"
	case "signed":
		return "active"
	}
	return "cancelled"
}

// ContractStatus maps a contract status: active is active; a completed or
// terminated contract has come to a close, which the codelist calls
// terminated.
func ContractStatus(status string) string {
	if status == "active" {
		return "active"
	}
	return "terminated"
}

// MilestoneStatus maps a milestone: accepted in full is met, accepted in
// part partiallyMet, anything else scheduled (notMet once the contract closes).
func MilestoneStatus(m store.Milestone, closed bool) string {
	switch {
	case m.Status == "accepted" && m.AcceptedQuantity != nil && *m.AcceptedQuantity >= m.Quantity:
		return "met"
	case m.Status == "accepted":
		return "partiallyMet"
	case closed:
		return "notMet"
	}
	return "scheduled"
}

func awardID(ocid string, round int, supplierID int64) string {
	return fmt.Sprintf("%s-award-%d-%d", ocid, round, supplierID)
}

func (p Publisher) party(s store.Supplier, roles ...string) map[string]any {
	return map[string]any{"id": Scheme + "-" + s.CreditCode, "name": s.Name, "roles": roles,
		"identifier": map[string]any{"scheme": Scheme, "id": s.CreditCode, "legalName": s.Name}}
}

func (p Publisher) buyer() map[string]any {
	return map[string]any{"id": Scheme + "-" + p.BuyerID, "name": p.Name}
}

func (p Publisher) supplierRef(src Source, id int64) map[string]any {
	s := src.Suppliers[id]
	return map[string]any{"id": Scheme + "-" + s.CreditCode, "name": s.Name}
}

// Releases maps a purchase's audit trail to its releases, oldest first.
func (p Publisher) Releases(src Source) []Release {
	ocid := p.OCID(src.Purchase.ID)
	var out []Release
	for _, e := range src.Events {
		r := p.release(src, ocid, e)
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// detail is the part of an audit entry's detail the mapping reads.
type detail struct {
	Note   string `json:"note"`
	Status *struct {
		Status      string    `json:"status"`
		Round       int       `json:"round"`
		Method      string    `json:"method"`
		BidDeadline time.Time `json:"bidDeadline"`
	} `json:"status"`
	Opened *struct {
		Bids []struct {
			SupplierID int64 `json:"supplierId"`
		} `json:"bids"`
	} `json:"opened"`
	Award *struct {
		Round      int   `json:"round"`
		SupplierID int64 `json:"supplierId"`
		AmountFen  int64 `json:"amountFen"`
	} `json:"award"`
	AwardStatus *struct {
		Round      int    `json:"round"`
		SupplierID int64  `json:"supplierId"`
		Status     string `json:"status"`
	} `json:"awardStatus"`
	Review *struct {
		Seq         int   `json:"seq"`
		Accepted    bool  `json:"accepted"`
		AcceptedQty int64 `json:"acceptedQty"`
	} `json:"review"`
	Payment *struct {
		Kind      string `json:"kind"`
		Milestone int    `json:"milestone"`
		AmountFen int64  `json:"amountFen"`
	} `json:"payment"`
	ContractStatus *struct {
		Status string `json:"status"`
	} `json:"contractStatus"`
}

func (p Publisher) release(src Source, ocid string, e store.AuditEntry) Release {
	var d detail
	_ = json.Unmarshal(e.Detail, &d)
	pu := src.Purchase
	r := Release{"ocid": ocid, "id": fmt.Sprintf("%s-%d", ocid, e.ID), "date": ts(e.At), "initiationType": "tender",
		"language": "zh", "buyer": p.buyer()}
	tender := map[string]any{"id": ocid + "-tender"}
	switch e.Action {
	case "purchase.planned":
		r["tag"] = []string{"planning", "tender"}
		r["planning"] = map[string]any{"budget": map[string]any{"id": strconv.FormatInt(src.Budget.ID, 10),
			"description": fmt.Sprintf("%s（%d 年度）", src.Budget.Name, src.Budget.FiscalYear), "amount": money(pu.CeilingFen)}}
		tender["title"] = pu.Title
		tender["status"] = "active"
		tender["procuringEntity"] = p.buyer()
		tender["items"] = []any{map[string]any{"id": "1", "description": pu.ItemNameZH,
			"classification": map[string]any{"scheme": "zhucan-catalogue-" + strconv.Itoa(pu.CatalogYear), "id": pu.CatalogCode, "description": pu.ItemNameZH},
			"quantity":       pu.Quantity, "unit": map[string]any{"name": pu.UnitZH}}}
		tender["value"] = money(pu.CeilingFen)
		tender["procurementMethod"] = Methods[pu.Method]
		tender["procurementMethodDetails"] = methodDetails[pu.Method]
		tender["mainProcurementCategory"] = "services"
		tender["awardCriteria"] = "ratedCriteria"
		tender["awardCriteriaDetails"] = fmt.Sprintf("综合评分法：价格分 %d 分，技术分 %d 分", pu.PriceWeight, 100-pu.PriceWeight)
		tender["submissionMethod"] = []string{"electronicSubmission"}
		tender["tenderPeriod"] = map[string]any{"startDate": ts(e.At), "endDate": ts(plannedDeadline(e, pu))}
		tender["contractPeriod"] = map[string]any{"startDate": ts(pu.ServiceStart), "endDate": ts(pu.ServiceEnd)}
		r["parties"] = []any{map[string]any{"id": Scheme + "-" + p.BuyerID, "name": p.Name, "roles": []string{"buyer", "procuringEntity", "payer"},
			"identifier": map[string]any{"scheme": Scheme, "id": p.BuyerID, "legalName": p.Name}}}
	case "purchase.tendering": // a re-tender opens a new round
		if d.Status == nil {
			return nil
		}
		r["tag"] = []string{"tenderUpdate"}
		if d.Note != "" {
			// A method switched with the finance bureau's approval amends
			// the tender; the approval is its rationale.
			r["tag"] = []string{"tenderAmendment"}
			tender["amendments"] = []any{map[string]any{"id": strconv.FormatInt(e.ID, 10), "date": ts(e.At), "rationale": d.Note}}
		}
		tender["status"] = "active"
		tender["procurementMethod"] = Methods[d.Status.Method]
		tender["procurementMethodDetails"] = methodDetails[d.Status.Method]
		tender["tenderPeriod"] = map[string]any{"startDate": ts(e.At), "endDate": ts(d.Status.BidDeadline)}
	case "tender.extended", "tender.amended": // the deadline moves, or the documents change, with the reason
		if d.Status == nil {
			return nil
		}
		r["tag"] = []string{"tenderAmendment"}
		tender["status"] = "active"
		tender["tenderPeriod"] = map[string]any{"endDate": ts(d.Status.BidDeadline)}
		tender["amendments"] = []any{map[string]any{"id": strconv.FormatInt(e.ID, 10), "date": ts(e.At), "rationale": d.Note}}
	case "bids.opened":
		if d.Opened == nil {
			return nil
		}
		r["tag"] = []string{"tenderUpdate"}
		var tenderers, parties []any
		for _, b := range d.Opened.Bids {
			tenderers = append(tenderers, p.supplierRef(src, b.SupplierID))
			parties = append(parties, p.party(src.Suppliers[b.SupplierID], "tenderer"))
		}
		tender["numberOfTenderers"] = len(d.Opened.Bids)
		if tenderers != nil {
			tender["tenderers"] = tenderers
			r["parties"] = parties
		}
	case "purchase.failed":
		r["tag"] = []string{"tenderUpdate"}
		tender["status"] = "unsuccessful"
	case "purchase.cancelled":
		r["tag"] = []string{"tenderCancellation"}
		tender["status"] = "cancelled"
	case "award.notified":
		if d.Award == nil {
			return nil
		}
		r["tag"] = []string{"award"}
		r["awards"] = []any{map[string]any{"id": awardID(ocid, d.Award.Round, d.Award.SupplierID), "status": "pending",
			"date": ts(e.At), "value": money(d.Award.AmountFen), "suppliers": []any{p.supplierRef(src, d.Award.SupplierID)},
			"contractPeriod": map[string]any{"startDate": ts(pu.ServiceStart), "endDate": ts(pu.ServiceEnd)}}}
		r["parties"] = []any{p.party(src.Suppliers[d.Award.SupplierID], "tenderer", "supplier", "payee")}
		return r
	case "award.voided", "award.forfeited":
		if d.AwardStatus == nil {
			return nil
		}
		r["tag"] = []string{"awardUpdate"}
		r["awards"] = []any{map[string]any{"id": awardID(ocid, d.AwardStatus.Round, d.AwardStatus.SupplierID), "status": "cancelled"}}
		return r
	case "contract.signed":
		c := src.Contract
		if c == nil {
			return nil
		}
		r["tag"] = []string{"contract"}
		tender["status"] = "complete"
		aid := awardID(ocid, pu.Round, c.SupplierID)
		r["awards"] = []any{map[string]any{"id": aid, "status": "active"}}
		var ms []any
		for _, m := range src.Milestones {
			ms = append(ms, map[string]any{"id": strconv.Itoa(m.Seq), "title": m.Name, "type": "delivery",
				"dueDate": ts(m.Due), "status": "scheduled"})
		}
		contract := map[string]any{"id": contractID(ocid), "awardID": aid, "status": "active", "value": money(c.AmountFen),
			"period": map[string]any{"startDate": ts(c.ServiceStart), "endDate": ts(c.ServiceEnd)}, "dateSigned": ts(maxTime(c.OfficerSignedAt, c.SupplierSignedAt))}
		if ms != nil {
			contract["milestones"] = ms
		}
		r["contracts"] = []any{contract}
	case "milestone.accepted":
		if d.Review == nil || src.Contract == nil {
			return nil
		}
		r["tag"] = []string{"implementation"}
		m := milestoneOf(src, d.Review.Seq)
		status := "met"
		if m != nil && d.Review.AcceptedQty < m.Quantity {
			status = "partiallyMet"
		}
		r["contracts"] = []any{map[string]any{"id": contractID(ocid), "awardID": awardID(ocid, pu.Round, src.Contract.SupplierID),
			"implementation": map[string]any{"milestones": []any{map[string]any{"id": strconv.Itoa(d.Review.Seq), "status": status,
				"dateMet": ts(e.At), "type": "delivery"}}}}}
		return r
	case "payment.milestone", "payment.retention":
		if d.Payment == nil || src.Contract == nil {
			return nil
		}
		r["tag"] = []string{"implementation"}
		r["contracts"] = []any{map[string]any{"id": contractID(ocid), "awardID": awardID(ocid, pu.Round, src.Contract.SupplierID),
			"implementation": map[string]any{"transactions": []any{map[string]any{"id": strconv.FormatInt(e.ID, 10), "date": ts(e.At),
				"value": money(d.Payment.AmountFen), "payer": p.buyer(), "payee": p.supplierRef(src, src.Contract.SupplierID)}}}}}
		return r
	case "contract.terminated", "contract.settled":
		if src.Contract == nil {
			return nil
		}
		r["tag"] = []string{"contractTermination"}
		if e.Action == "contract.settled" {
			r["tag"] = []string{"contractUpdate"}
		}
		r["contracts"] = []any{map[string]any{"id": contractID(ocid), "awardID": awardID(ocid, pu.Round, src.Contract.SupplierID), "status": "terminated"}}
		return r
	default:
		return nil
	}
	r["tender"] = tender
	return r
}

func contractID(ocid string) string { return ocid + "-contract" }

func milestoneOf(src Source, seq int) *store.Milestone {
	for i := range src.Milestones {
		if src.Milestones[i].Seq == seq {
			return &src.Milestones[i]
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// plannedDeadline reads the first round's deadline from the planned event.
func plannedDeadline(e store.AuditEntry, p store.Purchase) time.Time {
	var d struct {
		Planned struct {
			BidDeadline time.Time `json:"bidDeadline"`
		} `json:"planned"`
	}
	if json.Unmarshal(e.Detail, &d) == nil && !d.Planned.BidDeadline.IsZero() {
		return d.Planned.BidDeadline
	}
	return p.BidDeadline
}

// Compile merges releases, oldest first, into the compiled release by the
// OCDS merge routine: objects merge field by field, arrays of objects with
// an id merge by id, other values are replaced, and the tag is "compiled".
func Compile(ocid string, releases []Release) Release {
	out := map[string]any{}
	for _, r := range releases {
		mergeInto(out, r)
	}
	delete(out, "tag")
	out["tag"] = []string{"compiled"}
	out["ocid"] = ocid
	if len(releases) > 0 {
		last := releases[len(releases)-1]
		out["id"] = fmt.Sprint(last["id"]) + "-compiled"
		out["date"] = last["date"]
	}
	return out
}

func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		switch sv := v.(type) {
		case map[string]any:
			dv, ok := dst[k].(map[string]any)
			if !ok {
				dv = map[string]any{}
			}
			mergeInto(dv, sv)
			dst[k] = dv
		case []any:
			if dv, ok := dst[k].([]any); ok && identified(sv) && identified(dv) {
				dst[k] = mergeByID(dv, sv)
			} else {
				dst[k] = cloneSlice(sv)
			}
		default:
			dst[k] = v
		}
	}
}

func identified(xs []any) bool {
	for _, x := range xs {
		m, ok := x.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["id"]; !ok {
			return false
		}
	}
	return len(xs) > 0
}

func mergeByID(dst, src []any) []any {
	idx := map[string]int{}
	out := make([]any, 0, len(dst)+len(src))
	for _, x := range dst {
		m := x.(map[string]any)
		idx[fmt.Sprint(m["id"])] = len(out)
		out = append(out, m)
	}
	for _, x := range src {
		m := x.(map[string]any)
		id := fmt.Sprint(m["id"])
		if i, ok := idx[id]; ok {
			merged := out[i].(map[string]any)
			mergeInto(merged, m)
			continue
		}
		c := map[string]any{}
		mergeInto(c, m)
		idx[id] = len(out)
		out = append(out, c)
	}
	return out
}

func cloneSlice(xs []any) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		if m, ok := x.(map[string]any); ok {
			c := map[string]any{}
			mergeInto(c, m)
			out[i] = c
		} else {
			out[i] = x
		}
	}
	return out
}

// Record is one purchase's OCDS record.
type Record struct {
	// OCID identifies the contracting process.
	OCID string `json:"ocid"`
	// Releases are every release, oldest first.
	Releases []Release `json:"releases"`
	// CompiledRelease is the current state.
	CompiledRelease Release `json:"compiledRelease"`
}

// RecordPackage wraps records for publication.
type RecordPackage struct {
	// URI identifies this package.
	URI string `json:"uri"`
	// Version is the OCDS version.
	Version string `json:"version"`
	// PublishedDate is when it was published.
	PublishedDate string `json:"publishedDate"`
	// Publisher is who publishes it.
	Publisher map[string]any `json:"publisher"`
	// Records are the records.
	Records []Record `json:"records"`
}

// ReleasePackage wraps releases for publication.
type ReleasePackage struct {
	// URI identifies this package.
	URI string `json:"uri"`
	// Version is the OCDS version.
	Version string `json:"version"`
	// PublishedDate is when it was published.
	PublishedDate string `json:"publishedDate"`
	// Publisher is who publishes it.
	Publisher map[string]any `json:"publisher"`
	// Releases are the releases.
	Releases []Release `json:"releases"`
}

// RecordPackage publishes the record of src at now.
func (p Publisher) RecordPackage(src Source, now time.Time) RecordPackage {
	ocid := p.OCID(src.Purchase.ID)
	rels := p.Releases(src)
	if rels == nil {
		rels = []Release{}
	}
	return RecordPackage{URI: fmt.Sprintf("%s/api/v1/purchases/%d/ocds", p.BaseURI, src.Purchase.ID), Version: Version,
		PublishedDate: ts(now), Publisher: map[string]any{"name": p.Name},
		Records: []Record{{OCID: ocid, Releases: rels, CompiledRelease: Compile(ocid, rels)}}}
}

// ReleasePackage publishes releases at now under uri.
func (p Publisher) ReleasePackage(uri string, rels []Release, now time.Time) ReleasePackage {
	if rels == nil {
		rels = []Release{}
	}
	sort.SliceStable(rels, func(i, j int) bool { return fmt.Sprint(rels[i]["date"]) < fmt.Sprint(rels[j]["date"]) })
	return ReleasePackage{URI: uri, Version: Version, PublishedDate: ts(now), Publisher: map[string]any{"name": p.Name}, Releases: rels}
}

// Mapped reports whether an audit action becomes a release.
func Mapped(action string) bool {
	switch action {
	case "purchase.planned", "purchase.tendering", "tender.extended", "tender.amended", "bids.opened", "purchase.failed", "purchase.cancelled",
		"award.notified", "award.voided", "award.forfeited", "contract.signed", "milestone.accepted",
		"payment.milestone", "payment.retention", "contract.terminated", "contract.settled":
		return true
	}
	return false
}
