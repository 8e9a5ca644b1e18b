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
	var walk func(n *runtimegraph.TraceNode, prefix string, last, root bool)
	walk = func(n *runtimegraph.TraceNode, prefix string, last, root bool) {
		branch, next := "", ""
		if !root {
			branch, next = "├─ ", "│  "
			if last {
				branch, next = "└─ ", "   "
			}
		}
		e := n.Event
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", prefix+branch, termSafe(hopText(e)), orDash(termSafe(e.Channel)),
			orDash(termSafe(topology.ShortType(e.MessageType))), Micros(e.DurationUS), termSafe(e.Status), orDash(oneLine(e.Error)))
		for i, c := range n.Children {
			walk(c, prefix+next, i == len(n.Children)-1, false)
		}
	}
	for _, r := range runtimegraph.TraceTree(evs) {
		walk(r, "", true, true)
	}
	return tw.Flush()
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
// tree TraceTree builds of them, each node naming its event by event_id.
// evs must not be empty.
func TraceJSON(w io.Writer, evs []telemetry.Event) error {
	type node struct {
		EventID  string  `json:"event_id"`
		Children []*node `json:"children,omitempty"`
	}
	var conv func(n *runtimegraph.TraceNode) *node
	conv = func(n *runtimegraph.TraceNode) *node {
		out := &node{EventID: n.Event.EventID}
		for _, c := range n.Children {
			out.Children = append(out.Children, conv(c))
		}
		return out
	}
	doc := struct {
		TraceID string            `json:"trace_id"`
		Events  []telemetry.Event `json:"events"`
		Tree    []*node           `json:"tree"`
	}{TraceID: evs[0].TraceID, Events: evs}
	for _, r := range runtimegraph.TraceTree(evs) {
		doc.Tree = append(doc.Tree, conv(r))
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
