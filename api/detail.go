package api

import (
	"context"
	"net/http"

	"zhucan/store"
	"zhucan/workflows"
)

// Members are a purchase's evaluators by duty.
type Members struct {
	// Panel scores bids.
	Panel []store.Member `json:"panel"`
	// Inspectors inspect delivery.
	Inspectors []store.Member `json:"inspectors"`
	// Assessors score performance.
	Assessors []store.Member `json:"assessors"`
}

// PurchaseDetail is everything about a purchase the caller may see.
type PurchaseDetail struct {
	store.Purchase
	// Members are the evaluators, shown to officers and to the members themselves.
	Members *Members `json:"members,omitempty"`
	// Bids are the opened bids (sealed ones never appear).
	Bids []store.Bid `json:"bids"`
	// MyBid is the caller's own bid in the current round, sealed or not.
	MyBid *workflows.BidView `json:"myBid,omitempty"`
	// Awards are the award notices.
	Awards []store.Award `json:"awards"`
	// Challenges are the challenges and their answers.
	Challenges []store.Challenge `json:"challenges"`
	// Contract is the signed contract.
	Contract *store.Contract `json:"contract,omitempty"`
	// Milestones are the contract's milestones with their reports.
	Milestones []store.Milestone `json:"milestones"`
	// Inspections are the quality inspections.
	Inspections []store.Inspection `json:"inspections"`
	// Rectifications are the rectifications.
	Rectifications []store.Rectification `json:"rectifications"`
	// Evaluations are the performance evaluations with grades.
	Evaluations []store.Evaluation `json:"evaluations"`
	// Payments are the payments made.
	Payments []store.Payment `json:"payments"`
	// PaidFen is what has been paid.
	PaidFen int64 `json:"paidFen"`
	// Live is the tender phase's state from the workflow (deadlines, what
	// blocks the award), as the caller may see it.
	Live *workflows.View `json:"live,omitempty"`
}

func (s *Server) getPurchase(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	u := caller(r.Context())
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		// A revalidation: the page version alone says whether the page
		// the client has is the page it would get.
		v, err := s.db.PurchaseVersion(ctx, id)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if tag := s.pageETag(id, v, u); etagMatches(inm, tag, v.AuditHead > 0) {
			setPageCaching(w, tag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	d, tag, err := s.detail(ctx, id, u)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if tag != "" {
		setPageCaching(w, tag)
	}
	s.writeJSON(w, http.StatusOK, d)
}

// tenderPhase reports whether the purchase's workflow is still in its tender run.
func tenderPhase(status string) bool {
	switch workflows.Status(status) {
	case workflows.StatusTendering, workflows.StatusEvaluating, workflows.StatusChallengePeriod,
		workflows.StatusContracting, workflows.StatusFailed:
		return true
	}
	return false
}

// detail is purchase id as u may see it, with the page's entity tag; the
// tag is empty when the page is not whole (the workflow did not answer
// its status Query) and must not be kept.
func (s *Server) detail(ctx context.Context, id int64, u *store.User) (PurchaseDetail, string, error) {
	rec, err := s.db.PurchaseRecordByID(ctx, id)
	if err != nil {
		return PurchaseDetail{}, "", err
	}
	tag := s.pageETag(id, rec.Version, u)
	p := rec.Purchase
	d := PurchaseDetail{Purchase: p, Bids: []store.Bid{}, Awards: rec.Awards, Challenges: rec.Challenges, Contract: rec.Contract,
		Milestones: nonNil(rec.Milestones), Inspections: nonNil(rec.Inspections), Rectifications: nonNil(rec.Rectifications),
		Evaluations: nonNil(rec.Evaluations), Payments: nonNil(rec.Payments)}
	members := rec.Members
	onPanel, member := false, false
	ms := &Members{Panel: []store.Member{}, Inspectors: []store.Member{}, Assessors: []store.Member{}}
	for _, m := range members {
		if u != nil && m.UserID == u.ID && m.RecusedAt == nil {
			member = true
			onPanel = onPanel || m.Duty == "panel"
		}
		switch m.Duty {
		case "panel":
			ms.Panel = append(ms.Panel, m)
		case "inspector":
			ms.Inspectors = append(ms.Inspectors, m)
		case "assessor":
			ms.Assessors = append(ms.Assessors, m)
		}
	}
	officer := hasRole(u, "officer", "admin")
	if officer || member {
		d.Members = ms
	}
	d.Awards, d.Challenges = nonNil(d.Awards), nonNil(d.Challenges)
	awarded := map[int]bool{}
	for _, a := range d.Awards {
		awarded[a.Round] = true
	}
	for _, b := range rec.Bids {
		own := u != nil && u.Role == "supplier" && u.SupplierID != nil && *u.SupplierID == b.SupplierID
		if !(officer || onPanel || own) {
			// Prices are read out at opening; proposals stay with the
			// purchaser and the panel; scores are published with the award.
			b.Proposal = ""
			if !awarded[b.Round] {
				b.TechnicalCenti, b.PriceScoreCenti, b.TotalCenti, b.Rank = nil, nil, nil, nil
			}
			b.LowPriceDecision, b.ScoredBy = "", nil
		}
		d.Bids = append(d.Bids, b)
	}
	// Challenges name their challenger: shown to officers and the challenger.
	for i := range d.Challenges {
		c := &d.Challenges[i]
		own := u != nil && u.SupplierID != nil && *u.SupplierID == c.SupplierID
		if !officer && !own {
			c.Reason = ""
		}
	}
	// A signed contract ends the tender run, even in the moment before the
	// delivery run records that delivery began (RevisionDeliveryOpens).
	if tenderPhase(p.Status) && rec.Contract == nil {
		if v, err := s.tenderView(ctx, rec, u, officer || member); err == nil {
			d.Live = &v
			d.MyBid = v.MyBid
		} else {
			s.log.WarnContext(ctx, "query purchase workflow", "purchase", id, "err", err)
			tag = ""
		}
	}
	for _, pm := range d.Payments {
		d.PaidFen += pm.AmountFen
	}
	return d, tag, nil
}

// nonNil is xs, or an empty slice for none: JSON shows [] rather than null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// tenderView is the tender workflow's view of purchase rec for u, with
// what u may not see taken out (insider: an officer or a member of the
// purchase). An answer kept at the record's audit head serves again
// (liveCache).
func (s *Server) tenderView(ctx context.Context, rec store.PurchaseRecord, u *store.User, insider bool) (workflows.View, error) {
	id, viewer := rec.Purchase.ID, actorOf(u)
	if v, ok := s.live.get(id, viewer, rec.Version.AuditHead); ok {
		return v, nil
	}
	v, err := s.liveView(ctx, id, u)
	if err != nil {
		return v, err
	}
	if !insider {
		// Who sits on the panel, how each scored and why others
		// challenged stay with the purchaser and the panel.
		v.Panel, v.Blocked = nil, ""
		for i := range v.Bids {
			v.Bids[i].ScoredBy, v.Bids[i].LowPriceReason = nil, ""
		}
		for i := range v.Challenges {
			if u == nil || u.SupplierID == nil || *u.SupplierID != v.Challenges[i].SupplierID {
				v.Challenges[i].Reason = ""
			}
		}
	}
	s.live.put(id, viewer, rec.Version.AuditHead, v)
	return v, nil
}

// liveView queries the tender workflow as the caller.
func (s *Server) liveView(ctx context.Context, id int64, u *store.User) (workflows.View, error) {
	var v workflows.View
	val, err := s.temporal.QueryWorkflow(ctx, workflows.WorkflowID(id), "", workflows.QueryStatus, actorOf(u))
	if err != nil {
		return v, err
	}
	err = val.Get(&v)
	return v, err
}
