// Case: a name with two constant definitions: both are declared.
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
}
