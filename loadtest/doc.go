// Package loadtest measures how far one machine goes: a load generator
// drives complete purchases through the HTTP API against the real stack
// (the Temporal dev server and PostgreSQL), 20 at a time in lanes that
// keep them at every stage at once, and then replays the same schedule
// on a floor — bare workflows receiving as many Updates at the same
// moments, each making as many PostgreSQL write transactions as the
// purchases made per action, with no business logic — and reports
// zhucan's cost as a ratio to that floor. Run it with make bench; results
// go to loadtest/results.txt.
package loadtest
