package runtimegraph

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// TestHistogramMergeEach: Each gives every bucket counted, by its lower
// bound, with the sum of its counts; Merge adds one histogram to another;
// a Clone shares nothing with what it copies.
func TestHistogramMergeEach(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 100 {
		var a, b Histogram
		want := map[int64]int64{}
		for _, h := range []*Histogram{&a, &b} {
			for range rng.IntN(50) {
				d := rng.Int64N(1<<uint(rng.IntN(30))) - int64(rng.IntN(2)*rng.IntN(40))
				n := rng.Int64N(5) + 1
				h.Add(d, n)
				want[Quantize(d)] += n
			}
		}
		aBefore := each(&a)
		merged := a.Clone()
		merged.Merge(&b)
		if got := each(&merged); !maps.Equal(got, want) {
			t.Fatalf("round %d: merged buckets %v, want %v", round, got, want)
		}
		if got := each(&a); !maps.Equal(got, aBefore) {
			t.Fatalf("round %d: merging into a clone changed the original: %v, was %v", round, got, aBefore)
		}
	}
}

func each(h *Histogram) map[int64]int64 {
	m := map[int64]int64{}
	h.Each(func(bucket, n int64) {
		if _, dup := m[bucket]; dup {
			panic("Each gave a bucket twice")
		}
		m[bucket] = n
	})
	return m
}
