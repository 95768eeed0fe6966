#!/bin/bash
# t70: every answer of nexus-record --check agrees with an independent look at
# the machine: the kernel config (/proc/config.gz or /boot/config-*), the
# PMUs in /sys/bus/event_source/devices, bpftool's own feature probe, and
# actual attach attempts by bpftrace (uprobe, uretprobe, kprobe, kfunc) and
# by nexus-record's skeleton (tp_btf). No answer is compared with a list.
# Without privileges, --check says so and a run stops with one line, exit 1.
. "$(dirname "$0")/reclib.bash"
command -v bpftool >/dev/null || skip "bpftool is not installed"
command -v bpftrace >/dev/null || skip "bpftrace is not installed"
"$REC" --check > "$T/check.txt"; rc=$?
"$REC" --check --json > "$T/check.json" || true
cat "$T/check.txt"

kconfig() {
	if [ -r /proc/config.gz ]; then zcat /proc/config.gz
	elif [ -r "/boot/config-$(uname -r)" ]; then cat "/boot/config-$(uname -r)"
	fi
}
kconfig > "$T/kconfig"
[ -s "$T/kconfig" ] || skip "no kernel config (/proc/config.gz, /boot/config-$(uname -r)) to compare with"
kset() { grep -qx "$1=y" "$T/kconfig"; }
bpftool feature probe kernel > "$T/feat" 2>/dev/null || fail "bpftool feature probe failed"

# answer NAME: yes or no, from the text output; the JSON must say the same.
answer() {
	local a j
	a=$(awk -v n="$1" '$1 == n { print $2 }' "$T/check.txt")
	[ -n "$a" ] || fail "--check has no line for $1"
	j=$(python3 -c "import json,sys; print('yes' if json.load(open(sys.argv[1]))[sys.argv[2]]['ok'] else 'no')" "$T/check.json" "$1") ||
		fail "--check --json has no $1"
	[ "$a" = "$j" ] || fail "$1: text says $a, JSON says $j"
	echo "$a"
}
expect() {	# expect NAME yes|no WHY
	local got
	got=$(answer "$1")
	[ "$got" = "$2" ] || fail "$1: --check says $got, but $3 says $2"
	ok "$1: $got ($3)"
}
yn() { if "$@"; then echo yes; else echo no; fi; }

# bpftrace_attach PROBE CMD...: did bpftrace attach PROBE and see it fire?
bpftrace_attach() {
	local probe=$1
	shift
	timeout 30 bpftrace -e "$probe { printf(\"FIRED\\n\"); exit(); }" -c "$*" 2>/dev/null | grep -qx FIRED
}

expect privileges "$(yn test "$(id -u)" = 0)" "id -u"
expect btf "$(yn eval 'kset CONFIG_DEBUG_INFO_BTF && [ -r /sys/kernel/btf/vmlinux ]')" "CONFIG_DEBUG_INFO_BTF and /sys/kernel/btf/vmlinux"
expect bpf_syscall "$(yn grep -q 'bpf() syscall is available' "$T/feat")" "bpftool feature probe"
expect ringbuf "$(yn grep -q 'map_type ringbuf is available' "$T/feat")" "bpftool feature probe"
expect uprobe "$(yn eval '[ -d /sys/bus/event_source/devices/uprobe ] && kset CONFIG_UPROBE_EVENTS && bpftrace_attach uprobe:$FX/fx_loop:main $FX/fx_loop getppid 1')" \
	"the uprobe PMU, CONFIG_UPROBE_EVENTS and a bpftrace uprobe that fired"
expect uretprobe "$(yn eval 'bpftrace_attach uretprobe:$FX/fx_loop:main $FX/fx_loop getppid 1')" "a bpftrace uretprobe that fired"
expect attach_cookie "$(yn eval "sed -n '/helpers supported for program type kprobe/,/helpers supported for program type [^k]/p' \"\$T/feat\" | grep -qw bpf_get_attach_cookie")" \
	"bpftool's helper probe for kprobe programs"
expect kprobe "$(yn eval '[ -d /sys/bus/event_source/devices/kprobe ] && kset CONFIG_KPROBES && bpftrace_attach kprobe:vfs_read cat /dev/null')" \
	"the kprobe PMU, CONFIG_KPROBES and a bpftrace kprobe attach"
expect fentry "$(yn eval 'bpftrace_attach kfunc:vfs_read cat /dev/null')" "a bpftrace kfunc (fentry) attach"
# tp_btf: the typedef the kernel attaches to exists, and the recorder's own
# skeleton (tp_btf programs only) records the real exec of /bin/true
"$REC" -q --all -d 2 --ready-file "$T/tp.ready" -o "$T/tp.nxr" > /dev/null 2>&1 & rp=$!
wait_ready "$T/tp.ready" $rp; /bin/true; wait $rp
tp=no
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "'btf_trace_sched_process_exit'" &&
	"$CHECK" "$T/tp.nxr" 2>/dev/null | grep -q '^exec .* flags=0 comm=true ' && tp=yes
expect tp_btf $tp "the btf_trace typedef and a recording made by the tp_btf skeleton"
v=$(dpkg-query -W -f='${Version}' libbpf1 2>/dev/null | sed 's/^[0-9]*://; s/^\([0-9]*\.[0-9]*\).*/\1/')
[ -n "$v" ] || skip "libbpf1 is not a Debian package here"
grep -q "^libbpf  *yes  *libbpf v$v" "$T/check.txt" || fail "libbpf: --check does not say v$v: $(grep ^libbpf "$T/check.txt")"
ok "libbpf v$v, as dpkg says"

# exit status: 0 exactly when everything a run needs is there
need_ok=yes
for n in privileges btf bpf_syscall ringbuf tp_btf; do [ "$(answer $n)" = yes ] || need_ok=no; done
[ "$(yn test "$rc" = 0)" = "$need_ok" ] || fail "--check exit $rc, but what a run needs is there: $need_ok"
grep -q "^kprobe  *no .*; without it: nothing: nexus does not use kprobes" "$T/check.txt" ||
	[ "$(answer kprobe)" = yes ] || fail "a missing kprobe does not say what nexus does without it"
ok "--check exit $rc; missing capabilities say what nexus does without them"

# without privileges: --check says no and exits 1; a run is refused with one line
su nobody -s /bin/sh -c "$REC --check" > "$T/nobody.txt" 2>&1; nrc=$?
[ "$nrc" = 1 ] || fail "--check as nobody: exit $nrc, want 1"
grep -q "^privileges  *no  *euid 65534" "$T/nobody.txt" || fail "as nobody: $(head -n 1 "$T/nobody.txt")"
su nobody -s /bin/sh -c "$REC -q -o /tmp/nx-t70-never.nxr --all -d 1" > "$T/run.txt" 2>&1; nrc=$?
[ "$nrc" = 1 ] || fail "a run as nobody: exit $nrc, want 1"
[ "$(wc -l < "$T/run.txt")" = 1 ] && grep -q "^nexus-record: must run as root (or with CAP_BPF and CAP_PERFMON)" "$T/run.txt" ||
	fail "a run as nobody: $(cat "$T/run.txt")"
[ ! -e /tmp/nx-t70-never.nxr ] || { rm -f /tmp/nx-t70-never.nxr; fail "a refused run created its file"; }
ok "as nobody: --check exit 1, a run refused in one line"
