-- Web UI sessions: a signed-in browser holds a random token in a cookie;
-- the database keeps only its SHA-256, the user and the session's CSRF token.

-- +goose Up
CREATE TABLE sessions (
    id         bytea       PRIMARY KEY CHECK (length(id) = 32), -- SHA-256 of the cookie's token
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text        NOT NULL CHECK (csrf_token <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);

CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
