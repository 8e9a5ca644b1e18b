// Command simulate runs every shop service in one process over the memory
// bus, plays a deterministic scenario of merchants updating SKUs, and
// writes the services' telemetry events as JSON Lines. The same flags give
// a byte-identical file.
//
//	simulate --seed 1 --updates 200 --out events.jsonl
package main
