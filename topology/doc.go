// Package topology is the graph model every other part of tracegraph speaks:
// services, the endpoints each side finds (publish, subscribe, request,
// serve), the flows derived from them, and what could not be resolved.
//
// The static analyzer and the runtime aggregator both produce a Graph; diff
// compares two; render draws one. A Graph's JSON form, schema
// "tracegraph/v1", is a public contract and is byte-for-byte deterministic:
// Encode sorts every list, so graphs committed to git diff cleanly.
//
// Views (services, messages, channels), cycle listing and focus are computed
// on gonum graphs built from a Graph.
package topology
