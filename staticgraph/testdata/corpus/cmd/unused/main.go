// Case: a client built and never used is a diagnostic, not an endpoint.
package main

import (
	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("unused", channel.NewMemoryBus())
	pub := channel.NewPubClient[msgs.Order](svc, "unused.orders") // ev:unused
	_ = pub
}
