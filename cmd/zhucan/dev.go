package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"zhucan/activities"
	"zhucan/config"
	"zhucan/devenv"
	"zhucan/store"
	"zhucan/worker"
	"zhucan/workflows"
)

// runDev starts PostgreSQL (if needed), the Temporal dev server, the
// worker and the API in one foreground process, and stops them in reverse
// order on Ctrl-C. All state lives in PostgreSQL and the data directory,
// so a second run finds it again.
func runDev(ctx context.Context, out io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	pg, err := devenv.EnsurePostgres(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer func() {
		if err := pg.Stop(context.Background()); err != nil {
			slog.Error("stopping PostgreSQL", "err", err)
		}
	}()
	db, err := prepareDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()

	tmp, err := devenv.StartTemporal(ctx, devenv.TemporalOptions{
		Binary:           cfg.TemporalBinary,
		Address:          cfg.TemporalAddress,
		UIPort:           cfg.TemporalUIPort,
		DBFile:           filepath.Join(cfg.DataDir, "temporal.db"),
		LogFile:          filepath.Join(cfg.DataDir, "temporal.log"),
		Namespace:        cfg.TemporalNamespace,
		SearchAttributes: workflows.SearchAttributes(),
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := tmp.Stop(); err != nil {
			slog.Error("stopping Temporal", "err", err)
		}
	}()
	key, err := payloadKey(cfg, true)
	if err != nil {
		return err
	}
	tc, err := dialTemporal(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer tc.Close()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return worker.Run(gctx, tc, cfg.TaskQueue, activities.New(db), slog.Default()) })
	srv, err := newAPI(ctx, cfg, db, tc)
	if err != nil {
		return err
	}
	g.Go(func() error {
		return srv.ListenAndServe(gctx, cfg.HTTPAddr, func(a net.Addr) {
			pgWhere := store.Redact(cfg.DatabaseURL)
			if pg.Private {
				pgWhere += " (private cluster in " + filepath.Join(cfg.DataDir, "postgres") + ")"
			}
			ui := tmp.UIURL
			if tmp.External {
				ui = "(external server; see its own UI)"
			}
			fmt.Fprintf(out, `
zhucan is running (policy %s). Press Ctrl-C to stop.
  API and web UI   http://%s   (health: /healthz, catalogue: /api/v1/catalog)
  PostgreSQL       %s
  Temporal         %s   web UI %s
  Worker           task queue %q
`, cfg.Policy, a, pgWhere, cfg.TemporalAddress, ui, cfg.TaskQueue)
		})
	})
	err = g.Wait()
	fmt.Fprintln(out, "stopping zhucan…")
	return err
}
