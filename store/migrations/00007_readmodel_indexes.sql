-- Read models at scale (issue #8): with a million purchases and five
-- million milestones the purchase list, the inboxes and the analytics
-- answer within tens of milliseconds. loadtest/readmodel-plans.txt shows
-- the plans these indexes and tables give; README reports the figures.
--
-- Inboxes look for the few rows that need someone now (a reported
-- milestone, an unrecorded inspection, an open evaluation) among millions
-- that are done: partial indexes hold only those few rows, so they stay
-- small and their scans touch nothing else.
--
-- The budget-performance figures summed every payment, milestone, report,
-- inspection, bid and tender round of a year on each request (more than
-- ten minutes for one year at this scale). They are now kept per purchase
-- (purchase_figures) and summed per fiscal year, service area and
-- organisation (figure_totals) as rows change, in the same transaction:
-- the analytics read a few thousand pre-summed rows instead.

-- +goose Up

-- Officer inbox: an officer's purchases in one status (challenges to
-- answer, contracts to sign, failed rounds, blocked evaluations) without
-- reading the officer's other tens of thousands of purchases.
CREATE INDEX purchases_created_by_status_idx ON purchases (created_by, status);

-- Officer inbox: milestone reports awaiting review and milestones overdue
-- without a report (a few thousand among millions). seq is included so
-- that the reports to review are read from the index alone.
CREATE INDEX milestones_reported_idx ON milestones (contract_id) INCLUDE (seq) WHERE status = 'reported';
CREATE INDEX milestones_late_idx ON milestones (contract_id) WHERE overdue AND status IN ('pending', 'returned');

-- Overdue milestones are nearly all accepted late; the planner multiplies
-- the two conditions' frequencies and expects a hundred times more
-- pending overdue milestones than there are, then reads an officer's
-- every purchase instead. Statistics on the pair give it the real count.
CREATE STATISTICS milestones_status_overdue_stats (mcv) ON status, overdue FROM milestones;

-- Contracts under way (a few percent of all): the inboxes join the
-- milestones, inspections and rectifications that need someone to them,
-- reading this small index in contract order (a merge join) or probing
-- it, without touching the table.
CREATE INDEX contracts_active_idx ON contracts (id) INCLUDE (purchase_id) WHERE status = 'active';

-- Any contract's purchase and status from the index alone: reports to
-- review and evaluations to score belong to contracts of any status.
CREATE INDEX contracts_purchase_status_idx ON contracts (id) INCLUDE (purchase_id, status);

-- Organisation inbox: an organisation's contracts under way (reports due,
-- rectifications) and its awards still to sign.
CREATE INDEX contracts_active_supplier_idx ON contracts (supplier_id) WHERE status = 'active';
CREATE INDEX awards_unsigned_idx ON awards (supplier_id) WHERE status = 'notified' AND supplier_signed_at IS NULL;

-- Evaluator inbox: inspections not yet recorded, evaluations still open.
CREATE INDEX inspections_unrecorded_idx ON inspections (contract_id) WHERE recorded_at IS NULL;
CREATE INDEX evaluations_open_idx ON evaluations (contract_id) WHERE status = 'open';

-- Officer inbox: failed rectifications (may terminate), with their number.
CREATE INDEX rectifications_failed_idx ON rectifications (contract_id) INCLUDE (seq) WHERE status = 'failed';

-- A purchase's budget movements: its reserved amount in the figures.
CREATE INDEX budget_movements_purchase_idx ON budget_movements (purchase_id);

-- Purchase list: a search whose words name catalogue items finds those
-- items' purchases (with the title index below, in one bitmap) when they
-- are too few among the newest purchases to fill a page.
CREATE INDEX purchases_catalog_code_idx ON purchases (catalog_code);

-- Purchase list: searching a word of a title (q) with a trigram index
-- instead of reading every title. pg_trgm ships with PostgreSQL (contrib);
-- where it is missing or may not be created, the search scans as before.
-- Chinese trigrams need a UTF-8 LC_CTYPE (C.UTF-8, en_US.UTF-8, zh_CN.UTF-8):
-- under the C locale pg_trgm keeps only ASCII characters.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            CREATE INDEX purchases_title_trgm_idx ON purchases USING gin (title gin_trgm_ops);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm may not be created here: searching purchase titles scans the table';
        END;
    ELSE
        RAISE NOTICE 'pg_trgm is not installed: searching purchase titles scans the table';
    END IF;
END;
$$;
-- +goose StatementEnd

-- The figures of one purchase, as store/analytics.go counts them:
-- supplier_id is 0 before a contract, grade and total_centi are the final
-- evaluation's once done.
CREATE TABLE purchase_figures (
    purchase_id    bigint  PRIMARY KEY,
    fiscal_year    integer NOT NULL,
    area           text    NOT NULL,
    supplier_id    bigint  NOT NULL,
    reserved       bigint  NOT NULL,
    paid           bigint  NOT NULL,
    planned        bigint  NOT NULL,
    delivered      bigint  NOT NULL,
    beneficiaries  bigint  NOT NULL,
    on_time        bigint  NOT NULL,
    accepted       bigint  NOT NULL,
    satisfied      bigint  NOT NULL,
    surveyed       bigint  NOT NULL,
    grade          text,
    total_centi    bigint,
    rounds         bigint  NOT NULL,
    bids           bigint  NOT NULL,
    failed         bigint  NOT NULL
);

-- The sums of purchase_figures per fiscal year, service area and
-- organisation (0: not contracted yet).
CREATE TABLE figure_totals (
    fiscal_year    integer NOT NULL,
    area           text    NOT NULL,
    supplier_id    bigint  NOT NULL,
    purchases      bigint  NOT NULL,
    reserved       bigint  NOT NULL,
    paid           bigint  NOT NULL,
    planned        bigint  NOT NULL,
    delivered      bigint  NOT NULL,
    beneficiaries  bigint  NOT NULL,
    on_time        bigint  NOT NULL,
    accepted       bigint  NOT NULL,
    satisfied      bigint  NOT NULL,
    surveyed       bigint  NOT NULL,
    excellent      bigint  NOT NULL,
    good           bigint  NOT NULL,
    pass           bigint  NOT NULL,
    fail           bigint  NOT NULL,
    graded         bigint  NOT NULL, -- purchases with a final score
    score_centi    bigint  NOT NULL, -- the sum of those scores
    rounds         bigint  NOT NULL,
    bids           bigint  NOT NULL,
    failed         bigint  NOT NULL,
    PRIMARY KEY (fiscal_year, area, supplier_id)
);

-- Purchases whose figures changed in the transaction under way; they are
-- recomputed once each when it commits.
CREATE TABLE purchase_figures_stale (
    purchase_id bigint PRIMARY KEY
);

-- A purchase's figures computed from the record (the definition; the
-- columns are purchase_figures').
CREATE VIEW purchase_figures_source AS
SELECT p.id AS purchase_id, b.fiscal_year, p.area, coalesce(c.supplier_id, 0) AS supplier_id,
    coalesce((SELECT sum(CASE m.kind WHEN 'reserve' THEN m.amount_fen ELSE -m.amount_fen END)
              FROM budget_movements m WHERE m.purchase_id = p.id), 0)::bigint AS reserved,
    coalesce((SELECT sum(x.amount_fen) FROM payments x WHERE x.contract_id = c.id), 0)::bigint AS paid,
    coalesce(c.quantity, 0) AS planned,
    coalesce((SELECT sum(m.accepted_quantity) FROM milestones m WHERE m.contract_id = c.id), 0)::bigint AS delivered,
    coalesce((SELECT sum(m.beneficiaries) FROM milestones m WHERE m.contract_id = c.id), 0)::bigint AS beneficiaries,
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
LEFT JOIN evaluations e ON e.contract_id = c.id AND e.stage = 'final' AND e.status = 'done';

-- figure_totals_add adds the figures of plus and takes away those of
-- minus, in one write, to the cell of plus (or of minus when plus is the
-- empty row): both are in the same cell, or one of them is empty.
-- +goose StatementBegin
CREATE FUNCTION figure_totals_add(plus purchase_figures, minus purchase_figures) RETURNS void LANGUAGE sql AS $$
    INSERT INTO figure_totals AS t VALUES (
        coalesce(plus.fiscal_year, minus.fiscal_year), coalesce(plus.area, minus.area), coalesce(plus.supplier_id, minus.supplier_id),
        (plus.purchase_id IS NOT NULL)::int - (minus.purchase_id IS NOT NULL)::int,
        coalesce(plus.reserved, 0) - coalesce(minus.reserved, 0), coalesce(plus.paid, 0) - coalesce(minus.paid, 0),
        coalesce(plus.planned, 0) - coalesce(minus.planned, 0), coalesce(plus.delivered, 0) - coalesce(minus.delivered, 0),
        coalesce(plus.beneficiaries, 0) - coalesce(minus.beneficiaries, 0),
        coalesce(plus.on_time, 0) - coalesce(minus.on_time, 0), coalesce(plus.accepted, 0) - coalesce(minus.accepted, 0),
        coalesce(plus.satisfied, 0) - coalesce(minus.satisfied, 0), coalesce(plus.surveyed, 0) - coalesce(minus.surveyed, 0),
        (plus.grade IS NOT DISTINCT FROM 'excellent')::int - (minus.grade IS NOT DISTINCT FROM 'excellent')::int,
        (plus.grade IS NOT DISTINCT FROM 'good')::int - (minus.grade IS NOT DISTINCT FROM 'good')::int,
        (plus.grade IS NOT DISTINCT FROM 'pass')::int - (minus.grade IS NOT DISTINCT FROM 'pass')::int,
        (plus.grade IS NOT DISTINCT FROM 'fail')::int - (minus.grade IS NOT DISTINCT FROM 'fail')::int,
        (plus.total_centi IS NOT NULL)::int - (minus.total_centi IS NOT NULL)::int,
        coalesce(plus.total_centi, 0) - coalesce(minus.total_centi, 0),
        coalesce(plus.rounds, 0) - coalesce(minus.rounds, 0), coalesce(plus.bids, 0) - coalesce(minus.bids, 0),
        coalesce(plus.failed, 0) - coalesce(minus.failed, 0))
    ON CONFLICT (fiscal_year, area, supplier_id) DO UPDATE SET
        purchases = t.purchases + EXCLUDED.purchases, reserved = t.reserved + EXCLUDED.reserved,
        paid = t.paid + EXCLUDED.paid, planned = t.planned + EXCLUDED.planned,
        delivered = t.delivered + EXCLUDED.delivered, beneficiaries = t.beneficiaries + EXCLUDED.beneficiaries,
        on_time = t.on_time + EXCLUDED.on_time, accepted = t.accepted + EXCLUDED.accepted,
        satisfied = t.satisfied + EXCLUDED.satisfied, surveyed = t.surveyed + EXCLUDED.surveyed,
        excellent = t.excellent + EXCLUDED.excellent, good = t.good + EXCLUDED.good,
        pass = t.pass + EXCLUDED.pass, fail = t.fail + EXCLUDED.fail,
        graded = t.graded + EXCLUDED.graded, score_centi = t.score_centi + EXCLUDED.score_centi,
        rounds = t.rounds + EXCLUDED.rounds, bids = t.bids + EXCLUDED.bids, failed = t.failed + EXCLUDED.failed
$$;
-- +goose StatementEnd

-- purchase_figures_refresh recomputes one purchase's figures and moves the
-- difference into figure_totals. When a purchase changes cell (its
-- contract names the organisation), the two cells are written in key
-- order, so that two transactions never wait for each other in a circle.
-- +goose StatementBegin
CREATE FUNCTION purchase_figures_refresh(pid bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    o purchase_figures;
    n purchase_figures;
    empty purchase_figures;
BEGIN
    SELECT * INTO o FROM purchase_figures WHERE purchase_id = pid FOR UPDATE;
    SELECT * INTO n FROM purchase_figures_source WHERE purchase_id = pid;
    IF o IS NOT DISTINCT FROM n THEN
        RETURN;
    END IF;
    IF o.purchase_id IS NULL THEN
        INSERT INTO purchase_figures VALUES (n.*);
    ELSIF n.purchase_id IS NULL THEN
        DELETE FROM purchase_figures WHERE purchase_id = pid;
    ELSE
        UPDATE purchase_figures SET fiscal_year = n.fiscal_year, area = n.area, supplier_id = n.supplier_id,
            reserved = n.reserved, paid = n.paid, planned = n.planned, delivered = n.delivered,
            beneficiaries = n.beneficiaries, on_time = n.on_time, accepted = n.accepted, satisfied = n.satisfied,
            surveyed = n.surveyed, grade = n.grade, total_centi = n.total_centi, rounds = n.rounds, bids = n.bids,
            failed = n.failed
        WHERE purchase_id = pid;
    END IF;
    IF o.purchase_id IS NULL OR n.purchase_id IS NULL
       OR (o.fiscal_year, o.area, o.supplier_id) = (n.fiscal_year, n.area, n.supplier_id) THEN
        PERFORM figure_totals_add(n, o);
    ELSIF (o.fiscal_year, o.area, o.supplier_id) < (n.fiscal_year, n.area, n.supplier_id) THEN
        PERFORM figure_totals_add(empty, o);
        PERFORM figure_totals_add(n, empty);
    ELSE
        PERFORM figure_totals_add(n, empty);
        PERFORM figure_totals_add(empty, o);
    END IF;
END;
$$;
-- +goose StatementEnd

-- purchase_figures_mark notes that a purchase's figures may have changed.
-- +goose StatementBegin
CREATE FUNCTION purchase_figures_mark(pid bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO purchase_figures_stale SELECT pid WHERE pid IS NOT NULL ON CONFLICT DO NOTHING
$$;
-- +goose StatementEnd

-- At commit, each marked purchase is recomputed once (a constraint trigger
-- deferred to the end of the transaction): an event that writes a report,
-- accepts a milestone and pays it costs one recomputation, and the
-- figure_totals rows, shared by the purchases of a year, area and
-- organisation, stay locked only for the moment of the commit.
-- +goose StatementBegin
CREATE FUNCTION purchase_figures_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM purchase_figures_stale WHERE purchase_id = NEW.purchase_id;
    PERFORM purchase_figures_refresh(NEW.purchase_id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER purchase_figures_flush AFTER INSERT ON purchase_figures_stale
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION purchase_figures_flush();

-- Rows that name their purchase (purchase_id), their contract
-- (contract_id), the purchase itself and budget lines (a purchase's year).
-- +goose StatementBegin
CREATE FUNCTION purchase_figures_touch_purchase() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM purchase_figures_mark(OLD.purchase_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM purchase_figures_mark(NEW.purchase_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION purchase_figures_touch_contract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM purchase_figures_mark((SELECT purchase_id FROM contracts WHERE id = OLD.contract_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM purchase_figures_mark((SELECT purchase_id FROM contracts WHERE id = NEW.contract_id));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION purchase_figures_touch_self() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM purchase_figures_mark(OLD.id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM purchase_figures_mark(NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION purchase_figures_touch_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO purchase_figures_stale SELECT id FROM purchases WHERE budget_id = NEW.id ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- Only the columns the figures read fire the triggers: a purchase's status
-- changing, a bid being ranked or a contract being signed by the officer
-- costs nothing.
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF area, budget_id ON purchases
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_self();
CREATE TRIGGER purchase_figures_touch AFTER UPDATE OF fiscal_year ON budget_lines
    FOR EACH ROW WHEN (OLD.fiscal_year IS DISTINCT FROM NEW.fiscal_year) EXECUTE FUNCTION purchase_figures_touch_budget();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF purchase_id, supplier_id, quantity ON contracts
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_purchase();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF purchase_id, kind, amount_fen ON budget_movements
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_purchase();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF purchase_id ON bids
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_purchase();
CREATE TRIGGER purchase_figures_touch AFTER INSERT ON audit_log
    FOR EACH ROW WHEN (NEW.action IN ('bids.opened', 'purchase.failed')) EXECUTE FUNCTION purchase_figures_touch_purchase();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF contract_id, amount_fen ON payments
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_contract();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF contract_id, status, accepted_quantity, beneficiaries ON milestones
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_contract();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF contract_id, accepted, on_time ON milestone_reports
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_contract();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF contract_id, satisfied, surveyed ON inspections
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_contract();
CREATE TRIGGER purchase_figures_touch AFTER INSERT OR DELETE OR UPDATE OF contract_id, stage, status, grade, total_centi ON evaluations
    FOR EACH ROW EXECUTE FUNCTION purchase_figures_touch_contract();

-- purchase_figures_rebuild computes every purchase's figures in one pass
-- (aggregating each table once) and the totals from them: the backfill
-- below, and after a bulk load with the triggers disabled.
-- +goose StatementBegin
CREATE FUNCTION purchase_figures_rebuild() RETURNS void LANGUAGE plpgsql SET work_mem = '256MB' AS $$
BEGIN
    LOCK TABLE purchase_figures, figure_totals IN EXCLUSIVE MODE;
    DELETE FROM purchase_figures_stale;
    TRUNCATE purchase_figures, figure_totals;
    INSERT INTO purchase_figures
    SELECT p.id, b.fiscal_year, p.area, coalesce(c.supplier_id, 0),
        coalesce(bm.reserved, 0), coalesce(pay.paid, 0), coalesce(c.quantity, 0),
        coalesce(ms.delivered, 0), coalesce(ms.beneficiaries, 0), coalesce(rp.on_time, 0), coalesce(ms.accepted, 0),
        coalesce(ins.satisfied, 0), coalesce(ins.surveyed, 0), e.grade, e.total_centi,
        coalesce(au.rounds, 0), coalesce(bd.bids, 0), coalesce(au.failed, 0)
    FROM purchases p
    JOIN budget_lines b ON b.id = p.budget_id
    LEFT JOIN contracts c ON c.purchase_id = p.id
    LEFT JOIN evaluations e ON e.contract_id = c.id AND e.stage = 'final' AND e.status = 'done'
    LEFT JOIN (SELECT purchase_id, sum(CASE kind WHEN 'reserve' THEN amount_fen ELSE -amount_fen END) AS reserved
               FROM budget_movements GROUP BY purchase_id) bm ON bm.purchase_id = p.id
    LEFT JOIN (SELECT contract_id, sum(amount_fen) AS paid FROM payments GROUP BY contract_id) pay ON pay.contract_id = c.id
    LEFT JOIN (SELECT contract_id, sum(accepted_quantity) AS delivered, sum(beneficiaries) AS beneficiaries,
                      count(*) FILTER (WHERE status = 'accepted') AS accepted
               FROM milestones GROUP BY contract_id) ms ON ms.contract_id = c.id
    LEFT JOIN (SELECT contract_id, count(*) AS on_time FROM milestone_reports WHERE accepted AND on_time
               GROUP BY contract_id) rp ON rp.contract_id = c.id
    LEFT JOIN (SELECT contract_id, sum(satisfied) AS satisfied, sum(surveyed) AS surveyed
               FROM inspections GROUP BY contract_id) ins ON ins.contract_id = c.id
    LEFT JOIN (SELECT purchase_id, count(*) FILTER (WHERE action = 'bids.opened') AS rounds,
                      count(*) FILTER (WHERE action = 'purchase.failed') AS failed
               FROM audit_log WHERE action IN ('bids.opened', 'purchase.failed') GROUP BY purchase_id) au ON au.purchase_id = p.id
    LEFT JOIN (SELECT purchase_id, count(*) AS bids FROM bids GROUP BY purchase_id) bd ON bd.purchase_id = p.id;
    INSERT INTO figure_totals
    SELECT fiscal_year, area, supplier_id, count(*), sum(reserved), sum(paid), sum(planned), sum(delivered),
        sum(beneficiaries), sum(on_time), sum(accepted), sum(satisfied), sum(surveyed),
        count(*) FILTER (WHERE grade = 'excellent'), count(*) FILTER (WHERE grade = 'good'),
        count(*) FILTER (WHERE grade = 'pass'), count(*) FILTER (WHERE grade = 'fail'),
        count(total_centi), coalesce(sum(total_centi), 0), sum(rounds), sum(bids), sum(failed)
    FROM purchase_figures GROUP BY fiscal_year, area, supplier_id;
END;
$$;
-- +goose StatementEnd

SELECT purchase_figures_rebuild();

-- +goose Down
DROP TRIGGER purchase_figures_touch ON evaluations;
DROP TRIGGER purchase_figures_touch ON inspections;
DROP TRIGGER purchase_figures_touch ON milestone_reports;
DROP TRIGGER purchase_figures_touch ON milestones;
DROP TRIGGER purchase_figures_touch ON payments;
DROP TRIGGER purchase_figures_touch ON audit_log;
DROP TRIGGER purchase_figures_touch ON bids;
DROP TRIGGER purchase_figures_touch ON budget_movements;
DROP TRIGGER purchase_figures_touch ON contracts;
DROP TRIGGER purchase_figures_touch ON budget_lines;
DROP TRIGGER purchase_figures_touch ON purchases;
DROP TABLE purchase_figures_stale;
DROP FUNCTION purchase_figures_rebuild(), purchase_figures_touch_budget(), purchase_figures_touch_self(),
    purchase_figures_touch_contract(), purchase_figures_touch_purchase(), purchase_figures_flush(),
    purchase_figures_mark(bigint), purchase_figures_refresh(bigint), figure_totals_add(purchase_figures, purchase_figures);
DROP VIEW purchase_figures_source;
DROP TABLE figure_totals, purchase_figures;
DROP INDEX IF EXISTS purchases_title_trgm_idx;
DROP INDEX purchases_catalog_code_idx;
DROP INDEX budget_movements_purchase_idx;
DROP INDEX rectifications_failed_idx;
DROP INDEX evaluations_open_idx;
DROP INDEX inspections_unrecorded_idx;
DROP INDEX awards_unsigned_idx;
DROP INDEX contracts_active_supplier_idx;
DROP INDEX contracts_purchase_status_idx;
DROP INDEX contracts_active_idx;
DROP STATISTICS milestones_status_overdue_stats;
DROP INDEX milestones_late_idx;
DROP INDEX milestones_reported_idx;
DROP INDEX purchases_created_by_status_idx;
