package render

import (
	"context"
	"io"
	"os/exec"
	"testing"

	"github.com/tracegraph/tracegraph/bench/rendergen"
)

// The speed targets (SVG against native dot on the same DOT, through
// either engine) are measured by bench/render.sh, which runs both sides in
// one go; these benchmarks track our side alone, the embedded renderer in
// process and, where it is installed, native dot. The large one takes
// seconds per run:
//
//	go test -run '^$' -bench 'SVG/.*/500' -benchtime 1x ./render
func BenchmarkSVG(b *testing.B) {
	engines := []struct {
		name string
		gv   Graphviz
	}{{"embedded", embeddedOnly}}
	if _, err := exec.LookPath("dot"); err == nil {
		engines = append(engines, struct {
			name string
			gv   Graphviz
		}{"native", Graphviz{Engine: EngineNative}})
	}
	for _, e := range engines {
		for _, size := range []struct {
			name            string
			services, flows int
		}{{"50x150", 50, 150}, {"500x1500", 500, 1500}} {
			g := rendergen.Generate(size.services, size.flows)
			b.Run(e.name+"/"+size.name, func(b *testing.B) {
				for b.Loop() {
					if err := SVG(context.Background(), io.Discard, g, Options{Graphviz: e.gv}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkDOT(b *testing.B) {
	g := rendergen.Generate(500, 1500)
	for b.Loop() {
		if err := DOT(io.Discard, g, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
