#!/bin/bash
# tests/bench/bench_payload.sh: what payloads cost (README "Payloads").
#
# Three syscall-bound loops, each untraced and under nexus-record with
# payloads off (Payloads: {Paths: 0, Argv: 0}), with the defaults (paths
# and argv), and with I/O buffers too (write: 256):
#   getppid  no payload at all: must cost the same whatever the setting
#   open     openat("/dev/null") + close: one path payload per openat
#   write    256-byte writes to /dev/null: one buffer payload each when on
# Prints the medians of RUNS runs (wall and cpu time the loop was charged),
# their ratios to untraced measured in the same run, the loop's syscalls per
# second, and the bytes per syscall on disk (the written bytes are random:
# they do not compress away).
# Usage: bench_payload.sh [N [RUNS]] (as root; O=build folder).
. "$(dirname "$0")/benchlib.bash"
N=${1:-300000}
RUNS=${2:-3}
bench_init bench_payload "$O/fixtures/fx_loop" "$O/fixtures/fx_payload_loop"


# run_one SETTING CMD...: loop_ns cpu_ns [file_bytes]
run_one() {
	local setting=$1
	shift
	if [ "$setting" = untraced ]; then
		"$@" 2> "$T/err" > /dev/null
	else
		{
			echo "TraceCondition:"
			echo "  Command: $*"
			echo "  Sudo: True"
			case $setting in
			off) echo "  Payloads: {Paths: 0, Argv: 0}" ;;
			io) echo "  Payloads: {write: 256}" ;;
			esac
		} > "$T/c.yaml"
		rm -f "$T/r.nxr"
		"$REC" -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" > /dev/null
	fi
	local t
	t=$(loop_ns "$T/err")
	[ -n "$t" ] || { echo "bench_payload: $setting $* failed: $(tail -n 2 "$T/err")" >&2; exit 1; }
	if [ "$setting" = untraced ]; then
		echo "$t"
	else
		echo "$t $(stat -c %s "$T/r.nxr")"
	fi
}

printf '%-8s %-22s %8s %7s %8s %7s %10s %9s\n' loop setting "wall (s)" ratio "cpu (s)" ratio "calls/s" "B/call"
for loop in getppid open write; do
	case $loop in
	getppid) cmd="$O/fixtures/fx_loop getppid $N" calls=$N ;;
	open) cmd="$O/fixtures/fx_payload_loop open $N" calls=$((2 * N)) ;;
	write) cmd="$O/fixtures/fx_payload_loop write $N 256" calls=$N ;;
	esac
	base="" cbase=""
	for setting in untraced off default io; do
		: > "$T/times"
		for i in $(seq "$RUNS"); do
			run_one $setting $cmd >> "$T/times" || exit 1
		done
		med=$(awk '{ print $1 }' "$T/times" | median)
		cmed=$(awk '{ print $2 }' "$T/times" | median)
		[ -n "$base" ] || { base=$med; cbase=$cmed; }
		bytes=$(awk -v c=$calls 'NF >= 3 { s += $3; n++ } END { if (n) printf "%.1f", s / n / c; else printf "-" }' "$T/times")
		case $setting in
		untraced) label="untraced" ;;
		off) label="payloads off" ;;
		default) label="paths+argv (default)" ;;
		io) label="+ write: 256" ;;
		esac
		printf '%-8s %-22s %8.3f %6.2fx %8.3f %6.2fx %10.0f %9s\n' $loop "$label" \
			"$(awk -v a="$med" 'BEGIN { print a / 1e9 }')" "$(awk -v a="$med" -v b="$base" 'BEGIN { print a / b }')" \
			"$(awk -v a="$cmed" 'BEGIN { print a / 1e9 }')" "$(awk -v a="$cmed" -v b="$cbase" 'BEGIN { print a / b }')" \
			"$(awk -v a="$med" -v c=$calls 'BEGIN { print c / (a / 1e9) }')" "$bytes"
	done
done
echo
echo "B/call: bytes of the recording on disk per syscall of the loop (compressed);"
echo "targets: getppid costs the same with payloads on or off; a payload costs one ring record"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpus"
exit 0
