// Command zhucan runs the disability-assistance purchasing system: the
// whole development stack (dev), the HTTP API (api), the Temporal worker
// (worker), schema migrations (migrate) and small operator tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `zhucan — government purchase of disability-assistance services (政府购买助残服务)

Usage: zhucan <command>

Commands:
  dev       start the whole development stack in the foreground (make run)
  api       serve the HTTP API and web UI
  worker    run the Temporal worker
  migrate   create the database if needed, apply migrations, load the catalogue
  postgres  make sure PostgreSQL answers at DATABASE_URL (start a private cluster if not)
  audit verify  check the audit trail's hash chains; names the first broken entry
  probe URL exit 0 when URL answers 200 (container health checks)

Configuration comes from the environment: DATABASE_URL, TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, ZHUCAN_TASK_QUEUE, ZHUCAN_HTTP_ADDR, ZHUCAN_POLICY,
ZHUCAN_DAY, ZHUCAN_ADMIN_TOKEN, ZHUCAN_DATA_DIR (see README).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "zhucan:", err)
		os.Exit(1)
	}
}

type usageError struct{}

func (usageError) Error() string { return "usage" }

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	switch args[0] {
	case "dev":
		return runDev(ctx, out)
	case "api":
		return runAPI(ctx)
	case "worker":
		return runWorker(ctx)
	case "migrate":
		return runMigrate(ctx, out)
	case "postgres":
		return runPostgres(ctx, out)
	case "audit":
		if len(args) != 2 || args[1] != "verify" {
			return usageError{}
		}
		return runAuditVerify(ctx, out)
	case "probe":
		if len(args) != 2 {
			return usageError{}
		}
		return probe(ctx, args[1])
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	return usageError{}
}
