/*
 * tests/unit/test_reader.c: the reader against good, cut, flipped and
 * hostile recordings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_frameHeaderSize */
#include <zstd.h>

#include "format/bytes.h"
#include "format/crc.h"
#include "format/header.h"
#include "format/limits.h"
#include "format/reader.h"
#include "format/segment.h"
#include "tests/unit/fixture.h"

struct damage_log {
	unsigned calls;
	unsigned not_closed;
	char first[NX_ERR_MSG_MAX];
	char last[NX_ERR_MSG_MAX];
};

static void on_damage(void *ctx, const struct nx_err *what)
{
	struct damage_log *d = ctx;

	if (d->calls++ == 0)
		snprintf(d->first, sizeof(d->first), "%s", what->msg);
	if (strstr(what->msg, "not closed cleanly"))
		d->not_closed++;
	snprintf(d->last, sizeof(d->last), "%s", what->msg);
	assert_null(strchr(what->msg, '\n'));
}

/* Opens and reads everything; asserts the events are exactly those of the
 * fixture segments in mask, in order. Returns the open error (0 if opened). */
static int read_expect(const uint8_t *buf, size_t len, const struct nxr_fixture *fx,
		       uint64_t mask, struct damage_log *d)
{
	struct nxr_reader_opts opts = { .on_damage = on_damage, .ctx = d };
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event ev, want;
	int rc;

	r = nxr_reader_open_mem(buf, len, &opts, &err);
	if (!r) {
		assert_true(err.code < 0);
		assert_true(strlen(err.msg) > 0);
		assert_null(strchr(err.msg, '\n'));
		return err.code;
	}
	for (uint32_t s = 0; s < fx->nsegs; s++) {
		if (!(mask & (1ull << s)))
			continue;
		for (uint32_t k = 0; k < fx->per_seg; k++) {
			rc = nxr_reader_next(r, &ev, &err);
			if (rc != 1)
				fail_msg("segment %u event %u: got %d (%s), %s", s, k, rc, err.msg,
					 d->last);
			nxr_fixture_event((uint64_t)s * fx->per_seg + k, &want);
			if (!nxr_event_equal(&ev, &want))
				fail_msg("segment %u event %u differs", s, k);
		}
	}
	rc = nxr_reader_next(r, &ev, &err);
	assert_int_equal(rc, 0);
	nxr_reader_close(r);
	return 0;
}

static void test_round_trip_every_kind(void **state)
{
	struct nxr_fixture *fx = *state;
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event ev, want;
	struct nxr_reader_stats st;
	uint64_t i = 0;
	unsigned kinds = 0;
	int rc;

	r = nxr_reader_open_mem(fx->buf, fx->len, NULL, &err);
	assert_non_null(r);
	while ((rc = nxr_reader_next(r, &ev, &err)) == 1) {
		nxr_fixture_event(i++, &want);
		assert_true(nxr_event_equal(&ev, &want));
		kinds |= 1u << ev.kind;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, fx->nevents);
	for (unsigned k = 1; k <= NX_KIND_MAX_ID; k++)
		assert_true(kinds & (1u << k));
	nxr_reader_get_stats(r, &st);
	assert_true(st.closed_cleanly);
	assert_int_equal(st.segments, 3);
	assert_int_equal(st.events, fx->nevents);
	assert_int_equal(st.damaged_segments, 0);
	assert_int_equal(st.file_bytes, fx->len);
	nxr_reader_close(r);
}

static void test_meta_round_trips(void **state)
{
	struct nxr_fixture *fx = *state;
	const struct nxr_meta *want = nxr_fixture_meta(), *m;
	struct nx_err err = { 0 };
	struct nxr_reader *r;

	r = nxr_reader_open_mem(fx->buf, fx->len, NULL, &err);
	assert_non_null(r);
	m = nxr_reader_meta(r);
	assert_int_equal(m->created_wall_ns, want->created_wall_ns);
	assert_int_equal(m->mono_to_wall_ns, want->mono_to_wall_ns);
	assert_string_equal(m->hostname, want->hostname);
	assert_string_equal(m->kernel, want->kernel);
	assert_string_equal(m->arch, want->arch);
	assert_string_equal(m->tool_version, want->tool_version);
	assert_string_equal(m->command, want->command);
	assert_string_equal(m->config_text, want->config_text);
	assert_int_equal(m->nprobes, 2);
	assert_string_equal(nxr_meta_probe(m, 1)->func, "ioctl");
	assert_int_equal(nxr_meta_probe(m, 2)->hook, NXR_HOOK_URETPROBE);
	assert_string_equal(nxr_meta_probe(m, 1)->spec, "arg2 == 0x541c");
	assert_null(nxr_meta_probe(m, 3));
	assert_string_equal(nxr_meta_get(m, "user"), "alice");
	assert_null(nxr_meta_get(m, "nope"));
	nxr_reader_close(r);
}

static void test_filters_and_seek(void **state)
{
	struct nxr_fixture *fx = *state;
	struct nxr_reader_opts opts = { .kinds = 1u << NX_KIND_EXEC, .pid = 1000 };
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event ev, want;
	uint64_t want_n = 0, n = 0;
	const struct nxr_segment_info *segs;
	uint32_t nsegs;

	for (uint64_t i = 0; i < fx->nevents; i++) {
		nxr_fixture_event(i, &want);
		want_n += want.kind == NX_KIND_EXEC && want.pid == 1000;
	}
	r = nxr_reader_open_mem(fx->buf, fx->len, &opts, &err);
	assert_non_null(r);
	while (nxr_reader_next(r, &ev, &err) == 1) {
		assert_int_equal(ev.kind, NX_KIND_EXEC);
		assert_int_equal(ev.pid, 1000);
		n++;
	}
	assert_true(want_n > 0);
	assert_int_equal(n, want_n);
	nxr_reader_close(r);

	/* seek to the third segment's time: the first event read is its first */
	r = nxr_reader_open_mem(fx->buf, fx->len, NULL, &err);
	assert_non_null(r);
	segs = nxr_reader_segments(r, &nsegs);
	assert_int_equal(nsegs, 3);
	assert_int_equal(segs[1].offset, fx->seg_off[1]);
	assert_int_equal(nxr_reader_seek(r, segs[1].last_ts_ns + 1, &err), 0);
	assert_int_equal(nxr_reader_next(r, &ev, &err), 1);
	nxr_fixture_event(200, &want);
	assert_true(nxr_event_equal(&ev, &want));
	assert_int_equal(nxr_reader_rewind(r, &err), 0);
	assert_int_equal(nxr_reader_next(r, &ev, &err), 1);
	nxr_fixture_event(0, &want);
	assert_true(nxr_event_equal(&ev, &want));
	nxr_reader_close(r);
}

static void test_time_filter(void **state)
{
	struct nxr_fixture *fx = *state;
	struct nxr_event ev, want;
	struct nx_err err = { 0 };
	uint64_t t0 = 1000000000ull + 120 * 750, t1 = 1000000000ull + 150 * 750;
	struct nxr_reader_opts opts = { .t_min_ns = t0, .t_max_ns = t1 };
	struct nxr_reader *r;
	uint64_t want_n = 0, n = 0;

	for (uint64_t i = 0; i < fx->nevents; i++) {
		nxr_fixture_event(i, &want);
		want_n += want.ts_ns >= t0 && want.ts_ns <= t1;
	}
	r = nxr_reader_open_mem(fx->buf, fx->len, &opts, &err);
	assert_non_null(r);
	while (nxr_reader_next(r, &ev, &err) == 1) {
		assert_true(ev.ts_ns >= t0 && ev.ts_ns <= t1);
		n++;
	}
	assert_int_equal(n, want_n);
	nxr_reader_close(r);
}

static void test_open_file_by_path(void **state)
{
	struct nxr_fixture *fx = *state;
	char path[] = "/tmp/nxr-test-XXXXXX";
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event ev;
	uint64_t n = 0;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, fx->buf, fx->len), (ssize_t)fx->len);
	close(fd);
	r = nxr_reader_open(path, NULL, &err);
	assert_non_null(r);
	assert_string_equal(nxr_reader_path(r), path);
	while (nxr_reader_next(r, &ev, &err) == 1)
		n++;
	assert_int_equal(n, fx->nevents);
	nxr_reader_close(r);
	unlink(path);
	assert_null(nxr_reader_open(path, NULL, &err));
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.msg, path));
}

static void test_cut_at_every_offset_of_last_two_segments(void **state)
{
	struct nxr_fixture *fx = *state;

	for (size_t cut = fx->seg_off[1]; cut <= fx->len; cut++) {
		struct damage_log d = { 0 };
		uint64_t mask = 0;

		for (uint32_t s = 0; s < fx->nsegs; s++)
			if (fx->seg_end[s] <= cut)
				mask |= 1ull << s;
		assert_int_equal(read_expect(fx->buf, cut, fx, mask, &d), 0);
		if (cut < fx->len) {
			if (d.not_closed != 1)
				fail_msg("cut at %zu: %u 'not closed' reports (%s)", cut,
					 d.not_closed, d.last);
		} else {
			assert_int_equal(d.calls, 0);
		}
	}
}

static void test_unclosed_file_reads_back(void **state)
{
	struct nxr_fixture *fx = nxr_fixture_build(3, 50, false);
	struct damage_log d = { 0 };
	struct nx_err err = { 0 };
	struct nxr_reader_opts opts = { .on_damage = on_damage, .ctx = &d };
	struct nxr_reader_stats st;
	struct nxr_reader *r;
	struct nxr_event ev;
	uint64_t lost[4] = { 0 };

	(void)state;
	assert_non_null(fx);
	assert_int_equal(read_expect(fx->buf, fx->len, fx, 7, &d), 0);
	assert_int_equal(d.not_closed, 1);
	assert_non_null(strstr(d.last, "0 bytes ignored"));
	r = nxr_reader_open_mem(fx->buf, fx->len, &opts, &err);
	assert_non_null(r);
	while (nxr_reader_next(r, &ev, &err) == 1)
		;
	nxr_reader_get_stats(r, &st);
	assert_false(st.closed_cleanly);
	assert_int_equal(st.segments, 3);
	assert_int_equal(st.events, 150);
	for (uint64_t i = 0; i < 150; i++) {
		nxr_fixture_event(i, &ev);
		if (ev.kind == NX_KIND_LOSS)
			lost[ev.loss.reason] += ev.loss.count;
	}
	assert_true(lost[1] + lost[2] + lost[3] > 0);
	assert_memory_equal(st.lost, lost, sizeof(lost));
	nxr_reader_close(r);
	nxr_fixture_free(fx);
}

static void test_zero_and_garbage_tail_is_not_closed(void **state)
{
	struct nxr_fixture *fx = nxr_fixture_build(2, 40, false);
	size_t extra = 10000;
	uint8_t *buf;

	(void)state;
	assert_non_null(fx);
	buf = calloc(1, fx->len + extra);
	assert_non_null(buf);
	memcpy(buf, fx->buf, fx->len);
	for (int garbage = 0; garbage < 2; garbage++) {
		struct damage_log d = { 0 };
		char want[64];

		if (garbage)
			for (size_t i = 0; i < extra; i++)
				buf[fx->len + i] = (uint8_t)(i * 131 + 7);
		assert_int_equal(read_expect(buf, fx->len + extra, fx, 3, &d), 0);
		assert_int_equal(d.calls, 1);
		assert_int_equal(d.not_closed, 1);
		snprintf(want, sizeof(want), "%zu bytes ignored", extra);
		assert_non_null(strstr(d.last, want));
	}
	free(buf);
	nxr_fixture_free(fx);
}

static void test_every_bit_flip_is_detected(void **state)
{
	struct nxr_fixture *fx = nxr_fixture_build(3, 12, true);
	uint8_t *buf;

	(void)state;
	assert_non_null(fx);
	buf = malloc(fx->len);
	assert_non_null(buf);
	memcpy(buf, fx->buf, fx->len);
	for (size_t off = 0; off < fx->len; off++) {
		uint64_t mask = 7;

		for (uint32_t s = 0; s < fx->nsegs; s++)
			if (off >= fx->seg_off[s] && off < fx->seg_end[s])
				mask &= ~(1ull << s);
		for (int bit = 0; bit < 8; bit++) {
			struct damage_log d = { 0 };
			int rc;

			buf[off] ^= (uint8_t)(1u << bit);
			rc = read_expect(buf, fx->len, fx, mask, &d);
			if (off < 10) {
				/* magic or major version: not (readable as) ours */
				if (rc != -EBADMSG && rc != -EPROTONOSUPPORT)
					fail_msg("flip at %zu bit %d of the header: open gave %d",
						 off, bit, rc);
			} else if (rc != 0 || d.calls == 0) {
				fail_msg("flip at %zu bit %d: open %d, %u damage reports", off,
					 bit, rc, d.calls);
			}
			buf[off] ^= (uint8_t)(1u << bit);
		}
	}
	free(buf);
	nxr_fixture_free(fx);
}

static void test_empty_and_foreign_files_are_refused(void **state)
{
	static const char text[] = "TraceCondition:\n  Command: ls\n";
	struct nx_err err = { 0 };

	(void)state;
	assert_null(nxr_reader_open_mem("", 0, NULL, &err));
	assert_int_equal(err.code, -EBADMSG);
	assert_non_null(strstr(err.msg, "empty"));
	assert_null(nxr_reader_open_mem(text, sizeof(text) - 1, NULL, &err));
	assert_int_equal(err.code, -EBADMSG);
	assert_non_null(strstr(err.msg, "not a .nxr"));
	assert_null(nxr_reader_open_mem(NXR_FILE_MAGIC, 8, NULL, &err));
	assert_int_equal(err.code, -EBADMSG);
}

static void test_future_major_version_is_refused(void **state)
{
	struct nxr_fixture *fx = *state;
	struct nx_err err = { 0 };

	nxr_fixture_set_major(fx, NXR_VERSION_MAJOR + 1);
	assert_null(nxr_reader_open_mem(fx->buf, fx->len, NULL, &err));
	assert_int_equal(err.code, -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, nxr_fixture_layout == NXR_LAYOUT_ROWS ? "version 2.0" :
					nxr_fixture_layout == NXR_LAYOUT_COLUMNS_1_1 ? "version 2.1" :
					nxr_fixture_layout == NXR_LAYOUT_COLUMNS_1_4 ? "version 2.4" :
					nxr_fixture_layout == NXR_LAYOUT_COLUMNS_1_5 ? "version 2.5" :
										       "version 2.6"));
	assert_non_null(strstr(err.msg, "1.x"));
}

/* ---- hostile files: valid checksums, lying lengths ---- */

static void reseal_header(uint8_t *buf)
{
	uint32_t hlen = nxr_get_le32(buf + 12);

	nxr_put_le32(buf + hlen - 4, nxr_crc32c(0, buf, hlen - 4));
}

static void reseal_segment(uint8_t *seg)
{
	nxr_put_le32(seg + 72, nxr_crc32c(0, seg, 72));
}

static void expect_open_fails(const uint8_t *buf, size_t len, int code, const char *needle)
{
	struct nx_err err = { 0 };

	assert_null(nxr_reader_open_mem(buf, len, NULL, &err));
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' lacks '%s'", err.msg, needle);
	assert_null(strchr(err.msg, '\n'));
}

/* Opens; the segment at fx->seg_off[0] must be reported damaged and the
 * other two read back. */
static void expect_first_segment_damaged(uint8_t *buf, size_t len, const struct nxr_fixture *fx,
					 const char *needle)
{
	struct damage_log d = { 0 };

	assert_int_equal(read_expect(buf, len, fx, 6, &d), 0);
	assert_true(d.calls >= 1);
	(void)needle;
}

/* Opens a file whose header is damaged: reported, metadata empty, and the
 * three fixture segments read back. */
static void expect_header_damaged(const uint8_t *buf, size_t len, const struct nxr_fixture *fx,
				  const char *needle)
{
	struct damage_log d = { 0 };
	struct nxr_reader_opts opts = { .on_damage = on_damage, .ctx = &d };
	struct nx_err err = { 0 };
	struct nxr_reader *r = nxr_reader_open_mem(buf, len, &opts, &err);
	const struct nxr_meta *m;

	if (!r)
		fail_msg("open: %s", err.msg);
	assert_int_equal(d.calls, 1);
	if (!strstr(d.first, needle) || !strstr(d.first, "metadata is lost"))
		fail_msg("'%s' lacks '%s'", d.first, needle);
	m = nxr_reader_meta(r);
	assert_string_equal(m->hostname, "");
	assert_string_equal(m->config_text, "");
	assert_int_equal(m->nprobes, 0);
	nxr_reader_close(r);
	memset(&d, 0, sizeof(d));
	assert_int_equal(read_expect(buf, len, fx, 7, &d), 0);
}

static void test_damaged_header_keeps_the_segments(void **state)
{
	struct nxr_fixture *fx = *state;
	struct nxr_fixture *open_fx = nxr_fixture_build(3, 100, false);

	fx->buf[NXR_HEADER_FIXED + 2] ^= 0x10;	/* in the hostname: CRC mismatch */
	expect_header_damaged(fx->buf, fx->len, fx, "header checksum mismatch");
	/* without a footer the file id comes from the first segment */
	assert_non_null(open_fx);
	open_fx->buf[NXR_HEADER_FIXED + 2] ^= 0x10;
	{
		struct damage_log d = { 0 };

		assert_int_equal(read_expect(open_fx->buf, open_fx->len, open_fx, 7, &d), 0);
		assert_int_equal(d.calls, 2);	/* the header, "not closed cleanly" */
	}
	/* a header with nothing after it cannot be read at all */
	expect_open_fails(open_fx->buf, open_fx->header_len, -EBADMSG, "no segment follows");
	nxr_fixture_free(open_fx);
}

static void test_hostile_header_counts(void **state)
{
	struct nxr_fixture *fx = *state;
	uint8_t *buf = fx->buf;
	uint32_t hlen = nxr_get_le32(buf + 12);
	uint8_t save[64];

	/* header length past the limit, and past the file: no CRC can vouch for
	 * it, so it is damage; the segments are read without the metadata */
	memcpy(save, buf, 64);
	nxr_put_le32(buf + 12, NXR_MAX_HEADER + 4);
	expect_header_damaged(buf, fx->len, fx, "header length out of range");
	nxr_put_le32(buf + 12, (uint32_t)fx->len + 100);
	expect_header_damaged(buf, fx->len, fx, "header cut short");
	memcpy(buf, save, 64);

	/* a huge hostname length: find the body's first varint and make it lie */
	{
		uint8_t *p = buf + NXR_HEADER_FIXED;
		uint8_t keep[5];

		memcpy(keep, p, 5);
		p[0] = 0xff; p[1] = 0xff; p[2] = 0xff; p[3] = 0xff; p[4] = 0x0f;
		reseal_header(buf);
		expect_open_fails(buf, fx->len, -EBADMSG, "header metadata is malformed");
		memcpy(p, keep, 5);
	}
	/* an unknown incompatible feature */
	nxr_put_le64(buf + 24, 1ull << 40);
	reseal_header(buf);
	expect_open_fails(buf, fx->len, -EPROTONOSUPPORT, "incompatible");
	nxr_put_le64(buf + 24, 0);
	reseal_header(buf);
	(void)hlen;
}

static void test_hostile_probe_count(void **state)
{
	const struct nxr_meta *fm = nxr_fixture_meta();
	struct nxr_meta m = *fm;
	uint8_t id[16] = { 1 }, *buf;
	size_t len;
	struct nx_err err = { 0 };
	struct nxr_header h;
	uint8_t *p;

	(void)state;
	m.nprobes = 0;
	m.nkv = 0;
	assert_int_equal(nxr_header_encode(&m, id, &buf, &len, &err), 0);
	/* the probe count is the byte before the kv count, which is before the CRC */
	p = buf + len - 4 - 2;
	assert_int_equal(p[0], 0);
	assert_int_equal(p[1], 0);
	p[0] = 0x7f;	/* 127 probes in 1 byte: impossible */
	nxr_put_le32(buf + len - 4, nxr_crc32c(0, buf, len - 4));
	assert_int_equal(nxr_header_parse(buf, len, &h, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "probe table"));
	p[0] = 0;
	p[1] = 0x7f;	/* 127 kv pairs */
	nxr_put_le32(buf + len - 4, nxr_crc32c(0, buf, len - 4));
	assert_int_equal(nxr_header_parse(buf, len, &h, &err), -EBADMSG);
	free(buf);
}

static void test_hostile_segment_lengths(void **state)
{
	struct nxr_fixture *fx = *state;
	uint8_t *seg = fx->buf + fx->seg_off[0];
	uint8_t save[NXR_SEG_HDR_SIZE];
	static const struct { unsigned off; uint32_t v; } lies[] = {
		{ 32, NXR_MAX_SEG_Z + 1 },	/* compressed size */
		{ 32, 0xffffffffu },
		{ 36, NXR_MAX_SEG_RAW + 1 },	/* raw size */
		{ 36, 0xffffffffu },
		{ 28, 0xffffffffu },		/* event count */
		{ 28, 0 },
		{ 4, 0xfffffff0u },		/* header length */
		{ 36, 1000000 },		/* raw size != frame content size */
		{ 28, 1 },			/* fewer events than encoded */
	};

	memcpy(save, seg, sizeof(save));
	for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		nxr_put_le32(seg + lies[i].off, lies[i].v);
		reseal_segment(seg);
		expect_first_segment_damaged(fx->buf, fx->len, fx, "");
		memcpy(seg, save, sizeof(save));
	}
}

/* A file of row segments is a 1.0 file; one with 1.1 column segments says
 * 1.1; one of 1.4 column segments 1.4, of 1.5 ones 1.5; one with today's
 * column segments says 1.6 and declares every column feature (columns,
 * entropy-coded columns, lists, context modes, timing modes, copy columns,
 * copy steps, timing codes by the syscall before), which a reader without
 * them refuses. */
static void test_header_declares_columns_only_when_used(void **state)
{
	struct nxr_fixture *fx = *state;
	bool cols = nxr_fixture_layout != NXR_LAYOUT_ROWS;
	bool old = nxr_fixture_layout == NXR_LAYOUT_COLUMNS_1_1;
	bool v14 = nxr_fixture_layout == NXR_LAYOUT_COLUMNS_1_4;
	bool v15 = nxr_fixture_layout == NXR_LAYOUT_COLUMNS_1_5;
	uint64_t step = cols && !old && !v14 && !v15 ? NXR_INCOMPAT_1_6 : 0;
	uint64_t copy = cols && !old && !v14 ? NXR_INCOMPAT_COPY | step : 0;
	uint64_t newer = NXR_INCOMPAT_ENTROPY | NXR_INCOMPAT_LISTS | NXR_INCOMPAT_CONTEXT |
			 NXR_INCOMPAT_TIMING | copy;
	struct nx_err err = { 0 };

	assert_int_equal(nxr_get_le16(fx->buf + 10),
			 old ? 1 : v14 ? 4 : v15 ? 5 : cols ? 6 : 0);
	assert_int_equal(nxr_get_le64(fx->buf + 24),
			 old ? NXR_INCOMPAT_COLUMNS : cols ? NXR_INCOMPAT_COLUMNS | newer : 0);
	/* what a 1.1 reader (which knows columns only) or a 1.2 reader (no
	 * lists, no context modes) finds: a feature it does not know, so it
	 * refuses the file */
	assert_true((nxr_get_le64(fx->buf + 24) & ~NXR_INCOMPAT_COLUMNS) ==
		    (cols && !old ? newer : 0));
	assert_true((nxr_get_le64(fx->buf + 24) & ~(NXR_INCOMPAT_COLUMNS | NXR_INCOMPAT_ENTROPY)) ==
		    (cols && !old ? NXR_INCOMPAT_LISTS | NXR_INCOMPAT_CONTEXT | NXR_INCOMPAT_TIMING
				  | copy : 0));
	/* ... a 1.3 reader (no timing modes): 0x10 */
	assert_true((nxr_get_le64(fx->buf + 24) &
		     ~(NXR_INCOMPAT_COLUMNS | NXR_INCOMPAT_ENTROPY | NXR_INCOMPAT_LISTS |
		       NXR_INCOMPAT_CONTEXT)) == (cols && !old ? NXR_INCOMPAT_TIMING | copy : 0));
	/* ... a 1.4 reader (no copy columns): 0x20 */
	assert_true((nxr_get_le64(fx->buf + 24) &
		     ~(NXR_INCOMPAT_COLUMNS | NXR_INCOMPAT_ENTROPY | NXR_INCOMPAT_LISTS |
		       NXR_INCOMPAT_CONTEXT | NXR_INCOMPAT_TIMING)) == copy);
	/* ... and a 1.5 reader (no copy steps, no LOGH parts by the syscall
	 * before): 0xc0 */
	assert_true((nxr_get_le64(fx->buf + 24) &
		     ~(NXR_INCOMPAT_COLUMNS | NXR_INCOMPAT_ENTROPY | NXR_INCOMPAT_LISTS |
		       NXR_INCOMPAT_CONTEXT | NXR_INCOMPAT_TIMING | NXR_INCOMPAT_COPY)) == step);
	/* a feature this reader does not know, under a valid CRC: refused */
	nxr_put_le64(fx->buf + 24, 1ull << 40);
	nxr_put_le32(fx->buf + fx->header_len - 4, nxr_crc32c(0, fx->buf, fx->header_len - 4));
	assert_null(nxr_reader_open_mem(fx->buf, fx->len, NULL, &err));
	assert_int_equal(err.code, -EPROTONOSUPPORT);
	assert_non_null(strstr(err.msg, "unknown incompatible features"));
}

/* A zstd frame that declares a 2 GiB window, wrapped in a segment whose
 * header agrees with it and whose CRCs are valid: refused, not allocated. */
static void test_hostile_zstd_window(void **state)
{
	enum nxr_layout was = nxr_fixture_layout;
	struct nxr_fixture *fx;

	nxr_fixture_layout = NXR_LAYOUT_ROWS;	/* a zstd frame per segment */
	fx = nxr_fixture_build(1, 20, false);
	nxr_fixture_layout = was;
	const uint8_t *seg, *z;
	struct nxr_seg_hdr h;
	uint8_t *out, *p;
	size_t hs, len;
	struct damage_log d = { 0 };

	(void)state;
	assert_non_null(fx);
	seg = fx->buf + fx->seg_off[0];
	assert_null(nxr_seg_hdr_parse(seg, NXR_SEG_HDR_SIZE, &h));
	z = seg + NXR_SEG_HDR_SIZE;
	hs = ZSTD_frameHeaderSize(z, h.zlen);
	assert_false(ZSTD_isError(hs));
	out = calloc(1, fx->len + 64);
	assert_non_null(out);
	memcpy(out, fx->buf, fx->seg_off[0]);
	p = out + fx->seg_off[0] + NXR_SEG_HDR_SIZE;
	memcpy(p, z, 4);			/* frame magic */
	p[4] = 0x80;			/* 4-byte content size, not single-segment */
	p[5] = (31 - 10) << 3;		/* window descriptor: 2^31 */
	nxr_put_le32(p + 6, h.rawlen);
	memcpy(p + 10, z + hs, h.zlen - hs);
	h.zlen = (uint32_t)(10 + h.zlen - hs);
	h.zcrc = nxr_crc32c(0, p, h.zlen);
	nxr_seg_hdr_pack(&h, out + fx->seg_off[0]);
	nxr_seg_end_pack(nxr_seg_total(&h), p + h.zlen);
	len = fx->seg_off[0] + nxr_seg_total(&h);
	assert_int_equal(ZSTD_getFrameContentSize(p, h.zlen), h.rawlen);
	assert_int_equal(read_expect(out, len, fx, 0, &d), 0);
	assert_int_equal(d.calls, 2);	/* "not closed cleanly", then the segment */
	if (!strstr(d.last, "zstd window of 2147483648 bytes exceeds"))
		fail_msg("unexpected: %s", d.last);
	free(out);
	nxr_fixture_free(fx);
}

static void test_hostile_index_offsets(void **state)
{
	struct nxr_fixture *fx = *state;
	uint8_t *foot = fx->buf + fx->len - NXR_FOOTER_SIZE;
	uint64_t toff = nxr_get_le64(foot + 8);
	uint32_t tlen = nxr_get_le32(foot + 4);
	uint8_t *t = fx->buf + toff;
	uint8_t *e1 = t + NXR_TRAILER_FIXED + NXR_INDEX_ENTRY_SIZE;
	struct damage_log d = { 0 };

	/* entry 1 points back at entry 0's segment: a loop */
	nxr_put_le64(e1, fx->seg_off[0]);
	nxr_put_le32(t + tlen - 4, nxr_crc32c(0, t, tlen - 4));
	assert_int_equal(read_expect(fx->buf, fx->len, fx, 7, &d), 0);
	assert_true(d.calls >= 1);
	assert_non_null(strstr(d.last, "not closed cleanly"));

	/* a segment count that does not match the trailer's length */
	nxr_put_le32(t + 24, 0x7fffffff);
	nxr_put_le32(t + tlen - 4, nxr_crc32c(0, t, tlen - 4));
	memset(&d, 0, sizeof(d));
	assert_int_equal(read_expect(fx->buf, fx->len, fx, 7, &d), 0);
	assert_true(d.calls >= 1);

	/* a footer pointing at itself */
	nxr_put_le64(foot + 8, fx->len - NXR_FOOTER_SIZE);
	nxr_put_le32(foot + 32, nxr_crc32c(0, foot, 32));
	memset(&d, 0, sizeof(d));
	assert_int_equal(read_expect(fx->buf, fx->len, fx, 7, &d), 0);
	assert_true(d.calls >= 1);
}

static void test_damaged_footer_falls_back_to_scanning(void **state)
{
	struct nxr_fixture *fx = *state;
	struct damage_log d = { 0 };
	struct nxr_reader_opts opts = { .on_damage = on_damage, .ctx = &d };
	struct nx_err err = { 0 };
	const struct nxr_segment_info *a, *b;
	struct nxr_reader *good, *bad;
	uint32_t na, nb;
	uint8_t *copy = malloc(fx->len);

	assert_non_null(copy);
	memcpy(copy, fx->buf, fx->len);
	copy[fx->len - NXR_FOOTER_SIZE + 9] ^= 0x40;	/* trailer offset, CRC now wrong */
	good = nxr_reader_open_mem(fx->buf, fx->len, NULL, &err);
	bad = nxr_reader_open_mem(copy, fx->len, &opts, &err);
	assert_non_null(good);
	assert_non_null(bad);
	assert_int_equal(d.calls, 2);
	assert_non_null(strstr(d.first, "footer checksum mismatch; scanning"));
	assert_non_null(strstr(d.last, "not closed cleanly"));
	a = nxr_reader_segments(good, &na);
	b = nxr_reader_segments(bad, &nb);
	assert_int_equal(na, 3);
	assert_int_equal(nb, 3);
	assert_memory_equal(a, b, 3 * sizeof(*a));	/* the scan finds what the index says */
	nxr_reader_close(good);
	nxr_reader_close(bad);
	memset(&d, 0, sizeof(d));
	assert_int_equal(read_expect(copy, fx->len, fx, 7, &d), 0);
	free(copy);
}

/* Every event through nxr_reader_next_batch() with max events a call: the
 * fixture's events in order, never more than max nor two segments a call. */
static uint64_t read_batches(const uint8_t *buf, size_t len, const struct nxr_reader_opts *opts,
			     size_t max, struct nxr_event *all, struct nxr_reader_stats *st)
{
	struct nx_err err = { 0 };
	struct nxr_reader *r = nxr_reader_open_mem(buf, len, opts, &err);
	struct nxr_event *evs = calloc(max, sizeof(*evs)), want;
	uint64_t n = 0;
	int k;

	assert_non_null(r);
	assert_non_null(evs);
	while ((k = nxr_reader_next_batch(r, evs, max, &err)) > 0) {
		assert_true((size_t)k <= max);
		for (int i = 0; i < k; i++) {
			if (all) {
				all[n] = evs[i];
			} else {
				nxr_fixture_event(n, &want);
				/* strings still valid: compared before the next call */
				if (!nxr_event_equal(&evs[i], &want))
					fail_msg("event %" PRIu64 " differs (max %zu)", n, max);
			}
			n++;
		}
	}
	assert_int_equal(k, 0);
	if (st)
		nxr_reader_get_stats(r, st);
	nxr_reader_close(r);
	free(evs);
	return n;
}

static void test_batch_reads_what_next_reads(void **state)
{
	struct nxr_fixture *fx = *state;
	static const size_t maxes[] = { 1, 7, 100, 256, 100000 };
	struct nxr_reader_opts opts = { .kinds = 1u << NX_KIND_EXEC, .pid = 1000 };
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event evs[300], ev, want;
	uint64_t want_n = 0, n;
	int k;

	for (unsigned m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++)
		assert_int_equal(read_batches(fx->buf, fx->len, NULL, maxes[m], NULL, NULL),
				 fx->nevents);
	/* one segment a call: 100 events each, not 300 */
	r = nxr_reader_open_mem(fx->buf, fx->len, NULL, &err);
	assert_non_null(r);
	for (int s = 0; s < 3; s++)
		assert_int_equal(nxr_reader_next_batch(r, evs, 300, &err), 100);
	assert_int_equal(nxr_reader_next_batch(r, evs, 300, &err), 0);
	assert_int_equal(nxr_reader_next_batch(r, evs, 0, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "batch"));
	/* batches and single events mix */
	assert_int_equal(nxr_reader_rewind(r, &err), 0);
	assert_int_equal(nxr_reader_next(r, &ev, &err), 1);
	assert_int_equal(nxr_reader_next_batch(r, evs, 300, &err), 99);
	nxr_fixture_event(1, &want);
	assert_true(nxr_event_equal(&evs[0], &want));
	assert_int_equal(nxr_reader_next(r, &ev, &err), 1);
	nxr_fixture_event(100, &want);
	assert_true(nxr_event_equal(&ev, &want));
	nxr_reader_close(r);

	/* filters apply as they do to nxr_reader_next() */
	for (uint64_t i = 0; i < fx->nevents; i++) {
		nxr_fixture_event(i, &want);
		want_n += want.kind == NX_KIND_EXEC && want.pid == 1000;
	}
	r = nxr_reader_open_mem(fx->buf, fx->len, &opts, &err);
	assert_non_null(r);
	n = 0;
	while ((k = nxr_reader_next_batch(r, evs, 300, &err)) > 0) {
		for (int i = 0; i < k; i++) {
			assert_int_equal(evs[i].kind, NX_KIND_EXEC);
			assert_int_equal(evs[i].pid, 1000);
		}
		n += (uint64_t)k;
	}
	assert_true(want_n > 0);
	assert_int_equal(n, want_n);
	nxr_reader_close(r);
}

/* Unclosed (loss counted from the events) and damaged files, in batches. */
static void test_batch_unclosed_and_damaged(void **state)
{
	struct nxr_fixture *fx = nxr_fixture_build(3, 50, false);
	struct nxr_reader_stats st;
	struct nxr_event *all;
	uint64_t lost[4] = { 0 };
	uint8_t *copy;

	(void)state;
	assert_non_null(fx);
	assert_int_equal(read_batches(fx->buf, fx->len, NULL, 16, NULL, &st), 150);
	assert_false(st.closed_cleanly);
	for (uint64_t i = 0; i < 150; i++) {
		struct nxr_event ev;

		nxr_fixture_event(i, &ev);
		if (ev.kind == NX_KIND_LOSS)
			lost[ev.loss.reason] += ev.loss.count;
	}
	assert_true(lost[1] + lost[2] + lost[3] > 0);
	assert_memory_equal(st.lost, lost, sizeof(lost));

	/* the middle segment's payload damaged: the other two read */
	copy = malloc(fx->len);
	all = calloc(150, sizeof(*all));
	assert_non_null(copy);
	assert_non_null(all);
	memcpy(copy, fx->buf, fx->len);
	copy[fx->seg_off[1] + 76 + 3] ^= 0x10;
	assert_int_equal(read_batches(copy, fx->len, NULL, 64, all, &st), 100);
	assert_int_equal(st.damaged_segments, 1);
	for (uint64_t i = 0; i < 100; i++) {
		struct nxr_event want;

		nxr_fixture_event(i < 50 ? i : i + 50, &want);
		assert_int_equal(all[i].kind, want.kind);
		assert_int_equal(all[i].ts_ns, want.ts_ns);
	}
	free(all);
	free(copy);
	nxr_fixture_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_every_kind, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_meta_round_trips, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_filters_and_seek, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_time_filter, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_open_file_by_path, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cut_at_every_offset_of_last_two_segments,
						fixture_setup, fixture_teardown),
		cmocka_unit_test(test_unclosed_file_reads_back),
		cmocka_unit_test_setup_teardown(test_damaged_footer_falls_back_to_scanning,
						fixture_setup, fixture_teardown),
		cmocka_unit_test(test_zero_and_garbage_tail_is_not_closed),
		cmocka_unit_test(test_every_bit_flip_is_detected),
		cmocka_unit_test(test_empty_and_foreign_files_are_refused),
		cmocka_unit_test_setup_teardown(test_future_major_version_is_refused,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_header_counts, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_hostile_probe_count),
		cmocka_unit_test_setup_teardown(test_damaged_header_keeps_the_segments,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_segment_lengths, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_hostile_zstd_window),
		cmocka_unit_test_setup_teardown(test_header_declares_columns_only_when_used,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_index_offsets, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_batch_reads_what_next_reads, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_batch_unclosed_and_damaged),
	};

	/* every test on recordings of both layouts: columns (the default), 1.0 rows */
	return cmocka_run_group_tests_name("reader, columns", tests, nxr_fixture_columns, NULL) |
	       cmocka_run_group_tests_name("reader, rows", tests, nxr_fixture_rows, NULL) |
	       cmocka_run_group_tests_name("reader, columns 1.5", tests, nxr_fixture_columns_1_5,
					   NULL) |
	       cmocka_run_group_tests_name("reader, columns 1.4", tests, nxr_fixture_columns_1_4,
					   NULL) |
	       cmocka_run_group_tests_name("reader, columns 1.1", tests, nxr_fixture_columns_1_1,
					   NULL);
}
