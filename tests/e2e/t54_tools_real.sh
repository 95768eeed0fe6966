#!/bin/bash
# t54: the offline tools on a real recording: nexus-record traces
# `fx_loop getppid N`, and nexus-query, nexus-split, nexus-dump and
# nexus-info all find exactly the N getppid calls the fixture made.
. "$(dirname "$0")/toolslib.bash"
[ "$(id -u)" = 0 ] || skip "needs root: nexus-record loads BPF programs"
[ -x "$B/nexus-record" ] || skip "$B/nexus-record is not built (make O=$O all)"
[ -x "$B/fixtures/fx_loop" ] || skip "$B/fixtures/fx_loop is not built (make O=$O all)"
N=1234
printf 'TraceCondition:\n  Command: %s getppid %d\n  Sudo: True\n' "$B/fixtures/fx_loop" $N > "$T/c.yaml"
timeout 120 "$B/nexus-record" -q -o "$T/r.nxr" "$T/c.yaml" > "$T/rec.out" 2>&1 ||
	fail "nexus-record failed: $(tail -n 5 "$T/rec.out")"

expect_rc 0 "$B/nexus-query" -f csv "$T/r.nxr" "SELECT count(*) FROM syscalls WHERE name='getppid'"
[ "$(tail -n 1 "$T/out")" = $N ] || fail "getppid count $(tail -n 1 "$T/out"), the fixture made $N"
expect_rc 0 "$B/nexus-query" -f csv "$T/r.nxr" "SELECT pid FROM processes WHERE comm='fx_loop'"
pid=$(tail -n 1 "$T/out")
[ -n "$pid" ] && [ "$pid" != pid ] || fail "no fx_loop process in the processes table"
ok "query: $N getppid in the syscalls table, fx_loop is pid $pid"

expect_rc 0 "$B/nexus-split" "$T/r.nxr" -o "$T/s"
[ -f "$T/s/fx_loop:$pid.log" ] || fail "no fx_loop:$pid.log: $(ls "$T/s")"
[ "$(tr ' ' '\n' < "$T/s/fx_loop:$pid.log" | grep -cx 110)" = $N ] || fail "split: getppid (110) count"
ok "split: fx_loop:$pid.log holds $N getppid"

expect_rc 0 "$B/nexus-dump" --pid "$pid" --type syscall "$T/r.nxr"
[ "$(grep -c " getppid(" "$T/out")" = $N ] || fail "dump: getppid lines"
expect_rc 0 "$B/nexus-info" --json "$T/r.nxr"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=[s for s in d["top_syscalls"] if s["name"]=="getppid"]; assert t and t[0]["count"]==int(sys.argv[2]) and d["closed_cleanly"] and d["lost"]==0, d' "$T/out" $N ||
	fail "info: getppid count"
ok "dump and info agree"
