package telemetry

import (
	"context"
	"time"
)

// Event types. A custom event type is any other lower-case word.
const (
	TypePublish  = "publish"
	TypeConsume  = "consume"
	TypeRequest  = "request"
	TypeServe    = "serve"
	TypeStart    = "start"
	TypeComplete = "complete"
	TypeError    = "error"
)

// Statuses.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// Event is one immutable telemetry record.
//
// peer_service names the other side of a hop: a consume event's peer is the
// producer and a serve event's peer is the requester. That makes the observed
// graph a single GROUP BY over consume and serve events, with no join.
type Event struct {
	EventID     string    `json:"event_id"`
	TraceID     string    `json:"trace_id"`
	EventType   string    `json:"event_type"`
	Timestamp   time.Time `json:"timestamp"`
	Service     string    `json:"service"`
	Operation   string    `json:"operation,omitempty"`
	Channel     string    `json:"channel,omitempty"`
	MessageType string    `json:"message_type,omitempty"`
	ReplyType   string    `json:"reply_type,omitempty"`
	System      string    `json:"system,omitempty"`
	MessageID   string    `json:"message_id,omitempty"`
	ParentIDs   []string  `json:"parent_ids,omitempty"`
	PeerService string    `json:"peer_service,omitempty"`
	PeerVirtual bool      `json:"peer_virtual,omitempty"`
	// ServiceVirtual marks an event a span importer made for a virtual peer
	// (a broker, an uninstrumented server), so that the graph shows the hop
	// and still knows the service is not a real one.
	ServiceVirtual bool              `json:"service_virtual,omitempty"`
	DurationUS     int64             `json:"duration_us"`
	Status         string            `json:"status"`
	Error          string            `json:"error,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
}

// Normalize puts an event in the canonical form every store keeps: UTC,
// microsecond precision (PostgreSQL's timestamptz), an "ok" status when none
// is given. Events read back from any backend are therefore byte-identical
// when re-encoded.
func (e *Event) Normalize() {
	e.Timestamp = e.Timestamp.UTC().Truncate(time.Microsecond)
	if e.Status == "" {
		e.Status = StatusOK
	}
	if len(e.Tags) == 0 {
		e.Tags = nil
	}
	if len(e.ParentIDs) == 0 {
		e.ParentIDs = nil
	}
}

// Recorder receives events as they happen. Implementations must be safe for
// concurrent use and must not block the caller for long: a service's message
// handling never waits on its telemetry. Errors are the recorder's to report
// (for example from Close); a lost event never fails a publish.
type Recorder interface {
	Record(ctx context.Context, e Event)
}

// RecorderFunc adapts a function to a Recorder.
type RecorderFunc func(ctx context.Context, e Event)

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, e Event) { f(ctx, e) }

// Discard is a Recorder that drops every event.
var Discard Recorder = RecorderFunc(func(context.Context, Event) {})
