#!/bin/bash
# t32: the generated program's relevancy without -c. NoExec with a name and
# Follow: False prints exactly the triggered calls of the process that execs
# that name, not its forked child's, nor those of the same file run under
# another name; NoExec '*' prints every process's triggered calls but never
# bpftrace's own events.
. "$(dirname "$0")/reclib.bash"
. "$(dirname "$0")/bpflib.bash"
N=12
ln -s "$FX/fx_bpfscript" "$T/fx_other"	# the same inode (so the uprobes fire), comm fx_other

# start_bt PROGRAM OUT: bpftrace in the background; returns once it prints
# the calls of a marker run (fx_bpfscript 1), so every probe is attached.
start_bt() {
	exec_bt "$1" > "$2" 2> "$2.err" &
	btpid=$!
	KILL_PIDS="$btpid"
	for ((i = 0; i < 150; i++)); do
		"$FX/fx_bpfscript" 1
		grep -q '^call fxb_plain(0, 0, 0, 0, 0, 0) ' "$2" && return 0
		kill -0 $btpid 2> /dev/null || break
		sleep 0.1
	done
	wait $btpid
	[ $? = 99 ] && skip "tracefs cannot be mounted here"
	fail "bpftrace did not start: $(grep -v MEMLOCK "$2.err" | head -n 5)"
}
# stop_bt OUT PID: once PID's exit is printed, SIGINT to bpftrace.
stop_bt() {
	wait_line "$1" "^exit pid=$2 tid=$2 "
	kill -INT $btpid
	timeout 20 tail --pid=$btpid -f /dev/null || fail "bpftrace did not stop on SIGINT"
	wait $btpid || fail "bpftrace exited $? on SIGINT: $(grep -v MEMLOCK "$1.err" | head -n 5)"
}
calls() { grep -E "^(call|return) .* pid=$2 " "$1" | sed 's/ pid=.*//' | sort; }

fxcfg "$T/n.yaml" fx_bpfscript "NoExec: True" "Follow: False" "Syscalls: none"
"$REC" --emit-bpftrace "$T/n.bt" "$T/n.yaml" || fail "emit: exit $?"
grep -q 'comm == "fx_bpfscript"' "$T/n.bt" || fail "no comm test in the NoExec program"
start_bt "$T/n.bt" "$T/n.out"
"$FX/fx_bpfscript" $N fork & sp=$!
wait $sp
"$T/fx_other" $N fork & op=$!
wait $op
"$FX/fx_bpfscript" 1 & mp=$!	# printed after fx_other's events, were they printed
wait $mp
stop_bt "$T/n.out" "$mp"
cp=$(grep "^fork .* pid=$sp " "$T/n.out" | sed 's/^fork child=\([0-9]*\) .*/\1/')
[ -n "$cp" ] || fail "no fork line of $sp"
want_calls $N | sort > "$T/want"
calls "$T/n.out" "$sp" > "$T/got"
diff "$T/want" "$T/got" > "$T/diff" || fail "calls of $sp differ: $(cat "$T/diff")"
[ -z "$(calls "$T/n.out" "$cp")" ] || fail "Follow: False, yet the child's calls were printed"
[ -z "$(calls "$T/n.out" "$op")" ] || fail "fx_other's calls were printed: $(calls "$T/n.out" "$op" | head -n 2)"
grep -q "^exec $FX/fx_bpfscript pid=$sp " "$T/n.out" || fail "no exec line of $sp"
! grep -q "pid=$op " "$T/n.out" || fail "fx_other (pid $op) printed: $(grep "pid=$op " "$T/n.out" | head -n 2)"
ok "NoExec fx_bpfscript: its $(wc -l < "$T/got") triggered calls, not its child's (Follow: False), not fx_other's"

fxcfg "$T/a.yaml" "'*'" "NoExec: True" "Syscalls: none"
"$REC" --emit-bpftrace "$T/a.bt" "$T/a.yaml" || fail "emit: exit $?"
start_bt "$T/a.bt" "$T/a.out"
"$T/fx_other" $N fork & op=$!
wait $op
stop_bt "$T/a.out" "$op"
calls "$T/a.out" "$op" > "$T/got"
diff "$T/want" "$T/got" > "$T/diff" ||
	fail "'*': calls of fx_other differ: $(cat "$T/diff") $(grep -i lost "$T/a.out.err")"
cp=$(grep "^fork .* pid=$op " "$T/a.out" | sed 's/^fork child=\([0-9]*\) .*/\1/')
printf 'call fxb_op(100, 21532, 7, 0, 0, 0)\nreturn fxb_ret = -100\n' | sort > "$T/want.child"
calls "$T/a.out" "$cp" > "$T/got.child"
diff "$T/want.child" "$T/got.child" > "$T/diff" || fail "'*': the child's calls differ: $(cat "$T/diff")"
! grep -q "pid=$btpid " "$T/a.out" || fail "'*' printed bpftrace's own events: $(grep "pid=$btpid " "$T/a.out" | head -n 2)"
grep -q "^exit pid=$op " "$T/a.out" || fail "'*': no exit line of fx_other"
ok "NoExec '*': fx_other's triggered calls and its child's, nothing of bpftrace itself"
