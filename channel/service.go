package channel

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/tracegraph/tracegraph/telemetry"
)

// ErrNoResponders is returned by a request to a channel nobody serves. The
// memory bus answers it at once; a transport that cannot know answers it
// when ctx expires, with ctx's error instead.
var ErrNoResponders = errors.New("channel: no responders")

// Service is one named participant. Its name is the ProducerID of every
// message it sends and the service of every event it records.
type Service struct {
	name     string
	bus      Bus
	rec      telemetry.Recorder
	codec    Codec
	now      func() time.Time
	newID    func() string
	newTrace func() string
	system   string
}

type options struct {
	rec   telemetry.Recorder
	codec Codec
	now   func() time.Time
	newID func() string
}

// Option configures a Service.
type Option func(*options)

// WithRecorder sends the Service's events to r. Without it they are dropped.
// r is called synchronously, on the goroutine that publishes or handles the
// message, so that no event is lost or reordered; it must return quickly
// (buffer, don't do I/O per event), as telemetry.Recorder requires.
func WithRecorder(r telemetry.Recorder) Option { return func(o *options) { o.rec = r } }

// WithCodec sets how payloads are encoded. JSON by default.
func WithCodec(c Codec) Option { return func(o *options) { o.codec = c } }

// WithClock sets the clock for timestamps and latencies, for deterministic
// simulations.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithIDs sets the source of message, event and trace ids, for deterministic
// simulations. newID must be safe for concurrent use.
func WithIDs(newID func() string) Option { return func(o *options) { o.newID = newID } }

// NewService returns a Service named name on bus.
func NewService(name string, bus Bus, opts ...Option) *Service {
	o := options{rec: telemetry.Discard, codec: JSON{}, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Service{name: name, bus: bus, rec: o.rec, codec: o.codec, now: o.now,
		newID: telemetry.NewEventID, newTrace: telemetry.NewTraceID}
	if s.rec == nil {
		s.rec = telemetry.Discard
	}
	if o.newID != nil {
		s.newID, s.newTrace = o.newID, o.newID
	}
	if sb, ok := bus.(interface{ System() string }); ok {
		s.system = sb.System()
	}
	return s
}

// Name returns the Service's name.
func (s *Service) Name() string { return s.name }

// Bus returns the Service's Bus.
func (s *Service) Bus() Bus { return s.bus }

// NewHeader builds the header a message of messageType made with ctx
// carries. Under an inbound header (a handler's ctx) it propagates it:
// ParentIDs = the inbound MessageID; CorrelationIDs, PTags and TraceID kept.
// Otherwise it is an origin header: in the trace StartTrace put in ctx (its
// Tags become PTags), else in a new trace, and its CorrelationIDs are its
// own MessageID, naming the chain of messages it starts. Either way ids and
// tags added to ctx by ContextWithCorrelationIDs and ContextWithMessageTags
// are added.
func (s *Service) NewHeader(ctx context.Context, messageType string) Header {
	h := Header{
		HeaderVersion:    HeaderVersion,
		MessageID:        s.newID(),
		ProducerID:       s.name,
		PayloadSchemaURI: messageType,
		TicksFromEpoch:   s.now().UnixMicro(),
	}
	sc := scopeFrom(ctx)
	switch {
	case sc != nil && sc.inbound != nil:
		in := sc.inbound
		h.TraceID = in.TraceID
		h.ParentIDs = []string{in.MessageID}
		h.CorrelationIDs = append(make([]string, 0, len(in.CorrelationIDs)+len(sc.correlationIDs)), in.CorrelationIDs...)
		h.PTags = maps.Clone(in.PTags)
	case sc != nil && sc.trace.TraceID != "":
		h.TraceID = sc.trace.TraceID
		h.CorrelationIDs = []string{h.MessageID}
		h.PTags = maps.Clone(sc.trace.Tags)
	default:
		h.TraceID = s.newTrace()
		h.CorrelationIDs = []string{h.MessageID}
	}
	if sc != nil {
		for _, id := range sc.correlationIDs {
			if !contains(h.CorrelationIDs, id) {
				h.CorrelationIDs = append(h.CorrelationIDs, id)
			}
		}
		h.MTags = maps.Clone(sc.mtags)
	}
	return h
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// hop is one recorded unit of work: the fields of its event that are known
// before the work is done.
type hop struct {
	eventType   string
	channel     string
	messageType string
	replyType   string
	header      Header
	peer        string
	start       time.Time
}

// record records the event of h, which ended with err, timing it from
// h.start. Tags are the header's PTags merged with its MTags; a PTag wins a
// clash so that the trace's tags are on every event exactly as set.
func (s *Service) record(ctx context.Context, h hop, err error) {
	op := ""
	if sc := scopeFrom(ctx); sc != nil {
		op = sc.trace.Op
	}
	e := telemetry.Event{
		EventID:     s.newID(),
		TraceID:     h.header.TraceID,
		EventType:   h.eventType,
		Timestamp:   h.start,
		Service:     s.name,
		Operation:   op,
		Channel:     h.channel,
		MessageType: h.messageType,
		ReplyType:   h.replyType,
		System:      s.system,
		MessageID:   h.header.MessageID,
		ParentIDs:   h.header.ParentIDs,
		PeerService: h.peer,
		DurationUS:  s.now().Sub(h.start).Microseconds(),
		Status:      telemetry.StatusOK,
		Tags:        mergeTags(h.header.PTags, h.header.MTags),
	}
	if err != nil {
		e.Status, e.Error = telemetry.StatusError, err.Error()
	}
	s.rec.Record(ctx, e)
}

func mergeTags(ptags, mtags map[string]string) map[string]string {
	switch {
	case len(mtags) == 0 && len(ptags) == 0:
		return nil
	case len(mtags) == 0:
		return maps.Clone(ptags)
	}
	m := maps.Clone(mtags)
	maps.Copy(m, ptags)
	return m
}

// StartTrace begins a new trace for the operation op of svc: it records a
// "start" event and returns a ctx carrying the trace (tags become the PTags
// of every message sent with it) and an end func. end records the
// "complete" event, its status and error taken from *errp (errp may be nil),
// its latency from the start; calls after the first do nothing. A ctx under
// an inbound header starts a new trace all the same; the header is hidden.
func StartTrace(ctx context.Context, svc *Service, op string, tags map[string]string) (context.Context, func(errp *error)) {
	tc := TraceContext{TraceID: svc.newTrace(), Op: op, Tags: maps.Clone(tags)}
	ctx = withScope(ctx, &scope{trace: tc})
	h := hop{header: Header{TraceID: tc.TraceID, PTags: tc.Tags}, start: svc.now()}
	start := h
	start.eventType = telemetry.TypeStart
	svc.record(ctx, start, nil)
	var once sync.Once
	return ctx, func(errp *error) {
		once.Do(func() {
			var err error
			if errp != nil {
				err = *errp
			}
			h.eventType = telemetry.TypeComplete
			svc.record(ctx, h, err)
		})
	}
}
