/*
 * capture/adapt.c: live learning for `auto` triggers.
 *
 * Changes of the common sets go through one queue: taken from the detectors,
 * then pushed to the kernel and recorded in order. A change that failed for a
 * passing reason (the recording's writer, or a transient kernel error such as
 * -EAGAIN or -ENOMEM) stays at the head of the queue for the next
 * nx_adapt_apply(), so none is lost and the recording never claims a filter
 * the kernel does not have. A change the kernel refuses for good (-E2BIG: its
 * common-value map is full; any other error) would block every change behind
 * it forever: it is skipped, counted in stats.refused and not recorded (the
 * calls it covers keep reaching user space, so nothing is lost either).
 */
#include "capture/adapt.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/trigger.h"

#define MAX_PROBE (1u << 16)	/* probe ids are dense indexes into the probe table */
#define TAKE_CHUNK 64u

struct adapt_trigger {
	uint32_t probe, trigger;
	uint8_t vars[NX_RARE_MAX_VALS];
	unsigned n;
	uint32_t next;			/* next trigger of the same probe, or UINT32_MAX */
	struct nx_rare *rare;		/* owned */
};

struct adapt_change {
	uint32_t at;			/* index into a->trig */
	bool common;
	struct nx_rare_value v;
};

struct nx_adapt {
	struct nx_rare_opts rare_opts;
	struct nx_adapt_ops ops;
	void *ctx;
	struct adapt_trigger *trig;	/* owned, ntrig of them */
	uint32_t ntrig;
	uint32_t *head;			/* per probe id: first trigger, or UINT32_MAX */
	uint32_t nhead;
	struct adapt_change *queue;	/* pending changes, [qhead, qlen) */
	size_t qhead, qlen, qcap;
	struct nx_adapt_stats stats;
};

struct nx_adapt *nx_adapt_new(const struct nx_rare_opts *rare, const struct nx_adapt_ops *ops,
			      void *ctx, struct nx_err *err)
{
	struct nx_adapt *a;

	if (!ops || !ops->set_common || !ops->record) {
		nx_err_set(err, -EINVAL, "adapt: set_common and record are required");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		nx_err_set(err, -ENOMEM, "adapt: out of memory");
		return NULL;
	}
	if (rare)
		a->rare_opts = *rare;
	a->rare_opts.flags |= NX_RARE_STICKY;
	a->ops = *ops;
	a->ctx = ctx;
	return a;
}

void nx_adapt_free(struct nx_adapt *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->ntrig; i++)
		nx_rare_free(a->trig[i].rare);
	free(a->trig);
	free(a->head);
	free(a->queue);
	free(a);
}

static int grow_heads(struct nx_adapt *a, uint32_t probe, struct nx_err *err)
{
	uint32_t n = probe + 1;
	uint32_t *h;

	if (n <= a->nhead)
		return 0;
	h = realloc(a->head, sizeof(*h) * n);
	if (!h)
		return nx_err_set(err, -ENOMEM, "adapt: out of memory");
	for (uint32_t i = a->nhead; i < n; i++)
		h[i] = UINT32_MAX;
	a->head = h;
	a->nhead = n;
	return 0;
}

static bool var_ok(uint8_t v)
{
	return v <= NX_TRIG_VAR_ARG1 + 5 || v == NX_TRIG_VAR_RET;
}

int nx_adapt_add_trigger(struct nx_adapt *a, uint32_t probe, uint32_t trigger,
			 const uint8_t *vars, unsigned n, struct nx_err *err)
{
	struct adapt_trigger *t;
	struct nx_rare *rare;
	int rc;

	if (probe >= MAX_PROBE)
		return nx_err_set(err, -EINVAL, "adapt: probe id %u out of range", probe);
	if (n < 1 || n > NX_RARE_MAX_VALS)
		return nx_err_set(err, -EINVAL, "adapt: an auto trigger watches 1 to %u values",
				  NX_RARE_MAX_VALS);
	for (unsigned i = 0; i < n; i++)
		if (!var_ok(vars[i]))
			return nx_err_set(err, -EINVAL, "adapt: variable %u cannot be watched",
					  vars[i]);
	rc = grow_heads(a, probe, err);
	if (rc < 0)
		return rc;
	t = realloc(a->trig, sizeof(*t) * (a->ntrig + 1));
	if (!t)
		return nx_err_set(err, -ENOMEM, "adapt: out of memory");
	a->trig = t;
	rare = nx_rare_new(&a->rare_opts, err);
	if (!rare)
		return err ? err->code : -ENOMEM;
	t = &a->trig[a->ntrig];
	memset(t, 0, sizeof(*t));
	t->probe = probe;
	t->trigger = trigger;
	memcpy(t->vars, vars, n);
	t->n = n;
	t->rare = rare;
	t->next = a->head[probe];
	a->head[probe] = a->ntrig++;
	a->stats.triggers = a->ntrig;
	return 0;
}

static struct adapt_trigger *find_trigger(struct nx_adapt *a, uint32_t probe, uint32_t trigger)
{
	if (probe >= a->nhead)
		return NULL;
	for (uint32_t i = a->head[probe]; i != UINT32_MAX; i = a->trig[i].next)
		if (a->trig[i].trigger == trigger)
			return &a->trig[i];
	return NULL;
}

/* "arg1=3 arg2=0x541c": small values in decimal, the rest in hex. */
static void format_tuple(char *buf, size_t len, const struct adapt_trigger *t,
			 const uint64_t *vals)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < t->n && off < len; i++) {
		char name[8];

		if (t->vars[i] == NX_TRIG_VAR_RET)
			snprintf(name, sizeof(name), "ret");
		else
			snprintf(name, sizeof(name), "arg%u", t->vars[i] - NX_TRIG_VAR_ARG1 + 1);
		off += (size_t)snprintf(buf + off, len - off,
					vals[i] < 4096 ? "%s%s=%" PRIu64 : "%s%s=%#" PRIx64,
					i ? " " : "", name, vals[i]);
	}
}

static int record_adapt(struct nx_adapt *a, const struct adapt_trigger *t, uint32_t action,
			const uint64_t *vals, uint64_t ts_ns, const char *why)
{
	char tuple[160], note[256];
	struct nxr_event ev = { .kind = NX_KIND_ADAPT, .ts_ns = ts_ns };
	int n;

	format_tuple(tuple, sizeof(tuple), t, vals);
	n = snprintf(note, sizeof(note), "trigger %u: %s %s", t->trigger, tuple, why);
	ev.adapt.value = nx_rare_key(vals, t->n);
	ev.adapt.probe = t->probe;
	ev.adapt.action = action;
	ev.adapt.note.ptr = note;
	ev.adapt.note.len = n < (int)sizeof(note) ? (uint32_t)n : sizeof(note) - 1;
	return a->ops.record(a->ctx, &ev);
}

int nx_adapt_preload(struct nx_adapt *a, uint32_t probe, uint32_t trigger,
		     const uint64_t *vals, unsigned n, uint64_t ts_ns, struct nx_err *err)
{
	struct adapt_trigger *t = find_trigger(a, probe, trigger);
	int rc;

	if (!t)
		return nx_err_set(err, -EINVAL, "adapt: probe %u has no auto trigger %u",
				  probe, trigger);
	if (n != t->n)
		return nx_err_set(err, -EINVAL,
				  "adapt: probe %u trigger %u watches %u values, %u given",
				  probe, trigger, t->n, n);
	rc = a->ops.set_common(a->ctx, probe, trigger, vals, n, true);
	if (rc < 0)
		return nx_err_set(err, rc, "adapt: cannot preload a common value of probe %u: %s",
				  probe, strerror(-rc));
	rc = record_adapt(a, t, NX_ADAPT_COMMON_ADD, vals, ts_ns, "preloaded from the config");
	if (rc < 0)
		return nx_err_set(err, rc, "adapt: cannot record the preload: %s", strerror(-rc));
	a->stats.preloaded++;
	return 0;
}

/* The watched values of one event, or false when it carries none of them. */
static bool event_values(const struct adapt_trigger *t, const struct nxr_event *ev,
			 uint64_t *vals)
{
	for (unsigned i = 0; i < t->n; i++) {
		uint8_t v = t->vars[i];

		if (v == NX_TRIG_VAR_RET) {
			if (ev->kind != NX_KIND_RETURN)
				return false;
			vals[i] = (uint64_t)ev->uret.ret;
			continue;
		}
		if (ev->kind != NX_KIND_CALL)
			return false;
		switch (v - NX_TRIG_VAR_ARG1) {
		case 0: vals[i] = ev->call.arg1; break;
		case 1: vals[i] = ev->call.arg2; break;
		case 2: vals[i] = ev->call.arg3; break;
		case 3: vals[i] = ev->call.arg4; break;
		case 4: vals[i] = ev->call.arg5; break;
		default: vals[i] = ev->call.arg6; break;
		}
	}
	return true;
}

void nx_adapt_observe(struct nx_adapt *a, const struct nxr_event *ev)
{
	uint64_t vals[NX_RARE_MAX_VALS];
	uint32_t probe;

	if (ev->kind == NX_KIND_CALL)
		probe = ev->call.probe;
	else if (ev->kind == NX_KIND_RETURN)
		probe = ev->uret.probe;
	else
		return;
	if (probe >= a->nhead)
		return;
	for (uint32_t i = a->head[probe]; i != UINT32_MAX; i = a->trig[i].next) {
		struct adapt_trigger *t = &a->trig[i];

		if (!event_values(t, ev, vals))
			continue;
		nx_rare_observe(t->rare, vals, t->n);
		a->stats.observed++;
	}
}

static int queue_room(struct nx_adapt *a, size_t more, struct nx_err *err)
{
	struct adapt_change *q;
	size_t cap;

	if (a->qhead == a->qlen)
		a->qhead = a->qlen = 0;
	if (a->qlen + more <= a->qcap)
		return 0;
	cap = a->qcap ? a->qcap * 2 : 256;
	while (cap < a->qlen + more)
		cap *= 2;
	q = realloc(a->queue, sizeof(*q) * cap);
	if (!q)
		return nx_err_set(err, -ENOMEM, "adapt: out of memory");
	a->queue = q;
	a->qcap = cap;
	return 0;
}

/* Moves every change the detectors hold into the queue. */
static int take_changes(struct nx_adapt *a, struct nx_err *err)
{
	struct nx_rare_value v[TAKE_CHUNK];

	for (uint32_t i = 0; i < a->ntrig; i++) {
		for (int common = 1; common >= 0; common--) {
			unsigned got;

			do {
				int rc = queue_room(a, TAKE_CHUNK, err);

				if (rc < 0)
					return rc;
				got = common ? nx_rare_take_new_common(a->trig[i].rare, v, TAKE_CHUNK)
					     : nx_rare_take_demoted(a->trig[i].rare, v, TAKE_CHUNK);
				for (unsigned k = 0; k < got; k++)
					a->queue[a->qlen++] = (struct adapt_change){
						.at = i, .common = common, .v = v[k] };
			} while (got == TAKE_CHUNK);
		}
	}
	return 0;
}

/* Kernel errors worth trying again later; any other one will not go away. */
static bool transient(int rc)
{
	return rc == -EAGAIN || rc == -EINTR || rc == -EBUSY || rc == -ENOMEM;
}

/* 0: applied and recorded; 1: refused for good by the kernel, skipped;
 * -errno: failed for now, to be tried again. */
static int apply_change(struct nx_adapt *a, const struct adapt_change *c, uint64_t ts_ns,
			struct nx_err *err)
{
	const struct adapt_trigger *t = &a->trig[c->at];
	char why[96];
	int rc;

	rc = a->ops.set_common(a->ctx, t->probe, t->trigger, c->v.vals, t->n, c->common);
	if (rc < 0 && !transient(rc)) {
		a->stats.refused++;
		a->stats.refused_errno = -rc;
		return 1;
	}
	if (rc < 0)
		return nx_err_set(err, rc, "adapt: the kernel filter of probe %u refused a value: %s",
				  t->probe, strerror(-rc));
	if (c->common)
		snprintf(why, sizeof(why), "common (seen at least %" PRIu64 " times): dropped in the kernel",
			 c->v.min_count);
	else
		snprintf(why, sizeof(why), "no longer common: kept again");
	rc = record_adapt(a, t, c->common ? NX_ADAPT_COMMON_ADD : NX_ADAPT_COMMON_DEL,
			  c->v.vals, ts_ns, why);
	if (rc < 0)
		return nx_err_set(err, rc, "adapt: cannot record a filter change: %s",
				  strerror(-rc));
	if (c->common)
		a->stats.added++;
	else
		a->stats.removed++;
	return 0;
}

int nx_adapt_apply(struct nx_adapt *a, uint64_t ts_ns, struct nx_err *err)
{
	int done = 0, rc;

	rc = take_changes(a, err);
	if (rc < 0)
		return rc;
	while (a->qhead < a->qlen) {
		rc = apply_change(a, &a->queue[a->qhead], ts_ns, err);
		if (rc < 0)
			return rc;
		a->qhead++;
		done += rc == 0;
	}
	return done;
}

void nx_adapt_get_stats(const struct nx_adapt *a, struct nx_adapt_stats *out)
{
	*out = a->stats;
}
