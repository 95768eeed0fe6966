#!/bin/bash
# t73: a one-line uprobe spec end to end. -e 'p:c:ioctl (arg2 == 0x541c)' on
# fx_ioctl (six ioctl calls, three with request 0x541c on fds 3, 4, 5; see
# tests/fixtures/fx_ioctl.c) with no config: c is found through the loader's
# cache, the predicate filters in the kernel (Mode triggered, as in BCC), so
# exactly the three matching calls are recorded and three counted filtered;
# the format's %s captures arg3 and nexus-dump prints each call with it.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_ioctl" ] || skip "fixture fx_ioctl not built (uprobe capture, branch uprobe, not merged)"
DUMP="$O/nexus-dump"

"$REC" -q -o "$T/r.nxr" -e 'p:c:ioctl (arg2 == 0x541c) "TIOCSTI %s on fd %d", arg3, arg1' \
	-- "$FX/fx_ioctl" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/r.nxr" > "$T/ev"
pid=$(awk '$1 == "exec" { sub(/pid=/, "", $2); print $2; exit }' "$T/ev")
[ -n "$pid" ] || fail "no exec of fx_ioctl recorded"
got=$(awk '$1 == "call" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "%s:%d:%x ", f["pid"], f["arg1"], f["arg2"] }' "$T/ev")
want="$pid:3:541c $pid:4:541c $pid:5:541c "
[ "$got" = "$want" ] || fail "calls (pid:fd:request):
  got  $got
  want $want"
f=$(awk '$1 == "filter" { sub(/.*count=/, ""); sub(/ .*/, ""); n += $0 } END { print n + 0 }' "$T/ev")
[ "$f" = 3 ] || fail "$f calls counted filtered, want 3"
[ "$(grep -c '^syscall ' "$T/ev")" = 0 ] || fail "syscalls recorded though no spec names one"
ok "exactly the 3 ioctl calls with 0x541c recorded, 3 filtered"

"$DUMP" "$T/r.nxr" | grep -oE 'call ioctl: TIOCSTI [xyz] on fd [0-9]+' > "$T/lines"
printf 'call ioctl: TIOCSTI x on fd 3\ncall ioctl: TIOCSTI y on fd 4\ncall ioctl: TIOCSTI z on fd 5\n' > "$T/want"
diff "$T/want" "$T/lines" > "$T/diff" || fail "nexus-dump lines: $(cat "$T/diff")"
ok "nexus-dump prints the calls with the spec's format, the string of arg3 captured"

# process filters apply to function calls too: judged out, nothing of fx_ioctl
"$REC" -q -o "$T/f.nxr" -e 'p:c:ioctl' --comm 'fx_io*' -- "$FX/fx_ioctl" 2> "$T/err" || fail "--comm: exit $?: $(cat "$T/err")"
n=$("$CHECK" "$T/f.nxr" | grep -c '^call ')
[ "$n" = 6 ] || fail "--comm 'fx_io*': $n ioctl calls, want 6"
"$REC" -q -o "$T/g.nxr" -e 'p:c:ioctl' --comm 'fx_io*' --uid 65534 -- "$FX/fx_ioctl" 2> "$T/err" || fail "--uid: exit $?"
n=$("$CHECK" "$T/g.nxr" | grep -cE '^(call|exec|syscall) ')
[ "$n" = 0 ] || fail "--uid 65534 (fx_ioctl runs as root): $n events recorded, want 0"
ok "--comm 'fx_io*' keeps the 6 calls; --uid 65534 none"
