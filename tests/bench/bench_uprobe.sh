#!/bin/bash
# tests/bench/bench_uprobe.sh: what hooking a function costs the traced program.
#
# fx_calls hot N calls libfxcalls.so's fx_hot(v) N times (v in 0..3, with
# N / 100000 planted values >= 1000) and times its own loop (FX_TIME: wall and
# cpu time of the calls only, so tracer start-up is not counted). One run each:
#   untraced
#   nexus full       every call recorded (a CALL event each)
#   nexus triggered  trigger `arg1 >= 1000`: the kernel keeps the N / 100000
#                    planted calls and counts the rest (FILTER events)
#   nexus auto       trigger `auto arg1` (Mode triggered): learns 0..3 as common
#                    after its warm-up; the recorder's summary gives the ring
#                    traffic before and after (issue 6's live benchmark)
#   bpftrace         the same filter as triggered, printing each kept call
# Prints wall and cpu time, the ratio to untraced and the cost per call in ns
# (traced minus untraced, over N), and for nexus the time its BPF program
# takes per call (kernel.bpf_stats_enabled, turned on for the run). Syscalls are not recorded (Syscalls: none),
# so the figures are the uprobe path alone. Usage: bench_uprobe.sh [N] (root).
. "$(dirname "$0")/benchlib.bash"
N=${1:-1000000}
FXC="$O/fixtures/fx_calls"
LIB="$O/fixtures/libfxcalls.so"
bench_init bench_uprobe "$FXC"

# The BPF program's own time per call (kernel.bpf_stats_enabled, on for the
# run): progs_before notes the kprobe-type programs loaded already;
# watch_prog PID then samples, while PID lives, the new kprobe-type program
# that ran most (the tracer's uprobe program); prog_ns prints it.
progs_before() { bpftool prog show 2> /dev/null | sed -n 's/^\([0-9]*\): kprobe .*/\1/p' > "$T/ids.before"; }
watch_prog() {
	: > "$T/stats"
	while kill -0 "$1" 2> /dev/null; do
		bpftool prog show 2> /dev/null | awk -v f="$T/ids.before" '
			BEGIN { while ((getline l < f) > 0) old[l] = 1 }
			/^[0-9]*: kprobe .*run_time_ns/ { id = $1; sub(/:$/, "", id); if (id in old) next
				for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
				if (c > bc) { bc = c; bt = t } }
			END { if (bc) print bt, bc }' > "$T/stats.new"
		[ -s "$T/stats.new" ] && mv "$T/stats.new" "$T/stats"
		sleep 0.2
	done
}
prog_ns() { awk '$2 { printf ", BPF program %.0f ns/call", $1 / $2 }' "$T/stats"; }

nexus_cfg() {
	{
		echo "TraceCondition:"
		echo "  Command: $FXC hot $N"
		echo "  Sudo: True"
		echo "  Syscalls: none"
		echo "  Mode: $1"
		echo "  Targets:"
		echo "  - FilePath: $LIB"
		echo "    Functions:"
		echo "      - Func: fx_hot"
		[ "$1" = triggered ] && echo "        Triggers: [arg1 >= 1000]"
		[ "$1" = auto ] && echo "        Triggers: [auto arg1]"
	} > "$T/c.yaml"
}

have_bpftrace=0
if command -v bpftrace > /dev/null &&
   unshare -m sh -c 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing' 2>/dev/null; then
	have_bpftrace=1
fi

stats_was=$(sysctl -n kernel.bpf_stats_enabled 2> /dev/null || echo 0)
sysctl -q -w kernel.bpf_stats_enabled=1 2> /dev/null
trap 'sysctl -q -w kernel.bpf_stats_enabled=$stats_was 2> /dev/null; rm -rf "$T"' EXIT
printf '%-34s %9s %7s %9s %7s %9s %s\n' tracer "wall (s)" ratio "cpu (s)" ratio "ns/call" "recorded"
base="" cbase=""
for tracer in untraced full triggered auto bpftrace; do
	side=""
	case $tracer in
	untraced)
		label="untraced"
		"$FXC" hot "$N" 2> "$T/err" ;;
	full|triggered|auto)
		label="nexus-record Mode: $tracer"
		[ $tracer = auto ] && label="nexus-record triggered, auto arg1"
		nexus_cfg $tracer
		[ $tracer = auto ] && sed -i 's/Mode: auto/Mode: triggered/' "$T/c.yaml"
		rm -f "$T/r.nxr"
		progs_before
		"$REC" -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" > /dev/null &
		rp=$!
		watch_prog $rp
		wait $rp
		[ $tracer = auto ] && sed -n 's/^nexus-record: adapt: .*; uprobe events/uprobe events/p' "$T/err" > "$T/adapt"
		side=$("$O/nexus-info" "$T/r.nxr" 2>/dev/null | sed -n 's/^ *call *\([0-9]*\).*/\1 calls/p' | head -n 1)
		side="$side$(prog_ns)" ;;
	bpftrace)
		label="bpftrace, same filter, printing"
		[ $have_bpftrace = 1 ] || { printf '%-34s %s\n' "$label" "cannot run here (no bpftrace or tracefs)"; continue; }
		progs_before
		unshare -m sh -c "mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; \
			exec bpftrace -q -o $T/bt.txt -e 'uprobe:$LIB:fx_hot /(int64)arg0 >= 1000/ { printf(\"%d %d %d\\n\", nsecs, tid, arg0); }' -c '$FXC hot $N'" \
			> /dev/null 2> "$T/err" &
		rp=$!
		watch_prog $rp
		wait $rp
		side="$(grep -c '^-\?[0-9]' "$T/bt.txt" 2>/dev/null) lines$(prog_ns)" ;;
	esac
	t=$(loop_ns "$T/err")
	[ -n "$t" ] || { echo "bench_uprobe: $tracer failed: $(tail -n 2 "$T/err")" >&2; exit 1; }
	set -- $t
	[ -n "$base" ] || { base=$1; cbase=$2; }
	awk -v l="$label" -v w="$1" -v c="$2" -v b="$base" -v cb="$cbase" -v n="$N" -v s="$side" 'BEGIN {
		printf "%-34s %9.3f %6.2fx %9.3f %6.2fx %9.0f %s\n", l, w / 1e9, w / b, c / 1e9, c / cb, (w - b) / n, s }'
done
echo
[ -s "$T/adapt" ] && echo "auto arg1, ring traffic: $(cat "$T/adapt")"
echo "N = $N calls; ns/call = (traced wall - untraced wall) / N"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpus"
exit 0
