package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/examples/shop/sim"
	"github.com/tracegraph/tracegraph/internal/pgtest"
	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/pgstore"
	"github.com/tracegraph/tracegraph/telemetry"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// --db stores exactly the events --out writes: the same scenario through the
// store's Recorder loses nothing and adds nothing.
func TestDBMatchesFile(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	start, _ := time.Parse(time.RFC3339, sim.DefaultStart)
	cfg := sim.Config{Seed: 7, Updates: 40, Start: start}

	file := filepath.Join(t.TempDir(), "events.jsonl")
	if err := run(ctx, cfg, file, ""); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, cfg, "", url); err != nil {
		t.Fatal(err)
	}

	want := readAll(t, file)
	st, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Select(ctx, runtimegraph.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("store has %d events, file %d", len(got), len(want))
	}
	if a, b := encodeSorted(t, got), encodeSorted(t, want); !bytes.Equal(a, b) {
		t.Fatal("events in the store differ from the file's")
	}
}

func readAll(t *testing.T, path string) []telemetry.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []telemetry.Event
	r := telemetry.NewReader(f, path)
	for {
		e, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return evs
			}
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
}

// encodeSorted writes events in (timestamp, event_id) order, the order
// neither source promises by itself.
func encodeSorted(t *testing.T, evs []telemetry.Event) []byte {
	t.Helper()
	byKey := map[string]telemetry.Event{}
	keys := make([]string, 0, len(evs))
	for _, e := range evs {
		k := e.Timestamp.Format(time.RFC3339Nano) + " " + e.EventID
		byKey[k] = e
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var buf bytes.Buffer
	w := telemetry.NewWriter(&buf)
	for _, k := range keys {
		if err := w.Write(byKey[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
