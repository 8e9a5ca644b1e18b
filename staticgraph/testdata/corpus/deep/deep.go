// Package deep receives a Service and passes it down through two calls
// before a client is built from it.
package deep

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func Start(ctx context.Context, svc *channel.Service) error {
	return middle(ctx, svc) // ev:deep-start
}

func middle(ctx context.Context, svc *channel.Service) error {
	return inner(ctx, svc) // ev:deep-middle
}

func inner(ctx context.Context, svc *channel.Service) error {
	sub := channel.NewSubClient[msgs.Order](svc, "deep.orders")
	_, err := sub.Subscribe(ctx, func(context.Context, channel.Envelope[msgs.Order]) error { return nil }) // ev:deep
	return err
}
