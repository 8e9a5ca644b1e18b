package staticgraph

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/topology"
)

// The corpus (testdata/corpus) is a module with one case per construct the
// analysis must follow. Lines are named by "// ev:NAME" markers in its
// source, so the expectations below say which line each endpoint comes
// from without hard-coding line numbers.

const corpusDir = "testdata/corpus"

var corpus = sync.OnceValues(func() (*Result, error) {
	return Analyze(context.Background(), Options{Dir: corpusDir})
})

// markers maps each "// ev:NAME" in dir to its file:line, relative to dir.
func markers(t *testing.T, dir string) map[string]topology.Evidence {
	t.Helper()
	re := regexp.MustCompile(`// ev:([\w-]+)`)
	out := map[string]topology.Evidence{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(dir, path)
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			for _, m := range re.FindAllStringSubmatch(sc.Text(), -1) {
				out[m[1]] = topology.Evidence{File: filepath.ToSlash(rel), Line: line}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type wantEndpoint struct {
	service, role, channel, msg, reply string
	pattern                            bool
	at                                 []string // markers of the evidence, all of it
}

func (w wantEndpoint) String() string {
	return fmt.Sprintf("%s %s %s %s %s pattern=%t", w.service, w.role, w.channel, w.msg, w.reply, w.pattern)
}

func endpointString(e topology.Endpoint) string {
	short := func(t string) string { return strings.TrimPrefix(t, "example.com/corpus/") }
	return fmt.Sprintf("%s %s %s %s %s pattern=%t", e.Service, e.Role, e.Channel, short(e.MessageType), short(e.ReplyType), e.Pattern)
}

type wantNote struct {
	at       string // marker of the line
	contains string
}

var corpusCases = []struct {
	name       string
	endpoints  []wantEndpoint
	unresolved []wantNote
	diags      []wantNote
}{
	{name: "constant from another package, constant expression, single-definition local",
		endpoints: []wantEndpoint{
			{"consts", "publish", "orders.created", "msgs.Order", "", false, []string{"consts-pub"}},
			{"consts", "subscribe", "billing.invoices.v1", "msgs.Invoice", "", false, []string{"consts-sub"}},
		}},
	{name: "wrapper with the channel from a parameter",
		endpoints: []wantEndpoint{
			{"wrapper", "publish", "wrap.one", "msgs.Order", "", false, []string{"wrap-send", "wrapper-one"}},
			{"wrapper", "publish", "wrap.two", "msgs.Order", "", false, []string{"wrap-send", "wrapper-two"}},
		}},
	{name: "generic wrapper with the message type from a type parameter",
		endpoints: []wantEndpoint{
			{"generic", "publish", "gen.orders", "msgs.Order", "", false, []string{"wrap-generic", "generic-orders"}},
			{"generic", "publish", "gen.invoices", "msgs.Invoice", "", false, []string{"wrap-generic", "generic-invoices"}},
			// A field of a generic type, per instance: no mixtures.
			{"generic", "publish", "gen.field.orders", "msgs.Order", "", false, []string{"wrap-emit"}},
			{"generic", "publish", "gen.field.invoices", "msgs.Invoice", "", false, []string{"wrap-emit"}},
		}},
	{name: "Service passed down through two calls",
		endpoints: []wantEndpoint{
			{"deep-svc", "subscribe", "deep.orders", "msgs.Order", "", false, []string{"deep", "deep-middle", "deep-start", "deepmain"}},
		}},
	{name: "client in a struct field used in a method",
		endpoints: []wantEndpoint{
			{"field-svc", "publish", "field.invoices", "msgs.Invoice", "", false, []string{"field"}},
		}},
	{name: "library used by two mains: by the Service passed, and by main package",
		endpoints: []wantEndpoint{
			{"alpha", "publish", "audit.events", "msgs.AuditEvent", "", false, []string{"shared-audit", "alpha-audit"}},
			{"beta", "publish", "audit.events", "msgs.AuditEvent", "", false, []string{"shared-audit", "beta-audit"}},
			{"alpha", "publish", "ping", "msgs.AuditEvent", "", false, []string{"shared-ping"}},
			{"beta", "publish", "ping", "msgs.AuditEvent", "", false, []string{"shared-ping"}},
		}},
	{name: "helper no main calls",
		diags: []wantNote{{"dead", "not reached from any main package"}}},
	{name: "channel name from the environment",
		unresolved: []wantNote{{"env-client", "the result of os.Getenv, a setting from the environment ({env-getenv})"}}},
	{name: "Sprintf and concatenation patterns; Sprintf of constants; a name from a helper in a package without the channel API",
		endpoints: []wantEndpoint{
			{"patterns", "subscribe", "orders.*", "msgs.Order", "", true, []string{"patterns-sprintf"}},
			{"patterns", "publish", "shards.*.orders", "msgs.Order", "", true, []string{"patterns-concat"}},
			{"patterns", "publish", "invoices.eu.v2", "msgs.Invoice", "", false, []string{"patterns-constfmt"}},
			{"patterns", "publish", "regional.eu", "msgs.Invoice", "", false, []string{"patterns-helper"}},
		}},
	{name: "client built and never used",
		diags: []wantNote{{"unused", `channel.NewPubClient(…, "unused.orders") is never used`}}},
	{name: "client looked up in a map",
		endpoints: []wantEndpoint{{"registry", "publish", "registry.orders", "msgs.Order", "", false, []string{"registry-use"}}},
		diags:     []wantNote{{"registry-missing", `no client for key "billing"`}}},
	{name: "handlers as a method value and as a closure",
		endpoints: []wantEndpoint{
			{"handlers", "subscribe", "h.orders", "msgs.Order", "", false, []string{"handlers-method-sub"}},
			{"handlers", "publish", "h.invoices", "msgs.Invoice", "", false, []string{"handlers-method-pub"}},
			{"handlers", "subscribe", "h.invoices", "msgs.Invoice", "", false, []string{"handlers-closure-sub"}},
			{"handlers", "publish", "h.audit", "msgs.AuditEvent", "", false, []string{"handlers-closure-pub"}},
		}},
	{name: "package with a type error",
		diags: []wantNote{{"broken", "cannot use"}}},
	{name: "Service and client in package-level variables",
		endpoints: []wantEndpoint{
			{"globals", "publish", "global.orders", "msgs.Order", "", false, []string{"globals"}},
		}},
	{name: "request/reply, the client passed as a parameter",
		endpoints: []wantEndpoint{
			{"quoter", "serve", "rr.quote", "msgs.Quote", "msgs.Price", false, []string{"quoter"}},
			{"pricer", "request", "rr.quote", "msgs.Quote", "msgs.Price", false, []string{"pricer", "pricer-ask"}},
		}},
	{name: "client behind an interface of the caller's; receiver that is either of two clients",
		endpoints: []wantEndpoint{
			{"iface", "publish", "iface.orders", "msgs.Order", "", false, []string{"iface"}},
			{"iface", "publish", "either.a", "msgs.Invoice", "", false, []string{"either"}},
			{"iface-other", "publish", "either.b", "msgs.Invoice", "", false, []string{"either"}},
		}},
	{name: "method value, method expression, go statement, embedded client",
		endpoints: []wantEndpoint{
			{"indirect", "publish", "indirect.orders", "msgs.Order", "", false, []string{"indirect-value"}},
			{"indirect", "publish", "indirect.invoices", "msgs.Invoice", "", false, []string{"indirect-expr"}},
			{"indirect", "publish", "indirect.quotes", "msgs.Quote", "", false, []string{"indirect-go"}},
			{"indirect", "publish", "indirect.audit", "msgs.AuditEvent", "", false, []string{"indirect-embedded"}},
		}},
	{name: "a name with two constant definitions; names ranged over in a slice literal",
		endpoints: []wantEndpoint{
			{"phi", "publish", "phi.a", "msgs.Order", "", false, []string{"phi"}},
			{"phi", "publish", "phi.b", "msgs.Order", "", false, []string{"phi"}},
			{"phi", "publish", "phi.eu", "msgs.Invoice", "", false, []string{"phi-range"}},
			{"phi", "publish", "phi.us", "msgs.Invoice", "", false, []string{"phi-range"}},
		}},
}

func TestCorpus(t *testing.T) {
	res, err := corpus()
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	at := markers(t, corpusDir)
	// Evidence is relative to the corpus module's root.
	ev := func(names []string) []topology.Evidence {
		var out []topology.Evidence
		for _, n := range names {
			e, ok := at[n]
			if !ok {
				t.Fatalf("no marker ev:%s in the corpus", n)
			}
			out = append(out, e)
		}
		slices.SortFunc(out, func(a, b topology.Evidence) int {
			return strings.Compare(fmt.Sprintf("%s:%09d", a.File, a.Line), fmt.Sprintf("%s:%09d", b.File, b.Line))
		})
		return out
	}
	got := map[string]topology.Endpoint{}
	for _, e := range g.Endpoints {
		got[endpointString(e)] = e
	}
	wanted := map[string]bool{}
	for _, c := range corpusCases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.endpoints {
				wanted[w.String()] = true
				e, ok := got[w.String()]
				if !ok {
					t.Errorf("missing endpoint %s", w)
					continue
				}
				if want := ev(w.at); !slices.Equal(e.Evidence, want) {
					t.Errorf("endpoint %s: evidence %v, want %v", w, e.Evidence, want)
				}
			}
			for _, u := range c.unresolved {
				pos, contains := at[u.at], expandMarkers(u.contains, at)
				if !slices.ContainsFunc(g.Unresolved, func(x topology.Unresolved) bool {
					return x.File == pos.File && x.Line == pos.Line && strings.Contains(x.Reason, contains)
				}) {
					t.Errorf("no unresolved entry at %s:%d with %q in %+v", pos.File, pos.Line, contains, g.Unresolved)
				}
			}
			for _, d := range c.diags {
				pos := at[d.at]
				if !slices.ContainsFunc(g.Diagnostics, func(x topology.Diagnostic) bool {
					return x.File == pos.File && x.Line == pos.Line && strings.Contains(x.Message, d.contains)
				}) {
					t.Errorf("no diagnostic at %s:%d with %q in %+v", pos.File, pos.Line, d.contains, g.Diagnostics)
				}
			}
		})
	}
	t.Run("nothing else", func(t *testing.T) {
		for k := range got {
			if !wanted[k] {
				t.Errorf("unexpected endpoint %s", k)
			}
		}
		if len(g.Unresolved) != 1 {
			t.Errorf("want exactly the one unresolved entry, got %+v", g.Unresolved)
		}
		if len(g.Diagnostics) != 4 {
			t.Errorf("want exactly the four diagnostics, got %+v", g.Diagnostics)
		}
		if !slices.Equal(res.Broken, []string{"example.com/corpus/cmd/broken"}) {
			t.Errorf("broken packages %v, want the one with the type error", res.Broken)
		}
	})
}

func TestCorpusUnresolvedEntry(t *testing.T) {
	res, err := corpus()
	if err != nil {
		t.Fatal(err)
	}
	at := markers(t, corpusDir)
	want := topology.Unresolved{Service: "env", Role: "publish", Expr: "topic", File: "cmd/envmain/main.go", Line: at["env-client"].Line,
		Reason: expandMarkers("channel name is not constant: the result of os.Getenv, a setting from the environment ({env-getenv})", at)}
	if !slices.ContainsFunc(res.Graph.Unresolved, func(u topology.Unresolved) bool { return equalUnresolved(u, want) }) {
		t.Errorf("unresolved %+v, want %+v among them", res.Graph.Unresolved, want)
	}
}

func equalUnresolved(a, b topology.Unresolved) bool {
	return a.Service == b.Service && a.Role == b.Role && a.Expr == b.Expr && a.File == b.File && a.Line == b.Line &&
		a.Reason == b.Reason && slices.Equal(a.Candidates, b.Candidates)
}

// expandMarkers replaces {NAME} by the file:line of marker ev:NAME.
func expandMarkers(s string, at map[string]topology.Evidence) string {
	return regexp.MustCompile(`\{([\w-]+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		e := at[m[1:len(m)-1]]
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	})
}

func TestServiceRules(t *testing.T) {
	res, err := Analyze(context.Background(), Options{Dir: corpusDir, Services: []config.ServiceRule{
		{Package: "example.com/corpus/cmd/alpha", Name: "alpha-renamed", Aliases: []string{"a1"}, Team: "payments"},
		{Package: "example.com/corpus/cmd/deep*", Name: "deep-svc", Team: "deep"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	for _, want := range []topology.Service{
		// Renamed: the code's name stays as an alias, since it is the
		// name the service runs under.
		{Name: "alpha-renamed", Package: "example.com/corpus/cmd/alpha", Team: "payments", Aliases: []string{"a1", "alpha"}},
		{Name: "deep-svc", Package: "example.com/corpus/cmd/deepmain", Team: "deep"},
		{Name: "beta", Package: "example.com/corpus/cmd/beta"},
	} {
		s := g.Service(want.Name)
		if s == nil || s.Package != want.Package || s.Team != want.Team || !slices.Equal(s.Aliases, want.Aliases) {
			t.Errorf("service %+v, want %+v", s, want)
		}
	}
	var alpha []string
	for _, e := range g.Endpoints {
		if e.Service == "alpha" {
			t.Errorf("endpoint still under the old name: %+v", e)
		}
		if e.Service == "alpha-renamed" {
			alpha = append(alpha, e.Channel)
		}
	}
	if !slices.Equal(alpha, []string{"audit.events", "ping"}) {
		t.Errorf("alpha-renamed endpoints %v, want audit.events and ping", alpha)
	}
}

// TestUserRecognizer describes an in-house API in the form tracegraph.yaml
// uses, and nothing else: no code knows the package.
func TestUserRecognizer(t *testing.T) {
	const spec = `
recognizers:
  - package: example.com/corpus/inhouse
    system: inhouse
    functions:
      - func: Conn.Emit
        role: publish
        channel: {arg: 0}
        message: {arg: 1}
      - func: Conn.Listen
        role: subscribe
        channel: {arg: 0}
      - func: Poster.Post
        role: publish
        channel: {receiver: true, field: Default, else: {arg: 0, field: Topic}}
`
	var f struct {
		Recognizers []config.Recognizer `yaml:"recognizers"`
	}
	if err := yaml.UnmarshalWithOptions([]byte(spec), &f, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), Options{Dir: corpusDir, Patterns: []string{"./cmd/inhousemain", "./inhouse"}, Recognizers: f.Recognizers})
	if err != nil {
		t.Fatal(err)
	}
	at := markers(t, corpusDir)
	want := []topology.Endpoint{
		{Service: "inhousemain", Role: "publish", Channel: "inhouse.orders", MessageType: "example.com/corpus/msgs.Order", System: "inhouse",
			Evidence: []topology.Evidence{at["inhouse-emit"]}},
		{Service: "inhousemain", Role: "subscribe", Channel: "inhouse.a", System: "inhouse", Evidence: []topology.Evidence{at["inhouse-listen"]}},
		{Service: "inhousemain", Role: "subscribe", Channel: "inhouse.b", System: "inhouse", Evidence: []topology.Evidence{at["inhouse-listen"]}},
		{Service: "inhousemain", Role: "publish", Channel: "inhouse.posted", System: "inhouse", Evidence: []topology.Evidence{at["inhouse-own"]}},
		{Service: "inhousemain", Role: "publish", Channel: "inhouse.default", System: "inhouse", Evidence: []topology.Evidence{at["inhouse-default"]}},
	}
	slices.SortFunc(want, func(a, b topology.Endpoint) int {
		return strings.Compare(a.Role+" "+a.Channel+" "+a.MessageType, b.Role+" "+b.Channel+" "+b.MessageType)
	})
	if got := res.Graph.Endpoints; !slices.EqualFunc(got, want, func(a, b topology.Endpoint) bool {
		return endpointString(a) == endpointString(b) && a.System == b.System && slices.Equal(a.Evidence, b.Evidence)
	}) {
		t.Errorf("endpoints\n%+v\nwant\n%+v", got, want)
	}
}

func TestBadRecognizer(t *testing.T) {
	arg := 0
	_, err := Analyze(context.Background(), Options{Dir: corpusDir, Recognizers: []config.Recognizer{{
		Package: "example.com/corpus/inhouse", Functions: []config.FuncRule{{Func: "Conn.Emit", Role: "emit", Channel: &config.Source{Arg: &arg}}}}}})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "role must be one of") {
		t.Errorf("error %v, want an input error about the role", err)
	}
}

func TestDeterministic(t *testing.T) {
	var outs []string
	for range 2 {
		res, err := Analyze(context.Background(), Options{Dir: corpusDir})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := topology.Encode(&b, res.Graph); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.String())
	}
	if outs[0] != outs[1] {
		t.Error("two analyses of the same code encode differently")
	}
}
