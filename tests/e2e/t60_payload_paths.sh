#!/bin/bash
# t60: path and argv payloads with the default limits (paths 256 bytes, argv
# 32 arguments / 1024 bytes). fx_paths makes syscalls with known strings: the
# recording holds exactly them, cut exactly at the limit with the flag and the
# full length, a bad pointer as a fault; nexus-dump prints them like strace,
# nexus-query has them in payloads / paths / argv, nexus-split --format jsonl
# carries them. I/O buffers are off by default: no buf payload at all.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_paths" ] || skip "$FX/fx_paths is not built"
QUERY="$O/nexus-query" DUMP="$O/nexus-dump" SPLIT="$O/nexus-split"
mkdir "$T/w" && chmod 777 "$T/w"
config "$T/c.yaml" "$FX/fx_paths"
(cd "$T/w" && "$REC" -q -o "$T/r.nxr" "$T/c.yaml" > "$T/stdout" 2> "$T/err") ||
	fail "exit $?: $(cat "$T/err")"

"$DUMP" "$T/r.nxr" > "$T/dump" || fail "nexus-dump failed"
# the lines without time, comm, pid and duration
pid=$(sed -n 's/.* \([0-9]*\)\/[0-9]* openat(AT_FDCWD, "plain.txt".*/\1/p' "$T/dump")
[ -n "$pid" ] || fail "no openat of plain.txt: $(grep plain "$T/dump")"
sed -n "s/^[0-9.]* [^ ]* $pid\/$pid //p" "$T/dump" | sed 's/ <[0-9.]*>$//' > "$T/lines"
a255=$(printf 'a%.0s' $(seq 255))
for want in \
	'openat(AT_FDCWD, "plain.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3' \
	'newfstatat(AT_FDCWD, "plain.txt", 0x*, 0) = 0' \
	'rename("plain.txt", "renamed.txt") = 0' \
	'unlink("renamed.txt") = 0' \
	"open(\"$a255/\", O_RDONLY) = -1 ENOENT (No such file or directory)" \
	"open(\"$a255/\"..., O_RDONLY) = -1 ENOENT (No such file or directory)" \
	'openat(AT_FDCWD, "nl\nname\377\376.txt", O_RDONLY|O_CREAT, 0600) = 3' \
	'unlinkat(AT_FDCWD, "nl\nname\377\376.txt", 0) = 0' \
	'open(0x1, O_RDONLY) = -1 EFAULT (Bad address)' \
	'write(1, 0x*, 16) = 16'; do
	pat=$(printf '%s' "$want" | sed 's/0x\*/@HEX@/g; s/[][\.^$*]/\\&/g; s/@HEX@/0x[0-9a-f]*/g')
	grep -qx -- "$pat" "$T/lines" || fail "no dump line: $want"
done
ok "dump: strace-like lines with quoted, escaped, cut paths and a fault"

grep -q 'execve("/proc/self/exe", \["fx_paths", "child", "two words", "q\\"uote", "", "tab\\there"\], 0x[0-9a-f]*) = 0' "$T/dump" ||
	fail "no execve line with the known argv: $(grep execve "$T/dump")"
args=$(printf '"x%02d", ' $(seq 1 30))
grep -qF "execve(\"/proc/self/exe\", [\"fx_paths\", \"child\", ${args}...]," "$T/dump" ||
	fail "no execve cut at 32 arguments: $(grep execve "$T/dump")"
ok "dump: execve argv, and the 41-argument one cut at 32 with ..."

q() { "$QUERY" -q -f csv "$T/r.nxr" "$1" > "$T/q" 2> "$T/qerr" || fail "query $1: $(cat "$T/qerr")"; }
q "SELECT name, arg, length(path), full_len, flags FROM paths WHERE pid = $pid AND name IN ('open', 'openat', 'rename', 'unlink', 'unlinkat', 'newfstatat') AND path NOT LIKE '/%' AND (path <> '' OR flags <> 0) ORDER BY syscall_id, arg"
cat > "$T/want" <<'EOF'
name,arg,length(path),full_len,flags
openat,2,9,9,0
newfstatat,2,9,9,0
rename,1,9,9,0
rename,2,11,11,0
unlink,1,11,11,0
open,1,256,256,0
open,1,256,300,1
openat,2,13,13,0
unlinkat,2,13,13,0
open,1,0,0,2
EOF
diff "$T/want" "$T/q" > "$T/diff" || fail "paths rows differ: $(cat "$T/diff")"
q "SELECT hex(path) FROM paths WHERE pid = $pid AND name = 'openat' AND arg = 2 AND path LIKE 'nl%'"
[ "$(sed -n 2p "$T/q")" = "$(printf 'nl\nname\377\376.txt' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] ||
	fail "newline/non-UTF-8 name bytes differ: $(cat "$T/q")"
q "SELECT argv, argc, flags FROM argv WHERE argv LIKE '[\"fx_paths\",\"child\"%' ORDER BY ts_ns"
cat > "$T/want" <<'EOF'
argv,argc,flags
"[""fx_paths"",""child"",""two words"",""q\""uote"","""",""tab\there""]",6,0
EOF
args=$(printf '""x%02d"",' $(seq 1 30))
echo "\"[\"\"fx_paths\"\",\"\"child\"\",${args%,}]\",41,1" >> "$T/want"
diff "$T/want" "$T/q" > "$T/diff" || fail "argv rows differ: $(cat "$T/diff")"
q "SELECT count(*) FROM payloads WHERE type = 3"
[ "$(sed -n 2p "$T/q")" = 0 ] || fail "I/O payloads recorded though off by default"
q "SELECT count(*) FROM payloads p LEFT JOIN syscalls s ON s.tid = p.tid AND s.ts_ns = p.ts_ns WHERE s.event_id IS NULL OR s.event_id < p.event_id"
[ "$(sed -n 2p "$T/q")" = 0 ] || fail "a payload without its syscall, or after it"
ok "query: paths, argv, flags and full lengths exact; every payload before its syscall"

"$SPLIT" --format jsonl -o "$T/split" "$T/r.nxr" > /dev/null 2>&1 || fail "nexus-split failed"
# the file of the fixture's own comm, and no %3F:pid file (comm unknown
# before its exec): the launcher's syscalls before the exec are not recorded
f="$T/split/fx_paths:$pid.jsonl"
[ -f "$f" ] || fail "no jsonl of fx_paths $pid: $(ls "$T/split")"
[ ! -e "$T/split/%3F:$pid.jsonl" ] || fail "a syscall of the launcher before its exec was recorded"
grep -q '"event_type":"payload".*"nr":82,"arg":2,"type":1,"full_len":11,"flags":0,"data":"renamed.txt"' "$f" ||
	fail "rename's second path not in the jsonl"
ok "split: jsonl carries the payload events"
