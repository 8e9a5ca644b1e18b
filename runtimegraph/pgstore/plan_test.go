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

// TestMixedWindows: a window is answered from the daily rollup for its
// whole, covered days, from the hourly rollup for the whole hours at its
// ends, from the minute rollup for the whole slots of minutes at its ends
// outside those, and from the events for the rest (partial slots, days not
// covered), and gives the file backend's bytes. One day holds events
// stored after the flush, so the rollup does not cover it and it is read
// from the events.
func TestMixedWindows(t *testing.T) {
	d0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	at := func(days, hours int, minutes ...int) time.Time {
		t := d0.Add(time.Duration(days)*dayLength + time.Duration(hours)*time.Hour)
		if len(minutes) > 0 {
			t = t.Add(time.Duration(minutes[0]) * time.Minute)
		}
		if len(minutes) > 1 {
			t = t.Add(time.Duration(minutes[1]) * time.Second)
		}
		return t
	}
	flushed := spread(2400, at(0, 6), 2*time.Minute+17*time.Second, "a-") // the 20th 06:00 to the 24th 01:20
	late := spread(300, at(2, 3), 3*time.Minute, "b-")                    // the 22nd, after the flush
	for i := range late {
		if i%4 == 0 {
			late[i].Channel += "-late" // groups the rollup does not name: read by their strings
		}
	}
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
		name string
		f    runtimegraph.Filter
		// whole days from the daily rollup, ranges from the hourly one and
		// from the minute one, ranges read from the events; -1: the events
		// answer all of it
		days, hours, minutes, raw int
	}{
		{"since on the hour", runtimegraph.Filter{Since: at(0, 9)}, 3, 1, 0, 1},
		{"since mid-hour", runtimegraph.Filter{Since: at(0, 9, 25)}, 3, 1, 1, 1},
		{"since mid-minute", runtimegraph.Filter{Since: at(0, 9, 25, 10)}, 3, 1, 1, 2},
		{"until on the hour", runtimegraph.Filter{Until: at(3, 15)}, 2, 1, 0, 1},
		{"until mid-hour", runtimegraph.Filter{Until: at(3, 15, 40)}, 2, 1, 1, 1},
		{"both ends mid-hour", runtimegraph.Filter{Since: at(0, 20, 10), Until: at(3, 2, 5)}, 1, 2, 2, 1},
		{"both ends mid-minute", runtimegraph.Filter{Since: at(0, 20, 10, 59), Until: at(3, 2, 5, 1)}, 1, 2, 2, 3},
		{"whole days, one stale", runtimegraph.Filter{Since: at(1, 0), Until: at(3, 0)}, 1, 0, 0, 1},
		{"whole covered day", runtimegraph.Filter{Since: at(1, 0), Until: at(2, 0)}, 1, 0, 0, 0},
		{"stale day and hours of its neighbour", runtimegraph.Filter{Since: at(2, 0), Until: at(3, 12)}, 0, 1, 0, 1},
		{"hours within one day", runtimegraph.Filter{Since: at(1, 3), Until: at(1, 20)}, 0, 1, 0, 0},
		{"within one day, mid-hour", runtimegraph.Filter{Since: at(1, 3, 30), Until: at(1, 20, 5)}, 0, 1, 2, 0},
		{"within one day, mid-slot", runtimegraph.Filter{Since: at(1, 3, 30), Until: at(1, 20, 1)}, 0, 1, 1, 1},
		{"within one day, mid-minute", runtimegraph.Filter{Since: at(1, 3, 30, 17), Until: at(1, 20, 1, 43)}, 0, 1, 1, 2},
		{"across a stale midnight", runtimegraph.Filter{Since: at(1, 20), Until: at(2, 3)}, 0, 1, 0, 1},
		{"across a stale midnight, mid-hour", runtimegraph.Filter{Since: at(1, 23, 50), Until: at(2, 0, 10)}, 0, 0, 1, 1},
		{"across a covered midnight, mid-hour", runtimegraph.Filter{Since: at(0, 22, 30), Until: at(1, 1, 15)}, 0, 1, 2, 0},
		{"minutes across a covered midnight", runtimegraph.Filter{Since: at(0, 23, 20), Until: at(1, 0, 40)}, 0, 0, 1, 0},
		{"the last hours of a day and the first of the next", runtimegraph.Filter{Since: at(0, 23), Until: at(1, 1)}, 0, 1, 0, 0},
		{"one hour", runtimegraph.Filter{Since: at(1, 5), Until: at(1, 6)}, 0, 1, 0, 0},
		{"an hour across an hour boundary", runtimegraph.Filter{Since: at(1, 5, 20), Until: at(1, 6, 20)}, 0, 0, 1, 0},
		{"less than an hour", runtimegraph.Filter{Since: at(1, 5, 10), Until: at(1, 5, 50)}, 0, 0, 1, 0},
		{"less than an hour, mid-minute", runtimegraph.Filter{Since: at(1, 5, 10, 30), Until: at(1, 5, 50, 30)}, 0, 0, 1, 2},
		{"minutes of a stale day", runtimegraph.Filter{Since: at(2, 4, 10), Until: at(2, 4, 50)}, 0, 0, 1, 1},
		{"one slot and the minutes around it", runtimegraph.Filter{Since: at(1, 5, 8, 30), Until: at(1, 5, 16, 29)}, 0, 0, 1, 2},
		{"less than a slot across its boundary", runtimegraph.Filter{Since: at(1, 5, 8, 30), Until: at(1, 5, 12, 29)}, -1, -1, -1, -1},
		{"hours of a stale day", runtimegraph.Filter{Since: at(2, 4), Until: at(2, 9)}, 0, 1, 0, 1},
		{"all", runtimegraph.Filter{}, 4, 0, 0, 1},
		{"tags", runtimegraph.Filter{Since: at(0, 9), Where: []runtimegraph.Tag{{Key: "merchant_id", Value: "m2"}}}, -1, -1, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := plan(t, s, tt.f)
			if tt.days < 0 {
				if !pl.eventsOnly {
					t.Errorf("plan %+v, want the events alone", pl)
				}
			} else if got := rolledDays(t, s, pl); pl.eventsOnly || got != tt.days || len(pl.hours) != tt.hours ||
				len(pl.minutes) != tt.minutes || len(pl.raw) != tt.raw {
				t.Errorf("plan: %d days from the daily rollup, %d ranges from the hourly one, %d from the minute one and %d ranges of events (events only %v), want %d, %d, %d and %d",
					got, len(pl.hours), len(pl.minutes), len(pl.raw), pl.eventsOnly, tt.days, tt.hours, tt.minutes, tt.raw)
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
	if !p.wholeDays {
		return 0
	}
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
