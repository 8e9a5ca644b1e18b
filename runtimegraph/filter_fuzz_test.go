package runtimegraph

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
)

// windowSeeds reads testdata/window-seeds.tsv: since, until and where,
// tab-separated, one case a line. A missing file fails the fuzzer.
func windowSeeds(f *testing.F, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatalf("seeds: %v", err)
	}
	n := 0
	for line := range bytes.Lines(data) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		parts := strings.SplitN(string(line), "\t", 3)
		if len(parts) != 3 {
			f.Fatalf("%s: %q is not since<TAB>until<TAB>where", path, line)
		}
		f.Add(parts[0], parts[1], parts[2])
		n++
	}
	if n == 0 {
		f.Fatalf("%s: no seeds", path)
	}
}

// FuzzWindow reads --since, --until and --where as the CLI and serve do.
// A bound is either an absolute time, the same whatever the clock says, or
// an age, which moves with the clock and is never after it: a value that
// could be both or that overflowed would break that. Errors quote the
// input. A filter that validates selects exactly the events that fall in
// the window and carry the tag.
func FuzzWindow(f *testing.F) {
	windowSeeds(f, "testdata/window-seeds.tsv")
	now1 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	now2 := now1.Add(36*time.Hour + 7*time.Microsecond)
	events := windowEvents(now1)
	f.Fuzz(func(t *testing.T, since, until, where string) {
		var f Filter
		for _, b := range []struct {
			s string
			t *time.Time
		}{{since, &f.Since}, {until, &f.Until}} {
			t1, err := ParseTime(b.s, now1)
			if err != nil {
				if !strings.Contains(err.Error(), fmt.Sprintf("%q", b.s)) {
					t.Fatalf("ParseTime(%q): error %q does not quote the input", b.s, err)
				}
				return
			}
			t2, err := ParseTime(b.s, now2)
			if err != nil {
				t.Fatalf("ParseTime(%q) depends on the clock: %v", b.s, err)
			}
			switch {
			case b.s == "":
				if !t1.IsZero() || !t2.IsZero() {
					t.Fatalf("ParseTime(\"\") = %v", t1)
				}
			case t1.Location() != time.UTC || t2.Location() != time.UTC:
				t.Fatalf("ParseTime(%q) = %v, not UTC", b.s, t1)
			case t1.Equal(t2):
				// An absolute time.
			case t2.Sub(t1) != now2.Sub(now1) || t1.After(now1):
				t.Fatalf("ParseTime(%q) = %v at %v and %v at %v: neither absolute nor an age", b.s, t1, now1, t2, now2)
			}
			*b.t = t1
		}
		tag, err := ParseTag(where)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", where)) {
				t.Fatalf("ParseTag(%q): error %q does not quote the input", where, err)
			}
			return
		}
		if tag.Key == "" || strings.Contains(tag.Key, "=") || tag.Key+"="+tag.Value != where {
			t.Fatalf("ParseTag(%q) = %+v", where, tag)
		}
		f.Where = []Tag{tag}
		if err := f.Validate(); err != nil {
			return
		}
		for i := range events {
			e := &events[i]
			want := (f.Since.IsZero() || !e.Timestamp.Before(f.Since)) && (f.Until.IsZero() || e.Timestamp.Before(f.Until))
			if v, ok := e.Tags[tag.Key]; !ok || v != tag.Value {
				want = false
			}
			if got := f.Match(e); got != want {
				t.Fatalf("Match(event at %v, tags %v) = %v with since %v, until %v, where %v", e.Timestamp, e.Tags, got, f.Since, f.Until, tag)
			}
		}
	})
}

// windowEvents are events around now, near the window's edges, with the
// seeds' tags.
func windowEvents(now time.Time) []telemetry.Event {
	var evs []telemetry.Event
	for i, at := range []time.Time{now, now.Add(-time.Microsecond), now.Add(-24 * time.Hour), now.Add(-7 * 24 * time.Hour),
		time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC), now.Add(time.Hour)} {
		for j, tags := range []map[string]string{nil, {"merchant_id": "4c5d6e7"}, {"k": "a=b"}, {"region": ""}, {"k": "v", "tag": "va lue"}} {
			evs = append(evs, telemetry.Event{EventID: fmt.Sprintf("e%d-%d", i, j), EventType: telemetry.TypeConsume, Timestamp: at,
				Service: "s", Tags: tags})
		}
	}
	return evs
}
