/* tests/unit/test_payjoin.c: payloads held per thread until their syscall, orphans never lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/payjoin.h"

/* Linked with -Wl,--wrap=realloc: fail_realloc makes every realloc fail. */
void *__wrap_realloc(void *p, size_t n);
void *__real_realloc(void *p, size_t n);
static bool fail_realloc;

void *__wrap_realloc(void *p, size_t n)
{
	return fail_realloc ? NULL : __real_realloc(p, n);
}

static struct nxr_event pay(uint32_t tid, uint64_t ts, uint32_t arg, const char *data)
{
	struct nxr_event e = { .kind = NX_KIND_PAYLOAD, .pid = tid, .tid = tid, .ts_ns = ts };

	e.payload.arg = arg;
	e.payload.type = NX_PAYLOAD_PATH;
	e.payload.data.ptr = data;
	e.payload.data.len = (uint32_t)strlen(data);
	return e;
}

static struct nxr_event sys(uint32_t tid, uint64_t ts)
{
	struct nxr_event e = { .kind = NX_KIND_SYSCALL, .pid = tid, .tid = tid, .ts_ns = ts };

	return e;
}

static void add(struct nx_payjoin *j, struct nxr_event e)
{
	struct nx_err err = { 0 };

	assert_int_equal(nx_payjoin_add(j, &e, &err), 0);
}

static void test_payloads_join_their_syscall(void **state)
{
	struct nx_payjoin *j = nx_payjoin_new();
	struct nxr_event s = sys(5, 100);
	const struct nx_payset *set;
	char buf[8] = "old";
	uint32_t n;

	(void)state;
	assert_non_null(j);
	add(j, pay(5, 100, 1, buf));
	strcpy(buf, "XYZ");			/* the join keeps its own copy */
	add(j, pay(6, 50, 2, "other"));
	add(j, pay(5, 100, 2, "new"));
	set = nx_payjoin_take(j, &s);
	assert_int_equal(set->n, 2);
	assert_memory_equal(set->ev[0].payload.data.ptr, "old", 3);
	assert_int_equal(set->ev[1].payload.arg, 2);
	assert_non_null(nx_payset_find(set, 2, NX_PAYLOAD_PATH));
	assert_null(nx_payset_find(set, 3, NX_PAYLOAD_PATH));
	assert_null(nx_payset_find(set, 2, NX_PAYLOAD_BUF));
	nx_payjoin_orphans(j, &n);
	assert_int_equal(n, 0);
	s = sys(5, 200);			/* nothing pending for it */
	assert_int_equal(nx_payjoin_take(j, &s)->n, 0);
	nx_payjoin_free(j);
}

static void test_unmatched_payloads_become_orphans(void **state)
{
	struct nx_payjoin *j = nx_payjoin_new();
	const struct nxr_event *o;
	struct nxr_event s;
	uint32_t n;

	(void)state;
	add(j, pay(7, 1, 1, "lost-syscall"));
	add(j, pay(7, 2, 1, "next"));		/* another syscall of the thread: 1 is orphaned */
	o = nx_payjoin_orphans(j, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(o[0].payload.data.ptr, "lost-syscall", 12);
	s = sys(7, 3);				/* the syscall after: "next" had none */
	assert_int_equal(nx_payjoin_take(j, &s)->n, 0);
	o = nx_payjoin_orphans(j, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(o[0].payload.data.ptr, "next", 4);
	for (uint32_t i = 0; i < NX_PAYSET_MAX + 1; i++)	/* one more than a set holds */
		add(j, pay(8, 9, i + 1, "p"));
	add(j, pay(9, 9, 1, "end"));
	o = nx_payjoin_orphans(j, &n);
	assert_int_equal(n, 1);
	assert_int_equal(o[0].payload.arg, NX_PAYSET_MAX + 1);
	nx_payjoin_finish(j);			/* the end of the stream */
	o = nx_payjoin_orphans(j, &n);
	assert_int_equal(n, NX_PAYSET_MAX + 1);
	o = nx_payjoin_orphans(j, &n);
	assert_int_equal(n, 0);
	nx_payjoin_free(j);
	nx_payjoin_free(NULL);
}

/* Orphaning needs memory; when there is none, take and finish cannot return
 * an error, so what they had to drop is counted for the caller to report. */
static void test_payloads_dropped_for_memory_are_counted(void **state)
{
	struct nx_payjoin *j = nx_payjoin_new();
	struct nxr_event s = sys(7, 5);
	uint32_t n;

	(void)state;
	add(j, pay(7, 1, 1, "a"));
	add(j, pay(7, 1, 2, "b"));
	add(j, pay(8, 1, 1, "c"));
	assert_int_equal(nx_payjoin_lost(j), 0);
	fail_realloc = true;
	assert_int_equal(nx_payjoin_take(j, &s)->n, 0);	/* ts differs: both orphaned */
	assert_int_equal(nx_payjoin_lost(j), 2);
	nx_payjoin_finish(j);
	fail_realloc = false;
	assert_int_equal(nx_payjoin_lost(j), 3);
	nx_payjoin_orphans(j, &n);
	assert_int_equal(n, 0);
	nx_payjoin_free(j);
	assert_int_equal(nx_payjoin_lost(NULL), 0);
}

/* An iovec payload's entries: heads and bytes in order; a damaged tail (a
 * head cut short, bytes past the data) ends the walk inside the data. */
static void test_iovec_entries(void **state)
{
	static const char d[] = "\x02\0\0\0\x02\0\0\0ab"	/* iov_len 2, "ab" */
				"\0\0\0\0\0\0\0\0"		/* an empty one */
				"\xff\xff\xff\xff\x05\0\0\0xyz";	/* 5 bytes claimed, 3 there */
	struct nxr_str data = { d, sizeof(d) - 1 };
	struct nx_iov_entry e;
	uint32_t pos = 0;

	(void)state;
	assert_true(nx_iov_next(data, &pos, &e));
	assert_int_equal(e.iov_len, 2);
	assert_int_equal(e.n, 2);
	assert_memory_equal(e.bytes, "ab", 2);
	assert_true(nx_iov_next(data, &pos, &e));
	assert_int_equal(e.iov_len, 0);
	assert_int_equal(e.n, 0);
	assert_true(nx_iov_next(data, &pos, &e));
	assert_int_equal(e.iov_len, 0xffffffffu);
	assert_int_equal(e.n, 3);			/* cut to the data */
	assert_memory_equal(e.bytes, "xyz", 3);
	assert_int_equal(pos, data.len);
	assert_false(nx_iov_next(data, &pos, &e));
	data.len = 7;					/* a head cut short */
	pos = 0;
	assert_false(nx_iov_next(data, &pos, &e));
	pos = 100;					/* past the end */
	assert_false(nx_iov_next(data, &pos, &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payloads_join_their_syscall),
		cmocka_unit_test(test_unmatched_payloads_become_orphans),
		cmocka_unit_test(test_payloads_dropped_for_memory_are_counted),
		cmocka_unit_test(test_iovec_entries),
	};

	return cmocka_run_group_tests_name("payjoin", tests, NULL, NULL);
}
