// Case: a package with a type error gives a diagnostic naming the file; the
// rest of the corpus is still analysed.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("broken", channel.NewMemoryBus())
	_ = channel.NewPubClient[msgs.Order](svc, "broken.orders").Publish(context.Background(), msgs.Order{})
	var n int = "not a number" // ev:broken
	_ = n
}
