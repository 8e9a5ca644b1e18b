// Package skus names the NATS subject the catalog announces SKU changes
// on, and the JetStream stream that keeps them for the inventory.
package skus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Updated is the subject of catalogv1.SkuUpdated.
const Updated = "sku.updated"

// Stream is the JetStream stream that holds sku.updated.
const Stream = "OTELSHOP_SKUS"

// EnsureStream creates the stream, or updates it to this configuration.
// Both the catalog (which publishes to it) and the inventory (which
// consumes from it) call it, whichever starts first.
func EnsureStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:     Stream,
		Subjects: []string{Updated},
		MaxAge:   time.Hour,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", Stream, err)
	}
	return nil
}
