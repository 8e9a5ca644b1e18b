// Command payments captures the payment of every placed order and sends the
// customer a receipt.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/ThreeDotsLabs/watermill"
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

	router.AddHandler("capture-payment", shop.TopicOrderPlaced, pubSub, shop.TopicPaymentCaptured, pubSub, capture)

	router.AddNoPublisherHandler("send-receipt", shop.TopicOrderPlaced, pubSub, func(msg *message.Message) error {
		var o shop.OrderPlaced
		if err := json.Unmarshal(msg.Payload, &o); err != nil {
			return err
		}
		payload, err := json.Marshal(shop.Receipt{OrderID: o.OrderID, Amount: o.Amount})
		if err != nil {
			return err
		}
		// The topic is request data: no analysis can know it.
		return pubSub.Publish(o.ReplyTopic, message.NewMessage(watermill.NewUUID(), payload))
	})

	if err := router.Run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// capture is a method-less handler func: it turns an order into a payment
// event.
func capture(msg *message.Message) ([]*message.Message, error) {
	var o shop.OrderPlaced
	if err := json.Unmarshal(msg.Payload, &o); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(shop.PaymentCaptured{OrderID: o.OrderID})
	if err != nil {
		return nil, err
	}
	return []*message.Message{message.NewMessage(watermill.NewUUID(), payload)}, nil
}
