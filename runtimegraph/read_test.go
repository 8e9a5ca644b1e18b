package runtimegraph

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// TestBlocksReadAsLines: cutting a file into blocks for the workers gives
// the events, lines and errors that reading it line by line with
// telemetry.LineReader gives: lines across block edges, lines just under,
// at and over the limit (with "\r\n" too), one over the limit across many
// blocks, blank lines, and a last line with no newline; plain and gzipped.
func TestBlocksReadAsLines(t *testing.T) {
	const max = telemetry.DefaultMaxLineBytes
	ev := func(i int, pad int) string {
		return `{"event_id":"e` + strconv.Itoa(i) + `","event_type":"publish","timestamp":"2026-11-20T00:00:00Z",` +
			`"service":"a","error":"` + strings.Repeat("x", pad) + `"}`
	}
	// The padding that makes an event line exactly n bytes long.
	padFor := func(i, n int) int { return n - len(ev(i, 0)) }
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	for i := range 3000 {
		switch {
		case i%700 == 5:
			b.WriteString(ev(i, padFor(i, max)) + "\n") // at the limit
		case i%700 == 6:
			b.WriteString(ev(i, padFor(i, max)) + "\r\n") // at it, with its \r
		case i%700 == 7:
			b.WriteString(ev(i, padFor(i, max+1)) + "\n") // over it
		case i%700 == 8:
			b.WriteString(ev(i, 3*max) + "\n") // far over, across blocks
		case i%700 == 9:
			b.WriteString("\n   \n")
		case i%700 == 10:
			b.WriteString("{bad\n")
		case i%50 == 0:
			b.WriteString(ev(i, rng.IntN(3*blockBytes/2)) + "\n") // across one or two block edges
		default:
			b.WriteString(ev(i, rng.IntN(400)) + "\n")
		}
	}
	b.WriteString(ev(9999, 10)) // no newline
	text := b.String()

	dir := t.TempDir()
	plain := filepath.Join(dir, "e.jsonl")
	if err := os.WriteFile(plain, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	zipped := filepath.Join(dir, "e.jsonl.gz")
	if err := os.WriteFile(zipped, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// What a line-by-line read gives.
	var want []string
	lr := telemetry.NewLineReader(bufio.NewReader(strings.NewReader(text)), plain, max)
	for {
		line, err := lr.Next()
		if err == io.EOF {
			break
		}
		if le, ok := errors.AsType[*telemetry.LineError](err); ok {
			want = append(want, fmt.Sprintf("bad %d: %v", le.Line, le.Err))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var e telemetry.Event
		if err := telemetry.DecodeEvent(line, &e); err != nil {
			want = append(want, fmt.Sprintf("bad %d: %v", lr.Line(), err))
			continue
		}
		want = append(want, fmt.Sprintf("%d: %s %d", lr.Line(), e.EventID, len(e.Error)))
	}

	for _, p := range []string{plain, zipped} {
		var mu sync.Mutex
		var got []string
		opt := ReadOptions{Workers: 3, KeepDuplicates: true, MaxBad: 1000}
		st, err := ReadFilesAt(context.Background(), []string{p}, opt, func(_ int, e *telemetry.Event, at Pos) error {
			mu.Lock()
			got = append(got, fmt.Sprintf("%d: %s %d", at.Line, e.EventID, len(e.Error)))
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, le := range st.Bad {
			got = append(got, fmt.Sprintf("bad %d: %v", le.Line, le.Err))
		}
		lineOf := func(s string) int {
			n, _ := strconv.Atoi(strings.TrimPrefix(s[:strings.Index(s, ":")], "bad "))
			return n
		}
		slices.SortStableFunc(got, func(a, b string) int { return lineOf(a) - lineOf(b) })
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("%s: record %d is %q, want %q (%d records, want %d)", p, i, got[i], want[i], len(got), len(want))
				}
			}
			t.Fatalf("%s: %d records, want %d", p, len(got), len(want))
		}
	}
	if !slices.ContainsFunc(want, func(s string) bool { return strings.Contains(s, "over") }) {
		t.Fatal("the file has no line over the limit")
	}
}
