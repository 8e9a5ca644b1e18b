package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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

// Files is the Backend over JSON Lines event files (or span exports). The
// files are read once into an in-memory index (see index for its memory
// budget) that answers every request until a file changes: each request
// checks the files' size, modification time and inode, and the first to see
// a change starts a new read in the background. Requests go on being
// answered from the old index until the new one is whole, so a reload never
// shows half a file; a read that fails (a bad line, a file gone) keeps the
// old index and is logged, and is tried again when the files change again.
// The graphs of the last few windows are kept too, for as long as the index
// they were built from, because switching view or focus asks for the same
// graph again.
type Files struct {
	paths []string
	opt   FilesOptions
	// ctx bounds the background reloads: Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	cur atomic.Pointer[loaded]

	reloadMu  sync.Mutex
	reloading bool
	failed    string // the stamp the last failed reload saw
	nextAt    time.Time
	done      chan struct{} // closed when the running reload ends

	mu     sync.Mutex
	graphs []cachedGraph // most recently used first
}

// FilesOptions configure Files.
type FilesOptions struct {
	// Read is how the files are read (formats, workers).
	Read runtimegraph.ReadOptions
	// Logger receives each reload's outcome; nil discards it.
	Logger *slog.Logger
}

// loaded is an index and the stamp of the files it was read from.
type loaded struct {
	x     *index
	stamp string
}

// graphCacheSize is how many windows' graphs Files keeps.
const graphCacheSize = 8

// cachedGraph is a graph as tracegraph/v1 JSON: each request decodes its
// own copy, which the handlers are then free to change.
type cachedGraph struct {
	filter string
	x      *index
	data   []byte
}

// OpenFiles reads every file into the index and returns the Backend over
// them. A bad line is an error naming the first bad lines by file:line, as
// the other commands report them: a server that quietly skipped records
// would show a graph nobody can trust. ctx bounds the background reloads
// too; Close ends them.
func OpenFiles(ctx context.Context, paths []string, opt FilesOptions) (*Files, error) {
	if len(paths) == 0 {
		return nil, errors.New("no events files")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	stamp, err := stampOf(paths)
	if err != nil {
		return nil, err
	}
	x, err := readIndex(ctx, paths, opt.Read)
	if err != nil {
		return nil, err
	}
	freeBuildMemory()
	b := &Files{paths: paths, opt: opt}
	b.ctx, b.cancel = context.WithCancel(context.WithoutCancel(ctx))
	context.AfterFunc(ctx, b.cancel)
	b.cur.Store(&loaded{x: x, stamp: stamp})
	return b, nil
}

// freeBuildMemory gives the memory a read used on its way back to the
// system: the columns' growth and reordering leave garbage about the size
// of the index itself, which the runtime would otherwise return only over
// minutes, and a server's resident size is what its user watches.
func freeBuildMemory() { debug.FreeOSMemory() }

// Close stops a reload under way. The index stays readable.
func (b *Files) Close() { b.cancel() }

// Events is how many events the index holds.
func (b *Files) Events() int64 { return int64(b.cur.Load().x.n) }

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

// index is the index to answer from: the current one, after starting a
// reload when the files changed since it was read.
func (b *Files) index() *index {
	cur := b.cur.Load()
	stamp, err := stampOf(b.paths)
	if err != nil {
		// A file gone or unreadable: keep answering from what was read,
		// and say so once per state.
		stamp = "error: " + err.Error()
	}
	if stamp != cur.stamp {
		b.startReload(stamp, err, false)
	}
	return cur.x
}

// startReload reads the files again in the background unless a read is
// under way, the last read failed on these very files, or the last read
// ended too recently: reloads start at most as often as one takes, so that a
// file that grows all the time costs at most half the server's time.
func (b *Files) startReload(stamp string, statErr error, now bool) {
	b.reloadMu.Lock()
	defer b.reloadMu.Unlock()
	if b.reloading || stamp == b.failed || (!now && time.Now().Before(b.nextAt)) {
		return
	}
	if statErr != nil {
		b.failed = stamp
		b.opt.Logger.Error("events files changed but cannot be read; serving the events read before", "err", statErr)
		return
	}
	b.reloading = true
	b.done = make(chan struct{})
	go b.reload(b.done)
}

func (b *Files) reload(done chan struct{}) {
	defer close(done)
	t0 := time.Now()
	stamp, err := stampOf(b.paths)
	var x *index
	if err == nil {
		x, err = readIndex(b.ctx, b.paths, b.opt.Read)
	}
	// A file written while it was read: the stamp now is not the one the
	// read began with, so the next request reads again.
	b.reloadMu.Lock()
	defer b.reloadMu.Unlock()
	b.reloading = false
	took := time.Since(t0)
	b.nextAt = time.Now().Add(took)
	if err != nil {
		b.failed = stamp
		if b.ctx.Err() == nil {
			b.opt.Logger.Error("events files changed but cannot be read; serving the events read before", "err", err)
		}
		return
	}
	b.failed = ""
	b.cur.Store(&loaded{x: x, stamp: stamp})
	// The graphs of the old index would keep it in memory.
	b.mu.Lock()
	b.graphs = nil
	b.mu.Unlock()
	freeBuildMemory()
	b.opt.Logger.Info("events files read again", "events", x.n, "took", took.Round(time.Millisecond))
}

// Reload reads the files again now if they changed since the index was
// read, and waits for it (or for a reload already under way) to end.
func (b *Files) Reload(ctx context.Context) {
	stamp, err := stampOf(b.paths)
	if err != nil {
		stamp = "error: " + err.Error()
	}
	if stamp != b.cur.Load().stamp {
		b.startReload(stamp, err, true)
	}
	b.reloadMu.Lock()
	done := b.done
	b.reloadMu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Graph implements Backend.
func (b *Files) Graph(ctx context.Context, f runtimegraph.Filter) (*topology.Graph, error) {
	key := filterKey(f.GraphOnly())
	x := b.index()
	if data := b.lookup(key, x); data != nil {
		return topology.Decode(bytes.NewReader(data))
	}
	g, err := x.graph(ctx, f)
	if err != nil {
		return nil, err
	}
	if data, err := topology.Marshal(g); err == nil {
		b.store(cachedGraph{key, x, data})
	}
	return g, nil
}

func (b *Files) lookup(key string, x *index) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, c := range b.graphs {
		if c.filter == key && c.x == x {
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
	b.graphs = slices.DeleteFunc(b.graphs, func(o cachedGraph) bool { return o.filter == c.filter || o.x != c.x })
	b.graphs = slices.Insert(b.graphs, 0, c)
	if len(b.graphs) > graphCacheSize {
		b.graphs = b.graphs[:graphCacheSize]
	}
}

// stampOf says which version of the files an index was read from: each
// file's size, modification time and inode. A file rewritten at the same
// size within the file system's time resolution, or copied over with its
// old time kept (cp -p) in place, looks unchanged until it changes again;
// events files grow, so that is the price of not reading them. A file
// replaced by a rename has a new inode.
func stampOf(paths []string) (string, error) {
	var sb strings.Builder
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("events file: %w", err)
		}
		var ino uint64
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		fmt.Fprintf(&sb, "%d:%d:%d;", fi.Size(), fi.ModTime().UnixNano(), ino)
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
	return b.index().selectEvents(ctx, f, limit)
}
