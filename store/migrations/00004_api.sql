-- The HTTP API: idempotent POSTs and signatures in the read model.

-- +goose Up
CREATE TABLE idempotency_keys (
    user_id      bigint NOT NULL REFERENCES users (id),
    key          text   NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    method       text   NOT NULL,
    path         text   NOT NULL,
    request_hash bytea  NOT NULL,
    status       integer,
    headers      jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    -- what the first request created (a purchase number), so that a retry
    -- after a crash continues it instead of creating another
    resource     text,
    PRIMARY KEY (user_id, key)
);

ALTER TABLE awards
    ADD COLUMN officer_signed_at timestamptz,
    ADD COLUMN supplier_signed_at timestamptz;

CREATE INDEX purchases_created_by_idx ON purchases (created_by, id);
CREATE INDEX bids_supplier_idx ON bids (supplier_id, purchase_id);
CREATE INDEX purchase_members_user_idx ON purchase_members (user_id, purchase_id);

-- +goose Down
DROP INDEX purchase_members_user_idx;
DROP INDEX bids_supplier_idx;
DROP INDEX purchases_created_by_idx;
ALTER TABLE awards DROP COLUMN supplier_signed_at, DROP COLUMN officer_signed_at;
DROP TABLE idempotency_keys;
