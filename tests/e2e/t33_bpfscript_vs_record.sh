#!/bin/bash
# t33: bpftrace running the generated program prints the same triggered
# calls nexus-record records for the same config (issue 4), on fx_bpfscript,
# whose calls are known, run once under each (the same calls both times):
#  - Mode: triggered, manual triggers only: the calls and returns nexus
#    keeps are exactly the lines bpftrace prints, per process (parent and
#    forked child), and both are the ones the fixture's source says;
#  - Mode: full, with an auto and a health trigger beside the manual ones:
#    the calls nexus tags with a manual trigger's bit, plus every call of the
#    function whose only trigger is a health one, are bpftrace's call lines
#    (a return event carries no trigger mask: returns are compared above).
. "$(dirname "$0")/reclib.bash"
. "$(dirname "$0")/bpflib.bash"
N=12
FUNCS=(- fxb_op fxb_ret fxb_plain)	# probe ids, in the config's order

# nexus_lines NXR MASK: nxcheck's call/return events as bpftrace's lines
# ("call F(a1, ..., a6)", "return F = R", signed), prefixed by P (the
# command) or C (its child); a call is kept when its mask has a bit of MASK
# or its probe is 3 (fxb_plain); MASK empty: every event.
nexus_lines() {
	local sp cp kind pid a probe mask ret
	events "$1" > "$1.ev"
	sp=$(grep '^exec ' "$1.ev" | head -n 1 | sed 's/^exec pid=\([0-9]*\) .*/\1/')
	cp=$(grep "^fork pid=$sp " "$1.ev" | sed 's/.* child_pid=\([0-9]*\) .*/\1/')
	[ -n "$sp" ] && [ -n "$cp" ] || fail "$1: no exec and fork: $(head -n 5 "$1.ev")"
	grep -E '^(call|return) ' "$1.ev" | while read -r kind rest; do
		declare -A f=()
		for kv in $rest; do f[${kv%%=*}]=${kv#*=}; done
		pid=${f[pid]}
		[ "$pid" = "$sp" ] && who=P || { [ "$pid" = "$cp" ] && who=C || who="?$pid"; }
		probe=${f[probe]}
		if [ "$kind" = call ]; then
			mask=${f[triggers]}
			if [ -n "$2" ] && [ "$probe" != 3 ] && (((mask & $2) == 0)); then
				continue
			fi
			a="$((f[arg1])), $((f[arg2])), $((f[arg3])), $((f[arg4])), $((f[arg5])), $((f[arg6]))"
			echo "$who call ${FUNCS[$probe]}($a)"
		else
			echo "$who return ${FUNCS[$probe]} = ${f[ret]}"
		fi
	done | sort
}

# bt_lines CONFIG: bpftrace's call/return lines for CONFIG's program run on
# its Command, prefixed like nexus_lines'.
bt_lines() {
	local out=$1.out sp cp
	"$REC" --emit-bpftrace "$1.bt" "$1" || fail "emit $1: exit $?"
	bt -c "$FX/fx_bpfscript $N fork" "$1.bt" > "$out" 2> "$out.err"
	rc=$?
	[ $rc = 99 ] && skip "tracefs cannot be mounted here"
	[ $rc = 0 ] || fail "bpftrace exited $rc: $(grep -v MEMLOCK "$out.err" | head -n 5)"
	sp=$(grep "^exec $FX/fx_bpfscript " "$out" | sed 's/.* pid=\([0-9]*\) .*/\1/')
	cp=$(grep "^fork .* pid=$sp " "$out" | sed 's/^fork child=\([0-9]*\) .*/\1/')
	[ -n "$sp" ] && [ -n "$cp" ] || fail "bpftrace: no exec and fork: $(head -n 5 "$out")"
	grep -E '^(call|return) ' "$out" | while read -r line; do
		pid=${line##* pid=}
		pid=${pid%% *}
		[ "$pid" = "$sp" ] && who=P || { [ "$pid" = "$cp" ] && who=C || who="?$pid"; }
		echo "$who ${line%% pid=*}"
	done | sort
}

MANUAL_ONLY=1 fxcfg "$T/trig.yaml" "$FX/fx_bpfscript $N fork" "Syscalls: none" "Mode: triggered"
"$REC" -q -o "$T/trig.nxr" "$T/trig.yaml" 2> "$T/err" || fail "nexus-record: exit $?: $(cat "$T/err")"
nexus_lines "$T/trig.nxr" "" > "$T/trig.nexus"
bt_lines "$T/trig.yaml" > "$T/trig.bt.lines"
{ want_calls $N | sed 's/^/P /'; printf 'C call fxb_op(100, 21532, 7, 0, 0, 0)\nC return fxb_ret = -100\n'; } |
	sort > "$T/want"
diff "$T/want" "$T/trig.nexus" > "$T/diff" || fail "nexus kept other calls than the fixture's triggered ones: $(cat "$T/diff")"
diff "$T/trig.nexus" "$T/trig.bt.lines" > "$T/diff" ||
	fail "Mode: triggered: nexus kept (<) and bpftrace printed (>) differ: $(cat "$T/diff")"
ok "Mode: triggered: the $(wc -l < "$T/want") calls and returns nexus kept are the ones bpftrace printed"

fxcfg "$T/full.yaml" "$FX/fx_bpfscript $N fork" "Syscalls: none" "Mode: full"
"$REC" -q -o "$T/full.nxr" "$T/full.yaml" 2> "$T/err" || fail "nexus-record: exit $?: $(cat "$T/err")"
nexus_lines "$T/full.nxr" 3 | grep ' call ' > "$T/full.nexus"	# bits 0, 1: the manual triggers
bt_lines "$T/full.yaml" | grep ' call ' > "$T/full.bt.lines"
grep ' call ' "$T/want" > "$T/want.calls"
diff "$T/want.calls" "$T/full.nexus" > "$T/diff" || fail "nexus tagged other calls: $(cat "$T/diff")"
diff "$T/full.nexus" "$T/full.bt.lines" > "$T/diff" ||
	fail "Mode: full: nexus's manually tagged calls (<) and bpftrace's (>) differ: $(cat "$T/diff")"
[ "$(nexus_lines "$T/full.nxr" "" | grep -c ' call fxb_op')" = $((N + 1)) ] ||
	fail "Mode: full did not record every fxb_op call"
ok "Mode: full: the calls nexus tagged with a manual trigger (and fxb_plain's, whose one trigger is cpu) are bpftrace's"
