#!/bin/bash
# t42: nexus-replay says what it cannot see and refuses what it cannot do.
# A triggered recording: a warning with the filtered counts per probe, loss
# named, both in the tuned config too. Missing, non-.nxr, future-version
# files and a recording without probes: one line, exit 1. A bad -t, a bad -c
# config, a config trigger that does not fit its probe: one line, exit 2. A
# damaged recording: one warning, the readable calls replayed.
. "$(dirname "$0")/toolslib.bash"
[ -x "$B/nexus-replay" ] || skip "$B/nexus-replay is not built"
R="$B/nexus-replay"
"$MKREC" -n 1000 calls-triggered "$T/t.nxr" || fail "mkrec calls-triggered"
"$MKREC" -n 1000 calls "$T/c.nxr" || fail "mkrec calls"
cat > "$T/extra.yaml" <<'YAML'
TraceCondition:
  Targets:
  - FilePath: /opt/fx/libfx.so
    Functions:
      - {Func: fx_work, Triggers: [arg1 == 9]}
      - {Func: fx_gone, Triggers: [arg1 == 1]}
YAML

expect_rc 0 "$R" -o "$T/tuned.yaml" "$T/t.nxr"
[ "$(wc -l < "$T/err")" = 2 ] || fail "want two warnings: $(cat "$T/err")"
grep -qxF "nexus-replay: warning: $T/t.nxr: recorded in Mode: triggered: the replay saw only the calls kept; 13023 were filtered out, 12345 of probe 1 (fx_work uprobe), 678 of probe 2 (fx_work uretprobe)." "$T/err" ||
	fail "triggered warning: $(cat "$T/err")"
grep -qxF "nexus-replay: warning: $T/t.nxr: 7 events were lost while recording (ring buffer 7, backlog 0, disk 0): the replay misses them." "$T/err" ||
	fail "loss warning: $(cat "$T/err")"
grep -qxF 'probe 1 uprobe /opt/fx/libfx.so:fx_work: 1000 calls, 12345 filtered, 7 lost' "$T/out" ||
	fail "per-probe counts: $(grep '^probe 1' "$T/out")"
grep -q '^# recorded in Mode: triggered: .* 13023 were filtered out' "$T/tuned.yaml" ||
	fail "the tuned config does not say it"
grep -q '^# 7 events were lost while recording' "$T/tuned.yaml" || fail "tuned config: loss"
expect_rc 0 "$R" --json "$T/t.nxr"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "triggered" and r["filtered"] == 13023 and r["lost"] == 7, r
assert r["filtered_syscalls"] == 99, r
assert [p["filtered"] for p in r["probes"]] == [12345, 678, 0]' "$T/out" || fail "json counts"
ok "triggered recording: filtered per probe and loss, on stderr, in the report and the tuned config"

"$MKREC" noprobes "$T/np.nxr" || fail "mkrec noprobes"
"$MKREC" -F basic "$T/future.nxr" || fail "mkrec -F"
echo "hello, not a recording" > "$T/text.nxr"
for f in missing.nxr text.nxr future.nxr np.nxr; do
	expect_rc 1 "$R" "$T/$f"
	[ "$(wc -l < "$T/err")" = 1 ] || fail "$f: not one line: $(cat "$T/err")"
	grep -q "^nexus-replay: $T/$f: " "$T/err" || fail "$f: $(cat "$T/err")"
done
grep -qxF "nexus-replay: $T/np.nxr: the recording has no probes (no Targets were traced): nothing to replay" "$T/err" ||
	fail "no probes: $(cat "$T/err")"
expect_rc 1 "$R" -t 'fx_work:auto arg3' --max-tuples 100 "$T/c.nxr"	# arg3 = the call's number
[ "$(cat "$T/err")" = "nexus-replay: $T/c.nxr: trigger 'auto arg3' of probe 1: rare: more than 100 distinct values to count: raise the exact counter's limit (--max-tuples)" ] ||
	fail "exact counter full: $(cat "$T/err")"
"$MKREC" -n 1000 calls-newconfig "$T/new.nxr" || fail "mkrec calls-newconfig"
expect_rc 1 "$R" "$T/new.nxr"
[ "$(cat "$T/err")" = "nexus-replay: $T/new.nxr (recorded config):17:3: unknown key 'Sampling' in TraceCondition (give a config with -c)" ] ||
	fail "recorded config not understood: $(cat "$T/err")"
expect_rc 0 "$R" -c "$T/extra.yaml" "$T/new.nxr"
ok "missing, non-.nxr, future version, no probes, exact counter full, recorded config not understood: one line, exit 1"

check_usage() {	# check_usage WANT_LINE ARGS...: exit 2 and exactly that line
	local want=$1
	shift
	expect_rc 2 "$R" "$@"
	[ "$(cat "$T/err")" = "$want" ] || fail "$*:
  got:  $(cat "$T/err")
  want: $want"
	[ ! -s "$T/out" ] || fail "$*: wrote a report"
}
check_usage "nexus-replay: -t 'fx_work:arg7 == 1': column 9: no such argument 'arg7' (arg1..arg6)" \
	-t 'fx_work:arg7 == 1' "$T/c.nxr"
check_usage "nexus-replay: -t 'arg1 == (2': column 11: unbalanced parenthesis: expected ')' to close the '(' at column 9, found end of text" \
	-t 'arg1 == (2' "$T/c.nxr"
check_usage "nexus-replay: -t 'fx_idle:ret < 0': column 9: 'ret' is only available on a uretprobe" \
	-t 'fx_idle:ret < 0' "$T/c.nxr"
check_usage "nexus-replay: -t 'nosuch:arg1 == 1': no probe of function 'nosuch' in the recording" \
	-t 'nosuch:arg1 == 1' "$T/c.nxr"
check_usage "nexus-replay: -t '7:cpu': no probe with id 7 in the recording" -t '7:cpu' "$T/c.nxr"
check_usage "nexus-replay: -t '4294967297:arg1 == 1000': probe id 4294967297 is above 4294967295" \
	-t '4294967297:arg1 == 1000' "$T/c.nxr"
check_usage "nexus-replay: -t '-1:arg1 == 1000': probe id -1 is negative" -t '-1:arg1 == 1000' "$T/c.nxr"
check_usage "nexus-replay: tests/configs/bad/82-common-tuple-arity.yaml:9:35: Common: a tuple of 1 value, but trigger 'auto arg1 arg2' watches 2" \
	-c tests/configs/bad/82-common-tuple-arity.yaml "$T/c.nxr"
cat > "$T/ret.yaml" <<'YAML'
TraceCondition:
  Targets:
  - FilePath: /opt/fx/libfx.so
    Functions:
      - Func: fx_work
        Triggers: [arg1 == 3, ret < 0]
YAML
check_usage "nexus-replay: $T/ret.yaml:6:31: trigger 'ret < 0': column 1: 'ret' is only available on a uretprobe" \
	-c "$T/ret.yaml" "$T/c.nxr"
expect_rc 2 "$R" --list 0 "$T/c.nxr"
[ "$(head -n 1 "$T/err")" = "nexus-replay: --list: '0' is not a count from 1 to 100000" ] ||
	fail "--list 0: $(cat "$T/err")"
ok "bad -t, bad -c, a trigger that does not fit its probe, bad options: one line, exit 2"

# a function of the config without a probe: a warning, the rest replayed
expect_rc 0 "$R" -c "$T/extra.yaml" "$T/c.nxr"
grep -qxF "nexus-replay: warning: $T/c.nxr: /opt/fx/libfx.so:fx_gone (uprobe) has no probe in the recording: its triggers are not replayed" "$T/err" ||
	fail "unmatched: $(cat "$T/err")"
grep -qxF '    hits 2 of 1000 calls (0.2 %)' "$T/out" || fail "arg1 == 9 with -c"
ok "a config function without a probe: warned, the rest replayed"

# damage: a flipped byte in the second of several segments
# (events 600..899: the calls of fx_work i = 296..446, the return of i = 300 among them)
"$MKREC" -n 1000 -s 300 calls "$T/s.nxr" || fail "mkrec"
"$B/nexus-info" --json "$T/s.nxr" > "$T/info.json" || fail "info"
seg2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["segment_list"][2]["offset"])' "$T/info.json")
printf '\xff' | dd of="$T/s.nxr" bs=1 seek=$((seg2 + 60)) conv=notrunc 2>/dev/null
expect_rc 0 "$R" --json "$T/s.nxr"
[ "$(wc -l < "$T/err")" = 1 ] && grep -q "^nexus-replay: warning: $T/s.nxr: .*segment 2" "$T/err" ||
	fail "damage warning: $(cat "$T/err")"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
p = {x["id"]: x for x in r["probes"]}
assert p[1]["calls"] == 850 and p[2]["calls"] == 850, [p[1]["calls"], p[2]["calls"]]
t = {x["text"]: x for x in p[2]["triggers"]}
assert t["ret < 0"]["hits"] == 1 and [x["values"] for x in t["auto ret"]["rare"]] == [[2**64 - 5]]
' "$T/out" || fail "replay of the damaged recording: $(head -c 300 "$T/out")"
ok "a damaged segment: one warning, the readable calls replayed"
