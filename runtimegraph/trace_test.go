package runtimegraph

import (
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/runtimegraph/internal/fixture"
)

// TestTraceTree draws the fixture's first trace: each hop under the event
// that caused it, unrelated events as roots, in time order.
func TestTraceTree(t *testing.T) {
	evs := fixture.Shop(11)
	SortEvents(evs)
	var b strings.Builder
	var walk func(n *TraceNode, depth int)
	walk = func(n *TraceNode, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + n.Event.EventType + " " + n.Event.Service + "\n")
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	for _, r := range TraceTree(evs) {
		walk(r, 0)
	}
	want := `start merchant-api
request merchant-api
  serve catalog
    publish catalog
      consume inventory
        publish inventory
          consume notifications
      consume search-indexer
serve fx
publish debug
complete merchant-api
`
	if b.String() != want {
		t.Errorf("tree:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestTraceTreeCycle: parent ids that point at each other do not loop.
func TestTraceTreeCycle(t *testing.T) {
	evs := fixture.Shop(11)[1:3] // request and serve of m1
	evs[0].ParentIDs = []string{evs[1].MessageID}
	evs[0].MessageID = "x"
	evs[1].ParentIDs = []string{"x"}
	evs[1].EventType = "custom"
	roots := TraceTree(evs)
	total := 0
	var count func(n *TraceNode)
	count = func(n *TraceNode) {
		total++
		for _, c := range n.Children {
			count(c)
		}
	}
	for _, r := range roots {
		count(r)
	}
	if len(roots) == 0 || total != 2 {
		t.Errorf("%d roots, %d nodes; want every event once", len(roots), total)
	}
}
