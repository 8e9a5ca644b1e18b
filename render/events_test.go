package render

import (
	"bytes"
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
