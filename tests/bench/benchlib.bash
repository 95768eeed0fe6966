# tests/bench/benchlib.bash: what the recorder benchmarks (bench_*.sh) share.
# Sourced, not run. bench_init NAME FILE...: O made absolute, REC set, a
# scratch folder T (removed at exit), FX_TIME exported so fixtures time
# their own loop; without root it says so and exits 0 (a benchmark that
# cannot run is not a failure of `make bench`), a FILE not built exits 77.
set -u
O=${O:-build}
O=$(cd "$O" && pwd)
REC="$O/nexus-record"

bench_init() {
	local name=$1 f
	shift
	[ "$(id -u)" = 0 ] || { echo "$name: skipped: needs root (it loads BPF programs)"; exit 0; }
	for f in "$REC" "$@"; do
		[ -x "$f" ] || { echo "$name: build $f first"; exit 77; }
	done
	T=$(mktemp -d /tmp/nxbench.XXXXXX)
	trap 'rm -rf "$T"' EXIT
	export FX_TIME=1
}

# median: of the numbers on stdin, one a line
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# loop_ns FILE: "wall_ns cpu_ns" of the last FX_TIME line a fixture wrote there
loop_ns() { sed -n 's/.*loop_ns=\([0-9]*\) cpu_ns=\([0-9]*\).*/\1 \2/p' "$1" | tail -n 1; }
