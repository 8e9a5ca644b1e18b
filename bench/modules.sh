#!/usr/bin/env bash
# bench/modules.sh: `tracegraph static ./...` from the top of a generated
# tree of MODULES modules (bench/staticgen, no go.mod at the top) against
# the floor: the bare packages.Load of each of the same modules, one after
# another, in the same mode (bench/staticfloor). One run, warm build
# cache, medians of RUNS alternating runs; prints the time ratio (target
# at most 1.3) and the peak memory against the largest single module's
# bare load.
#
#   bench/modules.sh           # RUNS=5, MODULES=8, SERVICES=25 per module
#
# The tree is kept in TREE (default $TMPDIR/tracegraph-modulesbench).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
MODULES=${MODULES:-8}
SERVICES=${SERVICES:-25}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/tracegraph" ./cmd/tracegraph
go build -o "$work/floor" ./bench/staticfloor
tree=${TREE:-${TMPDIR:-/tmp}/tracegraph-modulesbench}
if [ ! -d "$tree/m01" ]; then
	for i in $(seq -w 1 "$MODULES"); do
		go run ./bench/staticgen -out "$tree/m$i" -repo "$PWD" -module "example.com/tree/m$i" \
			-services "$SERVICES" -packages 7 -libs 12 -msgs 12 >/dev/null
		(cd "$tree/m$i" && go mod tidy)
	done
fi
(cd "$tree" && for m in m*/; do (cd "$m" && go build ./...); done && "$work/floor" >/dev/null && "$work/tracegraph" static -f json -o "$work/graph.json")

measure() { # label dir command... -> appends "seconds kilobytes" to $work/times.label
	local label=$1 dir=$2
	shift 2
	(cd "$dir" && /usr/bin/time -f "%e %M" -o "$work/one" "$@" >/dev/null)
	cat "$work/one" >>"$work/times.$label"
}
largest=$(cd "$tree" && du -s m*/ | sort -n | tail -1 | cut -f2)
for _ in $(seq "$RUNS"); do
	measure floor "$tree" "$work/floor"
	measure static "$tree" "$work/tracegraph" static -f json -o "$work/graph.json"
	measure one "$tree/$largest" "$work/floor"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$work/times.$1" | median; }
python3 - "$work/graph.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
print("graph: %d services, %d endpoints, %d flows, %d diagnostics" % (
    len(g["services"]), len(g["endpoints"]), len(g["flows"]), len(g["diagnostics"])))
PY
echo "modules: $MODULES, runs: $RUNS (medians)"
printf "floor (sum of the modules' loads)  %6.2f s  %7.1f MB\n" "$(col floor 1)" "$(echo "$(col floor 2) / 1024" | bc -l)"
printf "largest module's load alone        %6.2f s  %7.1f MB\n" "$(col one 1)" "$(echo "$(col one 2) / 1024" | bc -l)"
printf "static ./...                       %6.2f s  %7.1f MB\n" "$(col static 1)" "$(echo "$(col static 2) / 1024" | bc -l)"
pairs() { paste -d' ' "$work/times.$1" "$work/times.$2" | awk -v c="$3" '{print $(c+2) / $c}' | median; }
printf "ratio   time %.2fx the floor (target <= 1.3x)   peak memory %.2fx the largest single load\n" \
	"$(pairs floor static 1)" "$(pairs one static 2)"
