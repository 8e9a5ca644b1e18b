package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

func graph(source string, flows ...topology.Flow) *topology.Graph {
	g := topology.New(source)
	g.Flows = flows
	return g
}

func ps(from, to, ch, typ string) topology.Flow {
	return topology.Flow{Kind: topology.KindPubSub, From: from, To: to, Channel: ch, MessageType: typ}
}

func withEv(f topology.Flow, file string, line int) topology.Flow {
	f.Evidence = append(f.Evidence, topology.Evidence{File: file, Line: line})
	return f
}

// summary is one line per flow: status, subject, and what the flow carries
// from each side, so a test names exactly what it expects.
func summary(g *topology.Graph) []string {
	var out []string
	for _, f := range g.Flows {
		s := f.Status + " " + FlowSubject(f)
		if f.ObservedType != "" {
			s += " observed " + f.ObservedType
		}
		if f.Stats != nil {
			s += fmt.Sprintf(" count=%d", f.Stats.Count)
		}
		for _, e := range f.Evidence {
			s += fmt.Sprintf(" %s:%d", e.File, e.Line)
		}
		if f.Baselined {
			s += " baselined"
		}
		out = append(out, s)
	}
	return out
}

func stats(n int64) *topology.Stats { return &topology.Stats{Count: n} }

func withStats(f topology.Flow, n int64) topology.Flow { f.Stats = stats(n); return f }

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		declared []topology.Flow
		observed []topology.Flow
		opts     Options
		want     []string
	}{{
		name:     "converged keeps observed stats and declared evidence",
		declared: []topology.Flow{withEv(ps("a", "b", "x", "T"), "a.go", 3)},
		observed: []topology.Flow{withStats(ps("a", "b", "x", "T"), 5)},
		want:     []string{"converged pubsub a -> b on x (T) count=5 a.go:3"},
	}, {
		name:     "undeclared and unobserved",
		declared: []topology.Flow{ps("a", "b", "x", "T")},
		observed: []topology.Flow{withStats(ps("a", "c", "x", "T"), 1)},
		want: []string{
			"unobserved pubsub a -> b on x (T)",
			"undeclared pubsub a -> c on x (T) count=1",
		},
	}, {
		name:     "type mismatch",
		declared: []topology.Flow{withEv(ps("a", "b", "x", "T"), "a.go", 3)},
		observed: []topology.Flow{withStats(ps("a", "b", "x", "U"), 2)},
		want:     []string{"type-mismatch pubsub a -> b on x (T) observed U count=2 a.go:3"},
	}, {
		name:     "an observed flow without a type agrees with the declared type",
		declared: []topology.Flow{ps("a", "b", "x", "T")},
		observed: []topology.Flow{ps("a", "b", "x", "")},
		want:     []string{"converged pubsub a -> b on x (T)"},
	}, {
		name:     "aliases rename the runtime name to the declared one",
		declared: []topology.Flow{ps("a", "b", "x", "T")},
		observed: []topology.Flow{ps("a-svc", "b", "x", "T")},
		opts:     Options{Aliases: map[string]string{"a-svc": "a"}},
		want:     []string{"converged pubsub a -> b on x (T)"},
	}, {
		name:     "without the alias the names do not meet",
		declared: []topology.Flow{ps("a", "b", "x", "T")},
		observed: []topology.Flow{ps("a-svc", "b", "x", "T")},
		want:     []string{"unobserved pubsub a -> b on x (T)", "undeclared pubsub a-svc -> b on x (T)"},
	}, {
		name:     "a declared pattern matches each observed concrete channel",
		declared: []topology.Flow{{Kind: topology.KindPubSub, From: "a", To: "b", Channel: "orders.*", Pattern: true, MessageType: "T"}},
		observed: []topology.Flow{ps("a", "b", "orders.created", "T"), ps("a", "b", "orders.paid", "T"), ps("a", "b", "stock.low", "T")},
		want: []string{
			"converged pubsub a -> b on orders.created (T)",
			"converged pubsub a -> b on orders.paid (T)",
			"undeclared pubsub a -> b on stock.low (T)",
		},
	}, {
		name:     "an unmatched pattern stays a pattern",
		declared: []topology.Flow{{Kind: topology.KindPubSub, From: "a", To: "b", Channel: "orders.*", Pattern: true, MessageType: "T"}},
		want:     []string{"unobserved pubsub a -> b on orders.* (T)"},
	}, {
		name:     "a declared dangling subscriber covered by an observed flow is not unobserved",
		declared: []topology.Flow{withEv(ps("", "b", "x", "T"), "b.go", 9)},
		observed: []topology.Flow{ps("tap", "b", "x", "T")},
		want:     []string{"undeclared pubsub tap -> b on x (T) b.go:9"},
	}, {
		name:     "a declared dangling publish covered by an observed flow",
		declared: []topology.Flow{withEv(ps("a", "", "x", "T"), "a.go", 2)},
		observed: []topology.Flow{ps("a", "c", "x", "T")},
		want:     []string{"undeclared pubsub a -> c on x (T) a.go:2"},
	}, {
		name:     "an observed publish nobody consumed, covered by a declared flow",
		declared: []topology.Flow{ps("a", "b", "x", "T")},
		observed: []topology.Flow{ps("a", "", "x", "T")},
		want:     []string{"unobserved pubsub a -> b on x (T)"},
	}, {
		name:     "dangling ends on both sides converge",
		declared: []topology.Flow{ps("a", "", "x", "T")},
		observed: []topology.Flow{ps("a", "", "x", "T")},
		want:     []string{"converged pubsub a -> ? on x (T)"},
	}, {
		name:     "systems pair when equal or one is unknown",
		declared: []topology.Flow{{Kind: "pubsub", From: "a", To: "b", Channel: "x", System: "nats"}, {Kind: "pubsub", From: "a", To: "c", Channel: "x", System: "kafka"}},
		observed: []topology.Flow{{Kind: "pubsub", From: "a", To: "b", Channel: "x"}, {Kind: "pubsub", From: "a", To: "c", Channel: "x", System: "nats"}},
		want: []string{
			"converged pubsub a -> b on nats:x",
			"unobserved pubsub a -> c on kafka:x",
			"undeclared pubsub a -> c on nats:x",
		},
	}, {
		name:     "kinds do not pair",
		declared: []topology.Flow{{Kind: topology.KindReqRep, From: "a", To: "b", Channel: "x"}},
		observed: []topology.Flow{{Kind: topology.KindPubSub, From: "a", To: "b", Channel: "x"}},
		want:     []string{"undeclared pubsub a -> b on x", "unobserved reqrep a -> b on x"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Compare(graph("static", tt.declared...), graph("observed", tt.observed...), tt.opts)
			if g.Source != topology.SourceDiff {
				t.Errorf("source = %q", g.Source)
			}
			if got := summary(g); !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestUndeclaredEvidence(t *testing.T) {
	declared := graph("static", withEv(ps("a", "b", "x", "T"), "a.go", 3))
	declared.Endpoints = []topology.Endpoint{
		{Service: "a", Role: topology.RolePublish, Channel: "x", Evidence: []topology.Evidence{{File: "a.go", Line: 3}}},
		{Service: "b", Role: topology.RoleSubscribe, Channel: "x", Evidence: []topology.Evidence{{File: "b.go", Line: 4}}},
		{Service: "c", Role: topology.RoleServe, Channel: "q", Evidence: []topology.Evidence{{File: "c.go", Line: 5}}},
	}
	observed := graph("observed", ps("a", "tap", "x", "T"), ps("tap", "b", "x", "T"),
		topology.Flow{Kind: topology.KindReqRep, From: "tap", To: "c-svc", Channel: "q"})
	g := Compare(declared, observed, Options{Aliases: map[string]string{"c-svc": "c"}})
	want := []string{
		"unobserved pubsub a -> b on x (T) a.go:3",
		"undeclared pubsub a -> tap on x (T) a.go:3",
		"undeclared pubsub tap -> b on x (T) b.go:4",
		"undeclared reqrep tap -> c on q c.go:5",
	}
	if got := summary(g); !slices.Equal(got, want) {
		t.Errorf("got\n  %q\nwant\n  %q", got, want)
	}
}

func TestCompareServices(t *testing.T) {
	declared := graph("static", ps("a", "b", "x", "T"))
	declared.Services = []topology.Service{{Name: "a", Team: "red", Package: "m/a"}, {Name: "b"}}
	observed := graph("observed", ps("a-svc", "b", "x", "T"), ps("tap", "b", "x", "T"))
	observed.Services = []topology.Service{{Name: "a-svc"}, {Name: "b", Virtual: true}, {Name: "tap", Virtual: true}}
	g := Compare(declared, observed, Options{Aliases: map[string]string{"a-svc": "a"}, Teams: map[string]string{"b": "blue"}})
	got := fmt.Sprint(g.Services)
	want := "[{a m/a red [a-svc] false [] []} {b  blue [] false [] []} {tap   [] true [] []}]"
	if got != want {
		t.Errorf("services = %s, want %s", got, want)
	}
}

func TestRules(t *testing.T) {
	flows := []topology.Flow{
		withEv(ps("catalog", "inventory", "sku.updated", "github.com/x/catalog.SkuUpdated"), "catalog.go", 5),
		ps("debug-tap", "audit", "audit.events", "github.com/x/audit.Event"),
		ps("debug-tap", "", "debug.out", "T"),
	}
	for i := range flows {
		flows[i].Status = topology.StatusConverged
	}
	flows[1].Status = topology.StatusUndeclared
	tests := []struct {
		name  string
		rules []Rule
		want  []string
	}{{
		name:  "forbidden matches every end, dangling ones too",
		rules: []Rule{{ID: "no-tap", Kind: Forbidden, From: "debug-*", Reason: "taps are for laptops"}},
		want: []string{
			"no-tap|forbidden flow pubsub debug-tap -> audit on audit.events (github.com/x/audit.Event): taps are for laptops|:0",
			"no-tap|forbidden flow pubsub debug-tap -> ? on debug.out (T): taps are for laptops|:0",
		},
	}, {
		name:  "forbidden on the short message type, located at the evidence",
		rules: []Rule{{Kind: Forbidden, MessageType: "catalog.*"}},
		want:  []string{"forbidden[0]|forbidden flow pubsub catalog -> inventory on sku.updated (github.com/x/catalog.SkuUpdated)|catalog.go:5"},
	}, {
		name:  "a required flow that is present",
		rules: []Rule{{ID: "stock", Kind: Required, From: "catalog", To: "inventory"}},
	}, {
		name: "a required flow that is absent, or only declared",
		rules: []Rule{{ID: "fx", Kind: Required, From: "pricing", Channel: "fx.*"},
			{Kind: Required, From: "debug-tap", To: "audit", MessageType: "audit.Other"}},
		want: []string{
			"fx|required flow pricing -> * on fx.* was not observed|:0",
			"required[1]|required flow debug-tap -> audit on * (audit.Other) was not observed|:0",
		},
	}, {
		name:  "allowed rules make every other complete flow a violation",
		rules: []Rule{{Kind: Allowed, From: "catalog"}},
		want:  []string{"allowlist|flow pubsub debug-tap -> audit on audit.events (github.com/x/audit.Event) matches no allowed rule|:0"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range CheckRules(flows, tt.rules) {
				got = append(got, fmt.Sprintf("%s|%s|%s:%d", d.Rule, d.Message, d.File, d.Line))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestParseFailOn(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: DefaultFailOn, want: []string{"rules", "undeclared"}},
		{in: "", want: nil},
		{in: " unobserved , type-mismatch,unobserved", want: []string{"type-mismatch", "unobserved"}},
		{in: "undeclared,bogus", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseFailOn(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParseFailOn(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFailures(t *testing.T) {
	declared := graph("static", ps("a", "b", "x", "T"), ps("a", "c", "y", "T"))
	observed := graph("observed", ps("a", "b", "x", "T"), ps("tap", "b", "x", "T"), ps("tap", "c", "x", "T"))
	g := Compare(declared, observed, Options{Rules: []Rule{{ID: "r", Kind: Forbidden, From: "tap", To: "c"}}})
	c := Count(g)
	want := Counts{Converged: 1, Undeclared: 2, Unobserved: 1, Rules: 1}
	if c != want {
		t.Fatalf("Count = %+v, want %+v", c, want)
	}
	for _, tt := range []struct {
		failOn string
		want   []string
	}{
		{DefaultFailOn, []string{"1 rule violation", "2 undeclared flows"}},
		{"unobserved", []string{"1 unobserved flow"}},
		{"type-mismatch", nil},
		{"", nil},
	} {
		f, _ := ParseFailOn(tt.failOn)
		if got := c.Failures(f); !slices.Equal(got, tt.want) {
			t.Errorf("Failures(%q) = %q, want %q", tt.failOn, got, tt.want)
		}
	}
}

func TestPartialUnverified(t *testing.T) {
	declared := topology.New(topology.SourceStatic)
	declared.Services = []topology.Service{{Name: "orders"}, {Name: "billing"}}
	declared.Diagnostics = []topology.Diagnostic{{File: "cmd/billing/main.go", Line: 9, Message: "undefined: x"}}
	observed := topology.New(topology.SourceObserved)
	observed.Flows = []topology.Flow{
		{Kind: topology.KindPubSub, From: "billing", To: "orders", Channel: "a"}, // billing's code did not load
		{Kind: topology.KindPubSub, From: "ghost", To: "orders", Channel: "b"},   // a service not in the graph
		{Kind: topology.KindPubSub, From: "orders", To: "orders", Channel: "c"},  // both loaded: still judged
	}
	got := map[string]string{}
	for _, f := range Compare(declared, observed, Options{Partial: true, Incomplete: []string{"billing"}}).Flows {
		got[f.Channel] = f.Status
	}
	want := map[string]string{"a": topology.StatusUnverified, "b": topology.StatusUnverified, "c": topology.StatusUndeclared}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("flow %s: %q, want %q", k, got[k], v)
		}
	}
	for _, f := range Compare(declared, observed, Options{}).Flows {
		if f.Status != topology.StatusUndeclared {
			t.Errorf("a complete graph: flow %s is %s, want undeclared", f.Channel, f.Status)
		}
	}
}

func TestCandidatesMeetWhatRuns(t *testing.T) {
	declared := topology.New(topology.SourceStatic)
	declared.Services = []topology.Service{{Name: "psp"}, {Name: "risk"}}
	declared.Unresolved = []topology.Unresolved{{Service: "psp", Role: topology.RolePublish, Expr: "fraudTopic",
		File: "cmd/psp/main.go", Line: 54, Reason: "a setting from the environment", Candidates: []string{"fraud.alerts"}}}
	observed := topology.New(topology.SourceObserved)
	observed.Flows = []topology.Flow{
		{Kind: topology.KindPubSub, From: "psp", To: "risk", Channel: "fraud.alerts"}, // the default ran
		{Kind: topology.KindPubSub, From: "psp", To: "risk", Channel: "fraud.other"},  // not a candidate
		{Kind: topology.KindPubSub, From: "risk", To: "psp", Channel: "fraud.alerts"}, // another service's publish
	}
	g := Compare(declared, observed, Options{})
	got := map[string]string{}
	for _, f := range g.Flows {
		got[f.From+" "+f.Channel] = f.Status
		if f.Status == topology.StatusConverged && (len(f.Evidence) != 1 || f.Evidence[0].Line != 54) {
			t.Errorf("converged flow's evidence %v, want the unresolved entry", f.Evidence)
		}
	}
	want := map[string]string{"psp fraud.alerts": topology.StatusConverged, "psp fraud.other": topology.StatusUndeclared, "risk fraud.alerts": topology.StatusUndeclared}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	notes := 0
	for _, d := range g.Diagnostics {
		if strings.Contains(d.Message, "is a candidate of the unresolved publish fraudTopic") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d notes, want 1: %+v", notes, g.Diagnostics)
	}
}
