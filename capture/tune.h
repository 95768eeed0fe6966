#ifndef NX_CAPTURE_TUNE_H	/* capture/tune.h: a config replayed, and the tuned config made from it */
#define NX_CAPTURE_TUNE_H

#include <stdint.h>

#include "analyze/replay.h"
#include "capture/config.h"
#include "format/err.h"
#include "format/meta.h"

/*
 * The config's half of nexus-replay. A recording names its probes in the
 * header's probe table (id, hook, path, func); a config names functions in
 * Targets. A function is the probe with the same path, func and hook; when the
 * config lists the same (path, func, hook) twice, its k-th occurrence is the
 * k-th such probe, in table order (the order the recorder attached them).
 */

/* The tag of a config trigger in the replay: target t, function f, trigger k. */
#define NX_TUNE_TAG_CONFIG (1ull << 63)
#define NX_TUNE_TAG(t, f, k) \
	(NX_TUNE_TAG_CONFIG | (uint64_t)(t) << 40 | (uint64_t)(f) << 16 | (uint64_t)(k))
/* The three parts of an NX_TUNE_TAG back. */
#define NX_TUNE_TAG_TARGET(tag) ((uint32_t)((tag) >> 40 & 0x7fffff))
#define NX_TUNE_TAG_FUNC(tag) ((uint32_t)((tag) >> 16 & 0xffffff))
#define NX_TUNE_TAG_INDEX(tag) ((uint32_t)((tag) & 0xffff))

/*
 * Attaches every trigger of cfg's functions to its probe in rp, tagged
 * NX_TUNE_TAG(t, f, k) and, on a uprobe, checked against bit k of the
 * recorded CALLs' and RETURNs' triggers masks. on_unmatched (may be NULL) is told of each function with no
 * probe in the table (its triggers are not replayed). A trigger that does not
 * parse on its probe is -EINVAL: "cfg:line:col: trigger 'text': column C: ...".
 */
int nx_tune_attach(struct nx_replay *rp, const struct nx_config *cfg, const struct nxr_meta *meta,
		   void (*on_unmatched)(void *ctx, const struct nx_config_target *t,
					const struct nx_config_func *f),
		   void *ctx, struct nx_err *err);

/*
 * Makes cfg the config for the next run, from what rp (finished) saw: each
 * replayed auto trigger's Common becomes the tuples found common, most
 * frequent first, followed by those it had that the replay did not find
 * common (a recording made with them preloaded in Mode: triggered never shows
 * them: the kernel dropped their calls), at most NX_CONFIG_MAX_COMMON; every
 * replayed trigger gets a comment (nx_config_trigger.comment, replaced)
 * saying what the replay of `source` saw and what was cut. Triggers of
 * functions not in the recording are left as they were. Returns how many
 * tuples were cut over all triggers (0: none), or -ENOMEM.
 */
int nx_tune_apply(struct nx_config *cfg, const struct nx_replay *rp, const char *source,
		  struct nx_err *err);

#endif
