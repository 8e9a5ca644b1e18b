package shop

import (
	"context"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
)

// NewBus makes a command bus whose topics start with prefix: a closure
// capturing a parameter, bound differently by each service that calls it.
func NewBus(pub message.Publisher, prefix string) (*cqrs.CommandBus, error) {
	return cqrs.NewCommandBusWithConfig(pub, cqrs.CommandBusConfig{
		GeneratePublishTopic: func(p cqrs.CommandBusGeneratePublishTopicParams) (string, error) {
			return prefix + p.CommandName, nil
		},
		Marshaler: cqrs.JSONMarshaler{},
	})
}

// SendInvoice sends through the bus it is handed, shared by services.
func SendInvoice(ctx context.Context, bus *cqrs.CommandBus, orderID string) error {
	return bus.Send(ctx, &IssueInvoice{OrderID: orderID})
}
