package telemetry

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/google/uuid"
)

// NewEventID returns a time-ordered id (UUIDv7). Time order keeps inserts at
// the right edge of the store's unique index.
func NewEventID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// NewTraceID returns a random 128-bit trace id in lower-case hex, the form
// OpenTelemetry, Zipkin and Jaeger use.
func NewTraceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
