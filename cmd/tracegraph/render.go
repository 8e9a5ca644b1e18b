package main

import "github.com/spf13/cobra"

func newRenderCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "render GRAPH.json",
		Short: "Re-render a saved graph",
		RunE:  notImplemented("render"),
	}
}
