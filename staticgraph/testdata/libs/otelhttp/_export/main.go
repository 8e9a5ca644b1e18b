// Command _export makes spans.otlp.json, the observed side of the HTTP
// diff test: it runs the orders client against the inventory's routes in
// one process, each traced by otelhttp with its own tracer provider and
// service.name, exports the spans with the OTLP/HTTP exporter to a
// receiver here, and writes what it received as OTLP/JSON.
//
//	go run ./_export > spans.otlp.json
//
// The directory's leading underscore keeps it out of ./..., so it is no
// service of the system.
package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"example.com/libs/otelhttp/inventory"
	"example.com/libs/otelhttp/orders"
)

func main() {
	ctx := context.Background()
	var mu sync.Mutex
	var got []*tracepb.ResourceSpans
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, req.ResourceSpans...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil)
	}))
	defer receiver.Close()

	provider := func(service string) *sdktrace.TracerProvider {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(receiver.URL+"/v1/traces"))
		if err != nil {
			log.Fatal(err)
		}
		return sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
			sdktrace.WithResource(sdkresource.NewSchemaless(semconv.ServiceName(service))))
	}
	invTP, ordTP := provider("inventory"), provider("orders")
	prop := otelhttp.WithPropagators(propagation.TraceContext{})

	server := httptest.NewServer(otelhttp.NewHandler(inventory.Routes(), "inventory", otelhttp.WithTracerProvider(invTP), prop))
	defer server.Close()
	// The client dials the test server whatever host the URL names, so
	// the spans say http://inventory:8080 as the code does.
	dial := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, server.Listener.Addr().String())
	}}
	c := &orders.Client{HTTP: &http.Client{Transport: otelhttp.NewTransport(dial, otelhttp.WithTracerProvider(ordTP), prop)}}
	for _, sku := range []string{"sku-1", "sku-2"} {
		if err := c.Stock(ctx, sku); err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Reserve(ctx, "sku-1", 2); err != nil {
		log.Fatal(err)
	}
	for _, tp := range []*sdktrace.TracerProvider{ordTP, invTP} {
		if err := tp.Shutdown(ctx); err != nil {
			log.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.SortStableFunc(got, func(a, b *tracepb.ResourceSpans) int {
		return strings.Compare(a.Resource.String(), b.Resource.String())
	})
	out, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(&tracepb.TracesData{ResourceSpans: got})
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(append(out, '\n'))
}
