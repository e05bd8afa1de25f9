package web

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"zhucan/rules"
	"zhucan/store"
)

// The purchase actions of every role, one form per API action. Each is
// shown only when the caller's role and the purchase's state allow it;
// the API remains the judge and its refusals are shown on the form.
func init() {
	actions = append(actions,
		// Social organisations.
		action{Key: "bid", Section: "bids", Template: "action-generic",
			Inputs: []input{{Name: "price", LabelKey: "f.bid_price", HintKey: "f.bid_price.hint"},
				{Name: "proposal", LabelKey: "f.proposal", Type: "textarea"}},
			APIFields: map[string]string{"priceFen": "price"},
			Allowed:   func(u *store.User, d *purchaseData) bool { return isSupplier(u) && d.P.Status == "tendering" },
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				fen, ok := parseYuan(f.Get("price"))
				if !ok {
					f.Fail("price", l.T("err.money"))
				}
				required(l, f, "proposal")
				return post(d, "bids", map[string]any{"priceFen": fen, "proposal": f.Get("proposal")})
			}},
		action{Key: "withdraw", Section: "bids", Template: "action-generic",
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isSupplier(u) && d.P.Status == "tendering" && d.P.MyBid != nil
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				return apiCall{Method: http.MethodDelete, Path: fmt.Sprintf("/api/v1/purchases/%d/bids/mine", d.P.ID)}
			}},
		action{Key: "challenge", Section: "challenges", Template: "action-generic",
			Inputs: []input{{Name: "reason", LabelKey: "f.challenge_reason", Type: "textarea"}},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isSupplier(u) && d.P.Status == "challenge_period" && d.hasBidOf(*u.SupplierID)
			},
			Call: reasonCall("challenges")},
		action{Key: "sign", Section: "awards", Template: "action-generic",
			Allowed: func(u *store.User, d *purchaseData) bool {
				if d.P.Status != "contracting" {
					return false
				}
				if isOfficer(u) {
					return true
				}
				return isSupplier(u) && d.awardedTo(*u.SupplierID)
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				return post(d, "signatures", map[string]any{})
			}},
		action{Key: "report", Section: "milestones", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				return []input{{Name: "milestone", LabelKey: "f.milestone", Type: "select", Options: d.milestoneOptions("pending", "returned")},
					{Name: "delivered", LabelKey: "f.delivered_quantity", Type: "number"},
					{Name: "beneficiaries", LabelKey: "f.beneficiaries", Type: "number"},
					{Name: "summary", LabelKey: "f.summary", Type: "textarea"},
					{Name: "evidence", LabelKey: "f.evidence", HintKey: "f.evidence.hint", Type: "file"}}
			},
			APIFields: map[string]string{"deliveredQuantity": "delivered"},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isSupplier(u) && d.P.Contract != nil && d.P.Contract.SupplierID == *u.SupplierID &&
					d.P.Contract.Status == "active" && len(d.milestoneOptions("pending", "returned")) > 0
			},
			Call: nil}, // set in init below: it needs the UI's data directory
		action{Key: "rectified", Section: "rectifications", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				return []input{{Name: "rectification", LabelKey: "f.rectification", Type: "select", Options: d.rectOptions()},
					{Name: "summary", LabelKey: "f.rect_summary", Type: "textarea"}}
			},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isSupplier(u) && d.P.Contract != nil && d.P.Contract.SupplierID == *u.SupplierID && len(d.rectOptions()) > 0
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				n := choice(state(r).loc, f, "rectification")
				required(state(r).loc, f, "summary")
				return post(d, fmt.Sprintf("rectifications/%d/done", n), map[string]any{"summary": f.Get("summary")})
			}},

		// Officers.
		action{Key: "appoint", Section: "members", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				replaces := []option{{Value: "", LabelKey: "f.replaces.none"}}
				if d.P.Members != nil {
					for _, m := range d.P.Members.Panel {
						if m.RecusedAt == nil {
							replaces = append(replaces, option{Value: strconv.FormatInt(m.UserID, 10), Label: m.Name})
						}
					}
				}
				return []input{{Name: "user", LabelKey: "f.appointee", Type: "select", Options: ui.evaluatorOptions(r)},
					{Name: "replaces", LabelKey: "f.replaces", Type: "select", Options: replaces},
					{Name: "reason", LabelKey: "f.replace_reason", HintKey: "f.replace_reason.hint", Type: "textarea"}}
			},
			APIFields: map[string]string{"userId": "user"},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isOfficer(u) && (d.P.Status == "tendering" || d.P.Status == "evaluating")
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				body := map[string]any{"userId": choice(l, f, "user"), "reason": f.Get("reason")}
				if v := f.Get("replaces"); v != "" {
					body["replaces"] = choice(l, f, "replaces")
					required(l, f, "reason")
				}
				return post(d, "panel", body)
			}},
		action{Key: "answer", Section: "challenges", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				return []input{{Name: "challenge", LabelKey: "f.challenge", Type: "select", Options: d.openChallenges(state(r).loc)},
					{Name: "upheld", LabelKey: "f.upheld", Type: "select", Options: []option{{Value: "false", LabelKey: "challenge.rejected"}, {Value: "true", LabelKey: "challenge.upheld"}}},
					{Name: "remedy", LabelKey: "f.remedy", HintKey: "f.remedy.hint", Type: "select",
						Options: []option{{Value: "", LabelKey: "none"}, {Value: "rescore", LabelKey: "remedy.rescore"}, {Value: "retender", LabelKey: "remedy.retender"}}},
					{Name: "response", LabelKey: "f.response", Type: "textarea"}}
			},
			APIFields: map[string]string{"action": "remedy"},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isOfficer(u) && len(d.openChallenges(nil)) > 0
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				n := choice(l, f, "challenge")
				required(l, f, "response")
				upheld := f.Get("upheld") == "true"
				if upheld && f.Get("remedy") == "" {
					f.Fail("remedy", l.T("err.remedy"))
				}
				body := map[string]any{"upheld": upheld, "response": f.Get("response")}
				if upheld {
					body["action"] = f.Get("remedy")
				}
				return post(d, fmt.Sprintf("challenges/%d/answer", n), body)
			}},
		action{Key: "award-next", Section: "awards", Template: "action-generic",
			Inputs: []input{{Name: "reason", LabelKey: "f.reason", Type: "textarea"}},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isOfficer(u) && d.P.Status == "contracting" && d.forfeited()
			},
			Call: reasonCall("award-next")},
		action{Key: "retender", Section: "summary", Template: "action-generic",
			Inputs: []input{{Name: "deadline", LabelKey: "f.bid_deadline", HintKey: "f.beijing_time", Type: "datetime-local"},
				{Name: "method", LabelKey: "f.method", Type: "select", Options: []option{{Value: "", LabelKey: "f.method.same"},
					{Value: "open_tender", LabelKey: "method.open_tender"}, {Value: "competitive_consultation", LabelKey: "method.competitive_consultation"},
					{Value: "single_source", LabelKey: "method.single_source"}}},
				{Name: "approvalRef", LabelKey: "f.approval_ref", HintKey: "f.approval.hint"},
				{Name: "approvalDate", LabelKey: "f.approval_date", Type: "date"}},
			APIFields: map[string]string{"bidDeadline": "deadline"},
			Allowed:   func(u *store.User, d *purchaseData) bool { return isOfficer(u) && d.P.Status == "failed" },
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				body := map[string]any{}
				if t, ok := f.Time(l, "deadline"); ok {
					body["bidDeadline"] = t
				}
				if m := f.Get("method"); m != "" {
					body["method"] = m
				}
				if v := strings.TrimSpace(f.Get("approvalRef")); v != "" {
					body["approvalRef"] = v
				}
				if v := f.Get("approvalDate"); v != "" {
					if t, err := time.ParseInLocation("2006-01-02", v, rules.Shanghai); err == nil {
						body["approvalDate"] = t
					} else {
						f.Fail("approvalDate", l.T("err.date"))
					}
				}
				return post(d, "retender", body)
			}},
		action{Key: "extend", Section: "summary", Template: "action-generic",
			Inputs: []input{{Name: "deadline", LabelKey: "f.new_bid_deadline", HintKey: "f.beijing_time", Type: "datetime-local"},
				{Name: "reason", LabelKey: "f.extend_reason", HintKey: "f.extend_reason.hint", Type: "textarea"},
				{Name: "amendment", LabelKey: "f.amendment", HintKey: "f.amendment.hint", Type: "textarea"}},
			APIFields: map[string]string{"bidDeadline": "deadline"},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return u != nil && u.Role == "officer" && d.P.Status == "tendering" && time.Now().Before(d.P.BidDeadline)
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				body := map[string]any{"reason": f.Get("reason")}
				if t, ok := f.Time(l, "deadline"); ok {
					body["bidDeadline"] = t
				}
				required(l, f, "reason")
				if v := strings.TrimSpace(f.Get("amendment")); v != "" {
					body["amendment"] = v
				}
				return post(d, "extend", body)
			}},
		action{Key: "reassign", Section: "inspections", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				var people []option
				if d.P.Members != nil {
					for _, m := range d.P.Members.Inspectors {
						people = append(people, option{Value: strconv.FormatInt(m.UserID, 10), Label: m.Name})
					}
				}
				return []input{{Name: "inspection", LabelKey: "f.inspection", Type: "select", Options: d.pendingInspections(state(r).loc)},
					{Name: "inspector", LabelKey: "f.new_inspector", Type: "select", Options: people},
					{Name: "reason", LabelKey: "f.reassign_reason", Type: "textarea"}}
			},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return u != nil && u.Role == "officer" && d.P.Contract != nil && d.P.Contract.Status == "active" &&
					d.P.Members != nil && len(d.P.Members.Inspectors) > 1 && len(d.pendingInspections(nil)) > 0
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				n := choice(l, f, "inspection")
				who := choice(l, f, "inspector")
				required(l, f, "reason")
				return post(d, fmt.Sprintf("inspections/%d/reassign", n), map[string]any{"inspectorId": who, "reason": f.Get("reason")})
			}},
		action{Key: "cancel", Section: "summary", Template: "action-generic",
			Inputs: []input{{Name: "reason", LabelKey: "f.cancel_reason", Type: "textarea"}},
			Allowed: func(u *store.User, d *purchaseData) bool {
				switch d.P.Status {
				case "tendering", "evaluating", "challenge_period", "contracting", "failed":
					return isOfficer(u)
				}
				return false
			},
			Call: reasonCall("cancel")},
		action{Key: "review", Section: "milestones", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				return []input{{Name: "milestone", LabelKey: "f.milestone", Type: "select", Options: d.milestoneOptions("reported")},
					{Name: "decision", LabelKey: "f.decision", Type: "select", Options: []option{{Value: "accept", LabelKey: "review.accept"}, {Value: "return", LabelKey: "review.return"}}},
					{Name: "quantity", LabelKey: "f.accepted_quantity", HintKey: "f.accepted_quantity.hint", Type: "number"},
					{Name: "reason", LabelKey: "f.review_reason", HintKey: "f.review_reason.hint", Type: "textarea"}}
			},
			APIFields: map[string]string{"acceptedQuantity": "quantity"},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isOfficer(u) && len(d.milestoneOptions("reported")) > 0
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				n := choice(l, f, "milestone")
				accept := f.Get("decision") != "return"
				body := map[string]any{"accepted": accept}
				if accept {
					if v := strings.TrimSpace(f.Get("quantity")); v != "" {
						if q, ok := parseCount(v); ok {
							body["acceptedQuantity"] = q
						} else {
							f.Fail("quantity", l.T("err.count"))
						}
					}
				} else {
					required(l, f, "reason")
					body["reason"] = f.Get("reason")
				}
				return post(d, fmt.Sprintf("milestones/%d/review", n), body)
			}},
		action{Key: "terminate", Section: "contract", Template: "action-generic",
			Inputs: []input{{Name: "reason", LabelKey: "f.termination_reason", Type: "textarea"}},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return isOfficer(u) && d.P.Contract != nil && d.P.Contract.Status == "active"
			},
			Call: reasonCall("terminate")},

		// Evaluators.
		action{Key: "recuse", Section: "members", Template: "action-generic",
			Inputs: []input{{Name: "reason", LabelKey: "f.recusal_reason", HintKey: "f.recusal_reason.hint", Type: "textarea"}},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return d.onDuty(u, "panel") && (d.P.Status == "tendering" || d.P.Status == "evaluating")
			},
			Call: reasonCall("recusal")},
		action{Key: "scores", Section: "bids", Template: "action-scores",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				l := state(r).loc
				var out []input
				for _, b := range d.roundBids() {
					out = append(out, input{Name: fmt.Sprintf("score-%d", b.ID), Label: l.T("f.technical_of", b.SupplierName),
						Hint: l.T("f.technical.hint", 100-d.P.PriceWeight), Type: "text"})
				}
				return out
			},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return d.onDuty(u, "panel") && d.P.Status == "evaluating" && len(d.roundBids()) > 0
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				var scores []map[string]any
				for _, b := range d.roundBids() {
					name := fmt.Sprintf("score-%d", b.ID)
					v := strings.TrimSpace(f.Get(name))
					if _, err := rules.ParsePoints(v); err != nil || v == "" {
						f.Fail(name, l.T("err.points"))
						continue
					}
					scores = append(scores, map[string]any{"bidId": b.ID, "technical": rawNumber(v)})
				}
				return post(d, "scores", map[string]any{"scores": scores})
			}},
		action{Key: "low-price", Section: "bids", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				return []input{{Name: "bid", LabelKey: "f.low_bid", Type: "select", Options: d.lowBids(state(r).loc)},
					{Name: "accept", LabelKey: "f.decision", Type: "select", Options: []option{{Value: "true", LabelKey: "low.accept"}, {Value: "false", LabelKey: "low.reject"}}},
					{Name: "reason", LabelKey: "f.reason", Type: "textarea"}}
			},
			Allowed: func(u *store.User, d *purchaseData) bool {
				return d.onDuty(u, "panel") && d.P.Status == "evaluating" && len(d.lowBids(nil)) > 0
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				n := choice(l, f, "bid")
				required(l, f, "reason")
				return post(d, fmt.Sprintf("bids/%d/low-price", n), map[string]any{"accept": f.Get("accept") == "true", "reason": f.Get("reason")})
			}},
		action{Key: "inspect", Section: "inspections", Template: "action-generic",
			Inputs: []input{{Name: "passed", LabelKey: "f.result", Type: "select", Options: []option{{Value: "true", LabelKey: "inspection.passed"}, {Value: "false", LabelKey: "inspection.failed"}}},
				{Name: "findings", LabelKey: "f.findings", HintKey: "f.findings.hint", Type: "textarea"},
				{Name: "surveyed", LabelKey: "f.surveyed", HintKey: "f.surveyed.hint", Type: "number"},
				{Name: "satisfied", LabelKey: "f.satisfied", Type: "number"}},
			Allowed: func(u *store.User, d *purchaseData) bool {
				if !d.onDuty(u, "inspector") || d.P.Contract == nil || d.P.Contract.Status != "active" {
					return false
				}
				// An inspector records only the inspections assigned to them.
				for _, in := range d.P.Inspections {
					if in.Passed == nil && in.InspectorID != nil && *in.InspectorID == u.ID {
						return true
					}
				}
				return false
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				passed := f.Get("passed") != "false"
				if !passed {
					required(l, f, "findings")
				}
				sv, ok1 := parseCount(cmpOr(strings.TrimSpace(f.Get("surveyed")), "0"))
				st, ok2 := parseCount(cmpOr(strings.TrimSpace(f.Get("satisfied")), "0"))
				if !ok1 {
					f.Fail("surveyed", l.T("err.count"))
				}
				if !ok2 {
					f.Fail("satisfied", l.T("err.count"))
				} else if ok1 && st > sv {
					f.Fail("satisfied", l.T("err.satisfied"))
				}
				return post(d, "inspections", map[string]any{"passed": passed, "findings": f.Get("findings"), "surveyed": sv, "satisfied": st})
			}},
		action{Key: "evaluate", Section: "evaluations", Template: "action-generic",
			InputsFor: func(ui *UI, r *http.Request, d *purchaseData) []input {
				l := state(r).loc
				var out []input
				for _, ind := range d.Indicators {
					if ind.Method != "scored" {
						continue
					}
					out = append(out, input{Name: "ind-" + ind.Code, Label: l.Pick(ind.NameZH, ind.NameEN),
						Hint: l.T("f.indicator.hint", ind.Weight, l.Pick(ind.TargetZH, ind.TargetEN))})
				}
				return append(out, input{Name: "comment", LabelKey: "f.comment", Type: "textarea", Hint: d.measured(l)})
			},
			Allowed: func(u *store.User, d *purchaseData) bool {
				if !d.onDuty(u, "assessor") || d.P.Contract == nil {
					return false
				}
				for _, e := range d.P.Evaluations {
					if e.Status != "done" {
						return true
					}
				}
				return false
			},
			Call: func(r *http.Request, f *form, d *purchaseData) apiCall {
				l := state(r).loc
				var scores []map[string]any
				for _, ind := range d.Indicators {
					if ind.Method != "scored" {
						continue
					}
					name := "ind-" + ind.Code
					v := strings.TrimSpace(f.Get(name))
					p, err := rules.ParsePoints(v)
					if err != nil || v == "" || int64(p) > int64(ind.Weight)*100 {
						f.Fail(name, l.T("err.indicator", ind.Weight))
						continue
					}
					scores = append(scores, map[string]any{"indicator": ind.Code, "score": rawNumber(v)})
				}
				return post(d, "evaluations", map[string]any{"scores": scores, "comment": f.Get("comment")})
			}},
	)
	for i := range actions {
		if actions[i].Key == "report" {
			actions[i].Call = reportCall
		}
	}
}

// rawNumber is a number typed by the user, sent as typed (exact decimals).
type rawNumber string

// MarshalJSON writes the number as it was typed.
func (n rawNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

func isSupplier(u *store.User) bool { return u != nil && u.Role == "supplier" && u.SupplierID != nil }

func isOfficer(u *store.User) bool { return u != nil && (u.Role == "officer" || u.Role == "admin") }

// post is a POST of body to the purchase's sub-path.
func post(d *purchaseData, sub string, body any) apiCall {
	return apiCall{Method: http.MethodPost, Path: fmt.Sprintf("/api/v1/purchases/%d/%s", d.P.ID, sub), Body: body}
}

// reasonCall posts the form's reason to the purchase's sub-path.
func reasonCall(sub string) func(r *http.Request, f *form, d *purchaseData) apiCall {
	return func(r *http.Request, f *form, d *purchaseData) apiCall {
		required(state(r).loc, f, "reason")
		return post(d, sub, map[string]any{"reason": f.Get("reason")})
	}
}

// required fails field when it is blank.
func required(l *locale, f *form, field string) {
	if strings.TrimSpace(f.Get(field)) == "" {
		f.Fail(field, l.T("err.required"))
	}
}

// choice is the positive number chosen in field, failing it otherwise.
func choice(l *locale, f *form, field string) int64 {
	n, err := strconv.ParseInt(f.Get(field), 10, 64)
	if err != nil || n < 1 {
		f.Fail(field, l.T("err.choose"))
		return 0
	}
	return n
}

var yuanRE = regexp.MustCompile(`^([0-9]{1,13})(?:\.([0-9]{1,2}))?$`)

// parseYuan turns an amount in yuan (at most two decimals; spaces,
// thousands separators and a leading ¥ allowed) exactly into fen.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(s)
	m := yuanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	y, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	frac := m[2]
	for len(frac) < 2 {
		frac += "0"
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	fen := y*100 + c
	return fen, fen > 0
}

// parseCount is a whole number from 0.
func parseCount(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= 0
}

// parseLocal reads a datetime-local value as Beijing time.
func parseLocal(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), rules.Shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// onDuty reports whether u is an active member of the purchase's group
// (panel, inspector or assessor).
func (d *purchaseData) onDuty(u *store.User, duty string) bool {
	if u == nil || u.Role != "evaluator" || d.P.Members == nil {
		return false
	}
	group := map[string][]store.Member{"panel": d.P.Members.Panel, "inspector": d.P.Members.Inspectors, "assessor": d.P.Members.Assessors}[duty]
	for _, m := range group {
		if m.UserID == u.ID && m.RecusedAt == nil {
			return true
		}
	}
	return false
}

func (d *purchaseData) hasBidOf(sid int64) bool {
	for _, b := range d.P.Bids {
		if b.SupplierID == sid && b.Round == d.P.Round {
			return true
		}
	}
	return false
}

func (d *purchaseData) awardedTo(sid int64) bool {
	for _, a := range d.P.Awards {
		if a.SupplierID == sid && a.Round == d.P.Round && a.Status == "notified" {
			return true
		}
	}
	return false
}

func (d *purchaseData) forfeited() bool {
	for _, a := range d.P.Awards {
		if a.Round == d.P.Round && a.Status == "forfeited" {
			return true
		}
	}
	return false
}

// roundBids are the current round's bids still in the running.
func (d *purchaseData) roundBids() []store.Bid {
	var out []store.Bid
	for _, b := range d.P.Bids {
		if b.Round == d.P.Round && b.Status != "withdrawn" && b.Status != "rejected" {
			out = append(out, b)
		}
	}
	return out
}

// lowBids are the abnormally low bids awaiting the panel's decision.
func (d *purchaseData) lowBids(l *locale) []option {
	var out []option
	for _, b := range d.roundBids() {
		if b.AbnormallyLow && b.LowPriceDecision == "" {
			o := option{Value: strconv.FormatInt(b.ID, 10), Label: b.SupplierName}
			if l != nil {
				o.Label = b.SupplierName + " · " + l.Money(b.PriceFen)
			}
			out = append(out, o)
		}
	}
	return out
}

// milestoneOptions are the milestones in one of the statuses.
func (d *purchaseData) milestoneOptions(statuses ...string) []option {
	var out []option
	for _, m := range d.P.Milestones {
		for _, s := range statuses {
			if m.Status == s {
				out = append(out, option{Value: strconv.Itoa(m.Seq), Label: fmt.Sprintf("%d. %s", m.Seq, m.Name)})
			}
		}
	}
	return out
}

// rectOptions are the rectifications still to be done.
func (d *purchaseData) rectOptions() []option {
	var out []option
	for _, x := range d.P.Rectifications {
		if x.Status == "open" || x.Status == "pending" {
			out = append(out, option{Value: strconv.Itoa(x.Seq), Label: fmt.Sprintf("#%d", x.Seq)})
		}
	}
	return out
}

// pendingInspections are the inspections awaiting their result, with
// whom they are assigned to (l nil: only counted).
func (d *purchaseData) pendingInspections(l *locale) []option {
	var out []option
	for _, in := range d.P.Inspections {
		if in.Passed != nil {
			continue
		}
		o := option{Value: strconv.Itoa(in.Seq), Label: fmt.Sprintf("#%d", in.Seq)}
		if l != nil && in.InspectorID != nil {
			o.Label = l.T("f.inspection_of", in.Seq, d.Names[*in.InspectorID])
		}
		out = append(out, o)
	}
	return out
}

// openChallenges are the challenges not yet answered.
func (d *purchaseData) openChallenges(l *locale) []option {
	var out []option
	for _, c := range d.P.Challenges {
		if c.AnsweredAt == nil {
			o := option{Value: strconv.Itoa(c.Seq), Label: fmt.Sprintf("#%d", c.Seq)}
			if l != nil {
				o.Label = l.T("purchase.challenge_no", c.Seq)
			}
			out = append(out, o)
		}
	}
	return out
}

// evaluatorOptions are the evaluators an officer may appoint.
func (ui *UI) evaluatorOptions(r *http.Request) []option {
	var us struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	out := []option{{Value: "", LabelKey: "f.choose"}}
	if err := ui.get(r, "/api/v1/users?role=evaluator", &us); err != nil {
		ui.log.WarnContext(r.Context(), "list evaluators", "err", err)
		return out
	}
	for _, u := range us.Items {
		out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	return out
}

// reportCall stores the uploaded evidence files and reports the milestone
// with their names and SHA-256.
func reportCall(r *http.Request, f *form, d *purchaseData) apiCall {
	l := state(r).loc
	ui := state(r).ui
	if ui == nil {
		f.Fail("", l.T("err.upload", ""))
		return apiCall{}
	}
	n := choice(l, f, "milestone")
	delivered, ok := parseCount(f.Get("delivered"))
	if !ok {
		f.Fail("delivered", l.T("err.count"))
	}
	people, ok := parseCount(f.Get("beneficiaries"))
	if !ok {
		f.Fail("beneficiaries", l.T("err.count"))
	}
	required(l, f, "summary")
	evidence := []map[string]string{}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["evidence"] {
			sum, err := ui.storeEvidence(d.P.ID, fh.Open)
			if err != nil {
				ui.log.ErrorContext(r.Context(), "store evidence", "file", fh.Filename, "err", err)
				f.Fail("evidence", l.T("err.upload", fh.Filename))
				continue
			}
			evidence = append(evidence, map[string]string{"name": filepath.Base(fh.Filename), "sha256": sum})
		}
	}
	return post(d, fmt.Sprintf("milestones/%d/reports", n), map[string]any{"deliveredQuantity": delivered,
		"beneficiaries": people, "summary": f.Get("summary"), "evidence": evidence})
}

// scoreRow is one bid in the panel's scoring table.
type scoreRow struct {
	// Bid is the bid scored.
	Bid store.Bid
	// Field is its score control.
	Field field
}

// ScoreRows pairs the round's bids with their score controls.
func (a actionForm) ScoreRows() []scoreRow {
	var out []scoreRow
	l := a.Page.L
	for _, b := range a.Data.roundBids() {
		name := fmt.Sprintf("score-%d", b.ID)
		for _, in := range a.Inputs {
			if in.Name == name {
				out = append(out, scoreRow{Bid: b, Field: inputOf(l, a.Form, in)})
			}
		}
	}
	return out
}

// measured lists the measured indicators of the open evaluation with the
// scores the system computed, for the assessor's form.
func (d *purchaseData) measured(l *locale) string {
	var parts []string
	for _, e := range d.P.Evaluations {
		if e.Status == "done" {
			continue
		}
		for _, ind := range d.Indicators {
			if ind.Method != "measured" {
				continue
			}
			score := l.T("measured.pending")
			for _, sc := range e.Scores {
				if sc.Indicator == ind.Code && sc.Scorer == "measured" {
					score = l.Points(sc.ScoreCenti)
				}
			}
			parts = append(parts, l.T("measured.item", l.Pick(ind.NameZH, ind.NameEN), score, ind.Weight))
		}
		break
	}
	if len(parts) == 0 {
		return ""
	}
	return l.T("measured.intro") + strings.Join(parts, l.T("list_sep"))
}
