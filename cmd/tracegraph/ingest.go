package main

import "github.com/spf13/cobra"

func newIngestCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ingest --db URL FILE...",
		Short: "Load events into PostgreSQL (JSONL; OTLP, Zipkin, Jaeger by content)",
		RunE:  notImplemented("ingest"),
	}
}
