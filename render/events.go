package render

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// EventTable writes events as an aligned table, one line each, in the order
// given.
func EventTable(w io.Writer, evs []telemetry.Event) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tTRACE\tTYPE\tSERVICE\tOPERATION\tCHANNEL\tMESSAGE TYPE\tPEER\tLATENCY\tSTATUS\tTAGS\tERROR")
	for _, e := range evs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			e.Timestamp.Format("2006-01-02T15:04:05.000000Z"), termSafe(e.TraceID), termSafe(e.EventType), termSafe(e.Service), orDash(termSafe(e.Operation)),
			orDash(termSafe(e.Channel)), orDash(termSafe(topology.ShortType(e.MessageType))), orDash(termSafe(e.PeerService)), Micros(e.DurationUS),
			termSafe(e.Status), orDash(termSafe(tagText(e.Tags))), orDash(oneLine(e.Error)))
	}
	return tw.Flush()
}

func tagText(tags map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ",")
}

// oneLine keeps an error text on one table line, quoting it when it holds
// line breaks or tabs, and escaping any other control character.
func oneLine(s string) string {
	b, _ := json.Marshal(s)
	if strings.ContainsAny(s, "\n\r\t") {
		return termSafe(string(b))
	}
	return termSafe(s)
}

// Trace writes one trace's events as a time-ordered log and then as a tree
// built from message and parent ids. evs must not be empty.
func Trace(w io.Writer, evs []telemetry.Event) error {
	fmt.Fprintf(w, "trace %s: %d events\n\nLOG\n", termSafe(evs[0].TraceID), len(evs))
	if err := EventTable(w, evs); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nTREE")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Walk with a stack of our own, not the call stack, and draw at most
	// MaxTraceDepth levels: a trace thousands of hops deep would otherwise
	// take time and output quadratic in its depth, one indentation a line.
	type item struct {
		n          *runtimegraph.TraceNode
		prefix     string
		depth      int
		last, root bool
	}
	var stack []item
	roots := runtimegraph.TraceTree(evs)
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, item{n: roots[i], last: true, root: true})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		branch, next := "", ""
		if !it.root {
			branch, next = "├─ ", "│  "
			if it.last {
				branch, next = "└─ ", "   "
			}
		}
		if it.depth == MaxTraceDepth {
			fmt.Fprintf(tw, "%s… %d more levels\t\t\t\t\t\n", it.prefix+branch, levels(it.n))
			continue
		}
		e := it.n.Event
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", it.prefix+branch, termSafe(hopText(e)), orDash(termSafe(e.Channel)),
			orDash(termSafe(topology.ShortType(e.MessageType))), Micros(e.DurationUS), termSafe(e.Status), orDash(oneLine(e.Error)))
		for i := len(it.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{n: it.n.Children[i], prefix: it.prefix + next, depth: it.depth + 1, last: i == len(it.n.Children)-1})
		}
	}
	return tw.Flush()
}

// MaxTraceDepth is how many levels of a trace's tree the text shows; the
// levels below are summed up in one line.
const MaxTraceDepth = 64

// levels is the depth of the tree under n, n included, found without
// recursion.
func levels(n *runtimegraph.TraceNode) int {
	type item struct {
		n *runtimegraph.TraceNode
		d int
	}
	deepest := 0
	stack := []item{{n, 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		deepest = max(deepest, it.d)
		for _, c := range it.n.Children {
			stack = append(stack, item{c, it.d + 1})
		}
	}
	return deepest
}

// hopText says who did what: "consume inventory <- catalog".
func hopText(e telemetry.Event) string {
	var b strings.Builder
	b.WriteString(e.EventType + " " + e.Service)
	if e.Operation != "" {
		b.WriteString(" (" + e.Operation + ")")
	}
	if e.PeerService != "" {
		// The arrow points the way the message went: a publish or a
		// request goes to the peer, a consume or serve comes from it.
		arrow := " <- "
		if e.EventType == telemetry.TypePublish || e.EventType == telemetry.TypeRequest {
			arrow = " -> "
		}
		b.WriteString(arrow + e.PeerService)
	}
	return b.String()
}

// TraceJSON writes one trace as JSON: its events in time order and the
// tree TraceTree builds of them as a flat list, depth first, each node
// naming its event (an index into events, and its event_id), its parent's
// event (absent on a root) and its depth. A nested tree would be indented
// once a level, so a trace thousands of hops deep would take output
// quadratic in its depth, and nest deeper than JSON readers accept (Go's
// own stops at 10,000). evs must not be empty.
func TraceJSON(w io.Writer, evs []telemetry.Event) error {
	type node struct {
		Event   int    `json:"event"`
		EventID string `json:"event_id"`
		Parent  *int   `json:"parent,omitempty"`
		Depth   int    `json:"depth"`
	}
	doc := struct {
		TraceID string            `json:"trace_id"`
		Events  []telemetry.Event `json:"events"`
		Tree    []node            `json:"tree"`
	}{TraceID: evs[0].TraceID, Events: evs, Tree: make([]node, 0, len(evs))}
	type item struct {
		n      *runtimegraph.TraceNode
		parent *int
		depth  int
	}
	roots := runtimegraph.TraceTree(evs)
	var stack []item
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, item{n: roots[i]})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		doc.Tree = append(doc.Tree, node{Event: it.n.Index, EventID: it.n.Event.EventID, Parent: it.parent, Depth: it.depth})
		self := &it.n.Index
		for i := len(it.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{n: it.n.Children[i], parent: self, depth: it.depth + 1})
		}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
