#!/bin/bash
# t40: nexus-replay on a synthetic recording of known calls (tests/unit/
# replayfx.h, 1000 calls of fx_work): per trigger the hits, selectivity,
# first and last hit; the exact rare values of the auto triggers with where
# they occurred; health triggers gated by the latest sample; -t candidates.
# The event ids it names are the ones nexus-dump --json numbers.
. "$(dirname "$0")/toolslib.bash"
[ -x "$B/nexus-replay" ] || skip "$B/nexus-replay is not built"
check_cli nexus-replay
"$MKREC" -n 1000 calls "$T/c.nxr" || fail "mkrec calls"

# call i of fx_work is event 7 + 2i (+1 after the cpu-high sample before call
# 750, +1 after the one before 760, +2 after the fork and exec before 980)
expect_rc 0 "$B/nexus-replay" --json "$T/c.nxr"
cp "$T/out" "$T/report.json"
python3 - "$T/report.json" <<'PY' || fail "json report"
import json, sys
r = json.load(open(sys.argv[1]))
def ev(i):
    return 7 + 2 * i + (i >= 750) + (i >= 760) + 2 * (i >= 980)
assert r["config"] == "recorded" and r["mode"] == "full", r
assert r["calls"] == 2005 and r["lost"] == 0 and r["filtered"] == 0
p = {x["id"]: x for x in r["probes"]}
assert p[1]["function"] == "fx_work" and p[1]["hook"] == "uprobe" and p[1]["calls"] == 1000
assert p[2]["hook"] == "uretprobe" and p[3]["calls"] == 5 and p[3]["triggers"] == []
t = {x["text"]: x for x in p[1]["triggers"]}
m = t["arg2 == 0x541c"]
assert (m["hits"], m["calls"], m["selectivity"], m["recorded"]) == (2, 1000, 0.002, 2), m
assert m["first"]["event"] == ev(100) and m["last"]["event"] == ev(500), m
assert abs(m["first"]["t"] - ev(100) * 0.001) < 1e-9 and m["first"]["pid"] == 500
a = t["auto arg1 arg2"]
assert a["type"] == "auto" and a["hits"] == 4 and a["threshold"] == 8 and a["distinct"] == 6
assert [(c["values"], c["count"]) for c in a["common"]] == \
    [([3, 0x5401], 498), ([4, 0x5402], 249), ([5, 0x5403], 249)], a["common"]
rare = [(x["values"], x["count"], x["first"]["event"], x["last"]["event"], x["last"]["pid"])
        for x in a["rare"]]
assert rare == [([3, 0x541c], 1, ev(100), ev(100), 500), ([7, 0x541c], 1, ev(500), ev(500), 500),
                ([9, 9], 2, ev(990), ev(995), 501)], rare
c = t["cpu"]
assert c["type"] == "health" and c["hits"] == 10 and c["recorded"] == 10
assert c["first"]["event"] == ev(750) and c["last"]["event"] == ev(759)
u = {x["text"]: x for x in p[2]["triggers"]}
assert u["ret < 0"]["hits"] == 2 and u["ret < 0"]["first"]["event"] == ev(200) + 1
assert u["ret < 0"]["recorded"] == 2, u["ret < 0"]		# the returns' masks
assert [(x["values"], x["count"]) for x in u["auto ret"]["rare"]] == \
    [([2**64 - 5], 1), ([2**64 - 11], 1)], u["auto ret"]["rare"]
PY
ok "JSON: hits, selectivity, first/last, exact rare values, health gating"

# the ids are nexus-dump's: event 207 is call 100, the planted (3, 0x541c)
"$B/nexus-dump" --json "$T/c.nxr" | python3 -c '
import json, sys
e = [json.loads(l) for l in sys.stdin][207]
assert e["event_id"] == 207 and e["event_type"] == "call" and e["payload"]["arg2"] == 0x541c, e' ||
	fail "event 207 is not the planted call in nexus-dump"
ok "event ids match nexus-dump's"

# the text report, as the README shows it
expect_rc 0 "$B/nexus-replay" "$T/c.nxr"
for want in \
	'probe 1 uprobe /opt/fx/libfx.so:fx_work: 1000 calls' \
	'  [config trigger 0, manual] arg2 == 0x541c' \
	'    hits 2 of 1000 calls (0.2 %); the recorder marked 2' \
	'    first 0.207000 s pid 500/500 event #207' \
	'    6 distinct tuples, threshold 8 calls: 3 common, 3 rare' \
	'    common (3, 0x5401) x498' \
	'    rare   (9, 9) x2 first 1.991000 s pid 501/501 event #1991, last 2.001000 s pid 501/501 event #2001' \
	'    rare   (-5) x1 first 0.408000 s pid 500/500 event #408' \
	'  [config trigger 2, health] cpu'; do
	grep -qxF -- "$want" "$T/out" || fail "missing line: $want"
done
[ ! -s "$T/err" ] || fail "warnings on a clean full recording: $(cat "$T/err")"
ok "text report"

# candidates: EXPR on every probe where it parses, FUNC:EXPR, ID:EXPR
expect_rc 0 "$B/nexus-replay" --json -t 'arg1 == 9' -t 'fx_idle:arg1 >= 3' -t '2:ret == -11' \
	-t 'comm == "worker" && uid == 0' -t 'cpu > 90' -t 'fx_work:auto arg3 arg1' "$T/c.nxr"
python3 - "$T/out" <<'PY' || fail "candidates"
import json, sys
r = json.load(open(sys.argv[1]))
got = {}
for p in r["probes"]:
    for t in p["triggers"]:
        if t["source"] == "-t":
            got[(t["index"], p["id"])] = t
assert sorted(got) == [(1, 1), (1, 3), (2, 3), (3, 2), (4, 1), (4, 2), (4, 3), (5, 1), (5, 2),
                       (5, 3), (6, 1)], sorted(got)
assert got[(1, 1)]["hits"] == 2 and got[(1, 3)]["hits"] == 0
assert got[(2, 3)]["hits"] == 2 and got[(3, 2)]["hits"] == 1
assert got[(4, 1)]["hits"] == 20 and got[(4, 2)]["hits"] == 20
assert got[(5, 1)]["hits"] == 10 and got[(5, 3)]["hits"] == 0
a = got[(6, 1)]    # arg3 is the call number: every tuple is new, every call rare
assert a["distinct"] == 1000 and a["hits"] == 1000 and len(a["rare"]) == 10
PY
ok "-t EXPR, -t FUNC:EXPR, -t ID:EXPR"
