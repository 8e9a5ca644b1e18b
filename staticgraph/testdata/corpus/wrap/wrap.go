// Package wrap has wrappers whose channel name and message type come from
// their callers.
package wrap

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

// Send publishes an order on ch.
func Send(ctx context.Context, svc *channel.Service, ch string, o msgs.Order) error {
	return channel.NewPubClient[msgs.Order](svc, ch).Publish(ctx, o) // ev:wrap-send
}

// Publish publishes v on ch: the message type is the type parameter.
func Publish[T any](ctx context.Context, svc *channel.Service, ch string, v T) error {
	pub := channel.NewPubClient[T](svc, ch)
	return pub.Publish(ctx, v) // ev:wrap-generic
}

// Publisher keeps a client in a field of a generic type.
type Publisher[T any] struct {
	pub *channel.PubClient[T]
}

func NewPublisher[T any](svc *channel.Service, ch string) *Publisher[T] {
	return &Publisher[T]{pub: channel.NewPubClient[T](svc, ch)}
}

func (p *Publisher[T]) Emit(ctx context.Context, v T) error {
	return p.pub.Publish(ctx, v) // ev:wrap-emit
}
