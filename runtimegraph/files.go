package runtimegraph

import (
	"cmp"
	"context"
	"hash/maphash"
	"math"
	"os"
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
	// A log entry names its worker in 16 bits.
	opt.Workers = min(cmp.Or(opt.Workers, runtime.GOMAXPROCS(0)), math.MaxUint16)
	opt.skip = graphSkip
	if len(gf.Where) == 0 {
		opt.skip |= fTags
	}
	if opt.KeepDuplicates || !rereadable(paths) {
		// A pipe cannot be read a second time, which the copy log may
		// need (see dedupe.go): there ReadFiles' set of keys decides.
		return fromReadFiles(ctx, paths, gf, opt)
	}
	builders := make([]*Builder, opt.Workers)
	logs := make([]*copyLog, opt.Workers)
	for i := range builders {
		builders[i], logs[i] = NewBuilder(), &copyLog{}
	}
	// See dedupe.go for how copies of an event are counted once.
	seed := maphash.MakeSeed()
	st, err := readEvents(ctx, paths, opt, true, nil, func(w int, e *telemetry.Event, at Pos, k eventKey) error {
		en := logEntry{key: k, at: uint64(at.File)<<40 | uint64(at.Line), worker: uint16(w)}
		if gf.Match(e) {
			en.ref = builders[w].Add(e)
			if en.ref != 0 {
				en.sum = extrasSum(seed, e, builders[w].accs[en.ref-1].send)
			} else {
				en.sum = contentSum(seed, e)
			}
			en.bits = bitMatched | virtualBits(e)
			if d := Quantize(e.DurationUS); d >= 0 {
				en.bits |= uint16(BucketIndex(d))
			} else {
				en.bits |= noBucket
			}
			if e.Status == telemetry.StatusError {
				en.bits |= bitErr
			}
		}
		logs[w].note(en)
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	// Two copies counted alike when they were counted in the same group
	// (by its key: each worker has its own) with the same flags and
	// extras, or both in none with the same content.
	same := func(a, b *logEntry) bool {
		if a.bits&(bitMatched|bitsVirtual) != b.bits&(bitMatched|bitsVirtual) || a.sum != b.sum || (a.ref == 0) != (b.ref == 0) {
			return false
		}
		return a.ref == 0 || builders[a.worker].accs[a.ref-1].key == builders[b.worker].accs[b.ref-1].key
	}
	dups, differ := duplicates(logs, opt.Workers, same)
	if differ || slices.ContainsFunc(dups, func(en logEntry) bool { return en.ref != 0 && en.bits&bucketMask == noBucket }) {
		// Two copies of an event counted differently, or one with a
		// negative duration, which has no bucket: read in file order and
		// keep each event's first copy as it comes.
		opt.Workers = 1
		return fromReadFiles(ctx, paths, gf, opt)
	}
	for _, en := range dups {
		if en.ref != 0 {
			builders[en.worker].Uncount(en.ref, int(en.bits&bucketMask), en.bits&bitErr != 0)
		}
	}
	st.Duplicates = int64(len(dups))
	st.Read -= st.Duplicates
	return merged(builders), st, nil
}

// merged is the graph of all the builders' events.
func merged(builders []*Builder) *topology.Graph {
	for _, b := range builders[1:] {
		builders[0].Merge(b)
	}
	return builders[0].Graph()
}

// fromReadFiles is FromFiles through ReadFilesAt, whose set of the keys
// seen is asked about each event as it is read (unless KeepDuplicates).
// With one worker, the first copy in file order is the one counted.
func fromReadFiles(ctx context.Context, paths []string, gf Filter, opt ReadOptions) (*topology.Graph, ReadStats, error) {
	builders := make([]*Builder, opt.Workers)
	for i := range builders {
		builders[i] = NewBuilder()
	}
	st, err := ReadFilesAt(ctx, paths, opt, func(w int, e *telemetry.Event, _ Pos) error {
		if gf.Match(e) {
			builders[w].Add(e)
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	return merged(builders), st, nil
}

// rereadable reports whether every path is a regular file, which a second
// read finds as the first did; a pipe is empty the second time.
func rereadable(paths []string) bool {
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
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
