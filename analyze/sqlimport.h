#ifndef NX_ANALYZE_SQLIMPORT_H	/* analyze/sqlimport.h: a recording as a SQLite database */
#define NX_ANALYZE_SQLIMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "format/err.h"
#include "format/reader.h"

/*
 * nexus-query's import. The schema (nx_sqlimport_schema() returns its text):
 * event tables follow from the event table in bpf/events.h — columns
 * event_id (the event's position in the file, the rowid), ts_ns, pid, tid,
 * then the kind's fields in table order (dur_ns is named duration_ns) — and
 * derived tables summarise them:
 *
 *   syscall_rows one row per syscall, entry and exit paired; ret and
 *                duration_ns NULL for a syscall that never returned
 *   syscalls     a view: syscall_rows + name (joined from syscall_counts)
 *   calls        uprobe calls paired with their return on the same thread
 *                (probe, function, args, triggers, data, ret, duration_ns)
 *   execs, forks, exits, adaptations, filtered, health, lost (+ reason_name)
 *   payloads     data behind syscall arguments (data: a path as TEXT, argv as
 *                a JSON array, I/O bytes as a BLOB); views joining them to
 *                syscalls on (tid, ts_ns): paths (one row per path
 *                argument) and argv (one row per exec)
 *   processes    pid, ppid, comm, filename, uid, start_ns, end_ns, exit_code,
 *                exit_signal, duration_ns, syscalls (one row per process
 *                lifetime: a reused pid starts a new row)
 *   threads      tid, pid, start_ns, end_ns, syscalls
 *   syscall_counts  nr, name, calls, errors, total_ns (built at import)
 *   kinds        kind, name, events
 *   probes       id, hook, path, function, spec (the header's probe table)
 *   meta         key, value (header metadata, source file identity, totals)
 * syscall_rows is an nx_columns virtual table (analyze/sqlvtab.h): its
 * indexes are posting lists on pid, tid and nr and the chunks' event_id and
 * ts_ns ranges; the native tables have calls(pid), calls(function),
 * payloads(tid, ts_ns), syscall_counts(name). A connection reading the cache must register the
 * module first (nx_sqlvtab_register).
 *
 * u64 values are stored as SQLite's signed 64-bit integers: 2^64-1 reads -1.
 * Strings are stored as TEXT with their bytes unchanged.
 */

#define NX_SQLIMPORT_SCHEMA_VERSION 5

struct nx_sqlimport_opts {
	/* progress of a phase ("events": done of total events; "indexes": 0 of 1 when it
	 * starts, 1 of 1 when done); every million events at most */
	void (*on_progress)(void *ctx, const char *phase, uint64_t done, uint64_t total);
	void *ctx;
};

struct nx_sqlimport_stats {
	uint64_t events;
	uint64_t syscall_rows, call_rows, process_rows;
	double seconds;			/* wall time of the whole import */
	double index_seconds;		/* of which the work after the rows: the last
					 * chunk, posting lists and patches written, the
					 * native tables' indexes and ANALYZE (the posting
					 * lists grow during the rows) */
};

/* The schema text (CREATE statements with comments), static. */
const char *nx_sqlimport_schema(void);

/*
 * Whether db is a usable cache of the recording whose identity is src:
 * 1 yes; 0 no (absent, a symlink, not a regular file, not owned by us,
 * writable by others, another schema version, another recording, or an
 * interrupted import); never an error, a bad cache is simply rebuilt.
 */
int nx_sqlimport_cache_valid(const char *db, const struct stat *src);

/*
 * Imports r (at its start) into a new database written to a temporary file
 * beside db (mode 0600, O_EXCL), then renamed over db. src is the recording's
 * identity, taken before reading it. 0 or a negative errno; db is untouched
 * on failure.
 */
int nx_sqlimport_build(struct nxr_reader *r, const struct stat *src, const char *db,
		       const struct nx_sqlimport_opts *opts, struct nx_sqlimport_stats *st,
		       struct nx_err *err);

#endif
