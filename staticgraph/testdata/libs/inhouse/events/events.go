// Package events is the company's event SDK: services emit and handle
// events by topic, and the SDK posts them to the event gateway over HTTP.
// No messaging library is visible to the analysis, so tracegraph learns
// these functions from tracegraph.yaml.
package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

type busKey struct{}

// Bus is a connection to the event gateway.
type Bus struct {
	Gateway  string
	Client   *http.Client
	handlers map[string][]func(context.Context, []byte) error
}

// WithBus returns a context that Emit and On use.
func WithBus(ctx context.Context, b *Bus) context.Context {
	return context.WithValue(ctx, busKey{}, b)
}

func busFrom(ctx context.Context) (*Bus, error) {
	b, ok := ctx.Value(busKey{}).(*Bus)
	if !ok {
		return nil, fmt.Errorf("events: no bus in context")
	}
	return b, nil
}

// Emit publishes v as JSON on topic.
func Emit(ctx context.Context, topic string, v any) error {
	b, err := busFrom(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("events: emit %s: %w", topic, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.Gateway+"/topics/"+topic, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return fmt.Errorf("events: emit %s: %w", topic, err)
	}
	return resp.Body.Close()
}

// On registers fn for every event on topic, decoded as a T.
func On[T any](ctx context.Context, topic string, fn func(context.Context, T) error) error {
	b, err := busFrom(ctx)
	if err != nil {
		return err
	}
	if b.handlers == nil {
		b.handlers = map[string][]func(context.Context, []byte) error{}
	}
	b.handlers[topic] = append(b.handlers[topic], func(ctx context.Context, data []byte) error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("events: %s: %w", topic, err)
		}
		return fn(ctx, v)
	})
	return nil
}

// Topic is a typed handle on one topic.
type Topic[T any] struct {
	name string
}

// NewTopic returns the handle of topic name carrying T.
func NewTopic[T any](name string) Topic[T] {
	return Topic[T]{name: name}
}

// Emit publishes v on the topic.
func (t Topic[T]) Emit(ctx context.Context, v T) error {
	return Emit(ctx, t.name, v)
}
