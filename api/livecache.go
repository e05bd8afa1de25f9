package api

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"zhucan/workflows"
)

// liveCache keeps the tender workflow's answers to the status Query, per
// purchase and viewer, with the purchase's audit head at the time. Every
// change to a purchase is recorded as an audit entry in the same workflow
// task that makes it, so while the head in PostgreSQL is the one an answer
// was kept with, the workflow has nothing newer to tell that PostgreSQL
// does not show: the page is served without asking the engine. A Query
// costs the engine about as much as an action's workflow task, and pages
// are read more often than purchases change.
//
// The maximum age is a safety net, not the rule: were some change ever
// made without an audit entry, a page would show it a minute later.
type liveCache struct {
	lru *expirable.LRU[liveKey, liveEntry]
}

// liveKey is a purchase as seen by one viewer (the answer depends on who
// asks: a bidder sees its own sealed bid, the panel sees scores).
type liveKey struct {
	purchase int64
	viewer   workflows.Actor
}

// liveEntry is an answer with the audit head it was given at.
type liveEntry struct {
	head int64
	view workflows.View
}

// Bounds of the live cache: entries and the age of an answer.
const (
	liveCacheSize   = 10_000
	liveCacheMaxAge = time.Minute
)

func newLiveCache() *liveCache {
	return &liveCache{lru: expirable.NewLRU[liveKey, liveEntry](liveCacheSize, nil, liveCacheMaxAge)}
}

// get returns the answer kept for purchase pid and viewer at audit head
// head, if there is one.
func (c *liveCache) get(pid int64, viewer workflows.Actor, head int64) (workflows.View, bool) {
	e, ok := c.lru.Get(liveKey{pid, viewer})
	if !ok || e.head != head {
		return workflows.View{}, false
	}
	return e.view, true
}

// put keeps an answer given at audit head head.
func (c *liveCache) put(pid int64, viewer workflows.Actor, head int64, v workflows.View) {
	c.lru.Add(liveKey{pid, viewer}, liveEntry{head: head, view: v})
}
