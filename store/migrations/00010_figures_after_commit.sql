-- The figures are summed after the commit, not inside it.
--
-- Since 00007 every transaction that changed a purchase's figures
-- recomputed them at its commit (a deferred trigger), and moved the
-- difference into figure_totals, whose rows are shared by every purchase
-- of a fiscal year, service area and organisation: 0.75 ms more at the
-- commit of most delivery actions, with those rows locked until it, which
-- a person reporting a milestone waits for. The transaction now only
-- marks the purchase (purchase_figures_stale, as before); the marked
-- purchases are recomputed by purchase_figures_catch_up, which a worker
-- runs every moment and which every read of the figures runs first, so
-- that a read sees every change committed before it.

-- +goose Up
DROP TRIGGER purchase_figures_flush ON purchase_figures_stale;
DROP FUNCTION purchase_figures_flush();

-- A purchase may be marked more than once: with a key on purchase_id, a
-- mark would wait for a catch-up that is deleting the purchase's earlier
-- mark to commit. Without one, a catch-up deletes the marks it sees and
-- never those committed after it looked, and no writer waits for it.
ALTER TABLE purchase_figures_stale DROP CONSTRAINT purchase_figures_stale_pkey;
CREATE INDEX purchase_figures_stale_purchase_idx ON purchase_figures_stale (purchase_id);

-- purchase_figures_catch_up recomputes at most lim marked purchases, in
-- purchase order, and returns how many. One runs at a time (the advisory
-- lock), so that the figure_totals rows are always written in one order;
-- a change that commits while its purchase is being recomputed leaves its
-- mark for the next catch-up.
-- +goose StatementBegin
CREATE FUNCTION purchase_figures_catch_up(lim int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    pid bigint;
    n int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7242003);
    FOR pid IN SELECT DISTINCT purchase_id FROM purchase_figures_stale ORDER BY purchase_id LIMIT lim LOOP
        DELETE FROM purchase_figures_stale WHERE purchase_id = pid;
        PERFORM purchase_figures_refresh(pid);
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- +goose Down
SELECT purchase_figures_catch_up(2147483647);
DROP FUNCTION purchase_figures_catch_up(int);
DROP INDEX purchase_figures_stale_purchase_idx;
ALTER TABLE purchase_figures_stale ADD PRIMARY KEY (purchase_id);
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
