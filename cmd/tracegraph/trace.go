package main

import "github.com/spf13/cobra"

func newTraceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "trace TRACE_ID --db URL | --events FILE...",
		Short: "The event log and tree of one trace",
		RunE:  notImplemented("trace"),
	}
}
