/*
 * capture/main.c: nexus-record, the front end.
 *
 * Options and the config become one struct nx_record_opts (the command line
 * overrides the file); everything is checked before anything is created or
 * loaded: a bad config or a malformed SUDO_UID exits 2 with no file and no
 * BPF. Then capture/record.c does the run; this file prints the live status
 * line (on a terminal), the summary, and exits with the command's status
 * (128+N when a signal N killed it), like time(1) and strace.
 */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/bpfscript.h"
#include "capture/caps.h"
#include "capture/config.h"
#include "capture/launch.h"
#include "capture/cfgwrite.h"
#include "capture/probespec.h"
#include "capture/probes.h"
#include "capture/record.h"
#include "format/event.h"
#include "format/meta.h"

#define PROG "nexus-record"

static volatile sig_atomic_t stop_sig;

struct args {
	const char *config;
	const char *out;
	const char *emit_bpftrace;	/* --emit-bpftrace FILE: write it, record nothing */
	const char *ready_file;		/* --ready-file FILE: created once tracing is on */
	bool force, all, quiet, verbose, no_wait_children;
	bool check, json, print_config;
	char **specs;			/* -e, in order */
	uint32_t nspecs;
	char **cmd;			/* after "--": the command to launch */
	char **comms;			/* --comm */
	uint32_t ncomms;
	uint32_t *uids;			/* --uid */
	uint32_t nuids;
	double duration;
	pid_t *pids;
	uint32_t npids;
	uint64_t ringbuf;
	uint32_t wake;
	enum nxr_sync sync;
	enum nxr_layout layout;
};

const char *argp_program_version = PROG " " NX_VERSION;
static const char doc[] =
	"Record the syscalls and process events of a command (or of running or "
	"matching processes) into a .nxr file.\v"
	"CONFIG is the TraceCondition YAML (see the README). Without it, -p or --all "
	"says what to trace. The exit status is the command's (128+N if signal N "
	"killed it); 1 on a runtime error, 2 on bad usage or a bad config.";

enum { OPT_ALL = 256, OPT_RING, OPT_NOWAIT, OPT_SYNC, OPT_WAKE, OPT_EMIT_BT, OPT_CHECK, OPT_JSON,
       OPT_PRINT_CONFIG, OPT_COMM, OPT_UID, OPT_LAYOUT, OPT_READY };

static const struct argp_option options[] = {
	{ "output", 'o', "FILE", 0, "Write the recording to FILE (default: LogsDir/run-<UTC time>.nxr)", 0 },
	{ "force", 'f', NULL, 0, "Replace FILE if it exists", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (overrides Duration)", 0 },
	{ "pid", 'p', "PID", 0, "Trace this running process and its children (repeatable)", 0 },
	{ "all", OPT_ALL, NULL, 0, "Trace every process (but the recorder)", 0 },
	{ "ringbuf-size", OPT_RING, "BYTES", 0, "BPF ring buffer size, a power of two; K, M, G suffixes (default 64M)", 0 },
	{ "no-wait-children", OPT_NOWAIT, NULL, 0, "Stop when the command exits, without waiting for its children", 0 },
	{ "sync", OPT_SYNC, "WHEN", 0, "segment (default: fdatasync closed segments, at most once a second), end, or none", 0 },
	{ "layout", OPT_LAYOUT, "LAYOUT", 0, "columns (default: format 1.6, the smallest files, needs a 1.6 reader), "
	  "rows (format 1.0, read by every nexus), columns-1.5 (without 1.6's copy steps and "
	  "timing codes by the syscall before), columns-1.4 (without the copy columns of 1.5 "
	  "either) or columns-1.1 (without the entropy-coded columns of 1.2, the lists and "
	  "context modes of 1.3, the timing modes of 1.4 and the copy columns of 1.5)", 0 },
	{ "wakeup-bytes", OPT_WAKE, "BYTES", OPTION_HIDDEN, "wake the drain past this much data (0: per event)", 0 },
	{ "emit-bpftrace", OPT_EMIT_BT, "FILE", 0, "Write the bpftrace program equivalent to CONFIG to FILE ('-': standard output) and exit: records nothing, needs no root", 0 },
	{ "ready-file", OPT_READY, "FILE", 0, "Create FILE (holding the recording's path) once tracing is on: a script can wait for it before starting what is traced", 0 },
	{ "probe", 'e', "SPEC", 0, "Trace SPEC, BCC trace's syntax: 'sys_read (arg3 > 1024)', "
	  "'p:c:ioctl (arg2 == 0x541c) \"req %x\", arg2', 'r:c:malloc (ret == 0)' (repeatable; "
	  "combines with CONFIG; the command goes after --)", 0 },
	{ "print-config", OPT_PRINT_CONFIG, NULL, 0, "Print the YAML config the options and specs "
	  "amount to, and exit", 0 },
	{ "comm", OPT_COMM, "NAME", 0, "Record only processes named NAME (exact, or a glob with * "
	  "and ?; repeatable), decided in the kernel", 0 },
	{ "uid", OPT_UID, "UID", 0, "Record only processes of real user UID (repeatable), decided "
	  "in the kernel", 0 },
	{ "check", OPT_CHECK, NULL, 0, "Probe what this machine supports (privileges, BTF, ring buffer, tp_btf, uprobes...), print it and exit", 0 },
	{ "json", OPT_JSON, NULL, 0, "With --check: one JSON object", 0 },
	{ "quiet", 'q', NULL, 0, "No status line, no summary", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages and the verifier log", 0 },
	{ 0 }
};

static int strv_add(char ***v, uint32_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(*nv));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = (char *)s;		/* argv strings live as long as main */
	nv[++*n] = NULL;
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (v > (UINT64_MAX >> shift))		/* 2^35 G must not wrap to 1 G */
		return -1;
	v <<= shift;
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;

	switch (key) {
	case 'o': a->out = arg; break;
	case 'f': a->force = true; break;
	case 'q': a->quiet = true; break;
	case 'v': a->verbose = true; break;
	case OPT_ALL: a->all = true; break;
	case OPT_NOWAIT: a->no_wait_children = true; break;
	case OPT_EMIT_BT: a->emit_bpftrace = arg; break;
	case OPT_READY: a->ready_file = arg; break;
	case OPT_CHECK: a->check = true; break;
	case OPT_PRINT_CONFIG: a->print_config = true; break;
	case 'e':
		if (!*arg)
			argp_error(state, "-e: an empty spec");
		if (strv_add(&a->specs, &a->nspecs, arg) < 0)
			argp_failure(state, 1, ENOMEM, "out of memory");
		break;
	case OPT_COMM:
		if (!*arg || strlen(arg) > 15 || strpbrk(arg, "[]\\"))
			argp_error(state, "--comm %s: not a process name of 1 to 15 characters with * "
				   "and ? as the only wildcards", arg);
		if (strv_add(&a->comms, &a->ncomms, arg) < 0)
			argp_failure(state, 1, ENOMEM, "out of memory");
		break;
	case OPT_UID: {
		unsigned long long v;
		uint32_t *nu;

		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || !isdigit((unsigned char)*arg) || v >= UINT32_MAX)
			argp_error(state, "--uid %s: not a user id", arg);
		nu = realloc(a->uids, (a->nuids + 1) * sizeof(*nu));
		if (!nu)
			argp_failure(state, 1, ENOMEM, "out of memory");
		a->uids = nu;
		a->uids[a->nuids++] = (uint32_t)v;
		break;
	}
	case OPT_JSON: a->json = true; break;
	case 'd':
		errno = 0;
		a->duration = strtod(arg, &end);
		if (errno || end == arg || *end || !(a->duration > 0) || a->duration > 1e9)
			argp_error(state, "-d %s: not a positive number of seconds", arg);
		break;
	case 'p': {
		long v;
		pid_t *np;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v <= 0 || v > 4194304)
			argp_error(state, "-p %s: not a process id", arg);
		np = realloc(a->pids, (a->npids + 1) * sizeof(*np));
		if (!np)
			argp_failure(state, 1, ENOMEM, "out of memory");
		a->pids = np;
		a->pids[a->npids++] = v;
		break;
	}
	case OPT_RING:
		if (parse_size(arg, &a->ringbuf) < 0 || a->ringbuf < (16u << 10) ||
		    (a->ringbuf & (a->ringbuf - 1)) || a->ringbuf > (1ull << 31))
			argp_error(state, "--ringbuf-size %s: not a power of two between 16K and 2G",
				   arg);
		break;
	case OPT_WAKE: {
		uint64_t v;

		if (parse_size(arg, &v) < 0 || v >= UINT32_MAX)
			argp_error(state, "--wakeup-bytes %s: not a size", arg);
		a->wake = v ? (uint32_t)v : UINT32_MAX;
		break;
	}
	case OPT_LAYOUT:
		if (!strcmp(arg, "rows"))
			a->layout = NXR_LAYOUT_ROWS;
		else if (!strcmp(arg, "columns"))
			a->layout = NXR_LAYOUT_COLUMNS;
		else if (!strcmp(arg, "columns-1.1"))
			a->layout = NXR_LAYOUT_COLUMNS_1_1;
		else if (!strcmp(arg, "columns-1.4"))
			a->layout = NXR_LAYOUT_COLUMNS_1_4;
		else if (!strcmp(arg, "columns-1.5"))
			a->layout = NXR_LAYOUT_COLUMNS_1_5;
		else
			argp_error(state,
				   "--layout %s: not one of rows, columns, columns-1.5, columns-1.4, columns-1.1",
				   arg);
		break;
	case OPT_SYNC:
		if (!strcmp(arg, "segment"))
			a->sync = NXR_SYNC_SEGMENT;
		else if (!strcmp(arg, "end"))
			a->sync = NXR_SYNC_END;
		else if (!strcmp(arg, "none"))
			a->sync = NXR_SYNC_NONE;
		else
			argp_error(state, "--sync %s: not one of segment, end, none", arg);
		break;
	case ARGP_KEY_ARG:
		if (state->quoted && state->next - 1 >= state->quoted) {
			/* after "--": the command and its arguments, all of them */
			a->cmd = &state->argv[state->next - 1];
			state->next = state->argc;
			break;
		}
		if (a->config)
			argp_error(state, "one CONFIG only (%s, then %s)", a->config, arg);
		a->config = arg;
		break;
	case ARGP_KEY_END:
		if (a->json && !a->check)
			argp_error(state, "--json goes with --check");
		if (a->check)
			break;
		if (a->emit_bpftrace && !a->config && !a->nspecs)
			argp_error(state, "--emit-bpftrace needs a CONFIG or -e SPEC");
		if (a->ncomms > NX_FILTER_MAX || a->nuids > NX_FILTER_MAX)
			argp_error(state, "at most %u --comm and %u --uid", NX_FILTER_MAX,
				   NX_FILTER_MAX);
		if (!a->config && !a->npids && !a->all && !a->nspecs && !a->cmd)
			argp_error(state, "a CONFIG, -e SPEC, -p PID or --all is needed");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, PROG ": %s%s\n", strncmp(line, "libbpf: ", 8) ? "libbpf: " : "", line);
}

static void human(char *buf, size_t len, double v, const char *unit)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2f G%s", v / 1e9, unit);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2f M%s", v / 1e6, unit);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1f k%s", v / 1e3, unit);
	else
		snprintf(buf, len, "%.0f %s", v, unit);
}

static uint64_t lost_total(const struct nx_record_status *st)
{
	return st->lost[NX_LOSS_RINGBUF] + st->lost[NX_LOSS_BACKLOG] + st->lost[NX_LOSS_DISK];
}

struct status_ctx {
	uint64_t prev_events;
	double prev_s;
	int shown;
};

static void on_status(void *ctx, const struct nx_record_status *st)
{
	struct status_ctx *sc = ctx;
	double dt = st->elapsed_s - sc->prev_s;
	char rate[32], ev[32];

	human(rate, sizeof(rate), dt > 0 ? (st->events - sc->prev_events) / dt : 0, "ev/s");
	human(ev, sizeof(ev), st->events, "events");
	fprintf(stderr, "\r" PROG ": %6.1fs  %s  %s  lost %" PRIu64 "  %.1f MB written\033[K",
		st->elapsed_s, ev, rate, lost_total(st), st->file_bytes / 1e6);
	sc->prev_events = st->events;
	sc->prev_s = st->elapsed_s;
	sc->shown = 1;
}

/* The recorder's own cpu time (its threads: draining, encoding,
 * compressing, writing; the BPF programs run in the traced threads and are
 * charged to them): what it could sustain on one cpu. */
static void summary_cpu(uint64_t events)
{
	struct rusage ru;
	double s;

	if (getrusage(RUSAGE_SELF, &ru) || !events)
		return;
	s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	fprintf(stderr, PROG ": recorder cpu %.2f s, %.0f ns per event (%.1f M events/s on one "
		"cpu)\n", s, s * 1e9 / events, s > 0 ? events / s / 1e6 : 0.0);
}

static void summary(const struct nx_record_result *res)
{
	const struct nx_record_status *st = &res->st;
	const char *sep = "";
	uint64_t lost = lost_total(st);
	char kinds[512] = "";
	size_t n = 0;
	unsigned nk;
	const struct nxr_kind_desc *kd = nxr_kind_descs(&nk);

	for (unsigned i = 0; i < nk; i++) {
		if (kd[i].kind > NX_KIND_MAX_ID || !st->by_kind[kd[i].kind] ||
		    kd[i].kind == NX_KIND_LOSS)
			continue;
		n += snprintf(kinds + n, n < sizeof(kinds) ? sizeof(kinds) - n : 0, "%s%" PRIu64 " %s",
			      sep, st->by_kind[kd[i].kind], kd[i].name);
		sep = ", ";
	}
	fprintf(stderr, PROG ": %s: %" PRIu64 " events in %.2f s (%s), %.2f MB on disk "
		"(%.1f bytes/event, %" PRIu64 " segments); ",
		res->path, st->events - st->by_kind[NX_KIND_LOSS], st->elapsed_s,
		kinds[0] ? kinds : "none", st->file_bytes / 1e6,
		st->events ? (double)st->file_bytes / st->events : 0.0, st->segments);
	if (st->filtered)
		fprintf(stderr, "%" PRIu64 " calls filtered out by triggers; ", st->filtered);
	if (st->filtered_syscalls)
		fprintf(stderr, "%" PRIu64 " syscalls filtered out by Syscalls filters; ",
			st->filtered_syscalls);
	if (!lost)
		fprintf(stderr, "no events lost.\n");
	else
		fprintf(stderr, "LOST %" PRIu64 " events (ring buffer full %" PRIu64
			", writer backlog %" PRIu64 ", disk %" PRIu64 "; kernel counted %" PRIu64 ").\n",
			lost, st->lost[NX_LOSS_RINGBUF], st->lost[NX_LOSS_BACKLOG],
			st->lost[NX_LOSS_DISK], st->lost_kernel);
	summary_cpu(st->events);
}

/* What live adaptation did, when it did anything: the rate of uprobe events
 * crossing the ring buffer before the first learned value reached the
 * kernel and after it (the recorder's own counters). */
static void summary_live(const struct nx_live *live)
{
	struct nx_live_stats ls;
	double before_s, after_s;

	nx_live_get_stats(live, &ls);
	if (ls.samples)
		fprintf(stderr, PROG ": health: %" PRIu64 " samples, %" PRIu64 " gate changes\n",
			ls.samples, ls.gate_flips);
	if (!ls.added && !ls.preloaded && !ls.refused)
		return;
	fprintf(stderr, PROG ": adapt: %" PRIu64 " tuples made common (%" PRIu64 " preloaded), %"
		PRIu64 " made rare again", ls.added + ls.preloaded, ls.preloaded, ls.removed);
	if (ls.adapt_ns && ls.first_ns && ls.adapt_ns > ls.first_ns && ls.last_ns > ls.adapt_ns) {
		before_s = (ls.adapt_ns - ls.first_ns) / 1e9;
		after_s = (ls.last_ns - ls.adapt_ns) / 1e9;
		fprintf(stderr, "; uprobe events crossing the ring: %.0f/s before the first change"
			" (%" PRIu64 " in %.3f s), %.0f/s after (%" PRIu64 " in %.3f s)",
			ls.calls_before / before_s, ls.calls_before, before_s,
			(ls.calls - ls.calls_before) / after_s, ls.calls - ls.calls_before, after_s);
	}
	if (ls.errors)
		fprintf(stderr, "; %" PRIu64 " failed updates", ls.errors);
	if (ls.refused)
		fprintf(stderr, "; %" PRIu64 " learned changes refused by the kernel and skipped (%s)",
			ls.refused, strerror(ls.refused_errno));
	fputc('\n', stderr);
}

/* --ready-file: every probe is attached and the recording exists. Written
 * to a temporary name, then renamed: whoever sees FILE sees it whole. */
static void on_ready(void *ctx, const char *path)
{
	const char *file = ctx;
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp))
		goto fail;
	f = fopen(tmp, "w");
	if (!f)
		goto fail;
	fprintf(f, "%s\n", path);
	if (fclose(f) == EOF || rename(tmp, file) < 0)
		goto fail;
	return;
fail:
	fprintf(stderr, PROG ": warning: --ready-file %s: %s\n", file, strerror(errno));
}

/* Shown even with -q: a malformed record is a defect, never routine. */
static void warn_bad_records(const struct nx_record_result *res)
{
	if (res->bad_records)
		fprintf(stderr, PROG ": warning: %" PRIu64 " malformed ring records skipped\n",
			res->bad_records);
}

/* --emit-bpftrace: the program to path ("-": stdout), created like the
 * recording (as the invoking user under sudo); exit 0 or 1. */
static int emit_bpftrace(const char *path, const char *text, size_t len, bool force)
{
	struct nx_launch_ids owner = { 0 };
	struct nx_output_opts so = { .force = force };
	struct nx_err err = { 0 };
	int rc = 0;

	if (!strcmp(path, "-")) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) == EOF) {
			fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (nx_launch_ids_from_env(&owner, false, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return 2;
	}
	so.chown = owner.drop;
	so.uid = owner.uid;
	so.gid = owner.gid;
	if (nx_bpfscript_save(path, text, len, &so, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 1;
	}
	nx_launch_ids_release(&owner);
	return rc;
}

/* A word of a command line as the config's Command splitting reads it back. */
static void shell_quote(FILE *f, const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			 "_-./=:,+@%") == strlen(w)) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (; *w; w++)
		fputs(*w == '\'' ? "'\\''" : (char[]){ *w, 0 }, f);
	fputc('\'', f);
}

/* The command after "--" replaces the config's Command. */
static int set_command(struct nx_config *cfg, char **cmd)
{
	char *line = NULL;
	size_t len = 0;
	uint32_t n = 0;
	FILE *f;

	while (cmd[n])
		n++;
	f = open_memstream(&line, &len);
	if (!f)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		shell_quote(f, cmd[i]);
	}
	if (fclose(f))
		return -1;
	nx_argv_free(cfg->argv);
	free(cfg->command);
	cfg->command = line;
	cfg->argv = calloc(n + 1, sizeof(*cfg->argv));
	cfg->argc = 0;
	if (!cfg->argv)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		cfg->argv[i] = strdup(cmd[i]);
		if (!cfg->argv[i])
			return -1;
		cfg->argc++;
	}
	return 0;
}

/* -e specs, "-- command", --comm and --uid, into the config. 0, or the exit status. */
static int apply_cli(const struct args *a, struct nx_config *cfg)
{
	struct nx_config_filter *fl = &cfg->filter;
	struct nx_err err = { 0 };
	/* A config recording every syscall keeps doing so: a syscall spec then
	 * only adds its filter or format. Without a file, the specs say it all. */
	bool keep_all = a->config && !cfg->syscalls && !cfg->syscalls_none;

	for (uint32_t i = 0; i < a->nspecs; i++) {
		if (nx_probespec_add(cfg, a->specs[i], NULL, &err) < 0) {
			fprintf(stderr, PROG ": -e '%s': %s\n", a->specs[i], err.msg);
			return err.code == -ENOMEM ? 1 : 2;
		}
	}
	if (keep_all) {
		free(cfg->syscalls);
		cfg->syscalls = NULL;
		cfg->nsyscalls = 0;
	}
	if (a->cmd) {
		if (cfg->noexec) {
			fprintf(stderr, PROG ": %s: -- COMMAND cannot go with NoExec\n", cfg->path);
			return 2;
		}
		if (set_command(cfg, a->cmd) < 0)
			goto nomem;
	}
	if (fl->ncomms + a->ncomms > NX_FILTER_MAX || fl->nuids + a->nuids > NX_FILTER_MAX) {
		fprintf(stderr, PROG ": more than %u values of Filter.Comm or Filter.Uid with "
			"--comm and --uid\n", NX_FILTER_MAX);
		return 2;
	}
	for (uint32_t i = 0; i < a->ncomms; i++) {
		char **v = realloc(fl->comms, (fl->ncomms + 2) * sizeof(*v));

		if (!v)
			goto nomem;
		fl->comms = v;
		v[fl->ncomms] = strdup(a->comms[i]);
		if (!v[fl->ncomms])
			goto nomem;
		v[++fl->ncomms] = NULL;
	}
	if (a->nuids) {
		uint32_t *u = realloc(fl->uids, (fl->nuids + a->nuids) * sizeof(*u));

		if (!u)
			goto nomem;
		fl->uids = u;
		memcpy(u + fl->nuids, a->uids, a->nuids * sizeof(*u));
		fl->nuids += a->nuids;
	}
	return 0;
nomem:
	fprintf(stderr, PROG ": out of memory\n");
	return 1;
}

/* The YAML the options amount to, with a comment saying where it came from. */
static char *config_yaml(const struct args *a, struct nx_config *cfg, struct nx_err *err)
{
	char *comment = NULL, *out = NULL;
	size_t clen = 0, olen = 0;
	FILE *c = open_memstream(&comment, &clen), *o = NULL;

	if (!c)
		goto nomem;
	fputs("generated by nexus-record from:", c);
	if (a->config)
		fprintf(c, "\n  %s", a->config);
	for (uint32_t i = 0; i < a->nspecs; i++) {
		fputs("\n  -e ", c);
		shell_quote(c, a->specs[i]);
	}
	if (a->npids)
		fputs("\n-p PID is not part of a config: give it again with this file", c);
	if (fclose(c))
		goto nomem;
	o = open_memstream(&out, &olen);
	if (!o)
		goto nomem;
	if (nx_config_write(o, cfg, comment, err) < 0) {
		fclose(o);
		free(out);
		out = NULL;
		goto out;
	}
	if (fclose(o)) {
		free(out);
		goto nomem;
	}
	goto out;
nomem:
	nx_err_set(err, -ENOMEM, "out of memory");
	out = NULL;
out:
	free(comment);
	return out;
}

/* --check: every capability, probed; exit 0 when a run can start here. */
static int run_check(bool json)
{
	struct nx_caps caps;
	struct nx_err err = { 0 };

	nx_caps_probe(&caps, 0);
	nx_caps_print(stdout, &caps, json);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
		return 1;
	}
	return nx_caps_require(&caps, NX_CAPS_BASE, &err) < 0 ? 1 : 0;
}

/* Before a run: what this config needs, probed as --check does. */
static int check_caps(const struct nx_config *cfg, struct nx_err *err)
{
	uint32_t need = NX_CAPS_BASE;
	struct nx_caps caps;

	for (uint32_t i = 0; i < cfg->ntargets; i++)
		for (uint32_t j = 0; j < cfg->targets[i].nfuncs; j++)
			need |= cfg->targets[i].funcs[j].hook == NXR_HOOK_URETPROBE ?
				NX_CAPS_URETPROBE : NX_CAPS_UPROBE;
	nx_caps_probe_prerun(&caps, need);
	return nx_caps_require(&caps, need, err);
}

int main(int argc, char **argv)
{
	struct argp argp = { options, parse_opt, "CONFIG", doc, NULL, NULL, NULL };
	struct args a = { .sync = NXR_SYNC_SEGMENT };
	struct nx_launch_ids ids = { 0 }, owner = { 0 };
	struct nx_record_result res = { 0 };
	struct nx_config_opts copts = { 0 };
	struct status_ctx sc = { 0 };
	struct nx_record_opts o = { 0 };
	struct nx_config cfg;
	struct nx_probes *probes = NULL;
	struct nx_live *live = NULL;
	struct nx_err err = { 0 };
	struct sigaction sa = { 0 };
	char cmdline[1024], *script = NULL;
	size_t script_len = 0;
	char *gen_yaml = NULL;
	struct nxr_kv *meta_kv = NULL;
	uint32_t nmeta_kv = 0;
	int rc, status = 0;

	argp_err_exit_status = 2;
	nx_config_init(&cfg);
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	if (a.check)
		return run_check(a.json);
	/* with -p, --all, -e or "--" the processes are named here: Command may be absent */
	copts.command_optional = a.npids || a.all || a.nspecs || a.cmd || a.print_config;
	if (a.config && nx_config_load_opts(&cfg, a.config, &copts, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 2;
		goto out;
	}
	if (!a.config) {
		cfg.path = strdup("(command line)");
		cfg.syscalls_none = a.nspecs > 0;	/* -e alone: what the specs name */
	}
	if ((rc = apply_cli(&a, &cfg)) != 0)
		goto out;
	if (a.print_config) {
		if (a.all && !cfg.argv && !cfg.noexec) {	/* --all as a config says it */
			cfg.noexec = cfg.noexec_all = true;
			free(cfg.command);
			cfg.command = strdup("*");
		}
		gen_yaml = config_yaml(&a, &cfg, &err);
		rc = gen_yaml && fputs(gen_yaml, stdout) != EOF && fflush(stdout) != EOF ? 0 : 1;
		if (rc)
			fprintf(stderr, PROG ": %s\n", gen_yaml ? strerror(errno) : err.msg);
		goto out;
	}
	if (a.nspecs || a.cmd || a.ncomms || a.nuids) {
		/* the recording keeps the config that was run, not the file alone */
		gen_yaml = config_yaml(&a, &cfg, &err);
		if (!gen_yaml) {
			fprintf(stderr, PROG ": %s\n", err.msg);
			rc = 1;
			goto out;
		}
	}
	if (nx_probespec_meta_kv(&cfg, &meta_kv, &nmeta_kv, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 1;
		goto out;
	}
	/* generated now, so that a config bpftrace cannot express stops the run
	 * (exit 2) before anything is created or loaded */
	if ((a.emit_bpftrace || cfg.script_path) &&
	    nx_bpfscript_generate(&cfg, !a.emit_bpftrace ? cfg.script_path :
				  strcmp(a.emit_bpftrace, "-") ? a.emit_bpftrace : NULL,
				  &script, &script_len, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 2;
		goto out;
	}
	if (a.emit_bpftrace) {
		rc = emit_bpftrace(a.emit_bpftrace, script, script_len, a.force);
		goto out;
	}
	/* triggers, FilePaths and symbols: checked before anything is created */
	probes = nx_probes_new(&cfg, &err);
	if (!probes) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 2;
		goto out;
	}
	if (nx_launch_ids_from_env(&ids, cfg.sudo, &err) < 0 ||
	    nx_launch_ids_from_env(&owner, false, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 2;
		goto out;
	}
	o.follow = cfg.follow;
	o.wait_children = !a.no_wait_children;
	o.all = a.all || cfg.noexec_all;
	o.pids = a.pids;
	o.npids = a.npids;
	if (cfg.noexec && !cfg.noexec_all) {
		o.noexec = true;
		o.names = cfg.noexec_names;
		o.nnames = cfg.nnoexec_names;
	}
	if (!cfg.noexec && !a.npids && cfg.argv && cfg.argc)
		o.argv = cfg.argv;
	if (!o.argv && !o.all && !o.noexec && !o.npids) {
		fprintf(stderr, PROG ": %s: no Command to launch (in the config or after --), and no -p or --all\n",
			a.config ? a.config : "(no config)");
		rc = 2;
		goto out;
	}
	o.ids = &ids;
	o.no_syscalls = cfg.syscalls_none;
	o.syscalls = cfg.syscalls_none ? NULL : cfg.syscalls;
	o.nsyscalls = cfg.nsyscalls;
	o.payloads = &cfg.payloads;
	o.sysfilters = cfg.sysfilters;
	o.nsysfilters = cfg.nsysfilters;
	o.duration_s = a.duration > 0 ? a.duration : cfg.duration_s;
	o.probes = probes;
	{
		struct nx_live_opts lo = { .probes = probes,
					   .health_interval_ms = cfg.health.interval_ms,
					   .health_cpu_pct = cfg.health.cpu_pct,
					   .health_disk_pct = cfg.health.disk_pct };

		live = nx_live_new(&lo, &err);
		if (!live) {
			fprintf(stderr, PROG ": %s\n", err.msg);
			rc = 1;
			goto out;
		}
		o.live = live;
	}
	o.ringbuf_bytes = a.ringbuf;
	o.wake_bytes = a.wake;
	if (a.verbose)
		o.log = log_line;
	o.out_path = a.out;
	o.logs_dir = cfg.logs_dir;
	o.force = a.force;
	o.chown = owner.drop;
	o.uid = owner.uid;
	o.gid = owner.gid;
	o.sync = a.sync;
	o.layout = a.layout;
	if (o.argv)
		snprintf(cmdline, sizeof(cmdline), "%s", cfg.command);
	else if (o.npids)
		snprintf(cmdline, sizeof(cmdline), "-p %d%s", (int)a.pids[0],
			 a.npids > 1 ? " ..." : "");
	else if (o.noexec)
		snprintf(cmdline, sizeof(cmdline), "NoExec %s", cfg.command ? cfg.command : "");
	else
		snprintf(cmdline, sizeof(cmdline), "--all");
	o.command = cmdline;
	o.config_text = gen_yaml ? gen_yaml : cfg.text;
	o.meta_kv = meta_kv;
	o.nmeta_kv = nmeta_kv;
	o.filter = &cfg.filter;
	o.stop_sig = &stop_sig;
	if (a.ready_file) {
		o.ready = on_ready;
		o.ready_ctx = (void *)a.ready_file;
	}
	if (!a.quiet && isatty(STDERR_FILENO)) {
		o.status = on_status;
		o.status_ctx = &sc;
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* after the handlers: a signal meanwhile ends the run, it is never lost */
	if (check_caps(&cfg, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		rc = 1;
		goto out;
	}
	if (script) {
		struct nx_output_opts so = { .force = a.force, .chown = owner.drop,
					     .uid = owner.uid, .gid = owner.gid };

		if (nx_bpfscript_save(cfg.script_path, script, script_len, &so, &err) < 0) {
			fprintf(stderr, PROG ": ScriptPath %s\n", err.msg);
			rc = 1;
			goto out;
		}
	}

	rc = nx_record_run(&o, &res, &err);
	if (sc.shown)
		fprintf(stderr, "\r\033[K");
	if (rc < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg[0] ? err.msg : strerror(-rc));
		if (res.path && !a.quiet)
			summary(&res);
		warn_bad_records(&res);
		rc = 1;
		goto out;
	}
	if (!a.quiet) {
		summary(&res);
		summary_live(live);
	}
	warn_bad_records(&res);
	if (res.cmd_exited) {
		status = res.cmd_status;
		rc = WIFEXITED(status) ? WEXITSTATUS(status) :
		     WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	} else if (res.stop_signal) {
		rc = 128 + res.stop_signal;
	} else {
		rc = 0;
	}
out:
	nx_live_free(live);
	nx_probes_free(probes);
	nx_record_result_release(&res);
	nx_launch_ids_release(&ids);
	nx_launch_ids_release(&owner);
	nx_config_release(&cfg);
	nx_probespec_kv_free(meta_kv, nmeta_kv);
	free(gen_yaml);
	free(script);
	free(a.pids);
	free(a.specs);
	free(a.comms);
	free(a.uids);
	return rc;
}
