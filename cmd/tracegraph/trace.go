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
			return writeOutput(cmd, output, func(w io.Writer) error { return render.Trace(w, evs) })
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "output file (default stdout)")
	return cmd
}
