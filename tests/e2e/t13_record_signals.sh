#!/bin/bash
# t13: SIGINT, SIGTERM and SIGHUP in the middle leave a closed, complete file
# (exit 128+N) in which the syscall blocked at the end keeps its entry; SIGKILL leaves a file whose complete segments all read back,
# and no BPF program of ours stays loaded.
. "$(dirname "$0")/reclib.bash"
# 100 getppid 2 ms apart, then a nanosleep of an hour: the signal at 1.5 s
# finds the loop blocked there however loaded the machine is
config "$T/c.yaml" "$FX/fx_loop block 2 100"
# The BPF programs a process holds, by id, from its descriptors' fdinfo: other
# recorders running on the machine at the same time do not count.
held_progs() { grep -h '^prog_id:' /proc/$1/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un; }
loaded() { local id n=0; for id in $1; do bpftool prog show id "$id" > /dev/null 2>&1 && n=$((n + 1)); done; echo $n; }
for sig in INT TERM HUP; do
	"$REC" -q -o "$T/$sig.nxr" "$T/c.yaml" &
	rec=$!
	sleep 1.5
	kill -$sig $rec
	wait $rec
	rc=$?
	want=$((128 + $(kill -l $sig)))
	[ $rc = $want ] || fail "SIG$sig: exit $rc, want $want"
	events "$T/$sig.nxr" > "$T/$sig.ev"
	grep -q '^stats closed=1 .* damaged=0 ' "$T/$sig.ev" || fail "SIG$sig: $(tail -n 1 "$T/$sig.ev")"
	! grep -q '^damage' "$T/$sig.ev" || fail "SIG$sig: $(grep ^damage "$T/$sig.ev")"
	tg=$(field "$(grep '^exec .*comm=fx_loop' "$T/$sig.ev")" pid)
	[ -n "$tg" ] || fail "SIG$sig: exec missing"
	KILL_PIDS="${KILL_PIDS:-} $tg"
	n=$(grep -c "^syscall pid=$tg .* nr=110 " "$T/$sig.ev")
	[ "$n" = 100 ] || fail "SIG$sig: $n getppid recorded, want 100"
	kill -9 $tg
	# the hour-long sleep it was in keeps its entry, unreturned
	last=$(grep "^syscall pid=$tg " "$T/$sig.ev" | tail -n 1)
	[ "$(field "$last" nr) $(field "$last" flags) $(field "$last" dur_ns)" = "230 0 0" ] ||
		fail "SIG$sig: the blocked clock_nanosleep is not the last, unreturned, record: $last"
	ok "SIG$sig: exit $rc, closed file, $n getppid, the blocked sleep kept its entry"
done

config "$T/k.yaml" "$FX/fx_loop sleep 5 100000"
"$REC" -q --sync=none -o "$T/kill.nxr" "$T/k.yaml" &
rec=$!
sleep 3.5
progs=$(held_progs $rec)
[ -n "$progs" ] && [ "$(loaded "$progs")" -ge 5 ] ||
	fail "the recorder holds no loaded BPF programs while recording: '$progs'"
kill -9 $rec
wait $rec 2>/dev/null
events "$T/kill.nxr" > "$T/kill.ev"
grep -q '^stats closed=0 ' "$T/kill.ev" || fail "SIGKILL: $(tail -n 1 "$T/kill.ev")"
segs=$(sed -n 's/^stats .*segments=\([0-9]*\) damaged=\([0-9]*\) .*/\1 \2/p' "$T/kill.ev")
[ "${segs% *}" -ge 2 ] && [ "${segs#* }" = 0 ] || fail "SIGKILL: segments/damaged $segs"
tg=$(field "$(grep '^exec .*comm=fx_loop' "$T/kill.ev")" pid)
KILL_PIDS="${KILL_PIDS:-} $tg"
n=$(grep -c "^syscall pid=$tg .* nr=110 " "$T/kill.ev")
[ "$n" -ge 300 ] || fail "SIGKILL: $n getppid read back from 3.5 s"
for i in $(seq 50); do [ "$(loaded "$progs")" = 0 ] && break; sleep 0.1; done
[ "$(loaded "$progs")" = 0 ] || fail "BPF programs left loaded after SIGKILL: $(for id in $progs; do bpftool prog show id $id; done 2>/dev/null)"
ok "SIGKILL: ${segs% *} complete segments, $n getppid read back, no program left"
