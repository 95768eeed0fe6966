#ifndef NX_CAPTURE_BPFSCRIPT_H	/* capture/bpfscript.h: the bpftrace program equivalent to a config */
#define NX_CAPTURE_BPFSCRIPT_H

#include <stddef.h>
#include <stdio.h>

#include "capture/config.h"
#include "capture/output.h"
#include "format/err.h"

/*
 * The program (README "The bpftrace program") has, in this order: a header
 * comment saying where it came from and how to run it (`bpftrace -c CMD
 * FILE` for a launched Command, `bpftrace FILE` for NoExec), BEGIN (seeds
 * the relevancy map @nx_rel with cpid, the syscall name table), the sched
 * fork/exec/exit tracepoints that keep @nx_rel (Follow, NoExec names) and
 * print process events, raw_syscalls sys_enter/sys_exit limited to the
 * Syscalls list (a filtered syscall decided at sys_exit on the arguments
 * sys_enter saved per thread in @nx_sa; path arguments printed at
 * sys_exit), a sched_process_exit probe for filtered syscalls that never
 * return, one uprobe or uretprobe per function of Targets filtered by its
 * manual triggers OR-ed (nx_trigger_to_bpftrace), a Duration interval, and
 * END. Each event prints one line starting with its kind: call, return,
 * sys_enter, sys_exit, fork, exec, exit, and ending with pid= tid= comm=.
 *
 * Triggers bpftrace cannot express (auto, cpu, disk) are named in a comment
 * and left out of the filter; a function left with no manual trigger prints
 * every call of a traced process (the calls nexus-record could keep).
 */

/*
 * Writes the program for cfg to f (cfg->path names the config in the header,
 * script the program in its "how to run" line; NULL: "script.bt").
 * -EINVAL when a part of the config cannot be written in bpftrace (a FilePath
 * or Func with a quote, a control byte, or a character bpftrace would read as
 * a wildcard; a PathPrefix with a quote, backslash or control byte; a
 * trigger that does not parse), with "path:line:col: what" in err; -EIO when the stream reported an error.
 */
int nx_bpfscript_write(FILE *f, const struct nx_config *cfg, const char *script,
		       struct nx_err *err);

/* The same into memory: *text (NUL-terminated, the caller frees it) and *len. */
int nx_bpfscript_generate(const struct nx_config *cfg, const char *script, char **text,
			  size_t *len, struct nx_err *err);

/*
 * Creates path as nx_output_create() does (mode 0600, O_EXCL | O_NOFOLLOW,
 * handed to opts' uid:gid, replaced only with opts->force) and writes len
 * bytes of text to it. On a write error the partial file is removed.
 * Returns 0 or a negative errno with "path: what" in err.
 */
int nx_bpfscript_save(const char *path, const char *text, size_t len,
		      const struct nx_output_opts *opts, struct nx_err *err);

#endif
