#!/bin/bash
# t74: syscalls made through the ia32 ABI are recorded as NX_SYS_IA32 | their
# i386 number and named from the i386 table. fx_ia32 (64-bit) makes getpid,
# write, openat and close through int $0x80 between two 64-bit getppid;
# fx32_hello is a real static i386 program (as --32, ld -m elf_i386) making
# the same four and exit_group. Checked: the exact numbers in order, the
# arguments (low 32 bits of ebx..), the payloads read through 32-bit
# pointers, the names in nexus-dump, nexus-query, nexus-split --names and
# nexus-info, a Syscalls list keeping the ia32 openat by name (with a
# PathPrefix filter read from its 32-bit pointer), the exec of the 32-bit
# binary, and exec argv of 4-byte pointers (fx32_exec: a 32-bit process's
# failed and successful execve).
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_ia32" ] || skip "$FX/fx_ia32 is not built"
[ -x "$FX/fx32_hello" ] || skip "$FX/fx32_hello is not built: binutils (as --32, ld -m elf_i386) missing"
"$FX/fx32_hello" > /dev/null 2>&1 || skip "this kernel runs no 32-bit programs (ia32 emulation off)"
QUERY="$O/nexus-query" DUMP="$O/nexus-dump" SPLIT="$O/nexus-split" INFO="$O/nexus-info"
IA=$((0x20000000))
GETPID=$((IA | 20)) WRITE=$((IA | 4)) WRITEV=$((IA | 146)) OPENAT=$((IA | 295)) CLOSE=$((IA | 6))
GETUID32=$((IA | 199)) EXITG=$((IA | 252))

# (a) int $0x80 from 64-bit code, between known 64-bit syscalls
config "$T/a.yaml" "$FX/fx_ia32" "Payloads: {write: 64, writev: 64}"
"$REC" -q -o "$T/a.nxr" "$T/a.yaml" > "$T/a.out" 2> "$T/err" || fail "fx_ia32: exit $?: $(cat "$T/err")"
[ "$(cat "$T/a.out")" = "$(printf 'ia32 write\nia32 iov')" ] || fail "fx_ia32 wrote '$(cat "$T/a.out")'"
events "$T/a.nxr" > /dev/null
seq=$(awk '$1 == "syscall" { for (i = 2; i <= NF; i++) if ($i ~ /^nr=/) print substr($i, 4) }' "$T/a.nxr.txt" |
	sed -n '/^110$/,/^110$/p' | tr '\n' ' ')
[ "$seq" = "110 $GETPID $WRITE $WRITEV $OPENAT $CLOSE $GETUID32 711 110 " ] ||
	fail "between the getppid markers: '$seq', want '110 $GETPID $WRITE $WRITEV $OPENAT $CLOSE $GETUID32 711 110 '"
line() { grep "^syscall .* nr=$1 " "$T/a.nxr.txt"; }
pid=$(field "$(line $GETPID)" pid)
[ "$(field "$(line $GETPID)" ret)" = "$pid" ] || fail "ia32 getpid returned $(field "$(line $GETPID)" ret), pid $pid"
w=$(line $WRITE)
[ "$(field "$w" arg1) $(field "$w" arg3) $(field "$w" ret)" = "1 11 11" ] || fail "ia32 write: $w"
[ "$(field "$w" arg2)" -lt 4294967296 ] || fail "ia32 write's buffer pointer is not 32 bits: $w"
[ "$(field "$(line $OPENAT)" arg1)" = 4294967196 ] || fail "ia32 openat's dirfd is not AT_FDCWD (32 bits): $(line $OPENAT)"
fd=$(field "$(line $OPENAT)" ret)
[ "$(field "$(line $CLOSE)" arg1) $(field "$(line $CLOSE)" ret)" = "$fd 0" ] || fail "ia32 close: $(line $CLOSE)"
ok "int \$0x80: getpid, write, openat, close recorded as NX_SYS_IA32 | 20, 4, 295, 6 between the 64-bit getppid"

q() { "$QUERY" -q -f csv "$1" "$2" | sed -n '2,$p' | tr '\n' ' '; }
[ "$(q "$T/a.nxr" "SELECT path FROM paths WHERE nr = $OPENAT")" = "/dev/null " ] ||
	fail "ia32 openat's path payload: '$(q "$T/a.nxr" "SELECT path FROM paths WHERE nr = $OPENAT")'"
[ "$(q "$T/a.nxr" "SELECT hex(data) FROM payloads WHERE nr = $WRITE")" = "$(printf 'ia32 write\n' | od -An -tx1 | tr -d ' \n' | tr a-f A-F) " ] ||
	fail "ia32 write's buffer payload: '$(q "$T/a.nxr" "SELECT hex(data) FROM payloads WHERE nr = $WRITE")'"
[ "$(q "$T/a.nxr" "SELECT full_len || ':' || hex(data) FROM payloads WHERE nr = $WRITEV")" = "9:$(printf 'ia32 iov\n' | od -An -tx1 | tr -d ' \n' | tr a-f A-F) " ] ||
	fail "ia32 writev's iovec payload: '$(q "$T/a.nxr" "SELECT full_len, hex(data) FROM payloads WHERE nr = $WRITEV")'"
ok "payloads through 32-bit pointers: openat's path, write's bytes, writev's 8-byte iovecs"

"$DUMP" "$T/a.nxr" > "$T/a.dump" || fail "nexus-dump failed"
grep -q " fx_ia32 $pid/$pid getpid(.*) = $pid " "$T/a.dump" || fail "nexus-dump: no getpid = $pid"
for want in 'write(1, "ia32 write\n", 11) = 11' \
	'writev(1, [{iov_base="ia32 ", iov_len=5}, {iov_base="iov\n", iov_len=4}], 2) = 9' \
	"openat(AT_FDCWD, \"/dev/null\", O_RDONLY) = $fd" "close($fd) = 0"; do
	grep -qF " fx_ia32 $pid/$pid $want " "$T/a.dump" || fail "nexus-dump has no '$want': $(grep -F "fx_ia32 $pid/" "$T/a.dump" | tail -n 8)"
done
[ "$(grep -c 'writev' "$T/a.dump")" = 1 ] || fail "nexus-dump names i386 getpid (20) as x86-64's writev"
"$DUMP" --json "$T/a.nxr" | grep "\"nr\":$GETPID," | grep -q '"name":"getpid"' ||
	fail "nexus-dump --json: no getpid with nr $GETPID"
[ "$(q "$T/a.nxr" "SELECT name FROM syscall_counts WHERE nr IN ($GETPID, $WRITE, $OPENAT, $CLOSE) ORDER BY nr")" = "write close getpid openat " ] ||
	fail "nexus-query syscall_counts: '$(q "$T/a.nxr" "SELECT nr, name FROM syscall_counts WHERE nr > $IA")'"
"$SPLIT" -o "$T/s" "$T/a.nxr" > /dev/null && "$SPLIT" --names -o "$T/n" "$T/a.nxr" > /dev/null || fail "nexus-split failed"
grep -q " 110 $GETPID $WRITE $WRITEV $OPENAT $CLOSE $GETUID32 711 110 " "$T/s/fx_ia32:$pid.log" || fail "nexus-split numbers: $(cat "$T/s/fx_ia32:$pid.log")"
grep -q " getppid getpid write writev openat close getuid32 syscall_711 getppid " "$T/n/fx_ia32:$pid.log" || fail "nexus-split --names: $(cat "$T/n/fx_ia32:$pid.log")"
"$INFO" --top 100 "$T/a.nxr" | grep -q '^ *1  getpid (ia32)$' || fail "nexus-info: no 'getpid (ia32)' among the top syscalls"
ok "named from the i386 table in nexus-dump (and --json), nexus-query, nexus-split and nexus-info"

# a Syscalls list keeps the ia32 openat by name, and its PathPrefix filter
# reads the path through the 32-bit pointer
config "$T/f.yaml" "$FX/fx_ia32" "Syscalls:" "  - getppid" '  - openat: {PathPrefix: "/dev/nu"}'
"$REC" -q -o "$T/f.nxr" "$T/f.yaml" > /dev/null 2> "$T/err" || fail "filtered: exit $?: $(cat "$T/err")"
events "$T/f.nxr" > /dev/null
got=$(awk '$1 == "syscall" { for (i = 2; i <= NF; i++) if ($i ~ /^nr=/) print substr($i, 4) }' "$T/f.nxr.txt" | tr '\n' ' ')
[ "$got" = "110 $OPENAT 110 " ] || fail "Syscalls [getppid, openat: /dev/nu...]: '$got', want '110 $OPENAT 110 '"
ok "Syscalls: [getppid, openat] keeps the ia32 openat (PathPrefix on its 32-bit pointer), drops the rest"

# an i386-only name (getuid32: x86-64 has getuid) keeps that ia32 syscall
# alone, by its own bit (not x86-64's 711, whose number is that bit's); a
# filter on one is refused at its line
config "$T/g.yaml" "$FX/fx_ia32" "Syscalls: [getppid, getuid32]"
"$REC" -q -o "$T/g.nxr" "$T/g.yaml" > /dev/null 2> "$T/err" || fail "getuid32: exit $?: $(cat "$T/err")"
events "$T/g.nxr" > /dev/null
got=$(awk '$1 == "syscall" { for (i = 2; i <= NF; i++) if ($i ~ /^nr=/) print substr($i, 4) }' "$T/g.nxr.txt" | tr '\n' ' ')
[ "$got" = "110 $GETUID32 110 " ] || fail "Syscalls [getppid, getuid32]: '$got', want '110 $GETUID32 110 '"
config "$T/h.yaml" "$FX/fx_ia32" "Syscalls:" '  - getuid32: "ret == 0"'
"$REC" -q -o "$T/h.nxr" "$T/h.yaml" > /dev/null 2> "$T/err" && fail "a filter on getuid32 was accepted"
grep -q "getuid32 is i386-only: a filter needs a syscall with an x86-64 number" "$T/err" ||
	fail "getuid32 filter: $(cat "$T/err")"
ok "Syscalls: [getppid, getuid32] keeps the i386-only getuid32 and nothing else; a filter on it is refused"

# a one-line spec: its predicate (a kernel filter) and its print format meet
# the ia32 write by name
"$REC" -q -o "$T/w.nxr" -e 'sys_write (arg1 == 1) "wrote %d bytes", arg3' -- "$FX/fx32_hello" > /dev/null 2> "$T/err" ||
	fail "-e sys_write: exit $?: $(cat "$T/err")"
[ "$("$DUMP" "$T/w.nxr" | grep -c ' fx32_hello .* write: wrote 16 bytes = 16 ')" = 1 ] ||
	fail "-e sys_write print format on the ia32 write: $("$DUMP" "$T/w.nxr" | grep -i write)"
ok "-e 'sys_write (arg1 == 1) \"wrote %d bytes\", arg3': the ia32 write kept and printed"

# (b) a real 32-bit process
config "$T/b.yaml" "$FX/fx32_hello a bb" "Payloads: {write: 64}"
"$REC" -q -o "$T/b.nxr" "$T/b.yaml" > "$T/b.out" 2> "$T/err" || fail "fx32_hello: exit $?: $(cat "$T/err")"
[ "$(cat "$T/b.out")" = "hello from i386" ] || fail "fx32_hello wrote '$(cat "$T/b.out")'"
events "$T/b.nxr" > /dev/null
ex=$(grep '^exec .* comm=fx32_hello ' "$T/b.nxr.txt") || fail "no exec of fx32_hello"
[ "$(field "$ex" filename)" = "$FX/fx32_hello" ] || fail "exec: $ex"
pid=$(field "$ex" pid)
got=$(awk -v p="pid=$pid" '$1 == "exec" && $2 == p { on = 1 }
	on && $1 == "syscall" && $2 == p { for (i = 2; i <= NF; i++) if ($i ~ /^nr=/ && $i != "nr=59") print substr($i, 4) }' "$T/b.nxr.txt" | tr '\n' ' ')
[ "$got" = "$GETPID $WRITE $OPENAT $CLOSE $EXITG " ] || fail "fx32_hello after its exec: '$got', want '$GETPID $WRITE $OPENAT $CLOSE $EXITG '"
"$DUMP" "$T/b.nxr" > "$T/b.dump"
grep -q " fx32_hello $pid/$pid getpid(.*) = $pid " "$T/b.dump" || fail "nexus-dump: no getpid = $pid"
grep -q " fx32_hello $pid/$pid exit_group(0, .*) = ?" "$T/b.dump" || fail "nexus-dump: no exit_group(0, ...) = ?"
for want in 'write(1, "hello from i386\n", 16) = 16' 'openat(AT_FDCWD, "/dev/null", O_RDONLY) = 3' \
	'close(3) = 0'; do
	grep -qF " fx32_hello $pid/$pid $want" "$T/b.dump" || fail "nexus-dump has no '$want': $(grep -F "$pid/" "$T/b.dump" | tail -n 6)"
done
grep -qF " fx32_hello $pid/$pid execve(\"$FX/fx32_hello\", [\"$FX/fx32_hello\", \"a\", \"bb\"], 0x" "$T/b.dump" ||
	fail "the exec of the 32-bit image: argv not read as 4-byte pointers: $(grep -F 'execve(' "$T/b.dump")"
ok "a 32-bit program: its exec (argv from its 32-bit stack), then exactly its five i386 syscalls, named"

# execs by a 32-bit process: argv of 4-byte pointers in its memory (a failed
# exec), then a 64-bit image's (a successful one)
[ -x "$FX/fx32_exec" ] || fail "$FX/fx32_exec is not built"
config "$T/e.yaml" "$FX/fx32_exec"
"$REC" -q -o "$T/e.nxr" "$T/e.yaml" > /dev/null 2> "$T/err" || fail "fx32_exec: exit $?: $(cat "$T/err")"
"$DUMP" "$T/e.nxr" > "$T/e.dump"
grep -qF ' execve("/nonexistent/fx32", ["fx32", "a1", "bb2"], NULL) = -1 ENOENT ' "$T/e.dump" ||
	fail "ia32 execve that failed: $(grep -F 'execve(' "$T/e.dump")"
grep -qF ' execve("/bin/true", ["true", "z3"], NULL) = 0 ' "$T/e.dump" ||
	fail "ia32 execve of a 64-bit image: $(grep -F 'execve(' "$T/e.dump")"
[ "$("$CHECK" "$T/e.nxr" | grep -c "^syscall .* nr=$((IA | 11)) ")" = 2 ] || fail "not two ia32 execve (nr $((IA | 11)))"
ok "execve from a 32-bit process: argv of 4-byte pointers (failed), of the new 64-bit image (succeeded)"
