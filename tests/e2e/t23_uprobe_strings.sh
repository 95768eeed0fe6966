#!/bin/bash
# t23: string capture (Args: [arg2:str]) while fx_calls str calls
# fx_str(tag, s) seven times (tests/fixtures/fx_calls.c): each call's data
# holds the string and its NUL; a 255-byte string fits whole, 256 and 300
# bytes are cut to 255 with NX_CALL_TRUNCATED (1); NULL and an unmapped
# pointer give an empty string with NX_CALL_FAULT (2). Then two strings per
# call (arg2 and arg1, arg1 being a small integer: a fault), in Args order.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"

rep() { printf "%${2}s" "" | tr ' ' "$1"; }
run() {
	config "$T/c.yaml" "$FX/fx_calls str" "Syscalls: none" "Targets:" "- FilePath: $LIB" \
		"  Functions:" "    - Func: fx_str" "      Args: [$1]"
	"$REC" -f -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
	events "$T/r.nxr" | awk '$1 == "call" { for (i = 2; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1) }
		print f["arg1"], f["flags"], f["data"] }' > "$T/got"
}
NUL='\x00'
run arg2:str
{
	echo "1 0 hello$NUL"
	echo "2 0 $NUL"
	echo "3 0 $(rep a 255)$NUL"
	echo "4 1 $(rep b 255)$NUL"
	echo "5 1 $(rep c 255)$NUL"
	echo "6 2 $NUL"
	echo "7 2 $NUL"
} > "$T/want"
diff "$T/want" "$T/got" > "$T/diff" || fail "one string: (want < > got)
$(cut -c1-120 "$T/diff" | head -n 12)"
ok "arg2:str: 7 calls, exact strings, truncation at 255 bytes, faults flagged"

run "arg2:str, arg1:str"
{
	echo "1 2 hello$NUL$NUL"
	echo "2 2 $NUL$NUL"
	echo "3 2 $(rep a 255)$NUL$NUL"
	echo "4 3 $(rep b 255)$NUL$NUL"
	echo "5 3 $(rep c 255)$NUL$NUL"
	echo "6 2 $NUL$NUL"
	echo "7 2 $NUL$NUL"
} > "$T/want"
diff "$T/want" "$T/got" > "$T/diff" || fail "two strings: (want < > got)
$(cut -c1-120 "$T/diff" | head -n 12)"
ok "arg2:str, arg1:str: both strings in Args order, flags combined"
