package staticgraph

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/topology"
)

// multiDir is a tree of six modules with no go.mod at its top: a stubs
// module, two services whose mains are both named cmd, one whose main is
// cmd/server, and two workers whose modules share one module path.
const multiDir = "testdata/multi"

func analyzeMulti(t *testing.T, dir string, patterns ...string) *Result {
	t.Helper()
	res, err := Analyze(context.Background(), Options{Dir: dir, Patterns: patterns})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Broken) > 0 {
		t.Fatalf("broken packages %v: %+v", res.Broken, res.Graph.Diagnostics)
	}
	return res
}

func encoded(t *testing.T, g *topology.Graph) []byte {
	t.Helper()
	data, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMultiModule: one ./... from the top of the tree gives exactly its
// flows, the gRPC ones across modules included, with evidence relative
// to the top.
func TestMultiModule(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(multiDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := encoded(t, analyzeMulti(t, multiDir, "./...").Graph)
	if !bytes.Equal(got, want) {
		t.Errorf("graph differs from %s/expected.json; got\n%s", multiDir, got)
	}
	// In place, the tree is below this repository's go.mod; a copy has no
	// go.mod and no go.work above it at all.
	dir := t.TempDir()
	copyTree(t, multiDir, dir)
	if got := encoded(t, analyzeMulti(t, dir, "./...").Graph); !bytes.Equal(got, want) {
		t.Errorf("with no go.mod above, the graph differs from expected.json; got\n%s", got)
	}
	if bytes.Contains(got, []byte(`"/`)) && bytes.Contains(got, []byte(`"file": "/`)) {
		t.Errorf("an absolute path in the evidence:\n%s", got)
	}
}

// TestMultiModuleHealth: the standard health service, whose stubs only
// export data describes, pairs its client's Check with the registration.
func TestMultiModuleHealth(t *testing.T) {
	g := analyzeMulti(t, multiDir, "./orders/...", "./rates/...").Graph
	found := false
	for _, f := range g.Flows {
		if f.Channel == "/grpc.health.v1.Health/Check" && f.From == "orders" && f.To == "rates" && f.Kind == topology.KindReqRep {
			found = true
		}
	}
	if !found {
		t.Errorf("no orders -> rates flow on /grpc.health.v1.Health/Check in %+v", g.Flows)
	}
}

// TestMultiModuleWorkspace: the same tree with a go.work that lists all
// but one of the two modules sharing a path (a go.work cannot hold both)
// gives the same graph.
func TestMultiModuleWorkspace(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, multiDir, dir)
	work := "go 1.26.0\n\nuse (\n\t./billing\n\t./orders\n\t./proto\n\t./rates\n\t./workers/east\n)\n"
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte(work), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(multiDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := encoded(t, analyzeMulti(t, dir, "./...").Graph); !bytes.Equal(got, want) {
		t.Errorf("with a go.work, the graph differs from expected.json; got\n%s", got)
	}
	// An invalid go.work is not used, and says so.
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte(work+"use ./workers/west\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := analyzeMulti(t, dir, "./...")
	noted := false
	for _, d := range res.Graph.Diagnostics {
		noted = noted || strings.Contains(d.Message, "go.work is not used")
	}
	if !noted || len(res.Graph.Flows) != 8 {
		t.Errorf("with an invalid go.work: %d flows (want 8), diagnostics %+v", len(res.Graph.Flows), res.Graph.Diagnostics)
	}
}

// TestMultiModuleMerge: the merge of the graphs of two halves of the tree
// is the graph of the whole, byte for byte, in either order.
func TestMultiModuleMerge(t *testing.T) {
	whole := encoded(t, analyzeMulti(t, multiDir, "./...").Graph)
	a := analyzeMulti(t, multiDir, "./proto/...", "./orders/...", "./rates/...").Graph
	b := analyzeMulti(t, multiDir, "./billing/...", "./billing-api/...", "./workers/...").Graph
	for _, order := range [][]*topology.Graph{{a, b}, {b, a}} {
		m, err := topology.Merge(order...)
		if err != nil {
			t.Fatal(err)
		}
		if got := encoded(t, m); !bytes.Equal(got, whole) {
			t.Errorf("merge of the halves differs from the whole:\n%s", got)
		}
	}
}

// TestPatternsNameWhatIsWrong: every pattern must match, and a file is no
// pattern.
func TestPatternsNameWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"./orders/...", "./nosuch/..."}, "./nosuch/...: no such directory"},
		{[]string{"./orders/...", "./proto/fxpb/fx.pb.go"}, "./proto/fxpb/fx.pb.go is a file, not a package pattern"},
		{[]string{"./orders/...", "expected.json"}, "expected.json is a file, not a package pattern"},
		{[]string{"./orders/...", "./billing/cmd"}, "./billing/cmd:"},
		{[]string{"example.com/multi/nosuch/..."}, "example.com/multi/nosuch/...: matched no packages"},
	} {
		_, err := Analyze(context.Background(), Options{Dir: multiDir, Patterns: c.patterns})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line containing %q", c.patterns, err, c.want)
		}
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEmptyGraphSaysWhy: a graph with no endpoint says why, naming the
// first real load error rather than only "no main package".
func TestEmptyGraphSaysWhy(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/nosum\n\ngo 1.26.0\n\nrequire github.com/nats-io/nats.go v1.55.0\n",
		"cmd/pub/main.go": "package main\n\nimport \"github.com/nats-io/nats.go\"\n\nfunc main() {\n\tnc, _ := nats.Connect(nats.DefaultURL)\n\t_ = nc.Publish(\"x\", nil)\n}\n",
		"lib/go.mod":      "module example.com/lib\n\ngo 1.26.0\n",
		"lib/lib.go":      "package lib\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Analyze(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a package failed to load: cmd/pub/main.go:3: missing go.sum entry for module providing package github.com/nats-io/nats.go",
		"every main package failed to load",
	}
	if len(res.Why) != 2 || !strings.HasPrefix(res.Why[0], want[0]) || res.Why[1] != want[1] {
		t.Errorf("why %q, want %q", res.Why, want)
	}
	res, err = Analyze(context.Background(), Options{Dir: filepath.Join(dir, "lib")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Why) != 1 || res.Why[0] != "no main package among the analysed packages" {
		t.Errorf("a library alone: why %q", res.Why)
	}
}
