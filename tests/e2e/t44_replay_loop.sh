#!/bin/bash
# t44: the loop of issue 6. Record fx_calls hot (four common values of
# fx_hot's arg1, two planted rare ones) in Mode full with `auto arg1`, replay
# it, write the tuned config (Mode triggered, the common values as Common),
# record again with it: the second recording keeps every planted rare call
# and at least 50x fewer common ones, because nexus-record preloads the
# Common tuples into the kernel's common-value map (ADAPT events say so).
# Skips while nexus-record does not act on Common (no preload ADAPT event).
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
[ -x "$O/nexus-replay" ] || skip "$O/nexus-replay is not built"
N=200000

config "$T/full.yaml" "$FX/fx_calls hot $N" "Syscalls: none" "Mode: full" \
	"Targets:" "- FilePath: $LIB" "  Functions:" \
	"    - Func: fx_hot" "      Triggers: [auto arg1]"
"$REC" -q -o "$T/full.nxr" "$T/full.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
"$O/nexus-replay" --mode triggered -o "$T/tuned.yaml" "$T/full.nxr" > /dev/null 2> "$T/err" ||
	fail "nexus-replay -o: $(cat "$T/err")"
"$REC" -q -o "$T/tuned.nxr" "$T/tuned.yaml" 2> "$T/err" || fail "nexus-record (tuned) exited $?: $(cat "$T/err")"

events "$T/full.nxr" > "$T/ev1"
events "$T/tuned.nxr" > "$T/ev2"
count() {	# count FILE: "common planted" calls of probe 1
	awk '$1 == "call" && / probe=1 / {
		if (/ arg1=1000 / || / arg1=1001 /) p++; else c++ }
		END { print c + 0, p + 0 }' "$1"
}
read -r c1 p1 < <(count "$T/ev1")
read -r c2 p2 < <(count "$T/ev2")
[ "$c1" = $((N - 2)) ] && [ "$p1" = 2 ] || fail "full run: $c1 common, $p1 planted calls"
grep -q '^adapt .* action=1 ' "$T/ev2" ||
	skip "nexus-record does not preload Common tuples yet (no ADAPT event in the tuned run): the loop cannot be checked"
[ "$p2" = 2 ] || fail "the tuned run kept $p2 of the 2 planted calls"
[ $((c2 * 50)) -le "$c1" ] || fail "the tuned run kept $c2 common calls, not 50x fewer than $c1"
filtered=$(awk '$1 == "filter" { for (i = 2; i <= NF; i++) if ($i ~ /^count=/) s += substr($i, 7) } END { print s + 0 }' "$T/ev2")
[ $((c2 + p2 + filtered)) = "$N" ] || fail "recorded $c2 + $p2 + filtered $filtered != $N calls"
ok "loop: full $c1 common calls, tuned run $c2 (filtered $filtered), both planted calls kept"
