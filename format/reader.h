#ifndef NX_FORMAT_READER_H	/* format/reader.h: read .nxr recordings, see FORMAT.md */
#define NX_FORMAT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/event.h"
#include "format/meta.h"

struct nxr_reader;			/* opaque: its invariants live in reader.c */

struct nxr_reader_opts {		/* NULL or all-zero: every event */
	uint64_t t_min_ns, t_max_ns;	/* 0 = unbounded */
	uint32_t kinds;			/* mask of 1u << NX_KIND_*, 0 = all */
	uint32_t pid;			/* 0 = all processes */
	/* Called once per damaged or skipped segment and once for an unclosed
	 * file; the reader goes on with the next good segment. */
	void (*on_damage)(void *ctx, const struct nx_err *what);
	void *ctx;
};

/* One segment, from the trailer's index or found by scanning. */
struct nxr_segment_info {
	uint64_t offset;		/* of the segment's first byte in the file */
	uint32_t seq;
	uint32_t events;
	uint64_t first_ts_ns, last_ts_ns;	/* smallest and largest event time */
	uint32_t raw_bytes;		/* encoded size */
	uint32_t zbytes;		/* compressed size */
	uint64_t lost;			/* loss reported since the previous segment */
};

struct nxr_reader_stats {
	bool closed_cleanly;		/* a valid trailer and footer were found */
	uint64_t tail_ignored;		/* bytes after the last good segment, if not closed */
	uint64_t file_bytes;
	uint32_t segments;		/* good segments */
	uint32_t damaged_segments;	/* found so far (all of them once iteration ended) */
	uint64_t events;		/* sum over good segments */
	uint64_t raw_bytes, zbytes;	/* encoded and compressed payload totals */
	uint64_t first_ts_ns, last_ts_ns;
	uint64_t lost[NX_LOSS_NREASONS];		/* by enum nx_loss_reason (trailer, or summed LOSS events) */
	uint64_t filtered;
};

/* NULL on failure: -ENOENT, -EBADMSG (not .nxr, or damaged beyond use),
 * -EPROTONOSUPPORT (newer major version). nxr_reader_open_mem reads
 * caller-owned bytes, which must outlive the reader. */
struct nxr_reader *nxr_reader_open(const char *path, const struct nxr_reader_opts *opts,
				   struct nx_err *err);
struct nxr_reader *nxr_reader_open_mem(const void *buf, size_t len,
				       const struct nxr_reader_opts *opts, struct nx_err *err);

/* 1: *ev filled, 0: end, <0: error. Strings in *ev stay valid until the next call.
 * Events come in file order (the order the kernel handed them over). */
int nxr_reader_next(struct nxr_reader *r, struct nxr_event *ev, struct nx_err *err);
/* The same for up to max (>= 1) events at once, all from one segment: the
 * number filled (> 0), 0 at the end, <0 error. Strings in evs stay valid
 * until the next call. For hot loops: one call per batch, not per event. */
int nxr_reader_next_batch(struct nxr_reader *r, struct nxr_event *evs, size_t max,
			  struct nx_err *err);
/* Positions before the first segment that may hold an event at or after ts_ns. */
int nxr_reader_seek(struct nxr_reader *r, uint64_t ts_ns, struct nx_err *err);
int nxr_reader_rewind(struct nxr_reader *r, struct nx_err *err);

/* Borrowed, valid until nxr_reader_close(). */
const struct nxr_meta *nxr_reader_meta(const struct nxr_reader *r);
const char *nxr_reader_path(const struct nxr_reader *r);
void nxr_reader_get_stats(const struct nxr_reader *r, struct nxr_reader_stats *st);
/* The segments known (index or scan); *n receives the count. Borrowed. */
const struct nxr_segment_info *nxr_reader_segments(const struct nxr_reader *r, uint32_t *n);

void nxr_reader_close(struct nxr_reader *r);	/* NULL: no-op */

#endif
