#!/bin/bash
# t20: uprobes and uretprobes on libfxcalls.so while fx_calls seq runs (its
# calls are listed in tests/fixtures/fx_calls.c). Mode full: every call is
# recorded with its six argument registers and the exact trigger mask, every
# return with its value and mask, in the thread's order among its syscalls, and the
# calls pair with their returns (nexus-query's calls table) with duration =
# return time - call time. Mode triggered: exactly the calls a trigger wants
# are kept, and the FILTER counts make up the rest, per probe.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
QUERY="$O/nexus-query"

# cfg FILE MODE: probe 1 fx_add uprobe, 2 fx_add uretprobe, 3 fx_mix uprobe,
# 4 fx_mix uretprobe (no trigger); extra trigger lines for probe 1 in $EXTRA.
cfg() {
	config "$1" "$FX/fx_calls seq" "Syscalls: [getppid]" "Mode: $2" \
		"Targets:" "- FilePath: $LIB" "  Functions:" \
		"    - Func: fx_add" "      Triggers:" "        - arg1 >= 5" "        - arg2 == 30" ${EXTRA:+"$EXTRA"} \
		"    - Func: fx_add" "      HookType: uretprobe" "      Triggers: ['ret > 50']" \
		"    - Func: fx_mix" "      Triggers: [arg6 == 6, uid == 0]" \
		"    - Func: fx_mix" "      HookType: uretprobe"
}

EXTRA='        - comm == "fx_calls"' cfg "$T/full.yaml" full
"$REC" -o "$T/full.nxr" "$T/full.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/full.nxr" > "$T/ev"
grep -q '^stats closed=1 .* lost_ringbuf=0 lost_backlog=0 lost_disk=0$' "$T/ev" || fail "$(tail -n 1 "$T/ev")"
# the probe table
"$QUERY" -q -f csv "$T/full.nxr" "SELECT id, hook, function FROM probes ORDER BY id" > "$T/probes"
want=$(printf 'id,hook,function\n1,uprobe,fx_add\n2,uretprobe,fx_add\n3,uprobe,fx_mix\n4,uretprobe,fx_mix')
[ "$(tr -d '\r' < "$T/probes")" = "$want" ] || fail "probe table: $(cat "$T/probes")"
# the exact sequence of the fixture's thread: kind, probe, args, mask, ret
awk '$1 == "syscall" || $1 == "call" || $1 == "return" {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if ($1 == "syscall") print "syscall", f["nr"]
	else if ($1 == "call") print "call", f["probe"], f["arg1"], f["arg2"], f["arg3"], f["arg4"], f["arg5"], f["arg6"], f["triggers"], f["flags"]
	else print "return", f["probe"], f["ret"], f["triggers"] }' "$T/ev" > "$T/got"
{
	for i in 0 1 2 3 4 5 6 7 8 9; do
		m=4
		[ $i -ge 5 ] && m=$((m | 1))
		[ $i = 3 ] && m=$((m | 2))
		echo "syscall 110"
		echo "call 1 $i $((10 * i)) x x x x $m 0"
		echo "return 2 $((11 * i)) $((11 * i > 50 ? 1 : 0))"	# ret > 50: its tag
	done
	echo "call 3 1 2 3 4 5 6 3 0"
	echo "return 4 91 0"
	echo "call 3 18446744073709551615 18446744073709551614 18446744073709551613 18446744073709551612 18446744073709551611 18446744073709551610 2 0"
	echo "return 4 -91 0"
} > "$T/want"
# fx_add's arg3..arg6 are whatever the registers held: not compared
sed -i 's/^\(call 1 [0-9]* [0-9]*\) [0-9]* [0-9]* [0-9]* [0-9]* /\1 x x x x /' "$T/got"
diff "$T/want" "$T/got" > "$T/diff" || fail "full mode: recorded sequence differs (want < > got):
$(head -n 20 "$T/diff")"
ok "full: 12 calls, 12 returns, masks (the returns' too) and order exact"
! grep -q '^filter ' "$T/ev" || fail "full mode wrote filter events"
# pairing and durations: nexus-query's calls table against the raw events
"$QUERY" -q -f csv "$T/full.nxr" "SELECT function, arg1, ret, duration_ns, ts_ns FROM calls ORDER BY event_id" |
	tr -d '\r' | tail -n +2 > "$T/calls"
[ "$(wc -l < "$T/calls")" = 12 ] || fail "calls table has $(wc -l < "$T/calls") rows, want 12"
awk '$1 == "call" || $1 == "return" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if ($1 == "call") t = f["ts"]; else print t, f["ts"] - t }' "$T/ev" > "$T/durs"
paste -d, "$T/calls" <(tr ' ' , < "$T/durs") | awk -F, '{
	want_ret = ($1 == "fx_add") ? 11 * $2 : ($2 == 1 ? 91 : -91)
	if ($3 != want_ret) { print "ret of " $1 "(" $2 ") = " $3 ", want " want_ret; exit 1 }
	if ($5 != $6 || $4 != $7 || $4 <= 0) { print "duration of " $1 "(" $2 ") = " $4 ", want " $7 " (call at " $5 ")"; exit 1 } }' ||
	fail "calls table: $(paste -d, "$T/calls" "$T/durs" | head -n 3)"
[ "$("$QUERY" -q -f csv "$T/full.nxr" "SELECT function || ':' || ret_triggers || ':' || count(*) FROM calls GROUP BY function, ret_triggers ORDER BY 1" | tr -d '\r' | tail -n +2 | tr '\n' ' ')" = "fx_add:0:5 fx_add:1:5 fx_mix:0:2 " ] ||
	fail "calls table: ret_triggers per function differ"
ok "calls table: 12 calls paired with their returns, durations = return - call, returns' masks"

# triggered: probe 1 keeps i = 3, 5..9 (6 of 10), probe 2 ret > 50 (5 of 10),
# probe 3 arg6 == 6 or uid == 0 (we are root: 2 of 2), probe 4 has no
# trigger: both kept.
cfg "$T/trig.yaml" triggered
"$REC" -o "$T/trig.nxr" "$T/trig.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/trig.nxr" > "$T/tev"
kept() { awk -v k="$1" -v p="$2" '$1 == k { for (i = 2; i <= NF; i++) if ($i == "probe=" p) n++ } END { print n + 0 }' "$T/tev"; }
filt() { awk -v p="$1" '$1 == "filter" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } if (f["probe"] == p) n += f["count"] } END { print n + 0 }' "$T/tev"; }
for spec in "call 1 6 4" "return 2 5 5" "call 3 2 0" "return 4 2 0"; do
	set -- $spec
	k=$(kept "$1" "$2") f=$(filt "$2")
	[ "$k" = "$3" ] && [ "$f" = "$4" ] || fail "triggered, probe $2: kept $k filtered $f, want $3 and $4"
done
args=$(awk '$1 == "call" && / probe=1 / { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } printf "%s:%s ", f["arg1"], f["triggers"] }' "$T/tev")
[ "$args" = "3:2 5:1 6:1 7:1 8:1 9:1 " ] || fail "triggered: kept fx_add calls $args"
rets=$(awk '$1 == "return" && / probe=2 / { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } printf "%s:%s ", f["ret"], f["triggers"] }' "$T/tev")
[ "$rets" = "55:1 66:1 77:1 88:1 99:1 " ] || fail "triggered: kept returns $rets"
grep -q 'calls filtered out by triggers' "$T/err" || fail "summary does not count filtered calls: $(cat "$T/err")"
[ "$(grep -c '^syscall .* nr=110 ' "$T/tev")" = 10 ] || fail "triggered mode lost syscalls"
ok "triggered: kept + filtered = calls for each of 4 probes, the right calls kept"
