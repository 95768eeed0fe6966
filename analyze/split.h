#ifndef NX_ANALYZE_SPLIT_H	/* analyze/split.h: one output file per (comm, pid) */
#define NX_ANALYZE_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/reader.h"

/*
 * nexus-split's engine. Each event of a process goes to the output of the
 * process's (comm, pid) at that moment: the comm is followed through EXEC
 * (the new name) and FORK (the child starts with the name it inherits); a
 * process seen before either has the comm "?". An exec that renames a
 * process therefore starts a new output; going back to an earlier name
 * appends to that name's output again.
 *
 * File names: <comm>:<pid>.<ext>, ext "log", "jsonl" or "nxr". In <comm>
 * every byte outside [A-Za-z0-9._-], and a leading '.', is written %XX
 * (uppercase hex), so a name never holds '/', ':' or a control byte and is
 * never "." or "..": "ev/il" -> "ev%2Fil", "?" -> "%3F", ".x" -> "%2Ex".
 *
 * Formats:
 *  LOG   the process's syscall numbers (or names, opts.names) separated by a
 *        space, in order, and a newline at the end;
 *  JSONL every event of the process, one JSON object per line (fmtev.h);
 *  NXR   every event of the process in a recording of its own with the
 *        source's header (probes, config, times).
 * Events of no process (health, loss, filter) go to no output; the stats
 * count them.
 *
 * Outputs are created in the directory dirfd, mode 0600, with O_EXCL and
 * O_NOFOLLOW; an existing file is an error unless opts.force, which unlinks
 * it first (a symlink is replaced, never followed). Memory and file
 * descriptors are bounded whatever the number of processes: at most
 * max_open files are open (least recently used closed, reopened with
 * O_APPEND). NXR outputs cannot be reopened, so they are written nxr_batch at
 * a time, one pass over the recording per batch.
 */
enum nx_split_format { NX_SPLIT_LOG = 0, NX_SPLIT_JSONL, NX_SPLIT_NXR };

struct nx_split_opts {
	enum nx_split_format format;
	bool names;		/* LOG: syscall names instead of numbers */
	bool force;		/* replace existing outputs */
	unsigned max_open;	/* 0 = 256 */
	unsigned nxr_batch;	/* 0 = 64 */
	/* called after each pass over the recording with its 1-based number */
	void (*on_pass)(void *ctx, unsigned pass, unsigned passes_known);
	void *ctx;
};

struct nx_split_stats {
	uint64_t events;	/* read in the first pass */
	uint64_t written;	/* events written to outputs */
	uint64_t unowned;	/* events of no process */
	uint32_t outputs;	/* files created */
	uint32_t passes;
	uint64_t reopens;	/* files reopened after the LRU closed them */
};

/*
 * Splits r (positioned at its start) into dirfd. dirname is for messages.
 * 0 or a negative errno; on error the outputs written so far stay.
 */
int nx_split_run(struct nxr_reader *r, int dirfd, const char *dirname,
		 const struct nx_split_opts *opts, struct nx_split_stats *st, struct nx_err *err);

/*
 * The file name of (comm, pid) with extension ext, in buf (NUL-terminated).
 * Returns its length, or 0 if len is too small (NX_SPLIT_NAME_MAX suffices
 * for comm_len <= 16 and ext <= 8 bytes).
 */
#define NX_SPLIT_NAME_MAX 80
size_t nx_split_name(char *buf, size_t len, const char *comm, size_t comm_len, uint32_t pid,
		     const char *ext);

#endif
