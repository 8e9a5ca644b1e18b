// Command rendergen writes a generated diff graph (tracegraph/v1 JSON) for
// bench/render.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/topology"
)

func main() {
	services := flag.Int("services", 500, "number of services")
	flows := flag.Int("flows", 1500, "number of flows")
	flag.Parse()
	if err := topology.Encode(os.Stdout, rendergen.Generate(*services, *flows)); err != nil {
		fmt.Fprintln(os.Stderr, "rendergen:", err)
		os.Exit(1)
	}
}
