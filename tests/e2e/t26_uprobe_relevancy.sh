#!/bin/bash
# t26: uprobes honour the same relevancy as syscalls. Two copies of fx_calls
# (nxtarget, nxbystander) call fx_add of one copy of libfxcalls.so ten times
# each (fx_calls seq). NoExec: nxtarget records exactly nxtarget's ten calls
# although the probe fires in both processes; NoExec '*' records both
# processes' calls, twenty.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_calls" ] && [ -f "$FX/libfxcalls.so" ] || skip "fixtures not built"
cp "$FX/fx_calls" "$T/nxtarget"
cp "$FX/fx_calls" "$T/nxbystander"
cp "$FX/libfxcalls.so" "$T/libfxcalls.so"	# found through the copies' $ORIGIN rpath

# run WATCH: record from when the recorder is ready (every probe attached)
# until both copies have exited (then SIGINT); events in $T/ev
run() {
	cat > "$T/c.yaml" <<YAML
TraceCondition:
  Command: $1
  NoExec: True
  Syscalls: none
  Targets:
  - FilePath: $T/libfxcalls.so
    Functions:
      - Func: fx_add
YAML
	rm -f "$T/ready"
	"$REC" -q -o "$T/r.nxr" -f --ready-file "$T/ready" "$T/c.yaml" &
	rec=$!
	wait_ready "$T/ready" $rec	# the probe is attached: no call can be missed
	"$T/nxbystander" seq & by=$!
	"$T/nxtarget" seq & tg=$!
	wait $tg $by
	kill -INT $rec
	wait $rec
	rc=$?
	[ $rc = 130 ] || fail "nexus-record exited $rc on SIGINT, want 130"
	events "$T/r.nxr" > "$T/ev"
	grep -q '^stats closed=1 ' "$T/ev" || fail "$(tail -n 1 "$T/ev")"
}

run nxtarget
got=$(awk '$1 == "call" { printf "%s:%s ", $2, $5 }' "$T/ev")
want=$(for i in 0 1 2 3 4 5 6 7 8 9; do printf "pid=$tg:arg1=$i "; done)
[ "$got" = "$want" ] || fail "NoExec nxtarget: calls
  got  $got
  want $want"
ok "NoExec nxtarget: its 10 calls, none of the bystander $by"

run "'*'"
for p in $tg $by; do
	n=$(grep -c "^call pid=$p " "$T/ev")
	[ "$n" = 10 ] || fail "NoExec '*': $n calls of $p recorded, want 10"
done
ok "NoExec '*': 10 calls of each process"
