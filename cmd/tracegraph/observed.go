package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/topology"
)

func newObservedCmd() *cobra.Command {
	var sf sourceFlags
	var gf graphFlags
	cmd := &cobra.Command{
		Use:   "observed --events FILE... | --db URL",
		Short: "Observed graph from stored trace events",
		Long: `Observed graph from stored trace events.

Flows come from consume events (pubsub) and serve events (reqrep), grouped by
producer, consumer, channel, message type and system, with count, errors,
p50 and p95 latency (nearest rank) and first and last seen. A publish no one
consumed, or a request no one served, is a flow with an empty "to".`,
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := observedGraph(cmd, &sf, args)
			if err != nil {
				return err
			}
			return gf.write(cmd, g)
		},
	}
	sf.register(cmd)
	gf.register(cmd, "json")
	return cmd
}

// observedGraph builds the observed graph from the source the flags name.
func observedGraph(cmd *cobra.Command, sf *sourceFlags, args []string) (*topology.Graph, error) {
	ctx := cmd.Context()
	f, err := sf.filter(time.Now())
	if err != nil {
		return nil, err
	}
	if files := sf.files(args); files != nil {
		ro, err := sf.readOptions(cmd)
		if err != nil {
			return nil, err
		}
		g, st, err := runtimegraph.FromFiles(ctx, files, f, ro)
		if err != nil {
			return nil, readErr(ctx, err)
		}
		if err := badLinesErr(st); err != nil {
			return nil, err
		}
		return g, nil
	}
	if len(args) > 0 {
		return nil, usageErr(errArgsWithoutEvents(args))
	}
	st, err := openStore(ctx, sf)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	g, err := st.Graph(ctx, f)
	if err != nil {
		return nil, storeErr(err)
	}
	return g, nil
}
