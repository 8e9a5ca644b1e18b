package render

import (
	"context"
	"io"
	"testing"

	"github.com/tracegraph/tracegraph/bench/rendergen"
)

// The speed target (SVG within 1.5x of native dot on the same DOT) is
// measured by bench/render.sh, which runs both in one go; these benchmarks
// track our side alone. The large one takes tens of seconds per run:
//
//	go test -run '^$' -bench 'SVG/500' -benchtime 1x ./render
func BenchmarkSVG(b *testing.B) {
	for _, size := range []struct {
		name            string
		services, flows int
	}{{"50x150", 50, 150}, {"500x1500", 500, 1500}} {
		g := rendergen.Generate(size.services, size.flows)
		b.Run(size.name, func(b *testing.B) {
			for b.Loop() {
				if err := SVG(context.Background(), io.Discard, g, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
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
