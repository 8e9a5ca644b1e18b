#!/usr/bin/env bash
# tracegraph collect under load: concurrent OTLP/gRPC exporters into
# PostgreSQL. Prints spans/s acknowledged (target >= 100,000), refusals, the
# median and p99 export latency, and collect's peak RSS; then the same load
# at twice the clients (overload: refusals, not memory, must absorb it).
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
psql "$DB" -qXc "CREATE SCHEMA $SCHEMA" >/dev/null
go build -o "$DIR/tracegraph" ./cmd/tracegraph
go build -o "$DIR/collectload" ./bench/collectload

for clients in 16 32; do
	psql "$DB" -qXc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA" >/dev/null 2>&1
	/usr/bin/time -v "$DIR/tracegraph" collect --db "$TGDB" --otlp-grpc 127.0.0.1:14317 --otlp-http 127.0.0.1:14318 \
		--window 2s 2>"$DIR/collect.err" &
	timepid=$!
	for _ in $(seq 1 100); do curl -sf http://127.0.0.1:14318/readyz >/dev/null && break; sleep 0.1; done
	"$DIR/collectload" -addr 127.0.0.1:14317 -clients "$clients" -for "${SECS}s"
	# time(1) does not pass signals on: stop collect itself.
	kill -TERM "$(pgrep -P $timepid)"
	wait $timepid || true
	rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$DIR/collect.err")
	stored=$(psql "$DB" -qtAXc "SELECT count(*) FROM $SCHEMA.events")
	echo "  collect peak RSS ${rss} MiB; ${stored} events stored"
done
