package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/workflows"
)

func (s *Server) actionRoutes() {
	p := "/api/v1/purchases/{id}/"
	for path, h := range map[string]http.HandlerFunc{
		"POST " + p + "bids":                       s.roles(withBody(s, s.submitBid), "supplier"),
		"DELETE " + p + "bids/mine":                s.roles(s.withdrawBid, "supplier"),
		"POST " + p + "bids/{bid}/low-price":       s.roles(withBody(s, s.lowPrice), "evaluator"),
		"POST " + p + "scores":                     s.roles(withBody(s, s.submitScores), "evaluator"),
		"POST " + p + "recusal":                    s.roles(s.reasoned(workflows.UpdateRecuse, recuseArgs), "evaluator"),
		"POST " + p + "panel":                      s.roles(withBody(s, s.appoint), "officer"),
		"POST " + p + "challenges":                 s.roles(s.reasoned(workflows.UpdateChallenge, challengeArgs), "supplier"),
		"POST " + p + "challenges/{cid}/answer":    s.roles(withBody(s, s.answer), "officer"),
		"POST " + p + "signatures":                 s.roles(withBody(s, s.sign), "officer", "supplier"),
		"POST " + p + "award-next":                 s.roles(s.reasoned(workflows.UpdateAwardNext, reasonArgs), "officer"),
		"POST " + p + "retender":                   s.roles(withBody(s, s.retender), "officer"),
		"POST " + p + "cancel":                     s.roles(s.reasoned(workflows.UpdateCancel, reasonArgs), "officer"),
		"POST " + p + "extend":                     s.roles(withBody(s, s.extend), "officer"),
		"POST " + p + "terminate":                  s.roles(s.reasoned(workflows.UpdateTerminate, reasonArgs), "officer"),
		"POST " + p + "milestones/{seq}/reports":   s.roles(withBody(s, s.report), "supplier"),
		"POST " + p + "milestones/{seq}/review":    s.roles(withBody(s, s.review), "officer"),
		"POST " + p + "inspections":                s.roles(withBody(s, s.inspect), "evaluator"),
		"POST " + p + "inspections/{seq}/reassign": s.roles(withBody(s, s.reassign), "officer"),
		"POST " + p + "rectifications/{rid}/done":  s.roles(withBody(s, s.rectified), "supplier"),
		"POST " + p + "evaluations":                s.roles(withBody(s, s.evaluate), "evaluator"),
	} {
		s.mux.HandleFunc(path, h)
	}
}

// withBody is the prologue of every action with a request body: the
// purchase number from the path and the body decoded into a Req (both
// refused with a problem when bad), then h.
func withBody[Req any](s *Server, h func(w http.ResponseWriter, r *http.Request, pid int64, req *Req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pid, ok := s.pathID(w, r, "id")
		if !ok {
			return
		}
		var req Req
		if !s.decode(w, r, &req) {
			return
		}
		h(w, r, pid, &req)
	}
}

// ActionResult is the answer to an action on a purchase.
type ActionResult struct {
	// Result is what the workflow answered (a round, a status, a number).
	Result any `json:"result"`
	// Status is the purchase's status afterwards.
	Status string `json:"status"`
}

// update sends an Update to purchase pid and answers with its result. A
// retried request with the same Idempotency-Key reuses the Update ID, so
// Temporal returns the first result instead of acting twice.
func (s *Server) update(w http.ResponseWriter, r *http.Request, pid int64, name string, args any) {
	s.updateOr(w, r, pid, name, args, nil)
}

// updateOr is update with done, which answers a retry whose Update the
// workflow's current run does not know: the first attempt's Update moved
// the purchase into its next run (continue-as-new), where Temporal no
// longer finds that Update ID. done reports the first attempt's result
// when the records show it took effect.
func (s *Server) updateOr(w http.ResponseWriter, r *http.Request, pid int64, name string, args any,
	done func(ctx context.Context) (any, bool, error)) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	opts := client.UpdateWorkflowOptions{WorkflowID: workflows.WorkflowID(pid), UpdateName: name, Args: []any{args},
		WaitForStage: client.WorkflowUpdateStageCompleted}
	if key := idempotencyKey(r.Context()); key != "" {
		opts.UpdateID = IdempotentUpdateID(caller(r.Context()).ID, key)
	}
	var raw json.RawMessage
	var result any
	var status workflows.Status
	err := sendUpdate(ctx, s.temporal, opts, &raw)
	if err == nil {
		result, status = decodeAnswer(raw)
	}
	if err != nil && opts.UpdateID != "" && done != nil && unknownUpdate(err) {
		prev, ok, derr := done(ctx)
		if derr != nil {
			s.internalError(w, r, derr)
			return
		}
		if ok {
			result, err = prev, nil
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			// The SDK's timeout error does not wrap the context's: a
			// timeout is a 504 to retry, not a failure.
			err = errors.Join(ctx.Err(), err)
		}
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			// No workflow: a purchase number that was never given is a
			// 404 (a purchase whose workflow has ended, a 409 below). The
			// records are read only now, not before every action.
			if _, perr := s.db.PurchaseByID(ctx, pid); errors.Is(perr, store.ErrNotFound) {
				s.storeError(w, r, perr)
				return
			}
		}
		s.workflowError(w, r, err)
		return
	}
	if status == "" {
		// An answer without the status (a worker of an earlier build, a
		// run that has written none yet, a retry answered from the
		// records): PostgreSQL has it.
		p, err := s.db.PurchaseByID(ctx, pid)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		status = workflows.Status(p.Status)
	}
	s.writeJSON(w, http.StatusOK, ActionResult{Result: result, Status: string(status)})
}

// decodeAnswer reads an action's Update answer: a workflows.Answer, the
// handler's result with the status PostgreSQL holds after the action, or
// the bare result that workers of earlier builds answered (no status).
func decodeAnswer(raw json.RawMessage) (any, workflows.Status) {
	var a struct {
		Result json.RawMessage   `json:"answer"`
		Status *workflows.Status `json:"purchaseStatus"`
	}
	var result any
	if len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &a) == nil && a.Result != nil && a.Status != nil {
		_ = json.Unmarshal(a.Result, &result)
		return result, *a.Status
	}
	_ = json.Unmarshal(raw, &result)
	return result, ""
}

// IdempotentUpdateID is the ID of the workflow Update that user userID's
// request with Idempotency-Key key sends: a retry with the key sends the
// same Update, which Temporal runs once.
func IdempotentUpdateID(userID int64, key string) string {
	return fmt.Sprintf("idem-%d-%s", userID, key)
}

// sendUpdate sends an Update and waits for its result into result. An
// Update the engine aborted before the workflow took it (WorkflowNotReady:
// the workflow task that carried it failed in the engine, or the run was
// not ready) changed nothing, and is sent again, twice at most.
func sendUpdate(ctx context.Context, c client.Client, opts client.UpdateWorkflowOptions, result any) error {
	for attempt := 1; ; attempt++ {
		h, err := c.UpdateWorkflow(ctx, opts)
		if err == nil {
			err = h.Get(ctx, result)
		}
		var notReady *serviceerror.WorkflowNotReady
		if !errors.As(err, &notReady) || attempt == 3 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// workflowError answers a refusal or failure from Temporal: the workflow's
// own reasons are 403, 409 or 422, never a 500.
func (s *Server) workflowError(w http.ResponseWriter, r *http.Request, err error) {
	if ref, ok := workflows.AsRefusal(err); ok {
		status := map[string]int{workflows.CodeForbidden: http.StatusForbidden, workflows.CodeState: http.StatusConflict,
			workflows.CodeInvalid: http.StatusUnprocessableEntity}[ref.Code]
		if status == 0 {
			status = http.StatusUnprocessableEntity
		}
		var fe valid.Errors
		if ref.Field != "" {
			fe.Add(ref.Field, ref.ZH, ref.EN)
		}
		detail := ref.ZH
		if english(r) {
			detail = ref.EN
		}
		s.problem(w, r, status, "操作被拒绝", "Refused", detail, fe)
		return
	}
	var nf *serviceerror.NotFound
	var done *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &nf):
		s.problem(w, r, http.StatusConflict, "该采购已结束", "This purchase is closed", "", nil)
	case errors.As(err, &done):
		s.problem(w, r, http.StatusConflict, "该采购已存在", "This purchase already exists", "", nil)
	case errors.Is(err, context.DeadlineExceeded) && idempotencyKey(r.Context()) != "":
		s.problem(w, r, http.StatusGatewayTimeout, "处理超时，请用同一幂等键重试", "Timed out; retry with the same Idempotency-Key", "", nil)
	case errors.Is(err, context.DeadlineExceeded):
		s.problem(w, r, http.StatusGatewayTimeout, "处理超时：操作可能已经生效，请先查看项目再决定是否重试", "Timed out: the action may have taken effect; look at the purchase before trying again", "", nil)
	case unknownUpdate(err):
		s.log.WarnContext(r.Context(), "update not possible at this stage", "err", err)
		s.problem(w, r, http.StatusConflict, "当前阶段不能进行此操作", "Not possible at this stage of the purchase", "", nil)
	default:
		s.internalError(w, r, err)
	}
}

// unknownUpdate reports whether Temporal refused an Update because the
// workflow's current run has no such handler or has ended.
func unknownUpdate(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unknown update") || strings.Contains(msg, "not registered") ||
		strings.Contains(msg, "completed before the Update") || strings.Contains(msg, "already completed")
}

// BidRequest is a bid.
type BidRequest struct {
	// PriceFen is the price for the whole purchase, in fen.
	PriceFen int64 `json:"priceFen" validate:"required,min=1"`
	// Proposal is the technical proposal.
	Proposal string `json:"proposal" validate:"required,max=20000"`
}

func (s *Server) submitBid(w http.ResponseWriter, r *http.Request, pid int64, req *BidRequest) {
	u := caller(r.Context())
	ctx, cancel := s.ctx(r)
	defer cancel()
	sp, err := s.callerOrg(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.update(w, r, pid, workflows.UpdateBid, workflows.BidArgs{Actor: actorOf(u),
		Supplier: workflows.Supplier{ID: sp.ID, Name: sp.Name, Qualifications: sp.Qualifications, Dishonest: sp.Dishonest},
		PriceFen: req.PriceFen, Proposal: req.Proposal})
}

func (s *Server) withdrawBid(w http.ResponseWriter, r *http.Request) {
	if pid, ok := s.pathID(w, r, "id"); ok {
		s.update(w, r, pid, workflows.UpdateWithdrawBid, workflows.WithdrawArgs{Actor: actorOf(caller(r.Context()))})
	}
}

// Score is a technical score as JSON: a number with at most two decimals.
type Score string

// UnmarshalJSON accepts a JSON number with at most two decimals.
func (p *Score) UnmarshalJSON(b []byte) error {
	if _, err := rules.ParsePoints(string(b)); err != nil || strings.HasPrefix(string(b), `"`) {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[float64]()}
	}
	*p = Score(b)
	return nil
}

func (p Score) points() rules.Points {
	pts, _ := rules.ParsePoints(string(p))
	return pts
}

// BidScoreRequest is one bid's technical score.
type BidScoreRequest struct {
	// BidID is the bid.
	BidID int64 `json:"bidId" validate:"required,min=1"`
	// Technical is the score from 0 to 100 − price weight.
	Technical Score `json:"technical" validate:"required"`
}

// ScoresRequest are a panel member's scores.
type ScoresRequest struct {
	// Scores has one entry per valid bid.
	Scores []BidScoreRequest `json:"scores" validate:"required,min=1,dive"`
}

func (s *Server) submitScores(w http.ResponseWriter, r *http.Request, pid int64, req *ScoresRequest) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	ids := make([]int64, len(req.Scores))
	for i, sc := range req.Scores {
		ids[i] = sc.BidID
	}
	bidders, err := s.db.CurrentBidSuppliers(ctx, pid, ids)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	args := workflows.ScoreArgs{Actor: actorOf(caller(r.Context()))}
	var fe valid.Errors
	for i, sc := range req.Scores {
		sid, ok := bidders[sc.BidID]
		if !ok {
			fe.Add(fmt.Sprintf("scores[%d].bidId", i), "不是本轮的投标", "not a bid of the current round")
			continue
		}
		args.Scores = append(args.Scores, workflows.TechnicalScore{SupplierID: sid, Technical: sc.Technical.points()})
	}
	if len(fe) > 0 {
		s.invalid(w, r, fe)
		return
	}
	s.update(w, r, pid, workflows.UpdateScore, args)
}

// ReasonRequest carries a reason.
type ReasonRequest struct {
	// Reason explains the action.
	Reason string `json:"reason" validate:"required,max=2000"`
}

func recuseArgs(a workflows.Actor, why string) any {
	return workflows.RecuseArgs{Actor: a, Reason: why}
}
func challengeArgs(a workflows.Actor, why string) any {
	return workflows.ChallengeArgs{Actor: a, Reason: why}
}
func reasonArgs(a workflows.Actor, why string) any {
	return workflows.ReasonArgs{Actor: a, Reason: why}
}

// reasoned is a handler of an Update that needs only the caller and a reason.
func (s *Server) reasoned(name string, mk func(workflows.Actor, string) any) http.HandlerFunc {
	return withBody(s, func(w http.ResponseWriter, r *http.Request, pid int64, req *ReasonRequest) {
		s.update(w, r, pid, name, mk(actorOf(caller(r.Context())), req.Reason))
	})
}

// AppointRequest appoints a panel member.
type AppointRequest struct {
	// UserID is the evaluator appointed.
	UserID int64 `json:"userId" validate:"required,min=1"`
	// Replaces removes that member (who has not scored).
	Replaces int64 `json:"replaces,omitempty" validate:"omitempty,min=1"`
	// Reason explains a replacement.
	Reason string `json:"reason,omitempty" validate:"max=2000"`
}

func (s *Server) appoint(w http.ResponseWriter, r *http.Request, pid int64, req *AppointRequest) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	var fe valid.Errors
	if err := s.checkPeople(ctx, &fe, "userId", []int64{req.UserID}); err != nil {
		s.internalError(w, r, err)
		return
	}
	if len(fe) > 0 {
		s.invalid(w, r, fieldErr("userId", fe[0].Message, fe[0].MessageEN))
		return
	}
	s.update(w, r, pid, workflows.UpdateAppoint, workflows.AppointArgs{Actor: actorOf(caller(r.Context())),
		UserID: req.UserID, Replaces: req.Replaces, Reason: req.Reason})
}

// LowPriceRequest is the panel's decision on an abnormally low bid.
type LowPriceRequest struct {
	// Accept keeps the bid; false rejects it.
	Accept bool `json:"accept"`
	// Reason is required either way.
	Reason string `json:"reason" validate:"required,max=2000"`
}

func (s *Server) lowPrice(w http.ResponseWriter, r *http.Request, pid int64, req *LowPriceRequest) {
	bid, ok := s.pathID(w, r, "bid")
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	bidders, err := s.db.CurrentBidSuppliers(ctx, pid, []int64{bid})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	sid, ok := bidders[bid]
	if !ok {
		s.storeError(w, r, fmt.Errorf("bid %d of the current round: %w", bid, store.ErrNotFound))
		return
	}
	s.update(w, r, pid, workflows.UpdateLowPrice, workflows.LowPriceArgs{Actor: actorOf(caller(r.Context())),
		SupplierID: sid, Accept: req.Accept, Reason: req.Reason})
}

// AnswerRequest answers a challenge.
type AnswerRequest struct {
	// Upheld says whether the challenge is upheld.
	Upheld bool `json:"upheld"`
	// Action is rescore or retender for an upheld challenge.
	Action string `json:"action,omitempty" validate:"omitempty,oneof=rescore retender"`
	// Response is the written answer.
	Response string `json:"response" validate:"required,max=5000"`
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, pid int64, req *AnswerRequest) {
	cid, ok := s.pathID(w, r, "cid")
	if !ok {
		return
	}
	s.update(w, r, pid, workflows.UpdateAnswer, workflows.AnswerArgs{Actor: actorOf(caller(r.Context())), Seq: int(cid),
		Upheld: req.Upheld, Action: req.Action, Response: req.Response})
}

// SignRequest signs the contract; it has no fields.
type SignRequest struct{}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, pid int64, req *SignRequest) {
	u := caller(r.Context())
	// The second signature continues the workflow as delivery: a retry of
	// either signature then finds the caller's own signature among the
	// signed contract's two, and the answer it had: the purchase's status
	// just after it (still contracting after the first).
	s.updateOr(w, r, pid, workflows.UpdateSign, workflows.SignArgs{Actor: actorOf(u)}, func(ctx context.Context) (any, bool, error) {
		c, err := s.db.ContractOf(ctx, pid)
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		signers, err := s.db.LastSignatures(ctx, pid)
		if err != nil {
			return nil, false, err
		}
		me := fmt.Sprintf("user:%d", u.ID)
		if u.Role == "supplier" && (u.SupplierID == nil || *u.SupplierID != c.SupplierID) {
			return nil, false, nil
		}
		for i, a := range signers {
			if a == me {
				if i == len(signers)-1 {
					return string(workflows.StatusDelivering), true, nil
				}
				return string(workflows.StatusContracting), true, nil
			}
		}
		return nil, false, nil
	})
}

// RetenderRequest opens a new round.
type RetenderRequest struct {
	// BidDeadline closes the new round.
	BidDeadline time.Time `json:"bidDeadline" validate:"required"`
	// Method switches the procurement method.
	Method string `json:"method,omitempty" validate:"omitempty,oneof=open_tender competitive_consultation single_source"`
	// ApprovalRef is the finance bureau's approval of a method switch.
	ApprovalRef string `json:"approvalRef,omitempty" validate:"max=200"`
	// ApprovalDate is the date of that approval.
	ApprovalDate *time.Time `json:"approvalDate,omitempty"`
}

func (s *Server) retender(w http.ResponseWriter, r *http.Request, pid int64, req *RetenderRequest) {
	args := workflows.RetenderArgs{Actor: actorOf(caller(r.Context())), BidDeadline: req.BidDeadline.UTC(),
		Method: rules.Method(req.Method), ApprovalRef: req.ApprovalRef}
	if req.ApprovalDate != nil {
		args.ApprovalDate = req.ApprovalDate.UTC()
	}
	s.update(w, r, pid, workflows.UpdateRetender, args)
}

// ExtendRequest moves the bid deadline of the open round later.
type ExtendRequest struct {
	// BidDeadline is the new deadline (RFC 3339), later than the current one.
	BidDeadline time.Time `json:"bidDeadline" validate:"required"`
	// Reason is published with the new deadline.
	Reason string `json:"reason" validate:"required,max=2000"`
	// Amendment is a clarification or change of the documents that may
	// affect bids, published with the extension.
	Amendment string `json:"amendment,omitempty" validate:"max=20000"`
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request, pid int64, req *ExtendRequest) {
	s.update(w, r, pid, workflows.UpdateExtend, workflows.ExtendArgs{Actor: actorOf(caller(r.Context())),
		BidDeadline: req.BidDeadline.UTC(), Reason: req.Reason, Amendment: req.Amendment})
}

// ReassignRequest gives a pending inspection to another inspector.
type ReassignRequest struct {
	// InspectorID is the inspector who takes it, one of the purchase's.
	InspectorID int64 `json:"inspectorId" validate:"required,min=1"`
	// Reason says why (leave, a conflict of interest).
	Reason string `json:"reason" validate:"required,max=2000"`
}

func (s *Server) reassign(w http.ResponseWriter, r *http.Request, pid int64, req *ReassignRequest) {
	seq, ok := s.seq(w, r, "seq")
	if !ok {
		return
	}
	s.update(w, r, pid, workflows.UpdateReassignInspection, workflows.ReassignArgs{Actor: actorOf(caller(r.Context())), Seq: seq,
		InspectorID: req.InspectorID, Reason: req.Reason})
}

// EvidenceRequest is a file supporting a report.
type EvidenceRequest struct {
	// Name is the file name.
	Name string `json:"name" validate:"required,max=255"`
	// SHA256 is the file's hex SHA-256.
	SHA256 string `json:"sha256" validate:"required,len=64,hexadecimal"`
}

// ReportRequest reports a milestone's delivery.
type ReportRequest struct {
	// DeliveredQuantity is the quantity delivered.
	DeliveredQuantity int64 `json:"deliveredQuantity" validate:"min=0"`
	// Beneficiaries is the number of people served.
	Beneficiaries int64 `json:"beneficiaries" validate:"min=0"`
	// Summary describes the delivery.
	Summary string `json:"summary" validate:"required,max=10000"`
	// Evidence lists supporting files.
	Evidence []EvidenceRequest `json:"evidence" validate:"max=100,dive"`
}

func (s *Server) seq(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(r.PathValue(name))
	if err != nil || n < 1 {
		s.problem(w, r, http.StatusNotFound, "找不到", "Not found", name+" must be a positive integer", nil)
		return 0, false
	}
	return n, true
}

func (s *Server) report(w http.ResponseWriter, r *http.Request, pid int64, req *ReportRequest) {
	seq, ok := s.seq(w, r, "seq")
	if !ok {
		return
	}
	args := workflows.ReportArgs{Actor: actorOf(caller(r.Context())), Seq: seq, Delivered: req.DeliveredQuantity,
		Beneficiaries: req.Beneficiaries, Summary: req.Summary, Evidence: []workflows.Evidence{}}
	for _, e := range req.Evidence {
		args.Evidence = append(args.Evidence, workflows.Evidence{Name: e.Name, SHA256: strings.ToLower(e.SHA256)})
	}
	s.update(w, r, pid, workflows.UpdateReport, args)
}

// ReviewRequest reviews a milestone's report.
type ReviewRequest struct {
	// Accepted accepts it; false returns it.
	Accepted bool `json:"accepted"`
	// AcceptedQuantity defaults to the quantity reported.
	AcceptedQuantity *int64 `json:"acceptedQuantity,omitempty" validate:"omitempty,min=0"`
	// Reason is required to return a report.
	Reason string `json:"reason,omitempty" validate:"max=5000"`
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, pid int64, req *ReviewRequest) {
	seq, ok := s.seq(w, r, "seq")
	if !ok {
		return
	}
	args := workflows.ReviewArgs{Actor: actorOf(caller(r.Context())), Seq: seq, Accepted: req.Accepted, Reason: req.Reason}
	if req.AcceptedQuantity != nil {
		args.AcceptedQty = *req.AcceptedQuantity
	} else {
		// The quantity reported: the workflow knows it.
		args.AcceptDelivered = req.Accepted
	}
	s.update(w, r, pid, workflows.UpdateReview, args)
}

// InspectionRequest records an inspection.
type InspectionRequest struct {
	// Passed is the result.
	Passed bool `json:"passed"`
	// Findings describes what was found (required when failed).
	Findings string `json:"findings" validate:"max=10000"`
	// Surveyed is the number of beneficiaries surveyed.
	Surveyed int `json:"surveyed" validate:"min=0,max=100000"`
	// Satisfied is the number of them satisfied.
	Satisfied int `json:"satisfied" validate:"min=0,ltefield=Surveyed"`
}

func (s *Server) inspect(w http.ResponseWriter, r *http.Request, pid int64, req *InspectionRequest) {
	s.update(w, r, pid, workflows.UpdateInspect, workflows.InspectArgs{Actor: actorOf(caller(r.Context())), Passed: req.Passed,
		Findings: req.Findings, Surveyed: req.Surveyed, Satisfied: req.Satisfied})
}

// RectifiedRequest reports a rectification done.
type RectifiedRequest struct {
	// Summary says what was fixed.
	Summary string `json:"summary" validate:"required,max=10000"`
}

func (s *Server) rectified(w http.ResponseWriter, r *http.Request, pid int64, req *RectifiedRequest) {
	rid, ok := s.seq(w, r, "rid")
	if !ok {
		return
	}
	s.update(w, r, pid, workflows.UpdateRectified, workflows.RectifiedArgs{Actor: actorOf(caller(r.Context())), Seq: rid, Summary: req.Summary})
}

// IndicatorScoreRequest scores one indicator.
type IndicatorScoreRequest struct {
	// Indicator is the indicator's code.
	Indicator string `json:"indicator" validate:"required,max=60"`
	// Score is from 0 to the indicator's weight.
	Score Score `json:"score" validate:"required"`
}

// EvaluationRequest is an assessor's evaluation.
type EvaluationRequest struct {
	// Scores has one entry per scored indicator.
	Scores []IndicatorScoreRequest `json:"scores" validate:"required,min=1,dive"`
	// Comment is the assessor's comment.
	Comment string `json:"comment" validate:"max=10000"`
}

func (s *Server) evaluate(w http.ResponseWriter, r *http.Request, pid int64, req *EvaluationRequest) {
	args := workflows.EvaluateArgs{Actor: actorOf(caller(r.Context())), Comment: req.Comment}
	for _, sc := range req.Scores {
		args.Scores = append(args.Scores, workflows.IndicatorScore{Indicator: sc.Indicator, Score: sc.Score.points()})
	}
	s.update(w, r, pid, workflows.UpdateEvaluate, args)
}
