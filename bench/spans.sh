#!/bin/sh
# Span importer: speed (decode + pairing) and memory on a large file.
#
#   bench/spans.sh [MiB]      (default 1024: a 1 GiB OTLP/JSON file)
#
# Speed: the importer's benchmarks and, in the same run, baselines that only
# decode the same bytes with the format's bare decoder (protojson for OTLP,
# encoding/json for Zipkin). Medians of 5 runs. spans/cpu-s divides by the
# process's CPU time, which a machine shared with other work disturbs less
# than wall time.
# Memory: peak RSS of bench/spansread importing a generated file of the
# given size, streamed: it must stay flat as the file grows.
set -eu
cd "$(dirname "$0")/.."
MB=${1:-1024}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

go test -run '^$' -bench 'ReadOTLPJSON|ReadZipkin|Baseline' -benchtime 3x -count 5 ./runtimegraph/spans/ >"$TMP/bench.txt"
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) {
		if ($(i+1) == "spans/s") wall[name] = wall[name] " " $i
		if ($(i+1) == "spans/cpu-s") cpu[name] = cpu[name] " " $i
	}
}
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((n + 1) / 2)]
}
END {
	split("ReadOTLPJSON:BaselineOTLPProtojson ReadZipkin:BaselineZipkinUnmarshal", pairs, " ")
	for (p in pairs) {
		split(pairs[p], nb, ":")
		r = "Benchmark" nb[1]; b = "Benchmark" nb[2]
		printf "%-22s %9.0f spans/s %9.0f spans/cpu-s | baseline %s %9.0f spans/s %9.0f spans/cpu-s | ratio %.2f (cpu %.2f)\n",
			nb[1], median(wall[r]), median(cpu[r]), nb[2], median(wall[b]), median(cpu[b]),
			median(wall[r]) / median(wall[b]), median(cpu[r]) / median(cpu[b])
	}
}' "$TMP/bench.txt"

go build -o "$TMP/spansread" ./bench/spansread
for format in otlp-json zipkin; do
	go run ./bench/spansgen -format "$format" -mb "$MB" >"$TMP/spans.$format"
	size=$(du -m "$TMP/spans.$format" | cut -f1)
	/usr/bin/time -v "$TMP/spansread" "$TMP/spans.$format" 2>"$TMP/time.txt" | sed "s|$TMP/||"
	rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$TMP/time.txt")
	echo "$format: ${size} MiB file, peak RSS ${rss} MiB"
	rm -f "$TMP/spans.$format"
done
