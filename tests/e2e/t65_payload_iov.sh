#!/bin/bash
# t65: vectored I/O payloads (readv, writev, preadv, pwritev, preadv2,
# pwritev2, sendmsg, recvmsg). fx_iov runs once under `strace -s 4096` and
# once under nexus-record with every limit at 4096: the iovecs nexus-dump
# prints (bytes and iov_len of each) must equal strace's. Then smaller
# limits: writev cut at 8 bytes with its full count, a read's iovecs past
# what it returned empty, at most 16 iovecs described ("..." after them),
# and the SQL payloads table holding the bytes themselves. A print
# format's %s of the iovec argument shows the bytes joined.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_iov" ] || skip "$FX/fx_iov is not built"
command -v strace > /dev/null || skip "strace is not installed"
command -v python3 > /dev/null || skip "python3 is needed to compare the outputs"
QUERY="$O/nexus-query" DUMP="$O/nexus-dump"
ALL="readv: 4096, writev: 4096, preadv: 4096, pwritev: 4096, preadv2: 4096, pwritev2: 4096, sendmsg: 4096, recvmsg: 4096"
mkdir "$T/s" "$T/n" "$T/c" && chmod 777 "$T/s" "$T/n" "$T/c"
(cd "$T/s" && strace -s 4096 -o "$T/st" "$FX/fx_iov" > /dev/null 2>&1) ||
	skip "strace cannot trace here (ptrace refused?)"
config "$T/c.yaml" "$FX/fx_iov" "Payloads: {$ALL}"
(cd "$T/n" && "$REC" -q -o "$T/r.nxr" "$T/c.yaml" > /dev/null 2> "$T/err") ||
	fail "exit $?: $(cat "$T/err")"
"$DUMP" "$T/r.nxr" > "$T/dump" || fail "nexus-dump failed"

python3 - "$T" <<'EOF' || fail "iovecs differ from strace's (above)"
import re, sys
T = sys.argv[1]
NAMES = ("readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2", "sendmsg", "recvmsg")
CALL = re.compile(r'^(?:[0-9.]+ \S+ \d+/\d+ )?([a-z0-9_]+)\((.*)$')
IOV = re.compile(r'\{iov_base=("(?:[^"\\]|\\.)*"(?:\.\.\.)?|0x[0-9a-f]+|NULL), iov_len=(\d+)\}')

def calls(path):
    out = []
    with open(path, encoding="latin-1") as fh:
        for l in fh:
            m = CALL.match(l.rstrip("\n"))
            if m and m.group(1) in NAMES:
                out.append((m.group(1), IOV.findall(m.group(2).rsplit(") = ", 1)[0])))
    return out

s, n = calls(T + "/st"), calls(T + "/dump")
# strace shows a faulting iovec's pointer, nexus (no payload) the array's: both no bytes
s = [(c, [] if any(b.startswith("0x") for b, _ in v) else v) for c, v in s]
if s != n:
    for a, b in zip(s, n):
        if a != b:
            print(f"strace {a!r}\n nexus {b!r}")
            break
    else:
        print(f"{len(s)} calls under strace, {len(n)} recorded")
    sys.exit(1)
if len(s) != 9 or sum(len(v) for _, v in s) != 17:
    print(f"{len(s)} calls, {sum(len(v) for _, v in s)} iovecs: the fixture changed?")
    sys.exit(1)
print(f"{len(s)} calls, their iovecs as strace shows them")
EOF
ok "iovecs of the 8 vectored syscalls equal strace -s 4096's"

config "$T/c2.yaml" "$FX/fx_iov" "Payloads: {writev: 8, readv: 4, recvmsg: 6}"
(cd "$T/c" && "$REC" -q -o "$T/r2.nxr" "$T/c2.yaml" > /dev/null 2> "$T/err") ||
	fail "exit $?: $(cat "$T/err")"
"$DUMP" "$T/r2.nxr" > "$T/dump2" || fail "nexus-dump failed"
grep -q 'writev(3, \[{iov_base="hello ", iov_len=6}, {iov_base="ve"..., iov_len=9}, {iov_base=""..., iov_len=6}\], 3) = 21' "$T/dump2" ||
	fail "writev at 8 bytes: $(grep writev "$T/dump2")"
grep -q 'readv(3, \[{iov_base="ZAB", iov_len=3}, {iov_base="C"..., iov_len=100}\], 2) = 21' "$T/dump2" ||
	fail "readv at 4 bytes: $(grep readv "$T/dump2")"
grep -q 'recvmsg(5, {msg_iov=\[{iov_base="ping", iov_len=4}, {iov_base=" p"..., iov_len=32}\]}, 0) = 9' "$T/dump2" ||
	fail "recvmsg at 6 bytes: $(grep recvmsg "$T/dump2")"
grep -q 'sendmsg(4, 0x[0-9a-f]*, 0) = 9' "$T/dump2" || fail "sendmsg has a payload it was not asked for"
"$QUERY" -q -f csv "$T/r2.nxr" "SELECT s.name, p.full_len, p.flags, hex(p.data) FROM payloads p JOIN syscalls s ON s.tid = p.tid AND s.ts_ns = p.ts_ns WHERE p.type = 4 ORDER BY p.event_id" > "$T/q" 2>&1 ||
	fail "query: $(cat "$T/q")"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
cat > "$T/want" <<EOF
name,full_len,flags,hex(p.data)
writev,21,1,$(hex 'hello ve')
readv,21,1,$(hex 'ZABC')
recvmsg,9,1,$(hex 'ping p')
EOF
diff "$T/want" "$T/q" > "$T/diff" || fail "SQL payloads differ: $(cat "$T/diff")"
ok "limits: bytes cut with the full count, a read's bytes end at its return, SQL holds the bytes"

config "$T/c3.yaml" "$FX/fx_iov many" "Payloads: {writev: 4096}"
"$REC" -q -o "$T/r3.nxr" "$T/c3.yaml" > /dev/null 2> "$T/err" || fail "exit $?: $(cat "$T/err")"
"$DUMP" "$T/r3.nxr" > "$T/dump3" || fail "nexus-dump failed"
want='writev(3, ['
for c in a b c d e f g h i j k l m n o p; do want+="{iov_base=\"$c\", iov_len=1}, "; done
want+='...], 20) = 20'
grep -qF "$want" "$T/dump3" || fail "20 iovecs: $(grep writev "$T/dump3")"
[ "$("$QUERY" -q -f csv "$T/r3.nxr" "SELECT full_len || ':' || flags || ':' || CAST(data AS TEXT) FROM payloads WHERE type = 4" | sed -n 2p)" = "20:1:abcdefghijklmnop" ] ||
	fail "20 iovecs in SQL: want 20 bytes counted, 16 kept"
ok "20 iovecs: 16 described, the rest counted in full_len"

config "$T/c4.yaml" "$FX/fx_iov" "Payloads: {writev: 8}"
(cd "$T/c" && "$REC" -q -o "$T/r4.nxr" -e 'sys_writev "wrote %s", arg2' "$T/c4.yaml" > /dev/null 2> "$T/err") ||
	fail "exit $?: $(cat "$T/err")"
"$DUMP" "$T/r4.nxr" > "$T/dump4" || fail "nexus-dump failed"
grep -q 'writev: wrote hello ve = 21' "$T/dump4" || fail "print %s of writev's iovecs: $(grep writev "$T/dump4")"
ok "a print format's %s of an iovec argument shows its buffers' bytes joined"
