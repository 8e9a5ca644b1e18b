package channel_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/channel"
)

type Ping struct{ N int }

type Pong struct{ N int }

// counter counts deliveries per receiver and message.
type counter struct {
	mu   sync.Mutex
	seen map[string]map[int]int // receiver -> Ping.N -> deliveries
	ch   chan struct{}
}

func newCounter() *counter {
	return &counter{seen: map[string]map[int]int{}, ch: make(chan struct{}, 1000)}
}

func (c *counter) add(receiver string, n int) {
	c.mu.Lock()
	if c.seen[receiver] == nil {
		c.seen[receiver] = map[int]int{}
	}
	c.seen[receiver][n]++
	c.mu.Unlock()
	c.ch <- struct{}{}
}

// wait waits for n deliveries in all.
func (c *counter) wait(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for range n {
		select {
		case <-c.ch:
		case <-timeout:
			t.Fatalf("timed out waiting for %d deliveries: %v", n, c.snapshot())
		}
	}
}

func (c *counter) snapshot() map[string]map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]map[int]int{}
	for r, m := range c.seen {
		out[r] = map[int]int{}
		for k, v := range m {
			out[r][k] = v
		}
	}
	return out
}

func subscribe(t *testing.T, ctx context.Context, svc *channel.Service, ch, receiver string, c *counter, opts ...channel.SubOption) channel.Subscription {
	t.Helper()
	sub, err := channel.NewSubClient[Ping](svc, ch, opts...).Subscribe(ctx, func(ctx context.Context, env channel.Envelope[Ping]) error {
		c.add(receiver, env.Payload.N)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

// flush makes sure a NATS connection's subscriptions have reached the
// server before the test publishes.
func flush(t *testing.T, bus channel.Bus) {
	t.Helper()
	if f, ok := bus.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConsumerGroups(t *testing.T) {
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		ctx := context.Background()
		ch := prefix + "groups.ping"
		inventory := channel.NewService("inventory", bus)
		search := channel.NewService("search-indexer", bus)
		c := newCounter()
		// Two replicas of inventory share its default group; search-indexer
		// has one member in its own group and one in an explicit "audit" group.
		subscribe(t, ctx, inventory, ch, "inventory-1", c)
		subscribe(t, ctx, inventory, ch, "inventory-2", c)
		subscribe(t, ctx, search, ch, "search", c)
		subscribe(t, ctx, search, ch, "audit", c, channel.WithGroup("audit"))
		flush(t, bus)

		const n = 40
		pub := channel.NewPubClient[Ping](channel.NewService("catalog", bus), ch)
		for i := range n {
			if err := pub.Publish(ctx, Ping{N: i}); err != nil {
				t.Fatal(err)
			}
		}
		c.wait(t, 3*n)
		got := c.snapshot()
		for i := range n {
			if d := got["inventory-1"][i] + got["inventory-2"][i]; d != 1 {
				t.Errorf("message %d reached the inventory group %d times", i, d)
			}
			if got["search"][i] != 1 || got["audit"][i] != 1 {
				t.Errorf("message %d: search got it %d times, audit %d", i, got["search"][i], got["audit"][i])
			}
		}
		if len(got["inventory-1"]) == 0 || len(got["inventory-2"]) == 0 {
			t.Errorf("one replica did all the work: %d and %d", len(got["inventory-1"]), len(got["inventory-2"]))
		}
	})
}

func TestSubscriptionClose(t *testing.T) {
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		ctx := context.Background()
		ch := prefix + "close.ping"
		c := newCounter()
		closing := subscribe(t, ctx, channel.NewService("closing", bus), ch, "closing", c)
		subscribe(t, ctx, channel.NewService("witness", bus), ch, "witness", c)
		flush(t, bus)
		pub := channel.NewPubClient[Ping](channel.NewService("catalog", bus), ch)
		if err := pub.Publish(ctx, Ping{N: 1}); err != nil {
			t.Fatal(err)
		}
		c.wait(t, 2)
		for range 2 { // Close is idempotent
			if err := closing.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		for i := 2; i <= 5; i++ {
			if err := pub.Publish(ctx, Ping{N: i}); err != nil {
				t.Fatal(err)
			}
		}
		c.wait(t, 4)
		got := c.snapshot()
		if len(got["witness"]) != 5 || len(got["closing"]) != 1 {
			t.Errorf("after Close: witness got %v (want 5), closing got %v (want 1)", got["witness"], got["closing"])
		}
	})
}

// TestSubscribeContextCancel: cancelling the ctx given to Subscribe stops
// delivery as Close does.
func TestSubscribeContextCancel(t *testing.T) {
	forEachBus(t, func(t *testing.T, bus channel.Bus, prefix string) {
		ctx := context.Background()
		ch := prefix + "cancel.ping"
		c := newCounter()
		subCtx, cancel := context.WithCancel(ctx)
		subscribe(t, subCtx, channel.NewService("cancelled", bus), ch, "cancelled", c)
		subscribe(t, ctx, channel.NewService("witness", bus), ch, "witness", c)
		flush(t, bus)
		pub := channel.NewPubClient[Ping](channel.NewService("catalog", bus), ch)
		if err := pub.Publish(ctx, Ping{N: 1}); err != nil {
			t.Fatal(err)
		}
		c.wait(t, 2)
		cancel()
		for i := 2; i <= 5; i++ {
			if err := pub.Publish(ctx, Ping{N: i}); err != nil {
				t.Fatal(err)
			}
		}
		c.wait(t, 4)
		got := c.snapshot()
		if len(got["witness"]) != 5 || len(got["cancelled"]) != 1 {
			t.Errorf("after cancel: witness got %v (want 5), cancelled got %v (want 1)", got["witness"], got["cancelled"])
		}
	})
}
