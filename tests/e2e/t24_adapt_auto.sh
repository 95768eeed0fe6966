#!/bin/bash
# t24: live adaptation of an `auto arg1` trigger (Mode triggered). fx_calls
# learn 1000000 GO calls fx_hot with arg1 in 0..3 (a warm-up of K calls, in
# batches of 1000 a millisecond apart) until this script, which reads the
# recording as it is written, has seen the recorder make 0..3 common (four
# ADAPT common_add events) and creates GO; then it makes the calls of `hot
# 1000000`: arg1 in 0..3 and ten planted rare values 1000..1009
# (tests/fixtures/fx_calls.c). So the planted calls come after the learning
# however slow the machine is. The kernel drops and counts the common calls:
# every planted call is recorded, recorded + filtered = K + 1000000 exactly,
# nothing is lost, and the uprobe events crossing the ring buffer per second
# fall by at least 50x after the first change, both by the recorder's own
# counters (its summary) and by the recording's timestamps.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
N=1000000
config "$T/c.yaml" "$FX/fx_calls learn $N $T/go" "Syscalls: none" "Mode: triggered" "Targets:" \
	"- FilePath: $LIB" "  Functions:" "    - Func: fx_hot" "      Triggers: [auto arg1]"
"$REC" -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" &
rec=$!
# the recording's closed segments are readable while it is written (one a second)
for ((i = 0; i < 600; i++)); do
	[ -e "$T/r.nxr" ] && [ "$("$CHECK" "$T/r.nxr" 2> /dev/null | grep -c '^adapt .* action=1 ')" -ge 4 ] && break
	kill -0 $rec 2> /dev/null || break
	sleep 0.2
done
touch "$T/go"
wait $rec || fail "nexus-record exited $?: $(cat "$T/err")"
[ $i -lt 600 ] || fail "the recorder did not learn 4 common values in 120 s"
cat "$T/err"
events "$T/r.nxr" > "$T/ev"
grep -q '^stats closed=1 .* lost_ringbuf=0 lost_backlog=0 lost_disk=0$' "$T/ev" || fail "$(tail -n 1 "$T/ev")"

planted=$(awk '$1 == "call" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } if (f["arg1"] >= 1000) printf "%s ", f["arg1"] }' "$T/ev")
[ "$planted" = "1000 1001 1002 1003 1004 1005 1006 1007 1008 1009 " ] || fail "planted calls recorded: $planted"
ok "all 10 planted rare calls recorded, in order"

calls=$(grep -c '^call ' "$T/ev")
filtered=$(awk '$1 == "filter" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } n += f["count"] } END { print n + 0 }' "$T/ev")
warm=$(sed -n 's/^warmup=\([0-9]*\)$/\1/p' "$T/err")
[ -n "$warm" ] || fail "fx_calls did not say how many warm-up calls it made"
[ $((calls + filtered)) = $((warm + N)) ] || fail "recorded $calls + filtered $filtered != $warm + $N"
ok "recorded $calls + filtered $filtered = $warm warm-up + $N calls"

adds=$(grep '^adapt .* action=1 ' "$T/ev" | sed 's/.*note=trigger\\x200:\\x20arg1=\([0-9]*\)\\x20common.*/\1/' | sort -n | tr '\n' ' ')
[ "$adds" = "0 1 2 3 " ] || fail "common_add events for: $adds"
! grep -q '^adapt .* action=2 ' "$T/ev" || fail "a value was made rare again"
ok "adapt events: 0, 1, 2, 3 made common, nothing else"

# the recorder's counters
line=$(grep 'uprobe events crossing the ring' "$T/err") || fail "no ring traffic in the summary: $(cat "$T/err")"
before=$(sed -n 's#.*ring: \([0-9]*\)/s before.*#\1#p' <<< "$line")
after=$(sed -n 's#.*/s before the first change ([^)]*), \([0-9]*\)/s after.*#\1#p' <<< "$line")
[ -n "$before" ] && [ -n "$after" ] || fail "cannot read the summary: $line"
[ "$before" -ge $((50 * after)) ] && [ "$before" -gt 0 ] || fail "ring traffic fell from $before/s to $after/s only"
ok "recorder's counters: $before uprobe events/s before, $after/s after (>= 50x fewer)"

# the recording: calls per second before and after the first adapt event
awk '$1 == "adapt" && !t { sub(/ts=/, "", $4); t = $4 }
	$1 == "call" { sub(/ts=/, "", $4); ts[n++] = $4 }
	END { first = ts[0]; last = ts[n - 1]; for (i = 0; i < n; i++) if (ts[i] < t) b++; else a++
	      rb = b / ((t - first) / 1e9); ra = a / ((last - t) / 1e9)
	      printf "%d %d %.0f %.0f\n", b, a, rb, ra
	      exit !(t > first && last > t && rb >= 50 * ra) }' "$T/ev" > "$T/rates" ||
	fail "recorded rates (before-calls after-calls before/s after/s): $(cat "$T/rates")"
ok "recording: $(cat "$T/rates" | awk '{ print $3 " calls/s before the first adapt event, " $4 "/s after" }')"
