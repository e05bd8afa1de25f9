-- Sealed events: an audit entry about a sealed bid is hidden from everyone
-- but its actor until the bid deadline.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN sealed_until timestamptz;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN sealed_until;
