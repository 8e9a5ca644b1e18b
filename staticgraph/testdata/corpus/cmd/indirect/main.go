// Case: calls that are not plain method calls: a method value, a method
// expression, a go statement, and a client embedded in a struct.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

type notifier struct {
	*channel.PubClient[msgs.AuditEvent]
}

func main() {
	ctx := context.Background()
	svc := channel.NewService("indirect", channel.NewMemoryBus())
	orders := channel.NewPubClient[msgs.Order](svc, "indirect.orders")
	send := orders.Publish // ev:indirect-value
	_ = send(ctx, msgs.Order{})

	invoices := channel.NewPubClient[msgs.Invoice](svc, "indirect.invoices")
	publish := (*channel.PubClient[msgs.Invoice]).Publish
	_ = publish(invoices, ctx, msgs.Invoice{}) // ev:indirect-expr

	quotes := channel.NewPubClient[msgs.Quote](svc, "indirect.quotes")
	go quotes.Publish(ctx, msgs.Quote{}) // ev:indirect-go

	n := notifier{channel.NewPubClient[msgs.AuditEvent](svc, "indirect.audit")}
	_ = n.Publish(ctx, msgs.AuditEvent{}) // ev:indirect-embedded
}
