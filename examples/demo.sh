#!/bin/bash
# examples/demo.sh: what `sudo make demo` runs. Records examples/demo.c
# with examples/demo.yaml into $O/demo.nxr and shows the summary (and
# nexus-info's view, when the tools are built).
set -eu
O=${O:-build}
cfg="$O/demo.yaml"
# the config names build/; follow O when it is another folder
sed "s|Command: build/|Command: $O/|" examples/demo.yaml > "$cfg"
echo "== nexus-record -f -o $O/demo.nxr examples/demo.yaml"
"$O/nexus-record" -f -o "$O/demo.nxr" "$cfg"
if [ -x "$O/nexus-info" ]; then
	echo
	echo "== nexus-info $O/demo.nxr"
	"$O/nexus-info" "$O/demo.nxr"
fi
if [ -x "$O/nexus-dump" ]; then
	echo
	echo "== nexus-dump $O/demo.nxr | head -n 20"
	"$O/nexus-dump" "$O/demo.nxr" | head -n 20 || true
fi
