#!/bin/bash
# t51: nexus-query on a synthetic recording of known content: counts, the
# three output formats parsed back, SQL errors, the read-only connection,
# the cache's reuse and rebuild rules, --schema, --db.
. "$(dirname "$0")/toolslib.bash"
check_cli nexus-query
"$MKREC" basic "$T/b.nxr" || fail "mkrec basic"
Q="$B/nexus-query"

expect_rc 0 "$Q" -f csv "$T/b.nxr" "SELECT count(*) AS n FROM syscalls WHERE name='getppid'"
[ "$(cat "$T/out")" = "$(printf 'n\n1')" ] || fail "getppid count: $(cat "$T/out")"
[ -f "$T/b.nxr.sqlite" ] || fail "no cache beside the recording"
[ "$(stat -c %a "$T/b.nxr.sqlite")" = 600 ] || fail "cache mode $(stat -c %a "$T/b.nxr.sqlite")"
ls "$T" | grep -q 'tmp' && fail "temporary file left: $(ls "$T")"
ok "count of getppid, cache 0600 beside the recording"

expect_rc 0 "$Q" "$T/b.nxr" "SELECT name, count(*) AS n FROM syscalls GROUP BY name ORDER BY n DESC, name LIMIT 3"
cat > "$T/want" <<'TXT'
name    n
getpid  2
openat  2
clone   1
TXT
diff "$T/want" "$T/out" > /dev/null || fail "table format: $(cat "$T/out")"
ok "table format: aligned with a header"

expect_rc 0 "$Q" -f json "$T/b.nxr" "SELECT pid, comm, exit_code FROM processes ORDER BY pid; SELECT count(*) AS calls FROM calls WHERE function='ioctl' AND arg2=21532 AND ret IS NULL"
python3 - "$T/out" <<'PY' || fail "json output: $(cat "$T/out")"
import json, sys
text = open(sys.argv[1]).read()
dec = json.JSONDecoder(); pos = 0; sets = []
while pos < len(text):
    while pos < len(text) and text[pos] in " \n,": pos += 1
    if pos >= len(text): break
    obj, pos = dec.raw_decode(text, pos); sets.append(obj)
assert sets[0] == [{"pid": 100, "comm": "sh", "exit_code": 1},
                   {"pid": 101, "comm": "ev/../il\n", "exit_code": 0},
                   {"pid": 200, "comm": None, "exit_code": None}], sets[0]
assert sets[1] == [{"calls": 1}], sets[1]
PY
expect_rc 0 "$Q" -f csv "$T/b.nxr" "SELECT comm FROM processes WHERE pid=101"
python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=""))); assert r==[["comm"],["ev/../il\n"]], r' "$T/out" ||
	fail "csv quoting: $(cat "$T/out")"
ok "json and csv parse back"

for sql in "SELECT nr, count(*) FROM syscalls GROUP BY nr" "SELECT * FROM lost" "SELECT * FROM health" "SELECT * FROM probes" "SELECT * FROM threads" "SELECT * FROM meta"; do
	expect_rc 0 "$Q" "$T/b.nxr" "$sql"
done
expect_rc 0 "$Q" -f csv "$T/b.nxr" "SELECT (SELECT count FROM lost) || ' ' || (SELECT cpu_busy FROM health) || ' ' || (SELECT function FROM probes WHERE id=1) || ' ' || (SELECT count(*) FROM threads)"
[ "$(tail -n 1 "$T/out")" = "5 1234 ioctl 4" ] || fail "lost/health/probes/threads: $(cat "$T/out")"
ok "every table answers"

expect_rc 1 "$Q" "$T/b.nxr" "SELEC nonsense"
grep -q '^nexus-query: SQL error: near "SELEC": syntax error$' "$T/err" || fail "SQL error line: $(cat "$T/err")"
expect_rc 1 "$Q" "$T/b.nxr" "DELETE FROM syscall_rows_chunks"
grep -q "readonly\|read-only\|not authorized" "$T/err" || fail "write not refused: $(cat "$T/err")"
# the virtual table has no way in at all
expect_rc 1 "$Q" "$T/b.nxr" "DELETE FROM syscall_rows"
grep -q "table syscall_rows may not be modified" "$T/err" || fail "vtab write not refused: $(cat "$T/err")"
expect_rc 1 "$Q" "$T/b.nxr" "ATTACH '$T/evil.db' AS e"
[ -e "$T/evil.db" ] && fail "ATTACH created a file"
expect_rc 1 "$Q" "$T/b.nxr" "PRAGMA query_only=0"
expect_rc 0 "$Q" -f csv "$T/b.nxr" "SELECT count(*) FROM syscalls"
[ "$(tail -n 1 "$T/out")" = 10 ] || fail "the cache changed"
ok "SQL errors exit 1 with SQLite's message; writes and ATTACH refused"

ino=$(stat -c %i "$T/b.nxr.sqlite")
expect_rc 0 "$Q" "$T/b.nxr" "SELECT 1"
[ "$(stat -c %i "$T/b.nxr.sqlite")" = "$ino" ] || fail "a current cache was rebuilt"
"$MKREC" -n 7 getppid "$T/new.nxr" && cat "$T/new.nxr" > "$T/b.nxr"
expect_rc 0 "$Q" -f csv "$T/b.nxr" "SELECT count(*) FROM syscalls WHERE name='getppid'"
[ "$(tail -n 1 "$T/out")" = 7 ] || fail "stale cache used after the recording changed"
chmod 666 "$T/b.nxr.sqlite"
expect_rc 0 "$Q" "$T/b.nxr" "SELECT 1"
[ "$(stat -c %a "$T/b.nxr.sqlite")" = 600 ] || fail "a cache writable by others was kept"
ok "cache reused when current, rebuilt when the recording changed or the cache is unsafe"

expect_rc 0 "$Q" --db "$T/other.db" -f csv "$T/b.nxr" "SELECT value FROM meta WHERE key='source_size'"
[ "$(tail -n 1 "$T/out")" = "$(stat -c %s "$T/b.nxr")" ] || fail "--db meta"
expect_rc 0 "$Q" --schema
grep -q "CREATE VIEW syscalls" "$T/out" && grep -q "CREATE VIRTUAL TABLE syscall_rows USING nx_columns" "$T/out" && grep -q "CREATE TABLE processes" "$T/out" || fail "--schema"
expect_rc 2 "$Q" "$T/b.nxr" < /dev/null
ok "--db, --schema, no SQL off a terminal is a usage error"

echo "precious" > "$T/notes.txt"
expect_rc 1 "$Q" --db "$T/notes.txt" "$T/b.nxr" "SELECT 1"
grep -q "not an SQLite database, not replaced" "$T/err" || fail "--db on a non-database: $(cat "$T/err")"
[ "$(cat "$T/notes.txt")" = precious ] || fail "a non-database file was replaced"
cp "$T/b.nxr" "$T/keep.nxr"
expect_rc 1 "$Q" --db "$T/b.nxr" "$T/b.nxr" "SELECT 1"
cmp -s "$T/b.nxr" "$T/keep.nxr" || fail "the recording was overwritten by its own cache"
ln -s "$T/notes.txt" "$T/link.sqlite"
expect_rc 0 "$Q" --db "$T/link.sqlite" "$T/b.nxr" "SELECT 1"
[ -L "$T/link.sqlite" ] && fail "a symlinked cache was kept"
[ "$(cat "$T/notes.txt")" = precious ] || fail "the symlink's target was written"
ok "never replaces a non-database, the recording, or writes through a symlink"

# without SQL on a terminal: the sqlite3 shell, read-only, on the cache
if command -v script > /dev/null && command -v sqlite3 > /dev/null; then
	out=$(printf "SELECT 'n=' || count(*) FROM syscalls;\nDELETE FROM meta;\n.quit\n" |
		script -qec "$Q $T/b.nxr" /dev/null 2>&1)
	grep -q 'n=7' <<< "$out" || fail "sqlite3 shell: $out"
	grep -q 'readonly' <<< "$out" || fail "the shell could write: $out"
	ok "no SQL on a terminal: the sqlite3 shell, read-only"
else
	echo "note: script(1) or sqlite3 missing, shell case not checked"
fi
