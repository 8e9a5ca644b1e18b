package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
)

// spread returns the fixture's events laid over several days from start,
// one every step, with ids of their own (prefix), so that windows such as
// --since 7d cut days in the middle.
func spread(n int, start time.Time, step time.Duration, prefix string) []telemetry.Event {
	evs := fixture.Shop(n)
	for i := range evs {
		evs[i].EventID = prefix + evs[i].EventID
		evs[i].Timestamp = start.Add(time.Duration(i) * step)
	}
	return evs
}

// TestMixedWindows: a window that is not whole days is answered from the
// rollup for its whole, covered days and from the events for the rest,
// and gives the file backend's bytes. One day holds events stored after
// the flush, so the rollup does not cover it and it is read from the
// events too.
func TestMixedWindows(t *testing.T) {
	d0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	at := func(days, hours int) time.Time {
		return d0.Add(time.Duration(days)*dayLength + time.Duration(hours)*time.Hour)
	}
	flushed := spread(2400, at(0, 6), 2*time.Minute+17*time.Second, "a-") // the 20th 06:00 to the 24th 01:20
	late := spread(300, at(2, 3), 3*time.Minute, "b-")                    // the 22nd, after the flush
	ctx := context.Background()
	s := openStore(t, freshSchema(t))
	load(t, s, flushed, 500)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	load(t, s, late, 100)
	p := filepath.Join(t.TempDir(), "events.jsonl")
	fixture.WriteJSONL(t, p, append(append([]telemetry.Event{}, flushed...), late...))

	tests := []struct {
		name        string
		f           runtimegraph.Filter
		rolled, raw int // whole days from the rollup, ranges read from the events
	}{
		{"since mid first day", runtimegraph.Filter{Since: at(0, 9)}, 3, 2},
		{"until mid-day", runtimegraph.Filter{Until: at(3, 15)}, 2, 1}, // the stale 22nd and the 23rd's morning are one range
		{"both ends mid-day", runtimegraph.Filter{Since: at(0, 20), Until: at(3, 2)}, 1, 2},
		{"whole days, one stale", runtimegraph.Filter{Since: at(1, 0), Until: at(3, 0)}, 1, 1},
		{"whole covered day", runtimegraph.Filter{Since: at(1, 0), Until: at(2, 0)}, 1, 0},
		{"stale day and its neighbour", runtimegraph.Filter{Since: at(2, 0), Until: at(3, 12)}, 0, 1},
		{"within one day", runtimegraph.Filter{Since: at(1, 3), Until: at(1, 20)}, -1, -1},
		{"across one midnight", runtimegraph.Filter{Since: at(1, 20), Until: at(2, 3)}, -1, -1},
		{"all", runtimegraph.Filter{}, 4, 1},
		{"tags", runtimegraph.Filter{Since: at(0, 9), Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "m2"}}}, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := plan(t, s, tt.f)
			if tt.rolled < 0 {
				if !pl.eventsOnly {
					t.Errorf("plan %+v, want the events alone", pl)
				}
			} else if got := rolledDays(t, s, pl); pl.eventsOnly || got != tt.rolled || len(pl.raw) != tt.raw {
				t.Errorf("plan: %d days from the rollup and %d ranges of events (events only %v), want %d and %d",
					got, len(pl.raw), pl.eventsOnly, tt.rolled, tt.raw)
			}
			a, b, flows := bothGraphs(t, s, p, tt.f)
			if !bytes.Equal(a, b) {
				t.Errorf("graphs differ\nfile:\n%s\ndb:\n%s", a, b)
			}
			if flows == 0 {
				t.Error("no flows: the comparison proves nothing")
			}
		})
	}
}

// rolledDays counts the days with events that plan p reads from the rollup.
func rolledDays(t *testing.T, s *Store, p graphPlan) int {
	t.Helper()
	cond, args := dayRange(p.days, 0)
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM rollup_days WHERE %s AND stored = rolled", cond)
	if err := s.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A window bound between two microseconds (ParseTime("7d") keeps
// nanoseconds) selects the same events from the database as from a file.
func TestSubMicrosecondBounds(t *testing.T) {
	evs := fixture.Shop(600)
	s := openStore(t, freshSchema(t))
	load(t, s, evs, 200)
	p := filepath.Join(t.TempDir(), "events.jsonl")
	fixture.WriteJSONL(t, p, evs)
	ctx := context.Background()
	since := evs[100].Timestamp.Add(500 * time.Nanosecond)
	until := evs[400].Timestamp.Add(300 * time.Nanosecond)
	for _, f := range []runtimegraph.Filter{{Since: since}, {Until: until}, {Since: since, Until: until}} {
		fromFile, _, err := runtimegraph.SelectFromFiles(ctx, []string{p}, f, 0, runtimegraph.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fromDB, err := s.Select(ctx, f, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(fromFile) != len(fromDB) || len(fromFile) == 0 {
			t.Errorf("window %v to %v: %d events from the file, %d from the database", f.Since, f.Until, len(fromFile), len(fromDB))
		}
		if a, b, _ := bothGraphs(t, s, p, f); !bytes.Equal(a, b) {
			t.Errorf("window %v to %v: graphs differ", f.Since, f.Until)
		}
	}
}
