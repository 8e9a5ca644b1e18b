// Case: a Service passed down through two calls. The service is named by
// its NewService constant, not by this directory.
package main

import (
	"context"

	"example.com/corpus/deep"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("deep-svc", channel.NewMemoryBus())
	_ = deep.Start(context.Background(), svc) // ev:deepmain
}
