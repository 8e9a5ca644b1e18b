#!/usr/bin/env bash
# tracegraph collect under load: concurrent OTLP/gRPC exporters into
# PostgreSQL. Prints spans/s acknowledged (target >= 100,000), refusals, the
# median and p99 export latency, and collect's peak RSS; then the same load
# at twice the clients (overload: refusals, not memory, must absorb it).
#
# Beside it, the baseline measured in the same run: PostgreSQL doing
# collect's part of the work alone (the same staged request bytes, the same
# events in batches of the same size, the same releases, through the same
# store code, with no gRPC, decoding or pairing in the way), and the ratio of
# collect's spans/s to it. On a machine where PostgreSQL shares the cores,
# that baseline is the ceiling.
#
# Usage: bench/collect.sh [seconds]     (default 20)
# Database: $TRACEGRAPH_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
DB=${TRACEGRAPH_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
DIR=$(mktemp -d)
SCHEMA=tgcollect_$$
sep='?'; [[ $DB == *\?* ]] && sep='&'
TGDB="${DB}${sep}search_path=${SCHEMA}"
cleanup() { psql "$DB" -qXc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
fresh() { psql "$DB" -qXc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA" >/dev/null 2>&1; }
go build -o "$DIR/tracegraph" ./cmd/tracegraph
go build -o "$DIR/collectload" ./bench/collectload
echo "load: $(uptime)"

fresh
base=$("$DIR/collectload" -baseline "$TGDB" -clients 16 -for "${SECS}s" | tee /dev/stderr | awk '{for (i = 1; i < NF; i++) if ($(i+1) == "spans/s") print $i}')

for clients in 16 32; do
	fresh
	/usr/bin/time -v "$DIR/tracegraph" collect --db "$TGDB" --otlp-grpc 127.0.0.1:14317 --otlp-http 127.0.0.1:14318 \
		--window 2s 2>"$DIR/collect.err" &
	timepid=$!
	for _ in $(seq 1 100); do curl -sf http://127.0.0.1:14318/readyz >/dev/null && break; sleep 0.1; done
	out=$("$DIR/collectload" -addr 127.0.0.1:14317 -clients "$clients" -for "${SECS}s")
	echo "$out"
	# time(1) does not pass signals on: stop collect itself.
	kill -TERM "$(pgrep -P $timepid)"
	wait $timepid || true
	rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$DIR/collect.err")
	stored=$(psql "$DB" -qtAXc "SELECT count(*) FROM $SCHEMA.events")
	rate=$(awk '{for (i = 1; i < NF; i++) if ($(i+1) == "spans/s") print $i}' <<<"$out")
	echo "  collect peak RSS ${rss} MiB; ${stored} events stored; $(awk -v r="$rate" -v b="$base" 'BEGIN {printf "%.2f", r / b}') of the baseline's ${base} spans/s"
done
echo "load: $(uptime)"
