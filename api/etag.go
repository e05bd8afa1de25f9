package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"zhucan/store"
)

// A purchase's page carries an entity tag, so that a client showing it
// again (a browser going back, a screen refreshing, an integration
// polling) asks with If-None-Match and gets 304 Not Modified from one
// small query instead of the record's fifteen, its status Query and its
// JSON. The tag is a function of what the page is a function of: the
// purchase, its page version (store.PageVersion: its latest audit entry
// and the registry's version), who is looking (pages are redacted per
// viewer) and the build that renders it.

// pageETag is the entity tag of purchase id's page at version v as u sees
// it. It is weak: equal tags promise the same content, not the same bytes.
func (s *Server) pageETag(id int64, v store.PageVersion, u *store.User) string {
	var viewer int64
	if u != nil {
		viewer = u.ID
	}
	h := sha256.New()
	for _, n := range []int64{id, v.AuditHead, v.Registry, viewer} {
		h.Write(strconv.AppendInt(nil, n, 10))
		h.Write([]byte{'.'})
	}
	h.Write([]byte(s.build))
	return `W/"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
}

// buildID names the binary serving the API (a digest of its build
// information: module versions, VCS revision): a new build may render a
// page differently, so its tags differ from the old build's.
func buildID() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	sum := sha256.Sum256([]byte(bi.String()))
	return hex.EncodeToString(sum[:8])
}

// etagMatches reports whether an If-None-Match header value names tag: one
// of its comma-separated entity tags equals it by weak comparison (RFC
// 9110 §13.1.2), or it is "*" and the page exists.
func etagMatches(header, tag string, exists bool) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return exists
		}
		if strings.TrimPrefix(t, "W/") == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}

// setPageCaching marks a page as one that a client may keep but must
// revalidate before showing again: it is private to the viewer (the
// credentials select the redaction) and carries its tag.
func setPageCaching(w http.ResponseWriter, tag string) {
	w.Header().Set("ETag", tag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Authorization, Cookie")
}
