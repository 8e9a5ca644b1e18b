// Package deadhelper has a helper that no main calls.
package deadhelper

import (
	"context"

	"example.com/corpus/msgs"
	"github.com/tracegraph/tracegraph/channel"
)

func Unused(ctx context.Context, svc *channel.Service) error {
	return channel.NewPubClient[msgs.Order](svc, "dead.orders").Publish(ctx, msgs.Order{}) // ev:dead
}
