package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tracegraph/tracegraph/topology"
)

// DOT writes g as Graphviz DOT in the view opts.View: services clustered by
// team, flows coloured by status, and a legend on a diff. The text is
// deterministic; SVG and PNG are laid out from exactly this text.
func DOT(w io.Writer, g *topology.Graph, opts Options) error {
	bw := bufio.NewWriter(w)
	writeDOT(bw, newDrawing(g, viewOf(opts)))
	return bw.Flush()
}

func viewOf(opts Options) topology.ViewKind {
	if opts.View == "" {
		return topology.ViewServices
	}
	return opts.View
}

func writeDOT(w *bufio.Writer, d *drawing) {
	const font = "Helvetica"
	w.WriteString("digraph tracegraph {\n")
	// Default labels are declared empty before any is set: an edge without
	// a declared label would otherwise be drawn with its name ("a->b").
	// Past maxLabelledEdges, edge labels move into tooltips: Graphviz lays
	// out each label as a node of its own, which made a 1,500-edge graph take
	// 18 s instead of 1 s, and that many labels cannot be read anyway.
	compact := len(d.edges) > maxLabelledEdges
	title := ""
	if compact {
		title = fmt.Sprintf("%d edges: labels are shown on hover in SVG; narrow the graph with --focus SERVICE --depth N to see them all", len(d.edges))
	}
	// Crossing minimisation is most of the layout time of a large graph;
	// mclimit=0.3 made it 2.5 times faster on 1,500 edges, and a picture
	// that large is read by zooming, not by counting crossings.
	limits := ""
	if compact {
		limits = "mclimit=0.3, "
	}
	fmt.Fprintf(w, "  graph [rankdir=LR, fontname=%q, fontsize=12, nodesep=0.35, ranksep=0.9, %slabel=%s];\n", font, limits, dotID(title))
	fmt.Fprintf(w, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#fafafa\", color=\"#616161\", fontname=%q, fontsize=11, label=\"\"];\n", font)
	fmt.Fprintf(w, "  edge [fontname=%q, fontsize=9, arrowsize=0.7, label=\"\"];\n", font)

	teams, byTeam := d.teams()
	for _, t := range teams {
		fmt.Fprintf(w, "  subgraph %s {\n", dotID("cluster_team_"+t))
		fmt.Fprintf(w, "    graph [label=%s, class=\"team\", style=\"rounded,dashed\", color=\"#9e9e9e\", fontcolor=\"#616161\", fontsize=10];\n", dotID("team "+t))
		for _, n := range byTeam[t] {
			writeDOTNode(w, "    ", n)
		}
		w.WriteString("  }\n")
	}
	for _, n := range byTeam[""] {
		writeDOTNode(w, "  ", n)
	}
	for _, e := range d.edges {
		st := styleOf(e.status)
		if e.baselined {
			// Accepted differences keep their colour but stop shouting.
			st.width = 1
		}
		// Written piece by piece, not through fmt: a large graph has
		// thousands of edges, and this loop was most of the DOT's time.
		w.WriteString("  ")
		writeID(w, e.from)
		w.WriteString(" -> ")
		writeID(w, e.to)
		if compact {
			w.WriteString(" [tooltip=")
		} else {
			w.WriteString(" [label=")
		}
		writeID(w, strings.Join(e.lines, "\n"))
		w.WriteString(", class=")
		writeID(w, edgeClass(e))
		w.WriteString(", color=")
		writeID(w, st.color)
		w.WriteString(", fontcolor=")
		writeID(w, st.color)
		w.WriteString(", penwidth=")
		w.Write(strconv.AppendFloat(w.AvailableBuffer(), st.width, 'f', -1, 64))
		if st.dashed {
			w.WriteString(", style=dashed")
		}
		w.WriteString("];\n")
	}
	if d.diff {
		writeDOTLegend(w, d)
	}
	w.WriteString("}\n")
}

// maxLabelledEdges is the most edges drawn with their labels.
const maxLabelledEdges = 300

func writeDOTNode(w *bufio.Writer, indent string, n topology.ViewNode) {
	w.WriteString(indent)
	writeID(w, n.ID)
	w.WriteString(" [id=")
	writeID(w, n.ID)
	w.WriteString(", label=")
	writeID(w, n.Label)
	w.WriteString(", class=")
	writeID(w, nodeClass(n))
	switch n.Kind {
	case topology.NodeChannel:
		w.WriteString(`, shape=cds, style=filled, fillcolor="#eceff1", fontsize=10`)
	case topology.NodeMessage:
		w.WriteString(`, shape=note, style=filled, fillcolor="#fffde7", fontsize=10`)
	}
	if n.Virtual {
		w.WriteString(`, style="rounded,dashed"`)
	}
	w.WriteString("];\n")
}

// writeDOTLegend draws the legend as one node, a table with a sample of
// each status's line (a solid bar, or dashes) and its number of flows. One
// node keeps it compact: legend edges would stretch across the ranks of
// the whole graph.
func writeDOTLegend(w *bufio.Writer, d *drawing) {
	w.WriteString("  legend [id=\"legend\", class=\"legend\", shape=plain, style=\"\", label=<<TABLE BORDER=\"1\" COLOR=\"#bdbdbd\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"3\" STYLE=\"ROUNDED\">")
	w.WriteString("<TR><TD COLSPAN=\"2\"><B>Legend</B></TD></TR>")
	for _, s := range legend(d.counts) {
		st := styleOf(s)
		h := max(2, int(st.width+0.5))
		var sample string
		if st.dashed {
			dash := fmt.Sprintf(`<TD BGCOLOR="%s" WIDTH="6" HEIGHT="%d" FIXEDSIZE="TRUE"></TD>`, st.color, h)
			sample = `<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>` + strings.Repeat(dash, 4) + `</TR></TABLE>`
		} else {
			sample = fmt.Sprintf(`<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD BGCOLOR="%s" WIDTH="33" HEIGHT="%d" FIXEDSIZE="TRUE"></TD></TR></TABLE>`, st.color, h)
		}
		fmt.Fprintf(w, `<TR><TD>%s</TD><TD ALIGN="LEFT"><FONT COLOR="%s">%s (%d)</FONT></TD></TR>`, sample, st.color, s, d.counts[s])
	}
	w.WriteString("</TABLE>>];\n")
}

// writeID writes dotID(s) straight to w, for ASCII; past it, dotID also
// replaces invalid UTF-8.
func writeID(w *bufio.Writer, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			w.WriteString(dotID(s))
			return
		}
	}
	w.WriteByte('"')
	for {
		i := strings.IndexAny(s, "\"\\\n")
		if i < 0 {
			break
		}
		w.WriteString(s[:i])
		switch s[i] {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\n':
			w.WriteString(`\n`)
		}
		s = s[i+1:]
	}
	w.WriteString(s)
	w.WriteByte('"')
}

// dotID quotes s as a DOT string. Newlines become \n, which Graphviz draws
// as centred line breaks.
func dotID(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
