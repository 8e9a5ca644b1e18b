// Package natstrace carries OpenTelemetry trace context through NATS
// message headers and makes the PRODUCER and CONSUMER spans of a publish
// and of its processing, with the messaging attributes tracegraph (and
// any OpenTelemetry backend) reads: messaging.system = nats and
// messaging.destination.name = the subject.
//
//	ctx, span, h := natstrace.StartPublish(ctx, subject, ev)   // before the publish
//	_, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: data, Header: h})
//	natstrace.End(span, err)
//
//	ctx, span := natstrace.StartProcess(ctx, msg.Subject, msg.Header) // in the handler
//	defer func() { natstrace.End(span, err) }()
//
// The context goes through the globally installed propagator (W3C
// traceparent), and the spans come from the global tracer provider.
package natstrace

import (
	"context"
	"reflect"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

const scope = "github.com/tracegraph/tracegraph/examples/otelshop/internal/natstrace"

// MessageTypeKey is the span attribute naming the Go type of the payload,
// as go/types prints it; it is the attribute tracegraph reads a span's
// message type from by default (spans.DefaultMessageTypeAttr), so the
// observed message type can be compared with the declared one.
const MessageTypeKey = attribute.Key("messaging.message.type")

// Carrier is a nats.Header as a propagation.TextMapCarrier.
type Carrier nats.Header

var _ propagation.TextMapCarrier = Carrier(nil)

// Get returns the first value of key.
func (c Carrier) Get(key string) string { return nats.Header(c).Get(key) }

// Set sets key to the one value value.
func (c Carrier) Set(key, value string) { nats.Header(c).Set(key, value) }

// Keys lists the keys present.
func (c Carrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// StartPublish starts the PRODUCER span of a publish of payload on subject
// and returns the header to send the message with, which carries the
// span's context.
func StartPublish(ctx context.Context, subject string, payload any) (context.Context, trace.Span, nats.Header) {
	attrs := []attribute.KeyValue{
		semconv.MessagingSystemKey.String("nats"),
		semconv.MessagingDestinationName(subject),
		semconv.MessagingOperationTypeSend,
		semconv.MessagingOperationName("publish"),
	}
	if t := typeName(payload); t != "" {
		attrs = append(attrs, MessageTypeKey.String(t))
	}
	ctx, span := otel.Tracer(scope).Start(ctx, "publish "+subject,
		trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(attrs...))
	h := nats.Header{}
	otel.GetTextMapPropagator().Inject(ctx, Carrier(h))
	return ctx, span, h
}

// StartProcess starts the CONSUMER span of processing a message received
// on subject, a child of the PRODUCER span whose context h carries.
func StartProcess(ctx context.Context, subject string, h nats.Header) (context.Context, trace.Span) {
	if h != nil {
		ctx = otel.GetTextMapPropagator().Extract(ctx, Carrier(h))
	}
	return otel.Tracer(scope).Start(ctx, "process "+subject,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingDestinationName(subject),
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingOperationName("process"),
		))
}

// End ends span, with status ERROR and the error recorded when err is set.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// typeName is the payload's named type as go/types prints it
// ("example.com/shop.SkuUpdated"), any pointer removed.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" || t.PkgPath() == "" {
		return ""
	}
	return t.PkgPath() + "." + t.Name()
}
