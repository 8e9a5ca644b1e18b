// Case: request/reply, the server side.
package main

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	svc := channel.NewService("quoter", channel.NewMemoryBus())
	srv := channel.NewReqRepServer[msgs.Quote, msgs.Price](svc, "rr.quote")
	_, _ = srv.Serve(context.Background(), func(context.Context, channel.Envelope[msgs.Quote]) (msgs.Price, error) { // ev:quoter
		return msgs.Price{}, nil
	})
}
