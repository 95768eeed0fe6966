#!/bin/bash
# t15: privileges through nexus-record. With SUDO_UID/SUDO_GID the command
# runs as that user (ids, groups, no capabilities) and the recording is
# theirs, mode 0600; with Sudo: True it keeps root; a malformed SUDO_UID
# stops the run before anything executes; the file is created with the
# user's file-system ids, so a folder the user cannot write is refused; a
# symlink planted at the output path and an existing file (without -f) are
# refused; without root, one line and exit 1.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_ids" ] || skip "$FX/fx_ids is not built"
printf 'TraceCondition:\n  Command: %s\n' "$FX/fx_ids" > "$T/user.yaml"
config "$T/root.yaml" "$FX/fx_ids"
mkdir -m 700 "$T/home" && chown 65534:65534 "$T/home"	# the user's own folder

SUDO_UID=65534 SUDO_GID=65534 "$REC" -q -o "$T/home/u.nxr" "$T/user.yaml" > "$T/u.out" || fail "exit $?"
grep -qx 'ruid=65534' "$T/u.out" && grep -qx 'euid=65534' "$T/u.out" && grep -qx 'suid=65534' "$T/u.out" &&
	grep -qx 'rgid=65534' "$T/u.out" && grep -qx 'egid=65534' "$T/u.out" &&
	grep -qx 'CapEff=0000000000000000' "$T/u.out" || fail "dropped ids: $(tr '\n' ' ' < "$T/u.out")"
grep -qx 'fds=' "$T/u.out" || fail "the command inherited descriptors: $(grep fds= "$T/u.out")"
[ "$(stat -c '%u:%g %a' "$T/home/u.nxr")" = "65534:65534 600" ] ||
	fail "output: $(stat -c '%u:%g %a' "$T/home/u.nxr")"
events "$T/home/u.nxr" > "$T/u.ev"
grep -q '^exec .*comm=fx_ids .* uid=65534 gid=65534 ' "$T/u.ev" ||
	grep -q '^exec .* uid=65534 gid=65534 flags=0 comm=fx_ids ' "$T/u.ev" || fail "exec event uid: $(grep ^exec "$T/u.ev")"
ok "SUDO_UID/SUDO_GID 65534: command ran as 65534 without capabilities; file 65534:65534 0600"

SUDO_UID=65534 SUDO_GID=65534 "$REC" -q -o "$T/home/r.nxr" "$T/root.yaml" > "$T/r.out" || fail "exit $?"
grep -qx 'euid=0' "$T/r.out" || fail "Sudo: True did not keep root: $(tr '\n' ' ' < "$T/r.out")"
[ "$(stat -c '%u %a' "$T/home/r.nxr")" = "65534 600" ] ||
	fail "Sudo: True output: $(stat -c '%u %a' "$T/home/r.nxr")"
ok "Sudo: True keeps root, the file still belongs to the invoking user"

# Root's rights are not lent to the output path: a folder only root may
# write (here $T itself, 0755 root) refuses the user's recording, and a
# LogsDir under it cannot be created either.
SUDO_UID=65534 SUDO_GID=65534 "$REC" -q -o "$T/nope.nxr" "$T/user.yaml" > "$T/n.out" 2> "$T/n.err"
rc=$?
[ $rc = 1 ] || fail "output in a root-only folder: exit $rc"
[ ! -e "$T/nope.nxr" ] || fail "a file was created in a folder the user cannot write"
[ ! -s "$T/n.out" ] || fail "the command ran although the output was refused"
[ "$(wc -l < "$T/n.err")" = 1 ] && grep -q "nope.nxr.*Permission denied" "$T/n.err" ||
	fail "output in a root-only folder: $(cat "$T/n.err")"
printf 'TraceCondition:\n  Command: %s\n  LogsDir: %s\n' "$FX/fx_ids" "$T/logs/deep" > "$T/logs.yaml"
SUDO_UID=65534 SUDO_GID=65534 "$REC" -q "$T/logs.yaml" > /dev/null 2> "$T/d.err"
rc=$?
[ $rc = 1 ] && [ ! -e "$T/logs" ] || fail "LogsDir under a root-only folder: exit $rc, $(cat "$T/d.err")"
ok "created as the user: root-only folders refused ($(cat "$T/n.err"))"

SUDO_UID=12x SUDO_GID=65534 "$REC" -q -o "$T/m.nxr" "$T/user.yaml" > "$T/m.out" 2> "$T/m.err"
rc=$?
[ $rc = 2 ] || fail "malformed SUDO_UID: exit $rc"
[ ! -s "$T/m.out" ] || fail "the command ran despite a malformed SUDO_UID"
[ ! -e "$T/m.nxr" ] || fail "malformed SUDO_UID left a file"
ok "malformed SUDO_UID: exit 2, nothing ran: $(cat "$T/m.err")"

echo precious > "$T/target"
ln -s "$T/target" "$T/link.nxr"
"$REC" -q -o "$T/link.nxr" "$T/root.yaml" > /dev/null 2> "$T/l.err"
rc=$?
[ $rc = 1 ] || fail "symlink: exit $rc"
[ "$(cat "$T/target")" = precious ] || fail "wrote through the symlink"
grep -q "link.nxr: is a symbolic link" "$T/l.err" || fail "symlink: $(cat "$T/l.err")"
"$REC" -q -f -o "$T/link.nxr" "$T/root.yaml" > /dev/null 2>&1
[ "$(cat "$T/target")" = precious ] || fail "-f wrote through the symlink"
ok "a symlink at the output path is refused, with or without -f"

"$REC" -q -o "$T/r.nxr" "$T/root.yaml" > /dev/null || fail "exit $?"
"$REC" -q -o "$T/r.nxr" "$T/root.yaml" > /dev/null 2> "$T/e.err"
rc=$?
[ $rc = 1 ] && grep -q "r.nxr: exists (use -f" "$T/e.err" || fail "existing file: exit $rc $(cat "$T/e.err")"
"$REC" -q -f -o "$T/r.nxr" "$T/root.yaml" > /dev/null || fail "-f: exit $?"
[ "$(stat -c '%u %a' "$T/r.nxr")" = "0 600" ] || fail "-f output: $(stat -c '%u %a' "$T/r.nxr")"
ok "an existing file is refused without -f and replaced with it"

if command -v setpriv > /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$REC" -o "$T/nr.nxr" "$T/root.yaml" > /dev/null 2> "$T/nr.err"
	rc=$?
	[ $rc = 1 ] && [ "$(wc -l < "$T/nr.err")" = 1 ] && grep -q root "$T/nr.err" ||
		fail "without root: exit $rc: $(cat "$T/nr.err")"
	[ ! -e "$T/nr.nxr" ] || fail "without root: left a file"
	ok "without root: $(cat "$T/nr.err")"
fi
