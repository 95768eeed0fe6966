#!/bin/bash
# t24: live adaptation of an `auto arg1` trigger (Mode triggered) while
# fx_calls hot 1000000 calls fx_hot with arg1 in 0..3 and ten planted rare
# values 1000..1009 (tests/fixtures/fx_calls.c). The recorder learns 0..3 as
# common (four ADAPT common_add events), the kernel then drops and counts
# them: every planted call is recorded, recorded + filtered = 1000000
# exactly, and the uprobe events crossing the ring buffer per second fall by
# at least 50x after the first change, both by the recorder's own counters
# (its summary) and by the recording's timestamps.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
N=1000000
config "$T/c.yaml" "$FX/fx_calls hot $N" "Syscalls: none" "Mode: triggered" "Targets:" \
	"- FilePath: $LIB" "  Functions:" "    - Func: fx_hot" "      Triggers: [auto arg1]"
"$REC" -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
cat "$T/err"
events "$T/r.nxr" > "$T/ev"
grep -q '^stats closed=1 .* lost_ringbuf=0 lost_backlog=0 lost_disk=0$' "$T/ev" || fail "$(tail -n 1 "$T/ev")"

planted=$(awk '$1 == "call" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } if (f["arg1"] >= 1000) printf "%s ", f["arg1"] }' "$T/ev")
[ "$planted" = "1000 1001 1002 1003 1004 1005 1006 1007 1008 1009 " ] || fail "planted calls recorded: $planted"
ok "all 10 planted rare calls recorded, in order"

calls=$(grep -c '^call ' "$T/ev")
filtered=$(awk '$1 == "filter" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } n += f["count"] } END { print n + 0 }' "$T/ev")
[ $((calls + filtered)) = $N ] || fail "recorded $calls + filtered $filtered != $N"
ok "recorded $calls + filtered $filtered = $N calls"

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
