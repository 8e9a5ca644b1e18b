// Case: names built with fmt.Sprintf and concatenation.
package main

import (
	"context"
	"fmt"
	"os"

	"example.com/corpus/msgs"
	"example.com/corpus/topics"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	ctx := context.Background()
	svc := channel.NewService("patterns", channel.NewMemoryBus())
	region := os.Args[1]
	byRegion := channel.NewSubClient[msgs.Order](svc, fmt.Sprintf("orders.%s", region))
	_, _ = byRegion.Subscribe(ctx, func(context.Context, channel.Envelope[msgs.Order]) error { return nil }) // ev:patterns-sprintf
	shard := channel.NewPubClient[msgs.Order](svc, "shards."+region+".orders")
	_ = shard.Publish(ctx, msgs.Order{}) // ev:patterns-concat
	fixed := channel.NewPubClient[msgs.Invoice](svc, fmt.Sprintf("invoices.%s.v%d", "eu", 2))
	_ = fixed.Publish(ctx, msgs.Invoice{}) // ev:patterns-constfmt
	regional := channel.NewPubClient[msgs.Invoice](svc, topics.For("eu"))
	_ = regional.Publish(ctx, msgs.Invoice{}) // ev:patterns-helper
}
