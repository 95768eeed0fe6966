#ifndef NX_CAPTURE_PROBES_H	/* capture/probes.h: the hooked functions of a run (Targets) */
#define NX_CAPTURE_PROBES_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/trigger.h"
#include "capture/config.h"
#include "format/err.h"
#include "format/meta.h"

/*
 * One probe per Functions entry of the config's Targets, ids 1..n in the
 * order written: the recording's probe table (struct nxr_probe) and the
 * kernel's per-probe settings (bpf/uprobe.h). Built and checked before
 * anything else of a run happens, so that a bad trigger, a missing file or a
 * missing symbol stops nexus-record with nothing created and nothing loaded;
 * attached once the BPF object is loaded (capture/loader.c, which sizes the
 * maps from nx_probes_count / nx_probes_ntrigs).
 *
 * Also the owner of the kernel's common-value map of `auto` triggers
 * (nx_probes_set_common, what capture/adapt.h's set_common callback calls)
 * and of the health sample the `cpu`/`disk` triggers read.
 */

struct nx_probes;		/* opaque: definitions, parsed triggers, links */
struct bpf_object;

/*
 * Builds the probes of cfg (none when it has no Targets: a valid, empty
 * set). Errors, one line each, with the config position:
 *  -EINVAL  "cfg.yaml:L:C: trigger 'TEXT': what is wrong: what was expected"
 *           (C points into the trigger text);
 *  -ENOENT  "cfg.yaml:L:C: FilePath /x/lib.so: No such file or directory
 *           (function f)", or "cfg.yaml:L:C: function 'f' is not in /x/lib.so
 *           (no such symbol in its symbol tables)";
 *  -ENOEXEC "... FilePath /x: not an ELF file (function f)".
 */
struct nx_probes *nx_probes_new(const struct nx_config *cfg, struct nx_err *err);
void nx_probes_free(struct nx_probes *p);	/* detaches first; NULL: no-op */

uint32_t nx_probes_count(const struct nx_probes *p);	/* probes; NULL: 0 */
uint32_t nx_probes_ntrigs(const struct nx_probes *p);	/* triggers of all probes */
/* Common tuples of all auto triggers together (nx_probes_preload), at most
 * NX_UP_PRELOAD_MAX: more is refused by nx_probes_new (-EINVAL, "cfg.yaml:L:C:
 * trigger 'auto ...': Common: ..."), so a tuned config never fails later, at
 * load; the loader sizes the kernel's common-value map to hold them all and
 * NX_UP_COMMON_MAX learned ones (nx_loader_opts.ncommon). */
uint32_t nx_probes_ncommon(const struct nx_probes *p);
/* The probe table for the recording header, rows in id order (borrowed). */
const struct nxr_probe *nx_probes_table(const struct nx_probes *p);
/* Trigger i of probe id (borrowed), NULL when there is none. */
const struct nx_trigger *nx_probes_trigger(const struct nx_probes *p, uint32_t id, uint32_t i);
uint32_t nx_probes_ntriggers_of(const struct nx_probes *p, uint32_t id);
/* The common tuples a tuned config gave trigger i of probe id (its
 * Common: list): *ntuples tuples of *nvals values, back to back (borrowed);
 * NULL with both 0 when there are none. */
const uint64_t *nx_probes_preload(const struct nx_probes *p, uint32_t id, uint32_t i,
				  uint32_t *ntuples, uint32_t *nvals);

/*
 * Fills the kernel maps of obj (loaded with nx_loader_opts.nprobes/ntrigs
 * from this set) and attaches one uprobe or uretprobe per probe. On error
 * (libbpf's refusal, e.g. a symbol it cannot resolve) what was attached is
 * detached again. Nothing to do for an empty set.
 */
int nx_probes_attach(struct nx_probes *p, struct bpf_object *obj, struct nx_err *err);
void nx_probes_detach(struct nx_probes *p);	/* no call is recorded after this */

/* Calls dropped in the kernel (Mode triggered), totals since attach summed
 * over cpus: out[id] for id 1..count (out[0] is 0). */
int nx_probes_read_filtered(struct nx_probes *p, uint64_t *out, struct nx_err *err);
/* Calls and returns the ring buffer had no room for, the same way. */
int nx_probes_read_lost(struct nx_probes *p, uint64_t *out, struct nx_err *err);

/* Puts the tuple vals[0..n) of auto trigger `trigger` of probe `probe` into
 * the kernel's common set (common) or takes it out. 0 or -errno. */
int nx_probes_set_common(struct nx_probes *p, uint32_t probe, uint32_t trigger,
			 const uint64_t *vals, unsigned n, bool common, struct nx_err *err);
/* The health sample the kernel's `cpu`/`disk` triggers see from now on. */
int nx_probes_set_health(struct nx_probes *p, uint32_t flags, uint32_t cpu_busy,
			 uint32_t disk_busy, struct nx_err *err);

#endif
