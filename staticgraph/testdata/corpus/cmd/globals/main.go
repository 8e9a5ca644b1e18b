// Case: a Service and a client in package-level variables.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

var (
	svc    = channel.NewService("globals", channel.NewMemoryBus())
	orders = channel.NewPubClient[msgs.Order](svc, "global.orders")
)

func main() {
	_ = orders.Publish(context.Background(), msgs.Order{}) // ev:globals
}
