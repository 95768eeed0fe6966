#!/bin/bash
# tests/run.sh: run test programs and scripts, one line each, then the summary.
#
# A test passes with exit 0, is skipped with exit 77 (it must say why on its
# last output line) and fails otherwise. Under CI (CI=true) a skip fails the
# run: a test that cannot run has proved nothing. Output of each test goes to
# $O/test-logs/<name>.log and is shown when it does not pass.
set -u
O=${O:-build}
# `sudo make test` passes the invoking user in SUDO_*: nexus-record would then
# run every fixture as that user. The tests that check privileges set these
# themselves; all others run as plain root whoever started them.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND
logs="$O/test-logs"
mkdir -p "$logs"
pass=0 fail=0 skip=0
failed=()
for t in "$@"; do
	name=$(basename "$t")
	log="$logs/$name.log"
	start=$(date +%s.%N)
	if [[ "$t" == *.sh ]]; then
		O="$O" bash "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS  %-32s %6ss\n' "$name" "$secs"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1)); printf 'SKIP  %-32s %s\n' "$name" "$(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL  %-32s (exit %d)\n' "$name" "$rc"
		tail -n 40 "$log" | sed 's/^/      | /'
	fi
done
echo
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] || exit 1
if [ "$skip" -gt 0 ] && [ "${CI:-}" = true ]; then
	echo "tests/run.sh: $skip test(s) skipped under CI: a skipped test proves nothing" >&2
	exit 1
fi
exit 0
