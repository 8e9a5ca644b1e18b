package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
)

func TestTrace(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	evs := []telemetry.Event{
		{EventID: "1", TraceID: "t", EventType: "publish", Timestamp: t0, Service: "catalog", Channel: "sku.updated",
			MessageType: "x/catalogmsg.SkuUpdated", MessageID: "m1", DurationUS: 20, Status: "ok"},
		{EventID: "2", TraceID: "t", EventType: "consume", Timestamp: t0.Add(time.Millisecond), Service: "inventory",
			Channel: "sku.updated", MessageType: "x/catalogmsg.SkuUpdated", MessageID: "m1", PeerService: "catalog",
			DurationUS: 2300, Status: "error", Error: "warehouse\nlocked", Tags: map[string]string{"b": "2", "a": "1"}},
		{EventID: "3", TraceID: "t", EventType: "publish", Timestamp: t0.Add(2 * time.Millisecond), Service: "inventory",
			Channel: "stock.failed", MessageType: "x/inventorymsg.Failed", MessageID: "m2", ParentIDs: []string{"m1"}, Status: "ok"},
	}
	var buf bytes.Buffer
	if err := Trace(&buf, evs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"trace t: 3 events",
		"a=1,b=2",                      // tags sorted
		`"warehouse\nlocked"`,          // a multi-line error stays on its line, quoted
		"2.3ms",                        // latency for people
		"consume inventory <- catalog", // who did what, and from whom
		"└─ publish inventory",         // the hop it caused hangs below it
		"catalogmsg.SkuUpdated",        // short type names
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "x/catalogmsg") {
		t.Errorf("trace output prints full type paths:\n%s", out)
	}
}

// deepTrace is a chain of n hops: each service consumes the message before
// and publishes the next, so the tree is 2n levels deep.
func deepTrace(n int) []telemetry.Event {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	var evs []telemetry.Event
	for i := range n {
		svc, next := fmt.Sprintf("s%d", i), fmt.Sprintf("s%d", i+1)
		msg := fmt.Sprintf("m%d", i)
		pub := telemetry.Event{EventID: fmt.Sprintf("p%05d", i), TraceID: "deep", EventType: "publish", Timestamp: t0.Add(time.Duration(2*i) * time.Microsecond),
			Service: svc, Channel: "c", MessageID: msg, Status: "ok"}
		if i > 0 {
			pub.ParentIDs = []string{fmt.Sprintf("m%d", i-1)}
		}
		con := telemetry.Event{EventID: fmt.Sprintf("c%05d", i), TraceID: "deep", EventType: "consume", Timestamp: t0.Add(time.Duration(2*i+1) * time.Microsecond),
			Service: next, PeerService: svc, Channel: "c", MessageID: msg, Status: "ok"}
		evs = append(evs, pub, con)
	}
	return evs
}

// A trace 9,000 hops deep draws MaxTraceDepth levels and sums up the rest
// in one line: its output grows with the events, not with the square of
// the depth.
func TestTraceDeep(t *testing.T) {
	const hops = 9000
	var b bytes.Buffer
	if err := Trace(&b, deepTrace(hops)); err != nil {
		t.Fatal(err)
	}
	tree := b.String()[strings.Index(b.String(), "\nTREE\n"):]
	lines := strings.Count(tree, "\n") - 2
	if lines != MaxTraceDepth+1 {
		t.Errorf("the tree has %d lines, want %d levels and one summary", lines, MaxTraceDepth+1)
	}
	if want := fmt.Sprintf("… %d more levels", 2*hops-MaxTraceDepth); !strings.Contains(tree, want) {
		t.Errorf("no %q in the tree", want)
	}
	if b.Len() > 4<<20 {
		t.Errorf("%d bytes of output for %d events", b.Len(), 2*hops)
	}
}

// BenchmarkTraceDeep times the text of a trace 9,000 hops deep: with the
// tree built and drawn in linear time it takes milliseconds, not the 19 s
// the quadratic indentation took.
func BenchmarkTraceDeep(b *testing.B) {
	evs := deepTrace(9000)
	for b.Loop() {
		if err := Trace(io.Discard, evs); err != nil {
			b.Fatal(err)
		}
	}
}

// traceDoc is what TraceJSON writes.
type traceDoc struct {
	TraceID string            `json:"trace_id"`
	Events  []telemetry.Event `json:"events"`
	Tree    []struct {
		Event   int    `json:"event"`
		EventID string `json:"event_id"`
		Parent  *int   `json:"parent"`
		Depth   int    `json:"depth"`
	} `json:"tree"`
}

// The JSON tree is a flat list, depth first: each node names its event,
// its parent's and its depth.
func TestTraceJSON(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	evs := []telemetry.Event{
		{EventID: "1", TraceID: "t", EventType: "publish", Timestamp: t0, Service: "a", MessageID: "m1", Status: "ok"},
		{EventID: "2", TraceID: "t", EventType: "publish", Timestamp: t0.Add(1), Service: "x", MessageID: "m9", Status: "ok"},
		{EventID: "3", TraceID: "t", EventType: "consume", Timestamp: t0.Add(2), Service: "b", MessageID: "m1", Status: "ok"},
		{EventID: "4", TraceID: "t", EventType: "consume", Timestamp: t0.Add(3), Service: "c", MessageID: "m1", Status: "ok"},
	}
	var b bytes.Buffer
	if err := TraceJSON(&b, evs); err != nil {
		t.Fatal(err)
	}
	var doc traceDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range doc.Tree {
		parent := "-"
		if n.Parent != nil {
			parent = evs[*n.Parent].EventID
		}
		got = append(got, fmt.Sprintf("%s<%s@%d", evs[n.Event].EventID, parent, n.Depth))
		if n.EventID != evs[n.Event].EventID {
			t.Errorf("node of event %d names %s", n.Event, n.EventID)
		}
	}
	if want := "1<-@0 3<1@1 4<1@1 2<-@0"; strings.Join(got, " ") != want {
		t.Errorf("tree %s, want %s", strings.Join(got, " "), want)
	}
}

// A trace 9,000 hops deep as JSON: output linear in the events, and the
// chain whole, its last event 17,999 levels down.
func TestTraceJSONDeep(t *testing.T) {
	const hops = 9000
	evs := deepTrace(hops)
	var b bytes.Buffer
	if err := TraceJSON(&b, evs); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 1000*len(evs) {
		t.Errorf("%d bytes of JSON for %d events", b.Len(), len(evs))
	}
	var doc traceDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tree) != len(evs) {
		t.Fatalf("%d nodes, want %d", len(doc.Tree), len(evs))
	}
	for i, n := range doc.Tree {
		if n.Event != i || n.Depth != i || (i > 0 && (n.Parent == nil || *n.Parent != i-1)) {
			t.Fatalf("node %d: event %d, depth %d, parent %v: the chain is broken", i, n.Event, n.Depth, n.Parent)
		}
	}
}

// BenchmarkTraceJSONDeep times the JSON of a trace 9,000 hops deep: a flat
// tree takes milliseconds, where the nested one took seconds and hundreds
// of megabytes of indentation.
func BenchmarkTraceJSONDeep(b *testing.B) {
	evs := deepTrace(9000)
	for b.Loop() {
		if err := TraceJSON(io.Discard, evs); err != nil {
			b.Fatal(err)
		}
	}
}
