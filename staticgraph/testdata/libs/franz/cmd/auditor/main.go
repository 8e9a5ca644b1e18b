// Command auditor writes audit records to its client's default topic:
// records without a Topic of their own.
package main

import (
	"context"
	"log"

	"github.com/twmb/franz-go/pkg/kgo"

	"example.com/libs/franz/stock"
)

func main() {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(stock.Seeds...),
		kgo.DefaultProduceTopic("inventory.audit"),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("started")}).FirstErr(); err != nil {
		log.Print(err)
	}
}
