package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"zhucan/catalog"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/workflows"
)

// MilestoneRequest is one planned milestone of a new purchase.
type MilestoneRequest struct {
	// Name names the milestone.
	Name string `json:"name" validate:"required,max=200"`
	// Due is its due date (RFC 3339).
	Due time.Time `json:"due" validate:"required"`
	// Quantity is its planned quantity.
	Quantity int64 `json:"quantity" validate:"min=0"`
	// PaymentPercent is its share of the contract.
	PaymentPercent int `json:"paymentPercent" validate:"min=0,max=100"`
}

// CreatePurchaseRequest is the body of POST /api/v1/purchases.
type CreatePurchaseRequest struct {
	// Title is the purchase's title.
	Title string `json:"title" validate:"required,max=200"`
	// CatalogCode is the catalogue item.
	CatalogCode string `json:"catalogCode" validate:"required,max=40"`
	// CatalogYear picks the catalogue year; default the newest holding the code.
	CatalogYear int `json:"catalogYear,omitempty" validate:"omitempty,min=2000,max=2100"`
	// BudgetID is the budget line the ceiling is reserved against.
	BudgetID int64 `json:"budgetId" validate:"required,min=1"`
	// Quantity is the quantity purchased, in the item's unit.
	Quantity int64 `json:"quantity" validate:"required,min=1"`
	// CeilingFen is the ceiling price (最高限价) in fen.
	CeilingFen int64 `json:"ceilingFen" validate:"required,min=1,max=100000000000000"`
	// Method is open_tender, competitive_consultation or single_source.
	Method string `json:"method" validate:"required,oneof=open_tender competitive_consultation single_source"`
	// BidDeadline closes the first round.
	BidDeadline time.Time `json:"bidDeadline" validate:"required"`
	// ServiceStart begins the service period.
	ServiceStart time.Time `json:"serviceStart" validate:"required"`
	// ServiceEnd ends it.
	ServiceEnd time.Time `json:"serviceEnd" validate:"required"`
	// PriceWeight is the price's share of the score (10–30).
	PriceWeight int `json:"priceWeight" validate:"required"`
	// Panel are the evaluators who score bids.
	Panel []int64 `json:"panel" validate:"required,min=1,dive,min=1"`
	// Inspectors are the evaluators who inspect delivery.
	Inspectors []int64 `json:"inspectors" validate:"required,min=1,dive,min=1"`
	// Assessors are the evaluators who score performance.
	Assessors []int64 `json:"assessors" validate:"required,min=1,dive,min=1"`
	// Milestones is the delivery and payment plan.
	Milestones []MilestoneRequest `json:"milestones" validate:"required,min=1,dive"`
	// MidTerm asks for a mid-term performance evaluation too.
	MidTerm bool `json:"midTerm,omitempty"`
}

// Created is the answer of a POST that created something.
type Created struct {
	// ID is the new resource's number.
	ID int64 `json:"id"`
	// Status is its status.
	Status string `json:"status"`
}

// item finds a catalogue item by code and optional year.
func (s *Server) item(ctx context.Context, code string, year int) (catalog.Item, error) {
	if year != 0 {
		return s.db.CatalogItem(ctx, year, code)
	}
	years, err := s.db.CatalogueYears(ctx)
	if err != nil {
		return catalog.Item{}, err
	}
	for _, y := range years {
		it, err := s.db.CatalogItem(ctx, y, code)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return it, err
		}
	}
	return catalog.Item{}, fmt.Errorf("catalogue item %s: %w", code, store.ErrNotFound)
}

// checkPeople refuses IDs that are not evaluators.
func (s *Server) checkPeople(ctx context.Context, fe *valid.Errors, field string, ids []int64) error {
	for i, id := range ids {
		u, err := s.db.UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			fe.Addf(fmt.Sprintf("%s[%d]", field, i), "用户 %d 不存在", "user %d does not exist", id)
			continue
		}
		if err != nil {
			return err
		}
		if u.Role != "evaluator" {
			fe.Addf(fmt.Sprintf("%s[%d]", field, i), "用户 %d 不是评审/监督人员", "user %d is not an evaluator", id)
		}
	}
	return nil
}

func (s *Server) createPurchase(w http.ResponseWriter, r *http.Request) {
	var req CreatePurchaseRequest
	if !s.decode(w, r, &req) {
		return
	}
	u := caller(r.Context())
	ctx, cancel := s.ctx(r)
	defer cancel()
	var fe valid.Errors
	it, err := s.item(ctx, req.CatalogCode, req.CatalogYear)
	if errors.Is(err, store.ErrNotFound) {
		fe.Add("catalogCode", "目录中没有该服务项目", "no such catalogue item")
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	b, err := s.db.BudgetByID(ctx, req.BudgetID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fe.Add("budgetId", "预算科目不存在", "no such budget line")
	case err != nil:
		s.internalError(w, r, err)
		return
	default:
		if it.Area != "" && b.Category != "general" && b.Category != it.Area {
			fe.Addf("budgetId", "该预算科目用于 %s，不能用于 %s 领域的服务", "the line funds %s, not the %s area", b.Category, it.Area)
		}
		if err := rules.CheckReservation(b.AvailableFen, req.CeilingFen); err != nil {
			fe = append(fe, refield("ceilingFen", err)...)
		}
	}
	for _, p := range []struct {
		field string
		ids   []int64
	}{{"panel", req.Panel}, {"inspectors", req.Inspectors}, {"assessors", req.Assessors}} {
		if err := s.checkPeople(ctx, &fe, p.field, p.ids); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	in := workflows.PurchaseInput{Revision: workflows.CurrentRevision, Title: req.Title, Item: it, BudgetID: req.BudgetID, Quantity: req.Quantity,
		CeilingFen: req.CeilingFen, Method: rules.Method(req.Method), BidDeadline: req.BidDeadline.UTC(),
		ServiceStart: req.ServiceStart.UTC(), ServiceEnd: req.ServiceEnd.UTC(), PriceWeight: req.PriceWeight,
		Panel: req.Panel, Inspectors: req.Inspectors, Assessors: req.Assessors, MidTerm: req.MidTerm,
		Officer: actorOf(u), Policy: s.policy}
	for _, m := range req.Milestones {
		in.Milestones = append(in.Milestones, workflows.MilestonePlan{Name: m.Name, Due: m.Due.UTC(), Quantity: m.Quantity, PaymentPercent: m.PaymentPercent})
	}
	in.PublishedAt = time.Now().UTC()
	if it.Code != "" {
		fe = append(fe, workflows.ValidateInput(in, in.PublishedAt)...)
	}
	if len(fe) > 0 {
		s.invalid(w, r, fe)
		return
	}
	id, err := s.purchaseNumber(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	in.PurchaseID = id
	status, err := s.startPurchase(ctx, in)
	if err != nil {
		s.workflowError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/purchases/%d", id))
	s.writeJSON(w, http.StatusCreated, Created{ID: id, Status: string(status)})
}

// purchaseNumber allocates the new purchase's number, or reuses the one a
// crashed first attempt with the same Idempotency-Key allocated.
func (s *Server) purchaseNumber(ctx context.Context) (int64, error) {
	u, key := caller(ctx), idempotencyKey(ctx)
	if key != "" {
		res, err := s.db.IdempotentResource(ctx, u.ID, key)
		if err != nil {
			return 0, err
		}
		if res != "" {
			return strconv.ParseInt(res, 10, 64)
		}
	}
	id, err := s.db.NextPurchaseID(ctx)
	if err != nil {
		return 0, err
	}
	if key != "" {
		if err := s.db.NoteIdempotentResource(ctx, u.ID, key, strconv.FormatInt(id, 10)); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// startPurchase starts the workflow and waits until the purchase is
// recorded with its ceiling reserved, or refused (update-with-start).
func (s *Server) startPurchase(ctx context.Context, in workflows.PurchaseInput) (workflows.Status, error) {
	id := workflows.WorkflowID(in.PurchaseID)
	op := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: s.taskQueue, TypedSearchAttributes: workflows.StartSearchAttributes(in),
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.PurchaseWorkflow, in)
	upd := client.UpdateWorkflowOptions{WorkflowID: id, UpdateID: id + "-opened", UpdateName: workflows.UpdateOpened,
		WaitForStage: client.WorkflowUpdateStageCompleted}
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: upd})
	var st workflows.Status
	if err == nil {
		err = h.Get(ctx, &st)
	}
	// With many purchases starting at once the SDK may deliver the Update
	// in the workflow's first task before its handlers are registered
	// ("unknown update … KnownUpdates=[]"); the workflow is running by then,
	// and a rejected Update leaves no trace, so ask again.
	for try := 0; err != nil && strings.Contains(err.Error(), "KnownUpdates=[]") && try < 20; try++ {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if h, err = s.temporal.UpdateWorkflow(ctx, upd); err == nil {
			err = h.Get(ctx, &st)
		}
	}
	if err != nil {
		return "", err
	}
	return st, nil
}

// PurchaseList is a page of purchases.
type PurchaseList struct {
	// Items are the purchases, newest first.
	Items []store.Purchase `json:"items"`
	// NextCursor fetches the next page; absent on the last.
	NextCursor string `json:"nextCursor,omitempty"`
}

// purchaseFilter reads the purchase filters shared by the list and the
// exports: status, category, method, supplierId and q.
func purchaseFilter(q url.Values) (store.PurchaseFilter, valid.Errors) {
	f := store.PurchaseFilter{Status: q.Get("status"), Category: q.Get("category"), Method: q.Get("method"), Query: q.Get("q")}
	var fe valid.Errors
	if v := q.Get("supplierId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			fe.Add("supplierId", "supplierId 须为正整数", "supplierId must be a positive integer")
		}
		f.SupplierID = n
	}
	if f.Status != "" && !knownStatus(f.Status) {
		fe.Add("status", "未知的状态", "unknown status")
	}
	if f.Method != "" && !rules.Method(f.Method).Valid() {
		fe.Add("method", "未知的采购方式", "unknown method")
	}
	return f, fe
}

func (s *Server) listPurchases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, fe := purchaseFilter(q)
	f.Limit = 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fe.Add("limit", "limit 须在 1 到 100 之间", "limit must be between 1 and 100")
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseInt(string(b), 10, 64)
		if err != nil || err2 != nil || n < 1 {
			fe.Add("cursor", "无效的游标", "invalid cursor")
		}
		f.Before = n
	}
	if len(fe) > 0 {
		s.invalid(w, r, fe)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	items, err := s.db.ListPurchases(ctx, f)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	out := PurchaseList{Items: items}
	if out.Items == nil {
		out.Items = []store.Purchase{}
	}
	if len(items) == f.Limit {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(items[len(items)-1].ID, 10)))
	}
	s.writeJSON(w, http.StatusOK, out)
}

func knownStatus(s string) bool {
	switch workflows.Status(s) {
	case workflows.StatusTendering, workflows.StatusEvaluating, workflows.StatusChallengePeriod, workflows.StatusContracting,
		workflows.StatusDelivering, workflows.StatusAssessing, workflows.StatusSettled, workflows.StatusFailed,
		workflows.StatusCancelled, workflows.StatusTerminated:
		return true
	}
	return false
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if _, err := s.db.PurchaseByID(ctx, id); err != nil {
		s.storeError(w, r, err)
		return
	}
	u := caller(r.Context())
	evs, err := s.db.VisibleAuditTrail(ctx, id, auditRef(u))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if evs == nil {
		evs = []store.AuditEntry{}
	}
	privileged := hasRole(u, "officer", "admin")
	if !privileged && u != nil {
		members, err := s.db.Members(ctx, id)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		for _, m := range members {
			privileged = privileged || (m.UserID == u.ID && m.RecusedAt == nil)
		}
	}
	if !privileged {
		redactTrail(evs, auditRef(u))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"items": evs})
}

// confidentialActions carry who evaluates and how each scored, or why
// someone challenged: their details stay with the purchaser and the
// evaluators.
var confidentialActions = map[string]bool{"purchase.planned": true, "scores.submitted": true, "panel.recused": true,
	"panel.appointed": true, "panel.removed": true, "challenge.filed": true, "bid.low_price_decided": true,
	"evaluation.overdue": true, "evaluation.scored": true, "inspection.recorded": true, "reinspection.due": true, "inspection.due": true}

// redactTrail hides, for the public and the organisations, who did what
// (except their own entries) and the details of confidential entries.
func redactTrail(evs []store.AuditEntry, self string) {
	for i := range evs {
		if evs[i].Actor != self && evs[i].Actor != "system" {
			evs[i].Actor = ""
		}
		if confidentialActions[evs[i].Action] && evs[i].Actor != self {
			evs[i].Detail = json.RawMessage(`{}`)
		}
	}
}
