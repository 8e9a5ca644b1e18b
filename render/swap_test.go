package render

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/tracegraph/tracegraph/render/embedded"
)

// The PNG painter relies on Graphviz's JSON output naming a filled Bézier
// "B" and an unfilled one "b", the reverse of the xdot text format. If a
// go-graphviz upgrade fixes that, this test says so before pictures break.
func TestGraphvizJSONBezierLetters(t *testing.T) {
	var out bytes.Buffer
	dot := []byte(`digraph { node [shape=box, style="rounded,filled", fillcolor="#fafafa"]; a -> b; }`)
	if err := (embedded.Layouter{}).Layout(context.Background(), dot, "json", &out); err != nil {
		t.Fatal(err)
	}
	var g xgraph
	if err := json.Unmarshal(out.Bytes(), &g); err != nil {
		t.Fatal(err)
	}
	ops := func(list []xop) string {
		s := ""
		for _, o := range list {
			s += o.Op
		}
		return s
	}
	if len(g.Objects) != 2 || len(g.Edges) != 1 {
		t.Fatalf("layout has %d objects and %d edges, want 2 and 1", len(g.Objects), len(g.Edges))
	}
	if got := ops(g.Objects[0].Draw); got != "cCB" {
		t.Errorf("filled rounded node draws %q, want cCB (B: filled in JSON)", got)
	}
	if got := ops(g.Edges[0].Draw); got != "cb" {
		t.Errorf("edge draws %q, want cb (b: unfilled in JSON)", got)
	}
}
