package render

import (
	"bytes"
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
