package channel_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
)

// recorder keeps events and lets a test wait for the ones it expects.
type recorder struct {
	mu     sync.Mutex
	events []telemetry.Event
	added  chan struct{}
}

func newRecorder() *recorder { return &recorder{added: make(chan struct{}, 1)} }

func (r *recorder) Record(_ context.Context, e telemetry.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []telemetry.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]telemetry.Event(nil), r.events...)
}

// find returns the events of service and type.
func (r *recorder) find(service, eventType string) []telemetry.Event {
	var out []telemetry.Event
	for _, e := range r.all() {
		if e.Service == service && e.EventType == eventType {
			out = append(out, e)
		}
	}
	return out
}

// waitFor waits until n events of service and type are recorded. The
// limit only keeps a broken test from hanging; it asserts no speed.
func (r *recorder) waitFor(t *testing.T, service, eventType string, n int) []telemetry.Event {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if got := r.find(service, eventType); len(got) >= n {
			return got
		}
		select {
		case <-r.added:
		case <-deadline:
			t.Fatalf("waiting for %d %s events of %s; have %d events: %+v", n, eventType, service, len(r.all()), r.all())
		}
	}
}
