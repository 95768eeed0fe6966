#!/bin/bash
# t18: --layout columns writes format 1.6 (minor 6, incompat bits COLUMNS,
# ENTROPY, LISTS, CONTEXT, TIMING, COPY, STEP and PREVNR), --layout
# columns-1.5 format 1.5 (minor 5, all but STEP and PREVNR), --layout
# columns-1.4 format 1.4 (minor 4, all but COPY, STEP and PREVNR),
# --layout columns-1.1 format 1.1 (minor 1, COLUMNS), and every check of
# t10's exact syscall script holds on each and on rows; --layout rows
# writes 1.0; without --layout the recorder writes 1.6; a bad --layout is
# one line and exit 2, with no file.
. "$(dirname "$0")/reclib.bash"
config "$T/c.yaml" "$FX/fx_loop getppid 1000"
# u16 minor at offset 10, u64 incompat at 24 (format/FORMAT.md, File header)
minor() { od -An -tu2 -j10 -N2 "$1" | tr -d ' '; }
incompat() { od -An -tu8 -j24 -N8 "$1" | tr -d ' '; }
"$REC" -q --layout columns -o "$T/c.nxr" "$T/c.yaml" || fail "--layout columns: exit $?"
[ "$(minor "$T/c.nxr") $(incompat "$T/c.nxr")" = "6 255" ] ||
	fail "--layout columns: minor $(minor "$T/c.nxr"), incompat $(incompat "$T/c.nxr")"
[ "$(events "$T/c.nxr" | grep -c '^syscall .* nr=110 ')" = 1000 ] || fail "columns: getppid count"
"$REC" -q --layout columns-1.5 -o "$T/c5.nxr" "$T/c.yaml" || fail "--layout columns-1.5: exit $?"
[ "$(minor "$T/c5.nxr") $(incompat "$T/c5.nxr")" = "5 63" ] ||
	fail "--layout columns-1.5: minor $(minor "$T/c5.nxr"), incompat $(incompat "$T/c5.nxr")"
[ "$(events "$T/c5.nxr" | grep -c '^syscall .* nr=110 ')" = 1000 ] || fail "columns-1.5: getppid count"
"$REC" -q --layout columns-1.4 -o "$T/c4.nxr" "$T/c.yaml" || fail "--layout columns-1.4: exit $?"
[ "$(minor "$T/c4.nxr") $(incompat "$T/c4.nxr")" = "4 31" ] ||
	fail "--layout columns-1.4: minor $(minor "$T/c4.nxr"), incompat $(incompat "$T/c4.nxr")"
[ "$(events "$T/c4.nxr" | grep -c '^syscall .* nr=110 ')" = 1000 ] || fail "columns-1.4: getppid count"
"$REC" -q --layout columns-1.1 -o "$T/c1.nxr" "$T/c.yaml" || fail "--layout columns-1.1: exit $?"
[ "$(minor "$T/c1.nxr") $(incompat "$T/c1.nxr")" = "1 1" ] ||
	fail "--layout columns-1.1: minor $(minor "$T/c1.nxr"), incompat $(incompat "$T/c1.nxr")"
[ "$(events "$T/c1.nxr" | grep -c '^syscall .* nr=110 ')" = 1000 ] || fail "columns-1.1: getppid count"
"$REC" -q --layout rows -o "$T/r.nxr" "$T/c.yaml" || fail "--layout rows: exit $?"
[ "$(minor "$T/r.nxr") $(incompat "$T/r.nxr")" = "0 0" ] ||
	fail "--layout rows: minor $(minor "$T/r.nxr"), incompat $(incompat "$T/r.nxr")"
ok "--layout columns writes 1.6 with the COLUMNS, ENTROPY, LISTS, CONTEXT, TIMING, COPY, STEP and PREVNR bits, columns-1.5 1.5 without STEP and PREVNR, columns-1.4 1.4 without COPY, columns-1.1 1.1, rows 1.0"
"$REC" -q -o "$T/d.nxr" "$T/c.yaml" || fail "no --layout: exit $?"
[ "$(minor "$T/d.nxr") $(incompat "$T/d.nxr")" = "6 255" ] ||
	fail "no --layout: minor $(minor "$T/d.nxr"), incompat $(incompat "$T/d.nxr")"
ok "without --layout the recorder writes 1.6, the columns layout"
"$REC" -q --layout diagonal -o "$T/bad.nxr" "$T/c.yaml" > /dev/null 2> "$T/err"
rc=$?
[ $rc = 2 ] && grep -q -- '--layout diagonal: not one of rows, columns, columns-1.5, columns-1.4, columns-1.1' "$T/err" && [ ! -e "$T/bad.nxr" ] ||
	fail "bad --layout: exit $rc: $(cat "$T/err")"
ok "bad --layout: $(head -n 1 "$T/err")"
for layout in columns columns-1.5 columns-1.4 columns-1.1 rows; do
	NX_REC_ARGS="--layout $layout" bash "$(dirname "$0")/t10_record_script.sh" > "$T/t10.log" 2>&1 ||
		fail "t10 on a $layout recording: $(tail -n 3 "$T/t10.log")"
	ok "t10's exact-script checks hold on a $layout recording"
done
