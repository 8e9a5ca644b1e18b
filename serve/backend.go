package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// Files is the Backend over JSON Lines event files, read afresh on every
// request: the server holds no copy, so a file that grows shows its new
// events on the next reload.
type Files struct {
	paths []string
	opt   runtimegraph.ReadOptions
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
	return &Files{paths: paths, opt: opt}, nil
}

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
	g, _, err := runtimegraph.FromFiles(ctx, b.paths, f, b.opt)
	return g, err
}

// Select implements Backend.
func (b *Files) Select(ctx context.Context, f runtimegraph.Filter, limit int) ([]telemetry.Event, error) {
	evs, _, err := runtimegraph.SelectFromFiles(ctx, b.paths, f, limit, b.opt)
	return evs, err
}
