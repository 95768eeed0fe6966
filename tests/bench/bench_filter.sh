#!/bin/bash
# tests/bench/bench_filter.sh: what process filters cost the traced program.
#
# fx_loop getppid N, timed by itself (FX_TIME: loop wall and cpu time, BPF
# included), untraced, under nexus-record without filters, and under
# nexus-record with --comm fx_loop and with --comm 'fx_l*' --uid 0 (matching:
# every syscall is still recorded, so the difference is the filter's own
# cost). The filter is judged once per process and cached, so all three
# traced runs should cost the same; the figures are medians of RUNS runs,
# printed with their ratio to the run without filters measured beside them.
# Usage: bench_filter.sh [N [RUNS]] (as root; O=build folder).
. "$(dirname "$0")/benchlib.bash"
N=${1:-1000000}
RUNS=${2:-3}
LOOP="$O/fixtures/fx_loop"
bench_init bench_filter "$LOOP"


# run LABEL [nexus-record options]: the loop's cpu ns, median of RUNS
run() {
	local label=$1 i
	shift
	for i in $(seq "$RUNS"); do
		if [ "$label" = untraced ]; then
			"$LOOP" getppid "$N" 2> "$T/err"
		else
			rm -f "$T/r.nxr"
			"$REC" -q -o "$T/r.nxr" -e sys_getppid "$@" -- "$LOOP" getppid "$N" 2> "$T/err"
		fi
		sed -n 's/.*cpu_ns=\([0-9]*\).*/\1/p' "$T/err" | tail -n 1
	done | median
}

base=$(run untraced)
nof=$(run nofilter)
comm=$(run comm --comm fx_loop)
glob=$(run glob --comm 'fx_l*' --uid 0)
awk -v n="$N" -v runs="$RUNS" -v base="$base" -v nof="$nof" -v comm="$comm" -v glob="$glob" 'BEGIN {
	printf "%-36s %10s %8s\n", "getppid x " n " (cpu, median of " runs ")", "ns/call", "ratio"
	printf "%-36s %10.1f %8s\n", "untraced", base / n, "-"
	printf "%-36s %10.1f %8s\n", "nexus-record, no filter", nof / n, "1.00x"
	printf "%-36s %10.1f %7.2fx\n", "nexus-record --comm fx_loop", comm / n, comm / nof
	printf "%-36s %10.1f %7.2fx\n", "nexus-record --comm fx_l* --uid 0", glob / n, glob / nof
}'
