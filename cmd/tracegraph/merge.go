package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracegraph/tracegraph/topology"
)

func newMergeCmd() *cobra.Command {
	var gf graphFlags
	cmd := &cobra.Command{
		Use:   "merge [REPO=]GRAPH.json...",
		Short: "Merge the declared graphs of several repositories into one",
		Long: `Merge declared graphs (static -f json), such as each repository's CI saves,
into one graph: services by name, endpoints paired across the graphs.

Each piece of evidence keeps its repository in a "repo" field: the one
static --repo gave it, else the REPO= before the file's name, else none.
A service that two repositories define is a diagnostic. The output is the
same whatever the order of the files, and merging merged graphs again
gives the same graph. diff --declared, serve --declared and render take it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var graphs []*topology.Graph
			for _, arg := range args {
				repo, file, ok := strings.Cut(arg, "=")
				if !ok || strings.ContainsAny(repo, `/\`) {
					repo, file = "", arg
				}
				g, err := readGraphFile(file)
				if err != nil {
					return err
				}
				g.StampRepo(repo)
				graphs = append(graphs, g)
			}
			g, err := topology.Merge(graphs...)
			if err != nil {
				return usageErr(err)
			}
			return gf.write(cmd, g)
		},
	}
	gf.register(cmd, "json")
	return cmd
}
