// Package loadtest measures how far one machine goes: a load generator
// drives complete purchases through the HTTP API against the real stack
// (the Temporal dev server and PostgreSQL) and, in the same run, a floor —
// a bare workflow receiving the same number of Updates, each writing one
// row to PostgreSQL through a local activity, with no business logic —
// and reports zhucan's cost as a ratio to that floor. Run it with make
// bench; results go to loadtest/results.txt.
package loadtest
