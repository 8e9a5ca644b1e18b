// Case: a library package used by two mains; both services get its
// endpoints.
package main

import (
	"context"

	"example.com/corpus/shared"
	"github.com/tracegraph/tracegraph/channel"
)

func main() {
	ctx := context.Background()
	bus := channel.NewMemoryBus()
	_ = shared.Audit(ctx, channel.NewService("alpha", bus)) // ev:alpha-audit
	_ = shared.Ping(ctx, bus)                               // ev:alpha-ping
}
