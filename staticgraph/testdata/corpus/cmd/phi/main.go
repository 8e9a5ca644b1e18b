// Case: a name with two constant definitions, and names ranged over in a
// slice literal: each is declared.
package main

import (
	"context"
	"os"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("phi", channel.NewMemoryBus())
	ch := "phi.a"
	if len(os.Args) > 1 {
		ch = "phi.b"
	}
	_ = channel.NewPubClient[msgs.Order](svc, ch).Publish(context.Background(), msgs.Order{}) // ev:phi
	for _, region := range []string{"phi.eu", "phi.us"} {
		_ = channel.NewPubClient[msgs.Invoice](svc, region).Publish(context.Background(), msgs.Invoice{}) // ev:phi-range
	}
}
