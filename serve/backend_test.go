package serve

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/topology"
)

// TestFilesGraphCache: Files keeps a window's graph while the files stay
// as they were, hands each caller its own copy, and reads again as soon as
// a file changes.
func TestFilesGraphCache(t *testing.T) {
	orig, err := os.ReadFile("testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(p, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	files, err := OpenFiles(ctx, []string{p}, runtimegraph.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	graph := func(f runtimegraph.Filter) []byte {
		t.Helper()
		g, err := files.Graph(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := topology.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	all := runtimegraph.Filter{}
	first := graph(all)

	// A caller may change what it gets; the next caller does not see it.
	g, err := files.Graph(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Flows) == 0 {
		t.Fatal("no flows: the test proves nothing")
	}
	g.Flows[0].Stats.Count += 1000
	if !bytes.Equal(graph(all), first) {
		t.Error("a caller's change to its graph reached the cache")
	}

	// Content changed behind an unchanged size and time: the kept graph is
	// what comes back, which shows the files are not read again.
	mtime := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	first = graph(all)
	blanked := bytes.Replace(orig, []byte(`"service":"catalog"`), []byte(`"service":"katalog"`), -1)
	if len(blanked) != len(orig) || bytes.Equal(blanked, orig) {
		t.Fatal("the fixture has no catalog to rename")
	}
	if err := os.WriteFile(p, blanked, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(graph(all), first) {
		t.Error("the graph was read again although the files' size and time are unchanged")
	}
	// Another window is not the kept one.
	if !bytes.Contains(graph(runtimegraph.Filter{Since: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}), []byte(`"katalog"`)) {
		t.Error("another window was answered from the kept graph")
	}

	// A new modification time: read again.
	later := mtime.Add(time.Second)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if now := graph(all); bytes.Equal(now, first) || !bytes.Contains(now, []byte(`"katalog"`)) {
		t.Error("the graph was not read again after the file changed")
	}
}
