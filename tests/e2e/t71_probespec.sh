#!/bin/bash
# t71: nexus-record -e SPEC. Bad specs: one line naming the spec and the column
# at fault, exit 2, no file, nothing loaded. --print-config prints YAML that
# loads back (printed again it is the same). A recording made with -e holds
# only the syscalls the specs name, its header keeps the config that ran and
# the print formats, and nexus-dump prints the calls with them.
. "$(dirname "$0")/reclib.bash"
DUMP="$O/nexus-dump"
[ -x "$DUMP" ] || skip "$DUMP is not built"

bad() {	# bad SPEC LINE: exit 2, exactly LINE on stderr, no output file
	"$REC" -q -o "$T/bad.nxr" -e "$1" -- /bin/true > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc = 2 ] || fail "-e '$1': exit $rc, want 2: $(cat "$T/err")"
	[ "$(cat "$T/err")" = "nexus-record: -e '$1': $2" ] || fail "-e '$1':
  got:  $(cat "$T/err")
  want: nexus-record: -e '$1': $2"
	[ ! -e "$T/bad.nxr" ] || fail "-e '$1' left a file"
}
bad 'p:c:ioctl (arg7 == 1)' "column 12: no such argument 'arg7' (arg1..arg6)"
bad 'sys_reed' "column 5: unknown syscall 'reed'"
bad 'u:lib:usdt_probe' "column 1: USDT probes (u:lib:usdt_probe) are not supported by this build: use p:LIB:FUNC on a function"
bad 'vfs_read' "column 1: 'vfs_read' is a kernel function: nexus traces syscalls (sys_NAME) and user functions (p:LIB:FUNC), not kprobes"
bad 'sys_read (arg3 > 1' "column 19: unbalanced parenthesis: expected ')' to close the '(' at column 10, found end of text"
bad 'r:c:malloc "%s", ret' "column 13: %s needs an argument whose string can be captured, not ret"
bad 'p:nosuchlib_nx:f' "column 3: library 'nosuchlib_nx' not found (no libnosuchlib_nx.so* in /etc/ld.so.cache nor in the default folders), nor a program 'nosuchlib_nx' in PATH"
ok "bad specs: one line with the column, exit 2, no file"

# --print-config: YAML, no recording; printed again from the file, the same YAML
"$REC" -e 'p:c:ioctl (arg2 == 0x541c) "ioctl %x on fd %d", arg2, arg1' -e 'r:c:malloc (ret == 0)' \
	-e 'p:c:fopen "open %s", arg1' -e 'sys_write (arg3 > 3) "wrote %d", arg3' --comm 'fx_*' --uid 0 \
	--print-config -- "$FX/fx_loop" rw 3 > "$T/a.yaml" 2> "$T/err" || fail "--print-config: $(cat "$T/err")"
libc=$(ldconfig -p | awk '$1 ~ /^libc\.so\./ && /x86-64|AArch64|64bit/ { print $NF; exit }')
[ -n "$libc" ] || libc=$(ldconfig -p | awk '$1 ~ /^libc\.so\./ { print $NF; exit }')
grep -qx "  - FilePath: \"$libc\"" "$T/a.yaml" || fail "c is not $libc (ldconfig -p): $(cat "$T/a.yaml")"
grep -qx '  Mode: triggered' "$T/a.yaml" || fail "a predicate did not make Mode triggered"
grep -qx '    - write: {Trigger: "arg3 > 3"}' "$T/a.yaml" || fail "no filter on write: $(cat "$T/a.yaml")"
"$REC" --print-config "$T/a.yaml" > "$T/b.yaml" 2> "$T/err" || fail "printed config does not load: $(cat "$T/err")"
diff <(grep -v '^#' "$T/a.yaml") <(grep -v '^#' "$T/b.yaml") > "$T/diff" || fail "loaded back differently: $(cat "$T/diff")"
ok "--print-config loads back to the same YAML ($(wc -l < "$T/a.yaml") lines)"

# a recording from specs alone: only the named syscalls; formats in the dump
"$REC" -q -o "$T/r.nxr" -e 'sys_write "wrote %d byte to fd %d", arg3, arg1' -e 'r::sys_getppid' \
	-- "$FX/fx_loop" rw 3 2> "$T/err" || fail "record: exit $?: $(cat "$T/err")"
events "$T/r.nxr" > /dev/null
others=$(awk '$1 == "syscall" { for (i = 2; i <= NF; i++) if ($i ~ /^nr=/) print $i }' "$T/r.nxr.txt" |
	grep -vx 'nr=1' | grep -vx 'nr=110' | sort | uniq -c)
[ -z "$others" ] || fail "syscalls the specs do not name were recorded: $others"
nw=$(grep -c '^syscall .* nr=1 ' "$T/r.nxr.txt")
[ "$nw" = 3 ] || fail "$nw write recorded, want 3"
grep -q '^exec ' "$T/r.nxr.txt" || fail "no exec event: process events must stay"
"$DUMP" "$T/r.nxr" > "$T/dump" || fail "nexus-dump failed"
n=$(grep -cE '^[0-9.]+ fx_loop [0-9]+/[0-9]+ write: wrote 1 byte to fd [0-9]+ = 1 <' "$T/dump")
[ "$n" = 3 ] || fail "$n dump lines with the format, want 3: $(grep write "$T/dump")"
"$DUMP" --json "$T/r.nxr" | grep -c '"name":"write","message":"wrote 1 byte to fd' | grep -qx 3 ||
	fail "JSON has no message for the 3 writes"
"$O/nexus-query" -f csv --db "$T/r.sqlite" "$T/r.nxr" "SELECT value FROM meta WHERE key = 'config_text'" > "$T/cfg" ||
	fail "nexus-query failed"
grep -q '^  Syscalls: \[write, getppid\]$' "$T/cfg" && grep -q "^#   -e 'sys_write" "$T/cfg" ||
	fail "the header does not hold the config that ran: $(cat "$T/cfg")"
ok "only write and getppid recorded; 3 writes printed with their format; the config is in the header"

# with a config recording every syscall, a syscall spec filters that syscall
# and every other syscall is still recorded
printf 'TraceCondition:\n  Command: %s rw 3\n  Sudo: True\n' "$FX/fx_loop" > "$T/all.yaml"
"$REC" -q -o "$T/all.nxr" -e 'sys_write (arg3 > 1)' "$T/all.yaml" 2> "$T/err" || fail "config + -e: exit $?: $(cat "$T/err")"
events "$T/all.nxr" > /dev/null
[ "$(grep -c '^syscall .* nr=1 ' "$T/all.nxr.txt")" = 0 ] || fail "config + -e: 1-byte writes not filtered"
[ "$(grep -c '^syscall .* nr=0 ' "$T/all.nxr.txt")" -ge 3 ] || fail "config + -e: the reads of an 'all' config are gone"
"$REC" --print-config -e 'sys_write (arg3 > 1)' "$T/all.yaml" | grep -q '^    - all$' ||
	fail "config + -e: --print-config does not keep all: $("$REC" --print-config -e 'sys_write (arg3 > 1)' "$T/all.yaml")"
ok "a config recording every syscall keeps doing so with -e; the spec filters its syscall"

# a syscall predicate filters in the kernel: p: over the arguments, r: over ret
"$REC" -q -o "$T/f.nxr" -e 'sys_write (arg1 == 1 && arg3 > 3) "wrote %d", arg3' \
	-e 'r::sys_openat (ret < 0) "open %s failed", arg2' \
	-- sh -c 'printf ab; printf abcdef; printf xyz12345; cat /nonexistent_nx_t71 2>/dev/null; exit 0' > /dev/null
events "$T/f.nxr" > /dev/null
got=$(awk '$1 == "syscall" && / nr=1 / { for (i = 2; i <= NF; i++) if ($i ~ /^arg3=/) printf "%s ", $i }' "$T/f.nxr.txt")
[ "$got" = "arg3=6 arg3=8 " ] || fail "writes kept: $got, want the 6- and 8-byte ones to stdout only"
n=$(awk '$1 == "syscall" && / nr=257 / && !/ ret=-/' "$T/f.nxr.txt" | wc -l)
[ "$n" = 0 ] || fail "$n successful openat recorded under (ret < 0)"
"$DUMP" "$T/f.nxr" > "$T/fdump"
grep -q 'openat: open /nonexistent_nx_t71 failed = -1 ENOENT' "$T/fdump" || fail "no failed openat of /nonexistent_nx_t71 in the dump"
nf=$(sed -n 's/^[0-9.]* \[FILTERED \([0-9]*\) events, syscall write\]$/\1/p' "$T/fdump" | awk '{ n += $1 } END { print n + 0 }')
[ "$nf" -ge 1 ] || fail "the dropped 2-byte write is not counted"
ok "sys_write (arg1 == 1 && arg3 > 3) kept the 6- and 8-byte writes ($nf filtered); r::sys_openat (ret < 0) only failures, printed with the path"
# the %s of a syscall reads its path in JSON too, and with --type syscall
"$DUMP" --json "$T/f.nxr" | grep '"name":"openat"' | grep -q '"message":"open /nonexistent_nx_t71 failed"' ||
	fail "JSON message of the failed openat has no path: $("$DUMP" --json "$T/f.nxr" | grep '"name":"openat"')"
"$DUMP" --type syscall "$T/f.nxr" | grep -q 'openat: open /nonexistent_nx_t71 failed' ||
	fail "--type syscall lost the openat's path"
ok "%s of a syscall reads its payload in JSON and under --type syscall"

# "-- COMMAND ARGS": the argv reaches the command unchanged, and --print-config
# quotes it so that the YAML's Command splits back into the same argv
arg="a b'c\"d\\e"
"$REC" -q -o "$T/c1.nxr" -e sys_getppid -- sh -c 'test "$1" = "$2" && exit 7' sh "$arg" "$arg" 2> "$T/err"
rc=$?
[ $rc = 7 ] || fail "-- sh -c ...: exit $rc, want 7 (argv changed on the way): $(cat "$T/err")"
"$REC" -e sys_getppid --print-config -- sh -c 'test "$1" = "$2" && exit 7' sh "$arg" "$arg" > "$T/cmd.yaml"
sed -i 's/^  Sudo: false$/  Sudo: true/' "$T/cmd.yaml"
"$REC" -q -o "$T/c2.nxr" "$T/cmd.yaml" 2> "$T/err"
rc=$?
[ $rc = 7 ] || fail "the printed Command: exit $rc, want 7: $(grep Command "$T/cmd.yaml")"
ok "-- COMMAND keeps its argv, and its printed Command splits back to it"
