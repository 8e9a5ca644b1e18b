#!/usr/bin/env bash
# Load on `tracegraph serve --events`: N events (bench/eventsgen), then 50
# clients sending /api/events and /api/trace requests back to back for 20 s
# (bench/serveload), after the first load. Prints each route's p50, p99 and
# max, the answers that were not 200, and the server's resident memory. The
# same clients first ask /api/info (no store) for a quarter of the time: its
# p50 is the floor of this machine and load, and each route's p50 is also
# printed as a ratio to it.
# Target (issue 17): p50 <= 50 ms and p99 <= 250 ms on 2 M events.
#
# Usage: bench/serve.sh [N]          (default N = 2000000)
# With TRACEGRAPH_BASE=path/to/an/older/tracegraph the same load runs
# against it first, as the baseline of this run.
# CLIENTS (50), DURATION (20s) and BENCH_DIR (a temp dir) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-2000000}
CLIENTS=${CLIENTS:-50}
DURATION=${DURATION:-20s}
DIR=${BENCH_DIR:-$(mktemp -d)}
PORT=${PORT:-7778}

go build -o "$DIR/tracegraph" ./cmd/tracegraph
go build -o "$DIR/eventsgen" ./bench/eventsgen
go build -o "$DIR/serveload" ./bench/serveload
JSONL=$DIR/events-$N.jsonl
[[ -s $JSONL ]] || "$DIR/eventsgen" -n "$N" -o "$JSONL"

pid=
stop() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
trap stop EXIT

# load LABEL BINARY: start the server, wait for its first load, drive it.
load() {
	local label=$1 bin=$2 t0 t1
	t0=$(date +%s.%N)
	"$bin" serve --events "$JSONL" --listen "127.0.0.1:$PORT" 2>"$DIR/serve-$label.log" &
	pid=$!
	until curl -fs "http://127.0.0.1:$PORT/api/info" >/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$DIR/serve-$label.log" >&2; exit 1; }
		sleep 0.2
	done
	# The first answer of /api/events is the end of the first load.
	curl -fs "http://127.0.0.1:$PORT/api/events?limit=1" >/dev/null
	t1=$(date +%s.%N)
	echo "== $label: first load $(echo "$t1 - $t0" | bc -l | xargs printf '%.1f')s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$DIR/serveload" -url "http://127.0.0.1:$PORT" -events "$JSONL" -clients "$CLIENTS" -duration "$DURATION" -pid "$pid"
	stop
}

echo "events: $N ($(du -h "$JSONL" | cut -f1) JSONL), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ -n ${TRACEGRAPH_BASE:-} ]] && load base "$TRACEGRAPH_BASE"
load this "$DIR/tracegraph"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
