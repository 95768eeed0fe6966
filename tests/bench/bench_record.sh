#!/bin/bash
# tests/bench/bench_record.sh: what recording costs the traced program.
#
# Syscall-bound loops (fx_loop: getppid; 1-byte write+read pairs on a pipe),
# each run untraced, under nexus-record (every syscall, entry and exit,
# arguments and return value), under bpftrace counting syscalls by number,
# under bpftrace printing every event to a file, and under strace -f -o.
# The loop times itself (FX_TIME), so tracer start-up is not counted: wall
# time, and the cpu time the loop was charged (user + system, BPF programs
# included), which stays meaningful on a loaded machine where wall time
# mostly measures the neighbours. Prints the medians of RUNS runs, their
# ratios to untraced, and for nexus-record the events recorded per second,
# the events lost and the bytes per event on disk; for bpftrace printing,
# the events it lost (printed lines short of two per syscall).
#
# bpftrace 0.17 attaches syscalls through tracefs, which is not mounted on
# every machine (nexus-record does not need it): it is mounted in a private
# mount namespace for bpftrace's runs only. Usage: bench_record.sh [N [RUNS]]
# (as root; O=build folder).
. "$(dirname "$0")/benchlib.bash"
N=${1:-1000000}
RUNS=${2:-3}
LOOP="$O/fixtures/fx_loop"
bench_init bench_record "$LOOP"

have_bpftrace=0
if command -v bpftrace > /dev/null &&
   unshare -m sh -c 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing' 2>/dev/null; then
	have_bpftrace=1
fi
have_strace=0
command -v strace > /dev/null && have_strace=1


# run_one LABEL MODE: one measurement, loop ns on stdout; side figures in $T/side
run_one() {
	local tracer=$1 mode=$2 cmd="$LOOP $mode $N"
	: > "$T/side"
	case $tracer in
	untraced)
		$cmd 2> "$T/err" ;;
	nexus)
		printf 'TraceCondition:\n  Command: %s\n  Sudo: True\n' "$cmd" > "$T/c.yaml"
		rm -f "$T/r.nxr"
		"$REC" -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" > /dev/null
		sed -n 's/.*: \([0-9]*\) events in \([0-9.]*\) s.*/\1 \2/p' "$T/err" > "$T/side.ev"
		lost=$(sed -n 's/.*LOST \([0-9]*\) events.*/\1/p' "$T/err")
		echo "$(cat "$T/side.ev") ${lost:-0} $(stat -c %s "$T/r.nxr")" > "$T/side" ;;
	bt-count)
		unshare -m sh -c "mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; \
			exec bpftrace -q -e 'tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[args->id] = count(); }' -c '$cmd'" \
			> "$T/bt.out" 2> "$T/err" ;;
	bt-print)
		rm -f "$T/bt.txt"
		unshare -m sh -c "mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; \
			exec bpftrace -q -o $T/bt.txt -e 'tracepoint:raw_syscalls:sys_enter /pid == cpid/ { printf(\"%d %d %d %d %d\\n\", nsecs, tid, args->id, args->args[0], args->args[2]); } \
			tracepoint:raw_syscalls:sys_exit /pid == cpid/ { printf(\"%d %d %d\\n\", nsecs, tid, args->ret); }' -c '$cmd'" \
			> /dev/null 2> "$T/err"
		lines=$(grep -c '^[-0-9]' "$T/bt.txt" 2>/dev/null)
		echo "lost $((2 * N > ${lines:-0} ? 2 * N - ${lines:-0} : 0))" > "$T/side" ;;
	strace)
		strace -f -o "$T/strace.txt" $cmd 2> "$T/err" ;;
	esac
	loop_ns "$T/err"
}

# measure MODE TRACER: one run, its "wall_ns cpu_ns" appended to $T/MODE.TRACER.times
# and its side figures to $T/MODE.TRACER.sides
measure() {
	local t
	t=$(run_one "$2" "$1")
	[ -n "$t" ] || { echo "bench_record: $2 $1 failed: $(tail -n 2 "$T/err")" >&2; exit 1; }
	echo "$t" >> "$T/$1.$2.times"
	cat "$T/side" >> "$T/$1.$2.sides"
}

# The runs that are compared take turns (untraced, nexus, bpftrace counting,
# then again), so that a change in the machine's load between them falls on
# all three alike; bpftrace printing and strace, far slower, run once after.
printf '%-8s %-30s %8s %7s %8s %7s %11s %9s %8s\n' loop tracer "wall (s)" ratio "cpu (s)" ratio "events/s" lost "bytes/ev"
declare -A cpu_ratio lost_of
for mode in getppid rw; do
	for i in $(seq "$RUNS"); do
		measure $mode untraced
		measure $mode nexus
		[ $have_bpftrace = 1 ] && measure $mode bt-count
	done
	[ $have_bpftrace = 1 ] && measure $mode bt-print
	[ $have_strace = 1 ] && measure $mode strace
	base=$(awk '{ print $1 }' "$T/$mode.untraced.times" | median)
	cbase=$(awk '{ print $2 }' "$T/$mode.untraced.times" | median)
	for tracer in untraced nexus bt-count bt-print strace; do
		case $tracer in
		bt-*) [ $have_bpftrace = 1 ] || { printf '%-8s %-30s %s\n' $mode "bpftrace ($tracer)" "cannot run here (no tracefs)"; continue; } ;;
		strace) [ $have_strace = 1 ] || { printf '%-8s %-30s %s\n' $mode strace "not installed"; continue; } ;;
		esac
		med=$(awk '{ print $1 }' "$T/$mode.$tracer.times" | median)
		cmed=$(awk '{ print $2 }' "$T/$mode.$tracer.times" | median)
		ratio=$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2fx", a / b }')
		cratio=$(awk -v a="$cmed" -v b="$cbase" 'BEGIN { printf "%.2fx", a / b }')
		cpu_ratio[$mode.$tracer]=${cratio%x}
		case $tracer in
		untraced) label="untraced" extra="" ;;
		nexus) label="nexus-record (everything)"
			extra=$(awk 'NF == 4 { ev += $1; s += $2; lost += $3; by += $4; n++ }
				END { if (n) printf "%11.0f %9d %8.1f", ev / s, lost, by / ev }' "$T/$mode.$tracer.sides")
			lost_of[$mode]=$(awk 'NF == 4 { lost += $3 } END { print lost + 0 }' "$T/$mode.$tracer.sides") ;;
		bt-count) label="bpftrace counting syscalls" extra="" ;;
		bt-print) label="bpftrace printing each event" extra=$(printf '%11s %9s' - "$(sed -n 's/lost //p' "$T/$mode.$tracer.sides")") ;;
		strace) label="strace -f -o" extra="" ;;
		esac
		printf '%-8s %-30s %8.3f %7s %8.3f %7s %s\n' $mode "$label" "$(awk -v a="$med" 'BEGIN { print a / 1e9 }')" "$ratio" \
			"$(awk -v a="$cmed" 'BEGIN { print a / 1e9 }')" "$cratio" "$extra"
	done
done

# Sustained rate: 4 threads of getppid, as fast as they go, with the default
# ring. The recorder's own summary gives the events, the time and the loss.
{ echo "TraceCondition:"; echo "  Command: $O/fixtures/fx_threads 4 $((N * 2))"; echo "  Sudo: True"; } > "$T/storm.yaml"
storm_rate=0 storm_lost=unknown
if "$REC" -f -o "$T/storm.nxr" "$T/storm.yaml" 2> "$T/storm.err" > /dev/null; then
	sed -n 's/^nexus-record: [^:]*: \([0-9]*\) events in \([0-9.]*\) s .*; \(.*\)$/\1 \2 \3/p' "$T/storm.err" |
		awk '{ printf "storm    4 threads of getppid: %d events in %.2f s = %.2f M events/s recorded; ", $1, $2, $1 / $2 / 1e6;
		       $1 = $2 = ""; sub(/^ +/, ""); print }' | tee "$T/storm.line"
	storm_rate=$(sed -n 's/.* = \([0-9.]*\) M events\/s.*/\1/p' "$T/storm.line")
	sed -n 's/^nexus-record: recorder cpu .*, \([0-9]*\) ns per event (\(.*\) M events.*/storm    the recorder itself: \1 ns of cpu per event, \2 M events\/s on one cpu (the generator, 4 threads on the other cpus, sets the rate)/p' "$T/storm.err"
	grep -q 'no events lost' "$T/storm.line" && storm_lost=0 ||
		storm_lost=$(sed -n 's/.*LOST \([0-9]*\) events.*/\1/p' "$T/storm.err")
else
	echo "bench_record: storm run failed: $(tail -n 1 "$T/storm.err")" >&2
fi
echo
# verdict LABEL OK: one line per target, from the medians above (cpu time)
verdict() { printf '  %-58s %s\n' "$1" "$([ "$2" = 1 ] && echo met || echo MISSED)"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }
echo "targets (cpu-time medians of this run):"
for mode in getppid rw; do
	if [ $have_bpftrace = 1 ]; then
		verdict "$mode: nexus ${cpu_ratio[$mode.nexus]}x below bpftrace counting ${cpu_ratio[$mode.bt-count]}x" \
			"$(awk -v a="${cpu_ratio[$mode.nexus]}" -v b="${cpu_ratio[$mode.bt-count]}" 'BEGIN { print (a < b) }')"
	fi
done
verdict "getppid: nexus ${cpu_ratio[getppid.nexus]}x <= 3x, lost ${lost_of[getppid]}" \
	"$([ "$(le "${cpu_ratio[getppid.nexus]}" 3)" = 1 ] && [ "${lost_of[getppid]}" = 0 ] && echo 1)"
verdict "rw: nexus ${cpu_ratio[rw.nexus]}x <= 2.5x, lost ${lost_of[rw]}" \
	"$([ "$(le "${cpu_ratio[rw.nexus]}" 2.5)" = 1 ] && [ "${lost_of[rw]}" = 0 ] && echo 1)"
verdict "storm: ${storm_rate:-0} M events/s >= 3 M sustained, lost ${storm_lost:-unknown}" \
	"$([ "$(le 3 "${storm_rate:-0}")" = 1 ] && [ "$storm_lost" = 0 ] && echo 1)"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpus (wall ratios need an idle machine)"
[ $have_bpftrace = 1 ] && echo "note: bpftrace ran with tracefs mounted in a private mount namespace"
exit 0
