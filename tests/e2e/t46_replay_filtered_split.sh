#!/bin/bash
# t46: calls filtered by triggers and syscalls filtered by Syscalls filters
# are two counts. fx_calls seq in Mode full with fx_add hooked (no trigger)
# and a Syscalls filter on mmap that keeps none (`arg1 == 12345`): the kernel
# filters mmap calls, no uprobe call. nexus-record's summary says "N syscalls
# filtered out by Syscalls filters" and no "calls filtered out by triggers";
# nexus-replay calls it Mode full (no "recorded in Mode: triggered" warning,
# even with a triggered -c config) and reports filtered 0 calls and N
# syscalls; nexus-query's meta and nexus-info split the two the same way.
# Then the same with a trigger in Mode triggered: the calls counted apart.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
for t in nexus-replay nexus-query nexus-info; do [ -x "$O/$t" ] || skip "$O/$t is not built"; done

cfg() {	# cfg FILE MODE TRIGGER
	config "$1" "$FX/fx_calls seq" "Syscalls:" "  - all" '  - mmap: "arg1 == 12345"' "Mode: $2" \
		"Targets:" "- FilePath: $LIB" "  Functions:" \
		"    - Func: fx_add" "      Triggers: [$3]"
}
cfg "$T/full.yaml" full "arg1 >= 5"
"$REC" -o "$T/full.nxr" "$T/full.yaml" > /dev/null 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/full.nxr" > "$T/ev"
n=$(awk '$1 == "filter" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } if (f["probe"] == 2147483657) n += f["count"]; else o++ } END { if (o) print "other"; else print n + 0 }' "$T/ev")
[ "$n" != other ] && [ "$n" -gt 0 ] || fail "want FILTER events of the mmap filter only: $(grep '^filter' "$T/ev" | head -n 3)"
grep -qF "$n syscalls filtered out by Syscalls filters; " "$T/err" || fail "record summary: $(tail -n 1 "$T/err")"
! grep -q "calls filtered out by triggers" "$T/err" || fail "record summary counts syscalls as calls: $(tail -n 1 "$T/err")"
ok "nexus-record: $n mmap calls filtered, counted as syscalls, not as calls"

"$O/nexus-replay" "$T/full.nxr" > "$T/out" 2> "$T/rerr" || fail "nexus-replay: $(cat "$T/rerr")"
! grep -q "Mode: triggered" "$T/rerr" || fail "a full recording called triggered: $(cat "$T/rerr")"
grep -q "^recording .* (config: recorded, Mode: full)$" "$T/out" || fail "$(head -n 1 "$T/out")"
grep -q "^events .*, filtered 0 calls by triggers and $n syscalls by Syscalls filters, lost 0$" "$T/out" ||
	fail "replay totals: $(sed -n 2p "$T/out")"
cfg "$T/trig.yaml" triggered "arg1 >= 5"
"$O/nexus-replay" -c "$T/trig.yaml" --json "$T/full.nxr" > "$T/out" 2> "$T/rerr" || fail "nexus-replay -c: $(cat "$T/rerr")"
! grep -q "Mode: triggered" "$T/rerr" || fail "-c's Mode taken for the recording's: $(cat "$T/rerr")"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "full" and r["filtered"] == 0 and r["filtered_syscalls"] == int(sys.argv[2]), r' "$T/out" "$n" ||
	fail "replay json: $(head -c 300 "$T/out")"
ok "nexus-replay: Mode full from the recording (not -c), filtered 0 calls and $n syscalls"

"$O/nexus-query" -q -f csv "$T/full.nxr" "SELECT group_concat(key || '=' || value, ' ') FROM (SELECT * FROM meta WHERE key LIKE 'filtered%' ORDER BY key)" > "$T/out" 2> "$T/qerr" ||
	fail "nexus-query: $(cat "$T/qerr")"
[ "$(tail -n 1 "$T/out" | tr -d '\r')" = "filtered=$n filtered_calls=0 filtered_syscalls=$n" ] || fail "query meta: $(cat "$T/out")"
"$O/nexus-info" --json "$T/full.nxr" > "$T/out" || fail "nexus-info"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert r["filtered"] == n and r["filtered_calls"] == 0 and r["filtered_syscalls"] == n, r' "$T/out" "$n" ||
	fail "info json: filtered counts"
ok "nexus-query meta and nexus-info: filtered_calls 0, filtered_syscalls $n"

# triggered: fx_add keeps arg1 >= 5 (5 of 10): 5 calls filtered by the trigger
"$REC" -o "$T/trig.nxr" "$T/trig.yaml" > /dev/null 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
grep -qE "; 5 calls filtered out by triggers; [0-9]+ syscalls filtered out by Syscalls filters; " "$T/err" ||
	fail "record summary: $(tail -n 1 "$T/err")"
"$O/nexus-replay" -c "$T/full.yaml" "$T/trig.nxr" > "$T/out" 2> "$T/rerr" || fail "nexus-replay: $(cat "$T/rerr")"
grep -qF "warning: $T/trig.nxr: recorded in Mode: triggered: the replay saw only the calls kept; 5 were filtered out, 5 of probe 1 (fx_add uprobe)." "$T/rerr" ||
	fail "a triggered recording replayed with a full -c: $(cat "$T/rerr")"
ok "triggered: 5 calls by triggers apart from the syscalls; triggered from the recording, not -c"
