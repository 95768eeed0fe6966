#ifndef NX_CAPTURE_LIVE_H	/* capture/live.h: the recorder's live adaptation and health gating */
#define NX_CAPTURE_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/probes.h"
#include "format/err.h"
#include "format/event.h"

/*
 * What a recording does to its own kernel filters while it runs:
 *  - `auto` triggers: every CALL/RETURN that reaches user space is shown to
 *    capture/adapt.c; what it learns to be common goes into the kernel's
 *    common-value map (nx_probes_set_common), so the kernel stops sending it
 *    (Mode triggered) or stops tagging it (full), and each change is an ADAPT
 *    event. Common tuples of a tuned config are preloaded at start.
 *  - `cpu`/`disk` triggers: capture/health.c samples every Health.Interval;
 *    each sample is a HEALTH event and is written into the kernel's health
 *    map, which those triggers read, so they gate in the kernel; each flip of
 *    a NX_HEALTH_* flag is an ADAPT event (NX_ADAPT_GATE_ON / _OFF).
 * Runs on one thread (the recorder's writer thread): not thread-safe.
 * Nothing is done for what a run does not use: no auto trigger, no
 * learning; no health trigger, no sampling.
 */

struct nx_live_opts {
	struct nx_probes *probes;	/* borrowed; NULL: nothing to do */
	uint32_t health_interval_ms;	/* 0 = 1000 */
	uint32_t health_cpu_pct;	/* thresholds of the `cpu` / `disk` triggers */
	uint32_t health_disk_pct;
	const char *proc_root;		/* NULL: /proc (tests point it elsewhere) */
	uint32_t apply_ms;		/* learned values pushed at most this often; 0 = 100 */
};

struct nx_live;

/* NULL with err set: -ENOMEM, or health's refusal of proc_root. */
struct nx_live *nx_live_new(const struct nx_live_opts *opts, struct nx_err *err);
void nx_live_free(struct nx_live *l);		/* NULL: no-op */
bool nx_live_active(const struct nx_live *l);	/* anything to do at all */

/*
 * Called once, before any event is observed, with the function that appends
 * an event to the recording (called from the thread that calls the
 * functions below): preloads the tuned common tuples (ADAPT events at
 * now_ns) and primes the health sampler. 0 or -errno.
 */
int nx_live_start(struct nx_live *l, int (*record)(void *ctx, const struct nxr_event *ev),
		  void *ctx, uint64_t now_ns, struct nx_err *err);
/* Every event the recorder receives, in order. Cheap for other kinds. */
void nx_live_observe(struct nx_live *l, const struct nxr_event *ev);
/* Does what is due at now_ns (CLOCK_MONOTONIC): pushes what was learned,
 * takes a health sample. 0, or -errno for a failed step (the next tick
 * tries again; nothing is dropped from the adaptation queue but the changes
 * the kernel refuses for good, counted in stats.refused: capture/adapt.h). */
int nx_live_tick(struct nx_live *l, uint64_t now_ns, struct nx_err *err);
/* Milliseconds until the next thing is due (for the caller's wait), at most
 * 100; 100 when nothing is ever due. */
uint32_t nx_live_wait_ms(const struct nx_live *l, uint64_t now_ns);

/* The recorder's own counters of what adaptation changed. */
struct nx_live_stats {
	uint64_t calls;			/* CALL and RETURN events that crossed the ring */
	uint64_t first_ns;		/* ts of the first of them, 0: none */
	uint64_t last_ns;		/* ts of the latest event of any kind */
	uint64_t adapt_ns;		/* when the first learned value reached the kernel, 0: never */
	uint64_t calls_before;		/* of calls, before adapt_ns */
	uint64_t added, removed, preloaded;	/* common-set changes */
	uint64_t refused;		/* learned changes the kernel refused for good (its
					 * common-value map full: E2BIG), skipped, not recorded */
	int refused_errno;		/* the latest refusal's errno, 0: none */
	uint64_t samples;		/* health samples recorded */
	uint64_t gate_flips;
	uint64_t errors;		/* failed ticks */
};
void nx_live_get_stats(const struct nx_live *l, struct nx_live_stats *out);

#endif
