#!/bin/bash
# t35: the generated program honours Syscalls filters as nexus-record does.
# fx_sysfilt (its syscalls known) runs three times, each in an empty folder:
# under nexus-record with a filtered config, under bpftrace with that
# config's program, and under bpftrace with the same syscalls unfiltered.
#  - the syscalls bpftrace prints for the filtered config (name, fd, count,
#    ret, path; pointers differ between runs) are the ones nexus keeps, and
#    the ones the fixture's source says: PathPrefix on openat and on open
#    with a 64-byte prefix (compared in pieces), triggers over arguments and
#    ret (read, write, unlink), execve's prefix on the new AT_EXECFN, and
#    exit_group, which never returns and is kept whatever its trigger;
#  - for each filtered syscall, nexus's FILTER count is what bpftrace printed
#    unfiltered minus what it printed filtered;
#  - the path arguments printed at sys_exit are the paths nexus recorded,
#    cut at bpftrace's 63 bytes;
#  - Syscalls: all with a filter loads (bpftrace 0.17's verifier refused
#    an earlier form) and filters only that syscall.
. "$(dirname "$0")/reclib.bash"
. "$(dirname "$0")/bpflib.bash"
[ -x "$FX/fx_sysfilt" ] || skip "$FX/fx_sysfilt is not built (make O=$O all)"
QUERY="$O/nexus-query"
[ -x "$QUERY" ] || skip "$QUERY is not built"
P64=deep/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/match/
NAMES=(openat open read write unlink execve exit_group)
NRS=(257 2 0 1 87 59 231)
config "$T/f.yaml" "$FX/fx_sysfilt" "Syscalls:" \
	"  - openat: {PathPrefix: in/}" \
	"  - open: {PathPrefix: $P64}" \
	'  - read: "arg3 == 100 || arg3 == 200 || arg3 == 2"' \
	'  - write: {Trigger: "ret >= 10 && arg1 != 1"}' \
	'  - unlink: "ret < 0"' \
	"  - execve: {PathPrefix: /proc/self/}" \
	'  - exit_group: "arg1 == 99"' \
	"  - getppid"
config "$T/u.yaml" "$FX/fx_sysfilt" "Syscalls: [openat, open, read, write, unlink, execve, exit_group]"
mkdir "$T/n" "$T/b" "$T/u" && chmod 777 "$T/n" "$T/b" "$T/u"

(cd "$T/n" && "$REC" -q -o "$T/f.nxr" "$T/f.yaml" > /dev/null 2> "$T/err")
rc=$?
[ $rc = 3 ] || fail "nexus-record: exit $rc, want the fixture's 3: $(cat "$T/err")"
run_bt() {	# CONFIG FOLDER OUT
	"$REC" --emit-bpftrace "$1.bt" "$1" 2> "$T/err" || fail "emit $1: exit $?: $(cat "$T/err")"
	(cd "$2" && bt -c "$FX/fx_sysfilt" "$1.bt") > "$3" 2> "$3.err"
	rc=$?
	[ $rc = 99 ] && skip "tracefs cannot be mounted here"
	[ $rc = 0 ] || fail "bpftrace exited $rc: $(grep -v MEMLOCK "$3.err" | head -n 5)"
}
run_bt "$T/f.yaml" "$T/b" "$T/f.out"
run_bt "$T/u.yaml" "$T/u" "$T/u.out"
grep -qF "strncmp(str(uptr(\$s.1 + 32)), \"${P64:32}\", 32) == 0" "$T/f.yaml.bt" ||
	fail "the 64-byte prefix is not compared in two pieces"

# One line per syscall: NAME FD COUNT RET PATH, "-" where it does not apply
# (FD and COUNT for read and write, the code for exit_group, which has no
# RET; PATH its first 63 bytes).
# nexus: from the recording.
in_list=$(IFS=,; echo "${NRS[*]}")
"$QUERY" -q -f csv "$T/f.nxr" "SELECT s.name, s.arg1, s.arg3, s.ret,
	coalesce((SELECT CAST(p.path AS TEXT) FROM paths p WHERE p.syscall_id = s.event_id), '-')
	FROM syscalls s WHERE s.nr IN ($in_list) ORDER BY s.event_id" > "$T/n.csv" ||
	fail "nexus-query: $(tail -n 2 "$T/n.csv")"
norm_nexus() {
	tail -n +2 "$1" | tr -d '\r' | while IFS=, read -r name a1 a3 ret path; do
		case $name in
		read | write) echo "$name $a1 $a3 $ret ${path:0:63}" ;;
		exit_group) echo "$name $a1 - - -" ;;
		*) echo "$name - - $ret ${path:0:63}" ;;
		esac
	done
}
# bpftrace: a sys_exit line with its thread's sys_enter line (a filtered
# syscall prints both at its exit), exit_group from its sys_enter line.
# $2 set: without bpftrace's own lines (its child before the exec: comm
# bpftrace; the fixture's child, execed as /proc/self/exe, is comm exe).
norm_bt() {
	awk -v only="${2:-}" -v names=" ${NAMES[*]} " '
	function field(s, k,   m) { return match(s, " " k "=[^ ]*") ? substr(s, RSTART + length(k) + 2, RLENGTH - length(k) - 2) : "" }
	only != "" && $NF == "comm=bpftrace" { next }
	/^sys_enter / {
		name = $2; sub(/\(.*/, "", name)
		if (index(names, " " name " ") == 0) next
		args = $0; sub(/^[^(]*\(/, "", args); sub(/\).*/, "", args)
		split(args, a, ", ")
		tid = field($0, "tid")
		if (name == "exit_group") { print name, a[1], "-", "-", "-"; next }
		a1[tid] = a[1]; a3[tid] = a[3]
		next
	}
	/^sys_exit / {
		name = $2
		if (index(names, " " name " ") == 0) next
		tid = field($0, "tid"); ret = $4
		path = "-"
		if (match($0, / arg[1-6]="[^"]*"/)) path = substr($0, RSTART + 7, RLENGTH - 8)
		if (name == "read" || name == "write") print name, a1[tid], a3[tid], ret, path
		else print name, "-", "-", ret, path
	}' "$1"
}
# (nexus-record's launcher reads its 2-byte "go" before the exec: never
# recorded, so no line is left out here)
norm_nexus "$T/n.csv" | sort > "$T/n.lines"
norm_bt "$T/f.out" | sort > "$T/b.lines"
cat > "$T/want.src" << EOF
openat - - 3 in/a.txt
open - - -2 ${P64:0:63}
read 3 100 100 -
read 3 200 200 -
write 4 100 100 -
write 4 10 10 -
write 4 200 200 -
unlink - - -2 in/none
execve - - 0 /proc/self/exe
exit_group 3 - - -
exit_group 0 - - -
EOF
sort "$T/want.src" > "$T/want"
diff "$T/want" "$T/n.lines" > "$T/diff" || fail "nexus kept (>) other syscalls than the fixture's (<): $(cat "$T/diff")"
diff "$T/n.lines" "$T/b.lines" > "$T/diff" ||
	fail "nexus kept (<) and bpftrace printed (>) differ: $(cat "$T/diff")"
ok "the $(wc -l < "$T/want") syscalls the filters keep: nexus's are bpftrace's, and the fixture's"

# exit_group 3 never returned: its line comes from the thread's exit
grep -q '^sys_enter exit_group(3, .* comm=fx_sysfilt$' "$T/f.out" || fail "no exit_group(3) line"
grep -q '^sys_exit exit_group' "$T/f.out" && fail "an exit_group has a sys_exit line"
# getppid has no filter: printed at entry, and at exit, twice
[ "$(grep -c '^sys_enter getppid(.* comm=fx_sysfilt$' "$T/f.out")" = 2 ] &&
	[ "$(grep -c '^sys_exit getppid = [0-9]* .*comm=fx_sysfilt$' "$T/f.out")" = 2 ] ||
	fail "getppid: want two sys_enter and two sys_exit lines: $(grep getppid "$T/f.out")"
ok "exit_group printed at the thread's exit; an unfiltered syscall printed as before"

# FILTER counts: unfiltered minus filtered, per syscall
norm_bt "$T/u.out" only > "$T/u.lines"
for i in "${!NAMES[@]}"; do
	name=${NAMES[$i]} nr=${NRS[$i]}
	all=$(grep -c "^$name " "$T/u.lines")
	kept=$(grep -c "^$name " "$T/b.lines")
	filt=$("$QUERY" -q -f csv "$T/f.nxr" \
		"SELECT coalesce(sum(count), 0) FROM filtered WHERE probe = $((0x80000000 | nr))" |
		sed -n 2p | tr -d '\r')
	[ "$((all - kept))" = "$filt" ] ||
		fail "$name: bpftrace printed $all unfiltered, $kept filtered; nexus's FILTER count is $filt"
	[ "$name" = exit_group ] || [ "$filt" -gt 0 ] || fail "$name: nothing filtered: the test proves nothing"
done
ok "FILTER counts: for each syscall, what bpftrace printed unfiltered minus filtered"

# paths at sys_exit, unfiltered run: the same paths nexus kept, cut at 63
grep -q "^sys_exit open = -2 arg1=\"${P64:0:63}\" " "$T/u.out" ||
	fail "open's path is not its first 63 bytes: $(grep '^sys_exit open ' "$T/u.out" | head -n 1)"
grep -q '^sys_exit openat = -2 arg2="out/b.txt" .* comm=fx_sysfilt$' "$T/u.out" ||
	fail "no openat path at sys_exit: $(grep '^sys_exit openat' "$T/u.out" | head -n 3)"
grep -q '^sys_exit read = 100 pid=' "$T/u.out" || fail "read printed a path"
ok "path arguments at sys_exit, cut at 63 bytes"

# Syscalls: all with a filter: the program tests $id, never a long chain of
# args->id (which bpftrace 0.17's code makes the verifier refuse): it loads,
# the filter holds, the other syscalls print as before, with their paths.
config "$T/a.yaml" "$FX/fx_sysfilt" "Syscalls: [all, {openat: {PathPrefix: in/}}]"
mkdir "$T/a" && chmod 777 "$T/a"
run_bt "$T/a.yaml" "$T/a" "$T/a.out"
[ "$(grep -c '^sys_exit openat ' "$T/a.out")" = 1 ] &&
	grep -q '^sys_exit openat = 3 arg2="in/a.txt" ' "$T/a.out" ||
	fail "all + openat filter: $(grep '^sys_exit openat' "$T/a.out" | head -n 3)"
for want in 'sys_exit mkdir = 0 arg1="in" ' 'sys_exit unlink = -2 arg1="in/none" ' \
	'sys_enter getppid(' 'sys_exit execve = 0 arg1="/proc/self/exe" ' 'sys_enter exit_group(3, '; do
	grep -qF "$want" "$T/a.out" || fail "all + openat filter: no line '$want'"
done
ok "Syscalls: all with a filter: only the openat under in/, every other syscall as before"
