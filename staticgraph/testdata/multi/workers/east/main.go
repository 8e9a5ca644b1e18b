// Command worker (east) reserves stock for placed orders. Its module
// shares its path with the west worker's.
package main

import (
	"log"

	"github.com/nats-io/nats.go"
)

func main() {
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.QueueSubscribe("orders.placed", "workers", func(m *nats.Msg) {
		if err := nc.Publish("stock.reserved", m.Data); err != nil {
			log.Print(err)
		}
	}); err != nil {
		log.Fatal(err)
	}
	// A pull consumer bound by name: the subject is the consumer's
	// filter, which this code does not say, so it is no endpoint.
	js, err := nc.JetStream()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := js.PullSubscribe("", "restock", nats.Bind("STOCK", "restock")); err != nil {
		log.Fatal(err)
	}
	select {}
}
