// Case: handlers given as a method value and as a closure publish in turn.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

type worker struct {
	invoices *channel.PubClient[msgs.Invoice]
}

func (w *worker) onOrder(ctx context.Context, env channel.Envelope[msgs.Order]) error {
	return w.invoices.Publish(ctx, msgs.Invoice{ID: env.Payload.ID}) // ev:handlers-method-pub
}

func main() {
	ctx := context.Background()
	svc := channel.NewService("handlers", channel.NewMemoryBus())
	w := &worker{invoices: channel.NewPubClient[msgs.Invoice](svc, "h.invoices")}
	orders := channel.NewSubClient[msgs.Order](svc, "h.orders")
	_, _ = orders.Subscribe(ctx, w.onOrder) // ev:handlers-method-sub

	audit := channel.NewPubClient[msgs.AuditEvent](svc, "h.audit")
	invoices := channel.NewSubClient[msgs.Invoice](svc, "h.invoices")
	_, _ = invoices.Subscribe(ctx, func(ctx context.Context, env channel.Envelope[msgs.Invoice]) error { // ev:handlers-closure-sub
		return audit.Publish(ctx, msgs.AuditEvent{What: env.Payload.ID}) // ev:handlers-closure-pub
	})
}
