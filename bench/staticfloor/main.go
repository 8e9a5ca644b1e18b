// Command staticfloor is the floor that bench/static.sh and
// bench/modules.sh measure `tracegraph static` against: the packages.Load
// of each module the patterns reach (staticgraph/modules.Plan), one after
// another, of the same patterns (staticgraph.LoadPatterns) in the same
// mode (staticgraph.LoadMode: syntax and types for the module's packages,
// export data for their dependencies), and nothing else.
package main

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/tools/go/packages"

	"github.com/tracegraph/tracegraph/staticgraph"
	"github.com/tracegraph/tracegraph/staticgraph/modules"
)

func main() {
	loads, _, err := modules.Plan(".", os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "staticfloor:", err)
		os.Exit(1)
	}
	n := 0
	for _, ld := range loads {
		all, err := staticgraph.LoadPatterns(context.Background(), ld)
		if err != nil {
			fmt.Fprintln(os.Stderr, "staticfloor:", err)
			os.Exit(1)
		}
		pkgs, err := packages.Load(&packages.Config{Mode: staticgraph.LoadMode, Dir: ld.Module.Dir, Env: ld.Env()}, all...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "staticfloor:", err)
			os.Exit(1)
		}
		n += len(pkgs)
	}
	fmt.Println(n, "packages in", len(loads), "modules")
}
