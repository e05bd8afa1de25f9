// Package config owns zhucan's run-time configuration, read from the
// environment so that the same binary runs on a laptop, in CI and in
// containers.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"zhucan/store"
)

// Config is everything a zhucan process needs to know about its surroundings.
type Config struct {
	// DatabaseURL is the PostgreSQL URL (DATABASE_URL).
	DatabaseURL string
	// TemporalAddress is the Temporal frontend host:port (TEMPORAL_ADDRESS).
	TemporalAddress string
	// TemporalNamespace is the Temporal namespace (TEMPORAL_NAMESPACE).
	TemporalNamespace string
	// TaskQueue is the task queue that purchase workflows run on (ZHUCAN_TASK_QUEUE).
	TaskQueue string
	// HTTPAddr is where the API and web UI listen (ZHUCAN_HTTP_ADDR).
	HTTPAddr string
	// WorkerHealthAddr, when set, is where a stand-alone worker serves /healthz (ZHUCAN_WORKER_HEALTH_ADDR).
	WorkerHealthAddr string
	// Policy names the rule set: "statutory" or "sandbox" (ZHUCAN_POLICY).
	Policy string
	// Day is the length of one day under the sandbox policy (ZHUCAN_DAY).
	Day time.Duration
	// AdminToken, when set, bootstraps an admin account with this API token (ZHUCAN_ADMIN_TOKEN).
	AdminToken string
	// DataDir holds local state of the development stack (ZHUCAN_DATA_DIR).
	DataDir string
	// TemporalBinary is the Temporal CLI that the development stack runs (ZHUCAN_TEMPORAL_BIN).
	TemporalBinary string
	// TemporalUIPort is the dev server's web UI port (ZHUCAN_TEMPORAL_UI_PORT).
	TemporalUIPort int
	// SecureCookies marks the web UI's cookies Secure, for HTTPS (ZHUCAN_SECURE_COOKIES).
	SecureCookies bool
	// PayloadKey seals what zhucan stores in Temporal (ZHUCAN_PAYLOAD_KEY,
	// 64 hex digits); when unset, the key file in DataDir is used, created
	// by the development stack.
	PayloadKey string
	// EvidenceDir holds the evidence files uploaded with delivery reports,
	// named by their SHA-256 (ZHUCAN_EVIDENCE_DIR, default DataDir/evidence).
	// In production it must be durable storage shared by every API process.
	EvidenceDir string
}

// PayloadKeyFile is where the development stack keeps its payload key.
func (c Config) PayloadKeyFile() string { return filepath.Join(c.DataDir, "payload.key") }

// FromEnv reads the configuration from the environment, with defaults for a
// developer's machine.
func FromEnv() (Config, error) {
	c := Config{
		DatabaseURL:       env("DATABASE_URL", store.DefaultURL),
		TemporalAddress:   env("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		TaskQueue:         env("ZHUCAN_TASK_QUEUE", "zhucan"),
		HTTPAddr:          env("ZHUCAN_HTTP_ADDR", "127.0.0.1:8080"),
		WorkerHealthAddr:  os.Getenv("ZHUCAN_WORKER_HEALTH_ADDR"),
		Policy:            env("ZHUCAN_POLICY", "statutory"),
		AdminToken:        os.Getenv("ZHUCAN_ADMIN_TOKEN"),
		DataDir:           env("ZHUCAN_DATA_DIR", ".data"),
		TemporalBinary:    env("ZHUCAN_TEMPORAL_BIN", filepath.Join("bin", "temporal")),
		PayloadKey:        os.Getenv("ZHUCAN_PAYLOAD_KEY"),
		EvidenceDir:       os.Getenv("ZHUCAN_EVIDENCE_DIR"),
	}
	port, err := strconv.Atoi(env("ZHUCAN_TEMPORAL_UI_PORT", "8233"))
	if err != nil || port <= 0 || port > 65535 {
		return c, fmt.Errorf("ZHUCAN_TEMPORAL_UI_PORT %q is not a port number", os.Getenv("ZHUCAN_TEMPORAL_UI_PORT"))
	}
	c.TemporalUIPort = port
	if c.EvidenceDir == "" {
		c.EvidenceDir = filepath.Join(c.DataDir, "evidence")
	}
	if v := os.Getenv("ZHUCAN_SECURE_COOKIES"); v != "" {
		if c.SecureCookies, err = strconv.ParseBool(v); err != nil {
			return c, fmt.Errorf("ZHUCAN_SECURE_COOKIES %q is neither true nor false", v)
		}
	}
	day, err := time.ParseDuration(env("ZHUCAN_DAY", "1s"))
	if err != nil || day <= 0 {
		return c, fmt.Errorf("ZHUCAN_DAY %q is not a positive duration such as 1s or 500ms", os.Getenv("ZHUCAN_DAY"))
	}
	c.Day = day
	if c.Policy != "statutory" && c.Policy != "sandbox" {
		return c, fmt.Errorf("ZHUCAN_POLICY %q is neither statutory nor sandbox", c.Policy)
	}
	return c, nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
