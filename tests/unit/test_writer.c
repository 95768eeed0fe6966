/*
 * tests/unit/test_writer.c: the writer: round trips, segment closing,
 * limits, and failure injection at every allocation, write and sync.
 *
 * This suite links with -Wl,--wrap=malloc,calloc,realloc,mmap
 * (TEST_LDFLAGS_writer in the Makefile): __wrap_* below fail the k-th
 * allocation when armed. The writer's zstd context allocates through malloc
 * too (ZSTD_customMem); the column writer maps its DICT table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/limits.h"
#include "format/reader.h"
#include "format/writer.h"
#include "tests/unit/fixture.h"

/* ---- allocation failure injection ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

static unsigned long alloc_calls, alloc_fail_at;	/* 0: never fail */
static bool alloc_forever;

static bool alloc_should_fail(void)
{
	if (!alloc_fail_at)
		return false;
	alloc_calls++;
	return alloc_calls == alloc_fail_at || (alloc_forever && alloc_calls > alloc_fail_at);
}

void *__wrap_malloc(size_t n)
{
	return alloc_should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return alloc_should_fail() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_should_fail() ? NULL : __real_realloc(p, n);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return alloc_should_fail() ? MAP_FAILED : __real_mmap(addr, len, prot, flags, fd, off);
}

static void alloc_arm(unsigned long k, bool forever)
{
	alloc_calls = 0;
	alloc_fail_at = k;
	alloc_forever = forever;
}

/* ---- helpers ---- */

/* Reads buf back and checks it holds events 0..n-1 of the fixture stream,
 * n a whole number of segments; returns n. */
static uint64_t read_back(const uint8_t *buf, size_t len, bool want_closed)
{
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event ev, want;
	struct nxr_reader_stats st;
	uint64_t n = 0;
	int rc;

	r = nxr_reader_open_mem(buf, len, NULL, &err);
	if (!r)
		fail_msg("reading back: %s", err.msg);
	while ((rc = nxr_reader_next(r, &ev, &err)) == 1) {
		nxr_fixture_event(n++, &want);
		assert_true(nxr_event_equal(&ev, &want));
	}
	assert_int_equal(rc, 0);
	nxr_reader_get_stats(r, &st);
	assert_int_equal(st.closed_cleanly, want_closed);
	assert_int_equal(st.damaged_segments, 0);
	assert_int_equal(st.events, n);
	nxr_reader_close(r);
	return n;
}

static void test_round_trip_through_fd(void **state)
{
	char path[] = "/tmp/nxr-writer-XXXXXX";
	int fd = mkstemp(path);
	struct nxr_writer_opts opts = { .segment_bytes = 4096,
					.layout = nxr_fixture_layout };
	struct nx_err err = { 0 };
	struct nxr_writer_stats ws;
	struct nxr_writer *w;
	struct nxr_reader *r;
	struct nxr_reader_stats st;
	struct nxr_event ev, want;
	uint64_t n = 0;

	(void)state;
	assert_true(fd >= 0);
	w = nxr_writer_open_fd(fd, path, nxr_fixture_meta(), &opts, &err);
	assert_non_null(w);
	for (uint64_t i = 0; i < 5000; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	nxr_writer_get_stats(w, &ws);
	assert_int_equal(ws.events, 5000);
	assert_true(ws.segments > 10);
	assert_int_equal(nxr_writer_close(w, &err), 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1);	/* the writer closed it */

	r = nxr_reader_open(path, NULL, &err);
	assert_non_null(r);
	while (nxr_reader_next(r, &ev, &err) == 1) {
		nxr_fixture_event(n++, &want);
		assert_true(nxr_event_equal(&ev, &want));
	}
	assert_int_equal(n, 5000);
	nxr_reader_get_stats(r, &st);
	assert_true(st.closed_cleanly);
	assert_int_equal(st.segments, ws.segments + 1);
	assert_memory_equal(st.lost, ws.lost, sizeof(st.lost));
	assert_int_equal(st.filtered, ws.filtered);
	assert_true(ws.filtered > 0);
	nxr_reader_close(r);
	unlink(path);
}

static void test_million_events_many_segments(void **state)
{
	struct nxr_writer_opts opts = { .segment_bytes = 256 << 10, .sync = NXR_SYNC_NONE,
					.layout = nxr_fixture_layout };
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer *w;
	struct nxr_event ev;

	(void)state;
	w = nxr_writer_new(&sink, "mem", NULL, &opts, &err);
	assert_non_null(w);
	for (uint64_t i = 0; i < 1000000; i++) {
		nxr_fixture_event(i, &ev);
		if (nxr_writer_append(w, &ev, &err) != 0)
			fail_msg("append %llu: %s", (unsigned long long)i, err.msg);
	}
	assert_int_equal(nxr_writer_close(w, &err), 0);
	assert_int_equal(read_back(ms.buf, ms.len, true), 1000000);
	nxr_memsink_release(&ms);
}

static void test_segment_closes_by_size_flush_and_age(void **state)
{
	struct nxr_writer_opts opts = { .segment_bytes = 1000, .segment_age_ns = 1000000,
					.layout = nxr_fixture_layout };
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer_stats st;
	struct nxr_writer *w;
	struct nxr_event ev;
	size_t before;

	(void)state;
	w = nxr_writer_new(&sink, "mem", NULL, &opts, &err);
	assert_non_null(w);
	nxr_fixture_event(0, &ev);
	assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	nxr_writer_get_stats(w, &st);
	assert_int_equal(st.segments, 0);
	/* tick before the age: nothing; after: the segment goes out */
	before = ms.len;
	usleep(2000);
	assert_int_equal(nxr_writer_tick(w, &err), 0);
	nxr_writer_get_stats(w, &st);
	assert_int_equal(st.segments, 1);
	assert_true(ms.len > before);
	/* flush with nothing open writes nothing */
	before = ms.len;
	assert_int_equal(nxr_writer_flush(w, &err), 0);
	assert_int_equal(ms.len, before);
	/* size: 1000 encoded bytes close a segment */
	for (uint64_t i = 1; i < 200; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	nxr_writer_get_stats(w, &st);
	assert_true(st.segments >= 3);
	assert_int_equal(nxr_writer_close(w, &err), 0);
	assert_int_equal(read_back(ms.buf, ms.len, true), 200);
	nxr_memsink_release(&ms);
}

/* Event i of test_column_segments_close_where_due(): syscalls, and every
 * 100th an exit (which the writer does not take by its syscall path). */
static void column_event(uint64_t i, struct nxr_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->pid = 100 + (uint32_t)(i % 3);
	ev->tid = ev->pid;
	ev->ts_ns = 1000 * i;
	if (i % 100 == 99) {
		ev->kind = NX_KIND_EXIT;
		ev->exit.code = 256;
		return;
	}
	ev->kind = NX_KIND_SYSCALL;
	ev->syscall.nr = (uint32_t)(i % 5);
	ev->syscall.arg1 = i;
	ev->syscall.dur_ns = 10 + i % 7;
}

/*
 * The column layout closes a segment exactly where it is due, whichever
 * path an event takes (checked after every append): at segment_bytes
 * staged (NXR_COL_STAGE_PER_EVENT per event without strings: 301 events
 * for 38405 bytes), at an age check (every 1024 events) once old, and at
 * NXR_COL_MAX_EVENTS.
 */
static void test_column_segments_close_where_due(void **state)
{
	static const struct {
		uint32_t bytes;
		uint64_t age_ns;
		uint64_t n, per;	/* events, events a segment */
	} cases[] = {
		{ 300 * NXR_COL_STAGE_PER_EVENT + 5, 0, 1000, 301 },
		{ 0, 1, 3000, 1024 },
		{ NXR_MAX_SEG_BYTES, 0, NXR_COL_MAX_EVENTS + 4000, NXR_COL_MAX_EVENTS },
	};

	(void)state;
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct nxr_writer_opts opts = { .segment_bytes = cases[c].bytes,
						.segment_age_ns = cases[c].age_ns,
						.layout = NXR_LAYOUT_COLUMNS_1_1 };
		struct nxr_memsink ms = { 0 };
		struct nxr_sink sink = nxr_memsink_sink(&ms);
		struct nx_err err = { 0 };
		struct nxr_writer_stats st;
		struct nxr_reader *r;
		struct nxr_writer *w;
		struct nxr_event ev, back;
		uint64_t got = 0;
		int rc;

		w = nxr_writer_new(&sink, "mem", NULL, &opts, &err);
		assert_non_null(w);
		for (uint64_t i = 0; i < cases[c].n; i++) {
			column_event(i, &ev);
			assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
			nxr_writer_get_stats(w, &st);
			if (st.segments != (i + 1) / cases[c].per)
				fail_msg("case %u, event %llu: %llu segments", c,
					 (unsigned long long)i, (unsigned long long)st.segments);
		}
		assert_int_equal(nxr_writer_close(w, &err), 0);
		r = nxr_reader_open_mem(ms.buf, ms.len, NULL, &err);
		assert_non_null(r);
		while ((rc = nxr_reader_next(r, &back, &err)) == 1) {
			column_event(got++, &ev);
			assert_true(nxr_event_equal(&ev, &back));
		}
		assert_int_equal(rc, 0);
		assert_int_equal(got, cases[c].n);
		nxr_reader_close(r);
		nxr_memsink_release(&ms);
	}
}

/* A repeatable 64-bit pseudo-random value (an LCG, its low bits mixed) */
static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x ^ *x >> 29;
}

/*
 * With segment_bytes at its largest, the staging measure (32 bytes a
 * syscall) would let 60000 syscalls of random 64-bit values, then execs of
 * 4000 random bytes, stage about 8 MiB: a payload past NXR_MAX_SEG_RAW,
 * which the writer refuses. The payload's bound closes the segment first,
 * with the 172nd exec, and every event reads back.
 */
static void test_column_segment_closes_at_its_payload_bound(void **state)
{
	struct nxr_writer_opts opts = { .segment_bytes = NXR_MAX_SEG_BYTES,
					.layout = NXR_LAYOUT_COLUMNS };
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer_stats st;
	struct nxr_reader *r;
	struct nxr_writer *w;
	struct nxr_event back;
	const uint32_t nsys = 60000, nexec = 400, slen = 4000;
	struct nxr_event *evs = calloc(nsys + nexec, sizeof(*evs));
	char *text = malloc((size_t)nexec * slen);
	uint64_t x = 0x9E3779B97F4A7C15ull, got = 0, closed_at = 0;
	int rc;

	(void)state;
	assert_non_null(evs);
	assert_non_null(text);
	for (size_t i = 0; i < (size_t)nexec * slen; i++)
		text[i] = (char)(33 + lcg(&x) % 94);
	for (uint32_t i = 0; i < nsys + nexec; i++) {
		struct nxr_event *ev = &evs[i];

		ev->ts_ns = 1000 + i;
		ev->pid = ev->tid = 7;
		if (i >= nsys) {
			ev->kind = NX_KIND_EXEC;
			ev->exec.filename = (struct nxr_str){ text + (size_t)(i - nsys) * slen, slen };
			continue;
		}
		ev->kind = NX_KIND_SYSCALL;
		ev->syscall.nr = 1;
		ev->syscall.arg1 = lcg(&x);
		ev->syscall.arg2 = lcg(&x);
		ev->syscall.arg3 = lcg(&x);
		ev->syscall.arg4 = lcg(&x);
		ev->syscall.arg5 = lcg(&x);
		ev->syscall.arg6 = lcg(&x);
		ev->syscall.ret = (int64_t)lcg(&x);
		ev->syscall.dur_ns = lcg(&x) >> 40;
	}
	w = nxr_writer_new(&sink, "mem", NULL, &opts, &err);
	assert_non_null(w);
	for (uint32_t i = 0; i < nsys + nexec; i++) {
		assert_int_equal(nxr_writer_append(w, &evs[i], &err), 0);
		nxr_writer_get_stats(w, &st);
		if (st.segments && !closed_at)
			closed_at = i + 1;
	}
	/* (60000 + k) * 128 + 4000 k >= 8 MiB from k = 172 */
	assert_int_equal(closed_at, nsys + 172);
	assert_int_equal(nxr_writer_close(w, &err), 0);
	r = nxr_reader_open_mem(ms.buf, ms.len, NULL, &err);
	assert_non_null(r);
	while ((rc = nxr_reader_next(r, &back, &err)) == 1) {
		if (!nxr_event_equal(&evs[got], &back))
			fail_msg("event %llu differs", (unsigned long long)got);
		got++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(got, nsys + nexec);
	nxr_reader_close(r);
	nxr_memsink_release(&ms);
	free(text);
	free(evs);
}

static void test_crashed_writer_leaves_readable_file(void **state)
{
	struct nxr_writer_opts opts = { .segment_bytes = 2000,
					.layout = nxr_fixture_layout };
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer_stats st;
	struct nxr_writer *w;
	struct nxr_event ev;
	uint64_t n;

	(void)state;
	w = nxr_writer_new(&sink, "mem", NULL, &opts, &err);
	assert_non_null(w);
	for (uint64_t i = 0; i < 1000; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	nxr_writer_get_stats(w, &st);
	nxr_writer_free(w);	/* as SIGKILL would: no trailer */
	n = read_back(ms.buf, ms.len, false);
	assert_true(n > 0 && n < 1000);
	nxr_memsink_release(&ms);
}

static void test_short_writes_give_the_same_file(void **state)
{
	struct nxr_writer_opts opts = { .segment_bytes = 3000,
					.layout = nxr_fixture_layout };
	struct nxr_memsink ms = { .short_writes = true };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer *w;
	struct nxr_event ev;

	(void)state;
	w = nxr_writer_new(&sink, "mem", nxr_fixture_meta(), &opts, &err);
	assert_non_null(w);
	for (uint64_t i = 0; i < 700; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	assert_int_equal(nxr_writer_close(w, &err), 0);
	assert_true(ms.writes > ms.len / 7);
	assert_int_equal(read_back(ms.buf, ms.len, true), 700);
	nxr_memsink_release(&ms);
}

static void test_bad_events_and_options_are_refused(void **state)
{
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nxr_writer_opts big = { .segment_bytes = NXR_MAX_SEG_BYTES + 1 };
	struct nxr_writer_opts odd = { .layout = NXR_LAYOUT_COLUMNS_1_5 + 1 };
	struct nx_err err = { 0 };
	struct nxr_writer *w;
	struct nxr_event ev;
	static char huge[NXR_MAX_EVENT_STR + 1];
	struct nxr_probe probe0 = { 0, 0, "/bin/x", "f", "" };
	struct nxr_meta meta = { .probes = &probe0, .nprobes = 1 };

	(void)state;
	assert_null(nxr_writer_new(&sink, "mem", NULL, &big, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_null(nxr_writer_new(&sink, "mem", NULL, &odd, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, "layout"));
	assert_null(nxr_writer_new(&sink, "mem", &meta, NULL, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, "id 0"));
	w = nxr_writer_new(&sink, "mem", NULL, NULL, &err);
	assert_non_null(w);
	memset(&ev, 0, sizeof(ev));
	ev.kind = NX_KIND_MAX_ID + 1;
	assert_int_equal(nxr_writer_append(w, &ev, &err), -EINVAL);
	ev.kind = NX_KIND_EXEC;
	ev.exec.comm.ptr = huge;
	ev.exec.comm.len = sizeof(huge);
	assert_int_equal(nxr_writer_append(w, &ev, &err), -EINVAL);
	/* refused events do not fail the writer */
	nxr_fixture_event(0, &ev);
	assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	assert_int_equal(nxr_writer_close(w, &err), 0);
	assert_int_equal(read_back(ms.buf, ms.len, true), 1);
	nxr_memsink_release(&ms);
}

/* ---- failure injection ---- */

enum fault { FAULT_ALLOC, FAULT_WRITE, FAULT_SYNC };

/*
 * Writes 600 events (several segments) then closes, with the k-th
 * allocation, write or sync failing. Returns true when the fault fired.
 * Checks: a clean negative error with a message, later calls give the same
 * error, the segments written before the fault read back intact.
 */
static bool write_with_fault(enum fault f, unsigned long k, bool forever)
{
	struct nxr_writer_opts opts = { .segment_bytes = 1500, .sync = NXR_SYNC_SEGMENT,
					.layout = nxr_fixture_layout };
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer_stats st = { 0 };
	struct nxr_writer *w;
	struct nxr_event ev;
	uint64_t done_segments = 0;
	int rc = 0, want;
	bool fired;

	want = f == FAULT_ALLOC ? -ENOMEM : -EIO;
	if (f == FAULT_WRITE) {
		ms.fail_write = (unsigned)k;
		ms.fail_forever = forever;
	} else if (f == FAULT_SYNC) {
		ms.fail_sync = (unsigned)k;
		ms.fail_forever = forever;
	} else {
		alloc_arm(k, forever);
	}
	w = nxr_writer_new(&sink, "mem", nxr_fixture_meta(), &opts, &err);
	if (!w) {
		rc = err.code;
		goto check;
	}
	for (uint64_t i = 0; i < 600 && rc == 0; i++) {
		nxr_writer_get_stats(w, &st);
		done_segments = st.segments;
		nxr_fixture_event(i, &ev);
		rc = nxr_writer_append(w, &ev, &err);
	}
	if (rc == 0) {
		nxr_writer_get_stats(w, &st);
		done_segments = st.segments;
		rc = nxr_writer_close(w, &err);
	} else {
		struct nx_err again = { 0 };

		assert_int_equal(nxr_writer_flush(w, &again), rc);
		assert_string_equal(again.msg, err.msg);
		assert_int_equal(nxr_writer_close(w, &again), rc);
	}
check:
	alloc_arm(0, false);
	fired = rc != 0;
	if (fired) {
		if (rc != want)
			fail_msg("fault %d at %lu: error %d (%s)", f, k, rc, err.msg);
		assert_true(strlen(err.msg) > 0);
		assert_null(strchr(err.msg, '\n'));
		if (ms.len >= 64) {
			uint64_t n = 0;
			struct nxr_reader *r = nxr_reader_open_mem(ms.buf, ms.len, NULL, &err);
			struct nxr_event want_ev;

			if (r) {
				while (nxr_reader_next(r, &ev, &err) == 1) {
					nxr_fixture_event(n++, &want_ev);
					assert_true(nxr_event_equal(&ev, &want_ev));
				}
				struct nxr_reader_stats rs;

				nxr_reader_get_stats(r, &rs);
				assert_true(rs.segments >= done_segments);
				nxr_reader_close(r);
			} else {
				/* only a header cut short can be unreadable */
				assert_int_equal(done_segments, 0);
			}
		}
	} else {
		assert_int_equal(read_back(ms.buf, ms.len, true), 600);
	}
	nxr_memsink_release(&ms);
	return fired;
}

static void test_every_allocation_failure(void **state)
{
	unsigned long k;

	(void)state;
	for (int forever = 0; forever < 2; forever++) {
		for (k = 1; write_with_fault(FAULT_ALLOC, k, forever); k++)
			;
		print_message("failed each of %lu allocations %s\n", k - 1,
			      forever ? "and all after it" : "once");
		assert_true(k > 5);	/* the writer does allocate: we did fail some */
	}
}

static void test_every_write_failure(void **state)
{
	unsigned long k;

	(void)state;
	for (int forever = 0; forever < 2; forever++) {
		for (k = 1; write_with_fault(FAULT_WRITE, k, forever); k++)
			;
		print_message("failed each of %lu writes %s\n", k - 1,
			      forever ? "and all after it" : "once");
		assert_true(k > 10);
	}
}

static void test_every_sync_failure(void **state)
{
	unsigned long k;

	(void)state;
	for (int forever = 0; forever < 2; forever++) {
		for (k = 1; write_with_fault(FAULT_SYNC, k, forever); k++)
			;
		print_message("failed each of %lu syncs %s\n", k - 1,
			      forever ? "and all after it" : "once");
		assert_true(k >= 2);	/* at least the final sync */
	}
}

/* NXR_SYNC_SEGMENT syncs after a segment once a second has passed; a
 * failing sync fails the writer and keeps the segment written before. */
static void test_segment_sync_failure(void **state)
{
	struct nxr_memsink ms = { .fail_sync = 1 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nx_err err = { 0 };
	struct nxr_writer *w;
	struct nxr_event ev;

	(void)state;
	w = nxr_writer_new(&sink, "mem", NULL, NULL, &err);
	assert_non_null(w);
	for (uint64_t i = 0; i < 10; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	assert_int_equal(nxr_writer_flush(w, &err), 0);	/* under a second: no sync */
	assert_int_equal(ms.syncs, 0);
	usleep(1100 * 1000);
	for (uint64_t i = 10; i < 20; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	assert_int_equal(nxr_writer_flush(w, &err), -EIO);
	assert_int_equal(ms.syncs, 1);
	assert_non_null(strstr(err.msg, "cannot sync"));
	nxr_fixture_event(20, &ev);
	assert_int_equal(nxr_writer_append(w, &ev, &err), -EIO);
	assert_int_equal(nxr_writer_close(w, &err), -EIO);
	assert_int_equal(read_back(ms.buf, ms.len, false), 20);
	nxr_memsink_release(&ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_through_fd),
		cmocka_unit_test(test_million_events_many_segments),
		cmocka_unit_test(test_segment_closes_by_size_flush_and_age),
		cmocka_unit_test(test_column_segments_close_where_due),
		cmocka_unit_test(test_column_segment_closes_at_its_payload_bound),
		cmocka_unit_test(test_crashed_writer_leaves_readable_file),
		cmocka_unit_test(test_short_writes_give_the_same_file),
		cmocka_unit_test(test_bad_events_and_options_are_refused),
		cmocka_unit_test(test_every_allocation_failure),
		cmocka_unit_test(test_every_write_failure),
		cmocka_unit_test(test_every_sync_failure),
		cmocka_unit_test(test_segment_sync_failure),
	};

	/* every test in every layout: columns (1.2), 1.0 rows, 1.1 columns */
	return cmocka_run_group_tests_name("writer, columns", tests, nxr_fixture_columns, NULL) |
	       cmocka_run_group_tests_name("writer, rows", tests, nxr_fixture_rows, NULL) |
	       cmocka_run_group_tests_name("writer, columns 1.1", tests, nxr_fixture_columns_1_1,
					   NULL);
}
