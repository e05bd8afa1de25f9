package deploy

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// Service names in docker-compose.yml.
const (
	svcPostgres  = "postgresql"
	svcSchema    = "temporal-schema"
	svcTemporal  = "temporal"
	svcNamespace = "temporal-namespace"
	svcUI        = "temporal-ui"
	svcMigrate   = "zhucan-migrate"
	svcAPI       = "zhucan-api"
	svcWorker    = "zhucan-worker"
)

var (
	// longRunning services must report health and come back after a crash.
	longRunning = []string{svcPostgres, svcTemporal, svcUI, svcAPI, svcWorker}
	// oneShot services run to completion; others wait for them to exit 0.
	oneShot = []string{svcSchema, svcNamespace, svcMigrate}
	// zhucanServices run the zhucan binary built from ../Dockerfile.
	zhucanServices = []string{svcMigrate, svcAPI, svcWorker}
)

// prodEnv is the environment an operator would export: every secret set to
// a value distinct from the file's defaults.
var prodEnv = map[string]string{
	"POSTGRES_USER":      "zhucan_prod",
	"POSTGRES_PASSWORD":  "s3cret-Pw_1",
	"ZHUCAN_ADMIN_TOKEN": "admin-token-xyz",
	"TEMPORAL_NAMESPACE": "zhucan",
}

// repoRoot is the directory that holds docker-compose.yml and Dockerfile.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// loadProject loads ../docker-compose.yml as `docker compose` would, with
// env as the only source of variables (neither the process environment nor
// an .env file is read), and with the loader's schema validation,
// interpolation, normalisation and consistency checks.
func loadProject(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	p, err := load(t, withPayloadKey(env))
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

// testPayloadKey stands in for the one variable without a default.
const testPayloadKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func withPayloadKey(env map[string]string) map[string]string {
	out := map[string]string{"ZHUCAN_PAYLOAD_KEY": testPayloadKey}
	for k, v := range env {
		out[k] = v
	}
	return out
}

func load(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	root := repoRoot(t)
	details := types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: types.Mapping(env),
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("zhucan", true)
	})
}

// TestComposeRequiresThePayloadKey: without the key the stack must not
// start (a default key would seal nothing).
func TestComposeRequiresThePayloadKey(t *testing.T) {
	_, err := load(t, map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "ZHUCAN_PAYLOAD_KEY") {
		t.Fatalf("loading without ZHUCAN_PAYLOAD_KEY: %v", err)
	}
	p := loadProject(t, prodEnv)
	for _, name := range zhucanServices {
		if got := envOf(t, service(t, p, name), "ZHUCAN_PAYLOAD_KEY"); got != testPayloadKey {
			t.Errorf("%s gets payload key %q", name, got)
		}
	}
}

// service returns the named service or fails the test.
func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

// envOf returns the value of key in s's environment, failing when unset.
func envOf(t *testing.T, s types.ServiceConfig, key string) string {
	t.Helper()
	v, ok := s.Environment[key]
	if !ok || v == nil {
		t.Fatalf("service %s: environment lacks %s", s.Name, key)
	}
	return *v
}

func TestComposeLoadsWithDefaultsAndWithProductionEnvironment(t *testing.T) {
	for name, env := range map[string]map[string]string{"defaults": {}, "production": prodEnv} {
		t.Run(name, func(t *testing.T) {
			p := loadProject(t, env)
			if p.Name != "zhucan" {
				t.Errorf("project name %q, want zhucan", p.Name)
			}
		})
	}
}

func TestComposeHasEveryService(t *testing.T) {
	p := loadProject(t, prodEnv)
	want := slices.Concat(longRunning, oneShot)
	for _, name := range want {
		service(t, p, name)
	}
	for _, name := range p.ServiceNames() {
		if !slices.Contains(want, name) {
			t.Errorf("service %s is not known to this test: classify it as long-running or one-shot", name)
		}
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	p := loadProject(t, prodEnv)
	tagged := regexp.MustCompile(`^[^:@]+(:[0-9][^:]*|@sha256:[0-9a-f]{64})$`)
	for _, s := range p.Services {
		if s.Build != nil {
			continue
		}
		if !tagged.MatchString(s.Image) {
			t.Errorf("service %s: image %q is not pinned to a version", s.Name, s.Image)
		}
	}
	// The schema tools and the server must come from the same release.
	server := strings.TrimPrefix(service(t, p, svcTemporal).Image, "temporalio/server:")
	for _, name := range []string{svcSchema, svcNamespace} {
		img := service(t, p, name).Image
		if !strings.HasPrefix(img, "temporalio/admin-tools:"+server) {
			t.Errorf("service %s: image %q is not admin-tools of server release %s", name, img, server)
		}
	}
	if img := service(t, p, svcTemporal).Image; !strings.HasPrefix(img, "temporalio/server:") {
		t.Errorf("temporal runs %q, want temporalio/server (auto-setup is not for production)", img)
	}
	if img := service(t, p, svcPostgres).Image; img != "postgres:16" && !strings.HasPrefix(img, "postgres:16.") {
		t.Errorf("postgresql runs %q, want postgres:16", img)
	}
}

func TestComposeLongRunningServicesHaveHealthChecksAndRestart(t *testing.T) {
	p := loadProject(t, prodEnv)
	for _, name := range longRunning {
		s := service(t, p, name)
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
			t.Errorf("service %s: no health check", name)
		}
		if s.Restart != types.RestartPolicyUnlessStopped && s.Restart != types.RestartPolicyAlways {
			t.Errorf("service %s: restart %q, want unless-stopped or always", name, s.Restart)
		}
	}
	for _, name := range oneShot {
		s := service(t, p, name)
		// "always" or "unless-stopped" would rerun a finished job forever,
		// and service_completed_successfully would never be seen.
		if s.Restart != "" && s.Restart != types.RestartPolicyNo && !strings.HasPrefix(s.Restart, types.RestartPolicyOnFailure) {
			t.Errorf("one-shot service %s: restart %q, want no or on-failure[:N]", name, s.Restart)
		}
	}
}

func TestComposeDependencyGraph(t *testing.T) {
	p := loadProject(t, prodEnv)
	healthy, done := types.ServiceConditionHealthy, types.ServiceConditionCompletedSuccessfully
	want := []struct{ service, dependency, condition string }{
		{svcSchema, svcPostgres, healthy},
		{svcTemporal, svcSchema, done},
		{svcNamespace, svcTemporal, healthy},
		{svcUI, svcTemporal, healthy},
		{svcMigrate, svcPostgres, healthy},
		{svcAPI, svcMigrate, done},
		{svcAPI, svcTemporal, healthy},
		{svcAPI, svcNamespace, done},
		{svcWorker, svcMigrate, done},
		{svcWorker, svcTemporal, healthy},
		{svcWorker, svcNamespace, done},
	}
	for _, w := range want {
		dep, ok := service(t, p, w.service).DependsOn[w.dependency]
		if !ok {
			t.Errorf("%s does not depend on %s", w.service, w.dependency)
			continue
		}
		if dep.Condition != w.condition {
			t.Errorf("%s depends on %s with condition %q, want %q", w.service, w.dependency, dep.Condition, w.condition)
		}
	}
	// Whatever the conditions, they must be satisfiable: a service waited on
	// for health has a health check, and one waited on for completion ends.
	for _, s := range p.Services {
		for name, dep := range s.DependsOn {
			d := service(t, p, name)
			switch dep.Condition {
			case healthy:
				if d.HealthCheck == nil || d.HealthCheck.Disable {
					t.Errorf("%s waits for %s to be healthy, which has no health check", s.Name, name)
				}
			case done:
				if !slices.Contains(oneShot, name) {
					t.Errorf("%s waits for %s to complete, which is not a one-shot service", s.Name, name)
				}
			}
		}
	}
}

func TestComposeZhucanServices(t *testing.T) {
	p := loadProject(t, prodEnv)
	pg := service(t, p, svcPostgres)
	wantCmd := map[string]string{svcMigrate: "migrate", svcAPI: "api", svcWorker: "worker"}
	for _, name := range zhucanServices {
		s := service(t, p, name)
		t.Run(name, func(t *testing.T) {
			if got := []string(s.Command); !slices.Equal(got, []string{wantCmd[name]}) {
				t.Errorf("command %q, want [%s]", got, wantCmd[name])
			}
			if s.Build == nil {
				t.Fatal("not built from the Dockerfile")
			}
			if s.Build.Context != repoRoot(t) || filepath.Base(s.Build.Dockerfile) != "Dockerfile" {
				t.Errorf("built from %s/%s, want the repository's Dockerfile", s.Build.Context, s.Build.Dockerfile)
			}

			u, err := url.Parse(envOf(t, s, "DATABASE_URL"))
			if err != nil {
				t.Fatalf("DATABASE_URL: %v", err)
			}
			if u.Scheme != "postgres" && u.Scheme != "postgresql" {
				t.Errorf("DATABASE_URL scheme %q", u.Scheme)
			}
			if u.Hostname() != svcPostgres || u.Port() != "5432" {
				t.Errorf("DATABASE_URL host %q, want %s:5432", u.Host, svcPostgres)
			}
			if u.Path != "/zhucan" {
				t.Errorf("DATABASE_URL database %q, want /zhucan (not Temporal's)", u.Path)
			}
			pw, _ := u.User.Password()
			if u.User.Username() != envOf(t, pg, "POSTGRES_USER") || pw != envOf(t, pg, "POSTGRES_PASSWORD") {
				t.Errorf("DATABASE_URL credentials %q do not match the postgresql service's", u.User)
			}
			if pw != prodEnv["POSTGRES_PASSWORD"] {
				t.Errorf("DATABASE_URL password is not taken from POSTGRES_PASSWORD")
			}

			host, port, err := net.SplitHostPort(envOf(t, s, "TEMPORAL_ADDRESS"))
			if err != nil || host != svcTemporal || port != "7233" {
				t.Errorf("TEMPORAL_ADDRESS %q, want %s:7233", envOf(t, s, "TEMPORAL_ADDRESS"), svcTemporal)
			}
			if ns, want := envOf(t, s, "TEMPORAL_NAMESPACE"), envOf(t, service(t, p, svcNamespace), "TEMPORAL_NAMESPACE"); ns != want || ns != prodEnv["TEMPORAL_NAMESPACE"] {
				t.Errorf("TEMPORAL_NAMESPACE %q, but temporal-namespace registers %q", ns, want)
			}
			if pol := envOf(t, s, "ZHUCAN_POLICY"); pol != "statutory" {
				t.Errorf("ZHUCAN_POLICY %q by default, want statutory", pol)
			}
		})
	}
	if tok := envOf(t, service(t, p, svcAPI), "ZHUCAN_ADMIN_TOKEN"); tok != prodEnv["ZHUCAN_ADMIN_TOKEN"] {
		t.Errorf("zhucan-api ZHUCAN_ADMIN_TOKEN %q, want it from the environment", tok)
	}
}

// probeTarget checks that a zhucan health check runs the binary's own probe
// (the runtime image has no shell or curl) against the address that the
// service listens on, as set by the environment variable listenVar.
func probeTarget(t *testing.T, s types.ServiceConfig, listenVar string) {
	t.Helper()
	hc := s.HealthCheck
	if hc == nil {
		t.Fatalf("%s has no health check", s.Name)
	}
	if len(hc.Test) != 4 || hc.Test[0] != "CMD" || hc.Test[1] != binaryPath(t) || hc.Test[2] != "probe" {
		t.Fatalf("%s health check %q, want [CMD %s probe URL]", s.Name, []string(hc.Test), binaryPath(t))
	}
	u, err := url.Parse(hc.Test[3])
	if err != nil {
		t.Fatalf("%s probes %q: %v", s.Name, hc.Test[3], err)
	}
	_, listenPort, err := net.SplitHostPort(envOf(t, s, listenVar))
	if err != nil {
		t.Fatalf("%s %s: %v", s.Name, listenVar, err)
	}
	if u.Path != "/healthz" || u.Port() != listenPort || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
		t.Errorf("%s probes %s, want http://127.0.0.1:%s/healthz (%s)", s.Name, u, listenPort, listenVar)
	}
}

func TestComposeZhucanHealthChecksProbeTheirOwnListener(t *testing.T) {
	p := loadProject(t, prodEnv)
	api := service(t, p, svcAPI)
	probeTarget(t, api, "ZHUCAN_HTTP_ADDR")
	if host, _, _ := net.SplitHostPort(envOf(t, api, "ZHUCAN_HTTP_ADDR")); host != "0.0.0.0" && host != "" {
		t.Errorf("zhucan-api listens on %q, unreachable from outside its container", host)
	}
	probeTarget(t, service(t, p, svcWorker), "ZHUCAN_WORKER_HEALTH_ADDR")
}

func TestComposePorts(t *testing.T) {
	p := loadProject(t, prodEnv)
	published := func(name string) []types.ServicePortConfig { return service(t, p, name).Ports }

	api := published(svcAPI)
	if !slices.ContainsFunc(api, func(pc types.ServicePortConfig) bool {
		return pc.Target == 8080 && pc.Published == "8080"
	}) {
		t.Errorf("zhucan-api does not publish 8080:8080 (ports %+v)", api)
	}
	// Temporal's frontend and UI have no authentication: loopback only.
	for _, name := range []string{svcTemporal, svcUI} {
		for _, pc := range published(name) {
			if pc.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s:%d on %q, want 127.0.0.1 only", name, pc.Published, pc.Target, pc.HostIP)
			}
		}
	}
	if !slices.ContainsFunc(published(svcUI), func(pc types.ServicePortConfig) bool { return pc.Target == 8080 }) {
		t.Errorf("temporal-ui does not publish its port 8080")
	}
	if ports := published(svcPostgres); len(ports) != 0 {
		t.Errorf("postgresql publishes %+v; the database stays inside the compose network", ports)
	}
}

func TestComposePostgresDataOnNamedVolume(t *testing.T) {
	p := loadProject(t, prodEnv)
	pg := service(t, p, svcPostgres)
	i := slices.IndexFunc(pg.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == "/var/lib/postgresql/data"
	})
	if i < 0 {
		t.Fatal("postgresql mounts nothing on /var/lib/postgresql/data: data would die with the container")
	}
	v := pg.Volumes[i]
	if v.Type != types.VolumeTypeVolume || v.Source == "" {
		t.Fatalf("postgresql data is on a %s mount %q, want a named volume", v.Type, v.Source)
	}
	if _, ok := p.Volumes[v.Source]; !ok {
		t.Errorf("volume %s is not declared under top-level volumes", v.Source)
	}
	if db := envOf(t, pg, "POSTGRES_PASSWORD"); db != prodEnv["POSTGRES_PASSWORD"] {
		t.Errorf("postgresql password %q is not taken from POSTGRES_PASSWORD", db)
	}
}

func TestComposeTemporalPersistence(t *testing.T) {
	p := loadProject(t, prodEnv)
	pg := service(t, p, svcPostgres)
	tmp := service(t, p, svcTemporal)
	for key, want := range map[string]string{
		"DB":             "postgres12",
		"POSTGRES_SEEDS": svcPostgres,
		"POSTGRES_USER":  envOf(t, pg, "POSTGRES_USER"),
		"POSTGRES_PWD":   envOf(t, pg, "POSTGRES_PASSWORD"),
		"BIND_ON_IP":     "0.0.0.0",
	} {
		if got := envOf(t, tmp, key); got != want {
			t.Errorf("temporal %s=%q, want %q", key, got, want)
		}
	}
	dc := envOf(t, tmp, "DYNAMIC_CONFIG_FILE_PATH")
	if !slices.ContainsFunc(tmp.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == dc }) {
		t.Errorf("temporal's DYNAMIC_CONFIG_FILE_PATH %s is not mounted", dc)
	}

	schema := service(t, p, svcSchema)
	for key, want := range map[string]string{
		"SQL_PLUGIN":   "postgres12",
		"SQL_HOST":     svcPostgres,
		"SQL_USER":     envOf(t, pg, "POSTGRES_USER"),
		"SQL_PASSWORD": envOf(t, pg, "POSTGRES_PASSWORD"),
	} {
		if got := envOf(t, schema, key); got != want {
			t.Errorf("temporal-schema %s=%q, want %q", key, got, want)
		}
	}
	script := scriptOf(t, p, schema)
	for _, want := range []string{
		"create-database", "setup-schema -v 0.0", "update-schema",
		"temporal_visibility", "/versioned", " visibility",
		"/etc/temporal/schema/postgresql/v12",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("temporal-schema's script lacks %q", want)
		}
	}
	if ns := scriptOf(t, p, service(t, p, svcNamespace)); !strings.Contains(ns, "operator namespace create") {
		t.Errorf("temporal-namespace's script does not create the namespace")
	}
}

// scriptOf returns the text of the shell script that a one-shot admin-tools
// service runs ([/bin/sh SCRIPT] as its entrypoint), read from the host
// directory bind-mounted at the script's directory.
func scriptOf(t *testing.T, p *types.Project, s types.ServiceConfig) string {
	t.Helper()
	ep := []string(s.Entrypoint)
	if len(ep) != 2 || ep[0] != "/bin/sh" {
		t.Fatalf("%s entrypoint %q, want [/bin/sh SCRIPT]", s.Name, ep)
	}
	for _, v := range s.Volumes {
		rel, err := filepath.Rel(v.Target, ep[1])
		if v.Type != types.VolumeTypeBind || err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(v.Source, rel))
		if err != nil {
			t.Fatalf("%s runs %s: %v", s.Name, ep[1], err)
		}
		return string(b)
	}
	t.Fatalf("%s runs %s, which no bind mount provides", s.Name, ep[1])
	return ""
}

func TestComposeBindMountsExist(t *testing.T) {
	p := loadProject(t, prodEnv)
	root := repoRoot(t)
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if rel, err := filepath.Rel(root, v.Source); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s mounts %s from outside the repository", s.Name, v.Source)
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s mounts %s: %v", s.Name, v.Source, err)
			}
			if !v.ReadOnly {
				t.Errorf("%s mounts %s writable; configuration mounts are read-only", s.Name, v.Source)
			}
		}
	}
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	keyword string // upper case: FROM, RUN, COPY, …
	args    string
}

// stage is one FROM … block of a multi-stage Dockerfile.
type stage struct {
	from, name   string
	instructions []instruction
}

// dockerfileStages parses ../Dockerfile into its build stages.
func dockerfileStages(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		stages  []stage
		pending string
	)
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if pending == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			pending += strings.TrimSuffix(trimmed, `\`) + " "
			continue
		}
		full := pending + trimmed
		pending = ""
		keyword, args, _ := strings.Cut(full, " ")
		in := instruction{strings.ToUpper(keyword), strings.TrimSpace(args)}
		if in.keyword == "FROM" {
			f := strings.Fields(in.args)
			f = slices.DeleteFunc(f, func(s string) bool { return strings.HasPrefix(s, "--") })
			st := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.keyword != "ARG" {
				t.Fatalf("Dockerfile: %s before the first FROM", in.keyword)
			}
			continue
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a runtime stage", len(stages))
	}
	return stages
}

// execForm parses the JSON-array (exec) form of ENTRYPOINT or CMD.
func execForm(t *testing.T, args string) []string {
	t.Helper()
	if !strings.HasPrefix(args, "[") || !strings.HasSuffix(args, "]") {
		t.Fatalf("%q is not in exec form: the runtime image has no shell", args)
	}
	var out []string
	for _, f := range strings.Split(strings.Trim(args, "[]"), ",") {
		out = append(out, strings.Trim(strings.TrimSpace(f), `"`))
	}
	return out
}

// binaryPath is where the runtime image keeps zhucan: its ENTRYPOINT.
func binaryPath(t *testing.T) string {
	t.Helper()
	stages := dockerfileStages(t)
	final := stages[len(stages)-1]
	for _, in := range slices.Backward(final.instructions) {
		if in.keyword == "ENTRYPOINT" {
			return execForm(t, in.args)[0]
		}
	}
	t.Fatal("Dockerfile: the runtime stage has no ENTRYPOINT")
	return ""
}

func TestDockerfileBuildsZhucanIntoAMinimalRuntime(t *testing.T) {
	stages := dockerfileStages(t)
	build, final := stages[0], stages[len(stages)-1]

	if !strings.HasPrefix(build.from, "golang:1.26") {
		t.Errorf("build stage FROM %s, want golang:1.26", build.from)
	}
	goBuild := regexp.MustCompile(`\bgo build\b.*-o\s+(\S+)\s.*\./cmd/zhucan\b`)
	var out string
	for _, in := range build.instructions {
		if in.keyword != "RUN" {
			continue
		}
		if m := goBuild.FindStringSubmatch(in.args); m != nil {
			out = m[1]
			if !strings.Contains(in.args, "CGO_ENABLED=0") {
				t.Errorf("go build runs with cgo: the runtime image has no libc (%s)", in.args)
			}
			if !strings.Contains(in.args, "-trimpath") {
				t.Errorf("go build lacks -trimpath (%s)", in.args)
			}
		}
	}
	if out == "" {
		t.Fatal("no RUN in the build stage runs go build -o OUT ./cmd/zhucan")
	}

	if final.from != "gcr.io/distroless/static-debian12:nonroot" && !regexp.MustCompile(`^debian:[a-z0-9.-]*slim$`).MatchString(final.from) {
		t.Errorf("runtime stage FROM %s, want distroless static nonroot or debian slim", final.from)
	}
	bin := binaryPath(t)
	copied := slices.ContainsFunc(final.instructions, func(in instruction) bool {
		f := strings.Fields(in.args)
		return in.keyword == "COPY" && len(f) == 3 && (f[0] == "--from="+build.name || f[0] == "--from=0") &&
			f[1] == out && f[2] == bin
	})
	if !copied {
		t.Errorf("runtime stage does not COPY --from=%s %s %s", build.name, out, bin)
	}
	user := ""
	for _, in := range final.instructions {
		if in.keyword == "USER" {
			user = in.args
		}
	}
	// Without USER the distroless :nonroot image still runs as uid 65532.
	u, _, _ := strings.Cut(user, ":")
	if u == "root" || u == "0" || (u == "" && !strings.HasSuffix(final.from, ":nonroot")) {
		t.Errorf("runtime stage runs as %q, want an unprivileged user", user)
	}
}

func TestDockerignoreKeepsWhatTheBuildNeeds(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	// Docker anchors patterns at the context root; "**/" matches any depth.
	type pattern struct {
		glob     string
		anyDepth bool
	}
	var patterns []pattern
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			t.Fatalf(".dockerignore: exceptions (%s) are not understood by this test", line)
		}
		glob, anyDepth := strings.CutPrefix(strings.TrimPrefix(line, "/"), "**/")
		patterns = append(patterns, pattern{glob, anyDepth})
	}
	// ignored reports whether a pattern excludes path or a directory above it.
	ignored := func(path string) bool {
		parts := strings.Split(path, "/")
		for i := range parts {
			for _, p := range patterns {
				for j := 0; j <= i && (j == 0 || p.anyDepth); j++ {
					if ok, _ := filepath.Match(p.glob, strings.Join(parts[j:i+1], "/")); ok {
						return true
					}
				}
			}
		}
		return false
	}
	for _, must := range []string{".git", ".env", "bin/temporal", ".data"} {
		if !ignored(must) {
			t.Errorf(".dockerignore lets %s into the build context", must)
		}
	}
	for _, keep := range []string{"go.mod", "go.sum", "cmd/zhucan/main.go", "store/migrations/00001_schema.sql", "catalog/catalog.go"} {
		if ignored(keep) {
			t.Errorf(".dockerignore drops %s, which the build needs", keep)
		}
	}
}
