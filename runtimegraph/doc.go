// Package runtimegraph turns stored telemetry events into the observed
// topology: one flow per (kind, producer, consumer, channel, message type,
// system), measured by count, errors, latency percentiles and first and last
// sight.
//
// A consume event is the consumer's record of a pubsub hop and a serve event
// the server's record of a reqrep hop; each names its peer, so the graph is a
// single grouping over those events with no join. A publish nobody consumed,
// or a request nobody served, stays visible as a dangling flow.
//
// The same definitions are implemented twice: here over event streams (JSON
// Lines files, or any importer that yields telemetry.Event) and in SQL by the
// pgstore subpackage. Both give byte-identical graphs; in particular both
// report nearest-rank percentiles (PostgreSQL's percentile_disc) of
// durations quantized to 8 buckets per power of two (see Quantize), which the
// store can answer from per-day histograms.
package runtimegraph
