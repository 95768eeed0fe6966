/*
 * tests/unit/test_drain.c: ring-buffer records (the wire structs of
 * bpf/events.h) become events, and malformed records are refused, not
 * trusted (capture/drain.c: nx_drain_convert).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/types.h>
#include <string.h>

#include "capture/drain.h"

static int setup(void **state)
{
	*state = nx_batch_new(4, 64);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	nx_batch_free(*state);
	return 0;
}

static void test_syscall_record_becomes_an_event(void **state)
{
	struct nx_batch *b = *state;
	struct nx_wire_syscall w = { .hdr = { .kind = NX_KIND_SYSCALL, .len = sizeof(w), .pid = 10,
					      .tid = 11, .cpu = 1, .ts_ns = 12345 },
				     .arg1 = 1, .arg6 = 6, .ret = -2, .dur_ns = 99, .nr = 257,
				     .flags = NX_SYS_EXITED };
	struct nx_err err = { 0 };

	assert_int_equal(nx_drain_convert(&w, sizeof(w), b, &err), 1);
	assert_int_equal(b->n, 1);
	assert_int_equal(b->ev[0].kind, NX_KIND_SYSCALL);
	assert_int_equal(b->ev[0].pid, 10);
	assert_int_equal(b->ev[0].tid, 11);
	assert_int_equal(b->ev[0].ts_ns, 12345);
	assert_int_equal(b->ev[0].syscall.arg1, 1);
	assert_int_equal(b->ev[0].syscall.arg6, 6);
	assert_int_equal(b->ev[0].syscall.ret, -2);
	assert_int_equal(b->ev[0].syscall.dur_ns, 99);
	assert_int_equal(b->ev[0].syscall.nr, 257);
	assert_int_equal(b->ev[0].syscall.flags, NX_SYS_EXITED);
	assert_int_equal(b->first_ts, 12345);
}

/* An exec record: the fixed part, then comm and filename back to back. */
static size_t exec_record(unsigned char *buf, const char *comm, const char *file)
{
	struct nx_wire_exec w = { .hdr = { .kind = NX_KIND_EXEC, .pid = 7, .tid = 7 },
				  .ppid = 1, .uid = 1000, .gid = 100 };
	size_t n = sizeof(w);

	w.comm = strlen(comm);
	w.filename = strlen(file);
	w.hdr.len = sizeof(w) + w.comm + w.filename;
	memcpy(buf, &w, sizeof(w));
	memcpy(buf + n, comm, w.comm);
	memcpy(buf + n + w.comm, file, w.filename);
	return w.hdr.len;
}

static void test_exec_strings_are_copied(void **state)
{
	struct nx_batch *b = *state;
	unsigned char buf[256];
	size_t len = exec_record(buf, "ls", "/bin/ls");
	struct nx_err err = { 0 };

	assert_int_equal(nx_drain_convert(buf, len + 8 /* ring padding */, b, &err), 1);
	memset(buf, 'x', sizeof(buf));		/* the ring slot is reused */
	assert_int_equal(b->ev[0].exec.uid, 1000);
	assert_int_equal(b->ev[0].exec.comm.len, 2);
	assert_memory_equal(b->ev[0].exec.comm.ptr, "ls", 2);
	assert_int_equal(b->ev[0].exec.filename.len, 7);
	assert_memory_equal(b->ev[0].exec.filename.ptr, "/bin/ls", 7);
}

static void test_malformed_records_are_refused(void **state)
{
	struct nx_batch *b = *state;
	struct nx_wire_syscall w = { .hdr = { .kind = NX_KIND_SYSCALL, .len = sizeof(w) } };
	struct nx_wire_exec *e;
	unsigned char buf[256];
	struct nx_err err = { 0 };
	size_t len;

	assert_int_equal(nx_drain_convert(&w, 10, b, &err), -EBADMSG);	/* shorter than a header */
	w.hdr.len = sizeof(w) + 1;					/* longer than the ring gave */
	assert_int_equal(nx_drain_convert(&w, sizeof(w), b, &err), -EBADMSG);
	w.hdr.len = sizeof(struct nx_wire_hdr) + 8;			/* too short for its kind */
	assert_int_equal(nx_drain_convert(&w, sizeof(w), b, &err), -EBADMSG);
	w.hdr.len = sizeof(w);
	w.hdr.kind = 200;						/* unknown kind */
	assert_int_equal(nx_drain_convert(&w, sizeof(w), b, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "unknown kind 200"));
	len = exec_record(buf, "ls", "/bin/ls");
	e = (struct nx_wire_exec *)buf;
	e->filename = 200;						/* string past the record */
	assert_int_equal(nx_drain_convert(buf, len, b, &err), -EBADMSG);
	assert_int_equal(b->n, 0);
	assert_int_equal(b->arena_len, 0);				/* nothing half-taken */
}

static void test_full_batch_says_no_room(void **state)
{
	struct nx_batch *b = *state;
	struct nx_wire_exit w = { .hdr = { .kind = NX_KIND_EXIT, .len = sizeof(w), .pid = 3 },
				  .code = 7 << 8, .flags = NX_EXIT_GROUP };
	unsigned char buf[256];
	struct nx_err err = { 0 };
	size_t len;

	for (int i = 0; i < 4; i++)
		assert_int_equal(nx_drain_convert(&w, sizeof(w), b, &err), 1);
	assert_int_equal(nx_drain_convert(&w, sizeof(w), b, &err), 0);
	assert_int_equal(b->ev[3].exit.code, 7 << 8);
	nx_batch_reset(b);
	/* the arena (64 bytes) cannot take a 100-byte file name: no room, not an error */
	char file[101];

	memset(file, 'f', 100);
	file[100] = '\0';
	len = exec_record(buf, "x", file);
	assert_int_equal(nx_drain_convert(buf, len, b, &err), 0);
	assert_int_equal(b->n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syscall_record_becomes_an_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_strings_are_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_records_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_batch_says_no_room, setup, teardown),
	};

	return cmocka_run_group_tests_name("drain", tests, NULL, NULL);
}
