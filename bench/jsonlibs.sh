#!/usr/bin/env bash
# tracegraph's JSON scanner and fast decoders beside JSON libraries, on the
# same units, one goroutine each (issue 18, "one JSON scanner"):
#   events  - JSONL lines of bench/eventsgen, decoded into telemetry.Event
#   OTLP    - the ResourceSpans of bench/spansgen -format otlp-json, decoded
#             into the fields tracegraph reads
#   Zipkin  - the spans of bench/spansgen -format zipkin, likewise
#   *-valid - syntax only, nothing kept
# The libraries are in the module bench/_jsonlibs (the leading _ keeps it out
# of ./... and of tracegraph static), so the main module does
# not depend on them. Prints one Markdown table: medians of $COUNT runs
# (default 5) of ns/op (per unit), MB/s, allocs/op and records/s.
#
# Usage: bench/jsonlibs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

go run ./bench/eventsgen -n 20000 -o "$TMP/events.jsonl"
go run ./bench/spansgen -format otlp-json -mb 4 >"$TMP/otlp.json"
go run ./bench/spansgen -format zipkin -mb 4 >"$TMP/zipkin.json"
export JSONLIBS_EVENTS=$TMP/events.jsonl JSONLIBS_OTLP=$TMP/otlp.json JSONLIBS_ZIPKIN=$TMP/zipkin.json

echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $(go version | cut -d' ' -f3)" >&2
{
	go test -run '^$' -bench 'DecodeUnits' -benchtime 1s -count "$COUNT" ./runtimegraph/spans/
	(cd bench/_jsonlibs && go test -run '^$' -bench . -benchtime 1s -count "$COUNT" .)
} >"$TMP/bench.txt"

awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	sub(/^DecodeUnits\/OTLP$/, "OTLP/ours", name); sub(/^DecodeUnits\/Zipkin$/, "Zipkin/ours", name)
	if (!(name in seen)) { seen[name] = 1; order[++n] = name }
	for (i = 2; i < NF; i++) {
		u = $(i+1)
		if (u == "ns/op" || u == "MB/s" || u == "allocs/op" || u == "records/s") v[name, u] = v[name, u] " " $i
	}
}
function median(s,   a, k, i, j, t) {
	k = split(s, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((k + 1) / 2)]
}
END {
	print "| input / decoder | ns/op (a unit) | MB/s | allocs/op | records/s |"
	print "|---|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		m = order[i]
		printf "| %s | %.0f | %.0f | %.0f | %.0f |\n", m, median(v[m, "ns/op"]), median(v[m, "MB/s"]), median(v[m, "allocs/op"]), median(v[m, "records/s"])
	}
}' "$TMP/bench.txt"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
