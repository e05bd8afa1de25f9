package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in browser of the web UI. Its token lives only in
// the browser's cookie; the database keeps the token's SHA-256 as ID.
type Session struct {
	// ID is the SHA-256 of the session token.
	ID []byte `db:"id" json:"-"`
	// UserID is the signed-in user.
	UserID int64 `db:"user_id" json:"userId"`
	// CSRF is the token every POST form of the session must carry.
	CSRF string `db:"csrf_token" json:"-"`
	// CreatedAt is when the user signed in.
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
	// ExpiresAt is when the session ends.
	ExpiresAt time.Time `db:"expires_at" json:"expiresAt"`
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateSession signs userID in for ttl and returns the token for the
// browser's cookie with the stored session (its fresh CSRF token included).
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, Session, error) {
	if ttl <= 0 {
		return "", Session{}, errors.New("create session: ttl must be positive")
	}
	token, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	var s Session
	err = db.X.GetContext(ctx, &s, `INSERT INTO sessions (id, user_id, csrf_token, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))
		RETURNING id, user_id, csrf_token, created_at, expires_at`, tokenHash(token), userID, csrf, ttl.Seconds())
	if err != nil {
		return "", Session{}, fmt.Errorf("create session of user %d: %w", userID, err)
	}
	return token, s, nil
}

// SessionUser returns the user and session of an unexpired session token,
// or ErrNotFound.
func (db *DB) SessionUser(ctx context.Context, token string) (User, Session, error) {
	var row struct {
		User
		SessionUserID int64     `db:"session_user_id"`
		SessionID     []byte    `db:"session_id"`
		CSRF          string    `db:"csrf_token"`
		SessionAt     time.Time `db:"session_created_at"`
		ExpiresAt     time.Time `db:"expires_at"`
	}
	if token == "" {
		return User{}, Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	err := db.X.GetContext(ctx, &row, `SELECT u.id, u.name, u.role, u.supplier_id, u.password_hash, u.created_at,
			s.user_id AS session_user_id, s.id AS session_id, s.csrf_token, s.created_at AS session_created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > now()`, tokenHash(token))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Session{}, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("look up session: %w", err)
	}
	return row.User, Session{ID: row.SessionID, UserID: row.SessionUserID, CSRF: row.CSRF, CreatedAt: row.SessionAt, ExpiresAt: row.ExpiresAt}, nil
}

// DeleteSession ends the session of token (signing out); an unknown token
// is not an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := db.X.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, tokenHash(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PurgeExpiredSessions deletes expired sessions and returns how many.
func (db *DB) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.X.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("purge expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge expired sessions: %w", err)
	}
	return n, nil
}
