package shopkit_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/internal/shopkit"
)

type sub struct {
	name   string
	closed *[]string
	err    error
}

func (s sub) Close() error {
	*s.closed = append(*s.closed, s.name)
	return s.err
}

func TestSubscriptions(t *testing.T) {
	var closed []string
	var subs shopkit.Subscriptions
	boom := errors.New("boom")
	if err := subs.Add(sub{"a", &closed, nil}, nil); err != nil {
		t.Fatal(err)
	}
	if err := subs.Add(nil, boom); err != boom {
		t.Fatalf("Add of a failed subscribe: %v, want its error", err)
	}
	if err := subs.Add(sub{"b", &closed, boom}, nil); err != nil {
		t.Fatal(err)
	}
	if err := subs.Close(); !errors.Is(err, boom) {
		t.Errorf("Close: %v, want b's error", err)
	}
	if want := []string{"b", "a"}; !slices.Equal(closed, want) {
		t.Errorf("closed %v, want %v", closed, want)
	}
	if err := subs.Close(); err != nil || len(closed) != 2 {
		t.Errorf("second Close: %v, closed %v; want nothing more closed", err, closed)
	}
}

func TestListen(t *testing.T) {
	bus := channel.NewMemoryBus()
	defer bus.Close()
	svc := channel.NewService("listener", bus)
	got := make(chan string, 1)
	s, err := shopkit.Listen(t.Context(), svc, "greetings", func(_ context.Context, env channel.Envelope[string]) error {
		got <- env.Payload
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := channel.NewPubClient[string](channel.NewService("greeter", bus), "greetings").Publish(t.Context(), "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-got:
		if g != "hello" {
			t.Errorf("got %q", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
}

func TestIsCurrency(t *testing.T) {
	for code, want := range map[string]bool{"EUR": true, "USD": true, "SEK": true, "GBP": true, "CHF": false, "eur": false, "": false} {
		if got := shopkit.IsCurrency(code); got != want {
			t.Errorf("IsCurrency(%q) = %v, want %v", code, got, want)
		}
	}
}
