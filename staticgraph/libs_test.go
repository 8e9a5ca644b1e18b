package staticgraph

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/config"
	"github.com/tracegraph/tracegraph/topology"
)

// libsPending lists the library modules the analysis does not get exactly
// right yet, each with why. A pending module is still analysed and its
// differences logged; the test fails when one passes, so that the list
// only shrinks.
var libsPending = map[string]string{}

// TestLibs analyses each module under testdata/libs, written against a
// real messaging library, with the built-in packs and the module's own
// tracegraph.yaml, and compares the result with its expected.json: the
// services, endpoints and flows exactly, the unresolved entries exactly
// (reason as a keyword), and every listed diagnostic (message as a
// keyword). Loading them fetches the libraries from the module proxy; each
// module's go.sum is complete, so no go.mod is changed.
func TestLibs(t *testing.T) {
	dirs, err := filepath.Glob("testdata/libs/*")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			diffs := libDiffs(t, dir)
			reason, pending := libsPending[name]
			switch {
			case pending && len(diffs) == 0:
				t.Errorf("%s now matches expected.json: remove it from libsPending (was: %s)", name, reason)
			case pending:
				t.Logf("pending (%s); %d differences:\n%s", reason, len(diffs), strings.Join(diffs, "\n"))
			default:
				for _, d := range diffs {
					t.Error(d)
				}
			}
		})
	}
	for name := range libsPending {
		if !seen[name] {
			t.Errorf("libsPending names %s, which is no module under testdata/libs", name)
		}
	}
}

// libDiffs analyses one module and lists how the result differs from its
// expected.json.
func libDiffs(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := topology.Decode(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("%s/expected.json: %v", dir, err)
	}
	opts := Options{Dir: dir, Patterns: []string{"./..."}}
	cfg, err := config.Load(filepath.Join(dir, "tracegraph.yaml"))
	switch {
	case err == nil:
		opts.Recognizers, opts.Services = cfg.Recognizers, cfg.Services
	case !errors.Is(err, os.ErrNotExist):
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Graph
	var diffs []string
	if len(res.Broken) > 0 {
		diffs = append(diffs, fmt.Sprintf("broken packages %v: %+v", res.Broken, got.Diagnostics))
	}
	diffs = append(diffs, setDiff("service", got.Services, want.Services, func(s topology.Service) string {
		return fmt.Sprintf("%s %s", s.Name, s.Package)
	})...)
	diffs = append(diffs, setDiff("endpoint", got.Endpoints, want.Endpoints, func(e topology.Endpoint) string {
		return fmt.Sprintf("%s %s %q msg=%s reply=%s system=%s pattern=%t at %s",
			e.Service, e.Role, e.Channel, e.MessageType, e.ReplyType, e.System, e.Pattern, evidenceString(e.Evidence))
	})...)
	diffs = append(diffs, setDiff("flow", got.Flows, want.Flows, func(f topology.Flow) string {
		return fmt.Sprintf("%s %s -> %s %q msg=%s reply=%s pattern=%t at %s",
			f.Kind, f.From, f.To, f.Channel, f.MessageType, f.ReplyType, f.Pattern, evidenceString(f.Evidence))
	})...)
	// Unresolved entries match on everything but the reason, which must
	// contain the expected keyword.
	unresolvedKey := func(u topology.Unresolved) string {
		return fmt.Sprintf("%s %s %q at %s:%d candidates=%q", u.Service, u.Role, u.Expr, u.File, u.Line, u.Candidates)
	}
	diffs = append(diffs, setDiff("unresolved", got.Unresolved, want.Unresolved, unresolvedKey)...)
	for _, w := range want.Unresolved {
		for _, g := range got.Unresolved {
			if unresolvedKey(g) == unresolvedKey(w) && !strings.Contains(g.Reason, w.Reason) {
				diffs = append(diffs, fmt.Sprintf("unresolved %s: reason %q does not contain %q", unresolvedKey(w), g.Reason, w.Reason))
			}
		}
	}
	for _, w := range want.Diagnostics {
		if !slices.ContainsFunc(got.Diagnostics, func(g topology.Diagnostic) bool {
			return g.File == w.File && g.Line == w.Line && strings.Contains(g.Message, w.Message)
		}) {
			diffs = append(diffs, fmt.Sprintf("missing diagnostic %s:%d containing %q", w.File, w.Line, w.Message))
		}
	}
	if len(diffs) > 0 {
		for _, d := range got.Diagnostics {
			diffs = append(diffs, fmt.Sprintf("(diagnostic %s:%d %s)", d.File, d.Line, d.Message))
		}
	}
	return diffs
}

// setDiff lists the items of got and want that the other lacks, as their
// keys say, counting repeats.
func setDiff[T any](what string, got, want []T, key func(T) string) []string {
	count := map[string]int{}
	for _, g := range got {
		count[key(g)]++
	}
	for _, w := range want {
		count[key(w)]--
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(count)) {
		switch n := count[k]; {
		case n > 0:
			out = append(out, fmt.Sprintf("unexpected %s: %s", what, k))
		case n < 0:
			out = append(out, fmt.Sprintf("missing %s: %s", what, k))
		}
	}
	return out
}

func evidenceString(ev []topology.Evidence) string {
	var parts []string
	for _, e := range ev {
		parts = append(parts, fmt.Sprintf("%s:%d", e.File, e.Line))
	}
	return strings.Join(parts, ",")
}
