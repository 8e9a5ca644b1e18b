package spans

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracegraph/tracegraph/telemetry"
)

// The real exports of testdata/corpora, asserted as the exact flows the
// observed graph gets from their serve and consume events.
func TestCorpora(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		flows  []string
		stats  Stats
	}{
		{
			file:   "zipkin/messaging.json",
			format: ZipkinJSON,
			flows: []string{
				// The queue: the CONSUMER's parent is the PRODUCER.
				"pubsub frontend -> backend channel=backend system=rabbitmq type= n=1 errors=0",
				// The entry point: a root SERVER span with no caller.
				"reqrep  -> frontend channel=GET / system=http type= n=1 errors=0",
			},
			stats: Stats{Spans: 4, Events: 4, Paired: 1},
		},
		{
			// The PRODUCER (transfer-service) and CONSUMER
			// (notification-service) are siblings under the missing span
			// 0153a596db406111, and four transfer-service spans hang under the
			// missing 0153a596db406c83. All six are attached to the root
			// (mobile-gateway), as Zipkin does; neither messaging span has a
			// partner, so each names its broker from remoteEndpoint: the
			// producer's hop ends at a virtual "rabbitmq" (no channel: the
			// producer span has no tags), the consumer's starts there (queue
			// "notification"). auth-service's SERVER has no CLIENT span (its
			// shared half is missing): its caller is its ancestor's service,
			// mobile-gateway. The three CLIENT spans with no server and no peer
			// name stay dangling requests.
			file:   "zipkin/messaging2.json",
			format: ZipkinJSON,
			flows: []string{
				"pubsub rabbitmq* -> notification-service channel=notification system=rabbitmq type= n=1 errors=0",
				"pubsub transfer-service -> rabbitmq* channel= system=rabbitmq type= n=1 errors=0",
				"reqrep  -> mobile-gateway channel=POST /mobile-gateway/transfer-service/transactions/{id}/ system=http type= n=1 errors=0",
				"reqrep mobile-gateway -> auth-service channel=GET /auth-service/v1/authentications/ system=http type= n=1 errors=0",
				// transfer-service's two CLIENT spans hang under its
				// missing SERVER span: their nearest remote ancestor is
				// mobile-gateway's, which called it. A call for each, on a
				// channel nothing names, as Zipkin counts them.
				"reqrep mobile-gateway -> transfer-service channel= system= type= n=2 errors=0",
			},
			stats: Stats{Spans: 11, Events: 14, VirtualPeers: 2, Orphans: 6},
		},
		{
			// A bare trace object, not wrapped in {"data":[...]}. Its HTTP spans
			// carry no route, so the channel is a template of the span name.
			file:   "jaeger/testTraceNormal.json",
			format: JaegerJSON,
			flows: []string{
				"reqrep  -> api-gateway channel=GET /api/customer/owners/{id}/pets/{id} system=http type= n=1 errors=0",
				"reqrep api-gateway -> customers-service channel=GET /owners/{id}/pets/{id} system=http type= n=1 errors=0",
			},
			stats: Stats{Spans: 5, Events: 5, Paired: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, st := readAll(t, corpus(t, tt.file), Auto, Options{})
			if got := flows(events); !reflect.DeepEqual(got, tt.flows) {
				t.Errorf("flows:\n got %q\nwant %q", got, tt.flows)
			}
			tt.stats.Format = tt.format
			st.first = nil
			if !reflect.DeepEqual(st, tt.stats) {
				t.Errorf("stats:\n got %+v\nwant %+v", st, tt.stats)
			}
		})
	}
}

// messaging2.json: every service of the file is present in the events.
func TestCorpusMessaging2Services(t *testing.T) {
	events, st := readAll(t, corpus(t, "zipkin/messaging2.json"), Auto, Options{})
	got := map[string]bool{}
	for _, e := range events {
		if !e.ServiceVirtual {
			got[e.Service] = true
		}
	}
	for _, s := range []string{"mobile-gateway", "auth-service", "transfer-service", "notification-service"} {
		if !got[s] {
			t.Errorf("service %s has no event", s)
		}
	}
	if w := st.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "6 spans whose parent is not in the input") {
		t.Errorf("warnings = %q", w)
	}
}

// Hand-written OTLP files, one rule each.
func TestOTLPFiles(t *testing.T) {
	tests := []struct {
		file  string
		flows []string
	}{
		{"pubsub_parent.json", []string{
			// Upper-case hex ids, int64 as string and as number, kind as
			// integer and as name, "resource" after "scopeSpans"; the consumer
			// takes the message type from its producer.
			"pubsub catalog -> inventory channel=sku.updated system=kafka type=catalog.SkuUpdated n=1 errors=0",
		}},
		{"pubsub_link.jsonl", []string{
			// Consumers in other traces, linked to the producer; shipping's
			// span has no destination and takes the producer's.
			"pubsub orders -> billing channel=order.placed system=nats type= n=1 errors=0",
			"pubsub orders -> shipping channel=order.placed system=nats type= n=1 errors=0",
		}},
		{"reqrep_three.json", []string{
			"reqrep  -> gateway channel=GET /orders/{id} system=http type= n=1 errors=0",
			"reqrep gateway -> orders channel=GET /v1/orders/{order} system=http type= n=1 errors=0",
			"reqrep orders -> payments channel=/payments.v1.Payments/GetStatus system=grpc type= n=1 errors=0",
		}},
		{"virtual.json", []string{
			// Named by server.address, by the messaging system, and by
			// peer.service before server.address; the CLIENT that names no
			// peer ("cache get") stays a dangling request.
			"pubsub checkout -> kafka* channel=audit system=kafka type= n=1 errors=0",
			"reqrep checkout -> api.stripe.com* channel=POST /v1/charges system=http type= n=1 errors=0",
			"reqrep checkout -> users* channel=/users.Users/GetUser system=grpc type= n=1 errors=0",
		}},
		{"error_skew.json", []string{
			"reqrep web -> stock channel=/stock.Stock/Reserve system=grpc type= n=1 errors=1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, _ := readAll(t, filepath.Join("testdata", "otlp", tt.file), Auto, Options{})
			if got := flows(events); !reflect.DeepEqual(got, tt.flows) {
				t.Errorf("flows:\n got %q\nwant %q", got, tt.flows)
			}
		})
	}
}

func eventOf(t *testing.T, events []telemetry.Event, typ, service string) telemetry.Event {
	t.Helper()
	for _, e := range events {
		if e.EventType == typ && e.Service == service {
			return e
		}
	}
	t.Fatalf("no %s event of %s in\n%s", typ, service, eventLines(events))
	return telemetry.Event{}
}

func TestErrorsAndSkew(t *testing.T) {
	events, st := readAll(t, filepath.Join("testdata", "otlp", "error_skew.json"), Auto, Options{})
	req := eventOf(t, events, telemetry.TypeRequest, "web")
	if req.Status != telemetry.StatusError || req.Error != "rpc error: code = Unavailable" || req.PeerService != "stock" {
		t.Errorf("request: %+v", req)
	}
	serve := eventOf(t, events, telemetry.TypeServe, "stock")
	if serve.Status != telemetry.StatusError || serve.Error != "out of stock" {
		t.Errorf("serve: %+v", serve)
	}
	// The server's clock is 10 ms behind: it starts before its client.
	if serve.Tags[TagLagUS] != "0" || serve.DurationUS != 40000 {
		t.Errorf("serve lag %q duration %d, want 0 and 40000", serve.Tags[TagLagUS], serve.DurationUS)
	}
	db := eventOf(t, events, TypeInternal, "stock")
	if db.DurationUS != 0 || db.Status != telemetry.StatusOK {
		t.Errorf("span ending before its start: %+v", db)
	}
	for _, e := range events {
		if e.DurationUS < 0 {
			t.Errorf("negative duration: %+v", e)
		}
	}
	if st.Skewed != 1 || st.NegativeDurations != 1 || len(st.Warnings()) != 2 {
		t.Errorf("stats %+v warnings %q", st, st.Warnings())
	}
}

func TestEventFields(t *testing.T) {
	events, _ := readAll(t, filepath.Join("testdata", "otlp", "pubsub_parent.json"), Auto, Options{})
	c := eventOf(t, events, telemetry.TypeConsume, "inventory")
	want := telemetry.Event{
		EventID:     c.EventID,
		TraceID:     "5b8efff798038103d269b633813fc60c",
		EventType:   "consume",
		Timestamp:   c.Timestamp,
		Service:     "inventory",
		Operation:   "sku.updated process",
		Channel:     "sku.updated",
		MessageType: "catalog.SkuUpdated",
		System:      "kafka",
		MessageID:   "1a2b3c4d5e6f7081",
		ParentIDs:   []string{"eee19b7ec3c1b174"},
		PeerService: "catalog",
		DurationUS:  812,
		Status:      "ok",
		Tags: map[string]string{
			"messaging.system": "kafka", "messaging.destination.name": "sku.updated",
			"messaging.consumer.group.name": "inventory", TagLagUS: "1000",
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("consume event:\n got %+v\nwant %+v", c, want)
	}
	if got := c.Timestamp.UnixNano(); got != 1700000000001000000 {
		t.Errorf("timestamp %d", got)
	}
	p := eventOf(t, events, telemetry.TypePublish, "catalog")
	if p.Tags["messaging.kafka.message.offset"] != "42" || p.PeerService != "inventory" || p.PeerVirtual {
		t.Errorf("publish event: %+v", p)
	}
}

// Importing twice gives the same ids; ids are unique and UUIDv7-shaped.
func TestEventIDsDeterministic(t *testing.T) {
	for _, file := range []string{"pubsub_parent.json", "pubsub_link.jsonl", "reqrep_three.json", "virtual.json", "error_skew.json"} {
		path := filepath.Join("testdata", "otlp", file)
		a, _ := readAll(t, path, Auto, Options{})
		b, _ := readAll(t, path, Auto, Options{})
		seen := map[string]bool{}
		for i := range a {
			if a[i].EventID != b[i].EventID {
				t.Errorf("%s: event %d id %s then %s", file, i, a[i].EventID, b[i].EventID)
			}
			if seen[a[i].EventID] {
				t.Errorf("%s: duplicate id %s", file, a[i].EventID)
			}
			seen[a[i].EventID] = true
			if id := a[i].EventID; len(id) != 36 || id[14] != '7' {
				t.Errorf("%s: id %s is not UUIDv7-shaped", file, id)
			}
		}
	}
}

// Each emitted event survives the JSONL round trip the stores use.
func TestEventsEncode(t *testing.T) {
	events, _ := readAll(t, corpus(t, "zipkin/messaging2.json"), Auto, Options{})
	var buf bytes.Buffer
	w := telemetry.NewWriter(&buf)
	for _, e := range events {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var back []telemetry.Event
	st, err := Read(context.Background(), &buf, "events.jsonl", Auto, Options{}, func(e telemetry.Event) error {
		back = append(back, e)
		return nil
	})
	if err != nil || st.Format != JSONL {
		t.Fatalf("read back: %v (format %q)", err, st.Format)
	}
	if !reflect.DeepEqual(back, events) {
		t.Errorf("events changed in the JSONL round trip")
	}
}

// The link index works whichever trace leaves the window first.
func TestLinkOrder(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "otlp", "pubsub_link.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	reversed := strings.Join([]string{lines[2], lines[1], lines[0]}, "\n")
	for name, opts := range map[string]Options{"whole": {}, "window of 1": {WindowSpans: 1}} {
		events := readString(t, reversed, opts)
		want := []string{
			"pubsub orders -> billing channel=order.placed system=nats type= n=1 errors=0",
			"pubsub orders -> shipping channel=order.placed system=nats type= n=1 errors=0",
		}
		if name == "window of 1" {
			// shipping's trace leaves the window before the producer arrives:
			// it names its peer by the messaging system, and has no channel.
			// billing's leaves as the producer arrives, and finds it by link.
			want = []string{
				"pubsub nats* -> shipping channel= system=nats type= n=1 errors=0",
				"pubsub orders -> billing channel=order.placed system=nats type= n=1 errors=0",
			}
		}
		if got := flows(events); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
}

func readString(t *testing.T, s string, opts Options) []telemetry.Event {
	t.Helper()
	var events []telemetry.Event
	_, err := Read(context.Background(), strings.NewReader(s), "test.json", Auto, opts, func(e telemetry.Event) error {
		events = append(events, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// A trace spread wider than the window is split and its late spans counted.
func TestWindowSplit(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "otlp", "reqrep_three.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st Stats
	st, err = Read(context.Background(), bytes.NewReader(data), "reqrep_three.json", Auto, Options{WindowSpans: 2}, func(telemetry.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.LateSpans == 0 || st.Spans != 5 {
		t.Errorf("stats %+v", st)
	}
	found := false
	for _, w := range st.Warnings() {
		found = found || strings.Contains(w, "raise the window")
	}
	if !found {
		t.Errorf("no window warning in %q", st.Warnings())
	}
}

// The other JSON shapes each format comes in give the same flows as the
// corpus files.
func TestEnvelopes(t *testing.T) {
	zipkin, err := os.ReadFile(corpus(t, "zipkin/messaging.json"))
	if err != nil {
		t.Fatal(err)
	}
	jaeger, err := os.ReadFile(corpus(t, "jaeger/testTraceNormal.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, file string
	}{
		{"zipkin array of traces", "[" + string(zipkin) + ",[]]", "zipkin/messaging.json"},
		{"jaeger API envelope", `{"data":[` + string(jaeger) + `],"total":0,"limit":0,"offset":0,"errors":null}`, "jaeger/testTraceNormal.json"},
		{"jaeger array of traces", "[" + string(jaeger) + "]", "jaeger/testTraceNormal.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := readAll(t, corpus(t, tt.file), Auto, Options{})
			got := readString(t, tt.in, Options{})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("events differ from %s:\n%s\nwant\n%s", tt.file, eventLines(got), eventLines(want))
			}
		})
	}
}

// Jaeger: a consumer that FOLLOWS_FROM a producer in another trace is
// linked to it; "error": false is no error.
func TestJaegerFollowsFrom(t *testing.T) {
	in := `{"data":[
{"traceID":"a1","spans":[{"traceID":"a1","spanID":"01","operationName":"send","startTime":1000,"duration":5,"processID":"p1",
  "tags":[{"key":"span.kind","type":"string","value":"producer"},{"key":"message_bus.destination","type":"string","value":"jobs"},{"key":"error","type":"bool","value":false}]}],
 "processes":{"p1":{"serviceName":"api"}}},
{"traceID":"b2","spans":[{"traceID":"b2","spanID":"02","operationName":"work","startTime":2000,"duration":9,"processID":"p1",
  "references":[{"refType":"FOLLOWS_FROM","traceID":"a1","spanID":"01"}],
  "tags":[{"key":"span.kind","type":"string","value":"consumer"},{"key":"error","type":"bool","value":true}]}],
 "processes":{"p1":{"serviceName":"worker"}}}]}`
	events := readString(t, in, Options{})
	want := []string{"pubsub api -> worker channel=jobs system= type= n=1 errors=1"}
	if got := flows(events); !reflect.DeepEqual(got, want) {
		t.Errorf("flows:\n got %q\nwant %q\n%s", got, want, eventLines(events))
	}
	c := eventOf(t, events, telemetry.TypeConsume, "worker")
	// The FOLLOWS_FROM reference points into another trace: a link, not
	// the parent. Short ids are padded as Zipkin and Jaeger pad them.
	if !reflect.DeepEqual(c.ParentIDs, []string{"0000000000000001"}) || c.TraceID != "00000000000000b2" {
		t.Errorf("consume: parent_ids %q trace %q", c.ParentIDs, c.TraceID)
	}
	if p := eventOf(t, events, telemetry.TypePublish, "api"); p.Status != telemetry.StatusOK {
		t.Errorf("error=false read as an error: %+v", p)
	}
}

// The synthesised side of a virtual peer.
func TestVirtualSide(t *testing.T) {
	events, st := readAll(t, filepath.Join("testdata", "otlp", "virtual.json"), Auto, Options{})
	req := eventOf(t, events, telemetry.TypeRequest, "checkout")
	serve := eventOf(t, events, telemetry.TypeServe, "api.stripe.com")
	if !req.PeerVirtual || req.PeerService != "api.stripe.com" {
		t.Errorf("request: %+v", req)
	}
	want := telemetry.Event{
		EventID: serve.EventID, TraceID: req.TraceID, EventType: telemetry.TypeServe, Timestamp: req.Timestamp,
		Service: "api.stripe.com", Operation: req.Operation, Channel: "POST /v1/charges", System: "http",
		MessageID: req.MessageID, ParentIDs: []string{req.MessageID}, PeerService: "checkout",
		DurationUS: 120000, Status: telemetry.StatusOK, ServiceVirtual: true, Tags: req.Tags,
	}
	if !reflect.DeepEqual(serve, want) {
		t.Errorf("synthesised serve:\n got %+v\nwant %+v", serve, want)
	}
	if serve.EventID == req.EventID {
		t.Errorf("the two sides share an event id")
	}
	if st.VirtualPeers != 3 {
		t.Errorf("VirtualPeers = %d, want 3", st.VirtualPeers)
	}
}

// TestHTTPRoute checks the channel of HTTP spans as the static analysis
// names routes: "METHOD /template".
func TestHTTPRoute(t *testing.T) {
	for _, tt := range []struct {
		name  string
		attrs []kv
		want  string
	}{
		{"GET /stock/{sku}", []kv{{"http.request.method", "GET"}, {"http.route", "/stock/{sku}"}}, "GET /stock/{sku}"},
		// otelhttp renames the span once the mux matched, without
		// http.route: the name is the route.
		{"GET /stock/{sku}", []kv{{"http.request.method", "GET"}, {"url.path", "/stock/sku-1"}}, "GET /stock/{sku}"},
		// A name without a template is no route: the path's template is.
		{"HTTP GET", []kv{{"http.request.method", "GET"}, {"url.path", "/owners/8"}}, "GET /owners/{id}"},
		// A route that is a ServeMux pattern keeps its one method.
		{"x", []kv{{"http.request.method", "POST"}, {"http.route", "POST /orders"}}, "POST /orders"},
	} {
		s := &span{kind: kindServer, name: tt.name, attrs: tt.attrs}
		s.derive("")
		if s.channel != tt.want || s.system != "http" {
			t.Errorf("span %q %v: channel %q system %q, want %q http", tt.name, tt.attrs, s.channel, s.system, tt.want)
		}
	}
}
