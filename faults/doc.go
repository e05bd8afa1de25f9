// Package faults holds the fault tests of the whole system, run against
// real processes: a worker killed (SIGKILL) in the middle of many
// purchases and replaced, PostgreSQL stopped and restarted while
// purchases write, and a burst of bids straddling a deadline. It
// has no code of its own; each test proves that nothing is lost or
// written twice.
package faults
