# tests/e2e/bpflib.bash: shared by the tests that run the generated bpftrace
# program (t31..t34), after reclib.bash. Sourced, not run.
command -v bpftrace > /dev/null || skip "bpftrace is not installed (apt-get install bpftrace)"
command -v unshare > /dev/null || skip "unshare is not installed (util-linux)"
[ -x "$FX/fx_bpfscript" ] || skip "$FX/fx_bpfscript is not built (make O=$O all)"

# bt ARGS...: bpftrace ARGS in a mount namespace of its own, where tracefs is
# mounted if it is not already: the program's tracepoint: probes need it,
# and a private namespace leaves the machine's mounts as they were (the
# mount goes away with the namespace). Its stdout is bpftrace's. exec_bt
# replaces the calling shell: `exec_bt ... &` makes $! bpftrace's pid, so
# that a signal sent to $! reaches bpftrace (unshare and sh exec it too).
bt() { (exec_bt "$@"); }
exec_bt() {
	exec unshare -m --propagation private /bin/sh -c '
		if ! mountpoint -q /sys/kernel/tracing; then
			mount -t tracefs nodev /sys/kernel/tracing || exit 99
		fi
		exec bpftrace -B line "$@"' bt "$@"
}

# wait_line FILE PATTERN: until a line of FILE matches (bpftrace prints
# events as it reads them: a process that exited may not be printed yet).
wait_line() {
	for ((i = 0; i < 100; i++)); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.1
	done
	fail "no line '$2' in 10 s: $(tail -n 3 "$1")"
}

# fxcfg FILE COMMAND EXTRA...: a config hooking fx_bpfscript's functions
# (probes 1 fxb_op, 2 fxb_ret, 3 fxb_plain), with manual triggers that hold
# for known calls, an auto and a health trigger, and the extra lines
# (Syscalls, NoExec, Follow...). MANUAL_ONLY=1: without the auto and health
# triggers (fxb_plain then has none).
fxcfg() {
	local f=$1 cmd=$2 auto='        - auto arg1' plain='      Triggers: [cpu > 50]'
	shift 2
	if [ "${MANUAL_ONLY:-}" = 1 ]; then
		auto='        # no auto trigger'
		plain='      # no trigger'
	fi
	config "$f" "$cmd" "$@" \
		"Targets:" \
		"- FilePath: $FX/fx_bpfscript" \
		"  Functions:" \
		"    - Func: fxb_op" \
		"      Triggers:" \
		"        - arg2 == 0x541c" \
		"        - arg1 > 8 && arg3 & 1" \
		"$auto" \
		"    - Func: fxb_ret" \
		"      HookType: uretprobe" \
		"      Triggers: [ret < 0 && ret != -3]" \
		"    - Func: fxb_plain" \
		"$plain"
}

# want_calls N [fork]: the call/return lines fx_bpfscript N [fork] makes that
# fxcfg's triggers select, without their pid= tid= comm= tail, in order.
want_calls() {
	local n=$1 i a2
	for ((i = 0; i < n; i++)); do
		a2=$i
		((i % 3)) || a2=21532
		if ((a2 == 21532 || (i > 8 && i % 2))); then
			echo "call fxb_op($i, $a2, $((-i)), 0, 0, 0)"
		fi
		if ((i - 5 < 0 && i - 5 != -3)); then
			echo "return fxb_ret = $((i - 5))"
		fi
		echo "call fxb_plain($i, 0, 0, 0, 0, 0)"
	done
	if [ "${2:-}" = fork ]; then
		echo "call fxb_op(100, 21532, 7, 0, 0, 0)"
		echo "return fxb_ret = -100"
	fi
}
