#!/usr/bin/env bash
# Benchmarks of the observed graph's stores, in one run against baselines
# measured in the same run:
#   1. ingest of N events vs psql \copy of the same rows (CSV) into a plain table (target <= 1.4x)
#   2. the observed graph from the database vs SELECT count(*) of consume and serve events (target <= 1.5x),
#      for all time, a window that is not whole days (2b), six hours of one day (2c), a tag filter
#      against count(*) with the same filter (2d, target <= 3x), and a window whose ends fall inside
#      hours (2e)
#   3. the observed graph from the JSONL file, in events/s (target >= 2,000,000/s on 2 cores)
#
# Usage: bench/events.sh [N]      (default N = 2000000; 10000000 works too, about 4 GB of files)
#        PARTS=3 bench/events.sh  (only the parts listed: 3 needs no database)
# Database: $TRACEGRAPH_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
# Each timing is the median of $RUNS runs (default 3). Files go to $BENCH_DIR (default a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-2000000}
RUNS=${RUNS:-3}
PARTS=${PARTS:-1 2 3}
part() { [[ " $PARTS " == *" $1 "* ]]; }
db() { part 1 || part 2; }
DB=${TRACEGRAPH_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
DIR=${BENCH_DIR:-$(mktemp -d)}
SCHEMA=tgbench_$$
# psql does not take search_path in a URL; tracegraph (pgx) does.
sep='?'; [[ $DB == *\?* ]] && sep='&'
TGDB="${DB}${sep}search_path=${SCHEMA}"

cleanup() { if db; then psql "$DB" -qXc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

go build -o "$DIR/tracegraph" ./cmd/tracegraph
go build -o "$DIR/eventsgen" ./bench/eventsgen
if [[ ! -s $DIR/events-$N.jsonl ]]; then
	"$DIR/eventsgen" -n "$N" -o "$DIR/events-$N.jsonl"
fi
if db && [[ ! -s $DIR/events-$N.csv ]]; then
	"$DIR/eventsgen" -n "$N" -csv -o "$DIR/events-$N.csv"
fi
JSONL=$DIR/events-$N.jsonl
MID_SINCE=2026-11-23T17:37:00Z MID_UNTIL=2026-11-23T22:23:00Z
CSV=$DIR/events-$N.csv

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# timed CMD...: seconds one run takes
timed() { local t0; t0=$(now); "$@" >/dev/null; echo "$(now) - $t0" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

server=; if db; then server=", $(psql "$DB" -AtXc 'SHOW server_version')"; fi
echo "events: $N ($(du -h "$JSONL" | cut -f1) JSONL), runs: $RUNS, $(nproc) CPUs$server, load: $(cut -d' ' -f1-3 /proc/loadavg)"

if part 1; then
# 1. Ingest vs psql \copy. Each run starts from an empty schema.
copy_t=(); ingest_t=()
for _ in $(seq "$RUNS"); do
	cleanup
	psql "$DB" -qXc "CREATE SCHEMA $SCHEMA; CREATE TABLE $SCHEMA.plain_events (ts timestamptz, event_id text, trace_id text,
		event_type text, service text, operation text, channel text, message_type text, reply_type text, system text,
		message_id text, parent_ids text[], peer_service text, peer_virtual boolean, duration_us bigint, status text,
		error text, tags jsonb)"
	psql "$DB" -qXc "CHECKPOINT" >/dev/null
	copy_t+=("$(timed psql "$DB" -qXc "\\copy $SCHEMA.plain_events FROM '$CSV' WITH (FORMAT csv)")")
	psql "$DB" -qXc "DROP TABLE $SCHEMA.plain_events; CHECKPOINT" >/dev/null
	ingest_t+=("$(timed "$DIR/tracegraph" ingest --db "$TGDB" "$JSONL")")
done
copy=$(printf '%s\n' "${copy_t[@]}" | median)
ingest=$(printf '%s\n' "${ingest_t[@]}" | median)
rows=$(psql "$DB" -AtXc "SELECT count(*) FROM $SCHEMA.events")
[[ $rows == "$N" ]] || { echo "ingest stored $rows rows, want $N" >&2; exit 1; }
# Each run times the pair back to back, so the median of the pair ratios is
# the figure least moved by other load on the machine.
pairs=(); for i in "${!copy_t[@]}"; do pairs+=("$(ratio "${ingest_t[$i]}" "${copy_t[$i]}")"); done
printf '1. ingest          %6.2fs   psql \\copy %6.2fs   ratio %sx, median of pair ratios %sx (target <= 1.4)   [runs: %s | %s]\n' \
	"$ingest" "$copy" "$(ratio "$ingest" "$copy")" "$(printf '%s\n' "${pairs[@]}" | median)" "${ingest_t[*]}" "${copy_t[*]}"
fi

# 2. Observed graph from the database vs count(*) of the same events.
# graph_vs_count LABEL NOTE SQL-CONDITION OUTPUT [tracegraph flags...]
graph_vs_count() {
	local label=$1 note=$2 cond=$3 out=$4
	shift 4
	local count_t=() graph_t=() pairs=() count graph
	for _ in $(seq "$RUNS"); do
		count_t+=("$(timed psql "$DB" -AtXc "SELECT count(*) FROM $SCHEMA.events WHERE event_type IN ('consume', 'serve') AND $cond")")
		graph_t+=("$(timed "$DIR/tracegraph" observed --db "$TGDB" "$@" -o "$out")")
	done
	count=$(printf '%s\n' "${count_t[@]}" | median)
	graph=$(printf '%s\n' "${graph_t[@]}" | median)
	for i in "${!count_t[@]}"; do pairs+=("$(ratio "${graph_t[$i]}" "${count_t[$i]}")"); done
	printf '%-18s %6.2fs   count(*)    %6.2fs   ratio %sx, median of pair ratios %sx (%s)   [runs: %s | %s]\n' \
		"$label" "$graph" "$count" "$(ratio "$graph" "$count")" "$(printf '%s\n' "${pairs[@]}" | median)" "$note" "${graph_t[*]}" "${count_t[*]}"
}
if part 2; then
psql "$DB" -qXc "VACUUM ANALYZE $SCHEMA.events" >/dev/null
graph_vs_count "2. graph (db)" "target <= 1.5" TRUE "$DIR/graph-db.json"
# 2b. A window that is not whole days, as --since 7d gives: the daily
# rollup answers its whole days, the hourly one its whole hours (empty
# here: the generated events fill the 23rd). 2c: six hours inside the
# day, from the hourly rollup. 2d: all of it with a tag filter, which
# only the events answer, against count(*) with the same filter. 2e: a
# window whose ends fall inside hours, on minutes.
graph_vs_count "2b. graph --since" "target <= 1.5" "ts >= '2026-11-22T06:00:00Z'" "$DIR/graph-db-since.json" --since 2026-11-22T06:00:00Z
graph_vs_count "2c. graph, 6 hours" "target <= 1.5" "ts >= '2026-11-23T18:00:00Z'" "$DIR/graph-db-6h.json" --since 2026-11-23T18:00:00Z
graph_vs_count "2d. graph, a tag" "target <= 3" "tags @> '{\"merchant_id\": \"m000866\"}'" "$DIR/graph-db-tag.json" --where merchant_id=m000866
graph_vs_count "2e. graph, mid-hour" "target <= 1.5" "ts >= '$MID_SINCE' AND ts < '$MID_UNTIL'" "$DIR/graph-db-mid.json" --since "$MID_SINCE" --until "$MID_UNTIL"
fi

if part 3; then
# 3. Observed graph from the JSONL file. CPU time is shown too: on a shared
# machine the wall clock says as much about the neighbours as about us.
file_t=(); cpu_t=()
for _ in $(seq "$RUNS"); do
	/usr/bin/time -f '%e %U %S' -o "$DIR/time.txt" "$DIR/tracegraph" observed --events "$JSONL" -o "$DIR/graph-file.json"
	read -r wall user sys < "$DIR/time.txt"
	file_t+=("$wall"); cpu_t+=("$(echo "$user + $sys" | bc -l)")
done
file=$(printf '%s\n' "${file_t[@]}" | median)
cpu=$(printf '%s\n' "${cpu_t[@]}" | median)
printf '3. graph (file)    %6.2fs   %s events/s (target >= 2000000); CPU %.2fs = %s events per CPU-second   [runs: %s]\n' \
	"$file" "$(echo "$N / $file" | bc)" "$cpu" "$(echo "$N / $cpu" | bc)" "${file_t[*]}"
fi

echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
part 1 && part 2 && part 3 || exit 0
"$DIR/tracegraph" observed --events "$JSONL" --where merchant_id=m000866 -o "$DIR/graph-file-tag.json"
"$DIR/tracegraph" observed --events "$JSONL" --since "$MID_SINCE" --until "$MID_UNTIL" -o "$DIR/graph-file-mid.json"
if cmp -s "$DIR/graph-db.json" "$DIR/graph-file.json" && cmp -s "$DIR/graph-db.json" "$DIR/graph-db-since.json" &&
	cmp -s "$DIR/graph-db-tag.json" "$DIR/graph-file-tag.json" && cmp -s "$DIR/graph-db-mid.json" "$DIR/graph-file-mid.json"; then
	echo "graphs from the database (whole, --since, --where, mid-hour) and from the file are byte-identical"
else
	echo "graphs from the database and from the file DIFFER" >&2
	exit 1
fi
