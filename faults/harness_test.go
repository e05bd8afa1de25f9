package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// world is a database with the people, organisations and money of many purchases.
type world struct {
	t         *testing.T
	db        *store.DB
	dsn       string
	item      catalog.Item
	officer   workflows.Actor
	panel     []workflows.Actor
	inspector workflows.Actor
	assessor  workflows.Actor
	orgs      []workflows.Supplier
	reps      []workflows.Actor
	budget    int64
}

func newWorld(t *testing.T, dsn string, orgs int) *world {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.X.ExecContext(ctx, fmt.Sprintf(`ALTER SEQUENCE purchases_id_seq RESTART WITH %d`, time.Now().UnixNano()/1000%1_000_000_000_000+1)); err != nil {
		t.Fatal(err)
	}
	cats, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	c := cats[len(cats)-1]
	if _, err := db.LoadCatalogue(ctx, c); err != nil {
		t.Fatal(err)
	}
	v := valid.New()
	w := &world{t: t, db: db, dsn: dsn, item: c.Items[0]}
	user := func(name, role string, sid *int64) workflows.Actor {
		u, err := db.CreateUser(ctx, v, store.User{Name: name, Role: role, SupplierID: sid})
		if err != nil {
			t.Fatal(err)
		}
		a := workflows.Actor{UserID: u.ID, Name: name, Role: role}
		if sid != nil {
			a.SupplierID = *sid
		}
		return a
	}
	w.officer = user("officer", "officer", nil)
	for i := range 5 {
		w.panel = append(w.panel, user(fmt.Sprintf("expert%d", i), "evaluator", nil))
	}
	w.inspector = user("inspector", "evaluator", nil)
	w.assessor = user("assessor", "evaluator", nil)
	for i := range orgs {
		first := fmt.Sprintf("523501027%08d", i+1)
		ch, _ := rules.CreditCodeCheckChar(first)
		s, err := db.CreateSupplier(ctx, v, store.Supplier{CreditCode: first + string(ch), Name: fmt.Sprintf("机构%d", i+1), Qualifications: w.item.Qualifications})
		if err != nil {
			t.Fatal(err)
		}
		w.orgs = append(w.orgs, workflows.Supplier{ID: s.ID, Name: s.Name, Qualifications: s.Qualifications})
		w.reps = append(w.reps, user(fmt.Sprintf("org%d", i+1), "supplier", &s.ID))
	}
	b, err := db.CreateBudget(ctx, v, store.Budget{Name: "line", FiscalYear: 2026, Category: "general", AmountFen: 1_000_000_000_000})
	if err != nil {
		t.Fatal(err)
	}
	w.budget = b.ID
	return w
}

// input is a sandbox purchase whose bid deadline is `bid` days away and
// whose 30-day service starts right after.
func (w *world) input(day time.Duration, bidDays int) workflows.PurchaseInput {
	id, err := w.db.NextPurchaseID(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	now := time.Now()
	start := now.Add(time.Duration(bidDays+25) * day)
	end := start.Add(30 * day)
	in := workflows.PurchaseInput{Revision: workflows.CurrentRevision, PurchaseID: id, Title: fmt.Sprintf("采购 %d", id), Item: w.item, BudgetID: w.budget, Quantity: 10,
		CeilingFen: 1_000_000, Method: rules.MethodOpenTender, BidDeadline: now.Add(time.Duration(bidDays) * day),
		ServiceStart: start, ServiceEnd: end, PriceWeight: 30, Inspectors: []int64{w.inspector.UserID},
		Assessors: []int64{w.assessor.UserID}, Officer: w.officer, Policy: rules.Sandbox(day),
		Milestones: []workflows.MilestonePlan{{Name: "一期", Due: start.Add(15 * day), Quantity: 5, PaymentPercent: 50},
			{Name: "二期", Due: end, Quantity: 5, PaymentPercent: 50}}}
	for _, p := range w.panel {
		in.Panel = append(in.Panel, p.UserID)
	}
	return in
}

// update sends an Update, retrying while the workflow cannot answer
// (its worker is down, PostgreSQL restarts): a refusal is final.
func update(ctx context.Context, c client.Client, id, name string, args any) error {
	var last error
	for ctx.Err() == nil {
		uctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		h, err := c.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: []any{args},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(uctx, nil)
		}
		cancel()
		if err == nil {
			return nil
		}
		if _, ok := workflows.AsRefusal(err); ok {
			return err
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s: %w", name, errors.Join(ctx.Err(), last))
}

// drive plays every role of one purchase until it settles.
func (w *world) drive(ctx context.Context, c client.Client, id string) error {
	bid, scored := false, 0
	for ctx.Err() == nil {
		qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		val, err := c.QueryWorkflow(qctx, id, "", workflows.QueryStatus, w.officer)
		cancel()
		if err != nil {
			time.Sleep(500 * time.Millisecond) // the worker may be down
			continue
		}
		var v struct {
			workflows.View
			Milestones  []workflows.MilestoneState
			Inspections []workflows.InspectionState
			Evaluations []workflows.EvaluationState
			SupplierID  int64
		}
		if err := val.Get(&v); err != nil {
			return err
		}
		acted := false
		act := func(name string, args any) error {
			acted = true
			err := update(ctx, c, id, name, args)
			if r, ok := workflows.AsRefusal(err); ok && r.Code == workflows.CodeState {
				return nil // already done by an earlier attempt, or too late: look again
			}
			return err
		}
		switch v.Status {
		case workflows.StatusTendering:
			if !bid {
				bid = true
				for i := range 3 {
					if err := act(workflows.UpdateBid, workflows.BidArgs{Actor: w.reps[i], Supplier: w.orgs[i], PriceFen: int64(900_000 - i*10_000), Proposal: "方案"}); err != nil {
						return err
					}
				}
			}
		case workflows.StatusEvaluating:
			if scored == v.Round {
				break
			}
			scored = v.Round
			for _, p := range w.panel {
				var sc []workflows.TechnicalScore
				for _, b := range v.Bids {
					sc = append(sc, workflows.TechnicalScore{SupplierID: b.SupplierID, Technical: rules.WholePoints(60)})
				}
				if err := act(workflows.UpdateScore, workflows.ScoreArgs{Actor: p, Scores: sc}); err != nil {
					return err
				}
			}
		case workflows.StatusContracting:
			if v.Award.OfficerSignedAt == nil {
				if err := act(workflows.UpdateSign, workflows.SignArgs{Actor: w.officer}); err != nil {
					return err
				}
			}
			if v.Award.SupplierSignedAt == nil {
				rep := w.repOf(v.Award.SupplierID)
				if err := act(workflows.UpdateSign, workflows.SignArgs{Actor: rep}); err != nil {
					return err
				}
			}
		case workflows.StatusDelivering, workflows.StatusAssessing:
			rep := w.repOf(v.SupplierID)
			for _, m := range v.Milestones {
				switch m.Status {
				case "pending", "returned":
					if err := act(workflows.UpdateReport, workflows.ReportArgs{Actor: rep, Seq: m.Seq, Delivered: m.Quantity, Beneficiaries: m.Quantity, Summary: "完成"}); err != nil {
						return err
					}
				case "reported":
					if err := act(workflows.UpdateReview, workflows.ReviewArgs{Actor: w.officer, Seq: m.Seq, Accepted: true, AcceptedQty: m.Quantity}); err != nil {
						return err
					}
				}
			}
			for _, in := range v.Inspections {
				if !in.Recorded {
					if err := act(workflows.UpdateInspect, workflows.InspectArgs{Actor: w.inspector, Passed: true, Surveyed: 10, Satisfied: 9}); err != nil {
						return err
					}
					break
				}
			}
			for _, e := range v.Evaluations {
				if !e.Done && len(e.Submitted) == 0 {
					var sc []workflows.IndicatorScore
					for _, ind := range w.item.Indicators {
						if ind.Method == catalog.MethodScored {
							sc = append(sc, workflows.IndicatorScore{Indicator: ind.Code, Score: rules.WholePoints(ind.Weight)})
						}
					}
					if err := act(workflows.UpdateEvaluate, workflows.EvaluateArgs{Actor: w.assessor, Scores: sc}); err != nil {
						return err
					}
				}
			}
		case workflows.StatusSettled:
			return nil
		default:
			if v.Status.Terminal() || v.Status == workflows.StatusFailed {
				return fmt.Errorf("purchase %s ended %s", id, v.Status)
			}
		}
		if !acted {
			time.Sleep(400 * time.Millisecond)
		}
	}
	return ctx.Err()
}

func (w *world) repOf(supplierID int64) workflows.Actor {
	for _, r := range w.reps {
		if r.SupplierID == supplierID {
			return r
		}
	}
	return workflows.Actor{}
}

// start starts n purchases and returns their workflow IDs.
func (w *world) start(c client.Client, queue string, day time.Duration, n int) []string {
	var ids []string
	for range n {
		in := w.input(day, 22)
		id := workflows.WorkflowID(in.PurchaseID)
		if _, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.PurchaseWorkflow, in); err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// driveAll drives every purchase concurrently and reports the first error.
func (w *world) driveAll(ctx context.Context, c client.Client, ids []string) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.drive(ctx, c, id); err != nil {
				errs <- fmt.Errorf("%s: %w", id, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// checkRows verifies that every purchase has exactly the rows a settled
// purchase has: nothing missing, nothing twice.
func (w *world) checkRows(ids []string) {
	w.t.Helper()
	for q, want := range map[string]int{
		`SELECT count(*) FROM purchases WHERE status = 'settled'`:          len(ids),
		`SELECT count(*) FROM bids`:                                        3 * len(ids),
		`SELECT count(*) FROM bid_scores`:                                  15 * len(ids),
		`SELECT count(*) FROM awards WHERE status = 'signed'`:              len(ids),
		`SELECT count(*) FROM contracts`:                                   len(ids),
		`SELECT count(*) FROM milestones WHERE status = 'accepted'`:        2 * len(ids),
		`SELECT count(*) FROM payments`:                                    2 * len(ids),
		`SELECT count(*) FROM evaluations WHERE status = 'done'`:           len(ids),
		`SELECT count(*) FROM budget_movements WHERE kind = 'reserve'`:     len(ids),
		`SELECT count(*) FROM audit_log WHERE action = 'contract.settled'`: len(ids),
	} {
		var n int
		if err := w.db.X.Get(&n, q); err != nil {
			w.t.Fatal(err)
		}
		if n != want {
			w.t.Errorf("%s = %d, want %d", strings.TrimSpace(q), n, want)
		}
	}
	var paid, reserved int64
	_ = w.db.X.Get(&paid, `SELECT sum(amount_fen) FROM payments`)
	_ = w.db.X.Get(&reserved, `SELECT reserved_fen FROM budget_lines WHERE id = $1`, w.budget)
	var contracted int64
	_ = w.db.X.Get(&contracted, `SELECT sum(amount_fen) FROM contracts`)
	if paid != contracted || reserved != 0 {
		w.t.Errorf("paid %d of %d contracted, %d still reserved", paid, contracted, reserved)
	}
	if n, err := w.db.VerifyAudit(context.Background()); err != nil {
		w.t.Errorf("audit chain after %d entries: %v", n, err)
	}
}
