package render

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/topology"
)

func TestMermaidLimits(t *testing.T) {
	tests := []struct {
		name      string
		g         *topology.Graph
		wantTitle string
	}{
		{"small diff drawn whole", rendergen.Generate(20, 40), ""},
		{"large diff cut to the differences", rendergen.Generate(500, 1500), "title: \"The differences only: "},
		{"large plain graph cut to the first flows", plain(rendergen.Generate(500, 1500)), "title: \"The first flows in order: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Mermaid(&buf, tt.g, Options{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if len(out) > MermaidMaxChars {
				t.Errorf("%d characters, over GitHub's %d", len(out), MermaidMaxChars)
			}
			if n := strings.Count(out, "-->") + strings.Count(out, "-.->"); n > MermaidMaxEdges {
				t.Errorf("%d edges, over GitHub's %d", n, MermaidMaxEdges)
			}
			title := ""
			if strings.HasPrefix(out, "---\ntitle: ") {
				title = out[len("---\n") : strings.Index(out[4:], "\n")+4]
			}
			if tt.wantTitle == "" && title != "" || tt.wantTitle != "" && !strings.HasPrefix(title, tt.wantTitle) {
				t.Errorf("title %q, want prefix %q", title, tt.wantTitle)
			}
		})
	}
}

func plain(g *topology.Graph) *topology.Graph {
	g.Source = topology.SourceObserved
	for i := range g.Flows {
		g.Flows[i].Status, g.Flows[i].ObservedType = "", ""
	}
	return g
}

func TestMarkdownSaysWhenCut(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, rendergen.Generate(500, 1500), Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\nThe differences only: ") {
		t.Errorf("the report does not say the diagram was cut down:\n%.600s", buf.String())
	}
}

func TestPNGTooBig(t *testing.T) {
	// Refused before the layout, so this is quick.
	var buf bytes.Buffer
	err := PNG(context.Background(), &buf, rendergen.Generate(500, 1500), Options{Graphviz: embeddedOnly})
	if err == nil || !strings.Contains(err.Error(), "use -f svg") {
		t.Errorf("err = %v, want a refusal that suggests SVG", err)
	}
}

// TestMermaidLegendInOneBox: the legend is one subgraph defined before any
// service, so dagre keeps its items together in the first column instead
// of scattering them among the services with no producer, and its links
// keep the first indices linkStyle colours by.
func TestMermaidLegendInOneBox(t *testing.T) {
	for _, g := range []*topology.Graph{rendergen.Generate(20, 40), rendergen.Generate(500, 1500), hostile()} {
		var buf bytes.Buffer
		if err := Mermaid(&buf, g, Options{}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(buf.String(), "\n")
		start := slices.Index(lines, `  subgraph legend ["legend"]`)
		if start < 0 || strings.Count(buf.String(), "subgraph legend") != 1 {
			t.Fatalf("want one legend subgraph:\n%s", buf.String())
		}
		end := start + slices.Index(lines[start:], "  end")
		for i, l := range lines[:start] {
			if i > 0 && !strings.HasPrefix(l, "---") && !strings.HasPrefix(l, "title:") && !strings.HasPrefix(l, "flowchart") {
				t.Errorf("line %d %q comes before the legend", i, l)
			}
		}
		items := 0
		for _, l := range lines[start+1 : end] {
			if strings.Contains(l, ":::legend -") {
				items++
			}
		}
		for _, l := range lines[end:] {
			if strings.Contains(l, ":::legend") {
				t.Errorf("legend item outside its box: %q", l)
			}
		}
		if items < 4 {
			t.Errorf("%d legend items in the box, want one per status", items)
		}
	}
}
