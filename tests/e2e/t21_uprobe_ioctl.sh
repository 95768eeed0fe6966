#!/bin/bash
# t21: the example config of DESIGN.md (libc's ioctl, triggers
# `arg2 == 0x541c`, `auto arg1 arg2`, `cpu`) pointed at fx_ioctl, which makes
# six ioctl calls, three with request 0x541c (tests/fixtures/fx_ioctl.c):
# exactly those three have trigger bit 0; only fx_ioctl's calls are recorded
# although every process's ioctl is hooked; in Mode triggered with the manual
# trigger alone, exactly those three are kept and three are counted filtered.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_ioctl" ] || skip "fixtures not built"
LIBC=$(ldd "$FX/fx_ioctl" | awk '$1 ~ /^libc\.so/ { print $3 }')
[ -f "$LIBC" ] || skip "cannot find the libc of fx_ioctl"

# background noise: other processes calling ioctl while we record
( for i in $(seq 200); do stty -F /dev/null 2>/dev/null; sleep 0.01; done ) &
KILL_PIDS=$!
disown

config "$T/c.yaml" "$FX/fx_ioctl" "Targets:" "- FilePath: $LIBC" "  Functions:" \
	"    - Func: ioctl" "      HookType: uprobe" "      Triggers:" \
	"        - arg2 == 0x541c" "        - auto arg1 arg2" "        - cpu"
"$REC" -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/r.nxr" > "$T/ev"
pid=$(awk '$1 == "exec" { sub(/pid=/, "", $2); print $2; exit }' "$T/ev")
[ -n "$pid" ] || fail "no exec of fx_ioctl recorded"
got=$(awk '$1 == "call" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "%s:%d:%x:%d ", f["pid"], f["arg1"], f["arg2"], f["triggers"] % 2 }' "$T/ev")
want="$pid:3:5401:0 $pid:3:541c:1 $pid:4:541b:0 $pid:4:541c:1 $pid:3:5413:0 $pid:5:541c:1 "
[ "$got" = "$want" ] || fail "full mode calls (pid:fd:request:bit0):
  got  $got
  want $want"
bad=$(grep '^call ' "$T/ev" | grep -v ' triggers=[0-9]*[13579] ' | grep -c 'arg2=21532 ')
[ "$bad" = 0 ] || fail "$bad calls with 0x541c not tagged"
ok "full: 6 ioctl calls of fx_ioctl only, bit 0 on exactly the 3 with 0x541c"

config "$T/t.yaml" "$FX/fx_ioctl" "Mode: triggered" "Targets:" "- FilePath: $LIBC" "  Functions:" \
	"    - Func: ioctl" "      Triggers: [arg2 == 0x541c]"
"$REC" -o "$T/t.nxr" "$T/t.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/t.nxr" > "$T/tev"
got=$(awk '$1 == "call" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } printf "%d:%x ", f["arg1"], f["arg2"] }' "$T/tev")
[ "$got" = "3:541c 4:541c 5:541c " ] || fail "triggered: kept $got"
f=$(awk '$1 == "filter" { sub(/.*count=/, ""); sub(/ .*/, ""); n += $0 } END { print n + 0 }' "$T/tev")
[ "$f" = 3 ] || fail "triggered: $f calls counted filtered, want 3"
ok "triggered: the 3 calls with 0x541c kept, 3 counted filtered"
