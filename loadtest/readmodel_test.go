package loadtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhucan/internal/testenv"
	"zhucan/store"
)

// The read models at scale (issue #8): a scratch database with a million
// purchases and five million milestones, the purchase list, the inboxes
// and the analytics measured through the store functions the API calls,
// with the plans that explain the figures.
//
// The scratch database zhucan_bench_readmodel lives on the server at
// DATABASE_URL. It is kept after the benchmark and reused by the next run
// when it was loaded at the same scale, by the same generator, with the
// same migrations, less than a week ago (statuses and deadlines are
// relative to the moment of loading); otherwise it is dropped and loaded
// again. ZHUCAN_BENCH_RELOAD=1 forces a reload, ZHUCAN_BENCH_DROP=1 drops
// it at the end.

const (
	rmDatabaseName = "zhucan_bench_readmodel"
	// rmGeneratorVersion changes whenever the generated data changes.
	rmGeneratorVersion = "readmodel-1"
	rmRuns             = 200
	rmWarmup           = 10
	rmTarget           = 50 * time.Millisecond
	// rmBudget bounds the time spent on one query, should it be slow.
	rmBudget = 60 * time.Second
)

// progress reports a step of the benchmark as it happens (b.Logf shows
// nothing until the benchmark ends, minutes later).
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "readmodel %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// rmInfo describes the scratch database.
type rmInfo struct {
	Fingerprint string           `json:"fingerprint"`
	LoadedAt    time.Time        `json:"loadedAt"`
	Scale       rmScale          `json:"scale"`
	Rows        map[string]int64 `json:"rows"`
	Seconds     map[string]float64
	Reused      bool `json:"-"`
}

// rmFingerprint names the data a load produces: the generator, the scale
// and every migration.
func rmFingerprint(scale rmScale) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s %+v\n", rmGeneratorVersion, scale)
	files, err := filepath.Glob(filepath.Join("..", "store", "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("read the migrations: %v (%d files)", err, len(files))
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read migration %s: %w", f, err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// rmDatabase opens the scratch database, loading it unless it can be reused.
func rmDatabase(b *testing.B, scale rmScale) (*store.DB, rmInfo) {
	ctx := context.Background()
	dsn, err := store.WithDatabase(testenv.BaseURL(), rmDatabaseName)
	if err != nil {
		b.Fatal(err)
	}
	fp, err := rmFingerprint(scale)
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("ZHUCAN_BENCH_RELOAD") != "1" {
		if db, info, ok := rmReuse(ctx, dsn, fp); ok {
			progress("reusing %s, loaded %s (ZHUCAN_BENCH_RELOAD=1 reloads it)", rmDatabaseName, info.LoadedAt.Format(time.RFC3339))
			rmCleanup(b, db, dsn)
			return db, info
		}
	}
	if err := store.DropDatabase(ctx, dsn); err != nil {
		b.Fatalf("the read-model benchmark needs PostgreSQL (run it with make bench): %v", err)
	}
	if err := store.EnsureDatabase(ctx, dsn); err != nil {
		b.Fatal(err)
	}
	loader, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = loader.Close() })
	if _, err := loader.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	g, err := newGen(scale, start)
	if err != nil {
		b.Fatal(err)
	}
	gen := time.Since(start)
	progress("generated %s in %s", scale, gen.Round(time.Millisecond))
	st, err := loadReadModel(ctx, loader, g, true, progress)
	if err != nil {
		b.Fatal(err)
	}
	st.Generate, st.Total = gen, time.Since(start)
	info := rmInfo{Fingerprint: fp, LoadedAt: start.UTC(), Scale: scale, Rows: st.Rows, Seconds: map[string]float64{
		"generate": st.Generate.Seconds(), "copy": st.Copy.Seconds(), "restore": st.Restore.Seconds(),
		"readModel": st.ReadModel.Seconds(), "analyze": st.Analyze.Seconds(), "total": st.Total.Seconds()}}
	progress("loaded in %s", st.Total.Round(time.Second))
	// Measure on a pool of fresh sessions, as the API's would be.
	_ = loader.Close()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	rmCleanup(b, db, dsn)
	raw, err := json.Marshal(info)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.X.ExecContext(ctx, `CREATE TABLE bench_readmodel (info jsonb NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	// As text: with binary parameters (store.Open), bytes would be read
	// as jsonb's binary form.
	if _, err := db.X.ExecContext(ctx, `INSERT INTO bench_readmodel (info) VALUES ($1)`, string(raw)); err != nil {
		b.Fatal(err)
	}
	return db, info
}

// rmReuse opens the scratch database when it holds the data fp names,
// loaded less than a week ago.
func rmReuse(ctx context.Context, dsn, fp string) (*store.DB, rmInfo, bool) {
	var info rmInfo
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, info, false
	}
	var raw []byte
	if err := db.X.GetContext(ctx, &raw, `SELECT info FROM bench_readmodel`); err != nil || json.Unmarshal(raw, &info) != nil ||
		info.Fingerprint != fp || time.Since(info.LoadedAt) > 7*24*time.Hour {
		_ = db.Close()
		return nil, info, false
	}
	info.Reused = true
	return db, info, true
}

func rmCleanup(b *testing.B, db *store.DB, dsn string) {
	b.Cleanup(func() {
		_ = db.Close()
		if os.Getenv("ZHUCAN_BENCH_DROP") == "1" {
			if err := store.DropDatabase(context.Background(), dsn); err != nil {
				b.Error(err)
			}
		}
	})
}

// rmCase is one measured query: at(i) gives the i-th run's parameters and
// the call of the store function.
type rmCase struct {
	name string
	at   func(i int) (params string, call func(ctx context.Context, db *store.DB) (int, error))
}

// rmResult is what the runs of one case measured.
type rmResult struct {
	name   string
	ds     []time.Duration
	rows   int
	params []string
	worst  int // index of the slowest run
	median int // index of the run at the median
}

func listCase(name string, f func(rng *rand.Rand) store.PurchaseFilter) rmCase {
	return rmCase{name: "ListPurchases " + name, at: func(i int) (string, func(context.Context, *store.DB) (int, error)) {
		fl := f(rand.New(rand.NewPCG(rmSeed, uint64(i))))
		return fmt.Sprintf("%+v", fl), func(ctx context.Context, db *store.DB) (int, error) {
			ps, err := db.ListPurchases(ctx, fl)
			return len(ps), err
		}
	}}
}

func pickOf[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// runeSlice returns n runes of s from rune i.
func runeSlice(s string, i, n int) string {
	r := []rune(s)
	i = min(i, len(r))
	return string(r[i:min(len(r), i+n)])
}

// rmCases are the measured queries with their varied parameters.
func rmCases(ctx context.Context, db *store.DB) ([]rmCase, error) {
	officers, err := db.ListUsers(ctx, "officer")
	if err != nil {
		return nil, err
	}
	orgs, err := db.ListUsers(ctx, "supplier")
	if err != nil {
		return nil, err
	}
	evaluators, err := db.ListUsers(ctx, "evaluator")
	if err != nil {
		return nil, err
	}
	var areas, items []string
	var years []int
	var maxID int64
	if err := db.X.SelectContext(ctx, &areas, `SELECT DISTINCT code FROM catalog_areas ORDER BY code`); err != nil {
		return nil, fmt.Errorf("read areas: %w", err)
	}
	if err := db.X.SelectContext(ctx, &items, `SELECT DISTINCT name_zh FROM catalog_items ORDER BY name_zh`); err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	if err := db.X.SelectContext(ctx, &years, `SELECT DISTINCT fiscal_year FROM budget_lines ORDER BY fiscal_year`); err != nil {
		return nil, fmt.Errorf("read years: %w", err)
	}
	if err := db.X.GetContext(ctx, &maxID, `SELECT max(id) FROM purchases`); err != nil {
		return nil, fmt.Errorf("read the newest purchase: %w", err)
	}
	// Titles of purchases drawn at random, to search for one project.
	rng := rand.New(rand.NewPCG(rmSeed, 99))
	ids := make([]int64, rmRuns+rmWarmup)
	for i := range ids {
		ids[i] = 1 + rng.Int64N(maxID)
	}
	var titles []string
	if err := db.X.SelectContext(ctx, &titles, `SELECT title FROM purchases WHERE id = ANY($1) ORDER BY id`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("read titles: %w", err)
	}
	statuses := statusNames
	yearsAndAll := append([]int{0}, years...)
	return []rmCase{
		listCase("newest (limit 20, 50 or 100)", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Limit: pickOf(rng, []int{20, 50, 100})}
		}),
		listCase("next page (cursor)", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Before: 1 + rng.Int64N(maxID), Limit: 20}
		}),
		listCase("status", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Status: pickOf(rng, statuses), Limit: 20}
		}),
		listCase("category", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Category: pickOf(rng, areas), Limit: 20}
		}),
		listCase("status+category+method, page 2", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Status: pickOf(rng, statuses), Category: pickOf(rng, areas), Method: pickOf(rng, methodNames),
				Before: maxID - rng.Int64N(maxID/10), Limit: 20}
		}),
		listCase("supplierId", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{SupplierID: *pickOf(rng, orgs).SupplierID, Limit: 20}
		}),
		listCase("q = part of an item name", func(rng *rand.Rand) store.PurchaseFilter {
			name := pickOf(rng, items)
			n := 2 + rng.IntN(3)
			return store.PurchaseFilter{Query: runeSlice(name, rng.IntN(max(1, utf8.RuneCountInString(name)-n+1)), n), Limit: 20}
		}),
		listCase("q = one project's title", func(rng *rand.Rand) store.PurchaseFilter {
			t := pickOf(rng, titles)
			// street, community, year and the item's first characters
			end := strings.Index(t, "年度") + len("年度")
			return store.PurchaseFilter{Query: t[:end] + runeSlice(t[end:], 0, 2), Limit: 20}
		}),
		listCase("q = a street, with status", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Query: streetName(uint8(rng.IntN(2 * len(streets)))), Status: pickOf(rng, statuses), Limit: 20}
		}),
		listCase("q = a fiscal year (old purchases only)", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Query: fmt.Sprintf("%d年度", pickOf(rng, years[:len(years)/2])), Limit: 20}
		}),
		listCase("q = nothing matches", func(rng *rand.Rand) store.PurchaseFilter {
			return store.PurchaseFilter{Query: fmt.Sprintf("项目%06d", rng.IntN(1_000_000)), Limit: 20}
		}),
		tasksCase("officer", officers),
		tasksCase("organisation", orgs),
		tasksCase("evaluator", evaluators),
		{name: "AreaFigures(year)", at: func(i int) (string, func(context.Context, *store.DB) (int, error)) {
			y := yearsAndAll[i%len(yearsAndAll)]
			return fmt.Sprintf("year=%d", y), func(ctx context.Context, db *store.DB) (int, error) {
				fs, err := db.AreaFigures(ctx, y)
				return len(fs), err
			}
		}},
		{name: "SupplierFigures(year)", at: func(i int) (string, func(context.Context, *store.DB) (int, error)) {
			y := yearsAndAll[i%len(yearsAndAll)]
			return fmt.Sprintf("year=%d", y), func(ctx context.Context, db *store.DB) (int, error) {
				fs, err := db.SupplierFigures(ctx, y)
				return len(fs), err
			}
		}},
		{name: "YearFigures()", at: func(int) (string, func(context.Context, *store.DB) (int, error)) {
			return "", func(ctx context.Context, db *store.DB) (int, error) {
				fs, err := db.YearFigures(ctx)
				return len(fs), err
			}
		}},
	}, nil
}

func tasksCase(role string, users []store.User) rmCase {
	return rmCase{name: "Tasks " + role, at: func(i int) (string, func(context.Context, *store.DB) (int, error)) {
		u := users[rand.New(rand.NewPCG(rmSeed, uint64(i))).IntN(len(users))]
		return fmt.Sprintf("user %d (%s)", u.ID, u.Name), func(ctx context.Context, db *store.DB) (int, error) {
			ts, err := db.Tasks(ctx, u)
			return len(ts), err
		}
	}}
}

// measure runs each case rmWarmup times unmeasured, then rmRuns times;
// a query so slow that its runs exceed rmBudget runs fewer times (at
// least once, without warming up), so that a regression cannot make the
// benchmark run for hours.
func measure(ctx context.Context, db *store.DB, cases []rmCase, logf func(string, ...any)) ([]rmResult, error) {
	var out []rmResult
	for _, c := range cases {
		r := rmResult{name: c.name}
		var spent time.Duration
		for i := range rmWarmup + rmRuns {
			if i < rmWarmup && spent > rmBudget/10 {
				continue
			}
			params, call := c.at(i)
			start := time.Now()
			n, err := call(ctx, db)
			d := time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): %w", c.name, params, err)
			}
			spent += d
			if i >= rmWarmup {
				r.ds = append(r.ds, d)
				r.rows += n
				r.params = append(r.params, params)
			}
			if spent > rmBudget && len(r.ds) >= 1 {
				break
			}
		}
		order := make([]int, len(r.ds))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return int(r.ds[a] - r.ds[b]) })
		r.median, r.worst = order[len(order)/2], order[len(order)-1]
		logf("%-54s p50 %8s  p95 %8s  max %8s", c.name, pct(r.ds, .5).Round(10*time.Microsecond),
			pct(r.ds, .95).Round(10*time.Microsecond), slices.Max(r.ds).Round(10*time.Microsecond))
		out = append(out, r)
	}
	return out, nil
}

// capture records the statements a store function sends, so that their
// plans can be explained with the very same SQL and arguments.
type capture struct {
	mu  sync.Mutex
	got []captured
}

type captured struct {
	query string
	args  []any
}

func (c *capture) add(q string, args []driver.NamedValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	c.got = append(c.got, captured{q, vals})
}

type captureConnector struct {
	base driver.Connector
	c    *capture
}

func (cc captureConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := cc.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &captureConn{Conn: conn, c: cc.c}, nil
}

func (cc captureConnector) Driver() driver.Driver { return cc.base.Driver() }

type captureConn struct {
	driver.Conn
	c *capture
}

func (cc *captureConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	cc.c.add(q, args)
	return cc.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (cc *captureConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	cc.c.add(q, args)
	return cc.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (cc *captureConn) CheckNamedValue(nv *driver.NamedValue) error {
	return cc.Conn.(driver.NamedValueChecker).CheckNamedValue(nv)
}

// explain runs a case's i-th call through a capturing connection and
// explains every statement it sent with EXPLAIN (ANALYZE, BUFFERS), or
// with a plain EXPLAIN when analyze is false (a query taking minutes).
func explain(ctx context.Context, db *store.DB, dsn string, c rmCase, i int, analyze bool) (string, error) {
	base, err := pq.NewConnector(dsn)
	if err != nil {
		return "", fmt.Errorf("connect to capture: %w", err)
	}
	rec := &capture{}
	cdb := sqlx.NewDb(sql.OpenDB(captureConnector{base: base, c: rec}), "postgres")
	defer cdb.Close()
	params, call := c.at(i)
	if _, err := call(ctx, &store.DB{X: cdb}); err != nil {
		return "", fmt.Errorf("capture %s: %w", c.name, err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "parameters: %s\n", params)
	for _, q := range rec.got {
		fmt.Fprintf(&sb, "\n-- SQL:\n%s\n-- arguments: %v\n\n", strings.TrimSpace(q.query), q.args)
		var lines []string
		how := "EXPLAIN (ANALYZE, BUFFERS, SETTINGS) "
		if !analyze {
			how = "EXPLAIN (SETTINGS) "
		}
		if err := db.X.SelectContext(ctx, &lines, how+q.query, q.args...); err != nil {
			return "", fmt.Errorf("explain %s: %w", c.name, err)
		}
		sb.WriteString(strings.Join(lines, "\n"))
		sb.WriteString("\n")
	}
	return sb.String(), nil
}

// machine describes where the benchmark ran.
func machine(ctx context.Context, db *store.DB) string {
	cpu, mem := "", ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				mem = fmt.Sprintf("%.1f GiB memory", float64(kb)/(1<<20))
			}
		}
	}
	var version string
	_ = db.X.GetContext(ctx, &version, `SELECT split_part(version(), ' on ', 1)`)
	var settings []string
	_ = db.X.SelectContext(ctx, &settings, `SELECT name || ' ' || current_setting(name) FROM pg_settings
		WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather')
		ORDER BY name`)
	return fmt.Sprintf("%d cores (%s), %s, %s on the same machine (%s)", runtime.NumCPU(), cpu, mem, version, strings.Join(settings, ", "))
}

// BenchmarkReadModelsAtScale loads (or reuses) the scratch database of a
// million purchases and five million milestones, measures the purchase
// list with its filters, the three inboxes and the analytics through the
// store functions the API calls, each 200 times with varied parameters,
// and writes readmodel-results.txt (the table make bench prints) and
// readmodel-plans.txt (EXPLAIN ANALYZE of the median and the slowest run
// of each). Target: p95 under 50 ms each.
func BenchmarkReadModelsAtScale(b *testing.B) {
	if testing.Short() {
		b.Skip("loads a million purchases")
	}
	ctx := context.Background()
	db, info := rmDatabase(b, rmFull)
	cases, err := rmCases(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	dsn, _ := store.WithDatabase(testenv.BaseURL(), rmDatabaseName)
	for b.Loop() {
		results, err := measure(ctx, db, cases, progress)
		if err != nil {
			b.Fatal(err)
		}
		var plans strings.Builder
		fmt.Fprintf(&plans, "zhucan read models at scale — query plans, %s\n", time.Now().UTC().Format(time.RFC3339))
		fmt.Fprintf(&plans, "EXPLAIN (ANALYZE, BUFFERS, SETTINGS) of every statement each store function sent, with the parameters\n")
		fmt.Fprintf(&plans, "of its median run and of its slowest run (after the measured runs, so the cache is as warm as theirs;\n")
		fmt.Fprintf(&plans, "a plain EXPLAIN for a run that took more than 10 s).\n")
		for ci, r := range results {
			for _, which := range []struct {
				label string
				i     int
			}{{"median run", r.median}, {"slowest run", r.worst}} {
				text, err := explain(ctx, db, dsn, cases[ci], rmWarmup+which.i, r.ds[which.i] < 10*time.Second)
				if err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(&plans, "\n\n======== %s — %s (%s) ========\n%s", r.name, which.label, r.ds[which.i].Round(10*time.Microsecond), text)
			}
		}
		if err := os.WriteFile("readmodel-plans.txt", []byte(plans.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		report := rmReport(ctx, db, info, results)
		if err := os.WriteFile("readmodel-results.txt", []byte(report), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Log("\n" + report)
		var worst time.Duration
		for _, r := range results {
			worst = max(worst, pct(r.ds, .95))
		}
		b.ReportMetric(float64(worst.Microseconds())/1000, "worst-p95-ms")
	}
}

func rmReport(ctx context.Context, db *store.DB, info rmInfo, results []rmResult) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "zhucan read models at scale — %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&sb, "machine: %s\n", machine(ctx, db))
	var size string
	_ = db.X.GetContext(ctx, &size, `SELECT pg_size_pretty(pg_database_size(current_database()))`)
	fmt.Fprintf(&sb, "data: %s, %s on disk; rows:", rmDatabaseName, size)
	names := make([]string, 0, len(info.Rows))
	for n := range info.Rows {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return int(info.Rows[b] - info.Rows[a]) })
	for i, n := range names {
		if i%5 == 0 {
			sb.WriteString("\n ")
		}
		fmt.Fprintf(&sb, " %s %d,", n, info.Rows[n])
	}
	s := info.Seconds
	how := "loaded by this run"
	if info.Reused {
		how = "reused, loaded " + info.LoadedAt.Format(time.RFC3339)
	}
	fmt.Fprintf(&sb, "\nload (%s): %.0f s in all — generate %.0f s, COPY %.0f s, keys/indexes/foreign keys %.0f s, figures read model %.0f s, VACUUM ANALYZE %.0f s\n",
		how, s["total"], s["generate"], s["copy"], s["restore"], s["readModel"], s["analyze"])
	fmt.Fprintf(&sb, "%d runs per query after %d warm-up runs, one client, parameters varied per run; target p95 < %s\n\n",
		rmRuns, rmWarmup, rmTarget)
	fmt.Fprintf(&sb, "%-54s %5s %9s %10s %10s %10s  %s\n", "query (store function)", "runs", "rows/run", "p50", "p95", "max", "p95 < 50 ms")
	for _, r := range results {
		ok := "yes"
		if pct(r.ds, .95) >= rmTarget {
			ok = "NO"
		}
		fmt.Fprintf(&sb, "%-54s %5d %9.1f %10s %10s %10s  %s\n", r.name, len(r.ds), float64(r.rows)/float64(len(r.ds)),
			ms(pct(r.ds, .5)), ms(pct(r.ds, .95)), ms(slices.Max(r.ds)), ok)
	}
	return sb.String()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}
