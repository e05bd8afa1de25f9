package store

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestRepeatServesABurstOfWakesInFewTurns: wakes that come faster than the
// gap are served together, never more than one turn per gap, and the last
// of them is still served.
func TestRepeatServesABurstOfWakesInFewTurns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{}, 1)
	var turns atomic.Int32
	var lastTurn atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		repeat(ctx, time.Hour, wake, 100*time.Millisecond, slog.New(slog.DiscardHandler), "test", func(context.Context) (int, error) {
			turns.Add(1)
			lastTurn.Store(time.Now().UnixNano())
			return 0, nil
		})
	}()
	start := time.Now()
	var lastWake time.Time
	for time.Since(start) < 300*time.Millisecond {
		select {
		case wake <- struct{}{}:
			lastWake = time.Now()
		default:
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(250 * time.Millisecond)
	cancel()
	<-done
	// 300 ms of wakes, 100 ms apart at least: the first turn at once, then
	// one per gap, and one for the wake left waiting.
	if n := turns.Load(); n < 2 || n > 5 {
		t.Fatalf("%d turns for 300 ms of wakes with a 100 ms gap, want 2 to 5", n)
	}
	if last := time.Unix(0, lastTurn.Load()); last.Before(lastWake) {
		t.Fatalf("the last wake (%v) was not served (last turn %v)", lastWake, last)
	}
}
