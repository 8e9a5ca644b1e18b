package runtimegraph

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// FromFiles builds the observed graph of the events in files that pass the
// window and tag filters of f, decoding on every CPU.
func FromFiles(ctx context.Context, paths []string, f Filter, opt ReadOptions) (*topology.Graph, ReadStats, error) {
	gf := f.GraphOnly()
	builders := make([]*Builder, cmp.Or(opt.Workers, runtime.GOMAXPROCS(0)))
	for i := range builders {
		builders[i] = NewBuilder()
	}
	opt.Workers = len(builders)
	opt.skip = graphSkip
	if len(gf.Where) == 0 {
		opt.skip |= fTags
	}
	st, err := ReadFiles(ctx, paths, opt, func(w int, e *telemetry.Event) error {
		if gf.Match(e) {
			builders[w].Add(e)
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	for _, b := range builders[1:] {
		builders[0].Merge(b)
	}
	return builders[0].Graph(), st, nil
}

// SelectFromFiles returns the events in files that pass f, in canonical
// order (see SortEvents); limit > 0 keeps only the first limit of them.
func SelectFromFiles(ctx context.Context, paths []string, f Filter, limit int, opt ReadOptions) ([]telemetry.Event, ReadStats, error) {
	var mu sync.Mutex
	var out []telemetry.Event
	st, err := ReadFiles(ctx, paths, opt, func(_ int, e *telemetry.Event) error {
		if f.Match(e) {
			mu.Lock()
			out = append(out, *e)
			// With a limit, keep memory bounded: only the first limit
			// events in canonical order can be returned.
			if limit > 0 && len(out) >= 2*limit+1024 {
				SortEvents(out)
				clear(out[limit:])
				out = out[:limit]
			}
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	SortEvents(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, st, nil
}

// SortEvents puts events in the order every backend returns them: by time,
// then event id (byte order, as the store's C collation).
func SortEvents(evs []telemetry.Event) {
	slices.SortFunc(evs, func(a, b telemetry.Event) int {
		return cmp.Or(a.Timestamp.Compare(b.Timestamp), strings.Compare(a.EventID, b.EventID))
	})
}
