#!/bin/sh
# Rendering speed: tracegraph's SVG (go-graphviz, Graphviz compiled to WASM)
# against the native `dot -Tsvg` of the same DOT, in one run on one machine,
# on a generated diff graph (default 500 services and 1,500 flows). Prints
# the median wall time of each over RUNS runs, their ratio (target: within
# 1.5x of native), the PNG time, and the peak memory (max RSS) of each.
# It also times tracegraph rendering a one-flow graph: the fixed cost every
# tracegraph process pays, mostly go-graphviz instantiating its WASM module,
# as a share of native dot's whole run.
#
#   bench/render.sh [SERVICES FLOWS]      RUNS=5 by default
#
# Needs /usr/bin/time (GNU time) and, for the comparison, Graphviz's dot
# (Debian: apt-get install graphviz); without dot it says so and exits 0.
set -eu
cd "$(dirname "$0")/.."
SERVICES=${1:-500}
FLOWS=${2:-1500}
RUNS=${RUNS:-5}

if ! command -v dot >/dev/null 2>&1; then
	echo "bench/render.sh: SKIP: Graphviz's dot is not installed (apt-get install graphviz); nothing to compare against"
	exit 0
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench/render.sh: SKIP: /usr/bin/time (GNU time) is not installed"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/tracegraph" ./cmd/tracegraph
go run ./bench/rendergen/cmd/rendergen -services "$SERVICES" -flows "$FLOWS" >"$work/graph.json"
"$work/tracegraph" render "$work/graph.json" -f dot -o "$work/graph.dot"
go run ./bench/rendergen/cmd/rendergen -services 8 -flows 1 >"$work/tiny.json"
echo "graph: $SERVICES services, $FLOWS flows; $(grep -c -- '->' "$work/graph.dot") edges drawn; dot $(dot -V 2>&1 | sed 's/.*version //')"

# one NAME CMD...: runs CMD once under GNU time, appending "seconds maxrss_kb"
# to NAME.times. A failing run (PNG refusing a graph) is recorded with its
# message in NAME.err.
one() {
	name=$1
	shift
	if /usr/bin/time -f '%e %M' -o "$work/$name.one" "$@" >/dev/null 2>"$work/$name.err"; then
		cat "$work/$name.one" >>"$work/$name.times"
	else
		tail -1 "$work/$name.one" >>"$work/$name.times"
		echo failed >"$work/$name.failed"
	fi
}

# The runs alternate, so a machine that gets busier or quieter during the
# benchmark (it is shared) weighs on both sides alike.
: >"$work/native.times"
: >"$work/svg.times"
: >"$work/png.times"
: >"$work/startup.times"
i=0
while [ "$i" -lt "$RUNS" ]; do
	one native dot -Tsvg "$work/graph.dot" -o "$work/native.svg"
	one svg "$work/tracegraph" render "$work/graph.json" -f svg -o "$work/tracegraph.svg"
	one png "$work/tracegraph" render "$work/graph.json" -f png -o "$work/tracegraph.png"
	one startup "$work/tracegraph" render "$work/tiny.json" -f svg -o "$work/tiny.svg"
	i=$((i + 1))
done
for n in native svg png startup; do
	sort -n "$work/$n.times" | awk -v n="$n" '{t[NR]=$1; if ($2>m) m=$2} END {printf "%s %.2f %d\n", n, t[int((NR+1)/2)], m}' >"$work/$n.res"
done
if [ -e "$work/png.failed" ]; then
	echo "png: $(cat "$work/png.err")"
fi

refused=0
[ -e "$work/png.failed" ] && refused=1
cat "$work/native.res" "$work/svg.res" "$work/png.res" "$work/startup.res" | awk -v refused="$refused" '
	{ t[$1]=$2; m[$1]=$3 }
	END {
		printf "%-28s %8s %12s\n", "", "median", "peak RSS"
		printf "%-28s %7.2fs %9.0f MB\n", "native dot -Tsvg", t["native"], m["native"]/1024
		printf "%-28s %7.2fs %9.0f MB\n", "tracegraph render -f svg", t["svg"], m["svg"]/1024
		printf "%-28s %7.2fs %9.0f MB%s\n", "tracegraph render -f png", t["png"], m["png"]/1024, refused ? " (refused: the time to say so)" : ""
		printf "%-28s %7.2fs %9.0f MB\n", "tracegraph, one-flow graph", t["startup"], m["startup"]/1024
		printf "svg / native: %.2fx (target <= 1.5x)\n", t["svg"]/t["native"]
		printf "one-flow graph / native: %.2fx (the fixed cost alone)\n", t["startup"]/t["native"]
	}'
