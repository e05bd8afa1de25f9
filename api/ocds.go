package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"zhucan/ocds"
	"zhucan/store"
	"zhucan/valid"
)

// ocdsActions are the audit actions that become OCDS releases.
var ocdsActions = []string{"purchase.planned", "purchase.tendering", "tender.extended", "tender.amended", "bids.opened", "purchase.failed", "purchase.cancelled",
	"award.notified", "award.voided", "award.forfeited", "contract.signed", "milestone.accepted",
	"payment.milestone", "payment.retention", "contract.terminated", "contract.settled"}

func (s *Server) ocdsRoutes() {
	s.mux.HandleFunc("GET /api/v1/purchases/{id}/ocds", s.getOCDSRecord)
	s.mux.HandleFunc("GET /api/v1/ocds/releases", s.getOCDSReleases)
}

// ocdsSource assembles what OCDS publishes of purchase id: only public data.
func (s *Server) ocdsSource(ctx context.Context, id int64) (ocds.Source, error) {
	var src ocds.Source
	p, err := s.db.PurchaseByID(ctx, id)
	if err != nil {
		return src, err
	}
	src.Purchase = p
	if src.Budget, err = s.db.BudgetByID(ctx, p.BudgetID); err != nil {
		return src, err
	}
	if src.Events, err = s.db.VisibleAuditTrail(ctx, id, "public"); err != nil {
		return src, err
	}
	src.Suppliers = map[int64]store.Supplier{}
	bids, err := s.db.Bids(ctx, id)
	if err != nil {
		return src, err
	}
	ids := map[int64]bool{}
	for _, b := range bids {
		ids[b.SupplierID] = true
	}
	c, err := s.db.ContractOf(ctx, id)
	switch {
	case err == nil:
		src.Contract = &c
		ids[c.SupplierID] = true
		if src.Milestones, err = s.db.Milestones(ctx, c.ID); err != nil {
			return src, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return src, err
	}
	for sid := range ids {
		sp, err := s.db.SupplierByID(ctx, sid)
		if err != nil {
			return src, err
		}
		src.Suppliers[sid] = sp
	}
	return src, nil
}

func (s *Server) getOCDSRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	src, err := s.ocdsSource(ctx, id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, s.publisher.RecordPackage(src, time.Now()))
}

// getOCDSReleases is the bulk feed: release packages of every purchase's
// releases since a time, paginated by an opaque cursor (Link: rel="next").
func (s *Server) getOCDSReleases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var fe valid.Errors
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fe.Add("since", "since 须为 RFC 3339 时间", "since must be an RFC 3339 time")
		}
		since = t
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			fe.Add("limit", "limit 须在 1 到 1000 之间", "limit must be between 1 and 1000")
		}
		limit = n
	}
	var after int64
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseInt(string(b), 10, 64)
		if err != nil || err2 != nil || n < 0 {
			fe.Add("cursor", "无效的游标", "invalid cursor")
		}
		after = n
	}
	if len(fe) > 0 {
		s.invalid(w, r, fe)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	evs, err := s.db.AuditFeed(ctx, ocdsActions, since, after, limit)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	sources := map[int64]ocds.Source{}
	var rels []ocds.Release
	for _, e := range evs {
		pid := *e.PurchaseID
		src, ok := sources[pid]
		if !ok {
			if src, err = s.ocdsSource(ctx, pid); err != nil {
				s.internalError(w, r, err)
				return
			}
			sources[pid] = src
		}
		one := src
		one.Events = []store.AuditEntry{e}
		rels = append(rels, s.publisher.Releases(one)...)
	}
	uri := s.publisher.BaseURI + r.URL.RequestURI()
	if len(evs) == limit {
		next := q
		next.Set("cursor", base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(evs[len(evs)-1].ID, 10))))
		w.Header().Set("Link", fmt.Sprintf(`<%s/api/v1/ocds/releases?%s>; rel="next"`, s.publisher.BaseURI, next.Encode()))
	}
	s.writeJSON(w, http.StatusOK, s.publisher.ReleasePackage(uri, rels, time.Now()))
}
