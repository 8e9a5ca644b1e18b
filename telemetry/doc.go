// Package telemetry defines the Event record that every part of tracegraph
// speaks: what services emit while they run, what the stores keep, and what
// the observed graph is built from.
//
// An Event is immutable once recorded. Events travel as JSON Lines on disk
// (see Writer and Reader) and as one table in PostgreSQL. The JSON field
// names are a public contract; see docs/design.md, "The telemetry event".
package telemetry
