//go:build unix

package runtimegraph

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
	"github.com/tracegraph/tracegraph/topology"
)

// TestCopiesFromAPipe: events read from a pipe, which cannot be read a
// second time, are counted once too, and give the graph of the same
// events from a file; so too when two copies of an event differ, which
// for a file makes FromFiles read it again.
func TestCopiesFromAPipe(t *testing.T) {
	dir := t.TempDir()
	evs := fixture.Shop(3000)
	file := filepath.Join(dir, "events.jsonl")
	fixture.WriteJSONL(t, file, append(evs, evs[:1000]...))
	other := evs[0]
	other.Service = "someone-else"
	differing := filepath.Join(dir, "differing.jsonl")
	fixture.WriteJSONL(t, differing, append(evs, other))
	pipe := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fifo := filepath.Join(t.TempDir(), "pipe")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no fifo here: %v", err)
		}
		go func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer w.Close()
			w.Write(data)
		}()
		return fifo
	}
	g, st, err := FromFiles(context.Background(), []string{pipe(file)}, Filter{}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := topology.Marshal(g)
	if want := graphJSON(t, ReadOptions{}, file); string(got) != want {
		t.Errorf("the graph from the pipe differs from the file's")
	}
	if st.Duplicates != 1000 || st.Read != 3000 {
		t.Errorf("read %d with %d duplicates, want 3000 and 1000", st.Read, st.Duplicates)
	}
	// The first of two differing copies counts, as from a file.
	g, st, err = FromFiles(context.Background(), []string{pipe(differing)}, Filter{}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = topology.Marshal(g)
	if want := graphJSON(t, ReadOptions{}, file); string(got) != want || st.Duplicates != 1 {
		t.Errorf("differing copies from a pipe: %d duplicates, and the graph is not the first copy's", st.Duplicates)
	}
}
