// Case: request/reply, the client side, held by a value passed to a method.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

type quotes = channel.ReqRepClient[msgs.Quote, msgs.Price]

func ask(ctx context.Context, q *quotes) (msgs.Price, error) {
	return q.Request(ctx, msgs.Quote{SKU: "x"}) // ev:pricer
}

func main() {
	svc := channel.NewService("pricer", channel.NewMemoryBus())
	_, _ = ask(context.Background(), channel.NewReqRepClient[msgs.Quote, msgs.Price](svc, "rr.quote")) // ev:pricer-ask
}
