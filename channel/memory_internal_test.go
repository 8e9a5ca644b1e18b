package channel

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMemoryBusServerClosed: a request queued at a server that closes
// fails with ErrNoResponders instead of waiting for its ctx.
func TestMemoryBusServerClosed(t *testing.T) {
	bus := NewMemoryBus()
	defer bus.Close()
	holding, release := make(chan struct{}), make(chan struct{})
	sub, err := bus.Serve(context.Background(), "fx.rates", "fx", func(ctx context.Context, m Message) (Message, error) {
		if string(m.Data) == "first" {
			close(holding)
			<-release
		}
		return m, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The limit keeps a regression from hanging the test; it asserts no
	// speed.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first, second := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := bus.Request(ctx, "fx.rates", Message{Data: []byte("first")})
		first <- err
	}()
	<-holding
	go func() {
		_, err := bus.Request(ctx, "fx.rates", Message{Data: []byte("second")})
		second <- err
	}()
	for len(sub.(*memSub).queue) == 0 {
		time.Sleep(time.Millisecond) // until the second request is queued
	}
	_ = sub.Close()
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the request being served when the server closed: %v", err)
	}
	if err := <-second; !errors.Is(err, ErrNoResponders) {
		t.Errorf("a request queued at a closed server: %v", err)
	}
}
