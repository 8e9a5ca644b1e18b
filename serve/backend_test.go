package serve

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph"
	"github.com/tracegraph/tracegraph/topology"

	"github.com/tracegraph/tracegraph/internal/syncbuf"
)

// TestFilesIndex: Files reads the files once, keeps a window's graph while
// the files stay as they were, hands each caller its own copy, reads again
// in the background when a file changes, and keeps what it read when the
// new read fails.
func TestFilesIndex(t *testing.T) {
	orig, err := os.ReadFile("testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(p, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var logs syncbuf.Buffer
	files, err := OpenFiles(ctx, []string{p}, FilesOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
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
	count := func(f runtimegraph.Filter) int { return countEvents(t, files, f) }
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
	// The new time is a change: let its reload end before the content
	// changes behind it.
	files.Reload(ctx)
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
		t.Error("the graph was read again although the files' size, time and inode are unchanged")
	}
	// Nor are the events: the index answers, not the file.
	catalog := runtimegraph.Filter{Service: "catalog"}
	if n := count(catalog); n == 0 {
		t.Error("the events were read again although the files' size, time and inode are unchanged")
	}
	// Another window comes from the same index.
	if bytes.Contains(graph(runtimegraph.Filter{Since: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}), []byte(`"katalog"`)) {
		t.Error("another window was read from the changed file")
	}

	// A new modification time: the next request starts a reload in the
	// background and is answered from the old index; once the reload is
	// done, the new events show.
	later := mtime.Add(time.Second)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	count(catalog)
	files.Reload(ctx)
	if now := graph(all); bytes.Equal(now, first) || !bytes.Contains(now, []byte(`"katalog"`)) {
		t.Error("the graph was not read again after the file changed")
	}
	if n := count(catalog); n != 0 {
		t.Errorf("%d catalog events after the file renamed them all", n)
	}

	// A reload that fails keeps the index read before and says why.
	if err := os.WriteFile(p, append(blanked, "{not json\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	files.Reload(ctx)
	if n := count(runtimegraph.Filter{Service: "katalog"}); n == 0 {
		t.Error("a failed reload lost the events read before")
	}
	if !strings.Contains(logs.String(), "bad lines") {
		t.Errorf("the failed reload was not logged: %q", logs.String())
	}
}

// countEvents is how many events of files pass f.
func countEvents(t *testing.T, files *Files, f runtimegraph.Filter) int {
	t.Helper()
	evs, err := files.Select(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}
