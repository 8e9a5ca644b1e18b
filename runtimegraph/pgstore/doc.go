// Package pgstore keeps telemetry events in PostgreSQL and computes the
// observed graph there, in SQL, with the same meaning and the same bytes as
// runtimegraph computes from files.
//
// The schema is created and upgraded by versioned migrations embedded in
// the binary, serialized by an advisory lock. Events live in one table
// partitioned by day, keyed by (ts, event_id): ids are time-ordered, so new
// rows land at the right edge of the key index, and the key makes ingest
// idempotent. Ingest streams binary COPY in batches, one transaction per
// batch, and falls back to filtering out stored ids only for a batch that
// hits the key.
package pgstore
