/*
 * tests/unit/test_sqlvtab.c: the nx_columns virtual table against the same
 * rows in a native table: every constraint path (posting lists, id and time
 * ranges, rowid lookups, IN, the key-order walk, values of other types) must
 * return exactly the rows SQLite's own table returns for the same query, on
 * a store of several chunks with NULLs, patched rows, keys spread over every
 * chunk and gaps in the ids; a damaged store must give an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/sqlvtab.h"
#include "format/bytes.h"
#include "format/crc.h"

#define NROWS (3 * NX_COLSTORE_CHUNK + 123)	/* three full chunks and a short one */
#define NCOLS 6				/* id, ts, pid, tid, nr, ret */

struct ctx {
	char path[64];
	sqlite3 *h;
	int64_t rows[NROWS][NCOLS];
	bool ret_null[NROWS];
};

static const char *const cols = "id INTEGER, ts INTEGER, pid INTEGER, tid INTEGER, nr INTEGER, "
				"ret INTEGER";

static void exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/*
 * Row i: id 10 + 3i (gaps: a missing id between two rows), ts nearly in
 * order (every 7th row 150 ns early, before the previous row), pid one of 5
 * (every chunk holds each), tid pid * 10 + i % 3, nr i % 11, ret i - 1000,
 * NULL every 13th row. Rows
 * 5 and 3 * CHUNK + 7 are written with ret NULL and patched after: the first
 * once its chunk was written (rewritten at the end), the second in place.
 */
static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct nx_err err = { 0 };
	struct nx_colstore *w;
	sqlite3_stmt *ins;
	char sql[256];
	uint64_t row;

	if (!c)
		return -1;
	*state = c;
	snprintf(c->path, sizeof(c->path), "/tmp/test_sqlvtab.XXXXXX");
	if (mkstemp(c->path) < 0)
		return -1;
	if (sqlite3_open(c->path, &c->h) != SQLITE_OK || nx_sqlvtab_register(c->h) != SQLITE_OK)
		return -1;
	snprintf(sql, sizeof(sql), "CREATE VIRTUAL TABLE t USING nx_columns(%s); "
		 "CREATE TABLE ref(id INTEGER PRIMARY KEY, %s); BEGIN", cols,
		 strchr(cols, ',') + 2);
	exec(c->h, sql);
	w = nx_colstore_new(c->h, "t", NCOLS, 1u << 2 | 1u << 3 | 1u << 4, &err);
	assert_non_null(w);
	assert_int_equal(sqlite3_prepare_v2(c->h, "INSERT INTO ref VALUES (?,?,?,?,?,?)", -1, &ins,
					    NULL), SQLITE_OK);
	for (int i = 0; i < NROWS; i++) {
		int64_t *r = c->rows[i];
		bool patched = i == 5 || i == 3 * NX_COLSTORE_CHUNK + 7;

		r[0] = 10 + 3 * i;
		r[1] = 1000000 + 100 * i - (i % 7 == 0 ? 150 : 0);
		r[2] = 100 + i % 5;
		r[3] = r[2] * 10 + i % 3;
		r[4] = i % 11;
		r[5] = i - 1000;
		c->ret_null[i] = i % 13 == 0;
		assert_int_equal(nx_colstore_append(w, r, (c->ret_null[i] || patched) ? 1u << 5 : 0,
						    &row, &err), 0);
		assert_int_equal(row, (uint64_t)i);
		if (i == 3 * NX_COLSTORE_CHUNK + 9)
			assert_int_equal(nx_colstore_patch(w, 3 * NX_COLSTORE_CHUNK + 7, 5,
							   r[5] - 2, false, &err), 0);
		for (int k = 0; k < NCOLS; k++)
			if (k == 5 && c->ret_null[i])
				sqlite3_bind_null(ins, k + 1);
			else
				sqlite3_bind_int64(ins, k + 1, r[k]);
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	c->rows[3 * NX_COLSTORE_CHUNK + 7][5] = c->rows[3 * NX_COLSTORE_CHUNK + 9][5] - 2;
	assert_int_equal(nx_colstore_patch(w, 5, 5, -5, false, &err), 0);
	assert_int_equal(nx_colstore_patch(w, 5, 5, -7, false, &err), 0);	/* the later wins */
	c->rows[5][5] = -7;
	/* the key columns and the ordering columns cannot be patched */
	assert_int_equal(nx_colstore_patch(w, 5, 2, 1, false, &err), -EINVAL);
	assert_int_equal(nx_colstore_patch(w, 5, 1, 1, false, &err), -EINVAL);
	assert_int_equal(nx_colstore_finish(w, &err), 0);
	nx_colstore_free(w);
	sqlite3_finalize(ins);
	snprintf(sql, sizeof(sql), "UPDATE ref SET ret = %" PRId64 " WHERE id = %" PRId64 "; "
		 "UPDATE ref SET ret = -7 WHERE id = %" PRId64 "; COMMIT",
		 c->rows[3 * NX_COLSTORE_CHUNK + 7][5], c->rows[3 * NX_COLSTORE_CHUNK + 7][0],
		 c->rows[5][0]);
	exec(c->h, sql);
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	if (!c)
		return 0;
	sqlite3_close(c->h);
	unlink(c->path);
	free(c);
	return 0;
}

/* Every row of sql, one line each, columns by spaces; NULL as "N". */
static char *rows_of(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s = NULL;
	sqlite3_str *o = sqlite3_str_new(h);
	int rc;

	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int k = 0; k < sqlite3_column_count(s); k++)
			sqlite3_str_appendf(o, "%s%s", k ? " " : "",
					    sqlite3_column_type(s, k) == SQLITE_NULL
						    ? "N"
						    : (const char *)sqlite3_column_text(s, k));
		sqlite3_str_appendchar(o, 1, '\n');
	}
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_finalize(s);
	return sqlite3_str_finish(o);
}

/* sql with "%s" for the table: the virtual table's rows equal ref's, in the same order. */
static int same_rows(struct ctx *c, const char *fmt)
{
	char a[1024], b[1024];
	char *x, *y;
	int n = 0;

	snprintf(a, sizeof(a), fmt, "t", "t");
	snprintf(b, sizeof(b), fmt, "ref", "ref");
	x = rows_of(c->h, a);
	y = rows_of(c->h, b);
	if (strcmp(x ? x : "", y ? y : "") != 0)	/* NULL: no row */
		fail_msg("%s:\nvtab:\n%.2000s\nref:\n%.2000s", a, x ? x : "", y ? y : "");
	for (const char *p = x; p && *p; p++)
		n += *p == '\n';
	sqlite3_free(x);
	sqlite3_free(y);
	return n;
}

static bool plan_has(struct ctx *c, const char *sql, const char *what)
{
	char eqp[1024];
	char *p;
	bool has;

	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", sql);
	p = rows_of(c->h, eqp);
	has = p && strstr(p, what);
	sqlite3_free(p);
	return has;
}

static void test_every_constraint_path_matches_the_native_table(void **state)
{
	struct ctx *c = *state;
	int64_t edge = c->rows[NX_COLSTORE_CHUNK][0];	/* first id of chunk 1 */
	char q[512];

	assert_int_equal(same_rows(c, "SELECT * FROM %s ORDER BY id"), NROWS);
	/* posting lists: each pid is in every chunk; several keys; absent key */
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE pid = 102 ORDER BY id"),
			 NROWS / 5 + (NROWS % 5 > 2));
	assert_true(plan_has(c, "SELECT * FROM t WHERE pid = 102", "pid="));
	same_rows(c, "SELECT * FROM %s WHERE tid = 1011 ORDER BY id");
	same_rows(c, "SELECT * FROM %s WHERE pid = 103 AND nr = 4 ORDER BY id");
	same_rows(c, "SELECT * FROM %s WHERE nr = 10 AND tid = 1002 ORDER BY id");
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE pid = 99"), 0);
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE pid = 102 AND pid = 103"), 0);
	same_rows(c, "SELECT * FROM %s WHERE pid IN (101, 104, 99) ORDER BY id");
	same_rows(c, "SELECT * FROM %s WHERE nr IN (3, 3, 7) ORDER BY nr, id");
	/* rowid and id lookups: present, in a gap, out of range, IN */
	snprintf(q, sizeof(q), "SELECT * FROM %%s WHERE id = %" PRId64, edge);
	assert_int_equal(same_rows(c, q), 1);
	assert_true(plan_has(c, "SELECT * FROM t WHERE id = 13", "id="));
	snprintf(q, sizeof(q), "SELECT * FROM %%s WHERE rowid = %" PRId64, edge - 1);
	assert_int_equal(same_rows(c, q), 0);
	assert_int_equal(same_rows(c, "SELECT rowid, * FROM %s WHERE rowid = 13"), 1);
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE id = 7"), 0);
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE id = 99999999"), 0);
	same_rows(c, "SELECT * FROM %s WHERE rowid IN (10, 11, 13, 12301, 36898) ORDER BY id");
	/* id ranges at a chunk's edges, both sides, every operator */
	const char *ops[] = { ">", ">=", "<", "<=" };

	for (int d = -3; d <= 3; d += 3)
		for (int o = 0; o < 4; o++) {
			snprintf(q, sizeof(q), "SELECT id, ret FROM %%s WHERE id %s %" PRId64
				 " AND pid = 101 ORDER BY id", ops[o], edge + d);
			same_rows(c, q);
			snprintf(q, sizeof(q), "SELECT count(*), sum(ret) FROM %%s WHERE id %s %"
				 PRId64, ops[o], edge + d);
			same_rows(c, q);
		}
	snprintf(q, sizeof(q), "SELECT * FROM %%s WHERE id BETWEEN %" PRId64 " AND %" PRId64
		 " ORDER BY id", edge - 6, edge + 6);
	assert_int_equal(same_rows(c, q), 5);
	/* time: ranges (rows slightly out of order), equality, beyond the ends */
	same_rows(c, "SELECT * FROM %s WHERE ts BETWEEN 1409550 AND 1409950 ORDER BY id");
	assert_true(plan_has(c, "SELECT * FROM t WHERE ts BETWEEN 1 AND 2", "ts>=,ts<="));
	same_rows(c, "SELECT * FROM %s WHERE ts = 1409950 ORDER BY id");
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE ts = 1410050"), 1); /* a late row */
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE ts > 9000000"), 0);
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE ts < 0"), 0);
	same_rows(c, "SELECT * FROM %s WHERE ts >= 1409650 AND pid = 104 AND id < 12500 "
		     "ORDER BY id");
	/* NULLs: not indexed, found by scans */
	same_rows(c, "SELECT id FROM %s WHERE ret IS NULL ORDER BY id");
	same_rows(c, "SELECT id, ret FROM %s WHERE id IN (25, 9247, 10, 49) ORDER BY id");
	/* values of other types: SQLite's comparison rules, not ours */
	same_rows(c, "SELECT id FROM %s WHERE pid = 102.0 ORDER BY id");
	assert_int_equal(same_rows(c, "SELECT id FROM %s WHERE pid = 102.5"), 0);
	same_rows(c, "SELECT id FROM %s WHERE pid = '102' ORDER BY id");
	assert_int_equal(same_rows(c, "SELECT id FROM %s WHERE pid = NULL"), 0);
	same_rows(c, "SELECT id FROM %s WHERE id > 12288.5 AND id <= 12300.0 ORDER BY id");
	same_rows(c, "SELECT id FROM %s WHERE id > -9.3e18 AND id < 1e19 AND pid = 100 "
		     "ORDER BY id");
	assert_int_equal(same_rows(c, "SELECT id FROM %s WHERE id > 9223372036854775807"), 0);
	assert_int_equal(same_rows(c, "SELECT id FROM %s WHERE id < -9223372036854775808"), 0);
	/* order: rowid order consumed, key order walked, DESC sorted by SQLite */
	same_rows(c, "SELECT nr, count(*), sum(ret) FROM %s GROUP BY nr");
	/* the key walk with an equality on another key column to check per row */
	same_rows(c, "SELECT nr, count(*), sum(id) FROM %s WHERE pid = 101 GROUP BY nr");
	same_rows(c, "SELECT tid, count(*) FROM %s WHERE nr = 5 AND ts > 1500000 GROUP BY tid");
	assert_true(plan_has(c, "SELECT nr, count(*) FROM t GROUP BY nr", "ORDER BY nr"));
	same_rows(c, "SELECT pid, id FROM %s WHERE id < 200 ORDER BY pid, id");
	same_rows(c, "SELECT nr FROM %s ORDER BY nr");
	/* some rows are early: time order is SQLite's sort, not the row order */
	same_rows(c, "SELECT id, ts FROM %s ORDER BY ts");
	assert_true(plan_has(c, "SELECT id, ts FROM t ORDER BY ts", "TEMP B-TREE"));
	assert_false(plan_has(c, "SELECT id, ts FROM t ORDER BY id", "TEMP B-TREE"));
	same_rows(c, "SELECT * FROM %s ORDER BY id DESC LIMIT 20");
	same_rows(c, "SELECT * FROM %s WHERE pid = 100 ORDER BY rowid LIMIT 7 OFFSET 900");
	/* a join probing the table once per outer row */
	same_rows(c, "SELECT r.id, x.id FROM ref r JOIN %s x ON x.tid = r.tid AND x.ts = r.ts "
		     "WHERE r.id %% 97 = 1 ORDER BY r.id, x.id");
	same_rows(c, "SELECT count(*) FROM ref r JOIN %s x ON x.rowid = r.id + 3");
}

/* The posting lists and chunks as written: keys in every chunk, NULL bitmaps. */
static void test_store_layout(void **state)
{
	struct ctx *c = *state;
	char *s = rows_of(c->h, "SELECT id, first_row, nrows, first_id, last_id, ts_sorted "
				"FROM t_chunks");

	assert_string_equal(s, "0 0 4096 10 12295 0\n1 4096 4096 12298 24583 0\n"
			       "2 8192 4096 24586 36871 0\n3 12288 123 36874 37240 0\n");
	sqlite3_free(s);
	s = rows_of(c->h, "SELECT col, count(DISTINCT key), sum(nrows) FROM t_postings "
			  "GROUP BY col");
	assert_string_equal(s, "2 5 12411\n3 15 12411\n4 11 12411\n");
	sqlite3_free(s);
}

/* sql committed, query on a fresh connection fails with msg, then the store is restored. */
static void corrupt(struct ctx *c, const char *sql, const char *query, const char *msg)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	int rc;

	exec(c->h, "BEGIN; CREATE TEMP TABLE bc AS SELECT * FROM t_chunks; "
		   "CREATE TEMP TABLE bp AS SELECT * FROM t_postings");
	exec(c->h, sql);
	exec(c->h, "COMMIT");
	/* a fresh connection: the chunk directory is read once per connection */
	assert_int_equal(sqlite3_open(c->path, &h), SQLITE_OK);
	assert_int_equal(nx_sqlvtab_register(h), SQLITE_OK);
	rc = sqlite3_prepare_v2(h, query, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		sqlite3_finalize(s);
	}
	assert_int_not_equal(rc, SQLITE_DONE);
	if (!strstr(sqlite3_errmsg(h), msg))
		fail_msg("%s: %s: want \"%s\"", sql, sqlite3_errmsg(h), msg);
	sqlite3_close(h);
	exec(c->h, "BEGIN; DELETE FROM t_chunks; INSERT INTO t_chunks SELECT * FROM bc; "
		   "DELETE FROM t_postings; INSERT INTO t_postings SELECT * FROM bp; "
		   "DROP TABLE bc; DROP TABLE bp; COMMIT");
}

/* reseal(col, key, first_row, last_row, nrows, data): data with its
 * checksum made anew for those fields, so that a test can damage a posting
 * segment's fields and still get past its checksum (it is not a secret). */
static void reseal(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	int len = sqlite3_value_bytes(v[5]);
	const uint8_t *p = sqlite3_value_blob(v[5]);
	uint8_t h[40], *b;

	(void)argc;
	if (!p || len < 5) {
		sqlite3_result_error(ctx, "reseal: short data", -1);
		return;
	}
	b = sqlite3_malloc(len);
	if (!b) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	memcpy(b, p, len);
	for (int i = 0; i < 5; i++)
		nxr_put_le64(h + 8 * i, (uint64_t)sqlite3_value_int64(v[i]));
	nxr_put_le32(b + len - 4, nxr_crc32c(nxr_crc32c(0, h, sizeof(h)), b, len - 4));
	sqlite3_result_blob(ctx, b, len, sqlite3_free);
}

static void test_a_damaged_store_is_an_error(void **state)
{
	struct ctx *c = *state;

	/* a byte of a column section: its checksum */
	corrupt(c, "UPDATE t_chunks SET data = substr(data, 1, 600) || x'ff' || "
		   "substr(data, 602) WHERE id = 1", "SELECT sum(ts) FROM t",
		"chunk 1 is corrupt (column 1 checksum)");
	/* the header: a width that does not exist */
	corrupt(c, "UPDATE t_chunks SET data = substr(data, 1, 12 + 32 * 2 + 1) || x'03' || "
		   "substr(data, 12 + 32 * 2 + 3) WHERE id = 2", "SELECT count(pid) FROM t",
		"chunk 2 is corrupt (header)");
	/* a column header's base: the checksum covers the header too */
	corrupt(c, "UPDATE t_chunks SET data = substr(data, 1, 12 + 32 * 4 + 8) || x'01' || "
		   "substr(data, 12 + 32 * 4 + 10) WHERE id = 1", "SELECT sum(nr) FROM t",
		"chunk 1 is corrupt (column 4 checksum)");
	/* the directory and the rows disagree: the searches would trust it */
	corrupt(c, "UPDATE t_chunks SET first_id = first_id + 1 WHERE id = 1",
		"SELECT sum(id) FROM t", "chunk 1 is corrupt (column 0 disagrees");
	corrupt(c, "UPDATE t_chunks SET max_ts = max_ts - 1000 WHERE id = 2",
		"SELECT sum(ts) FROM t", "chunk 2 is corrupt (column 1 disagrees");
	/* truncated, not a BLOB, absent */
	corrupt(c, "UPDATE t_chunks SET data = substr(data, 1, 100) WHERE id = 0",
		"SELECT count(ts) FROM t", "chunk 0 is corrupt");
	corrupt(c, "UPDATE t_chunks SET data = NULL WHERE id = 3", "SELECT count(ts) FROM t",
		"chunk 3 is corrupt");
	corrupt(c, "DELETE FROM t_chunks WHERE id = 2", "SELECT count(*) FROM t",
		"chunk directory is corrupt");
	corrupt(c, "UPDATE t_chunks SET nrows = 0 WHERE id = 1", "SELECT count(*) FROM t",
		"chunk directory is corrupt");
	/* posting lists: garbage, a row beyond the table */
	corrupt(c, "UPDATE t_postings SET data = x'ffffffff' WHERE col = 2 AND key = 101",
		"SELECT count(*) FROM t WHERE pid = 101", "posting list");
	corrupt(c, "UPDATE t_postings SET data = x'00ffff7f' || substr(data, 5) WHERE col = 4 AND "
		   "key = 3", "SELECT count(*) FROM t WHERE nr = 3", "posting list");
	corrupt(c, "UPDATE t_postings SET nrows = nrows + 1 WHERE col = 3 AND key = 1011",
		"SELECT count(*) FROM t WHERE tid = 1011", "posting list");
	/* a count beyond the varints the BLOB holds, checksum made anew: refused
	 * before a row is read (a count above 2^32 with a directory that large
	 * once passed as its low 32 bits and overran the row buffer) */
	assert_int_equal(sqlite3_create_function(c->h, "reseal", 6, SQLITE_UTF8, NULL, reseal,
						 NULL, NULL), SQLITE_OK);
	corrupt(c, "UPDATE t_postings SET nrows = length(data), data = reseal(col, key, "
		   "first_row, last_row, length(data), data) WHERE col = 3 AND key = 1011",
		"SELECT count(*) FROM t WHERE tid = 1011", "posting list");
	/* and the table is whole again */
	assert_int_equal(same_rows(c, "SELECT * FROM %s WHERE pid = 101 ORDER BY id"), 2482);
}

static void test_without_the_module_no_such_module(void **state)
{
	struct ctx *c = *state;
	sqlite3 *h;
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_open_v2(c->path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM t", -1, &s, NULL),
			     SQLITE_OK);
	assert_string_equal(sqlite3_errmsg(h), "no such module: nx_columns");
	assert_null(s);
	sqlite3_close(h);
	/* and it cannot be written through */
	assert_int_not_equal(sqlite3_exec(c->h, "DELETE FROM t WHERE id = 10", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_non_null(strstr(sqlite3_errmsg(c->h), "may not be modified"));
}

static void test_writer_rejects_bad_rows(void **state)
{
	struct ctx *c = *state;
	struct nx_err err = { 0 };
	struct nx_colstore *w;
	int64_t v[NCOLS] = { 5, 1, 2, 3, 4, 5 };

	assert_null(nx_colstore_new(c->h, "t", 1, 0, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_null(nx_colstore_new(c->h, "t", NCOLS, 1u << 1, &err));
	assert_null(nx_colstore_new(c->h, "nosuch", NCOLS, 0, &err));
	assert_int_equal(err.code, -EIO);
	exec(c->h, "BEGIN");
	w = nx_colstore_new(c->h, "t", NCOLS, 1u << 2, &err);
	assert_non_null(w);
	assert_int_equal(nx_colstore_append(w, v, 0, NULL, &err), 0);
	assert_int_equal(nx_colstore_append(w, v, 0, NULL, &err), -EINVAL);	/* id again */
	v[0] = 6;
	assert_int_equal(nx_colstore_append(w, v, 1u << 1, NULL, &err), -EINVAL); /* NULL ts */
	/* a NULL key would be missing from a key-order walk (GROUP BY, ORDER BY) */
	assert_int_equal(nx_colstore_append(w, v, 1u << 2, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NULL in key column 2"));
	assert_int_equal(nx_colstore_patch(w, 1, 5, 0, false, &err), -EINVAL);	/* no row 1 */
	nx_colstore_free(w);
	exec(c->h, "ROLLBACK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_constraint_path_matches_the_native_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_damaged_store_is_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_without_the_module_no_such_module, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writer_rejects_bad_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
