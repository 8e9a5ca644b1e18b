// Case: a client kept behind the caller's own interface, and a receiver
// that may be either of two clients of two services.
package main

import (
	"context"
	"os"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

type publisher interface {
	Publish(ctx context.Context, o msgs.Order) error
}

func send(ctx context.Context, p publisher) error {
	return p.Publish(ctx, msgs.Order{}) // ev:iface
}

func main() {
	ctx := context.Background()
	bus := channel.NewMemoryBus()
	svc := channel.NewService("iface", bus)
	_ = send(ctx, channel.NewPubClient[msgs.Order](svc, "iface.orders"))

	other := channel.NewService("iface-other", bus)
	a := channel.NewPubClient[msgs.Invoice](svc, "either.a")
	b := channel.NewPubClient[msgs.Invoice](other, "either.b")
	p := a
	if len(os.Args) > 1 {
		p = b
	}
	_ = p.Publish(ctx, msgs.Invoice{}) // ev:either
}
