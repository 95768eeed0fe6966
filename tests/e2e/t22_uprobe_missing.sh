#!/bin/bash
# t22: a Targets entry naming a file that does not exist, a file that is not
# ELF, or a function that is not in the file stops nexus-record before
# anything happens: exit 2, one line naming the config position, the file and
# the function, no recording created (not even LogsDir), the command never
# launched.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -f "$LIB" ] || skip "fixtures not built"

# try NAME FILEPATH FUNC PATTERN [FIRST]: FIRST (default fx_add) is hooked too, before FUNC
try() {
	local name=$1 path=$2 func=$3 pat=$4 first=${5:-fx_add}
	config "$T/$name.yaml" "touch $T/launched" "LogsDir: $T/logs" "Targets:" "- FilePath: $path" \
		"  Functions:" "    - Func: $first" "    - Func: $func"
	"$REC" "$T/$name.yaml" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc = 2 ] || fail "$name: exit $rc, want 2 ($(cat "$T/err"))"
	[ "$(wc -l < "$T/err")" = 1 ] || fail "$name: not one line: $(cat "$T/err")"
	grep -qE "$pat" "$T/err" || fail "$name: message $(cat "$T/err"), want /$pat/"
	[ ! -e "$T/logs" ] || fail "$name: created $T/logs"
	[ ! -e "$T/launched" ] || fail "$name: the command ran"
	[ ! -s "$T/out" ] || fail "$name: wrote to stdout"
	ok "$name: $(cat "$T/err")"
}
try nofile "$T/nope/libmissing.so" fx_add \
	"^nexus-record: $T/nofile.yaml:6:5: FilePath $T/nope/libmissing.so: No such file or directory \(function fx_add\)$"
try nosym "$LIB" fx_nosuch \
	"^nexus-record: $T/nosym.yaml:9:9: function 'fx_nosuch' is not in $LIB \(no such function in its symbol tables\)$"
echo "not elf" > "$T/text.so"
try notelf "$T/text.so" fx_add "^nexus-record: $T/notelf.yaml:6:5: FilePath $T/text.so: not an ELF file \(function fx_add\)$"
# a data symbol is not a function
LIBC=$(ldd "$FX/fx_calls" | awk '$1 ~ /^libc\.so/ { print $3 }')
[ -f "$LIBC" ] || skip "cannot find the libc of fx_calls"
try data "$LIBC" environ "function 'environ' is not in $LIBC" ioctl

# trigger errors: tests/configs/bad-triggers/*.yaml, each refused with exit 2
# and exactly its .expect line (file:line:column pointing into the trigger)
[ -d tests/configs/bad-triggers ] || skip "run from the repository root"
n=0
for cfg in tests/configs/bad-triggers/*.yaml; do
	want="nexus-record: $(cat "${cfg%.yaml}.expect")"
	(cd "$T" && env -u SUDO_UID "$REC" -q "$OLDPWD/$cfg" > "$T/out" 2> "$T/err")
	rc=$?
	got=$(sed "s#$PWD/##" "$T/err")
	[ $rc = 2 ] || fail "$cfg: exit $rc, want 2 ($got)"
	[ "$got" = "$want" ] || fail "$cfg:
  got:  $got
  want: $want"
	[ -z "$(ls "$T" | grep -v -e '\.yaml$' -e '^out$' -e '^err$' -e '\.so$')" ] || fail "$cfg: left $(ls "$T")"
	n=$((n + 1))
done
[ $n -ge 3 ] || fail "only $n bad trigger configs"
ok "$n configs with bad triggers refused with file:line:column"
