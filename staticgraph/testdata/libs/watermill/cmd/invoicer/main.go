// Command invoicer sends invoices through the shared bus helpers with its
// own prefix: billing's prefix is not its.
package main

import (
	"context"
	"log"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"example.com/libs/watermill/shop"
)

func main() {
	pubSub := gochannel.NewGoChannel(gochannel.Config{}, watermill.NewStdLogger(false, false))
	bus, err := shop.NewBus(pubSub, "invoicer.")
	if err != nil {
		log.Fatal(err)
	}
	if err := shop.SendInvoice(context.Background(), bus, "o-2"); err != nil {
		log.Print(err)
	}
}
