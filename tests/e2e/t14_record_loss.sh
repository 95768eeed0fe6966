#!/bin/bash
# t14: loss is counted, never silent. A tiny ring buffer under an event
# storm from several threads: recorded + lost = generated, exactly; the loss
# the kernel counted equals the loss written in the file; the file is
# finalized. Then a normal run: every one of 2 M syscalls recorded, no loss.
. "$(dirname "$0")/reclib.bash"
NT=4 K=200000
config "$T/c.yaml" "$FX/fx_threads $NT $K" "Syscalls: [getppid]"
"$REC" --ringbuf-size 16K -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
cat "$T/err"
events "$T/r.nxr" > "$T/ev"
st=$(tail -n 1 "$T/ev")
grep -q '^stats closed=1 .* damaged=0 ' <<< "$st" || fail "not closed cleanly: $st"
recorded=$(grep -cE '^(syscall|exec|fork|exit) ' "$T/ev")
lost=$(awk '/^loss / { for (i = 1; i <= NF; i++) if ($i ~ /^count=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$T/ev")
# generated: NT*K getppid, one exec, NT thread forks, NT+1 exits
gen=$((NT * K + 1 + NT + NT + 1))
[ "$lost" -gt 0 ] || fail "a 16 KiB ring lost nothing under $gen events: the test proves nothing"
[ $((recorded + lost)) = $gen ] || fail "recorded $recorded + lost $lost = $((recorded + lost)), generated $gen"
ok "recorded $recorded + lost $lost = generated $gen"
ring=$(sed -n 's/^stats .*lost_ringbuf=\([0-9]*\) .*/\1/p' <<< "$st")
kern=$(sed -n 's/.*kernel counted \([0-9]*\)).*/\1/p' "$T/err")
[ -n "$kern" ] || fail "the summary does not state the kernel's count: $(cat "$T/err")"
[ "$kern" = "$ring" ] || fail "kernel counted $kern, the file says $ring (ring buffer)"
ok "kernel-counted loss $kern = ring-buffer loss in the file"
# every loss record says where and when
bad=$(grep '^loss ' "$T/ev" | grep -vE 'count=[1-9][0-9]* since_ns=[1-9][0-9]* reason=[12] ' | head -n 2)
[ -z "$bad" ] || fail "malformed loss records: $bad"

config "$T/n.yaml" "$FX/fx_loop getppid 2000000"
"$REC" -o "$T/n.nxr" "$T/n.yaml" 2> "$T/nerr" || fail "normal run exited $?"
grep -q 'no events lost' "$T/nerr" || fail "normal run summary: $(cat "$T/nerr")"
events "$T/n.nxr" > "$T/nev"
grep -q 'lost_ringbuf=0 lost_backlog=0 lost_disk=0$' "$T/nev" || fail "normal run lost: $(tail -n 1 "$T/nev")"
n=$(grep -c ' nr=110 ' "$T/nev")
[ "$n" = 2000000 ] || fail "normal run recorded $n of 2000000 getppid"
! grep -q '^loss ' "$T/nev" || fail "normal run has loss records"
ok "normal run: 2000000 getppid recorded, zero loss"
