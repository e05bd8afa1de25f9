package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"zhucan/event"
)

// applyDelivery writes the effects of a delivery-phase event.
func applyDelivery(ctx context.Context, tx ptx, st *applyState, e event.Event) error {
	cid, err := st.contractID(ctx, tx)
	if err != nil {
		return err
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
		// The report and its milestone's status in one statement.
		if err := tx.ExecParts(ctx, []any{cid, r.Seq, r.Version, r.Delivered, r.Beneficiaries, r.Summary, jsonText(ev), at, r.OnTime},
			`INSERT INTO milestone_reports (contract_id, seq, version, delivered_quantity, beneficiaries, summary, evidence,
				submitted_at, on_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (contract_id, seq, version) DO NOTHING`,
			`UPDATE milestones SET status = 'reported' WHERE contract_id = $1 AND seq = $2`); err != nil {
			return fmt.Errorf("insert report: %w", err)
		}
	}
	if r := e.Review; r != nil {
		var qty *int64
		status := "returned"
		if r.Accepted {
			qty, status = &r.AcceptedQty, "accepted"
		}
		// The review and its milestone in one statement.
		review := `UPDATE milestone_reports SET accepted = $4, accepted_quantity = $5, review_reason = $6, reviewed_at = $7
			WHERE contract_id = $1 AND seq = $2 AND version = $3`
		if r.Accepted {
			if err := tx.ExecParts(ctx, []any{cid, r.Seq, r.Version, r.Accepted, qty, e.Note, at, r.Beneficiaries}, review,
				`UPDATE milestones SET status = 'accepted', accepted_quantity = $5, beneficiaries = $8, accepted_at = $7
				WHERE contract_id = $1 AND seq = $2`); err != nil {
				return fmt.Errorf("accept milestone: %w", err)
			}
		} else if err := tx.ExecParts(ctx, []any{cid, r.Seq, r.Version, r.Accepted, qty, e.Note, at, status}, review,
			`UPDATE milestones SET status = $8 WHERE contract_id = $1 AND seq = $2`); err != nil {
			return fmt.Errorf("return milestone: %w", err)
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

func applyEvaluation(ctx context.Context, tx ptx, cid int64, at time.Time, ev *event.Evaluation) error {
	var due *time.Time
	if !ev.Due.IsZero() {
		d := ev.Due.UTC()
		due = &d
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO evaluations (contract_id, stage, opened_at, due_at, status) VALUES ($1, $2, $3, $4, 'open')
		ON CONFLICT (contract_id, stage) DO NOTHING`, cid, ev.Stage, at, due); err != nil {
		return fmt.Errorf("open %s evaluation: %w", ev.Stage, err)
	}
	if len(ev.Scores) == 0 && !ev.Done {
		return nil
	}
	// The scores (one statement for all; an indicator scored twice by one
	// scorer keeps its last score, as one statement per score did) and
	// the grade in one statement.
	latest := map[[2]string]int{}
	var codes, scorers, comments []string
	var centis []int64
	for _, s := range ev.Scores {
		k := [2]string{s.Code, s.Scorer}
		if i, ok := latest[k]; ok {
			centis[i], comments[i] = s.Centi, s.Comment
			continue
		}
		latest[k] = len(codes)
		codes, scorers, centis, comments = append(codes, s.Code), append(scorers, s.Scorer), append(centis, s.Centi), append(comments, s.Comment)
	}
	if _, err := tx.ExecContext(ctx, `WITH scored AS (INSERT INTO indicator_scores (contract_id, stage, indicator_code, scorer, score_centi, comment)
			SELECT $1, $2, s.code, s.scorer, s.centi, s.comment FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) AS s (code, scorer, centi, comment)
			ON CONFLICT (contract_id, stage, indicator_code, scorer) DO UPDATE SET score_centi = EXCLUDED.score_centi, comment = EXCLUDED.comment)
		UPDATE evaluations SET total_centi = $8, grade = $9, evaluated_at = $10, status = 'done'
		WHERE contract_id = $1 AND stage = $2 AND $7`,
		cid, ev.Stage, pq.Array(codes), pq.Array(scorers), pq.Array(centis), pq.Array(comments), ev.Done, ev.TotalCenti, ev.Grade, at); err != nil {
		return fmt.Errorf("record the scores of the %s evaluation: %w", ev.Stage, err)
	}
	return nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
