#ifndef NX_ANALYZE_REPLAY_H	/* analyze/replay.h: a recording run through the trigger engine */
#define NX_ANALYZE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/rare.h"
#include "analyze/trigger.h"
#include "format/err.h"
#include "format/event.h"
#include "format/meta.h"
#include "format/reader.h"

/*
 * nexus-replay's engine. Triggers are attached to probes of a recording's
 * probe table (struct nxr_probe); every CALL of a uprobe probe and every
 * RETURN of a uretprobe probe is a "call" of that probe and is evaluated by
 * each of its triggers, with the same predicate programs the kernel runs
 * (nx_trig_prog_eval):
 *  - arg1..arg6 from the CALL, ret from the RETURN, pid and tid from the
 *    event; uid and comm from the process's EXEC (or its parent's, through
 *    FORK) seen earlier in the recording, else uid 4294967295 and an empty comm;
 *  - health triggers on the latest HEALTH event read before the call (none
 *    yet: cpu and disk busy 0, no flag); `cpu`/`disk` without a number use
 *    the sample's flags, or opts.cpu_pct/disk_pct when health_thresholds;
 *  - an `auto` trigger counts every tuple exactly (nx_rare_exact, threshold
 *    of opts.rare) and holds, at the end, on the calls whose tuple is rare.
 * Calls are numbered by their event's position in the stream read (event id,
 * 0-based, every kind counted), which nexus-dump's line order matches.
 *
 * FILTER and LOSS events are summed per probe (and LOSS per reason), so a
 * report can say what the recording does not hold.
 */

struct nx_replay;	/* opaque: invariants in replay.c */

struct nx_replay_opts {		/* NULL or zero: defaults */
	struct nx_rare_opts rare;	/* auto triggers' threshold and exact_max */
	bool health_thresholds;		/* `cpu`/`disk` compare the samples with these */
	uint32_t cpu_pct, disk_pct;	/* 0..100 (the config's Health.Cpu, Health.Disk) */
	uint32_t max_listed;		/* rare values listed per auto trigger, default 100 */
};

/* Where one call was. */
struct nx_replay_at {
	uint64_t event;		/* event id */
	uint64_t ts_ns;
	uint32_t pid, tid;
};

/* One tuple of an auto trigger with its exact count. */
struct nx_replay_value {
	uint64_t vals[NX_RARE_MAX_VALS];	/* [n..] are 0 */
	uint32_t n;
	uint64_t count;
	struct nx_replay_at first, last;	/* rare values: resolved; common: event ids only */
};

/* What one trigger saw. Owned by the replay, valid until nx_replay_free. */
struct nx_replay_trigger {
	uint32_t probe;			/* probe id */
	uint64_t tag;			/* the caller's, from nx_replay_add_trigger */
	const char *text;		/* as given */
	enum nx_trigger_type type;
	int mask_bit;			/* the CALL's `triggers` bit it is, or -1 */
	uint64_t calls;			/* calls of its probe */
	uint64_t hits;			/* calls on which it held */
	uint64_t recorded;		/* calls whose recorded mask_bit was set */
	struct nx_replay_at first, last;	/* first and last hit, when hits */
	/* auto only: */
	uint8_t vars[NX_TRIGGER_MAX_AUTO];	/* enum nx_trig_var */
	unsigned nvars;
	uint64_t threshold;		/* occurrences a tuple needs to be common */
	uint64_t distinct;		/* tuples */
	uint64_t nrare;			/* rare tuples; hits = the calls carrying one */
	struct nx_replay_value *rare;	/* the first nlisted rare tuples, by count then first */
	uint32_t nlisted;
	struct nx_replay_value *common;	/* every common tuple, by count descending */
	uint32_t ncommon;
};

/* A probe of the table, with what the recording says around its calls. */
struct nx_replay_probe {
	uint32_t id, hook;
	const char *path, *func;	/* borrowed from the meta given to nx_replay_new */
	uint64_t calls;			/* CALL (uprobe) or RETURN (uretprobe) events */
	uint64_t filtered;		/* sum of FILTER events' counts */
	uint64_t lost;			/* sum of LOSS events' counts naming it */
	uint32_t ntriggers;
};

struct nx_replay_totals {
	uint64_t events;		/* every event read */
	uint64_t calls;			/* calls of known probes */
	uint64_t unknown_probe;		/* CALL/RETURN naming no probe of the table */
	uint64_t wrong_hook;		/* a CALL of a uretprobe probe or a RETURN of a uprobe one */
	uint64_t health;		/* HEALTH samples */
	uint64_t filtered;		/* FILTER counts of uprobes: calls dropped by triggers */
	uint64_t filtered_syscalls;	/* FILTER counts of Syscalls filters */
	uint64_t lost[NX_LOSS_NREASONS];	/* LOSS counts by enum nx_loss_reason (0: unknown) */
	uint64_t first_ts_ns, last_ts_ns;	/* of the events read (0, 0 when none) */
};

/* Every LOSS count, whatever its reason. */
static inline uint64_t nx_replay_lost_total(const struct nx_replay_totals *t)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < NX_LOSS_NREASONS; i++)
		n += t->lost[i];
	return n;
}

/* meta (its probe table) must outlive the replay. NULL on failure: -EINVAL
 * (bad opts), -ENOMEM. */
struct nx_replay *nx_replay_new(const struct nxr_meta *meta, const struct nx_replay_opts *opts,
				struct nx_err *err);
void nx_replay_free(struct nx_replay *rp);	/* NULL: no-op */

/*
 * Attaches trigger text to probe `probe`. tag is the caller's (e.g. where the
 * trigger came from); mask_bit (0..63, or -1) names the bit of the recorded
 * CALL's `triggers` mask it should agree with. Returns the trigger's index,
 * or -ENOENT (no such probe), -EINVAL with the parser's message "column C:
 * ..." (and *err_col, may be NULL), -ENOMEM. Before the first event only.
 */
int nx_replay_add_trigger(struct nx_replay *rp, uint32_t probe, const char *text, uint64_t tag,
			  int mask_bit, uint32_t *err_col, struct nx_err *err);

/*
 * A candidate trigger from the command line (-t):
 *   EXPR          every probe on which it parses (`ret < 0`: uretprobes only);
 *   FUNC:EXPR     the probes of that function (a C identifier, then ':');
 *   ID:EXPR       the probe with that id (digits, then ':').
 * Anything else before the first ':' (a quote, a space, an operator) makes the
 * whole argument one EXPR, so `comm == "a:b"` stays an expression. Returns how
 * many probes got it (>= 1), or -EINVAL: "no probe in the recording", "no probe
 * of function 'f'", "no probe with id N", or the parser's message with the
 * column counted in arg ("column C: ...", *err_col) when it parses on none.
 */
int nx_replay_add_candidate(struct nx_replay *rp, const char *arg, uint64_t tag,
			    uint32_t *err_col, struct nx_err *err);

/* One event, in stream order. 0, or -E2BIG (an auto trigger's exact counter
 * is full: err says so), -ENOMEM. */
int nx_replay_feed(struct nx_replay *rp, const struct nxr_event *ev, struct nx_err *err);
/* After the last event: classifies the tuples. Then nx_replay_want/resolve. */
int nx_replay_finish(struct nx_replay *rp, struct nx_err *err);
/* The largest event id whose place is still wanted (a second pass may stop
 * after it), or -1 when none is. */
int64_t nx_replay_wanted_max(const struct nx_replay *rp);
/* Second pass: each event again, with its id; fills the places wanted. */
void nx_replay_resolve(struct nx_replay *rp, uint64_t event, const struct nxr_event *ev);

/* The whole job on an open reader: feed, finish, rewind and resolve. */
int nx_replay_run(struct nx_replay *rp, struct nxr_reader *r, struct nx_err *err);

/* Results, borrowed until nx_replay_free. */
const struct nx_replay_trigger *nx_replay_triggers(const struct nx_replay *rp, uint32_t *n);
const struct nx_replay_probe *nx_replay_probes(const struct nx_replay *rp, uint32_t *n);
const struct nx_replay_probe *nx_replay_probe(const struct nx_replay *rp, uint32_t id);
void nx_replay_get_totals(const struct nx_replay *rp, struct nx_replay_totals *out);

/* A tuple as text, e.g. "(3, 0x541c)": values under 4096 in decimal, small
 * negative ones (down to -4095, e.g. an errno in ret) signed, others in hex.
 * snprintf contract. */
int nx_replay_value_format(const struct nx_replay_value *v, char *buf, size_t len);

/* A place as text: "1.234567 s pid 100/101 event #42", the time in seconds
 * from t0_ns (the recording's first event). snprintf contract. */
int nx_replay_at_format(const struct nx_replay_at *at, uint64_t t0_ns, char *buf, size_t len);

#endif
