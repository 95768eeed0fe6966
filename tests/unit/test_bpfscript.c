/*
 * tests/unit/test_bpfscript.c: the bpftrace program generated from a config.
 *
 * Table-driven: each config's program, after its header comment, is
 * compared with the expected text in full (t31 runs such programs under
 * bpftrace; here every line is pinned), Syscalls filters and path
 * arguments included (c5, c6; t35 runs them against nexus-record). Then the header's "how to run"
 * lines per mode, the Syscalls: all name table, what cannot be written in
 * bpftrace (one -EINVAL each, naming the config position), a failing
 * stream, and the file nx_bpfscript_save creates: 0600, never over an
 * existing file without force, never through a symlink, removed when a
 * write fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/syscalls.h"
#include "bpf/payload.h"
#include "capture/bpfscript.h"
#include "capture/config.h"

struct gen_case {
	const char *name;
	const char *yaml;
	const char *body;	/* the program after its header comment */
};

static const struct gen_case cases[] = {
	{
		"c1",
		"TraceCondition:\n"
		"  Command: /usr/bin/app -v 'x'\n"
		"  Sudo: True\n"
		"  Mode: triggered\n"
		"  Syscalls: none\n"
		"  Targets:\n"
		"  - FilePath: /lib/libx.so\n"
		"    Functions:\n"
		"      - Func: ioctl\n"
		"        Triggers:\n"
		"          - arg2 == 0x541c\n"
		"          - (arg1 == 1 || arg1 == 2) && uid == 0\n"
		"          - auto arg1 arg2\n"
		"          - cpu\n",
		"BEGIN\n"
		"{\n"
		"\t@nx_rel[cpid] = 1;\t// the command bpftrace -c started\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_fork\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\t@nx_rel[args->child_pid] = 1;\t// Follow (a thread's key goes at its exit)\n"
		"\tprintf(\"fork child=%d pid=%d tid=%d comm=%s\\n\", args->child_pid, pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exec\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exec %s pid=%d tid=%d comm=%s\\n\", str(args->filename), pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exit pid=%d tid=%d comm=%s\\n\", pid, tid, comm);\n"
		"\tdelete(@nx_rel[tid]);\t// a thread's key, or the process's with its main thread\n"
		"}\n"
		"\n"
		"// trigger 'arg2 == 0x541c'\n"
		"// trigger '(arg1 == 1 || arg1 == 2) && uid == 0'\n"
		"// trigger 'auto arg1 arg2': rare-value detection (auto) has no bpftrace equivalent: not in the filter\n"
		"// trigger 'cpu': a health trigger (cpu, disk) has no bpftrace equivalent: not in the filter\n"
		"uprobe:\"/lib/libx.so\":ioctl\n"
		"/@nx_rel[pid] && (((int64)arg1 == 21532) || ((((int64)arg0 == 1) || ((int64)arg0 == 2)) && ((int64)uid == 0)))/\n"
		"{\n"
		"\tprintf(\"call ioctl(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\",\n"
		"\t       (int64)arg0, (int64)arg1, (int64)arg2, (int64)arg3, (int64)arg4, (int64)arg5, pid, tid, comm);\n"
		"}\n"
		"\n"
		"END\n"
		"{\n"
		"\tclear(@nx_rel);\n"
		"}\n"
	},
	{
		"c2",
		"TraceCondition:\n"
		"  Command: [sshd, a_name_longer_than_15]\n"
		"  NoExec: True\n"
		"  Follow: False\n"
		"  Syscalls: [openat, getppid]\n"
		"  Duration: 0.5\n"
		"  Targets:\n"
		"  - FilePath: /usr/sbin/sshd\n"
		"    Functions:\n"
		"      - Func: do_read\n"
		"        HookType: uretprobe\n"
		"        Triggers: [ret < 0, comm == \"sshd\"]\n",
		"BEGIN\n"
		"{\n"
		"\t@nx_sys[257] = \"openat\";\n"
		"\t@nx_sys[110] = \"getppid\";\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_fork\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"fork child=%d pid=%d tid=%d comm=%s\\n\", args->child_pid, pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exec\n"
		"/@nx_rel[pid] || comm == \"sshd\" || comm == \"a_name_longer_t\"/\n"
		"{\n"
		"\t@nx_rel[pid] = 1;\t// NoExec: comm is the file's basename, cut at 15 bytes\n"
		"\tprintf(\"exec %s pid=%d tid=%d comm=%s\\n\", str(args->filename), pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exit pid=%d tid=%d comm=%s\\n\", pid, tid, comm);\n"
		"\tdelete(@nx_rel[tid]);\t// a thread's key, or the process's with its main thread\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_enter\n"
		"/@nx_rel[pid] && (args->id == 257 || args->id == 110)/\n"
		"{\n"
		"\t$id = args->id;\n"
		"\t$s = ($id + 1, args->args[0], args->args[1], args->args[2],\n"
		"\t      args->args[3], args->args[4], args->args[5]);\n"
		"\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\tif ($id == 257) {\t// its exit decides or prints paths\n"
		"\t\t@nx_sa[tid] = $s;\n"
		"\t}\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_exit\n"
		"/@nx_rel[pid] && (args->id == 257 || args->id == 110)/\n"
		"{\n"
		"\t$id = args->id;\n"
		"\t$r = args->ret;\n"
		"\t$s = @nx_sa[tid];\t// (nr + 1, arg1..arg6) of its sys_enter, or zeros\n"
		"\tif ($s.0 != 0) {\n"
		"\t\tdelete(@nx_sa[tid]);\n"
		"\t}\n"
		"\tif ($s.0 == $id + 1 && ($id == 257)) {\n"
		"\t\tprintf(\"sys_exit %s = %ld arg2=\\\"%s\\\" pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, str(uptr($s.2)), pid, tid, comm);\n"
		"\t} else {\n"
		"\t\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, pid, tid, comm);\n"
		"\t}\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"{\n"
		"\t$s = @nx_sa[tid];\n"
		"\tdelete(@nx_sa[tid]);\n"
		"}\n"
		"\n"
		"// trigger 'ret < 0'\n"
		"// trigger 'comm == \"sshd\"'\n"
		"uretprobe:\"/usr/sbin/sshd\":do_read\n"
		"/@nx_rel[pid] && (((int64)retval < 0) || (comm == \"sshd\"))/\n"
		"{\n"
		"\tprintf(\"return do_read = %ld pid=%d tid=%d comm=%s\\n\", (int64)retval, pid, tid, comm);\n"
		"}\n"
		"\n"
		"interval:ms:500\t// Duration\n"
		"{\n"
		"\texit();\n"
		"}\n"
		"\n"
		"END\n"
		"{\n"
		"\tclear(@nx_rel);\n"
		"\tclear(@nx_sys);\n"
		"\tclear(@nx_sa);\n"
		"}\n"

	},
	{
		"c3",
		"TraceCondition:\n"
		"  Command: '*'\n"
		"  NoExec: True\n"
		"  Syscalls: none\n"
		"  Targets:\n"
		"  - FilePath: /lib/libc.so.6\n"
		"    Functions:\n"
		"      - Func: open\n"
		"        Args: [arg1:str]\n"
		"        Triggers: [auto arg2, disk > 50]\n",
		"BEGIN\n"
		"{\n"
		"\t@nx_self = pid;\t// BEGIN runs in bpftrace: never trace ourselves\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_fork\n"
		"/pid != @nx_self/\n"
		"{\n"
		"\tprintf(\"fork child=%d pid=%d tid=%d comm=%s\\n\", args->child_pid, pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exec\n"
		"/pid != @nx_self/\n"
		"{\n"
		"\tprintf(\"exec %s pid=%d tid=%d comm=%s\\n\", str(args->filename), pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"/pid != @nx_self/\n"
		"{\n"
		"\tprintf(\"exit pid=%d tid=%d comm=%s\\n\", pid, tid, comm);\n"
		"}\n"
		"\n"
		"// trigger 'auto arg2': rare-value detection (auto) has no bpftrace equivalent: not in the filter\n"
		"// trigger 'disk > 50': a health trigger (cpu, disk) has no bpftrace equivalent: not in the filter\n"
		"// no trigger here has a bpftrace equivalent: every call is printed\n"
		"uprobe:\"/lib/libc.so.6\":open\n"
		"/pid != @nx_self/\n"
		"{\n"
		"\tprintf(\"call open(%ld, %ld, %ld, %ld, %ld, %ld) arg1=\\\"%s\\\" pid=%d tid=%d comm=%s\\n\",\n"
		"\t       (int64)arg0, (int64)arg1, (int64)arg2, (int64)arg3, (int64)arg4, (int64)arg5, str(arg0), pid, tid, comm);\n"
		"}\n"
		"\n"
		"END\n"
		"{\n"
		"\tclear(@nx_self);\n"
		"}\n"
	},
	{
		"c5",
		"TraceCondition:\n"
		"  Command: /bin/app\n"
		"  Follow: False\n"
		"  Syscalls: [read]\n"
		"  Targets:\n"
		"  - FilePath: /bin/app\n"
		"    Functions:\n"
		"      - Func: main\n"
		"      - Func: app_end\n"
		"        HookType: uretprobe\n"
		"  - FilePath: /lib/libz.so.1\n"
		"    Functions:\n"
		"      - Func: inflate\n"
		"        Triggers: \"!(arg2 & 0x4) || pid == 1\"\n",
		"BEGIN\n"
		"{\n"
		"\t@nx_rel[cpid] = 1;\t// the command bpftrace -c started\n"
		"\t@nx_sys[0] = \"read\";\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_fork\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"fork child=%d pid=%d tid=%d comm=%s\\n\", args->child_pid, pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exec\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exec %s pid=%d tid=%d comm=%s\\n\", str(args->filename), pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exit pid=%d tid=%d comm=%s\\n\", pid, tid, comm);\n"
		"\tdelete(@nx_rel[tid]);\t// a thread's key, or the process's with its main thread\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_enter\n"
		"/@nx_rel[pid] && (args->id == 0)/\n"
		"{\n"
		"\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[args->id],\n"
		"\t       (int64)args->args[0], (int64)args->args[1], (int64)args->args[2],\n"
		"\t       (int64)args->args[3], (int64)args->args[4], (int64)args->args[5], pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_exit\n"
		"/@nx_rel[pid] && (args->id == 0)/\n"
		"{\n"
		"\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[args->id], args->ret, pid, tid, comm);\n"
		"}\n"
		"\n"
		"uprobe:\"/bin/app\":main\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"call main(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\",\n"
		"\t       (int64)arg0, (int64)arg1, (int64)arg2, (int64)arg3, (int64)arg4, (int64)arg5, pid, tid, comm);\n"
		"}\n"
		"\n"
		"uretprobe:\"/bin/app\":app_end\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"return app_end = %ld pid=%d tid=%d comm=%s\\n\", (int64)retval, pid, tid, comm);\n"
		"}\n"
		"\n"
		"// trigger '!(arg2 & 0x4) || pid == 1'\n"
		"uprobe:\"/lib/libz.so.1\":inflate\n"
		"/@nx_rel[pid] && ((!((int64)arg1 & 4) || ((int64)pid == 1)))/\n"
		"{\n"
		"\tprintf(\"call inflate(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\",\n"
		"\t       (int64)arg0, (int64)arg1, (int64)arg2, (int64)arg3, (int64)arg4, (int64)arg5, pid, tid, comm);\n"
		"}\n"
		"\n"
		"END\n"
		"{\n"
		"\tclear(@nx_rel);\n"
		"\tclear(@nx_sys);\n"
		"}\n"
	},
	{
		"c5: Syscalls filters and paths",
		"TraceCondition:\n"
		"  Command: /usr/bin/app\n"
		"  Sudo: True\n"
		"  Syscalls:\n"
		"    - read: \"arg3 > 100 && ret > 0\"\n"
		"    - write\n"
		"    - openat: {PathPrefix: /usr/share/nexus/a-directory-name-that-is-long/and-more}\n"
		"    - execve: {PathPrefix: /usr/bin/}\n"
		"    - exit_group: {Trigger: \"arg1 != 0\"}\n"
		"    - rename\n",
		"BEGIN\n"
		"{\n"
		"\t@nx_rel[cpid] = 1;\t// the command bpftrace -c started\n"
		"\t@nx_sys[0] = \"read\";\n"
		"\t@nx_sys[1] = \"write\";\n"
		"\t@nx_sys[257] = \"openat\";\n"
		"\t@nx_sys[59] = \"execve\";\n"
		"\t@nx_sys[231] = \"exit_group\";\n"
		"\t@nx_sys[82] = \"rename\";\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_fork\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\t@nx_rel[args->child_pid] = 1;\t// Follow (a thread's key goes at its exit)\n"
		"\tprintf(\"fork child=%d pid=%d tid=%d comm=%s\\n\", args->child_pid, pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exec\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exec %s pid=%d tid=%d comm=%s\\n\", str(args->filename), pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exit pid=%d tid=%d comm=%s\\n\", pid, tid, comm);\n"
		"\tdelete(@nx_rel[tid]);\t// a thread's key, or the process's with its main thread\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_enter\n"
		"/@nx_rel[pid] && (args->id == 0 || args->id == 1 || args->id == 257 || args->id == 59 || args->id == 231 || args->id == 82)/\n"
		"{\n"
		"\t$id = args->id;\n"
		"\t$s = ($id + 1, args->args[0], args->args[1], args->args[2],\n"
		"\t      args->args[3], args->args[4], args->args[5]);\n"
		"\tif (!($id == 0 || $id == 257 || $id == 59 || $id == 231)) {\t// a filtered syscall prints at its exit\n"
		"\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t}\n"
		"\tif ($id == 0 || $id == 257 || $id == 59 || $id == 231 || $id == 82) {\t// its exit decides or prints paths\n"
		"\t\t@nx_sa[tid] = $s;\n"
		"\t}\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_exit\n"
		"/@nx_rel[pid] && (args->id == 0 || args->id == 1 || args->id == 257 || args->id == 59 || args->id == 231 || args->id == 82)/\n"
		"{\n"
		"\t$id = args->id;\n"
		"\t$r = args->ret;\n"
		"\t$s = @nx_sa[tid];\t// (nr + 1, arg1..arg6) of its sys_enter, or zeros\n"
		"\tif ($s.0 != 0) {\n"
		"\t\tdelete(@nx_sa[tid]);\n"
		"\t}\n"
		"\tif ($id == 0) {\t// read: Trigger 'arg3 > 100 && ret > 0'\n"
		"\t\tif ($s.0 == 1 && (((int64)$s.3 > 100) && ($r > 0))) {\n"
		"\t\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t\t\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, pid, tid, comm);\n"
		"\t\t}\n"
		"\t} else if ($id == 257) {\t// openat: PathPrefix '/usr/share/nexus/a-directory-name-that-is-long/and-more'\n"
		"\t\tif ($s.0 == 258 &&\n"
		"\t\t    strncmp(str(uptr($s.2)), \"/usr/share/nexus/a-directory-nam\", 32) == 0 &&\n"
		"\t\t    strncmp(str(uptr($s.2 + 32)), \"e-that-is-long/and-more\", 23) == 0) {\n"
		"\t\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t\t\tprintf(\"sys_exit %s = %ld arg2=\\\"%s\\\" pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, str(uptr($s.2)), pid, tid, comm);\n"
		"\t\t}\n"
		"\t} else if ($id == 59) {\t// execve: PathPrefix '/usr/bin/'\n"
		"\t\t$e = $r == 0 ? curtask->mm->env_end : $s.1;\t// the new stack's AT_EXECFN\n"
		"\t\tif ($s.0 == 60 &&\n"
		"\t\t    strncmp(str(uptr($e)), \"/usr/bin/\", 9) == 0) {\n"
		"\t\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t\t\tprintf(\"sys_exit %s = %ld arg1=\\\"%s\\\" pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, str(uptr($e)), pid, tid, comm);\n"
		"\t\t}\n"
		"\t} else if ($id == 231) {\t// exit_group: Trigger 'arg1 != 0'\n"
		"\t\tif ($s.0 == 232 && ((int64)$s.1 != 0)) {\n"
		"\t\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t\t\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, pid, tid, comm);\n"
		"\t\t}\n"
		"\t} else if ($s.0 == $id + 1 && ($id == 82)) {\n"
		"\t\tprintf(\"sys_exit %s = %ld arg1=\\\"%s\\\" arg2=\\\"%s\\\" pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, str(uptr($s.1)), str(uptr($s.2)), pid, tid, comm);\n"
		"\t} else {\n"
		"\t\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, pid, tid, comm);\n"
		"\t}\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"{\n"
		"\t$s = @nx_sa[tid];\n"
		"\tif ($s.0 == 1 || $s.0 == 258 || $s.0 == 60 || $s.0 == 232) {\t// a filtered syscall that never returned: kept\n"
		"\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$s.0 - 1],\n"
		"\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t}\n"
		"\tdelete(@nx_sa[tid]);\n"
		"}\n"
		"\n"
		"END\n"
		"{\n"
		"\tclear(@nx_rel);\n"
		"\tclear(@nx_sys);\n"
		"\tclear(@nx_sa);\n"
		"}\n"

	},
	{
		"c6: a filter with paths off",
		"TraceCondition:\n"
		"  Command: /usr/bin/app\n"
		"  Sudo: True\n"
		"  Payloads: {Paths: 0}\n"
		"  Syscalls:\n"
		"    - getpid\n"
		"    - openat: {Trigger: \"ret >= 0 || comm == \\\"x\\\"\", PathPrefix: /tmp/}\n",
		"BEGIN\n"
		"{\n"
		"\t@nx_rel[cpid] = 1;\t// the command bpftrace -c started\n"
		"\t@nx_sys[39] = \"getpid\";\n"
		"\t@nx_sys[257] = \"openat\";\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_fork\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\t@nx_rel[args->child_pid] = 1;\t// Follow (a thread's key goes at its exit)\n"
		"\tprintf(\"fork child=%d pid=%d tid=%d comm=%s\\n\", args->child_pid, pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exec\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exec %s pid=%d tid=%d comm=%s\\n\", str(args->filename), pid, tid, comm);\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"/@nx_rel[pid]/\n"
		"{\n"
		"\tprintf(\"exit pid=%d tid=%d comm=%s\\n\", pid, tid, comm);\n"
		"\tdelete(@nx_rel[tid]);\t// a thread's key, or the process's with its main thread\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_enter\n"
		"/@nx_rel[pid] && (args->id == 39 || args->id == 257)/\n"
		"{\n"
		"\t$id = args->id;\n"
		"\t$s = ($id + 1, args->args[0], args->args[1], args->args[2],\n"
		"\t      args->args[3], args->args[4], args->args[5]);\n"
		"\tif (!($id == 257)) {\t// a filtered syscall prints at its exit\n"
		"\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t}\n"
		"\tif ($id == 257) {\t// its exit decides or prints paths\n"
		"\t\t@nx_sa[tid] = $s;\n"
		"\t}\n"
		"}\n"
		"\n"
		"tracepoint:raw_syscalls:sys_exit\n"
		"/@nx_rel[pid] && (args->id == 39 || args->id == 257)/\n"
		"{\n"
		"\t$id = args->id;\n"
		"\t$r = args->ret;\n"
		"\t$s = @nx_sa[tid];\t// (nr + 1, arg1..arg6) of its sys_enter, or zeros\n"
		"\tif ($s.0 != 0) {\n"
		"\t\tdelete(@nx_sa[tid]);\n"
		"\t}\n"
		"\tif ($id == 257) {\t// openat: Trigger 'ret >= 0 || comm == \"x\"' PathPrefix '/tmp/'\n"
		"\t\tif ($s.0 == 258 && (($r >= 0) || (comm == \"x\")) &&\n"
		"\t\t    strncmp(str(uptr($s.2)), \"/tmp/\", 5) == 0) {\n"
		"\t\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$id],\n"
		"\t\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t\t\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, pid, tid, comm);\n"
		"\t\t}\n"
		"\t} else {\n"
		"\t\tprintf(\"sys_exit %s = %ld pid=%d tid=%d comm=%s\\n\", @nx_sys[$id], $r, pid, tid, comm);\n"
		"\t}\n"
		"}\n"
		"\n"
		"tracepoint:sched:sched_process_exit\n"
		"{\n"
		"\t$s = @nx_sa[tid];\n"
		"\tif ($s.0 == 258) {\t// a filtered syscall that never returned: kept\n"
		"\t\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) pid=%d tid=%d comm=%s\\n\", @nx_sys[$s.0 - 1],\n"
		"\t\t       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, (int64)$s.5, (int64)$s.6, pid, tid, comm);\n"
		"\t}\n"
		"\tdelete(@nx_sa[tid]);\n"
		"}\n"
		"\n"
		"END\n"
		"{\n"
		"\tclear(@nx_rel);\n"
		"\tclear(@nx_sys);\n"
		"\tclear(@nx_sa);\n"
		"}\n"

	},
};

/* Loads yaml and generates its program; the caller frees the text. */
static char *gen(const char *yaml, const char *script)
{
	struct nx_config cfg;
	struct nx_err err = { 0 };
	char *text;
	size_t len;
	int rc;

	rc = nx_config_parse(&cfg, "c.yaml", yaml, strlen(yaml), &err);
	if (rc < 0)
		fail_msg("config: %s", err.msg);
	rc = nx_bpfscript_generate(&cfg, script, &text, &len, &err);
	if (rc < 0)
		fail_msg("generate: %s", err.msg);
	assert_int_equal(strlen(text), len);
	nx_config_release(&cfg);
	return text;
}

/* The error generating yaml's program gives, after mutate (may be NULL). */
static int gen_error(const char *yaml, void (*mutate)(struct nx_config *), struct nx_err *err)
{
	struct nx_config cfg;
	char *text = (char *)1;
	size_t len = 1;
	int rc;

	rc = nx_config_parse(&cfg, "c.yaml", yaml, strlen(yaml), err);
	if (rc < 0)
		fail_msg("config: %s", err->msg);
	if (mutate)
		mutate(&cfg);
	rc = nx_bpfscript_generate(&cfg, NULL, &text, &len, err);
	assert_true(rc < 0);
	assert_null(text);
	assert_int_equal(len, 0);
	nx_config_release(&cfg);
	return rc;
}

static void test_programs_match_the_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = gen(cases[i].yaml, NULL);
		const char *body = strstr(text, "\n\n");

		assert_non_null(body);
		if (strcmp(body + 2, cases[i].body))
			fail_msg("case %s: got\n%s", cases[i].name, body + 2);
		free(text);
	}
}

static void test_header_says_how_to_run_it(void **state)
{
	char *t;

	(void)state;
	t = gen("TraceCondition:\n  Command: '/bin/app -v \"it''s\"'\n  Sudo: True\n", "/tmp/p.bt");
	assert_non_null(strstr(t, "\n//     bpftrace -c '/bin/app -v it'\\''s' /tmp/p.bt\n"));
	assert_null(strstr(t, "setpriv"));	/* Sudo: True: root, as bpftrace runs it */
	assert_null(strstr(t, "where CMD"));
	assert_null(strstr(t, "Mode:"));	/* no Targets, nothing to say */
	assert_int_equal(strncmp(t, "#!/usr/bin/env bpftrace\n// Generated by nexus-record ", 53), 0);
	free(t);
	/* a word with a space: bpftrace -c cannot pass it, the header says so */
	t = gen("TraceCondition:\n  Command: /bin/app \"two words\"\n", NULL);
	assert_non_null(strstr(t, "\n//     bpftrace -c 'CMD' script.bt\n"));
	assert_non_null(strstr(t, "\n// where CMD is a script that runs the Command, /bin/app "
				  "\"two words\"\n// (-c splits at spaces and knows no quotes).\n"));
	assert_non_null(strstr(t, "setpriv --reuid=USER --regid=GROUP --init-groups"));
	free(t);
	t = gen("TraceCondition:\n  Command: [a, b]\n  NoExec: True\n", NULL);
	assert_non_null(strstr(t, "// Run it as root (NoExec: it watches a b):\n//     bpftrace script.bt\n"));
	assert_null(strstr(t, "cpid"));		/* bpftrace refuses cpid without -c */
	free(t);
	t = gen("TraceCondition:\n  Command: /bin/x\n  Targets:\n  - FilePath: /bin/x\n"
		"    Functions:\n      - Func: f\n", NULL);
	assert_non_null(strstr(t, "// Mode: full: nexus records every call and tags"));
	assert_non_null(strstr(t, "\n// sys_exit prints the path arguments (str(): 63 bytes; "));
	assert_null(strstr(t, "Syscalls filters"));
	free(t);
	t = gen("TraceCondition:\n  Command: /bin/x\n  Syscalls: [openat: {PathPrefix: /etc/}]\n",
		NULL);
	assert_non_null(strstr(t, "\n// Syscalls filters (Trigger, PathPrefix) are decided at "
				  "sys_exit, as nexus does:\n"));
	free(t);
	t = gen("TraceCondition:\n  Command: /bin/x\n  Syscalls: none\n", NULL);
	assert_null(strstr(t, "sys_exit prints"));
	free(t);
}

/* The path-taking syscalls of bpf/payload.h, exec included. */
#define COUNT1(...) + 1
#define NPATHSYS (0 NX_PATH_SYSCALLS(COUNT1) NX_EXEC_SYSCALLS(COUNT1))

static void test_syscalls_all_names_every_number(void **state)
{
	char *t, *p, *q, line[64];
	uint32_t n = 0;

	(void)state;
	t = gen("TraceCondition:\n  Command: /bin/x\n", NULL);
	for (p = t; (p = strstr(p, "\t@nx_sys[")); p++)
		n++;
	assert_int_equal(n, nx_syscall_max());
	assert_non_null(strstr(t, "\t@nx_sys[0] = \"read\";\n"));
	assert_non_null(strstr(t, "\t@nx_sys[257] = \"openat\";\n"));
	/* no list, no id filter: every syscall of a traced process */
	assert_non_null(strstr(t, "tracepoint:raw_syscalls:sys_enter\n/@nx_rel[pid]/\n"));
	assert_non_null(strstr(t, "tracepoint:raw_syscalls:sys_exit\n/@nx_rel[pid]/\n"));
	assert_non_null(strstr(t, "\tclear(@nx_sys);\n"));
	snprintf(line, sizeof(line), "\t@nx_sys[%u] = ", nx_syscall_max());
	assert_null(strstr(t, line));
	/* paths on: every path-taking syscall (bpf/payload.h) saves its
	 * arguments, and no other */
	p = strstr(t, "\tif ($id == ");
	assert_non_null(p);
	q = strchr(p, '\n');
	n = 0;
	for (; (p = strstr(p, "$id == ")) && p < q; p++)
		n++;
	assert_int_equal(n, NPATHSYS);
	assert_non_null(strstr(t, "\tif ($id == 2 || $id == 4 || $id == 6 || $id == 21 || "));
	assert_non_null(strstr(t, " || $id == 59 || "));	/* execve */
	assert_null(strstr(t, "$id == 0 ||"));			/* read */
	assert_non_null(strstr(t, "\t} else if ($s.0 == $id + 1 && ($id == 82 || $id == 86 || "
			       "$id == 88 || $id == 155 || $id == 165)) {\n"));
	free(t);
	/* paths off, no filter: nothing saved, the plain probes */
	t = gen("TraceCondition:\n  Command: /bin/x\n  Payloads: {Paths: 0}\n", NULL);
	assert_null(strstr(t, "@nx_sa"));
	assert_null(strstr(t, "$id"));
	free(t);
	/* every syscall, one filtered: the others print at entry */
	t = gen("TraceCondition:\n  Command: /bin/x\n  Payloads: {Paths: 0}\n"
		"  Syscalls: [all, {write: \"arg1 == 1\"}]\n", NULL);
	assert_non_null(strstr(t, "\tif (!($id == 1)) {\t// a filtered syscall prints at its exit\n"));
	assert_non_null(strstr(t, "\tif ($id == 1) {\t// its exit decides or prints paths\n"));
	assert_non_null(strstr(t, "\tif ($id == 1) {\t// write: Trigger 'arg1 == 1'\n"
			       "\t\tif ($s.0 == 2 && ((int64)$s.1 == 1)) {\n"));
	assert_non_null(strstr(t, "\tif ($s.0 == 2) {\t// a filtered syscall that never returned"));
	free(t);
}

static void bad_trigger(struct nx_config *cfg)
{
	free(cfg->targets[0].funcs[0].triggers[0].text);
	cfg->targets[0].funcs[0].triggers[0].text = strdup("arg1 == 1 arg7");
}

static void bad_args(struct nx_config *cfg)
{
	free(cfg->targets[0].funcs[0].args[0]);
	cfg->targets[0].funcs[0].args[0] = strdup("arg7:str");
}

static void bad_sys_trigger(struct nx_config *cfg)
{
	free(cfg->sysfilters[0].trigger);
	cfg->sysfilters[0].trigger = strdup("arg7 == 1");
}

static void test_what_bpftrace_cannot_say_is_refused(void **state)
{
	static const struct {
		const char *yaml;
		void (*mutate)(struct nx_config *);
		const char *msg;
	} bad[] = {
		{ "TraceCondition:\n  Command: x\n  Targets:\n  - FilePath: \"/lib/a\\\"b.so\"\n"
		  "    Functions:\n      - Func: f\n", NULL,
		  "c.yaml:4:5: FilePath '/lib/a\"b.so': a bpftrace probe cannot name a file with "
		  "quotes, backslashes, wildcards or control characters" },
		{ "TraceCondition:\n  Command: x\n  Targets:\n  - FilePath: /lib/*.so\n"
		  "    Functions:\n      - Func: f\n", NULL,
		  "c.yaml:4:5: FilePath '/lib/*.so': a bpftrace probe cannot name a file with "
		  "quotes, backslashes, wildcards or control characters" },
		{ "TraceCondition:\n  Command: x\n  Targets:\n  - FilePath: /lib/a.so\n"
		  "    Functions:\n      - Func: a-b\n", NULL,
		  "c.yaml:6:9: Func 'a-b': a bpftrace probe names a function with letters, "
		  "digits, '_' and '.' only" },
		{ "TraceCondition:\n  Command: x\n  Targets:\n  - FilePath: /lib/a.so\n"
		  "    Functions:\n      - Func: \"f%s\"\n", NULL,
		  "c.yaml:6:9: Func 'f%s': a bpftrace probe names a function with letters, "
		  "digits, '_' and '.' only" },
		{ "TraceCondition:\n  Command: [sshd, 'a\"b']\n  NoExec: True\n", NULL,
		  "c.yaml: Command: NoExec name 'a\"b': bpftrace cannot compare comm with a name "
		  "holding quotes, backslashes or control characters" },
		{ "TraceCondition:\n  Command: x\n  Targets:\n  - FilePath: /lib/a.so\n"
		  "    Functions:\n      - Func: f\n        Triggers: [arg1 == 1]\n", bad_trigger,
		  "c.yaml:7:30: unexpected 'arg7' after the expression: expected an operator or "
		  "the end" },
		{ "TraceCondition:\n  Command: x\n  Targets:\n  - FilePath: /lib/a.so\n"
		  "    Functions:\n      - Func: f\n        Args: [arg1:str]\n", bad_args,
		  "c.yaml:6:9: Args: 'arg7:str' is not argN:str" },
		{ "TraceCondition:\n  Command: x\n  Syscalls:\n    - openat: {PathPrefix: \"/a\\\"b\"}\n",
		  NULL, "c.yaml:4:7: PathPrefix '/a\"b': bpftrace cannot compare a path with a "
		  "prefix holding quotes, backslashes or control characters" },
		{ "TraceCondition:\n  Command: x\n  Syscalls:\n    - openat: {PathPrefix: \"/a\\\\b\"}\n",
		  NULL, "c.yaml:4:7: PathPrefix '/a\\b': bpftrace cannot compare a path with a "
		  "prefix holding quotes, backslashes or control characters" },
		{ "TraceCondition:\n  Command: x\n  Syscalls:\n    - read: \"arg1 == 1\"\n",
		  bad_sys_trigger, "c.yaml:4:13: no such argument 'arg7' (arg1..arg6)" },
		{ "TraceCondition:\n  Command: x\n  Syscalls: [openat, mmap2]\n", NULL,
		  "c.yaml: Syscalls: mmap2 is i386-only, and bpftrace cannot tell i386 syscall "
		  "numbers from x86-64 ones" },
	};
	struct nx_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(gen_error(bad[i].yaml, bad[i].mutate, &err), -EINVAL);
		assert_int_equal(err.code, -EINVAL);
		if (strcmp(err.msg, bad[i].msg))
			fail_msg("case %zu: got '%s'", i, err.msg);
	}
}

static void test_a_failing_stream_is_eio(void **state)
{
	const char *yaml = "TraceCondition:\n  Command: x\n";
	struct nx_config cfg;
	struct nx_err err = { 0 };
	FILE *f;

	(void)state;
	assert_int_equal(nx_config_parse(&cfg, "c.yaml", yaml, strlen(yaml), &err), 0);
	f = fopen("/dev/null", "r");	/* every write fails */
	assert_non_null(f);
	assert_int_equal(nx_bpfscript_write(f, &cfg, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg, "writing the bpftrace program failed"));
	fclose(f);
	nx_config_release(&cfg);
}

static void test_save_creates_it_like_a_recording(void **state)
{
	char dir[] = "/tmp/nx-bpfscript-XXXXXX", path[64], link[64];
	struct nx_err err = { 0 };
	struct stat st;
	char buf[16] = { 0 };
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.bt", dir);
	snprintf(link, sizeof(link), "%s/l.bt", dir);
	umask(0);
	assert_int_equal(nx_bpfscript_save(path, "BEGIN {}\n", 9, NULL, &err), 0);
	umask(022);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 9);
	assert_int_equal(nx_bpfscript_save(path, "END {}\n", 7, NULL, &err), -EEXIST);
	assert_string_equal(err.msg + strlen(path), ": exists (use -f to replace it)");
	assert_int_equal(nx_bpfscript_save(path, "END {}\n", 7,
					   &(struct nx_output_opts){ .force = true }, &err), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	assert_string_equal(buf, "END {}\n");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(nx_bpfscript_save(link, "x", 1,
					   &(struct nx_output_opts){ .force = true }, &err), -ELOOP);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_a_failed_write_leaves_no_file(void **state)
{
	char dir[] = "/tmp/nx-bpfscript-XXXXXX", path[64], big[8192];
	struct rlimit old, lim = { 4096, 4096 };
	struct nx_err err = { 0 };
	void (*prev)(int);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.bt", dir);
	memset(big, '/', sizeof(big));
	prev = signal(SIGXFSZ, SIG_IGN);	/* past the limit: EFBIG, not a signal */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(nx_bpfscript_save(path, big, sizeof(big), NULL, &err), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_non_null(strstr(err.msg, ": cannot write it: File too large"));
	assert_int_equal(access(path, F_OK), -1);	/* the partial file is gone */
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_programs_match_the_table),
		cmocka_unit_test(test_header_says_how_to_run_it),
		cmocka_unit_test(test_syscalls_all_names_every_number),
		cmocka_unit_test(test_what_bpftrace_cannot_say_is_refused),
		cmocka_unit_test(test_a_failing_stream_is_eio),
		cmocka_unit_test(test_save_creates_it_like_a_recording),
		cmocka_unit_test(test_a_failed_write_leaves_no_file),
	};

	return cmocka_run_group_tests_name("bpfscript", tests, NULL, NULL);
}
