// Case: a constant from another package, a constant expression, and a
// local with a single definition.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"example.com/corpus/names"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	ctx := context.Background()
	svc := channel.NewService(names.ConstsService, channel.NewMemoryBus())
	pub := channel.NewPubClient[msgs.Order](svc, names.Orders)
	_ = pub.Publish(ctx, msgs.Order{}) // ev:consts-pub
	ch := names.Invoices + ".v" + "1"
	sub := channel.NewSubClient[msgs.Invoice](svc, ch)
	_, _ = sub.Subscribe(ctx, func(context.Context, channel.Envelope[msgs.Invoice]) error { return nil }) // ev:consts-sub
}
