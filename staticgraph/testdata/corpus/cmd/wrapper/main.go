// Case: a wrapper whose channel name comes from a parameter, called twice.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"example.com/corpus/wrap"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	ctx := context.Background()
	svc := channel.NewService("wrapper", channel.NewMemoryBus())
	_ = wrap.Send(ctx, svc, "wrap.one", msgs.Order{}) // ev:wrapper-one
	_ = wrap.Send(ctx, svc, "wrap.two", msgs.Order{}) // ev:wrapper-two
}
