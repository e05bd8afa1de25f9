package faults

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"zhucan/api"
	"zhucan/internal/testenv"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/workflows"
)

// ceilingFen is every test purchase's ceiling; each has a budget line of
// exactly this amount, so that a second reservation cannot hide.
const ceilingFen = 1_000_000

// answer is an HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// firstAttempt is how a request sent to the API that gets killed ended.
type firstAttempt struct {
	answer answer
	err    error
}

// call is one idempotent POST: sent once, possibly cut off by a SIGKILL of
// the API, and retried with the same Idempotency-Key until it is answered.
type call struct {
	name   string
	path   string
	token  string
	userID int64
	key    string
	body   []byte
	other  []byte // the same key with another body: refused
	create bool

	title  string // a create's unique title
	budget int64  // a create's budget line
	bidOn  int64  // a bid's purchase

	moment string // where the first attempt was when the API died

	// What the first attempt left behind, read before the kill.
	resource string // the purchase number a create allocated
	updateID string // the Update that carries the request in Temporal

	first chan firstAttempt
	// sent is the answer the first attempt received before the kill,
	// when it was answered before its answer was stored.
	sent *answer

	final      answer
	inProgress int // "in progress" answers before the final one
	answeredIn time.Duration
}

// restart is the fixture of TestAPIRestartRetryGetsTheOneTrueAnswer.
type restart struct {
	t   *testing.T
	w   *world
	tc  client.Client
	url string
	hc  *http.Client
	day time.Duration
}

// TestAPIRestartRetryGetsTheOneTrueAnswer kills (SIGKILL) the API process
// while eight idempotent POSTs are in flight, each stopped at another
// moment — before its key was claimed; claimed but before Temporal; on its
// way to Temporal; in Temporal but unanswered; answered by Temporal and
// sent to the caller, but not stored — starts a new API on the same
// address and retries every request with its Idempotency-Key. Every retry
// gets the one true answer (the purchase number the first attempt
// allocated, the bid receipt Temporal recorded; for a request answered
// before the kill, that answer) and never a 5xx; claims of the dead process
// are answered "in progress" until they expire (30 s) and are then taken
// over; PostgreSQL holds each effect once; the same key with another body
// is refused. Every purchase has a budget line of exactly its ceiling, so
// a retry judged anew against the first attempt's reservation shows.
func TestAPIRestartRetryGetsTheOneTrueAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 30 s for the claims of a killed API to expire")
	}
	ctx := context.Background()
	bin := buildZhucan(t)
	dsn := testenv.NewDatabaseURL(t)
	w := newWorld(t, dsn, 4)
	tc := testenv.Temporal(t)
	queue := fmt.Sprintf("faults-api-%d", time.Now().UnixNano())
	startWorker(t, bin, dsn, queue)
	g := newGate(t, testenv.TemporalAddress(t))
	env := apiEnv{bin: bin, dsn: dsn, temporal: g.addr(), queue: queue, addr: freeAddr(t), day: 10 * time.Second}
	r := &restart{t: t, w: w, tc: tc, url: "http://" + env.addr, day: env.day,
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	officer := r.token(w.officer.UserID)
	officer2 := r.user("officer2", "officer")
	var reps []string
	for _, rep := range w.reps {
		reps = append(reps, r.token(rep.UserID))
	}
	api1 := startAPI(t, env, "zhucan-api-1")

	// Two requests that complete: the purchase everyone bids on, and a bid.
	refCreate := r.createCall("ref-create", w.officer.UserID, officer)
	refCreate.final = r.mustSend(ctx, refCreate, http.StatusCreated)
	var ref api.Created
	if err := json.Unmarshal(refCreate.final.body, &ref); err != nil {
		t.Fatal(err)
	}
	refCreate.resource = strconv.FormatInt(ref.ID, 10)
	refCreate.updateID = workflows.WorkflowID(ref.ID) + "-opened"
	refBid := r.bidCall("ref-bid", reps[0], 0, ref.ID)
	refBid.final = r.mustSend(ctx, refBid, http.StatusOK)

	// Eight requests, each stopped at its own moment in the first API.
	var (
		createAnswered = r.createCall("create-answered-unstored", w.officer.UserID, officer)
		bidAnswered    = r.bidCall("bid-answered-unstored", reps[1], 1, ref.ID)
		createInFlight = r.createCall("create-in-temporal", w.officer.UserID, officer)
		bidInFlight    = r.bidCall("bid-in-temporal", reps[2], 2, ref.ID)
		createAtGate   = r.createCall("create-on-its-way", w.officer.UserID, officer)
		bidAtGate      = r.bidCall("bid-on-its-way", reps[3], 3, ref.ID)
		createClaimed  = r.createCall("create-claimed", w.officer.UserID, officer)
		createUnseen   = r.createCall("create-unclaimed", officer2, r.token(officer2))
		killed         = []*call{createAnswered, bidAnswered, createInFlight, bidInFlight, createAtGate, bidAtGate, createClaimed, createUnseen}
	)
	const firstAPI = "zhucan-api-1"

	// Each request is stopped at its moment by what it waits for: a lock
	// the test holds in PostgreSQL, or the gate in front of Temporal. The
	// order matters: a moment set up later must not stop an earlier one.

	// In Temporal, not completed: the new workflow cannot write the
	// purchase while the test holds its budget line.
	createInFlight.moment = "in Temporal, not completed"
	line := r.hold(ctx, `SELECT 1 FROM budget_lines WHERE id = $1 FOR UPDATE`, createInFlight.budget)
	r.launch(createInFlight)
	r.awaitClaim(ctx, createInFlight, true)
	r.awaitStage(ctx, createInFlight)
	// Answered by Temporal and sent, the answer not stored: the events are
	// written, the caller gets its answer (the API sends it before it
	// stores it), then the API waits to store it. The API gives up storing
	// after 5 s, so the kill must follow within that.
	var rows []*holder
	var storing time.Time
	for _, c := range []*call{createAnswered, bidAnswered} {
		c.moment = "answered by Temporal and sent, not stored"
		audit := r.hold(ctx, `LOCK TABLE audit_log IN SHARE MODE`)
		r.launch(c)
		r.awaitClaim(ctx, c, c.create)
		row := r.hold(ctx, `SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = $2 FOR UPDATE`, c.userID, c.key)
		rows = append(rows, row)
		audit.release()
		r.awaitBlocked(ctx, row, firstAPI, c.name+": the first API waits to store its answer")
		if storing.IsZero() {
			storing = time.Now()
		}
		select {
		case a := <-c.first:
			if a.err != nil || a.answer.status >= 300 {
				t.Fatalf("%s: the caller got %d %s (%v) while its answer was being stored", c.name, a.answer.status, a.answer.body, a.err)
			}
			c.sent = &a.answer
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: the caller has no answer while the API stores it", c.name)
		}
		if st := r.stage(ctx, c); st != enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED {
			t.Fatalf("%s: Update %s is %v in Temporal, want completed", c.name, c.updateID, st)
		}
	}
	// In Temporal, not completed: the bid's event cannot be written.
	bidInFlight.moment = "in Temporal, not completed"
	audit := r.hold(ctx, `LOCK TABLE audit_log IN SHARE MODE`)
	r.launch(bidInFlight)
	r.awaitClaim(ctx, bidInFlight, false)
	r.awaitStage(ctx, bidInFlight)
	// On its way: the request left the API, and the gate holds it.
	g.hold()
	for _, c := range []*call{createAtGate, bidAtGate} {
		c.moment = "sent to Temporal, held on the way"
		n := g.heldChunks()
		r.launch(c)
		r.awaitClaim(ctx, c, c.create)
		waitUntil(ctx, t, 20*time.Second, c.name+": the API sends to Temporal", func(context.Context) (bool, error) {
			return g.heldChunks() > n, nil
		})
	}
	// Claimed, before Temporal: the API waits for the catalogue.
	createClaimed.moment = "claimed, reading the catalogue"
	catalogue := r.hold(ctx, `LOCK TABLE catalog_areas IN ACCESS EXCLUSIVE MODE`)
	r.launch(createClaimed)
	r.awaitBlocked(ctx, catalogue, firstAPI, "create-claimed reads the catalogue")
	r.awaitClaim(ctx, createClaimed, false)
	if createClaimed.resource != "" {
		t.Fatalf("create-claimed allocated purchase %s before reading the catalogue", createClaimed.resource)
	}
	// Not claimed: the API waits to authenticate the caller.
	createUnseen.moment = "authenticating, not claimed"
	tokenHash := sha256.Sum256([]byte(createUnseen.token))
	auth := r.hold(ctx, `SELECT 1 FROM api_tokens WHERE token_hash = $1 FOR UPDATE`, tokenHash[:])
	r.launch(createUnseen)
	r.awaitBlocked(ctx, auth, firstAPI, "create-unclaimed authenticates")

	for _, c := range killed {
		if c.sent != nil {
			continue // answered before its answer was stored
		}
		select {
		case a := <-c.first:
			t.Fatalf("%s ended before the kill, %v after the first API began storing an answer (it gives up after 5 s): %d %s %v",
				c.name, time.Since(storing), a.answer.status, a.answer.body, a.err)
		default:
		}
	}
	api1.kill()
	killedAt := time.Now()
	t.Logf("killed the first API %v after it began storing an answer", killedAt.Sub(storing).Round(time.Millisecond))
	// What the dead API sent and Temporal did not get is lost with it; its
	// PostgreSQL sessions end (the server would notice in time).
	g.cut()
	r.endSessions(ctx, firstAPI)
	for _, h := range append(rows, line, auth, catalogue, audit) {
		h.release()
	}
	for _, c := range killed {
		if c.sent != nil {
			continue
		}
		select {
		case a := <-c.first:
			if a.err == nil {
				t.Fatalf("%s was answered by a killed API: %d %s", c.name, a.answer.status, a.answer.body)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the client did not notice the kill", c.name)
		}
	}
	// The requests held on their way never reached Temporal, and the one
	// stopped before authentication left no claim.
	for _, c := range []*call{createAtGate, bidAtGate} {
		if st := r.stage(ctx, c); st != enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED {
			t.Fatalf("%s: Update %s reached Temporal (%v) through a closed gate", c.name, c.updateID, st)
		}
	}
	var unseen int
	if err := w.db.X.GetContext(ctx, &unseen, `SELECT count(*) FROM idempotency_keys WHERE key = $1`, createUnseen.key); err != nil || unseen != 0 {
		t.Fatalf("create-unclaimed left %d claims (%v)", unseen, err)
	}

	startAPI(t, env, "zhucan-api-2")
	// A claim of the dead API is still fresh: another body under its key
	// is refused at once.
	if a := r.send(ctx, createClaimed, createClaimed.other); a.status != http.StatusUnprocessableEntity {
		t.Fatalf("create-claimed with another body while its claim is fresh: %d %s", a.status, a.body)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(killed))
	for i, c := range killed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.retry(ctx, c, killedAt, killedAt.Add(50*time.Second))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, c := range killed {
		t.Logf("%-25s %-52s answered %d after %d in-progress answers, %v after the kill",
			c.name, c.moment, c.final.status, c.inProgress, c.answeredIn.Round(time.Millisecond))
	}
	for _, c := range []*call{createAnswered, bidAnswered} {
		if c.final.status != c.sent.status || !bytes.Equal(c.final.body, c.sent.body) {
			t.Errorf("%s: the retry got %d %s, the first attempt was answered %d %s", c.name, c.final.status, c.final.body, c.sent.status, c.sent.body)
		}
	}
	if createUnseen.inProgress != 0 {
		t.Errorf("create-unclaimed: %d in-progress answers, though no claim was left", createUnseen.inProgress)
	}

	all := append([]*call{refCreate, refBid}, killed...)
	for _, c := range all {
		r.checkAnswer(ctx, c, ref)
	}
	r.checkRows(ctx, all, ref.ID)
}

// user adds an account.
func (r *restart) user(name, role string) int64 {
	r.t.Helper()
	u, err := r.w.db.CreateUser(context.Background(), valid.New(), store.User{Name: name, Role: role})
	if err != nil {
		r.t.Fatal(err)
	}
	return u.ID
}

// token gives a user an API token.
func (r *restart) token(userID int64) string {
	r.t.Helper()
	tok := fmt.Sprintf("faults-api-token-%d-%d", userID, time.Now().UnixNano())
	if err := r.w.db.AddToken(context.Background(), userID, tok, "faults"); err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// createCall is a POST /api/v1/purchases with a budget line of its own.
func (r *restart) createCall(name string, userID int64, token string) *call {
	r.t.Helper()
	w := r.w
	b, err := w.db.CreateBudget(context.Background(), valid.New(),
		store.Budget{Name: "line " + name, FiscalYear: 2026, Category: "general", AmountFen: ceilingFen})
	if err != nil {
		r.t.Fatal(err)
	}
	title := "采购 " + name
	c := &call{name: name, path: "/api/v1/purchases", token: token, userID: userID, key: "key-" + name,
		create: true, title: title, budget: b.ID}
	c.body = r.purchaseBody(title, b.ID)
	c.other = r.purchaseBody(title+" (another)", b.ID)
	return c
}

// bidCall is organisation i's bid on purchase pid.
func (r *restart) bidCall(name, token string, i int, pid int64) *call {
	price := 900_000 - int64(i)*1_000
	c := &call{name: name, path: fmt.Sprintf("/api/v1/purchases/%d/bids", pid), token: token, userID: r.w.reps[i].UserID,
		key: "key-" + name, bidOn: pid}
	c.body = mustJSON(r.t, map[string]any{"priceFen": price, "proposal": "康复训练方案"})
	c.other = mustJSON(r.t, map[string]any{"priceFen": price - 1, "proposal": "康复训练方案"})
	c.updateID = fmt.Sprintf("idem-%d-%s", c.userID, c.key)
	return c
}

// purchaseBody is a sandbox open tender whose bids close 25 days away.
func (r *restart) purchaseBody(title string, budget int64) []byte {
	w, day, now := r.w, r.day, time.Now()
	start := now.Add(40 * day)
	end := start.Add(60 * day)
	var panel []int64
	for _, p := range w.panel {
		panel = append(panel, p.UserID)
	}
	return mustJSON(r.t, map[string]any{
		"title": title, "catalogCode": w.item.Code, "budgetId": budget, "quantity": 10, "ceilingFen": ceilingFen,
		"method": "open_tender", "bidDeadline": now.Add(25 * day).Format(time.RFC3339Nano),
		"serviceStart": start.Format(time.RFC3339Nano), "serviceEnd": end.Format(time.RFC3339Nano), "priceWeight": 30,
		"panel": panel, "inspectors": []int64{w.inspector.UserID}, "assessors": []int64{w.assessor.UserID},
		"milestones": []map[string]any{
			{"name": "一期", "due": start.Add(30 * day).Format(time.RFC3339Nano), "quantity": 5, "paymentPercent": 50},
			{"name": "二期", "due": end.Format(time.RFC3339Nano), "quantity": 5, "paymentPercent": 50},
		},
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends c's request with body through hc.
func (r *restart) post(ctx context.Context, hc *http.Client, c *call, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+c.path, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("%s: %w", c.name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", c.key)
	req.Header.Set("Accept-Language", "en")
	resp, err := hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s: %w", c.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s: read answer: %w", c.name, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// send sends c's request with body and fails the test when it is not answered.
func (r *restart) send(ctx context.Context, c *call, body []byte) answer {
	r.t.Helper()
	a, err := r.post(ctx, r.hc, c, body)
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

// mustSend sends c's request and fails the test unless it answers want.
func (r *restart) mustSend(ctx context.Context, c *call, want int) answer {
	r.t.Helper()
	a := r.send(ctx, c, c.body)
	if a.status != want {
		r.t.Fatalf("%s: %d %s, want %d", c.name, a.status, a.body, want)
	}
	return a
}

// launch sends c's first attempt in the background.
func (r *restart) launch(c *call) {
	c.first = make(chan firstAttempt, 1)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	go func() {
		a, err := r.post(context.Background(), hc, c, c.body)
		c.first <- firstAttempt{answer: a, err: err}
	}()
}

// awaitClaim waits until c's key is claimed and, when numbered, until the
// purchase number is allocated, too.
func (r *restart) awaitClaim(ctx context.Context, c *call, numbered bool) {
	r.t.Helper()
	waitUntil(ctx, r.t, 20*time.Second, c.name+" is claimed", func(ctx context.Context) (bool, error) {
		var res sql.NullString
		err := r.w.db.X.GetContext(ctx, &res, `SELECT resource FROM idempotency_keys WHERE user_id = $1 AND key = $2`, c.userID, c.key)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if res.Valid {
			c.resource = res.String
			id, err := strconv.ParseInt(res.String, 10, 64)
			if err != nil {
				return false, err
			}
			c.updateID = workflows.WorkflowID(id) + "-opened"
		}
		return !numbered || c.resource != "", nil
	})
}

// workflowID is the workflow c acts on ("" before a create has a number).
func (c *call) workflowID() string {
	if c.bidOn != 0 {
		return workflows.WorkflowID(c.bidOn)
	}
	id, err := strconv.ParseInt(c.resource, 10, 64)
	if err != nil {
		return ""
	}
	return workflows.WorkflowID(id)
}

// stage is how far Temporal has got with c's Update (unspecified: unknown).
func (r *restart) stage(ctx context.Context, c *call) enumspb.UpdateWorkflowExecutionLifecycleStage {
	r.t.Helper()
	if c.updateID == "" {
		return enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := r.tc.WorkflowService().PollWorkflowExecutionUpdate(ctx, &workflowservice.PollWorkflowExecutionUpdateRequest{
		Namespace: "default", Identity: "faults",
		UpdateRef: &updatepb.UpdateRef{WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: c.workflowID()}, UpdateId: c.updateID},
	})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED
	}
	if err != nil {
		r.t.Fatalf("%s: poll Update %s: %v", c.name, c.updateID, err)
	}
	return resp.GetStage()
}

// awaitStage waits until Temporal has c's Update and checks that it has
// not completed.
func (r *restart) awaitStage(ctx context.Context, c *call) {
	r.t.Helper()
	waitUntil(ctx, r.t, 20*time.Second, c.name+": Temporal has the Update", func(ctx context.Context) (bool, error) {
		return r.stage(ctx, c) != enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED, nil
	})
	if st := r.stage(ctx, c); st == enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED {
		r.t.Fatalf("%s: Update %s completed although its events cannot be written", c.name, c.updateID)
	}
}

// holder is a transaction of the test's holding PostgreSQL locks.
type holder struct {
	tx  *sqlx.Tx
	pid int
}

// hold opens a transaction and runs q in it.
func (r *restart) hold(ctx context.Context, q string, args ...any) *holder {
	r.t.Helper()
	tx, err := r.w.db.X.BeginTxx(ctx, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	h := &holder{tx: tx}
	r.t.Cleanup(h.release)
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
		r.t.Fatal(err)
	}
	if err := tx.GetContext(ctx, &h.pid, `SELECT pg_backend_pid()`); err != nil {
		r.t.Fatal(err)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
	if strings.HasPrefix(q, "SELECT") {
		if n, _ := res.RowsAffected(); n != 1 {
			r.t.Fatalf("%s locked %d rows, want 1", q, n)
		}
	}
	return h
}

// release ends the transaction and its locks.
func (h *holder) release() { _ = h.tx.Rollback() }

// awaitBlocked waits until a session of the API named app waits for a
// lock that h holds.
func (r *restart) awaitBlocked(ctx context.Context, h *holder, app, what string) {
	r.t.Helper()
	waitUntil(ctx, r.t, 20*time.Second, what, func(ctx context.Context) (bool, error) {
		var n int
		err := r.w.db.X.GetContext(ctx, &n, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = $1 AND $2 = ANY(pg_blocking_pids(pid))`, app, h.pid)
		return n > 0, err
	})
}

// endSessions terminates the PostgreSQL sessions of a killed API.
func (r *restart) endSessions(ctx context.Context, app string) {
	r.t.Helper()
	waitUntil(ctx, r.t, 20*time.Second, "the sessions of "+app+" end", func(ctx context.Context) (bool, error) {
		var n int
		err := r.w.db.X.GetContext(ctx, &n, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app)
		return n == 0, err
	})
}

// retry sends c again until it is answered: an "in progress" answer (409
// with Retry-After) is waited out as a client would; a 5xx, or no answer
// by deadline, is an error.
func (r *restart) retry(ctx context.Context, c *call, since, deadline time.Time) error {
	for {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still unanswered %v after the kill, %d in-progress answers", c.name, time.Since(since), c.inProgress)
		}
		a, err := r.post(ctx, r.hc, c, c.body)
		switch {
		case err != nil:
			time.Sleep(200 * time.Millisecond)
			continue
		case a.status >= 500:
			return fmt.Errorf("%s: retry answered %d %s", c.name, a.status, a.body)
		case a.status == http.StatusConflict && a.header.Get("Retry-After") != "":
			c.inProgress++
			secs, err := strconv.Atoi(a.header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 5 {
				return fmt.Errorf("%s: Retry-After %q", c.name, a.header.Get("Retry-After"))
			}
			time.Sleep(time.Duration(secs) * time.Second)
			continue
		}
		c.final, c.answeredIn = a, time.Since(since)
		return nil
	}
}

// checkAnswer checks that c's answer is the one true answer: what
// Temporal recorded for its Update, the purchase its first attempt
// allocated, the same bytes on every replay; and that its key refuses
// another body.
func (r *restart) checkAnswer(ctx context.Context, c *call, ref api.Created) {
	t := r.t
	t.Helper()
	if c.create {
		var got api.Created
		if c.final.status != http.StatusCreated || json.Unmarshal(c.final.body, &got) != nil {
			t.Errorf("%s: answered %d %s, want 201 and the purchase", c.name, c.final.status, c.final.body)
			return
		}
		if got.Status != ref.Status || c.final.header.Get("Location") != fmt.Sprintf("/api/v1/purchases/%d", got.ID) {
			t.Errorf("%s: answered %+v at %q, the reference %+v", c.name, got, c.final.header.Get("Location"), ref)
		}
		if c.resource != "" && strconv.FormatInt(got.ID, 10) != c.resource {
			t.Errorf("%s: answered purchase %d, but the first attempt allocated %s", c.name, got.ID, c.resource)
		}
		wid := workflows.WorkflowID(got.ID)
		var st workflows.Status
		if err := r.outcome(ctx, wid, wid+"-opened", &st); err != nil || st != workflows.Status(got.Status) {
			t.Errorf("%s: answered %q, Temporal's opened Update says %q (%v)", c.name, got.Status, st, err)
		}
	} else {
		var got struct {
			Result workflows.BidReceipt `json:"result"`
			Status string               `json:"status"`
		}
		if c.final.status != http.StatusOK || json.Unmarshal(c.final.body, &got) != nil {
			t.Errorf("%s: answered %d %s, want 200 and a receipt", c.name, c.final.status, c.final.body)
			return
		}
		// The Update answers a workflows.Answer: the receipt and the
		// status written.
		var recorded struct {
			Receipt workflows.BidReceipt `json:"answer"`
			Status  workflows.Status     `json:"purchaseStatus"`
		}
		if err := r.outcome(ctx, c.workflowID(), c.updateID, &recorded); err != nil {
			t.Errorf("%s: Update %s: %v", c.name, c.updateID, err)
		}
		rec := recorded.Receipt
		if got.Status != "tendering" || got.Result.Round != 1 || got.Result.Replaced || !got.Result.SubmittedAt.Equal(rec.SubmittedAt) ||
			!got.Result.Deadline.Equal(rec.Deadline) || rec.Round != 1 || rec.Replaced || recorded.Status != "tendering" {
			t.Errorf("%s: answered %+v, Temporal recorded %+v", c.name, got, recorded)
		}
	}
	replay := r.send(ctx, c, c.body)
	if replay.status != c.final.status || !bytes.Equal(replay.body, c.final.body) || replay.header.Get("Idempotent-Replayed") != "true" ||
		replay.header.Get("Location") != c.final.header.Get("Location") {
		t.Errorf("%s: replay %d %s (replayed %q), first answer %d %s", c.name, replay.status, replay.body,
			replay.header.Get("Idempotent-Replayed"), c.final.status, c.final.body)
	}
	var stored struct {
		Status int    `db:"status"`
		Body   []byte `db:"body"`
	}
	if err := r.w.db.X.GetContext(ctx, &stored, `SELECT status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`, c.userID, c.key); err != nil ||
		stored.Status != c.final.status || !bytes.Equal(stored.Body, c.final.body) {
		t.Errorf("%s: stored answer %d %s (%v), given %d %s", c.name, stored.Status, stored.Body, err, c.final.status, c.final.body)
	}
	if a := r.send(ctx, c, c.other); a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), "Idempotency-Key reused") {
		t.Errorf("%s: the same key with another body answered %d %s, want 422", c.name, a.status, a.body)
	}
}

// outcome reads the result of an Update from Temporal.
func (r *restart) outcome(ctx context.Context, wid, uid string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := r.tc.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: wid, UpdateID: uid}).Get(ctx, v); err != nil {
		return fmt.Errorf("outcome of Update %s of %s: %w", uid, wid, err)
	}
	return nil
}

// checkRows checks that PostgreSQL holds every effect once: one purchase
// per create with one reservation of its ceiling, one bid entry per
// organisation, no audit entry twice, an intact audit chain.
func (r *restart) checkRows(ctx context.Context, calls []*call, refID int64) {
	t, db := r.t, r.w.db
	t.Helper()
	creates, bids := 0, 0
	for _, c := range calls {
		if !c.create {
			bids++
			var n int
			if err := db.X.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE purchase_id = $1 AND actor = $2 AND action LIKE 'bid.%'`,
				c.bidOn, fmt.Sprintf("user:%d", c.userID)); err != nil || n != 1 {
				t.Errorf("%s: %d bid entries (%v), want 1", c.name, n, err)
			}
			continue
		}
		creates++
		var got api.Created
		_ = json.Unmarshal(c.final.body, &got)
		var ids []int64
		if err := db.X.SelectContext(ctx, &ids, `SELECT id FROM purchases WHERE title = $1`, c.title); err != nil || len(ids) != 1 || ids[0] != got.ID {
			t.Errorf("%s: purchases titled %q: %v (%v), want [%d]", c.name, c.title, ids, err, got.ID)
		}
		var line struct {
			Reserved int64 `db:"reserved_fen"`
			Moves    int   `db:"moves"`
			Mine     int   `db:"mine"`
			Planned  int   `db:"planned"`
		}
		if err := db.X.GetContext(ctx, &line, `SELECT reserved_fen,
				(SELECT count(*) FROM budget_movements m WHERE m.budget_id = b.id) AS moves,
				(SELECT count(*) FROM budget_movements m WHERE m.budget_id = b.id AND m.kind = 'reserve' AND m.purchase_id = $2) AS mine,
				(SELECT count(*) FROM audit_log a WHERE a.purchase_id = $2 AND a.action = 'purchase.planned') AS planned
			FROM budget_lines b WHERE b.id = $1`, c.budget, got.ID); err != nil ||
			line.Reserved != ceilingFen || line.Moves != 1 || line.Mine != 1 || line.Planned != 1 {
			t.Errorf("%s: budget line and audit %+v (%v), want the ceiling reserved once for purchase %d, planned once", c.name, line, err, got.ID)
		}
	}
	var counts struct {
		Purchases int `db:"purchases"`
		Reserves  int `db:"reserves"`
		Bids      int `db:"bids"`
		Replaced  int `db:"replaced"`
		Twice     int `db:"twice"`
	}
	if err := db.X.GetContext(ctx, &counts, `SELECT
			(SELECT count(*) FROM purchases) AS purchases,
			(SELECT count(*) FROM budget_movements WHERE kind = 'reserve') AS reserves,
			(SELECT count(*) FROM audit_log WHERE purchase_id = $1 AND action = 'bid.submitted') AS bids,
			(SELECT count(*) FROM audit_log WHERE action = 'bid.replaced') AS replaced,
			(SELECT count(*) FROM (SELECT 1 FROM audit_log GROUP BY purchase_id, actor, action HAVING count(*) > 1) d) AS twice`,
		refID); err != nil {
		t.Fatal(err)
	}
	if counts.Purchases != creates || counts.Reserves != creates || counts.Bids != bids || counts.Replaced != 0 || counts.Twice != 0 {
		t.Errorf("rows %+v, want %d purchases and reservations, %d bids, nothing replaced or twice", counts, creates, bids)
	}
	if n, err := db.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain after %d entries: %v", n, err)
	}
}
