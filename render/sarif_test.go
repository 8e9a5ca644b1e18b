package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/internal/sarifcheck"
	"github.com/tracegraph/tracegraph/topology"
)

// TestSARIFSchema validates what tracegraph writes against the official
// SARIF 2.1.0 schema, for every kind of finding and for names and paths
// that are not plain.
func TestSARIFSchema(t *testing.T) {
	odd := topology.New(topology.SourceDiff)
	odd.Flows = []topology.Flow{
		{Kind: topology.KindPubSub, From: "a", To: "b", Channel: "x", Status: topology.StatusUndeclared,
			Evidence: []topology.Evidence{{File: "dir with space/100%#[1].go", Line: 0}}},
		{Kind: topology.KindPubSub, From: "a", To: "c", Channel: "y", Status: topology.StatusUnverified},
		{Kind: topology.KindPubSub, From: "a", To: "b", Channel: "z", Status: topology.StatusTypeMismatch,
			MessageType: "x.A", ObservedType: "x.B", Evidence: []topology.Evidence{{File: `win\path.go`, Line: 2}}},
	}
	tests := []struct {
		name string
		g    *topology.Graph
		opts Options
	}{
		{"fixture", fixture(t), Options{Format: "sarif", ConfigFile: "tracegraph.yaml"}},
		{"hostile names", hostile(), Options{Format: "sarif"}},
		{"odd paths", odd, Options{Format: "sarif", ModuleFile: "sub dir/go.mod"}},
		{"no findings", topology.New(topology.SourceDiff), Options{Format: "sarif"}},
		{"not a diff", readGraph(t, "declared.json"), Options{Format: "sarif"}},
		{"over the result limit", rendergen.Generate(1000, 60000), Options{Format: "sarif"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := sarifcheck.Validate(render(t, tt.g, tt.opts)); err != nil {
				t.Errorf("does not validate: %v", err)
			}
		})
	}
}

// TestSARIFLimits: a diff with more findings than code scanning keeps is
// cut to SARIFMaxResults, the errors first, and says how many it left out.
func TestSARIFLimits(t *testing.T) {
	g := rendergen.Generate(1000, 60000)
	var undeclared, mismatched int
	for _, f := range g.Flows {
		switch f.Status {
		case topology.StatusUndeclared:
			undeclared++
		case topology.StatusTypeMismatch:
			mismatched++
		}
	}
	if undeclared+mismatched <= SARIFMaxResults || undeclared >= SARIFMaxResults {
		t.Fatalf("the generated graph has %d undeclared and %d mismatched flows; the test needs more findings than the limit and fewer errors", undeclared, mismatched)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID string
				Level  string
			}
			Properties map[string]int
		}
	}
	if err := json.Unmarshal(render(t, g, Options{Format: "sarif"}), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != SARIFMaxResults {
		t.Fatalf("%d results, want %d", len(run.Results), SARIFMaxResults)
	}
	errors := 0
	for i, r := range run.Results {
		if r.Level == "error" {
			errors++
			if i >= undeclared {
				t.Fatalf("an error at %d, after the %d errors", i, undeclared)
			}
		}
	}
	if errors != undeclared {
		t.Errorf("%d errors kept, want all %d", errors, undeclared)
	}
	if got, want := run.Properties["tracegraph/omittedResults"], undeclared+mismatched-SARIFMaxResults; got != want {
		t.Errorf("omittedResults %d, want %d", got, want)
	}
}

// TestSARIFURIs: a path is a URI reference in SARIF, so characters that
// mean something in a URI are escaped and backslashes become slashes.
func TestSARIFURIs(t *testing.T) {
	for path, want := range map[string]string{
		"svc/main.go":                "svc/main.go",
		"dir with space/100%#[1].go": "dir%20with%20space/100%25%23%5B1%5D.go",
		`win\path.go`:                "win/path.go",
	} {
		if got := sarifURI(path); got != want {
			t.Errorf("sarifURI(%q) = %q, want %q", path, got, want)
		}
	}
	out := string(render(t, hostile(), Options{Format: "sarif"}))
	if strings.Contains(out, "\x1b") {
		t.Error("a raw escape character in the SARIF")
	}
}
