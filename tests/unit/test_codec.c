/*
 * tests/unit/test_codec.c: the event record encoding: edge values of every
 * field type and kind, compactness, and forward compatibility (unknown kinds
 * and appended fields skipped by length, missing fields read as 0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "format/bytes.h"
#include "format/codec.h"
#include "format/limits.h"
#include "tests/unit/fixture.h"

static uint8_t buf[4 * (NXR_MAX_EVENT_STR + 64)];

static void round_trip(const struct nxr_event *ev)
{
	struct nxr_codec enc, dec;
	struct nxr_event back;
	const uint8_t *p = buf;
	size_t n, bound;

	nxr_codec_reset(&enc);
	nxr_codec_reset(&dec);
	bound = nxr_codec_check_bound(ev);
	assert_true(bound > 0);				/* the writer can encode it */
	assert_true(bound <= sizeof(buf));
	n = nxr_codec_encode(&enc, ev, buf);
	assert_true(n <= bound);
	assert_int_equal(nxr_codec_decode(&dec, &p, buf + n, &back), 1);
	assert_ptr_equal(p, buf + n);
	assert_true(nxr_event_equal(ev, &back));
}

/* Every integer field of every kind at 0, 1, max; strings empty and max. */
static void test_every_kind_edge_values(void **state)
{
	static char big[NXR_MAX_EVENT_STR];
	static const uint64_t vals[] = { 0, 1, 127, 128, UINT32_MAX, UINT64_MAX, 1ull << 63 };
	unsigned nk;
	const struct nxr_kind_desc *kd = nxr_kind_descs(&nk);

	(void)state;
	memset(big, 0xff, sizeof(big));
	for (unsigned k = 0; k < nk; k++) {
		for (unsigned v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			struct nxr_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.kind = kd[k].kind;
			ev.pid = (uint32_t)vals[v];
			ev.tid = (uint32_t)(vals[v] >> 1);
			ev.ts_ns = vals[v];
			for (unsigned f = 0; f < kd[k].nfields; f++) {
				const struct nxr_field_desc *fd = &kd[k].fields[f];
				char *at = (char *)&ev + fd->offset;

				switch (fd->type) {
				case NXR_FT_U32:
					*(uint32_t *)at = (uint32_t)vals[v];
					break;
				case NXR_FT_U64:
					*(uint64_t *)at = vals[v];
					break;
				case NXR_FT_S64:
					*(int64_t *)at = (int64_t)vals[v];
					if (v == 2)
						*(int64_t *)at = -4095;	/* a -errno */
					break;
				case NXR_FT_STR:
					((struct nxr_str *)at)->ptr = big;
					((struct nxr_str *)at)->len = v & 1 ? NXR_MAX_EVENT_STR : 0;
					break;
				}
			}
			round_trip(&ev);
		}
	}
}

static void test_fixture_stream_round_trips_with_negative_deltas(void **state)
{
	struct nxr_codec enc, dec;
	struct nxr_event ev, back;
	uint8_t *p = buf;
	const uint8_t *q = buf;
	int negative = 0;
	uint64_t prev = 0;

	(void)state;
	nxr_codec_reset(&enc);
	nxr_codec_reset(&dec);
	for (uint64_t i = 0; i < 200; i++) {
		nxr_fixture_event(i, &ev);
		negative += ev.ts_ns < prev;
		prev = ev.ts_ns;
		p += nxr_codec_encode(&enc, &ev, p);
	}
	assert_true(negative > 10);
	for (uint64_t i = 0; i < 200; i++) {
		nxr_fixture_event(i, &ev);
		assert_int_equal(nxr_codec_decode(&dec, &q, p, &back), 1);
		assert_true(nxr_event_equal(&ev, &back));
	}
	assert_ptr_equal(q, p);
}

static void test_repeats_cost_nothing(void **state)
{
	struct nxr_codec c;
	struct nxr_event ev = { .kind = NX_KIND_SYSCALL, .pid = 12345, .tid = 12345,
				.ts_ns = 1000 };
	size_t first, second;

	(void)state;
	nxr_codec_reset(&c);
	first = nxr_codec_encode(&c, &ev, buf);
	ev.ts_ns += 500;
	second = nxr_codec_encode(&c, &ev, buf);
	/* tag, length, 2-byte time delta, empty presence mask: no field repeated */
	assert_int_equal(second, 1 + 1 + 2 + 1);
	assert_int_equal(first, second + 2);	/* + the pid's 2-byte varint */
	assert_true(buf[0] & NXR_TAG_SAME_TASK);
	/* one changed field: its mask bit and its value */
	ev.syscall.ret = -11;
	assert_int_equal(nxr_codec_encode(&c, &ev, buf), 1 + 1 + 1 + 1 + 1);
}

/* A record of kind 200 from a newer writer: skipped by length, and the
 * deltas that follow stay right. */
static void test_unknown_kind_is_skipped(void **state)
{
	struct nxr_codec enc, dec;
	struct nxr_event ev, back;
	uint8_t *p = buf;
	const uint8_t *q = buf;

	(void)state;
	nxr_codec_reset(&enc);
	nxr_codec_reset(&dec);
	nxr_fixture_event(0, &ev);
	p += nxr_codec_encode(&enc, &ev, p);
	/* hand-made: tag ESC | TID_IS_PID, kind 200, pid 7, body: delta +10, junk */
	*p++ = NXR_TAG_KIND_ESC | NXR_TAG_TID_IS_PID;
	p = nxr_put_varint(p, 200);
	p = nxr_put_varint(p, 7);
	*p++ = 5;
	p = nxr_put_varint(p, nxr_zigzag(10));
	memcpy(p, "\xff\xff\xff\x01", 4);
	p += 4;
	enc.key += 10;
	enc.pid = enc.tid = 7;
	nxr_fixture_event(1, &ev);
	p += nxr_codec_encode(&enc, &ev, p);

	assert_int_equal(nxr_codec_decode(&dec, &q, p, &back), 1);
	assert_int_equal(nxr_codec_decode(&dec, &q, p, &back), 0);
	assert_int_equal(back.kind, 200);
	assert_int_equal(back.pid, 7);
	assert_int_equal(nxr_codec_decode(&dec, &q, p, &back), 1);
	assert_true(nxr_event_equal(&ev, &back));
	assert_ptr_equal(q, p);
}

/* A newer writer appended a field to EXIT; an older writer wrote fewer. */
static void test_appended_and_missing_fields(void **state)
{
	struct nxr_codec dec;
	struct nxr_event back;
	uint8_t rec[32] = { 0 }, *p = rec;
	const uint8_t *q;

	(void)state;
	/* EXIT with code=3, flags=1, and an unknown third field 99 */
	*p++ = NX_KIND_EXIT | NXR_TAG_TID_IS_PID;
	*p++ = 5;		/* pid */
	*p++ = 5;		/* body length */
	*p++ = 0;		/* time delta 0 */
	*p++ = 7;		/* presence: code, flags, and field 2 */
	*p++ = 3;
	*p++ = 1;
	*p++ = 99;
	nxr_codec_reset(&dec);
	q = rec;
	assert_int_equal(nxr_codec_decode(&dec, &q, p, &back), 1);
	assert_ptr_equal(q, p);
	assert_int_equal(back.exit.code, 3);
	assert_int_equal(back.exit.flags, 1);

	/* SYSCALL with only arg1: every other field repeats the (zero) previous */
	p = rec;
	*p++ = NX_KIND_SYSCALL | NXR_TAG_TID_IS_PID;
	*p++ = 5;
	*p++ = 3;
	*p++ = 0;
	*p++ = 1;
	*p++ = 42;
	nxr_codec_reset(&dec);
	memset(&back, 0xaa, sizeof(back));
	q = rec;
	assert_int_equal(nxr_codec_decode(&dec, &q, p, &back), 1);
	assert_int_equal(back.syscall.arg1, 42);
	assert_int_equal(back.syscall.arg2, 0);
	assert_int_equal(back.syscall.ret, 0);
	assert_int_equal(back.syscall.nr, 0);
	assert_int_equal(back.syscall.flags, 0);
}

static void test_malformed_records_are_refused(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "", 0 },					/* nothing */
		{ "\x80", 1 },					/* reserved tag bit */
		{ "\x00\x05\x01\x00", 4 },			/* kind 0 */
		{ "\x61\x01\x00", 3 },				/* SAME_TASK and TID_IS_PID */
		{ "\x44\x05\x00", 3 },				/* empty body */
		{ "\x44\x05\x09\x00", 4 },			/* body past the end */
		{ "\x44\x05\x02\x00\x80", 5 },			/* varint cut by the body */
		{ "\x44\xff\xff\xff\xff\x7f\x01\x00", 8 },	/* pid > 32 bits */
		{ "\x44\x05\x03\x00\x01\xff", 6 },		/* exit code varint cut */
		{ "\x44\x05\x02\x00\x01", 5 },			/* present field missing */
		{ "\x44\x05\x08\x00\x01\xff\xff\xff\xff\x7f\x00", 11 },	/* code > 32 bits */
		{ "\x43\x05\x03\x00\x08\x05", 6 },		/* string past its body */
		{ "\x5f\x05\x05\x01\x00", 5 },			/* escaped kind < 31 */
		{ "\x44\x05\x0b\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 14 },
								/* 10-byte varint > 64 bits */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nxr_codec c;
		struct nxr_event ev;
		const uint8_t *q = (const uint8_t *)bad[i].bytes;

		nxr_codec_reset(&c);
		if (nxr_codec_decode(&c, &q, q + bad[i].len, &ev) != -1)
			fail_msg("bad record %u decoded", i);
	}
}

static void test_check_refuses_what_the_reader_would(void **state)
{
	static char big[NXR_MAX_EVENT_STR + 1];
	struct nxr_event ev = { .kind = NX_KIND_CALL };

	(void)state;
	ev.call.data.ptr = big;
	ev.call.data.len = sizeof(big);
	assert_int_equal(nxr_codec_check_bound(&ev), 0);
	ev.call.data.ptr = NULL;
	ev.call.data.len = 1;
	assert_int_equal(nxr_codec_check_bound(&ev), 0);
	ev.call.data.len = 0;
	assert_true(nxr_codec_check_bound(&ev) > 0);
	ev.kind = 0;
	assert_int_equal(nxr_codec_check_bound(&ev), 0);
	ev.kind = 77;
	assert_int_equal(nxr_codec_check_bound(&ev), 0);
}

static void test_varint_and_zigzag_edges(void **state)
{
	static const uint64_t u[] = { 0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX >> 1,
				      UINT64_MAX };
	static const int64_t s[] = { 0, -1, 1, INT64_MIN, INT64_MAX, -4095 };
	uint8_t b[NXR_VARINT_MAX];

	(void)state;
	for (unsigned i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		const uint8_t *q = b;
		uint8_t *e = nxr_put_varint(b, u[i]);
		uint64_t v;

		assert_int_equal(e - b, nxr_varint_len(u[i]));
		assert_int_equal(nxr_get_varint(&q, e, &v), 0);
		assert_int_equal(v, u[i]);
		q = b;
		assert_int_equal(nxr_get_varint(&q, e - 1, &v), -1);	/* cut short */
	}
	assert_int_equal(nxr_varint_len(UINT64_MAX), 10);
	for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		assert_int_equal(nxr_unzigzag(nxr_zigzag(s[i])), s[i]);
	assert_int_equal(nxr_zigzag(-1), 1);
	assert_int_equal(nxr_zigzag(1), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_edge_values),
		cmocka_unit_test(test_fixture_stream_round_trips_with_negative_deltas),
		cmocka_unit_test(test_repeats_cost_nothing),
		cmocka_unit_test(test_unknown_kind_is_skipped),
		cmocka_unit_test(test_appended_and_missing_fields),
		cmocka_unit_test(test_malformed_records_are_refused),
		cmocka_unit_test(test_check_refuses_what_the_reader_would),
		cmocka_unit_test(test_varint_and_zigzag_edges),
	};

	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
