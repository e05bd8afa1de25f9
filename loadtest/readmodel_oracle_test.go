package loadtest

// The original queries of store/analytics.go and store/tasks.go, before
// migration 00007, computing everything from the record on each call:
// the oracle that TestReadModelsMatchTheRecord holds the store's
// functions to.

const oraclePurchaseFacts = `
WITH pf AS (
  SELECT p.id, p.area, b.fiscal_year AS year, c.supplier_id,
    coalesce((SELECT sum(x.amount_fen) FROM payments x WHERE x.contract_id = c.id), 0) AS paid,
    coalesce((SELECT sum(CASE m.kind WHEN 'reserve' THEN m.amount_fen ELSE -m.amount_fen END)
              FROM budget_movements m WHERE m.purchase_id = p.id), 0) AS reserved,
    coalesce(c.quantity, 0) AS planned,
    coalesce((SELECT sum(m.accepted_quantity) FROM milestones m WHERE m.contract_id = c.id), 0) AS delivered,
    coalesce((SELECT sum(m.beneficiaries) FROM milestones m WHERE m.contract_id = c.id), 0) AS beneficiaries,
    (SELECT count(*) FROM milestone_reports r WHERE r.contract_id = c.id AND r.accepted AND r.on_time) AS on_time,
    (SELECT count(*) FROM milestones m WHERE m.contract_id = c.id AND m.status = 'accepted') AS accepted,
    coalesce((SELECT sum(i.satisfied) FROM inspections i WHERE i.contract_id = c.id), 0) AS satisfied,
    coalesce((SELECT sum(i.surveyed) FROM inspections i WHERE i.contract_id = c.id), 0) AS surveyed,
    e.grade, e.total_centi,
    (SELECT count(*) FROM audit_log a WHERE a.purchase_id = p.id AND a.action = 'bids.opened') AS rounds,
    (SELECT count(*) FROM bids x WHERE x.purchase_id = p.id) AS bids,
    (SELECT count(*) FROM audit_log a WHERE a.purchase_id = p.id AND a.action = 'purchase.failed') AS failed
  FROM purchases p
  JOIN budget_lines b ON b.id = p.budget_id
  LEFT JOIN contracts c ON c.purchase_id = p.id
  LEFT JOIN evaluations e ON e.contract_id = c.id AND e.stage = 'final' AND e.status = 'done'
  WHERE $1 = 0 OR b.fiscal_year = $1
)`

const oracleFigureColumns = `
  count(pf.id) AS purchases, coalesce(sum(pf.reserved), 0) AS reserved_fen, coalesce(sum(pf.paid), 0) AS paid_fen,
  coalesce(sum(pf.planned), 0) AS planned_quantity, coalesce(sum(pf.delivered), 0) AS delivered_quantity,
  coalesce(sum(pf.beneficiaries), 0) AS beneficiaries,
  CASE WHEN sum(pf.beneficiaries) > 0 THEN (sum(pf.paid) / sum(pf.beneficiaries))::bigint END AS cost_per_beneficiary_fen,
  CASE WHEN sum(pf.accepted) > 0 THEN (sum(pf.on_time) * 10000 / sum(pf.accepted))::bigint END AS on_time_bp,
  coalesce(sum(pf.satisfied), 0) AS satisfied, coalesce(sum(pf.surveyed), 0) AS surveyed,
  CASE WHEN sum(pf.surveyed) > 0 THEN (sum(pf.satisfied) * 10000 / sum(pf.surveyed))::bigint END AS satisfaction_bp,
  count(*) FILTER (WHERE pf.grade = 'excellent') AS excellent, count(*) FILTER (WHERE pf.grade = 'good') AS good,
  count(*) FILTER (WHERE pf.grade = 'pass') AS pass, count(*) FILTER (WHERE pf.grade = 'fail') AS fail,
  round(avg(pf.total_centi))::bigint AS mean_score_centi,
  coalesce(sum(pf.rounds), 0) AS rounds, coalesce(sum(pf.bids), 0) AS bids,
  CASE WHEN sum(pf.rounds) > 0 THEN (sum(pf.bids) * 100 / sum(pf.rounds))::bigint END AS bids_per_tender_centi,
  coalesce(sum(pf.failed), 0) AS failed_rounds`

const oracleAreaFigures = oraclePurchaseFacts + `,
	areas AS (
	  SELECT code, min(name_zh) AS name, min(sort_order) AS sort_order FROM catalog_areas GROUP BY code
	  UNION ALL SELECT 'general', '综合', 1000
	),
	budgets AS (
	  SELECT category, sum(amount_fen) AS amount FROM budget_lines WHERE $1 = 0 OR fiscal_year = $1 GROUP BY category
	)
	SELECT a.code AS key, a.name, coalesce(max(bg.amount), 0) AS budget_fen, ` + oracleFigureColumns + `
	FROM areas a LEFT JOIN pf ON pf.area = a.code LEFT JOIN budgets bg ON bg.category = a.code
	GROUP BY a.code, a.name, a.sort_order
	HAVING count(pf.id) > 0 OR coalesce(max(bg.amount), 0) > 0 OR a.code <> 'general'
	ORDER BY a.sort_order, a.code`

const oracleSupplierFigures = oraclePurchaseFacts + `
	SELECT s.id::text AS key, s.name, 0::bigint AS budget_fen, ` + oracleFigureColumns + `
	FROM pf JOIN suppliers s ON s.id = pf.supplier_id
	GROUP BY s.id, s.name ORDER BY s.name, s.id`

const oracleYearFigures = oraclePurchaseFacts + `,
	budgets AS (SELECT fiscal_year, sum(amount_fen) AS amount FROM budget_lines GROUP BY fiscal_year)
	SELECT bg.fiscal_year::text AS key, bg.fiscal_year::text AS name, bg.amount AS budget_fen, ` + oracleFigureColumns + `
	FROM budgets bg LEFT JOIN pf ON pf.year = bg.fiscal_year
	GROUP BY bg.fiscal_year, bg.amount ORDER BY bg.fiscal_year DESC`

const oracleOfficerTasks = `
SELECT 'answer_challenge' AS kind, p.id AS purchase_id, p.title, c.seq AS ref, c.filed_at AS since, NULL::timestamptz AS due, p.policy
  FROM purchases p JOIN challenges c ON c.purchase_id = p.id
 WHERE p.created_by = $1 AND p.status = 'challenge_period' AND c.answered_at IS NULL
UNION ALL
SELECT 'sign_contract', p.id, p.title, NULL, a.notified_at, NULL, p.policy
  FROM purchases p JOIN awards a ON a.purchase_id = p.id AND a.round = p.round AND a.status = 'notified'
 WHERE p.created_by = $1 AND p.status = 'contracting' AND a.officer_signed_at IS NULL
UNION ALL
SELECT 'award_or_retender', p.id, p.title, NULL, NULL, NULL, p.policy
  FROM purchases p JOIN awards a ON a.purchase_id = p.id AND a.round = p.round AND a.status = 'forfeited'
 WHERE p.created_by = $1 AND p.status = 'contracting'
UNION ALL
SELECT 'decide_failed_round', p.id, p.title, NULL, NULL, NULL, p.policy
  FROM purchases p WHERE p.created_by = $1 AND p.status = 'failed'
UNION ALL
SELECT 'evaluation_blocked', p.id, p.title, NULL, NULL, NULL, p.policy
  FROM purchases p WHERE p.created_by = $1 AND p.status = 'evaluating'
   AND EXISTS (SELECT 1 FROM audit_log l WHERE l.purchase_id = p.id AND l.action = 'evaluation.overdue'
               AND l.id > (SELECT max(id) FROM audit_log s WHERE s.purchase_id = p.id AND s.action = 'purchase.evaluating'))
UNION ALL
SELECT 'review_report', p.id, p.title, m.seq, NULL, NULL, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id JOIN milestones m ON m.contract_id = k.id
 WHERE p.created_by = $1 AND m.status = 'reported'
UNION ALL
SELECT 'late_report', p.id, p.title, m.seq, NULL, m.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN milestones m ON m.contract_id = k.id
 WHERE p.created_by = $1 AND m.overdue AND m.status IN ('pending', 'returned')
UNION ALL
SELECT 'may_terminate', p.id, p.title, r.seq, NULL, NULL, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN rectifications r ON r.contract_id = k.id
 WHERE p.created_by = $1 AND r.status = 'failed'`

const oracleSupplierTasks = `
SELECT 'open_tender' AS kind, p.id AS purchase_id, p.title, NULL::int AS ref, NULL::timestamptz AS since, p.bid_deadline AS due, p.policy
  FROM purchases p JOIN catalog_items i ON i.year = p.catalog_year AND i.code = p.catalog_code
 WHERE p.status = 'tendering' AND p.bid_deadline > now()
   AND i.qualifications <@ (SELECT qualifications FROM suppliers WHERE id = $1)
   AND NOT (SELECT dishonest FROM suppliers WHERE id = $1)
UNION ALL
SELECT 'sign_contract', p.id, p.title, NULL, a.notified_at, NULL, p.policy
  FROM purchases p JOIN awards a ON a.purchase_id = p.id AND a.round = p.round AND a.status = 'notified'
 WHERE a.supplier_id = $1 AND p.status = 'contracting' AND a.supplier_signed_at IS NULL
UNION ALL
SELECT 'report_due', p.id, p.title, m.seq, NULL, m.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN milestones m ON m.contract_id = k.id
 WHERE k.supplier_id = $1 AND m.status IN ('pending', 'returned')
UNION ALL
SELECT 'rectify', p.id, p.title, r.seq, NULL, r.deadline, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN rectifications r ON r.contract_id = k.id
 WHERE k.supplier_id = $1 AND r.status = 'open'`

const oracleEvaluatorTasks = `
SELECT 'score_bids' AS kind, p.id AS purchase_id, p.title, NULL::int AS ref, NULL::timestamptz AS since, NULL::timestamptz AS due, p.policy
  FROM purchases p JOIN purchase_members m ON m.purchase_id = p.id AND m.duty = 'panel' AND m.user_id = $1 AND m.recused_at IS NULL
 WHERE p.status = 'evaluating'
   AND EXISTS (SELECT 1 FROM bids b WHERE b.purchase_id = p.id AND b.round = p.round AND b.status = 'valid'
               AND NOT EXISTS (SELECT 1 FROM bid_scores s WHERE s.bid_id = b.id AND s.evaluator_id = $1))
UNION ALL
SELECT 'inspect', p.id, p.title, i.seq, NULL, i.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id AND k.status = 'active' JOIN inspections i ON i.contract_id = k.id
 WHERE i.recorded_at IS NULL AND i.inspector_id = $1
   AND EXISTS (SELECT 1 FROM purchase_members m WHERE m.purchase_id = p.id AND m.duty = 'inspector' AND m.user_id = $1)
UNION ALL
SELECT 'assess', p.id, p.title, NULL, NULL, e.due_at, p.policy
  FROM purchases p JOIN contracts k ON k.purchase_id = p.id JOIN evaluations e ON e.contract_id = k.id AND e.status = 'open'
  JOIN purchase_members m ON m.purchase_id = p.id AND m.duty = 'assessor' AND m.user_id = $1
 WHERE NOT EXISTS (SELECT 1 FROM indicator_scores s WHERE s.contract_id = k.id AND s.stage = e.stage AND s.scorer = $1::text)`
