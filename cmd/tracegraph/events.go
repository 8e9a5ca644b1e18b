package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/render"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
)

// eventFlags are the event-level filters of events (and trace).
type eventFlags struct {
	status, eventType, service, channel, messageType, operation, traceID string
	format                                                               string
	output                                                               string
	limit                                                                int
}

func newEventsCmd() *cobra.Command {
	var sf sourceFlags
	var ef eventFlags
	cmd := &cobra.Command{
		Use:   "events --db URL | --events FILE...",
		Short: "Query events by tag, status, type, service, channel and time",
		Example: `  # inventory updates that failed for merchant 4c5d6e7
  tracegraph events --events examples/shop/events.jsonl --service inventory --status error --where merchant_id=4c5d6e7`,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := sf.filter(time.Now())
			if err != nil {
				return err
			}
			f.Status, f.EventType, f.Service, f.Channel = ef.status, ef.eventType, ef.service, ef.channel
			f.MessageType, f.Operation, f.TraceID = ef.messageType, ef.operation, ef.traceID
			if err := f.Validate(); err != nil {
				return usageErr(err)
			}
			ef.format = formatName(ef.format)
			switch ef.format {
			case "text", "jsonl":
			default:
				return usageErr(fmt.Errorf("unknown format %q (want text or jsonl)", ef.format))
			}
			if ef.status != "" && ef.status != telemetry.StatusOK && ef.status != telemetry.StatusError {
				return usageErr(fmt.Errorf("--status %q: want %s or %s", ef.status, telemetry.StatusOK, telemetry.StatusError))
			}
			if ef.limit < 0 {
				return usageErr(fmt.Errorf("--limit must not be negative"))
			}
			evs, err := selectEvents(cmd, &sf, f, ef.limit, args)
			if err != nil {
				return err
			}
			return writeOutput(cmd, ef.output, func(w io.Writer) error {
				if ef.format == "jsonl" {
					return writeJSONL(w, evs)
				}
				return render.EventTable(w, evs)
			})
		},
	}
	sf.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&ef.status, "status", "", "only events with this status (ok, error)")
	fs.StringVar(&ef.eventType, "type", "", "only events of this event_type (publish, consume, request, serve, start, complete, error, ...)")
	fs.StringVar(&ef.service, "service", "", "only events recorded by this service")
	fs.StringVar(&ef.channel, "channel", "", "only events on this channel")
	fs.StringVar(&ef.messageType, "message-type", "", "only events carrying this message type (full name)")
	fs.StringVar(&ef.operation, "operation", "", "only events of this operation")
	fs.StringVar(&ef.traceID, "trace", "", "only events of this trace id")
	fs.IntVar(&ef.limit, "limit", 0, "at most this many events, the earliest (0: all)")
	fs.StringVarP(&ef.format, "format", "f", "text", "output format: text (an aligned table; table is the same) or jsonl")
	fs.StringVarP(&ef.output, "output", "o", "", "output file (default stdout)")
	return cmd
}

// selectEvents reads the events passing f from the source the flags name,
// in canonical order.
func selectEvents(cmd *cobra.Command, sf *sourceFlags, f runtimegraph.Filter, limit int, args []string) ([]telemetry.Event, error) {
	return fromSource(cmd, sf, args,
		func(ctx context.Context, files []string, ro runtimegraph.ReadOptions) ([]telemetry.Event, runtimegraph.ReadStats, error) {
			return runtimegraph.SelectFromFiles(ctx, files, f, limit, ro)
		},
		func(ctx context.Context, st *pgstore.Store) ([]telemetry.Event, error) {
			return st.Select(ctx, f, limit)
		})
}

// writeJSONL writes events in the canonical JSONL form, as telemetry.Writer does.
func writeJSONL(w io.Writer, evs []telemetry.Event) error {
	jw := telemetry.NewWriter(w)
	for _, e := range evs {
		if err := jw.Write(e); err != nil {
			return err
		}
	}
	return jw.Flush()
}
