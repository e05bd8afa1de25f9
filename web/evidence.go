package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"zhucan/store"
)

// Evidence files: a report's uploads are stored in the data directory
// under their SHA-256, the hash the report records. They are served back
// only to the people who work on the contract (the purchaser, the
// contracted organisation, the purchase's inspectors and assessors): they
// may name the disabled people served, so the public sees the names and
// hashes of the files, not their content.

// evidencePath is where an evidence file of purchase pid is stored. Each
// purchase has its own folder: a report can name any hash, and a hash is
// public, so a file is served only from the purchase it was uploaded to.
func (ui *UI) evidencePath(pid int64, sum string) string {
	return filepath.Join(ui.dataDir, strconv.FormatInt(pid, 10), sum)
}

// storeEvidence copies a file uploaded for purchase pid into its folder
// under its SHA-256 and returns the hash in hex.
func (ui *UI) storeEvidence(pid int64, open func() (multipart.File, error)) (string, error) {
	src, err := open()
	if err != nil {
		return "", fmt.Errorf("open upload: %w", err)
	}
	defer src.Close()
	dir := filepath.Dir(ui.evidencePath(pid, "x"))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("create evidence directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return "", fmt.Errorf("create evidence file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), src); err != nil {
		tmp.Close()
		return "", fmt.Errorf("copy upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write evidence file: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(tmp.Name(), ui.evidencePath(pid, sum)); err != nil {
		return "", fmt.Errorf("store evidence file: %w", err)
	}
	return sum, nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// mayReadEvidence reports whether u may download the purchase's evidence files.
func (d *purchaseData) mayReadEvidence(u *store.User) bool {
	switch {
	case u == nil:
		return false
	case u.Role == "officer": // not the administrator, who keeps accounts, not contracts
		return true
	case u.Role == "supplier":
		return d.P.Contract != nil && u.SupplierID != nil && *u.SupplierID == d.P.Contract.SupplierID
	}
	return d.onDuty(u, "inspector") || d.onDuty(u, "assessor")
}

// evidenceName finds the file with hash sum among the purchase's reports.
func (d *purchaseData) evidenceName(sum string) (string, bool) {
	for _, m := range d.P.Milestones {
		for _, r := range m.Reports {
			for _, e := range evidenceOf(r.Evidence) {
				if strings.EqualFold(e.SHA256, sum) {
					return e.Name, true
				}
			}
		}
	}
	return "", false
}

// evidenceFile serves one evidence file of a purchase as a download, after
// checking that the stored content still has the hash the report recorded.
func (ui *UI) evidenceFile(w http.ResponseWriter, r *http.Request) {
	id, ok := ui.pathID(w, r)
	if !ok {
		return
	}
	sum := strings.ToLower(r.PathValue("sha"))
	if !sha256Hex.MatchString(sum) {
		ui.notFound(w, r)
		return
	}
	// The purchase as the caller may see it; not its timeline, which a
	// download does not need.
	d := &purchaseData{}
	if err := ui.get(r, fmt.Sprintf("/api/v1/purchases/%d", id), &d.P); err != nil {
		ui.apiFailed(w, r, err)
		return
	}
	l := state(r).loc
	name, listed := d.evidenceName(sum)
	if !listed {
		ui.notFound(w, r)
		return
	}
	if !d.mayReadEvidence(state(r).user) {
		ui.errorPage(w, r, http.StatusForbidden, "", l.T("evidence.forbidden"))
		return
	}
	f, err := os.Open(ui.evidencePath(id, sum))
	if errors.Is(err, fs.ErrNotExist) {
		// Reports made through the API name files without uploading them here.
		ui.errorPage(w, r, http.StatusNotFound, l.T("evidence.missing.title"), l.T("evidence.missing"))
		return
	}
	if err != nil {
		ui.log.ErrorContext(r.Context(), "open evidence file", "sha256", sum, "err", err)
		ui.errorPage(w, r, http.StatusInternalServerError, "", "")
		return
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || hex.EncodeToString(h.Sum(nil)) != sum {
		ui.log.ErrorContext(r.Context(), "evidence file does not match its hash", "purchase", id, "sha256", sum, "err", err)
		ui.errorPage(w, r, http.StatusInternalServerError, l.T("evidence.corrupt.title"), l.T("evidence.corrupt"))
		return
	}
	info, err := f.Stat()
	if err != nil {
		ui.log.ErrorContext(r.Context(), "stat evidence file", "sha256", sum, "err", err)
		ui.errorPage(w, r, http.StatusInternalServerError, "", "")
		return
	}
	ctype := mime.TypeByExtension(filepath.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", attachment(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("ETag", `"`+sum+`"`)
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// attachment is a Content-Disposition that downloads the file under its
// name, in ASCII for old clients and in UTF-8 (RFC 6266, RFC 8187).
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, strings.ReplaceAll(url.QueryEscape(name), "+", "%20"))
}
