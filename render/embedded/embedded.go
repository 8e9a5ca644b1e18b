// Package embedded is tracegraph's embedded renderer: Graphviz's dot run in
// process through go-graphviz (Graphviz compiled to WASM, no cgo), so that
// SVG and PNG need nothing installed.
//
// Importing this package costs every process 50–90 ms before main:
// go-graphviz compiles or loads and instantiates its WASM module in a
// package init, whether the process renders or not. tracegraph's CLI
// therefore does not import it; the helper command cmd/tracegraph-dot does,
// and the CLI runs that helper only to draw (render.EmbeddedCommand).
package embedded

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/goccy/go-graphviz"
)

// mu serialises every go-graphviz call. It is package-level state, and it
// must be: go-graphviz runs Graphviz as a single WASM module instance
// shared by every graphviz.Graphviz value in the process, and that module
// is not safe for concurrent use, so the lock has to be as global as the
// module it guards.
var mu sync.Mutex

// Layouter lays DOT text out with go-graphviz. It satisfies
// render.Layouter: set it as render.Graphviz.Embedded to render in process.
type Layouter struct{}

// Layout writes dot laid out in format (svg, json, dot, …: go-graphviz's
// formats). Its own PNG is not used by tracegraph: it fills edge splines
// and drops outlines, so render paints PNG from the json layout instead.
func (Layouter) Layout(ctx context.Context, dot []byte, format string, w io.Writer) error {
	mu.Lock()
	defer mu.Unlock()
	gv, err := graphviz.New(ctx)
	if err != nil {
		return fmt.Errorf("start graphviz: %w", err)
	}
	defer gv.Close()
	graph, err := graphviz.ParseBytes(dot)
	if err != nil {
		return fmt.Errorf("parse dot: %w", err)
	}
	defer graph.Close()
	if err := gv.Render(ctx, graph, graphviz.Format(format), w); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	return nil
}
