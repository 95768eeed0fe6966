#!/bin/bash
# t52: nexus-dump and nexus-info on a synthetic recording of known content:
# strace-like lines, JSON lines parsed back, the filters, info's figures in
# text and JSON.
. "$(dirname "$0")/toolslib.bash"
check_cli nexus-dump
check_cli nexus-info
"$MKREC" basic "$T/b.nxr" || fail "mkrec basic"

expect_rc 0 "$B/nexus-dump" "$T/b.nxr"
[ "$(wc -l < "$T/out")" = 23 ] || fail "expected 23 lines"
for want in \
	'0.004000 sh 101/101 getppid(0, 0, 0, 0, 0, 0) = 100 <0.000002>' \
	'0.006000 ls 101/101 openat(AT_FDCWD, 0x7ffd0000, O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory) <0.000002>' \
	'0.010000 ls 101/101 call ioctl(0x3, 0x541c, 0x7ffd0400, 0, 0, 0) probe 1 triggers 0x1 data "tty\n"' \
	'0.012000 [LOST 5 events, cpu 1, ringbuf]' \
	'0.016000 ev/../il\n 101/101 exec "/tmp/evil" comm "ev/../il\n" ppid 100 uid 1000' \
	'0.020000 sh 100/100 exit code 1 group' \
	'0.022000 sh 100/100 nanosleep(0x7ffd0600, 0, 0, 0, 0, 0) = ?'; do
	grep -qxF "$want" "$T/out" || fail "missing line: $want"
done
LC_ALL=C grep -q '[[:cntrl:]]' "$T/out" && fail "a control byte reached the terminal"
ok "strace-like lines, errno names, loss inline, control bytes escaped"

expect_rc 0 "$B/nexus-dump" --json "$T/b.nxr"
python3 - "$T/out" <<'PY' || fail "json lines"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert len(ev) == 23 and [e["event_id"] for e in ev] == list(range(23))
for e in ev:
    assert set(e) == {"event_id", "event_type", "timestamp_ns", "pid", "tid", "ppid", "comm", "payload"}, e
s = ev[4]
assert s["event_type"] == "syscall" and s["payload"]["name"] == "getppid" and s["payload"]["nr"] == 110
assert s["comm"] == "sh" and s["ppid"] == 100 and s["timestamp_ns"] == 1004000000
assert ev[12]["event_type"] == "loss" and ev[12]["payload"]["count"] == 5
assert ev[10]["payload"]["data"] == "tty\n" and ev[10]["payload"]["function"] == "ioctl"
assert ev[16]["comm"] == "ev/../il\n"
PY
ok "--json lines parse back"

expect_rc 0 "$B/nexus-dump" --pid 101 --type syscall "$T/b.nxr"
[ "$(wc -l < "$T/out")" = 5 ] || fail "--pid 101 --type syscall: $(cat "$T/out")"
expect_rc 0 "$B/nexus-dump" --comm ls "$T/b.nxr"
[ "$(wc -l < "$T/out")" = 8 ] || fail "--comm ls: $(wc -l < "$T/out") lines"
expect_rc 0 "$B/nexus-dump" --since 0.010 --until 0.014 "$T/b.nxr"
[ "$(wc -l < "$T/out")" = 5 ] || fail "--since/--until: $(cat "$T/out")"
expect_rc 0 "$B/nexus-dump" --type loss,filter "$T/b.nxr"
[ "$(wc -l < "$T/out")" = 2 ] || fail "--type loss,filter"
expect_rc 2 "$B/nexus-dump" --type nosuchkind "$T/b.nxr"
ok "filters --pid --comm --type --since --until"

expect_rc 0 "$B/nexus-info" "$T/b.nxr"
for want in 'events           23' 'closed cleanly   yes' 'lost             5' 'filtered         7' \
	'command          sh -c ls' 'processes        3' 'segments         1'; do
	grep -qxF "$want" "$T/out" || fail "info lacks: $want"
done
grep -A2 '^top syscalls' "$T/out" | grep -q ' 2  getpid' || fail "top syscalls"
expect_rc 0 "$B/nexus-info" --json "$T/b.nxr"
python3 - "$T/out" <<'PY' || fail "info --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["events"] == 23 and d["closed_cleanly"] is True
assert d["events_by_kind"]["syscall"] == 10 and d["events_by_kind"]["loss"] == 1
assert d["lost"] == 5 and d["lost_ringbuf"] == 5 and d["filtered"] == 7
assert abs(d["duration_s"] - 0.022) < 1e-9 and d["events_per_s"] > 1000
assert d["top_processes"][0] == {"pid": 101, "comm": "ev/../il\n", "events": 12}
assert {"nr": 39, "name": "getpid", "count": 2} in d["top_syscalls"]
assert d["segments"] == 1 and d["damaged_segments"] == 0
assert d["raw_bytes"] > 0 and d["compressed_bytes"] > 0 and d["file_bytes"] > d["compressed_bytes"]
assert d["hostname"] == "toolhost" and d["probes"][0]["function"] == "ioctl"
PY
ok "info text and --json"
