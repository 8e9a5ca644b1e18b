package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tracegraph/tracegraph/topology"
)

// GitHub renders Mermaid with these limits; past them it shows an error
// instead of a diagram.
const (
	MermaidMaxChars = 50_000
	MermaidMaxEdges = 500
)

// Past these sizes the Mermaid diagram leaves out the team subgraphs.
const (
	mermaidMaxClusteredNodes = 50
	mermaidMaxClusteredEdges = 150
)

// Mermaid writes g as a Mermaid flowchart in the view opts.View, coloured
// like the DOT. A graph too big for GitHub is cut down to the neighbourhood
// of its differences (the flows that are not converged and every flow of the
// services they touch), then to the differences alone, then to as many of
// them as fit; the diagram's title says what was left out.
func Mermaid(w io.Writer, g *topology.Graph, opts Options) error {
	text, _ := mermaidText(g, viewOf(opts))
	_, err := io.WriteString(w, text)
	return err
}

// mermaidText returns the diagram and, when it had to be cut down, a
// sentence saying how.
func mermaidText(g *topology.Graph, kind topology.ViewKind) (string, string) {
	g.Normalize()
	text, links := mermaidOf(newDrawing(g, kind), "")
	if fits(text, links) {
		return text, ""
	}
	total := len(g.Flows)
	var diffs []int
	for i, f := range g.Flows {
		if f.Status != "" && f.Status != topology.StatusConverged {
			diffs = append(diffs, i)
		}
	}
	near := map[string]bool{}
	for _, i := range diffs {
		near[g.Flows[i].From], near[g.Flows[i].To] = true, true
	}
	delete(near, "")
	var hood []int
	for i, f := range g.Flows {
		if near[f.From] || near[f.To] {
			hood = append(hood, i)
		}
	}
	try := func(keep []int, what string) (string, string, bool) {
		note := fmt.Sprintf("%s: %d of %d flows (the whole graph is too big for GitHub's Mermaid; use -f svg for all of it)", what, len(keep), total)
		t, links := mermaidOf(newDrawing(subgraph(g, keep), kind), note)
		return t, note, fits(t, links)
	}
	if len(diffs) > 0 {
		if t, note, ok := try(hood, "Neighbourhood of the differences"); ok {
			return t, note
		}
		if t, note, ok := try(diffs, "The differences only"); ok {
			return t, note
		}
	} else {
		diffs = make([]int, total)
		for i := range diffs {
			diffs[i] = i
		}
	}
	// Halve until it fits; the sorted order keeps the cut deterministic.
	n := len(diffs)
	for n > 0 {
		what := "The first flows in order"
		if len(diffs) < total {
			what = "The first differences in order"
		}
		if t, note, ok := try(diffs[:n], what); ok {
			return t, note
		}
		n /= 2
	}
	t, note, _ := try(nil, "Nothing")
	return t, note
}

func fits(text string, links int) bool {
	return len(text) <= MermaidMaxChars && links <= MermaidMaxEdges
}

// subgraph is g with only the flows at keep, and the services they touch.
func subgraph(g *topology.Graph, keep []int) *topology.Graph {
	out := topology.New(g.Source)
	used := map[string]bool{}
	for _, i := range keep {
		f := g.Flows[i]
		out.Flows = append(out.Flows, f)
		used[f.From], used[f.To] = true, true
	}
	for _, s := range g.Services {
		if used[s.Name] {
			out.Services = append(out.Services, s)
		}
	}
	return out
}

func mermaidOf(d *drawing, title string) (string, int) {
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "---\ntitle: %s\n---\n", mermaidLabel(title))
	}
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range d.nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
	}
	teams, byTeam := d.teams()
	if len(d.nodes) > mermaidMaxClusteredNodes || len(d.edges) > mermaidMaxClusteredEdges {
		// Team subgraphs make Mermaid's dagre layout fail on larger graphs
		// ("Cannot set properties of undefined (setting 'order')", dagre's
		// cluster handling; a generated 100-service graph hit it, 50 did
		// not), and a diagram that fails to draw is worse than one without
		// team boxes.
		teams, byTeam = nil, map[string][]topology.ViewNode{"": d.nodes}
	}
	// Mermaid styles links by their index in order of definition.
	links := map[string][]int{}
	nlinks := 0
	link := func(indent, from, to, status string, lines []string) {
		arrow := "-->"
		if styleOf(status).dashed {
			arrow = "-.->"
		}
		label := ""
		if len(lines) > 0 {
			label = "|" + mermaidLabel(strings.Join(lines, "<br>")) + "|"
		}
		fmt.Fprintf(&b, "%s%s %s%s %s\n", indent, from, arrow, label, to)
		links[status] = append(links[status], nlinks)
		nlinks++
	}
	if d.diff {
		// The legend: one styled link per status between invisible nodes,
		// in a box of its own defined first, so that dagre keeps it
		// together in the first column. Loose, its links took the first
		// two ranks among the services with no producer, wherever the
		// ordering put them.
		b.WriteString("  subgraph legend [\"legend\"]\n    direction LR\n")
		for i, s := range legend(d.counts) {
			link("    ", fmt.Sprintf("l%da[\" \"]:::legend", i), fmt.Sprintf("l%db[\" \"]:::legend", i), s, []string{fmt.Sprintf("%s (%d)", s, d.counts[s])})
		}
		b.WriteString("  end\n")
	}
	for ti, t := range teams {
		fmt.Fprintf(&b, "  subgraph team%d [%s]\n", ti, mermaidLabel("team "+t))
		for _, n := range byTeam[t] {
			b.WriteString("    " + mermaidNode(ids[n.ID], n) + "\n")
		}
		b.WriteString("  end\n")
	}
	for _, n := range byTeam[""] {
		b.WriteString("  " + mermaidNode(ids[n.ID], n) + "\n")
	}
	for _, e := range d.edges {
		link("  ", ids[e.from], ids[e.to], e.status, e.lines)
	}
	statuses := make([]string, 0, len(links))
	for s := range links {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	for _, s := range statuses {
		st := styleOf(s)
		idx := make([]string, len(links[s]))
		for i, n := range links[s] {
			idx[i] = fmt.Sprint(n)
		}
		style := fmt.Sprintf("stroke:%s,stroke-width:%gpx,color:%s", st.color, st.width, st.color)
		if st.dashed {
			style += ",stroke-dasharray:5 4"
		}
		fmt.Fprintf(&b, "  linkStyle %s %s\n", strings.Join(idx, ","), style)
	}
	b.WriteString("  classDef service fill:#fafafa,stroke:#616161\n")
	b.WriteString("  classDef virtual fill:#fafafa,stroke:#616161,stroke-dasharray:4 3\n")
	b.WriteString("  classDef channel fill:#eceff1,stroke:#90a4ae\n")
	b.WriteString("  classDef message fill:#fffde7,stroke:#bdbdbd\n")
	if d.diff {
		b.WriteString("  classDef legend fill:none,stroke:none\n")
	}
	return b.String(), nlinks
}

func mermaidNode(id string, n topology.ViewNode) string {
	class := n.Kind
	if n.Virtual {
		class = "virtual"
	}
	switch n.Kind {
	case topology.NodeChannel:
		return fmt.Sprintf("%s([%s]):::%s", id, mermaidLabel(n.Label), class)
	case topology.NodeMessage:
		return fmt.Sprintf("%s[/%s/]:::%s", id, mermaidLabel(n.Label), class)
	}
	return fmt.Sprintf("%s(%s):::%s", id, mermaidLabel(n.Label), class)
}

// mermaidLabel quotes a label. Mermaid has no backslash escapes; a double
// quote is written as its entity code, and so are the characters that
// would open markup or, in Markdown, close the code fence (backticks). A
// control character (a newline would start a line of the fence) is
// written as a visible escape.
func mermaidLabel(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<br>", "<br>", "<", "#lt;", ">", "#gt;", "&", "#amp;", "`", "#96;")
	return `"` + r.Replace(termSafe(s)) + `"`
}
