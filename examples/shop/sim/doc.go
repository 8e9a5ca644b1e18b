// Package sim runs the whole shop in one process over the memory bus and
// drives a deterministic scenario of merchants updating SKUs: the same
// Config gives byte-identical events.
//
// Three things make it deterministic. Time is a simulated clock that every
// Service reads and that simulated work advances by seeded, log-normal
// latencies. Ids come from a seeded generator (still UUIDv7-shaped, with the
// simulated time in their first 48 bits). And a sequencing bus in front of
// the memory bus runs subscribers one at a time, in the order their messages
// were published, so that handlers never race for the clock or the ids.
package sim
