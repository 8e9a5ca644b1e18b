// Command spansread imports span files with the span importer and discards
// the events, printing what it read and how fast, for bench/spans.sh:
//
//	spansread [-window N] FILE...
package main
