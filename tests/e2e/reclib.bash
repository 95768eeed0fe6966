# tests/e2e/reclib.bash: shared by the nexus-record end-to-end tests (t1*.sh, t2*.sh).
# Sourced, not run. Sets REC, FX, CHECK, T (a scratch folder removed at exit)
# and skips (exit 77, reason last) when the test cannot run here.
set -u
O=${O:-build}
O=$(cd "$O" 2>/dev/null && pwd) || { echo "build folder missing: run make first"; exit 77; }
REC="$O/nexus-record"
FX="$O/fixtures"
CHECK="$O/tests/nxcheck"

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root: it loads BPF programs"
for f in "$REC" "$CHECK"; do
	[ -x "$f" ] || skip "$f is not built (make O=$O all $O/tests/nxcheck)"
done
T=$(mktemp -d /tmp/nxrec.XXXXXX)
chmod 755 "$T"
cleanup() {
	local p
	for p in ${KILL_PIDS:-}; do kill -9 "$p" 2>/dev/null; done
	mountpoint -q "$T/full" 2>/dev/null && umount "$T/full"
	rm -rf "$T"
}
trap cleanup EXIT

# config FILE COMMAND [extra YAML lines...]: a TraceCondition that keeps root.
config() {
	local f=$1 cmd=$2
	shift 2
	{
		echo "TraceCondition:"
		echo "  Command: $cmd"
		echo "  Sudo: True"
		for l in "$@"; do echo "  $l"; done
	} > "$f"
}

# events FILE: the recording as nxcheck lines, failing the test if unreadable.
events() {
	"$CHECK" "$1" > "$1.txt" || fail "nxcheck cannot read $1: $(tail -n 1 "$1.txt")"
	cat "$1.txt"
}

# field LINE NAME: the value of NAME=... in an nxcheck line.
field() { tr ' ' '\n' <<< "$1" | sed -n "s/^$2=//p" | head -n 1; }

# wait_ready FILE PID: returns once nexus-record PID (started with
# --ready-file FILE) has every probe attached; fails if it exits first or
# takes over 60 s (a hung recorder, not a slow one).
wait_ready() {
	local i
	for ((i = 0; i < 6000; i++)); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2> /dev/null || { wait "$2"; fail "nexus-record exited $? before it was ready"; }
		sleep 0.01
	done
	fail "nexus-record not ready after 60 s"
}
