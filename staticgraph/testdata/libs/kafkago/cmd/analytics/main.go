// Command analytics counts page views, searches and signups.
package main

import (
	"context"
	"log"

	"github.com/segmentio/kafka-go"

	"example.com/libs/kafkago/clicks"
)

func main() {
	ctx := context.Background()
	group := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     []string{clicks.Broker},
		GroupID:     "analytics",
		GroupTopics: []string{clicks.TopicPageViews, clicks.TopicSearches},
	})
	defer group.Close()

	cfg := kafka.ReaderConfig{Brokers: []string{clicks.Broker}, Topic: clicks.TopicSignups, Partition: 0}
	signups := kafka.NewReader(cfg)
	defer signups.Close()

	go func() {
		for {
			m, err := signups.ReadMessage(ctx)
			if err != nil {
				return
			}
			log.Printf("signup %s", m.Value)
		}
	}()
	for {
		m, err := group.ReadMessage(ctx)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %s", m.Topic, m.Value)
	}
}
