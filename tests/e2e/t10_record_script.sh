#!/bin/bash
# t10: a fixture with a known syscall script is recorded exactly: its
# syscalls in order with numbers, arguments and return values, the exec,
# fork and exit events with the right pids, ppids, file names and codes,
# nothing from other processes; nexus-record exits with the command's 7.
# NX_REC_ARGS adds options to nexus-record (t18 runs it with --layout columns).
. "$(dirname "$0")/reclib.bash"
N=25
config "$T/c.yaml" "$FX/fx_script $N"
"$REC" -q ${NX_REC_ARGS:-} -o "$T/r.nxr" "$T/c.yaml" 2> "$T/rec.err" &
recpid=$!
wait $recpid
rc=$?
[ $rc -eq 7 ] || fail "nexus-record exited $rc, the command exited 7"
ok "exit status 7 passed through"
# -q: a clean run says nothing (no malformed-record or loss warning)
[ ! -s "$T/rec.err" ] || fail "nexus-record -q printed: $(cat "$T/rec.err")"
events "$T/r.nxr" > "$T/ev"
grep -q '^stats closed=1 .* damaged=0 .* lost_ringbuf=0 lost_backlog=0 lost_disk=0' "$T/ev" ||
	fail "not a clean lossless file: $(tail -n 1 "$T/ev")"

ex=$(grep '^exec .*comm=fx_script ' "$T/ev")
[ "$(wc -l <<< "$ex")" = 1 ] || fail "expected one exec of fx_script: $ex"
sp=$(field "$ex" pid)
[ "$(field "$ex" ppid)" = "$recpid" ] || fail "fx_script's ppid $(field "$ex" ppid), recorder $recpid"
[ "$(field "$ex" filename)" = "$FX/fx_script" ] || fail "filename $(field "$ex" filename)"
[ "$(field "$ex" uid)" = 0 ] || fail "uid $(field "$ex" uid) with Sudo: True"
fk=$(grep '^fork ' "$T/ev")
[ "$(wc -l <<< "$fk")" = 1 ] || fail "expected one fork: $fk"
cp=$(field "$fk" child_pid)
[ "$(field "$fk" pid)" = "$sp" ] && [ "$(field "$fk" child_tid)" = "$cp" ] &&
	[ "$(field "$fk" flags)" = 0 ] || fail "fork event wrong: $fk"
cx=$(grep '^exec .*comm=fx_child ' "$T/ev")
[ "$(field "$cx" pid)" = "$cp" ] && [ "$(field "$cx" ppid)" = "$sp" ] &&
	[ "$(field "$cx" filename)" = "$FX/fx_child" ] || fail "child exec wrong: $cx"
ok "exec/fork events: script $sp, child $cp"

# every event belongs to the script or its child
others=$(grep -E '^(syscall|exec|fork|exit) ' "$T/ev" | grep -v -E " pid=($sp|$cp) ")
[ -z "$others" ] || fail "events of other processes: $(head -n 3 <<< "$others")"
grep -q "^exit pid=$cp tid=$cp .* code=1280 flags=1\$" "$T/ev" || fail "child exit 5 missing"
grep -q "^exit pid=$sp tid=$sp .* code=1792 flags=1\$" "$T/ev" || fail "script exit 7 missing"
[ "$(grep -c '^exit ' "$T/ev")" = 2 ] || fail "expected two exits"
ok "only the script and its child, exits 5 and 7"

# The script's syscalls from its first getppid on, as "nr arg1 arg3 ret flags".
grep "^syscall pid=$sp " "$T/ev" | while read -r l; do
	echo "$(field "$l" nr) $(field "$l" arg1) $(field "$l" arg3) $(field "$l" ret) $(field "$l" flags) $(field "$l" tid)"
done | sed -n '/^110 /,$p' > "$T/seq"
{
	for i in $(seq $N); do echo "110 x x $recpid 1 $sp"; done
	echo "257 x x FD 1 $sp"
	for k in 1 2 3 4 5; do echo "1 FD $k $k 1 $sp"; done
	echo "3 FD x 0 1 $sp"
	echo "56 x x $cp 1 $sp"
	echo "61 $cp x $cp 1 $sp"
	echo "231 7 x 0 0 $sp"
} > "$T/want"
fd=$(awk '$1 == 257 { print $4; exit }' "$T/seq")
[ -n "$fd" ] && [ "$fd" -ge 3 ] || fail "openat of /dev/null returned '$fd'"
sed -i "s/FD/$fd/g" "$T/want"
# compare, with x matching anything
paste -d'|' "$T/want" "$T/seq" | awk -F'|' '
	{ n = split($1, w, " "); split($2, g, " ");
	  for (i = 1; i <= n; i++) if (w[i] != "x" && w[i] != g[i]) { print "line " NR ": want " $1 " got " $2; bad = 1; exit } }
	END { exit bad }' || fail "script syscalls differ"
[ "$(wc -l < "$T/seq")" = "$(wc -l < "$T/want")" ] ||
	fail "script made $(wc -l < "$T/seq") syscalls from its first getppid on, want $(wc -l < "$T/want")"
ok "script: $N getppid, openat, 5 writes of 1..5 bytes, close, clone, wait4, exit_group(7) unreturned"

# The child: execve returns 0 under its pid, then three getppid (ret = script) and exit_group(5).
grep "^syscall pid=$cp " "$T/ev" | while read -r l; do
	echo "$(field "$l" nr) $(field "$l" arg1) $(field "$l" ret) $(field "$l" flags)"
done > "$T/cseq"
grep -q "^59 .* 0 1\$" "$T/cseq" || fail "child's execve missing"
tail -n 4 "$T/cseq" | tr '\n' ';' | grep -qx "110 [0-9]* $sp 1;110 [0-9]* $sp 1;110 [0-9]* $sp 1;231 5 0 0;" ||
	fail "child's last syscalls: $(tail -n 4 "$T/cseq" | tr '\n' ';')"
ok "child: execve, 3 getppid returning $sp, exit_group(5)"
# entry times are ordered per thread, and durations are set for returned calls
grep "^syscall pid=$sp " "$T/ev" | awk '{ split($4, a, "="); if (a[2] < last) { bad = 1 } last = a[2] } END { exit bad }' ||
	fail "syscalls of the script are not in entry order"
grep "^meta " "$T/ev" | grep -q "kernel=$(uname -r) arch=$(uname -m)" || fail "header metadata: $(grep ^meta "$T/ev")"
ok "metadata and order"
