package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tracegraph/tracegraph/channel"
)

func TestIDsAreUUIDv7(t *testing.T) {
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clk := newClock(start, rand.New(rand.NewPCG(1, 1)))
	ids := &idSource{clock: clk, rng: rand.New(rand.NewPCG(1, 2))}
	seen := map[string]bool{}
	for range 1000 {
		clk.now()
		s := ids.newID()
		id, err := uuid.Parse(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if id.Version() != 7 || id.Variant() != uuid.RFC4122 {
			t.Fatalf("%s: version %d variant %v, want 7 and RFC 4122", s, id.Version(), id.Variant())
		}
		if sec, nsec := id.Time().UnixTime(); time.Unix(sec, nsec).UnixMilli() != clk.peek().UnixMilli() {
			t.Fatalf("%s: time %v, want the clock's %v", s, time.Unix(sec, nsec).UTC(), clk.peek())
		}
		if seen[s] {
			t.Fatalf("%s twice", s)
		}
		seen[s] = true
	}
}

func TestClockOnlyMovesOn(t *testing.T) {
	clk := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rand.New(rand.NewPCG(7, 1)))
	prev := clk.now()
	for i := range 1000 {
		if i%100 == 0 {
			clk.sleep(time.Second)
		}
		now := clk.now()
		if !now.After(prev) || now.Sub(prev) > time.Second+20*time.Microsecond {
			t.Fatalf("reading %d: %v after %v", i, now, prev)
		}
		prev = now
	}
}

// TestSequencerOrder checks the order drain runs handlers in: by publish,
// then by group name, whatever the order the memory bus hands them over,
// and including what handlers publish.
func TestSequencerOrder(t *testing.T) {
	mem := channel.NewMemoryBus()
	defer mem.Close()
	w := &world{clock: newClock(time.Unix(0, 0), rand.New(rand.NewPCG(1, 1))), rng: rand.New(rand.NewPCG(1, 2))}
	bus := newSequencer(mem, w)
	ctx := t.Context()

	var mu sync.Mutex
	var ran []string
	n := 0
	publish := func(ch string) {
		n++
		msg := channel.Message{Header: channel.Header{MessageID: fmt.Sprint("m", n)}, Data: []byte(ch)}
		if err := bus.Publish(ctx, ch, msg); err != nil {
			t.Error(err)
		}
	}
	// Groups b and a on "first": each handler publishes on "second",
	// where group c listens.
	for _, g := range []string{"b", "a"} {
		_, err := bus.Subscribe(ctx, "first", g, func(_ context.Context, m channel.Message) {
			mu.Lock()
			ran = append(ran, g+":"+m.Header.MessageID)
			mu.Unlock()
			publish("second")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sub, err := bus.Subscribe(ctx, "second", "c", func(_ context.Context, m channel.Message) {
		mu.Lock()
		ran = append(ran, "c:"+m.Header.MessageID)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	publish("first")
	publish("first")
	publish("nobody")
	if err := bus.drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"a:m1", "b:m1", "a:m2", "b:m2", "c:m4", "c:m5", "c:m6", "c:m7"}
	if !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}

	// A closed subscription is owed nothing.
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	publish("second")
	if err := bus.drain(ctx); err != nil {
		t.Fatal(err)
	}
	if len(ran) != len(want) {
		t.Errorf("ran %v after the subscription closed", ran[len(want):])
	}
}

func TestRunRejectsNegativeUpdates(t *testing.T) {
	err := Run(t.Context(), Config{Updates: -1})
	if err == nil || !strings.Contains(err.Error(), "-1 updates") {
		t.Errorf("Run(-1 updates): %v", err)
	}
}
