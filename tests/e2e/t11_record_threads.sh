#!/bin/bash
# t11: a multi-threaded fixture: every thread's syscalls are recorded, in
# order, under that thread's tid, and each thread's creation is a FORK with
# the thread flag.
. "$(dirname "$0")/reclib.bash"
NT=4 K=2000
config "$T/c.yaml" "$FX/fx_threads $NT $K"
"$REC" -q -o "$T/r.nxr" "$T/c.yaml" || fail "nexus-record exited $?"
events "$T/r.nxr" > "$T/ev"
grep -q '^stats closed=1 .* lost_ringbuf=0 lost_backlog=0 lost_disk=0' "$T/ev" || fail "$(tail -n 1 "$T/ev")"
pid=$(field "$(grep '^exec .*comm=fx_threads' "$T/ev")" pid)
[ -n "$pid" ] || fail "no exec of fx_threads"
tids=""
for i in $(seq 0 $((NT - 1))); do
	tag=$((0x7a6700 + i))
	grep "^syscall pid=$pid .* arg1=$tag .* nr=39 " "$T/ev" > /dev/null && fail "getpid?"
	grep "^syscall pid=$pid .* arg1=$tag .* nr=110 " "$T/ev" > "$T/t$i"
	[ "$(wc -l < "$T/t$i")" = $K ] || fail "thread $i: $(wc -l < "$T/t$i") getppid recorded, want $K"
	t=$(awk '{ print $3 }' "$T/t$i" | sort -u)
	[ "$(wc -l <<< "$t")" = 1 ] || fail "thread $i's calls under several tids: $t"
	t=${t#tid=}
	[ "$t" != "$pid" ] || fail "thread $i recorded under the main thread's tid"
	awk '{ for (i = 5; i <= NF; i++) if ($i ~ /^arg2=/) { split($i, a, "="); if (a[2] != NR - 1) { bad = 1; exit } } } END { exit bad }' "$T/t$i" ||
		fail "thread $i's calls out of order"
	grep -q "^fork pid=$pid .* child_pid=$pid child_tid=$t flags=1 " "$T/ev" || fail "no thread fork for tid $t"
	grep -q "^exit pid=$pid tid=$t .* flags=0\$" "$T/ev" || fail "no thread exit for tid $t"
	tids="$tids $t"
done
[ "$(tr ' ' '\n' <<< "$tids" | sort -u | grep -c .)" = $NT ] || fail "threads share tids: $tids"
ok "$NT threads x $K getppid, each under its own tid ($tids), in order, with fork and exit events"
