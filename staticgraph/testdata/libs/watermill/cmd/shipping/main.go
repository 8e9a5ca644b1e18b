// Command shipping ships orders on command and announces it.
package main

import (
	"context"
	"log"
	"os"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
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

	eventBus, err := cqrs.NewEventBusWithConfig(pubSub, cqrs.EventBusConfig{
		GeneratePublishTopic: func(p cqrs.GenerateEventPublishTopicParams) (string, error) {
			return p.EventName, nil
		},
		Marshaler: cqrs.JSONMarshaler{},
		Logger:    logger,
	})
	if err != nil {
		log.Fatal(err)
	}

	commands, err := cqrs.NewCommandProcessorWithConfig(router, cqrs.CommandProcessorConfig{
		GenerateSubscribeTopic: func(p cqrs.CommandProcessorGenerateSubscribeTopicParams) (string, error) {
			return "commands." + p.CommandName, nil
		},
		SubscriberConstructor: func(cqrs.CommandProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			return pubSub, nil
		},
		Marshaler: cqrs.JSONMarshaler{},
		Logger:    logger,
	})
	if err != nil {
		log.Fatal(err)
	}
	err = commands.AddHandlers(cqrs.NewCommandHandler("ShipOrder", func(ctx context.Context, cmd *shop.ShipOrder) error {
		return eventBus.Publish(ctx, &shop.OrderShipped{OrderID: cmd.OrderID})
	}))
	if err != nil {
		log.Fatal(err)
	}

	// The audit topic is deployment configuration with a visible default.
	auditTopic := envOr("SHIPPING_AUDIT_TOPIC", "shipping.audit")
	router.AddConsumerHandler("audit", auditTopic, pubSub, func(msg *message.Message) error {
		log.Printf("audit %s", msg.UUID)
		return nil
	})

	if err := router.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// envOr is the usual getenv-or-default helper.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
