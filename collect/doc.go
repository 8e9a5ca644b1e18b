// Package collect is a live OTLP trace receiver that pairs the spans of
// every export into telemetry events and stores them: what `tracegraph
// collect` runs, so that services exporting OpenTelemetry traces feed the
// observed graph with no files in between.
//
// # Protocol
//
// OTLP/gRPC TraceService/Export (RegisterGRPC) and OTLP/HTTP POST
// /v1/traces with protobuf or JSON bodies, gzip or not (HTTPHandler), on the
// OpenTelemetry proto module's generated service. As the OTLP specification
// says:
//   - A request whose spans are all readable gets an empty success; spans
//     that cannot be read (ids of the wrong length) are counted in a
//     partial success with the first reason.
//   - When the store falls behind (more than Options.MaxQueued events paired
//     and not stored) an export is refused with RESOURCE_EXHAUSTED and a
//     RetryInfo, or HTTP 429 with Retry-After; when the store cannot stage
//     the spans, with UNAVAILABLE or HTTP 503 and Retry-After. Exporters
//     retry both; refusals, not memory, absorb overload.
//   - A request over the maximum size (DefaultMaxMessageBytes, decompressed)
//     is refused: RESOURCE_EXHAUSTED from gRPC, HTTP 413. A malformed body is
//     INVALID_ARGUMENT or HTTP 400 with protobuf's or protojson's reason.
//
// # Pairing across requests
//
// A trace's spans arrive in many exports, in any order. They wait in a
// spans.Pairer until the trace has had no new span for Options.Window (as
// the servicegraph connector's store waits), or until more than
// Options.WindowSpans spans are held, when the least recently touched trace
// goes first. A trace is then paired exactly as the file importers pair it,
// so the graph equals `observed --events` on the same spans however they
// were batched, as long as each trace's spans arrive within the window. A
// half whose partner comes later still is emitted as the file importers emit
// it: a virtual peer, an ancestor's caller, or a dangling end.
//
// # What is acknowledged when, and what a crash can lose
//
// With PostgreSQL (PGStore) an export is acknowledged only after its spans
// are staged: the request as it arrived, one row in the table staged_spans,
// committed. When a trace is paired, its events are written (idempotently:
// event ids derive from the trace id, the span id and the role); then, in
// one transaction, each export whose every trace is now stored is deleted,
// and the traces stored from exports still staged are recorded in
// staged_done. A crash at any point therefore loses no acknowledged span: at
// the next start, Start reads the instance's staged exports back and pairs
// again the traces staged_done does not name, and events written before the
// crash are not stored twice. (Pairing a stored trace's leftover spans on
// their own would make events it never had, so those are skipped.) An
// export that was not acknowledged (refused, or cut off) is the exporter's
// to retry. Several instances can share one database: each stages under its
// own instance name and reads back only its own rows, and with trace-ID
// routing (the collector's loadbalancing exporter) each trace goes to one.
//
// With a JSON Lines file (FileStore) nothing is staged: acknowledged spans
// whose traces are not yet paired (at most Options.Window's worth) are lost
// if the process dies; Shutdown writes everything.
//
// # Operations
//
// HTTPHandler also serves /healthz (the process is up), /readyz (staged
// spans are recovered and exports are taken) and /metrics, in Prometheus'
// format from a registry of the Collector's own: spans accepted, rejected
// and refused, hops paired, spans expired (paired because their trace went
// idle or the window was full), spans held, events stored, store errors,
// and the store's lag in events and in seconds. Logs go through log/slog.
package collect
