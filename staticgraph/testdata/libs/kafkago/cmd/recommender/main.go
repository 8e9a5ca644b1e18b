// Command recommender answers searches with suggestions.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"

	"github.com/segmentio/kafka-go"

	"example.com/libs/kafkago/clicks"
)

func main() {
	var topic string
	flag.StringVar(&topic, "topic", "clicks.searches", "topic to read searches from")
	flag.Parse()

	ctx := context.Background()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{clicks.Broker}, GroupID: "recommender", Topic: topic})
	defer r.Close()
	w := &kafka.Writer{Addr: kafka.TCP(clicks.Broker)}
	defer w.Close()

	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			log.Fatal(err)
		}
		var s clicks.Search
		if err := json.Unmarshal(m.Value, &s); err != nil {
			continue
		}
		out, err := json.Marshal(clicks.Suggestions{Items: []string{s.Query + " set"}})
		if err != nil {
			continue
		}
		// The reply topic is request data.
		if err := w.WriteMessages(ctx, kafka.Message{Topic: s.ReplyTopic, Value: out}); err != nil {
			log.Print(err)
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			log.Print(err)
		}
	}
}
