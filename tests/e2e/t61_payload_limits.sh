#!/bin/bash
# t61: the Payloads key: I/O buffers on (write: 8, read: 64) and smaller path
# and argv limits (Paths: 9, Argv: 3, ArgvBytes: 16). The bytes fx_paths
# writes and reads are recorded exactly, cut at 8 with the full count beside;
# a path of exactly 9 bytes is whole, an 11-byte one cut; argv is cut by its
# byte limit in the middle of an argument (no NUL after it), with the full
# argument count. Paths: 0, Argv: 0 records no payload. A Payloads key with
# a bad value stops the run (exit 2).
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_paths" ] || skip "$FX/fx_paths is not built"
QUERY="$O/nexus-query" DUMP="$O/nexus-dump"
mkdir "$T/w" && chmod 777 "$T/w"
config "$T/c.yaml" "$FX/fx_paths" "Payloads: {write: 8, read: 64, Paths: 9, Argv: 3, ArgvBytes: 16}"
(cd "$T/w" && "$REC" -q -o "$T/r.nxr" "$T/c.yaml" > "$T/stdout" 2> "$T/err") ||
	fail "exit $?: $(cat "$T/err")"
printf 'payload:\001\002\377 end\n' | cmp -s - "$T/stdout" || fail "the fixture's stdout changed under tracing"

q() { "$QUERY" -q -f csv "$T/r.nxr" "$1" > "$T/q" 2> "$T/qerr" || fail "query $1: $(cat "$T/qerr")"; }
pid=$("$QUERY" -q -f csv "$T/r.nxr" "SELECT pid FROM paths WHERE path = 'plain.txt' LIMIT 1" | sed -n 2p)
[ -n "$pid" ] || fail "no path plain.txt recorded"
q "SELECT s.name, p.arg, p.full_len, p.flags, hex(p.data) FROM payloads p JOIN syscalls s ON s.tid = p.tid AND s.ts_ns = p.ts_ns WHERE p.type = 3 AND s.pid = $pid AND p.ts_ns >= (SELECT min(ts_ns) FROM paths WHERE path = 'plain.txt') ORDER BY p.event_id"
cat > "$T/want" <<EOF
name,arg,full_len,flags,hex(p.data)
write,2,11,1,$(printf 'file byt' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
write,2,16,1,$(printf 'payload:' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
write,2,10,1,$(printf '01234567' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
read,2,10,0,$(printf '0123456789' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
EOF
diff "$T/want" "$T/q" > "$T/diff" || fail "I/O payloads differ: $(cat "$T/diff")"
ok "write cut at 8 bytes with the full count, read whole (10 of 64)"

q "SELECT name, arg, path, full_len, flags FROM paths WHERE pid = $pid AND name IN ('openat', 'rename') AND path NOT LIKE '/%' ORDER BY syscall_id, arg LIMIT 3"
cat > "$T/want" <<'EOF'
name,arg,path,full_len,flags
openat,2,plain.txt,9,0
rename,1,plain.txt,9,0
rename,2,renamed.t,11,1
EOF
diff "$T/want" "$T/q" > "$T/diff" || fail "paths at a 9-byte limit differ: $(cat "$T/diff")"
q "SELECT argv, argc, flags FROM argv WHERE argv LIKE '[\"fx_paths\",\"child\"%' ORDER BY ts_ns"
cat > "$T/want" <<'EOF'
argv,argc,flags
"[""fx_paths"",""child"",""t""]",6,1
"[""fx_paths"",""child"",""x""]",41,1
EOF
diff "$T/want" "$T/q" > "$T/diff" || fail "argv at 16 bytes differs: $(cat "$T/diff")"
"$DUMP" "$T/r.nxr" > "$T/dump" || fail "nexus-dump failed"
grep -q 'execve("/proc/sel"..., \["fx_paths", "child", "t"..., ...\], 0x[0-9a-f]*) = 0' "$T/dump" ||
	fail "dump: no cut execve line: $(grep execve "$T/dump")"
grep -q " $pid/$pid write(1, \"payload:\"..., 16) = 16" "$T/dump" || fail "dump: no cut write line"
grep -q " $pid/$pid read(3, \"0123456789\", 64) = 10" "$T/dump" || fail "dump: no read line"
ok "a path of exactly the limit is whole; argv cut inside an argument"

config "$T/off.yaml" "$FX/fx_paths" "Payloads: {Paths: 0, Argv: 0}"
(cd "$T/w" && "$REC" -q -o "$T/off.nxr" "$T/off.yaml" > /dev/null 2> "$T/err") ||
	fail "payloads off: exit $?: $(cat "$T/err")"
[ "$("$QUERY" -q -f csv "$T/off.nxr" "SELECT count(*) FROM payloads" | sed -n 2p)" = 0 ] ||
	fail "payloads recorded with Paths: 0, Argv: 0"
[ "$("$QUERY" -q -f csv "$T/off.nxr" "SELECT count(*) FROM syscalls WHERE nr = 82" | sed -n 2p)" = 1 ] ||
	fail "payloads off: the rename syscall itself is missing"
ok "Paths: 0, Argv: 0: syscalls recorded, no payload at all"

config "$T/bad.yaml" "$FX/fx_paths" "Payloads: {write: 5000}"
"$REC" -q -o "$T/bad.nxr" "$T/bad.yaml" > /dev/null 2> "$T/err"
rc=$?
[ $rc = 2 ] || fail "a write limit past 4096: exit $rc, want 2"
grep -qx "nexus-record: $T/bad.yaml:4:21: Payloads.write: 5000 is past the limit of 4096" "$T/err" ||
	fail "message: $(cat "$T/err")"
[ ! -e "$T/bad.nxr" ] || fail "a recording was left by a bad config"
ok "a bad Payloads value: one line naming file:line:col, exit 2, no file"
