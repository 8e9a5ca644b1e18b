package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
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
	sf.registerAllowEmpty(cmd)
	gf.register(cmd, "json")
	return cmd
}

// observedGraph builds the observed graph from the source the flags name.
func observedGraph(cmd *cobra.Command, sf *sourceFlags, args []string) (*topology.Graph, error) {
	f, err := sf.filter(time.Now())
	if err != nil {
		return nil, err
	}
	g, err := fromSource(cmd, sf, args,
		func(ctx context.Context, files []string, ro runtimegraph.ReadOptions) (*topology.Graph, runtimegraph.ReadStats, error) {
			return runtimegraph.FromFiles(ctx, files, f, ro)
		},
		func(ctx context.Context, st *pgstore.Store) (*topology.Graph, error) { return st.Graph(ctx, f) })
	if err != nil {
		return nil, err
	}
	if len(g.Services) == 0 && !sf.allowEmpty {
		// An empty source (a wrong file, database or window) would
		// pass every gate: it is an error unless asked for.
		return nil, usageErr(fmt.Errorf("no events in %s (--allow-empty accepts that)", sf.describe(sf.files(args))))
	}
	return g, nil
}
