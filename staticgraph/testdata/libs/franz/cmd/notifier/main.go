// Command notifier forwards low-stock warnings to whoever asked for them.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/twmb/franz-go/pkg/kgo"

	"example.com/libs/franz/stock"
)

func main() {
	ctx := context.Background()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(stock.Seeds...),
		kgo.ConsumerGroup("notifier"),
		kgo.ConsumeTopics(stock.TopicLowStock),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()
	for {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var low stock.LowStock
			if err := json.Unmarshal(r.Value, &low); err != nil {
				return
			}
			// The destination is in the message: request data.
			cl.Produce(ctx, &kgo.Record{Topic: low.NotifyTopic, Value: r.Value}, nil)
		})
	}
}
