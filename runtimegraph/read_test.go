package runtimegraph

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

// TestReadFilesAtSkips: ReadFilesAt gives each event its line, passes over
// the lines SkipLines asks for without reading them, and reports every bad
// line to Rejected before the events after it.
func TestReadFilesAtSkips(t *testing.T) {
	good := func(id string) string {
		return `{"event_id":"` + id + `","event_type":"publish","timestamp":"2026-11-20T00:00:00Z","service":"a"}`
	}
	lines := []string{good("1"), "{bad", good("2"), "", good("3"), "{bad again", good("4"), good("5")}
	p := filepath.Join(t.TempDir(), "e.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		skip    int
		ids     []string
		at, bad []int
	}{
		{0, []string{"1", "2", "3", "4", "5"}, []int{1, 3, 5, 7, 8}, []int{2, 6}},
		{2, []string{"2", "3", "4", "5"}, []int{3, 5, 7, 8}, []int{6}},
		{6, []string{"4", "5"}, []int{7, 8}, nil},
		{8, nil, nil, nil},
		{100, nil, nil, nil},
	} {
		var mu sync.Mutex
		var ids []string
		var at, bad []int
		var badBefore []bool
		opt := ReadOptions{Workers: 1, KeepDuplicates: true,
			SkipLines: func(int) int { return tt.skip },
			Rejected: func(pos Pos) {
				mu.Lock()
				bad = append(bad, pos.Line)
				mu.Unlock()
			}}
		st, err := ReadFilesAt(context.Background(), []string{p}, opt, func(_ int, e *telemetry.Event, pos Pos) error {
			mu.Lock()
			defer mu.Unlock()
			ids = append(ids, e.EventID)
			at = append(at, pos.Line)
			// Every bad line before this event has been reported.
			ok := true
			for _, l := range tt.bad {
				if l < pos.Line && !slices.Contains(bad, l) {
					ok = false
				}
			}
			badBefore = append(badBefore, ok)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, tt.ids) || !slices.Equal(at, tt.at) || !slices.Equal(bad, tt.bad) || st.Rejected != int64(len(tt.bad)) {
			t.Errorf("skip %d: events %v at lines %v, bad %v (%d rejected); want %v at %v, bad %v", tt.skip, ids, at, bad, st.Rejected, tt.ids, tt.at, tt.bad)
		}
		if slices.Contains(badBefore, false) {
			t.Errorf("skip %d: an event reached fn before a bad line above it was reported", tt.skip)
		}
	}
}
