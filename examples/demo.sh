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
sed "s|Command: build/|Command: $O/|" examples/demo.yaml > "$cfg"
echo "== nexus-record -f -o $out/demo.nxr examples/demo.yaml"
"$O/nexus-record" -f -o "$out/demo.nxr" "$cfg"
if [ -x "$O/nexus-info" ]; then
	echo
	echo "== nexus-info $out/demo.nxr"
	"$O/nexus-info" "$out/demo.nxr"
fi
if [ -x "$O/nexus-dump" ]; then
	echo
	echo "== nexus-dump $out/demo.nxr | head -n 20"
	"$O/nexus-dump" "$out/demo.nxr" | head -n 20 || true
fi
