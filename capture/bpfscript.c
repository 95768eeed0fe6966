/*
 * capture/bpfscript.c: the bpftrace program equivalent to a config
 * (ScriptPath, nexus-record --emit-bpftrace).
 *
 * The program is for people who want to see the same events without nexus,
 * or to check nexus against a tool they trust, so it follows nexus's
 * semantics where bpftrace can and says in comments where it cannot:
 *  - relevancy (bpf/proc.bpf.c) is the map @nx_rel keyed by tgid: seeded with
 *    bpftrace's cpid (the program runs as `bpftrace -c CMD`), filled from
 *    sched_process_exec by comm for NoExec (comm is the executed file's
 *    basename cut at 15 bytes, exactly what nexus matches) and from
 *    sched_process_fork when Follow; a thread's or the main thread's exit
 *    removes its key (nexus waits for the group's death: a process whose
 *    main thread exits first goes untraced here). NoExec '*' traces every
 *    process but bpftrace itself, whose pid BEGIN learns.
 *  - triggers go through nx_trigger_to_bpftrace(), which keeps our signed,
 *    1-based meaning; auto and health triggers cannot be expressed and are
 *    left out of the filter (named in a comment). A function with no manual
 *    trigger prints every call, the superset of what nexus keeps, rather
 *    than nothing: a trace that hides calls is worse than a long one.
 *  - Syscalls filters are decided at sys_exit on the saved arguments, with
 *    nx_trigger_to_bpftrace_vars() and strncmp for PathPrefix: exact, as
 *    nexus decides them (see the Syscalls comment below).
 *  - every string taken from the config lands in a probe name, a string
 *    literal or a comment: what would change the program's meaning there
 *    (quotes, backslashes, control bytes, wildcards) is refused, never
 *    escaped into something the user did not write.
 */
#include "capture/bpfscript.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/syscalls.h"
#include "analyze/trigger.h"
#include "bpf/events.h"
#include "bpf/payload.h"
#include "capture/sysfilt.h"
#include "format/meta.h"

#define COMM_MAX 15		/* TASK_COMM_LEN - 1: what comm holds of a name */
#define LINE_END "pid=%d tid=%d comm=%s\\n"
#define LINE_END_F "pid=%%d tid=%%d comm=%%s\\n"	/* the same through fprintf */
#define LINE_ARGS "pid, tid, comm"

struct gen {
	FILE *f;
	const struct nx_config *cfg;
	const char *rel;	/* the relevancy test of every probe */
	bool all;		/* NoExec '*' */
	bool sys;		/* the raw_syscalls probes are written */
};

/* Config text shown in a comment: one line, control bytes as '?'. */
static void put_safe(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static bool has_ctl(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* A FilePath goes between double quotes in the probe name: bpftrace has no
 * escapes there, and reads '*' as a wildcard. */
static int check_path(const struct nx_config *cfg, const struct nx_config_target *t,
		      struct nx_err *err)
{
	if (has_ctl(t->path) || strpbrk(t->path, "\"\\*?[]"))
		return nx_err_set(err, -EINVAL, "%s:%u:%u: FilePath '%s': a bpftrace probe "
				  "cannot name a file with quotes, backslashes, wildcards or "
				  "control characters", cfg->path, t->pos.line, t->pos.col, t->path);
	return 0;
}

/* A Func goes bare in the probe name and inside printf's format string. */
static int check_func(const struct nx_config *cfg, const struct nx_config_func *fn,
		      struct nx_err *err)
{
	const char *p = fn->func;

	if (!*p)
		goto bad;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
			goto bad;
	return 0;
bad:
	return nx_err_set(err, -EINVAL, "%s:%u:%u: Func '%s': a bpftrace probe names a "
			  "function with letters, digits, '_' and '.' only", cfg->path,
			  fn->pos.line, fn->pos.col, fn->func);
}

/* A NoExec name becomes `comm == "name"`: bpftrace string literals would
 * take a backslash as an escape. */
static int check_name(const struct nx_config *cfg, const char *name, struct nx_err *err)
{
	if (has_ctl(name) || strpbrk(name, "\"\\"))
		return nx_err_set(err, -EINVAL, "%s: Command: NoExec name '%s': bpftrace cannot "
				  "compare comm with a name holding quotes, backslashes or "
				  "control characters", cfg->path, name);
	return 0;
}

/* The command as bpftrace's -c wants it: words joined by single spaces
 * (bpftrace splits at spaces and knows no quotes), shell-quoted as a whole
 * for the comment. False when a word holds whitespace or is empty. */
static bool put_dash_c(FILE *f, const struct nx_config *cfg)
{
	for (uint32_t i = 0; i < cfg->argc; i++)
		if (!*cfg->argv[i] || strpbrk(cfg->argv[i], " \t\n"))
			return false;
	fputc('\'', f);
	for (uint32_t i = 0; i < cfg->argc; i++) {
		if (i)
			fputc(' ', f);
		for (const char *p = cfg->argv[i]; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc((unsigned char)*p < 0x20 ? '?' : *p, f);
		}
	}
	fputc('\'', f);
	return true;
}

static void put_header(struct gen *g, const char *script)
{
	const struct nx_config *cfg = g->cfg;
	FILE *f = g->f;

	fputs("#!/usr/bin/env bpftrace\n", f);
	fputs("// Generated by nexus-record " NX_VERSION " from ", f);
	put_safe(f, cfg->path ? cfg->path : "(no config)");
	fputs(": the bpftrace program\n// equivalent to its TraceCondition "
	      "(README: The bpftrace program).\n//\n// Run it as root", f);
	if (cfg->noexec) {
		fputs(" (NoExec: it watches ", f);
		if (g->all)
			fputs("every process)", f);
		else
			put_safe(f, cfg->command ? cfg->command : "");
		fprintf(f, "%s:\n//     bpftrace %s\n", g->all ? "" : ")", script);
	} else if (cfg->argc) {
		fputs(", with the command it traces:\n//     bpftrace -c ", f);
		if (put_dash_c(f, cfg)) {
			fprintf(f, " %s\n", script);
		} else {
			fprintf(f, "'CMD' %s\n// where CMD is a script that runs the Command, ", script);
			put_safe(f, cfg->command ? cfg->command : "");
			fputs("\n// (-c splits at spaces and knows no quotes).\n", f);
		}
		fputs("// bpftrace starts the command held until the probes are attached, as "
		      "nexus-record\n// does; cpid is its pid. -c wants the program's full path "
		      "when PATH has it twice.\n", f);
	} else {
		fprintf(f, ", with the command to trace:\n//     bpftrace -c 'CMD' %s\n", script);
	}
	if (!cfg->noexec && !cfg->sudo)
		fputs("// Sudo: False: nexus-record runs the command as the user who ran sudo; "
		      "bpftrace -c\n// runs it as root. To match, prefix it with\n"
		      "//     setpriv --reuid=USER --regid=GROUP --init-groups\n", f);
	fputs("// The tracepoint: probes need tracefs: mount -t tracefs nodev "
	      "/sys/kernel/tracing\n//\n"
	      "// One line per event, its kind first, then pid=P tid=T comm=C:\n"
	      "//     call FUNC(arg1, ..., arg6) [argN=\"string\"]   a uprobe\n"
	      "//     return FUNC = RET                          a uretprobe\n"
	      "//     sys_enter NAME(arg1, ..., arg6)\n"
	      "//     sys_exit NAME = RET [argN=\"path\"]\n"
	      "//     fork child=PID, exec FILE, exit\n"
	      "// Values are signed 64-bit, as nexus's triggers read them.\n", f);
	if (cfg->mode == NX_MODE_FULL && cfg->ntargets)
		fputs("// Mode: full: nexus records every call and tags those a trigger holds "
		      "for; this\n// program prints only the calls some trigger holds for.\n", f);
	if (g->sys && cfg->payloads.path_max)
		fputs("// sys_exit prints the path arguments (str(): 63 bytes; nexus keeps Paths, "
		      "256 by\n// default); ", f);
	else if (g->sys)
		fputs("// ", f);
	if (g->sys)
		fputs("exec argv and I/O bytes (Payloads) are not printed.\n", f);
	if (g->sys && cfg->nsysfilters)
		fputs("// Syscalls filters (Trigger, PathPrefix) are decided at sys_exit, as nexus "
		      "does:\n// a filtered syscall prints its sys_enter line there, beside its "
		      "sys_exit line,\n// when the filter holds; nothing when it does not. One "
		      "that never returns\n// (exit_group) is printed when its thread exits, "
		      "one still blocked at the end\n// is not.\n", f);
	fputc('\n', f);
}

static void put_begin(struct gen *g, bool sys_probes)
{
	const struct nx_config *cfg = g->cfg;
	bool launch = !cfg->noexec;
	char buf[32];

	if (!launch && !g->all && !sys_probes)
		return;
	fputs("BEGIN\n{\n", g->f);
	if (g->all)
		fputs("\t@nx_self = pid;\t// BEGIN runs in bpftrace: never trace ourselves\n",
		      g->f);
	else if (launch)
		fputs("\t@nx_rel[cpid] = 1;\t// the command bpftrace -c started\n", g->f);
	if (sys_probes) {
		/* the names the sys_ probes print: the listed ones, or every one
		 * this build knows (syscall_<n> for numbers it has no name for) */
		uint32_t n = cfg->syscalls ? cfg->nsyscalls : nx_syscall_max();

		for (uint32_t i = 0; i < n; i++) {
			uint32_t nr = cfg->syscalls ? cfg->syscalls[i] : i;

			fprintf(g->f, "\t@nx_sys[%" PRIu32 "] = \"%s\";\n", nr,
				nx_syscall_name(nr, buf, sizeof(buf)));
		}
	}
	fputs("}\n\n", g->f);
}

static int put_sched(struct gen *g, struct nx_err *err)
{
	const struct nx_config *cfg = g->cfg;
	FILE *f = g->f;
	int rc;

	fprintf(f, "tracepoint:sched:sched_process_fork\n/%s/\n{\n", g->rel);
	if (cfg->follow && !g->all)
		fputs("\t@nx_rel[args->child_pid] = 1;\t// Follow (a thread's key goes at its "
		      "exit)\n", f);
	fputs("\tprintf(\"fork child=%d " LINE_END "\", args->child_pid, " LINE_ARGS ");\n}\n\n",
	      f);

	fputs("tracepoint:sched:sched_process_exec\n/", f);
	fputs(g->rel, f);
	if (cfg->noexec && !g->all) {
		for (uint32_t i = 0; i < cfg->nnoexec_names; i++) {
			const char *name = cfg->noexec_names[i];

			if ((rc = check_name(cfg, name, err)) < 0)
				return rc;
			fprintf(f, " || comm == \"%.*s\"", COMM_MAX, name);
		}
	}
	fputs("/\n{\n", f);
	if (cfg->noexec && !g->all)
		fputs("\t@nx_rel[pid] = 1;\t// NoExec: comm is the file's basename, cut at 15 "
		      "bytes\n", f);
	fputs("\tprintf(\"exec %s " LINE_END "\", str(args->filename), " LINE_ARGS ");\n}\n\n",
	      f);

	fprintf(f, "tracepoint:sched:sched_process_exit\n/%s/\n{\n", g->rel);
	fputs("\tprintf(\"exit " LINE_END "\", " LINE_ARGS ");\n", f);
	if (!g->all)
		fputs("\tdelete(@nx_rel[tid]);\t// a thread's key, or the process's with its "
		      "main thread\n", f);
	fputs("}\n\n", f);
	return 0;
}

/*
 * Syscalls. nexus decides a filtered syscall (a Syscalls item with a
 * Trigger or PathPrefix) at its exit and keeps nothing of one whose filter
 * does not hold; it reads path payloads at exit too. The program does the
 * same with the six argument registers saved per thread at sys_enter
 * (@nx_sa[tid] = (nr + 1, arg1..arg6): raw_syscalls:sys_exit has only the
 * number and ret): a filtered syscall prints its sys_enter line at exit,
 * beside its sys_exit line, when the filter holds. Saved are the filtered
 * syscalls and, when paths are on, the path-taking ones (bpf/payload.h).
 *
 * The probe bodies read each field of args once (args->id into $id, the
 * registers into the tuple $s, args->ret into $r) and test $id: bpftrace
 * 0.17's LLVM may load a field again through a ctx pointer plus its
 * offset, which the verifier refuses ("dereference of modified ctx ptr"),
 * and does so for a long chain of args->id tests or a register read twice.
 */

/* The path arguments of nr (bit i: argument i + 1); *exec: an exec, whose
 * path at a successful exit is the new stack's AT_EXECFN. */
static uint32_t path_args(uint32_t nr, bool *exec)
{
	uint32_t paths = 0;

	*exec = false;
#define PATHS(name, n, p) if (nr == n) paths = p;
#define EXECS(name, n, p, argv) if (nr == n) { paths = p; *exec = true; }
	NX_PATH_SYSCALLS(PATHS)
	NX_EXEC_SYSCALLS(EXECS)
#undef PATHS
#undef EXECS
	return paths;
}

static bool listed(const struct nx_config *cfg, uint32_t nr)
{
	bool in = !cfg->syscalls;

	for (uint32_t j = 0; j < cfg->nsyscalls && !in; j++)
		in = cfg->syscalls[j] == nr;
	return in;
}

/* The filter of a traced syscall, or NULL. */
static const struct nx_config_sysfilter *sysfilter(const struct nx_config *cfg, uint32_t nr)
{
	for (uint32_t i = 0; i < cfg->nsysfilters; i++)
		if (cfg->sysfilters[i].nr == nr)
			return listed(cfg, nr) ? &cfg->sysfilters[i] : NULL;
	return NULL;
}

/* The path arguments the program prints for nr: none when Payloads turns
 * paths off, as nexus then records none. */
static uint32_t shown_paths(const struct gen *g, uint32_t nr, bool *exec)
{
	uint32_t m = path_args(nr, exec);

	return g->cfg->payloads.path_max ? m : 0;
}

/* The syscalls the program traces, in the list's order: cfg->syscalls, or
 * every number this build knows. */
static uint32_t nsys(const struct gen *g)
{
	return g->cfg->syscalls ? g->cfg->nsyscalls : nx_syscall_max();
}

static uint32_t sys_at(const struct gen *g, uint32_t i)
{
	return g->cfg->syscalls ? g->cfg->syscalls[i] : i;
}

enum sysset {
	SET_FILTERED,		/* a filter applies */
	SET_SAVED,		/* filtered, or prints paths */
	SET_PATHS,		/* prints paths, not filtered: those of one key */
};

/* key: for SET_PATHS, the path mask | 0x100 for an exec. */
static bool in_set(const struct gen *g, uint32_t nr, enum sysset which, uint32_t key)
{
	bool exec;
	uint32_t m = shown_paths(g, nr, &exec);

	switch (which) {
	case SET_FILTERED:
		return sysfilter(g->cfg, nr);
	case SET_SAVED:
		return sysfilter(g->cfg, nr) || m;
	default:
		return !sysfilter(g->cfg, nr) && m && (m | (exec ? 0x100 : 0)) == key;
	}
}

/* "$id == a || $id == b ...", false when the set is empty. */
static bool put_test(const struct gen *g, enum sysset which, uint32_t key)
{
	bool any = false;

	for (uint32_t i = 0; i < nsys(g); i++) {
		uint32_t nr = sys_at(g, i);

		if (!in_set(g, nr, which, key))
			continue;
		fprintf(g->f, "%s$id == %" PRIu32, any ? " || " : "", nr);
		any = true;
	}
	return any;
}

static bool set_any(const struct gen *g, enum sysset which)
{
	for (uint32_t i = 0; i < nsys(g); i++)
		if (in_set(g, sys_at(g, i), which, 0))
			return true;
	return false;
}

static void put_probe_head(const struct gen *g, bool exit)
{
	const struct nx_config *cfg = g->cfg;

	fprintf(g->f, "tracepoint:raw_syscalls:sys_%s\n/%s", exit ? "exit" : "enter", g->rel);
	if (cfg->syscalls) {
		fputs(" && (", g->f);
		for (uint32_t i = 0; i < cfg->nsyscalls; i++)
			fprintf(g->f, "%sargs->id == %" PRIu32, i ? " || " : "", cfg->syscalls[i]);
		fputc(')', g->f);
	}
	fputs("/\n{\n", g->f);
}

#define ENTER_FMT "printf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) " LINE_END "\", "

/* The sys_enter line of the arguments saved in $s. */
static void put_saved_enter(FILE *f, const char *ind, const char *name)
{
	fprintf(f, "%s", ind);
	fputs(ENTER_FMT, f);
	fprintf(f, "%s,\n%s       (int64)$s.1, (int64)$s.2, (int64)$s.3, (int64)$s.4, "
		"(int64)$s.5, (int64)$s.6, " LINE_ARGS ");\n", name, ind);
}

/* The sys_exit line with the path arguments of mask; an exec's is $e. */
static void put_exit_paths(FILE *f, const char *ind, uint32_t mask, bool exec)
{
	fprintf(f, "%sprintf(\"sys_exit %%s = %%ld", ind);
	for (uint32_t i = 0; i < 6; i++)
		if (mask & (1u << i))
			fprintf(f, " arg%" PRIu32 "=\\\"%%s\\\"", i + 1);
	fprintf(f, " " LINE_END_F "\", @nx_sys[$id], $r,");
	for (uint32_t i = 0; i < 6; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (exec)
			fputs(" str(uptr($e)),", f);
		else
			fprintf(f, " str(uptr($s.%" PRIu32 ")),", i + 1);
	}
	fputs(" " LINE_ARGS ");\n", f);
}

/* $e: an exec's path, from the new stack after a successful one (the old
 * memory is gone), as nexus reads it. */
static void put_exec_path(FILE *f, const char *ind, uint32_t arg)
{
	fprintf(f, "%s$e = $r == 0 ? curtask->mm->env_end : $s.%" PRIu32
		";\t// the new stack's AT_EXECFN\n", ind, arg);
}

/* A PathPrefix as bpftrace compares it: strncmp on str() of the argument,
 * in pieces of 32 bytes at most, each read at its offset (str() keeps 63
 * bytes by default, a prefix may have 64); && is evaluated in order, so a
 * piece is read only when the string is at least as long as what precedes
 * it. A string that cannot be read is empty: it does not match, as in
 * nexus. */
#define PREFIX_PIECE 32

static void put_prefix_test(FILE *f, const char *ptr, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t off = 0; off < n; off += PREFIX_PIECE) {
		size_t k = n - off < PREFIX_PIECE ? n - off : PREFIX_PIECE;

		if (off)
			fprintf(f, " &&\n\t\t    strncmp(str(uptr(%s + %zu)), \"%.*s\", %zu) == 0",
				ptr, off, (int)k, prefix + off, k);
		else
			fprintf(f, "strncmp(str(uptr(%s)), \"%.*s\", %zu) == 0", ptr, (int)k, prefix, k);
	}
}

/* A filter's trigger for the values at sys_exit, *out malloc'd. */
static int sys_trigger(const struct gen *g, const struct nx_config_sysfilter *sf, char **out,
		       struct nx_err *err)
{
	static const struct nx_trigger_bpftrace_vars vars = {
		.args = { "(int64)$s.1", "(int64)$s.2", "(int64)$s.3", "(int64)$s.4",
			  "(int64)$s.5", "(int64)$s.6" },
		.ret = "$r",
	};
	struct nx_trigger_ctx ctx = { .syscall = 1 };
	struct nx_err terr = { 0 };
	struct nx_trigger *t;
	uint32_t col = 0;
	int n, rc = 0;

	*out = NULL;
	t = nx_trigger_parse(sf->trigger, &ctx, &col, &terr);
	if (!t || nx_trigger_type(t) != NX_TRIGGER_MANUAL) {
		const char *what = t ? "only an expression filters a syscall" : strstr(terr.msg, ": ");

		rc = nx_err_set(err, -EINVAL, "%s:%u:%u: %s", g->cfg->path, sf->trigger_pos.line,
				sf->trigger_pos.col + (col ? col - 1 : 0),
				!t && what ? what + 2 : t ? what : terr.msg);
		goto out;
	}
	n = nx_trigger_to_bpftrace_vars(t, &vars, NULL, 0, err);
	if (n < 0) {
		rc = n;
		goto out;
	}
	*out = malloc((size_t)n + 1);
	if (!*out) {
		rc = nx_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	nx_trigger_to_bpftrace_vars(t, &vars, *out, (size_t)n + 1, NULL);
out:
	nx_trigger_free(t);
	return rc;
}

/* Every filter is checked before a byte is written. A PathPrefix goes in a
 * string literal, where bpftrace reads escapes. */
static int check_sysfilters(const struct gen *g, struct nx_err *err)
{
	for (uint32_t i = 0; i < g->cfg->nsysfilters; i++) {
		const struct nx_config_sysfilter *sf = &g->cfg->sysfilters[i];
		const char *pp = sf->path_prefix;
		char *trig;
		int rc;

		if (pp && (has_ctl(pp) || strpbrk(pp, "\"\\")))
			return nx_err_set(err, -EINVAL, "%s:%u:%u: PathPrefix '%s': bpftrace "
					  "cannot compare a path with a prefix holding quotes, "
					  "backslashes or control characters", g->cfg->path,
					  sf->pos.line, sf->pos.col, pp);
		if (pp && (!*pp || strlen(pp) > NX_SYSFILT_PREFIX_MAX ||
			   !nx_sysfilt_path_arg(sf->nr)))
			return nx_err_set(err, -EINVAL, "%s:%u:%u: PathPrefix '%s' cannot apply "
					  "to syscall %" PRIu32, g->cfg->path, sf->pos.line,
					  sf->pos.col, pp, sf->nr);
		if (!sf->trigger)
			continue;
		if ((rc = sys_trigger(g, sf, &trig, err)) < 0)
			return rc;
		free(trig);
	}
	return 0;
}

/* One filtered syscall's branch of the sys_exit probe. */
static int put_filtered(const struct gen *g, const struct nx_config_sysfilter *sf, bool first,
			struct nx_err *err)
{
	uint32_t parg = sf->path_prefix ? nx_sysfilt_path_arg(sf->nr) : 0;
	bool exec;
	uint32_t mask = shown_paths(g, sf->nr, &exec);
	char name[32], ptr[8];
	char *trig = NULL;
	FILE *f = g->f;
	int rc;

	if (sf->trigger && (rc = sys_trigger(g, sf, &trig, err)) < 0)
		return rc;
	fprintf(f, "\t%sif ($id == %" PRIu32 ") {\t// %s:", first ? "" : "} else ", sf->nr,
		nx_syscall_name(sf->nr, name, sizeof(name)));
	if (sf->trigger) {
		fputs(" Trigger '", f);
		put_safe(f, sf->trigger);
		fputc('\'', f);
	}
	if (sf->path_prefix) {
		fputs(" PathPrefix '", f);
		put_safe(f, sf->path_prefix);
		fputc('\'', f);
	}
	fputc('\n', f);
	if (exec && (parg || mask))
		put_exec_path(f, "\t\t", parg ? parg : nx_sysfilt_path_arg(sf->nr));
	fprintf(f, "\t\tif ($s.0 == %" PRIu32, sf->nr + 1);
	if (trig)
		fprintf(f, " && (%s)", trig);
	if (parg) {
		snprintf(ptr, sizeof(ptr), exec ? "$e" : "$s.%" PRIu32, parg);
		fputs(" &&\n\t\t    ", f);
		put_prefix_test(f, ptr, sf->path_prefix);
	}
	fputs(") {\n", f);
	put_saved_enter(f, "\t\t\t", "@nx_sys[$id]");
	put_exit_paths(f, "\t\t\t", mask, exec);
	fputs("\t\t}\n", f);
	free(trig);
	return 0;
}

static void put_sys_enter(const struct gen *g)
{
	FILE *f = g->f;

	put_probe_head(g, false);
	if (!set_any(g, SET_SAVED)) {
		fputs("\t" ENTER_FMT "@nx_sys[args->id],\n\t       (int64)args->args[0], "
		      "(int64)args->args[1], (int64)args->args[2],\n\t       "
		      "(int64)args->args[3], (int64)args->args[4], (int64)args->args[5], "
		      LINE_ARGS ");\n}\n\n", f);
		return;
	}
	fputs("\t$id = args->id;\n"
	      "\t$s = ($id + 1, args->args[0], args->args[1], args->args[2],\n"
	      "\t      args->args[3], args->args[4], args->args[5]);\n", f);
	if (!set_any(g, SET_FILTERED)) {
		put_saved_enter(f, "\t", "@nx_sys[$id]");
	} else {
		fputs("\tif (!(", f);
		put_test(g, SET_FILTERED, 0);
		fputs(")) {\t// a filtered syscall prints at its exit\n", f);
		put_saved_enter(f, "\t\t", "@nx_sys[$id]");
		fputs("\t}\n", f);
	}
	fputs("\tif (", f);
	put_test(g, SET_SAVED, 0);
	fputs(") {\t// its exit decides or prints paths\n\t\t@nx_sa[tid] = $s;\n\t}\n}\n\n", f);
}

static int put_sys_exit(const struct gen *g, struct nx_err *err)
{
	const struct nx_config *cfg = g->cfg;
	uint32_t done[8] = { 0 };	/* the path keys written (7 in bpf/payload.h) */
	uint32_t ndone = 0;
	bool first = true;
	FILE *f = g->f;
	int rc;

	put_probe_head(g, true);
	if (!set_any(g, SET_SAVED)) {
		fputs("\tprintf(\"sys_exit %s = %ld " LINE_END "\", @nx_sys[args->id], "
		      "args->ret, " LINE_ARGS ");\n}\n\n", f);
		return 0;
	}
	fputs("\t$id = args->id;\n\t$r = args->ret;\n"
	      "\t$s = @nx_sa[tid];\t// (nr + 1, arg1..arg6) of its sys_enter, or zeros\n"
	      "\tif ($s.0 != 0) {\n\t\tdelete(@nx_sa[tid]);\n\t}\n", f);
	for (uint32_t i = 0; i < cfg->nsysfilters; i++) {
		const struct nx_config_sysfilter *sf = &cfg->sysfilters[i];

		if (!listed(cfg, sf->nr))
			continue;
		if ((rc = put_filtered(g, sf, first, err)) < 0)
			return rc;
		first = false;
	}
	/* the path syscalls without a filter, grouped by the arguments they print */
	for (uint32_t i = 0; i < nsys(g); i++) {
		uint32_t nr = sys_at(g, i), mask, key;
		bool exec, seen = false;

		mask = shown_paths(g, nr, &exec);
		key = mask | (exec ? 0x100 : 0);
		if (!mask || sysfilter(cfg, nr))
			continue;
		for (uint32_t k = 0; k < ndone; k++)
			seen |= done[k] == key;
		if (seen)
			continue;
		if (ndone == sizeof(done) / sizeof(done[0]))
			return nx_err_set(err, -E2BIG, "more path-argument kinds than expected");
		done[ndone++] = key;
		fprintf(f, "\t%sif ($s.0 == $id + 1 && (", first ? "" : "} else ");
		first = false;
		put_test(g, SET_PATHS, key);
		fputs(")) {\n", f);
		if (exec)
			put_exec_path(f, "\t\t", nx_sysfilt_path_arg(nr));
		put_exit_paths(f, "\t\t", mask, exec);
	}
	/* the others; a path syscall whose sys_enter was not seen */
	fputs("\t} else {\n\t\tprintf(\"sys_exit %s = %ld " LINE_END "\", @nx_sys[$id], $r, "
	      LINE_ARGS ");\n\t}\n}\n\n", f);
	return 0;
}

static int put_syscalls(struct gen *g, struct nx_err *err)
{
	put_sys_enter(g);
	return put_sys_exit(g, err);
}

/* At a thread's exit: the filtered syscall it entered and never left (exit,
 * exit_group), which nexus keeps; then its saved arguments go. A probe of
 * its own after the syscall probes: bpftrace types @nx_sa at its first
 * assignment in the program's order. Only relevant threads have a key. */
static void put_unreturned(const struct gen *g)
{
	const struct nx_config *cfg = g->cfg;
	bool first = true;
	FILE *f = g->f;

	if (!g->sys || !set_any(g, SET_SAVED))
		return;
	fputs("tracepoint:sched:sched_process_exit\n{\n\t$s = @nx_sa[tid];\n", f);
	for (uint32_t i = 0; i < cfg->nsysfilters; i++) {
		if (!listed(cfg, cfg->sysfilters[i].nr))
			continue;
		fprintf(f, "%s$s.0 == %" PRIu32, first ? "\tif (" : " || ",
			cfg->sysfilters[i].nr + 1);
		first = false;
	}
	if (!first) {
		fputs(") {\t// a filtered syscall that never returned: kept\n", f);
		put_saved_enter(f, "\t\t", "@nx_sys[$s.0 - 1]");
		fputs("\t}\n", f);
	}
	fputs("\tdelete(@nx_sa[tid]);\n}\n\n", f);
}

/* The filter of one function: its manual triggers OR-ed, each in
 * parentheses; the others named in comments. *filter is malloc'd, NULL when
 * no trigger can be written. */
static int trigger_filter(struct gen *g, const struct nx_config_func *fn, char **filter,
			  struct nx_err *err)
{
	struct nx_trigger_ctx ctx = { .hook = fn->hook };
	char *acc = NULL;
	size_t acc_len = 0;
	int rc = 0;

	*filter = NULL;
	for (uint32_t i = 0; i < fn->ntriggers; i++) {
		const struct nx_config_trigger *ct = &fn->triggers[i];
		struct nx_trigger *t;
		uint32_t col = 0;
		struct nx_err terr = { 0 };
		char *na;
		int n;

		t = nx_trigger_parse(ct->text, &ctx, &col, &terr);
		if (!t) {
			const char *what = strstr(terr.msg, ": ");

			rc = nx_err_set(err, terr.code ? terr.code : -EINVAL, "%s:%u:%u: %s",
					g->cfg->path, ct->pos.line, ct->pos.col + (col ? col - 1 : 0),
					what ? what + 2 : terr.msg);
			goto out;
		}
		if (nx_trigger_type(t) != NX_TRIGGER_MANUAL) {
			fputs("// trigger '", g->f);
			put_safe(g->f, ct->text);
			fprintf(g->f, "': %s has no bpftrace equivalent: not in the filter\n",
				nx_trigger_type(t) == NX_TRIGGER_AUTO ?
				"rare-value detection (auto)" : "a health trigger (cpu, disk)");
			nx_trigger_free(t);
			continue;
		}
		n = nx_trigger_to_bpftrace(t, NULL, 0, err);
		if (n < 0) {
			nx_trigger_free(t);
			rc = n;
			goto out;
		}
		na = realloc(acc, acc_len + (size_t)n + 8);
		if (!na) {
			nx_trigger_free(t);
			rc = nx_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		acc = na;
		if (acc_len) {
			memcpy(acc + acc_len, " || ", 4);
			acc_len += 4;
		}
		acc[acc_len++] = '(';
		nx_trigger_to_bpftrace(t, acc + acc_len, (size_t)n + 1, NULL);
		acc_len += (size_t)n;
		acc[acc_len++] = ')';
		acc[acc_len] = '\0';
		fputs("// trigger '", g->f);
		put_safe(g->f, ct->text);
		fputs("'\n", g->f);
		nx_trigger_free(t);
	}
	if (fn->ntriggers && !acc)
		fputs("// no trigger here has a bpftrace equivalent: every call is printed\n",
		      g->f);
	*filter = acc;
	acc = NULL;
out:
	free(acc);
	return rc;
}

static int put_func(struct gen *g, const struct nx_config_target *t,
		    const struct nx_config_func *fn, struct nx_err *err)
{
	bool ret = fn->hook == NXR_HOOK_URETPROBE;
	char *filter = NULL;
	FILE *f = g->f;
	int rc;

	if ((rc = check_func(g->cfg, fn, err)) < 0)
		return rc;
	for (uint32_t i = 0; i < fn->nargs; i++)	/* config.c allows "argN:str" only */
		if (strlen(fn->args[i]) != 8 || strncmp(fn->args[i], "arg", 3) ||
		    fn->args[i][3] < '1' || fn->args[i][3] > '6' || strcmp(fn->args[i] + 4, ":str"))
			return nx_err_set(err, -EINVAL, "%s:%u:%u: Args: '%s' is not argN:str",
					  g->cfg->path, fn->pos.line, fn->pos.col, fn->args[i]);
	if ((rc = trigger_filter(g, fn, &filter, err)) < 0)
		return rc;
	fprintf(f, "%s:\"%s\":%s\n/%s", ret ? "uretprobe" : "uprobe", t->path, fn->func, g->rel);
	if (filter)
		fprintf(f, " && (%s)", filter);
	fputs("/\n{\n", f);
	if (ret) {
		fprintf(f, "\tprintf(\"return %s = %%ld " LINE_END_F "\", (int64)retval, " LINE_ARGS
			");\n", fn->func);
	} else {
		fprintf(f, "\tprintf(\"call %s(%%ld, %%ld, %%ld, %%ld, %%ld, %%ld)", fn->func);
		for (uint32_t i = 0; i < fn->nargs; i++)
			fprintf(f, " %.4s=\\\"%%s\\\"", fn->args[i]);
		fputs(" " LINE_END "\",\n\t       (int64)arg0, (int64)arg1, (int64)arg2, "
		      "(int64)arg3, (int64)arg4, (int64)arg5,", f);
		for (uint32_t i = 0; i < fn->nargs; i++)	/* "argN:str", checked above */
			fprintf(f, " str(arg%d),", fn->args[i][3] - '1');
		fputs(" " LINE_ARGS ");\n", f);
	}
	fputs("}\n\n", f);
	free(filter);
	return 0;
}

int nx_bpfscript_write(FILE *f, const struct nx_config *cfg, const char *script,
		       struct nx_err *err)
{
	struct gen g = { .f = f, .cfg = cfg };
	bool sys_probes = !cfg->syscalls_none && !(cfg->syscalls && !cfg->nsyscalls);
	int rc;

	g.all = cfg->noexec && cfg->noexec_all;
	g.sys = sys_probes;
	g.rel = g.all ? "pid != @nx_self" : "@nx_rel[pid]";
	for (uint32_t i = 0; i < cfg->ntargets; i++)	/* before a byte is written */
		if ((rc = check_path(cfg, &cfg->targets[i], err)) < 0)
			return rc;
	for (uint32_t i = 0; i < cfg->nsyscalls; i++) {
		char b[32];

		/* args->id of raw_syscalls is the bare number, whichever ABI */
		if (NX_SYS_IS_IA32(cfg->syscalls[i]))
			return nx_err_set(err, -EINVAL, "%s: Syscalls: %s is i386-only, and "
					  "bpftrace cannot tell i386 syscall numbers from x86-64 "
					  "ones", cfg->path,
					  nx_syscall_name(cfg->syscalls[i], b, sizeof(b)));
	}
	if (sys_probes && (rc = check_sysfilters(&g, err)) < 0)
		return rc;
	put_header(&g, script ? script : "script.bt");
	if (cfg->filter.npids || cfg->filter.nuids || cfg->filter.ncomms)
		fputs("// Filter (Pid, Uid, Comm; --comm, --uid) is not applied here: this program\n"
		      "// also prints the processes nexus-record filters out, a superset.\n\n", f);
	put_begin(&g, sys_probes);
	if ((rc = put_sched(&g, err)) < 0)
		return rc;
	if (sys_probes && (rc = put_syscalls(&g, err)) < 0)
		return rc;
	put_unreturned(&g);
	for (uint32_t i = 0; i < cfg->ntargets; i++) {
		const struct nx_config_target *t = &cfg->targets[i];

		for (uint32_t j = 0; j < t->nfuncs; j++)
			if ((rc = put_func(&g, t, &t->funcs[j], err)) < 0)
				return rc;
	}
	if (cfg->duration_s > 0) {
		double ms = ceil(cfg->duration_s * 1000);

		fprintf(f, "interval:ms:%.0f\t// Duration\n{\n\texit();\n}\n\n", ms < 1 ? 1 : ms);
	}
	fputs("END\n{\n", f);
	if (!g.all)
		fputs("\tclear(@nx_rel);\n", f);
	else
		fputs("\tclear(@nx_self);\n", f);
	if (sys_probes)
		fputs("\tclear(@nx_sys);\n", f);
	if (sys_probes && set_any(&g, SET_SAVED))
		fputs("\tclear(@nx_sa);\n", f);
	fputs("}\n", f);
	if (fflush(f) == EOF || ferror(f))
		return nx_err_set(err, -EIO, "writing the bpftrace program failed");
	return 0;
}

int nx_bpfscript_generate(const struct nx_config *cfg, const char *script, char **text,
			  size_t *len, struct nx_err *err)
{
	FILE *f;
	int rc;

	*text = NULL;
	*len = 0;
	f = open_memstream(text, len);
	if (!f)
		return nx_err_set(err, -ENOMEM, "out of memory");
	rc = nx_bpfscript_write(f, cfg, script, err);
	if (fclose(f) == EOF && rc == 0)
		rc = nx_err_set(err, -ENOMEM, "out of memory");
	if (rc < 0) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return rc;
}

int nx_bpfscript_save(const char *path, const char *text, size_t len,
		      const struct nx_output_opts *opts, struct nx_err *err)
{
	return nx_output_write_file(path, text, len, opts, err);
}
