/*
 * tests/bench/bench_rare.c: observations per second of the rare-value detectors.
 *
 * Streams of 10 M tuples of two u64 (an `auto arg1 arg2` trigger), built in
 * memory first so that only the detectors are timed:
 * - "typical": 8 common values sharing 99 % of the events, 1 % one-off values;
 * - "distinct": 10 M different values (the online detector's worst case: an
 *   eviction on every event).
 * Each detector is printed with its peer measured in the same run: the
 * online detector and the exact counter against a plain hash count of the
 * 64-bit keys (open addressing, no tuples kept), as a ratio.
 * Usage: bench_rare [events]   (default 10000000)
 */
#include "analyze/rare.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The baseline: count 64-bit keys in a growing open-addressing table. */
struct plain {
	uint64_t *keys, *counts;
	size_t mask, used;
};

static int plain_add(struct plain *p, uint64_t key)
{
	size_t i;

	if (2 * (p->used + 1) > p->mask + 1) {
		size_t nsize = (p->mask + 1) * 2;
		uint64_t *k = calloc(nsize, sizeof(*k)), *c = calloc(nsize, sizeof(*c));

		if (!k || !c) {
			free(k);
			free(c);
			return -1;
		}
		for (size_t j = 0; j <= p->mask; j++) {
			if (!p->counts[j])
				continue;
			for (i = p->keys[j] & (nsize - 1); c[i]; i = (i + 1) & (nsize - 1))
				;
			k[i] = p->keys[j];
			c[i] = p->counts[j];
		}
		free(p->keys);
		free(p->counts);
		p->keys = k;
		p->counts = c;
		p->mask = nsize - 1;
	}
	for (i = key & p->mask; p->counts[i]; i = (i + 1) & p->mask)
		if (p->keys[i] == key) {
			p->counts[i]++;
			return 0;
		}
	p->keys[i] = key;
	p->counts[i] = 1;
	p->used++;
	return 0;
}

struct result {
	double online, exact, plain; /* observations per second */
	uint64_t rare, common;
	size_t online_mem, exact_mem;
};

static int run(const uint64_t *tuples, size_t n, int with_exact, struct result *res)
{
	struct nx_rare_opts o = {.exact_max = 1u << 25};
	struct nx_err err = {0};
	struct nx_rare *r = nx_rare_new(&o, &err);
	struct nx_rare_exact *x = with_exact ? nx_rare_exact_new(&o, &err) : NULL;
	struct plain p = {.keys = calloc(1024, 8), .counts = calloc(1024, 8), .mask = 1023};
	double t0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!r || (with_exact && !x) || !p.keys || !p.counts) {
		fprintf(stderr, "bench_rare: %s\n", err.msg[0] ? err.msg : "out of memory");
		goto out;
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		if (nx_rare_observe(r, tuples + 2 * i, 2) == NX_RARE_RARE)
			res->rare++;
		else
			res->common++;
	}
	res->online = n / (now_s() - t0);
	res->online_mem = nx_rare_memory(r);
	if (x) {
		t0 = now_s();
		for (size_t i = 0; i < n; i++)
			if (nx_rare_exact_observe(x, tuples + 2 * i, 2, i, &err) < 0) {
				fprintf(stderr, "bench_rare: %s\n", err.msg);
				goto out;
			}
		res->exact = n / (now_s() - t0);
		res->exact_mem = nx_rare_exact_memory(x);
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++)
		if (plain_add(&p, nx_rare_key(tuples + 2 * i, 2)) < 0) {
			fprintf(stderr, "bench_rare: out of memory\n");
			goto out;
		}
	res->plain = n / (now_s() - t0);
	rc = 0;
out:
	nx_rare_free(r);
	nx_rare_exact_free(x);
	free(p.keys);
	free(p.counts);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	uint64_t *t = n ? malloc(n * 2 * sizeof(*t)) : NULL, rng = 1;
	struct result res;
	int rc = 1;

	if (!t) {
		fprintf(stderr, "bench_rare: bad event count or out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t z = rng_next(&rng);

		if (z % 100 == 0) {
			t[2 * i] = 0x100000 + i;
			t[2 * i + 1] = z >> 40;
		} else {
			t[2 * i] = 0x5400 + (z >> 8) % 8;
			t[2 * i + 1] = 1;
		}
	}
	if (run(t, n, 1, &res) < 0)
		goto out;
	printf("typical stream (%zu events: 8 common values, 1%% one-off), kept as rare: %" PRIu64
	       " of %zu\n",
	       n, res.rare, n);
	printf("  online detector : %7.2f M obs/s  (%.2fx the plain hash count, memory %zu KiB)\n",
	       res.online / 1e6, res.online / res.plain, res.online_mem >> 10);
	printf("  exact counter   : %7.2f M obs/s  (%.2fx the plain hash count, memory %zu KiB)\n",
	       res.exact / 1e6, res.exact / res.plain, res.exact_mem >> 10);
	printf("  plain hash count: %7.2f M obs/s\n", res.plain / 1e6);
	printf("  online / exact  : %.2f\n", res.online / res.exact);

	for (size_t i = 0; i < n; i++) {
		t[2 * i] = i;
		t[2 * i + 1] = i * 0x9e3779b97f4a7c15ull;
	}
	if (run(t, n, 0, &res) < 0)
		goto out;
	printf("distinct stream (%zu different values: an eviction per event)\n", n);
	printf("  online detector : %7.2f M obs/s  (%.2fx the plain hash count, memory %zu KiB)\n",
	       res.online / 1e6, res.online / res.plain, res.online_mem >> 10);
	printf("  plain hash count: %7.2f M obs/s  (unbounded memory)\n", res.plain / 1e6);
	rc = 0;
out:
	free(t);
	return rc;
}
