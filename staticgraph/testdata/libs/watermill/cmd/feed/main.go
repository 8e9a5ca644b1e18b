// Command feed streams orders to browsers over server-sent events and
// forwards them to a partner over watermill-http's HTTP publisher.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/ThreeDotsLabs/watermill"
	wmhttp "github.com/ThreeDotsLabs/watermill-http/v2/pkg/http"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"example.com/libs/watermill/shop"
)

type ordersStream struct{}

func (ordersStream) InitialStreamResponse(w http.ResponseWriter, r *http.Request) (any, bool) {
	return nil, true
}

func (ordersStream) NextStreamResponse(r *http.Request, msg *message.Message) (any, bool) {
	return string(msg.Payload), true
}

func main() {
	logger := watermill.NewStdLogger(false, false)
	pubSub := gochannel.NewGoChannel(gochannel.Config{}, logger)

	sse, err := wmhttp.NewSSERouter(wmhttp.SSERouterConfig{UpstreamSubscriber: pubSub, ErrorHandler: wmhttp.DefaultErrorHandler}, logger)
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/orders/stream", sse.AddHandler(shop.TopicOrderPlaced, ordersStream{}))

	// The HTTP publisher posts each message to the URL its topic names.
	partner, err := wmhttp.NewPublisher(wmhttp.PublisherConfig{MarshalMessageFunc: wmhttp.DefaultMarshalMessageFunc}, logger)
	if err != nil {
		log.Fatal(err)
	}
	if err := partner.Publish("http://partner:8080/orders", message.NewMessage(watermill.NewUUID(), []byte("{}"))); err != nil {
		log.Print(err)
	}

	go func() { _ = sse.Run(context.Background()) }()
	log.Fatal(http.ListenAndServe(":8090", nil))
}
