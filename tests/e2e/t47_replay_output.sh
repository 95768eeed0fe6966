#!/bin/bash
# t47: nexus-replay -o creates the tuned config as nexus-record creates a
# recording: under sudo it belongs to the invoking user (SUDO_UID/SUDO_GID),
# and a write that fails (a full file system) leaves no partial file: exit 1,
# one line saying why.
. "$(dirname "$0")/reclib.bash"
[ -x "$O/nexus-replay" ] && [ -x "$O/tests/mkrec" ] || skip "nexus-replay or mkrec is not built"
R="$O/nexus-replay"
"$O/tests/mkrec" -n 1000 calls "$T/c.nxr" || fail "mkrec calls"
mkdir "$T/u" && chmod 777 "$T/u"

SUDO_UID=4242 SUDO_GID=4343 "$R" -o "$T/u/t.yaml" "$T/c.nxr" > /dev/null 2> "$T/err" ||
	fail "nexus-replay -o under sudo: $(cat "$T/err")"
[ "$(stat -c '%u:%g %a' "$T/u/t.yaml")" = "4242:4343 600" ] || fail "owner/mode: $(stat -c '%u:%g %a' "$T/u/t.yaml")"
SUDO_UID=nobody SUDO_GID=1 "$R" -o "$T/u/bad.yaml" "$T/c.nxr" > /dev/null 2> "$T/err"
rc=$?
[ $rc = 2 ] && [ ! -e "$T/u/bad.yaml" ] && [ "$(wc -l < "$T/err")" = 1 ] || fail "bad SUDO_UID: rc $rc: $(cat "$T/err")"
ok "-o under sudo: owned by SUDO_UID:SUDO_GID, mode 0600; a bad SUDO_UID exits 2"

mkdir "$T/full"
mount -t tmpfs -o size=64k tmpfs "$T/full" || skip "cannot mount a tmpfs here"
dd if=/dev/zero of="$T/full/fill" bs=4k 2> /dev/null	# until ENOSPC
"$R" -o "$T/full/t.yaml" "$T/c.nxr" > /dev/null 2> "$T/err"
rc=$?
[ $rc = 1 ] || fail "a full disk: exit $rc: $(cat "$T/err")"
[ ! -e "$T/full/t.yaml" ] || fail "a partial tuned config was left: $(stat -c %s "$T/full/t.yaml") bytes"
[ "$(wc -l < "$T/err")" = 1 ] && grep -qxF "nexus-replay: $T/full/t.yaml: cannot write it: No space left on device" "$T/err" ||
	fail "message: $(cat "$T/err")"
ok "-o on a full file system: exit 1, one line, no partial file"
