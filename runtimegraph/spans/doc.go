// Package spans turns span exports (OpenTelemetry OTLP, Zipkin, Jaeger)
// into telemetry events, pairing the two sides of every hop so that each
// stored event carries its peer_service.
//
// # API
//
//	f, err := spans.ParseFormat(flagValue)   // --input-format: "auto" or "" detects
//	st, err := spans.Read(ctx, file, path, f, spans.Options{}, func(e telemetry.Event) error {...})
//	for _, w := range st.Warnings() { ... }  // one line each, for stderr
//
// Read detects the format from the first PrefixSize bytes when given Auto
// (Detect does that alone). JSONL (tracegraph's own events) passes through
// unchanged, so a command can hand every file to Read.
//
// # Formats
//
//   - otlp-json: OTLP/JSON TracesData, which is ExportTraceServiceRequest on
//     the wire; several objects separated by white space are read in turn, so
//     otlp-jsonl (the collector file exporter, one request per line) is the
//     same reader. Read as protojson reads it, ids in hex as OTLP/JSON writes
//     them (or base64, as plain protojson writes them), int64 as strings or
//     numbers, enums as integers or names.
//   - otlp-proto: the collector file exporter's proto format (each message
//     after a 4-byte big-endian length), or one raw message.
//   - zipkin: a Zipkin v2 JSON array of spans, or an array of traces. A v1
//     span (binaryAnnotations, or annotations carrying endpoints) is an
//     error naming where it is, not a span with no service.
//   - jaeger: the Jaeger query API's {"data":[trace...]}, a bare trace
//     {"traceID","spans","processes"} (what jaeger-ui saves), or an array of
//     traces.
//
// # Pairing rules
//
// Span kind decides direction. A CLIENT span and the SERVER span whose parent
// it is (or, in Zipkin, that shares its id) make one request/reply hop, and
// so does a PRODUCER with such a SERVER (a message pushed over HTTP); a
// PRODUCER or CLIENT and a CONSUMER whose parent it is, or a PRODUCER that a
// CONSUMER links to by a span
// link (in Jaeger, any reference that is not the parent), make one
// publish/consume hop. Links may cross traces. Each span becomes events:
//
//   - CLIENT → request, SERVER → serve, PRODUCER → publish, CONSUMER →
//     consume, INTERNAL and unspecified → "internal" (kept for the trace
//     view; the observed graph ignores them). A kind or status the format
//     does not define ("SERVER_OOPS", 9) reads as unspecified and is
//     counted (Stats.UnknownEnums).
//   - peer_service is the service.name of the other side's span. A CONSUMER
//     fed by producers of several services gives one consume event per
//     service; a PRODUCER read by several consumers names the first by
//     service name in its publish event.
//   - A CLIENT or PRODUCER with no partner span names its peer from
//     service.peer.name, peer.service, Zipkin's remoteEndpoint.serviceName,
//     server.address, net.peer.name, http.host, the host of url.full or
//     http.url, and for a PRODUCER last the messaging system. The peer is
//     marked virtual (PeerVirtual) and, because the observed graph is built
//     from serve and consume events only, a serve or consume event is
//     synthesised for the virtual service (Service = the virtual name,
//     PeerService = the real one, ServiceVirtual set, same trace,
//     message id and timing as the sending span). An aggregator marks a
//     service virtual when it is only ever a virtual peer or the Service of
//     such events. With no name at all the request or publish stays
//     dangling (empty peer_service).
//   - A SERVER with no CLIENT span takes the service of its nearest ancestor
//     span in another service (as Zipkin's DependencyLinker takes the RPC
//     ancestor), else the name the span itself gives its caller
//     (service.peer.name, peer.service, remoteEndpoint.serviceName, marked
//     virtual), else no peer: an entry point. A CONSUMER with no PRODUCER
//     span names its peer like an unpaired PRODUCER, marked virtual.
//   - A CLIENT span whose nearest ancestor that is not INTERNAL (nor a
//     Zipkin span of no kind) runs in another service tells that the
//     ancestor's service called the CLIENT's, whose SERVER span is missing
//     between them, as Zipkin's DependencyLinker infers: a serve event is
//     inferred for the CLIENT's service, peer the ancestor's, no channel,
//     tag TagInferred = "caller-ancestor", one for each such CLIENT span, as
//     Zipkin counts them. A CLIENT ancestor so named gets no virtual peer.
//   - A database call (a CLIENT with db.system) with no SERVER names its
//     peer from service.peer.name, peer.service, remoteEndpoint, then
//     db.namespace, db.name, else db.system, as the servicegraph
//     connector's virtual database node; its system is db.system.
//   - Channel: for messaging, messaging.destination.template, else
//     messaging.destination.name, else the older messaging.destination, else
//     Brave's kafka.topic, rabbit.queue, rabbit.exchange, jms.queue,
//     jms.topic, else message_bus.destination. For request/reply, the full
//     RPC method (rpc.method when it holds "service/method", else
//     rpc.service/rpc.method; for gRPC with a leading "/", as gRPC and the
//     static analysis name a method: "/pkg.Service/Method"), else
//     "METHOD route" from http.route, else
//     from a span name that is a route ("GET /stock/{sku}", which otelhttp
//     gives a server span once the mux has matched), else from a template of
//     url.path, http.target, http.path, the path of url.full or http.url, or
//     a span name such as "GET /owners/8" (segments that look like ids
//     become {id}). An event takes its own span's channel, else its
//     partner's. These are the channels the static analysis gives HTTP
//     routes, and topology.HTTPMatch pairs a template with a route.
//   - System: messaging.system, rpc.system or rpc.system.name (db.system
//     or db.system.name for a CLIENT),
//     else kafka, rabbitmq or jms from Brave's tag prefixes, else,
//     for messaging, the broker the span names (service.peer.name,
//     peer.service, remoteEndpoint.serviceName), else http for an HTTP
//     route; own span first, then the partner's. The broker view
//     (topology.Graph.ThroughBrokers) draws messaging through it.
//   - Message type: the attribute Options.MessageTypeAttr
//     (DefaultMessageTypeAttr), own span first, then the partner's; else
//     empty.
//   - Errors: OTLP status code 2 (ERROR) with its message, the "error" tag
//     (Zipkin: present; Jaeger: true), otel.status_code = ERROR with
//     otel.status_description. A hop fails when either side does: a paired
//     serve or consume event is an error when its own span or its CLIENT's
//     or PRODUCER's is, the message then naming the failed partner span.
//   - Missing fields: a span with no start time (Zipkin v2 allows it) is
//     dated from its nearest dated ancestor, else the trace's earliest span,
//     else the Unix epoch. A CLIENT, PRODUCER or INTERNAL span with no
//     service name takes its nearest named ancestor's within the process (a
//     nameless SERVER or CONSUMER ancestor ends the search), as Zipkin's
//     linker does, else it is unknown_service. Both are counted
//     (Stats.NoStart, Stats.NoService). Only a span with no trace or span id
//     is skipped.
//   - Missing parents: a span whose parent is not in the input is still
//     emitted and counted (Stats.Orphans), and is attached to the trace's
//     root span, if the trace has exactly one, for the ancestor rules above,
//     as Zipkin's tree builder does (Stats.HeadlessOrphans counts those of
//     traces with none). Its parent_ids keep the missing id. A SERVER or
//     CONSUMER orphan whose caller nothing names is an entry point, counted
//     apart (Stats.LostCallers).
//   - Clock skew: a span ending before it starts gets duration 0; a
//     SERVER or CONSUMER starting before its partner gets lag 0 (tag
//     TagLagUS). Both are counted and reported by Stats.Warnings.
//
// Every event has a deterministic event_id: UUIDv7-shaped, the span's start
// millisecond followed by a hash of (trace id, span id, event type), so
// importing a file twice stores each event once. message_id is the span id,
// parent_ids the parent span id then the linked span ids, duration_us the
// span's own duration, tags the span attributes as strings (the first
// Options.MaxTags by key, cut to Options.MaxTagBytes).
//
// # The result for Zipkin's messaging2.json
//
// In that export (testdata/corpora/zipkin/messaging2.json) the PRODUCER of
// transfer-service and the CONSUMER of notification-service are siblings
// under a parent span that is missing, as are four other transfer-service
// spans. All six are counted as orphans and attached to the root
// (mobile-gateway's SERVER span). Neither messaging span has a partner, so
// each names its broker from its remoteEndpoint. transfer-service's two
// CLIENT spans have mobile-gateway's SERVER as their nearest remote ancestor, so
// mobile-gateway called transfer-service. The observed graph gets exactly
// these flows:
//
//	pubsub   transfer-service -> rabbitmq (virtual)   channel "", system rabbitmq (the producer span has no tags)
//	pubsub   rabbitmq (virtual) -> notification-service  channel "notification", system rabbitmq
//	reqrep   mobile-gateway -> auth-service            channel "GET /auth-service/v1/authentications/" (auth-service's
//	         SERVER has no CLIENT span: its caller is its ancestor's service)
//	reqrep   (entry) -> mobile-gateway                 channel "POST /mobile-gateway/transfer-service/transactions/{id}/"
//	reqrep   mobile-gateway -> transfer-service        channel "", 2 calls (inferred: its SERVER span is missing)
//
// The three CLIENT spans that name no peer stay dangling requests; every
// service of the file has events. The producer and consumer are not paired
// with each other: nothing in the data links them but a shared missing
// parent, and guessing would invent flows. With the broker view
// (topology.Graph.ThroughBrokers, --brokers) these are exactly the links
// Zipkin's DependencyLinker gives the file (TestZipkinCorpusLinks).
//
// # Where tracegraph differs from the reference linkers
//
// The observed graph equals Zipkin's DependencyLinker and the
// OpenTelemetry Collector's servicegraph connector on the cases of their
// own tests (zipkinlinker_test.go, servicegraph_test.go), except on these,
// by choice:
//
//  1. Messaging is drawn producer → consumer, the hop the spans show,
//     even when no span names a broker; Zipkin draws it through the broker
//     and links nothing without one. The broker view draws Zipkin's.
//  2. The broker view draws both halves of a paired hop through the
//     broker either span names; Zipkin draws only the half whose span
//     names it. A flow has one broker, the receiving span's: a producer
//     that names another keeps that as a send of its own.
//  3. The broker's in-edge counts deliveries (one per consume event),
//     not publishes: the observed graph is built from the receiving side.
//  4. A sending span and its receiving child are one hop whatever their
//     kinds (a CONSUMER under a CLIENT), as the connector pairs them;
//     Zipkin links messaging spans only through a named broker.
//  5. A span with no service name, and no named ancestor in its process,
//     is unknown_service, as the OpenTelemetry SDKs name it, and counted
//     in a warning; both references drop its hop. The hop happened.
//  6. An unknown caller or callee is never invented: a root SERVER with
//     no caller is an entry point (a flow with no From), where the connector
//     draws a "user" node; a request nothing answers or names stays
//     dangling, where the connector draws one "unknown" node for all. A
//     SERVER that names its caller (peer.service) gets that caller, virtual.
//  7. A SERVER or CONSUMER whose caller's span is missing and unnamed
//     stays an entry point, counted apart (Stats.LostCallers); both
//     references drop it. A diff needs it: a dangling observed serve is
//     covered by any declared caller of its route, and without it a
//     declared route with no known client would look unobserved.
//  8. An unpaired PRODUCER or CONSUMER names its broker (from
//     messaging.system at the latest) as a virtual peer; the connector
//     drops such a half when it expires.
//  9. A batch CONSUMER linked to several PRODUCER spans of one service
//     is one consume event, one call; the connector counts each link.
//  10. A span of a kind OTLP does not define is a service with spans of
//     its own, not a virtual node, and is counted in a warning.
//  11. A trace imported twice counts once: event ids are derived from the
//     spans and stores keep one event per id. Zipkin's linker counts each
//     putTrace.
//
// docs/spans.md gives the same list for users.
//
// # Memory and speed
//
// Input is streamed. JSON is framed (strings and nesting only) into units
// that are decoded whole: one OTLP ResourceSpans, one Zipkin span or trace
// array, one Jaeger trace (whose processes may follow its spans); protobuf
// one message or, for a raw message, one ResourceSpans. A unit is at most
// Options.MaxMessageBytes. Units are decoded on GOMAXPROCS workers and their
// spans handed on in file order, so the output does not depend on the
// number of workers.
//
// Decoding is most of the work, and protojson and encoding/json are too
// slow for it (about 10 and 5 µs a span), so each JSON format has a decoder
// of its own for the forms exporters write (otlpfast.go, zipkinfast.go),
// which declines anything else — unknown or snake_case fields, nulls,
// base64 ids, exponents, surrogate escapes, duplicate fields, odd syntax —
// and hands that unit to protojson or encoding/json, which decide what it
// means or which error it is. The differential fuzz targets
// FuzzOTLPFastDiff and FuzzZipkinFastDiff check that whatever the fast
// decoder takes, the general one reads to the same spans. Protobuf has the
// same arrangement (otlpwire.go): a walk of the wire format with protowire
// straight into spans, for the file importer and for Pairer.ConvertProto
// (what collect runs on every export), about 2.4 times as fast as
// proto.Unmarshal and Convert with a ninth of the allocations; it declines
// duplicate or mistyped fields, fields of the generated messages it does
// not read, ids of odd lengths and invalid UTF-8 and leaves them to proto,
// and FuzzOTLPWireDiff checks it the same way. Work on a span
// that needs no other span (sorting its attributes, deriving channel,
// system and message type, its tags and main event id) is done on the
// workers too, and the events of flushed traces are built on GOMAXPROCS
// goroutines, a batch of traces at a time, and emitted in flush order.
// Allocation, and the collector's work on it, is a large share of the
// time, so each worker interns the short strings its fast decoder reads
// (a direct-mapped cache of 4096: attribute keys, services, common values,
// a trace's ids), drained jobs are reused whole, and a flushed trace's id
// lists and its events' ParentIDs are cut from one block each.
//
// Spans wait for pairing in a window of open traces holding at most
// Options.WindowSpans spans; past that the least recently touched trace is
// paired and emitted. Zipkin and Jaeger files are grouped by trace and OTLP
// batches are written soon after spans end, so the two sides of a hop are
// normally close in a file. The trade-off: a trace spread over more than the
// window is split, hops across the split lose their partner (the sending
// side gets a virtual peer, the receiving side an ancestor or no peer), and
// Stats.LateSpans counts the spans that arrived too late. Events are emitted
// trace by trace, sorted by time within a trace. Memory is bounded by the
// window, the jobs in flight and one batch of flushed traces
// (buildBatchSpans spans).
package spans
