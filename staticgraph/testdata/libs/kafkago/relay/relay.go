// Package relay is a thin producer over a kafka-go Writer with no topic of
// its own: each caller's messages go to WriteMessages as they are, so each
// message's topic and payload come from the caller.
package relay

import (
	"context"

	"github.com/segmentio/kafka-go"
)

// Publisher is what callers keep: Producer is its one implementation.
type Publisher interface {
	Publish(ctx context.Context, msgs ...kafka.Message) error
}

// Sender has two implementations: Producer, and Discard.
type Sender interface {
	Send(ctx context.Context, msgs ...kafka.Message) error
}

// Producer writes messages to the broker it was made for.
type Producer struct {
	w *kafka.Writer
}

// New makes a Producer for the broker at addr.
func New(addr string) *Producer {
	return &Producer{w: &kafka.Writer{Addr: kafka.TCP(addr)}}
}

// Publish writes msgs, each to its own topic.
func (p *Producer) Publish(ctx context.Context, msgs ...kafka.Message) error {
	return p.w.WriteMessages(ctx, msgs...)
}

// Send writes msgs as Publish does.
func (p *Producer) Send(ctx context.Context, msgs ...kafka.Message) error {
	return p.w.WriteMessages(ctx, msgs...)
}

// Discard sends nothing: a Sender for dry runs.
type Discard struct{}

// Send drops msgs.
func (Discard) Send(context.Context, ...kafka.Message) error { return nil }
