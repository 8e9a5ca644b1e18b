package embedded_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/goccy/go-graphviz/cgraph"
	"github.com/goccy/go-graphviz/gvc"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/render"
)

// BenchmarkGraphvizPhases splits an SVG render of the large graph into
// go-graphviz's steps (parse, layout, SVG output), to show where the time
// over native dot goes. A tracegraph process renders once, so -benchtime 1x
// is the figure that matches bench/render.sh; start-up, go-graphviz's WASM
// instantiation, is not in it (bench/render.sh reports that separately).
//
//	go test -run '^$' -bench GraphvizPhases -benchtime 1x -count 5 ./render/embedded
//
// It calls go-graphviz directly, without the package's mutex: nothing else
// renders while a benchmark runs.
func BenchmarkGraphvizPhases(b *testing.B) {
	var dot bytes.Buffer
	if err := render.DOT(&dot, rendergen.Generate(500, 1500), render.Options{}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var parse, lay, draw time.Duration
	for b.Loop() {
		c, err := gvc.New(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		g, err := cgraph.ParseBytes(dot.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := c.Layout(ctx, g, "dot"); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := c.RenderData(ctx, g, "svg", io.Discard); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		parse, lay, draw = parse+t1.Sub(t0), lay+t2.Sub(t1), draw+t3.Sub(t2)
		if err := c.FreeLayout(ctx, g); err != nil {
			b.Fatal(err)
		}
		g.Close()
		c.Close()
	}
	perOp := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(perOp(parse), "parse-ms/op")
	b.ReportMetric(perOp(lay), "layout-ms/op")
	b.ReportMetric(perOp(draw), "svg-ms/op")
}
