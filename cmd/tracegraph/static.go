package main

import "github.com/spf13/cobra"

func newStaticCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "static [packages]",
		Short: "Declared graph from Go code (default ./...)",
		RunE:  notImplemented("static"),
	}
}
