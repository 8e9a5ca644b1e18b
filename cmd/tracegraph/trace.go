package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/render"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

func newTraceCmd() *cobra.Command {
	var sf sourceFlags
	var output string
	cmd := &cobra.Command{
		Use:   "trace TRACE_ID --db URL | --events FILE...",
		Short: "The event log and tree of one trace",
		Long: `The event log of one trace in time order, then the same events as a tree
built from message ids and parent ids: each hop with its service, channel,
message type, latency and status.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "" {
				return usageErr(errors.New("empty trace id"))
			}
			f, err := sf.filter(time.Now())
			if err != nil {
				return err
			}
			f.TraceID = args[0]
			evs, err := selectEvents(cmd, &sf, f, 0, args[1:])
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return usageErr(fmt.Errorf("no events for trace %q", args[0]))
			}
			return writeOutput(cmd, output, func(w io.Writer) error { return writeTrace(w, evs) })
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "output file (default stdout)")
	return cmd
}

func writeTrace(w io.Writer, evs []telemetry.Event) error {
	fmt.Fprintf(w, "trace %s: %d events\n\nLOG\n", evs[0].TraceID, len(evs))
	if err := writeEventTable(w, evs); err != nil {
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
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", prefix+branch, hopText(e), dash(e.Channel),
			dash(topology.ShortType(e.MessageType)), render.Micros(e.DurationUS), e.Status, dash(oneLine(e.Error)))
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
		b.WriteString(" <- " + e.PeerService)
	}
	return b.String()
}
