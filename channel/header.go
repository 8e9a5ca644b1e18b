package channel

import (
	"context"
	"maps"
	"slices"
)

// HeaderVersion is the version of Header this package writes.
const HeaderVersion = 1

// Header travels with every message. Its fields are the seed platform's,
// plus TraceID.
type Header struct {
	HeaderVersion    int               `json:"header_version"`
	CorrelationIDs   []string          `json:"correlation_ids,omitempty"`
	MessageID        string            `json:"message_id"`
	ParentIDs        []string          `json:"parent_ids,omitempty"`
	ProducerID       string            `json:"producer_id"`        // the producing Service's name
	PayloadSchemaURI string            `json:"payload_schema_uri"` // message type, as go/types prints it
	TicksFromEpoch   int64             `json:"ticks_from_epoch"`   // microseconds since the Unix epoch
	MTags            map[string]string `json:"mtags,omitempty"`    // message-scoped tags
	PTags            map[string]string `json:"ptags,omitempty"`    // trace-scoped (propagated) tags
	TraceID          string            `json:"trace_id"`           // the trace this message belongs to
}

// Clone returns a deep copy, so that a receiver may keep or change it without
// touching what other receivers of the same message see.
func (h Header) Clone() Header {
	h.CorrelationIDs = slices.Clone(h.CorrelationIDs)
	h.ParentIDs = slices.Clone(h.ParentIDs)
	h.MTags = maps.Clone(h.MTags)
	h.PTags = maps.Clone(h.PTags)
	return h
}

// Envelope is a typed message with its header, as a handler receives it.
type Envelope[T any] struct {
	Header  Header
	Payload T
}

// TraceContext is the trace a ctx belongs to: its id, the operation being
// performed, and the trace-scoped tags that every message and event in it
// carries.
type TraceContext struct {
	TraceID string
	Op      string
	Tags    map[string]string
}

// scope is what this package keeps in a ctx. One value holds both the trace
// and the inbound header so that StartTrace, which begins a new trace, also
// hides any inbound header it was called under.
type scope struct {
	trace   TraceContext
	inbound *Header
	// Additions for the next messages made with this ctx.
	correlationIDs []string
	mtags          map[string]string
}

type scopeKey struct{}

func scopeFrom(ctx context.Context) *scope {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}

func withScope(ctx context.Context, s *scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// TraceFrom returns the trace ctx belongs to: the one StartTrace began, or,
// in a handler, the inbound message's trace.
func TraceFrom(ctx context.Context) (TraceContext, bool) {
	s := scopeFrom(ctx)
	if s == nil || s.trace.TraceID == "" {
		return TraceContext{}, false
	}
	return s.trace, true
}

// HeaderFrom returns the inbound header a handler's ctx carries.
func HeaderFrom(ctx context.Context) (Header, bool) {
	s := scopeFrom(ctx)
	if s == nil || s.inbound == nil {
		return Header{}, false
	}
	return *s.inbound, true
}

// ContextWithInbound returns a ctx carrying h as its inbound header, as a
// handler's ctx does, so that code handling raw Bus messages propagates
// them too. The ctx's operation is kept.
func ContextWithInbound(ctx context.Context, h Header) context.Context {
	op := ""
	if s := scopeFrom(ctx); s != nil {
		op = s.trace.Op
	}
	return inboundContext(ctx, &h, op)
}

// inboundContext is a handler's ctx: it carries the inbound header and its
// trace, and the handler's operation.
func inboundContext(ctx context.Context, h *Header, op string) context.Context {
	return withScope(ctx, &scope{trace: TraceContext{TraceID: h.TraceID, Op: op, Tags: h.PTags}, inbound: h})
}

// ContextWithCorrelationIDs returns a ctx whose next messages carry ids as
// well as the correlation ids they would carry anyway.
func ContextWithCorrelationIDs(ctx context.Context, ids ...string) context.Context {
	s := derive(ctx)
	s.correlationIDs = append(slices.Clone(s.correlationIDs), ids...)
	return withScope(ctx, s)
}

// ContextWithMessageTags returns a ctx whose next messages carry tags as
// message-scoped tags (MTags). Unlike PTags they are not propagated further.
func ContextWithMessageTags(ctx context.Context, tags map[string]string) context.Context {
	s := derive(ctx)
	m := maps.Clone(s.mtags)
	if m == nil {
		m = make(map[string]string, len(tags))
	}
	maps.Copy(m, tags)
	s.mtags = m
	return withScope(ctx, s)
}

// ContextWithOperation returns a ctx whose events name op as their
// operation, for a handler that performs more than one.
func ContextWithOperation(ctx context.Context, op string) context.Context {
	s := derive(ctx)
	s.trace.Op = op
	return withScope(ctx, s)
}

// derive copies the scope of ctx, so that a derived ctx never changes its
// parent's.
func derive(ctx context.Context) *scope {
	if s := scopeFrom(ctx); s != nil {
		c := *s
		return &c
	}
	return &scope{}
}
