/*
 * capture/live.c: the recorder's live adaptation (auto triggers) and health
 * gating (cpu/disk triggers), between capture/adapt.c, capture/health.c and
 * the kernel maps of capture/probes.c.
 *
 * Everything happens on the caller's thread (the writer thread), so the
 * ADAPT and HEALTH events it records interleave with the drained events in
 * one order. A kernel update always comes before the event that reports it:
 * a recording never claims a filter or a gate the kernel did not have yet.
 */
#include "capture/live.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/trigger.h"
#include "capture/adapt.h"
#include "capture/health.h"

#define DEFAULT_APPLY_MS 100
#define MAX_WAIT_MS 100

struct nx_live {
	struct nx_live_opts o;
	struct nx_adapt *adapt;		/* NULL: no auto trigger */
	bool health_on;			/* some trigger reads cpu or disk */
	struct nx_health health;
	uint32_t flags;			/* NX_HEALTH_* of the last sample */
	uint64_t next_sample, next_apply;
	int (*record)(void *ctx, const struct nxr_event *ev);
	void *ctx;
	struct nx_live_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int set_common(void *ctx, uint32_t probe, uint32_t trigger, const uint64_t *vals,
		      unsigned n, bool common)
{
	struct nx_live *l = ctx;

	return nx_probes_set_common(l->o.probes, probe, trigger, vals, n, common, NULL);
}

static int record(void *ctx, const struct nxr_event *ev)
{
	struct nx_live *l = ctx;

	return l->record ? l->record(l->ctx, ev) : -EINVAL;
}

/* Declares every auto trigger to adapt; notes whether any reads health. */
static int scan_triggers(struct nx_live *l, struct nx_err *err)
{
	static const struct nx_adapt_ops ops = { .set_common = set_common, .record = record };
	uint32_t n = nx_probes_count(l->o.probes);

	for (uint32_t id = 1; id <= n; id++) {
		for (uint32_t i = 0; i < nx_probes_ntriggers_of(l->o.probes, id); i++) {
			const struct nx_trigger *t = nx_probes_trigger(l->o.probes, id, i);
			uint8_t vars[NX_TRIGGER_MAX_AUTO];
			unsigned nv;
			int rc;

			if (nx_trigger_type(t) == NX_TRIGGER_HEALTH)
				l->health_on = true;
			if (nx_trigger_type(t) != NX_TRIGGER_AUTO)
				continue;
			if (!l->adapt) {
				l->adapt = nx_adapt_new(NULL, &ops, l, err);
				if (!l->adapt)
					return err ? err->code : -ENOMEM;
			}
			nv = nx_trigger_auto_vars(t, vars);
			rc = nx_adapt_add_trigger(l->adapt, id, i, vars, nv, err);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

struct nx_live *nx_live_new(const struct nx_live_opts *o, struct nx_err *err)
{
	struct nx_live *l = calloc(1, sizeof(*l));

	if (!l) {
		nx_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (o)
		l->o = *o;
	if (!l->o.health_interval_ms)
		l->o.health_interval_ms = 1000;
	if (!l->o.apply_ms)
		l->o.apply_ms = DEFAULT_APPLY_MS;
	if (scan_triggers(l, err) < 0)
		goto fail;
	if (l->health_on) {
		struct nx_health_opts ho = { .proc_root = l->o.proc_root,
					     .cpu_pct = l->o.health_cpu_pct,
					     .disk_pct = l->o.health_disk_pct };

		if (nx_health_init(&l->health, &ho, err) < 0)
			goto fail;
	}
	return l;
fail:
	nx_live_free(l);
	return NULL;
}

void nx_live_free(struct nx_live *l)
{
	if (!l)
		return;
	nx_adapt_free(l->adapt);
	nx_health_release(&l->health);
	free(l);
}

bool nx_live_active(const struct nx_live *l)
{
	return l && (l->adapt || l->health_on);
}

static int preload(struct nx_live *l, uint64_t now_ns, struct nx_err *err)
{
	uint32_t n = nx_probes_count(l->o.probes);

	for (uint32_t id = 1; id <= n; id++) {
		for (uint32_t i = 0; i < nx_probes_ntriggers_of(l->o.probes, id); i++) {
			uint32_t ntup, nvals;
			const uint64_t *v = nx_probes_preload(l->o.probes, id, i, &ntup, &nvals);

			for (uint32_t k = 0; v && k < ntup; k++) {
				int rc = nx_adapt_preload(l->adapt, id, i, v + (size_t)k * nvals,
							  nvals, now_ns, err);

				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

int nx_live_start(struct nx_live *l, int (*rec)(void *ctx, const struct nxr_event *ev), void *ctx,
		  uint64_t now_ns, struct nx_err *err)
{
	struct nx_health_sample s;
	int rc;

	if (!nx_live_active(l))
		return 0;
	l->record = rec;
	l->ctx = ctx;
	l->next_apply = now_ns;
	if (l->adapt) {
		struct nx_adapt_stats as;

		rc = preload(l, now_ns, err);
		nx_adapt_get_stats(l->adapt, &as);
		l->st.preloaded = as.preloaded;
		if (rc < 0)
			return rc;
	}
	if (l->health_on) {
		rc = nx_health_sample(&l->health, &s, err);	/* primes the counters */
		if (rc < 0)
			return rc;
		l->next_sample = now_ns + l->o.health_interval_ms * 1000000ull;
	}
	return 0;
}

void nx_live_observe(struct nx_live *l, const struct nxr_event *ev)
{
	if (!l)
		return;
	if (ev->ts_ns > l->st.last_ns)
		l->st.last_ns = ev->ts_ns;
	if (ev->kind != NX_KIND_CALL && ev->kind != NX_KIND_RETURN)
		return;
	if (!l->st.first_ns)
		l->st.first_ns = ev->ts_ns;
	l->st.calls++;
	if (!l->st.adapt_ns || ev->ts_ns < l->st.adapt_ns)
		l->st.calls_before++;
	if (l->adapt)
		nx_adapt_observe(l->adapt, ev);
}

/* "cpu busy 95.20% > 90%" */
static int gate_event(struct nx_live *l, uint32_t bit, bool on, const struct nx_health_sample *s,
		      uint64_t ts)
{
	struct nxr_event ev = { .kind = NX_KIND_ADAPT, .ts_ns = ts };
	bool cpu = bit == NX_HEALTH_CPU_HIGH;
	uint32_t v = cpu ? s->cpu_busy : s->disk_busy;
	char note[128];
	int n;

	n = snprintf(note, sizeof(note), "%s busy %u.%02u%% %s %u%%: %s triggers %s",
		     cpu ? "cpu" : "disk", v / 100, v % 100, on ? ">" : "<=",
		     cpu ? l->o.health_cpu_pct : l->o.health_disk_pct, cpu ? "cpu" : "disk",
		     on ? "hold" : "no longer hold");
	ev.adapt.value = bit;
	ev.adapt.probe = 0;
	ev.adapt.action = on ? NX_ADAPT_GATE_ON : NX_ADAPT_GATE_OFF;
	ev.adapt.note.ptr = note;
	ev.adapt.note.len = n < (int)sizeof(note) ? (uint32_t)n : sizeof(note) - 1;
	return l->record(l->ctx, &ev);
}

static int sample(struct nx_live *l, struct nx_err *err)
{
	struct nxr_event ev = { .kind = NX_KIND_HEALTH };
	struct nx_health_sample s;
	uint32_t changed;
	int rc;

	rc = nx_health_sample(&l->health, &s, err);
	if (rc <= 0)
		return rc;
	rc = nx_probes_set_health(l->o.probes, s.flags, s.cpu_busy, s.disk_busy, err);
	if (rc < 0)
		return rc;
	ev.ts_ns = mono_ns();		/* after the kernel has it */
	ev.health.cpu_busy = s.cpu_busy;
	ev.health.disk_busy = s.disk_busy;
	ev.health.flags = s.flags;
	rc = l->record(l->ctx, &ev);
	if (rc < 0)
		return nx_err_set(err, rc, "recording a health sample failed: %s", strerror(-rc));
	l->st.samples++;
	changed = s.flags ^ l->flags;
	l->flags = s.flags;
	for (uint32_t bit = NX_HEALTH_CPU_HIGH; bit <= NX_HEALTH_DISK_HIGH; bit <<= 1) {
		if (!(changed & bit))
			continue;
		rc = gate_event(l, bit, s.flags & bit, &s, ev.ts_ns);
		if (rc < 0)
			return nx_err_set(err, rc, "recording a gate change failed: %s",
					  strerror(-rc));
		l->st.gate_flips++;
	}
	return 0;
}

int nx_live_tick(struct nx_live *l, uint64_t now_ns, struct nx_err *err)
{
	int rc = 0, r;

	if (!nx_live_active(l) || !l->record)
		return 0;
	if (l->adapt && now_ns >= l->next_apply) {
		struct nx_adapt_stats as;

		l->next_apply = now_ns + l->o.apply_ms * 1000000ull;
		r = nx_adapt_apply(l->adapt, now_ns, err);
		nx_adapt_get_stats(l->adapt, &as);
		if (as.added > l->st.added && !l->st.adapt_ns)
			l->st.adapt_ns = now_ns;
		l->st.added = as.added;
		l->st.removed = as.removed;
		l->st.preloaded = as.preloaded;
		l->st.refused = as.refused;
		l->st.refused_errno = as.refused_errno;
		if (r < 0)
			rc = r;
	}
	if (l->health_on && now_ns >= l->next_sample) {
		/* the next one an interval after this one was due: no drift, no burst */
		l->next_sample += l->o.health_interval_ms * 1000000ull;
		if (l->next_sample <= now_ns)
			l->next_sample = now_ns + l->o.health_interval_ms * 1000000ull;
		r = sample(l, err);
		if (r < 0)
			rc = r;
	}
	if (rc < 0)
		l->st.errors++;
	return rc;
}

uint32_t nx_live_wait_ms(const struct nx_live *l, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;

	if (!nx_live_active(l))
		return MAX_WAIT_MS;
	if (l->adapt)
		next = l->next_apply;
	if (l->health_on && l->next_sample < next)
		next = l->next_sample;
	if (next <= now_ns)
		return 0;
	return (next - now_ns) / 1000000 < MAX_WAIT_MS ? (uint32_t)((next - now_ns) / 1000000)
							: MAX_WAIT_MS;
}

void nx_live_get_stats(const struct nx_live *l, struct nx_live_stats *out)
{
	if (!l) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = l->st;
}
