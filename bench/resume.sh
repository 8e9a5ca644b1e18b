#!/usr/bin/env bash
# The observed graph after a load that was killed and resumed, against the
# same graph after a clean load, in one run (issue 17):
#   ingest of N events into one schema, clean; into another, SIGKILLed at
#   random moments KILLS times and resumed each time, then completed.
#   Prints the stored count after each kill (each resumed run must add to
#   it), then observed --db on each schema (median of $RUNS runs) and the
#   ratio killed/clean (target <= 1.5), and checks that both graphs are
#   byte-identical to observed --events.
#
# Usage: bench/resume.sh [N] [KILLS]     (default N = 1000000, KILLS = 8)
# Database: $TRACEGRAPH_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
KILLS=${2:-8}
RUNS=${RUNS:-5}
DB=${TRACEGRAPH_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
DIR=${BENCH_DIR:-$(mktemp -d)}
sep='?'; [[ $DB == *\?* ]] && sep='&'
CLEAN=tgresume_clean_$$
KILLED=tgresume_killed_$$

cleanup() { psql "$DB" -qXc "DROP SCHEMA IF EXISTS $CLEAN CASCADE; DROP SCHEMA IF EXISTS $KILLED CASCADE" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
psql "$DB" -qXc "CREATE SCHEMA $CLEAN; CREATE SCHEMA $KILLED"

go build -o "$DIR/tracegraph" ./cmd/tracegraph
go build -o "$DIR/eventsgen" ./bench/eventsgen
[[ -s $DIR/events-$N.jsonl ]] || "$DIR/eventsgen" -n "$N" -o "$DIR/events-$N.jsonl"
JSONL=$DIR/events-$N.jsonl

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() { local t0; t0=$(now); "$@" >/dev/null; echo "$(now) - $t0" | bc -l; }
stored() { psql "$DB" -AtXc "SELECT count(*) FROM $1.events" 2>/dev/null || echo 0; }

echo "events: $N, kills: $KILLS, runs: $RUNS, $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$DIR/tracegraph" ingest --db "$DB${sep}search_path=$CLEAN" "$JSONL" >/dev/null

# Killed at a random moment of 0.5 to 2.5 s after it starts, each time.
TK="$DB${sep}search_path=$KILLED"
landed=0; prev=0
while (( landed < KILLS )); do
	"$DIR/tracegraph" ingest --db "$TK" "$JSONL" >/dev/null 2>"$DIR/stderr" &
	pid=$!
	sleep "$(echo "0.5 + $RANDOM / 16384" | bc -l)"
	if kill -9 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || true
		landed=$((landed + 1))
		cur=$(stored "$KILLED")
		echo "kill $landed: $cur events stored (+$((cur - prev)))$(grep -o 'first [0-9]* lines were loaded before' "$DIR/stderr" | sed 's/^/, passed over its /')"
		prev=$cur
	else
		wait "$pid" || true
		echo "the load finished before kill $((landed + 1))"
		break
	fi
done
"$DIR/tracegraph" ingest --db "$TK" "$JSONL"
echo "rollup days not covered: clean $(psql "$DB" -AtXc "SELECT count(*) FROM $CLEAN.rollup_days WHERE stored <> rolled"), killed $(psql "$DB" -AtXc "SELECT count(*) FROM $KILLED.rollup_days WHERE stored <> rolled")"

clean_t=(); killed_t=(); pairs=()
for _ in $(seq "$RUNS"); do
	c=$(timed "$DIR/tracegraph" observed --db "$DB${sep}search_path=$CLEAN" -o "$DIR/graph-clean.json")
	k=$(timed "$DIR/tracegraph" observed --db "$TK" -o "$DIR/graph-killed.json")
	clean_t+=("$c"); killed_t+=("$k"); pairs+=("$(echo "scale=2; $k / $c" | bc -l)")
done
c=$(printf '%s\n' "${clean_t[@]}" | median)
k=$(printf '%s\n' "${killed_t[@]}" | median)
printf 'observed --db: after the killed loads %.3fs, after a clean load %.3fs: ratio %.2fx, median of pair ratios %sx (target <= 1.5)   [runs: %s | %s]\n' \
	"$k" "$c" "$(echo "$k / $c" | bc -l)" "$(printf '%s\n' "${pairs[@]}" | median)" "${killed_t[*]}" "${clean_t[*]}"
"$DIR/tracegraph" observed --events "$JSONL" -o "$DIR/graph-file.json"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if cmp -s "$DIR/graph-killed.json" "$DIR/graph-file.json" && cmp -s "$DIR/graph-clean.json" "$DIR/graph-file.json"; then
	echo "graphs after the killed and the clean loads are byte-identical to observed --events"
else
	echo "graphs DIFFER from observed --events" >&2
	exit 1
fi
