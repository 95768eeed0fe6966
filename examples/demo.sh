#!/bin/bash
# examples/demo.sh: what `sudo make demo` runs. Records examples/demo.c
# with examples/demo.yaml into $O/demo/demo.nxr and shows the summary (and
# nexus-info's view, when the tools are built). Under sudo the recording is
# created as the invoking user, so its folder is theirs.
set -eu
O=${O:-build}
out="$O/demo"
mkdir -p "$out"
[ -z "${SUDO_UID:-}" ] || chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$out"
cfg="$out/demo.yaml"
# the config names build/; follow O when it is another folder
sed "s|Command: build/|Command: $O/|; s|FilePath: build/|FilePath: $O/|" examples/demo.yaml > "$cfg"
echo "== nexus-record -f -o $out/demo.nxr examples/demo.yaml"
"$O/nexus-record" -f -o "$out/demo.nxr" "$cfg"
if [ -x "$O/nexus-info" ]; then
	echo
	echo "== nexus-info $out/demo.nxr"
	"$O/nexus-info" "$out/demo.nxr"
fi
if [ -x "$O/nexus-dump" ]; then
	echo
	echo "== nexus-dump $out/demo.nxr | grep -m 12 -E 'openat|rename|execve|call|return'"
	"$O/nexus-dump" "$out/demo.nxr" | grep -m 12 -E 'openat|rename|execve|call|return' || true
fi
if [ -x "$O/nexus-query" ]; then
	q='SELECT name, count(*) AS calls, sum(ret < 0) AS errors FROM syscalls GROUP BY name ORDER BY calls DESC LIMIT 6'
	echo
	echo "== nexus-query $out/demo.nxr \"$q\""
	"$O/nexus-query" --db "$out/demo.sqlite" --rebuild "$out/demo.nxr" "$q"
	q='SELECT data AS file, arg2 AS len, triggers, ret, duration_ns FROM calls ORDER BY event_id LIMIT 4'
	echo
	echo "== nexus-query $out/demo.nxr \"$q\""
	"$O/nexus-query" --db "$out/demo.sqlite" "$out/demo.nxr" "$q"
fi
if [ -x "$O/nexus-replay" ]; then
	echo
	echo "== nexus-replay -t 'demo_checksum:arg2 == 19' $out/demo.nxr"
	"$O/nexus-replay" -t 'demo_checksum:arg2 == 19' "$out/demo.nxr"
fi
