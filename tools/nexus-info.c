/*
 * tools/nexus-info.c: what a recording holds, in one screen (or --json):
 * header metadata, duration, events by kind and per second, top processes
 * and syscalls, loss and filtering, segments, sizes and compression, and
 * whether the recorder closed the file.
 *
 * It reads every event (counts are of what is readable, so a damaged file
 * reports the events that survive), in memory bounded by the number of
 * processes.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/fmtev.h"
#include "analyze/json.h"
#include "analyze/proctab.h"
#include "analyze/syscalls.h"
#include "format/reader.h"
#include "tools/tool.h"

#define NR_SLOTS 4096		/* syscall numbers counted one by one; above: "other" */
/* nr_counts: NR_SLOTS x86-64 numbers, then as many ia32 ones (NX_SYS_IA32 | n) */
#define NR_SLOT_OF(nr) (NX_SYS_IS_IA32(nr) ? NR_SLOTS + ((nr) & ~NX_SYS_IA32) : (nr))

struct args {
	const char *path;
	bool json;
	unsigned top;
};

const char *argp_program_version = "nexus-info " NX_VERSION;
static const char doc[] =
	"Metadata and statistics of a .nxr recording.\v"
	"Prints the header (host, kernel, command, start time), the duration, events by "
	"kind and per second, the top processes and syscalls, lost and filtered counts, "
	"segments, raw and compressed sizes, and whether the file was closed cleanly.\n"
	"Exit status: 0 ok, 1 runtime error, 2 bad usage.";

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "one JSON object", 0 },
	{ "top", 't', "N", 0, "how many processes and syscalls to list (default 10)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;
	unsigned long v;

	switch (key) {
	case 'j':
		a->json = true;
		break;
	case 't':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || v > 100000)
			argp_error(state, "--top: '%s' is not a count", arg);
		a->top = (unsigned)v;
		break;
	default:
		if (!nx_tool_arg_recording(key, arg, state, &a->path))
			return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct rank {
	uint64_t key, count;
	const struct nx_proc *p;
};

static int by_count(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void kv_str(struct nx_json_buf *b, bool json, const char *key, const char *v, bool *first)
{
	if (json) {
		nx_json_key(b, key, *first);
		nx_json_str(b, v ? v : "", v ? strlen(v) : 0);
	} else {
		nx_json_printf(b, "%-16s ", key);
		nx_json_cesc(b, v ? v : "", v ? strlen(v) : 0);
		nx_json_putc(b, '\n');
	}
	*first = false;
}

static void kv_u64(struct nx_json_buf *b, bool json, const char *key, uint64_t v, bool *first)
{
	if (json) {
		nx_json_key(b, key, *first);
		nx_json_u64(b, v);
	} else {
		nx_json_printf(b, "%-16s %" PRIu64 "\n", key, v);
	}
	*first = false;
}

int main(int argc, char **argv)
{
	struct args a = { .top = 10 };
	struct argp argp = { options, parse_opt, "RECORDING", doc, NULL, NULL, NULL };
	struct nx_tool tool = { .prog = "nexus-info" };
	struct nx_json_buf out = { 0 };
	struct nx_proctab *procs = NULL;
	struct nxr_reader *r = NULL;
	struct nxr_reader_stats rs;
	const struct nxr_meta *m;
	const struct nxr_segment_info *segs;
	struct nx_err err = { 0 };
	struct nxr_event ev;
	uint64_t *nr_counts = NULL, nr_other = 0, events = 0, per_kind[NX_KIND_MAX_ID + 2] = { 0 };
	uint64_t first = UINT64_MAX, last = 0, lost_events[NX_LOSS_NREASONS] = { 0 }, filtered_events = 0;
	uint64_t filtered_split[2] = { 0 };	/* uprobe calls, syscalls */
	struct rank *ranks = NULL;
	uint32_t nsegs, pos = 0, nranks = 0;
	bool f = true, oom = false;
	double dur_s;
	int rc = 1, n;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	r = nx_tool_open(&tool, a.path, NULL);
	if (!r)
		goto out;
	procs = nx_proctab_new();
	nr_counts = calloc(2 * NR_SLOTS, sizeof(uint64_t));
	if (!procs || !nr_counts)
		goto nomem;
	while ((n = nxr_reader_next(r, &ev, &err)) > 0) {
		events++;
		per_kind[ev.kind <= NX_KIND_MAX_ID ? ev.kind : NX_KIND_MAX_ID + 1]++;
		if (ev.ts_ns < first)
			first = ev.ts_ns;
		if (ev.ts_ns > last)
			last = ev.ts_ns;
		nx_proctab_observe(procs, &ev, &oom);
		if (ev.kind == NX_KIND_SYSCALL) {
			if (NR_SLOT_OF(ev.syscall.nr) < 2 * NR_SLOTS &&
			    (ev.syscall.nr < NR_SLOTS || NX_SYS_IS_IA32(ev.syscall.nr)))
				nr_counts[NR_SLOT_OF(ev.syscall.nr)]++;
			else
				nr_other++;
		} else if (ev.kind == NX_KIND_LOSS) {
			lost_events[ev.loss.reason < NX_LOSS_NREASONS ? ev.loss.reason : 0] += ev.loss.count;
		} else if (ev.kind == NX_KIND_FILTER) {
			filtered_events += ev.filter.count;
			filtered_split[!!(ev.filter.probe & NX_FILTER_PROBE_SYSCALL)] += ev.filter.count;
		}
		if (ev.pid && ev.kind != NX_KIND_HEALTH && ev.kind != NX_KIND_LOSS &&
		    ev.kind != NX_KIND_FILTER) {
			struct nx_proc *p = nx_proctab_get(procs, ev.pid);

			if (!p)
				goto nomem;
			p->user++;
		}
		if (oom)
			goto nomem;
	}
	if (n < 0) {
		nx_tool_error(&tool, a.path, &err);
		goto out;
	}
	nxr_reader_get_stats(r, &rs);
	m = nxr_reader_meta(r);
	segs = nxr_reader_segments(r, &nsegs);
	(void)segs;
	if (first == UINT64_MAX)
		first = last = 0;
	dur_s = (double)(last - first) / 1e9;

	if (a.json)
		nx_json_putc(&out, '{');
	kv_str(&out, a.json, "file", a.path, &f);
	kv_str(&out, a.json, "hostname", m->hostname, &f);
	kv_str(&out, a.json, "kernel", m->kernel, &f);
	kv_str(&out, a.json, "arch", m->arch, &f);
	kv_str(&out, a.json, "tool_version", m->tool_version, &f);
	kv_str(&out, a.json, "command", m->command, &f);
	kv_u64(&out, a.json, "created_wall_ns", m->created_wall_ns, &f);
	if (a.json) {
		nx_json_key(&out, "start_wall_ns", false);
		nx_json_s64(&out, (int64_t)first + m->mono_to_wall_ns);
		nx_json_printf(&out, ",\"duration_s\":%.9f", dur_s);
		nx_json_printf(&out, ",\"events_per_s\":%.1f", dur_s > 0 ? events / dur_s : 0.0);
		nx_json_printf(&out, ",\"closed_cleanly\":%s",
			       rs.closed_cleanly ? "true" : "false");
		nx_json_key(&out, "probes", false);
		nx_json_putc(&out, '[');
		for (uint32_t i = 0; i < m->nprobes; i++) {
			const struct nxr_probe *p = &m->probes[i];

			nx_json_printf(&out, "%s{\"id\":%u,\"hook\":\"%s\",\"path\":",
				       i ? "," : "", p->id,
				       p->hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe");
			nx_json_str(&out, p->path ? p->path : "", p->path ? strlen(p->path) : 0);
			nx_json_puts(&out, ",\"function\":");
			nx_json_str(&out, p->func ? p->func : "", p->func ? strlen(p->func) : 0);
			nx_json_putc(&out, '}');
		}
		nx_json_putc(&out, ']');
	} else {
		char when[64];
		time_t t = (time_t)(((int64_t)first + m->mono_to_wall_ns) / 1000000000ll);
		struct tm tm;

		if (gmtime_r(&t, &tm) &&
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
			nx_json_printf(&out, "%-16s %s\n", "start", when);
		nx_json_printf(&out, "%-16s %.6f s\n", "duration", dur_s);
		nx_json_printf(&out, "%-16s %.1f\n", "events/s", dur_s > 0 ? events / dur_s : 0.0);
		nx_json_printf(&out, "%-16s %s\n", "closed cleanly", rs.closed_cleanly ? "yes" :
			       "no");
		for (uint32_t i = 0; i < m->nprobes; i++) {
			const struct nxr_probe *p = &m->probes[i];

			nx_json_printf(&out, "%-16s %u %s %s:%s\n", i ? "" : "probes", p->id,
				       p->hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe",
				       p->path ? p->path : "", p->func ? p->func : "");
		}
	}
	kv_u64(&out, a.json, "events", events, &f);
	/* events by kind */
	if (a.json) {
		nx_json_key(&out, "events_by_kind", false);
		nx_json_putc(&out, '{');
	} else {
		nx_json_puts(&out, "events by kind\n");
	}
	{
		bool ff = true;

		for (uint32_t k = 1; k <= NX_KIND_MAX_ID + 1; k++) {
			const struct nxr_kind_desc *d = nxr_kind_desc(k);
			const char *name = k <= NX_KIND_MAX_ID && d ? d->name : "unknown";

			if (!per_kind[k])
				continue;
			if (a.json) {
				nx_json_key(&out, name, ff);
				nx_json_u64(&out, per_kind[k]);
			} else {
				nx_json_printf(&out, "  %-14s %" PRIu64 "\n", name, per_kind[k]);
			}
			ff = false;
		}
	}
	if (a.json)
		nx_json_putc(&out, '}');
	/* top processes */
	ranks = calloc(nx_proctab_count(procs) + 1, sizeof(*ranks));
	if (!ranks)
		goto nomem;
	for (struct nx_proc *p; (p = nx_proctab_iter(procs, &pos));)
		if (p->user)
			ranks[nranks++] = (struct rank){ p->pid, p->user, p };
	qsort(ranks, nranks, sizeof(*ranks), by_count);
	if (a.json) {
		nx_json_key(&out, "processes", false);
		nx_json_u64(&out, nranks);
		nx_json_key(&out, "top_processes", false);
		nx_json_putc(&out, '[');
	} else {
		nx_json_printf(&out, "processes        %u\ntop processes (events)\n", nranks);
	}
	for (uint32_t i = 0; i < nranks && i < a.top; i++) {
		const struct nx_proc *p = ranks[i].p;

		if (a.json) {
			nx_json_printf(&out, "%s{\"pid\":%u,\"comm\":", i ? "," : "", p->pid);
			if (p->comm_known)
				nx_json_str(&out, p->comm, p->comm_len);
			else
				nx_json_puts(&out, "null");
			nx_json_printf(&out, ",\"events\":%" PRIu64 "}", ranks[i].count);
		} else {
			nx_json_printf(&out, "  %10" PRIu64 "  %u ", ranks[i].count, p->pid);
			nx_json_cesc(&out, p->comm, p->comm_len);
			nx_json_putc(&out, '\n');
		}
	}
	if (a.json)
		nx_json_putc(&out, ']');
	/* top syscalls */
	nranks = 0;
	free(ranks);
	ranks = calloc(2 * NR_SLOTS, sizeof(*ranks));
	if (!ranks)
		goto nomem;
	for (uint32_t i = 0; i < 2 * NR_SLOTS; i++)
		if (nr_counts[i])
			ranks[nranks++] = (struct rank){ i < NR_SLOTS ? i : NX_SYS_IA32 | (i - NR_SLOTS),
							 nr_counts[i], NULL };
	qsort(ranks, nranks, sizeof(*ranks), by_count);
	if (a.json) {
		nx_json_key(&out, "top_syscalls", false);
		nx_json_putc(&out, '[');
	} else {
		nx_json_puts(&out, "top syscalls\n");
	}
	for (uint32_t i = 0; i < nranks && i < a.top; i++) {
		char nb[32];
		const char *name = nx_syscall_name((uint32_t)ranks[i].key, nb, sizeof(nb));

		if (a.json) {
			nx_json_printf(&out, "%s{\"nr\":%" PRIu64 ",\"name\":", i ? "," : "",
				       ranks[i].key);
			nx_json_str(&out, name, strlen(name));
			nx_json_printf(&out, ",\"count\":%" PRIu64 "}", ranks[i].count);
		} else {
			/* the same name may rank in both ABIs: tell them apart */
			nx_json_printf(&out, "  %10" PRIu64 "  %s%s\n", ranks[i].count, name,
				       NX_SYS_IS_IA32(ranks[i].key) ? " (ia32)" : "");
		}
	}
	if (a.json)
		nx_json_putc(&out, ']');
	if (nr_other)
		kv_u64(&out, a.json, "syscalls_nr_4096_up", nr_other, &f);
	/* loss, filtering, storage */
	{
		uint64_t lost = 0;

		for (int k = 0; k < 4; k++) {
			if (rs.lost[k] > lost_events[k])
				lost_events[k] = rs.lost[k];
			lost += lost_events[k];
		}
		kv_u64(&out, a.json, "lost", lost, &f);
		kv_u64(&out, a.json, "lost_ringbuf", lost_events[NX_LOSS_RINGBUF], &f);
		kv_u64(&out, a.json, "lost_backlog", lost_events[NX_LOSS_BACKLOG], &f);
		kv_u64(&out, a.json, "lost_disk", lost_events[NX_LOSS_DISK], &f);
		kv_u64(&out, a.json, "filtered",
		       rs.filtered > filtered_events ? rs.filtered : filtered_events, &f);
		kv_u64(&out, a.json, "filtered_calls", filtered_split[0], &f);
		kv_u64(&out, a.json, "filtered_syscalls", filtered_split[1], &f);
	}
	kv_u64(&out, a.json, "segments", rs.segments, &f);
	kv_u64(&out, a.json, "damaged_segments", rs.damaged_segments, &f);
	kv_u64(&out, a.json, "tail_ignored", rs.tail_ignored, &f);
	kv_u64(&out, a.json, "file_bytes", rs.file_bytes, &f);
	kv_u64(&out, a.json, "raw_bytes", rs.raw_bytes, &f);
	kv_u64(&out, a.json, "compressed_bytes", rs.zbytes, &f);
	if (a.json)
		nx_json_printf(&out, ",\"ratio\":%.3f", rs.zbytes ? (double)rs.raw_bytes / rs.zbytes
								   : 0.0);
	else
		nx_json_printf(&out, "%-16s %.2f\n", "ratio",
			       rs.zbytes ? (double)rs.raw_bytes / (double)rs.zbytes : 0.0);
	if (a.json) {
		nx_json_key(&out, "segment_list", false);
		nx_json_putc(&out, '[');
		segs = nxr_reader_segments(r, &nsegs);
		for (uint32_t i = 0; i < nsegs; i++)
			nx_json_printf(&out, "%s{\"seq\":%u,\"offset\":%" PRIu64 ",\"events\":%u,"
				       "\"raw_bytes\":%u,\"compressed_bytes\":%u}", i ? "," : "",
				       segs[i].seq, segs[i].offset, segs[i].events,
				       segs[i].raw_bytes, segs[i].zbytes);
		nx_json_puts(&out, "]}\n");
	}
	if (out.oom)
		goto nomem;
	if (nx_tool_flush(stdout, &out) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: standard output: %s\n", tool.prog, strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, "%s: out of memory\n", tool.prog);
out:
	free(ranks);
	free(nr_counts);
	nx_json_release(&out);
	nx_proctab_free(procs);
	nxr_reader_close(r);
	return rc;
}
