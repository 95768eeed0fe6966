/*
 * analyze/rare.c: rare-value detection for `auto` triggers.
 *
 * Online detector: space-saving (Metwally, Agrawal, El Abbadi, "Efficient
 * computation of frequent and top-k elements in data streams", 2005) with a
 * fixed table of `capacity` entries. Why space-saving rather than a
 * count-min sketch plus a heavy-hitter table:
 * - it keeps, per tracked value, an overestimate `count` and the most it may
 *   overestimate `err`, so count - err is a guaranteed lower bound. We declare
 *   a value common only on that lower bound: a value called common really
 *   occurred that often, and the kernel never drops a value on a hash
 *   collision's word (a count-min sketch only overestimates, which is the
 *   wrong direction for a filter that throws events away);
 * - every value whose true count exceeds events / capacity is in the table,
 *   so with capacity >= 2 / rare_fraction no value above the threshold is
 *   missed; a stream of distinct rare values only churns the table;
 * - it needs the tuples themselves for reporting anyway, which a sketch does
 *   not keep; and it is deterministic without any seed.
 * The table is a binary min-heap on count (the eviction victim is the root),
 * with an open-addressing index (linear probing, backward-shift deletion)
 * from tuple to heap entry: O(log capacity) per observation, weighted
 * observations included (a stream-summary list is O(1) but not for weights).
 *
 * Invariants (online):
 * - ntracked <= capacity; every allocation is made in nx_rare_new, so the
 *   memory never grows;
 * - heap[i] is an entry index, ent[heap[i]].pos == i, and the heap property
 *   ent[heap[parent]].count <= ent[heap[child]].count holds;
 * - the index holds exactly one slot per tracked entry, reachable from its
 *   home slot without crossing an empty slot;
 * - `reported` marks the values the consumer (take_*) believes common; R =
 *   {reported entries} + {demote queue}, |R| == nreported <= capacity, and
 *   the queue never holds a key that is also a reported entry.
 *
 * Exact counter: a growing open-addressing index over a dense array of
 * tuples with count, first and last; at most exact_max tuples.
 */
#include "analyze/rare.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEF_WARMUP 10000u
#define DEF_FRACTION 0.001
#define DEF_MIN_COUNT 8u
#define DEF_CAPACITY 4096u
#define MAX_CAPACITY (1u << 24)
#define DEF_EXACT_MAX (1u << 22)
#define MAX_EXACT_MAX (1u << 31)

/* ---- shared ---- */

struct params {
	uint64_t warmup, min_count, exact_max;
	double fraction;
	uint32_t capacity, flags;
};

static int params_from(const struct nx_rare_opts *o, struct params *p, struct nx_err *err)
{
	static const struct nx_rare_opts zero;

	if (!o)
		o = &zero;
	p->warmup = o->warmup ? o->warmup : DEF_WARMUP;
	p->min_count = o->min_count ? o->min_count : DEF_MIN_COUNT;
	p->fraction = o->rare_fraction != 0.0 ? o->rare_fraction : DEF_FRACTION;
	p->flags = o->flags;
	if (!(p->fraction > 0.0 && p->fraction < 1.0)) /* NaN fails too */
		return nx_err_set(err, -EINVAL, "rare: rare_fraction %g out of range (0, 1)",
				  o->rare_fraction);
	if (o->capacity) {
		p->capacity = o->capacity;
	} else {
		double c = 4.0 / p->fraction;

		if (c > MAX_CAPACITY)
			p->capacity = MAX_CAPACITY;
		else if (c < DEF_CAPACITY)
			p->capacity = DEF_CAPACITY;
		else
			p->capacity = (uint32_t)c;
	}
	if (p->capacity > MAX_CAPACITY)
		return nx_err_set(err, -EINVAL, "rare: capacity %u too large (max %u)", p->capacity,
				  MAX_CAPACITY);
	if ((double)p->capacity * p->fraction < 2.0)
		return nx_err_set(err, -EINVAL,
				  "rare: capacity %u too small for rare_fraction %g: "
				  "need at least %.0f tracked values",
				  p->capacity, p->fraction, 2.0 / p->fraction + 0.5);
	p->exact_max = o->exact_max ? o->exact_max : DEF_EXACT_MAX;
	if (p->exact_max > MAX_EXACT_MAX)
		return nx_err_set(err, -EINVAL, "rare: exact_max %llu too large (max %u)",
				  (unsigned long long)p->exact_max, MAX_EXACT_MAX);
	if (o->flags & ~(uint32_t)NX_RARE_STICKY)
		return nx_err_set(err, -EINVAL, "rare: unknown flags 0x%x", o->flags);
	return 0;
}

/* Occurrences needed to be common after `events` events: max(min_count, ceil(f x events)). */
static uint64_t threshold(const struct params *p, uint64_t events)
{
	double t = p->fraction * (double)events;
	uint64_t ti;

	if (t >= 18446744073709551615.0)
		return UINT64_MAX;
	ti = (uint64_t)t;
	if ((double)ti < t)
		ti++;
	return ti > p->min_count ? ti : p->min_count;
}

static bool tuple_eq(const uint64_t *a, unsigned an, const uint64_t *b, unsigned bn)
{
	if (an != bn)
		return false;
	for (unsigned i = 0; i < an; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static size_t pow2_at_least(size_t n)
{
	size_t s = 1;

	while (s < n)
		s <<= 1;
	return s;
}

/* Index slots: 0 = empty, else (key's high 32 bits << 32) | (entry index + 1). */
#define SLOT(key, idx) (((key)&0xffffffff00000000ull) | ((uint64_t)(idx) + 1))
#define SLOT_IDX(s) ((uint32_t)((s)&0xffffffffu) - 1)
#define SLOT_TAG(s) ((s)&0xffffffff00000000ull)

/* ---- online ---- */

struct entry {
	uint64_t key;
	uint64_t vals[NX_RARE_MAX_VALS];
	uint64_t count; /* overestimate of the occurrences */
	uint64_t err;	/* count - err <= true count <= count */
	uint64_t first, last;
	uint32_t pos; /* in heap[] */
	uint8_t n;
	uint8_t common;
	uint8_t reported; /* the consumer was told it is common */
};

struct nx_rare {
	struct params p;
	struct entry *ent;	       /* [capacity]; [0, ntracked) in use */
	uint32_t *heap;		       /* [capacity] entry indexes, min-heap on count */
	uint64_t *slots;	       /* [nslots] */
	size_t nslots;		       /* power of 2 >= 2 x capacity */
	struct nx_rare_value *demoted; /* [capacity] queue of evicted reported values */
	uint32_t ndemoted;
	uint32_t ntracked, ncommon, nreported;
	uint64_t events;
	uint32_t until_sweep; /* observations before the next demotion sweep */
	uint64_t promotions, demotions, evictions;
	bool warm;
};

size_t nx_rare_memory(const struct nx_rare *r)
{
	if (!r)
		return 0;
	return sizeof(*r) +
	       (size_t)r->p.capacity * (sizeof(*r->ent) + sizeof(*r->heap) + sizeof(*r->demoted)) +
	       r->nslots * sizeof(*r->slots);
}

struct nx_rare *nx_rare_new(const struct nx_rare_opts *opts, struct nx_err *err)
{
	struct nx_rare *r;
	struct params p;

	if (params_from(opts, &p, err) < 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->p = p;
	r->until_sweep = p.capacity;
	r->nslots = pow2_at_least((size_t)p.capacity * 2);
	r->ent = calloc(p.capacity, sizeof(*r->ent));
	r->heap = calloc(p.capacity, sizeof(*r->heap));
	r->slots = calloc(r->nslots, sizeof(*r->slots));
	r->demoted = calloc(p.capacity, sizeof(*r->demoted));
	if (!r->ent || !r->heap || !r->slots || !r->demoted)
		goto nomem;
	return r;
nomem:
	nx_rare_free(r);
	nx_err_set(err, -ENOMEM, "rare: out of memory for %u tracked values", p.capacity);
	return NULL;
}

void nx_rare_free(struct nx_rare *r)
{
	if (!r)
		return;
	free(r->ent);
	free(r->heap);
	free(r->slots);
	free(r->demoted);
	free(r);
}

static size_t index_find(const struct nx_rare *r, uint64_t key, const uint64_t *vals, unsigned n)
{
	size_t mask = r->nslots - 1;

	for (size_t i = key & mask;; i = (i + 1) & mask) {
		uint64_t s = r->slots[i];

		if (!s)
			return SIZE_MAX;
		if (SLOT_TAG(s) == SLOT_TAG(key)) {
			const struct entry *e = &r->ent[SLOT_IDX(s)];

			if (e->key == key && tuple_eq(e->vals, e->n, vals, n))
				return i;
		}
	}
}

static void index_insert(struct nx_rare *r, uint64_t key, uint32_t idx)
{
	size_t mask = r->nslots - 1, i = key & mask;

	while (r->slots[i])
		i = (i + 1) & mask;
	r->slots[i] = SLOT(key, idx);
}

/* Backward-shift deletion: no tombstones, so lookups stay short under churn. */
static void index_delete(struct nx_rare *r, size_t i)
{
	size_t mask = r->nslots - 1, j = i;

	for (;;) {
		uint64_t s;
		size_t home;

		j = (j + 1) & mask;
		s = r->slots[j];
		if (!s)
			break;
		home = r->ent[SLOT_IDX(s)].key & mask;
		/* Move s into the hole at i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			r->slots[i] = s;
			i = j;
		}
	}
	r->slots[i] = 0;
}

static void heap_swap(struct nx_rare *r, uint32_t a, uint32_t b)
{
	uint32_t ea = r->heap[a], eb = r->heap[b];

	r->heap[a] = eb;
	r->heap[b] = ea;
	r->ent[eb].pos = a;
	r->ent[ea].pos = b;
}

static void heap_down(struct nx_rare *r, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < r->ntracked && r->ent[r->heap[l]].count < r->ent[r->heap[m]].count)
			m = l;
		if (l + 1 < r->ntracked && r->ent[r->heap[l + 1]].count < r->ent[r->heap[m]].count)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(r, i, m);
		i = m;
	}
}

static void heap_up(struct nx_rare *r, uint32_t i)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (r->ent[r->heap[parent]].count <= r->ent[r->heap[i]].count)
			return;
		heap_swap(r, i, parent);
		i = parent;
	}
}

static void value_from_entry(struct nx_rare_value *v, const struct entry *e)
{
	memset(v, 0, sizeof(*v));
	v->key = e->key;
	v->n = e->n;
	memcpy(v->vals, e->vals, e->n * sizeof(e->vals[0]));
	v->count = e->count;
	v->min_count = e->count - e->err;
	v->first = e->first;
	v->last = e->last;
}

static void demote(struct nx_rare *r, struct entry *e)
{
	e->common = 0;
	r->ncommon--;
	r->demotions++;
}

/* The entry becomes common; a queued demotion of the same key is cancelled. */
static void promote(struct nx_rare *r, struct entry *e)
{
	e->common = 1;
	r->ncommon++;
	r->promotions++;
	for (uint32_t i = 0; i < r->ndemoted; i++) {
		struct nx_rare_value *q = &r->demoted[i];

		if (q->key == e->key && tuple_eq(q->vals, q->n, e->vals, e->n)) {
			/* The consumer still has it as common: nothing to tell. */
			memmove(q, q + 1, (r->ndemoted - i - 1) * sizeof(*q));
			r->ndemoted--;
			e->reported = 1;
			break;
		}
	}
}

static void evict_root(struct nx_rare *r)
{
	uint32_t idx = r->heap[0];
	struct entry *e = &r->ent[idx];
	size_t slot = index_find(r, e->key, e->vals, e->n);

	assert(slot != SIZE_MAX);
	index_delete(r, slot);
	r->evictions++;
	if (e->common)
		demote(r, e);
	if (e->reported) {
		/* nreported counts it already; it moves from the table to the queue. */
		assert(r->ndemoted < r->p.capacity);
		value_from_entry(&r->demoted[r->ndemoted++], e);
		e->reported = 0;
	}
}

static void sweep(struct nx_rare *r)
{
	uint64_t t = threshold(&r->p, r->events);

	for (uint32_t i = 0; i < r->ntracked; i++) {
		struct entry *e = &r->ent[i];
		uint64_t sure = e->count - e->err;

		if (!e->common && sure >= t)
			promote(r, e);
		else if (e->common && !(r->p.flags & NX_RARE_STICKY) && sure < t / 2)
			demote(r, e);
	}
}

enum nx_rare_verdict nx_rare_observe_n(struct nx_rare *r, const uint64_t *vals, unsigned n,
				       uint64_t count)
{
	uint64_t key, before = r->events;
	struct entry *e;
	size_t slot;
	uint32_t idx;

	assert(n >= 1 && n <= NX_RARE_MAX_VALS);
	if (n > NX_RARE_MAX_VALS)
		n = NX_RARE_MAX_VALS;
	key = nx_rare_key(vals, n);
	slot = index_find(r, key, vals, n);
	if (slot != SIZE_MAX) {
		e = &r->ent[SLOT_IDX(r->slots[slot])];
		if (!count)
			return r->warm && e->common ? NX_RARE_COMMON : NX_RARE_RARE;
		e->count += count;
		heap_down(r, e->pos);
	} else if (!count) {
		return NX_RARE_RARE;
	} else {
		bool fresh = r->ntracked < r->p.capacity;

		if (fresh) {
			idx = r->ntracked++;
			e = &r->ent[idx];
			e->pos = idx;
			e->count = 0;
			r->heap[idx] = idx;
		} else {
			idx = r->heap[0];
			e = &r->ent[idx];
			evict_root(r);
		}
		/* Space-saving: the newcomer inherits the victim's count as its error. */
		e->err = e->count;
		e->count += count;
		e->key = key;
		e->n = (uint8_t)n;
		memset(e->vals, 0, sizeof(e->vals));
		memcpy(e->vals, vals, n * sizeof(vals[0]));
		e->common = 0;
		e->reported = 0;
		e->first = before;
		index_insert(r, key, idx);
		if (fresh)
			heap_up(r, e->pos);
		else
			heap_down(r, e->pos);
	}
	e->last = before + count - 1;
	r->events += count;
	if (!r->warm) {
		if (r->events < r->p.warmup)
			return NX_RARE_RARE;
		r->warm = true;
		sweep(r);
		if (before < r->p.warmup) /* this occurrence belongs to the warm-up */
			return NX_RARE_RARE;
	}
	if (!e->common && e->count - e->err >= threshold(&r->p, r->events))
		promote(r, e);
	if (!(r->p.flags & NX_RARE_STICKY) && --r->until_sweep == 0) {
		r->until_sweep = r->p.capacity;
		sweep(r); /* amortised O(1): demote values whose share fell */
	}
	return e->common ? NX_RARE_COMMON : NX_RARE_RARE;
}

enum nx_rare_verdict nx_rare_observe(struct nx_rare *r, const uint64_t *vals, unsigned n)
{
	return nx_rare_observe_n(r, vals, n, 1);
}

enum nx_rare_verdict nx_rare_peek(const struct nx_rare *r, const uint64_t *vals, unsigned n)
{
	size_t slot;

	if (n < 1 || n > NX_RARE_MAX_VALS || !r->warm)
		return NX_RARE_RARE;
	slot = index_find(r, nx_rare_key(vals, n), vals, n);
	if (slot == SIZE_MAX)
		return NX_RARE_RARE;
	return r->ent[SLOT_IDX(r->slots[slot])].common ? NX_RARE_COMMON : NX_RARE_RARE;
}

int nx_rare_lookup(const struct nx_rare *r, const uint64_t *vals, unsigned n,
		   struct nx_rare_value *out)
{
	size_t slot;

	if (n < 1 || n > NX_RARE_MAX_VALS)
		return 0;
	slot = index_find(r, nx_rare_key(vals, n), vals, n);
	if (slot == SIZE_MAX)
		return 0;
	value_from_entry(out, &r->ent[SLOT_IDX(r->slots[slot])]);
	return 1;
}

unsigned nx_rare_take_new_common(struct nx_rare *r, struct nx_rare_value *out, unsigned max)
{
	unsigned got = 0;

	if (!max)
		return 0;
	for (uint32_t i = 0; i < r->ntracked && got < max; i++) {
		struct entry *e = &r->ent[i];

		if (!e->common || e->reported)
			continue;
		if (r->nreported >= r->p.capacity)
			break; /* take_demoted first: keeps the queue bounded */
		value_from_entry(&out[got++], e);
		e->reported = 1;
		r->nreported++;
	}
	return got;
}

unsigned nx_rare_take_demoted(struct nx_rare *r, struct nx_rare_value *out, unsigned max)
{
	unsigned got = 0, fromq;

	if (!max)
		return 0;
	fromq = r->ndemoted < max ? r->ndemoted : max;
	memcpy(out, r->demoted, fromq * sizeof(*out));
	memmove(r->demoted, r->demoted + fromq, (r->ndemoted - fromq) * sizeof(*out));
	r->ndemoted -= fromq;
	r->nreported -= fromq;
	got = fromq;
	for (uint32_t i = 0; i < r->ntracked && got < max; i++) {
		struct entry *e = &r->ent[i];

		if (e->common || !e->reported)
			continue;
		value_from_entry(&out[got++], e);
		e->reported = 0;
		r->nreported--;
	}
	return got;
}

void nx_rare_stats(const struct nx_rare *r, struct nx_rare_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->events = r->events;
	out->tracked = r->ntracked;
	out->common = r->ncommon;
	out->promotions = r->promotions;
	out->demotions = r->demotions;
	out->evictions = r->evictions;
	out->capacity = r->p.capacity;
	out->warm = r->warm;
}

/* ---- exact ---- */

struct xentry {
	uint64_t key;
	uint64_t vals[NX_RARE_MAX_VALS];
	uint64_t count, first, last;
	uint32_t n;
};

struct nx_rare_exact {
	struct params p;
	struct xentry *ent; /* [cap]; [0, nent) in use */
	size_t nent, cap;
	uint64_t *slots; /* [nslots], load <= 1/2 */
	size_t nslots;
	uint64_t events;
};

struct nx_rare_exact *nx_rare_exact_new(const struct nx_rare_opts *opts, struct nx_err *err)
{
	struct nx_rare_exact *x;
	struct params p;

	if (params_from(opts, &p, err) < 0)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		goto nomem;
	x->p = p;
	x->cap = 1024;
	x->nslots = 2048;
	x->ent = malloc(x->cap * sizeof(*x->ent));
	x->slots = calloc(x->nslots, sizeof(*x->slots));
	if (!x->ent || !x->slots)
		goto nomem;
	return x;
nomem:
	nx_rare_exact_free(x);
	nx_err_set(err, -ENOMEM, "rare: out of memory");
	return NULL;
}

void nx_rare_exact_free(struct nx_rare_exact *x)
{
	if (!x)
		return;
	free(x->ent);
	free(x->slots);
	free(x);
}

static int exact_grow(struct nx_rare_exact *x, struct nx_err *err)
{
	size_t ncap = x->cap * 2, nslots = x->nslots * 2, mask = nslots - 1;
	struct xentry *ent;
	uint64_t *slots;

	ent = realloc(x->ent, ncap * sizeof(*ent));
	if (!ent)
		goto nomem;
	x->ent = ent;
	slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		goto nomem;
	for (size_t k = 0; k < x->nent; k++) {
		size_t i = ent[k].key & mask;

		while (slots[i])
			i = (i + 1) & mask;
		slots[i] = SLOT(ent[k].key, k);
	}
	free(x->slots);
	x->slots = slots;
	x->nslots = nslots;
	x->cap = ncap;
	return 0;
nomem:
	return nx_err_set(err, -ENOMEM, "rare: out of memory counting %zu distinct values",
			  x->nent);
}

int nx_rare_exact_observe(struct nx_rare_exact *x, const uint64_t *vals, unsigned n, uint64_t at,
			  struct nx_err *err)
{
	uint64_t key;
	struct xentry *e;
	size_t mask, i;
	int rc;

	if (n < 1 || n > NX_RARE_MAX_VALS)
		return nx_err_set(err, -EINVAL, "rare: %u values in a tuple (1 to %d)", n,
				  NX_RARE_MAX_VALS);
	key = nx_rare_key(vals, n);
	mask = x->nslots - 1;
	for (i = key & mask; x->slots[i]; i = (i + 1) & mask) {
		uint64_t s = x->slots[i];

		if (SLOT_TAG(s) != SLOT_TAG(key))
			continue;
		e = &x->ent[SLOT_IDX(s)];
		if (e->key == key && tuple_eq(e->vals, e->n, vals, n)) {
			e->count++;
			if (at < e->first)
				e->first = at;
			if (at > e->last)
				e->last = at;
			x->events++;
			return 0;
		}
	}
	if (x->nent >= x->p.exact_max)
		return nx_err_set(err, -E2BIG,
				  "rare: more than %llu distinct values to count: "
				  "raise the exact counter's limit",
				  (unsigned long long)x->p.exact_max);
	if (x->nent == x->cap) {
		rc = exact_grow(x, err);
		if (rc < 0)
			return rc;
		mask = x->nslots - 1;
		for (i = key & mask; x->slots[i]; i = (i + 1) & mask)
			;
	}
	e = &x->ent[x->nent];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->n = n;
	memcpy(e->vals, vals, n * sizeof(vals[0]));
	e->count = 1;
	e->first = e->last = at;
	x->slots[i] = SLOT(key, x->nent);
	x->nent++;
	x->events++;
	return 0;
}

uint64_t nx_rare_exact_threshold(const struct nx_rare_exact *x)
{
	return threshold(&x->p, x->events);
}

uint64_t nx_rare_exact_events(const struct nx_rare_exact *x)
{
	return x->events;
}

size_t nx_rare_exact_distinct(const struct nx_rare_exact *x)
{
	return x->nent;
}

size_t nx_rare_exact_memory(const struct nx_rare_exact *x)
{
	if (!x)
		return 0;
	return sizeof(*x) + x->cap * sizeof(*x->ent) + x->nslots * sizeof(*x->slots);
}

static int cmp_tail(const struct nx_rare_value *a, const struct nx_rare_value *b)
{
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (unsigned i = 0; i < a->n; i++)
		if (a->vals[i] != b->vals[i])
			return a->vals[i] < b->vals[i] ? -1 : 1;
	return 0;
}

static int cmp_count_asc(const void *pa, const void *pb)
{
	const struct nx_rare_value *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count < b->count ? -1 : 1;
	return cmp_tail(a, b);
}

static int cmp_count_desc(const void *pa, const void *pb)
{
	const struct nx_rare_value *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return cmp_tail(a, b);
}

ssize_t nx_rare_exact_list(const struct nx_rare_exact *x, enum nx_rare_which which,
			   struct nx_rare_value **out, struct nx_err *err)
{
	uint64_t t = nx_rare_exact_threshold(x);
	struct nx_rare_value *v;
	size_t k = 0;

	*out = NULL;
	for (size_t i = 0; i < x->nent; i++) {
		bool rare = x->ent[i].count < t;

		if (which == NX_RARE_LIST_ALL || rare == (which == NX_RARE_LIST_RARE))
			k++;
	}
	if (!k)
		return 0;
	v = calloc(k, sizeof(*v));
	if (!v)
		return nx_err_set(err, -ENOMEM, "rare: out of memory listing %zu values", k);
	k = 0;
	for (size_t i = 0; i < x->nent; i++) {
		const struct xentry *e = &x->ent[i];
		bool rare = e->count < t;

		if (!(which == NX_RARE_LIST_ALL || rare == (which == NX_RARE_LIST_RARE)))
			continue;
		v[k].key = e->key;
		v[k].n = e->n;
		memcpy(v[k].vals, e->vals, sizeof(e->vals));
		v[k].count = v[k].min_count = e->count;
		v[k].first = e->first;
		v[k].last = e->last;
		k++;
	}
	qsort(v, k, sizeof(*v), which == NX_RARE_LIST_RARE ? cmp_count_asc : cmp_count_desc);
	*out = v;
	return (ssize_t)k;
}
