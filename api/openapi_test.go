package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"zhucan/catalog"
)

// openAPIFile is the document the API embeds and serves at /api/openapi.json.
const openAPIFile = "openapi.json"

var oasMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadOpenAPI parses the document with libopenapi and builds a validator on it.
func loadOpenAPI(t *testing.T) ([]byte, *v3.Document, validator.Validator) {
	t.Helper()
	spec, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("libopenapi cannot parse %s: %v", openAPIFile, err)
	}
	if v := doc.GetSpecInfo().VersionNumeric; v != 3.1 {
		t.Fatalf("%s is OpenAPI %v, want 3.1", openAPIFile, v)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("libopenapi cannot build the model of %s: %v", openAPIFile, err)
	}
	return spec, &model.Model, newValidator(t, doc, strictIgnorePaths...)
}

// strictIgnore are the open maps of the answers, where strict validation
// must not ask for declared properties: a health check per dependency,
// grade counts, audit and record details, OCDS releases (validated against
// the OCDS schema elsewhere).
var strictIgnorePaths = []string{
	"$.body.checks.*", "$.body.record.grades.*", "$.body.record.entries[*].detail.**", "$.body.items[*].detail.**",
	"$.body.records[*].releases[*].**", "$.body.records[*].compiledRelease.**", "$.body.releases[*].**",
}

// newValidator validates requests and answers against doc, asserting
// formats (date-time, uri …) and, in strict mode, reporting any property
// the document does not declare except under ignore.
func newValidator(t *testing.T, doc libopenapi.Document, ignore ...string) validator.Validator {
	t.Helper()
	opts := []config.Option{config.WithFormatAssertions()}
	if ignore != nil {
		opts = append(opts, config.WithStrictMode(), config.WithStrictIgnorePaths(ignore...))
	}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		t.Fatalf("cannot build a validator on %s: %v", openAPIFile, errors.Join(errs...))
	}
	return v
}

func describeValidationErrors(errs []*vErrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  - %s: %s", e.Message, e.Reason)
		if e.SpecLine > 0 {
			fmt.Fprintf(&b, " (%s line %d)", openAPIFile, e.SpecLine)
		}
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s", f.Reason)
			if f.FieldPath != "" {
				fmt.Fprintf(&b, " at %s", f.FieldPath)
			}
			if f.KeywordLocation != "" {
				fmt.Fprintf(&b, " [%s]", f.KeywordLocation)
			}
		}
	}
	return b.String()
}

// TestOpenAPIDocumentIsValidAndLintClean parses the document, validates it
// against the OpenAPI 3.1 schema and lints it.
func TestOpenAPIDocumentIsValidAndLintClean(t *testing.T) {
	spec, model, v := loadOpenAPI(t)
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("%s is not a valid OpenAPI 3.1 document:%s", openAPIFile, describeValidationErrors(errs))
	}
	var root map[string]any
	if err := json.Unmarshal(spec, &root); err != nil {
		t.Fatal(err)
	}
	l := &linter{root: root, routes: registeredRoutes(t)}
	l.duplicateKeys(spec)
	l.run()
	l.examples(model)
	errorsFound := 0
	for _, f := range l.findings {
		if f.severity == sevError {
			errorsFound++
			t.Errorf("lint error %s at %s: %s", f.rule, f.where, f.msg)
		} else {
			t.Logf("lint warning %s at %s: %s", f.rule, f.where, f.msg)
		}
	}
	if errorsFound > 0 {
		t.Logf("%d lint errors", errorsFound)
	}
}

// TestOpenAPIDocumentsEveryRoute checks that the routes registered by the
// package's source (routes() in server.go, actionRoutes() in actions.go and
// the route groups they call) are exactly the operations of the document.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	registered := registeredRoutes(t)
	_, model, _ := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().KeysFromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, r := range sortedKeysOf(registered) {
		if !documented[r] {
			t.Errorf("route %q is registered but not in %s", r, openAPIFile)
		}
	}
	for _, r := range sortedKeysOf(documented) {
		if _, ok := registered[r]; !ok {
			t.Errorf("%s documents %q, which is not a registered route", openAPIFile, r)
		}
	}
}

// route is a registered route as its source declares it.
type apiRoute struct {
	// public routes are not wrapped in roles(): anyone may call them.
	public bool
	// roles are the roles roles() admits; none means any signed-in user.
	roles []string
}

var routePatternRE = regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /\S*$`)

// registeredRoutes reads the "METHOD /path" routes in the package's Go
// source (server.go, actions.go and the files of the route groups they
// call): mux.HandleFunc(pattern, handler) calls and {pattern: handler}
// map entries, where a pattern is made of literals and of identifiers
// assigned literals, such as "POST " + p + "bids". A handler wrapped in
// s.roles(h, roles...) needs a signed-in user. Any other string that looks
// like a route fails the test, so that a new way of registering routes is
// not silently missed.
func registeredRoutes(t *testing.T) map[string]apiRoute {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	if !slices.Contains(files, "server.go") || !slices.Contains(files, "actions.go") {
		t.Fatalf("server.go or actions.go missing from %v", files)
	}
	out := map[string]apiRoute{}
	patterns := map[string]token.Position{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		consts := map[string]string{}
		ast.Inspect(f, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, l := range as.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						if s, ok := constString(as.Rhs[i], consts); ok {
							consts[id.Name] = s
						}
					}
				}
			}
			return true
		})
		register := func(pos token.Pos, pattern ast.Expr, handler ast.Expr) {
			p, ok := constString(pattern, consts)
			if !ok {
				return
			}
			if !routePatternRE.MatchString(p) {
				// The web UI's catch-all "/" is not part of the API.
				if p != "/" {
					t.Errorf("%s: route %q has no method", fset.Position(pos), p)
				}
				return
			}
			if _, dup := out[p]; dup {
				t.Errorf("%s: route %q is registered twice", fset.Position(pos), p)
			}
			r := apiRoute{public: true}
			if call, ok := handler.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "roles" {
					r.public = false
					for _, a := range call.Args[1:] {
						role, ok := constString(a, consts)
						if !ok {
							t.Errorf("%s: route %q: role %v is not a literal", fset.Position(a.Pos()), p, a)
						}
						r.roles = append(r.roles, role)
					}
				}
			}
			out[p] = r
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch e := n.(type) {
			case *ast.CallExpr:
				if sel, ok := e.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "HandleFunc" || sel.Sel.Name == "Handle") && len(e.Args) == 2 {
					register(e.Pos(), e.Args[0], e.Args[1])
				}
			case *ast.KeyValueExpr:
				if k, ok := constString(e.Key, consts); ok && routePatternRE.MatchString(k) {
					register(e.Pos(), e.Key, e.Value)
				}
			case *ast.BasicLit, *ast.BinaryExpr:
				if s, ok := constString(e.(ast.Expr), consts); ok {
					if routePatternRE.MatchString(s) {
						patterns[s] = fset.Position(e.Pos())
					}
					return false
				}
			}
			return true
		})
	}
	for p, pos := range patterns {
		if _, ok := out[p]; !ok {
			t.Errorf("%s: %q looks like a route but is not registered in a form this test reads", pos, p)
		}
	}
	if len(out) < 37 {
		t.Fatalf("found only %d routes in %v", len(out), files)
	}
	return out
}

func constString(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.ParenExpr:
		return constString(e.X, consts)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := constString(e.X, consts)
		if !ok {
			return "", false
		}
		y, ok := constString(e.Y, consts)
		return x + y, ok
	}
	return "", false
}

func sortedKeysOf[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// --- lint ---

type lintSeverity int

const (
	sevWarn lintSeverity = iota
	sevError
)

type lintFinding struct {
	severity         lintSeverity
	rule, where, msg string
}

// linter lints the raw document. vacuum (github.com/daveshanley/vacuum)
// cannot be used as a library here: the Go module proxy does not serve it.
// So the linter applies the rules of vacuum's recommended OpenAPI ruleset
// that concern this document, under vacuum's rule names and severities
// (info-description, operation-operationId-unique, path-params,
// oas3-operation-security-defined, oas-schema-check, duplicated-entry-in-enum,
// oas3-no-$ref-siblings, oas3-unused-component, oas3-valid-schema-example …;
// oas3-schema is the validator's document validation), and this project's
// conventions as rules named zhucan-…: bilingual summaries, the common
// parameters, problem answers, closed request bodies, and security and
// roles as the source declares them. Errors fail the test; warnings are
// logged.
type linter struct {
	root     map[string]any
	routes   map[string]apiRoute
	findings []lintFinding
}

func (l *linter) add(sev lintSeverity, rule, where, format string, args ...any) {
	l.findings = append(l.findings, lintFinding{sev, rule, where, fmt.Sprintf(format, args...)})
}

func jsonObject(v any) map[string]any { m, _ := v.(map[string]any); return m }
func jsonList(v any) []any            { a, _ := v.([]any); return a }
func jsonString(v any) string         { s, _ := v.(string); return s }

// resolve follows a local $ref.
func (l *linter) resolve(v any) map[string]any {
	m := jsonObject(v)
	for i := 0; i < 10 && m != nil; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		m = jsonObject(l.pointer(ref))
	}
	return m
}

func (l *linter) pointer(ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = l.root
	for _, p := range strings.Split(ref[2:], "/") {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		cur = jsonObject(cur)[p]
		if cur == nil {
			return nil
		}
	}
	return cur
}

// duplicateKeys reports an object key given twice (duplicate-paths and the
// like): encoding/json would silently keep the last.
func (l *linter) duplicateKeys(spec []byte) {
	type frame struct {
		keys    map[string]bool // nil in an array
		lastKey string
		wantKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(spec))
	var stack []*frame
	where := func() string {
		var parts []string
		for _, f := range stack {
			if f.keys != nil {
				parts = append(parts, f.lastKey)
			}
		}
		return "$." + strings.Join(parts, ".")
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			l.add(sevError, "oas3-schema", where(), "the document does not tokenise: %v", err)
			return
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].wantKey && tok != json.Delim('}') {
			top := stack[n-1]
			key, _ := tok.(string)
			if top.keys[key] {
				l.add(sevError, "duplicate-paths", where(), "key %q appears twice", key)
			}
			top.keys[key], top.lastKey, top.wantKey = true, key, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].wantKey = true
		}
	}
}

var (
	operationIDInURL  = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*$`)
	pathTemplateParam = regexp.MustCompile(`\{([^}]*)\}`)
	camelCaseRE       = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	kebabSegment      = regexp.MustCompile(`^[a-z0-9.\-]+$`)
	bilingualSummary  = regexp.MustCompile(`^(\S.*) / ([ -~]+)$`)
)

var jsonSchemaTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "array": true, "object": true, "null": true}

// constraintTypes names the types each constraint keyword applies to.
var constraintTypes = map[string][]string{
	"minLength": {"string"}, "maxLength": {"string"}, "pattern": {"string"},
	"minimum": {"number", "integer"}, "maximum": {"number", "integer"}, "exclusiveMinimum": {"number", "integer"},
	"exclusiveMaximum": {"number", "integer"}, "multipleOf": {"number", "integer"},
	"items": {"array"}, "minItems": {"array"}, "maxItems": {"array"}, "uniqueItems": {"array"}, "prefixItems": {"array"},
	"properties": {"object"}, "required": {"object"}, "additionalProperties": {"object"}, "minProperties": {"object"},
	"maxProperties": {"object"},
}

func (l *linter) run() {
	l.info()
	l.markdown("$", l.root)
	l.refs("$", l.root)
	l.components()
	l.paths()
}

func (l *linter) info() {
	info := jsonObject(l.root["info"])
	if jsonString(info["description"]) == "" {
		l.add(sevError, "info-description", "$.info", "info has no description")
	}
	if lic := jsonObject(info["license"]); lic != nil && lic["url"] != nil && lic["identifier"] != nil {
		l.add(sevError, "info-license-spdx", "$.info.license", "license has both url and identifier")
	}
	servers := jsonList(l.root["servers"])
	if len(servers) == 0 {
		l.add(sevWarn, "oas3-api-servers", "$.servers", "no servers defined")
	}
	for i, s := range servers {
		if jsonString(jsonObject(s)["url"]) == "" {
			l.add(sevWarn, "oas3-api-servers", fmt.Sprintf("$.servers[%d]", i), "server has no url")
		}
	}
}

// markdown rejects scripts in every description, summary and title.
func (l *linter) markdown(where string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeysOf(v) {
			if s, ok := v[k].(string); ok && (k == "description" || k == "summary" || k == "title") {
				low := strings.ToLower(s)
				if strings.Contains(low, "eval(") {
					l.add(sevError, "no-eval-in-markdown", where+"."+k, "contains eval(")
				}
				if strings.Contains(low, "<script") {
					l.add(sevError, "no-script-tags-in-markdown", where+"."+k, "contains a script tag")
				}
			}
			l.markdown(where+"."+k, v[k])
		}
	case []any:
		for i, e := range v {
			l.markdown(fmt.Sprintf("%s[%d]", where, i), e)
		}
	}
}

// refs checks that every $ref resolves and has no siblings but a summary
// or description (oas3-no-$ref-siblings).
func (l *linter) refs(where string, v any) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			if l.pointer(ref) == nil {
				l.add(sevError, "oas3-schema", where, "$ref %s does not resolve", ref)
			}
			for k := range v {
				if k != "$ref" && k != "description" && k != "summary" {
					l.add(sevError, "oas3-no-$ref-siblings", where, "$ref has the sibling %q", k)
				}
			}
		}
		for _, k := range sortedKeysOf(v) {
			l.refs(where+"."+k, v[k])
		}
	case []any:
		for i, e := range v {
			l.refs(fmt.Sprintf("%s[%d]", where, i), e)
		}
	}
}

func (l *linter) components() {
	comps := jsonObject(l.root["components"])
	used := map[string]bool{}
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				used[ref] = true
			}
			for _, e := range v {
				collect(e)
			}
		case []any:
			for _, e := range v {
				collect(e)
			}
		}
	}
	collect(l.root)
	for _, kind := range []string{"schemas", "parameters", "responses", "headers", "requestBodies", "examples", "securitySchemes"} {
		group := jsonObject(comps[kind])
		for _, name := range sortedKeysOf(group) {
			where := "$.components." + kind + "." + name
			if jsonString(jsonObject(group[name])["description"]) == "" {
				l.add(sevWarn, "component-description", where, "component has no description")
			}
			if kind != "securitySchemes" && !used["#/components/"+kind+"/"+name] {
				l.add(sevWarn, "oas3-unused-component", where, "component is never referenced")
			}
			if kind == "schemas" {
				l.schema(where, jsonObject(group[name]))
			}
		}
	}
	for _, name := range sortedKeysOf(jsonObject(comps["parameters"])) {
		l.schema("$.components.parameters."+name+".schema", jsonObject(jsonObject(jsonObject(comps["parameters"])[name])["schema"]))
	}
	for _, name := range sortedKeysOf(jsonObject(comps["headers"])) {
		l.schema("$.components.headers."+name+".schema", jsonObject(jsonObject(jsonObject(comps["headers"])[name])["schema"]))
	}
}

func schemaTypesOf(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, jsonString(e))
		}
		return out
	}
	return nil
}

func jsonTypeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func schemaAllows(types []string, v any) bool {
	jt := jsonTypeOf(v)
	return slices.Contains(types, jt) || (jt == "integer" && slices.Contains(types, "number"))
}

// schema checks an inline schema and its subschemas (oas-schema-check,
// typed-enum, duplicated-entry-in-enum, nullable-enum, camel-case-properties).
func (l *linter) schema(where string, s map[string]any) {
	if s == nil || s["$ref"] != nil {
		return
	}
	types := schemaTypesOf(s)
	for _, ty := range types {
		if !jsonSchemaTypes[ty] {
			l.add(sevError, "oas-schema-check", where, "unknown type %q", ty)
		}
	}
	if len(types) == 0 && s["enum"] == nil && s["const"] == nil && s["allOf"] == nil && s["anyOf"] == nil && s["oneOf"] == nil {
		l.add(sevWarn, "oas-missing-type", where, "schema has no type")
	}
	if len(types) > 0 {
		for kw, valid := range constraintTypes {
			if _, ok := s[kw]; ok && !slices.ContainsFunc(types, func(t string) bool { return slices.Contains(valid, t) }) {
				l.add(sevError, "oas-schema-check", where, "`%s` applies to %v, not %v", kw, valid, types)
			}
		}
	}
	for _, pair := range [][2]string{{"minLength", "maxLength"}, {"minimum", "maximum"}, {"minItems", "maxItems"}, {"minProperties", "maxProperties"}} {
		lo, ok1 := s[pair[0]].(float64)
		hi, ok2 := s[pair[1]].(float64)
		if ok1 && ok2 && lo > hi {
			l.add(sevError, "oas-schema-check", where, "%s %v is above %s %v", pair[0], lo, pair[1], hi)
		}
	}
	if p, ok := s["pattern"].(string); ok {
		if _, err := regexp.Compile(p); err != nil {
			l.add(sevError, "oas-schema-check", where, "pattern %q does not compile: %v", p, err)
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		seen := map[string]int{}
		for i, e := range enum {
			key := fmt.Sprintf("%T:%v", e, e)
			if j, dup := seen[key]; dup {
				l.add(sevError, "duplicated-entry-in-enum", where, "enum[%d] duplicates enum[%d]", i, j)
			}
			seen[key] = i
			if len(types) > 0 && !schemaAllows(types, e) {
				l.add(sevError, "oas-schema-check", where, "enum value %v does not match type %v", e, types)
			}
		}
		if slices.Contains(types, "null") && !slices.Contains(enum, nil) {
			l.add(sevWarn, "nullable-enum", where, "nullable enum does not list null")
		}
	}
	if d, ok := s["default"]; ok && len(types) > 0 && !schemaAllows(types, d) {
		l.add(sevError, "oas-schema-check", where, "default %v does not match type %v", d, types)
	}
	props := jsonObject(s["properties"])
	seenReq := map[string]bool{}
	for _, r := range jsonList(s["required"]) {
		name := jsonString(r)
		if seenReq[name] {
			l.add(sevError, "oas-schema-check", where, "required property %q is listed twice", name)
		}
		seenReq[name] = true
		if _, ok := props[name]; !ok && (props != nil || s["additionalProperties"] == false) {
			l.add(sevError, "oas-schema-check", where, "required property %q is not defined in properties", name)
		}
	}
	for _, name := range sortedKeysOf(props) {
		if !camelCaseRE.MatchString(name) {
			l.add(sevWarn, "camel-case-properties", where+".properties."+name, "property name is not camelCase")
		}
		if strings.HasSuffix(name, "Fen") {
			p := l.resolve(props[name])
			if !slices.Contains(schemaTypesOf(p), "integer") || p["format"] != "int64" {
				l.add(sevError, "zhucan-money", where+".properties."+name, "money is an int64 integer of fen")
			}
		}
		l.schema(where+".properties."+name, jsonObject(props[name]))
	}
	l.schema(where+".items", jsonObject(s["items"]))
	l.schema(where+".additionalProperties", jsonObject(s["additionalProperties"]))
	for _, kw := range []string{"allOf", "anyOf", "oneOf", "prefixItems"} {
		list := jsonList(s[kw])
		if len(list) == 1 && kw != "prefixItems" {
			l.add(sevWarn, "oas-unnecessary-combinator", where, "%s has one item", kw)
		}
		for i, e := range list {
			l.schema(fmt.Sprintf("%s.%s[%d]", where, kw, i), jsonObject(e))
		}
	}
}

// closedBody checks that a request body schema refuses unknown fields, as
// the API does, down to its nested objects.
func (l *linter) closedBody(where string, s map[string]any, seen map[string]bool) {
	if ref, ok := s["$ref"].(string); ok {
		if seen[ref] {
			return
		}
		seen[ref] = true
		where = ref
		s = l.resolve(s)
	}
	if s == nil {
		return
	}
	if slices.Contains(schemaTypesOf(s), "object") && s["additionalProperties"] != false {
		l.add(sevError, "zhucan-closed-bodies", where, "a request object must set additionalProperties: false (the API refuses unknown fields)")
	}
	props := jsonObject(s["properties"])
	for _, name := range sortedKeysOf(props) {
		l.closedBody(where+".properties."+name, jsonObject(props[name]), seen)
	}
	if items := jsonObject(s["items"]); items != nil {
		l.closedBody(where+".items", items, seen)
	}
}

func (l *linter) paths() {
	paths := jsonObject(l.root["paths"])
	comps := jsonObject(l.root["components"])
	schemes := jsonObject(comps["securitySchemes"])
	tags := map[string]bool{}
	for _, tg := range jsonList(l.root["tags"]) {
		tags[jsonString(jsonObject(tg)["name"])] = true
	}
	shapes := map[string]string{}
	opIDs := map[string]string{}
	for _, path := range sortedKeysOf(paths) {
		where := "$.paths." + path
		if strings.Contains(path, "{}") {
			l.add(sevError, "path-declarations-must-exist", where, "empty path parameter")
		}
		if strings.Contains(path, "?") {
			l.add(sevError, "path-not-include-query", where, "path includes a query")
		}
		if len(path) > 1 && strings.HasSuffix(path, "/") {
			l.add(sevWarn, "path-keys-no-trailing-slash", where, "path ends with a slash")
		}
		shape := pathTemplateParam.ReplaceAllString(path, "{}")
		if other, ok := shapes[shape]; ok {
			l.add(sevError, "no-ambiguous-paths", where, "same shape as %s", other)
		}
		shapes[shape] = path
		for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
			if pathTemplateParam.MatchString(seg) {
				continue
			}
			if slices.Contains(oasMethods, strings.ToLower(seg)) {
				l.add(sevWarn, "no-http-verbs-in-path", where, "segment %q is an HTTP verb", seg)
			}
			if !kebabSegment.MatchString(seg) {
				l.add(sevWarn, "paths-kebab-case", where, "segment %q is not kebab-case", seg)
			}
		}
		var inPath []string
		for _, m := range pathTemplateParam.FindAllStringSubmatch(path, -1) {
			inPath = append(inPath, m[1])
		}
		item := jsonObject(paths[path])
		for _, method := range oasMethods {
			o := jsonObject(item[method])
			if o == nil {
				continue
			}
			l.operation(strings.ToUpper(method), path, where+"."+method, o, jsonList(item["parameters"]), inPath, tags, schemes, opIDs)
		}
	}
}

func (l *linter) operation(method, path, where string, o map[string]any, shared []any, inPath []string, tags map[string]bool, schemes map[string]any, opIDs map[string]string) {
	route := method + " " + path
	id := jsonString(o["operationId"])
	switch {
	case id == "":
		l.add(sevError, "operation-operationId", where, "operation has no operationId")
	case opIDs[id] != "":
		l.add(sevError, "operation-operationId-unique", where, "operationId %q is also used by %s", id, opIDs[id])
	case !operationIDInURL.MatchString(id):
		l.add(sevError, "operation-operationId-valid-in-url", where, "operationId %q is not URL friendly", id)
	}
	opIDs[id] = route
	if jsonString(o["description"]) == "" {
		l.add(sevWarn, "operation-description", where, "operation has no description")
	}
	if m := bilingualSummary.FindStringSubmatch(jsonString(o["summary"])); m == nil || !strings.ContainsFunc(m[1], func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		l.add(sevError, "zhucan-summary", where, "summary %q is not “中文 / English”", o["summary"])
	}
	opTags := jsonList(o["tags"])
	if len(opTags) == 0 {
		l.add(sevWarn, "operation-tags", where, "operation has no tags")
	}
	for _, tg := range opTags {
		if !tags[jsonString(tg)] {
			l.add(sevWarn, "operation-tag-defined", where, "tag %q is not defined in $.tags", tg)
		}
	}

	// Parameters.
	params := map[string]map[string]any{}
	var all []any
	all = append(all, shared...)
	all = append(all, jsonList(o["parameters"])...)
	opOwn := map[string]bool{}
	for i, raw := range all {
		p := l.resolve(raw)
		if p == nil {
			continue
		}
		name, in := jsonString(p["name"]), jsonString(p["in"])
		key := in + ":" + name
		if in == "header" {
			key = in + ":" + strings.ToLower(name)
		}
		own := i >= len(shared)
		if own && opOwn[key] {
			l.add(sevError, "operation-parameters", where, "parameter %s appears twice", key)
		}
		if own {
			opOwn[key] = true
		}
		params[key] = p
		if jsonString(p["description"]) == "" {
			l.add(sevWarn, "oas3-parameter-description", where, "parameter %s has no description", key)
		}
		if in == "path" && p["required"] != true {
			l.add(sevError, "path-params", where, "path parameter %s must be required", name)
		}
		if raw := jsonObject(raw); raw["$ref"] == nil {
			l.schema(where+".parameters."+name+".schema", jsonObject(p["schema"]))
		}
	}
	for _, name := range inPath {
		if params["path:"+name] == nil {
			l.add(sevError, "path-params", where, "path parameter {%s} is not declared", name)
		}
	}
	for key := range params {
		if name, ok := strings.CutPrefix(key, "path:"); ok && !slices.Contains(inPath, name) {
			l.add(sevError, "path-params", where, "declared path parameter %s is not in the path", name)
		}
	}
	need := []string{"header:accept-language", "query:lang", "header:x-request-id"}
	if method == "POST" || method == "DELETE" {
		need = append(need, "header:idempotency-key")
	}
	for _, key := range need {
		if params[key] == nil {
			l.add(sevError, "zhucan-common-parameters", where, "parameter %s is missing", key)
		}
	}

	// Security.
	sec, overridden := o["security"]
	if !overridden {
		sec = l.root["security"]
	}
	for _, req := range jsonList(sec) {
		for name := range jsonObject(req) {
			if schemes[name] == nil {
				l.add(sevError, "oas3-operation-security-defined", where, "security scheme %q is not defined", name)
			}
		}
	}
	anonymous := false
	for _, req := range jsonList(sec) {
		if len(jsonObject(req)) == 0 {
			anonymous = true
		}
	}
	src, registered := l.routes[route]
	if registered && src.public {
		want := []any{map[string]any{}, map[string]any{"bearer": []any{}}}
		if b1, b2 := compactJSON(sec), compactJSON(want); b1 != b2 {
			l.add(sevError, "zhucan-public", where, "a public route's security must be %s, not %s", b2, b1)
		}
		if !strings.Contains(jsonString(o["description"]), "\n\nPublic: ") {
			l.add(sevError, "zhucan-roles", where, "the description does not say the route is public")
		}
	} else if anonymous || len(jsonList(sec)) == 0 {
		l.add(sevError, "zhucan-public", where, "the route needs a signed-in user but its security allows anonymous access")
	}
	if registered && !src.public {
		want := "\n\nRoles: any signed-in user."
		if len(src.roles) > 0 {
			var quoted []string
			for _, r := range src.roles {
				quoted = append(quoted, "`"+r+"`")
			}
			want = "\n\nRoles: " + strings.Join(quoted, ", ") + "."
		}
		if !strings.Contains(jsonString(o["description"]), want) {
			l.add(sevError, "zhucan-roles", where, "the description does not say %q as the source does", strings.TrimSpace(want))
		}
	}

	// Request body.
	if rb := l.resolve(o["requestBody"]); rb != nil {
		if method == "GET" || method == "DELETE" {
			l.add(sevWarn, "no-request-body", where, "%s has a request body", method)
		}
		content := jsonObject(rb["content"])
		if content["application/json"] == nil {
			l.add(sevError, "zhucan-closed-bodies", where, "request body is not application/json")
		}
		for mt, m := range content {
			s := jsonObject(jsonObject(m)["schema"])
			l.schema(where+".requestBody."+mt, s)
			l.closedBody(where+".requestBody."+mt, s, map[string]bool{})
		}
	}

	// Responses.
	responses := jsonObject(o["responses"])
	success := false
	for _, code := range sortedKeysOf(responses) {
		r := l.resolve(responses[code])
		rw := where + ".responses." + code
		if r == nil {
			continue
		}
		if code[0] == '2' || code[0] == '3' {
			success = true
		}
		content := jsonObject(r["content"])
		if (code[0] == '4' || code[0] == '5') && !(route == "GET /healthz" && code == "503") {
			m := jsonObject(content["application/problem+json"])
			if len(content) != 1 || jsonString(jsonObject(m["schema"])["$ref"]) != "#/components/schemas/Problem" {
				l.add(sevError, "zhucan-problems", rw, "an error answer is application/problem+json with the Problem schema")
			}
		}
		if raw := jsonObject(responses[code]); raw["$ref"] == nil {
			for mt, m := range content {
				l.schema(rw+"."+mt, jsonObject(jsonObject(m)["schema"]))
			}
		}
	}
	if !success {
		l.add(sevWarn, "operation-success-response", where, "operation has no 2xx or 3xx response")
	}
	for _, code := range []string{"401", "500"} {
		if responses[code] == nil {
			l.add(sevError, "zhucan-problems", where, "every route can answer %s (authentication, internal errors) but it is not documented", code)
		}
	}
	if registered && len(src.roles) > 0 && responses["403"] == nil {
		l.add(sevError, "zhucan-problems", where, "a route limited to roles answers 403 but it is not documented")
	}
	if (method == "POST" || method == "DELETE") && (responses["409"] == nil || responses["422"] == nil) {
		l.add(sevError, "zhucan-problems", where, "Idempotency-Key answers 409 (in progress) and 422 (reused) but they are not documented")
	}
	if o["requestBody"] != nil {
		for _, code := range []string{"413", "422"} {
			if responses[code] == nil {
				l.add(sevError, "zhucan-problems", where, "a route with a body answers %s but it is not documented", code)
			}
		}
	}
	if len(inPath) > 0 && responses["404"] == nil {
		l.add(sevError, "zhucan-problems", where, "a route with path parameters answers 404 but it is not documented")
	}
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// examples validates every schema and parameter example against its
// schema (oas3-valid-schema-example).
func (l *linter) examples(model *v3.Document) {
	sv := schema_validation.NewSchemaValidator()
	seen := map[*base.Schema]bool{}
	var walk func(where string, sp *base.SchemaProxy)
	walk = func(where string, sp *base.SchemaProxy) {
		if sp == nil {
			return
		}
		s := sp.Schema()
		if s == nil {
			l.add(sevError, "oas3-schema", where, "schema does not build: %v", sp.GetBuildError())
			return
		}
		if seen[s] {
			return
		}
		seen[s] = true
		for i, ex := range s.Examples {
			var v any
			if err := ex.Decode(&v); err != nil {
				l.add(sevError, "oas3-valid-schema-example", where, "example %d does not decode: %v", i, err)
				continue
			}
			if ok, errs := sv.ValidateSchemaObject(s, v); !ok {
				l.add(sevWarn, "oas3-valid-schema-example", where, "example %d does not match its schema:%s", i, describeValidationErrors(errs))
			}
		}
		if s.Properties != nil {
			for name, p := range s.Properties.FromOldest() {
				walk(where+".properties."+name, p)
			}
		}
		if s.Items != nil && s.Items.IsA() {
			walk(where+".items", s.Items.A)
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.IsA() {
			walk(where+".additionalProperties", s.AdditionalProperties.A)
		}
	}
	for name, sp := range model.Components.Schemas.FromOldest() {
		walk("$.components.schemas."+name, sp)
	}
	checkParam := func(where string, p *v3.Parameter) {
		if p.Schema == nil || p.Examples == nil {
			return
		}
		s := p.Schema.Schema()
		for name, ex := range p.Examples.FromOldest() {
			var v any
			if ex.Value == nil || ex.Value.Decode(&v) != nil {
				l.add(sevError, "oas3-valid-schema-example", where, "example %s has no value", name)
				continue
			}
			if ok, errs := sv.ValidateSchemaObject(s, v); !ok {
				l.add(sevWarn, "oas3-valid-schema-example", where, "example %s does not match its schema:%s", name, describeValidationErrors(errs))
			}
		}
	}
	for name, p := range model.Components.Parameters.FromOldest() {
		checkParam("$.components.parameters."+name, p)
	}
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method, o := range item.GetOperations().FromOldest() {
			for _, p := range o.Parameters {
				checkParam("$.paths."+path+"."+method+".parameters."+p.Name, p)
			}
		}
	}
}

// --- requests against a live stack ---

// liveChecker sends requests to a stack and validates each request and
// response against the document.
type liveChecker struct {
	t *testing.T
	s *stack
	// v validates strictly; loose validates the answer that is the
	// document itself, an object of any shape.
	v, loose validator.Validator
	// reported keeps each mismatch once: a polled answer repeats it.
	reported map[string]bool
	routes   []documentedRoute
	covered  map[string]map[int]bool
}

type documentedRoute struct {
	method, template string
	re               *regexp.Regexp
}

func newLiveChecker(t *testing.T, s *stack, model *v3.Document, v validator.Validator) *liveChecker {
	c := &liveChecker{t: t, s: s, v: v, covered: map[string]map[int]bool{}, reported: map[string]bool{}}
	for path, item := range model.Paths.PathItems.FromOldest() {
		re := regexp.MustCompile("^" + pathTemplateParam.ReplaceAllString(strings.ReplaceAll(path, ".", `\.`), `[^/]+`) + "$")
		for method := range item.GetOperations().KeysFromOldest() {
			c.routes = append(c.routes, documentedRoute{strings.ToUpper(method), path, re})
		}
	}
	return c
}

// must sends a request the document allows and fails unless it answers
// want; the response must match the document.
func (c *liveChecker) must(want int, method, path, token string, body any, out any, hdr ...string) reply {
	c.t.Helper()
	r := c.exchange(true, want, method, path, token, body, hdr...)
	if out != nil {
		r.decode(c.t, out)
	}
	return r
}

// refused sends a request the document does not allow (a malformed body, a
// missing token …) and checks that the document refuses it too, and that
// the API's answer matches the document.
func (c *liveChecker) refused(want int, method, path, token string, body any, hdr ...string) reply {
	c.t.Helper()
	return c.exchange(false, want, method, path, token, body, hdr...)
}

func (c *liveChecker) exchange(conforms bool, want int, method, path, token string, body any, hdr ...string) reply {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		raw = j
	}
	build := func() *http.Request {
		var rd io.Reader
		if raw != nil {
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, c.s.url+path, rd)
		if err != nil {
			c.t.Fatal(err)
		}
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		return req
	}
	resp, err := http.DefaultClient.Do(build())
	if err != nil {
		c.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	c.cover(method, path, resp.StatusCode)
	ok, errs := c.v.ValidateHttpRequest(build())
	switch {
	case conforms && !ok:
		c.t.Errorf("%s %s: the request does not match %s:%s", method, path, openAPIFile, describeValidationErrors(errs))
	case !conforms && ok:
		c.t.Errorf("%s %s: the API refuses this request (%d) but %s allows it: %s", method, path, resp.StatusCode, openAPIFile, raw)
	}
	vreq := build()
	vresp := &http.Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Request: vreq,
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}
	v := c.v
	if vreq.URL.Path == "/api/openapi.json" {
		v = c.loose
	}
	if ok, errs := v.ValidateHttpResponse(vreq, vresp); !ok {
		msg := describeValidationErrors(errs)
		key := c.template(method, path) + " " + resp.Status
		for _, e := range errs {
			key += "\n" + e.Message
			for _, f := range e.SchemaValidationErrors {
				key += "\n" + f.Reason + " " + f.FieldPath
			}
		}
		if !c.reported[key] {
			c.reported[key] = true
			c.t.Errorf("%s %s: the %d response does not match %s:%s\nbody: %s", method, path, resp.StatusCode, openAPIFile, msg, b)
		}
	}
	if rid := resp.Header.Get("X-Request-ID"); rid == "" {
		c.t.Errorf("%s %s: no X-Request-ID", method, path)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// template names the documented operation path is a request of.
func (c *liveChecker) template(method, path string) string {
	p, _, _ := strings.Cut(path, "?")
	for _, r := range c.routes {
		if r.method == method && r.re.MatchString(p) {
			return r.method + " " + r.template
		}
	}
	return ""
}

func (c *liveChecker) cover(method, path string, status int) {
	key := c.template(method, path)
	if key == "" {
		c.t.Errorf("%s %s matches no documented route", method, path)
		return
	}
	if c.covered[key] == nil {
		c.covered[key] = map[int]bool{}
	}
	c.covered[key][status] = true
}

func (c *liveChecker) report() {
	var missing []string
	for _, r := range c.routes {
		key := r.method + " " + r.template
		if c.covered[key] == nil {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	c.t.Logf("live requests exercised %d of %d documented operations; not exercised: %v", len(c.routes)-len(missing), len(c.routes), missing)
}

// await polls a purchase, validating each answer, until it reaches status.
func (c *liveChecker) await(id int64, token, status string) detail {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var d detail
		c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/purchases/%d", id), token, nil, &d)
		if d.Status == status {
			return d
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("purchase %d is %s, want %s", id, d.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type oasProblem struct {
	Type, Title, Detail, RequestID string
	Status                         int
	Errors                         []struct{ Field, Message string }
}

func (c *liveChecker) problem(r reply, field string) oasProblem {
	c.t.Helper()
	var p oasProblem
	r.decode(c.t, &p)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		c.t.Errorf("problem answered as %s", ct)
	}
	if p.Status != r.status {
		c.t.Errorf("problem status %d in a %d answer", p.Status, r.status)
	}
	if field != "" && !slices.ContainsFunc(p.Errors, func(e struct{ Field, Message string }) bool { return e.Field == field }) {
		c.t.Errorf("problem %+v does not name the field %s", p, field)
	}
	return p
}

// TestOpenAPIMatchesLiveAPI drives a purchase through its life and the
// usual refusals, and validates every request and response against the
// document.
func TestOpenAPIMatchesLiveAPI(t *testing.T) {
	spec, model, v := loadOpenAPI(t)
	day := 100 * time.Millisecond
	s := newStack(t, day)
	c := newLiveChecker(t, s, model, v)
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatal(err)
	}
	c.loose = newValidator(t, doc)
	defer c.report()
	admin := s.admin

	// Public routes.
	c.must(http.StatusOK, "GET", "/healthz", "", nil, nil)
	if r := c.must(http.StatusOK, "GET", "/api/openapi.json", "", nil, nil); !bytes.Equal(r.body, spec) {
		t.Error("GET /api/openapi.json does not serve openapi.json")
	}
	c.must(http.StatusOK, "GET", "/api/v1/catalog", "", nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/catalog?year=2026&lang=en", admin, nil, nil)
	c.problem(c.refused(http.StatusUnprocessableEntity, "GET", "/api/v1/catalog?year=abc", "", nil), "year")
	c.problem(c.must(http.StatusNotFound, "GET", "/api/v1/catalog?year=1990", "", nil, nil, "Accept-Language", "en"), "year")

	// Authentication and roles.
	c.problem(c.refused(http.StatusUnauthorized, "GET", "/api/v1/me", "", nil), "")
	c.problem(c.must(http.StatusUnauthorized, "GET", "/api/v1/me", "not-a-token", nil, nil), "")
	c.problem(c.must(http.StatusUnauthorized, "GET", "/api/v1/catalog", "not-a-token", nil, nil), "")
	c.must(http.StatusOK, "GET", "/api/v1/me", admin, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/me/tasks", admin, nil, nil)
	// Figures of years without data.
	c.must(http.StatusOK, "GET", "/api/v1/analytics/years", "", nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/analytics/areas?fiscalYear=2030", "", nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/analytics/suppliers?fiscalYear=2030", admin, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/analytics/recommendation?fiscalYear=2030", admin, nil, nil)

	// Accounts, organisations, budgets: the cast of a purchase.
	user := func(name, role string, supplier *int64) account {
		t.Helper()
		body := map[string]any{"name": name, "role": role, "password": "secret-" + name}
		if supplier != nil {
			body["supplierId"] = *supplier
		}
		var a account
		c.must(http.StatusCreated, "POST", "/api/v1/users", admin, body, &a)
		return a
	}
	cs := cast{item: s.cat.Items[0]}
	cs.officer = user("officer", "officer", nil)
	for i := range 6 {
		cs.panel = append(cs.panel, user(fmt.Sprintf("expert%d", i+1), "evaluator", nil))
	}
	spare := cs.panel[5]
	cs.panel = cs.panel[:5]
	cs.inspector = user("inspector", "evaluator", nil)
	cs.assessor = user("assessor", "evaluator", nil)
	for i := range 3 {
		var sp struct{ ID int64 }
		c.must(http.StatusCreated, "POST", "/api/v1/suppliers", cs.officer.Token, map[string]any{
			"name": fmt.Sprintf("阳光助残服务中心%d", i+1), "creditCode": creditCode(t, i+1),
			"qualifications": cs.item.Qualifications, "contact": "张女士 13800000000", "welfareUnit": i == 0}, &sp)
		cs.orgs = append(cs.orgs, sp.ID)
		cs.reps = append(cs.reps, user(fmt.Sprintf("org%d", i+1), "supplier", &sp.ID))
	}
	var b struct{ ID int64 }
	c.must(http.StatusCreated, "POST", "/api/v1/budgets", cs.officer.Token, map[string]any{
		"name": "2026年康复服务", "fiscalYear": 2026, "category": cs.item.Area, "amountFen": 100_000_000}, &b)
	cs.budget = b.ID
	c.must(http.StatusOK, "GET", "/api/v1/users", admin, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/users?role=evaluator", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/me", cs.reps[0].Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/suppliers", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/suppliers/%d", cs.orgs[0]), cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/suppliers/%d", cs.orgs[0]), cs.reps[0].Token, nil, nil)
	c.problem(c.must(http.StatusForbidden, "GET", fmt.Sprintf("/api/v1/suppliers/%d", cs.orgs[1]), cs.reps[0].Token, nil, nil), "")
	c.problem(c.must(http.StatusNotFound, "GET", "/api/v1/suppliers/999999", cs.officer.Token, nil, nil), "")
	c.must(http.StatusOK, "GET", "/api/v1/budgets", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/budgets/%d", cs.budget), admin, nil, nil)

	// A fourth organisation goes on and off the dishonesty list.
	var org4 struct{ ID int64 }
	c.must(http.StatusCreated, "POST", "/api/v1/suppliers", admin, map[string]any{
		"name": "第四社会组织", "creditCode": creditCode(t, 4), "qualifications": []string{}, "contact": "", "welfareUnit": false}, &org4)
	c.must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/suppliers/%d/dishonesty", org4.ID), cs.officer.Token,
		map[string]any{"dishonest": true, "reason": "行政处罚决定书 2026-01"}, nil)
	c.must(http.StatusOK, "POST", fmt.Sprintf("/api/v1/suppliers/%d/dishonesty", org4.ID), cs.officer.Token,
		map[string]any{"dishonest": false, "reason": "处罚期满"}, nil)

	// Catalogue expansion.
	item := cs.item
	item.Code = "X" + item.Code
	c.must(http.StatusCreated, "POST", "/api/v1/catalog/items", admin, item, nil)
	c.problem(c.must(http.StatusForbidden, "POST", "/api/v1/catalog/items", cs.officer.Token, item, nil), "")

	// Refused input.
	c.problem(c.refused(http.StatusBadRequest, "POST", "/api/v1/budgets", cs.officer.Token, `{"name": "x",`), "")
	c.problem(c.refused(http.StatusBadRequest, "POST", "/api/v1/budgets", cs.officer.Token, `{"name": "x"} {}`), "")
	c.problem(c.refused(http.StatusUnprocessableEntity, "POST", "/api/v1/budgets", cs.officer.Token,
		map[string]any{"name": "x", "fiscalYear": 2026, "category": "general", "amountFen": 1, "colour": "red"}), "colour")
	c.problem(c.refused(http.StatusUnprocessableEntity, "POST", "/api/v1/budgets", cs.officer.Token,
		map[string]any{"name": "x", "fiscalYear": 2026, "category": "general", "amountFen": "lots"}), "amountFen")
	c.problem(c.refused(http.StatusUnprocessableEntity, "POST", "/api/v1/budgets", cs.officer.Token,
		map[string]any{"name": "x", "fiscalYear": 1990, "category": "general"}, "Accept-Language", "en"), "fiscalYear")
	c.problem(c.must(http.StatusUnprocessableEntity, "POST", "/api/v1/budgets", cs.officer.Token,
		map[string]any{"name": "x", "fiscalYear": 2026, "category": "no-such-area"}, nil), "category")
	c.problem(c.refused(http.StatusUnauthorized, "POST", "/api/v1/budgets", "",
		map[string]any{"name": "x", "fiscalYear": 2026, "category": "general"}), "")
	c.problem(c.must(http.StatusForbidden, "POST", "/api/v1/budgets", cs.reps[0].Token,
		map[string]any{"name": "x", "fiscalYear": 2026, "category": "general"}, nil), "")
	c.problem(c.must(http.StatusForbidden, "GET", "/api/v1/users", cs.reps[0].Token, nil, nil), "")
	c.problem(c.refused(http.StatusUnprocessableEntity, "POST", "/api/v1/users", admin,
		map[string]any{"name": "x", "role": "mayor"}), "role")
	c.problem(c.refused(http.StatusUnprocessableEntity, "GET", "/api/v1/purchases?limit=0", "", nil), "limit")
	c.problem(c.refused(http.StatusUnprocessableEntity, "GET", "/api/v1/purchases?status=bogus&lang=en", "", nil), "status")
	c.problem(c.refused(http.StatusNotFound, "GET", "/api/v1/purchases/0", "", nil), "")
	c.problem(c.must(http.StatusNotFound, "GET", "/api/v1/purchases/999999", "", nil, nil), "")
	c.problem(c.must(http.StatusNotFound, "GET", "/api/v1/purchases/999999/events", "", nil, nil), "")
	// Actions on a purchase that does not exist: 404, whichever reads the
	// action makes first (the Update's own answer, the bids of the round).
	c.problem(c.must(http.StatusNotFound, "POST", "/api/v1/purchases/999999/bids", cs.reps[0].Token,
		map[string]any{"priceFen": 100, "proposal": "方案"}, nil), "")
	c.problem(c.must(http.StatusNotFound, "POST", "/api/v1/purchases/999999/scores", cs.panel[0].Token,
		map[string]any{"scores": []map[string]any{{"bidId": 1, "technical": 60}}}, nil), "")
	c.problem(c.must(http.StatusNotFound, "POST", "/api/v1/purchases/999999/signatures", cs.officer.Token, map[string]any{}, nil), "")

	// A purchase, created once despite a retry.
	body := cs.purchaseBody(day, 60)
	var created struct {
		ID     int64
		Status string
	}
	c.must(http.StatusCreated, "POST", "/api/v1/purchases", cs.officer.Token, body, &created, "Idempotency-Key", "create-1")
	r := c.must(http.StatusCreated, "POST", "/api/v1/purchases", cs.officer.Token, body, nil, "Idempotency-Key", "create-1")
	if r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry not replayed: %v", r.header)
	}
	other := cs.purchaseBody(day, 60)
	other["title"] = "另一个采购"
	c.problem(c.must(http.StatusUnprocessableEntity, "POST", "/api/v1/purchases", cs.officer.Token, other, nil,
		"Idempotency-Key", "create-1"), "")
	bad := cs.purchaseBody(day, 60)
	bad["ceilingFen"] = 200_000_000
	c.problem(c.must(http.StatusUnprocessableEntity, "POST", "/api/v1/purchases", cs.officer.Token, bad, nil), "ceilingFen")
	path := fmt.Sprintf("/api/v1/purchases/%d", created.ID)
	// A second purchase gets no bid: its round fails.
	var second struct{ ID int64 }
	c.must(http.StatusCreated, "POST", "/api/v1/purchases", cs.officer.Token, postponed(cs.purchaseBody(day, 60), 900*day), &second)
	path2 := fmt.Sprintf("/api/v1/purchases/%d", second.ID)
	c.must(http.StatusOK, "GET", "/api/v1/purchases", "", nil, nil)
	var page struct{ NextCursor string }
	c.must(http.StatusOK, "GET", "/api/v1/purchases?status=tendering&method=open_tender&category="+cs.item.Area+"&q=%E5%BA%B7%E5%A4%8D&limit=1", "", nil, &page)
	if page.NextCursor == "" {
		t.Error("a full page has no nextCursor")
	}
	c.must(http.StatusOK, "GET", "/api/v1/purchases?cursor="+page.NextCursor, "", nil, nil)
	c.must(http.StatusOK, "GET", path, "", nil, nil)
	page1 := c.must(http.StatusOK, "GET", path, cs.officer.Token, nil, nil)
	c.must(http.StatusNotModified, "GET", path, cs.officer.Token, nil, nil, "If-None-Match", page1.header.Get("ETag"))
	c.must(http.StatusOK, "GET", path+"/events", "", nil, nil)

	// Bids: one above the ceiling, one withdrawn and made again, one
	// abnormally low (below 80 % of the mean).
	c.problem(c.must(http.StatusUnprocessableEntity, "POST", path+"/bids", cs.reps[0].Token,
		map[string]any{"priceFen": 60_000_000, "proposal": "方案"}, nil, "Accept-Language", "en"), "priceFen")
	c.problem(c.must(http.StatusForbidden, "POST", path+"/bids", cs.officer.Token,
		map[string]any{"priceFen": 40_000_000, "proposal": "方案"}, nil), "")
	c.problem(c.refused(http.StatusUnprocessableEntity, "POST", path+"/bids", cs.reps[0].Token,
		map[string]any{"priceFen": 40_000_000}), "proposal")
	for i, price := range []int64{45_000_000, 20_000_000, 48_000_000} {
		c.must(http.StatusOK, "POST", path+"/bids", cs.reps[i].Token, map[string]any{"priceFen": price, "proposal": "康复训练方案"}, nil,
			"Idempotency-Key", fmt.Sprintf("bid-%d", i))
	}
	c.must(http.StatusOK, "DELETE", path+"/bids/mine", cs.reps[2].Token, nil, nil)
	c.must(http.StatusOK, "POST", path+"/bids", cs.reps[2].Token, map[string]any{"priceFen": 48_000_000, "proposal": "康复训练方案"}, nil)
	c.must(http.StatusOK, "GET", path, cs.reps[1].Token, nil, nil)
	c.must(http.StatusOK, "GET", path+"/events", cs.reps[1].Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/me/tasks", cs.reps[0].Token, nil, nil)
	c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/purchases?supplierId=%d", cs.orgs[0]), "", nil, nil)
	// A panel member recuses and the spare evaluator takes the seat.
	c.must(http.StatusOK, "POST", path+"/recusal", cs.panel[4].Token, map[string]any{"reason": "与投标人存在利害关系"}, nil)
	c.must(http.StatusOK, "POST", path+"/panel", cs.officer.Token, map[string]any{"userId": spare.ID}, nil)
	panel := append(append([]account{}, cs.panel[:4]...), spare)

	// Evaluation; a late bid is refused.
	d := c.await(created.ID, cs.officer.Token, "evaluating")
	c.problem(c.must(http.StatusConflict, "POST", path+"/bids", cs.reps[0].Token,
		map[string]any{"priceFen": 41_000_000, "proposal": "迟到的方案"}, nil), "")
	c.must(http.StatusOK, "GET", path, "", nil, nil)
	c.must(http.StatusOK, "GET", path, cs.reps[0].Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/me/tasks", panel[0].Token, nil, nil)
	for _, bid := range d.Bids {
		if bid.SupplierID == cs.orgs[1] {
			c.must(http.StatusOK, "POST", fmt.Sprintf("%s/bids/%d/low-price", path, bid.ID), panel[0].Token,
				map[string]any{"accept": true, "reason": "已书面说明成本构成，价格合理"}, nil)
		}
	}
	c.must(http.StatusOK, "GET", path, panel[1].Token, nil, nil)
	tech := map[int64]string{cs.orgs[0]: "60", cs.orgs[1]: "55.5", cs.orgs[2]: "65.25"}
	for i, e := range panel {
		var scores []string
		for _, bid := range d.Bids {
			scores = append(scores, fmt.Sprintf(`{"bidId": %d, "technical": %s}`, bid.ID, tech[bid.SupplierID]))
		}
		if i == 0 {
			c.problem(c.refused(http.StatusUnprocessableEntity, "POST", path+"/scores", e.Token,
				fmt.Sprintf(`{"scores": [{"bidId": %d, "technical": "60"}]}`, d.Bids[0].ID)), "scores.technical")
		}
		c.must(http.StatusOK, "POST", path+"/scores", e.Token, `{"scores": [`+strings.Join(scores, ", ")+`]}`, nil)
	}

	// The award: a losing bidder challenges, the officer answers.
	c.await(created.ID, cs.officer.Token, "challenge_period")
	var ch struct{ Result int }
	c.must(http.StatusOK, "POST", path+"/challenges", cs.reps[0].Token, map[string]any{"reason": "评分有误"}, &ch)
	c.must(http.StatusOK, "GET", path, cs.reps[0].Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/me/tasks", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "POST", fmt.Sprintf("%s/challenges/%d/answer", path, ch.Result), cs.officer.Token,
		map[string]any{"upheld": false, "response": "经复核，评分无误"}, nil)
	c.must(http.StatusOK, "GET", path, "", nil, nil)
	d = c.await(created.ID, cs.officer.Token, "contracting")
	var winner account
	for i, org := range cs.orgs {
		if len(d.Award) > 0 && d.Award[len(d.Award)-1].SupplierID == org {
			winner = cs.reps[i]
		}
	}
	if winner.Token == "" || winner.ID == cs.reps[0].ID {
		t.Fatalf("awards %+v", d.Award)
	}
	c.must(http.StatusOK, "POST", path+"/signatures", cs.officer.Token, nil, nil)
	c.problem(c.must(http.StatusForbidden, "POST", path+"/signatures", cs.reps[0].Token, map[string]any{}, nil), "")
	c.must(http.StatusOK, "POST", path+"/signatures", winner.Token, map[string]any{}, nil)

	// Delivery: each role works from its inbox; the first inspection fails.
	d = c.await(created.ID, cs.officer.Token, "delivering")
	failed := false
	deadline := time.Now().Add(time.Minute)
	for d.Status != "settled" {
		if time.Now().After(deadline) {
			t.Fatalf("stuck in %s", d.Status)
		}
		acted := false
		for _, m := range d.Milestones {
			switch m.Status {
			case "pending", "returned":
				c.must(http.StatusOK, "POST", fmt.Sprintf("%s/milestones/%d/reports", path, m.Seq), winner.Token, map[string]any{
					"deliveredQuantity": m.Quantity, "beneficiaries": m.Quantity, "summary": "按计划完成康复训练",
					"evidence": []map[string]any{{"name": "签到表.pdf", "sha256": strings.Repeat("AB", 32)}}}, nil)
				acted = true
			case "reported":
				c.must(http.StatusOK, "POST", fmt.Sprintf("%s/milestones/%d/review", path, m.Seq), cs.officer.Token, map[string]any{"accepted": true}, nil)
				acted = true
			}
		}
		var tasks struct {
			Items []struct {
				Kind string
				Ref  int
			}
		}
		c.must(http.StatusOK, "GET", "/api/v1/me/tasks", cs.inspector.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "inspect" {
				body := map[string]any{"passed": true, "findings": "", "surveyed": 10, "satisfied": 9}
				if !failed {
					body = map[string]any{"passed": false, "findings": "训练记录不全", "surveyed": 10, "satisfied": 6}
					failed = true
				}
				c.must(http.StatusOK, "POST", path+"/inspections", cs.inspector.Token, body, nil)
				acted = true
				break
			}
		}
		c.must(http.StatusOK, "GET", "/api/v1/me/tasks", winner.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "rectify" {
				c.must(http.StatusOK, "POST", fmt.Sprintf("%s/rectifications/%d/done", path, tk.Ref), winner.Token,
					map[string]any{"summary": "已补全训练记录"}, nil)
				acted = true
			}
		}
		c.must(http.StatusOK, "GET", "/api/v1/me/tasks", cs.assessor.Token, nil, &tasks)
		for _, tk := range tasks.Items {
			if tk.Kind == "assess" {
				var scores []map[string]any
				for _, ind := range cs.item.Indicators {
					if ind.Method == catalog.MethodScored {
						scores = append(scores, map[string]any{"indicator": ind.Code, "score": ind.Weight})
					}
				}
				c.must(http.StatusOK, "POST", path+"/evaluations", cs.assessor.Token, map[string]any{"scores": scores, "comment": "服务规范"}, nil)
				acted = true
			}
		}
		if !acted {
			time.Sleep(100 * time.Millisecond)
		}
		d = detail{}
		c.must(http.StatusOK, "GET", path, cs.officer.Token, nil, &d)
	}
	if !failed {
		t.Error("no inspection was recorded")
	}
	c.must(http.StatusOK, "GET", path, "", nil, nil)
	c.must(http.StatusOK, "GET", path+"/events", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/suppliers/%d", *winner.SupplierID), cs.officer.Token, nil, nil)
	c.problem(c.must(http.StatusConflict, "POST", path+"/terminate", cs.officer.Token, map[string]any{"reason": "已结算"}, nil), "")

	// The second purchase's round failed: a new round, then cancelled.
	c.await(second.ID, cs.officer.Token, "failed")
	c.must(http.StatusOK, "GET", "/api/v1/me/tasks", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "POST", path2+"/retender", cs.officer.Token,
		map[string]any{"bidDeadline": time.Now().Add(30 * day).Format(time.RFC3339Nano)}, nil)
	c.problem(c.must(http.StatusUnprocessableEntity, "POST", path2+"/extend", cs.officer.Token,
		map[string]any{"bidDeadline": time.Now().Format(time.RFC3339Nano), "reason": "澄清"}, nil), "bidDeadline")
	c.must(http.StatusOK, "POST", path2+"/extend", cs.officer.Token,
		map[string]any{"bidDeadline": time.Now().Add(40 * day).Format(time.RFC3339Nano), "reason": "答疑澄清", "amendment": "补充服务对象名单"}, nil)
	c.must(http.StatusOK, "POST", path2+"/cancel", cs.officer.Token, map[string]any{"reason": "需求变更"}, nil)
	c.must(http.StatusOK, "GET", path2, cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/budgets/%d", cs.budget), cs.officer.Token, nil, nil)

	// Open data and analytics.
	c.must(http.StatusOK, "GET", path+"/ocds", "", nil, nil)
	c.must(http.StatusOK, "GET", path2+"/ocds", "", nil, nil)
	c.problem(c.must(http.StatusNotFound, "GET", "/api/v1/purchases/999999/ocds", "", nil, nil), "")
	r = c.must(http.StatusOK, "GET", "/api/v1/ocds/releases?limit=3", "", nil, nil)
	if next := r.header.Get("Link"); !strings.Contains(next, "cursor=") {
		t.Errorf("a full page of releases has no next link: %q", next)
	} else if u, _, ok := strings.Cut(next[strings.Index(next, "/api/v1/"):], ">"); ok {
		c.must(http.StatusOK, "GET", u, "", nil, nil)
	}
	c.must(http.StatusOK, "GET", "/api/v1/ocds/releases?since=2026-01-01T00:00:00%2B08:00", "", nil, nil)
	c.problem(c.refused(http.StatusUnprocessableEntity, "GET", "/api/v1/ocds/releases?limit=0", "", nil), "limit")
	year := strconv.Itoa(time.Now().Year())
	c.must(http.StatusOK, "GET", "/api/v1/analytics/years", "", nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/analytics/areas?fiscalYear=2026", "", nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/analytics/areas", "", nil, nil)
	c.problem(c.refused(http.StatusUnprocessableEntity, "GET", "/api/v1/analytics/areas?fiscalYear=1990", "", nil), "fiscalYear")
	c.must(http.StatusOK, "GET", "/api/v1/analytics/suppliers?fiscalYear="+year, cs.officer.Token, nil, nil)
	c.problem(c.refused(http.StatusUnauthorized, "GET", "/api/v1/analytics/suppliers", "", nil), "")
	c.must(http.StatusOK, "GET", "/api/v1/analytics/recommendation?fiscalYear=2026", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/analytics/recommendation?fiscalYear=2026&format=csv", admin, nil, nil)
	c.problem(c.must(http.StatusUnprocessableEntity, "GET", "/api/v1/analytics/recommendation?weightDemand=50", cs.officer.Token, nil, nil), "weightDemand")
	c.must(http.StatusOK, "GET", "/api/v1/exports/purchases", cs.officer.Token, nil, nil)
	c.must(http.StatusOK, "GET", "/api/v1/exports/payments?format=xlsx&status=settled", admin, nil, nil)
	c.problem(c.refused(http.StatusNotFound, "GET", "/api/v1/exports/secrets", admin, nil), "")
	c.problem(c.must(http.StatusForbidden, "GET", "/api/v1/exports/purchases", cs.reps[0].Token, nil, nil), "")
}
