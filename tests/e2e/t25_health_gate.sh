#!/bin/bash
# t25: the `cpu` health trigger gates in the kernel. fx_calls burn N spins on
# every cpu for 1.5 s, calls fx_add(0, 0) N times while the other cpus still
# spin, idles 1.5 s, then calls fx_add(1, 2) N times (tests/fixtures/fx_calls.c).
# Health: Interval 0.1 s, Cpu 50 %. Asserted on the recorded data, not on
# timing: health events are recorded, each flip of their cpu_high flag has
# its gate_on/gate_off adapt event; in Mode triggered every kept call was
# made while the latest health sample before it had cpu_high set (a call
# within 2 ms of a flip may have seen either side: the kernel's value and
# the event's time cannot be read at once), recorded + filtered = 2N, and
# the burn did get calls kept; in Mode full every call is recorded and its
# trigger bit follows the same rule.
. "$(dirname "$0")/reclib.bash"
LIB="$FX/libfxcalls.so"
[ -x "$FX/fx_calls" ] && [ -f "$LIB" ] || skip "fixtures not built"
N=20000

# check FILE MODE: the rule above, on nxcheck lines in time order (the file
# holds each event when the recorder got it: health samples are written
# as they are taken, calls after the ring buffer and a batch delayed them)
check() {
	grep -E '^(health|adapt|filter|call) ' "$1" | awk '{ t = $4; sub(/ts=/, "", t); print t, $0 }' |
		sort -n -s -k1,1 | cut -d' ' -f2- |
	awk -v mode="$2" -v n=$N '
	{ delete f; for (i = 2; i <= NF; i++) { k = index($i, "="); f[substr($i, 1, k - 1)] = substr($i, k + 1) } }
	$1 == "health" { samples++; on = f["flags"] % 2; if (on != prev) { flip[nflip++] = f["ts"]; need[f["ts"]] = on ? 3 : 4 } prev = on; if (on) high++; next }
	$1 == "adapt" && f["probe"] == 0 && f["value"] == 1 { if (need[f["ts"]] == f["action"]) gates++; else complain("gate event without its flip: " $0); next }
	$1 == "filter" { filtered += f["count"]; next }
	$1 == "call" {
		calls++; bit = f["triggers"] % 2
		if (mode == "triggered" && !bit) complain("kept a call whose mask is 0: " $0)
		if (bit) tagged++
		if (bit != prev) {
			near = 0
			for (j = 0; j < nflip; j++) { d = f["ts"] - flip[j]; if (d < 0) d = -d; if (d < 2000000) near = 1 }
			if (!near) complain("call with bit " bit " while the latest sample said " prev ": " $0)
		}
	}
	END {
		printf "samples=%d high=%d flips=%d gates=%d calls=%d tagged=%d filtered=%d\n", samples, high, nflip, gates, calls, tagged, filtered
		if (bad || samples < 10 || !high || gates != nflip || !tagged) exit 1
		if (calls + filtered != 2 * n) { print "calls + filtered != " 2 * n; exit 1 }
	}
	function complain(msg) { if (nbad++ < 5) print msg; bad = 1 }'
}

for mode in triggered full; do
	config "$T/$mode.yaml" "$FX/fx_calls burn $N" "Syscalls: none" "Mode: $mode" \
		"Health: {Interval: 0.1, Cpu: 50}" "Targets:" "- FilePath: $LIB" "  Functions:" \
		"    - Func: fx_add" "      Triggers: [cpu]"
	"$REC" -o "$T/$mode.nxr" "$T/$mode.yaml" 2> "$T/err" || fail "$mode: nexus-record exited $?: $(cat "$T/err")"
	grep -q 'health: [0-9]* samples' "$T/err" || fail "$mode: no health line in the summary: $(cat "$T/err")"
	events "$T/$mode.nxr" > "$T/ev"
	check "$T/ev" $mode > "$T/res" || fail "$mode: $(cat "$T/res")"
	ok "$mode: $(tail -n 1 "$T/res")"
done
