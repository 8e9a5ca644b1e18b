package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tracegraph/tracegraph/topology"
)

// Status colours, the design's (docs/design.md): converged green, undeclared red (the alarm),
// unobserved dashed grey, type-mismatch orange, unverified (observed where
// the declared graph is partial) dashed purple. A plain graph's flows have
// no status and are drawn in neutral dark grey.
var statusStyles = map[string]edgeStyle{
	topology.StatusConverged:    {color: "#2e7d32", width: 1.5},
	topology.StatusUndeclared:   {color: "#d32f2f", width: 2.5},
	topology.StatusUnobserved:   {color: "#9e9e9e", width: 1.5, dashed: true},
	topology.StatusTypeMismatch: {color: "#ef6c00", width: 2},
	topology.StatusUnverified:   {color: "#7b1fa2", width: 1.5, dashed: true},
	"":                          {color: "#455a64", width: 1.2},
}

// legendStatuses is the order of the legend: the agreeing case first, then
// the differences by how loudly they should speak.
var legendStatuses = []string{topology.StatusConverged, topology.StatusUndeclared,
	topology.StatusTypeMismatch, topology.StatusUnverified, topology.StatusUnobserved}

// legend is the statuses a legend lists: all of them, but unverified only
// where a flow has it (a diff of a declared graph that loaded whole has
// none, and should not read as if it might).
func legend(counts map[string]int) []string {
	var out []string
	for _, s := range legendStatuses {
		if s != topology.StatusUnverified || counts[s] > 0 {
			out = append(out, s)
		}
	}
	return out
}

type edgeStyle struct {
	color  string
	width  float64
	dashed bool
}

func styleOf(status string) edgeStyle {
	if s, ok := statusStyles[status]; ok {
		return s
	}
	return statusStyles[""]
}

// maxEdgeLabelLines keeps a busy edge's label readable; the rest is counted.
const maxEdgeLabelLines = 4

// drawing is a view made ready to draw: what every picture format shares.
type drawing struct {
	diff   bool
	nodes  []topology.ViewNode
	edges  []drawEdge
	counts map[string]int // flows by status, for the legend
}

type drawEdge struct {
	from, to  string
	status    string
	lines     []string // label lines
	baselined bool     // every flow of the edge is baselined
}

func newDrawing(g *topology.Graph, kind topology.ViewKind) *drawing {
	g.Normalize()
	v := g.View(kind)
	d := &drawing{diff: g.Source == topology.SourceDiff, nodes: v.Nodes, counts: map[string]int{}}
	for _, f := range g.Flows {
		d.counts[f.Status]++
	}
	for _, e := range v.Edges {
		de := drawEdge{from: e.From, to: e.To, status: e.Status, baselined: len(e.Flows) > 0}
		var labels []string
		for _, fi := range e.Flows {
			f := g.Flows[fi]
			if l := flowLabel(f, kind); l != "" && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
			de.baselined = de.baselined && f.Baselined
		}
		slices.Sort(labels)
		if len(labels) > maxEdgeLabelLines {
			labels = append(labels[:maxEdgeLabelLines-1], fmt.Sprintf("+%d more", len(labels)-maxEdgeLabelLines+1))
		}
		if e.Count > 0 {
			s := plural(e.Count, "msg")
			if e.Errors > 0 {
				s += ", " + plural(e.Errors, "error")
			}
			labels = append(labels, s)
		}
		if de.baselined {
			labels = append(labels, "(baselined)")
		}
		de.lines = labels
		d.edges = append(d.edges, de)
	}
	return d
}

// flowLabel is what an edge says about one flow: the message type, or in
// the messages view (where types are nodes) the channel. A type-mismatch
// names both types.
func flowLabel(f topology.Flow, kind topology.ViewKind) string {
	if kind == topology.ViewMessages {
		return channelLabel(f)
	}
	l := topology.ShortType(f.MessageType)
	if f.ObservedType != "" {
		l += " (observed " + topology.ShortType(f.ObservedType) + ")"
	}
	// An undeclared flow is the one a reviewer has to chase, and its channel
	// (a debug tap's, say) is often the clue; the channels view shows it anyway.
	if f.Status == topology.StatusUndeclared && kind == topology.ViewServices {
		l += " on " + channelLabel(f)
	}
	return l
}

func channelLabel(f topology.Flow) string {
	if f.System != "" {
		return f.System + ":" + f.Channel
	}
	return f.Channel
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return strconv.FormatInt(n, 10) + " " + noun[:len(noun)-1] + "ies"
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

// teams returns the teams of the service nodes, sorted, and the nodes of
// each; nodes without a team are under "".
func (d *drawing) teams() ([]string, map[string][]topology.ViewNode) {
	by := map[string][]topology.ViewNode{}
	var teams []string
	for _, n := range d.nodes {
		t := ""
		if n.Kind == topology.NodeService {
			t = n.Team
		}
		if _, ok := by[t]; !ok && t != "" {
			teams = append(teams, t)
		}
		by[t] = append(by[t], n)
	}
	slices.Sort(teams)
	return teams, by
}

// nodeClass and edgeClass are the class attributes of a node or edge (its
// kind or status, and qualifiers), which Graphviz carries into the SVG so
// that stylesheets, scripts and tests can select them.
func nodeClass(n topology.ViewNode) string {
	c := []string{n.Kind}
	if n.Virtual {
		c = append(c, "virtual")
	}
	return strings.Join(c, " ")
}

func edgeClass(e drawEdge) string {
	c := []string{"flow"}
	if e.status != "" {
		c = append(c, e.status)
	}
	if e.baselined {
		c = append(c, "baselined")
	}
	return strings.Join(c, " ")
}
