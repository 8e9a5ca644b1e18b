// Command warehouse applies reservations to stock levels.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/twmb/franz-go/pkg/kgo"

	"example.com/libs/franz/stock"
)

func main() {
	ctx := context.Background()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(stock.Seeds...),
		kgo.ConsumerGroup("warehouse"),
		kgo.ConsumeTopics(stock.TopicReservations),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()

	for {
		fetches := cl.PollFetches(ctx)
		if errs := fetches.Errors(); len(errs) > 0 {
			log.Fatal(errs[0].Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var res stock.Reservation
			if err := json.Unmarshal(r.Value, &res); err != nil {
				return
			}
			apply(ctx, cl, res)
		})
	}
}

func apply(ctx context.Context, cl *kgo.Client, res stock.Reservation) {
	level := 10 - res.Qty
	adj, err := json.Marshal(stock.Adjusted{Sku: res.Sku, Level: level})
	if err != nil {
		return
	}
	// One topic per warehouse: a pattern, inventory.*.adjusted.
	topic := fmt.Sprintf("inventory.%s.adjusted", res.Warehouse)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: adj}).FirstErr(); err != nil {
		log.Print(err)
	}
	if level < 3 {
		low, err := json.Marshal(stock.LowStock{Sku: res.Sku, NotifyTopic: "alerts." + res.Sku})
		if err != nil {
			return
		}
		rec := &kgo.Record{Topic: stock.TopicLowStock, Value: low}
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			if err != nil {
				log.Print(err)
			}
		})
	}
}
