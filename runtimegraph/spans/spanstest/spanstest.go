// Package spanstest writes synthetic span exports, OTLP/JSON and Zipkin
// JSON, for the importer's benchmarks and the bench/ scripts. Every trace is
// the same shape, so the events it must give are known: a gateway SERVER
// calls orders (CLIENT, SERVER), which publishes to billing (PRODUCER,
// CONSUMER) and runs one INTERNAL span, six spans in all.
package spanstest

import (
	"bufio"
	"fmt"
	"io"
)

// SpansPerTrace is the number of spans in each generated trace.
const SpansPerTrace = 6

// Generator writes traces with ids derived from their number, so output is
// deterministic.
type Generator struct {
	// TracesPerBatch is how many traces one OTLP request (one line) or one
	// Zipkin array element group holds.
	TracesPerBatch int
	// Start is the first trace's start, Unix nanoseconds.
	Start int64
}

// NewGenerator returns a Generator with 50 traces a batch.
func NewGenerator() *Generator {
	return &Generator{TracesPerBatch: 50, Start: 1_700_000_000_000_000_000}
}

type genSpan struct {
	service, id, parent, name, kind string
	off, dur                        int64
	attrs                           [][2]string
}

func (g *Generator) trace(i int) (traceID string, spans []genSpan) {
	traceID = fmt.Sprintf("%016x%016x", uint64(i)*0x9e3779b97f4a7c15+1, uint64(i)+1)
	id := func(n int) string { return fmt.Sprintf("%08x%08x", uint32(i)*2654435761+1, n) }
	return traceID, []genSpan{
		{"gateway", id(1), "", "GET /orders/{id}", "SERVER", 0, 9_000_000,
			[][2]string{{"http.request.method", "GET"}, {"http.route", "/orders/{id}"}, {"url.path", fmt.Sprintf("/orders/%d", i)}, {"http.response.status_code", "200"}, {"user_agent.original", "Mozilla/5.0"}}},
		{"gateway", id(2), id(1), "GET", "CLIENT", 500_000, 8_000_000,
			[][2]string{{"http.request.method", "GET"}, {"server.address", "orders"}, {"url.full", fmt.Sprintf("http://orders/v1/orders/%d", i)}}},
		{"orders", id(3), id(2), "GET /v1/orders/{order}", "SERVER", 1_000_000, 7_000_000,
			[][2]string{{"http.request.method", "GET"}, {"http.route", "/v1/orders/{order}"}, {"http.response.status_code", "200"}}},
		{"orders", id(4), id(3), "load order", "INTERNAL", 1_500_000, 2_000_000,
			[][2]string{{"db.system", "postgresql"}, {"db.statement", "SELECT * FROM orders WHERE id = $1"}}},
		{"orders", id(5), id(3), "order.viewed publish", "PRODUCER", 4_000_000, 200_000,
			[][2]string{{"messaging.system", "kafka"}, {"messaging.destination.name", "order.viewed"}, {"messaging.message.type", "orders.OrderViewed"}}},
		{"billing", id(6), id(5), "order.viewed process", "CONSUMER", 5_000_000, 1_000_000,
			[][2]string{{"messaging.system", "kafka"}, {"messaging.destination.name", "order.viewed"}, {"messaging.consumer.group.name", "billing"}}},
	}
}

var otlpKinds = map[string]int{"INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}

// WriteOTLPJSON writes traces [from, to) as OTLP/JSON, one TracesData per
// batch and line (the collector file exporter's form), one ResourceSpans per
// service and batch, as SDKs batch.
func (g *Generator) WriteOTLPJSON(w io.Writer, from, to int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for b := from; b < to; b += g.TracesPerBatch {
		end := min(b+g.TracesPerBatch, to)
		byService := map[string][]string{}
		var order []string
		for i := b; i < end; i++ {
			traceID, spans := g.trace(i)
			start := g.Start + int64(i)*1_000_000
			for _, s := range spans {
				if _, ok := byService[s.service]; !ok {
					order = append(order, s.service)
				}
				js := fmt.Sprintf(`{"traceId":%q,"spanId":%q,"parentSpanId":%q,"name":%q,"kind":%d,"startTimeUnixNano":"%d","endTimeUnixNano":"%d","attributes":[%s],"status":{}}`,
					traceID, s.id, s.parent, s.name, otlpKinds[s.kind], start+s.off, start+s.off+s.dur, otlpAttrs(s.attrs))
				byService[s.service] = append(byService[s.service], js)
			}
		}
		bw.WriteString(`{"resourceSpans":[`)
		for i, svc := range order {
			if i > 0 {
				bw.WriteByte(',')
			}
			fmt.Fprintf(bw, `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":%q}},{"key":"telemetry.sdk.language","value":{"stringValue":"go"}}]},"scopeSpans":[{"scope":{"name":"bench"},"spans":[`, svc)
			for j, js := range byService[svc] {
				if j > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString(js)
			}
			bw.WriteString(`]}]}`)
		}
		bw.WriteString("]}\n")
	}
	return bw.Flush()
}

func otlpAttrs(attrs [][2]string) string {
	out := make([]byte, 0, 256)
	for i, a := range attrs {
		if i > 0 {
			out = append(out, ',')
		}
		out = fmt.Appendf(out, `{"key":%q,"value":{"stringValue":%q}}`, a[0], a[1])
	}
	return string(out)
}

// WriteZipkin writes traces [from, to) as one Zipkin v2 JSON span array,
// spans grouped by trace as Zipkin's API returns them.
func (g *Generator) WriteZipkin(w io.Writer, from, to int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("[")
	first := true
	for i := from; i < to; i++ {
		traceID, spans := g.trace(i)
		start := (g.Start + int64(i)*1_000_000) / 1000
		for _, s := range spans {
			if !first {
				bw.WriteString(",\n")
			}
			first = false
			kind := ""
			if s.kind != "INTERNAL" {
				kind = fmt.Sprintf(`"kind":%q,`, s.kind)
			}
			parent := ""
			if s.parent != "" {
				parent = fmt.Sprintf(`"parentId":%q,`, s.parent)
			}
			fmt.Fprintf(bw, `{"traceId":%q,%s"id":%q,%s"name":%q,"timestamp":%d,"duration":%d,"localEndpoint":{"serviceName":%q,"ipv4":"10.0.0.1"},"tags":{`,
				traceID, parent, s.id, kind, s.name, start+s.off/1000, s.dur/1000, s.service)
			for j, a := range s.attrs {
				if j > 0 {
					bw.WriteByte(',')
				}
				fmt.Fprintf(bw, "%q:%q", a[0], a[1])
			}
			bw.WriteString("}}")
		}
	}
	bw.WriteString("]\n")
	return bw.Flush()
}
