// Command billing invoices orders: a command bus whose marshaler names
// messages by struct name alone, topics from a helper closure, the bus
// handed to a function by pointer, an event group processor, and a poison
// queue for messages its handlers fail on.
package main

import (
	"context"
	"log"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"example.com/libs/watermill/shop"
)

func main() {
	logger := watermill.NewStdLogger(false, false)
	pubSub := gochannel.NewGoChannel(gochannel.Config{}, logger)
	router, err := message.NewRouter(message.RouterConfig{}, logger)
	if err != nil {
		log.Fatal(err)
	}
	poison, err := middleware.PoisonQueue(pubSub, "billing.poison")
	if err != nil {
		log.Fatal(err)
	}
	router.AddMiddleware(poison)

	marshaler := cqrs.JSONMarshaler{GenerateName: cqrs.StructName}
	topic := func(name string) string { return "billing." + name }

	commandBus, err := cqrs.NewCommandBusWithConfig(pubSub, cqrs.CommandBusConfig{
		GeneratePublishTopic: func(p cqrs.CommandBusGeneratePublishTopicParams) (string, error) {
			return topic(p.CommandName), nil
		},
		Marshaler: marshaler,
	})
	if err != nil {
		log.Fatal(err)
	}

	events, err := cqrs.NewEventGroupProcessorWithConfig(router, cqrs.EventGroupProcessorConfig{
		GenerateSubscribeTopic: func(p cqrs.EventGroupProcessorGenerateSubscribeTopicParams) (string, error) {
			return "billing.group." + p.EventGroupName, nil
		},
		SubscriberConstructor: func(cqrs.EventGroupProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			return pubSub, nil
		},
		Marshaler: marshaler,
	})
	if err != nil {
		log.Fatal(err)
	}
	err = events.AddHandlersGroup("invoicing", cqrs.NewGroupEventHandler(func(ctx context.Context, e *shop.InvoiceIssued) error {
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}

	// A marshaler that names messages with a function of its own: the
	// name is not followed, so the topic is unresolved, not guessed.
	audit, err := cqrs.NewEventBusWithConfig(pubSub, cqrs.EventBusConfig{
		GeneratePublishTopic: func(p cqrs.GenerateEventPublishTopicParams) (string, error) {
			return "billing.audit." + p.EventName, nil
		},
		Marshaler: cqrs.JSONMarshaler{GenerateName: func(v any) string { return "audited" }},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := audit.Publish(context.Background(), &shop.InvoiceIssued{OrderID: "o-1"}); err != nil {
		log.Print(err)
	}

	go invoice(commandBus, "o-1")
	if shared, err := shop.NewBus(pubSub, "billing.v2."); err == nil {
		_ = shop.SendInvoice(context.Background(), shared, "o-1")
	}
	if err := router.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// invoice sends through the bus it is handed: the bus's topic function
// and marshaler are those it was built with.
func invoice(bus *cqrs.CommandBus, orderID string) {
	if err := bus.Send(context.Background(), &shop.IssueInvoice{OrderID: orderID}); err != nil {
		log.Print(err)
	}
}
