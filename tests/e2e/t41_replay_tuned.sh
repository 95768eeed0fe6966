#!/bin/bash
# t41: nexus-replay -o writes the config for the next run: the recorded
# config with each auto trigger made a {Trigger, Common} item holding the
# tuples the replay found common, and comments saying what it saw. The file
# loads back with nx_config_load (nexus-replay -c) and holds the same tuples;
# it is created 0600, never over an existing file without -f.
. "$(dirname "$0")/toolslib.bash"
[ -x "$B/nexus-replay" ] || skip "$B/nexus-replay is not built"
"$MKREC" -n 1000 calls "$T/c.nxr" || fail "mkrec calls"

expect_rc 0 "$B/nexus-replay" -o "$T/tuned.yaml" "$T/c.nxr"
[ "$(stat -c %a "$T/tuned.yaml")" = 600 ] || fail "tuned.yaml mode $(stat -c %a "$T/tuned.yaml")"
python3 - "$T/tuned.yaml" <<'PY' || fail "tuned.yaml: $(cat "$T/tuned.yaml")"
import sys, yaml
tc = yaml.safe_load(open(sys.argv[1]))["TraceCondition"]
assert tc["Command"] == "./fx" and tc["Mode"] == "full" and tc["Health"]["Cpu"] == 50
f = tc["Targets"][0]["Functions"]
assert f[0]["Func"] == "fx_work" and f[0]["HookType"] == "uprobe"
assert f[0]["Triggers"] == ["arg2 == 0x541c",
                            {"Trigger": "auto arg1 arg2",
                             "Common": [[3, 0x5401], [4, 0x5402], [5, 0x5403]]},
                            "cpu"], f[0]["Triggers"]
assert f[1]["HookType"] == "uretprobe"
assert f[1]["Triggers"] == ["ret < 0", {"Trigger": "auto ret", "Common": [[0]]}], f[1]
PY
for want in \
	'# Tuned by nexus-replay 0.1.0 from '"$T/c.nxr"'.' \
	'          # nexus-replay of '"$T/c.nxr"': 1000 calls, held on 4 (0.4 %)' \
	'          # 6 distinct tuples; common (>= 8 calls): 3, preloaded below; rare: 3' \
	'          # rare (9, 9) x2 first at 1.991000 s pid 501/501 event #1991'; do
	grep -qxF -- "$want" "$T/tuned.yaml" || fail "tuned.yaml lacks: $want"
done
ok "tuned.yaml: Common tuples and comments"

# nx_config_load reads it back (nexus-replay -c), the same analysis follows,
# and tuning again gives the same config
expect_rc 0 "$B/nexus-replay" -c "$T/tuned.yaml" -o "$T/tuned2.yaml" "$T/c.nxr"
grep -q '^recording .* (config: .*tuned.yaml, Mode: full)$' "$T/out" || fail "$(head -n 1 "$T/out")"
grep -qxF '    hits 4 of 1000 calls (0.4 %)' "$T/out" || fail "replay with the tuned config"
diff <(grep -v '^#' "$T/tuned.yaml") <(grep -v '^#' "$T/tuned2.yaml") ||
	fail "tuning twice changed the config"
ok "tuned.yaml loads back (nx_config_load) and tunes to itself"

# never over an existing file, unless -f
expect_rc 1 "$B/nexus-replay" -o "$T/tuned.yaml" "$T/c.nxr"
grep -qxF "nexus-replay: $T/tuned.yaml: exists (use -f to replace it)" "$T/err" || fail "$(cat "$T/err")"
ln -s "$T/elsewhere" "$T/link.yaml"
expect_rc 1 "$B/nexus-replay" -o "$T/link.yaml" "$T/c.nxr"
expect_rc 1 "$B/nexus-replay" -f -o "$T/link.yaml" "$T/c.nxr"	# as nexus-record: never a link
grep -qxF "nexus-replay: $T/link.yaml: is a symbolic link, refusing to write through it" "$T/err" ||
	fail "-f on a link: $(cat "$T/err")"
[ ! -e "$T/elsewhere" ] && [ -L "$T/link.yaml" ] || fail "-o followed a symlink"
expect_rc 0 "$B/nexus-replay" -f -o "$T/tuned.yaml" "$T/c.nxr"
[ "$(stat -c %a "$T/tuned.yaml")" = 600 ] || fail "tuned.yaml mode $(stat -c %a "$T/tuned.yaml")"
ok "-o: exclusive create 0600, never through a symlink (even with -f), -f replaces a file"

# a recording made without a config has nothing to tune: say so, exit 2
"$MKREC" -n 1000 calls-noconfig "$T/n.nxr" || fail "mkrec calls-noconfig"
expect_rc 2 "$B/nexus-replay" -o "$T/x.yaml" "$T/n.nxr"
grep -qxF "nexus-replay: $T/n.nxr: the recording holds no config to tune: give one with -c" "$T/err" ||
	fail "$(cat "$T/err")"
[ ! -e "$T/x.yaml" ] || fail "wrote a config anyway"
expect_rc 0 "$B/nexus-replay" -t 'auto arg1 arg2' "$T/n.nxr"
grep -qxF '    6 distinct tuples, threshold 8 calls: 3 common, 3 rare' "$T/out" ||
	fail "-t auto on a recording without config"
expect_rc 0 "$B/nexus-replay" -c "$T/tuned.yaml" -o "$T/x.yaml" "$T/n.nxr"
grep -q '              - \[3, 0x5401\]' "$T/x.yaml" || fail "-c then -o"
ok "no recorded config: -o refused (exit 2), -t and -c work"

# --mode sets the tuned config's Mode (a tuned run usually keeps only what
# the triggers want); anything but full or triggered is bad usage
expect_rc 0 "$B/nexus-replay" --mode triggered -o "$T/trig.yaml" "$T/c.nxr"
grep -qx '  Mode: triggered' "$T/trig.yaml" || fail "--mode triggered: $(grep Mode "$T/trig.yaml")"
expect_rc 2 "$B/nexus-replay" --mode often -o "$T/bad.yaml" "$T/c.nxr"
[ "$(head -n 1 "$T/err")" = "nexus-replay: --mode: 'often' is not full or triggered" ] ||
	fail "--mode often: $(cat "$T/err")"
[ ! -e "$T/bad.yaml" ] || fail "--mode often wrote a config"
ok "--mode triggered; a bad --mode exits 2"
