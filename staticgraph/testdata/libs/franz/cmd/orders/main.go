// Command orders reserves stock and follows the levels of the EU warehouse.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"log"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"

	"example.com/libs/franz/stock"
)

func main() {
	ctx := context.Background()
	// Options assembled in a slice, as services that share a base config do.
	opts := []kgo.Opt{kgo.SeedBrokers(stock.Seeds...), kgo.ConsumerGroup("orders")}
	opts = append(opts, kgo.ConsumeTopics("inventory.eu.adjusted", stock.TopicLowStock))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()

	// Deployment configuration with a visible default.
	reservations := cmp.Or(os.Getenv("RESERVATIONS_TOPIC"), stock.TopicReservations)
	v, err := json.Marshal(stock.Reservation{Sku: "sku-1", Qty: 2, Warehouse: "eu"})
	if err != nil {
		log.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: reservations, Value: v}).FirstErr(); err != nil {
		log.Fatal(err)
	}

	for {
		fetches := cl.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			log.Printf("%s: %s", r.Topic, r.Value)
		})
	}
}
