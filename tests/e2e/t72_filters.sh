#!/bin/bash
# t72: process filters judged in the kernel. --comm (exact and glob), --uid,
# both together (they AND), and Filter.Pid in the YAML with NoExec '*' (every
# process): only the matching processes' events are recorded, and exactly
# their syscalls; processes filtered out are still followed (their matching
# children are recorded) and waited for (the run ends when they exit).
. "$(dirname "$0")/reclib.bash"
command -v setpriv > /dev/null || skip "setpriv (util-linux) is not installed"
L="$FX/fx_loop"

# check FILE WANT_GETPPID WANT_EXECS COMM_RE [UID]: every event belongs to a
# process whose exec matched, and the counts are exact
check() {
	local f=$1 want=$2 wexec=$3 re=$4 uid=${5:-}
	events "$f" > /dev/null
	awk -v re="$re" -v uid="$uid" '
		$1 == "exec" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			if (v["comm"] !~ re) { print "exec of " v["comm"]; bad = 1 }
			if (uid != "" && v["uid"] != uid) { print "exec with uid " v["uid"]; bad = 1 }
			ok[v["pid"]] = 1 }
		$1 == "syscall" || $1 == "fork" || $1 == "exit" { split($2, p, "=");
			if (!(p[2] in ok)) { print "event of pid " p[2] " before or without a matching exec: " $0; bad = 1 } }
		END { exit bad }' "$f.txt" > "$f.bad" || fail "$f: $(head -n 3 "$f.bad")"
	n=$(grep -c '^syscall .* nr=110 ' "$f.txt")
	[ "$n" = "$want" ] || fail "$f: $n getppid recorded, want $want"
	n=$(grep -c '^exec ' "$f.txt")
	[ "$n" = "$wexec" ] || fail "$f: $n exec recorded, want $wexec"
}

# --comm glob: sh and true are traced (followed) but not recorded
"$REC" -q -o "$T/comm.nxr" --comm 'fx_l*' -- sh -c "$L getppid 5; /bin/true; $L getppid 3; exit 0" 2> "$T/err" ||
	fail "--comm: exit $?: $(cat "$T/err")"
check "$T/comm.nxr" 8 2 '^fx_loop$'
"$REC" -q -o "$T/exact.nxr" --comm true --comm nomatch -- sh -c "$L getppid 5; /bin/true; exit 0" 2> "$T/err" ||
	fail "--comm exact: exit $?"
check "$T/exact.nxr" 0 1 '^true$'
ok "--comm 'fx_l*' and --comm true: only those processes, all of their syscalls"

# the kernel's glob walk on more patterns, against the name fx_loop (sh is never it)
for pm in '*_l??p:3' 'f*o*p:3' '*:3' '*p:3' 'fx_loo:0' '?x_loop?:0' 'fx_loop*:3' '*x*x*:0'; do
	pat=${pm%:*} want=${pm##*:}
	"$REC" -q -o "$T/g.nxr" -f --comm "$pat" -- sh -c "$L getppid 3; exit 0" 2> "$T/err" ||
		fail "--comm '$pat': exit $?: $(cat "$T/err")"
	n=$("$CHECK" "$T/g.nxr" | awk '$1 == "exec" && / comm=fx_loop / { sub(/pid=/, "", $2); p[$2] = 1 }
		$1 == "syscall" && / nr=110 / { sub(/pid=/, "", $2); if ($2 in p) n++ } END { print n + 0 }')
	[ "$n" = "$want" ] || fail "--comm '$pat': $n getppid of fx_loop recorded, want $want"
	if [ "$pat" != '*' ]; then
		"$CHECK" "$T/g.nxr" | grep -q '^exec .*comm=sh ' && fail "--comm '$pat' recorded sh"
	fi
done
ok "globs judged in the kernel: *_l??p f*o*p * *p fx_loop* match fx_loop; fx_loo ?x_loop? *x*x* do not"

# --uid: the same program as root and as nobody (setpriv changes uid, then execs)
cmd="$L getppid 2; setpriv --reuid=65534 --regid=65534 --clear-groups $L getppid 4; exit 0"
"$REC" -q -o "$T/uid.nxr" --uid 65534 -- sh -c "$cmd" 2> "$T/err" || fail "--uid: exit $?: $(cat "$T/err")"
check "$T/uid.nxr" 4 1 '^fx_loop$' 65534
"$REC" -q -o "$T/and.nxr" --uid 0 --comm fx_loop -- sh -c "$cmd" 2> "$T/err" || fail "--uid --comm: exit $?"
check "$T/and.nxr" 2 1 '^fx_loop$' 0
ok "--uid 65534 records the nobody run only; --uid 0 --comm fx_loop the root run only"

# Filter.Pid with NoExec '*': one running process out of all
"$L" sleep 50 40 & lp=$!
sleep 5 & sp=$!
KILL_PIDS="$lp $sp"
sleep 0.2
printf 'TraceCondition:\n  Command: "*"\n  NoExec: true\n  Filter:\n    Pid: [%s]\n' "$lp" > "$T/pid.yaml"
"$REC" -q -d 1 -o "$T/pid.nxr" "$T/pid.yaml" 2> "$T/err" || fail "Filter.Pid: exit $?: $(cat "$T/err")"
events "$T/pid.nxr" > /dev/null
others=$(awk '$1 != "meta" && $1 != "stats" && $1 != "loss" { split($2, p, "="); if (p[2] != "'"$lp"'") print p[2] }' "$T/pid.nxr.txt" | sort -u | head)
[ -z "$others" ] || fail "Filter.Pid $lp: events of other pids: $others"
grep -q "^exec pid=$lp .*flags=1" "$T/pid.nxr.txt" || fail "no synthetic exec of $lp"
[ "$(grep -c '^exec ' "$T/pid.nxr.txt")" = 1 ] || fail "synthetic execs of processes the filter excludes"
n=$(grep -c "^syscall pid=$lp .* nr=110 " "$T/pid.nxr.txt")
[ "$n" -ge 5 ] || fail "only $n getppid of $lp in 1 s (it makes one every 50 ms)"
ok "Filter.Pid $lp among every process: only it ($n getppid)"

# --pid is -p (trace that running process); with --comm it is judged too
"$L" sleep 50 40 & lp2=$!
KILL_PIDS="$KILL_PIDS $lp2"
sleep 0.2
"$REC" -q -d 0.6 -o "$T/p2.nxr" --pid "$lp2" -e sys_getppid 2> "$T/err" || fail "--pid: exit $?: $(cat "$T/err")"
n=$("$CHECK" "$T/p2.nxr" | grep -c "^syscall pid=$lp2 .* nr=110 ")
[ "$n" -ge 3 ] || fail "--pid $lp2: $n getppid recorded"
[ "$("$CHECK" "$T/p2.nxr" | grep '^syscall ' | grep -vc " pid=$lp2 ")" = 0 ] || fail "--pid $lp2: other processes recorded"
"$REC" -q -d 0.6 -o "$T/p3.nxr" --pid "$lp2" --comm nomatch -e sys_getppid 2> "$T/err" || fail "--pid --comm: exit $?"
[ "$("$CHECK" "$T/p3.nxr" | grep -cE '^(syscall|exec) ')" = 0 ] || fail "--pid $lp2 --comm nomatch recorded events"
ok "--pid $lp2 (= -p): only it ($n getppid); with --comm nomatch nothing"
