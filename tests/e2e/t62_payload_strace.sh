#!/bin/bash
# t62: the strings nexus records are the ones strace sees. fx_paths runs once
# under `strace -f -ff -s 4096` and once under nexus-record with limits as
# large as strace's (Paths: 4095, read/write: 4096, Argv: 64, ArgvBytes:
# 4096); for the path, exec and I/O syscalls of each process, in order, the
# quoted arguments nexus-dump prints (strace's quoting) must equal strace's.
. "$(dirname "$0")/reclib.bash"
[ -x "$FX/fx_paths" ] || skip "$FX/fx_paths is not built"
command -v strace > /dev/null || skip "strace is not installed"
command -v python3 > /dev/null || skip "python3 is needed to compare the outputs"
mkdir "$T/s" "$T/n" && chmod 777 "$T/s" "$T/n"
(cd "$T/s" && strace -f -ff -s 4096 -o "$T/st" "$FX/fx_paths" > /dev/null 2>&1) ||
	skip "strace cannot trace here (ptrace refused?)"
config "$T/c.yaml" "$FX/fx_paths" \
	"Payloads: {Paths: 4095, read: 4096, write: 4096, Argv: 64, ArgvBytes: 4096}"
(cd "$T/n" && "$REC" -q -o "$T/r.nxr" "$T/c.yaml" > /dev/null 2> "$T/err") ||
	fail "exit $?: $(cat "$T/err")"
"$O/nexus-dump" "$T/r.nxr" > "$T/dump" || fail "nexus-dump failed"

python3 - "$T" <<'EOF' || fail "strings differ from strace's (above)"
import glob, os, re, sys
T = sys.argv[1]
NAMES = {"open", "openat", "newfstatat", "stat", "lstat", "access", "rename", "unlink",
         "unlinkat", "execve", "write", "read", "mkdir", "rmdir", "chdir", "statx"}
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"(?:\.\.\.)?')
CALL = re.compile(r'^([a-z0-9_]+)\((.*)$')

def strings(rest):
    # quoted arguments, up to the " = " of the result
    args = rest.rsplit(") = ", 1)[0]
    return QUOTED.findall(args)

def parse(lines):
    out = []
    for l in lines:
        m = CALL.match(l)
        if m and m.group(1) in NAMES:
            out.append((m.group(1), tuple(strings(m.group(2)))))
    return out

strace = []
for f in sorted(glob.glob(T + "/st.*"), key=lambda f: int(f.rsplit(".", 1)[1])):
    with open(f, encoding="latin-1") as fh:
        strace.append(parse(l.rstrip("\n") for l in fh))
procs, order = {}, []
line = re.compile(r'^[0-9.]+ \S+ (\d+)/\d+ (.*)$')
with open(T + "/dump", encoding="latin-1") as fh:
    for l in fh:
        m = line.match(l.rstrip("\n"))
        if not m:
            continue
        pid = int(m.group(1))
        if pid not in procs:
            procs[pid] = []
            order.append(pid)
        procs[pid].append(m.group(2))
nexus = [parse(procs[p]) for p in sorted(order)]
# the launched process: strace's from its execve on; nexus starts there
# itself (the launcher's own "go" read, before the exec, is never recorded)
if strace:
    names = [c[0] for c in strace[0]]
    if "execve" in names:
        del strace[0][:names.index("execve")]
if nexus and nexus[0] and nexus[0][0][0] != "execve":
    print(f"the launched process's first recorded call is {nexus[0][0]!r}, not its execve")
    sys.exit(1)
if len(strace) != len(nexus):
    print(f"{len(strace)} processes under strace, {len(nexus)} recorded")
    sys.exit(1)
bad = 0
for k, (s, n) in enumerate(zip(strace, nexus)):
    if s != n:
        bad += 1
        for i, (a, b) in enumerate(zip(s, n)):
            if a != b:
                print(f"process {k}, call {i}: strace {a!r}\n  nexus {b!r}")
                break
        else:
            print(f"process {k}: {len(s)} calls under strace, {len(n)} recorded")
total = sum(len(s) for s in strace)
if bad or total < 30:
    print(f"{bad} processes differ; {total} calls compared")
    sys.exit(1)
print(f"{total} calls in {len(strace)} processes: the same strings")
EOF
ok "path, argv and I/O strings equal strace -s 4096's"
