package workflows

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"zhucan/activities"
	"zhucan/catalog"
	"zhucan/event"
)

// system is the actor of what the workflow does by itself (deadlines).
var system = Actor{Name: "system"}

// actorRef renders an actor for the audit trail.
func actorRef(a Actor) string {
	if a.UserID == 0 {
		return "system"
	}
	return "user:" + strconv.FormatInt(a.UserID, 10)
}

// journal is how a workflow records events: it queues them, and the
// workflow's main loop writes them in order (flush). Both phases of a
// purchase embed it and continue the same sequence.
type journal struct {
	// PurchaseID is the purchase whose events these are.
	PurchaseID int64 `json:"purchaseId"`
	// Seq is the number of the last event queued.
	Seq int `json:"seq"`
	// Written is the number of the last event in PostgreSQL.
	Written int `json:"written"`
	// Refused says why the purchase itself was refused, if it was.
	Refused string `json:"refused,omitempty"`
	// Revision is the revision of workflow behaviour the purchase runs.
	Revision Revision `json:"revision,omitempty"`
	// WrittenStatus is the purchase's status as PostgreSQL holds it after
	// the last write; empty until a write of this purchase's runs carried
	// one. Updates answer with it (Answer).
	WrittenStatus Status `json:"writtenStatus,omitempty"`

	wfID   string
	outbox []event.Event
	armed  *armedTimer // the deadline timer wait keeps (see arm)
}

// emit queues an event for writing and returns its sequence number. Only
// the main loop writes (flush), so writes are ordered and batched; update
// handlers wait for their event to be written before answering, which
// gives callers read-your-writes on the PostgreSQL read model.
func (p *journal) emit(ctx workflow.Context, action string, by Actor, e event.Event) int {
	p.Seq++
	e.Key = fmt.Sprintf("%s/%d", p.wfID, p.Seq)
	e.Action = action
	e.At = workflow.Now(ctx).UTC()
	e.Actor = actorRef(by)
	p.outbox = append(p.outbox, e)
	return p.Seq
}

// written waits until the event numbered seq is in PostgreSQL. When the
// purchase itself was refused (no budget) the event never will be.
func (p *journal) written(ctx workflow.Context, seq int) error {
	if err := workflow.Await(ctx, func() bool { return p.Written >= seq || p.Refused != "" }); err != nil {
		return err
	}
	if p.Written < seq {
		return refuse(CodeState, "", "采购未能成立：%s", "the purchase was refused: %s", p.Refused)
	}
	return nil
}

// flush writes queued events, including those queued while it writes.
func (p *journal) flush(ctx workflow.Context) error {
	for len(p.outbox) > 0 {
		if err := p.writeQueued(ctx); err != nil {
			return err
		}
	}
	return nil
}

// writeQueued writes the events queued now with a local activity: a short
// PostgreSQL transaction, which the engine runs without a round trip per
// write. Events queued while it writes wait for the next write.
func (p *journal) writeQueued(ctx workflow.Context) error {
	batch := p.outbox
	p.outbox = nil
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		// Each attempt is a short transaction; retries go on while
		// PostgreSQL is away (a restart, a failover) rather than fail
		// the purchase.
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        200 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        30 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrTypeBudgetRefused, activities.ErrTypeUnknownBudget},
		},
	})
	args := activities.RecordArgs{PurchaseID: p.PurchaseID, WorkflowID: p.wfID, Events: batch}
	if err := workflow.ExecuteLocalActivity(lctx, activities.RecordName, args).Get(ctx, nil); err != nil {
		return err
	}
	p.Written = p.Seq - len(p.outbox)
	for _, e := range batch {
		if e.Planned != nil {
			p.WrittenStatus = StatusTendering // the store records a new purchase as tendering
		}
		if e.Status != nil {
			p.WrittenStatus = Status(e.Status.Status)
		}
	}
	return nil
}

// wait blocks until cond holds or the deadline passes (a zero deadline
// never passes), writing events as they are queued. It reports whether
// cond held. The deadline is a durable timer: it survives worker restarts.
//
// When an Update makes cond hold, its event is not written on its own:
// wait returns at once, the caller takes the step that follows (an award
// after the last score, the settlement after the final evaluation) and
// the next wait writes both in one transaction. The Update's answer
// leaves with the workflow task, so the person who completed a step waits
// for one write instead of two or three. The deadline's timer is kept
// from one wait to the next while the deadline stays the same (a bid, a
// report does not move it), instead of being cancelled and started again
// on every Update.
func (p *journal) wait(ctx workflow.Context, deadline time.Time, cond func() bool) (bool, error) {
	if !p.batchesSteps() {
		return p.waitUnbatched(ctx, deadline, cond)
	}
	fired := p.arm(ctx, deadline)
	for {
		if cond() {
			return true, nil
		}
		if fired() {
			return false, nil
		}
		if len(p.outbox) > 0 {
			// Updates taken while the events are written may complete
			// the step: cond is asked again before the next write.
			if err := p.writeQueued(ctx); err != nil {
				return false, err
			}
			continue
		}
		if err := workflow.Await(ctx, func() bool { return len(p.outbox) > 0 || cond() || fired() }); err != nil {
			return false, err
		}
	}
}

// armedTimer is the durable timer of the deadline the main loop waits for.
type armedTimer struct {
	at     time.Time
	fired  bool
	cancel workflow.CancelFunc
}

// arm returns whether deadline has passed, as a function: a zero deadline
// never passes, a past one has, and a future one is a timer, the one
// already armed when it is for the same moment. A timer for another
// moment is cancelled.
func (p *journal) arm(ctx workflow.Context, deadline time.Time) func() bool {
	now := workflow.Now(ctx)
	if deadline.IsZero() || !deadline.After(now) {
		p.disarm()
		past := !deadline.IsZero()
		return func() bool { return past }
	}
	if p.armed == nil || !p.armed.at.Equal(deadline) {
		p.disarm()
		tctx, cancel := workflow.WithCancel(ctx)
		t := &armedTimer{at: deadline, cancel: cancel}
		f := workflow.NewTimer(tctx, deadline.Sub(now))
		workflow.Go(tctx, func(gctx workflow.Context) {
			if f.Get(gctx, nil) == nil {
				t.fired = true
			}
		})
		p.armed = t
	}
	t := p.armed
	return func() bool { return t.fired }
}

// disarm cancels the armed timer, if one is pending.
func (p *journal) disarm() {
	if p.armed != nil && !p.armed.fired {
		p.armed.cancel()
	}
	p.armed = nil
}

// waitUnbatched is wait as runs recorded before batchesSteps wrote it:
// every event written as soon as it is queued, a timer per wait.
func (p *journal) waitUnbatched(ctx workflow.Context, deadline time.Time, cond func() bool) (bool, error) {
	fired := false
	if !deadline.IsZero() {
		if d := deadline.Sub(workflow.Now(ctx)); d <= 0 {
			fired = true
		} else {
			tctx, cancel := workflow.WithCancel(ctx)
			defer cancel()
			t := workflow.NewTimer(tctx, d)
			workflow.Go(tctx, func(gctx workflow.Context) {
				if t.Get(gctx, nil) == nil {
					fired = true
				}
			})
		}
	}
	for {
		if err := p.flush(ctx); err != nil {
			return false, err
		}
		if cond() {
			return true, nil
		}
		if fired {
			return false, nil
		}
		if err := workflow.Await(ctx, func() bool { return len(p.outbox) > 0 || cond() || fired }); err != nil {
			return false, err
		}
	}
}

// batchesSteps reports whether this purchase writes a step's events
// together with the Update that completed it and keeps its deadline's
// timer across waits (see wait). Purchases started before that replay as
// they ran.
func (p *journal) batchesSteps() bool { return p.Revision >= RevisionBatchedSteps }

// setStatus moves the purchase to s and records it; upsertSearch keeps
// the search attributes (for older revisions, the status among them).
func (p *purchase) setStatus(ctx workflow.Context, s Status, note string) int {
	p.Status = s
	seq := p.emit(ctx, "purchase."+string(s), system, event.Event{Note: note, Status: &event.Status{
		Status: string(s), Round: p.Round, Method: string(p.Method), BidDeadline: p.BidDeadline}})
	p.upsertSearch(ctx)
	return seq
}

var (
	saMethod = temporal.NewSearchAttributeKeyKeyword(SAMethod)
	saStatus = temporal.NewSearchAttributeKeyKeyword(SAStatus)
	saArea   = temporal.NewSearchAttributeKeyKeyword(SAArea)
)

// upsertSearch keeps the purchase's search attributes. Purchases that
// batch their steps (batchesSteps) write only what differs from the attributes
// the run has: the API sets method and area when it starts the workflow,
// delivery inherits them, so a command (and a visibility write in the
// engine, a quarter of an action's latency under load) is spent only on a
// re-tender that changes the method. The status is the purchase's Query
// and PostgreSQL's read model, not a search attribute, for these runs.
func (p *purchase) upsertSearch(ctx workflow.Context) {
	// Search attributes are a convenience of the Temporal web UI; failing
	// to set them must not stop a purchase.
	if !p.batchesSteps() {
		_ = workflow.UpsertTypedSearchAttributes(ctx,
			saMethod.ValueSet(string(p.Method)), saStatus.ValueSet(string(p.Status)), saArea.ValueSet(p.In.Item.Area))
		return
	}
	var set []temporal.SearchAttributeUpdate
	have := workflow.GetTypedSearchAttributes(ctx)
	for _, a := range []struct {
		key  temporal.SearchAttributeKeyKeyword
		want string
	}{{saMethod, string(p.Method)}, {saArea, p.In.Item.Area}} {
		if v, ok := have.GetKeyword(a.key); !ok || v != a.want {
			set = append(set, a.key.ValueSet(a.want))
		}
	}
	if len(set) > 0 {
		_ = workflow.UpsertTypedSearchAttributes(ctx, set...)
	}
}

func indicatorsJSON(ind []catalog.Indicator) json.RawMessage {
	b, err := json.Marshal(ind)
	if err != nil {
		return json.RawMessage(`[]`)
	}
	return b
}

// update is an Update handler with its validator.
type update struct {
	name      string
	handler   any
	validator any
}

// Answer is what an action's Update answers: the handler's result and the
// purchase's status as PostgreSQL holds it once the action is written
// (empty when this run has not written a status yet). The API gives both
// to the caller without reading the status back.
type Answer struct {
	// Result is the handler's result.
	Result any `json:"answer"`
	// Status is the purchase's status in PostgreSQL after the action.
	Status Status `json:"purchaseStatus"`
}

// register installs the status Query and the Updates of one phase, each
// answering an Answer with the status written. A validator only reads
// state; an Update it refuses leaves no trace in the workflow's history.
func register(ctx workflow.Context, query any, updates []update, written func() Status) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, query); err != nil {
		return fmt.Errorf("register query %s: %w", QueryStatus, err)
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, answering(u.handler, written),
			workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

// answering wraps handler, a func(workflow.Context, args...) (T, error),
// into one with the same arguments that answers an Answer: T and the
// status written once the handler has returned. Handlers return after
// their event is written, so the status is at least as new as the action.
func answering(handler any, written func() Status) any {
	v := reflect.ValueOf(handler)
	t := v.Type()
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	errType := reflect.TypeFor[error]()
	ft := reflect.FuncOf(in, []reflect.Type{reflect.TypeFor[Answer](), errType}, false)
	return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		out := v.Call(args)
		a := Answer{Status: written()}
		if len(out) == 2 {
			a.Result = out[0].Interface()
		}
		errV := out[len(out)-1]
		if errV.IsNil() {
			errV = reflect.Zero(errType)
		}
		return []reflect.Value{reflect.ValueOf(a), errV}
	}).Interface()
}
