-- The head of each purchase's audit chain in a row of its own, so that an
-- entry is appended in one statement: the statement takes the head's row
-- lock, reads the latest committed head under it, and moves it on. Before
-- this, the chain's order rested on an advisory lock taken in a statement
-- of its own ahead of the append (a round trip of every action's write).
--
-- chain is the purchase (0: the entries of no purchase); prev and hash
-- are the hashes of the chain's last entry's predecessor and of that entry.
-- audit_log stays the record: `zhucan audit verify` checks it, not this
-- table, which is only where the next entry finds its predecessor.

-- +goose Up
CREATE TABLE audit_chain_heads (
    chain bigint PRIMARY KEY,
    prev  bytea,
    hash  bytea NOT NULL
);

INSERT INTO audit_chain_heads (chain, prev, hash)
SELECT DISTINCT ON (coalesce(purchase_id, 0)) coalesce(purchase_id, 0), prev_hash, hash
FROM audit_log ORDER BY coalesce(purchase_id, 0), id DESC;

-- audit_appended is the last step of an append: it returns the entry's id,
-- or fails when the entry was not inserted (its event key was there: the
-- event was applied before), so that the statement's other changes, the
-- head moved on among them, are undone with it.
-- +goose StatementBegin
CREATE FUNCTION audit_appended(id bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF id IS NULL THEN
        RAISE EXCEPTION 'the event was applied before' USING ERRCODE = 'ZA001';
    END IF;
    RETURN id;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_appended(bigint);
DROP TABLE audit_chain_heads;
