#!/bin/bash
# t53: every tool on bad input. Missing, non-.nxr, empty and future-version
# files: one line "prog: path: what", exit 1. Truncated, corrupted and
# unclosed recordings: a warning naming what was lost, exit 0, and the
# results of what was readable.
. "$(dirname "$0")/toolslib.bash"
"$MKREC" -n 30 -s 30 many "$T/m.nxr" || fail "mkrec many"	# 5 segments of 30 events
"$MKREC" -F basic "$T/future.nxr" || fail "mkrec -F"
echo "hello, not a recording" > "$T/text.nxr"
: > "$T/empty.nxr"

run() {	# run TOOL FILE: the tool's usual job on FILE
	case $1 in
	nexus-split) rm -rf "$T/o"; "$B/nexus-split" "$2" -o "$T/o" ;;
	nexus-query) rm -f "$2.sqlite"; "$B/nexus-query" "$2" "SELECT count(*) FROM syscalls" ;;
	*) "$B/$1" "$2" ;;
	esac
}

for tool in nexus-dump nexus-info nexus-split nexus-query; do
	for f in missing.nxr text.nxr empty.nxr future.nxr; do
		run "$tool" "$T/$f" > "$T/out" 2> "$T/err"
		rc=$?
		[ $rc = 1 ] || fail "$tool $f exited $rc"
		[ "$(wc -l < "$T/err")" = 1 ] || fail "$tool $f: not one line: $(cat "$T/err")"
		grep -q "^$tool: $T/$f: " "$T/err" || fail "$tool $f: $(cat "$T/err")"
	done
	grep -q "version" "$T/err" || fail "$tool: the future version is not named: $(cat "$T/err")"
done
ok "missing, non-.nxr, empty, future version: one line, exit 1"

# offsets of the segments, from nexus-info
"$B/nexus-info" --json "$T/m.nxr" > "$T/info.json" || fail "info"
seg2=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["segment_list"]; print(s[2]["offset"])' "$T/info.json")
seg4=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["segment_list"]; print(s[4]["offset"])' "$T/info.json")
cp "$T/m.nxr" "$T/flip.nxr"
printf '\xff' | dd of="$T/flip.nxr" bs=1 seek=$((seg2 + 60)) conv=notrunc 2>/dev/null
head -c $((seg4 + 40)) "$T/m.nxr" > "$T/cut.nxr"	# killed while writing segment 4

for f in flip cut; do
	for tool in nexus-dump nexus-info nexus-split nexus-query; do
		run "$tool" "$T/$f.nxr" > "$T/out" 2> "$T/err"
		rc=$?
		[ $rc = 0 ] || fail "$tool $f.nxr exited $rc: $(cat "$T/err")"
		grep -q "^$tool: warning: $T/$f.nxr: " "$T/err" || fail "$tool $f.nxr: no warning: $(cat "$T/err")"
		[ "$(wc -l < "$T/err")" = 1 ] || fail "$tool $f.nxr: more than one warning: $(cat "$T/err")"
		cp "$T/out" "$T/out.$tool.$f"
	done
	grep -q "segment 2\|not closed" "$T/err" || fail "$f: the warning does not say what was lost"
done
# what was readable: 4 of 5 segments, 120 events
[ "$(wc -l < "$T/out.nexus-dump.flip")" = 120 ] || fail "dump of flip: $(wc -l < "$T/out.nexus-dump.flip") lines"
[ "$(wc -l < "$T/out.nexus-dump.cut")" = 120 ] || fail "dump of cut: $(wc -l < "$T/out.nexus-dump.cut") lines"
grep -qx 'damaged_segments 1' "$T/out.nexus-info.flip" || fail "info flip"
grep -qx 'closed cleanly   no' "$T/out.nexus-info.cut" || fail "info cut"
[ "$(tail -n 1 "$T/out.nexus-query.flip" | tr -d ' ')" = 60 ] || fail "query flip: $(cat "$T/out.nexus-query.flip")"
[ "$(tail -n 1 "$T/out.nexus-query.cut" | tr -d ' ')" = 90 ] || fail "query cut: $(cat "$T/out.nexus-query.cut")"
# the cached result warns again
"$B/nexus-query" "$T/cut.nxr" "SELECT 1" > /dev/null 2> "$T/err" || fail "cached query"
grep -q "warning" "$T/err" || fail "a cache of a damaged recording does not say so"
ok "corrupted and truncated: one warning each, results of what was readable"

# Times that cannot become nanoseconds are bad usage, not a silent empty dump.
for bad in nan inf -inf 1e300 -1 5x; do
	expect_rc 2 "$B/nexus-dump" --since "$bad" "$T/m.nxr"
	grep -q "^nexus-dump: --since: '$bad' is not a number of seconds" "$T/err" ||
		fail "--since $bad: $(head -n 1 "$T/err")"
done
ok "--since nan, inf, 1e300, -1, 5x: exit 2 with the reason"
