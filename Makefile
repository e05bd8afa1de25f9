# zhucan — make run starts the whole system, make test tests all of it.
GO        ?= go
TEMPORAL_CLI_VERSION := v1.5.1
DATA_DIR  ?= .data

.PHONY: run test vet build bench postgres clean help axe lint-openapi

help:
	@echo "make run    build what is missing and start PostgreSQL (if needed), Temporal, worker, API and web UI"
	@echo "make test   go vet and every test, including integration tests against real PostgreSQL and Temporal"
	@echo "make bench  benchmarks"

# The Temporal CLI (dev server) is built in its own module graph with go
# install, never as a requirement of our go.mod: newer CLI versions do not
# build here, and its server packages clash with our SDK's API version.
bin/temporal:
	@mkdir -p bin
	@echo "building the Temporal dev server $(TEMPORAL_CLI_VERSION) into bin/ (first time only, a few minutes)…"
	GOBIN=$(CURDIR)/bin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

# axe-core, the accessibility checker that the browser tests (web/) inject
# into every page; installed with npm under .cache/, outside the repository.
AXE := .cache/axe/node_modules/axe-core/axe.min.js

$(AXE):
	@command -v npm >/dev/null || { echo "npm is missing: install the Debian package npm (apt-get install npm)" >&2; exit 1; }
	npm install --prefix .cache/axe --no-audit --no-fund axe-core@4

axe: $(AXE)

# Spectral, the standard OpenAPI linter, checks api/openapi.json in make
# test (ruleset .spectral.yaml: spectral:oas).
SPECTRAL := .cache/spectral/node_modules/.bin/spectral

$(SPECTRAL):
	@command -v npm >/dev/null || { echo "npm is missing: install the Debian package npm (apt-get install npm)" >&2; exit 1; }
	npm install --prefix .cache/spectral --no-audit --no-fund @stoplight/spectral-cli@6

lint-openapi: $(SPECTRAL)
	$(SPECTRAL) lint api/openapi.json --ruleset .spectral.yaml --fail-severity warn

build:
	@mkdir -p bin
	$(GO) build -o bin/zhucan ./cmd/zhucan

run: bin/temporal build
	./bin/zhucan dev

postgres: build
	./bin/zhucan postgres

vet:
	$(GO) vet ./...

# The fault tests (faults/) kill and restart real processes and race a
# bid deadline: they run on their own after the rest, not beside other
# packages' load.
test: bin/temporal postgres vet $(AXE) lint-openapi
	$(GO) test -count=1 -timeout 20m $$($(GO) list ./... | grep -v /faults$$)
	$(GO) test -count=1 -timeout 10m ./faults

# The read-model benchmark (loadtest/readmodel_test.go) loads a scratch
# database of a million purchases on first use (about three minutes) and
# reuses it afterwards: hence the timeout above go test's ten minutes.
bench: bin/temporal postgres
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 30m ./...
	@echo; cat loadtest/results.txt
	@echo; cat loadtest/readmodel-results.txt

clean:
	rm -rf bin
