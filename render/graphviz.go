package render

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/goccy/go-graphviz"

	"github.com/tracegraph/tracegraph/topology"
)

// graphvizMu serialises every go-graphviz call. It is tracegraph's one piece
// of package-level state, and it must be: go-graphviz runs Graphviz as a
// single WASM module instance shared by every graphviz.Graphviz value in the
// process, and that module is not safe for concurrent use, so the lock has
// to be as global as the module it guards.
var graphvizMu sync.Mutex

// SVG writes g laid out by Graphviz's dot as SVG. Nodes and edges carry
// the class attributes of the DOT text (service, flow, undeclared, …).
func SVG(ctx context.Context, w io.Writer, g *topology.Graph, opts Options) error {
	return layout(ctx, w, newDrawing(g, viewOf(opts)), graphviz.SVG)
}

// layout hands our DOT text to Graphviz: the picture is then exactly the
// graph `tracegraph -f dot | dot` would draw, and Graphviz's own parser
// declares every attribute the text uses.
func layout(ctx context.Context, w io.Writer, d *drawing, format graphviz.Format) error {
	var dot bytes.Buffer
	bw := bufio.NewWriter(&dot)
	writeDOT(bw, d)
	if err := bw.Flush(); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := runGraphviz(ctx, dot.Bytes(), format, &out); err != nil {
		return fmt.Errorf("%s: %w", format, err)
	}
	_, err := w.Write(out.Bytes())
	return err
}

func runGraphviz(ctx context.Context, dot []byte, format graphviz.Format, w io.Writer) error {
	graphvizMu.Lock()
	defer graphvizMu.Unlock()
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
	if err := gv.Render(ctx, graph, format, w); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	return nil
}
