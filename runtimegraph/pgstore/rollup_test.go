package pgstore

import (
	"math"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph"
)

// TestBucketIndex: the rollup's bucket numbering names exactly
// runtimegraph.Quantize's buckets, in order, with no gaps.
func TestBucketIndex(t *testing.T) {
	prev := -1
	for _, d := range []int64{0, 1, 15, 16, 17, 23, 31, 32, 35, 36, 1000, 1023, 1024, 1234, 1<<40 - 1, 1 << 40, math.MaxInt64} {
		i := runtimegraph.BucketIndex(d)
		if got, want := runtimegraph.BucketValue(i), runtimegraph.Quantize(d); got != want {
			t.Errorf("runtimegraph.BucketValue(runtimegraph.BucketIndex(%d)) = %d, want Quantize = %d", d, got, want)
		}
		if i < prev {
			t.Errorf("runtimegraph.BucketIndex(%d) = %d, below the index of a smaller value", d, i)
		}
		prev = i
	}
	for i := range runtimegraph.BucketIndex(math.MaxInt64) + 1 {
		v := runtimegraph.BucketValue(i)
		if runtimegraph.BucketIndex(v) != i || runtimegraph.Quantize(v) != v {
			t.Fatalf("index %d: value %d maps back to %d", i, v, runtimegraph.BucketIndex(v))
		}
	}
}
