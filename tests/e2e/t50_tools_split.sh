#!/bin/bash
# t50: nexus-split on synthetic recordings of known content: the per-process
# files byte for byte, names, JSON lines, per-process recordings, safe file
# names, -f, symlinks, 10 000 processes under a low descriptor limit.
. "$(dirname "$0")/toolslib.bash"
check_cli nexus-split
"$MKREC" basic "$T/b.nxr" || fail "mkrec basic"

expect_rc 0 "$B/nexus-split" "$T/b.nxr" -o "$T/s"
[ "$(ls "$T/s" | wc -l)" = 5 ] || fail "expected 5 files: $(ls "$T/s")"
[ "$(cat "$T/s/sh:100.log")" = "39 56 61 35" ] || fail "sh:100.log: $(cat "$T/s/sh:100.log")"
[ "$(cat "$T/s/sh:101.log")" = "110" ] || fail "sh:101.log"
[ "$(cat "$T/s/ls:101.log")" = "257 257 0" ] || fail "ls:101.log"
[ "$(cat "$T/s/ev%2F..%2Fil%0A:101.log")" = "1" ] || fail "renamed by exec to an unsafe comm"
[ "$(cat "$T/s/%3F:200.log")" = "39" ] || fail "unknown comm"
printf '39 56 61 35\n' | cmp -s - "$T/s/sh:100.log" || fail "sh:100.log is not byte for byte"
for f in "$T"/s/*; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f mode $(stat -c %a "$f")"
done
ok "log files byte for byte, exec renames start a new file, modes 0600"

expect_rc 1 "$B/nexus-split" "$T/b.nxr" -o "$T/s"
grep -q "exists (-f replaces it)" "$T/err" || fail "existing output: $(cat "$T/err")"
[ "$(wc -l < "$T/err")" = 1 ] || fail "error is more than one line"
expect_rc 0 "$B/nexus-split" -f --names "$T/b.nxr" -o "$T/s"
[ "$(cat "$T/s/sh:100.log")" = "getpid clone wait4 nanosleep" ] || fail "--names"
ok "existing outputs need -f; --names"

# a symlink planted under an output name is replaced, never followed
mkdir "$T/l" && echo secret > "$T/victim"
ln -s "$T/victim" "$T/l/ls:101.log"
expect_rc 1 "$B/nexus-split" "$T/b.nxr" -o "$T/l"
expect_rc 0 "$B/nexus-split" -f "$T/b.nxr" -o "$T/l"
[ "$(cat "$T/victim")" = secret ] || fail "the symlink's target was written"
[ -L "$T/l/ls:101.log" ] && fail "the symlink is still there"
ok "symlinks are not followed"

expect_rc 0 "$B/nexus-split" --format jsonl "$T/b.nxr" -o "$T/j"
python3 - "$T/j" <<'PY' || fail "jsonl content"
import json, os, sys
d = sys.argv[1]
rows = {f: [json.loads(l) for l in open(os.path.join(d, f), encoding="utf-8")] for f in os.listdir(d)}
ls = rows["ls:101.jsonl"]
assert [r["event_type"] for r in ls] == ["exec", "syscall", "syscall", "fork", "syscall", "call", "return", "adapt"], ls
assert ls[1]["payload"]["name"] == "openat" and ls[1]["payload"]["ret"] == -2
assert all(r["pid"] == 101 and r["comm"] == "ls" for r in ls)
assert rows["ev%2F..%2Fil%0A:101.jsonl"][0]["comm"] == "ev/../il\n"
assert sum(len(v) for v in rows.values()) == 20   # 23 events, 3 belong to no process
PY
ok "jsonl parses back with the expected events"

expect_rc 0 "$B/nexus-split" --format nxr "$T/b.nxr" -o "$T/n"
expect_rc 0 "$B/nexus-dump" "$T/n/sh:100.nxr"
[ "$(wc -l < "$T/out")" = 7 ] || fail "sh:100.nxr holds $(wc -l < "$T/out") events"
expect_rc 0 "$B/nexus-info" --json "$T/n/sh:100.nxr"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["command"]=="sh -c ls" and d["closed_cleanly"], d' "$T/out" ||
	fail "per-process recording lacks the source header"
ok "per-process .nxr recordings with the source header"

"$MKREC" -n 10000 -s 20000 many "$T/m.nxr" || fail "mkrec many"
(ulimit -Sn 64 && "$B/nexus-split" "$T/m.nxr" -o "$T/m") > "$T/out" 2> "$T/err" ||
	fail "10000 pids under ulimit -n 64: $(cat "$T/err")"
[ "$(ls "$T/m" | wc -l)" = 10000 ] || fail "expected 10000 files"
[ "$(cat "$T/m/p7:9997.log")" = "297 298 39" ] || fail "p7:9997.log: $(cat "$T/m/p7:9997.log")"
[ "$(cat "$T/m/p0:1000.log")" = "0 1 39" ] || fail "p0:1000.log"
ok "10000 processes with 64 descriptors"
