// Package store owns zhucan's PostgreSQL database: connecting, creating the
// database, the versioned schema migrations embedded in the binary, and the
// queries that read and write catalogue items, suppliers, budgets,
// purchases, contracts, payments and the audit trail. Every write that an
// activity may retry is keyed by a UNIQUE business key, so it is idempotent.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// DefaultURL is the database used when DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/zhucan?sslmode=disable"

//go:embed migrations/*.sql
var migrations embed.FS

// DB is zhucan's handle on PostgreSQL.
type DB struct {
	// X is the underlying sqlx handle.
	X *sqlx.DB

	// unsealed wakes RunAuditSealer after a write (nil: no sealer).
	unsealed chan struct{}
	// lax is a small pool whose commits do not wait for the disk
	// (synchronous_commit off), for writes that a crash may lose without
	// harm (see laxX); nil: X serves.
	lax *sqlx.DB
	// stmts holds the statements prepared on the pools (prepared), by
	// pool and text.
	stmts sync.Map
	// contracts holds the contract of each purchase known to have one
	// (purchase → contract): a purchase's contract is written once and
	// never changes (see applyAtOnce).
	contracts sync.Map
}

// stmtKey names a prepared statement: its pool and its text.
type stmtKey struct {
	pool *sqlx.DB
	q    string
}

// prepared returns q prepared on pool x, preparing it the first time.
// PostgreSQL then parses a statement once per connection, and after a few
// runs plans it once, instead of on every run: the statements that every
// action or page runs (the sign-in, a write's lock and audit entry, the
// stored answer, a page's version) spend less of the server's time, which
// every other request on a busy machine waits for.
func (db *DB) prepared(ctx context.Context, x *sqlx.DB, q string) (*sqlx.Stmt, error) {
	k := stmtKey{x, q}
	if st, ok := db.stmts.Load(k); ok {
		return st.(*sqlx.Stmt), nil
	}
	st, err := x.PreparexContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	if prev, loaded := db.stmts.LoadOrStore(k, st); loaded {
		_ = st.Close()
		return prev.(*sqlx.Stmt), nil
	}
	return st, nil
}

// preparedIn returns q prepared (see prepared) for running in tx.
func (db *DB) preparedIn(ctx context.Context, tx *sqlx.Tx, q string) (*sqlx.Stmt, error) {
	st, err := db.prepared(ctx, db.X, q)
	if err != nil {
		return nil, err
	}
	return tx.StmtxContext(ctx, st), nil
}

// Open connects to the database at dsn and checks that it answers. When it
// does not, the error is one plain sentence naming the address.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", Redact(dsn), err)
	}
	// A query with parameters goes to PostgreSQL in one round trip
	// (Parse, Bind, Execute at once) instead of two (a Describe first).
	// Every action and every page runs several such queries, and on a
	// busy machine each round trip waits for both processes to be
	// scheduled. The price: a []byte parameter is sent in binary, which
	// suits bytea; JSON goes as text (see jsonText).
	cfg.BinaryParameters = true
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", Redact(dsn), err)
	}
	x := sqlx.NewDb(sql.OpenDB(conn), "postgres")
	// Idle connections are kept as many as may be open: a connection
	// closed after a burst costs the next one a new PostgreSQL backend
	// (process, authentication, cold catalogue caches), milliseconds on
	// the write path of every action.
	x.SetMaxOpenConns(20)
	x.SetMaxIdleConns(20)
	x.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := x.PingContext(pctx); err != nil {
		_ = x.Close()
		return nil, Unreachable(dsn, err)
	}
	lcfg := cfg.Clone()
	if lcfg.Runtime == nil {
		lcfg.Runtime = map[string]string{}
	}
	lcfg.Runtime["synchronous_commit"] = "off"
	lconn, err := pq.NewConnectorConfig(lcfg)
	if err != nil {
		_ = x.Close()
		return nil, fmt.Errorf("open database %s: %w", Redact(dsn), err)
	}
	lax := sqlx.NewDb(sql.OpenDB(lconn), "postgres")
	lax.SetMaxOpenConns(10)
	lax.SetMaxIdleConns(10)
	lax.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{X: x, unsealed: make(chan struct{}, 1), lax: lax}, nil
}

// laxX is the pool for writes that a crash may lose without harm: their
// commit does not wait for the disk. PostgreSQL's log is written in
// order, so the next ordinary commit, whoever makes it, makes them
// durable too.
func (db *DB) laxX() *sqlx.DB {
	if db.lax == nil {
		return db.X
	}
	return db.lax
}

// jsonText passes encoded JSON as a query parameter. The connection sends
// []byte parameters in binary (see Open), and binary jsonb is not plain
// JSON (it starts with a version byte): JSON goes as text. Nil stays NULL.
func jsonText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.stmts.Range(func(k, st any) bool {
		_ = st.(*sqlx.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
	if db.lax != nil {
		_ = db.lax.Close()
	}
	return db.X.Close()
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.X.PingContext(ctx) }

// UnreachableError says that PostgreSQL could not be reached, in one sentence.
type UnreachableError struct {
	// Addr is host:port/database, without credentials.
	Addr string
	// Err is the underlying driver error.
	Err error
}

// Error is a single sentence suitable for a terminal.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("PostgreSQL is not reachable at %s (%s); start it or set DATABASE_URL", e.Addr, shortCause(e.Err))
}

// Unwrap returns the driver error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// Unreachable wraps a connection error for dsn.
func Unreachable(dsn string, err error) error {
	return &UnreachableError{Addr: addrOf(dsn), Err: err}
}

func shortCause(err error) string {
	var pqe *pq.Error
	if errors.As(err, &pqe) {
		return pqe.Message
	}
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Err != nil {
		return ne.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

// addrOf returns host:port/dbname of a URL-style DSN.
func addrOf(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "the configured address"
	}
	return u.Host + u.Path
}

// Redact hides a password in dsn.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable DATABASE_URL)"
	}
	return u.Redacted()
}

// DatabaseName returns the database named by dsn.
func DatabaseName(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", errors.New("DATABASE_URL names no database")
	}
	return name, nil
}

// WithDatabase returns dsn pointing at database name instead.
func WithDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// EnsureDatabase creates the database named in dsn when it does not exist,
// connecting to the server's maintenance database "postgres" to do so.
func EnsureDatabase(ctx context.Context, dsn string) error {
	name, err := DatabaseName(dsn)
	if err != nil {
		return err
	}
	admin, err := WithDatabase(dsn, "postgres")
	if err != nil {
		return err
	}
	db, err := Open(ctx, admin)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.X.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return fmt.Errorf("look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = db.X.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	var pqe *pq.Error
	if errors.As(err, &pqe) && pqe.Code == "42P04" { // created concurrently
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %q: %w", name, err)
	}
	slog.InfoContext(ctx, "created database", "database", name)
	return nil
}

// DropDatabase drops the database named in dsn, closing its connections
// first. Tests use it to clean up after themselves.
func DropDatabase(ctx context.Context, dsn string) error {
	name, err := DatabaseName(dsn)
	if err != nil {
		return err
	}
	admin, err := WithDatabase(dsn, "postgres")
	if err != nil {
		return err
	}
	db, err := Open(ctx, admin)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.X.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}

// Migrate applies every pending embedded migration and returns the schema
// version reached.
func (db *DB) Migrate(ctx context.Context) (int64, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return 0, fmt.Errorf("open embedded migrations: %w", err)
	}
	// A session lock (pg_advisory_lock) serialises concurrent migrators:
	// the API and the worker may start at the same time.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, fmt.Errorf("prepare migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.X.DB, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("prepare migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range res {
		slog.InfoContext(ctx, "applied migration", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// InTx runs fn in a transaction, committing when it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.X.BeginTxx(ctx, &sql.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}
