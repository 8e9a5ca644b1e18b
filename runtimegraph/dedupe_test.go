package runtimegraph

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if idKey([]byte("evt-17")) == idKey([]byte("evt-18")) {
		t.Error("two ids that are no UUIDs share a key")
	}
}
