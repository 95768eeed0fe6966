#!/bin/bash
# tests/bench/bench_format_real.sh: the format's figures on real recordings
# (issue 2: "also run it on a real recording of ordinary commands").
#
# Records two ordinary commands with nexus-record's defaults (syscalls,
# process events, path and argv payloads):
#   ls     ls -R /usr: directory walking (getdents64, newfstatat, openat)
#   loop   a shell loop starting 2000 short processes (cat /etc/hostname):
#          exec, the dynamic loader's mmaps, fresh addresses every process
#   grep   find /usr/include's headers | xargs grep -l uint64_t: opening,
#          reading and closing many small files, sizes and times that vary
# then re-encodes each recording with both segment layouts in one run
# (bench_format FILE.nxr): encode and decode rates, bytes per event, and
# bytes per syscall with the recording's other events left out, which is
# what the 5-byte target counts.
# Usage: bench_format_real.sh (as root; O=build folder).
. "$(dirname "$0")/benchlib.bash"
bench_init bench_format_real "$O/bench/bench_format"

record() {
	local name=$1
	shift
	if ! "$REC" -o "$T/$name.nxr" -- "$@" > /dev/null 2> "$T/$name.err"; then
		echo "bench_format_real: recording $name failed: $(tail -n 1 "$T/$name.err")" >&2
		exit 1
	fi
	sed -n 's/^nexus-record: [^:]*: /  recorded: /p' "$T/$name.err" | head -n 1
}

for name in ls loop grep; do
	case $name in
	ls) record ls ls -R /usr ;;
	loop) record loop sh -c 'for i in $(seq 1 2000); do cat /etc/hostname; done' ;;
	grep) record grep sh -c "find /usr/include -name '*.h' | xargs grep -l uint64_t > /dev/null" ;;
	esac
	"$O/bench/bench_format" "$T/$name.nxr" || exit 1
done
