package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"zhucan/valid"
)

// NewToken returns a fresh API token: 32 random bytes, URL-safe.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return "zc_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenHash is how tokens are stored: only their SHA-256.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// HashPassword hashes a web password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// AddToken stores the hash of token for user.
func (db *DB) AddToken(ctx context.Context, userID int64, token, label string) error {
	if _, err := db.X.ExecContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3)
		ON CONFLICT (token_hash) DO NOTHING`, userID, tokenHash(token), label); err != nil {
		return fmt.Errorf("store token of user %d: %w", userID, err)
	}
	return nil
}

// KeyClaim is an Idempotency-Key to claim for a request as its caller
// signs in (SignIn): the key and what identifies the request.
type KeyClaim struct {
	// Key is the client's Idempotency-Key.
	Key string
	// Method and Path are the request's.
	Method, Path string
	// RequestHash is the SHA-256 of the method, path and body.
	RequestHash []byte
}

// SignedIn is who a token signs in, with what a request needs of them at
// once: their organisation for a supplier's user, and the outcome of the
// key claimed with the sign-in.
type SignedIn struct {
	// User is the token's user.
	User User
	// Org is the organisation of a supplier's user; nil for other roles.
	Org *Supplier
	// Claimed is true when the key was claimed for this request; false,
	// with Prev, when the key was used before (Status 0 while that first
	// request is in flight). Both are zero when no key was given.
	Claimed bool
	// Prev is the earlier record of the key when it was not claimed.
	Prev IdempotentResponse
}

// SignIn returns who an unrevoked API token signs in, notes when the
// token was last used, and claims key for the request when one is given
// (see ClaimIdempotencyKey): all in one statement, so that an action
// pays one round trip to PostgreSQL before it goes to its workflow, and
// a request stopped while signing in leaves neither a claim nor a note.
//
// The note is written at most once a minute per token: a token is shared
// by concurrent requests (a client polling several purchases), and a write
// per request would queue them all on the token's row and a WAL flush.
// Like the claim, it commits without waiting for the disk (laxX): losing
// a last-used time in a crash is harmless.
func (db *DB) SignIn(ctx context.Context, token string, key *KeyClaim) (SignedIn, error) {
	var row struct {
		User
		Org     *string `db:"org"`
		Claimed bool    `db:"claimed"`
	}
	var claim KeyClaim
	if key != nil {
		claim = *key
	}
	st, err := db.prepared(ctx, db.laxX(), `WITH t AS (
			SELECT u.id, u.name, u.role, u.supplier_id, u.password_hash, u.created_at
			FROM api_tokens t JOIN users u ON u.id = t.user_id
			WHERE t.token_hash = $1 AND t.revoked_at IS NULL),
		noted AS (UPDATE api_tokens SET last_used_at = now()
			WHERE token_hash = $1 AND revoked_at IS NULL
			  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')),
		claim AS (INSERT INTO idempotency_keys (user_id, key, method, path, request_hash)
			SELECT id, $2, $3, $4, $5 FROM t WHERE $2 <> ''
			ON CONFLICT (user_id, key) DO NOTHING RETURNING true AS claimed)
		SELECT t.*, coalesce((SELECT claimed FROM claim), false) AS claimed,
			(SELECT to_jsonb(o)::text FROM (SELECT s.id, s.credit_code AS "creditCode", s.name, s.qualifications, s.contact,
				s.welfare_unit AS "welfareUnit", s.dishonest, s.dishonest_reason AS "dishonestReason", s.created_at AS "createdAt"
				FROM suppliers s WHERE s.id = t.supplier_id) o) AS org
		FROM t`)
	if err == nil {
		err = st.GetContext(ctx, &row, tokenHash(token), claim.Key, claim.Method, claim.Path, claim.RequestHash)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return SignedIn{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return SignedIn{}, fmt.Errorf("sign in with token: %w", err)
	}
	se := SignedIn{User: row.User, Claimed: row.Claimed}
	if row.Org != nil {
		var org Supplier
		if err := json.Unmarshal([]byte(*row.Org), &org); err != nil {
			return SignedIn{}, fmt.Errorf("read organisation of user %d: %w", row.ID, err)
		}
		se.Org = &org
	}
	if key != nil && !se.Claimed {
		if se.Prev, err = db.idempotentRecord(ctx, row.ID, key.Key); err != nil {
			return SignedIn{}, err
		}
	}
	return se, nil
}

// UserByID reads one user.
func (db *DB) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := db.X.GetContext(ctx, &u, `SELECT id, name, role, supplier_id, password_hash, created_at FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user %d: %w", id, err)
	}
	return u, nil
}

// UserByPassword returns the user whose name and password match.
func (db *DB) UserByPassword(ctx context.Context, name, password string) (User, error) {
	var u User
	err := db.X.GetContext(ctx, &u, `SELECT id, name, role, supplier_id, password_hash, created_at FROM users WHERE name = $1`, name)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (u.PasswordHash == nil || bcrypt.CompareHashAndPassword([]byte(*u.PasswordHash), []byte(password)) != nil)) {
		return User{}, fmt.Errorf("sign in %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user %q: %w", name, err)
	}
	return u, nil
}

// EnsureAdmin makes sure an admin named "admin" exists and that token is
// one of its API tokens (ZHUCAN_ADMIN_TOKEN). It is idempotent.
func (db *DB) EnsureAdmin(ctx context.Context, token string) (User, error) {
	var u User
	err := db.X.GetContext(ctx, &u, `INSERT INTO users (name, role) VALUES ('admin', 'admin')
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
		RETURNING id, name, role, supplier_id, password_hash, created_at`)
	if err != nil {
		return u, fmt.Errorf("bootstrap admin: %w", err)
	}
	if u.Role != "admin" {
		return u, errors.New("bootstrap admin: a user named admin exists without the admin role")
	}
	return u, db.AddToken(ctx, u.ID, token, "ZHUCAN_ADMIN_TOKEN")
}

// IdempotentResponse is the stored first answer to an idempotent POST.
type IdempotentResponse struct {
	// Status is the HTTP status; 0 while the first request is in flight.
	Status int `db:"status"`
	// Headers are the response headers worth replaying.
	Headers []byte `db:"headers"`
	// Body is the response body.
	Body []byte `db:"body"`
	// RequestHash identifies the request the key was first used with.
	RequestHash []byte `db:"request_hash"`
	// Resource is what the first request created, if it got that far.
	Resource *string `db:"resource"`
	// Stale is true when an unfinished first request is old enough to be
	// presumed dead (its API process crashed).
	Stale bool `db:"stale"`
}

// ClaimIdempotencyKey records that user's key is being used for a request.
// It reports claimed=false with the earlier record when the key was used
// before (its response, or Status 0 while that request is in flight).
//
// The claim's commit does not wait for the disk (laxX): anything the
// request then records for good (its event, a purchase number, its stored
// answer) commits after the claim and so makes the claim durable too; a
// claim lost in a crash before that guarded nothing yet, and the retry
// claims the key anew and sends the same workflow Update (its ID comes
// from the key), which Temporal runs once.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, userID int64, key, method, path string, reqHash []byte) (claimed bool, prev IdempotentResponse, err error) {
	res, err := db.laxX().ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, key) DO NOTHING`, userID, key, method, path, reqHash)
	if err != nil {
		return false, prev, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, prev, nil
	}
	prev, err = db.idempotentRecord(ctx, userID, key)
	return false, prev, err
}

// idempotentRecord reads the record of a key used before.
func (db *DB) idempotentRecord(ctx context.Context, userID int64, key string) (IdempotentResponse, error) {
	var prev IdempotentResponse
	err := db.X.GetContext(ctx, &prev, `SELECT coalesce(status, 0) AS status, headers, body, request_hash, resource,
			status IS NULL AND created_at < now() - interval '30 seconds' AS stale
		FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key)
	if err != nil {
		return prev, fmt.Errorf("read idempotency key: %w", err)
	}
	return prev, nil
}

// CompleteIdempotencyKey stores the answer given under a claimed key.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, userID int64, key string, status int, headers, body []byte) error {
	st, err := db.prepared(ctx, db.X, `UPDATE idempotency_keys SET status = $3, headers = $4, body = $5, completed_at = now()
		WHERE user_id = $1 AND key = $2`)
	if err == nil {
		_, err = st.ExecContext(ctx, userID, key, status, jsonText(headers), body)
	}
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// NoteIdempotentResource records what a claimed request created.
func (db *DB) NoteIdempotentResource(ctx context.Context, userID int64, key, resource string) error {
	if _, err := db.X.ExecContext(ctx, `UPDATE idempotency_keys SET resource = $3 WHERE user_id = $1 AND key = $2`, userID, key, resource); err != nil {
		return fmt.Errorf("note idempotent resource: %w", err)
	}
	return nil
}

// IdempotentResource returns what an earlier attempt under key created, or "".
func (db *DB) IdempotentResource(ctx context.Context, userID int64, key string) (string, error) {
	var res *string
	err := db.X.GetContext(ctx, &res, `SELECT resource FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read idempotent resource: %w", err)
	}
	if res == nil {
		return "", nil
	}
	return *res, nil
}

// ReleaseIdempotencyKey lets the client's retry act after a request that
// failed without an answer: a claim that created nothing is forgotten; one
// that already allocated a resource (a purchase number) is kept and marked
// for immediate takeover, so that the retry continues that resource
// instead of creating another.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	if _, err := db.X.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL AND resource IS NULL`, userID, key); err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	if _, err := db.X.ExecContext(ctx, `UPDATE idempotency_keys SET created_at = '-infinity' WHERE user_id = $1 AND key = $2 AND status IS NULL`, userID, key); err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// TakeOverIdempotencyKey atomically takes over a stale unanswered claim;
// of two retries arriving together, exactly one gets true.
func (db *DB) TakeOverIdempotencyKey(ctx context.Context, userID int64, key string) (bool, error) {
	res, err := db.X.ExecContext(ctx, `UPDATE idempotency_keys SET created_at = now()
		WHERE user_id = $1 AND key = $2 AND status IS NULL AND created_at < now() - interval '30 seconds'`, userID, key)
	if err != nil {
		return false, fmt.Errorf("take over idempotency key: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CreateUserWithToken adds an account and its first API token in one
// transaction, so that no account exists without the token shown for it.
func (db *DB) CreateUserWithToken(ctx context.Context, v *valid.Validator, u User, token string) (User, error) {
	var out User
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = createUser(ctx, tx, v, u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, 'created')`,
			out.ID, tokenHash(token)); err != nil {
			return fmt.Errorf("store token of user %d: %w", out.ID, err)
		}
		return nil
	})
	return out, err
}
