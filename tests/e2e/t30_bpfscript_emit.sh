#!/bin/bash
# t30: nexus-record --emit-bpftrace FILE writes the program without recording
# and without root; ScriptPath is written at record time, the same program.
# Both are created as RELIABILITY.md says: mode 0600, never through a
# symlink, never over an existing file without -f, owned by the invoking
# user under sudo. Bad input (a PathPrefix with a quote too): one line,
# exit 2, nothing created; a refused output: one line, exit 1.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_bpfscript" ] || skip "$FX/fx_bpfscript is not built (make O=$O all)"
config "$T/c.yaml" "$FX/fx_bpfscript 3" "Syscalls: [getppid]" \
	"Targets:" "- FilePath: $FX/fx_bpfscript" "  Functions:" "    - Func: fxb_op" \
	"      Triggers: [arg2 == 0x541c]"

# one_line FILE WANT: FILE holds exactly the line WANT
one_line() {
	[ "$(cat "$1")" = "$2" ] || fail "want the one line '$2', got: $(cat "$1")"
}

"$REC" --emit-bpftrace "$T/p.bt" "$T/c.yaml" > "$T/out" 2> "$T/err" || fail "exit $?: $(cat "$T/err")"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "emit printed: $(cat "$T/out" "$T/err")"
[ "$(stat -c %a:%u "$T/p.bt")" = 600:0 ] || fail "p.bt is $(stat -c %a:%u "$T/p.bt"), want 600:0"
head -n 1 "$T/p.bt" | grep -qx '#!/usr/bin/env bpftrace' || fail "no bpftrace shebang"
grep -qx "uprobe:\"$FX/fx_bpfscript\":fxb_op" "$T/p.bt" || fail "no uprobe on fxb_op"
grep -qx '/@nx_rel\[pid\] && (((int64)arg1 == 21532))/' "$T/p.bt" || fail "filter not arg1 == 21532"
grep -qx "//     bpftrace -c '$FX/fx_bpfscript 3' $T/p.bt" "$T/p.bt" || fail "no run line"
ls "$T"/*.nxr tracer_logs 2> /dev/null && fail "--emit-bpftrace recorded something"
ok "--emit-bpftrace: 0600, the uprobe with its filter, the run line, no recording"

"$REC" --emit-bpftrace - "$T/c.yaml" > "$T/stdout" 2> "$T/err" || fail "emit -: exit $?"
diff <(sed "s|$T/p.bt|script.bt|" "$T/p.bt") "$T/stdout" > /dev/null || fail "'-' is not the same program"
ok "--emit-bpftrace - writes the same program to stdout"

"$REC" --emit-bpftrace "$T/p.bt" "$T/c.yaml" 2> "$T/err"
[ $? = 1 ] || fail "existing file: exit not 1"
one_line "$T/err" "nexus-record: $T/p.bt: exists (use -f to replace it)"
echo old > "$T/q.bt"
"$REC" -f --emit-bpftrace "$T/q.bt" "$T/c.yaml" 2> "$T/err" || fail "-f: exit $?: $(cat "$T/err")"
grep -q fxb_op "$T/q.bt" || fail "-f did not replace the file"
ln -s "$T/victim" "$T/l.bt"
"$REC" -f --emit-bpftrace "$T/l.bt" "$T/c.yaml" 2> "$T/err"
[ $? = 1 ] || fail "symlink: exit not 1"
one_line "$T/err" "nexus-record: $T/l.bt: is a symbolic link, refusing to write through it"
[ ! -e "$T/victim" ] || fail "written through the symlink"
ok "an existing file needs -f (exit 1 without), a symlink is refused even with -f"

mkdir -m 777 "$T/nobody"
SUDO_UID=65534 SUDO_GID=65534 "$REC" --emit-bpftrace "$T/nobody/s.bt" "$T/c.yaml" 2> "$T/err" ||
	fail "under sudo: exit $?: $(cat "$T/err")"
[ "$(stat -c %a:%u:%g "$T/nobody/s.bt")" = 600:65534:65534 ] ||
	fail "s.bt is $(stat -c %a:%u:%g "$T/nobody/s.bt")"
SUDO_UID=65534 SUDO_GID=65534 "$REC" --emit-bpftrace "$T/s.bt" "$T/c.yaml" 2> "$T/err"
[ $? = 1 ] || fail "under sudo, a folder the user cannot write: exit not 1"
one_line "$T/err" "nexus-record: $T/s.bt: cannot create it: Permission denied"
cp "$T/c.yaml" "$T/nobody/c.yaml" && chmod 644 "$T/nobody/c.yaml"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$REC" --emit-bpftrace "$T/nobody/n.bt" "$T/nobody/c.yaml" 2> "$T/err" ||
	fail "as nobody: exit $?: $(cat "$T/err")"
[ "$(stat -c %a:%u "$T/nobody/n.bt")" = 600:65534 ] || fail "n.bt is $(stat -c %a:%u "$T/nobody/n.bt")"
ok "created as the invoking user under sudo (refused where that user cannot write); a user without root can emit"

"$REC" --emit-bpftrace "$T/x.bt" 2> "$T/err"
[ $? = 2 ] || fail "no CONFIG: exit not 2"
grep -q "^nexus-record: --emit-bpftrace needs a CONFIG" "$T/err" || fail "no CONFIG: $(cat "$T/err")"
config "$T/bad.yaml" "$FX/fx_bpfscript" "Syscalls: [opnat]"
"$REC" --emit-bpftrace "$T/x.bt" "$T/bad.yaml" 2> "$T/err"
[ $? = 2 ] || fail "bad config: exit not 2"
one_line "$T/err" "nexus-record: $T/bad.yaml:4:14: Syscalls: unknown syscall 'opnat'"
config "$T/wild.yaml" "$FX/fx_bpfscript" "Targets:" "- FilePath: /lib/*/libc.so.6" \
	"  Functions:" "    - Func: ioctl"
"$REC" --emit-bpftrace "$T/x.bt" "$T/wild.yaml" 2> "$T/err"
[ $? = 2 ] || fail "wildcard FilePath: exit not 2"
one_line "$T/err" "nexus-record: $T/wild.yaml:5:5: FilePath '/lib/*/libc.so.6': a bpftrace probe cannot name a file with quotes, backslashes, wildcards or control characters"
config "$T/pp.yaml" "$FX/fx_bpfscript" "Syscalls:" '  - openat: {PathPrefix: "/a\"b"}'
"$REC" --emit-bpftrace "$T/x.bt" "$T/pp.yaml" 2> "$T/err"
[ $? = 2 ] || fail "PathPrefix with a quote: exit not 2"
one_line "$T/err" "nexus-record: $T/pp.yaml:5:7: PathPrefix '/a\"b': bpftrace cannot compare a path with a prefix holding quotes, backslashes or control characters"
[ ! -e "$T/x.bt" ] || fail "a bad config created the file"
ok "no CONFIG, a bad config, a FilePath or PathPrefix bpftrace cannot say: one line, exit 2, no file"

# ScriptPath at record time: the same program as --emit-bpftrace to that path
cp "$T/c.yaml" "$T/r.yaml" && echo "  ScriptPath: $T/rec.bt" >> "$T/r.yaml"
"$REC" -q -o "$T/r.nxr" "$T/r.yaml" 2> "$T/err" || fail "record: exit $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "record -q said: $(cat "$T/err")"
[ "$(stat -c %a:%u "$T/rec.bt")" = 600:0 ] || fail "rec.bt is $(stat -c %a:%u "$T/rec.bt")"
mv "$T/rec.bt" "$T/rec.first"
"$REC" --emit-bpftrace "$T/rec.bt" "$T/r.yaml" || fail "emit to the ScriptPath: exit $?"
cmp -s "$T/rec.first" "$T/rec.bt" || fail "ScriptPath differs from --emit-bpftrace"
[ "$("$CHECK" "$T/r.nxr" | grep -c '^syscall .* nr=110 ')" = 0 ] ||
	fail "fx_bpfscript makes no getppid, yet some were recorded"
ok "ScriptPath written at record time, 0600, the same program as --emit-bpftrace"

"$REC" -q -o "$T/r2.nxr" "$T/r.yaml" 2> "$T/err"
[ $? = 1 ] || fail "existing ScriptPath: exit not 1"
one_line "$T/err" "nexus-record: ScriptPath $T/rec.bt: exists (use -f to replace it)"
[ ! -e "$T/r2.nxr" ] || fail "recorded although ScriptPath was refused"
echo old > "$T/rec.bt"
"$REC" -q -f -o "$T/r2.nxr" "$T/r.yaml" 2> "$T/err" || fail "-f: exit $?: $(cat "$T/err")"
cmp -s "$T/rec.first" "$T/rec.bt" || fail "-f: ScriptPath not rewritten"
cp "$T/c.yaml" "$T/ru.yaml" && echo "  ScriptPath: $T/nobody/rec.bt" >> "$T/ru.yaml"
SUDO_UID=65534 SUDO_GID=65534 "$REC" -q -o "$T/nobody/r3.nxr" "$T/ru.yaml" 2> "$T/err" ||
	fail "under sudo: exit $?: $(cat "$T/err")"
[ "$(stat -c %a:%u "$T/nobody/rec.bt")" = 600:65534 ] ||
	fail "rec.bt under sudo is $(stat -c %a:%u "$T/nobody/rec.bt")"
cp "$T/wild.yaml" "$T/rw.yaml" && echo "  ScriptPath: $T/rw.bt" >> "$T/rw.yaml"
"$REC" -q -o "$T/rw.nxr" "$T/rw.yaml" 2> "$T/err"
[ $? = 2 ] || fail "ScriptPath bpftrace cannot write: exit not 2"
grep -q "^nexus-record: $T/rw.yaml:5:5: FilePath '/lib/\*/libc.so.6': " "$T/err" || fail "$(cat "$T/err")"
[ ! -e "$T/rw.nxr" ] && [ ! -e "$T/rw.bt" ] || fail "files created for a config refused"
ok "an existing ScriptPath stops the run (exit 1, nothing recorded); -f replaces it; under sudo it is the user's; an unwritable program is exit 2 before anything"
