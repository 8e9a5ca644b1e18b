// Command orders takes orders, asks shipping to ship the paid ones and
// marks them shipped.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"example.com/libs/watermill/shop"
)

func main() {
	ctx := context.Background()
	logger := watermill.NewStdLogger(false, false)
	pubSub := gochannel.NewGoChannel(gochannel.Config{}, logger)

	if err := placeOrder(pubSub, shop.OrderPlaced{OrderID: "o-1", Amount: 1200, ReplyTopic: "receipts.web"}); err != nil {
		log.Fatal(err)
	}

	commandBus, err := cqrs.NewCommandBusWithConfig(pubSub, cqrs.CommandBusConfig{
		GeneratePublishTopic: func(p cqrs.CommandBusGeneratePublishTopicParams) (string, error) {
			return "commands." + p.CommandName, nil
		},
		Marshaler: cqrs.JSONMarshaler{},
		Logger:    logger,
	})
	if err != nil {
		log.Fatal(err)
	}

	router, err := message.NewRouter(message.RouterConfig{}, logger)
	if err != nil {
		log.Fatal(err)
	}
	events, err := cqrs.NewEventProcessorWithConfig(router, cqrs.EventProcessorConfig{
		GenerateSubscribeTopic: func(p cqrs.EventProcessorGenerateSubscribeTopicParams) (string, error) {
			return p.EventName, nil
		},
		SubscriberConstructor: func(cqrs.EventProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			return pubSub, nil
		},
		Marshaler: cqrs.JSONMarshaler{},
		Logger:    logger,
	})
	if err != nil {
		log.Fatal(err)
	}
	err = events.AddHandlers(cqrs.NewEventHandler("MarkShipped", func(ctx context.Context, e *shop.OrderShipped) error {
		log.Printf("order %s shipped", e.OrderID)
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := router.Run(ctx); err != nil {
			log.Fatal(err)
		}
	}()

	// Subscribe called on the concrete *gochannel.GoChannel, not on the
	// message.Subscriber interface.
	payments, err := pubSub.Subscribe(ctx, shop.TopicPaymentCaptured)
	if err != nil {
		log.Fatal(err)
	}
	for msg := range payments {
		var paid shop.PaymentCaptured
		if err := json.Unmarshal(msg.Payload, &paid); err != nil {
			msg.Nack()
			continue
		}
		if err := commandBus.Send(msg.Context(), &shop.ShipOrder{OrderID: paid.OrderID}); err != nil {
			msg.Nack()
			continue
		}
		msg.Ack()
	}
}

// placeOrder publishes through the interface, as code that is handed a
// Publisher does.
func placeOrder(pub message.Publisher, o shop.OrderPlaced) error {
	payload, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return pub.Publish(shop.TopicOrderPlaced, message.NewMessage(watermill.NewUUID(), payload))
}
