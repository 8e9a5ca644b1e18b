// Case: clients kept in a map by name and looked up by a constant key: a
// key the map holds is that client's flow; one it does not hold is no flow
// and a diagnostic at the lookup.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("registry", channel.NewMemoryBus())
	clients := map[string]*channel.PubClient[msgs.Order]{}
	clients["orders"] = channel.NewPubClient[msgs.Order](svc, "registry.orders")
	_ = clients["orders"].Publish(context.Background(), msgs.Order{})  // ev:registry-use
	_ = clients["billing"].Publish(context.Background(), msgs.Order{}) // ev:registry-missing
}
