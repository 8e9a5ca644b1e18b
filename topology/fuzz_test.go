package topology_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/internal/fuzzseed"
	"github.com/tracegraph/tracegraph/internal/jsondoc"
	"github.com/tracegraph/tracegraph/render"
	"github.com/tracegraph/tracegraph/topology"
)

// graphSeeds are committed graphs of every source, one that breaks the
// rules, and one of counts at the limit; small ones, as every execution
// renders its input nine times over. A missing one fails the fuzzer, so its seeds never silently
// shrink.
var graphSeeds = []string{
	"testdata/diff.json",
	"testdata/invalid-stats.json",
	"testdata/huge-counts.json",
	"../render/testdata/declared.json",
	"../render/testdata/observed.json",
	"../runtimegraph/testdata/shop.observed.json",
	"../staticgraph/testdata/libs/nats/expected.json",
}

// FuzzDecode feeds Decode arbitrary bytes. A refusal is one line that
// places the fault ("line L, column C"), except for I/O; a graph it
// accepts keeps the rules (Validate), encodes to bytes that decode to the
// same bytes, and renders in every text format and view, without a panic,
// exactly as its re-encoding renders.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzseed.Files(f, graphSeeds...) {
		_, err := topology.Decode(bytes.NewReader(s.Data))
		if (err != nil) != strings.Contains(s.Path, "invalid") {
			f.Fatalf("seed %s: Decode: %v", s.Path, err)
		}
		f.Add(s.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := topology.Decode(bytes.NewReader(data))
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "line ") && !strings.Contains(msg, "empty file") {
				t.Fatalf("error is not one placed line: %q", msg)
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("Decode accepted a graph that breaks the rules: %v", err)
		}
		first, err := topology.Marshal(g)
		if err != nil {
			t.Fatalf("an accepted graph does not encode: %v", err)
		}
		again, err := topology.Decode(bytes.NewReader(first))
		if err != nil {
			t.Fatalf("our own output does not decode: %v\n%s", err, first)
		}
		second, err := topology.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("round trip changed the graph:\n%s\nvs\n%s", first, second)
		}
		// The renderers normalize what they are given, which for a
		// decoded graph changes nothing, so both graphs are reused.
		for _, o := range renderings {
			a, b := renderOne(t, g, o), renderOne(t, again, o)
			if !bytes.Equal(a, b) {
				t.Fatalf("%s %s: the file and its re-encoding render differently:\n%s\nvs\n%s", o.Format, o.View, a, b)
			}
		}
		// What --brokers writes must read back, and a view's edges sum
		// their flows' counts without wrapping around.
		brokered := g.ThroughBrokers()
		if err := brokered.Validate(); err != nil {
			t.Fatalf("the graph through its brokers breaks the rules: %v", err)
		}
		if _, err := topology.Decode(bytes.NewReader(mustMarshal(t, brokered))); err != nil {
			t.Fatalf("the graph through its brokers does not read back: %v", err)
		}
		for _, view := range []topology.ViewKind{topology.ViewServices, topology.ViewMessages, topology.ViewChannels} {
			for _, e := range g.View(view).Edges {
				if e.Count < 0 || e.Errors < 0 || e.Errors > e.Count {
					t.Fatalf("%s view: edge %s -> %s counts %d messages, %d errors", view, e.From, e.To, e.Count, e.Errors)
				}
			}
		}
	})
}

func mustMarshal(t *testing.T, g *topology.Graph) []byte {
	data, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// renderings are the text formats, in every view that changes them.
var renderings = []render.Options{
	{Format: "text"}, {Format: "markdown"}, {Format: "sarif"},
	{Format: "dot", View: topology.ViewServices}, {Format: "dot", View: topology.ViewMessages}, {Format: "dot", View: topology.ViewChannels},
	{Format: "mermaid", View: topology.ViewServices}, {Format: "mermaid", View: topology.ViewMessages}, {Format: "mermaid", View: topology.ViewChannels},
}

func renderOne(t *testing.T, g *topology.Graph, o render.Options) []byte {
	var out bytes.Buffer
	if err := render.WriteContext(context.Background(), &out, g, o); err != nil {
		t.Fatalf("%s %s: %v", o.Format, o.View, err)
	}
	return out.Bytes()
}

// TestValidateNamesPath checks that the error Validate returns says where,
// for library users who build a graph in memory.
func TestValidateNamesPath(t *testing.T) {
	g := topology.New(topology.SourceObserved)
	g.Flows = []topology.Flow{{Kind: topology.KindPubSub, From: "a", To: "b", Stats: &topology.Stats{Count: 2, Errors: 3}}}
	err := g.Validate()
	var pe *jsondoc.PathError
	if !errors.As(err, &pe) || jsondoc.PathString(pe.Path) != "flows[0].stats.errors" {
		t.Fatalf("Validate() = %v, want a path error at flows[0].stats.errors", err)
	}
}
