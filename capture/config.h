#ifndef NX_CAPTURE_CONFIG_H	/* capture/config.h: the TraceCondition YAML, loaded and checked */
#define NX_CAPTURE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/paycfg.h"
#include "format/err.h"

enum nx_mode { NX_MODE_FULL = 0, NX_MODE_TRIGGERED = 1 };

/* Where something was written in the config: 1-based, as editors count. */
struct nx_pos {
	uint32_t line, col;
};

struct nx_config_trigger {
	char *text;			/* as written, e.g. "arg2 == 0x541c" */
	struct nx_pos pos;		/* of the scalar, for errors found later */
	char *comment;			/* owned, NULL: written before it by nx_config_write */
	/*
	 * auto triggers only: tuples known to be common before the run (a tuned
	 * config from nexus-replay -o), written as a mapping item
	 *   - Trigger: auto arg1 arg2
	 *     Common: [[3, 0x541c], [4, 21505]]
	 * ncommon tuples of ncommon_vals values each (= the trigger's arity),
	 * back to back in common; nexus-record preloads them into the kernel's
	 * common-value map (nx_adapt_preload) so the run starts adapted.
	 */
	uint64_t *common;		/* owned, NULL when ncommon == 0 */
	uint32_t ncommon;
	uint32_t ncommon_vals;
};

struct nx_config_func {
	char *func;
	uint32_t hook;			/* enum nxr_hook: uprobe or uretprobe */
	struct nx_config_trigger *triggers;
	uint32_t ntriggers;
	char **args;			/* optional capture specs, e.g. "arg2:str" */
	uint32_t nargs;
	struct nx_pos pos;
	char *print;			/* Print: '"fmt %d", arg2' for nexus-dump (analyze/printfmt.h), or NULL */
	struct nx_pos print_pos;
};

/*
 * A filter on one syscall (a Syscalls list item written as a map, e.g.
 * `read: "arg3 > 1024"` or `openat: {Trigger: "...", PathPrefix: /etc/}`):
 * only the calls for which it holds are recorded, decided in the kernel.
 * Those it drops are counted, never silent.
 */
struct nx_config_sysfilter {
	uint32_t nr;			/* syscall number */
	char *trigger;			/* trigger expression over arg1..arg6 and ret, or NULL */
	struct nx_pos trigger_pos;
	char *path_prefix;		/* only calls whose path argument starts with it, or NULL */
	struct nx_pos pos;
};

/*
 * Filter (TraceCondition.Filter, --comm/--uid): which of the processes that
 * are otherwise traced get recorded, decided in the kernel once per process
 * (at its first event after exec or fork) and cached. Kinds AND together,
 * the values of one kind OR; a kind with no values does not filter. A
 * filtered-out process is still followed (its children are judged on their
 * own) and still waited for, but nothing of it is recorded.
 */
#define NX_FILTER_MAX 16		/* values of each kind */
struct nx_config_filter {
	uint32_t *pids;			/* Pid: process (thread group) ids */
	uint32_t npids;
	uint32_t *uids;			/* Uid: real user ids */
	uint32_t nuids;
	char **comms;			/* Comm: names, exact or with * and ? wildcards; NULL-terminated */
	uint32_t ncomms;
	struct nx_pos pos;
};

/* SyscallPrint: the print format of one syscall, for nexus-dump. */
struct nx_config_sysprint {
	uint32_t nr;
	char *print;			/* '"fmt %d", arg3' (analyze/printfmt.h) */
	struct nx_pos pos;
};

struct nx_config_target {
	char *path;			/* FilePath */
	struct nx_config_func *funcs;
	uint32_t nfuncs;
	struct nx_pos pos;
};

/*
 * A loaded config: a plain value that owns every string and array in it
 * (freed by nx_config_release). Keys the file omits hold their defaults.
 */
struct nx_config {
	char *path;			/* the file name, for messages */
	char *text;			/* the whole file as read, for the recording header */
	size_t text_len;
	char *command;			/* Command as written; NULL with -e / -p only */
	char **argv;			/* Command split like a shell, NULL-terminated */
	uint32_t argc;
	bool sudo;			/* Sudo: keep root for the command */
	bool noexec;			/* NoExec: trace processes that exec a matching name */
	bool noexec_all;		/* NoExec with Command '*': every process */
	char **noexec_names;		/* basenames to match (NoExec), NULL-terminated */
	uint32_t nnoexec_names;
	char *logs_dir;			/* LogsDir, default "./tracer_logs" */
	char *script_path;		/* ScriptPath, NULL if absent */
	struct nx_config_target *targets;
	uint32_t ntargets;
	double duration_s;		/* Duration, 0 = until the command exits */
	bool syscalls_none;		/* Syscalls: none */
	uint32_t *syscalls;		/* Syscalls: [names] as numbers (x86-64, or NX_SYS_IA32 | n for an
				 * i386-only name); NULL = all */
	uint32_t nsyscalls;
	struct nx_config_sysfilter *sysfilters;	/* Syscalls items with a filter (their nr is in syscalls too) */
	uint32_t nsysfilters;
	struct nx_paycfg payloads;	/* Payloads: limits of the PAYLOAD events */
	bool follow;			/* Follow, default true */
	enum nx_mode mode;		/* Mode, default full */
	struct {
		uint32_t interval_ms;	/* Health.Interval (seconds in YAML), default 1000 */
		uint32_t cpu_pct;	/* Health.Cpu threshold, default 90 */
		uint32_t disk_pct;	/* Health.Disk threshold, default 90 */
	} health;
	struct nx_config_filter filter;	/* Filter, empty by default */
	struct nx_config_sysprint *sysprints;	/* SyscallPrint */
	uint32_t nsysprints;
};

/* Sets the defaults; nothing to release yet. logs_dir then points at a static
 * default string: never free the fields yourself, call nx_config_release. */
void nx_config_init(struct nx_config *cfg);

/* Loader options (NULL or all-zero: defaults). */
struct nx_config_opts {
	bool command_optional;		/* the caller names the processes itself (-e / -p):
					 * a missing Command is not an error */
};

/* Config files larger than this are refused (the recording header's limit). */
#define NX_CONFIG_MAX_BYTES (1u << 20)
/* Triggers of one function: one bit each in a CALL event's `triggers` mask. */
#define NX_CONFIG_MAX_TRIGGERS 64u
/* Common tuples of one auto trigger (loader and nx_config_write alike). */
#define NX_CONFIG_MAX_COMMON 4096u

/*
 * Reads and checks the file. Errors (-EINVAL for bad content, -ENOENT,
 * -EACCES) say "path:line:col: what is wrong" with the key or token at fault;
 * those about the file as a whole have no position ("path: cannot open the
 * config: ...", "path: the config is larger than 1048576 bytes"). cfg need
 * not be initialised before (its old content is not freed). On error cfg is
 * left released and initialised again. Under sudo (euid 0 with SUDO_UID set)
 * the file is opened with the invoking user's permissions: a config that user
 * cannot read is refused with -EACCES and none of it is echoed; a malformed
 * SUDO_UID is -EINVAL.
 */
int nx_config_load(struct nx_config *cfg, const char *path, struct nx_err *err);
/* Same over text in memory; name stands in for the path in messages. */
int nx_config_parse(struct nx_config *cfg, const char *name, const char *text, size_t len,
		    struct nx_err *err);
/* The same two with options. */
int nx_config_load_opts(struct nx_config *cfg, const char *path,
			const struct nx_config_opts *opts, struct nx_err *err);
int nx_config_parse_opts(struct nx_config *cfg, const char *name, const char *text, size_t len,
			 const struct nx_config_opts *opts, struct nx_err *err);

/* Splits a command line like a shell without expansion: quotes and
 * backslashes; NULL-terminated array owned by the caller (nx_argv_free).
 * A blank line gives argc 0; an unterminated quote is -EINVAL with
 * "unterminated double quote (opened at character N)". */
int nx_argv_split(const char *line, char ***argvp, uint32_t *argcp, struct nx_err *err);
void nx_argv_free(char **argv);

void nx_config_release(struct nx_config *cfg);	/* frees everything, then re-inits */

#endif
