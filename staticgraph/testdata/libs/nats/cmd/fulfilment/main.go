// Command fulfilment ships orders, reading them with the jetstream package.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"example.com/libs/nats/catalog"
)

func main() {
	ctx := context.Background()
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	// Stream management declares storage, not a flow.
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     catalog.StreamOrders,
		Subjects: []string{"orders.>"},
	}); err != nil {
		log.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, catalog.StreamOrders, jetstream.ConsumerConfig{
		Durable:        "fulfilment",
		FilterSubjects: []string{catalog.SubjectOrderCreated, catalog.SubjectOrderCancelled},
	})
	if err != nil {
		log.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		handle(ctx, nc, js, m)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Stop()
	select {}
}

func handle(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, m jetstream.Msg) {
	if m.Subject() != catalog.SubjectOrderCreated {
		_ = m.Ack()
		return
	}
	var o catalog.OrderCreated
	if err := json.Unmarshal(m.Data(), &o); err != nil {
		_ = m.Term()
		return
	}
	shipped, err := json.Marshal(catalog.OrderShipped{OrderID: o.OrderID})
	if err != nil {
		return
	}
	if _, err := js.Publish(ctx, catalog.SubjectOrderShipped, shipped); err != nil {
		_ = m.Nak()
		return
	}
	// Where the customer listens is in the order: request data.
	_ = nc.Publish(o.NotifySubject, shipped)
	_ = m.Ack()
}
