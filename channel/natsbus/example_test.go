package natsbus_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/channel/natsbus"
)

// The channel library over NATS: the same services as on the memory bus,
// with a Bus on a NATS connection.
func Example() {
	nc, err := nats.Connect(natsURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	bus := natsbus.New(nc)
	ctx := context.Background()
	subj := subject("catalog.update-sku") // "catalog.update-sku" in a real system

	catalog := channel.NewService("catalog", bus)
	srv := channel.NewReqRepServer[Ping, Pong](catalog, subj)
	sub, err := srv.Serve(ctx, func(ctx context.Context, env channel.Envelope[Ping]) (Pong, error) {
		return Pong{N: env.Payload.N * 2}, nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()

	merchantAPI := channel.NewService("merchant-api", bus)
	cli := channel.NewReqRepClient[Ping, Pong](merchantAPI, subj)
	ctx, end := channel.StartTrace(ctx, merchantAPI, "UpdateSku", map[string]string{"merchant_id": "4c5d6e7"})
	defer end(&err)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rep, err := cli.Request(ctx, Ping{N: 21})
	fmt.Println(rep.N, err)

	_, err = channel.NewReqRepClient[Ping, Pong](merchantAPI, subject("nobody.serves")).Request(ctx, Ping{})
	fmt.Println(errors.Is(err, channel.ErrNoResponders))
	// Output:
	// 42 <nil>
	// true
}
