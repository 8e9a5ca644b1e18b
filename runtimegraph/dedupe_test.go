package runtimegraph

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/telemetry"
	"github.com/tracegraph/tracegraph/topology"
)

// TestEventsCountOnce: an event (timestamp and event_id) is counted once
// within a file and across files, as the database stores it once; the
// same id at another time is another event.
func TestEventsCountOnce(t *testing.T) {
	dir := t.TempDir()
	line := func(id, ts string) string {
		return `{"event_id":"` + id + `","trace_id":"t1","event_type":"consume","timestamp":"` + ts +
			`","service":"inventory","channel":"sku.updated","peer_service":"catalog","duration_us":5,"status":"ok"}` + "\n"
	}
	a := line("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "2026-11-24T10:00:00Z")
	b := line("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "2026-11-24T10:00:01Z")
	other := line("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "2026-11-24T10:00:02Z") // same id, another time
	notUUID := line("evt-17", "2026-11-24T10:00:03Z")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := write("one.jsonl", a+b+a+notUUID+notUUID) // a and notUUID twice in one file
	two := write("two.jsonl", b+other)               // b again, in another file
	count := func(opt ReadOptions, files ...string) (int64, int64) {
		g, st, err := FromFiles(context.Background(), files, Filter{}, opt)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, f := range g.Flows {
			if f.Stats != nil {
				n += f.Stats.Count
			}
		}
		return n, st.Duplicates
	}
	if n, dups := count(ReadOptions{}, one, two); n != 4 || dups != 3 {
		t.Errorf("counted %d events with %d duplicates, want 4 and 3", n, dups)
	}
	if n, _ := count(ReadOptions{KeepDuplicates: true}, one, two); n != 7 {
		t.Errorf("keeping duplicates: counted %d, want 7", n)
	}
	// Reading a file twice gives the graph reading it once gives.
	g1, _, err := FromFiles(context.Background(), []string{one}, Filter{}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g2, _, err := FromFiles(context.Background(), []string{one, one}, Filter{}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := topology.Marshal(g1)
	j2, _ := topology.Marshal(g2)
	if string(j1) != string(j2) {
		t.Errorf("a file read twice:\n%s\nwant:\n%s", j2, j1)
	}
	evs, _, err := SelectFromFiles(context.Background(), []string{one, two}, Filter{}, 0, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 || !strings.HasPrefix(evs[0].EventID, "0193") {
		t.Errorf("selected %d events, want 4", len(evs))
	}
}

func TestIDKey(t *testing.T) {
	u := idKey([]byte("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
	if u[0] != 0x01 || u[15] != 0x5b {
		t.Errorf("a UUID's key is its bytes: %x", u)
	}
	if idKey([]byte("0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B")) != u {
		t.Error("a UUID's key does not depend on the case of its digits")
	}
	// Not hex, or dashes misplaced: hashed, like any id that is no UUID.
	for _, id := range []string{"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a:b", "0193a1b2c-3d4-7e5f-8a9b-0c1d2e3f4a5b"} {
		h := fnv.New128a()
		h.Write([]byte(id))
		if k := idKey([]byte(id)); !bytes.Equal(k[:], h.Sum(nil)) {
			t.Errorf("idKey(%q) = %x, want its FNV hash", id, k)
		}
	}
	if idKey([]byte("evt-17")) == idKey([]byte("evt-18")) {
		t.Error("two ids that are no UUIDs share a key")
	}
}

// TestCopiesAcrossWorkers: copies of events spread over files and
// workers are counted once, and the graph is the one of the file without
// them, byte for byte.
func TestCopiesAcrossWorkers(t *testing.T) {
	dir := t.TempDir()
	evs := fixture.Shop(20_000)
	clean := filepath.Join(dir, "clean.jsonl")
	fixture.WriteJSONL(t, clean, evs)
	// Every third event again, shuffled, in a second file, and the last
	// thousand a third time in a third.
	rng := rand.New(rand.NewPCG(1, 2))
	var again []telemetry.Event
	for i := 0; i < len(evs); i += 3 {
		again = append(again, evs[i])
	}
	rng.Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
	copies := filepath.Join(dir, "copies.jsonl")
	fixture.WriteJSONL(t, copies, again)
	tail := filepath.Join(dir, "tail.jsonl")
	fixture.WriteJSONL(t, tail, evs[len(evs)-1000:])

	want := graphJSON(t, ReadOptions{KeepDuplicates: true}, clean)
	for _, workers := range []int{1, 2, 7} {
		for _, files := range [][]string{{clean, copies, tail}, {copies, tail, clean}} {
			g, st, err := FromFiles(context.Background(), files, Filter{}, ReadOptions{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := topology.Marshal(g)
			if string(got) != want {
				t.Errorf("%d workers, %v: the graph differs from the file without copies", workers, files)
			}
			if wantDups := int64(len(again) + 1000); st.Duplicates != wantDups || st.Read != int64(len(evs)) {
				t.Errorf("%d workers: read %d with %d duplicates, want %d and %d", workers, st.Read, st.Duplicates,
					len(evs), wantDups)
			}
		}
	}
}

// TestCopiesThatDiffer: when two events share a key but not their content
// (an id reused), the first in file order is kept, as the database keeps
// the first it stores; so too for a copy with a negative duration, which
// the histogram cannot take back.
func TestCopiesThatDiffer(t *testing.T) {
	dir := t.TempDir()
	typed := func(typ, service, status string, dur int, tag, extra string) string {
		return `{"event_id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","event_type":"` + typ + `","timestamp":"2026-11-24T10:00:00Z",` +
			`"service":"` + service + `","channel":"sku.updated","peer_service":"catalog","duration_us":` + strconv.Itoa(dur) +
			`,"status":"` + status + `","tags":{"merchant":"` + tag + `"}` + extra + `}` + "\n"
	}
	line := func(service, status string, dur int, tag string) string {
		return typed("consume", service, status, dur, tag, "")
	}
	other := `{"event_id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c","event_type":"consume","timestamp":"2026-11-24T10:00:01Z",` +
		`"service":"inventory","channel":"sku.updated","peer_service":"catalog","duration_us":40,"status":"ok","tags":{"merchant":"m1"}}` + "\n"
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		name          string
		first, second string
		where         []Tag
	}{
		{"another service", line("inventory", "ok", 5, "m1"), line("billing", "error", 900, "m1"), nil},
		{"another status", line("inventory", "ok", 5, "m1"), line("inventory", "error", 5, "m1"), nil},
		{"a negative duration", line("inventory", "ok", -3, "m1"), line("inventory", "ok", -3, "m1"), nil},
		{"only one passes the filter", line("inventory", "ok", 5, "m2"), line("inventory", "ok", 5, "m1"), []Tag{{"merchant", "m1"}}},
		{"a virtual peer", strings.Replace(line("inventory", "ok", 5, "m1"), `"catalog"`, `"ghost"`, 1),
			strings.Replace(typed("consume", "inventory", "ok", 5, "m1", `,"peer_virtual":true`), `"catalog"`, `"ghost"`, 1), nil},
		{"another reply type", typed("request", "inventory", "ok", 5, "m1", `,"message_type":"Q","reply_type":"A"`),
			typed("request", "inventory", "ok", 5, "m1", `,"message_type":"Q","reply_type":"B"`), nil},
		{"a send to another peer", typed("publish", "inventory", "ok", 5, "m1", ""),
			strings.Replace(typed("publish", "inventory", "ok", 5, "m1", ""), `"catalog"`, `"search"`, 1), nil},
		{"a start event of another service", typed("start", "inventory", "ok", 5, "m1", ""), typed("start", "billing", "ok", 5, "m1", ""), nil},
	} {
		for _, swap := range []bool{false, true} {
			a, b := tt.first, tt.second
			if swap {
				a, b = b, a
			}
			both := write("both.jsonl", other+a)
			later := write("later.jsonl", b+other)
			f := Filter{Where: tt.where}
			g, st, err := FromFiles(context.Background(), []string{both, later}, f, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := topology.Marshal(g)
			wantG, _, err := FromFiles(context.Background(), []string{write("want.jsonl", other+a)}, f, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := topology.Marshal(wantG)
			if string(got) != string(want) {
				t.Errorf("%s (swapped %v): got\n%s\nwant the first copy's graph:\n%s", tt.name, swap, got, want)
			}
			if st.Duplicates != 2 {
				t.Errorf("%s: %d duplicates, want 2", tt.name, st.Duplicates)
			}
		}
	}
}

func graphJSON(t *testing.T, opt ReadOptions, files ...string) string {
	t.Helper()
	g, _, err := FromFiles(context.Background(), files, Filter{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	j, err := topology.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// TestReadFilesKeepsTheFirstCopy: of two differing copies of an event
// blocks apart, ReadFiles passes on the first in file order, however its
// workers are scheduled; and an fn that fails stops a read whose chunks
// wait for their turns.
func TestReadFilesKeepsTheFirstCopy(t *testing.T) {
	dir := t.TempDir()
	evs := fixture.Shop(6000) // some 1.5 MB: several blocks
	x := evs[100]
	x.Service = "first"
	y := x
	y.Service = "second"
	all := append([]telemetry.Event{x}, evs...)
	all = append(all, y)
	p := filepath.Join(dir, "events.jsonl")
	fixture.WriteJSONL(t, p, all)
	for run := range 20 {
		var mu sync.Mutex
		var got []string
		st, err := ReadFiles(context.Background(), []string{p}, ReadOptions{Workers: 4}, func(_ int, e *telemetry.Event) error {
			if e.EventID == x.EventID && e.Timestamp.Equal(x.Timestamp) {
				mu.Lock()
				got = append(got, e.Service)
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"first"}) || st.Duplicates != 2 {
			t.Fatalf("run %d: copies passed on %v with %d duplicates, want [first] and 2", run, got, st.Duplicates)
		}
	}
	stop := errors.New("stop")
	var calls atomic.Int64
	_, err := ReadFiles(context.Background(), []string{p, p, p}, ReadOptions{Workers: 3}, func(int, *telemetry.Event) error {
		if calls.Add(1) == 50 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("a failing fn: %v, want its error", err)
	}
}
