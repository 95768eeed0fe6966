#!/bin/bash
# t44: the loop of issue 6. Record fx_calls hot (four common values of
# fx_hot's arg1, two planted rare ones) in Mode full with `auto arg1`, replay
# it, write the tuned config (Mode triggered, the common values as Common),
# record again with it: the second recording keeps every planted rare call
# and at least 50x fewer common ones, because nexus-record preloads the
# Common tuples into the kernel's common-value map (ADAPT events say so).
# Then a second pass: the triggered recording (which never shows the common
# calls) replayed to t2.yaml keeps the four Common tuples, and a run with t2
# keeps both planted calls and drops the common ones again.
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
	fail "no preload ADAPT event in the tuned run: nexus-record did not act on Common"
[ "$p2" = 2 ] || fail "the tuned run kept $p2 of the 2 planted calls"
[ $((c2 * 50)) -le "$c1" ] || fail "the tuned run kept $c2 common calls, not 50x fewer than $c1"
filtered=$(awk '$1 == "filter" { for (i = 2; i <= NF; i++) if ($i ~ /^count=/) s += substr($i, 7) } END { print s + 0 }' "$T/ev2")
[ $((c2 + p2 + filtered)) = "$N" ] || fail "recorded $c2 + $p2 + filtered $filtered != $N calls"
ok "loop: full $c1 common calls, tuned run $c2 (filtered $filtered), both planted calls kept"

# second pass: tuned from the triggered recording, the Common tuples stay
"$O/nexus-replay" -o "$T/t2.yaml" "$T/tuned.nxr" > /dev/null 2> "$T/err" ||
	fail "nexus-replay -o (second pass): $(cat "$T/err")"
python3 - "$T/t2.yaml" <<'PY' || fail "t2.yaml lost the Common tuples: $(grep -A8 'auto arg1' "$T/t2.yaml")"
import re, sys
t = open(sys.argv[1]).read()
assert re.search(r"^\s*Mode: triggered$", t, re.M), "Mode"
m = re.search(r'- Trigger: "auto arg1"\n\s*Common:\n((?:\s*- \[.*\]\n)+)', t)
assert m, "no Common list"
vals = sorted(int(x, 0) for x in re.findall(r"\[(\S+)\]", m.group(1)))
assert all(v in vals for v in (0, 1, 2, 3)), vals
assert 1000 not in vals and 1001 not in vals, vals
PY
"$REC" -q -o "$T/t2.nxr" "$T/t2.yaml" 2> "$T/err" || fail "nexus-record (t2) exited $?: $(cat "$T/err")"
events "$T/t2.nxr" > "$T/ev3"
read -r c3 p3 < <(count "$T/ev3")
grep -q '^adapt .* action=1 ' "$T/ev3" || fail "no preload ADAPT event in the t2 run"
[ "$p3" = 2 ] || fail "the t2 run kept $p3 of the 2 planted calls"
[ $((c3 * 50)) -le "$c1" ] || fail "the t2 run kept $c3 common calls, not 50x fewer than $c1"
ok "second pass: t2.yaml keeps Common [0]..[3]; its run keeps $c3 common calls, both planted ones"
