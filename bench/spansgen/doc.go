// Command spansgen writes a synthetic span export of about a given size, for
// the importer's memory and speed runs (bench/spans.sh):
//
//	spansgen -format otlp-json|zipkin -mb 1024 > spans.json
//
// The traces are spanstest's: six spans each, three hops.
package main
