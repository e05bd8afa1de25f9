package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// The work done after commits — sealing the audit trail's global chain,
// recomputing the figures of changed purchases — is one SQL function that
// handles at most a batch and says how many it handled, called in turns.

// inBatches runs query — a call of such a function, with the batch size
// and then args as its parameters — one transaction at a time until a
// call handles fewer than batch, and returns how many were handled in
// all. A negative count stops at once (another process is at the work).
// what names the work in errors.
func (db *DB) inBatches(ctx context.Context, what, query string, batch int, args ...any) (int, error) {
	total := 0
	for {
		var n int
		if err := db.X.GetContext(ctx, &n, query, append([]any{batch}, args...)...); err != nil {
			return total, fmt.Errorf("%s: %w", what, err)
		}
		if n < 0 {
			return total, nil
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// repeat runs work every interval, and whenever wake delivers (a nil wake
// never does) but not sooner than gap after its last turn, until ctx
// ends: the wakes of a burst of writes are served by one turn, which
// costs PostgreSQL about as much as a turn for one write. A failure is
// logged and the work runs again at its next turn.
func repeat(ctx context.Context, interval time.Duration, wake <-chan struct{}, gap time.Duration, log *slog.Logger, what string,
	work func(context.Context) (int, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
			if d := gap - time.Since(last); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				case <-time.After(d):
				}
			}
		}
		last = time.Now()
		if _, err := work(ctx); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, what+" failed; retrying", "err", err)
		}
	}
}
