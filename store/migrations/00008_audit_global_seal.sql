-- The global hash chain is sealed after commit, not inside each write.
--
-- Until now every transaction that appended to the audit trail took one
-- global lock and held it until its commit, so that the global chain
-- followed commit order: under load (20 purchases in flight) that lock
-- was PostgreSQL's first wait, and every purchase's writes queued behind
-- every other's commit. Each entry's own purchase chain (prev_hash, hash)
-- is still written in its transaction, under that purchase's lock, so an
-- entry is tamper-evident from its commit. The global chain now lives in
-- audit_seals: a sealer links committed entries onto its end, in batches,
-- one sealer at a time (the same advisory lock, held for a batch only).
-- Entries wait in audit_unsealed, written with the entry (a row of its
-- own, so writers never share a row), until sealed.
--
-- audit_log stays strictly append-only; audit_seals is append-only too.
-- audit_seals.entry_id has no foreign key on purpose: an entry deleted
-- behind the trigger's back must be named by `zhucan audit verify`, not
-- prevented from disappearing by a constraint an attacker can drop too.

-- +goose Up
CREATE TABLE audit_seals (
    seq      bigint PRIMARY KEY,
    entry_id bigint NOT NULL UNIQUE,
    prev     bytea,
    hash     bytea  NOT NULL
);

CREATE TABLE audit_unsealed (
    entry_id bigint PRIMARY KEY
);

-- The entries chained so far keep their place: the global chain was in id
-- order, and its hashes move over unchanged.
INSERT INTO audit_seals (seq, entry_id, prev, hash)
SELECT row_number() OVER (ORDER BY id), id, global_prev, global_hash FROM audit_log WHERE global_hash IS NOT NULL ORDER BY id;
INSERT INTO audit_unsealed (entry_id) SELECT id FROM audit_log WHERE global_hash IS NULL;

ALTER TABLE audit_log DROP COLUMN global_prev, DROP COLUMN global_hash;

-- +goose StatementBegin
CREATE FUNCTION audit_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_seals is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only();

-- audit_seal links at most lim waiting entries onto the global chain, in
-- id order, and returns how many it linked, or -1 when another sealer is
-- at work and wait is false (that sealer, or the next, links them).
-- +goose StatementBegin
CREATE FUNCTION audit_seal(lim int, wait boolean) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    r record;
    s bigint;
    h bytea;
    n int := 0;
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(7242001);
    ELSIF NOT pg_try_advisory_xact_lock(7242001) THEN
        RETURN -1;
    END IF;
    SELECT seq, hash INTO s, h FROM audit_seals ORDER BY seq DESC LIMIT 1;
    FOR r IN SELECT u.entry_id, audit_body(a.event_key, a.purchase_id, a.workflow_id, a.actor, a.action, a.detail, a.at, a.sealed_until) AS body
             FROM audit_unsealed u JOIN audit_log a ON a.id = u.entry_id
             ORDER BY u.entry_id LIMIT lim LOOP
        s := coalesce(s, 0) + 1;
        INSERT INTO audit_seals (seq, entry_id, prev, hash) VALUES (s, r.entry_id, h, sha256(coalesce(h, ''::bytea) || r.body))
            RETURNING hash INTO h;
        DELETE FROM audit_unsealed WHERE entry_id = r.entry_id;
        n := n + 1;
    END LOOP;
    RETURN n;
END;
$$;
-- +goose StatementEnd

-- +goose Down
SELECT audit_seal(2147483647, true);
DROP FUNCTION audit_seal(int, boolean);
ALTER TABLE audit_log ADD COLUMN global_prev bytea, ADD COLUMN global_hash bytea;
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE audit_log a SET global_prev = s.prev, global_hash = s.hash FROM audit_seals s WHERE s.entry_id = a.id;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;
DROP TABLE audit_unsealed, audit_seals;
DROP FUNCTION audit_seals_append_only();
