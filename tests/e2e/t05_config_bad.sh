#!/bin/bash
# t05: nexus-record refuses every bad config of tests/configs/bad with exit 2,
# exactly the one line of its .expect file (prefixed "nexus-record: "), and
# writes no output file. Then the privilege cases: under sudo a config the
# user cannot read is refused without being echoed, and a malformed SUDO_UID
# stops the run.
set -u
O=${O:-build}
REC="$O/nexus-record"
[ -x "$REC" ] || { echo "$REC is not built (make O=$O $REC)"; exit 77; }
[ -d tests/configs/bad ] || { echo "run from the repository root"; exit 77; }
T=$(mktemp -d /tmp/nxcfg.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

n=0
for cfg in tests/configs/bad/*.yaml; do
	want="nexus-record: $(cat "${cfg%.yaml}.expect")"
	env -u SUDO_UID -u SUDO_GID "$REC" -q -o "$T/out.nxr" "$cfg" > "$T/stdout" 2> "$T/stderr"
	rc=$?
	[ $rc = 2 ] || fail "$cfg: exit $rc, want 2 ($(head -c 300 "$T/stderr"))"
	[ "$(cat "$T/stderr")" = "$want" ] || fail "$cfg: stderr
  got:  $(cat "$T/stderr")
  want: $want"
	[ ! -s "$T/stdout" ] || fail "$cfg: wrote to stdout"
	[ ! -e "$T/out.nxr" ] || fail "$cfg: left $T/out.nxr"
	n=$((n + 1))
done
[ $n -ge 40 ] || fail "only $n bad configs"
echo "ok: $n bad configs refused with their message"

if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	printf 'TraceCondition:\n  Command: ls\n  Password: hunter2\n' > "$T/secret.yaml"
	chmod 600 "$T/secret.yaml"
	SUDO_UID=65534 SUDO_GID=65534 "$REC" -q -o "$T/out.nxr" "$T/secret.yaml" 2> "$T/stderr"
	rc=$?
	[ $rc = 2 ] || fail "unreadable config: exit $rc, want 2"
	grep -q "cannot open the config as uid 65534: Permission denied" "$T/stderr" ||
		fail "unreadable config: $(cat "$T/stderr")"
	! grep -q -e Password -e hunter2 "$T/stderr" || fail "the unreadable config was echoed"
	[ ! -e "$T/out.nxr" ] || fail "unreadable config: left an output file"
	echo "ok: a config the invoking user cannot read is refused, not echoed"
fi
for bad in "" abc -1 1e3 99999999999 " 1000"; do
	SUDO_UID="$bad" SUDO_GID=1000 "$REC" -q -o "$T/out.nxr" tests/configs/good/05-minimal.yaml \
		2> "$T/stderr"
	rc=$?
	[ $rc = 2 ] || fail "SUDO_UID='$bad': exit $rc, want 2"
	[ "$(cat "$T/stderr")" = "nexus-record: SUDO_UID '$bad' is not a user id" ] ||
		fail "SUDO_UID='$bad': $(cat "$T/stderr")"
	[ ! -e "$T/out.nxr" ] || fail "SUDO_UID='$bad': left an output file"
done
echo "ok: malformed SUDO_UID values stop the run"

# Sizes that overflow when scaled are refused, not wrapped to a valid size.
for bad in 34359738369G 18014398509481984K 3M 0 12Q; do
	env -u SUDO_UID -u SUDO_GID "$REC" -q --ringbuf-size "$bad" -o "$T/out.nxr" \
		tests/configs/good/05-minimal.yaml > /dev/null 2> "$T/stderr"
	rc=$?
	[ $rc = 2 ] || fail "--ringbuf-size $bad: exit $rc, want 2"
	grep -q "^nexus-record: --ringbuf-size $bad: " "$T/stderr" || fail "--ringbuf-size $bad: $(head -n 1 "$T/stderr")"
	[ ! -e "$T/out.nxr" ] || fail "--ringbuf-size $bad: left an output file"
done
echo "ok: overflowing or invalid --ringbuf-size values exit 2"
