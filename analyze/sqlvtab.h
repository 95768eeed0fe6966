#ifndef NX_ANALYZE_SQLVTAB_H	/* analyze/sqlvtab.h: integer rows as column chunks in SQLite */
#define NX_ANALYZE_SQLVTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "format/err.h"

/*
 * A read-only SQLite virtual table (module "nx_columns") over integer rows
 * stored as compact column chunks inside the same database, and the writer
 * that stores them. nexus-query keeps its syscall rows this way: SQLite's
 * own tables and B-tree indexes cannot import them at the target rate
 * (sqlimport.c's header has the figures).
 *
 *   CREATE VIRTUAL TABLE t USING nx_columns(id_col INTEGER, ts_col INTEGER, ...)
 *
 * declares the columns (INTEGER, at most NX_COLSTORE_MAX_COLS) and creates
 * the storage beside it:
 *   t_chunks(id INTEGER PRIMARY KEY, first_row, nrows, first_id, last_id,
 *            min_ts, max_ts, ts_sorted, data BLOB)  a chunk of up to NX_COLSTORE_CHUNK
 *            rows, every column encoded on its own (FORMAT below)
 *   t_postings(col, key, seg, first_row, last_row, nrows, data BLOB,
 *            PRIMARY KEY (col, key, seg))  for each key column, the rows
 *            holding each value (row positions, delta varints), in segments
 * Column 0 is the rowid: strictly increasing from row to row. Column 1 is
 * the time: the chunks' min/max prune time constraints. The writer is the
 * only way in; the table has no xUpdate.
 *
 * FORMAT of a chunk BLOB (little-endian): u32 magic "NXC1", u32 nrows,
 * u32 ncols, then per column a 32-byte header: u8 mode (0: value = base +
 * u; 1: value = previous + delta + u, the first = base), u8 width (bytes
 * of u: 0, 1, 2, 4 or 8), u8 has_nulls, u8 pad, u32 section length, i64
 * base, i64 delta, u32 CRC-32C of these first 24 bytes and the section, u32
 * zero; then the sections in column order: a null bitmap ((nrows + 7) / 8
 * bytes) when has_nulls, then nrows values of width bytes. A posting
 * segment: nrows unsigned LEB128 varints, the first row minus first_row then
 * the gaps between rows, then a u32 CRC-32C of col, key, first_row, last_row
 * and nrows (u64 each) followed by the varints.
 */

#define NX_SQLVTAB_MODULE "nx_columns"
#define NX_COLSTORE_MAX_COLS 32
#define NX_COLSTORE_CHUNK 4096

/* Registers the module on db (sqlite3 rc). */
int nx_sqlvtab_register(sqlite3 *db);

struct nx_colstore;

/*
 * A writer into table's storage (the virtual table must exist on db: its
 * CREATE makes the storage tables), inside the caller's transaction.
 * key_cols: bit c = keep posting lists of column c.
 */
struct nx_colstore *nx_colstore_new(sqlite3 *db, const char *table, unsigned ncols,
				    uint32_t key_cols, struct nx_err *err);

/* Appends a row (v[ncols]; bit c of nulls: column c is NULL, never a key
 * column: -EINVAL); its position in *row. */
int nx_colstore_append(struct nx_colstore *w, const int64_t *v, uint32_t nulls, uint64_t *row,
		       struct nx_err *err);

/* Sets column col (not a key column, not 0 or 1) of an appended row. */
int nx_colstore_patch(struct nx_colstore *w, uint64_t row, unsigned col, int64_t v, bool null,
		      struct nx_err *err);

/* Writes what is buffered (last chunk, postings, patches). */
int nx_colstore_finish(struct nx_colstore *w, struct nx_err *err);

/* NULL-safe; does not write what was not finished. */
void nx_colstore_free(struct nx_colstore *w);

#endif
