package diff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

func TestBaselineRoundTrip(t *testing.T) {
	declared := graph("static", ps("a", "b", "x", "T"), ps("a", "c", "y", "T"), ps("a", "d", "z", "T"))
	observed := graph("observed", ps("a", "b", "x", "T"), ps("tap", "b", "x", "T"), ps("a", "d", "z", "U"))
	rules := []Rule{{ID: "no-tap", Kind: Forbidden, From: "tap"}}
	failOn, _ := ParseFailOn("undeclared,unobserved,type-mismatch,rules")

	first := Compare(declared, observed, Options{Rules: rules})
	if got := Count(first).Failures(failOn); len(got) != 4 {
		t.Fatalf("before the baseline: failures %q, want all four kinds", got)
	}
	var buf bytes.Buffer
	if err := NewBaseline(first).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	written := buf.String()
	b, err := DecodeBaseline("baseline.json", strings.NewReader(written))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := b.Encode(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != written {
		t.Errorf("baseline does not re-encode to the same bytes:\n%s\nvs\n%s", again.String(), written)
	}

	second := Compare(declared, observed, Options{Rules: rules, Baseline: b})
	c := Count(second)
	if got := c.Failures(failOn); len(got) != 0 {
		t.Errorf("with the baseline: failures %q, want none", got)
	}
	if c.Baselined != 4 || c.StaleBaseline != 0 || c.Converged != 1 {
		t.Errorf("with the baseline: counts %+v, want 4 baselined, 1 converged, no stale entry", c)
	}

	// The tap goes away and the mismatch is fixed: their entries go stale,
	// the unobserved flow stays accepted.
	fixed := graph("observed", ps("a", "b", "x", "T"), ps("a", "d", "z", "T"))
	third := Compare(declared, fixed, Options{Rules: rules, Baseline: b})
	var stale []string
	for _, d := range third.Diagnostics {
		if d.Rule == StaleBaselineRule {
			stale = append(stale, d.Message)
		}
	}
	want := []string{
		"baseline entry matches nothing any more, remove it: rule no-tap: pubsub tap -> b on x (T)",
		"baseline entry matches nothing any more, remove it: type-mismatch pubsub a -> d on z (T) observed as U",
		"baseline entry matches nothing any more, remove it: undeclared pubsub tap -> b on x (T)",
	}
	if strings.Join(stale, "\n") != strings.Join(want, "\n") {
		t.Errorf("stale entries:\n  %q\nwant\n  %q", stale, want)
	}
	if c := Count(third); len(c.Failures(failOn)) != 0 || c.Baselined != 1 {
		t.Errorf("after the fix: counts %+v, want no failure and the unobserved flow baselined", c)
	}
}

func TestDecodeBaselineErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "baseline b.json: line 1, column 2: the JSON document ends early (truncated file?)"},
		{"trailing garbage", `{"schema":"tracegraph-baseline/v1","entries":[]} x`, `baseline b.json: line 1, column 50: data after the JSON document: "x"`},
		{"wrong schema", `{"schema":"tracegraph-baseline/v9","entries":[]}`, `baseline b.json: line 1, column 11: schema: "tracegraph-baseline/v9", want "tracegraph-baseline/v1"`},
		{"unknown field", `{"schema":"tracegraph-baseline/v1","entries":[{"status":"undeclared","form":"a"}]}`, `baseline b.json: line 1, column 83: json: unknown field "form"`},
		{"neither status nor rule", `{"schema":"tracegraph-baseline/v1","entries":[{"from":"a"}]}`, "baseline b.json: line 1, column 47: entries[0]: exactly one of status and rule must be set"},
		{"unknown status", "{\"schema\":\"tracegraph-baseline/v1\",\"entries\":[\n{\"status\":\"undeclard\",\"kind\":\"pubsub\",\"from\":\"a\"}]}",
			`baseline b.json: line 2, column 11: entries[0].status: unknown status "undeclard" (want undeclared, unobserved, type-mismatch or unverified)`},
		{"converged is no difference", `{"schema":"tracegraph-baseline/v1","entries":[{"status":"converged","kind":"pubsub"}]}`, `baseline b.json: line 1, column 57: entries[0].status: unknown status "converged" (want undeclared, unobserved, type-mismatch or unverified)`},
		{"flow entry without kind", `{"schema":"tracegraph-baseline/v1","entries":[{"rule":"r","subject":"s"},{"status":"unobserved","from":"a"}]}`,
			`baseline b.json: line 1, column 74: entries[1].kind: kind "" of a flow entry is not pubsub or reqrep`},
	}
	for _, tt := range tests {
		_, err := DecodeBaseline("b.json", strings.NewReader(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestBaselineIgnoresConverged(t *testing.T) {
	g := Compare(graph("static", ps("a", "b", "x", "T")), graph("observed", ps("a", "b", "x", "T")), Options{})
	if b := NewBaseline(g); len(b.Entries) != 0 {
		t.Errorf("entries %v, want none: converged flows are not differences", b.Entries)
	}
	if g.Flows[0].Status != topology.StatusConverged {
		t.Fatalf("status %q", g.Flows[0].Status)
	}
}
