/*
 * capture/tune.c: a config's triggers replayed over a recording, and the
 * config for the next run made from what the replay saw (nexus-replay -o).
 *
 * It lives in capture/ because it reads and edits struct nx_config; the
 * replay itself (analyze/replay.c) knows nothing of configs. The tuned config
 * differs from the one given only in its auto triggers' Common tuples and in
 * comments, so a run with it traces the same functions with the same
 * triggers, starting where the replay's learning ended.
 */
#include "capture/tune.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trigger.h"	/* the __u types bpf/uprobe.h needs */
#include "bpf/uprobe.h"
#include "bpf/events.h"
#include "format/meta.h"

#define RARE_SHOWN 5		/* rare tuples named in a trigger's comment */

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The probe of the occ-th (0-based) function of cfg with this (path, func, hook). */
static const struct nxr_probe *probe_of(const struct nxr_meta *meta, const char *path,
					const struct nx_config_func *f, uint32_t occ)
{
	for (uint32_t i = 0; i < meta->nprobes; i++) {
		const struct nxr_probe *p = &meta->probes[i];

		if (p->hook == f->hook && same(p->path, path) && same(p->func, f->func) && !occ--)
			return p;
	}
	return NULL;
}

/* How many functions before (t, f) have the same (path, func, hook). */
static uint32_t occurrence(const struct nx_config *cfg, uint32_t t, uint32_t f)
{
	const struct nx_config_func *fn = &cfg->targets[t].funcs[f];
	uint32_t n = 0;

	for (uint32_t i = 0; i <= t; i++)
		for (uint32_t j = 0; j < cfg->targets[i].nfuncs && (i < t || j < f); j++) {
			const struct nx_config_func *g = &cfg->targets[i].funcs[j];

			n += g->hook == fn->hook && same(g->func, fn->func) &&
			     same(cfg->targets[i].path, cfg->targets[t].path);
		}
	return n;
}

int nx_tune_attach(struct nx_replay *rp, const struct nx_config *cfg, const struct nxr_meta *meta,
		   void (*on_unmatched)(void *ctx, const struct nx_config_target *t,
					const struct nx_config_func *f),
		   void *ctx, struct nx_err *err)
{
	/* a return's mask is recorded since NX_META_RETURN_TRIGGERS */
	bool ret_masks = nxr_meta_get(meta, NX_META_RETURN_TRIGGERS) != NULL;

	for (uint32_t t = 0; t < cfg->ntargets; t++) {
		const struct nx_config_target *tg = &cfg->targets[t];

		for (uint32_t f = 0; f < tg->nfuncs; f++) {
			const struct nx_config_func *fn = &tg->funcs[f];
			const struct nxr_probe *p = probe_of(meta, tg->path, fn, occurrence(cfg, t, f));
			bool masks = fn->hook == NXR_HOOK_UPROBE || ret_masks;

			if (!p) {
				if (on_unmatched)
					on_unmatched(ctx, tg, fn);
				continue;
			}
			for (uint32_t k = 0; k < fn->ntriggers; k++) {
				const struct nx_config_trigger *tr = &fn->triggers[k];
				struct nx_err e = { 0 };
				int rc;

				rc = nx_replay_add_trigger(rp, p->id, tr->text, NX_TUNE_TAG(t, f, k),
							   masks ? (int)k : -1, NULL, &e);
				if (rc == -EINVAL)
					return nx_err_set(err, rc, "%s:%u:%u: trigger '%s': %s",
							  cfg->path ? cfg->path : "config",
							  tr->pos.line, tr->pos.col, tr->text, e.msg);
				if (rc < 0)
					return nx_err_set(err, rc, "%s", e.msg);
			}
		}
	}
	return 0;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* What an auto trigger's Common becomes: the learned tuples, then the old. */
struct common_set {
	uint64_t *vals;
	uint32_t n, nvars;
	uint32_t max;		/* NX_CONFIG_MAX_COMMON, or less when the run's budget is short */
	uint32_t learned, old;	/* of each source, kept */
	uint32_t cut;		/* tuples beyond max */
};

static bool has_tuple(const struct common_set *s, const uint64_t *v)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (!memcmp(&s->vals[(size_t)i * s->nvars], v, s->nvars * sizeof(*v)))
			return true;
	return false;
}

static void add_tuple(struct common_set *s, const uint64_t *v, uint32_t *kept)
{
	if (has_tuple(s, v))
		return;
	if (s->n == s->max) {
		s->cut++;
		return;
	}
	memcpy(&s->vals[(size_t)s->n++ * s->nvars], v, s->nvars * sizeof(*v));
	(*kept)++;
}

/* max: the most this trigger may keep (nexus-record preloads at most
 * NX_UP_PRELOAD_MAX tuples for all triggers together, and refuses more). */
static int common_union(struct common_set *s, const struct nx_replay_trigger *r,
			const struct nx_config_trigger *tr, uint32_t max)
{
	memset(s, 0, sizeof(*s));
	s->nvars = r->nvars;
	s->max = max < NX_CONFIG_MAX_COMMON ? max : NX_CONFIG_MAX_COMMON;
	if (!r->ncommon && !tr->ncommon)
		return 0;
	s->vals = calloc((size_t)NX_CONFIG_MAX_COMMON * r->nvars, sizeof(*s->vals));
	if (!s->vals)
		return -ENOMEM;
	for (uint32_t j = 0; j < r->ncommon; j++)	/* by count, descending */
		add_tuple(s, r->common[j].vals, &s->learned);
	if (tr->ncommon_vals == r->nvars)	/* the config checked the arity */
		for (uint32_t j = 0; j < tr->ncommon; j++)
			add_tuple(s, &tr->common[(size_t)j * r->nvars], &s->old);
	return 0;
}

static int comment_for(const struct nx_replay_trigger *r, const char *source, uint64_t t0,
		       const struct common_set *cs, char **out)
{
	char a[128], b[128], v[256];
	size_t len = 0;
	FILE *f = open_memstream(out, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "nexus-replay of %s: %" PRIu64 " calls, held on %" PRIu64 " (%.4g %%)",
		source, r->calls, r->hits, pct(r->hits, r->calls));
	if (r->hits) {
		nx_replay_at_format(&r->first, t0, a, sizeof(a));
		nx_replay_at_format(&r->last, t0, b, sizeof(b));
		fprintf(f, "\nfirst at %s, last at %s", a, b);
	}
	if (r->type == NX_TRIGGER_AUTO) {
		fprintf(f, "\n%" PRIu64 " distinct tuples; common (>= %" PRIu64 " calls): %u",
			r->distinct, r->threshold, r->ncommon);
		if (cs->learned < r->ncommon)
			fprintf(f, ", the %u most frequent preloaded below", cs->learned);
		else if (cs->learned)
			fputs(", preloaded below", f);
		fprintf(f, "; rare: %" PRIu64, r->nrare);
		if (cs->old)
			fprintf(f, "\n%u Common tuples of the replayed config kept below the "
				"learned ones", cs->old);
		if (cs->cut)
			fprintf(f, "\n%u tuples cut: a trigger holds at most %u, and all "
				"triggers together %u", cs->cut, NX_CONFIG_MAX_COMMON,
				NX_UP_PRELOAD_MAX);
		for (uint32_t i = 0; i < r->nlisted && i < RARE_SHOWN; i++) {
			nx_replay_value_format(&r->rare[i], v, sizeof(v));
			nx_replay_at_format(&r->rare[i].first, t0, a, sizeof(a));
			fprintf(f, "\nrare %s x%" PRIu64 " first at %s", v, r->rare[i].count, a);
		}
		if (r->nrare > RARE_SHOWN)
			fprintf(f, "\n... %" PRIu64 " more rare tuples (nexus-replay lists them)",
				r->nrare - RARE_SHOWN);
	}
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int nx_tune_apply(struct nx_config *cfg, const struct nx_replay *rp, const char *source,
		  struct nx_err *err)
{
	const struct nx_replay_trigger *res;
	struct nx_replay_totals tot;
	uint32_t n, cut = 0, budget = NX_UP_PRELOAD_MAX;

	nx_replay_get_totals(rp, &tot);
	res = nx_replay_triggers(rp, &n);
	for (uint32_t i = 0; i < n; i++) {
		const struct nx_replay_trigger *r = &res[i];
		uint32_t t = NX_TUNE_TAG_TARGET(r->tag), f = NX_TUNE_TAG_FUNC(r->tag);
		uint32_t k = NX_TUNE_TAG_INDEX(r->tag);
		struct common_set cs = { 0 };
		struct nx_config_trigger *tr;
		char *comment = NULL;

		if (!(r->tag & NX_TUNE_TAG_CONFIG) || t >= cfg->ntargets ||
		    f >= cfg->targets[t].nfuncs || k >= cfg->targets[t].funcs[f].ntriggers)
			continue;
		tr = &cfg->targets[t].funcs[f].triggers[k];
		if (r->type == NX_TRIGGER_AUTO && common_union(&cs, r, tr, budget) < 0)
			goto nomem;
		if (comment_for(r, source, tot.first_ts_ns, &cs, &comment) < 0) {
			free(cs.vals);
			goto nomem;
		}
		if (r->type == NX_TRIGGER_AUTO) {
			free(tr->common);
			tr->common = cs.n ? cs.vals : NULL;
			if (!cs.n)
				free(cs.vals);
			tr->ncommon = cs.n;
			tr->ncommon_vals = cs.n ? r->nvars : 0;
			cut += cs.cut;
			budget -= cs.n;
		}
		free(tr->comment);
		tr->comment = comment;
	}
	return (int)cut;
nomem:
	return nx_err_set(err, -ENOMEM, "out of memory tuning the config");
}
