-- Initial schema of zhucan. Money is BIGINT fen (分) with CHECK constraints;
-- every row an activity writes has a UNIQUE business key so that a retried
-- activity upserts instead of duplicating. Times are timestamptz (UTC).

-- +goose Up

-- The guiding catalogue, versioned by year.
CREATE TABLE catalog_areas (
    year        integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    code        text    NOT NULL,
    name_zh     text    NOT NULL,
    name_en     text    NOT NULL,
    sort_order  integer NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE qualifications (
    code     text PRIMARY KEY,
    name_zh  text NOT NULL,
    name_en  text NOT NULL
);

CREATE TABLE catalog_items (
    id              bigserial PRIMARY KEY,
    year            integer NOT NULL,
    code            text    NOT NULL,
    area            text    NOT NULL,
    name_zh         text    NOT NULL,
    name_en         text    NOT NULL,
    description_zh  text    NOT NULL,
    description_en  text    NOT NULL,
    unit_zh         text    NOT NULL,
    unit_en         text    NOT NULL,
    price_min_fen   bigint  NOT NULL CHECK (price_min_fen > 0),
    price_max_fen   bigint  NOT NULL CHECK (price_max_fen >= price_min_fen),
    qualifications  text[]  NOT NULL,
    indicators      jsonb   NOT NULL,
    milestones      jsonb   NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    origin          text    NOT NULL DEFAULT 'default' CHECK (origin IN ('default', 'expansion')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (year, code),
    FOREIGN KEY (year, area) REFERENCES catalog_areas (year, code)
);

-- Social organisations (社会组织) that bid and deliver.
CREATE TABLE suppliers (
    id                bigserial PRIMARY KEY,
    credit_code       char(18) NOT NULL UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    name              text     NOT NULL CHECK (name <> ''),
    qualifications    text[]   NOT NULL DEFAULT '{}',
    contact           text     NOT NULL DEFAULT '',
    welfare_unit      boolean  NOT NULL DEFAULT false,
    dishonest         boolean  NOT NULL DEFAULT false,
    dishonest_reason  text     NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- People who use the system.
CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    name           text   NOT NULL UNIQUE CHECK (name <> ''),
    role           text   NOT NULL CHECK (role IN ('admin', 'officer', 'supplier', 'evaluator')),
    supplier_id    bigint REFERENCES suppliers (id),
    password_hash  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);

CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    token_hash    bytea  NOT NULL UNIQUE,
    label         text   NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- Budget lines and their ledger. reserved + paid never exceeds amount.
CREATE TABLE budget_lines (
    id            bigserial PRIMARY KEY,
    name          text    NOT NULL CHECK (name <> ''),
    fiscal_year   integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    category      text    NOT NULL,
    amount_fen    bigint  NOT NULL CHECK (amount_fen >= 0),
    reserved_fen  bigint  NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
    paid_fen      bigint  NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (reserved_fen + paid_fen <= amount_fen),
    UNIQUE (fiscal_year, name)
);

-- Purchases: one row per purchase workflow.
CREATE TABLE purchases (
    id             bigserial PRIMARY KEY,
    workflow_id    text    NOT NULL UNIQUE,
    title          text    NOT NULL CHECK (title <> ''),
    catalog_year   integer NOT NULL,
    catalog_code   text    NOT NULL,
    area           text    NOT NULL,
    budget_id      bigint  NOT NULL REFERENCES budget_lines (id),
    quantity       bigint  NOT NULL CHECK (quantity > 0),
    ceiling_fen    bigint  NOT NULL CHECK (ceiling_fen > 0),
    method         text    NOT NULL CHECK (method IN ('open_tender', 'competitive_consultation', 'single_source')),
    status         text    NOT NULL CHECK (status IN ('tendering', 'evaluating', 'challenge_period', 'contracting',
                                                       'delivering', 'assessing', 'settled', 'failed', 'cancelled', 'terminated')),
    round          integer NOT NULL DEFAULT 1 CHECK (round >= 1),
    bid_deadline   timestamptz NOT NULL,
    service_start  timestamptz NOT NULL,
    service_end    timestamptz NOT NULL CHECK (service_end > service_start),
    price_weight   integer NOT NULL CHECK (price_weight BETWEEN 10 AND 30),
    policy         text    NOT NULL,
    created_by     bigint  REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (catalog_year, catalog_code) REFERENCES catalog_items (year, code)
);
CREATE INDEX purchases_status_idx ON purchases (status, id);
CREATE INDEX purchases_area_idx ON purchases (area, id);

-- Panel members, inspectors and assessors assigned to a purchase.
CREATE TABLE purchase_members (
    purchase_id  bigint NOT NULL REFERENCES purchases (id),
    user_id      bigint NOT NULL REFERENCES users (id),
    duty         text   NOT NULL CHECK (duty IN ('panel', 'inspector', 'assessor')),
    recused_at   timestamptz,
    recusal_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (purchase_id, user_id, duty)
);

-- Budget ledger: every reservation, release and payment, keyed for idempotency.
CREATE TABLE budget_movements (
    id           bigserial PRIMARY KEY,
    budget_id    bigint NOT NULL REFERENCES budget_lines (id),
    purchase_id  bigint REFERENCES purchases (id),
    kind         text   NOT NULL CHECK (kind IN ('reserve', 'release', 'pay')),
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    op_key       text   NOT NULL UNIQUE,
    at           timestamptz NOT NULL DEFAULT now()
);

-- Bids, revealed to the database only after the deadline (sealed before).
CREATE TABLE bids (
    id                 bigserial PRIMARY KEY,
    purchase_id        bigint  NOT NULL REFERENCES purchases (id),
    round              integer NOT NULL,
    supplier_id        bigint  NOT NULL REFERENCES suppliers (id),
    price_fen          bigint  NOT NULL CHECK (price_fen > 0),
    proposal           text    NOT NULL DEFAULT '',
    status             text    NOT NULL CHECK (status IN ('valid', 'rejected')),
    abnormally_low     boolean NOT NULL DEFAULT false,
    low_price_decision text    NOT NULL DEFAULT '',
    technical_centi    bigint,
    price_score_centi  bigint,
    total_centi        bigint,
    rank               integer,
    submitted_at       timestamptz NOT NULL,
    UNIQUE (purchase_id, round, supplier_id)
);

CREATE TABLE bid_scores (
    bid_id           bigint NOT NULL REFERENCES bids (id),
    evaluator_id     bigint NOT NULL REFERENCES users (id),
    technical_centi  bigint NOT NULL CHECK (technical_centi >= 0),
    scored_at        timestamptz NOT NULL,
    PRIMARY KEY (bid_id, evaluator_id)
);

CREATE TABLE awards (
    id           bigserial PRIMARY KEY,
    purchase_id  bigint  NOT NULL REFERENCES purchases (id),
    round        integer NOT NULL,
    bid_id       bigint  NOT NULL REFERENCES bids (id),
    supplier_id  bigint  NOT NULL REFERENCES suppliers (id),
    amount_fen   bigint  NOT NULL CHECK (amount_fen > 0),
    status       text    NOT NULL CHECK (status IN ('notified', 'signed', 'forfeited', 'voided')),
    notified_at  timestamptz NOT NULL,
    UNIQUE (purchase_id, round, bid_id)
);

-- Challenges (质疑) against an award.
CREATE TABLE challenges (
    id           bigserial PRIMARY KEY,
    purchase_id  bigint  NOT NULL REFERENCES purchases (id),
    seq          integer NOT NULL,
    round        integer NOT NULL,
    supplier_id  bigint  NOT NULL REFERENCES suppliers (id),
    reason       text    NOT NULL CHECK (reason <> ''),
    filed_at     timestamptz NOT NULL,
    upheld       boolean,
    action       text CHECK (action IN ('rescore', 'retender')),
    response     text NOT NULL DEFAULT '',
    answered_at  timestamptz,
    UNIQUE (purchase_id, seq)
);

CREATE TABLE contracts (
    id                     bigserial PRIMARY KEY,
    purchase_id            bigint NOT NULL UNIQUE REFERENCES purchases (id),
    supplier_id            bigint NOT NULL REFERENCES suppliers (id),
    amount_fen             bigint NOT NULL CHECK (amount_fen > 0),
    quantity               bigint NOT NULL CHECK (quantity > 0),
    service_start          timestamptz NOT NULL,
    service_end            timestamptz NOT NULL CHECK (service_end > service_start),
    indicators             jsonb  NOT NULL,
    status                 text   NOT NULL CHECK (status IN ('active', 'completed', 'terminated')),
    officer_signed_at      timestamptz NOT NULL,
    supplier_signed_at     timestamptz NOT NULL,
    terminated_at          timestamptz,
    termination_reason     text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL DEFAULT now()
);

-- Milestones with their payment plan.
CREATE TABLE milestones (
    contract_id          bigint  NOT NULL REFERENCES contracts (id),
    seq                  integer NOT NULL CHECK (seq >= 1),
    name                 text    NOT NULL,
    due_at               timestamptz NOT NULL,
    planned_quantity     bigint  NOT NULL CHECK (planned_quantity >= 0),
    payment_percent      integer NOT NULL CHECK (payment_percent BETWEEN 0 AND 100),
    planned_payment_fen  bigint  NOT NULL CHECK (planned_payment_fen >= 0),
    status               text    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'reported', 'returned', 'accepted', 'cancelled')),
    accepted_quantity    bigint  CHECK (accepted_quantity >= 0),
    beneficiaries        bigint  CHECK (beneficiaries >= 0),
    accepted_at          timestamptz,
    overdue              boolean NOT NULL DEFAULT false,
    PRIMARY KEY (contract_id, seq)
);

CREATE TABLE milestone_reports (
    contract_id         bigint  NOT NULL,
    seq                 integer NOT NULL,
    version             integer NOT NULL CHECK (version >= 1),
    delivered_quantity  bigint  NOT NULL CHECK (delivered_quantity >= 0),
    beneficiaries       bigint  NOT NULL CHECK (beneficiaries >= 0),
    summary             text    NOT NULL,
    evidence            jsonb   NOT NULL DEFAULT '[]',
    submitted_at        timestamptz NOT NULL,
    accepted            boolean,
    accepted_quantity   bigint CHECK (accepted_quantity >= 0),
    review_reason       text NOT NULL DEFAULT '',
    reviewed_at         timestamptz,
    PRIMARY KEY (contract_id, seq, version),
    FOREIGN KEY (contract_id, seq) REFERENCES milestones (contract_id, seq)
);

-- Quality monitoring (质量监控).
CREATE TABLE inspections (
    contract_id    bigint  NOT NULL REFERENCES contracts (id),
    seq            integer NOT NULL CHECK (seq >= 1),
    due_at         timestamptz NOT NULL,
    inspector_id   bigint REFERENCES users (id),
    reinspection   boolean NOT NULL DEFAULT false,
    passed         boolean,
    findings       text NOT NULL DEFAULT '',
    surveyed       integer CHECK (surveyed >= 0),
    satisfied      integer CHECK (satisfied >= 0),
    recorded_at    timestamptz,
    CHECK (satisfied IS NULL OR surveyed IS NULL OR satisfied <= surveyed),
    PRIMARY KEY (contract_id, seq)
);

CREATE TABLE rectifications (
    contract_id     bigint  NOT NULL REFERENCES contracts (id),
    seq             integer NOT NULL CHECK (seq >= 1),
    inspection_seq  integer NOT NULL,
    deadline        timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('open', 'done', 'closed', 'failed')),
    summary         text NOT NULL DEFAULT '',
    done_at         timestamptz,
    closed_at       timestamptz,
    PRIMARY KEY (contract_id, seq),
    FOREIGN KEY (contract_id, inspection_seq) REFERENCES inspections (contract_id, seq)
);

-- Performance evaluation (绩效评价) with indicator scores.
CREATE TABLE evaluations (
    contract_id   bigint NOT NULL REFERENCES contracts (id),
    stage         text   NOT NULL CHECK (stage IN ('midterm', 'final')),
    total_centi   bigint NOT NULL CHECK (total_centi BETWEEN 0 AND 10000),
    grade         text   NOT NULL CHECK (grade IN ('excellent', 'good', 'pass', 'fail')),
    evaluated_at  timestamptz NOT NULL,
    PRIMARY KEY (contract_id, stage)
);

CREATE TABLE indicator_scores (
    contract_id     bigint NOT NULL,
    stage           text   NOT NULL,
    indicator_code  text   NOT NULL,
    -- 'measured' for scores computed from the record, else the evaluator's user id.
    scorer          text   NOT NULL,
    score_centi     bigint NOT NULL CHECK (score_centi >= 0),
    comment         text   NOT NULL DEFAULT '',
    PRIMARY KEY (contract_id, stage, indicator_code, scorer),
    FOREIGN KEY (contract_id, stage) REFERENCES evaluations (contract_id, stage) DEFERRABLE INITIALLY DEFERRED
);

-- Payments to suppliers; op_key makes each payment happen once.
CREATE TABLE payments (
    id           bigserial PRIMARY KEY,
    contract_id  bigint NOT NULL REFERENCES contracts (id),
    op_key       text   NOT NULL UNIQUE,
    kind         text   NOT NULL CHECK (kind IN ('milestone', 'retention', 'settlement')),
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    paid_at      timestamptz NOT NULL
);

-- Performance record of each organisation: grades, delays, terminations.
CREATE TABLE supplier_records (
    id           bigserial PRIMARY KEY,
    supplier_id  bigint NOT NULL REFERENCES suppliers (id),
    purchase_id  bigint NOT NULL REFERENCES purchases (id),
    kind         text   NOT NULL CHECK (kind IN ('grade', 'delay', 'termination', 'forfeit')),
    detail       jsonb  NOT NULL DEFAULT '{}',
    op_key       text   NOT NULL UNIQUE,
    at           timestamptz NOT NULL
);

-- Append-only audit trail: who did what, when, in which workflow.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    event_key    text   NOT NULL UNIQUE,
    purchase_id  bigint REFERENCES purchases (id),
    workflow_id  text   NOT NULL DEFAULT '',
    actor        text   NOT NULL,
    action       text   NOT NULL,
    detail       jsonb  NOT NULL DEFAULT '{}',
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_purchase_idx ON audit_log (purchase_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log, supplier_records, payments, indicator_scores, evaluations,
    rectifications, inspections, milestone_reports, milestones, contracts, challenges,
    awards, bid_scores, bids, budget_movements, purchase_members, purchases,
    budget_lines, api_tokens, users, suppliers, catalog_items, qualifications, catalog_areas;
DROP FUNCTION audit_log_append_only();
