package collect

import (
	"bytes"
	"context"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/topology"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// collectInto runs one Collector per instance on one database, each
// export going to the instance its trace id routes to (as the collector's
// loadbalancing exporter routes by trace ID), and returns the graph the
// database then gives.
func collectInto(t *testing.T, instances int, batches [][]*tracepb.ResourceSpans) []byte {
	t.Helper()
	ctx := context.Background()
	st, err := pgstore.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cs []*Collector
	for i := range instances {
		c := New(PGStore{Store: st, Instance: string(rune('a' + i)), Logger: log}, Options{Window: time.Hour, Logger: log})
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	for _, b := range batches {
		routed := make([][]*tracepb.ResourceSpans, instances)
		for _, rs := range b {
			h := fnv.New32a()
			h.Write(rs.ScopeSpans[0].Spans[0].TraceId)
			i := int(h.Sum32()) % instances
			routed[i] = append(routed[i], rs)
		}
		for i, r := range routed {
			if len(r) == 0 {
				continue
			}
			if _, err := cs[i].Export(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range cs {
		if err := c.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	g, err := st.Graph(ctx, runtimegraph.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Into PostgreSQL, one instance or two routed by trace ID, the graph is the
// file import's, byte for byte.
func TestPostgresOneAndTwoInstances(t *testing.T) {
	fileEvents, one := exportFile(t, 150)
	want := graphOf(t, fileEvents)
	batches := randomBatches(one, 3)
	if got := collectInto(t, 1, batches); !bytes.Equal(got, want) {
		t.Errorf("one instance: the graph differs from the file import's:\n%s\nwant\n%s", got, want)
	}
	if got := collectInto(t, 2, batches); !bytes.Equal(got, want) {
		t.Errorf("two instances: the graph differs from the file import's:\n%s\nwant\n%s", got, want)
	}
}

// An event PostgreSQL cannot hold is left out of its batch; the rest of
// the batch is stored.
func TestPostgresWriteLeavesOutUnstorable(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	evs, _ := exportFile(t, 1)
	evs[1].Operation = "bad\x00name"
	p := PGStore{Store: st, Instance: "a", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := p.Write(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, evs[1:2]); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var ids []string
	if err := conn.QueryRow(ctx, `SELECT count(*), array_agg(event_id ORDER BY event_id) FROM events`).Scan(&n, &ids); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, e := range evs {
		if i != 1 {
			want = append(want, e.EventID)
		}
	}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("stored %d events %v, want all but the second: %v", n, ids, want)
	}
}
