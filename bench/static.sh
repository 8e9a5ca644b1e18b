#!/usr/bin/env bash
# bench/static.sh: `tracegraph static ./...` on a synthetic monorepo
# (bench/staticgen: 200 services, 2,000 packages) against the floor, a
# program that only does the same packages.Load in the same mode
# (bench/staticfloor). One run, warm build cache, medians of RUNS runs
# each, alternating; prints the time and peak-memory (max RSS) ratios.
# Target: both at most 1.2.
#
#   bench/static.sh            # RUNS=5, SERVICES=200, PACKAGES=7 (per service)
#
# The monorepo is kept in MONO (default $TMPDIR/tracegraph-staticbench) so
# that later runs find the build cache warm; delete it to regenerate.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SERVICES=${SERVICES:-200}
PACKAGES=${PACKAGES:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/tracegraph" ./cmd/tracegraph
go build -o "$work/floor" ./bench/staticfloor
mono=${MONO:-${TMPDIR:-/tmp}/tracegraph-staticbench}
if [ ! -f "$mono/go.mod" ]; then
	go run ./bench/staticgen -out "$mono" -repo "$PWD" -services "$SERVICES" -packages "$PACKAGES"
	(cd "$mono" && go mod tidy)
fi
# Warm the build cache (export data for every package), and each program.
(cd "$mono" && go build ./... && "$work/floor" >/dev/null && "$work/tracegraph" static -f json -o "$work/graph.json")

measure() { # label command... -> appends "seconds kilobytes" to $work/label
	local label=$1
	shift
	(cd "$mono" && /usr/bin/time -f "%e %M" -o "$work/one" "$@" >/dev/null)
	cat "$work/one" >>"$work/times.$label"
}
for _ in $(seq "$RUNS"); do
	measure floor "$work/floor"
	measure static "$work/tracegraph" static -f json -o "$work/graph.json"
	# One service's CI job: only the module code it imports is read.
	measure narrow "$work/tracegraph" static ./cmd/s007 -f json -o "$work/one.json"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ft=$(cut -d' ' -f1 "$work/times.floor" | median)
fm=$(cut -d' ' -f2 "$work/times.floor" | median)
st=$(cut -d' ' -f1 "$work/times.static" | median)
sm=$(cut -d' ' -f2 "$work/times.static" | median)
python3 - "$work/graph.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
print("graph: %d services, %d endpoints, %d flows, %d unresolved, %d diagnostics" % (
    len(g["services"]), len(g["endpoints"]), len(g["flows"]), len(g["unresolved"]), len(g["diagnostics"])))
PY
echo "packages: $(cd "$mono" && go list ./... | wc -l), runs: $RUNS (medians)"
printf "floor   %6.2f s  %7.1f MB\n" "$ft" "$(echo "$fm / 1024" | bc -l)"
printf "static  %6.2f s  %7.1f MB\n" "$st" "$(echo "$sm / 1024" | bc -l)"
printf "static ./cmd/s007 (one service)  %6.2f s  %7.1f MB\n" "$(cut -d' ' -f1 "$work/times.narrow" | median)" \
	"$(echo "$(cut -d' ' -f2 "$work/times.narrow" | median) / 1024" | bc -l)"
# On a shared machine the load varies from run to run; the ratio of each
# back-to-back pair cancels most of that, so their median is the figure.
pairs() { paste -d' ' "$work/times.floor" "$work/times.static" | awk -v c="$1" '{print $(c+2) / $c}' | median; }
printf "ratio   time %.2fx  peak memory %.2fx  (medians of pair ratios; target <= 1.2x)\n" "$(pairs 1)" "$(pairs 2)"
printf "        (ratio of medians: time %.2fx, peak memory %.2fx)\n" "$(echo "$st / $ft" | bc -l)" "$(echo "$sm / $fm" | bc -l)"
