#!/bin/bash
# t45: in Mode: triggered the kernel keeps a call or a return on its own, so
# nexus-query's calls table must not pair them. fx_calls hot 200000 calls
# fx_hot(v) (returns v) with two planted values 1000 and 1001; the uprobe
# keeps arg1 == 1000, the uretprobe ret == 1001: the recording holds the call
# of fx_hot(1000) and the return of fx_hot(1001), which belong to two
# different calls. The calls table has them as two rows, ret and duration
# NULL on the call's, and names fx_hot in meta calls_unpaired. In Mode full
# the same triggers drop nothing and every call is paired with its own return.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
[ -x "$O/nexus-query" ] || skip "$O/nexus-query is not built"
Q="$O/nexus-query"
N=200000

cfg() {	# cfg FILE MODE
	config "$1" "$FX/fx_calls hot $N" "Syscalls: none" "Mode: $2" \
		"Targets:" "- FilePath: $LIB" "  Functions:" \
		"    - Func: fx_hot" "      Triggers: [arg1 == 1000]" \
		"    - Func: fx_hot" "      HookType: uretprobe" "      Triggers: [ret == 1001]"
}
cfg "$T/trig.yaml" triggered
"$REC" -q -o "$T/trig.nxr" "$T/trig.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/trig.nxr" > "$T/ev"
[ "$(grep -c '^call .* arg1=1000 ' "$T/ev")" = 1 ] && [ "$(grep -c '^return .* ret=1001 ' "$T/ev")" = 1 ] &&
	[ "$(grep -c '^call \|^return ' "$T/ev")" = 2 ] || fail "the recording: $(grep '^call \|^return ' "$T/ev" | head -n 5)"
"$Q" -q -f csv "$T/trig.nxr" "SELECT count(*), sum(arg1 = 1000 AND ret IS NULL AND duration_ns IS NULL AND ret_event_id IS NULL), sum(arg1 IS NULL AND ret = 1001 AND ret_event_id = event_id AND duration_ns IS NULL), sum(ret IS NOT NULL AND arg1 IS NOT NULL) FROM calls" > "$T/out" 2> "$T/err" ||
	fail "nexus-query: $(cat "$T/err")"
[ "$(tail -n 1 "$T/out" | tr -d '\r')" = "2,1,1,0" ] || fail "calls table (rows, lone call, lone return, pairs): $(cat "$T/out")"
"$Q" -q -f csv "$T/trig.nxr" "SELECT value FROM meta WHERE key = 'calls_unpaired'" > "$T/out" || fail "meta"
[ "$(tail -n 1 "$T/out" | tr -d '\r')" = fx_hot ] || fail "meta calls_unpaired: $(cat "$T/out")"
ok "triggered: the call of fx_hot(1000) and the return of fx_hot(1001) are not paired"

cfg "$T/full.yaml" full
"$REC" -q -o "$T/full.nxr" "$T/full.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
"$Q" -q -f csv "$T/full.nxr" "SELECT count(*), sum(ret = arg1 AND duration_ns > 0 AND ret_event_id > event_id) FROM calls" > "$T/out" 2> "$T/err" ||
	fail "nexus-query: $(cat "$T/err")"
[ "$(tail -n 1 "$T/out" | tr -d '\r')" = "$N,$N" ] || fail "full: calls table (rows, pairs with ret = arg1): $(cat "$T/out")"
ok "full: the $N calls paired, each with its own return"
