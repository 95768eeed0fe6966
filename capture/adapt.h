#ifndef NX_CAPTURE_ADAPT_H	/* capture/adapt.h: live learning for `auto` triggers */
#define NX_CAPTURE_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/rare.h"
#include "format/err.h"
#include "format/event.h"

/*
 * The recorder's half of an `auto argA [argB …]` trigger (DESIGN.md,
 * Triggers). Every call that reaches user space is shown to an online
 * rare-value detector (analyze/rare.h), one per (probe, auto trigger); the
 * values it learns to be common are pushed into the kernel's common-value map,
 * where they stop the trigger from holding, so that in `triggered` mode the
 * kernel drops and counts those calls instead of sending them. Each change of
 * the kernel filter, and each value preloaded from a tuned config, becomes an
 * ADAPT event in the recording.
 *
 * The kernel is reached through nx_adapt_ops only, so the learning is tested
 * without BPF and the map's layout stays capture/probes.c's business.
 */

struct nx_adapt_ops {
	/* Puts the tuple into (common) or takes it out of the kernel's common set
	 * of trigger `trigger` of probe `probe`. 0 or -errno. */
	int (*set_common)(void *ctx, uint32_t probe, uint32_t trigger,
			  const uint64_t *vals, unsigned n, bool common);
	/* Records one ADAPT event (the recorder's writer queue). 0 or -errno. */
	int (*record)(void *ctx, const struct nxr_event *ev);
};

struct nx_adapt;	/* opaque: invariants in adapt.c */

/* rare: the detector's parameters for every trigger (NULL: analyze/rare.h's
 * defaults); NX_RARE_STICKY is always added, because a value the kernel
 * filters no longer reaches the detector and would otherwise fade out of it. */
struct nx_adapt *nx_adapt_new(const struct nx_rare_opts *rare, const struct nx_adapt_ops *ops,
			      void *ctx, struct nx_err *err);
void nx_adapt_free(struct nx_adapt *a);	/* NULL: no-op */

/*
 * Declares auto trigger `trigger` (its index among its function's triggers)
 * of probe `probe` watching vars[0..n) (enum nx_trig_var: NX_TRIG_VAR_ARG1 + i
 * of a CALL, or NX_TRIG_VAR_RET of a RETURN; nx_trigger_auto_vars gives them).
 * -EINVAL for a bad var or n, -ENOMEM.
 */
int nx_adapt_add_trigger(struct nx_adapt *a, uint32_t probe, uint32_t trigger,
			 const uint8_t *vars, unsigned n, struct nx_err *err);

/* A value known common before the run (a tuned config): pushed to the kernel
 * now, and recorded as an ADAPT event at ts_ns. The trigger must exist. */
int nx_adapt_preload(struct nx_adapt *a, uint32_t probe, uint32_t trigger,
		     const uint64_t *vals, unsigned n, uint64_t ts_ns, struct nx_err *err);

/* Shows one event to the detectors of its probe (CALL and RETURN; any other
 * kind, or a probe without auto triggers, is ignored). Cheap: call it for
 * every event the recorder receives. */
void nx_adapt_observe(struct nx_adapt *a, const struct nxr_event *ev);

/*
 * Pushes what the detectors learned since the last call into the kernel and
 * records an ADAPT event per change, stamped ts_ns. Returns the number of
 * changes applied, or -errno when the recording, or the kernel for a reason
 * that may pass (-EAGAIN, -EINTR, -EBUSY, -ENOMEM), failed one: it and the
 * rest are kept for the next call. A change the kernel refuses for good
 * (-E2BIG: its common-value map is full; any other error) is skipped, never
 * recorded, and counted in stats.refused: it cannot block the others.
 */
int nx_adapt_apply(struct nx_adapt *a, uint64_t ts_ns, struct nx_err *err);

struct nx_adapt_stats {
	uint64_t observed;	/* events shown to a detector */
	uint64_t added;		/* values pushed into the kernel's common set */
	uint64_t removed;	/* values taken out of it */
	uint64_t preloaded;
	uint64_t refused;	/* changes the kernel refused for good, skipped */
	int refused_errno;	/* the latest refusal's errno (positive), 0: none */
	uint32_t triggers;
};
void nx_adapt_get_stats(const struct nx_adapt *a, struct nx_adapt_stats *out);

#endif
