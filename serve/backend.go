package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// Backend is the store the server reads: the observed graph of a window
// and tag filter, and the events a filter selects. A trace is the events of
// one trace id, so it needs no method of its own. The Postgres store
// (runtimegraph/pgstore.Store) is one; Files is the other.
type Backend interface {
	// Graph returns the observed graph of the events passing f's window and
	// tags.
	Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error)
	// Select returns the events passing f in canonical order (time, then
	// event id); limit > 0 keeps only the first limit of them.
	Select(ctx context.Context, f runtimegraph.Filter, limit int) ([]telemetry.Event, error)
}

// Files is the Backend over JSON Lines event files. Events are read afresh
// for every request, so a file that grows shows its new events on the next
// reload; only the graphs of the last few windows are kept, for as long as
// no file changes (size or modification time), because switching view or
// focus asks for the same graph again and a large file takes seconds to
// read.
type Files struct {
	paths []string
	opt   runtimegraph.ReadOptions

	events int64 // when opened

	mu     sync.Mutex
	graphs []cachedGraph // most recently used first
}

// graphCacheSize is how many windows' graphs Files keeps.
const graphCacheSize = 8

// cachedGraph is a graph as tracegraph/v1 JSON: each request decodes its
// own copy, which the handlers are then free to change.
type cachedGraph struct {
	filter, files string
	data          []byte
}

// OpenFiles checks that every file reads cleanly and returns the Backend
// over them. A bad line is an error naming the first bad lines by
// file:line, as the other commands report them: a server that quietly
// skipped records would show a graph nobody can trust.
func OpenFiles(ctx context.Context, paths []string, opt runtimegraph.ReadOptions) (*Files, error) {
	if len(paths) == 0 {
		return nil, errors.New("no events files")
	}
	st, err := runtimegraph.ReadFiles(ctx, paths, opt, func(int, *telemetry.Event) error { return nil })
	if err != nil {
		return nil, err
	}
	if st.Rejected > 0 {
		return nil, badLinesError(st)
	}
	return &Files{paths: paths, opt: opt, events: st.Read}, nil
}

// Events is how many events the files held when they were opened.
func (b *Files) Events() int64 { return b.events }

func badLinesError(st runtimegraph.ReadStats) error {
	names := make([]string, len(st.Bad))
	for i, le := range st.Bad {
		names[i] = le.Error()
	}
	msg := strings.Join(names, "; ")
	if more := st.Rejected - int64(len(st.Bad)); more > 0 {
		msg += fmt.Sprintf("; and %d more bad lines", more)
	}
	return fmt.Errorf("%d bad lines in the events files: %s", st.Rejected, msg)
}

// Graph implements Backend.
func (b *Files) Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	key := filterKey(f.GraphOnly())
	stamp, err := b.stamp()
	if err != nil {
		return nil, err
	}
	if data := b.lookup(key, stamp); data != nil {
		return topology.Decode(bytes.NewReader(data))
	}
	g, _, err := runtimegraph.FromFiles(ctx, b.paths, f, b.opt)
	if err != nil {
		return nil, err
	}
	// Only a read that saw the files as stamped may be kept: one that
	// raced a write would be kept under the old stamp or the new.
	if after, err := b.stamp(); err == nil && after == stamp {
		if data, err := topology.Marshal(g); err == nil {
			b.store(cachedGraph{key, stamp, data})
		}
	}
	return g, nil
}

func (b *Files) lookup(key, stamp string) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, c := range b.graphs {
		if c.filter == key && c.files == stamp {
			copy(b.graphs[1:i+1], b.graphs[:i])
			b.graphs[0] = c
			return c.data
		}
	}
	return nil
}

func (b *Files) store(c cachedGraph) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.graphs = slices.DeleteFunc(b.graphs, func(o cachedGraph) bool { return o.filter == c.filter || o.files != c.files })
	b.graphs = slices.Insert(b.graphs, 0, c)
	if len(b.graphs) > graphCacheSize {
		b.graphs = b.graphs[:graphCacheSize]
	}
}

// stamp says which version of the files a graph was read from: each file's
// size and modification time. A file rewritten at the same size within the
// file system's time resolution, or copied over with its old time kept
// (cp -p), looks unchanged until it changes again; events files grow, so
// that is the price of not reading them. A relative window (since=24h)
// moves with the clock, so its graph is read afresh each time.
func (b *Files) stamp() (string, error) {
	var sb strings.Builder
	for _, p := range b.paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("events file: %w", err)
		}
		fmt.Fprintf(&sb, "%d:%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return sb.String(), nil
}

// filterKey names a graph filter: its window and tags, in order.
func filterKey(f runtimegraph.Filter) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d|%d|%t|%t", f.Since.UnixNano(), f.Until.UnixNano(), f.Since.IsZero(), f.Until.IsZero())
	for _, t := range f.Where {
		fmt.Fprintf(&sb, "|%q=%q", t.Key, t.Value)
	}
	return sb.String()
}

// Select implements Backend.
func (b *Files) Select(ctx context.Context, f runtimegraph.Filter, limit int) ([]telemetry.Event, error) {
	evs, _, err := runtimegraph.SelectFromFiles(ctx, b.paths, f, limit, b.opt)
	return evs, err
}
