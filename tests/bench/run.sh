#!/bin/bash
# tests/bench/run.sh: run every benchmark program given as an argument and
# show its output under its name. Used by `make bench`.
#
# A benchmark prints its figures beside their targets; missing a target is a
# finding to read, not a failure (figures depend on the machine), so the run
# fails only when a benchmark itself fails. Extra arguments for one program
# can be given in BENCH_ARGS_<name> (e.g. BENCH_ARGS_bench_format=500000).
set -u
rc=0
for b in "$@"; do
	name=$(basename "$b")
	var="BENCH_ARGS_$name"
	echo "== $name"
	# shellcheck disable=SC2086
	if ! "$b" ${!var:-}; then
		echo "bench: $name failed" >&2
		rc=1
	fi
	echo
done
exit $rc
