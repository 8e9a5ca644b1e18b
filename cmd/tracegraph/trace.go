package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/render"
)

func newTraceCmd() *cobra.Command {
	var sf sourceFlags
	var output, format string
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
			format = formatName(format)
			if format != "text" && format != "json" {
				return usageErr(fmt.Errorf("unknown format %q (want text or json)", format))
			}
			f, err := sf.filter(time.Now())
			if err != nil {
				return err
			}
			f.TraceID = args[0]
			if err := f.Validate(); err != nil {
				return usageErr(err)
			}
			evs, err := selectEvents(cmd, &sf, f, 0, args[1:])
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return usageErr(fmt.Errorf("no events for trace %q", args[0]))
			}
			return writeOutput(cmd, output, func(w io.Writer) error {
				if format == "json" {
					return render.TraceJSON(w, evs)
				}
				return render.Trace(w, evs)
			})
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "output file (default stdout)")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text (the log and the tree) or json (the events and the tree)")
	return cmd
}
