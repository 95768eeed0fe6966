/*
 * analyze/sqlvtab.c: the nx_columns virtual table and its writer
 * (sqlvtab.h has the storage format).
 *
 * Why: SQLite's tables insert about 1 M rows/s here and each B-tree index
 * costs a third of a second per million rows more, so a recording of 10 M
 * syscalls cannot be imported in 10 s as native rows. Chunks of a few
 * thousand rows, each column a fixed-width array after subtracting a base
 * (or the previous value and the smallest step), cost a few nanoseconds a
 * row to write and to read, and the "indexes" are posting lists built in one
 * pass while the rows stream by (a growing delta-varint list per key), not
 * sorts.
 *
 * The reader. xBestIndex takes equality on the key columns (pid, tid, nr
 * for syscalls), equality and ranges on column 0 (the rowid, increasing) and
 * column 1 (the time: each chunk's min/max prune); xFilter then drives the
 * scan from whichever is narrowest on the actual counts: a posting list (in
 * row order, restricted to the chunks the ranges leave) or the chunks left.
 * SQLite re-checks every constraint (omit stays 0): a value that is not an
 * integer only widens our scan, never changes a result. Rows come in rowid
 * order, so ORDER BY rowid is consumed; ORDER BY a key column (and so GROUP
 * BY it) is served by walking the key's posting lists in key order, where
 * the key column itself needs no chunk decode. Chunks are decoded per
 * column, lazily, through an incremental BLOB handle: a query touching two
 * columns reads two sections. Every column (header and values) and every
 * posting segment carries a CRC-32C, and the decoded ids and times are held
 * against the chunk directory that the searches trust: a damaged cache
 * gives SQLITE_CORRUPT naming the chunk and column or the list, not a crash
 * (tests/fuzz/fuzz_sqlvtab.c).
 *
 * Built twice: into the analyze archive (nexus-query, the import), and with
 * NX_SQLVTAB_EXT as a SQLite loadable extension (nx_columns.so, for the
 * sqlite3 shell), where every sqlite3_* call goes through the shell's API
 * table and the writer is left out.
 */
#include "analyze/sqlvtab.h"

#ifdef NX_SQLVTAB_EXT
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#endif

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"
#include "format/crc.h"

#define MAGIC 0x3143584eu	/* "NXC1" */
#define HDR_FIXED 12
#define HDR_COL 32
#define MAX_COLS NX_COLSTORE_MAX_COLS
#define CR NX_COLSTORE_CHUNK
#define COST_CHUNK 100.0	/* xBestIndex's units: see there */
#define COST_VALUE 0.05

struct colhdr {
	uint8_t mode, width, has_nulls;
	uint32_t len, sum;
	uint32_t hsum;		/* CRC-32C of the header's first 24 bytes: sum continues it */
	uint64_t base, delta;
	uint32_t off;		/* of the section in the BLOB */
};

static inline unsigned width_of(uint64_t span)
{
	return span == 0 ? 0 : span <= 0xff ? 1 : span <= 0xffff ? 2 : span <= 0xffffffffu ? 4 : 8;
}

static uint32_t sec_len(const struct colhdr *h, uint32_t n)
{
	return (h->has_nulls ? (n + 7) / 8 : 0) + n * h->width;
}

/*
 * Parses and checks a chunk's header (the first HDR_FIXED + HDR_COL * ncols
 * bytes of a BLOB of len bytes): 0, or -1 when it is not a chunk of ncols
 * columns whose sections fill the BLOB exactly.
 */
static int chunk_parse(const uint8_t *b, size_t len, unsigned ncols, uint32_t *nrows,
		       struct colhdr *h)
{
	uint64_t off = HDR_FIXED + HDR_COL * ncols;
	uint32_t n;

	if (len < off || nxr_get_le32(b) != MAGIC || nxr_get_le32(b + 8) != ncols)
		return -1;
	n = nxr_get_le32(b + 4);
	if (n == 0 || n > CR)
		return -1;
	for (unsigned c = 0; c < ncols; c++) {
		const uint8_t *p = b + HDR_FIXED + HDR_COL * c;

		h[c].mode = p[0];
		h[c].width = p[1];
		h[c].has_nulls = p[2];
		h[c].len = nxr_get_le32(p + 4);
		h[c].base = nxr_get_le64(p + 8);
		h[c].delta = nxr_get_le64(p + 16);
		h[c].sum = nxr_get_le32(p + 24);
		h[c].hsum = nxr_crc32c(0, p, 24);
		if (h[c].mode > 1 || h[c].has_nulls > 1 || nxr_get_le32(p + 28) != 0 ||
		    (h[c].width != 0 && h[c].width != 1 && h[c].width != 2 && h[c].width != 4 &&
		     h[c].width != 8) ||
		    h[c].len != sec_len(&h[c], n))
			return -1;
		h[c].off = (uint32_t)off;
		off += h[c].len;
	}
	if (off != len)
		return -1;
	*nrows = n;
	return 0;
}

/* Decodes a section (checked by the caller) into out[n] and the null bitmap. */
static void col_decode(const struct colhdr *h, uint32_t n, const uint8_t *sec, int64_t *out,
		       uint8_t *nulls)
{
	const uint8_t *u = sec;
	uint64_t acc = h->base;

	if (h->has_nulls) {
		memcpy(nulls, sec, (n + 7) / 8);
		u += (n + 7) / 8;
	}
#define DECODE(GET, W)                                                        \
	do {                                                                  \
		if (h->mode == 0) {                                           \
			for (uint32_t i = 0; i < n; i++)                      \
				out[i] = (int64_t)(h->base + (GET(u + i * W))); \
		} else {                                                      \
			out[0] = (int64_t)acc;                                \
			for (uint32_t i = 1; i < n; i++) {                    \
				acc += h->delta + (GET(u + i * W));           \
				out[i] = (int64_t)acc;                        \
			}                                                     \
		}                                                             \
	} while (0)
#define G0(p) ((void)(p), 0ull)
#define G1(p) ((uint64_t)*(p))
#define G2(p) ((uint64_t)nxr_get_le16(p))
#define G4(p) ((uint64_t)nxr_get_le32(p))
#define G8(p) (nxr_get_le64(p))
	switch (h->width) {
	case 0: DECODE(G0, 0); break;
	case 1: DECODE(G1, 1); break;
	case 2: DECODE(G2, 2); break;
	case 4: DECODE(G4, 4); break;
	default: DECODE(G8, 8); break;
	}
#undef DECODE
}

/* ---- the virtual table ---- */

struct chunkdir {
	uint64_t first_row;
	uint32_t nrows;
	int64_t first_id, last_id, min_ts, max_ts;
	bool ts_sorted;			/* ts never decreases from row to row */
	int64_t max_ts_before;		/* the largest max_ts of this chunk and those before */
	int64_t min_ts_after;		/* the smallest min_ts of this chunk and those after */
};

struct vcur;

struct vtab {
	sqlite3_vtab base;
	sqlite3 *db;
	char *schema, *name;
	unsigned ncols;
	bool loaded;
	struct chunkdir *dir;
	uint32_t nchunks;
	bool uniform;			/* chunk i holds rows [i * CR, (i + 1) * CR) */
	bool ts_sorted;			/* ts never decreases over the whole table */
	uint64_t nrows;
	uint32_t key_cols;
	uint64_t distinct[MAX_COLS];
	char *cols[MAX_COLS];		/* the column names (for idxStr) */
	struct vcur *spare;		/* a closed cursor and its decoded chunk */
};

enum { D_SCAN, D_POSTING, D_KEYS };

struct vcur {
	sqlite3_vtab_cursor base;
	struct vtab *t;
	/* the plan */
	int driver, key_col;
	int64_t key;
	int64_t lo[2], hi[2];		/* inclusive bounds of column 0 and 1 */
	bool bounded[2];
	unsigned neq;
	int eq_col[MAX_COLS];
	int64_t eq_val[MAX_COLS];
	uint32_t cs, ce;		/* chunks left by the ranges: [cs, ce) */
	uint64_t wlo, whi;		/* their rows */
	/* the position */
	bool eof;
	uint64_t row;
	uint32_t cur;			/* the chunk of row */
	uint32_t entered;		/* the chunk a scan entered (ranges checked) */
	sqlite3_stmt *pst;		/* posting segments: q_post or q_keys, running */
	sqlite3_stmt *q_post, *q_keys, *q_count;
	uint64_t *prow;
	uint32_t pn, pi, pcap;
	/* the current chunk */
	int64_t cached;			/* chunk index, -1 none */
	uint32_t cn;
	struct colhdr h[MAX_COLS];
	uint64_t decoded;		/* bit c: vals[c] holds column c */
	int64_t *vals[MAX_COLS];
	uint8_t nulls[MAX_COLS][(CR + 7) / 8];
	uint8_t *sec;
	sqlite3_blob *blob;
	int64_t blob_at;		/* the chunk blob reads, -1 none */
};

static int vt_error(struct vtab *t, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int vt_error(struct vtab *t, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sqlite3_free(t->base.zErrMsg);
	t->base.zErrMsg = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	return rc;
}

static int vt_disconnect(sqlite3_vtab *vt);
static void cur_free(struct vcur *c);

static int vt_connect_or_create(sqlite3 *db, void *aux, int argc, const char *const *argv,
				sqlite3_vtab **out, char **errmsg, bool create)
{
	sqlite3_str *s = sqlite3_str_new(db);
	struct vtab *t = NULL;
	char *sql = NULL;
	int rc;

	(void)aux;
	if (argc < 5 || argc - 3 > MAX_COLS) {
		*errmsg = sqlite3_mprintf(NX_SQLVTAB_MODULE ": 2 to %d columns", MAX_COLS);
		sqlite3_free(sqlite3_str_finish(s));
		return SQLITE_ERROR;
	}
	sqlite3_str_appendall(s, "CREATE TABLE x(");
	for (int i = 3; i < argc; i++)
		sqlite3_str_appendf(s, "%s%s", i > 3 ? "," : "", argv[i]);
	sqlite3_str_appendall(s, ")");
	sql = sqlite3_str_finish(s);
	if (!sql)
		return SQLITE_NOMEM;
	rc = sqlite3_declare_vtab(db, sql);
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return rc;
	if (create) {
		sql = sqlite3_mprintf(
			"CREATE TABLE \"%w\".\"%w_chunks\" (id INTEGER PRIMARY KEY, "
			"first_row INTEGER, nrows INTEGER, first_id INTEGER, last_id INTEGER, "
			"min_ts INTEGER, max_ts INTEGER, ts_sorted INTEGER, data BLOB);"
			"CREATE TABLE \"%w\".\"%w_postings\" (col INTEGER, key INTEGER, "
			"seg INTEGER, first_row INTEGER, last_row INTEGER, nrows INTEGER, "
			"data BLOB, PRIMARY KEY (col, key, seg))",
			argv[1], argv[2], argv[1], argv[2]);
		if (!sql)
			return SQLITE_NOMEM;
		rc = sqlite3_exec(db, sql, NULL, NULL, errmsg);
		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return rc;
	}
	t = sqlite3_malloc(sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->db = db;
	t->ncols = (unsigned)(argc - 3);
	t->schema = sqlite3_mprintf("%s", argv[1]);
	t->name = sqlite3_mprintf("%s", argv[2]);
	for (unsigned i = 0; i < t->ncols; i++) {
		const char *a = argv[3 + i];

		while (*a == ' ' || *a == '\t' || *a == '\n')
			a++;
		t->cols[i] = sqlite3_mprintf("%.*s", (int)strcspn(a, " \t\n"), a);
		rc = t->cols[i] ? rc : SQLITE_NOMEM;
	}
	if (!t->schema || !t->name || rc != SQLITE_OK) {
		vt_disconnect(&t->base);
		return SQLITE_NOMEM;
	}
	*out = &t->base;
	return SQLITE_OK;
}

static int vt_create(sqlite3 *db, void *aux, int argc, const char *const *argv,
		     sqlite3_vtab **out, char **errmsg)
{
	return vt_connect_or_create(db, aux, argc, argv, out, errmsg, true);
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **errmsg)
{
	return vt_connect_or_create(db, aux, argc, argv, out, errmsg, false);
}

static int vt_disconnect(sqlite3_vtab *vt)
{
	struct vtab *t = (struct vtab *)vt;

	sqlite3_free(t->dir);
	cur_free(t->spare);
	for (unsigned i = 0; i < MAX_COLS; i++)
		sqlite3_free(t->cols[i]);
	sqlite3_free(t->schema);
	sqlite3_free(t->name);
	sqlite3_free(t);
	return SQLITE_OK;
}

static int vt_destroy(sqlite3_vtab *vt)
{
	struct vtab *t = (struct vtab *)vt;
	char *sql = sqlite3_mprintf("DROP TABLE \"%w\".\"%w_chunks\"; "
				    "DROP TABLE \"%w\".\"%w_postings\"",
				    t->schema, t->name, t->schema, t->name);
	int rc = sql ? sqlite3_exec(t->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;

	sqlite3_free(sql);
	if (rc == SQLITE_OK)
		vt_disconnect(vt);
	return rc;
}

/* *s: fmt with the table's schema and name (%w twice), prepared with flags. */
static int vt_prepare(struct vtab *t, sqlite3_stmt **s, const char *fmt, unsigned flags)
{
	char *sql = sqlite3_mprintf(fmt, t->schema, t->name);
	int rc;

	if (!sql)
		return SQLITE_NOMEM;
	rc = sqlite3_prepare_v3(t->db, sql, -1, flags, s, NULL);
	sqlite3_free(sql);
	return rc == SQLITE_OK ? rc : vt_error(t, rc, "%s: %s", t->name, sqlite3_errmsg(t->db));
}

/* The chunk directory and the key counts, read once per connection. */
static int vt_load(struct vtab *t)
{
	sqlite3_stmt *s = NULL;
	int rc, step;
	uint32_t cap = 0;

	if (t->loaded)
		return SQLITE_OK;
	rc = vt_prepare(t, &s, "SELECT id, first_row, nrows, first_id, last_id, min_ts, max_ts, "
			       "ts_sorted FROM \"%w\".\"%w_chunks\" ORDER BY id", 0);
	if (rc != SQLITE_OK)
		return rc;
	t->nchunks = 0;
	t->nrows = 0;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct chunkdir *d;
		sqlite3_int64 nr = sqlite3_column_int64(s, 2);

		if (t->nchunks == cap) {
			uint32_t ncap = cap ? cap * 2 : 256;
			struct chunkdir *n = sqlite3_realloc64(t->dir, ncap * sizeof(*n));

			if (!n) {
				rc = SQLITE_NOMEM;
				goto out;
			}
			t->dir = n;
			cap = ncap;
		}
		d = &t->dir[t->nchunks];
		d->first_row = (uint64_t)sqlite3_column_int64(s, 1);
		d->nrows = (uint32_t)nr;
		d->first_id = sqlite3_column_int64(s, 3);
		d->last_id = sqlite3_column_int64(s, 4);
		d->min_ts = sqlite3_column_int64(s, 5);
		d->max_ts = sqlite3_column_int64(s, 6);
		d->ts_sorted = sqlite3_column_int64(s, 7) == 1;
		if (sqlite3_column_int64(s, 0) != t->nchunks || d->first_row != t->nrows ||
		    nr <= 0 || nr > CR || d->first_id > d->last_id || d->min_ts > d->max_ts ||
		    (t->nchunks && d->first_id <= t->dir[t->nchunks - 1].last_id)) {
			rc = vt_error(t, SQLITE_CORRUPT_VTAB, "%s: chunk directory is corrupt at "
				      "chunk %u", t->name, t->nchunks);
			goto out;
		}
		t->nrows += d->nrows;
		t->nchunks++;
	}
	if (step != SQLITE_DONE) {
		rc = vt_error(t, step, "%s: %s", t->name, sqlite3_errmsg(t->db));
		goto out;
	}
	t->uniform = true;
	t->ts_sorted = true;
	for (uint32_t i = 0; i < t->nchunks; i++) {
		t->uniform &= i + 1 == t->nchunks || t->dir[i].nrows == CR;
		t->ts_sorted &= t->dir[i].ts_sorted &&
				(i + 1 == t->nchunks || t->dir[i].max_ts <= t->dir[i + 1].min_ts);
	}
	/* both monotonic: a time range finds its chunks by binary search */
	for (uint32_t i = 0; i < t->nchunks; i++) {
		struct chunkdir *d = &t->dir[i], *e = &t->dir[t->nchunks - 1 - i];

		d->max_ts_before = i && d[-1].max_ts_before > d->max_ts ? d[-1].max_ts_before
									  : d->max_ts;
		e->min_ts_after = i && e[1].min_ts_after < e->min_ts ? e[1].min_ts_after
								      : e->min_ts;
	}
	sqlite3_finalize(s);
	rc = vt_prepare(t, &s, "SELECT col, count(DISTINCT key) FROM \"%w\".\"%w_postings\" "
			       "GROUP BY col", 0);
	if (rc != SQLITE_OK)
		return rc;
	t->key_cols = 0;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_int64 c = sqlite3_column_int64(s, 0);

		if (c < 2 || c >= t->ncols)
			continue;	/* a key column of 0 or 1 is never consulted */
		t->key_cols |= 1u << c;
		t->distinct[c] = (uint64_t)sqlite3_column_int64(s, 1);
	}
	rc = step == SQLITE_DONE ? SQLITE_OK : vt_error(t, step, "%s: %s", t->name,
							  sqlite3_errmsg(t->db));
	t->loaded = rc == SQLITE_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * idxStr (shown by EXPLAIN QUERY PLAN): "ORDER BY col," for the key-order
 * walk, then per argument of xFilter "col op", comma-separated, op one of
 * = > >= < <=. Internally an operator is one char: = > g < l.
 */
static char op_char(unsigned char op)
{
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ: return '=';
	case SQLITE_INDEX_CONSTRAINT_GT: return '>';
	case SQLITE_INDEX_CONSTRAINT_GE: return 'g';
	case SQLITE_INDEX_CONSTRAINT_LT: return '<';
	case SQLITE_INDEX_CONSTRAINT_LE: return 'l';
	default: return 0;
	}
}

static const char *op_text(char op)
{
	return op == 'g' ? ">=" : op == 'l' ? "<=" : op == '>' ? ">" : op == '<' ? "<" : "=";
}

/* Parses idxStr's next "col op" term at *p: 0, or -1 when malformed. */
static int term_next(const struct vtab *t, const char **p, unsigned *col, char *op)
{
	const char *s = *p, *o = s + strcspn(s, "=<>,");
	size_t n = (size_t)(o - s);

	if (*o == ',' || !*o)
		return -1;
	for (*col = 0; *col < t->ncols; (*col)++)
		if (strlen(t->cols[*col]) == n && !memcmp(t->cols[*col], s, n))
			break;
	if (*col >= t->ncols)
		return -1;
	*op = o[0] == '=' ? '=' : o[1] == '=' ? (o[0] == '>' ? 'g' : 'l') : o[0];
	o += (*op == 'g' || *op == 'l') ? 2 : 1;
	if (*o && *o != ',')
		return -1;
	*p = *o ? o + 1 : o;
	return 0;
}

/*
 * Costs in rows touched: a full scan visits every row and decodes each
 * column it reads (~0.2 of a row's cost per column); a posting list visits
 * its rows, and decodes the columns of every chunk they fall in; walking all
 * posting lists in key order revisits each chunk once per key, so it is
 * cheap only when nothing but the key is read.
 */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	struct vtab *t = (struct vtab *)vt;
	sqlite3_str *terms;
	char *idx;
	int argc = 0, rc = vt_load(t);
	double n, rows, scan, post = -1, per_row;
	int post_col = -1;
	bool id_eq = false, ts_eq = false, key_eq[MAX_COLS] = { false };
	int ncol_used = 0, range_sides[2] = { 0, 0 };
	uint64_t used = info->colUsed;

	if (rc != SQLITE_OK)
		return rc;
	n = t->nrows ? (double)t->nrows : 1;
	terms = sqlite3_str_new(NULL);
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *k = &info->aConstraint[i];
		int col = k->iColumn < 0 ? 0 : k->iColumn;
		char op = op_char(k->op);

		if (!k->usable || !op || col >= (int)t->ncols)
			continue;
		if (col >= 2 && !(op == '=' && (t->key_cols & (1u << col))))
			continue;
		if (col < 2 && op == '=')
			*(col ? &ts_eq : &id_eq) = true;
		else if (col < 2)
			range_sides[col]++;
		else
			key_eq[col] = true;
		sqlite3_str_appendf(terms, "%s%s%s", argc ? "," : "", t->cols[col], op_text(op));
		info->aConstraintUsage[i].argvIndex = ++argc;
		info->aConstraintUsage[i].omit = 0;
	}
	for (unsigned c = 0; c < t->ncols && c < 63; c++)
		ncol_used += (used >> c) & 1;
	/* rows the chunk scan examines, pruned by the ranges */
	scan = n;
	for (int c = 0; c < 2; c++)
		scan *= range_sides[c] == 0 ? 1 : range_sides[c] == 1 ? 0.25 : 0.05;
	if (id_eq || ts_eq)
		scan = CR < n ? CR : n;
	rows = id_eq ? 1 : ts_eq ? 2 : scan;
	for (unsigned c = 2; c < t->ncols; c++) {
		double r;

		if (!key_eq[c])
			continue;
		r = n / (double)(t->distinct[c] ? t->distinct[c] : 1);
		if (post < 0 || r < post) {
			post = r;
			post_col = (int)c;
		}
		rows = rows * r / n;
	}
	if (rows < 1)
		rows = 1;
	info->estimatedRows = (sqlite3_int64)rows;
	/*
	 * Cost units, calibrated on a 2 M-row table (1 = ~100 ns): a row handed to
	 * SQLite is 1 (+0.1 per column read); a row our filters examine without
	 * handing it over 0.03; a chunk opened COST_CHUNK and each value of the
	 * columns decoded there COST_VALUE (whole columns of every chunk touched).
	 */
	per_row = 1 + 0.1 * ncol_used;
	if (id_eq) {
		info->estimatedCost = 10 + COST_CHUNK + CR * COST_VALUE * ncol_used;
		info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
	} else {
		double nch = scan / CR < 1 ? 1 : scan / CR;
		double cscan = rows * per_row + scan * (0.03 + COST_VALUE * ncol_used) +
			       nch * COST_CHUNK + 10;

		info->estimatedCost = cscan;
		if (post >= 0) {
			int k = ncol_used - (int)((used >> post_col) & 1);
			double chunks = post < t->nchunks ? post : t->nchunks;
			double cpost = rows * (1 + 0.1 * k) + post * 0.03 +
				       (k ? chunks * (COST_CHUNK + CR * COST_VALUE * k) : 0) + 10;

			if (cpost < cscan)
				info->estimatedCost = cpost;
		}
	}
	/* rows come in rowid order; a key column's order by its posting lists */
	if (info->nOrderBy == 1 && !info->aOrderBy[0].desc) {
		int col = info->aOrderBy[0].iColumn;

		if (col <= 0 || (col == 1 && t->ts_sorted)) {
			info->orderByConsumed = 1;	/* rows come in this order */
		} else if (col >= 2 && col < (int)t->ncols && (t->key_cols & (1u << col)) &&
			   !id_eq) {
			if (key_eq[col]) {
				info->orderByConsumed = 1;	/* one key: in order already */
			} else {
				/* only the key: no decode; else each chunk once per key. Taken
				 * when cheaper than the plan above and SQLite's sort of its rows
				 * (xBestIndex offers SQLite one plan per set of constraints) */
				bool only_key = (used & ~(1ull << col)) == 0;
				double walk = only_key ? n * 0.5 + 10
					: n * per_row + t->nchunks * (double)t->distinct[col] *
					  (COST_CHUNK + CR * COST_VALUE * ncol_used);
				double sort = rows * log2(rows + 2) * 0.3;

				if (walk < info->estimatedCost + sort) {
					info->orderByConsumed = 1;
					info->idxNum = 1 | col << 8;
					info->estimatedCost = walk;
				}
			}
		}
	}
	if (sqlite3_str_errcode(terms) != SQLITE_OK) {
		sqlite3_free(sqlite3_str_finish(terms));
		return SQLITE_NOMEM;
	}
	idx = sqlite3_str_finish(terms);
	if (info->idxNum & 1) {
		char *o = sqlite3_mprintf("ORDER BY %s%s%s", t->cols[info->idxNum >> 8],
					  idx ? "," : "", idx ? idx : "");

		sqlite3_free(idx);
		idx = o;
	} else if (!idx) {
		idx = sqlite3_mprintf("%s", "");
	}
	if (!idx)
		return SQLITE_NOMEM;
	info->idxStr = idx;
	info->needToFreeIdxStr = 1;
	return SQLITE_OK;
}

/*
 * A cursor closed is kept by its table (one at a time) with its decoded
 * chunk, and handed to the next cursor opened: a statement run once per row
 * of another (a correlated subquery, a lookup by event_id in a loop) would
 * otherwise decode the same chunk every time. The store does not change
 * under a reading connection (the import writes it once).
 */
static void cur_free(struct vcur *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < MAX_COLS; i++)
		sqlite3_free(c->vals[i]);
	sqlite3_free(c->prow);
	sqlite3_free(c->sec);
	sqlite3_free(c);
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	struct vtab *t = (struct vtab *)vt;
	struct vcur *c = t->spare;

	if (c) {
		t->spare = NULL;
		memset(&c->base, 0, sizeof(c->base));
	} else {
		c = sqlite3_malloc(sizeof(*c));
		if (!c)
			return SQLITE_NOMEM;
		memset(c, 0, sizeof(*c));
		c->cached = -1;
	}
	c->t = t;
	c->eof = true;
	c->blob_at = -1;
	*out = &c->base;
	return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
	struct vcur *c = (struct vcur *)cur;
	struct vtab *t = c->t;

	sqlite3_finalize(c->q_post);
	sqlite3_finalize(c->q_keys);
	sqlite3_finalize(c->q_count);
	sqlite3_blob_close(c->blob);
	c->q_post = c->q_keys = c->q_count = c->pst = NULL;
	c->blob = NULL;
	if (t->spare)
		cur_free(c);
	else
		t->spare = c;
	return SQLITE_OK;
}

/* The chunk holding row (the cached one first), or nchunks. */
static uint32_t chunk_of(const struct vtab *t, uint64_t row, uint32_t hint)
{
	uint32_t lo = 0, hi = t->nchunks;

	if (hint < t->nchunks && row >= t->dir[hint].first_row &&
	    row < t->dir[hint].first_row + t->dir[hint].nrows)
		return hint;
	if (t->uniform)		/* every chunk but the last is full: no search */
		return row / CR < t->nchunks ? (uint32_t)(row / CR) : t->nchunks;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->dir[mid].first_row + t->dir[mid].nrows <= row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The cursor's BLOB handle on chunk ci's data. */
static int blob_at(struct vcur *c, int64_t ci)
{
	struct vtab *t = c->t;
	int rc;

	if (c->blob_at == ci)
		return SQLITE_OK;
	c->blob_at = -1;
	if (!c->blob) {
		char *tbl = sqlite3_mprintf("%s_chunks", t->name);

		if (!tbl)
			return SQLITE_NOMEM;
		rc = sqlite3_blob_open(t->db, t->schema, tbl, "data", ci, 0, &c->blob);
		sqlite3_free(tbl);
	} else {
		rc = sqlite3_blob_reopen(c->blob, ci);
	}
	if (rc != SQLITE_OK)
		return vt_error(t, rc == SQLITE_ERROR ? SQLITE_CORRUPT_VTAB : rc,
				"%s: chunk %lld is corrupt (%s)", t->name, (long long)ci,
				sqlite3_errmsg(t->db));
	c->blob_at = ci;
	return SQLITE_OK;
}

/* Chunk ci's header, when it is not the chunk decoded already. */
static int chunk_load(struct vcur *c, uint32_t ci)
{
	struct vtab *t = c->t;
	uint8_t hdr[HDR_FIXED + HDR_COL * MAX_COLS];
	uint32_t hlen = HDR_FIXED + HDR_COL * t->ncols, n;
	int rc, len;

	if (c->cached == ci)
		return SQLITE_OK;
	c->cached = -1;
	c->decoded = 0;
	if ((rc = blob_at(c, ci)) != SQLITE_OK)
		return rc;
	len = sqlite3_blob_bytes(c->blob);
	rc = (uint32_t)len < hlen ? SQLITE_CORRUPT_VTAB
				 : sqlite3_blob_read(c->blob, hdr, (int)hlen, 0);
	if (rc == SQLITE_OK && (chunk_parse(hdr, (size_t)len, t->ncols, &n, c->h) < 0 ||
				n != t->dir[ci].nrows))
		rc = SQLITE_CORRUPT_VTAB;
	if (rc != SQLITE_OK)
		return vt_error(t, rc, "%s: chunk %u is corrupt (header)", t->name, ci);
	c->cn = n;
	c->cached = ci;
	return SQLITE_OK;
}

/*
 * Whether the decoded id or time column matches what the directory says
 * (the searches trust the directory): ids increasing from first_id to
 * last_id, times within min_ts..max_ts, never decreasing when ts_sorted.
 */
static bool col_agrees(const struct vcur *c, unsigned col)
{
	const struct chunkdir *d = &c->t->dir[c->cached];
	const int64_t *v = c->vals[col];
	bool ok = true;

	if (c->h[col].has_nulls)
		return false;
	if (col == 0) {
		ok = v[0] == d->first_id && v[c->cn - 1] == d->last_id;
		for (uint32_t i = 1; i < c->cn; i++)
			ok &= v[i] > v[i - 1];
		return ok;
	}
	for (uint32_t i = 0; i < c->cn; i++)
		ok &= v[i] >= d->min_ts && v[i] <= d->max_ts &&
		      (!d->ts_sorted || i == 0 || v[i] >= v[i - 1]);
	return ok;
}

/* Column col of the cached chunk, decoded (read, checked, decoded once per chunk). */
static int col_get(struct vcur *c, unsigned col)
{
	struct vtab *t = c->t;
	const struct colhdr *h = &c->h[col];
	int rc;

	if (c->decoded & (1ull << col))
		return SQLITE_OK;
	if (!c->vals[col]) {
		c->vals[col] = sqlite3_malloc(CR * sizeof(int64_t));
		if (!c->vals[col])
			return SQLITE_NOMEM;
	}
	if (!c->sec) {
		c->sec = sqlite3_malloc(CR * 8 + (CR + 7) / 8);
		if (!c->sec)
			return SQLITE_NOMEM;
	}
	if ((rc = blob_at(c, c->cached)) != SQLITE_OK)
		return rc;
	rc = sqlite3_blob_read(c->blob, c->sec, (int)h->len, (int)h->off);
	if (rc != SQLITE_OK)
		return vt_error(t, rc, "%s: chunk %lld: %s", t->name, (long long)c->cached,
				sqlite3_errmsg(t->db));
	if (nxr_crc32c(h->hsum, c->sec, h->len) != h->sum)
		return vt_error(t, SQLITE_CORRUPT_VTAB, "%s: chunk %lld is corrupt (column %u "
				"checksum)", t->name, (long long)c->cached, col);
	col_decode(h, c->cn, c->sec, c->vals[col], c->nulls[col]);
	if (col < 2 && !col_agrees(c, col))
		return vt_error(t, SQLITE_CORRUPT_VTAB, "%s: chunk %lld is corrupt (column %u "
				"disagrees with the chunk directory)", t->name,
				(long long)c->cached, col);
	c->decoded |= 1ull << col;
	return SQLITE_OK;
}

static inline bool is_null(const struct vcur *c, unsigned col, uint32_t r)
{
	return c->h[col].has_nulls && (c->nulls[col][r >> 3] >> (r & 7) & 1);
}

/* A posting segment's CRC-32C: over its column, key, rows and count, then its varints. */
static uint32_t seg_sum(int64_t col, int64_t key, uint64_t first_row, uint64_t last_row,
			uint64_t n, const uint8_t *p, size_t len)
{
	uint8_t h[40];

	nxr_put_le64(h, (uint64_t)col);
	nxr_put_le64(h + 8, (uint64_t)key);
	nxr_put_le64(h + 16, first_row);
	nxr_put_le64(h + 24, last_row);
	nxr_put_le64(h + 32, n);
	return nxr_crc32c(nxr_crc32c(0, h, sizeof(h)), p, len);
}

/* Next posting segment into prow; 0 = one loaded, 1 = none left, else an SQLite rc. */
static int seg_next(struct vcur *c)
{
	struct vtab *t = c->t;
	int step = sqlite3_step(c->pst);
	const uint8_t *p, *end;
	sqlite3_int64 first, n, last;
	int len;
	uint64_t row;

	if (step == SQLITE_DONE)
		return 1;
	if (step != SQLITE_ROW)
		return vt_error(t, step, "%s: %s", t->name, sqlite3_errmsg(t->db));
	c->key = sqlite3_column_int64(c->pst, 3);
	first = sqlite3_column_int64(c->pst, 0);
	n = sqlite3_column_int64(c->pst, 1);
	last = sqlite3_column_int64(c->pst, 4);
	p = sqlite3_column_blob(c->pst, 2);
	len = sqlite3_column_bytes(c->pst, 2);
	if (!p || len < 5)
		goto corrupt;	/* a list has a row at least, and its checksum */
	end = p + len - 4;
	if (nxr_get_le32(end) != seg_sum(c->key_col, c->key, (uint64_t)first, (uint64_t)last,
					 (uint64_t)n, p, (size_t)(len - 4)))
		goto corrupt;
	/* every row takes a varint of a byte at least: n is bounded by the BLOB,
	 * whatever the directory claims (and so fits the 32-bit capacity) */
	if (first < 0 || n <= 0 || n > len - 4 || (uint64_t)n > t->nrows ||
	    (uint64_t)first >= t->nrows)
		goto corrupt;
	if ((uint32_t)n > c->pcap) {
		uint64_t *np = sqlite3_realloc64(c->prow, (uint64_t)n * sizeof(*np));

		if (!np)
			return SQLITE_NOMEM;
		c->prow = np;
		c->pcap = (uint32_t)n;
	}
	row = (uint64_t)first;
	for (sqlite3_int64 i = 0; i < n; i++) {
		uint64_t d;

		if (nxr_get_varint(&p, end, &d) < 0 || (i && d == 0) ||
		    d >= t->nrows - row)
			goto corrupt;
		row += d;
		c->prow[i] = row;
	}
	if (p != end || row != (uint64_t)last)
		goto corrupt;
	c->pn = (uint32_t)n;
	c->pi = 0;
	return 0;
corrupt:
	return vt_error(t, SQLITE_CORRUPT_VTAB, "%s: a posting list of column %d is corrupt",
			t->name, c->key_col);
}

/* Whether the row r of the cached chunk passes the filters the driver did not apply. */
static int row_ok(struct vcur *c, uint32_t r, bool *ok)
{
	const struct chunkdir *d = &c->t->dir[c->cached];
	int rc;

	*ok = false;
	if (c->bounded[0] && (d->first_id < c->lo[0] || d->last_id > c->hi[0])) {
		if ((rc = col_get(c, 0)) != SQLITE_OK)
			return rc;
		if (c->vals[0][r] < c->lo[0] || c->vals[0][r] > c->hi[0])
			return SQLITE_OK;
	}
	if (c->bounded[1] && (d->min_ts < c->lo[1] || d->max_ts > c->hi[1])) {
		if ((rc = col_get(c, 1)) != SQLITE_OK)
			return rc;
		if (c->vals[1][r] < c->lo[1] || c->vals[1][r] > c->hi[1])
			return SQLITE_OK;
	}
	for (unsigned i = 0; i < c->neq; i++) {
		unsigned col = (unsigned)c->eq_col[i];

		if (c->driver != D_SCAN && (int)col == c->key_col)
			continue;
		if ((rc = col_get(c, col)) != SQLITE_OK)
			return rc;
		if (is_null(c, col, r) || c->vals[col][r] != c->eq_val[i])
			return SQLITE_OK;
	}
	*ok = true;
	return SQLITE_OK;
}

static bool chunk_in_ranges(const struct vcur *c, uint32_t ci)
{
	const struct chunkdir *d = &c->t->dir[ci];

	return !(c->bounded[1] && (d->max_ts < c->lo[1] || d->min_ts > c->hi[1])) &&
	       !(c->bounded[0] && (d->last_id < c->lo[0] || d->first_id > c->hi[0]));
}

/* Entering chunk ci in a scan: c->row moves to the first row whose id is >= lo[0]. */
static int chunk_enter(struct vcur *c, uint32_t ci)
{
	const struct chunkdir *d = &c->t->dir[ci];
	uint32_t lo, hi;
	int rc;

	if (!c->bounded[0] || d->first_id >= c->lo[0])
		return SQLITE_OK;
	if ((rc = chunk_load(c, ci)) != SQLITE_OK || (rc = col_get(c, 0)) != SQLITE_OK)
		return rc;
	lo = (uint32_t)(c->row - d->first_row);
	hi = c->cn;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (c->vals[0][mid] < c->lo[0])
			lo = mid + 1;
		else
			hi = mid;
	}
	c->row = d->first_row + lo;
	return SQLITE_OK;
}

/*
 * Moves to the first row at or after the candidate position that passes every
 * filter: from c->row on for a scan (c->row itself included when first),
 * from the next posting otherwise.
 */
static int advance(struct vcur *c, bool first)
{
	struct vtab *t = c->t;
	int rc;

	for (;;) {
		uint32_t ci;
		bool ok;

		if (c->driver == D_SCAN) {
			if (!first)
				c->row++;
			first = false;
			if (c->row >= c->whi) {
				c->eof = true;
				return SQLITE_OK;
			}
			ci = c->entered;
			if (ci >= t->nchunks || c->row >= t->dir[ci].first_row + t->dir[ci].nrows) {
				/* a new chunk: skipped whole, or entered at its first id >= lo */
				ci = chunk_of(t, c->row, c->cur);
				c->cur = ci;
				if (!chunk_in_ranges(c, ci)) {
					c->row = t->dir[ci].first_row + t->dir[ci].nrows;
					first = true;
					continue;
				}
				c->entered = ci;
				if ((rc = chunk_enter(c, ci)) != SQLITE_OK)
					return rc;
				if (c->row >= c->whi)
					continue;
			}
			if (c->bounded[0] && t->dir[ci].last_id > c->hi[0]) {
				/* ids increase: past hi, no row after this one can pass */
				if ((rc = chunk_load(c, ci)) != SQLITE_OK ||
				    (rc = col_get(c, 0)) != SQLITE_OK)
					return rc;
				if (c->vals[0][c->row - t->dir[ci].first_row] > c->hi[0]) {
					c->eof = true;
					return SQLITE_OK;
				}
			}
		} else {
			if (!first)
				c->pi++;
			first = false;
			while (c->pi >= c->pn) {
				rc = seg_next(c);
				if (rc == 1) {
					c->eof = true;
					return SQLITE_OK;
				}
				if (rc != 0)
					return rc;
			}
			c->row = c->prow[c->pi];
			if (c->row < c->wlo || c->row >= c->whi)
				continue;
			ci = chunk_of(t, c->row, c->cur);
			if (ci >= t->nchunks)
				return vt_error(t, SQLITE_CORRUPT_VTAB, "%s: a posting list of "
						"column %d is corrupt", t->name, c->key_col);
			if (!chunk_in_ranges(c, ci))
				continue;
		}
		if (!c->bounded[0] && !c->bounded[1] &&
		    (c->neq == 0 ||
		     (c->neq == 1 && c->driver != D_SCAN && c->eq_col[0] == c->key_col))) {
			/* nothing to check: the chunk is loaded when a column is read */
			c->cur = ci;
			return SQLITE_OK;
		}
		c->cur = ci;
		if ((rc = chunk_load(c, ci)) != SQLITE_OK)
			return rc;
		if ((rc = row_ok(c, (uint32_t)(c->row - t->dir[ci].first_row), &ok)) != SQLITE_OK)
			return rc;
		if (ok)
			return SQLITE_OK;
	}
}

/* A statement of the cursor's, prepared once, reset and bound to the window. */
static int cur_stmt(struct vcur *c, sqlite3_stmt **s, const char *fmt)
{
	struct vtab *t = c->t;
	int rc;

	if (!*s && (rc = vt_prepare(t, s, fmt, SQLITE_PREPARE_PERSISTENT)) != SQLITE_OK)
		return rc;
	sqlite3_reset(*s);
	sqlite3_bind_int64(*s, 1, c->key_col);
	sqlite3_bind_int64(*s, 2, (sqlite3_int64)c->wlo);
	sqlite3_bind_int64(*s, 3, (sqlite3_int64)c->whi);
	sqlite3_bind_int64(*s, 4, c->key);
	return SQLITE_OK;
}

#define POSTINGS_WHERE "FROM \"%w\".\"%w_postings\" WHERE col = ?1 AND last_row >= ?2 " \
		       "AND first_row < ?3"

/* Folds constraint (col, op, v) into the plan; false when no row can pass it. */
static bool plan_add(struct vcur *c, unsigned col, char op, sqlite3_value *v)
{
	int64_t x;
	int type = sqlite3_value_type(v);

	if (type == SQLITE_NULL)
		return false;
	if (type == SQLITE_FLOAT) {
		double d = sqlite3_value_double(v);

		if (isnan(d))
			return false;
		if (op == '=' && d != floor(d))
			return false;	/* our columns hold integers only */
		if (d >= 0x1p63 || d < -0x1p63) {	/* beyond every int64 */
			if (op == '=' || (d > 0 && (op == '>' || op == 'g')) ||
			    (d < 0 && (op == '<' || op == 'l')))
				return false;
			return true;	/* no narrowing */
		}
		/* widened to the integers around d: SQLite checks the exact bound */
		x = (int64_t)(op == '>' || op == 'g' ? floor(d) : ceil(d));
		if (op == '>')
			op = 'g';
		else if (op == '<')
			op = 'l';
	} else if (type == SQLITE_INTEGER) {
		x = sqlite3_value_int64(v);
	} else {
		return true;	/* text or a BLOB: SQLite compares; no narrowing */
	}
	if (col >= 2) {
		for (unsigned i = 0; i < c->neq; i++)
			if ((unsigned)c->eq_col[i] == col)
				return c->eq_val[i] == x;
		c->eq_col[c->neq] = (int)col;
		c->eq_val[c->neq++] = x;
		return true;
	}
	c->bounded[col] = true;
	switch (op) {
	case '>':
		if (x == INT64_MAX)
			return false;
		x++;
		/* fall through */
	case 'g':
		if (x > c->lo[col])
			c->lo[col] = x;
		break;
	case '<':
		if (x == INT64_MIN)
			return false;
		x--;
		/* fall through */
	case 'l':
		if (x < c->hi[col])
			c->hi[col] = x;
		break;
	default:
		if (x > c->lo[col])
			c->lo[col] = x;
		if (x < c->hi[col])
			c->hi[col] = x;
		break;
	}
	return c->lo[col] <= c->hi[col];
}

/*
 * The first chunk in [lo, hi) whose field at off (an int64_t of struct
 * chunkdir, non-decreasing from chunk to chunk) is >= x (> x when !ge), or hi.
 */
static uint32_t chunk_search(const struct vtab *t, uint32_t lo, uint32_t hi, size_t off,
			     int64_t x, bool ge)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t v;

		memcpy(&v, (const char *)&t->dir[mid] + off, sizeof(v));
		if (ge ? v < x : v <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct vcur *c = (struct vcur *)cur;
	struct vtab *t = c->t;
	const char *p;
	int rc = vt_load(t);

	if (rc != SQLITE_OK)
		return rc;
	if (c->pst)
		sqlite3_reset(c->pst);
	c->pst = NULL;
	c->pn = c->pi = 0;
	c->eof = true;
	c->neq = 0;
	c->driver = D_SCAN;
	c->key_col = -1;
	for (int i = 0; i < 2; i++) {
		c->lo[i] = INT64_MIN;
		c->hi[i] = INT64_MAX;
		c->bounded[i] = false;
	}
	p = idx_str ? idx_str : "";
	if (idx_num & 1)
		p = strchr(p, ',') ? strchr(p, ',') + 1 : "";
	for (int i = 0; i < argc; i++) {
		unsigned col;
		char op;

		if (term_next(t, &p, &col, &op) < 0)
			return vt_error(t, SQLITE_INTERNAL, "%s: bad plan", t->name);
		if (!plan_add(c, col, op, argv[i]))
			return SQLITE_OK;	/* no row */
	}
	/* the chunks the ranges leave: ids increase from chunk to chunk; for
	 * time, the first chunk that reaches lo[1] and the first one after it
	 * that starts beyond hi[1] */
	c->cs = chunk_search(t, 0, t->nchunks, offsetof(struct chunkdir, last_id), c->lo[0], true);
	c->ce = chunk_search(t, c->cs, t->nchunks, offsetof(struct chunkdir, first_id), c->hi[0],
			     false);
	c->cs = chunk_search(t, c->cs, c->ce, offsetof(struct chunkdir, max_ts_before), c->lo[1],
			     true);
	c->ce = chunk_search(t, c->cs, c->ce, offsetof(struct chunkdir, min_ts_after), c->hi[1],
			     false);
	while (c->cs < c->ce && !chunk_in_ranges(c, c->cs))
		c->cs++;
	while (c->ce > c->cs && !chunk_in_ranges(c, c->ce - 1))
		c->ce--;
	if (c->cs >= c->ce)
		return SQLITE_OK;
	c->wlo = t->dir[c->cs].first_row;
	c->whi = t->dir[c->ce - 1].first_row + t->dir[c->ce - 1].nrows;
	if (idx_num & 1) {
		c->driver = D_KEYS;
		c->key_col = idx_num >> 8;
		rc = cur_stmt(c, &c->q_keys, "SELECT first_row, nrows, data, key, last_row "
			      POSTINGS_WHERE " ORDER BY key, seg");
		if (rc != SQLITE_OK)
			return rc;
		c->pst = c->q_keys;
	} else {
		double best = (double)(c->whi - c->wlo) / 2;
		int chosen = -1;

		/* the narrowest posting list, on its actual size in the window */
		for (unsigned i = 0; i < c->neq; i++) {
			double n;

			c->key_col = c->eq_col[i];
			c->key = c->eq_val[i];
			rc = cur_stmt(c, &c->q_count, "SELECT total(nrows) " POSTINGS_WHERE
				      " AND key = ?4");
			if (rc != SQLITE_OK)
				return rc;
			if (sqlite3_step(c->q_count) != SQLITE_ROW)
				return vt_error(t, SQLITE_ERROR, "%s: %s", t->name,
						sqlite3_errmsg(t->db));
			n = sqlite3_column_double(c->q_count, 0);
			sqlite3_reset(c->q_count);
			if (n == 0)
				return SQLITE_OK;	/* no row */
			if (n <= best) {
				best = n;
				chosen = (int)i;
			}
		}
		if (chosen >= 0) {
			unsigned i = (unsigned)chosen;

			c->driver = D_POSTING;
			c->key_col = c->eq_col[i];
			c->key = c->eq_val[i];
			rc = cur_stmt(c, &c->q_post, "SELECT first_row, nrows, data, key, "
				      "last_row " POSTINGS_WHERE " AND key = ?4 ORDER BY seg");
			if (rc != SQLITE_OK)
				return rc;
			c->pst = c->q_post;
		} else {
			c->key_col = -1;
		}
	}
	c->eof = false;
	c->row = c->wlo;
	c->cur = c->cs;
	c->entered = UINT32_MAX;
	rc = advance(c, true);
	if (rc != SQLITE_OK)
		c->eof = true;
	return rc;
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
	struct vcur *c = (struct vcur *)cur;
	int rc = advance(c, false);

	if (rc != SQLITE_OK)
		c->eof = true;
	return rc;
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct vcur *)cur)->eof;
}

/* Value of column col at the current row: 1 with *v, 0 NULL, or < 0: -(SQLite rc). */
static int cur_value(struct vcur *c, unsigned col, int64_t *v)
{
	uint32_t r;
	int rc;

	if (c->driver != D_SCAN && (int)col == c->key_col) {
		*v = c->key;	/* the posting list's key: no decode */
		return 1;
	}
	if ((rc = chunk_load(c, c->cur)) != SQLITE_OK || (rc = col_get(c, col)) != SQLITE_OK)
		return -rc;
	r = (uint32_t)(c->row - c->t->dir[c->cur].first_row);
	if (is_null(c, col, r))
		return 0;
	*v = c->vals[col][r];
	return 1;
}

static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	int64_t v;
	int rc = cur_value((struct vcur *)cur, (unsigned)col, &v);

	if (rc < 0)
		return -rc;
	if (rc == 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, v);
	return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite_int64 *rowid)
{
	int64_t v = 0;
	int rc = cur_value((struct vcur *)cur, 0, &v);

	if (rc < 0)
		return -rc;
	*rowid = v;
	return SQLITE_OK;
}

static const sqlite3_module module = {
	.iVersion = 1,
	.xCreate = vt_create,
	.xConnect = vt_connect,
	.xBestIndex = vt_best_index,
	.xDisconnect = vt_disconnect,
	.xDestroy = vt_destroy,
	.xOpen = vt_open,
	.xClose = vt_close,
	.xFilter = vt_filter,
	.xNext = vt_next,
	.xEof = vt_eof,
	.xColumn = vt_column,
	.xRowid = vt_rowid,
};

int nx_sqlvtab_register(sqlite3 *db)
{
	return sqlite3_create_module_v2(db, NX_SQLVTAB_MODULE, &module, NULL, NULL);
}

#ifdef NX_SQLVTAB_EXT
/* The loadable extension's entry point (".load nx_columns" in the sqlite3 shell). */
__attribute__((visibility("default"))) int sqlite3_nxcolumns_init(sqlite3 *db, char **errmsg,
								   const sqlite3_api_routines *api)
{
	(void)errmsg;
	SQLITE_EXTENSION_INIT2(api);
	return nx_sqlvtab_register(db);
}
#endif

#ifndef NX_SQLVTAB_EXT
/* ---- the writer ---- */

#define POST_FLUSH (16u << 20)	/* bytes of posting lists kept before they are written */

struct plist {			/* the rows of one key since its last segment */
	int64_t key;
	uint64_t first_row, last_row;
	uint32_t n, seg, len, cap;
	uint8_t *buf;
};

struct pcol {			/* the posting lists of one key column */
	unsigned col;
	struct plist *l;
	uint32_t n, cap;
	uint32_t *slots;	/* open addressing: index + 1, 0 empty */
	uint32_t nslots, last;	/* last: index + 1 of the last key seen */
};

struct patch {
	uint64_t row;
	size_t seq;		/* the order they came in: the later wins */
	unsigned col;
	int64_t v;
	bool null;
};

struct nx_colstore {
	sqlite3 *db;
	char *table;
	unsigned ncols;
	int64_t *v[MAX_COLS];		/* the chunk being filled */
	uint8_t nulls[MAX_COLS][(CR + 7) / 8];
	uint32_t any_null;		/* bit c: column c has a NULL in it */
	uint32_t n;			/* its rows */
	uint64_t rows;			/* rows in the chunks written */
	int64_t last[MAX_COLS];		/* the previous value: what a NULL is stored as */
	bool have_last;
	struct pcol pc[MAX_COLS];
	unsigned npc;
	size_t post_bytes;
	struct patch *patches;
	size_t npatches, patches_cap;
	uint8_t *enc;
	sqlite3_stmt *ins_chunk, *ins_post, *get_chunk, *upd_chunk;
};

static int ws_db_err(struct nx_colstore *w, const char *what, struct nx_err *err)
{
	return nx_err_set(err, -EIO, "sqlite: %s_%s: %s", w->table, what, sqlite3_errmsg(w->db));
}

static uint32_t key_hash(int64_t k)
{
	uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32);
}

static struct plist *pcol_list(struct pcol *p, int64_t key)
{
	uint32_t mask, i;

	if (p->last && p->l[p->last - 1].key == key)
		return &p->l[p->last - 1];
	if ((p->n + 1) * 2 > p->nslots) {
		uint32_t ns = p->nslots ? p->nslots * 2 : 256;
		uint32_t *s = calloc(ns, sizeof(*s));

		if (!s)
			return NULL;
		for (uint32_t k = 0; k < p->n; k++) {
			i = key_hash(p->l[k].key) & (ns - 1);
			while (s[i])
				i = (i + 1) & (ns - 1);
			s[i] = k + 1;
		}
		free(p->slots);
		p->slots = s;
		p->nslots = ns;
	}
	mask = p->nslots - 1;
	for (i = key_hash(key) & mask; p->slots[i]; i = (i + 1) & mask)
		if (p->l[p->slots[i] - 1].key == key)
			return &p->l[(p->last = p->slots[i]) - 1];
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 64;
		struct plist *l = realloc(p->l, cap * sizeof(*l));

		if (!l)
			return NULL;
		p->l = l;
		p->cap = cap;
	}
	memset(&p->l[p->n], 0, sizeof(p->l[0]));
	p->l[p->n].key = key;
	p->slots[i] = ++p->n;
	p->last = p->n;
	return &p->l[p->n - 1];
}

static int plist_add(struct nx_colstore *w, struct plist *l, uint64_t row)
{
	uint8_t *e;

	if (l->len + NXR_VARINT_MAX + 4 > l->cap) {	/* + 4: the checksum */
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		uint8_t *b = realloc(l->buf, cap);

		if (!b)
			return -ENOMEM;
		l->buf = b;
		l->cap = cap;
	}
	if (l->n == 0)
		l->first_row = l->last_row = row;
	e = nxr_put_varint(l->buf + l->len, row - l->last_row);
	w->post_bytes += (size_t)(e - (l->buf + l->len));
	l->len = (uint32_t)(e - l->buf);
	l->last_row = row;
	l->n++;
	return 0;
}

static int postings_flush(struct nx_colstore *w, struct nx_err *err)
{
	for (unsigned k = 0; k < w->npc; k++) {
		struct pcol *p = &w->pc[k];

		for (uint32_t i = 0; i < p->n; i++) {
			struct plist *l = &p->l[i];
			sqlite3_stmt *s = w->ins_post;

			if (!l->n)
				continue;
			sqlite3_bind_int64(s, 1, p->col);
			sqlite3_bind_int64(s, 2, l->key);
			sqlite3_bind_int64(s, 3, l->seg);
			sqlite3_bind_int64(s, 4, (sqlite3_int64)l->first_row);
			sqlite3_bind_int64(s, 5, (sqlite3_int64)l->last_row);
			sqlite3_bind_int64(s, 6, l->n);
			/* plist_add leaves 4 bytes free after the varints: the checksum */
			nxr_put_le32(l->buf + l->len, seg_sum(p->col, l->key, l->first_row,
							      l->last_row, l->n, l->buf, l->len));
			sqlite3_bind_blob(s, 7, l->buf, (int)l->len + 4, SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_DONE) {
				sqlite3_reset(s);
				return ws_db_err(w, "postings", err);
			}
			sqlite3_reset(s);
			l->seg++;
			l->n = 0;
			l->len = 0;
		}
	}
	w->post_bytes = 0;
	return 0;
}

/* Encodes the n rows in w->v into w->enc; returns the length. */
static size_t chunk_encode(struct nx_colstore *w, uint32_t n)
{
	uint8_t *b = w->enc, *sec = b + HDR_FIXED + HDR_COL * w->ncols;

	nxr_put_le32(b, MAGIC);
	nxr_put_le32(b + 4, n);
	nxr_put_le32(b + 8, w->ncols);
	for (unsigned c = 0; c < w->ncols; c++) {
		const int64_t *v = w->v[c];
		uint8_t *h = b + HDR_FIXED + HDR_COL * c, *u = sec;
		int64_t mn = v[0], mx = v[0], dmn = 0, dmx = 0;
		unsigned wf, wd, wid;
		bool delta, nulls = (w->any_null >> c) & 1;

		for (uint32_t i = 1; i < n; i++) {
			int64_t d = (int64_t)((uint64_t)v[i] - (uint64_t)v[i - 1]);

			mn = v[i] < mn ? v[i] : mn;
			mx = v[i] > mx ? v[i] : mx;
			if (i == 1 || d < dmn)
				dmn = d;
			if (i == 1 || d > dmx)
				dmx = d;
		}
		wf = width_of((uint64_t)mx - (uint64_t)mn);
		wd = n > 1 ? width_of((uint64_t)dmx - (uint64_t)dmn) : 0;
		delta = wd < wf;
		wid = delta ? wd : wf;
		if (nulls) {
			memcpy(u, w->nulls[c], (n + 7) / 8);
			u += (n + 7) / 8;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t x = delta ? (i ? (uint64_t)v[i] - (uint64_t)v[i - 1] -
						      (uint64_t)dmn : 0)
					   : (uint64_t)v[i] - (uint64_t)mn;

			switch (wid) {
			case 0: break;
			case 1: u[i] = (uint8_t)x; break;
			case 2: nxr_put_le16(u + 2 * i, (uint16_t)x); break;
			case 4: nxr_put_le32(u + 4 * i, (uint32_t)x); break;
			default: nxr_put_le64(u + 8 * i, x); break;
			}
		}
		u += (size_t)n * wid;
		memset(h, 0, HDR_COL);
		h[0] = delta;
		h[1] = (uint8_t)wid;
		h[2] = nulls;
		nxr_put_le32(h + 4, (uint32_t)(u - sec));
		nxr_put_le64(h + 8, (uint64_t)(delta ? v[0] : mn));
		nxr_put_le64(h + 16, (uint64_t)dmn);
		nxr_put_le32(h + 24, nxr_crc32c(nxr_crc32c(0, h, 24), sec, (size_t)(u - sec)));
		sec = u;
	}
	return (size_t)(sec - b);
}

static int chunk_flush(struct nx_colstore *w, struct nx_err *err)
{
	sqlite3_stmt *s = w->ins_chunk;
	size_t len;
	int64_t mn, mx;
	bool sorted = true;

	if (!w->n)
		return 0;
	len = chunk_encode(w, w->n);
	mn = mx = w->v[1][0];
	for (uint32_t i = 1; i < w->n; i++) {
		mn = w->v[1][i] < mn ? w->v[1][i] : mn;
		mx = w->v[1][i] > mx ? w->v[1][i] : mx;
		sorted &= w->v[1][i] >= w->v[1][i - 1];
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)(w->rows / CR));
	sqlite3_bind_int64(s, 2, (sqlite3_int64)w->rows);
	sqlite3_bind_int64(s, 3, w->n);
	sqlite3_bind_int64(s, 4, w->v[0][0]);
	sqlite3_bind_int64(s, 5, w->v[0][w->n - 1]);
	sqlite3_bind_int64(s, 6, mn);
	sqlite3_bind_int64(s, 7, mx);
	sqlite3_bind_int64(s, 8, sorted);
	sqlite3_bind_blob(s, 9, w->enc, (int)len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return ws_db_err(w, "chunks", err);
	}
	sqlite3_reset(s);
	w->rows += w->n;
	w->n = 0;
	for (unsigned c = 0; c < w->ncols; c++)
		if ((w->any_null >> c) & 1)
			memset(w->nulls[c], 0, sizeof(w->nulls[c]));
	w->any_null = 0;
	return 0;
}

struct nx_colstore *nx_colstore_new(sqlite3 *db, const char *table, unsigned ncols,
				    uint32_t key_cols, struct nx_err *err)
{
	struct nx_colstore *w = calloc(1, sizeof(*w));
	char *sql = NULL;

	if (!w) {
		nx_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (ncols < 2 || ncols > MAX_COLS || (key_cols & 3)) {
		nx_err_set(err, -EINVAL, "%s: %u columns, keys 0x%x: 2 to %d columns, keys from "
			   "column 2 on", table, ncols, key_cols, MAX_COLS);
		goto fail;
	}
	w->db = db;
	w->ncols = ncols;
	w->table = strdup(table);
	w->enc = malloc(HDR_FIXED + HDR_COL * ncols + (size_t)ncols * (CR * 8 + (CR + 7) / 8));
	if (!w->table || !w->enc)
		goto oom;
	for (unsigned c = 0; c < ncols; c++) {
		w->v[c] = malloc(CR * sizeof(int64_t));
		if (!w->v[c])
			goto oom;
		if ((key_cols >> c) & 1)
			w->pc[w->npc++].col = c;
	}
#define PREP(stmt, ...)                                                                     \
	do {                                                                                \
		sql = sqlite3_mprintf(__VA_ARGS__);                                         \
		if (!sql)                                                                   \
			goto oom;                                                           \
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &w->stmt,    \
				       NULL) != SQLITE_OK) {                                \
			nx_err_set(err, -EIO, "sqlite: %s: %s", sql, sqlite3_errmsg(db));   \
			goto fail;                                                          \
		}                                                                           \
		sqlite3_free(sql);                                                          \
		sql = NULL;                                                                 \
	} while (0)
	PREP(ins_chunk, "INSERT INTO \"%w_chunks\" VALUES (?,?,?,?,?,?,?,?,?)", table);
	PREP(ins_post, "INSERT INTO \"%w_postings\" VALUES (?,?,?,?,?,?,?)", table);
	PREP(get_chunk, "SELECT data FROM \"%w_chunks\" WHERE id = ?", table);
	PREP(upd_chunk, "UPDATE \"%w_chunks\" SET data = ?2 WHERE id = ?1", table);
#undef PREP
	return w;
oom:
	nx_err_set(err, -ENOMEM, "out of memory");
fail:
	sqlite3_free(sql);
	nx_colstore_free(w);
	return NULL;
}

int nx_colstore_append(struct nx_colstore *w, const int64_t *v, uint32_t nulls, uint64_t *row,
		       struct nx_err *err)
{
	uint64_t r = w->rows + w->n;
	int rc;

	if ((nulls & 3) || (w->have_last && v[0] <= w->last[0]))
		return nx_err_set(err, -EINVAL, "%s: row %" PRIu64 ": column 0 must increase and "
				  "0 and 1 cannot be NULL", w->table, r);
	for (unsigned c = 0; c < w->ncols; c++) {
		if ((nulls >> c) & 1) {
			w->v[c][w->n] = w->have_last ? w->last[c] : 0;
			w->nulls[c][w->n >> 3] |= (uint8_t)(1u << (w->n & 7));
			w->any_null |= 1u << c;
		} else {
			w->v[c][w->n] = w->last[c] = v[c];
		}
	}
	w->have_last = true;
	for (unsigned k = 0; k < w->npc; k++) {
		struct plist *l;

		/* a key-order walk (ORDER BY, GROUP BY a key) yields the listed rows
		 * only: a key column holds no NULL */
		if ((nulls >> w->pc[k].col) & 1)
			return nx_err_set(err, -EINVAL, "%s: NULL in key column %u", w->table,
					  w->pc[k].col);
		l = pcol_list(&w->pc[k], v[w->pc[k].col]);
		if (!l || plist_add(w, l, r) < 0)
			return nx_err_set(err, -ENOMEM, "out of memory");
	}
	if (row)
		*row = r;
	if (++w->n == CR && (rc = chunk_flush(w, err)) < 0)
		return rc;
	if (w->post_bytes > POST_FLUSH && (rc = postings_flush(w, err)) < 0)
		return rc;
	return 0;
}

static void set_value(struct nx_colstore *w, uint32_t i, unsigned col, int64_t v, bool null)
{
	uint8_t bit = (uint8_t)(1u << (i & 7));

	if (null) {
		w->nulls[col][i >> 3] |= bit;
		w->any_null |= 1u << col;
	} else {
		w->nulls[col][i >> 3] &= (uint8_t)~bit;
		w->v[col][i] = v;
	}
}

int nx_colstore_patch(struct nx_colstore *w, uint64_t row, unsigned col, int64_t v, bool null,
		      struct nx_err *err)
{
	if (col < 2 || col >= w->ncols || row >= w->rows + w->n) {
		return nx_err_set(err, -EINVAL, "%s: cannot patch row %" PRIu64 " column %u",
				  w->table, row, col);
	}
	for (unsigned k = 0; k < w->npc; k++)
		if (w->pc[k].col == col)
			return nx_err_set(err, -EINVAL, "%s: column %u is a key", w->table, col);
	if (row >= w->rows) {
		set_value(w, (uint32_t)(row - w->rows), col, v, null);
		return 0;
	}
	/* in a chunk already written: rewritten at the end */
	if (w->npatches == w->patches_cap) {
		size_t cap = w->patches_cap ? w->patches_cap * 2 : 64;
		struct patch *p = realloc(w->patches, cap * sizeof(*p));

		if (!p)
			return nx_err_set(err, -ENOMEM, "out of memory");
		w->patches = p;
		w->patches_cap = cap;
	}
	w->patches[w->npatches] = (struct patch){ row, w->npatches, col, v, null };
	w->npatches++;
	return 0;
}

static int patch_cmp(const void *a, const void *b)
{
	const struct patch *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Rewrites the written chunks that patches touch (w->v is free: the last chunk is out). */
static int apply_patches(struct nx_colstore *w, struct nx_err *err)
{
	struct colhdr h[MAX_COLS];
	size_t i = 0;

	if (w->npatches)
		qsort(w->patches, w->npatches, sizeof(*w->patches), patch_cmp);
	while (i < w->npatches) {
		uint64_t ci = w->patches[i].row / CR;
		const uint8_t *b;
		uint32_t n;
		int len;
		size_t elen;

		sqlite3_bind_int64(w->get_chunk, 1, (sqlite3_int64)ci);
		if (sqlite3_step(w->get_chunk) != SQLITE_ROW) {
			sqlite3_reset(w->get_chunk);
			return ws_db_err(w, "chunks", err);
		}
		b = sqlite3_column_blob(w->get_chunk, 0);
		len = sqlite3_column_bytes(w->get_chunk, 0);
		if (!b || chunk_parse(b, (size_t)len, w->ncols, &n, h) < 0) {
			sqlite3_reset(w->get_chunk);
			return nx_err_set(err, -EBADMSG, "%s: chunk %" PRIu64 " unreadable",
					  w->table, ci);
		}
		w->any_null = 0;
		for (unsigned c = 0; c < w->ncols; c++) {
			col_decode(&h[c], n, b + h[c].off, w->v[c], w->nulls[c]);
			if (h[c].has_nulls)
				w->any_null |= 1u << c;
		}
		sqlite3_reset(w->get_chunk);
		for (; i < w->npatches && w->patches[i].row / CR == ci; i++) {
			const struct patch *p = &w->patches[i];

			set_value(w, (uint32_t)(p->row % CR), p->col, p->v, p->null);
		}
		elen = chunk_encode(w, n);
		sqlite3_bind_int64(w->upd_chunk, 1, (sqlite3_int64)ci);
		sqlite3_bind_blob(w->upd_chunk, 2, w->enc, (int)elen, SQLITE_STATIC);
		if (sqlite3_step(w->upd_chunk) != SQLITE_DONE) {
			sqlite3_reset(w->upd_chunk);
			return ws_db_err(w, "chunks", err);
		}
		sqlite3_reset(w->upd_chunk);
		for (unsigned c = 0; c < w->ncols; c++)
			memset(w->nulls[c], 0, sizeof(w->nulls[c]));
	}
	w->any_null = 0;
	w->npatches = 0;
	return 0;
}

int nx_colstore_finish(struct nx_colstore *w, struct nx_err *err)
{
	int rc = chunk_flush(w, err);

	rc = rc ?: postings_flush(w, err);
	rc = rc ?: apply_patches(w, err);
	return rc;
}

void nx_colstore_free(struct nx_colstore *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->ins_chunk);
	sqlite3_finalize(w->ins_post);
	sqlite3_finalize(w->get_chunk);
	sqlite3_finalize(w->upd_chunk);
	for (unsigned c = 0; c < MAX_COLS; c++)
		free(w->v[c]);
	for (unsigned k = 0; k < w->npc; k++) {
		for (uint32_t i = 0; i < w->pc[k].n; i++)
			free(w->pc[k].l[i].buf);
		free(w->pc[k].l);
		free(w->pc[k].slots);
	}
	free(w->patches);
	free(w->enc);
	free(w->table);
	free(w);
}
#endif /* NX_SQLVTAB_EXT */
