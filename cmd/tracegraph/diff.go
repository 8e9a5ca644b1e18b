package main

import "github.com/spf13/cobra"

func newDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff [packages] --events FILE... | --db URL",
		Short: "Declared vs observed: converged, undeclared, unobserved",
		RunE:  notImplemented("diff"),
	}
}
