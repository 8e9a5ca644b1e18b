// Command staticfloor is the floor that bench/static.sh measures
// `tracegraph static` against: the one packages.Load the analysis does, of
// the same patterns (staticgraph.LoadPatterns) in the same mode
// (staticgraph.LoadMode: syntax and types for the module's packages, export
// data for their dependencies), and nothing else.
package main

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/tools/go/packages"

	"github.com/tracegraph/tracegraph/staticgraph"
)

func main() {
	patterns := os.Args[1:]
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	all, err := staticgraph.LoadPatterns(context.Background(), ".", patterns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "staticfloor:", err)
		os.Exit(1)
	}
	pkgs, err := packages.Load(&packages.Config{Mode: staticgraph.LoadMode}, all...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "staticfloor:", err)
		os.Exit(1)
	}
	fmt.Println(len(pkgs), "packages")
}
