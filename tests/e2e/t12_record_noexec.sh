#!/bin/bash
# t12: NoExec: a program started after the recorder, whose basename matches
# Command, is picked up at its exec; another program running at the same
# time is not recorded.
. "$(dirname "$0")/reclib.bash"
cp "$FX/fx_loop" "$T/nxtarget"
cp "$FX/fx_loop" "$T/nxbystander"
cat > "$T/c.yaml" <<YAML
TraceCondition:
  Command: nxtarget
  NoExec: True
YAML
"$REC" -q -o "$T/r.nxr" --ready-file "$T/ready" "$T/c.yaml" &
rec=$!
wait_ready "$T/ready" $rec	# attached: the exec cannot be missed, even under load
"$T/nxbystander" sleep 20 40 &
by=$!
"$T/nxtarget" sleep 20 40 &
tg=$!
wait $tg $by
kill -INT $rec
wait $rec
rc=$?
[ $rc = 130 ] || fail "nexus-record exited $rc on SIGINT, want 130"
events "$T/r.nxr" > "$T/ev"
grep -q '^stats closed=1 ' "$T/ev" || fail "$(tail -n 1 "$T/ev")"
grep -q "^exec pid=$tg .*comm=nxtarget filename=$T/nxtarget\$" "$T/ev" || fail "nxtarget's exec missing"
n=$(grep -c "^syscall pid=$tg .* nr=110 " "$T/ev")
[ "$n" = 40 ] || fail "nxtarget: $n getppid recorded, want 40"
grep -q "^exit pid=$tg .* code=0 flags=1\$" "$T/ev" || fail "nxtarget's exit missing"
! grep -q " pid=$by " "$T/ev" || fail "the bystander $by was recorded"
others=$(grep -E '^(syscall|exec|fork|exit) ' "$T/ev" | grep -v " pid=$tg " | head -n 3)
[ -z "$others" ] || fail "events of other processes: $others"
ok "NoExec picked up nxtarget ($tg, 40 getppid) and nothing else (bystander $by)"
