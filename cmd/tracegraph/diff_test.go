package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/internal/sarifcheck"
	"github.com/tracegraph/tracegraph/topology"
)

const renderTestdata = "../../render/testdata"

// TestDiffShop runs the whole pipeline on the example shop: static analysis
// of its code, its committed events, and the diff.
func TestDiffShop(t *testing.T) {
	args := []string{"diff", "../../examples/shop/...", "--events", shopEvents}
	code, out, errOut := tg(t, args...)
	if code != exitFound {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFound, errOut)
	}
	for _, s := range []string{"converged ", "undeclared ", "unobserved ", "debug.stockadjustfailed"} {
		if !strings.Contains(out, s) {
			t.Errorf("text output lacks %q:\n%s", s, out)
		}
	}
	if !strings.Contains(errOut, "diff found 1 undeclared flow") {
		t.Errorf("stderr %q, want the findings named", errOut)
	}
	if code, _, errOut := tg(t, append(args, "--fail-on", "")...); code != exitOK {
		t.Errorf("--fail-on '': exit %d, want 0; stderr: %s", code, errOut)
	}
	if code, _, _ := tg(t, append(args, "--fail-on", "unobserved")...); code != exitFound {
		t.Errorf("--fail-on unobserved: exit %d, want %d", code, exitFound)
	}
}

func TestDiffBaselineRoundTrip(t *testing.T) {
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	args := []string{"diff", "--config", renderTestdata + "/tracegraph.yaml",
		"--declared", renderTestdata + "/declared.json", "--observed", renderTestdata + "/observed.json",
		"--fail-on", "undeclared,unobserved,type-mismatch,rules"}
	if code, _, _ := tg(t, args...); code != exitFound {
		t.Fatalf("without a baseline: exit %d, want %d", code, exitFound)
	}
	code, _, errOut := tg(t, append(args, "--baseline", baseline, "--update-baseline")...)
	if code != exitOK || !strings.Contains(errOut, "accepted differences") {
		t.Fatalf("--update-baseline: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := tg(t, append(args, "--baseline", baseline)...)
	if code != exitOK {
		t.Fatalf("with the baseline: exit %d, want 0; stderr: %s", code, errOut)
	}
	if !strings.Contains(out, "undeclared (baselined)") {
		t.Errorf("baselined flows are not marked:\n%s", out)
	}

	// An entry for a flow that is gone is stale: reported, never failing.
	data, err := os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	stale := strings.Replace(string(data), `"entries": [`, `"entries": [
    {"status": "undeclared", "kind": "pubsub", "from": "gone", "to": "audit", "channel": "x"},`, 1)
	if err := os.WriteFile(baseline, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = tg(t, append(args, "--baseline", baseline)...)
	if code != exitOK || !strings.Contains(out, "baseline entry matches nothing any more, remove it: undeclared pubsub gone -> audit on x") {
		t.Errorf("stale entry: exit %d, output:\n%s", code, out)
	}
	code, _, errOut = tg(t, append(args, "--baseline", baseline, "-f", "sarif")...)
	if code != exitOK || !strings.Contains(errOut, "1 baseline entries match nothing any more") {
		t.Errorf("stale entry, sarif: exit %d, stderr %q", code, errOut)
	}
}

func TestDiffUsageErrors(t *testing.T) {
	base := []string{"diff", "--declared", renderTestdata + "/declared.json", "--observed", renderTestdata + "/observed.json"}
	for _, c := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"bad fail-on", []string{"--fail-on", "undeclared,sometimes"}, `--fail-on: unknown value "sometimes"`},
		{"update without a file", []string{"--update-baseline"}, "--update-baseline: no baseline file"},
		{"missing baseline", []string{"--baseline", "nosuch.json"}, "baseline: open nosuch.json"},
		{"not a graph", []string{"--observed", renderTestdata + "/baseline.json"}, "baseline.json: decode graph: line 2, column 13: schema: \"tracegraph-baseline/v1\" is not a tracegraph graph"},
		{"bad view", []string{"--view", "teams"}, `unknown view "teams"`},
		{"unknown focus", []string{"--focus", "nobody"}, `no service "nobody"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := tg(t, append(base, c.args...)...)
			if code != exitUsage || !strings.Contains(errOut, c.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, c.stderr)
			}
		})
	}
}

func TestRenderCommand(t *testing.T) {
	withEmbeddedCommand(t) // for the svg case where Graphviz is not installed
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"dot", []string{"render", renderTestdata + "/declared.json", "-f", "dot"}, exitOK, `"svc:catalog" -> "svc:pricing"`, ""},
		{"mermaid focused", []string{"render", renderTestdata + "/declared.json", "-f", "mermaid", "--focus", "audit", "--depth", "0"}, exitOK, `(["audit.events"]):::channel`, ""},
		{"svg", []string{"render", renderTestdata + "/declared.json"}, exitOK, "<svg", ""},
		{"wrong schema", []string{"render", renderTestdata + "/baseline.json"}, exitUsage, "", `baseline.json: decode graph: line 2, column 13: schema: "tracegraph-baseline/v1" is not a tracegraph graph`},
		{"missing file", []string{"render", "nosuch.json"}, exitUsage, "", "nosuch.json"},
		// A graph that parses but could not have been measured is refused,
		// not drawn: the file, line and column, and the value at fault.
		{"invalid graph", []string{"render", "../../topology/testdata/invalid-stats.json", "-f", "text"}, exitUsage, "",
			"invalid-stats.json: decode graph: line 14, column 26: flows[0].stats.count: count -5 is negative"},
		{"invalid declared graph", []string{"diff", "--declared", "../../topology/testdata/invalid-stats.json", "--observed", renderTestdata + "/observed.json"},
			exitUsage, "", "invalid-stats.json: decode graph: line 14, column 26: flows[0].stats.count"},
		{"bad format", []string{"render", renderTestdata + "/declared.json", "-f", "gif"}, exitUsage, "", `unknown format "gif"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := tg(t, c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Errorf("exit %d (want %d), stdout %.200q (want %q), stderr %q (want %q)", code, c.code, out, c.stdout, errOut, c.stderr)
			}
		})
	}
}

func TestDiffStrict(t *testing.T) {
	observed, err := filepath.Abs(renderTestdata + "/observed.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(corpusDir)
	args := []string{"diff", "./...", "--observed", observed, "--fail-on", ""}
	if code, _, errOut := tg(t, args...); code != exitOK {
		t.Errorf("without --strict: exit %d, want 0 (a partial graph is still a diff); stderr %s", code, errOut)
	}
	code, _, errOut := tg(t, append(args, "--strict")...)
	if code != exitIncomplete || !strings.Contains(errOut, "analysis incomplete: 1 package(s) failed to load") {
		t.Errorf("--strict: exit %d, stderr %q; want %d", code, errOut, exitIncomplete)
	}
}

// TestDiffHTTPSpans diffs a system whose services talk plain HTTP against
// the OpenTelemetry export of a run of the same code (otelhttp on both
// sides, made by the module's _export command): every declared flow is
// observed and nothing else is, with no configuration.
func TestDiffHTTPSpans(t *testing.T) {
	const dir = "../../staticgraph/testdata/libs/otelhttp"
	code, out, errOut := tg(t, "diff", dir+"/...", "--events", dir+"/spans.otlp.json",
		"--fail-on", "undeclared,unobserved,type-mismatch", "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d, want %d; stderr: %s\n%s", code, exitOK, errOut, out)
	}
	var g struct {
		Flows []struct {
			From, To, Channel, Status string
		}
	}
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range g.Flows {
		got = append(got, f.Status+" "+f.From+" -> "+f.To+" "+f.Channel)
	}
	want := []string{
		"converged orders -> inventory GET /stock/{sku}",
		"converged orders -> inventory POST /reservations",
	}
	if !slices.Equal(got, want) {
		t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDiffEventsGlob: the files a shell glob gives after --events are all
// read, as one file holding them all is.
func TestDiffEventsGlob(t *testing.T) {
	data, err := os.ReadFile(shopEvents)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "shop-1.jsonl"), filepath.Join(dir, "shop-2.jsonl")
	half := len(lines) / 2
	if err := os.WriteFile(a, []byte(strings.Join(lines[:half], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(strings.Join(lines[half:], "")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, whole, _ := tg(t, "diff", "../../examples/shop/...", "--events", shopEvents, "-f", "json", "--fail-on", "")
	code, split, errOut := tg(t, "diff", "../../examples/shop/...", "--events", a, b, "-f", "json", "--fail-on", "")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	if split != whole {
		t.Errorf("diff of the two halves differs from the diff of the whole file")
	}
}

func TestSourceErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"an empty file is no observed graph", []string{"observed", "--events", empty}, exitUsage, "no events in " + empty + " at any time"},
		{"nor a diff", []string{"diff", "../../examples/shop/...", "--events", empty}, exitUsage, "no events in " + empty},
		{"a window with no events", []string{"observed", "--events", shopEvents, "--since", "2999-01-01"}, exitUsage, "since 2999-01-01"},
		{"unless asked for", []string{"observed", "--events", empty, "--allow-empty"}, exitOK, ""},
		{"nor an explorer", []string{"serve", "--events", empty, "--listen", "127.0.0.1:0"}, exitUsage, "no events in " + empty},
		{"two sources", []string{"observed", "--events", shopEvents, "--db", "postgres://nobody@127.0.0.1:1/x"}, exitUsage, "--events and --db name two sources"},
		{"a path that is neither events nor packages", []string{"diff", "../../examples/shop/...", "--events", shopEvents, "./no-such-events.jsonl"}, exitUsage, "./no-such-events.jsonl: no such events file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := tg(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, errOut)
			}
			if c.stderr != "" && (!strings.Contains(errOut, c.stderr) || strings.Count(strings.TrimSpace(errOut), "\n") > 0) {
				t.Errorf("stderr %q, want one line with %q", errOut, c.stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, out, errOut := tg(t, "--version")
	if code != exitOK || !strings.HasPrefix(out, "tracegraph ") || !strings.Contains(out, " go1.") {
		t.Errorf("--version: exit %d, %q (stderr %q), want the version and the Go release", code, out, errOut)
	}
}

// TestDiffPartial: when code fails to load, an observed flow of a service
// whose code did not load is unverified, not an undeclared alarm, and no
// baseline is written; a flow between services that loaded is still
// judged.
func TestDiffPartial(t *testing.T) {
	dir := t.TempDir()
	fromBroken := writeObservedFlow(t, dir, "broken.json", "broken", "consts")
	between := writeObservedFlow(t, dir, "loaded.json", "alpha", "consts")
	t.Chdir(corpusDir)

	code, out, errOut := tg(t, "diff", "./...", "--observed", fromBroken, "-f", "json")
	if code != exitOK {
		t.Fatalf("a flow from the service whose code failed to load: exit %d, want 0; stderr %s", code, errOut)
	}
	var g topology.Graph
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	var status []string
	for _, f := range g.Flows {
		if f.Channel == "zz.observed-only" {
			status = append(status, f.Status)
			if len(f.Evidence) == 0 || f.Evidence[0].File != "cmd/broken/main.go" {
				t.Errorf("unverified flow's evidence %v, want the load error in cmd/broken/main.go", f.Evidence)
			}
		}
	}
	if !slices.Equal(status, []string{topology.StatusUnverified}) {
		t.Errorf("statuses %v, want [unverified]", status)
	}
	if code, _, _ := tg(t, "diff", "./...", "--observed", between); code != exitFound {
		t.Errorf("a flow between services that loaded: exit %d, want %d (undeclared)", code, exitFound)
	}
	baseline := filepath.Join(dir, "baseline.json")
	code, _, errOut = tg(t, "diff", "./...", "--observed", fromBroken, "--baseline", baseline, "--update-baseline")
	if code != exitUsage || !strings.Contains(errOut, "--update-baseline: the declared graph is partial") {
		t.Errorf("--update-baseline on a partial graph: exit %d, stderr %q; want %d", code, errOut, exitUsage)
	}
	if _, err := os.Stat(baseline); err == nil {
		t.Error("a baseline was written from a partial graph")
	}
}

// TestDiffSARIFSchema: the SARIF a user uploads validates against the
// official schema, for the shop's diff and for a partial graph, whose
// unverified finding has no declaration to point at.
// writeObservedFlow writes an observed graph of one flow that no code
// declares, from one service to another, and returns its path.
func writeObservedFlow(t *testing.T, dir, name, from, to string) string {
	t.Helper()
	g := topology.New(topology.SourceObserved)
	g.Services = []topology.Service{{Name: from}, {Name: to}}
	g.Flows = []topology.Flow{{Kind: topology.KindPubSub, From: from, To: to, Channel: "zz.observed-only"}}
	p := filepath.Join(dir, name)
	data, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiffSARIFSchema(t *testing.T) {
	// checkSARIF runs a diff that must pass, then validates its SARIF and
	// looks for one finding of the rule.
	checkSARIF := func(label, rule string, args ...string) {
		t.Helper()
		code, out, errOut := tg(t, append(args, "-f", "sarif")...)
		if code != exitOK {
			t.Fatalf("%s: exit %d; stderr %s", label, code, errOut)
		}
		if err := sarifcheck.Validate([]byte(out)); err != nil {
			t.Errorf("%s: %v", label, err)
		}
		if !strings.Contains(out, `"ruleId": "`+rule+`"`) {
			t.Errorf("%s: no %s finding in\n%s", label, rule, out)
		}
	}
	checkSARIF("shop", "undeclared-flow", "diff", "../../examples/shop/...", "--events", shopEvents, "--fail-on", "")

	observed := writeObservedFlow(t, t.TempDir(), "observed.json", "broken", "consts")
	t.Chdir(corpusDir)
	checkSARIF("partial", "unverified-flow", "diff", "./...", "--observed", observed)
}

func TestFlagValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"a status that is none", []string{"events", "--events", shopEvents, "--status", "failed"}, exitUsage, `--status "failed": want ok or error`},
		{"a negative depth", []string{"observed", "--events", shopEvents, "--focus", "catalog", "--depth", "-1"}, exitUsage, "--depth -1: must not be negative"},
		{"text is the events table's name", []string{"events", "--events", shopEvents, "-f", "text", "--limit", "1"}, exitOK, ""},
		{"and table an alias of text everywhere", []string{"observed", "--events", shopEvents, "-f", "table"}, exitOK, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := tg(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, c.code, c.stderr)
			}
		})
	}
}

func TestTraceFormats(t *testing.T) {
	const id = "01a20cc8-a5a5-7c24-abb3-1b67411f56b4"
	code, out, errOut := tg(t, "trace", id, "--events", shopEvents)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// A request points to the server, a serve back to the client.
	if !strings.Contains(out, "request merchant-api (UpdateSku) -> catalog") || !strings.Contains(out, "serve catalog (UpdateSku) <- merchant-api") {
		t.Errorf("request arrows do not point the way the request went:\n%s", out)
	}
	code, out, errOut = tg(t, "trace", id, "--events", shopEvents, "-f", "json")
	if code != exitOK {
		t.Fatalf("-f json: exit %d: %s", code, errOut)
	}
	var doc struct {
		TraceID string `json:"trace_id"`
		Events  []struct {
			EventID string `json:"event_id"`
		} `json:"events"`
		Tree []struct {
			Event   int    `json:"event"`
			EventID string `json:"event_id"`
			Parent  *int   `json:"parent"`
			Depth   int    `json:"depth"`
		} `json:"tree"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.TraceID != id || len(doc.Events) == 0 || len(doc.Tree) != len(doc.Events) {
		t.Errorf("trace JSON %q: %d events, %d tree nodes", doc.TraceID, len(doc.Events), len(doc.Tree))
	}
	for _, n := range doc.Tree {
		if n.Event >= len(doc.Events) || doc.Events[n.Event].EventID != n.EventID || (n.Parent == nil) != (n.Depth == 0) {
			t.Errorf("tree node %+v does not match the events", n)
		}
	}
	if code, _, _ := tg(t, "trace", id, "--events", shopEvents, "-f", "svg"); code != exitUsage {
		t.Errorf("-f svg: exit %d, want %d", code, exitUsage)
	}
}
