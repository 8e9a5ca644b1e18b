// Package jsonlibs benchmarks JSON libraries on tracegraph's inputs, beside
// tracegraph's own scanner (internal/jsonscan) and decoders: telemetry
// events (JSONL lines), OTLP/JSON ResourceSpans and Zipkin spans, each
// decoded into the types tracegraph reads and, separately, only checked
// for syntax. It is a module of its own so that the main module does not
// depend on the five libraries, in a directory whose leading _ keeps it
// out of ./... and of tracegraph static. bench/jsonlibs.sh runs it and
// prints the table (docs/design.md keeps the last one).
package jsonlibs
