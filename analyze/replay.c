/*
 * analyze/replay.c: a recording run through the trigger engine (nexus-replay).
 *
 * One pass feeds every event: calls are evaluated by their probe's triggers
 * at once (manual and health triggers by their compiled predicate program,
 * the one the kernel runs), auto triggers count tuples exactly. Only at the
 * end is a tuple known to be rare, so the places (time, pid, tid) of the rare
 * tuples' first and last calls, known by event id during the first pass, are
 * filled by a second pass that stops after the last id wanted.
 *
 * Invariants:
 * - probes[] is sorted by id (ids are unique: the reader checks the table);
 * - res[i] and impl[i] describe trigger i, and probe p's impl lists the
 *   indices of its triggers in the order added;
 * - after finish, want[] points at every place still to resolve, sorted by
 *   event id; wcur only moves forward.
 */
#include "analyze/replay.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "analyze/proctab.h"
#include "bpf/uprobe.h"

#define DEF_MAX_LISTED 100u
#define MAX_MAX_LISTED 100000u

struct trig_impl {
	struct nx_trigger *t;
	struct nx_trig_prog prog;	/* manual and health */
	struct nx_rare_exact *x;	/* auto */
	char *text;
};

struct probe_impl {
	uint32_t *trigs;
	bool needs_proc;		/* a trigger reads uid or comm */
};

struct nx_replay {
	struct nx_replay_opts o;
	struct nx_replay_probe *probes;
	struct probe_impl *pimpl;
	uint32_t nprobes;
	struct nx_replay_trigger *res;
	struct trig_impl *impl;
	uint32_t ntrigs;
	struct nx_proctab *procs;
	bool needs_proc, fed, finished;
	uint32_t cpu_busy, disk_busy, health_flags;
	struct nx_replay_totals tot;
	uint32_t last_probe;		/* index of the probe of the previous call: a cache */
	struct nx_replay_at **want;
	size_t nwant, wcur;
};

static int by_id(const void *a, const void *b)
{
	const struct nx_replay_probe *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct nx_replay *nx_replay_new(const struct nxr_meta *meta, const struct nx_replay_opts *opts,
				struct nx_err *err)
{
	struct nx_replay *rp;
	struct nx_rare_exact *probe_x;

	rp = calloc(1, sizeof(*rp));
	if (!rp)
		goto nomem;
	if (opts)
		rp->o = *opts;
	if (!rp->o.max_listed)
		rp->o.max_listed = DEF_MAX_LISTED;
	if (rp->o.max_listed > MAX_MAX_LISTED ||
	    (rp->o.health_thresholds && (rp->o.cpu_pct > 100 || rp->o.disk_pct > 100))) {
		nx_err_set(err, -EINVAL, "replay: max_listed or a health threshold out of range");
		goto fail;
	}
	probe_x = nx_rare_exact_new(&rp->o.rare, err);	/* checks the rare options once */
	if (!probe_x)
		goto fail;
	nx_rare_exact_free(probe_x);
	rp->nprobes = meta ? meta->nprobes : 0;
	if (rp->nprobes) {
		rp->probes = calloc(rp->nprobes, sizeof(*rp->probes));
		rp->pimpl = calloc(rp->nprobes, sizeof(*rp->pimpl));
		if (!rp->probes || !rp->pimpl)
			goto nomem;
	}
	for (uint32_t i = 0; i < rp->nprobes; i++) {
		const struct nxr_probe *p = &meta->probes[i];

		rp->probes[i] = (struct nx_replay_probe){ .id = p->id, .hook = p->hook,
			.path = p->path ? p->path : "", .func = p->func ? p->func : "" };
	}
	if (rp->nprobes)
		qsort(rp->probes, rp->nprobes, sizeof(*rp->probes), by_id);
	return rp;
nomem:
	nx_err_set(err, -ENOMEM, "replay: out of memory");
fail:
	nx_replay_free(rp);
	return NULL;
}

void nx_replay_free(struct nx_replay *rp)
{
	if (!rp)
		return;
	for (uint32_t i = 0; i < rp->ntrigs; i++) {
		nx_trigger_free(rp->impl[i].t);
		nx_rare_exact_free(rp->impl[i].x);
		free(rp->impl[i].text);
		free(rp->res[i].rare);
		free(rp->res[i].common);
	}
	for (uint32_t i = 0; i < rp->nprobes; i++)
		free(rp->pimpl[i].trigs);
	free(rp->res);
	free(rp->impl);
	free(rp->probes);
	free(rp->pimpl);
	free(rp->want);
	nx_proctab_free(rp->procs);
	free(rp);
}

static int probe_index(const struct nx_replay *rp, uint32_t id)
{
	size_t lo = 0, hi = rp->nprobes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rp->probes[mid].id == id)
			return (int)mid;
		if (rp->probes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int nx_replay_add_trigger(struct nx_replay *rp, uint32_t probe, const char *text, uint64_t tag,
			  int mask_bit, uint32_t *err_col, struct nx_err *err)
{
	struct nx_trigger_ctx tctx = { 0 };
	struct nx_replay_trigger *r;
	struct trig_impl im = { 0 };
	struct probe_impl *pi;
	uint32_t *lst;
	int pidx, rc;

	assert(!rp->fed);
	if (err_col)
		*err_col = 0;
	pidx = probe_index(rp, probe);
	if (pidx < 0)
		return nx_err_set(err, -ENOENT, "no probe with id %u in the recording", probe);
	tctx.hook = rp->probes[pidx].hook;
	im.t = nx_trigger_parse(text, &tctx, err_col, err);
	if (!im.t)
		return err ? err->code : -EINVAL;
	im.text = strdup(text);
	if (!im.text)
		goto nomem;
	if (nx_trigger_type(im.t) == NX_TRIGGER_AUTO) {
		im.x = nx_rare_exact_new(&rp->o.rare, err);
		if (!im.x) {
			rc = err ? err->code : -ENOMEM;
			goto out;
		}
	} else {
		rc = nx_trigger_compile(im.t, &im.prog, err);
		if (rc < 0)
			goto out;
	}
	r = realloc(rp->res, sizeof(*r) * (rp->ntrigs + 1));
	if (!r)
		goto nomem;
	rp->res = r;
	{
		struct trig_impl *ii = realloc(rp->impl, sizeof(*ii) * (rp->ntrigs + 1));

		if (!ii)
			goto nomem;
		rp->impl = ii;
	}
	pi = &rp->pimpl[pidx];
	lst = realloc(pi->trigs, sizeof(*lst) * (rp->probes[pidx].ntriggers + 1));
	if (!lst)
		goto nomem;
	pi->trigs = lst;
	lst[rp->probes[pidx].ntriggers++] = rp->ntrigs;
	r = &rp->res[rp->ntrigs];
	memset(r, 0, sizeof(*r));
	r->probe = probe;
	r->tag = tag;
	r->text = im.text;
	r->type = nx_trigger_type(im.t);
	r->mask_bit = mask_bit >= 0 && mask_bit < 64 ? mask_bit : -1;
	r->nvars = nx_trigger_auto_vars(im.t, r->vars);
	/* uid and comm: only the process table knows them */
	if (!im.x && nx_trig_prog_needs(&im.prog) & (NX_UP_NEED_UID | NX_UP_NEED_COMM))
		pi->needs_proc = rp->needs_proc = true;
	rp->impl[rp->ntrigs] = im;
	return (int)rp->ntrigs++;
nomem:
	rc = nx_err_set(err, -ENOMEM, "replay: out of memory");
out:
	nx_trigger_free(im.t);
	nx_rare_exact_free(im.x);
	free(im.text);
	return rc;
}

/* "column C: rest" -> "column C+shift: rest"; returns the new column. */
static uint32_t shift_column(struct nx_err *err, uint32_t col, uint32_t shift)
{
	char rest[NX_ERR_MSG_MAX];
	const char *p;

	if (!col || !shift)
		return col;
	col += shift;
	p = err ? strstr(err->msg, ": ") : NULL;
	if (!p)
		return col;
	snprintf(rest, sizeof(rest), "%s", p + 2);
	nx_err_set(err, err->code, "column %u: %s", col, rest);
	return col;
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '@' || c == '$';
}

int nx_replay_add_candidate(struct nx_replay *rp, const char *arg, uint64_t tag,
			    uint32_t *err_col, struct nx_err *err)
{
	struct nx_err first = { 0 };
	uint32_t first_col = 0, col;
	const char *expr = arg, *func = NULL;
	size_t flen = 0, i = 0;
	long id = -1;
	int added = 0, tried = 0, rc;

	if (err_col)
		*err_col = 0;
	if (arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9') {
		i = 1 + strspn(arg + 1, "0123456789");
		if (arg[i] == ':')
			return nx_err_set(err, -EINVAL, "probe id %.*s is negative", (int)i, arg);
	} else if (arg[0] >= '0' && arg[0] <= '9') {
		i = strspn(arg, "0123456789");
		if (arg[i] == ':') {
			/* every digit counts: a cast would wrap 4294967297 to probe 1 */
			if (i > 10 || strtoull(arg, NULL, 10) > UINT32_MAX)
				return nx_err_set(err, -EINVAL, "probe id %.*s is above %u",
						  (int)i, arg, UINT32_MAX);
			id = (long)strtoull(arg, NULL, 10);
			expr = arg + i + 1;
		}
	} else if (is_ident_start(arg[0])) {
		while (is_ident(arg[i]))
			i++;
		if (arg[i] == ':') {
			func = arg;
			flen = i;
			expr = arg + i + 1;
		}
	}
	if (!rp->nprobes)
		return nx_err_set(err, -EINVAL, "the recording has no probes to try a trigger on");
	for (uint32_t k = 0; k < rp->nprobes; k++) {
		const struct nx_replay_probe *p = &rp->probes[k];
		struct nx_err e = { 0 };

		if (id >= 0 && p->id != (uint32_t)id)
			continue;
		if (func && (strlen(p->func) != flen || strncmp(p->func, func, flen)))
			continue;
		tried++;
		rc = nx_replay_add_trigger(rp, p->id, expr, tag, -1, &col, &e);
		if (rc == -ENOMEM)
			return nx_err_set(err, rc, "%s", e.msg);
		if (rc >= 0) {
			added++;
		} else if (!first.code) {
			first = e;
			first_col = col;
		}
	}
	if (added)
		return added;
	if (!tried && id >= 0)
		return nx_err_set(err, -EINVAL, "no probe with id %ld in the recording", id);
	if (!tried)
		return nx_err_set(err, -EINVAL, "no probe of function '%.*s' in the recording",
				  (int)flen, func);
	if (err)
		*err = first;
	first_col = shift_column(err, first_col, (uint32_t)(expr - arg));
	if (err_col)
		*err_col = first_col;
	return -EINVAL;
}

static void at_set(struct nx_replay_at *at, uint64_t event, const struct nxr_event *ev)
{
	at->event = event;
	at->ts_ns = ev->ts_ns;
	at->pid = ev->pid;
	at->tid = ev->tid;
}

static void fill_proc(struct nx_replay *rp, const struct nxr_event *ev, struct nx_trig_input *in)
{
	struct nx_proc *p = nx_proctab_find(rp->procs, ev->pid);

	in->uid = UINT32_MAX;
	if (!p)
		return;
	in->uid = p->uid;
	if (p->comm_known)
		memcpy(in->comm, p->comm, p->comm_len < NX_TRIG_COMM_LEN ? p->comm_len
									  : NX_TRIG_COMM_LEN);
}

static int feed_call(struct nx_replay *rp, uint64_t id, const struct nxr_event *ev,
		     struct nx_err *err)
{
	uint32_t probe = ev->kind == NX_KIND_CALL ? ev->call.probe : ev->uret.probe;
	struct nx_trig_input in = { 0 };
	struct nx_replay_probe *p;
	struct probe_impl *pi;
	int idx;

	if (rp->last_probe < rp->nprobes && rp->probes[rp->last_probe].id == probe) {
		idx = (int)rp->last_probe;
	} else {
		idx = probe_index(rp, probe);
		if (idx < 0) {
			rp->tot.unknown_probe++;
			return 0;
		}
		rp->last_probe = (uint32_t)idx;
	}
	p = &rp->probes[idx];
	if ((ev->kind == NX_KIND_CALL) != (p->hook == NXR_HOOK_UPROBE)) {
		rp->tot.wrong_hook++;
		return 0;
	}
	p->calls++;
	rp->tot.calls++;
	pi = &rp->pimpl[idx];
	if (!p->ntriggers)
		return 0;
	if (ev->kind == NX_KIND_CALL) {
		in.args[0] = ev->call.arg1;
		in.args[1] = ev->call.arg2;
		in.args[2] = ev->call.arg3;
		in.args[3] = ev->call.arg4;
		in.args[4] = ev->call.arg5;
		in.args[5] = ev->call.arg6;
	} else {
		in.ret = ev->uret.ret;
	}
	in.pid = ev->pid;
	in.tid = ev->tid;
	in.health_flags = rp->health_flags;
	in.cpu_busy = rp->cpu_busy;
	in.disk_busy = rp->disk_busy;
	if (pi->needs_proc)
		fill_proc(rp, ev, &in);
	for (uint32_t k = 0; k < p->ntriggers; k++) {
		uint32_t ti = pi->trigs[k];
		struct nx_replay_trigger *r = &rp->res[ti];
		struct trig_impl *im = &rp->impl[ti];

		r->calls++;
		if (r->mask_bit >= 0)
			r->recorded += ((ev->kind == NX_KIND_CALL ? ev->call.triggers
								  : ev->uret.triggers) >> r->mask_bit) & 1;
		if (im->x) {
			uint64_t vals[NX_RARE_MAX_VALS];
			int rc;

			for (unsigned v = 0; v < r->nvars; v++)
				vals[v] = r->vars[v] == NX_TRIG_VAR_RET ? (uint64_t)in.ret
									 : in.args[r->vars[v] - NX_TRIG_VAR_ARG1];
			rc = nx_rare_exact_observe(im->x, vals, r->nvars, id, err);
			if (rc < 0) {
				nx_err_prefix(err, "trigger '%s' of probe %u", r->text, r->probe);
				return rc;	/* err may be NULL: the prefix then returns 0 */
			}
			continue;
		}
		if (!nx_trig_prog_eval(&im->prog, &in))
			continue;
		if (!r->hits++)
			at_set(&r->first, id, ev);
		at_set(&r->last, id, ev);
	}
	return 0;
}

int nx_replay_feed(struct nx_replay *rp, const struct nxr_event *ev, struct nx_err *err)
{
	uint64_t id = rp->tot.events++;
	int idx;

	assert(!rp->finished);
	if (!rp->fed) {
		rp->fed = true;
		rp->tot.first_ts_ns = ev->ts_ns;
		if (rp->needs_proc) {
			rp->procs = nx_proctab_new();
			if (!rp->procs)
				return nx_err_set(err, -ENOMEM, "replay: out of memory");
		}
	}
	if (ev->ts_ns < rp->tot.first_ts_ns)
		rp->tot.first_ts_ns = ev->ts_ns;
	if (ev->ts_ns > rp->tot.last_ts_ns)
		rp->tot.last_ts_ns = ev->ts_ns;
	switch (ev->kind) {
	case NX_KIND_CALL:
	case NX_KIND_RETURN:
		return feed_call(rp, id, ev, err);
	case NX_KIND_EXEC:
	case NX_KIND_FORK:
		if (rp->procs) {
			bool oom = false;

			nx_proctab_observe(rp->procs, ev, &oom);
			if (oom)
				return nx_err_set(err, -ENOMEM, "replay: out of memory");
		}
		break;
	case NX_KIND_HEALTH:
		rp->tot.health++;
		rp->cpu_busy = ev->health.cpu_busy;
		rp->disk_busy = ev->health.disk_busy;
		rp->health_flags = ev->health.flags;
		if (rp->o.health_thresholds) {
			/* the same rule as the sampler's: strictly above */
			rp->health_flags = 0;
			if (ev->health.cpu_busy > rp->o.cpu_pct * 100)
				rp->health_flags |= NX_HEALTH_CPU_HIGH;
			if (ev->health.disk_busy > rp->o.disk_pct * 100)
				rp->health_flags |= NX_HEALTH_DISK_HIGH;
		}
		break;
	case NX_KIND_FILTER:
		if (ev->filter.probe & NX_FILTER_PROBE_SYSCALL) {
			rp->tot.filtered_syscalls += ev->filter.count;
			break;
		}
		rp->tot.filtered += ev->filter.count;
		idx = probe_index(rp, ev->filter.probe);
		if (idx >= 0)
			rp->probes[idx].filtered += ev->filter.count;
		break;
	case NX_KIND_LOSS:
		rp->tot.lost[ev->loss.reason < NX_LOSS_NREASONS ? ev->loss.reason : 0] +=
			ev->loss.count;
		idx = ev->loss.probe ? probe_index(rp, ev->loss.probe) : -1;
		if (idx >= 0)
			rp->probes[idx].lost += ev->loss.count;
		break;
	default:
		break;
	}
	return 0;
}

static int by_event(const void *a, const void *b)
{
	const struct nx_replay_at *x = *(struct nx_replay_at *const *)a;
	const struct nx_replay_at *y = *(struct nx_replay_at *const *)b;

	return x->event < y->event ? -1 : x->event > y->event;
}

static void value_from(struct nx_replay_value *d, const struct nx_rare_value *s)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->vals, s->vals, sizeof(d->vals));
	d->n = s->n;
	d->count = s->count;
	d->first.event = s->first;
	d->last.event = s->last;
}

/* Classifies one auto trigger's tuples: hits are the calls of rare tuples. */
static int finish_auto(struct nx_replay *rp, struct nx_replay_trigger *r, struct trig_impl *im,
		       struct nx_err *err)
{
	struct nx_rare_value *rare = NULL, *common = NULL;
	ssize_t nr, nc;
	int rc = 0;

	r->threshold = nx_rare_exact_threshold(im->x);
	r->distinct = nx_rare_exact_distinct(im->x);
	nr = nx_rare_exact_list(im->x, NX_RARE_LIST_RARE, &rare, err);
	if (nr < 0)
		return (int)nr;
	nc = nx_rare_exact_list(im->x, NX_RARE_LIST_COMMON, &common, err);
	if (nc < 0) {
		rc = (int)nc;
		goto out;
	}
	r->nrare = (uint64_t)nr;
	for (ssize_t i = 0; i < nr; i++) {
		if (!r->hits || rare[i].first < r->first.event)
			r->first.event = rare[i].first;
		if (!r->hits || rare[i].last > r->last.event)
			r->last.event = rare[i].last;
		r->hits += rare[i].count;
	}
	r->nlisted = (uint32_t)((uint64_t)nr < rp->o.max_listed ? (uint64_t)nr : rp->o.max_listed);
	if (r->nlisted) {
		r->rare = calloc(r->nlisted, sizeof(*r->rare));
		if (!r->rare)
			goto nomem;
		for (uint32_t i = 0; i < r->nlisted; i++)
			value_from(&r->rare[i], &rare[i]);
	}
	if (nc) {
		r->common = calloc((size_t)nc, sizeof(*r->common));
		if (!r->common)
			goto nomem;
		for (ssize_t i = 0; i < nc; i++)
			value_from(&r->common[i], &common[i]);
		r->ncommon = (uint32_t)nc;
	}
	goto out;
nomem:
	rc = nx_err_set(err, -ENOMEM, "replay: out of memory");
out:
	free(rare);
	free(common);
	return rc;
}

int nx_replay_finish(struct nx_replay *rp, struct nx_err *err)
{
	size_t n = 0;
	int rc;

	assert(!rp->finished);
	rp->finished = true;
	for (uint32_t i = 0; i < rp->ntrigs; i++) {
		struct nx_replay_trigger *r = &rp->res[i];

		if (!rp->impl[i].x)
			continue;
		rc = finish_auto(rp, r, &rp->impl[i], err);
		if (rc < 0)
			return rc;
		n += (r->hits ? 2 : 0) + 2 * (size_t)r->nlisted;
	}
	if (!n)
		return 0;
	rp->want = calloc(n, sizeof(*rp->want));
	if (!rp->want)
		return nx_err_set(err, -ENOMEM, "replay: out of memory");
	for (uint32_t i = 0; i < rp->ntrigs; i++) {
		struct nx_replay_trigger *r = &rp->res[i];

		if (!rp->impl[i].x)
			continue;
		if (r->hits) {
			rp->want[rp->nwant++] = &r->first;
			rp->want[rp->nwant++] = &r->last;
		}
		for (uint32_t k = 0; k < r->nlisted; k++) {
			rp->want[rp->nwant++] = &r->rare[k].first;
			rp->want[rp->nwant++] = &r->rare[k].last;
		}
	}
	qsort(rp->want, rp->nwant, sizeof(*rp->want), by_event);
	return 0;
}

int64_t nx_replay_wanted_max(const struct nx_replay *rp)
{
	if (rp->wcur >= rp->nwant)
		return -1;
	return (int64_t)rp->want[rp->nwant - 1]->event;
}

void nx_replay_resolve(struct nx_replay *rp, uint64_t event, const struct nxr_event *ev)
{
	while (rp->wcur < rp->nwant && rp->want[rp->wcur]->event < event)
		rp->wcur++;	/* not seen again (a segment readable once only): left as is */
	while (rp->wcur < rp->nwant && rp->want[rp->wcur]->event == event)
		at_set(rp->want[rp->wcur++], event, ev);
}

int nx_replay_run(struct nx_replay *rp, struct nxr_reader *r, struct nx_err *err)
{
	struct nxr_event ev;
	uint64_t id = 0;
	int64_t max;
	int rc;

	while ((rc = nxr_reader_next(r, &ev, err)) > 0) {
		rc = nx_replay_feed(rp, &ev, err);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	rc = nx_replay_finish(rp, err);
	if (rc < 0)
		return rc;
	max = nx_replay_wanted_max(rp);
	if (max < 0)
		return 0;
	rc = nxr_reader_rewind(r, err);
	if (rc < 0)
		return rc;
	while ((int64_t)id <= max && (rc = nxr_reader_next(r, &ev, err)) > 0)
		nx_replay_resolve(rp, id++, &ev);
	return rc < 0 ? rc : 0;
}

const struct nx_replay_trigger *nx_replay_triggers(const struct nx_replay *rp, uint32_t *n)
{
	*n = rp->ntrigs;
	return rp->res;
}

const struct nx_replay_probe *nx_replay_probes(const struct nx_replay *rp, uint32_t *n)
{
	*n = rp->nprobes;
	return rp->probes;
}

const struct nx_replay_probe *nx_replay_probe(const struct nx_replay *rp, uint32_t id)
{
	int i = probe_index(rp, id);

	return i < 0 ? NULL : &rp->probes[i];
}

void nx_replay_get_totals(const struct nx_replay *rp, struct nx_replay_totals *out)
{
	*out = rp->tot;
}

int nx_replay_value_format(const struct nx_replay_value *v, char *buf, size_t len)
{
	size_t off = 0;
	int k;

	k = snprintf(buf, len, "(");
	off += (size_t)k;
	for (uint32_t i = 0; i < v->n && i < NX_RARE_MAX_VALS; i++) {
		const char *sep = i ? ", " : "";

		if (v->vals[i] < 4096)
			k = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
				     "%s%" PRIu64, sep, v->vals[i]);
		else if ((int64_t)v->vals[i] < 0 && (int64_t)v->vals[i] > -4096)
			k = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
				     "%s%" PRId64, sep, (int64_t)v->vals[i]);
		else
			k = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
				     "%s0x%" PRIx64, sep, v->vals[i]);
		off += (size_t)k;
	}
	k = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0, ")");
	return (int)(off + (size_t)k);
}

int nx_replay_at_format(const struct nx_replay_at *at, uint64_t t0_ns, char *buf, size_t len)
{
	uint64_t d = at->ts_ns >= t0_ns ? at->ts_ns - t0_ns : 0;

	return snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 " s pid %u/%u event #%" PRIu64,
			d / 1000000000u, d % 1000000000u / 1000u, at->pid, at->tid, at->event);
}
