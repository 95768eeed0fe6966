# tests/e2e/toolslib.bash: shared by the offline tools' end-to-end tests (t5*.sh).
# Sourced, not run. Sets B (the build folder), MKREC, T (a scratch folder
# removed at exit); skips (exit 77, reason last) when a binary is missing.
set -u
O=${O:-build}
B=$(cd "$O" 2>/dev/null && pwd) || { echo "build folder $O missing: run make first"; exit 77; }
MKREC="$B/tests/mkrec"

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

for f in "$MKREC" "$B/nexus-split" "$B/nexus-query" "$B/nexus-dump" "$B/nexus-info"; do
	[ -x "$f" ] || skip "$f is not built (make O=$O all)"
done
command -v python3 >/dev/null || skip "python3 is needed to parse the JSON outputs"
T=$(mktemp -d /tmp/nxtools.XXXXXX)
trap 'rm -rf "$T"' EXIT

# expect_rc WANT CMD...: runs CMD, stdout to $T/out, stderr to $T/err.
expect_rc() {
	local want=$1 rc
	shift
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$* exited $rc, expected $want; stderr: $(head -c 400 "$T/err")"
}

# The common command-line contract: --help, --version exit 0, bad usage exits 2.
check_cli() {
	local tool=$1
	expect_rc 0 "$B/$tool" --help
	grep -q "Usage: $tool" "$T/out" || fail "$tool --help: no usage line"
	expect_rc 0 "$B/$tool" --version
	grep -q "^$tool [0-9]" "$T/out" || fail "$tool --version: $(cat "$T/out")"
	expect_rc 2 "$B/$tool" --no-such-option
	expect_rc 2 "$B/$tool"
	ok "$tool: --help, --version, usage errors exit 2"
}
