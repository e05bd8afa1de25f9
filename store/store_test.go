package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode"

	"zhucan/catalog"
	"zhucan/internal/testenv"
	"zhucan/store"
	"zhucan/valid"
)

// catalogueDB is a fresh database with the default catalogue loaded.
func catalogueDB(t *testing.T) (*store.DB, catalog.Catalogue) {
	t.Helper()
	db := testenv.DB(t)
	c := defaultCatalogue(t)
	if _, err := db.LoadCatalogue(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return db, c
}

func defaultCatalogue(t *testing.T) catalog.Catalogue {
	t.Helper()
	cats, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) == 0 {
		t.Fatal("no embedded catalogue")
	}
	return cats[len(cats)-1]
}

func TestMigrateTwiceIsANoop(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	v1, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 != v2 || v1 < 1 {
		t.Fatalf("schema versions %d then %d", v1, v2)
	}
}

func TestLoadCatalogueIsIdempotentAndRoundTrips(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	c := defaultCatalogue(t)
	n, err := db.LoadCatalogue(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(c.Items) {
		t.Fatalf("first load added %d items, want %d", n, len(c.Items))
	}
	n, err = db.LoadCatalogue(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second load added %d items, want 0", n)
	}
	got, err := db.Catalogue(ctx, c.Year)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Areas) != 8 {
		t.Fatalf("got %d areas, want 8", len(got.Areas))
	}
	if len(got.Items) != len(c.Items) {
		t.Fatalf("got %d items, want %d", len(got.Items), len(c.Items))
	}
	want := map[string]catalog.Item{}
	for _, it := range c.Items {
		want[it.Code] = it
	}
	for _, it := range got.Items {
		a, _ := json.Marshal(it)
		b, _ := json.Marshal(want[it.Code])
		if string(a) != string(b) {
			t.Errorf("item %s does not round-trip:\n got %s\nwant %s", it.Code, a, b)
		}
	}
}

func TestNewCatalogueYearKeepsTheOldOne(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	next := c
	next.Year = c.Year + 1
	next.Items = nil
	for _, it := range c.Items[:5] {
		it.Year = next.Year
		next.Items = append(next.Items, it)
	}
	if _, err := db.LoadCatalogue(ctx, next); err != nil {
		t.Fatal(err)
	}
	years, err := db.CatalogueYears(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 2 || years[0] != next.Year || years[1] != c.Year {
		t.Fatalf("years %v, want [%d %d]", years, next.Year, c.Year)
	}
	old, err := db.Catalogue(ctx, c.Year)
	if err != nil {
		t.Fatal(err)
	}
	if len(old.Items) != len(c.Items) {
		t.Fatalf("old year has %d items after adding a new year, want %d", len(old.Items), len(c.Items))
	}
}

func TestAddCatalogItem(t *testing.T) {
	db, c := catalogueDB(t)
	ctx := context.Background()
	v := valid.New()
	good := c.Items[0]
	good.Code = "ZZ-99"
	good.NameZH = "新增服务"
	if err := db.AddCatalogItem(ctx, v, good); err != nil {
		t.Fatalf("add valid item: %v", err)
	}
	got, err := db.CatalogItem(ctx, c.Year, "ZZ-99")
	if err != nil || got.NameZH != "新增服务" {
		t.Fatalf("read back: %+v, %v", got, err)
	}

	weights := good
	weights.Code = "ZZ-98"
	weights.Indicators = append([]catalog.Indicator(nil), good.Indicators...)
	weights.Indicators[0].Weight++
	prices := good
	prices.Code = "ZZ-97"
	prices.PriceMinFen, prices.PriceMaxFen = 20000, 10000
	area := good
	area.Code = "ZZ-96"
	area.Area = "no_such_area"
	year := good
	year.Code = "ZZ-95"
	year.Year = 1999 + 200
	for _, tc := range []struct {
		name  string
		item  catalog.Item
		field string
	}{
		{"duplicate code", good, "code"},
		{"weights not summing to 100", weights, "indicators"},
		{"min price above max", prices, "priceMinFen"},
		{"unknown area", area, "area"},
		{"unknown year", year, "year"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.AddCatalogItem(ctx, v, tc.item)
			fe, ok := valid.As(err)
			if !ok {
				t.Fatalf("want field errors, got %v", err)
			}
			found := false
			for _, f := range fe {
				if f.Field == tc.field || strings.HasSuffix(f.Field, "."+tc.field) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no error names %q: %v", tc.field, fe)
			}
		})
	}
	var n int
	if err := db.X.GetContext(ctx, &n, `SELECT count(*) FROM catalog_items WHERE code LIKE 'ZZ-%'`); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d expansion items stored, want only the valid one", n)
	}
}

func TestOpenUnreachableIsOneSentence(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://postgres@127.0.0.1:1/zhucan?sslmode=disable&connect_timeout=2")
	var ue *store.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("want UnreachableError, got %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "127.0.0.1:1/zhucan") || !strings.Contains(msg, "DATABASE_URL") {
		t.Fatalf("message is not one clear sentence: %q", msg)
	}
}

func TestAuditLogIsAppendOnlyAndIdempotent(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	e := store.AuditEntry{EventKey: "test:1", Actor: "system", Action: "test.happened", Detail: json.RawMessage(`{"a":1}`)}
	for range 2 {
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.X.GetContext(ctx, &n, `SELECT count(*) FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d audit rows after a retried append, want 1", n)
	}
	if _, err := db.X.ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory'`); err == nil {
		t.Fatal("audit_log accepted an UPDATE")
	}
	if _, err := db.X.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
		t.Fatal("audit_log accepted a DELETE")
	}
}

func TestBudgetConstraintsRefuseOverspending(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := db.X.ExecContext(ctx, `INSERT INTO budget_lines (name, fiscal_year, category, amount_fen, reserved_fen, paid_fen)
		VALUES ('ok', 2026, 'rehabilitation', 100, 60, 40)`); err != nil {
		t.Fatalf("a fully used line should be accepted: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO budget_lines (name, fiscal_year, category, amount_fen, reserved_fen, paid_fen) VALUES ('over', 2026, 'x', 100, 60, 41)`,
		`INSERT INTO budget_lines (name, fiscal_year, category, amount_fen) VALUES ('neg', 2026, 'x', -1)`,
		`INSERT INTO suppliers (credit_code, name) VALUES ('91350100M000100Y4I', 'bad charset')`,
	} {
		if _, err := db.X.ExecContext(ctx, q); err == nil {
			t.Errorf("accepted: %s", q)
		}
	}
}

// TestAuditChainNamesTheFirstAlteredEntry alters and deletes rows with SQL
// (the append-only trigger disabled, as an attacker with database access
// would) and checks that verification names the entry.
func TestAuditChainNamesTheFirstAlteredEntry(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	for i := range 6 {
		if err := db.AppendAudit(ctx, store.AuditEntry{EventKey: fmt.Sprintf("e%d", i), Actor: "system", Action: "test",
			Detail: json.RawMessage(fmt.Sprintf(`{"n": %d, "a": "甲"}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 6 {
		t.Fatalf("intact chain: %d, %v", n, err)
	}
	var ids []int64
	if err := db.X.SelectContext(ctx, &ids, `SELECT id FROM audit_log ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	tamper := func(q string, args ...any) {
		t.Helper()
		behindTrigger(t, db, "audit_log", "audit_log_no_update", q, args...)
	}
	tamper(`UPDATE audit_log SET detail = '{"n": 99}' WHERE id = $1`, ids[3])
	_, err := db.VerifyAudit(ctx)
	var br *store.ChainBreak
	if !errors.As(err, &br) || br.ID != ids[3] {
		t.Fatalf("altered entry %d: got %v", ids[3], err)
	}
	tamper(`UPDATE audit_log SET detail = '{"n": 3, "a": "甲"}' WHERE id = $1`, ids[3])
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatalf("restored: %v", err)
	}
	tamper(`DELETE FROM audit_log WHERE id = $1`, ids[2])
	if _, err := db.VerifyAudit(ctx); !errors.As(err, &br) || br.ID != ids[3] {
		t.Fatalf("after deleting %d the next entry %d must be named: %v", ids[2], ids[3], err)
	}
}

// TestIdempotencyKeepsWhatAFailedAttemptCreated: a request that allocated
// a purchase number and then failed (5xx) leaves its number for the retry,
// which takes the claim over at once; two takeovers cannot both win.
func TestIdempotencyKeepsWhatAFailedAttemptCreated(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, valid.New(), store.User{Name: "o", Role: "officer"})
	if err != nil {
		t.Fatal(err)
	}
	if claimed, _, err := db.ClaimIdempotencyKey(ctx, u.ID, "k", "POST", "/p", []byte("h")); err != nil || !claimed {
		t.Fatal(claimed, err)
	}
	if err := db.NoteIdempotentResource(ctx, u.ID, "k", "41"); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseIdempotencyKey(ctx, u.ID, "k"); err != nil {
		t.Fatal(err)
	}
	claimed, prev, err := db.ClaimIdempotencyKey(ctx, u.ID, "k", "POST", "/p", []byte("h"))
	if err != nil || claimed || !prev.Stale || prev.Resource == nil || *prev.Resource != "41" {
		t.Fatalf("retry sees claimed=%v %+v %v", claimed, prev, err)
	}
	first, err1 := db.TakeOverIdempotencyKey(ctx, u.ID, "k")
	second, err2 := db.TakeOverIdempotencyKey(ctx, u.ID, "k")
	if err1 != nil || err2 != nil || !first || second {
		t.Fatalf("takeovers: %v %v (%v %v)", first, second, err1, err2)
	}
	if res, _ := db.IdempotentResource(ctx, u.ID, "k"); res != "41" {
		t.Fatalf("the retry would allocate another purchase: %q", res)
	}
	// A claim that created nothing is simply forgotten.
	_, _, _ = db.ClaimIdempotencyKey(ctx, u.ID, "k2", "POST", "/p", []byte("h"))
	_ = db.ReleaseIdempotencyKey(ctx, u.ID, "k2")
	if claimed, _, _ := db.ClaimIdempotencyKey(ctx, u.ID, "k2", "POST", "/p", []byte("h")); !claimed {
		t.Fatal("a released empty claim was kept")
	}
}

// TestSignInClaimsTheKeyInTheSameStatement: a sign-in with a key claims
// it once, a second gets the first's record, a supplier's user comes with
// the organisation, and a revoked token claims nothing.
func TestSignInClaimsTheKeyInTheSameStatement(t *testing.T) {
	db, c := catalogueDB(t)
	ctx, v := context.Background(), valid.New()
	it := c.Items[0]
	_, orgs := budgetAndBidders(t, db, it, 1)
	tok, _ := store.NewToken()
	u, err := db.CreateUserWithToken(ctx, v, store.User{Name: "rep", Role: "supplier", SupplierID: &orgs[0]}, tok)
	if err != nil {
		t.Fatal(err)
	}
	key := &store.KeyClaim{Key: "k1", Method: "POST", Path: "/p", RequestHash: []byte{1, 2}}
	in, err := db.SignIn(ctx, tok, key)
	if err != nil || in.User.ID != u.ID || !in.Claimed {
		t.Fatalf("first sign-in: %+v %v", in, err)
	}
	if in.Org == nil || in.Org.ID != orgs[0] || in.Org.Name != "org 0" || len(in.Org.Qualifications) != len(it.Qualifications) || in.Org.CreatedAt.IsZero() {
		t.Fatalf("organisation read at sign-in: %+v", in.Org)
	}
	again, err := db.SignIn(ctx, tok, key)
	if err != nil || again.Claimed || again.Prev.Status != 0 || string(again.Prev.RequestHash) != string(key.RequestHash) {
		t.Fatalf("second sign-in with the key: %+v %v", again, err)
	}
	if plain, err := db.SignIn(ctx, tok, nil); err != nil || plain.Claimed || plain.User.ID != u.ID {
		t.Fatalf("sign-in without a key: %+v %v", plain, err)
	}
	var used int
	if err := db.X.GetContext(ctx, &used, `SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL`); err != nil || used != 1 {
		t.Fatalf("last use noted on %d tokens (%v)", used, err)
	}
	if _, err := db.X.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = now()`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SignIn(ctx, tok, &store.KeyClaim{Key: "k2", Method: "POST", Path: "/p"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token: %v", err)
	}
	var claims int
	if err := db.X.GetContext(ctx, &claims, `SELECT count(*) FROM idempotency_keys`); err != nil || claims != 1 {
		t.Fatalf("%d claims, want the one of the valid token (%v)", claims, err)
	}
}

// TestGlobalChainSealedWhileWritersAppend appends entries of many purchases
// at once while two sealers run, as two worker processes would: every
// entry ends up in the global chain exactly once, in one unbroken chain.
func TestGlobalChainSealedWhileWritersAppend(t *testing.T) {
	db := testenv.DB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 {
		go db.RunAuditSealer(ctx, 5*time.Millisecond, log)
	}
	const writers, each = 8, 40
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				// Entries of no purchase share one chain; the test uses
				// them so that the writers also contend for a chain.
				if err := db.AppendAudit(ctx, store.AuditEntry{EventKey: fmt.Sprintf("w%d/%d", w, i), Actor: "system", Action: "test",
					Detail: json.RawMessage(fmt.Sprintf(`{"w": %d, "i": %d}`, w, i))}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.VerifyAudit(ctx)
	if err != nil || n != writers*each {
		t.Fatalf("verify: %d entries, %v", n, err)
	}
	for q, want := range map[string]int64{
		`SELECT count(*) FROM audit_seals`:                       writers * each,
		`SELECT count(DISTINCT entry_id) FROM audit_seals`:       writers * each,
		`SELECT count(*) FROM audit_unsealed`:                    0,
		`SELECT max(seq) - min(seq) + 1 FROM audit_seals`:        writers * each,
		`SELECT count(*) FROM audit_log WHERE prev_hash IS NULL`: 1,
	} {
		var got int64
		if err := db.X.GetContext(ctx, &got, q); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
}

// TestGlobalChainNamesAlteredAndRemovedLinks tampers with the global chain
// itself and with an entry that never reached it.
func TestGlobalChainNamesAlteredAndRemovedLinks(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	for i := range 5 {
		if err := db.AppendAudit(ctx, store.AuditEntry{EventKey: fmt.Sprintf("g%d", i), Actor: "system", Action: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := db.X.SelectContext(ctx, &ids, `SELECT entry_id FROM audit_seals ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	sneak := func(q string, args ...any) {
		t.Helper()
		behindTrigger(t, db, "audit_seals", "audit_seals_no_update", q, args...)
	}
	var br *store.ChainBreak
	sneak(`UPDATE audit_seals SET hash = sha256(hash) WHERE entry_id = $1`, ids[1])
	if _, err := db.VerifyAudit(ctx); !errors.As(err, &br) || br.ID != ids[1] || br.Chain != "global" {
		t.Fatalf("altered link of %d: %v", ids[1], err)
	}
	sneak(`DELETE FROM audit_seals WHERE entry_id = $1`, ids[1])
	if _, err := db.VerifyAudit(ctx); !errors.As(err, &br) || br.ID != ids[2] || br.Chain != "global" {
		t.Fatalf("removed link of %d: %v", ids[1], err)
	}
}

// TestAnEntryOutsideTheGlobalChainIsNamed: an entry that is in no chain
// (taken out of the sealer's queue before it was sealed) is named.
func TestAnEntryOutsideTheGlobalChainIsNamed(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	for i := range 3 {
		if err := db.AppendAudit(ctx, store.AuditEntry{EventKey: fmt.Sprintf("o%d", i), Actor: "system", Action: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	if err := db.X.GetContext(ctx, &last, `DELETE FROM audit_unsealed WHERE entry_id = (SELECT max(entry_id) FROM audit_unsealed) RETURNING entry_id`); err != nil {
		t.Fatal(err)
	}
	var br *store.ChainBreak
	if _, err := db.VerifyAudit(ctx); !errors.As(err, &br) || br.ID != last || br.Chain != "global" {
		t.Fatalf("entry %d outside the global chain: %v", last, err)
	}
}

// TestLikeMatchesAsILikeForCaselessTexts: for a text none of whose
// characters has another case form, PostgreSQL's LIKE matches exactly the
// titles ILIKE matches (the list's search relies on it), titles with
// letters of every kind included.
func TestLikeMatchesAsILikeForCaselessTexts(t *testing.T) {
	db := testenv.DB(t)
	titles := []string{"2019年度康复护理", "ẞ街道2019", "İstanbul 项目", "KELVIN 度", "ǅ社区", "ΣΊΣΥΦΟΣ ς", "助餐 ABC abc", "项目000123", "100% 完成", "ＡＢＣ全角", "Ⅰ期 ⅰ期"}
	patterns := []string{"2019", "年度", "街道", "项目", "度", "社区", "ς", "123", "100%", "全角", "期", "ß", "k", "i", "abc"}
	caseless := func(s string) bool {
		for _, r := range s {
			if unicode.SimpleFold(r) != r {
				return false
			}
		}
		return true
	}
	checked := 0
	for _, p := range patterns {
		if !caseless(p) {
			continue
		}
		for _, title := range titles {
			var like, ilike bool
			pat := "%" + p + "%"
			if err := db.X.QueryRow(`SELECT $1 LIKE $2, $1 ILIKE $2`, title, pat).Scan(&like, &ilike); err != nil {
				t.Fatal(err)
			}
			if like != ilike {
				t.Errorf("%q against %q: LIKE %v, ILIKE %v", title, pat, like, ilike)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no caseless pattern checked")
	}
}

// behindTrigger runs q with table's append-only trigger disabled, as an
// attacker with database access would.
func behindTrigger(t *testing.T, db *store.DB, table, trigger, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	for _, step := range []func() error{
		func() error {
			_, err := db.X.ExecContext(ctx, `ALTER TABLE `+table+` DISABLE TRIGGER `+trigger)
			return err
		},
		func() error { _, err := db.X.ExecContext(ctx, q, args...); return err },
		func() error {
			_, err := db.X.ExecContext(ctx, `ALTER TABLE `+table+` ENABLE TRIGGER `+trigger)
			return err
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
}
