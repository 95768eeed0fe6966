#!/bin/bash
# t16: the disk fills up mid-run (a small tmpfs): one line naming the file
# and the error, exit 1, no hang, and the segments written before read back.
. "$(dirname "$0")/reclib.bash"
mkdir "$T/full"
mount -t tmpfs -o size=512k tmpfs "$T/full" 2>/dev/null || skip "cannot mount a tmpfs here"
config "$T/c.yaml" "$FX/fx_loop rw 20000000"
timeout 120 "$REC" -q -o "$T/full/r.nxr" "$T/c.yaml" 2> "$T/err"
rc=$?
[ $rc != 124 ] || fail "nexus-record hung on a full disk"
[ $rc = 1 ] || fail "exit $rc, want 1: $(cat "$T/err")"
[ "$(wc -l < "$T/err")" = 1 ] || fail "not one line: $(cat "$T/err")"
grep -q "$T/full/r.nxr" "$T/err" && grep -qi "no space left on device" "$T/err" || fail "message: $(cat "$T/err")"
ok "$(cat "$T/err")"
"$CHECK" "$T/full/r.nxr" > "$T/ev"
tg=$(field "$(grep '^exec .*comm=fx_loop' "$T/ev")" pid)
[ -n "$tg" ] && kill -9 "$tg" 2>/dev/null	# the command outlives a failed recording
st=$(tail -n 1 "$T/ev")
segs=$(sed -n 's/.*segments=\([0-9]*\) damaged=\([0-9]*\).*/\1 \2/p' <<< "$st")
[ "${segs% *}" -ge 1 ] && [ "${segs#* }" = 0 ] || fail "segments/damaged: $st"
n=$(grep -c '^syscall ' "$T/ev")
[ "$n" -gt 1000 ] || fail "only $n syscalls read back"
ok "$n syscalls in ${segs% *} intact segments read back"

# Without -q the summary counts what the full disk cost: never "no events lost".
rm -f "$T/full/r.nxr"
timeout 120 "$REC" -o "$T/full/r2.nxr" "$T/c.yaml" 2> "$T/err2"
rc=$?
[ $rc = 1 ] || fail "second run: exit $rc, want 1: $(cat "$T/err2")"
tg=$(field "$("$CHECK" "$T/full/r2.nxr" | grep '^exec .*comm=fx_loop')" pid)
[ -n "$tg" ] && kill -9 "$tg" 2>/dev/null
grep -q 'LOST [0-9]* events (.*disk [1-9][0-9]*;' "$T/err2" ||
	fail "the summary does not count the disk loss: $(cat "$T/err2")"
ok "summary: $(grep -o 'LOST.*' "$T/err2")"
