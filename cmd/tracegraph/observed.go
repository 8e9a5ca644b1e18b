package main

import "github.com/spf13/cobra"

func newObservedCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "observed --events FILE... | --db URL",
		Short: "Observed graph from stored trace events",
		RunE:  notImplemented("observed"),
	}
}
