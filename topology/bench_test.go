package topology_test

import (
	"bytes"
	"testing"

	"github.com/tracegraph/tracegraph/bench/rendergen"
	"github.com/tracegraph/tracegraph/topology"
)

// BenchmarkDecode reads back the graph bench/render.sh renders (500
// services, 1,500 flows, about 800 kB): the part of `tracegraph render`
// before any drawing starts.
func BenchmarkDecode(b *testing.B) {
	data, err := topology.Marshal(rendergen.Generate(500, 1500))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := topology.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
