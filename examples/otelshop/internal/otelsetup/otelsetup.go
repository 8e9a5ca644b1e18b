// Package otelsetup builds the tracer provider an otelshop service
// exports its spans with, over OTLP/gRPC or OTLP/HTTP, and installs it
// with the W3C trace-context propagator as the process's globals, which
// otelgrpc, otelhttp and natstrace use.
//
// The resource, and so service.name, is the caller's: each main builds its
// own with semconv.ServiceName, which is how tracegraph's static analysis
// names the service as its spans do.
package otelsetup

import (
	"context"
	"fmt"
	"log"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Protocols of the OTLP exporter.
const (
	GRPC = "grpc" // otlptracegrpc, to host:port (default localhost:4317)
	HTTP = "http" // otlptracehttp, to host:port (default localhost:4318) + /v1/traces
)

// batchTimeout is how long a finished span waits to be exported: short,
// so that a collector sees a trace soon after it ends.
const batchTimeout = 200 * time.Millisecond

// flushTimeout bounds the export of what is buffered at exit.
const flushTimeout = 10 * time.Second

// Start installs a tracer provider that exports over protocol to endpoint
// (host:port, plain text; empty: the exporter's default, or the
// OTEL_EXPORTER_OTLP_* variables). Call the returned flush before the
// process exits: it shuts the provider down, which exports what is
// buffered, and logs what it could not.
func Start(ctx context.Context, protocol, endpoint string, res *resource.Resource) (flush func(), err error) {
	var exp sdktrace.SpanExporter
	switch protocol {
	case GRPC:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithInsecure()}
		if endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpoint(endpoint))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	case HTTP:
		opts := []otlptracehttp.Option{otlptracehttp.WithInsecure()}
		if endpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpoint(endpoint))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("otelsetup: protocol %q: want %q or %q", protocol, GRPC, HTTP)
	}
	if err != nil {
		return nil, fmt.Errorf("otelsetup: %s exporter: %w", protocol, err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(batchTimeout)),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			log.Printf("flushing spans: %v", err)
		}
	}, nil
}
