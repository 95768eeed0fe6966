/*
 * tools/nexus-dump.c: every event of a recording, one line each, strace-like
 * or as JSON lines (analyze/fmtev.h says what a line holds).
 *
 * Filters apply in this order: --type, --pid, --comm (the comm the process
 * had at that event), --since/--until (seconds from the first event).
 * event_id is the event's 0-based position in the file, whatever the filters.
 */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/fmtev.h"
#include "analyze/json.h"
#include "analyze/proctab.h"
#include "format/reader.h"
#include "tools/tool.h"

#define MAX_PIDS 64

struct args {
	const char *path;
	bool json;
	uint32_t pids[MAX_PIDS];
	unsigned npids;
	const char *comm;
	uint32_t kinds;		/* mask, 0 = all */
	double since, until;	/* seconds; until < 0: none */
};

const char *argp_program_version = "nexus-dump " NX_VERSION;
static const char doc[] =
	"Print every event of a .nxr recording, one line each.\v"
	"Text lines: <seconds since the first event> <comm> <pid>/<tid> <event>, e.g.\n"
	"  0.000345 ls 1234/1234 openat(0xffffff9c, 0x7ffd12340000, 0x80000, 0, 0, 0) = 3 "
	"<0.000004>\n"
	"Loss shows inline as [LOST n events, cpu c, reason]. --json prints one object per "
	"line with event_id, event_type, timestamp_ns, pid, tid, ppid, comm and payload.\n"
	"Kinds for --type: syscall exec fork exit call return health adapt loss filter.\n"
	"Exit status: 0 ok, 1 runtime error, 2 bad usage.";

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "JSON lines instead of text", 0 },
	{ "pid", 'p', "PID", 0, "only this process (repeatable)", 0 },
	{ "comm", 'c', "NAME", 0, "only processes named NAME at the time of the event", 0 },
	{ "type", 't', "KIND[,KIND]", 0, "only these event kinds", 0 },
	{ "since", 's', "SECS", 0, "only events at or after SECS from the first event", 0 },
	{ "until", 'u', "SECS", 0, "only events at or before SECS from the first event", 0 },
	{ 0 }
};

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || x > UINT32_MAX || s[0] == '-')
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int parse_secs(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	/* finite and at most a century: it becomes a uint64_t of nanoseconds */
	return (errno || end == s || *end || !isfinite(*v) || *v < 0 || *v > 3.2e9) ? -1 : 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'j':
		a->json = true;
		break;
	case 'p':
		if (a->npids == MAX_PIDS)
			argp_error(state, "at most %d --pid", MAX_PIDS);
		if (parse_u32(arg, &a->pids[a->npids]) < 0)
			argp_error(state, "--pid: '%s' is not a process id", arg);
		a->npids++;
		break;
	case 'c':
		a->comm = arg;
		break;
	case 't': {
		char *save = NULL, *copy = strdup(arg);

		if (!copy)
			argp_failure(state, 1, ENOMEM, "out of memory");
		for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
			const struct nxr_kind_desc *d = nxr_kind_desc_by_name(k);

			if (!d) {
				free(copy);
				argp_error(state, "--type: unknown event kind '%s'", k);
			}
			a->kinds |= 1u << d->kind;
		}
		free(copy);
		break;
	}
	case 's':
		if (parse_secs(arg, &a->since) < 0)
			argp_error(state, "--since: '%s' is not a number of seconds", arg);
		break;
	case 'u':
		if (parse_secs(arg, &a->until) < 0)
			argp_error(state, "--until: '%s' is not a number of seconds", arg);
		break;
	default:
		if (!nx_tool_arg_recording(key, arg, state, &a->path))
			return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static bool pid_wanted(const struct args *a, uint32_t pid)
{
	if (!a->npids)
		return true;
	for (unsigned i = 0; i < a->npids; i++)
		if (a->pids[i] == pid)
			return true;
	return false;
}

static bool kind_wanted(const struct args *a, uint32_t kind)
{
	return !a->kinds || (kind < 32 && (a->kinds & (1u << kind)));
}

/* Payloads whose syscall never came (lost, or the recording ended first):
 * shown on their own lines (show), never dropped; JSON has shown them already. */
static void put_orphans(struct nx_json_buf *out, struct nx_payjoin *pj, struct nx_proctab *procs,
			const struct nx_fmtev_opts *fo, bool show)
{
	const struct nxr_event *orph;
	uint32_t n;

	orph = nx_payjoin_orphans(pj, &n);
	for (uint32_t i = 0; show && i < n; i++) {
		nx_fmtev_text(out, &orph[i], nx_proctab_find(procs, orph[i].pid), fo);
		nx_json_putc(out, '\n');
	}
}

int main(int argc, char **argv)
{
	struct args a = { .until = -1 };
	struct argp argp = { options, parse_opt, "RECORDING", doc, NULL, NULL, NULL };
	struct nx_tool tool = { .prog = "nexus-dump" };
	struct nx_json_buf out = { 0 };
	struct nx_proctab *procs = NULL;
	struct nx_printtab *prints = NULL;
	struct nxr_reader *r = NULL;
	struct nx_fmtev_opts fo = { 0 };
	const struct nx_payset *pay;
	struct nx_payjoin *pj = NULL;
	struct nx_err err = { 0 };
	struct nxr_event ev;
	uint64_t id = 0, since_ns, until_ns;
	int rc = 1, n;
	bool oom = false;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, &a);

	r = nx_tool_open(&tool, a.path, NULL);
	if (!r)
		goto out;
	procs = nx_proctab_new();
	pj = nx_payjoin_new();
	if (!procs || !pj) {
		fprintf(stderr, "%s: out of memory\n", tool.prog);
		goto out;
	}
	fo.t0_ns = nx_tool_t0(r);
	fo.meta = nxr_reader_meta(r);
	fo.prints = prints = nx_printtab_new(fo.meta);	/* NULL without memory: raw lines */
	since_ns = fo.t0_ns + (uint64_t)(a.since * 1e9);
	until_ns = a.until < 0 ? UINT64_MAX : fo.t0_ns + (uint64_t)(a.until * 1e9);

	while ((n = nxr_reader_next(r, &ev, &err)) > 0) {
		uint64_t this_id = id++;
		struct nx_proc *p;

		nx_proctab_observe(procs, &ev, &oom);
		if (!pid_wanted(&a, ev.pid))
			continue;
		if (ev.ts_ns < since_ns || ev.ts_ns > until_ns)
			continue;
		p = ev.pid ? nx_proctab_find(procs, ev.pid) : NULL;
		if (a.comm && (!p || !p->comm_known || strcmp(p->comm, a.comm) != 0))
			continue;
		/* A syscall's payloads join it whether or not --type shows them: in
		 * text they are shown inside its line; in JSON they keep their own
		 * objects and also give its format's %s their bytes. */
		if (ev.kind == NX_KIND_PAYLOAD && kind_wanted(&a, NX_KIND_SYSCALL)) {
			if (nx_payjoin_add(pj, &ev, &err) < 0)
				oom = true;
			if (!a.json)
				continue;
		}
		if (!kind_wanted(&a, ev.kind))
			continue;
		pay = ev.kind == NX_KIND_SYSCALL ? nx_payjoin_take(pj, &ev) : NULL;
		put_orphans(&out, pj, procs, &fo, !a.json);
		oom |= nx_payjoin_lost(pj) > 0;		/* payloads it could not keep */
		if (a.json)
			nx_fmtev_json_pay(&out, &ev, this_id, p, &fo, pay);
		else
			nx_fmtev_text_pay(&out, &ev, p, &fo, pay);
		nx_json_putc(&out, '\n');
		if (out.oom || oom) {
			fprintf(stderr, "%s: out of memory\n", tool.prog);
			goto out;
		}
		if (out.len >= 64 * 1024 && nx_tool_flush(stdout, &out) < 0)
			break;
	}
	nx_payjoin_finish(pj);
	put_orphans(&out, pj, procs, &fo, !a.json);
	if (nx_payjoin_lost(pj)) {
		fprintf(stderr, "%s: out of memory\n", tool.prog);
		goto out;
	}
	if (n < 0) {
		nx_tool_error(&tool, a.path, &err);
		nx_tool_flush(stdout, &out);
		goto out;
	}
	if (nx_tool_flush(stdout, &out) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: standard output: %s\n", tool.prog, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	nx_json_release(&out);
	nx_proctab_free(procs);
	nx_printtab_free(prints);
	nx_payjoin_free(pj);
	nxr_reader_close(r);
	return rc;
}
