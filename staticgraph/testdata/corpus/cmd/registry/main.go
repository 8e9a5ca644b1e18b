// Case: a client looked up in a map cannot be traced: its use is
// unresolved, naming the receiver.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("registry", channel.NewMemoryBus())
	clients := map[string]*channel.PubClient[msgs.Order]{}
	clients["orders"] = channel.NewPubClient[msgs.Order](svc, "registry.orders") // ev:registry-make
	_ = clients["orders"].Publish(context.Background(), msgs.Order{})            // ev:registry-use
}
