#!/bin/bash
# t17: parts of a config this build checks but does not act on are said, not
# dropped: nothing is left unsaid, ScriptPath is written, and the syscalls
# are still recorded beside the Targets (t2*: uprobes). With -p, a config
# needs no Command.
. "$(dirname "$0")/reclib.bash"
config "$T/c.yaml" "$FX/fx_loop getppid 10" "ScriptPath: $T/s.bt" \
	"Targets:" "- FilePath: $FX/libfxcalls.so" "  Functions:" "    - Func: fx_add" "      Triggers: [arg1 == 1]"
"$REC" -q -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "exit $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "nexus-record -q said: $(cat "$T/err")"
grep -q "^uprobe:\"$FX/libfxcalls.so\":fx_add\$" "$T/s.bt" || fail "ScriptPath not written (t30, t31 test it)"
n=$("$CHECK" "$T/r.nxr" | grep -c '^syscall .* nr=110 ')
[ "$n" = 10 ] || fail "$n getppid recorded, want 10"
ok "no warning, ScriptPath written; 10 getppid recorded"

printf 'TraceCondition:\n  Sudo: True\n' > "$T/nocmd.yaml"
sleep 30 & sp=$!
KILL_PIDS="$sp"
"$REC" -q -d 0.3 -p "$sp" -o "$T/p.nxr" "$T/nocmd.yaml" 2> "$T/err2" || fail "-p without Command: exit $?: $(cat "$T/err2")"
"$CHECK" "$T/p.nxr" | grep -q "^exec .*pid=$sp .*flags=1" || fail "-p $sp: no synthetic exec of the sleeping process"
ok "-p with a config that has no Command"
