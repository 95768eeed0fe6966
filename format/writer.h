#ifndef NX_FORMAT_WRITER_H	/* format/writer.h: append events to a .nxr recording, see FORMAT.md */
#define NX_FORMAT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/err.h"
#include "format/event.h"
#include "format/meta.h"

/*
 * Where the bytes go. The writer only ever appends. write returns the bytes
 * taken (maybe fewer than len) or a negative errno; sync returns 0 or a
 * negative errno. Tests use sinks that fail on demand.
 */
struct nxr_sink {
	ssize_t (*write)(void *ctx, const void *buf, size_t len);
	int (*sync)(void *ctx);
	void *ctx;
};

enum nxr_sync {
	NXR_SYNC_SEGMENT = 0,	/* default: fdatasync after a closed segment, at most once a second */
	NXR_SYNC_END,		/* only at close */
	NXR_SYNC_NONE,
};

enum nxr_layout {		/* how a segment's events are laid out (FORMAT.md) */
	NXR_LAYOUT_DEFAULT = 0,	/* columns, format 1.6: see FORMAT.md, "The default layout" */
	NXR_LAYOUT_COLUMNS,	/* columns, entropy-coded schemes, lists, context, timing and copy modes: needs a 1.6 reader */
	NXR_LAYOUT_ROWS,	/* format 1.0 records in one zstd frame: readable by 1.0 readers */
	NXR_LAYOUT_COLUMNS_1_1,	/* column payload without them: readable by 1.1 readers */
	NXR_LAYOUT_COLUMNS_1_4,	/* columns without the copy mode: readable by 1.4 readers */
	NXR_LAYOUT_COLUMNS_1_5,	/* columns without 1.6's copy steps and LOGH parts by the syscall
				 * before: readable by 1.5 readers */
};

struct nxr_writer_opts {	/* NULL or all-zero: the defaults */
	uint32_t segment_bytes;	/* close a segment at this much encoded data; 0 = 1 MiB */
	uint64_t segment_age_ns;/* ... or when its first event is this old; 0 = 1 s */
	int zstd_level;		/* 0 = the default level */
	enum nxr_sync sync;
	enum nxr_layout layout;
};

struct nxr_writer_stats {
	uint64_t events;		/* appended so far */
	uint64_t segments;		/* closed so far */
	uint64_t raw_bytes;		/* encoded, before compression */
	uint64_t file_bytes;		/* written to the sink, header included */
	uint64_t lost[NX_LOSS_NREASONS];		/* by enum nx_loss_reason, from LOSS events appended */
	uint64_t filtered;		/* from FILTER events appended */
};

struct nxr_writer;			/* opaque */

/*
 * Writes the header at once. name is used in error messages only.
 * nxr_writer_open_fd takes ownership of fd (closed by nxr_writer_close/free).
 * NULL on failure with err set.
 */
struct nxr_writer *nxr_writer_new(const struct nxr_sink *sink, const char *name,
				  const struct nxr_meta *meta, const struct nxr_writer_opts *opts,
				  struct nx_err *err);
struct nxr_writer *nxr_writer_open_fd(int fd, const char *name, const struct nxr_meta *meta,
				      const struct nxr_writer_opts *opts, struct nx_err *err);

/*
 * Copies the event (strings included). May close and write a segment. After
 * any error the writer is failed: every later call returns the same error,
 * and the segments written before stay readable.
 */
int nxr_writer_append(struct nxr_writer *w, const struct nxr_event *ev, struct nx_err *err);
/* Closes the open segment if it is older than segment_age_ns (now: CLOCK_MONOTONIC). */
int nxr_writer_tick(struct nxr_writer *w, struct nx_err *err);
/* Closes the open segment now, if it holds any event. */
int nxr_writer_flush(struct nxr_writer *w, struct nx_err *err);
void nxr_writer_get_stats(const struct nxr_writer *w, struct nxr_writer_stats *st);

/*
 * Flushes, writes the trailer (index, totals, clean-close flag) and the
 * footer, syncs, closes the fd and frees w, whatever happens: w is gone after
 * this call. Returns 0 or the first error.
 */
int nxr_writer_close(struct nxr_writer *w, struct nx_err *err);
/* Frees w without a trailer, as a crash would leave the file. NULL: no-op. */
void nxr_writer_free(struct nxr_writer *w);

#endif
