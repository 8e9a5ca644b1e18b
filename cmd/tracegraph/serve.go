package main

import "github.com/spf13/cobra"

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve [packages] --events FILE... | --db URL",
		Short: "Serve an interactive topology, trace and event explorer",
		RunE:  notImplemented("serve"),
	}
}
