// Case: a generic wrapper whose message type comes from its type parameter,
// explicit and inferred.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"example.com/corpus/wrap"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	ctx := context.Background()
	svc := channel.NewService("generic", channel.NewMemoryBus())
	_ = wrap.Publish[msgs.Order](ctx, svc, "gen.orders", msgs.Order{}) // ev:generic-orders
	_ = wrap.Publish(ctx, svc, "gen.invoices", msgs.Invoice{})         // ev:generic-invoices
	_ = wrap.NewPublisher[msgs.Order](svc, "gen.field.orders").Emit(ctx, msgs.Order{})
	_ = wrap.NewPublisher[msgs.Invoice](svc, "gen.field.invoices").Emit(ctx, msgs.Invoice{})
}
