package main

import "github.com/spf13/cobra"

func newEventsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "events --db URL | --events FILE...",
		Short: "Query events by tag, status, type, service, channel and time",
		RunE:  notImplemented("events"),
	}
}
