package devenv

import (
	"log/slog"

	"go.temporal.io/sdk/log"
)

// quietLogger drops the SDK's connection chatter while polling for readiness.
func quietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.DiscardHandler))
}
