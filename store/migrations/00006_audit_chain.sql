-- Tamper-evident audit trail: every entry carries the hash of its
-- predecessor and of itself, in a chain per purchase and a global chain.
-- audit_body renders an entry's content canonically (jsonb text, UTC
-- times), so the hash can be recomputed from the stored row.

-- +goose Up
ALTER TABLE audit_log
    ADD COLUMN prev_hash   bytea,
    ADD COLUMN hash        bytea,
    ADD COLUMN global_prev bytea,
    ADD COLUMN global_hash bytea;

-- +goose StatementBegin
CREATE FUNCTION audit_body(event_key text, purchase_id bigint, workflow_id text, actor text, action text,
                           detail jsonb, at timestamptz, sealed_until timestamptz) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws(E'\x1f', event_key, coalesce(purchase_id::text, ''), workflow_id, actor, action, detail::text,
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(to_char(sealed_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')), 'UTF8')
$$;
-- +goose StatementEnd

-- Entries written before the chain existed are chained now, in order.
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    g bytea;
    p bytea;
BEGIN
    ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        SELECT hash INTO p FROM audit_log WHERE purchase_id IS NOT DISTINCT FROM r.purchase_id AND id < r.id ORDER BY id DESC LIMIT 1;
        UPDATE audit_log SET prev_hash = p,
            hash = sha256(coalesce(p, ''::bytea) || audit_body(r.event_key, r.purchase_id, r.workflow_id, r.actor, r.action, r.detail, r.at, r.sealed_until)),
            global_prev = g,
            global_hash = sha256(coalesce(g, ''::bytea) || audit_body(r.event_key, r.purchase_id, r.workflow_id, r.actor, r.action, r.detail, r.at, r.sealed_until))
        WHERE id = r.id RETURNING global_hash INTO g;
    END LOOP;
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;
END;
$$;
-- +goose StatementEnd

ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL, ALTER COLUMN global_hash SET NOT NULL;
CREATE INDEX audit_log_chain_idx ON audit_log (purchase_id, id DESC);

-- +goose Down
DROP INDEX audit_log_chain_idx;
ALTER TABLE audit_log DROP COLUMN global_hash, DROP COLUMN global_prev, DROP COLUMN hash, DROP COLUMN prev_hash;
DROP FUNCTION audit_body;
