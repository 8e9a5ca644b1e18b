package spans

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/runtimegraph/spans/spanstest"
	"github.com/tracegraph/tracegraph/telemetry"
)

// An error from emit, or a cancelled context, stops the read at once and
// leaves no goroutine behind, whichever stage is busy.
func TestReadStops(t *testing.T) {
	var otlp, zipkin bytes.Buffer
	g := spanstest.NewGenerator()
	if err := g.WriteOTLPJSON(&otlp, 0, 3000); err != nil {
		t.Fatal(err)
	}
	if err := g.WriteZipkin(&zipkin, 0, 3000); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	before := runtime.NumGoroutine()
	for name, data := range map[string][]byte{"otlp": otlp.Bytes(), "zipkin": zipkin.Bytes()} {
		n := 0
		_, err := Read(context.Background(), bytes.NewReader(data), name, Auto, Options{WindowSpans: 100}, func(telemetry.Event) error {
			n++
			if n == 10 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 10 {
			t.Errorf("%s: emit error: got %v after %d events", name, err, n)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Read(ctx, bytes.NewReader(data), name, Auto, Options{}, func(telemetry.Event) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: cancelled: got %v", name, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running (%d before)", n, before)
	}
}

// The events do not depend on the number of workers.
func TestWorkersAgree(t *testing.T) {
	var buf bytes.Buffer
	if err := spanstest.NewGenerator().WriteOTLPJSON(&buf, 0, 500); err != nil {
		t.Fatal(err)
	}
	read := func() []telemetry.Event {
		var events []telemetry.Event
		if _, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), "gen", Auto, Options{}, func(e telemetry.Event) error {
			events = append(events, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return events
	}
	many := read()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := read()
	if len(one) != 500*spanstest.SpansPerTrace || len(many) != len(one) {
		t.Fatalf("%d and %d events, want %d", len(one), len(many), 500*spanstest.SpansPerTrace)
	}
	for i := range one {
		if one[i].EventID != many[i].EventID {
			t.Fatalf("event %d: %s with one worker, %s with several", i, one[i].EventID, many[i].EventID)
		}
	}
}
