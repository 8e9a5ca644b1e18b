// Command tracker records what visitors do.
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/segmentio/kafka-go"

	"example.com/libs/kafkago/clicks"
	"example.com/libs/kafkago/relay"
)

// emitter keeps a Writer bound to one topic in a struct field.
type emitter struct {
	views *kafka.Writer
}

func (e *emitter) pageView(ctx context.Context, v clicks.PageView) error {
	value, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.views.WriteMessages(ctx, kafka.Message{Key: []byte(v.Visitor), Value: value})
}

func main() {
	ctx := context.Background()
	e := &emitter{views: &kafka.Writer{
		Addr:     kafka.TCP(clicks.Broker),
		Topic:    clicks.TopicPageViews,
		Balancer: &kafka.LeastBytes{},
	}}
	defer e.views.Close()
	if err := e.pageView(ctx, clicks.PageView{Visitor: "v-1", Path: "/"}); err != nil {
		log.Fatal(err)
	}

	// A Writer with no topic: every message names its own.
	w := &kafka.Writer{Addr: kafka.TCP(clicks.Broker)}
	defer w.Close()
	signup, err := json.Marshal(clicks.Signup{Visitor: "v-1", Email: "a@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	search, err := json.Marshal(clicks.Search{Visitor: "v-1", Query: "mug", ReplyTopic: "session.v-1"})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.WriteMessages(ctx,
		kafka.Message{Topic: clicks.TopicSignups, Value: signup},
		kafka.Message{Topic: clicks.TopicSearches, Value: search},
	); err != nil {
		log.Fatal(err)
	}

	// The relay billing uses too: this main's message is its own, and
	// billing's are not this main's.
	exp, err := json.Marshal(clicks.Export{Day: "2026-12-04"})
	if err != nil {
		log.Fatal(err)
	}
	if err := relay.New(clicks.Broker).Publish(ctx, kafka.Message{Topic: clicks.TopicExports, Value: exp}); err != nil {
		log.Fatal(err)
	}
}
