#!/bin/bash
# t31: the generated bpftrace program, run by bpftrace on a fixture whose
# calls are known, prints exactly the calls the config's manual triggers
# select (OR-ed, our arg2 as bpftrace's arg1), every call of a function whose
# only trigger bpftrace cannot express, the return values a uretprobe trigger
# selects, a forked child's calls (Follow), nothing from the same binary run
# outside the traced tree, and the Syscalls list's syscalls only.
. "$(dirname "$0")/reclib.bash"
. "$(dirname "$0")/bpflib.bash"
N=12
fxcfg "$T/c.yaml" "$FX/fx_bpfscript $N fork" "Syscalls: [wait4]"
"$REC" --emit-bpftrace "$T/p.bt" "$T/c.yaml" 2> "$T/err" || fail "emit: exit $?: $(cat "$T/err")"

# the same binary, run in a loop outside the traced tree: never printed
( while :; do "$FX/fx_bpfscript" 3 fork; done ) &
KILL_PIDS="$!"
bt -c "$FX/fx_bpfscript $N fork" "$T/p.bt" > "$T/out" 2> "$T/bt.err"
rc=$?
kill -9 $KILL_PIDS 2>/dev/null
wait 2>/dev/null
[ $rc = 99 ] && skip "tracefs cannot be mounted here"
[ $rc = 0 ] || fail "bpftrace exited $rc: $(grep -v MEMLOCK "$T/bt.err" | head -n 5)"

ex=$(grep "^exec $FX/fx_bpfscript " "$T/out")
[ "$(wc -l <<< "$ex")" = 1 ] || fail "want one exec line: $ex"
sp=$(field "$ex" pid)
fk=$(grep '^fork ' "$T/out")
[ "$(wc -l <<< "$fk")" = 1 ] && [ "$(field "$fk" pid)" = "$sp" ] ||
	fail "want one fork by $sp: $fk"
cp=$(field "$fk" child)
ok "exec of $sp, fork of $cp"

grep -E '^(call|return) ' "$T/out" | grep -v " pid=$sp tid=$sp comm=fx_bpfscript\$" |
	grep -v " pid=$cp tid=$cp comm=fx_bpfscript\$" > "$T/strays"
[ ! -s "$T/strays" ] || fail "calls of untraced processes: $(head -n 3 "$T/strays")"
calls() { grep -E "^(call|return) .* pid=$1 " "$T/out" | sed 's/ pid=.*//' | sort; }
want_calls $N | sort > "$T/want.parent"
calls "$sp" > "$T/got.parent"
diff "$T/want.parent" "$T/got.parent" > "$T/diff" || fail "parent's calls differ: $(cat "$T/diff")"
[ "$(wc -l < "$T/got.parent")" = 21 ] || fail "$(wc -l < "$T/got.parent") parent calls, want 21"
printf 'call fxb_op(100, 21532, 7, 0, 0, 0)\nreturn fxb_ret = -100\n' | sort > "$T/want.child"
calls "$cp" > "$T/got.child"
diff "$T/want.child" "$T/got.child" > "$T/diff" || fail "child's calls differ: $(cat "$T/diff")"
ok "the 21 triggered calls of the parent and the child's 2 printed, nothing else"

sy=$(grep '^sys_' "$T/out")
[ "$(grep -c "^sys_enter wait4($cp, .* pid=$sp " <<< "$sy")" = 1 ] &&
	[ "$(grep -c "^sys_exit wait4 = $cp pid=$sp " <<< "$sy")" = 1 ] &&
	[ "$(wc -l <<< "$sy")" = 2 ] || fail "want one wait4 enter and exit, nothing else: $sy"
[ "$(grep -c "^exit pid=$cp " "$T/out")" = 1 ] && [ "$(grep -c "^exit pid=$sp " "$T/out")" = 1 ] ||
	fail "exit lines: $(grep '^exit' "$T/out")"
ok "Syscalls: [wait4] gives the parent's one wait4 returning the child; one exit each"

# Syscalls: all (the default): bpftrace compiles the name table of every
# syscall this build knows, and prints the fixture's syscalls by name, its
# child's too, and no other process's; execve's path at its exit is the
# new stack's file name.
config "$T/all.yaml" "$FX/fx_bpfscript 2 fork"
"$REC" --emit-bpftrace "$T/all.bt" "$T/all.yaml" || fail "emit: exit $?"
bt -c "$FX/fx_bpfscript 2 fork" "$T/all.bt" > "$T/all.out" 2> "$T/all.err" ||
	fail "bpftrace exited $?: $(grep -v MEMLOCK "$T/all.err" | head -n 5)"
ex=$(grep "^exec $FX/fx_bpfscript " "$T/all.out")
sp=$(field "$ex" pid)
cp=$(grep "^fork .* pid=$sp " "$T/all.out" | sed 's/^fork child=\([0-9]*\) .*/\1/')
[ -n "$sp" ] && [ -n "$cp" ] || fail "no exec and fork: $(head -n 5 "$T/all.out")"
grep '^sys_' "$T/all.out" | grep -v " pid=$sp " | grep -v " pid=$cp " > "$T/strays"
[ ! -s "$T/strays" ] || fail "syscalls of other processes: $(head -n 3 "$T/strays")"
! grep -qE '^sys_(enter \(|exit  =)' "$T/all.out" || fail "a syscall without a name: $(grep -m1 -E '^sys_(enter \(|exit  =)' "$T/all.out")"
for want in "sys_exit execve = 0 arg1=\"$FX/fx_bpfscript\" pid=$sp " "sys_enter clone(.* pid=$sp " "sys_enter wait4($cp, .* pid=$sp " \
	"sys_enter exit_group(0, .* pid=$sp " "sys_enter exit_group(0, .* pid=$cp "; do
	grep -q "^$want" "$T/all.out" || fail "no line '$want'"
done
ok "Syscalls: all: $(grep -c '^sys_enter' "$T/all.out") syscalls by name, the fixture's and its child's only"
