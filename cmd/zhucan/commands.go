package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"golang.org/x/sync/errgroup"

	"zhucan/activities"
	"zhucan/api"
	"zhucan/catalog"
	"zhucan/codec"
	"zhucan/config"
	"zhucan/devenv"
	"zhucan/rules"
	"zhucan/store"
	"zhucan/valid"
	"zhucan/web"
	"zhucan/worker"
)

// prepareDB connects, migrates and loads the default catalogue years.
func prepareDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	cats, err := catalog.Defaults()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read embedded catalogue: %w", err)
	}
	for _, c := range cats {
		n, err := db.LoadCatalogue(ctx, c)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("load catalogue %d: %w", c.Year, err)
		}
		if n > 0 {
			slog.InfoContext(ctx, "loaded catalogue", "year", c.Year, "newItems", n)
		}
	}
	return db, nil
}

// payloadKey returns ZHUCAN_PAYLOAD_KEY, or the development stack's key
// file; create makes that file when missing (make run), otherwise a
// missing key is an error, since an API and a worker with different keys
// cannot read each other's payloads.
func payloadKey(cfg config.Config, create bool) ([]byte, error) {
	if cfg.PayloadKey != "" {
		return codec.ParseKey(cfg.PayloadKey)
	}
	if create {
		return codec.LoadOrCreateKey(cfg.PayloadKeyFile())
	}
	if _, err := os.Stat(cfg.PayloadKeyFile()); err != nil {
		return nil, errors.New("ZHUCAN_PAYLOAD_KEY is not set and there is no " + cfg.PayloadKeyFile() + ": set it to 64 hexadecimal digits (openssl rand -hex 32), the same for the API and the worker")
	}
	return codec.LoadOrCreateKey(cfg.PayloadKeyFile())
}

func dialTemporal(ctx context.Context, cfg config.Config, key []byte) (client.Client, error) {
	dc, err := codec.DataConverter(key)
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          cfg.TemporalAddress,
		Namespace:         cfg.TemporalNamespace,
		DataConverter:     dc,
		ConnectionOptions: codec.ConnectionOptions(),
		Logger:            sdklog.NewStructuredLogger(slog.Default().With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("Temporal is not reachable at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

func runMigrate(ctx context.Context, out io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if err := store.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := prepareDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(out, "database ready:", store.Redact(cfg.DatabaseURL))
	return nil
}

func runPostgres(ctx context.Context, out io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	pg, err := devenv.EnsurePostgres(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	if pg.Private {
		fmt.Fprintln(out, "started private PostgreSQL under", cfg.DataDir, "— it keeps running; stop it with pg_ctl stop -D", cfg.DataDir+"/postgres/data")
	}
	fmt.Fprintln(out, "PostgreSQL ready:", store.Redact(cfg.DatabaseURL))
	return nil
}

func runAPI(ctx context.Context) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	key, err := payloadKey(cfg, false)
	if err != nil {
		return err
	}
	db, err := prepareDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	tc, err := dialTemporal(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer tc.Close()
	srv, err := newAPI(ctx, cfg, db, tc)
	if err != nil {
		return err
	}
	return srv.ListenAndServe(ctx, cfg.HTTPAddr, func(a net.Addr) {
		slog.InfoContext(ctx, "API listening", "url", "http://"+a.String())
	})
}

// newAPI builds the API server with the configured policy, bootstrapping
// the admin account when ZHUCAN_ADMIN_TOKEN is set.
func newAPI(ctx context.Context, cfg config.Config, db *store.DB, tc client.Client) (*api.Server, error) {
	day := cfg.Day
	if cfg.Policy == "statutory" {
		day = 0
	}
	pol, err := rules.ByName(cfg.Policy, day)
	if err != nil {
		return nil, err
	}
	if cfg.AdminToken != "" {
		if _, err := db.EnsureAdmin(ctx, cfg.AdminToken); err != nil {
			return nil, err
		}
	}
	// The web UI is served beside the API and calls it in-process.
	ui := web.New(web.Options{DB: db, Log: slog.Default(), SecureCookies: cfg.SecureCookies, DataDir: cfg.EvidenceDir})
	srv := api.New(api.Options{DB: db, Temporal: tc, TaskQueue: cfg.TaskQueue, Policy: pol, Validator: valid.New(),
		Log: slog.Default(), UI: ui})
	ui.SetAPI(srv.Handler())
	return srv, nil
}

func runWorker(ctx context.Context) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	key, err := payloadKey(cfg, false)
	if err != nil {
		return err
	}
	db, err := prepareDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	tc, err := dialTemporal(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer tc.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return worker.Run(ctx, tc, cfg.TaskQueue, activities.New(db), slog.Default()) })
	if cfg.WorkerHealthAddr != "" {
		g.Go(func() error { return serveWorkerHealth(ctx, cfg.WorkerHealthAddr, db, tc) })
	}
	return g.Wait()
}

// serveWorkerHealth answers GET /healthz for a stand-alone worker.
func serveWorkerHealth(ctx context.Context, addr string, db *store.DB, tc client.Client) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := api.CheckDependencies(r.Context(), db.Ping, tc)
		w.Header().Set("Content-Type", "application/json")
		if h.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintf(w, `{"status":%q}`+"\n", h.Status)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("worker health endpoint on %s: %w", addr, err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("probe " + url + ": " + resp.Status)
	}
	return nil
}

// runAuditVerify recomputes the audit trail's hash chains.
func runAuditVerify(ctx context.Context, out io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("after %d intact entries: %w", n, err)
	}
	fmt.Fprintf(out, "audit trail intact: %d entries, both hash chains verified\n", n)
	return nil
}
