#ifndef NX_ANALYZE_TRIGGER_H	/* analyze/trigger.h: the trigger language */
#define NX_ANALYZE_TRIGGER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/trigger.h"
#include "format/err.h"

/*
 * One trigger of a hooked function (DESIGN.md "Triggers"); a function's
 * triggers are OR-ed by the caller. Three kinds:
 *  - manual: a C-like boolean expression, e.g. `arg2 & 0xff == 3 && comm != "sh"`,
 *    evaluated on signed 64-bit values (README: the trigger language);
 *  - auto: `auto arg1 arg3`, rare-value detection (analyze/rare.h) over those values;
 *  - health: `cpu`, `disk`, `cpu > N`, `disk > N` (N a percentage).
 * Manual and health triggers compile to a predicate program (bpf/trigger.h)
 * that the kernel runs with bpf/trigger.bpf.h and user space with
 * nx_trig_prog_eval(); nx_trigger_eval_tree() is the reference semantics.
 */

enum nx_trigger_type {
	NX_TRIGGER_MANUAL = 1,
	NX_TRIGGER_AUTO = 2,
	NX_TRIGGER_HEALTH = 3,
};

enum nx_trigger_health {
	NX_TRIGGER_CPU = 1,
	NX_TRIGGER_DISK = 2,
};

#define NX_TRIGGER_MAX_TEXT 4096	/* longer text is refused before lexing */
#define NX_TRIGGER_MAX_AUTO 6		/* = NX_RARE_MAX_VALS */

struct nx_trigger_ctx {		/* NULL or zero: a uprobe */
	uint32_t hook;		/* enum nxr_hook (format/meta.h): uprobe or uretprobe */
	uint32_t syscall;	/* 1: a syscall filter, decided at exit: arg1..arg6 and
				 * ret both exist (hook is then ignored) */
};

struct nx_trigger;		/* opaque: a checked syntax tree, invariants in trigger.c */

/*
 * Parses one trigger. NULL on failure with -EINVAL (or -ENOMEM) and
 * err->msg "column C: what is wrong: what was expected", C 1-based in text;
 * *err_col (may be NULL) gets C, 0 when the error has no column. The text
 * after the first ": " is the message without its position, for callers that
 * print their own (file:line:col). A manual or health trigger that parses
 * also compiles (its program fits NX_TRIG_MAX_INSNS).
 */
struct nx_trigger *nx_trigger_parse(const char *text, const struct nx_trigger_ctx *ctx,
				    uint32_t *err_col, struct nx_err *err);
void nx_trigger_free(struct nx_trigger *t);	/* NULL: no-op */

enum nx_trigger_type nx_trigger_type(const struct nx_trigger *t);
/* auto: fills vars[0..n) with the watched values in the order written
 * (enum nx_trig_var: NX_TRIG_VAR_ARG1 + i, or NX_TRIG_VAR_RET on a uretprobe)
 * and returns n (1..NX_TRIGGER_MAX_AUTO); 0 for other kinds. */
unsigned nx_trigger_auto_vars(const struct nx_trigger *t, uint8_t vars[NX_TRIGGER_MAX_AUTO]);
/* health: which (enum nx_trigger_health) and the threshold in percent, or -1
 * when none was written (`cpu`: the config's Health threshold applies, through
 * the NX_HEALTH_* flags). Returns 0, or -EINVAL for other kinds. */
int nx_trigger_health(const struct nx_trigger *t, enum nx_trigger_health *which,
		      int *threshold_pct);

/*
 * Compiles a manual or health trigger into *out (fully written, unused
 * instructions zeroed). -EINVAL for an auto trigger (rare-value detection
 * has no predicate program) and -E2BIG when the program would not fit
 * (nx_trigger_parse already refuses those).
 */
int nx_trigger_compile(const struct nx_trigger *t, struct nx_trig_prog *out, struct nx_err *err);

/* The reference semantics, on the tree. An auto trigger is false here: it is
 * decided by analyze/rare.c, not by a predicate. */
bool nx_trigger_eval_tree(const struct nx_trigger *t, const struct nx_trig_input *in);
/* The user-space twin of nx_trig_bpf_eval() (bpf/trigger.bpf.h): any program,
 * even a malformed one, gives the same answer in both. */
bool nx_trig_prog_eval(const struct nx_trig_prog *p, const struct nx_trig_input *in);
/* The inputs beyond args, ret, pid and tid a program reads, as NX_UP_NEED_*
 * bits (bpf/uprobe.h): the BPF side fetches only those, the replay keeps a
 * process table only for uid and comm. */
uint32_t nx_trig_prog_needs(const struct nx_trig_prog *p);

/*
 * Canonical text (snprintf contract: returns the full length, writes at most
 * len bytes, NUL-terminated when len > 0): single spaces around binary
 * operators, parentheses only where the precedence needs them, literals as
 * written (decimal or 0x hex). Parsing it again gives the same tree.
 */
int nx_trigger_format(const struct nx_trigger *t, char *buf, size_t len);
/*
 * A manual trigger as a bpftrace filter expression (snprintf contract):
 * argN -> (int64)arg(N-1), ret -> (int64)retval, pid/tid/uid -> (int64)pid...,
 * comm as is, every binary operation parenthesised (bpftrace has C's
 * precedence, ours differs). -EINVAL for auto and health triggers, which
 * bpftrace cannot express.
 */
int nx_trigger_to_bpftrace(const struct nx_trigger *t, char *buf, size_t len,
			   struct nx_err *err);
/*
 * The same with the names of the values given: argN becomes args[N-1] and
 * ret becomes ret, each written as is (signed 64-bit expressions, e.g.
 * "(int64)$s.1" and "args->ret" at raw_syscalls:sys_exit, where bpftrace has
 * no argN nor retval). vars NULL: nx_trigger_to_bpftrace's names; a NULL
 * name is -EINVAL.
 */
struct nx_trigger_bpftrace_vars {
	const char *args[6];
	const char *ret;
};
int nx_trigger_to_bpftrace_vars(const struct nx_trigger *t,
				const struct nx_trigger_bpftrace_vars *vars, char *buf, size_t len,
				struct nx_err *err);

#endif
