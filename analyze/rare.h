#ifndef NX_ANALYZE_RARE_H /* analyze/rare.h: rare-value detection for `auto` triggers */
#define NX_ANALYZE_RARE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/err.h"

/*
 * An `auto argA [argB ...]` trigger watches the tuple of those argument values
 * (1 to NX_RARE_MAX_VALS u64s) and keeps the calls whose tuple is rare.
 *
 * Two detectors share one definition of "common" (see nx_rare_opts):
 * - struct nx_rare: online, bounded memory (space-saving top-k), used live by
 *   the recorder; it says per occurrence whether the value is RARE or COMMON
 *   and queues the changes of its common set for the kernel filter.
 * - struct nx_rare_exact: offline, exact counts of every tuple (nexus-replay).
 */

#define NX_RARE_MAX_VALS 6

/*
 * The 64-bit key of a tuple: the hash the kernel filter map and the adaptation
 * events use. Written out here, with no dependency, so that a BPF program can
 * compute the same key:
 *	h = 0x9e3779b97f4a7c15 ^ n
 *	for each v:  h = rotl64(h ^ (v * 0xff51afd7ed558ccd), 31) * 0xc4ceb9fe1a85ec53
 *	then murmur3's fmix64: h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33;
 *	                       h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33
 * Distinct tuples may share a key (2^-64 per pair); the detectors compare the
 * tuples themselves, never only the key.
 */
static inline uint64_t nx_rare_key(const uint64_t *vals, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (unsigned i = 0; i < n; i++) {
		h ^= vals[i] * 0xff51afd7ed558ccdull;
		h = ((h << 31) | (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/*
 * All zero = defaults. A value is COMMON once it has occurred at least
 * max(min_count, rare_fraction x events seen) times (online: counted by its
 * guaranteed lower bound, so a value is never called common on an
 * overestimate); any other value is RARE.
 */
struct nx_rare_opts {
	uint64_t warmup;      /* events before anything is declared common: every one of
			       * them is RARE (kept). Default 10000 */
	double rare_fraction; /* frequency under which a value is rare, in (0, 1).
			       * Default 0.001 (0.1 % of the events seen) */
	uint64_t min_count;   /* absolute floor: fewer occurrences are always rare.
			       * Default 8 */
	uint32_t capacity;    /* online: most values tracked at once (the memory bound).
			       * Default max(4096, 4 / rare_fraction); must be at least
			       * 2 / rare_fraction so that every value above the
			       * threshold is surely tracked. Max 1 << 24 */
	uint32_t flags;	      /* enum nx_rare_flags */
	uint64_t exact_max;   /* exact: most distinct tuples counted. Default 1 << 22 */
};

enum nx_rare_flags {
	/* Online: never demote a common value because its share fell (it may still
	 * be evicted, and so demoted, by the memory bound). Without it a common
	 * value is demoted once its count drops under half the threshold. */
	NX_RARE_STICKY = 1u << 0,
};

enum nx_rare_verdict {
	NX_RARE_COMMON = 0,
	NX_RARE_RARE = 1,
};

/* A tuple with what the detector knows of it. */
struct nx_rare_value {
	uint64_t key;			 /* nx_rare_key(vals, n) */
	uint64_t vals[NX_RARE_MAX_VALS]; /* vals[n..] are 0 */
	uint32_t n;
	uint64_t count;	      /* online: estimate (>= true count); exact: the count */
	uint64_t min_count;   /* online: guaranteed lower bound; exact: the count */
	uint64_t first, last; /* exact: the `at` of its first and last occurrence;
			       * online: event index (0-based) at which it entered the
			       * table, and of its last occurrence */
};

/* ---- online ---- */

struct nx_rare; /* opaque: invariants in rare.c */

/* NULL on failure: -EINVAL (bad opts, message names the field), -ENOMEM. */
struct nx_rare *nx_rare_new(const struct nx_rare_opts *opts, struct nx_err *err);
void nx_rare_free(struct nx_rare *r); /* NULL: no-op */

/*
 * One occurrence of the tuple vals[0..n) (1 <= n <= NX_RARE_MAX_VALS, the
 * caller's contract: the trigger parser bounds it). RARE during warm-up and
 * for every value that is not common, COMMON otherwise. O(log capacity).
 */
enum nx_rare_verdict nx_rare_observe(struct nx_rare *r, const uint64_t *vals, unsigned n);
/* The same for `count` occurrences at once (e.g. calls the kernel filter
 * dropped and counted): keeps the statistics right while common values no
 * longer reach user space. count 0 only returns the current verdict. */
enum nx_rare_verdict nx_rare_observe_n(struct nx_rare *r, const uint64_t *vals, unsigned n,
				       uint64_t count);

/*
 * The changes of the common set since the previous calls, for the kernel
 * filter and its adaptation events. take_new_common fills out[0..max) with
 * values that became common, take_demoted with values that stopped being
 * common; each returns how many it filled (0: nothing more; call again while
 * it returns max). A value is listed once per change the caller has not seen:
 * one promoted and demoted again between two calls is not listed at all. The
 * two lists never hold the same key, so they may be applied in either order.
 */
unsigned nx_rare_take_new_common(struct nx_rare *r, struct nx_rare_value *out, unsigned max);
unsigned nx_rare_take_demoted(struct nx_rare *r, struct nx_rare_value *out, unsigned max);

/* Current verdict for a tuple without counting it. */
enum nx_rare_verdict nx_rare_peek(const struct nx_rare *r, const uint64_t *vals, unsigned n);
/* 1 and *out filled when the tuple is tracked now, 0 when it is not. */
int nx_rare_lookup(const struct nx_rare *r, const uint64_t *vals, unsigned n,
		   struct nx_rare_value *out);

struct nx_rare_stats {
	uint64_t events;  /* occurrences seen (weights included) */
	uint32_t tracked; /* values in the table now (<= capacity) */
	uint32_t common;  /* of which common */
	uint64_t promotions, demotions, evictions;
	uint32_t capacity;
	int warm; /* 1 once warm-up is over */
};
void nx_rare_stats(const struct nx_rare *r, struct nx_rare_stats *out);

/* Bytes held, all allocations included. Fixed at nx_rare_new: it never grows. */
size_t nx_rare_memory(const struct nx_rare *r);

/* ---- exact (offline) ---- */

struct nx_rare_exact; /* opaque */

/* NULL on failure: -EINVAL, -ENOMEM. Uses rare_fraction, min_count, exact_max. */
struct nx_rare_exact *nx_rare_exact_new(const struct nx_rare_opts *opts, struct nx_err *err);
void nx_rare_exact_free(struct nx_rare_exact *x); /* NULL: no-op */

/*
 * Counts one occurrence; `at` is the caller's position (event index or
 * timestamp) kept as first/last. 0, or -E2BIG past opts.exact_max distinct
 * tuples (the occurrence is not counted; nothing else changes), -ENOMEM.
 */
int nx_rare_exact_observe(struct nx_rare_exact *x, const uint64_t *vals, unsigned n, uint64_t at,
			  struct nx_err *err);

enum nx_rare_which {
	NX_RARE_LIST_RARE,   /* count < threshold; by count, then first occurrence */
	NX_RARE_LIST_COMMON, /* count >= threshold; by count descending, then first */
	NX_RARE_LIST_ALL,    /* every tuple; by count descending, then first */
};

/*
 * The tuples of one class, sorted as above (ties broken by key, then tuple),
 * in *out, a malloc'd array the caller frees (NULL when empty). Returns how
 * many, or -ENOMEM. The threshold is the online one: max(min_count,
 * rare_fraction x events) over every event observed.
 */
ssize_t nx_rare_exact_list(const struct nx_rare_exact *x, enum nx_rare_which which,
			   struct nx_rare_value **out, struct nx_err *err);

/* Current threshold: occurrences a value needs to be common. */
uint64_t nx_rare_exact_threshold(const struct nx_rare_exact *x);
uint64_t nx_rare_exact_events(const struct nx_rare_exact *x);
size_t nx_rare_exact_distinct(const struct nx_rare_exact *x);
size_t nx_rare_exact_memory(const struct nx_rare_exact *x);

#endif
