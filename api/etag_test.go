package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPurchasePageRevalidates: a purchase's page carries a weak entity
// tag per viewer; If-None-Match naming it answers 304 with no body until
// the purchase changes (a bid) or a name it shows does (an organisation
// put on the dishonesty list), and a tag of another viewer never matches.
func TestPurchasePageRevalidates(t *testing.T) {
	day := time.Second // the tender stays open for the whole test
	s := newStack(t, day)
	c := s.cast()
	var created struct{ ID int64 }
	s.must(http.StatusCreated, "POST", "/api/v1/purchases", c.officer.Token, c.purchaseBody(day, 60), &created)
	path := fmt.Sprintf("/api/v1/purchases/%d", created.ID)

	page := func(token string, want int, hdr ...string) reply {
		t.Helper()
		r := s.call("GET", path, token, nil, hdr...)
		if r.status != want {
			t.Fatalf("GET %s %v: %d %s, want %d", path, hdr, r.status, r.body, want)
		}
		if tag := r.header.Get("ETag"); !strings.HasPrefix(tag, `W/"`) {
			t.Fatalf("GET %s: ETag %q, want a weak entity tag", path, tag)
		}
		if cc := r.header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("GET %s: Cache-Control %q", path, cc)
		}
		return r
	}
	first := page(c.officer.Token, http.StatusOK)
	tag := first.header.Get("ETag")
	if r := page(c.officer.Token, http.StatusNotModified, "If-None-Match", tag); len(r.body) != 0 || r.header.Get("ETag") != tag {
		t.Errorf("304 with body %q and tag %q, want no body and %q", r.body, r.header.Get("ETag"), tag)
	}
	// A list naming it, the strong form of the same tag, and "*" match.
	page(c.officer.Token, http.StatusNotModified, "If-None-Match", `"other", `+tag)
	page(c.officer.Token, http.StatusNotModified, "If-None-Match", strings.TrimPrefix(tag, "W/"))
	page(c.officer.Token, http.StatusNotModified, "If-None-Match", "*")
	page(c.officer.Token, http.StatusOK, "If-None-Match", `W/"not-this-page"`)
	// Pages are redacted per viewer: an organisation and the public get
	// tags of their own, and the officer's does not serve them.
	rep := page(c.reps[0].Token, http.StatusOK, "If-None-Match", tag)
	public := page("", http.StatusOK, "If-None-Match", tag)
	if rep.header.Get("ETag") == tag || public.header.Get("ETag") == tag || rep.header.Get("ETag") == public.header.Get("ETag") {
		t.Errorf("tags officer %s, organisation %s, public %s: each viewer needs its own", tag, rep.header.Get("ETag"), public.header.Get("ETag"))
	}

	// A bid changes the purchase: the kept page is stale.
	s.must(http.StatusOK, "POST", path+"/bids", c.reps[0].Token, map[string]any{"priceFen": 45_000_000, "proposal": "方案"}, nil)
	afterBid := page(c.officer.Token, http.StatusOK, "If-None-Match", tag)
	rep2 := page(c.reps[0].Token, http.StatusOK, "If-None-Match", rep.header.Get("ETag"))
	var mine struct{ MyBid *struct{ PriceFen int64 } }
	rep2.decode(t, &mine)
	if mine.MyBid == nil || mine.MyBid.PriceFen != 45_000_000 {
		t.Errorf("the organisation's page after its bid shows %+v", mine.MyBid)
	}
	tag2 := afterBid.header.Get("ETag")
	page(c.officer.Token, http.StatusNotModified, "If-None-Match", tag2)

	// So does a change to an organisation the page may name.
	s.must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/suppliers/%d/dishonesty", c.orgs[2]), c.officer.Token,
		map[string]any{"dishonest": true, "reason": "虚假材料"}, nil)
	if r := page(c.officer.Token, http.StatusOK, "If-None-Match", tag2); r.header.Get("ETag") == tag2 {
		t.Error("the tag did not move with the registry")
	}

	// "*" names no page of a purchase that does not exist.
	if r := s.call("GET", "/api/v1/purchases/999999999", c.officer.Token, nil, "If-None-Match", "*"); r.status != http.StatusNotFound {
		t.Errorf("unknown purchase with If-None-Match *: %d %s", r.status, r.body)
	}
}
