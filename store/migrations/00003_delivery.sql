-- Delivery: evaluations open before they are scored (assessors' scores
-- arrive one by one), inspections are assigned when they fall due, and a
-- payment names the milestone it pays.

-- +goose Up
ALTER TABLE evaluations
    ALTER COLUMN total_centi DROP NOT NULL,
    ALTER COLUMN grade DROP NOT NULL,
    ALTER COLUMN evaluated_at DROP NOT NULL,
    ADD COLUMN opened_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN due_at timestamptz,
    ADD COLUMN status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done'));

ALTER TABLE payments
    ADD COLUMN milestone_seq integer,
    ADD CONSTRAINT payments_milestone_fk FOREIGN KEY (contract_id, milestone_seq) REFERENCES milestones (contract_id, seq);

ALTER TABLE milestone_reports ADD COLUMN on_time boolean;

CREATE INDEX payments_contract_idx ON payments (contract_id);
CREATE INDEX supplier_records_supplier_idx ON supplier_records (supplier_id, at);

-- +goose Down
DROP INDEX supplier_records_supplier_idx;
DROP INDEX payments_contract_idx;
ALTER TABLE milestone_reports DROP COLUMN on_time;
ALTER TABLE payments DROP CONSTRAINT payments_milestone_fk, DROP COLUMN milestone_seq;
ALTER TABLE evaluations DROP COLUMN status, DROP COLUMN due_at, DROP COLUMN opened_at;
