package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/topology"
)

func newRenderCmd() *cobra.Command {
	var gf graphFlags
	cmd := &cobra.Command{
		Use:   "render GRAPH.json",
		Short: "Re-render a saved graph",
		Long: `Re-render a saved tracegraph/v1 graph (from static, observed or diff -f json)
in any format. A file with a missing or different schema is refused (exit 2).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			defer gf.prestart(cmd)()
			g, err := readGraphFile(args[0])
			if err != nil {
				return err
			}
			return gf.write(cmd, g)
		},
	}
	gf.register(cmd, "svg")
	return cmd
}

// readGraphFile reads a saved graph; any problem is an input error naming
// the file.
func readGraphFile(path string) (*topology.Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr(err)
	}
	defer f.Close()
	g, err := topology.Decode(f)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%s: %w", path, err))
	}
	return g, nil
}
