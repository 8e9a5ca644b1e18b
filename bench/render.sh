#!/usr/bin/env bash
# Rendering speed, each figure beside its baseline measured in the same run,
# on a generated diff graph (default 500 services and 1,500 flows):
#
#   1. SVG with native Graphviz present (tracegraph's default then) against
#      native `dot -Tsvg` of the same DOT                     target <= 1.1x
#   2. SVG through the embedded renderer (--graphviz-engine embedded,
#      go-graphviz run as tracegraph-dot) against `dot -Tsvg`  target <= 2.0x
#   3. PNG with native Graphviz against `dot -Tpng`            target <= 1.5x
#   4. PNG through the embedded renderer: refused past its limit; the time
#      to say so
#   5. start-up of commands that do not draw: `tracegraph --version` and
#      `observed` on a 200-event file, against an empty Go program, and
#      the package init time GODEBUG=inittrace=1 reports      target < 20 ms
#
# Medians over RUNS runs (default 5; start-up: 10x RUNS), the median of the
# ratios within each round, and peak memory (max RSS). The runs alternate, so a machine that gets busier or quieter
# during the benchmark (it is shared) weighs on both sides alike.
#
#   bench/render.sh [SERVICES FLOWS]
#
# Needs /usr/bin/time (GNU time) and Graphviz's dot (Debian: apt-get install
# graphviz); without them it says so and exits 0.
set -euo pipefail
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
go build -o "$work" ./cmd/tracegraph ./cmd/tracegraph-dot
mkdir "$work/empty"
printf 'package main\n\nfunc main() {}\n' >"$work/empty/main.go"
(cd "$work/empty" && go mod init empty >/dev/null 2>&1 && go build -o "$work/empty-go" .)
tg=$work/tracegraph
go run ./bench/rendergen/cmd/rendergen -services "$SERVICES" -flows "$FLOWS" >"$work/graph.json"
"$tg" render "$work/graph.json" -f dot -o "$work/graph.dot"
head -200 examples/shop/events.jsonl >"$work/small.jsonl"
echo "graph: $SERVICES services, $FLOWS flows; $(grep -c -- '->' "$work/graph.dot") edges drawn; dot $(dot -V 2>&1 | sed 's/.*version //'); load: $(cut -d' ' -f1-3 /proc/loadavg)"

# one NAME CMD...: runs CMD once under GNU time, appending "seconds maxrss_kb
# cpu_seconds" to NAME.times. A failing run (PNG refusing a graph) is recorded with its
# message in NAME.err. The wall time is the shell's clock: GNU time's is in
# hundredths of a second, 5% of native dot's run.
one() {
	local name=$1 t0
	shift
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -f '%M %U %S' -o "$work/$name.one" "$@" >/dev/null 2>"$work/$name.err"; then
		echo failed >"$work/$name.failed"
	fi
	tail -1 "$work/$name.one" | awk -v t="$EPOCHREALTIME $t0" '{split(t, e, " "); print e[1] - e[2], $1, $2 + $3}' >>"$work/$name.times"
}

# quick NAME CMD...: wall milliseconds of one short run, to NAME.times
# (GNU time counts in hundredths of a second, too coarse for start-up).
quick() {
	local name=$1 t0
	shift
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	echo "$EPOCHREALTIME $t0" | awk '{printf "%.2f 0 0\n", ($1-$2)*1000}' >>"$work/$name.times"
}

# init_ms CMD...: the sum of the package init times GODEBUG=inittrace=1
# reports for one run, to init.times.
init_ms() { GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | awk '/^init / {s+=$5} END {printf "%.2f 0 0\n", s}'; }

names="native svg embsvg nativepng png embpng empty version observed initversion initobserved"
for n in $names; do : >"$work/$n.times"; done
for ((i = 0; i < RUNS; i++)); do
	one native dot -Tsvg "$work/graph.dot" -o "$work/native.svg"
	one svg "$tg" render "$work/graph.json" -f svg -o "$work/auto.svg"
	one embsvg "$tg" render "$work/graph.json" -f svg --graphviz-engine embedded -o "$work/embedded.svg"
	one nativepng dot -Tpng "$work/graph.dot" -o "$work/native.png"
	one png "$tg" render "$work/graph.json" -f png -o "$work/auto.png"
	one embpng "$tg" render "$work/graph.json" -f png --graphviz-engine embedded -o "$work/embedded.png"
done
for ((i = 0; i < 10 * RUNS; i++)); do
	quick empty "$work/empty-go"
	quick version "$tg" --version
	quick observed "$tg" observed --events "$work/small.jsonl"
	init_ms "$tg" --version >>"$work/initversion.times"
	init_ms "$tg" observed --events "$work/small.jsonl" >>"$work/initobserved.times"
done
# NAME.res: the median wall time, the peak RSS, the median CPU time.
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for n in $names; do
	echo "$n $(cut -d' ' -f1 "$work/$n.times" | median) $(cut -d' ' -f2 "$work/$n.times" | sort -g | tail -1) $(cut -d' ' -f3 "$work/$n.times" | median)" >"$work/$n.res"
done

# pair NAME BASE: the median over rounds of NAME's time over BASE's in the
# same round ("pairs"), which a load that changes between rounds sways less
# than the ratio of the two medians.
pair() { paste -d' ' "$work/$2.times" "$work/$1.times" | awk '{print $4 / $1}' | median; }
echo "$(pair svg native) $(pair embsvg native) $(pair png nativepng)" >"$work/pairs"

for n in svg png embpng; do
	if [ -e "$work/$n.failed" ]; then echo "$n: $(tail -1 "$work/$n.err")"; fi
done
refused=0
[ -e "$work/embpng.failed" ] && refused=1
{ [ -e "$work/png.failed" ] || [ -e "$work/svg.failed" ]; } && refused=2
read -r pair1 pair2 pair3 <"$work/pairs"
cat "$work"/*.res | awk -v refused="$refused" -v pair1="$pair1" -v pair2="$pair2" -v pair3="$pair3" '
	function row(label, n, note) { printf "%-48s %7.3fs %7.3fs %6.0f MB%s\n", label, t[n], c[n], m[n] / 1024, note }
	{ t[$1] = $2; m[$1] = $3; c[$1] = $4 }
	END {
		printf "%-48s %8s %8s %9s\n", "", "median", "CPU", "peak RSS"
		row("native dot -Tsvg", "native")
		row("1. tracegraph -f svg (native dot present)", "svg", refused == 2 ? " (FAILED)" : "")
		row("2. tracegraph -f svg --graphviz-engine embedded", "embsvg")
		row("native dot -Tpng", "nativepng")
		row("3. tracegraph -f png (native dot present)", "png", refused == 2 ? " (FAILED)" : "")
		row("4. tracegraph -f png --graphviz-engine embedded", "embpng", refused == 1 ? " (refused: the time to say so)" : "")
		printf "%-48s %6.1fms\n", "an empty Go program", t["empty"]
		printf "%-48s %6.1fms  package init %.1f ms\n", "5. tracegraph --version", t["version"], t["initversion"]
		printf "%-48s %6.1fms  package init %.1f ms\n", "5. tracegraph observed --events (200 events)", t["observed"], t["initobserved"]
		printf "1. svg, native present / dot -Tsvg:  %.2fx, CPU %.2fx, pairs %.2fx (target <= 1.1x)\n", t["svg"] / t["native"], c["svg"] / c["native"], pair1
		printf "2. svg, embedded / dot -Tsvg:        %.2fx, CPU %.2fx, pairs %.2fx (target <= 2.0x)\n", t["embsvg"] / t["native"], c["embsvg"] / c["native"], pair2
		printf "3. png, native present / dot -Tpng:  %.2fx, CPU %.2fx, pairs %.2fx (target <= 1.5x)\n", t["png"] / t["nativepng"], c["png"] / c["nativepng"], pair3
		printf "5. start-up: --version %.1f ms, observed %.1f ms, an empty Go program %.1f ms (target < 20 ms)\n", t["version"], t["observed"], t["empty"]
	}'
