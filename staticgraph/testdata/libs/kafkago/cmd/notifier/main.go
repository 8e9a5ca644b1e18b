// Command notifier sends mail and SMS requests through writers kept in a
// map by topic name; one lookup names a topic the map has no writer for.
package main

import (
	"context"
	"log"

	"github.com/segmentio/kafka-go"

	"example.com/libs/kafkago/clicks"
	"example.com/libs/kafkago/notify"
)

const (
	topicMail = "notify.mail"
	topicSMS  = "notify.sms"
)

func main() {
	ctx := context.Background()
	writers := map[string]*kafka.Writer{
		topicMail: kafka.NewWriter(kafka.WriterConfig{Brokers: []string{clicks.Broker}, Topic: topicMail}),
		topicSMS:  {Addr: kafka.TCP(clicks.Broker), Topic: topicSMS},
	}
	s := notify.NewSender(writers)
	if err := s.Send(ctx, topicMail, map[string]string{"to": "a@example.com"}); err != nil { // ev:notify-mail
		log.Print(err)
	}
	if err := s.Send(ctx, topicSMS, clicks.Signup{Visitor: "u1"}); err != nil { // ev:notify-sms
		log.Print(err)
	}
	if err := s.Send(ctx, "notify.push", nil); err != nil { // no writer for this topic
		log.Print(err)
	}

	// Writers made in a loop: which key holds which writer is not
	// followed, so the lookup is unresolved, not a write to every topic.
	byTopic := map[string]*kafka.Writer{}
	for _, t := range []string{"notify.a", "notify.b"} {
		byTopic[t] = &kafka.Writer{Addr: kafka.TCP(clicks.Broker), Topic: t}
	}
	if err := byTopic["notify.a"].WriteMessages(ctx, kafka.Message{Value: []byte("a")}); err != nil {
		log.Print(err)
	}
}
