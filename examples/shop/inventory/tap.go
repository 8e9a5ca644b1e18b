package inventory

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tracegraph/tracegraph/channel"
	"github.com/tracegraph/tracegraph/examples/shop/inventory/inventorymsg"
)

// tap copies v to the debug channel of kind through the raw bus. It goes
// around the typed clients on purpose: operators add and drop taps while
// chasing a problem, without a contract, so no PubClient declares them. The
// header still comes from the Service, so the copy stays in the trace and
// its consumers know who produced it.
func tap[T any](ctx context.Context, svc *channel.Service, kind string, v T) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("debug tap %s: encode: %w", kind, err)
	}
	ch := inventorymsg.DebugChannel(kind)
	msg := channel.Message{Header: svc.NewHeader(ctx, channel.MessageTypeOf[T]()), Data: data}
	if err := svc.Bus().Publish(ctx, ch, msg); err != nil {
		return fmt.Errorf("debug tap %s: publish on %s: %w", kind, ch, err)
	}
	return nil
}
