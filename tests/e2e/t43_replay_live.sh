#!/bin/bash
# t43: the replay loop on a real recording. fx_calls hot 200000 calls
# fx_hot(v) with v = i & 3 but for two planted rare values, 1000 at i = 99999
# and 1001 at i = 199999 (tests/fixtures/fx_calls.c). Recorded in Mode full
# with `auto arg1` on fx_hot; nexus-replay finds exactly the two planted
# values rare, with the events nexus-dump numbers, and the four others common
# with their exact counts; -o writes them as Common tuples; nexus-record
# loads that tuned config and records again, keeping both planted calls.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
[ -x "$O/nexus-replay" ] || skip "$O/nexus-replay is not built"
command -v python3 > /dev/null || skip "python3 is needed to parse the JSON outputs"
R="$O/nexus-replay"
N=200000

config "$T/full.yaml" "$FX/fx_calls hot $N" "Syscalls: none" "Mode: full" \
	"Targets:" "- FilePath: $LIB" "  Functions:" \
	"    - Func: fx_hot" "      Triggers: [auto arg1, arg1 == 2]" \
	"    - Func: fx_hot" "      HookType: uretprobe" "      Triggers: ['ret >= 1000']"
"$REC" -q -o "$T/full.nxr" "$T/full.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"

"$R" --json "$T/full.nxr" > "$T/report.json" 2> "$T/err" || fail "nexus-replay exited $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "warnings on a clean full recording: $(cat "$T/err")"
python3 - "$T/report.json" "$N" <<'PY' || fail "replay of the live recording"
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
assert r["lost"] == 0 and r["filtered"] == 0 and r["mode"] == "full", r
p = {x["id"]: x for x in r["probes"]}
assert p[1]["calls"] == n and p[2]["calls"] == n, (p[1]["calls"], p[2]["calls"])
t = {x["text"]: x for x in p[1]["triggers"]}
a = t["auto arg1"]
assert a["threshold"] == n // 1000 and a["distinct"] == 6 and a["hits"] == 2, a
assert [(c["values"], c["count"]) for c in a["common"]] == \
    [([0], n // 4), ([1], n // 4), ([2], n // 4), ([3], n // 4 - 2)], a["common"]
assert [(x["values"], x["count"]) for x in a["rare"]] == [([1000], 1), ([1001], 1)], a["rare"]
# the live detector marked its warm-up (10000 calls), the planted calls and
# whatever came before the kernel had the learned values (how many depends
# on the machine's load): at least the first two
assert 10002 <= a["recorded"] <= n, a["recorded"]
m = t["arg1 == 2"]    # the recorder's mask and the replay agree on every call
assert m["hits"] == n // 4 and m["recorded"] == n // 4, m
u = p[2]["triggers"][0]
assert u["hits"] == 2 and u["first"]["event"] == a["rare"][0]["first"]["event"] + 1, u
PY
read -r e1 e2 < <(python3 - "$T/report.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["probes"][0]["triggers"][0]
print(a["rare"][0]["first"]["event"], a["rare"][1]["first"]["event"])
PY
)
"$O/nexus-dump" --json "$T/full.nxr" | python3 -c '
import json, sys
want = {int(sys.argv[1]): 1000, int(sys.argv[2]): 1001}
for l in sys.stdin:
    e = json.loads(l)
    if e["event_id"] in want:
        assert e["event_type"] == "call" and e["payload"]["arg1"] == want.pop(e["event_id"]), e
assert not want, want' "$e1" "$e2" || fail "events $e1 and $e2 are not the planted calls in nexus-dump"
ok "full recording replayed: the two planted values rare, at the events nexus-dump shows; exact common counts"

"$R" --mode triggered -o "$T/tuned.yaml" "$T/full.nxr" > /dev/null 2> "$T/err" || fail "-o: $(cat "$T/err")"
python3 - "$T/tuned.yaml" <<'PY' || fail "tuned.yaml: $(cat "$T/tuned.yaml")"
import sys, yaml
tc = yaml.safe_load(open(sys.argv[1]))["TraceCondition"]
assert tc["Mode"] == "triggered"
f = tc["Targets"][0]["Functions"][0]
assert f["Triggers"] == [{"Trigger": "auto arg1", "Common": [[0], [1], [2], [3]]}, "arg1 == 2"], f
PY
"$REC" -q -o "$T/tuned.nxr" "$T/tuned.yaml" 2> "$T/err" || fail "nexus-record refused the tuned config: $(cat "$T/err")"
events "$T/tuned.nxr" > "$T/ev"
planted=$(awk '$1 == "call" && / probe=1 / && (/ arg1=1000 / || / arg1=1001 /)' "$T/ev" | wc -l)
[ "$planted" = 2 ] || fail "the tuned run kept $planted of the 2 planted calls"
ok "tuned.yaml: Common [[0], [1], [2], [3]], Mode triggered; nexus-record loads it and keeps both planted calls"
