/*
 * tests/fuzz/fuzz_sqlvtab.c: libFuzzer target for the nx_columns virtual
 * table reading a damaged store.
 *
 * A store of 5000 rows (two chunks, posting lists on pid and nr) is written
 * in memory, then damaged by the input: byte 0 picks how (0: the input's
 * rest replaces chunk 0's BLOB; 1: it is XORed onto chunk 0 from the offset
 * in bytes 1-2; 2: it replaces the posting list of pid 101; 3: XORed onto
 * that list), and queries read every column, by scan, by pid, by id and by
 * time. Each must end with SQLITE_DONE or SQLITE_CORRUPT, never read out of
 * bounds or crash. Violations trap.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "analyze/sqlvtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static sqlite3 *store(void)
{
	struct nx_colstore *w;
	sqlite3 *h = NULL;

	check(sqlite3_open(":memory:", &h) == SQLITE_OK);
	check(nx_sqlvtab_register(h) == SQLITE_OK);
	check(sqlite3_exec(h, "CREATE VIRTUAL TABLE t USING nx_columns(id INTEGER, ts INTEGER, "
			      "pid INTEGER, nr INTEGER, ret INTEGER); BEGIN",
			   NULL, NULL, NULL) == SQLITE_OK);
	w = nx_colstore_new(h, "t", 5, 1u << 2 | 1u << 3, NULL);
	check(w != NULL);
	for (int64_t i = 0; i < 5000; i++) {
		int64_t v[5] = { 7 + 2 * i, 1000 + 10 * i - (i % 5 == 0 ? 15 : 0), 100 + i % 3,
				 i % 17, i * 0x10001 - 77 };

		check(nx_colstore_append(w, v, i % 11 == 0 ? 1u << 4 : 0, NULL, NULL) == 0);
	}
	check(nx_colstore_finish(w, NULL) == 0);
	nx_colstore_free(w);
	check(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	return h;
}

/* Damages what byte 0 says with the rest of the input. */
static void damage(sqlite3 *h, const uint8_t *data, size_t size)
{
	static const char *const get[2] = {
		"SELECT data FROM t_chunks WHERE id = 0",
		"SELECT data FROM t_postings WHERE col = 2 AND key = 101",
	};
	static const char *const put[2] = {
		"UPDATE t_chunks SET data = ? WHERE id = 0",
		"UPDATE t_postings SET data = ? WHERE col = 2 AND key = 101",
	};
	int what = data[0] & 3, which = what >> 1;
	uint8_t *b = NULL;
	size_t len = 0;
	sqlite3_stmt *s;

	data++;
	size--;
	if (what & 1) {		/* XOR onto the original at an offset */
		size_t off = size >= 2 ? (size_t)(data[0] | data[1] << 8) : 0;

		check(sqlite3_prepare_v2(h, get[which], -1, &s, NULL) == SQLITE_OK);
		check(sqlite3_step(s) == SQLITE_ROW);
		len = (size_t)sqlite3_column_bytes(s, 0);
		b = malloc(len + 1);
		check(b != NULL);
		memcpy(b, sqlite3_column_blob(s, 0), len);
		sqlite3_finalize(s);
		for (size_t i = 2; i < size && len; i++)
			b[(off + i - 2) % len] ^= data[i];
	} else {
		b = malloc(size + 1);
		check(b != NULL);
		memcpy(b, data, size);
		len = size;
	}
	check(sqlite3_prepare_v2(h, put[which], -1, &s, NULL) == SQLITE_OK);
	sqlite3_bind_blob(s, 1, b, (int)len, SQLITE_STATIC);
	check(sqlite3_step(s) == SQLITE_DONE);
	sqlite3_finalize(s);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const queries[] = {
		"SELECT sum(id), sum(ts), sum(pid), sum(nr), count(ret), sum(ret) FROM t",
		"SELECT count(*), sum(ret), sum(ts) FROM t WHERE pid = 101",
		"SELECT nr, count(*) FROM t GROUP BY nr",
		"SELECT * FROM t WHERE id = 1001",
		"SELECT * FROM t WHERE ts BETWEEN 1500 AND 9000 ORDER BY id",
		"SELECT * FROM t WHERE pid IN (100, 101) AND nr = 3",
	};
	sqlite3 *h;

	if (size < 1 || size > 100000)
		return 0;
	h = store();
	damage(h, data, size);
	/* a second connection would read the same: the directory is per connection,
	 * the damage is in the chunks and lists themselves */
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		sqlite3_stmt *s = NULL;
		int rc;

		check(sqlite3_prepare_v2(h, queries[i], -1, &s, NULL) == SQLITE_OK);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			for (int c = 0; c < sqlite3_column_count(s); c++)
				(void)sqlite3_column_int64(s, c);
		check(rc == SQLITE_DONE || (rc & 0xff) == SQLITE_CORRUPT);
		sqlite3_finalize(s);
	}
	check(sqlite3_close(h) == SQLITE_OK);
	return 0;
}
