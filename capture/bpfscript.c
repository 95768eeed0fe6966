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
	      "//     sys_exit NAME = RET\n"
	      "//     fork child=PID, exec FILE, exit\n"
	      "// Values are signed 64-bit, as nexus's triggers read them.\n", f);
	if (cfg->mode == NX_MODE_FULL && cfg->ntargets)
		fputs("// Mode: full: nexus records every call and tags those a trigger holds "
		      "for; this\n// program prints only the calls some trigger holds for.\n", f);
	if (cfg->nsysfilters)
		fputs("// Syscalls filters (a trigger or PathPrefix on a syscall) are not "
		      "written here:\n// every call of a listed syscall is printed.\n", f);
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

static void put_syscalls(struct gen *g)
{
	const struct nx_config *cfg = g->cfg;
	FILE *f = g->f;

	for (int exit = 0; exit < 2; exit++) {
		fprintf(f, "tracepoint:raw_syscalls:sys_%s\n/%s", exit ? "exit" : "enter", g->rel);
		if (cfg->syscalls) {
			fputs(" && (", f);
			for (uint32_t i = 0; i < cfg->nsyscalls; i++)
				fprintf(f, "%sargs->id == %" PRIu32, i ? " || " : "",
					cfg->syscalls[i]);
			fputc(')', f);
		}
		fputs("/\n{\n", f);
		if (exit)
			fputs("\tprintf(\"sys_exit %s = %ld " LINE_END "\", @nx_sys[args->id], "
			      "args->ret, " LINE_ARGS ");\n", f);
		else
			fputs("\tprintf(\"sys_enter %s(%ld, %ld, %ld, %ld, %ld, %ld) " LINE_END
			      "\", @nx_sys[args->id],\n\t       (int64)args->args[0], "
			      "(int64)args->args[1], (int64)args->args[2],\n\t       "
			      "(int64)args->args[3], (int64)args->args[4], (int64)args->args[5], "
			      LINE_ARGS ");\n", f);
		fputs("}\n\n", f);
	}
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
	g.rel = g.all ? "pid != @nx_self" : "@nx_rel[pid]";
	for (uint32_t i = 0; i < cfg->ntargets; i++)	/* before a byte is written */
		if ((rc = check_path(cfg, &cfg->targets[i], err)) < 0)
			return rc;
	put_header(&g, script ? script : "script.bt");
	if (cfg->filter.npids || cfg->filter.nuids || cfg->filter.ncomms)
		fputs("// Filter (Pid, Uid, Comm; --comm, --uid) is not applied here: this program\n"
		      "// also prints the processes nexus-record filters out, a superset.\n\n", f);
	put_begin(&g, sys_probes);
	if ((rc = put_sched(&g, err)) < 0)
		return rc;
	if (sys_probes)
		put_syscalls(&g);
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
