#!/bin/bash
# t34: the example config of DESIGN.md (libc's ioctl with `arg2 == 0x541c`,
# `auto arg1 arg2`, `cpu`) as a bpftrace program, run on fx_ioctl (six ioctl
# calls, three with request 0x541c, on fds 3, 4, 5: tests/fixtures/fx_ioctl.c)
# while other processes call ioctl: bpftrace prints exactly those three, the
# calls nexus-record tags with the manual trigger's bit for the same config;
# the program says why auto and cpu are not in its filter.
. "$(dirname "$0")/reclib.bash"
. "$(dirname "$0")/bpflib.bash"
[ -x "$FX/fx_ioctl" ] || skip "$FX/fx_ioctl is not built"
LIBC=$(ldd "$FX/fx_ioctl" | awk '$1 ~ /^libc\.so/ { print $3 }')
[ -f "$LIBC" ] || skip "cannot find the libc of fx_ioctl"

( for i in $(seq 300); do stty -F /dev/null 2> /dev/null; sleep 0.01; done ) &
KILL_PIDS=$!
disown
config "$T/c.yaml" "$FX/fx_ioctl" "Syscalls: none" "Targets:" "- FilePath: $LIBC" "  Functions:" \
	"    - Func: ioctl" "      HookType: uprobe" "      Triggers:" \
	"        - arg2 == 0x541c" "        - auto arg1 arg2" "        - cpu"
"$REC" --emit-bpftrace "$T/c.bt" "$T/c.yaml" || fail "emit: exit $?"
grep -qx "// trigger 'auto arg1 arg2': rare-value detection (auto) has no bpftrace equivalent: not in the filter" "$T/c.bt" &&
	grep -qx "// trigger 'cpu': a health trigger (cpu, disk) has no bpftrace equivalent: not in the filter" "$T/c.bt" ||
	fail "the program does not say why auto and cpu are left out"

bt -c "$FX/fx_ioctl" "$T/c.bt" > "$T/out" 2> "$T/out.err"
rc=$?
[ $rc = 99 ] && skip "tracefs cannot be mounted here"
[ $rc = 0 ] || fail "bpftrace exited $rc: $(grep -v MEMLOCK "$T/out.err" | head -n 5)"
sp=$(grep "^exec $FX/fx_ioctl " "$T/out" | sed 's/.* pid=\([0-9]*\) .*/\1/')
[ -n "$sp" ] || fail "no exec of fx_ioctl: $(head -n 3 "$T/out")"
# pid:fd:request of each call, the fd named by its order of appearance (a
# process bpftrace -c starts inherits one of bpftrace's descriptors, so its
# numbers are not nexus's), arg3 left out (a pointer, different per run)
fdorder() { awk -F: '{ if (!($2 in n)) n[$2] = sprintf("fd%d", ++k); printf "%s:%s:%s ", $1, n[$2], $3 }'; }
got=$(grep '^call ioctl(' "$T/out" | sed "s/^call ioctl(\([0-9-]*\), \([0-9-]*\), .* pid=\([0-9]*\) .*/\3:\1:\2/" | fdorder)
[ "$got" = "$sp:fd1:21532 $sp:fd2:21532 $sp:fd3:21532 " ] || fail "bpftrace printed: $got (fx_ioctl is $sp)"
ok "bpftrace: the 3 ioctl calls of fx_ioctl with 0x541c, none of the other processes'"

"$REC" -q -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "nexus-record: exit $?: $(cat "$T/err")"
events "$T/r.nxr" > "$T/ev"
np=$(awk '$1 == "exec" { sub(/pid=/, "", $2); print $2; exit }' "$T/ev")
tagged=$(awk -v p="$np" '$1 == "call" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	if (f["triggers"] % 2) printf "%s:%d:%d\n", (f["pid"] == p ? "P" : f["pid"]), f["arg1"], f["arg2"] }' "$T/ev" | fdorder)
[ "$tagged" = "${got//$sp:/P:}" ] || fail "nexus tagged $tagged, bpftrace printed ${got//$sp:/P:}"
ok "nexus-record tags (trigger bit 0) the same 3 calls bpftrace printed"
