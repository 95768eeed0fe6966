#!/bin/bash
# t64: payloads of concurrent threads join their own syscall. fx_payload_loop
# threads 4 2000 starts four threads together; thread k makes, for i in
# 0..1999, openat(AT_FDCWD, "/nonexistent/fxpl-k-i-a") then
# rename(".../fxpl-k-i-a", ".../fxpl-k-i-b") (both ENOENT). The rule of
# bpf/events.h PAYLOAD, checked on the recording in file order: a payload
# carries the tid and entry ts_ns of its syscall and comes right before it in
# that thread's order (no other event of the thread in between), so every
# payload joins a SYSCALL, none is left over (no orphan); and each joined
# payload is that syscall's own argument (openat: arg2 "...-a"; rename:
# arg1 "...-a" and arg2 "...-b", of the same k and i), each thread's i in
# order 0..1999, each k on one tid. nexus-dump shows every such call with
# its path(s) inside its line and prints no payload line of its own.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_payload_loop" ] || skip "$FX/fx_payload_loop is not built"
DUMP="$O/nexus-dump"
NT=4
N=2000
config "$T/c.yaml" "$FX/fx_payload_loop threads $NT $N" "Syscalls: [openat, rename]"
"$REC" -q -o "$T/r.nxr" "$T/c.yaml" 2> "$T/err" || fail "nexus-record exited $?: $(cat "$T/err")"
events "$T/r.nxr" > "$T/ev"
grep -q '^stats closed=1 .* lost_ringbuf=0 lost_backlog=0 lost_disk=0$' "$T/ev" ||
	fail "events lost, the join cannot be checked: $(tail -n 1 "$T/ev")"

awk -v nt=$NT -v n=$N '
function unesc(s) { gsub(/\\x2d/, "-", s); return s }
{ delete f; for (i = 2; i <= NF; i++) { k = index($i, "="); f[substr($i, 1, k - 1)] = substr($i, k + 1) } }
$1 == "payload" {
	t = f["tid"]
	if (np[t] && pts[t] != f["ts"]) complain("payload of tid " t " at ts " f["ts"] " while one of ts " pts[t] " waits: an orphan")
	j = np[t] + 0; pts[t] = f["ts"]; pnr[t, j] = f["nr"]; parg[t, j] = f["arg"]; pdata[t, j] = unesc(f["data"]); np[t] = j + 1
	payloads++
	next
}
np[f["tid"]] && $1 != "syscall" { complain("a " $1 " event of tid " f["tid"] " between its payloads and their syscall: " $0) }
$1 == "syscall" {
	t = f["tid"]
	if (np[t] && pts[t] != f["ts"]) complain("payloads of tid " t " at ts " pts[t] " not followed by their syscall (next: ts " f["ts"] ")")
	if (np[t] && pts[t] == f["ts"]) {
		got = ""
		for (j = 0; j < np[t]; j++) {
			if (pnr[t, j] != f["nr"]) complain("payload nr " pnr[t, j] " joined to syscall nr " f["nr"])
			got = got parg[t, j] ":" pdata[t, j] " "
		}
		joined += np[t]
		if (!match(pdata[t, 0], /fxpl-[0-9]+-[0-9]+-/)) { np[t] = 0; next }	# ld.so and libc opening files
		split(substr(pdata[t, 0], RSTART + 5, RLENGTH - 6), ki, "-"); k = ki[1]; i = ki[2]
		a = "/nonexistent/fxpl-" k "-" i "-a"; b = "/nonexistent/fxpl-" k "-" i "-b"
		if (f["nr"] == 257) want = "2:" a " "
		else if (f["nr"] == 82) want = "1:" a " 2:" b " "
		else want = "?"
		if (got != want) complain("syscall nr " f["nr"] " of tid " t " joined " got "want " want)
		if (k in tidof && tidof[k] != t) complain("thread " k " seen on tids " tidof[k] " and " t)
		tidof[k] = t
		fxjoined += np[t]
		step = (f["nr"] == 82)		# openat i, then rename i
		if (2 * i + step != seen[k]) complain("thread " k ": call " 2 * i + step " after " seen[k])
		seen[k]++
		calls++
	}
	np[t] = 0
}
END {
	for (t in np) if (np[t]) complain(np[t] " payloads of tid " t " never joined a syscall (orphans)")
	for (k = 0; k < nt; k++) if (seen[k] != 2 * n) complain("thread " k ": " seen[k] " calls with payloads, want " 2 * n)
	printf "threads=%d calls=%d payloads=%d joined=%d (of the threads: %d)\n", length(tidof), calls, payloads, joined, fxjoined
	if (bad || joined != payloads || fxjoined != 3 * nt * n) exit 1
}
function complain(msg) { if (nbad++ < 5) print msg; bad = 1 }' "$T/ev" > "$T/res" || fail "$(cat "$T/res")"
ok "recording: $(tail -n 1 "$T/res"): each payload right before its own syscall, no orphan"

"$DUMP" "$T/r.nxr" > "$T/dump" || fail "nexus-dump failed"
o=$(grep -c 'openat(AT_FDCWD, "/nonexistent/fxpl-[0-9]*-[0-9]*-a", O_RDONLY) = -1 ENOENT' "$T/dump")
r=$(grep -c 'rename("/nonexistent/fxpl-\([0-9]*-[0-9]*\)-a", "/nonexistent/fxpl-\1-b") = -1 ENOENT' "$T/dump")
[ "$o" = $((NT * N)) ] && [ "$r" = $((NT * N)) ] || fail "dump: $o openat and $r rename lines with their paths, want $((NT * N)) each"
! grep -v -E ' (openat|rename)\(' "$T/dump" | grep -q 'fxpl-' || fail "dump: a payload shown on its own: $(grep -v -E ' (openat|rename)\(' "$T/dump" | grep 'fxpl-' | head -n 2)"
ok "dump: $o openat and $r rename lines, each with its own path(s), no orphan line"
