package runtimegraph

import (
	"maps"
	"slices"
)

// Histogram counts durations by bucket (see Quantize): a flow's
// percentiles come from it without keeping, or sorting, a value per event,
// and a count can be taken out again (see FromFiles). The file backend
// counts each flow in one; pgstore counts each rollup cell in one and
// stores it. The zero value is empty.
type Histogram struct {
	// Counts holds the counts by BucketIndex.
	Counts []int64
	// Negative holds negative durations, which have no index, by value.
	Negative map[int64]int64
}

// Add counts n more (or, negative, fewer) durations d, in d's bucket.
func (h *Histogram) Add(d, n int64) {
	if d < 0 {
		if h.Negative == nil {
			h.Negative = map[int64]int64{}
		}
		h.Negative[d] += n
		return
	}
	h.addIndex(BucketIndex(d), n)
}

func (h *Histogram) addIndex(i int, n int64) {
	if i >= len(h.Counts) {
		h.Counts = append(h.Counts, make([]int64, i+1-len(h.Counts))...)
	}
	h.Counts[i] += n
}

// Merge adds o's counts to h's.
func (h *Histogram) Merge(o *Histogram) {
	if len(o.Counts) > len(h.Counts) {
		h.Counts = append(h.Counts, make([]int64, len(o.Counts)-len(h.Counts))...)
	}
	for i, n := range o.Counts {
		h.Counts[i] += n
	}
	for d, n := range o.Negative {
		h.Add(d, n)
	}
}

// Clone is a copy of h that shares nothing with it.
func (h *Histogram) Clone() Histogram {
	return Histogram{Counts: slices.Clone(h.Counts), Negative: maps.Clone(h.Negative)}
}

// Each calls fn with every bucket (its lower bound, or a negative value)
// whose count is not zero: the buckets from 0 up in order, then the
// negative values in no set order.
func (h *Histogram) Each(fn func(bucket, n int64)) {
	for i, n := range h.Counts {
		if n != 0 {
			fn(BucketValue(i), n)
		}
	}
	for d, n := range h.Negative {
		if n != 0 {
			fn(d, n)
		}
	}
}

// percentile is the nearest-rank percentile p of the total durations
// counted, as Percentile of them sorted.
func (h *Histogram) percentile(total int64, p float64) int64 {
	if total == 0 {
		return 0
	}
	r := Rank(total, p)
	if len(h.Negative) > 0 {
		negs := slices.Sorted(maps.Keys(h.Negative))
		for _, d := range negs {
			if r -= h.Negative[d]; r <= 0 {
				return d
			}
		}
	}
	for i, n := range h.Counts {
		if r -= n; r <= 0 {
			return BucketValue(i)
		}
	}
	return 0 // not reached while total is the sum of the counts
}
