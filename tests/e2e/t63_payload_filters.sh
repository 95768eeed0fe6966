#!/bin/bash
# t63: Syscalls filters, decided in the kernel. fx_paths runs once unfiltered
# and once with [all, openat: {PathPrefix: nl}, write: "arg1 == 1",
# unlink: {Trigger: "ret != 0"}]: only the openat under the prefix, the
# write to stdout and no unlink (it succeeded) are kept, other syscalls are
# untouched, and what each filter dropped is in FILTER events: kept +
# filtered = the unfiltered run's count, syscall by syscall. Bad filters are
# config errors at their line and column.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_paths" ] || skip "$FX/fx_paths is not built"
QUERY="$O/nexus-query" DUMP="$O/nexus-dump"
mkdir "$T/a" "$T/b" && chmod 777 "$T/a" "$T/b"
config "$T/all.yaml" "$FX/fx_paths"
config "$T/f.yaml" "$FX/fx_paths" "Syscalls:" "  - all" '  - openat: {PathPrefix: "nl"}' \
	'  - write: "arg1 == 1"' '  - unlink: {Trigger: "ret != 0"}'
(cd "$T/a" && "$REC" -q -o "$T/all.nxr" "$T/all.yaml" > /dev/null 2> "$T/err") ||
	fail "unfiltered: exit $?: $(cat "$T/err")"
(cd "$T/b" && "$REC" -q -o "$T/f.nxr" "$T/f.yaml" > /dev/null 2> "$T/err") ||
	fail "filtered: exit $?: $(cat "$T/err")"

count() { "$QUERY" -q -f csv "$1" "$2" | sed -n 2p; }
for nr_name in 257:openat 1:write 87:unlink 262:newfstatat 82:rename; do
	nr=${nr_name%%:*} name=${nr_name#*:}
	all=$(count "$T/all.nxr" "SELECT count(*) FROM syscalls WHERE nr = $nr")
	kept=$(count "$T/f.nxr" "SELECT count(*) FROM syscalls WHERE nr = $nr")
	filt=$(count "$T/f.nxr" "SELECT coalesce(sum(count), 0) FROM filtered WHERE probe = $((0x80000000 | nr))")
	[ "$((kept + filt))" = "$all" ] || fail "$name: $kept kept + $filt filtered != $all unfiltered"
	case $name in
	openat) [ "$kept" = 1 ] || fail "openat: $kept kept, want 1 (the nl one)" ;;
	write) [ "$kept" = 1 ] || fail "write: $kept kept, want 1 (to stdout)" ;;
	unlink) [ "$kept" = 0 ] && [ "$filt" = 1 ] || fail "unlink: $kept kept, $filt filtered" ;;
	*) [ "$filt" = 0 ] && [ "$kept" -gt 0 ] || fail "$name: has no filter, yet $kept kept, $filt filtered" ;;
	esac
done
[ "$(count "$T/f.nxr" "SELECT hex(path) FROM paths WHERE name = 'openat'")" = "$(printf 'nl\nname\377\376.txt' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] ||
	fail "the openat kept is not the one under the prefix"
[ "$(count "$T/f.nxr" "SELECT count(*) FROM payloads p LEFT JOIN syscalls s ON s.tid = p.tid AND s.ts_ns = p.ts_ns WHERE s.event_id IS NULL")" = 0 ] ||
	fail "a filtered syscall left its payloads behind"
"$DUMP" "$T/f.nxr" | grep -q '^[0-9.]* \[FILTERED 1 events, syscall unlink\]$' ||
	fail "dump: no FILTERED line for unlink"
ok "kernel filters: kept + filtered = unfiltered for each syscall, the right calls kept"

config "$T/bad.yaml" "$FX/fx_paths" "Syscalls:" '  - read: "arg3 >> 2"'
"$REC" -q -o "$T/bad.nxr" "$T/bad.yaml" > /dev/null 2> "$T/err"
rc=$?
[ $rc = 2 ] || fail "a bad trigger: exit $rc, want 2"
grep -q "^nexus-record: $T/bad.yaml:5:20: Syscalls.read: unexpected " "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e "$T/bad.nxr" ] || fail "a recording was left by a bad config"
ok "a bad filter trigger: file:line:col, exit 2, no file"
