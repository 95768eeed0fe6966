/* tests/unit/test_rare.c: the rare-value detectors on streams whose content is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rare.h"

/* Deterministic test streams: splitmix64 from a fixed seed. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * The "clear separation" stream: NCOMMON common tuples sharing ~95 % of the
 * events (each > 10 %), one-off noise tuples (~5 %, each seen once), and
 * NPLANT planted tuples seen PLANT_TIMES times each at fixed positions, some
 * of them inside the warm-up.
 */
#define NCOMMON 4
#define NPLANT 30
#define PLANT_TIMES 3
#define STREAM_LEN 300000u

struct item {
	uint64_t v[2];
	int cls;   /* 0 common, 1 noise, 2 planted */
	int which; /* index among the commons or planted */
};

static const uint64_t common_vals[NCOMMON][2] = {
    {0x541c, 1},
    {0x541c, 2},
    {0x5401, 1},
    {7, 0},
};

static uint64_t plant_pos(int p, int t)
{
	/* Spread over the whole stream; p < 3 also lands inside the warm-up. */
	return (uint64_t)(p * 9973u + t * 97001u + 1000u) % STREAM_LEN;
}

static void stream_item(uint64_t i, uint64_t *rng, struct item *it)
{
	uint64_t x = rng_next(rng);

	for (int p = 0; p < NPLANT; p++)
		for (int t = 0; t < PLANT_TIMES; t++)
			if (plant_pos(p, t) == i) {
				it->v[0] = 0xdead0000ull + p;
				it->v[1] = 0xbeef;
				it->cls = 2;
				it->which = p;
				return;
			}
	if (x % 100 < 5) {
		it->v[0] = 0x10000000ull + i; /* unique */
		it->v[1] = x >> 32;
		it->cls = 1;
		it->which = -1;
		return;
	}
	it->which = (int)((x >> 8) % NCOMMON);
	it->v[0] = common_vals[it->which][0];
	it->v[1] = common_vals[it->which][1];
	it->cls = 0;
}

/* Precomputed once: the plant positions make stream_item slow otherwise. */
static struct item *stream;

static int stream_setup(void **state)
{
	uint64_t rng = 42;
	bool *planted = calloc(STREAM_LEN, sizeof(*planted));

	(void)state;
	stream = calloc(STREAM_LEN, sizeof(*stream));
	if (!stream || !planted)
		return -1;
	for (int p = 0; p < NPLANT; p++)
		for (int t = 0; t < PLANT_TIMES; t++)
			planted[plant_pos(p, t)] = true;
	for (uint64_t i = 0; i < STREAM_LEN; i++) {
		if (planted[i]) {
			stream_item(i, &rng, &stream[i]);
		} else {
			/* Same draw as stream_item, without the plant scan. */
			uint64_t x = rng_next(&rng);

			if (x % 100 < 5) {
				stream[i] = (struct item){{0x10000000ull + i, x >> 32}, 1, -1};
			} else {
				int w = (int)((x >> 8) % NCOMMON);

				stream[i] =
				    (struct item){{common_vals[w][0], common_vals[w][1]}, 0, w};
			}
		}
	}
	free(planted);
	return 0;
}

static int stream_teardown(void **state)
{
	(void)state;
	free(stream);
	stream = NULL;
	return 0;
}

static void test_planted_values_are_rare_on_every_occurrence(void **state)
{
	struct nx_err err = {0};
	struct nx_rare *r = nx_rare_new(NULL, &err);
	unsigned seen = 0, seen_after = 0;

	(void)state;
	assert_non_null(r);
	for (uint64_t i = 0; i < STREAM_LEN; i++) {
		enum nx_rare_verdict v = nx_rare_observe(r, stream[i].v, 2);

		if (i < 10000) {
			assert_int_equal(v, NX_RARE_RARE); /* warm-up keeps everything */
			continue;
		}
		if (stream[i].cls == 2) {
			assert_int_equal(v, NX_RARE_RARE);
			seen_after++;
		}
		if (stream[i].cls == 1)
			assert_int_equal(v, NX_RARE_RARE);
	}
	for (uint64_t i = 0; i < STREAM_LEN; i++)
		seen += stream[i].cls == 2;
	assert_int_equal(seen, NPLANT * PLANT_TIMES);
	assert_true(seen_after > 0 && seen_after < seen); /* some fell in the warm-up */
	nx_rare_free(r);
}

static void test_common_values_stop_being_reported_after_warmup(void **state)
{
	struct nx_rare *r = nx_rare_new(NULL, NULL);
	struct nx_rare_stats st;
	uint64_t common_after = 0, rare_common = 0;

	(void)state;
	assert_non_null(r);
	for (uint64_t i = 0; i < STREAM_LEN; i++) {
		enum nx_rare_verdict v = nx_rare_observe(r, stream[i].v, 2);

		if (i == 9998) {
			nx_rare_stats(r, &st);
			assert_false(st.warm);
			assert_int_equal(st.common, 0);
		}
		if (stream[i].cls != 0 || i < 10000)
			continue;
		if (v == NX_RARE_COMMON)
			common_after++;
		else
			rare_common++;
	}
	assert_int_equal(rare_common, 0);
	assert_true(common_after > STREAM_LEN * 8 / 10);
	nx_rare_stats(r, &st);
	assert_true(st.warm);
	assert_int_equal(st.common, NCOMMON);
	assert_int_equal(st.demotions, 0);
	assert_true(st.evictions > 0); /* the noise churned the table */
	for (int c = 0; c < NCOMMON; c++)
		assert_int_equal(nx_rare_peek(r, common_vals[c], 2), NX_RARE_COMMON);
	nx_rare_free(r);
}

static void test_warmup_length_is_respected(void **state)
{
	struct nx_rare_opts o = {.warmup = 500, .rare_fraction = 0.01, .min_count = 4};
	struct nx_rare *r = nx_rare_new(&o, NULL);
	struct nx_rare_value out[4];
	uint64_t v = 1;

	(void)state;
	assert_non_null(r);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(nx_rare_take_new_common(r, out, 4), 0);
		assert_int_equal(nx_rare_observe(r, &v, 1), NX_RARE_RARE);
	}
	/* The 500th event ended the warm-up: the value is common from the 501st. */
	assert_int_equal(nx_rare_peek(r, &v, 1), NX_RARE_COMMON);
	assert_int_equal(nx_rare_observe(r, &v, 1), NX_RARE_COMMON);
	assert_int_equal(nx_rare_take_new_common(r, out, 4), 1);
	assert_int_equal(out[0].vals[0], 1);
	assert_int_equal(out[0].n, 1);
	assert_int_equal(out[0].count, 501);
	assert_int_equal(out[0].min_count, 501);
	nx_rare_free(r);
}

static void test_memory_stays_bounded_on_10M_distinct_values(void **state)
{
	struct nx_rare *r = nx_rare_new(NULL, NULL);
	struct nx_rare_stats st;
	size_t mem0;
	uint64_t rare = 0;

	(void)state;
	assert_non_null(r);
	mem0 = nx_rare_memory(r);
	/* ~100 bytes an entry with index, heap and demotion queue: a few hundred KiB. */
	assert_true(mem0 < 4096u * 256);
	for (uint64_t i = 0; i < 10000000; i++) {
		uint64_t t[3] = {i, i * 0x9e3779b97f4a7c15ull, 5};

		rare += nx_rare_observe(r, t, 3) == NX_RARE_RARE;
		if ((i & 0xfffff) == 0)
			assert_int_equal(nx_rare_memory(r), mem0);
	}
	assert_int_equal(nx_rare_memory(r), mem0);
	assert_int_equal(rare, 10000000);
	nx_rare_stats(r, &st);
	assert_int_equal(st.tracked, st.capacity);
	assert_int_equal(st.capacity, 4096);
	assert_int_equal(st.evictions, 10000000 - 4096);
	assert_int_equal(st.common, 0);
	nx_rare_free(r);
}

/* A skewed stream (Zipf-like) with drift, so promotions, demotions and evictions all happen. */
static uint64_t run_skewed(struct nx_rare *r, uint64_t *changes)
{
	struct nx_rare_value out[16];
	uint64_t rng = 7, h = 1469598103934665603ull;
	unsigned got;

	*changes = 0;
	for (uint64_t i = 0; i < 400000; i++) {
		uint64_t x = rng_next(&rng), t[2];
		unsigned bits = (unsigned)(x & 15) + 1;

		t[0] = (x >> 20) & ((1ull << bits) - 1); /* small values far more often */
		t[1] = i < 50000 ? 1 : 2;		 /* drift early */
		h = (h ^ nx_rare_observe(r, t, 2)) * 1099511628211ull;
		if ((i & 1023) == 0) {
			while ((got = nx_rare_take_demoted(r, out, 16)) > 0)
				for (unsigned k = 0; k < got; k++, (*changes)++)
					h = (h ^ out[k].key ^ 0xd) * 1099511628211ull;
			while ((got = nx_rare_take_new_common(r, out, 16)) > 0)
				for (unsigned k = 0; k < got; k++, (*changes)++)
					h = (h ^ out[k].key ^ out[k].count) * 1099511628211ull;
		}
	}
	return h;
}

static void test_same_stream_gives_same_verdicts(void **state)
{
	struct nx_rare_opts o = {.warmup = 1000, .rare_fraction = 0.002, .capacity = 1024};
	struct nx_rare *a = nx_rare_new(&o, NULL), *b = nx_rare_new(&o, NULL);
	struct nx_rare_stats sa, sb;
	uint64_t ca, cb;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(run_skewed(a, &ca), run_skewed(b, &cb));
	assert_int_equal(ca, cb);
	nx_rare_stats(a, &sa);
	nx_rare_stats(b, &sb);
	assert_memory_equal(&sa, &sb, sizeof(sa));
	/* The stream did exercise the interesting paths. */
	assert_true(sa.promotions > 0);
	assert_true(sa.demotions > 0);
	assert_true(sa.evictions > 0);
	assert_true(ca >= sa.promotions / 2);
	nx_rare_free(a);
	nx_rare_free(b);
}

static int cmp_key(const void *a, const void *b)
{
	const struct nx_rare_value *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static void test_online_and_exact_agree_on_a_separated_stream(void **state)
{
	struct nx_err err = {0};
	struct nx_rare *r = nx_rare_new(NULL, &err);
	struct nx_rare_exact *x = nx_rare_exact_new(NULL, &err);
	struct nx_rare_value online[64], *common = NULL, *rare = NULL;
	unsigned nonline = 0, got;
	ssize_t ncommon, nrare;
	unsigned planted_seen = 0;

	(void)state;
	assert_non_null(r);
	assert_non_null(x);
	for (uint64_t i = 0; i < STREAM_LEN; i++) {
		nx_rare_observe(r, stream[i].v, 2);
		assert_int_equal(nx_rare_exact_observe(x, stream[i].v, 2, i, &err), 0);
	}
	while ((got = nx_rare_take_new_common(r, online + nonline, 8)) > 0)
		nonline += got;
	ncommon = nx_rare_exact_list(x, NX_RARE_LIST_COMMON, &common, &err);
	assert_int_equal(ncommon, NCOMMON);
	assert_int_equal(nonline, NCOMMON);
	qsort(online, nonline, sizeof(online[0]), cmp_key);
	qsort(common, ncommon, sizeof(common[0]), cmp_key);
	for (unsigned k = 0; k < nonline; k++) {
		assert_int_equal(online[k].key, common[k].key);
		assert_memory_equal(online[k].vals, common[k].vals, sizeof(online[k].vals));
		/* The online counts bracket the exact one. */
		assert_true(online[k].min_count <= common[k].count);
		assert_true(online[k].count >= common[k].count);
		assert_true(common[k].count > STREAM_LEN / 10);
	}
	nrare = nx_rare_exact_list(x, NX_RARE_LIST_RARE, &rare, &err);
	assert_int_equal(nx_rare_exact_events(x), STREAM_LEN);
	assert_int_equal((size_t)nrare + NCOMMON, nx_rare_exact_distinct(x));
	for (ssize_t k = 0; k < nrare; k++) {
		assert_int_equal(nx_rare_peek(r, rare[k].vals, 2), NX_RARE_RARE);
		assert_true(rare[k].count < STREAM_LEN / 10000);
		if (k) /* sorted by count, then first occurrence */
			assert_true(rare[k - 1].count < rare[k].count ||
				    (rare[k - 1].count == rare[k].count &&
				     rare[k - 1].first < rare[k].first));
		if ((rare[k].vals[0] >> 16) == 0xdead) {
			int p = (int)(rare[k].vals[0] & 0xffff);
			uint64_t lo = UINT64_MAX, hi = 0;

			for (int t = 0; t < PLANT_TIMES; t++) {
				lo = plant_pos(p, t) < lo ? plant_pos(p, t) : lo;
				hi = plant_pos(p, t) > hi ? plant_pos(p, t) : hi;
			}
			assert_int_equal(rare[k].count, PLANT_TIMES);
			assert_int_equal(rare[k].first, lo);
			assert_int_equal(rare[k].last, hi);
			planted_seen++;
		}
	}
	assert_int_equal(planted_seen, NPLANT);
	free(common);
	free(rare);
	nx_rare_free(r);
	nx_rare_exact_free(x);
}

/*
 * Space-saving's guarantees checked against exact counts on a heavy-tailed
 * stream with the smallest capacity the options allow (so estimates are loose):
 * every tracked value has min_count <= true <= count; every value above
 * events / capacity is tracked; every value above threshold + events /
 * capacity is common; and no common value is below half the threshold.
 */
static void test_online_bounds_hold_against_exact_counts(void **state)
{
	struct nx_rare_opts o = {
	    .warmup = 1000, .rare_fraction = 0.01, .min_count = 2, .capacity = 200};
	struct nx_rare *r = nx_rare_new(&o, NULL);
	struct nx_rare_exact *x = nx_rare_exact_new(&o, NULL);
	struct nx_rare_value *all = NULL, tv;
	struct nx_rare_stats st;
	uint64_t rng = 11, events = 300000, thr, tracked = 0, common = 0;
	ssize_t n;

	(void)state;
	assert_non_null(r);
	assert_non_null(x);
	for (uint64_t i = 0; i < events; i++) {
		uint64_t z = rng_next(&rng);
		/* 1/(v+1)^2-ish: a few heavy values and a long tail of light ones. */
		uint64_t v = (z % 1000) * (z % 1000) / ((z >> 20) % 997 + 1);

		nx_rare_observe(r, &v, 1);
		assert_int_equal(nx_rare_exact_observe(x, &v, 1, i, NULL), 0);
	}
	thr = nx_rare_exact_threshold(x);
	n = nx_rare_exact_list(x, NX_RARE_LIST_ALL, &all, NULL);
	assert_true(n > 10000);
	for (ssize_t k = 0; k < n; k++) {
		int in = nx_rare_lookup(r, all[k].vals, 1, &tv);

		if (in) {
			tracked++;
			assert_true(tv.min_count <= all[k].count);
			assert_true(tv.count >= all[k].count);
		}
		if (all[k].count > events / o.capacity)
			assert_true(in);
		if (all[k].count >= thr + events / o.capacity)
			assert_int_equal(nx_rare_peek(r, all[k].vals, 1), NX_RARE_COMMON);
		if (nx_rare_peek(r, all[k].vals, 1) == NX_RARE_COMMON) {
			assert_true(all[k].count >= thr / 2);
			common++;
		}
	}
	nx_rare_stats(r, &st);
	assert_int_equal(tracked, st.tracked);
	assert_int_equal(common, st.common);
	assert_true(common > 0);
	assert_true(st.evictions > 0);
	free(all);
	nx_rare_free(r);
	nx_rare_exact_free(x);
}

static void test_take_new_common_lists_each_value_once(void **state)
{
	struct nx_rare_opts o = {.warmup = 2000, .rare_fraction = 0.01, .capacity = 512};
	struct nx_rare *r = nx_rare_new(&o, NULL);
	struct nx_rare_value out[3], all[256];
	struct nx_rare_stats st;
	uint64_t rng = 99;
	unsigned n = 0, got;

	(void)state;
	assert_non_null(r);
	/* 40 common values (~2.25 % each), phased in over time, plus unique noise. */
	for (uint64_t i = 0; i < 400000; i++) {
		uint64_t x = rng_next(&rng), t[2];
		unsigned live = 1 + (unsigned)(i / 1000); /* 1..40 common values live */

		if (live > 40)
			live = 40;
		if (x % 10 == 0) {
			t[0] = 1000000 + i;
			t[1] = 3;
		} else {
			t[0] = (x >> 16) % live;
			t[1] = 0;
		}
		nx_rare_observe(r, t, 2);
		if (i % 777 == 0) {
			while ((got = nx_rare_take_new_common(r, out, 3)) > 0) {
				assert_true(n + got <= 256);
				memcpy(all + n, out, got * sizeof(out[0]));
				n += got;
			}
			assert_int_equal(nx_rare_take_demoted(r, out, 3), 0);
		}
	}
	while ((got = nx_rare_take_new_common(r, out, 3)) > 0) {
		assert_true(n + got <= 256);
		memcpy(all + n, out, got * sizeof(out[0]));
		n += got;
	}
	nx_rare_stats(r, &st);
	assert_int_equal(st.demotions, 0);
	assert_int_equal(n, 40);
	assert_int_equal(st.common, 40);
	qsort(all, n, sizeof(all[0]), cmp_key);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(all[k].key, nx_rare_key(all[k].vals, all[k].n));
		assert_true(all[k].vals[0] < 40 && all[k].vals[1] == 0);
		if (k)
			assert_true(all[k - 1].key != all[k].key);
	}
	nx_rare_free(r);
}

static void test_value_whose_share_falls_is_demoted_once(void **state)
{
	struct nx_rare_opts o = {
	    .warmup = 100, .rare_fraction = 0.05, .min_count = 2, .capacity = 64};
	struct nx_rare *r = nx_rare_new(&o, NULL);
	struct nx_rare_value out[8];
	uint64_t a = 0xa, rng = 3;
	unsigned demoted = 0, got;

	(void)state;
	assert_non_null(r);
	for (int i = 0; i < 1000; i++) {
		uint64_t t = (i & 1) ? a : 100 + (rng_next(&rng) % 8);

		nx_rare_observe(r, &t, 1);
	}
	assert_int_equal(nx_rare_peek(r, &a, 1), NX_RARE_COMMON);
	got = nx_rare_take_new_common(r, out, 8);
	assert_true(got >= 1);
	/* a disappears; the other values go on: its share falls under half the threshold. */
	for (int i = 0; i < 40000; i++) {
		uint64_t t = 100 + (rng_next(&rng) % 8);

		nx_rare_observe(r, &t, 1);
		while ((got = nx_rare_take_demoted(r, out, 8)) > 0)
			for (unsigned k = 0; k < got; k++) {
				assert_int_equal(out[k].vals[0], a);
				demoted++;
			}
	}
	assert_int_equal(demoted, 1);
	assert_int_equal(nx_rare_peek(r, &a, 1), NX_RARE_RARE);
	assert_int_equal(nx_rare_observe(r, &a, 1), NX_RARE_RARE);
	nx_rare_free(r);
}

static void test_evicted_common_value_is_demoted_and_cancelled_on_return(void **state)
{
	struct nx_rare_opts o = {.warmup = 100,
				 .rare_fraction = 0.1,
				 .min_count = 2,
				 .capacity = 20,
				 .flags = NX_RARE_STICKY};
	struct nx_rare *r = nx_rare_new(&o, NULL);
	struct nx_rare_value out[32];
	struct nx_rare_stats st;
	uint64_t a = 0xa, u = 1u << 30;

	(void)state;
	assert_non_null(r);
	for (int i = 0; i < 1000; i++) {
		uint64_t t = (i & 1) ? a : u++;

		nx_rare_observe(r, &t, 1);
	}
	assert_int_equal(nx_rare_take_new_common(r, out, 32), 1);
	assert_int_equal(out[0].vals[0], a);
	/* Distinct values until the memory bound pushes a (now the smallest count) out. */
	while (nx_rare_peek(r, &a, 1) == NX_RARE_COMMON) {
		nx_rare_observe(r, &u, 1);
		u++;
		assert_true(u < (1u << 30) + 1000000);
	}
	nx_rare_stats(r, &st);
	assert_int_equal(st.demotions, 1);
	assert_int_equal(st.common, 0);
	/* a comes back strongly before the consumer looked: no change to report. */
	while (nx_rare_observe(r, &a, 1) != NX_RARE_COMMON)
		;
	assert_int_equal(nx_rare_take_demoted(r, out, 32), 0);
	assert_int_equal(nx_rare_take_new_common(r, out, 32), 0);
	/* Pushed out again, and this time the consumer sees it go. */
	while (nx_rare_peek(r, &a, 1) == NX_RARE_COMMON) {
		nx_rare_observe(r, &u, 1);
		u++;
	}
	assert_int_equal(nx_rare_take_new_common(r, out, 32), 0);
	assert_int_equal(nx_rare_take_demoted(r, out, 32), 1);
	assert_int_equal(out[0].vals[0], a);
	assert_int_equal(out[0].key, nx_rare_key(&a, 1));
	assert_int_equal(nx_rare_take_demoted(r, out, 32), 0);
	nx_rare_free(r);
}

static void test_weighted_observation_counts_like_repeats(void **state)
{
	struct nx_rare_opts o = {.warmup = 1000, .rare_fraction = 0.01};
	struct nx_rare *a = nx_rare_new(&o, NULL), *b = nx_rare_new(&o, NULL);
	struct nx_rare_stats sa, sb;
	uint64_t v[2] = {5, 6}, w[2] = {7, 8};

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(nx_rare_observe_n(a, v, 2, 0), NX_RARE_RARE);	  /* unknown, not counted */
	assert_int_equal(nx_rare_observe_n(a, v, 2, 1500), NX_RARE_RARE); /* began in warm-up */
	for (int i = 0; i < 1500; i++)
		nx_rare_observe(b, v, 2);
	nx_rare_observe_n(a, w, 2, 3);
	for (int i = 0; i < 3; i++)
		nx_rare_observe(b, w, 2);
	nx_rare_stats(a, &sa);
	nx_rare_stats(b, &sb);
	assert_int_equal(sa.events, 1503);
	assert_int_equal(sa.events, sb.events);
	assert_int_equal(sa.common, 1);
	assert_int_equal(sb.common, 1);
	assert_int_equal(nx_rare_observe_n(a, v, 2, 0), NX_RARE_COMMON);
	assert_int_equal(nx_rare_observe_n(a, w, 2, 1), NX_RARE_RARE);
	nx_rare_free(a);
	nx_rare_free(b);
}

static void test_bad_options_are_refused(void **state)
{
	static const struct {
		struct nx_rare_opts o;
		const char *word;
	} bad[] = {
	    {{.rare_fraction = 1.0}, "rare_fraction"},
	    {{.rare_fraction = -0.5}, "rare_fraction"},
	    {{.rare_fraction = 0.001, .capacity = 100}, "capacity"},
	    {{.capacity = (1u << 24) + 1}, "capacity"},
	    {{.flags = 1u << 7}, "flags"},
	    {{.exact_max = 1ull << 40}, "exact_max"},
	};
	struct nx_rare_opts nan = {.rare_fraction = NAN};
	struct nx_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nx_err_clear(&err);
		assert_null(nx_rare_new(&bad[i].o, &err));
		assert_int_equal(err.code, -EINVAL);
		assert_non_null(strstr(err.msg, bad[i].word));
		assert_null(strchr(err.msg, '\n'));
		nx_err_clear(&err);
		assert_null(nx_rare_exact_new(&bad[i].o, &err));
		assert_int_equal(err.code, -EINVAL);
	}
	assert_null(nx_rare_new(&nan, &err));
	assert_int_equal(err.code, -EINVAL);
	nx_rare_free(NULL);
	nx_rare_exact_free(NULL);
}

static void test_exact_counter_refuses_past_its_cap(void **state)
{
	struct nx_rare_opts o = {.exact_max = 100};
	struct nx_rare_exact *x = nx_rare_exact_new(&o, NULL);
	struct nx_err err = {0};
	uint64_t v;

	(void)state;
	assert_non_null(x);
	for (v = 0; v < 100; v++)
		assert_int_equal(nx_rare_exact_observe(x, &v, 1, v, &err), 0);
	assert_int_equal(nx_rare_exact_observe(x, &v, 1, v, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "100 distinct"));
	v = 5; /* known values still count */
	assert_int_equal(nx_rare_exact_observe(x, &v, 1, 1000, &err), 0);
	assert_int_equal(nx_rare_exact_distinct(x), 100);
	assert_int_equal(nx_rare_exact_events(x), 101);
	assert_int_equal(nx_rare_exact_observe(x, &v, 0, 0, &err), -EINVAL);
	assert_int_equal(nx_rare_exact_observe(x, &v, 7, 0, &err), -EINVAL);
	nx_rare_exact_free(x);
}

static void test_exact_lists_are_sorted_with_first_and_last(void **state)
{
	/* threshold = max(min_count 3, ceil(0.2 x 20)) = 4 */
	struct nx_rare_opts o = {.rare_fraction = 0.2, .min_count = 3};
	struct nx_rare_exact *x = nx_rare_exact_new(&o, NULL);
	/* (value, at) pairs: 1 x9, 2 x5, 3 x3, 4 x2, 5 x1 */
	static const uint64_t seq[20] = {1, 2, 1, 3, 1, 2, 4, 1, 1, 5,
					 2, 1, 3, 1, 2, 4, 1, 2, 1, 3};
	struct nx_rare_value *v = NULL;
	ssize_t n;

	(void)state;
	assert_non_null(x);
	for (unsigned i = 0; i < 20; i++) {
		uint64_t t[2] = {seq[i], 0};

		assert_int_equal(nx_rare_exact_observe(x, t, 2, 100 + i, NULL), 0);
	}
	assert_int_equal(nx_rare_exact_threshold(x), 4);
	n = nx_rare_exact_list(x, NX_RARE_LIST_RARE, &v, NULL);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].vals[0], 5);
	assert_int_equal(v[0].count, 1);
	assert_int_equal(v[0].first, 109);
	assert_int_equal(v[0].last, 109);
	assert_int_equal(v[1].vals[0], 4);
	assert_int_equal(v[1].count, 2);
	assert_int_equal(v[1].first, 106);
	assert_int_equal(v[1].last, 115);
	assert_int_equal(v[2].vals[0], 3);
	assert_int_equal(v[2].count, 3);
	assert_int_equal(v[2].first, 103);
	assert_int_equal(v[2].last, 119);
	assert_int_equal(v[2].n, 2);
	free(v);
	n = nx_rare_exact_list(x, NX_RARE_LIST_COMMON, &v, NULL);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].vals[0], 1);
	assert_int_equal(v[0].count, 9);
	assert_int_equal(v[0].first, 100);
	assert_int_equal(v[0].last, 118);
	assert_int_equal(v[1].vals[0], 2);
	assert_int_equal(v[1].count, 5);
	free(v);
	n = nx_rare_exact_list(x, NX_RARE_LIST_ALL, &v, NULL);
	assert_int_equal(n, 5);
	assert_int_equal(v[4].vals[0], 5);
	free(v);
	nx_rare_exact_free(x);
}

static void test_exact_counter_grows_past_its_first_table(void **state)
{
	struct nx_rare_exact *x = nx_rare_exact_new(NULL, NULL);
	struct nx_rare_value *v = NULL;
	size_t mem0;
	ssize_t n;

	(void)state;
	assert_non_null(x);
	mem0 = nx_rare_exact_memory(x);
	for (uint64_t round = 0; round < 3; round++)
		for (uint64_t i = 0; i < 50000; i++) {
			uint64_t t[6] = {i, 1, 2, 3, 4, i >> 3};

			assert_int_equal(nx_rare_exact_observe(x, t, 6, round * 50000 + i, NULL),
					 0);
		}
	assert_true(nx_rare_exact_memory(x) > mem0);
	assert_int_equal(nx_rare_exact_distinct(x), 50000);
	n = nx_rare_exact_list(x, NX_RARE_LIST_ALL, &v, NULL);
	assert_int_equal(n, 50000);
	for (ssize_t k = 0; k < n; k++) {
		assert_int_equal(v[k].count, 3);
		assert_int_equal(v[k].last - v[k].first, 100000);
	}
	free(v);
	nx_rare_exact_free(x);
}

/* The key is a documented algorithm (a BPF program must compute the same). */
static uint64_t ref_key(const uint64_t *vals, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (unsigned i = 0; i < n; i++) {
		uint64_t m = vals[i] * 0xff51afd7ed558ccdull;

		h ^= m;
		h = (h << 31) | (h >> 33);
		h *= 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static void test_key_follows_its_documented_definition(void **state)
{
	uint64_t a[6] = {1, 2, 0, 0, 0, 0}, b[6] = {2, 1, 0, 0, 0, 0};
	uint64_t rng = 5;

	(void)state;
	assert_true(nx_rare_key(a, 2) != nx_rare_key(b, 2)); /* order matters */
	assert_true(nx_rare_key(a, 2) != nx_rare_key(a, 3)); /* so does the arity */
	assert_true(nx_rare_key(a, 1) != a[0]);
	for (int i = 0; i < 1000; i++) {
		uint64_t t[6];

		for (int k = 0; k < 6; k++)
			t[k] = rng_next(&rng);
		for (unsigned n = 1; n <= 6; n++)
			assert_int_equal(nx_rare_key(t, n), ref_key(t, n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_planted_values_are_rare_on_every_occurrence),
	    cmocka_unit_test(test_common_values_stop_being_reported_after_warmup),
	    cmocka_unit_test(test_warmup_length_is_respected),
	    cmocka_unit_test(test_memory_stays_bounded_on_10M_distinct_values),
	    cmocka_unit_test(test_same_stream_gives_same_verdicts),
	    cmocka_unit_test(test_online_and_exact_agree_on_a_separated_stream),
	    cmocka_unit_test(test_online_bounds_hold_against_exact_counts),
	    cmocka_unit_test(test_take_new_common_lists_each_value_once),
	    cmocka_unit_test(test_value_whose_share_falls_is_demoted_once),
	    cmocka_unit_test(test_evicted_common_value_is_demoted_and_cancelled_on_return),
	    cmocka_unit_test(test_weighted_observation_counts_like_repeats),
	    cmocka_unit_test(test_bad_options_are_refused),
	    cmocka_unit_test(test_exact_counter_refuses_past_its_cap),
	    cmocka_unit_test(test_exact_lists_are_sorted_with_first_and_last),
	    cmocka_unit_test(test_exact_counter_grows_past_its_first_table),
	    cmocka_unit_test(test_key_follows_its_documented_definition),
	};

	return cmocka_run_group_tests_name("rare", tests, stream_setup, stream_teardown);
}
