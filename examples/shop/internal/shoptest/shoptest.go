package shoptest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/telemetry"
)

// wait bounds how long a test waits for a message that should come: a
// failure, not a measurement.
const wait = 5 * time.Second

// Recorder keeps events in memory.
type Recorder struct {
	mu     sync.Mutex
	events []telemetry.Event
}

// Record implements telemetry.Recorder.
func (r *Recorder) Record(_ context.Context, e telemetry.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Find returns the events of service and type recorded so far.
func (r *Recorder) Find(service, eventType string) []telemetry.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(r.events), func(e telemetry.Event) bool {
		return e.Service != service || e.EventType != eventType
	})
}

// World is a memory bus whose services record into one Recorder.
type World struct {
	Bus *channel.MemoryBus
	Rec *Recorder
}

// NewWorld returns a World closed when t ends.
func NewWorld(t *testing.T) *World {
	t.Helper()
	w := &World{Bus: channel.NewMemoryBus(), Rec: &Recorder{}}
	t.Cleanup(func() { _ = w.Bus.Close() })
	return w
}

// Service returns a Service named name on the World's bus.
func (w *World) Service(name string) *channel.Service {
	return channel.NewService(name, w.Bus, channel.WithRecorder(w.Rec))
}

// Start starts s and closes it when t ends.
func Start(t *testing.T, s interface {
	Start(context.Context) error
	Close() error
}) {
	t.Helper()
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
}

// Inbox receives the messages of one channel.
type Inbox[T any] struct {
	ch chan T
}

// Listen subscribes svc to channel ch, in its own consumer group, for the
// rest of the test.
func Listen[T any](t *testing.T, svc *channel.Service, ch string) *Inbox[T] {
	t.Helper()
	in := &Inbox[T]{ch: make(chan T, 64)}
	sub, err := channel.NewSubClient[T](svc, ch, channel.WithGroup(t.Name()+"/"+ch)).Subscribe(t.Context(),
		func(_ context.Context, env channel.Envelope[T]) error {
			in.ch <- env.Payload
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return in
}

// Next waits for the next message, failing t if none comes.
func (in *Inbox[T]) Next(t *testing.T) T {
	t.Helper()
	select {
	case v := <-in.ch:
		return v
	case <-time.After(wait):
		t.Fatal("no message came")
		var zero T
		return zero
	}
}

// Empty fails t if a message is waiting, once every handler that could
// send one has recorded its event: call it after Settle.
func (in *Inbox[T]) Empty(t *testing.T) {
	t.Helper()
	select {
	case v := <-in.ch:
		t.Errorf("unexpected message %+v", v)
	default:
	}
}

// Settle waits until service has recorded n events of eventType.
func (w *World) Settle(t *testing.T, service, eventType string, n int) []telemetry.Event {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		evs := w.Rec.Find(service, eventType)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s recorded %d %s events, want %d", service, len(evs), eventType, n)
		}
		time.Sleep(time.Millisecond)
	}
}
