#!/bin/bash
# t27: a uprobe's ring-full failures are loss, counted per probe, never
# silent. fx_calls hot N calls fx_hot N times; with a 16 KiB ring buffer
# that wakes the drain only past 1 MiB (never: it drains on its 10 ms poll),
# calls are lost: recorded calls + LOSS events naming probe 1 = N exactly,
# and the loss the kernel counted (summary) equals the ring-buffer loss in
# the file.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
N=300000
config "$T/c.yaml" "$FX/fx_calls hot $N" "Syscalls: none" "Targets:" "- FilePath: $LIB" \
	"  Functions:" "    - Func: fx_hot"
"$REC" --ringbuf-size 16K --wakeup-bytes 1M -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" ||
	fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/r.nxr" > "$T/ev"
st=$(tail -n 1 "$T/ev")
grep -q '^stats closed=1 .* damaged=0 ' <<< "$st" || fail "not closed cleanly: $st"
calls=$(grep -c '^call ' "$T/ev")
lost=$(awk '$1 == "loss" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["probe"] == 1 && f["reason"] == 1) n += f["count"] } END { print n + 0 }' "$T/ev")
[ "$lost" -gt 0 ] || fail "a 16 KiB ring never woken lost nothing of $N calls: the test proves nothing"
[ $((calls + lost)) = $N ] || fail "recorded $calls + lost $lost = $((calls + lost)), want $N"
other=$(awk '$1 == "loss" && !/ probe=1$/' "$T/ev" | head -n 2)
[ -z "$other" ] || fail "loss not attributed to the probe: $other"
ring=$(sed -n 's/^stats .*lost_ringbuf=\([0-9]*\) .*/\1/p' <<< "$st")
kern=$(sed -n 's/.*kernel counted \([0-9]*\)).*/\1/p' "$T/err")
[ "$kern" = "$ring" ] && [ "$ring" = "$lost" ] || fail "kernel counted $kern, file ring loss $ring, probe loss $lost"
ok "recorded $calls + lost $lost (probe 1) = $N calls; the kernel's count matches the file"
