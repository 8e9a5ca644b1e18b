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
//
// Without tag filters, the observed graph of a window's whole UTC days
// comes from a daily rollup, its whole UTC hours at the ends from an hourly
// one, and only its partial first and last hours from the events, so
// --since 7d reads less than an hour of events, not seven days. The rollup
// holds, per day (and per hour) and group, counts, errors, first and last
// sight, and a histogram of quantized durations (runtimegraph.Quantize), so
// its cost depends on the number of groups, not of events. A store counts the
// events of its committed batches in memory and writes them as rollup rows
// on Flush (Close and Recorder.Close flush; Write does when the pending
// rollup grows large, and a Recorder every RollupEvery). Each batch's
// transaction adds its events to the day's stored count and each flush to
// its rolled count; a day is answered from the rollup only when the two
// agree, else from the events, by the same definitions, so the answer is
// the same either way, and one query adds the two parts up. A store that
// dies before flushing leaves its days answered from the events until
// they are recomputed from them: by the next writing store's HealStale,
// or Repair (heal.go says why that is right while other stores write).
// Each batch also records the lines of the input files it holds
// (WriteProgress), so that a resumed load passes over them (Committed).
package pgstore
