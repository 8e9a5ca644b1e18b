// Package notify sends notifications through writers kept by topic name,
// as services that hand a usecase a map of writers do.
package notify

import (
	"context"
	"encoding/json"

	"github.com/segmentio/kafka-go"
)

// Sender holds one writer per topic.
type Sender struct {
	writers map[string]*kafka.Writer
}

// NewSender keeps the writers.
func NewSender(writers map[string]*kafka.Writer) *Sender { return &Sender{writers: writers} }

// Send writes payload with the writer kept for topic. The payload is any:
// it names no message type.
func (s *Sender) Send(ctx context.Context, topic string, payload any) error {
	w, ok := s.writers[topic] // ev:notify-lookup
	if !ok {
		return nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return w.WriteMessages(ctx, kafka.Message{Value: b}) // ev:notify-write
}
