package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"zhucan/event"
)

// applyDelivery writes the effects of a delivery-phase event.
func applyDelivery(ctx context.Context, tx *sqlx.Tx, pid int64, e event.Event) error {
	var cid int64
	if err := tx.GetContext(ctx, &cid, `SELECT id FROM contracts WHERE purchase_id = $1`, pid); err != nil {
		return fmt.Errorf("find the contract of purchase %d: %w", pid, err)
	}
	at := e.At.UTC()
	exec := func(what, q string, args ...any) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if r := e.Report; r != nil {
		ev, err := json.Marshal(r.Evidence)
		if err != nil {
			return fmt.Errorf("encode evidence: %w", err)
		}
		if err := exec("insert report", `INSERT INTO milestone_reports (contract_id, seq, version, delivered_quantity, beneficiaries,
				summary, evidence, submitted_at, on_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (contract_id, seq, version) DO NOTHING`,
			cid, r.Seq, r.Version, r.Delivered, r.Beneficiaries, r.Summary, jsonText(ev), at, r.OnTime); err != nil {
			return err
		}
		if err := exec("mark milestone reported", `UPDATE milestones SET status = 'reported' WHERE contract_id = $1 AND seq = $2`, cid, r.Seq); err != nil {
			return err
		}
	}
	if r := e.Review; r != nil {
		var qty *int64
		status := "returned"
		if r.Accepted {
			qty, status = &r.AcceptedQty, "accepted"
		}
		if err := exec("record review", `UPDATE milestone_reports SET accepted = $4, accepted_quantity = $5, review_reason = $6, reviewed_at = $7
			WHERE contract_id = $1 AND seq = $2 AND version = $3`, cid, r.Seq, r.Version, r.Accepted, qty, e.Note, at); err != nil {
			return err
		}
		if r.Accepted {
			if err := exec("accept milestone", `UPDATE milestones SET status = 'accepted', accepted_quantity = $3, beneficiaries = $4, accepted_at = $5
				WHERE contract_id = $1 AND seq = $2`, cid, r.Seq, r.AcceptedQty, r.Beneficiaries, at); err != nil {
				return err
			}
		} else if err := exec("return milestone", `UPDATE milestones SET status = $3 WHERE contract_id = $1 AND seq = $2`, cid, r.Seq, status); err != nil {
			return err
		}
	}
	if o := e.Overdue; o != nil {
		if err := exec("flag overdue milestone", `UPDATE milestones SET overdue = true WHERE contract_id = $1 AND seq = $2`, cid, o.Seq); err != nil {
			return err
		}
	}
	if p := e.Payment; p != nil {
		var ms *int
		if p.Milestone > 0 {
			ms = &p.Milestone
		}
		if err := exec("record payment", `INSERT INTO payments (contract_id, op_key, kind, amount_fen, paid_at, milestone_seq)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (op_key) DO NOTHING`, cid, e.Key, p.Kind, p.AmountFen, at, ms); err != nil {
			return err
		}
	}
	if in := e.Inspection; in != nil {
		if !in.Recorded {
			// Opened, or given to another inspector before it is recorded.
			if err := exec("open inspection", `INSERT INTO inspections (contract_id, seq, due_at, inspector_id, reinspection)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contract_id, seq) DO UPDATE SET inspector_id = EXCLUDED.inspector_id
				WHERE inspections.recorded_at IS NULL`,
				cid, in.Seq, in.Due.UTC(), nullID(in.InspectorID), in.Reinspection); err != nil {
				return err
			}
		} else if err := exec("record inspection", `UPDATE inspections SET passed = $3, findings = $4, surveyed = $5, satisfied = $6,
				recorded_at = $7, inspector_id = $8 WHERE contract_id = $1 AND seq = $2`,
			cid, in.Seq, in.Passed, in.Findings, in.Surveyed, in.Satisfied, at, nullID(in.InspectorID)); err != nil {
			return err
		}
	}
	if r := e.Rectification; r != nil {
		if err := exec("record rectification", `INSERT INTO rectifications (contract_id, seq, inspection_seq, deadline, status, summary)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (contract_id, seq) DO UPDATE SET status = EXCLUDED.status,
				summary = CASE WHEN EXCLUDED.summary <> '' THEN EXCLUDED.summary ELSE rectifications.summary END,
				done_at = CASE WHEN EXCLUDED.status = 'done' THEN $7 ELSE rectifications.done_at END,
				closed_at = CASE WHEN EXCLUDED.status IN ('closed', 'failed') THEN $7 ELSE rectifications.closed_at END`,
			cid, r.Seq, r.InspectionSeq, r.Deadline.UTC(), r.Status, r.Summary, at); err != nil {
			return err
		}
	}
	if ev := e.Evaluation; ev != nil {
		if err := applyEvaluation(ctx, tx, cid, at, ev); err != nil {
			return err
		}
	}
	if c := e.ContractStatus; c != nil {
		if c.Status == "terminated" {
			return exec("terminate contract", `UPDATE contracts SET status = 'terminated', terminated_at = $2, termination_reason = $3 WHERE id = $1`, cid, at, e.Note)
		}
		return exec("complete contract", `UPDATE contracts SET status = $2 WHERE id = $1`, cid, c.Status)
	}
	return nil
}

func applyEvaluation(ctx context.Context, tx *sqlx.Tx, cid int64, at time.Time, ev *event.Evaluation) error {
	var due *time.Time
	if !ev.Due.IsZero() {
		d := ev.Due.UTC()
		due = &d
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evaluations (contract_id, stage, opened_at, due_at, status) VALUES ($1, $2, $3, $4, 'open')
		ON CONFLICT (contract_id, stage) DO NOTHING`, cid, ev.Stage, at, due); err != nil {
		return fmt.Errorf("open %s evaluation: %w", ev.Stage, err)
	}
	for _, s := range ev.Scores {
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicator_scores (contract_id, stage, indicator_code, scorer, score_centi, comment)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (contract_id, stage, indicator_code, scorer)
			DO UPDATE SET score_centi = EXCLUDED.score_centi, comment = EXCLUDED.comment`,
			cid, ev.Stage, s.Code, s.Scorer, s.Centi, s.Comment); err != nil {
			return fmt.Errorf("record score of %s: %w", s.Code, err)
		}
	}
	if ev.Done {
		if _, err := tx.ExecContext(ctx, `UPDATE evaluations SET total_centi = $3, grade = $4, evaluated_at = $5, status = 'done'
			WHERE contract_id = $1 AND stage = $2`, cid, ev.Stage, ev.TotalCenti, ev.Grade, at); err != nil {
			return fmt.Errorf("grade %s evaluation: %w", ev.Stage, err)
		}
	}
	return nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
