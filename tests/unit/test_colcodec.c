/*
 * tests/unit/test_colcodec.c: the column payload (format 1.1): edge values of
 * every kind, every FOR block width, every column scheme, random streams
 * decoded equal to what the row codec decodes, forward compatibility
 * (unknown kinds and appended fields skipped, missing fields read as 0), and
 * damaged payloads refused without reading out of bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "format/bytes.h"
#include "format/codec.h"
#include "format/colcodec.h"
#include "format/huff.h"
#include "format/limits.h"
#include "tests/unit/fixture.h"

static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

/* Encodes evs[0..n) as one payload, copies it into a padded buffer. */
static uint8_t *encode(struct nxr_colenc *e, const struct nxr_event *evs, size_t n, size_t *len)
{
	const uint8_t *out;
	uint8_t *copy;
	uint64_t bound;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(nxr_colenc_add(e, &evs[i]), 0);
	assert_int_equal(nxr_colenc_events(e), n);
	bound = nxr_colenc_bound(e);
	assert_int_equal(nxr_colenc_finish(e, cctx, &out, len), 0);
	assert_int_equal(nxr_colenc_events(e), 0);
	assert_int_equal(nxr_colenc_staged(e), 0);
	assert_true(*len <= bound + 4096);	/* the bound limits.h promises */
	copy = calloc(1, *len + NXR_COL_PAD);
	assert_non_null(copy);
	memcpy(copy, out, *len);
	return copy;
}

/* Loads buf (n events) into d; every event decodes equal to evs[i]. */
static void expect_decoded(struct nxr_coldec *d, const uint8_t *buf, size_t len,
			   const struct nxr_event *evs, size_t n)
{
	struct nxr_event back;
	const char *why = NULL;

	assert_int_equal(nxr_coldec_load(d, buf, len, (uint32_t)n, dctx, &why), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(nxr_coldec_next(d, &back), 1);
		if (!nxr_event_equal(&evs[i], &back))
			fail_msg("event %zu of %zu (kind %u) differs", i, n, evs[i].kind);
	}
}

/* Payload round trip of n events: every one decodes equal. */
/* evs[0..n) through e as one payload, read back equal by d, and no more */
static void expect_segment(struct nxr_colenc *e, struct nxr_coldec *d,
			   const struct nxr_event *evs, size_t n)
{
	struct nxr_event back;
	size_t len;
	uint8_t *buf = encode(e, evs, n, &len);

	expect_decoded(d, buf, len, evs, n);
	assert_int_equal(nxr_coldec_next(d, &back), -1);
	free(buf);
}

static size_t round_trip(const struct nxr_event *evs, size_t n)
{
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event back;
	uint8_t *buf;
	size_t len;

	assert_non_null(e);
	assert_non_null(d);
	buf = encode(e, evs, n, &len);
	expect_decoded(d, buf, len, evs, n);
	assert_int_equal(nxr_coldec_next(d, &back), -1);
	free(buf);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
	return len;
}

static void set_field(struct nxr_event *ev, const struct nxr_field_desc *fd, uint64_t v,
		      const char *s, uint32_t slen)
{
	char *at = (char *)ev + fd->offset;

	switch (fd->type) {
	case NXR_FT_U32:
		*(uint32_t *)at = (uint32_t)v;
		break;
	case NXR_FT_U64:
		*(uint64_t *)at = v;
		break;
	case NXR_FT_S64:
		*(int64_t *)at = (int64_t)v;
		break;
	case NXR_FT_STR:
		((struct nxr_str *)at)->ptr = s;
		((struct nxr_str *)at)->len = slen;
		break;
	}
}

/* Every field of every kind at 0, 1, 127, 128, max, 2^63, -errno; strings
 * empty and of the largest length; in one payload and one per event. */
static void test_every_kind_edge_values(void **state)
{
	static char big[NXR_MAX_EVENT_STR];
	static const uint64_t vals[] = { 0, 1, 127, 128, UINT32_MAX, UINT64_MAX, 1ull << 63,
					 (uint64_t)-4095 };
	enum { NV = sizeof(vals) / sizeof(vals[0]) };
	struct nxr_event evs[NX_KIND_MAX_ID * NV];
	unsigned nk, n = 0;
	const struct nxr_kind_desc *kd = nxr_kind_descs(&nk);

	(void)state;
	memset(big, 0xa5, sizeof(big));
	for (unsigned k = 0; k < nk; k++) {
		for (unsigned v = 0; v < NV; v++) {
			struct nxr_event *ev = &evs[n++];

			memset(ev, 0, sizeof(*ev));
			ev->kind = kd[k].kind;
			ev->pid = (uint32_t)vals[v];
			ev->tid = (uint32_t)(vals[v] >> 1);
			ev->ts_ns = vals[v];
			for (unsigned f = 0; f < kd[k].nfields; f++) {
				uint64_t x = vals[v];

				if (kd[k].fields[f].type == NXR_FT_U32)
					x = (uint32_t)x;
				set_field(ev, &kd[k].fields[f], x, big,
					  v & 1 ? NXR_MAX_EVENT_STR : (uint32_t)v);
			}
			round_trip(ev, 1);
		}
	}
	round_trip(evs, n);
}

/* One syscall column of 300 values (three blocks, the last partial) whose
 * range needs exactly w bits, for every w: packing at every width. */
static void test_every_block_width(void **state)
{
	static struct nxr_event evs[300];

	(void)state;
	for (unsigned w = 0; w <= 64; w++) {
		uint64_t base = w == 64 ? 0 : rnd();

		for (unsigned i = 0; i < 300; i++) {
			uint64_t bits = w == 64 ? rnd() : w ? rnd() & ((1ull << w) - 1) : 0;

			if (w && i % 128 == 5)	/* every block reaches both ends */
				bits = w == 64 ? ~0ull : (1ull << w) - 1;
			if (w && i % 128 == 6)
				bits = 0;
			memset(&evs[i], 0, sizeof(evs[i]));
			evs[i].kind = NX_KIND_SYSCALL;
			evs[i].pid = evs[i].tid = 7;
			evs[i].ts_ns = 1000 + i;
			evs[i].syscall.arg1 = base + bits;	/* FOR or DICT of random values */
			evs[i].syscall.arg2 = base + bits * 3;
			evs[i].syscall.ret = (int64_t)(bits ^ (bits >> 1));
			evs[i].syscall.dur_ns = i * bits;	/* DELTA-friendly at small w */
			evs[i].syscall.nr = (uint32_t)(w % 3);
		}
		round_trip(evs, 300);
	}
}

/*
 * A stream that makes every scheme win somewhere: constant, sorted (DELTA),
 * few distinct values (DICT), long runs (RLE), per-task repeats (TREP),
 * random (FOR), over many tasks, groups and more than one sample's worth.
 */
static void test_every_scheme(void **state)
{
	enum { N = 20000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	static const uint64_t addrs[] = { 0x7ffd12340000ull, 0x55d0c0de0000ull, 0xffffffffff600000ull };
	uint64_t t = 5000000000ull, prev[40][3] = { { 0 } };

	(void)state;
	assert_non_null(evs);
	for (unsigned i = 0; i < N; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned task = (i / 50) % 40;

		t += 200 + rnd() % 1800;
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = 100 + task / 3;
		ev->tid = 100 + task;
		ev->ts_ns = t;
		ev->syscall.nr = (uint32_t)(rnd() % 8 ? rnd() % 12 : 300 + rnd() % 200);
		ev->syscall.arg1 = rnd() % 10 ? prev[task][0] : (prev[task][0] = rnd());
		ev->syscall.arg2 = addrs[rnd() % 3];
		ev->syscall.arg3 = i;
		ev->syscall.arg4 = (i / 1000) & 1;
		ev->syscall.arg5 = rnd();
		ev->syscall.arg6 = 42;
		ev->syscall.ret = rnd() % 4 ? -11 : (int64_t)(rnd() % 65536);
		ev->syscall.dur_ns = 100 + rnd() % 5000;
		ev->syscall.flags = NX_SYS_EXITED;
	}
	round_trip(evs, N);
	free(evs);
}

/* Many short processes repeating one sequence of syscalls, each with its
 * own address space layout (a shell loop): zstd-wrapped columns. */
static void test_similar_processes(void **state)
{
	enum { N = 12000, SEQ = 40 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	uint64_t t = 1000000, base = 0;

	(void)state;
	assert_non_null(evs);
	for (unsigned i = 0; i < N; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned k = i % SEQ;

		if (k == 0)
			base = 0x7f0000000000ull + (rnd() & 0xfffffff000ull);
		t += 500 + rnd() % 3000;
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = ev->tid = 1000 + i / SEQ;
		ev->ts_ns = t;
		ev->syscall.nr = k % 7;
		ev->syscall.arg1 = base + k * 4096;
		ev->syscall.arg2 = k * 8;
		ev->syscall.arg3 = base + 0x10000 + k;
		ev->syscall.ret = (int64_t)(base + k * 64);
		ev->syscall.dur_ns = 300 + k * 17 + rnd() % 8;
		ev->syscall.flags = NX_SYS_EXITED;
	}
	round_trip(evs, N);
	free(evs);
}

/* Random events of every kind, random field values of several shapes:
 * the column payload reads back what the row codec reads back. */
static void test_random_streams_match_the_row_codec(void **state)
{
	static char text[256];
	unsigned nk;
	const struct nxr_kind_desc *kd = nxr_kind_descs(&nk);
	static uint8_t rows[1 << 22];

	(void)state;
	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	for (unsigned round = 0; round < 20; round++) {
		size_t n = 1 + rnd() % (round < 10 ? 50 : 5000);
		struct nxr_event *evs = calloc(n, sizeof(*evs));
		struct nxr_codec enc, dec;
		struct nxr_event back;
		const uint8_t *p = rows;
		size_t rl = 0;

		assert_non_null(evs);
		nxr_codec_reset(&enc);
		nxr_codec_reset(&dec);
		for (size_t i = 0; i < n; i++) {
			const struct nxr_kind_desc *k = &kd[rnd() % (round % 2 ? nk : 2)];
			unsigned shape = (unsigned)(rnd() % 4);

			evs[i].kind = k->kind;
			evs[i].pid = (uint32_t)(rnd() % 5);
			evs[i].tid = evs[i].pid + (uint32_t)(rnd() % 2);
			evs[i].ts_ns = (i ? evs[i - 1].ts_ns : 0) + rnd() % 3000;
			for (unsigned f = 0; f < k->nfields; f++) {
				uint64_t v = shape == 0 ? rnd() % 4 : shape == 1 ? rnd()
					   : shape == 2 ? (uint64_t)-(int64_t)(rnd() % 200) : 12345;

				if (k->fields[f].type == NXR_FT_U32)
					v = (uint32_t)v;
				set_field(&evs[i], &k->fields[f], v, text + rnd() % 128,
					  (uint32_t)(rnd() % 100));
			}
			assert_true(nxr_codec_check_bound(&evs[i]) + rl <= sizeof(rows));
			rl += nxr_codec_encode(&enc, &evs[i], rows + rl);
		}
		round_trip(evs, n);
		for (size_t i = 0; i < n; i++) {	/* and rows give the same */
			assert_int_equal(nxr_codec_decode(&dec, &p, rows + rl, &back), 1);
			assert_true(nxr_event_equal(&evs[i], &back));
		}
		free(evs);
	}
}

/*
 * One decoder over segments of every size order: larger than any before
 * (a new region for its buffers), one kind's events growing while the
 * segment does not (that kind's buffers apart from the region, then the
 * region redone at the next segment), smaller again: every event reads
 * back equal.
 */
static void test_one_decoder_many_sizes(void **state)
{
	static const struct { unsigned n, sel; } seg[] = {
		{ 5, 2 }, { 3000, 0 }, { 10, 1 }, { 9000, 0 }, { 9000, 1 }, { 9000, 2 },
		{ 100, 0 }, { 20000, 2 }, { 20000, 1 }, { 7, 0 }, { 20000, 0 },
	};
	static char text[256];
	unsigned nk;
	const struct nxr_kind_desc *kd = nxr_kind_descs(&nk);
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event *evs = calloc(20000, sizeof(*evs));

	(void)state;
	assert_non_null(e);
	assert_non_null(d);
	assert_non_null(evs);
	nxr_colenc_set_entropy(e, true);
	nxr_colenc_set_lists(e, true);
	nxr_colenc_set_context(e, true);
	nxr_colenc_set_timing(e, true);
	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	for (unsigned s = 0; s < sizeof(seg) / sizeof(*seg); s++) {
		unsigned n = seg[s].n;

		memset(evs, 0, n * sizeof(*evs));
		for (unsigned i = 0; i < n; i++) {
			const struct nxr_kind_desc *k = &kd[seg[s].sel < 2 ? seg[s].sel : rnd() % nk];

			evs[i].kind = k->kind;
			evs[i].pid = (uint32_t)(rnd() % 7);
			evs[i].tid = evs[i].pid + (uint32_t)(rnd() % 2);
			evs[i].ts_ns = (i ? evs[i - 1].ts_ns : 0) + rnd() % 3000;
			for (unsigned f = 0; f < k->nfields; f++) {
				uint64_t v = rnd() % 3 ? rnd() % 64 : rnd();

				if (k->fields[f].type == NXR_FT_U32)
					v = (uint32_t)v;
				set_field(&evs[i], &k->fields[f], v, text + rnd() % 128,
					  (uint32_t)(rnd() % 100));
			}
		}
		expect_segment(e, d, evs, n);
	}
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/* The synthetic stream the fixtures use: 10 000 events, several kinds. */
static void test_fixture_stream(void **state)
{
	enum { N = 10000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));

	(void)state;
	assert_non_null(evs);
	for (unsigned i = 0; i < N; i++)
		nxr_fixture_event(i, &evs[i]);
	round_trip(evs, N);
	free(evs);
}

/* ---- hand-made payloads: forward compatibility ---- */

/* A FOR column of n byte values (width 8) over base (>= 0). */
static uint8_t *col8(uint8_t *p, const uint8_t *v, unsigned n, uint64_t base)
{
	*p++ = 0;		/* FOR */
	*p++ = 8;		/* width */
	p = nxr_put_varint(p, nxr_zigzag((int64_t)base));
	memcpy(p, v, n);
	return p + n;
}

/*
 * Three events: a syscall, a kind 99 this build does not know, a syscall.
 * The syscall section has 12 fields (two appended by a "newer writer"), or
 * only 2 (an "older writer": the rest read as 0).
 */
static size_t handmade_sel(uint8_t *buf, unsigned nfields, uint64_t nr_base, int grouped);

static size_t handmade(uint8_t *buf, unsigned nfields, uint64_t nr_base)
{
	return handmade_sel(buf, nfields, nr_base, 0);
}

/* handmade(), or with grouped the syscalls grouped by nr (its column first:
 * grouped 1, FOR; 2, DICT as the writer codes it) */
static size_t handmade_sel(uint8_t *buf, unsigned nfields, uint64_t nr_base, int grouped)
{
	static const uint8_t kinds[] = { 1, 99, 1 }, tasks[] = { 0, 0, 0 },
			     keys[] = { 10, 20, 30 };
	uint8_t *p = buf, *body, *len;

	*p++ = 1;			/* one task */
	*p++ = 7;			/* pid 7 */
	*p++ = 8;			/* tid 8 */
	p = col8(p, kinds, 3, 0);
	p = col8(p, tasks, 3, 0);
	p = col8(p, keys, 3, 0);
	*p++ = 2;			/* two sections */
	*p++ = 99;			/* the unknown kind first: skipped by its length */
	*p++ = 1;
	*p++ = 5;
	memcpy(p, "hello", 5);
	p += 5;
	*p++ = 1;			/* syscall */
	*p++ = 2;			/* two events */
	len = p++;
	body = p;
	*p++ = (uint8_t)nfields;
	*p++ = grouped ? 9 : 0;		/* grouped by field 8, nr */
	for (unsigned i = 0; i < nfields; i++) {
		unsigned f = !grouped ? i : i == 0 ? 8 : i <= 8 ? i - 1 : i;
		uint8_t v[2] = { (uint8_t)(f + 1), (uint8_t)(f + 100) }, *cl = p++;

		if (f == 8 && grouped == 2) {
			*p++ = 2;			/* DICT of 2 values, indices 0 1 */
			*p++ = 2;
			p = col8(p, v, 2, nr_base);
			*p++ = 1, *p++ = 0, *p++ = 2;
		} else {
			p = col8(p, v, 2, f == 8 ? nr_base : 0);	/* field 8: nr, a U32 */
		}
		*cl = (uint8_t)(p - cl - 1);
	}
	*len = (uint8_t)(p - body);
	return (size_t)(p - buf);
}

static void test_unknown_kinds_and_appended_fields(void **state)
{
	uint8_t buf[256] = { 0 };
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event ev;
	const char *why = NULL;
	size_t len;

	(void)state;
	assert_non_null(d);
	len = handmade(buf, 12, 0);
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), 0);
	assert_int_equal(nxr_coldec_next(d, &ev), 1);
	assert_int_equal(ev.kind, NX_KIND_SYSCALL);
	assert_int_equal(ev.pid, 7);
	assert_int_equal(ev.tid, 8);
	assert_int_equal(ev.syscall.arg1, 1);
	assert_int_equal(ev.syscall.flags, 10);
	assert_int_equal(ev.syscall.dur_ns, 8);
	assert_int_equal(ev.ts_ns, 10 - 8);	/* the key is the exit time */
	assert_int_equal(nxr_coldec_next(d, &ev), 0);	/* kind 99 */
	assert_int_equal(ev.kind, 99);
	assert_int_equal(ev.ts_ns, 20);
	assert_int_equal(ev.pid, 7);
	assert_int_equal(nxr_coldec_next(d, &ev), 1);
	assert_int_equal(ev.syscall.arg1, 100);
	assert_int_equal(ev.syscall.flags, 109);
	assert_int_equal(nxr_coldec_next(d, &ev), -1);

	len = handmade(buf, 2, 0);		/* arg1, arg2 only */
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), 0);
	assert_int_equal(nxr_coldec_next(d, &ev), 1);
	assert_int_equal(ev.syscall.arg2, 2);
	assert_int_equal(ev.syscall.arg3, 0);
	assert_int_equal(ev.syscall.nr, 0);
	assert_int_equal(ev.ts_ns, 10);
	nxr_coldec_free(d);
}

/*
 * The payload good cut at every length (every 1 + cut / step-th when step),
 * every byte changed (every 1 + i / (4 step)-th), by bits 1 << xs apart:
 * refused or decoded, never a read out of bounds (ASan and valgrind run
 * this suite) nor a hang. Returns how many changed payloads were refused.
 */
static size_t damage(struct nxr_coldec *d, const uint8_t *good, size_t len, uint32_t n,
		     size_t step, unsigned xs)
{
	struct nxr_event ev;
	const char *why;
	uint8_t *bad;
	size_t refused = 0;

	for (size_t cut = 0; cut < len; cut += 1 + (step ? cut / step : 0)) {
		bad = malloc(cut + NXR_COL_PAD);
		assert_non_null(bad);
		memcpy(bad, good, cut);
		memset(bad + cut, 0, NXR_COL_PAD);
		why = NULL;
		assert_int_equal(nxr_coldec_load(d, bad, cut, n, dctx, &why), -EBADMSG);
		assert_non_null(why);
		free(bad);
	}
	bad = malloc(len + NXR_COL_PAD);
	assert_non_null(bad);
	for (size_t i = 0; i < len; i += 1 + (step ? i / (4 * step) : 0)) {
		for (unsigned x = 1; x < 256; x <<= xs) {
			memcpy(bad, good, len + NXR_COL_PAD);
			bad[i] ^= (uint8_t)x;
			if (nxr_coldec_load(d, bad, len, n, dctx, &why) < 0) {
				refused++;
				continue;
			}
			while (nxr_coldec_next(d, &ev) >= 0)
				;
		}
	}
	free(bad);
	return refused;
}

/* Cut at every length, every byte changed: refused or decoded, never a read
 * out of bounds (ASan and valgrind run this suite) nor a hang. */
static void test_damaged_payloads(void **state)
{
	enum { N = 400 };
	struct nxr_event evs[N];
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	const char *why;
	uint8_t *good;
	size_t len;

	(void)state;
	assert_non_null(e);
	assert_non_null(d);
	for (unsigned i = 0; i < N; i++)
		nxr_fixture_event(i, &evs[i]);
	good = encode(e, evs, N, &len);
	assert_true(damage(d, good, len, N, 0, 2) > 0);
	/* and wrong event counts */
	assert_int_equal(nxr_coldec_load(d, good, len, N + 1, dctx, &why), -EBADMSG);
	assert_int_equal(nxr_coldec_load(d, good, len, N - 1, dctx, &why), -EBADMSG);
	assert_int_equal(nxr_coldec_load(d, good, len, 0, dctx, &why), -EBADMSG);
	assert_int_equal(nxr_coldec_load(d, good, len, NXR_COL_MAX_EVENTS + 1, dctx, &why),
			 -EBADMSG);
	free(good);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/* A U32 field holding more than 32 bits, under a valid structure: refused. */
static void test_value_out_of_range_is_refused(void **state)
{
	uint8_t buf[256] = { 0 };
	struct nxr_coldec *d = nxr_coldec_new();
	const char *why = NULL;
	size_t len;

	(void)state;
	assert_non_null(d);
	len = handmade(buf, 10, UINT32_MAX - 200);	/* nr up to UINT32_MAX - 92: fine */
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), 0);
	len = handmade(buf, 10, UINT32_MAX - 50);	/* nr up to UINT32_MAX + 58 */
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), -EBADMSG);
	/* the same as the selector the syscalls are grouped by, in any scheme
	 * and in the writer's (DICT, read without decoding it in full) */
	for (int g = 1; g <= 2; g++) {
		struct nxr_event ev;

		len = handmade_sel(buf, 10, UINT32_MAX - 200, g);
		assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), 0);
		assert_int_equal(nxr_coldec_next(d, &ev), 1);
		assert_int_equal(ev.syscall.nr, UINT32_MAX - 200 + 9);
		assert_int_equal(ev.syscall.arg1, 1);
		len = handmade_sel(buf, 10, UINT32_MAX - 50, g);
		assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), -EBADMSG);
	}
	nxr_coldec_free(d);
}

/* ---- hand-made columns: TREP flags and DICT indices (decoder fast paths) ---- */

/*
 * n (<= 128) syscalls of one task, not grouped, every field 0 but field
 * `field`, whose column is the len bytes at col.
 */
static size_t one_column(uint8_t *buf, unsigned n, unsigned field, const uint8_t *col,
			 size_t len)
{
	uint8_t *p = buf, *body, *blen;

	*p++ = 1;			/* one task: pid 7, tid 7 */
	*p++ = 7;
	*p++ = 7;
	*p++ = 0, *p++ = 0, *p++ = 2;	/* kinds: FOR, width 0, base 1 */
	*p++ = 0, *p++ = 0, *p++ = 0;	/* tasks: all 0 */
	*p++ = 0, *p++ = 0, *p++ = 0;	/* keys: all 0 */
	*p++ = 1;			/* one section */
	*p++ = 1;			/* syscall */
	*p++ = (uint8_t)n;
	blen = p++;
	body = p;
	*p++ = 10;			/* ten fields */
	*p++ = 0;			/* not grouped */
	for (unsigned f = 0; f < 10; f++) {
		if (f == field) {
			*p++ = (uint8_t)len;
			memcpy(p, col, len);
			p += len;
		} else {
			*p++ = 3, *p++ = 0, *p++ = 0, *p++ = 0;
		}
	}
	*blen = (uint8_t)(p - body);
	return (size_t)(p - buf);
}

/* Loads the payload; on success checks arg2 of the n events against want. */
static int load_arg2(const uint8_t *col, size_t len, unsigned n, const uint64_t *want)
{
	uint8_t buf[512] = { 0 };
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event ev;
	const char *why = NULL;
	size_t plen = one_column(buf, n, 1, col, len);
	int rc;

	assert_non_null(d);
	rc = nxr_coldec_load(d, buf, plen, n, dctx, &why);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		assert_int_equal(nxr_coldec_next(d, &ev), 1);
		assert_int_equal(ev.syscall.arg2, want[i]);
	}
	if (rc)
		assert_non_null(why);
	nxr_coldec_free(d);
	return rc;
}

static void test_trep_flags(void **state)
{
	/* TREP, flags 1 0 1 0, then the 2 new values (FOR, width 8, base 0: 7 9) */
	static const uint64_t want[] = { 7, 7, 9, 9 }, all[] = { 7, 9, 11, 13 };
	/* width 1 over base 0 (the writer's block), bits past the 4th set: ignored */
	static const uint8_t w1[] = { 4, 1, 0, 0xf5, 0, 8, 0, 7, 9 };
	/* width 2 (read by the general path) */
	static const uint8_t w2[] = { 4, 2, 0, 0x11, 0, 8, 0, 7, 9 };
	/* width 2 with a flag of 2: refused */
	static const uint8_t w2bad[] = { 4, 2, 0, 0x12, 0, 8, 0, 7, 9 };
	/* width 0 over base 1: all new */
	static const uint8_t w0[] = { 4, 0, 2, 0, 8, 0, 7, 9, 11, 13 };
	/* width 0 over base 3: refused */
	static const uint8_t w0bad[] = { 4, 0, 6, 0, 8, 0, 7, 9, 11, 13 };
	/* a patched block of flags: width 0 base 0, flags at 0 and 2 from high bits */
	static const uint8_t patched[] = { 4, 0x80, 0, 2, 0, 2, 1, 0x03, 0, 8, 0, 7, 9 };
	/* flags 1 0 1 0 but three new values: the column does not end there */
	static const uint8_t extra[] = { 4, 1, 0, 0x05, 0, 8, 0, 7, 9, 11 };
	/* flags 1 1 1 1 but two values: cut */
	static const uint8_t few[] = { 4, 1, 0, 0x0f, 0, 8, 0, 7, 9 };

	(void)state;
	assert_int_equal(load_arg2(w1, sizeof(w1), 4, want), 0);
	assert_int_equal(load_arg2(w2, sizeof(w2), 4, want), 0);
	assert_int_equal(load_arg2(w2bad, sizeof(w2bad), 4, want), -EBADMSG);
	assert_int_equal(load_arg2(w0, sizeof(w0), 4, all), 0);
	assert_int_equal(load_arg2(w0bad, sizeof(w0bad), 4, all), -EBADMSG);
	assert_int_equal(load_arg2(patched, sizeof(patched), 4, want), 0);
	assert_int_equal(load_arg2(extra, sizeof(extra), 4, want), -EBADMSG);
	assert_int_equal(load_arg2(few, sizeof(few), 4, want), -EBADMSG);
}

static void test_dict_indices(void **state)
{
	/* DICT of 2 values (FOR, width 8, base 0: 5 6), then the 4 indices */
	static const uint64_t want[] = { 5, 6, 5, 6 }, w2want[] = { 5, 6, 6, 5 };
	/* width 1 over base 0: its range fits the dictionary, no check per value */
	static const uint8_t w1[] = { 2, 2, 0, 8, 0, 5, 6, 1, 0, 0x0a };
	/* width 2: range 0-3 passes the dictionary, each index checked: fine */
	static const uint8_t w2[] = { 2, 2, 0, 8, 0, 5, 6, 2, 0, 0x14 };
	/* width 2 holding an index of 2: refused */
	static const uint8_t w2bad[] = { 2, 2, 0, 8, 0, 5, 6, 2, 0, 0x24 };
	/* width 0 over base 2: past the dictionary */
	static const uint8_t base_bad[] = { 2, 2, 0, 8, 0, 5, 6, 0, 4 };
	/* patched: width 0 base 0, indices 1 at 1 and 3 from high bits */
	static const uint8_t patched[] = { 2, 2, 0, 8, 0, 5, 6, 0x80, 0, 2, 1, 3, 1, 0x03 };
	/* patched, one index of 2 from its high bits: refused */
	static const uint8_t patched_bad[] = { 2, 2, 0, 8, 0, 5, 6, 0x80, 0, 2, 1, 3, 2, 0x06 };
	/* width 64: the range test must not shift by 64 */
	static const uint8_t w64[] = { 2, 2, 0, 8, 0, 5, 6, 64, 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(load_arg2(w1, sizeof(w1), 4, want), 0);
	assert_int_equal(load_arg2(w2, sizeof(w2), 4, w2want), 0);
	assert_int_equal(load_arg2(w2bad, sizeof(w2bad), 4, want), -EBADMSG);
	assert_int_equal(load_arg2(base_bad, sizeof(base_bad), 4, want), -EBADMSG);
	assert_int_equal(load_arg2(patched, sizeof(patched), 4, want), 0);
	assert_int_equal(load_arg2(patched_bad, sizeof(patched_bad), 4, want), -EBADMSG);
	assert_int_equal(load_arg2(w64, sizeof(w64), 4, want), 0);
}

/*
 * Four syscalls grouped by nr (selector: field 8), whose column is the len
 * bytes at col; arg1 in grouped order 10 11 12 13, the rest 0. Loads it;
 * on success checks nr and arg1 of each event against want_nr, want_arg1.
 */
static int load_grouped(const uint8_t *col, size_t len, const uint64_t *want_nr,
			const uint64_t *want_arg1)
{
	static const uint8_t arg1[] = { 0, 8, 0, 10, 11, 12, 13 };
	uint8_t buf[256] = { 0 }, *p = buf, *body, *blen;
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event ev;
	const char *why = NULL;
	int rc;

	assert_non_null(d);
	*p++ = 1, *p++ = 7, *p++ = 7;	/* one task */
	*p++ = 0, *p++ = 0, *p++ = 2;	/* kinds: all 1 */
	*p++ = 0, *p++ = 0, *p++ = 0;	/* tasks */
	*p++ = 0, *p++ = 0, *p++ = 0;	/* keys */
	*p++ = 1, *p++ = 1, *p++ = 4;	/* a section: syscall, 4 events */
	blen = p++;
	body = p;
	*p++ = 10;
	*p++ = 9;			/* grouped by field 8, nr */
	*p++ = (uint8_t)len;
	memcpy(p, col, len);
	p += len;
	for (unsigned f = 0; f < 10; f++) {
		if (f == 8)
			continue;
		if (f == 0) {
			*p++ = sizeof(arg1);
			memcpy(p, arg1, sizeof(arg1));
			p += sizeof(arg1);
		} else {
			*p++ = 3, *p++ = 0, *p++ = 0, *p++ = 0;
		}
	}
	*blen = (uint8_t)(p - body);
	rc = nxr_coldec_load(d, buf, (size_t)(p - buf), 4, dctx, &why);
	for (unsigned i = 0; rc == 0 && i < 4; i++) {
		assert_int_equal(nxr_coldec_next(d, &ev), 1);
		assert_int_equal(ev.syscall.nr, want_nr[i]);
		assert_int_equal(ev.syscall.arg1, want_arg1[i]);
	}
	if (rc)
		assert_non_null(why);
	nxr_coldec_free(d);
	return rc;
}

/* The selector as a DICT: indices in first-appearance order are the groups
 * (no hashing); any other order, or a value twice, groups by the values. */
static void test_selector_dict(void **state)
{
	/* DICT [3 5], indices 0 1 0 1 (width 1: bits 1010) */
	static const uint8_t ordered[] = { 2, 2, 0, 8, 0, 3, 5, 1, 0, 0x0a };
	static const uint64_t o_nr[] = { 3, 5, 3, 5 }, o_arg1[] = { 10, 12, 11, 13 };
	/* DICT [3 5], indices 1 0 1 0: 5 first, so group 0 is 5 */
	static const uint8_t reversed[] = { 2, 2, 0, 8, 0, 3, 5, 1, 0, 0x05 };
	static const uint64_t r_nr[] = { 5, 3, 5, 3 };
	/* DICT [3 3]: one group, event order */
	static const uint8_t twice[] = { 2, 2, 0, 8, 0, 3, 3, 1, 0, 0x0a };
	static const uint64_t t_nr[] = { 3, 3, 3, 3 }, t_arg1[] = { 10, 11, 12, 13 };
	/* DICT [3 5], an index of 2: refused */
	static const uint8_t range[] = { 2, 2, 0, 8, 0, 3, 5, 2, 0, 0x24 };
	/* DICT [3 5], indices 0 3 1 0 and 2 0 1 0: out of range and out of
	 * order, refused by the full decoding */
	static const uint8_t skip[] = { 2, 2, 0, 8, 0, 3, 5, 2, 0, 0x1c };
	static const uint8_t first[] = { 2, 2, 0, 8, 0, 3, 5, 2, 0, 0x12 };
	/* DICT [3 5] with a byte after the column: refused */
	static const uint8_t longer[] = { 2, 2, 0, 8, 0, 3, 5, 1, 0, 0x0a, 0 };

	(void)state;
	assert_int_equal(load_grouped(ordered, sizeof(ordered), o_nr, o_arg1), 0);
	assert_int_equal(load_grouped(reversed, sizeof(reversed), r_nr, o_arg1), 0);
	assert_int_equal(load_grouped(twice, sizeof(twice), t_nr, t_arg1), 0);
	assert_int_equal(load_grouped(range, sizeof(range), o_nr, o_arg1), -EBADMSG);
	assert_int_equal(load_grouped(longer, sizeof(longer), o_nr, o_arg1), -EBADMSG);
	assert_int_equal(load_grouped(skip, sizeof(skip), o_nr, o_arg1), -EBADMSG);
	assert_int_equal(load_grouped(first, sizeof(first), o_nr, o_arg1), -EBADMSG);
}

/* col (len bytes) as a ZSTD column at out: mode, length, frame length,
 * frame, then extra bytes of 0; its length */
static size_t zstd_col(uint8_t *out, const uint8_t *col, size_t len, size_t extra)
{
	uint8_t frame[128];
	size_t zn = ZSTD_compress2(cctx, frame, sizeof(frame), col, len);

	assert_false(ZSTD_isError(zn));
	assert_true(zn < 128);
	out[0] = 6;
	out[1] = (uint8_t)len;
	out[2] = (uint8_t)zn;
	memcpy(out + 3, frame, zn);
	memset(out + 3 + zn, 0, extra);
	return 3 + zn + extra;
}

/* The selector compressed (ZSTD, a shell loop's): the grouping read from
 * the DICT inside as without it, a DICT out of order grouped by its
 * values; a ZSTD inside, or a byte after the frame, refused. */
static void test_selector_zstd(void **state)
{
	static const uint8_t ordered[] = { 2, 2, 0, 8, 0, 3, 5, 1, 0, 0x0a };
	static const uint64_t o_nr[] = { 3, 5, 3, 5 }, o_arg1[] = { 10, 12, 11, 13 };
	static const uint8_t reversed[] = { 2, 2, 0, 8, 0, 3, 5, 1, 0, 0x05 };
	static const uint64_t r_nr[] = { 5, 3, 5, 3 };
	static const uint8_t range[] = { 2, 2, 0, 8, 0, 3, 5, 2, 0, 0x24 };
	uint8_t col[160], twice[160];
	size_t len;

	(void)state;
	len = zstd_col(col, ordered, sizeof(ordered), 0);
	assert_int_equal(load_grouped(col, len, o_nr, o_arg1), 0);
	len = zstd_col(col, reversed, sizeof(reversed), 0);
	assert_int_equal(load_grouped(col, len, r_nr, o_arg1), 0);
	len = zstd_col(col, range, sizeof(range), 0);
	assert_int_equal(load_grouped(col, len, o_nr, o_arg1), -EBADMSG);
	len = zstd_col(col, ordered, sizeof(ordered), 1);
	assert_int_equal(load_grouped(col, len, o_nr, o_arg1), -EBADMSG);
	len = zstd_col(col, ordered, sizeof(ordered), 0);
	len = zstd_col(twice, col, len, 0);
	assert_int_equal(load_grouped(twice, len, o_nr, o_arg1), -EBADMSG);
}

/*
 * The kinds column as runs (the writer's RLE): kinds and tasks are checked
 * and handed out a run at a time. Runs of 1, 99 (unknown), 1 over tasks
 * 0 0 t: fine for t = 1 (two tasks), refused for t = 2 (past the table);
 * a run of kind 0 refused; runs that do not add up to the events refused.
 */
static size_t rle_kinds(uint8_t *buf, const uint8_t *kinds, const uint8_t *lens, unsigned nruns,
			uint8_t last_task)
{
	const uint8_t tasks[] = { 0, 0, last_task }, keys[] = { 10, 20, 30 };
	uint8_t *p = buf, *body, *len;

	*p++ = 2;			/* two tasks: 7/8, 9/9 */
	*p++ = 7, *p++ = 8, *p++ = 9, *p++ = 9;
	*p++ = 3;			/* kinds: RLE */
	*p++ = (uint8_t)nruns;
	p = col8(p, kinds, nruns, 0);
	p = col8(p, lens, nruns, 0);
	p = col8(p, tasks, 3, 0);
	p = col8(p, keys, 3, 0);
	*p++ = 2;			/* the unknown kind's section, then the syscalls' */
	*p++ = 99, *p++ = 1, *p++ = 0;
	*p++ = 1, *p++ = 2;
	len = p++;
	body = p;
	*p++ = 10;
	*p++ = 0;
	for (unsigned f = 0; f < 10; f++) {
		uint8_t v[2] = { (uint8_t)(f + 1), (uint8_t)(f + 100) }, *cl = p++;

		p = col8(p, v, 2, 0);
		*cl = (uint8_t)(p - cl - 1);
	}
	*len = (uint8_t)(p - body);
	return (size_t)(p - buf);
}

static void test_kinds_as_runs(void **state)
{
	static const uint8_t kinds[] = { 1, 99, 1 }, lens[] = { 0, 0, 0 }, zero[] = { 1, 0, 1 },
			     long_run[] = { 0, 0, 1 };
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event evs[4];
	uint8_t buf[512] = { 0 };
	const char *why = NULL;
	uint32_t used;
	size_t len;

	(void)state;
	assert_non_null(d);
	len = rle_kinds(buf, kinds, lens, 3, 1);
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), 0);
	assert_int_equal(nxr_coldec_next_batch(d, evs, 4, &used), 2);
	assert_int_equal(used, 3);
	assert_int_equal(evs[0].tid, 8);
	assert_int_equal(evs[0].syscall.arg1, 1);
	assert_int_equal(evs[1].tid, 9);
	assert_int_equal(evs[1].syscall.arg1, 100);
	len = rle_kinds(buf, kinds, lens, 3, 2);
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), -EBADMSG);
	assert_string_equal(why, "event task out of range");
	len = rle_kinds(buf, zero, lens, 3, 1);
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), -EBADMSG);
	assert_string_equal(why, "event kind out of range");
	len = rle_kinds(buf, kinds, long_run, 3, 1);
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), -EBADMSG);
	nxr_coldec_free(d);
}

/* ---- hand-made columns of any length: the decoder's per-width paths ---- */

/* FOR blocks of v[0..n), every block at width w (bits 0-6 of wb, the
 * byte written as is) over base, packed by a plain bit loop (the
 * reference the decoder's word loads must agree with). */
static uint8_t *t_for(uint8_t *p, const uint64_t *v, size_t n, unsigned wb, uint64_t base)
{
	unsigned w = wb & 0x7f;

	for (size_t s = 0; s < n; s += 128) {
		size_t cnt = n - s < 128 ? n - s : 128, bytes = (cnt * w + 7) / 8;

		*p++ = (uint8_t)wb;
		p = nxr_put_varint(p, nxr_zigzag((int64_t)base));
		memset(p, 0, bytes);
		for (size_t i = 0; i < cnt; i++)
			for (unsigned b = 0; b < w; b++)
				if ((v[s + i] - base) >> b & 1)
					p[(i * w + b) / 8] |= (uint8_t)(1u << ((i * w + b) % 8));
		p += bytes;
	}
	return p;
}

/*
 * A payload of n syscalls over ntasks tasks (pid = tid = 7 + task), their
 * tasks tasks[] (FOR, width 8), each field f's column the len[f] bytes at
 * col[f], or all 0 (width 0) where col[f] is NULL; not grouped, or (sv not
 * NULL) grouped by field self, sv[] (< 256, event order) its selector
 * column (FOR, width 8) in place of that field's; into buf, its length
 * returned.
 */
static size_t t_payload_sel(uint8_t *buf, unsigned n, unsigned ntasks, const uint64_t *tasks,
			    const uint8_t *const col[10], const size_t len[10], const uint64_t *sv,
			    unsigned self)
{
	uint8_t *p = buf, *body, *sec;
	size_t blen;

	p = nxr_put_varint(p, ntasks);
	for (unsigned t = 0; t < ntasks; t++) {
		*p++ = (uint8_t)(7 + t);
		*p++ = (uint8_t)(7 + t);
	}
	*p++ = 0;					/* kinds: FOR, width 0, base 1 */
	for (size_t s = 0; s < n; s += 128)
		*p++ = 0, *p++ = 2;
	*p++ = 0;					/* tasks: FOR, width 8 */
	p = t_for(p, tasks, n, 8, 0);
	*p++ = 0;					/* keys: FOR, width 0, base 0 */
	for (size_t s = 0; s < n; s += 128)
		*p++ = 0, *p++ = 0;
	*p++ = 1;					/* one section */
	*p++ = 1;					/* syscall */
	p = nxr_put_varint(p, n);
	sec = p;
	body = p + 3;					/* body_len: 3 varint bytes, below */
	p = body;
	*p++ = 10;
	*p++ = (uint8_t)(sv ? self + 1 : 0);
	if (sv) {
		static uint8_t sel[300 * 2 + 64];
		size_t sl;

		sel[0] = 0;
		sl = (size_t)(t_for(sel + 1, sv, n, 8, 0) - sel);
		p = nxr_put_varint(p, sl);
		memcpy(p, sel, sl);
		p += sl;
	}
	for (unsigned f = 0; f < 10; f++) {
		if (sv && f == self)
			continue;
		if (col[f]) {
			p = nxr_put_varint(p, len[f]);
			memcpy(p, col[f], len[f]);
			p += len[f];
			continue;
		}
		p = nxr_put_varint(p, 1 + 2 * ((n + 127) / 128));
		*p++ = 0;
		for (size_t s = 0; s < n; s += 128)
			*p++ = 0, *p++ = 0;
	}
	blen = (size_t)(p - body);
	sec[0] = (uint8_t)(0x80 | (blen & 0x7f));	/* a 3-byte varint, not the shortest */
	sec[1] = (uint8_t)(0x80 | ((blen >> 7) & 0x7f));
	sec[2] = (uint8_t)(blen >> 14);
	return (size_t)(p - buf);
}

/* The same grouped (nrs not NULL) by nr, field 8 */
static size_t t_payload_any(uint8_t *buf, unsigned n, unsigned ntasks, const uint64_t *tasks,
			    const uint8_t *const col[10], const size_t len[10], const uint64_t *nrs)
{
	return t_payload_sel(buf, n, ntasks, tasks, col, len, nrs, 8);
}

static size_t t_payload_cols(uint8_t *buf, unsigned n, unsigned ntasks, const uint64_t *tasks,
			     const uint8_t *const col[10], const size_t len[10])
{
	return t_payload_any(buf, n, ntasks, tasks, col, len, NULL);
}

/* The same with only arg2's column given: the len bytes at col */
static size_t t_payload(uint8_t *buf, unsigned n, unsigned ntasks, const uint64_t *tasks,
			const uint8_t *col, size_t len)
{
	const uint8_t *cols[10] = { NULL, col };
	size_t lens[10] = { 0, len };

	return t_payload_cols(buf, n, ntasks, tasks, cols, lens);
}

/* Loads the payload; on success checks every arg2 and task against want. */
static int t_load(const uint8_t *buf, size_t len, unsigned n, const uint64_t *tasks,
		  const uint64_t *want)
{
	static struct nxr_event evs[300];
	struct nxr_coldec *d = nxr_coldec_new();
	const char *why = NULL;
	uint32_t used;
	size_t k;
	int rc;

	assert_non_null(d);
	rc = nxr_coldec_load(d, buf, len, n, dctx, &why);
	if (rc == 0) {
		k = nxr_coldec_next_batch(d, evs, 300, &used);
		assert_int_equal(k, n);
		for (unsigned i = 0; i < n; i++) {
			if (evs[i].syscall.arg2 != want[i] || evs[i].tid != 7 + tasks[i])
				fail_msg("event %u of %u: arg2 %#" PRIx64 ", want %#" PRIx64, i, n,
					 evs[i].syscall.arg2, want[i]);
		}
	} else {
		assert_non_null(why);
	}
	nxr_coldec_free(d);
	return rc;
}

#define MEMO_SEGS_T 16u	/* colcodec.c's MEMO_SEGS: segments per choice of schemes */

static const unsigned t_lengths[] = { 1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 255, 256, 300 };

/*
 * FOR and DICT columns of every width 1..64 and every block length from 1
 * to 128 (the last block partial): unpacked exactly; DICT indices mapped
 * unchecked when the block's range fits the dictionary, checked when not,
 * and one index past it (in the last value of the last block) refused.
 */
static void test_every_width_and_length(void **state)
{
	static uint64_t v[300], ix[300], want[300], tasks[300], dict[5];
	static uint8_t col[300 * 9 + 64], buf[300 * 9 + 1024];

	(void)state;
	for (unsigned w = 1; w <= 64; w++) {
		for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
			unsigned n = t_lengths[li], nd = n < 5 ? n : 5;
			uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1, base = w == 64 ? 0 : rnd();
			uint8_t *p;
			size_t len;

			for (unsigned i = 0; i < n; i++) {
				v[i] = base + (i % 3 == 1 ? mask : i % 3 ? 0 : rnd() & mask);
				tasks[i] = 0;
			}
			len = (size_t)(t_for(col + 1, v, n, w, base) - col);
			col[0] = 0;	/* FOR */
			assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, col, len), n,
						tasks, v), 0);

			/* DICT of nd values, indices at width w over base 0 */
			for (unsigned i = 0; i < nd; i++)
				dict[i] = rnd();
			for (unsigned i = 0; i < n; i++) {
				ix[i] = (i * 7 + w) % (w < 3 && (1u << w) < nd ? 1u << w : nd);
				want[i] = dict[ix[i]];
			}
			p = col;
			*p++ = 2;
			p = nxr_put_varint(p, nd);
			*p++ = 0;
			p = t_for(p, dict, nd, 64, 0);
			len = (size_t)(t_for(p, ix, n, w, 0) - col);
			assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, col, len), n,
						tasks, want), 0);
			if (w < 64 && (1ull << w) <= nd)
				continue;	/* no index past the dictionary fits */
			ix[n - 1] = nd;
			len = (size_t)(t_for(p, ix, n, w, 0) - col);
			assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, col, len), n,
						tasks, want), -EBADMSG);
		}
	}
}

/* Widths a block cannot have: refused, whatever follows. */
static void test_hostile_widths(void **state)
{
	static const uint8_t wbytes[] = { 65, 66, 100, 127, 0x80 | 64, 0x80 | 100, 0xff };
	static uint64_t v[200], tasks[200];
	static uint8_t col[200 * 9 + 64], buf[200 * 9 + 1024];

	(void)state;
	for (unsigned i = 0; i < sizeof(wbytes); i++) {
		for (unsigned n = 1; n <= 200; n += 199) {
			size_t len;

			memset(col, 0, sizeof(col));
			col[0] = 0;
			col[1] = wbytes[i];	/* the first block's width */
			len = 2 + 1 + (n * 64 + 7) / 8 + 16;
			assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, col, len), n,
						tasks, v), -EBADMSG);
		}
	}
}

/*
 * TREP over 3 tasks for every length and density of flags (none, about 1
 * in 64, 1 in 8, 1 in 2, all), including flag words of at most 8 flags
 * and of more: each value is its task's previous one unless flagged.
 */
static void test_trep_every_density(void **state)
{
	static const unsigned per64[] = { 0, 1, 8, 32, 64 };
	static uint64_t fl[300], nv[300], want[300], tasks[300];
	static uint8_t col[300 * 10 + 64], buf[300 * 10 + 1024];

	(void)state;
	for (unsigned di = 0; di < sizeof(per64) / sizeof(*per64); di++) {
		for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
			unsigned n = t_lengths[li], nm = 0, nt = n < 3 ? n : 3;	/* nt <= n */
			uint64_t prev[3] = { 0, 0, 0 };
			uint8_t *p = col;
			size_t len;

			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % 4 ? (i ? tasks[i - 1] : 0) : rnd() % nt;
				fl[i] = rnd() % 64 < per64[di];
				if (fl[i])
					prev[tasks[i]] = nv[nm++] = rnd();
				want[i] = prev[tasks[i]];
			}
			*p++ = 4;
			/* flags: width 1 blocks (the writer's), or width 2 (the general path) */
			p = t_for(p, fl, n, 1 + (di & 1), 0);
			*p++ = 0;
			p = t_for(p, nv, nm, 64, 0);
			len = (size_t)(p - col);
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col, len), n,
						tasks, want), 0);
		}
	}
}

/*
 * TDELTA over differences in runs (RLE, the writer's for a pointer that
 * mostly stays; the decoder applies it a run at a time, a run of zeros as a
 * lookup of each task's value): the values of a plain nested column of the
 * same differences, at every length, tasks changing often or not; runs
 * adding up to one less or one more than the column refused.
 */
static void test_tdelta_runs(void **state)
{
	static uint64_t dv[300], rv[300], rl[300], want[300], tasks[300];
	static uint8_t col[300 * 20 + 64], buf[300 * 20 + 1024];

	(void)state;
	for (unsigned churn = 0; churn < 2; churn++) {
		for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
			unsigned n = t_lengths[li], nt = n < 3 ? n : 3, nr = 0;
			uint64_t prev[3] = { 0, 0, 0 };
			uint8_t *p;
			size_t len;

			for (unsigned i = 0; i < n; i += (unsigned)rl[nr++] + 1) {
				rl[nr] = rnd() % 12;
				if (rl[nr] > n - i - 1)
					rl[nr] = n - i - 1;
				rv[nr] = rnd() % 2 ? 0 : rnd() % 3 ? rnd() % 100 : rnd();
				for (unsigned j = i; j <= i + rl[nr]; j++)
					dv[j] = rv[nr];
			}
			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % (churn ? 2 : 16) ? (i ? tasks[i - 1] : 0)
								     : rnd() % nt;
				want[i] = prev[tasks[i]] += dv[i];
			}
			/* the differences as runs */
			p = col;
			*p++ = 5;
			*p++ = 3;
			p = nxr_put_varint(p, nr);
			*p++ = 0;
			p = t_for(p, rv, nr, 64, 0);
			*p++ = 0;
			p = t_for(p, rl, nr, 8, 0);
			len = (size_t)(p - col);
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col, len), n,
						tasks, want), 0);
			/* the last run one shorter, then one longer than the column */
			rl[nr - 1]--;
			p = t_for(col + len - (nr + 127) / 128 * 2 - nr, rl, nr, 8, 0);
			if (rl[nr - 1] != UINT64_MAX)
				assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col, len),
							n, tasks, want), -EBADMSG);
			rl[nr - 1] += 2;
			p = t_for(col + len - (nr + 127) / 128 * 2 - nr, rl, nr, 8, 0);
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col, len), n,
						tasks, want), -EBADMSG);
			/* the same differences in a plain column */
			p = col;
			*p++ = 5;
			*p++ = 0;
			p = t_for(p, dv, n, 64, 0);
			len = (size_t)(p - col);
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col, len), n,
						tasks, want), 0);
		}
	}
}

/* The batch API returns what nxr_coldec_next() does, unknown kinds consumed. */
static void test_next_batch(void **state)
{
	enum { N = 1000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs)), got[64], one;
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	const char *why = NULL;
	uint8_t buf[256] = { 0 }, *pay;
	size_t len, at = 0, k;
	uint32_t used;

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	for (unsigned i = 0; i < N; i++)
		nxr_fixture_event(i, &evs[i]);
	pay = encode(e, evs, N, &len);
	assert_int_equal(nxr_coldec_load(d, pay, len, N, dctx, &why), 0);
	for (size_t max = 1; at < N; max = max * 3 % 64 + 1) {
		k = nxr_coldec_next_batch(d, got, max, &used);
		assert_true(k <= max);
		assert_int_equal(k, used);
		for (size_t i = 0; i < k; i++)
			if (!nxr_event_equal(&evs[at + i], &got[i]))
				fail_msg("event %zu differs", at + i);
		at += k;
	}
	assert_int_equal(nxr_coldec_next_batch(d, got, 64, &used), 0);
	assert_int_equal(used, 0);

	/* kind 99 between two syscalls: consumed, not filled */
	len = handmade(buf, 12, 0);
	assert_int_equal(nxr_coldec_load(d, buf, len, 3, dctx, &why), 0);
	k = nxr_coldec_next_batch(d, got, 64, &used);
	assert_int_equal(k, 2);
	assert_int_equal(used, 3);
	assert_int_equal(got[0].syscall.arg1, 1);
	assert_int_equal(got[1].syscall.arg1, 100);
	assert_int_equal(nxr_coldec_next(d, &one), -1);
	free(pay);
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * The syscalls' grouping by nr, numbered while staging: numbers below and
 * above the writer's direct table (ia32 ones), exactly 256 numbers
 * (grouped) and 257 (not grouped: event order), through one encoder whose
 * groups carry over from payload to payload. Every payload decodes equal,
 * and is the same bytes as a fresh encoder's (which chooses its schemes
 * anew, as the reused one does on its 9th payload).
 */
static void syscalls_of(struct nxr_event *evs, size_t n, unsigned shape)
{
	for (size_t i = 0; i < n; i++) {
		struct nxr_event *ev = &evs[i];
		uint32_t nr;

		memset(ev, 0, sizeof(*ev));
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = 100 + (uint32_t)(rnd() % 3);
		ev->tid = ev->pid;
		ev->ts_ns = 1000 * (uint64_t)i;
		switch (shape) {
		case 0:		/* a few numbers, some of them ia32 or large */
			nr = (uint32_t)(rnd() % 14);
			nr = nr == 12 ? NX_SYS_IA32 | 5 : nr == 13 ? 5000 : nr;
			break;
		case 1:		/* 256 numbers, half of them above the direct table */
			nr = (uint32_t)(i % 256);
			nr = nr % 2 ? nr : 0x100000 + nr;
			break;
		case 2:		/* 257: too many to group */
			nr = (uint32_t)(i < 257 ? i : rnd() % 257) * 7;
			break;
		default:	/* a new number every 37 events (60 of them), else one seen */
			nr = i % 37 == 0 && i / 37 < 60 ? (uint32_t)(i / 37)
							 : (uint32_t)(rnd() % (i / 37 + 1 < 60 ? i / 37 + 1 : 60));
			nr = 2 * nr + 1;
			break;
		}
		ev->syscall.nr = nr;
		ev->syscall.arg1 = nr * 3 + rnd() % 4;
		ev->syscall.arg2 = rnd() % 8;
		ev->syscall.ret = (int64_t)(rnd() % 100) - 50;
		ev->syscall.dur_ns = 100 + rnd() % 900;
		ev->syscall.flags = NX_SYS_EXITED;
	}
}

static void test_syscall_groups(void **state)
{
	/* the last segment chooses its schemes afresh, as a new writer's first */
	enum { N = 3000, SEGS = MEMO_SEGS_T + 1 };
	static const unsigned shapes[9] = { 0, 1, 2, 0, 2, 1, 0, 2, 1 };
	struct nxr_event *evs = calloc(N, sizeof(*evs)), back;
	struct nxr_colenc *e = nxr_colenc_new(), *fresh;
	struct nxr_coldec *d = nxr_coldec_new();

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	nxr_colenc_set_entropy(e, false);
	for (unsigned s = 0; s < SEGS; s++) {
		size_t n = N - 100 * s, len, flen;
		uint8_t *buf, *fbuf;

		syscalls_of(evs, n, shapes[s % 9]);
		buf = encode(e, evs, n, &len);
		expect_decoded(d, buf, len, evs, n);	/* payload s */
		assert_int_equal(nxr_coldec_next(d, &back), -1);
		if (s == SEGS - 1) {
			fresh = nxr_colenc_new();
			assert_non_null(fresh);
			nxr_colenc_set_entropy(fresh, false);
			fbuf = encode(fresh, evs, n, &flen);
			assert_int_equal(flen, len);
			assert_memory_equal(fbuf, buf, len);
			free(fbuf);
			nxr_colenc_free(fresh);
		}
		free(buf);
	}
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * Schemes kept from a choosing segment meeting columns they do not fit on
 * the next segments: on the first, arg1 takes three 64-bit values, a
 * task's value changing every time (DICT wins), arg2 long runs (RLE), arg3
 * a task's value repeated (TREP), arg4 a task's count (TDELTA); on the next
 * two, each takes 64-bit values of which one in ten repeats an earlier one
 * (a DICT of more than half the values is refused: the column is coded
 * afresh; the others code every value). Every payload stays within
 * nxr_colenc_bound(), every event reads back equal, in 1.1's schemes and
 * in 1.4's, and on a short segment and a long one after them.
 */
static void test_kept_schemes_meet_other_columns(void **state)
{
	enum { N = 480 };
	static const unsigned sizes[] = { 1024, N, N, 8, 1024 };
	uint64_t three[3] = { rnd(), rnd(), rnd() };
	struct nxr_event *evs = calloc(1024, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	for (int layout = 0; layout < 2; layout++) {
		nxr_colenc_set_entropy(e, layout);
		nxr_colenc_set_context(e, layout);
		nxr_colenc_set_timing(e, layout);
		for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			const uint8_t *out;
			struct nxr_event back;
			uint64_t bound;
			uint8_t *buf;
			size_t len;

			for (unsigned i = 0; i < sizes[s]; i++) {
				struct nxr_syscall *sc = &evs[i].syscall;

				memset(&evs[i], 0, sizeof(evs[i]));
				evs[i].kind = NX_KIND_SYSCALL;
				evs[i].pid = evs[i].tid = 100 + i % 4;
				evs[i].ts_ns = 1000000 + 1000ull * i;
				sc->arg1 = three[i / 4 % 3];
				sc->arg2 = three[i / 256 % 3];
				sc->arg3 = three[i % 4 % 3];
				sc->arg4 = 1000000 + i / 4 * 8;
				if (s == 1 || s == 2) {
					uint64_t *a[] = { &sc->arg1, &sc->arg2, &sc->arg3, &sc->arg4 };
					const uint64_t *o[] = { &evs[i / 2].syscall.arg1,
								&evs[i / 2].syscall.arg2,
								&evs[i / 2].syscall.arg3,
								&evs[i / 2].syscall.arg4 };

					for (unsigned f = 0; f < 4; f++)
						*a[f] = i % 10 == 9 ? *o[f] : rnd();
				}
				sc->dur_ns = 500;
				sc->flags = NX_SYS_EXITED;
				assert_int_equal(nxr_colenc_add(e, &evs[i]), 0);
			}
			bound = nxr_colenc_bound(e);
			assert_int_equal(nxr_colenc_finish(e, cctx, &out, &len), 0);
			if (len > bound)
				fail_msg("layout %d segment %u: %zu bytes past the bound %" PRIu64,
					 layout, s, len, bound);
			buf = calloc(1, len + NXR_COL_PAD);
			assert_non_null(buf);
			memcpy(buf, out, len);
			expect_decoded(d, buf, len, evs, sizes[s]);
			assert_int_equal(nxr_coldec_next(d, &back), -1);
			free(buf);
		}
	}
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * The grouping read from the selector column numbered in order of first
 * appearance (regroup_dict()), as DICT (1.1) and HUFF (1.2): counts of
 * events not a multiple of the four quarters it places side by side,
 * groups appearing for the first time in any block, in the middle of the
 * segment, one group alone, 256 groups. Every event decodes equal.
 */
static void test_selector_quarters(void **state)
{
	static const size_t ns[] = { 1, 2, 3, 5, 63, 64, 65, 127, 1001, 2222, 4099 };
	static const unsigned shapes[] = { 0, 1, 3 };
	struct nxr_event *evs = calloc(4099, sizeof(*evs));
	struct nxr_coldec *d = nxr_coldec_new();

	(void)state;
	assert_non_null(evs);
	assert_non_null(d);
	for (unsigned entropy = 0; entropy < 2; entropy++) {
		for (size_t k = 0; k < sizeof(shapes) / sizeof(*shapes); k++) {
			for (size_t m = 0; m < sizeof(ns) / sizeof(*ns); m++) {
				struct nxr_colenc *e = nxr_colenc_new();

				assert_non_null(e);
				nxr_colenc_set_entropy(e, entropy);
				syscalls_of(evs, ns[m], shapes[k]);
				expect_segment(e, d, evs, ns[m]);
				nxr_colenc_free(e);
			}
		}
	}
	free(evs);
	nxr_coldec_free(d);
}

/*
 * A field of one value in a segment (flags here, RLE of one run) is left
 * in the decoder's buffer for the next segment of the same value and no
 * more events; any other column, a larger segment or another value fills
 * it again. One decoder reads segments of flags 5 (100 events, then 200),
 * 7 (50, 50), mixed, 7 (50) again, 5 with the syscalls not grouped: every
 * event decodes equal.
 */
static void test_constant_columns(void **state)
{
	static const struct {
		size_t n;
		int flags;	/* -1: mixed */
		unsigned shape;
	} segs[] = { { 100, 5, 0 }, { 200, 5, 0 }, { 50, 7, 0 }, { 50, 7, 0 }, { 300, -1, 0 },
		     { 50, 7, 0 }, { 60, 5, 2 }, { 60, 5, 0 } };
	struct nxr_event *evs = calloc(300, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	for (size_t s = 0; s < sizeof(segs) / sizeof(*segs); s++) {
		syscalls_of(evs, segs[s].n, segs[s].shape);
		for (size_t i = 0; i < segs[s].n; i++)
			evs[i].syscall.flags = segs[s].flags >= 0 ? (uint32_t)segs[s].flags
								  : (uint32_t)(rnd() % 3);
		expect_segment(e, d, evs, segs[s].n);
	}
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * Patched FOR blocks: 10-bit values with a few 41-bit ones at places that
 * fall in every lane of the writer's four-value steps and in the scalar
 * tail of a short last block (1357 = 10 x 128 + 77 values; too many
 * distinct ones for a dictionary). Every event decodes equal, and arg1
 * takes about 10 bits a value, not 41.
 */
static void test_patched_blocks(void **state)
{
	enum { N = 10 * 128 + 77 };
	static const unsigned at[] = { 0, 3, 4, 66, 76, 127 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	nxr_colenc_set_entropy(e, false);
	nxr_colenc_set_context(e, false);
	nxr_colenc_set_timing(e, false);
	for (size_t i = 0; i < N; i++) {
		struct nxr_event *ev = &evs[i];

		ev->kind = NX_KIND_SYSCALL;
		ev->pid = ev->tid = 100;
		ev->ts_ns = 1000 * i;
		ev->syscall.arg1 = rnd() % 1024;
		ev->syscall.flags = NX_SYS_EXITED;
	}
	for (size_t b = 0; b * 128 < N; b++)
		for (size_t k = 0; k < sizeof(at) / sizeof(*at); k++)
			if (b * 128 + at[k] < N)
				evs[b * 128 + at[k]].syscall.arg1 = (1ull << 40) + rnd() % 4096;
	buf = encode(e, evs, N, &len);
	expect_decoded(d, buf, len, evs, N);
	if (len > N * 2)
		fail_msg("patched blocks: %zu bytes for %d events", len, N);
	free(buf);
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * The writer's dictionaries: small values through the direct table, the
 * column moved to the hash table at its first large value (in the middle
 * of a block), more than 2048 values (no dictionary: in the direct table
 * and in the hash table), through encoders whose tables are not cleared
 * between dictionaries (the first payload's choice, DICT, is kept for the
 * next ones). Every payload decodes equal, and the ones with a dictionary
 * are as small as one makes them.
 */
static void test_dict_tables(void **state)
{
	enum { N = 4096 };
	/* a new encoder, values, of which large (else all small) */
	static const struct { bool fresh; unsigned np; bool large; } run[] = {
		{ true, 400, true }, { false, 300, false }, { false, 60, false },
		{ false, 3000, false }, { true, 400, true }, { false, 3000, true },
	};
	struct nxr_colenc *e = NULL;
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	uint64_t pool[3000];

	(void)state;
	assert_non_null(d);
	assert_non_null(evs);
	for (unsigned r = 0; r < sizeof(run) / sizeof(run[0]); r++) {
		unsigned np = run[r].np;
		uint8_t *buf;
		size_t len;

		if (run[r].fresh) {
			nxr_colenc_free(e);
			e = nxr_colenc_new();
			assert_non_null(e);
			/* the 1.1 schemes: the size bound below is DICT's */
			nxr_colenc_set_entropy(e, false);
		}
		for (unsigned k = 0; k < np; k++)	/* small ones first, some negative */
			pool[k] = k < 100 ? (uint64_t)k * 37 - 1000 : run[r].large ? rnd() : k;
		for (unsigned i = 0; i < N; i++) {
			struct nxr_event *ev = &evs[i];

			ev->kind = NX_KIND_SYSCALL;
			ev->pid = ev->tid = 7;
			ev->ts_ns = 1000 + i;
			ev->syscall.nr = 3;
			/* the first 300 values small: the switch comes mid-block */
			ev->syscall.arg1 = pool[rnd() % (i < 300 && np > 100 ? 100 : np)];
		}
		buf = encode(e, evs, N, &len);
		expect_decoded(d, buf, len, evs, N);	/* run r */
		/* a dictionary: its values, then at most 9 bits an event, not 64 */
		if (np <= 2048)
			assert_true(len < (size_t)np * 8 + N * 9 / 8 + 512);
		free(buf);
	}
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/* ---- entropy-coded columns (format 1.2): HUFF, MTF, TMTF ---- */

/* A HUFF column of v[0..n): flags (shift s, differences when delta), the
 * distinct symbols (FOR, in order of first appearance), the code's table
 * and the stream, as format/huff.h writes them; at p, the end returned.
 * hack: 1 breaks the table, 2 cuts the stream's last byte (NULL when it
 * has none), 3 adds a byte. */
static uint8_t *t_huff(uint8_t *p, const uint64_t *v, size_t n, unsigned s, bool delta, int hack)
{
	static struct nxr_huff_enc h;
	uint64_t sym[300], x[300];
	uint32_t count[300] = { 0 }, k[300], nd = 0;
	uint8_t stream[300 * 6 + 16], odd[300 * 6 + 16], *tbl;
	struct nxr_bitw bw[2];
	size_t nb, nb0;

	for (size_t i = 0; i < n; i++) {
		uint32_t j = 0;

		x[i] = delta ? v[i] - (i ? v[i - 1] : 0) : v[i];
		while (j < nd && sym[j] != x[i] >> s)
			j++;
		if (j == nd)
			sym[nd++] = x[i] >> s;
		k[i] = j;
		count[j]++;
	}
	assert_int_equal(nxr_huff_build(&h, count, nd), 0);
	nxr_bitw_init(&bw[0], stream);	/* even places, then odd */
	nxr_bitw_init(&bw[1], odd);
	for (size_t i = 0; i < n; i++)
		nxr_huff_put(&bw[i & 1], &h, k[i], x[i], s);
	nb0 = (size_t)(nxr_bitw_end(&bw[0]) - stream);
	nb = (size_t)(nxr_bitw_end(&bw[1]) - odd);
	memcpy(stream + nb0, odd, nb);
	nb += nb0;
	*p++ = 7;
	*p++ = (uint8_t)(s | (delta ? 0x40 : 0));
	p = nxr_put_varint(p, nd);
	*p++ = 0;					/* the symbols: FOR, width 64 */
	p = t_for(p, sym, nd, 64, 0);
	tbl = p;
	p = nxr_huff_table_put(p, &h);
	if (hack == 1 && p > tbl)
		tbl[0] ^= 0x01;				/* a length one off: not complete */
	if (hack == 2 && nb == 0)
		return NULL;			/* nothing to cut */
	if (hack == 3)
		stream[nb++] = 0;
	nb -= hack == 2;
	p = nxr_put_varint(p, nb);
	p = nxr_put_varint(p, nb0 <= nb ? nb0 : nb);
	memcpy(p, stream, nb);
	return p + nb;
}

/* move-to-front over lists of 16 (starting as zeros), one per task or one
 * for all: the indices (0: not in the list) and the values not found;
 * without moves (LIST, TLIST: format 1.3), a value keeps its slot and one
 * not found takes the next free slot, or the last one once they are full */
static unsigned t_mtf(const uint64_t *v, const uint64_t *tasks, unsigned n, bool per_task,
		      bool moves, uint64_t *ix, uint64_t *lit)
{
	uint64_t lists[8][16];
	unsigned nl = 0, next[8] = { 0 };

	memset(lists, 0, sizeof(lists));
	for (unsigned i = 0; i < n; i++) {
		unsigned t = per_task ? (unsigned)tasks[i] : 0, j = 0;
		uint64_t *l = lists[t];

		while (j < 16 && l[j] != v[i])
			j++;
		if (j == 16) {
			lit[nl++] = v[i];
			ix[i] = 0;
			j = 15;
		} else {
			ix[i] = j + 1;
		}
		if (!moves) {
			if (!ix[i]) {
				l[next[t]] = v[i];
				next[t] += next[t] < 15;
			}
			continue;
		}
		memmove(l + 1, l, j * sizeof(*l));
		l[0] = v[i];
	}
	return nl;
}

/* indices FOR, or HUFF (the writer's: decoded into bytes first), hack as
 * t_huff()'s */
static uint8_t *t_mtf_col(uint8_t *p, bool per_task, bool moves, const uint64_t *ix, unsigned n,
			  const uint64_t *lit, unsigned nl, bool huff, int hack)
{
	*p++ = moves ? (per_task ? 9 : 8) : (per_task ? 11 : 10);
	p = nxr_put_varint(p, nl);
	*p++ = 0;
	p = t_for(p, lit, nl, 64, 0);
	if (huff)
		return t_huff(p, ix, n, 0, false, hack);
	*p++ = 0;
	return t_for(p, ix, n, 8, 0);
}

/*
 * Hand-made HUFF columns, every length, shift and flag: decoded exactly; a
 * broken table, a cut or overlong stream, unknown flags, a shift over 32
 * and symbols that lose bits when shifted are refused.
 */
static void test_huff_columns(void **state)
{
	static uint64_t v[300], tasks[300];
	static uint8_t col[300 * 16 + 64], buf[300 * 16 + 1024];
	static const unsigned shifts[] = { 0, 1, 7, 32 };

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned si = 0; si < 4; si++) {
			for (int delta = 0; delta < 2; delta++) {
				unsigned s = shifts[si];
				uint8_t *end;

				for (unsigned i = 0; i < n; i++) {
					tasks[i] = 0;
					v[i] = (rnd() % 6) << s | (rnd() & ((1ull << s) - 1));
					if (delta)
						v[i] += i ? v[i - 1] : 0;
				}
				end = t_huff(col, v, n, s, delta, 0);
				assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, col,
									(size_t)(end - col)),
							n, tasks, v), 0);
				for (int hack = 1; hack <= 3; hack++) {
					end = t_huff(col, v, n, s, delta, hack);
					if (!end || (hack == 1 && col[2] < 2))
						continue;	/* one symbol: no table to break */
					assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, col,
										(size_t)(end - col)),
								n, tasks, v), -EBADMSG);
				}
			}
		}
	}
	/* flags: bit 7, shift 33 */
	for (unsigned i = 0; i < 8; i++)
		v[i] = i % 3, tasks[i] = 0;
	for (unsigned f = 0; f < 2; f++) {
		uint8_t *end = t_huff(col, v, 8, 0, false, 0);

		col[1] = f ? 33 : 0x80;
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(end - col)),
					8, tasks, v), -EBADMSG);
	}
	/* a symbol of 64 bits under a shift of 1: refused, not truncated */
	{
		uint8_t *p = col;

		*p++ = 7, *p++ = 1, *p++ = 1;		/* HUFF, shift 1, one symbol */
		*p++ = 0;
		p = t_for(p, (uint64_t[]){ 1ull << 63 }, 1, 64, 0);
		*p++ = 1, *p++ = 0;			/* 8 values x 1 raw bit */
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(p - col)),
					8, tasks, v), -EBADMSG);
	}
}

/*
 * MTF, TMTF (1.2), LIST and TLIST (1.3) columns over 1-3 tasks, every
 * length: decoded exactly; an index past the list, literals missing or
 * left over, and TMTF or TLIST where no task is known (nested) are refused.
 */
static void test_mtf_columns(void **state)
{
	static uint64_t v[300], tasks[300], ix[300], lit[300];
	static uint8_t col[300 * 20 + 64], buf[300 * 20 + 1024];

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {
			for (int m = 0; m < 8; m++) {
				bool per_task = m & 1, huff = m & 2, moves = !(m & 4);
				unsigned nl;
				uint8_t *end;

				for (unsigned i = 0; i < n; i++) {
					tasks[i] = rnd() % nt;
					/* a task's few values, now and then a new one */
					v[i] = rnd() % 8 ? tasks[i] * 100 + rnd() % 4 : rnd() % 40;
				}
				nl = t_mtf(v, tasks, n, per_task, moves, ix, lit);
				end = t_mtf_col(col, per_task, moves, ix, n, lit, nl, huff, 0);
				assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
									(size_t)(end - col)),
							n, tasks, v), 0);
				/* HUFF indices: their stream cut, or a byte too long */
				for (int hack = 2; huff && hack <= 3; hack++) {
					end = t_mtf_col(col, per_task, moves, ix, n, lit, nl, true,
							hack);
					if (!end)
						continue;
					assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks,
										col, (size_t)(end - col)),
								n, tasks, v), -EBADMSG);
				}
				/* an index past the list */
				ix[n - 1] = 17;
				end = t_mtf_col(col, per_task, moves, ix, n, lit, nl, huff, 0);
				assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
									(size_t)(end - col)),
							n, tasks, v), -EBADMSG);
				/* one literal too many, one too few */
				ix[n - 1] = 0;
				end = t_mtf_col(col, per_task, moves, ix, n, lit, nl + 2, huff, 0);
				assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
									(size_t)(end - col)),
							n, tasks, v), -EBADMSG);
			}
		}
	}
	for (int moves = 0; moves < 2; moves++) {
		uint8_t *p, *end;

		/* more zeros than literals */
		for (unsigned i = 0; i < 8; i++)
			v[i] = i, tasks[i] = 0, ix[i] = 0, lit[i] = i;
		end = t_mtf_col(col, false, moves, ix, 8, lit, 7, false, 0);
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(end - col)),
					8, tasks, v), -EBADMSG);
		end = t_mtf_col(col, false, moves, ix, 8, lit, 8, false, 0);
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(end - col)),
					8, tasks, v), 0);
		/* TMTF or TLIST nested in a DICT (no tasks there) */
		p = col;
		*p++ = 2, *p++ = 8;			/* DICT of 8 values */
		end = t_mtf_col(p, true, moves, ix, 8, lit, 8, false, 0);
		p = end;
		p = t_for(p, (uint64_t[]){ 0, 1, 2, 3, 4, 5, 6, 7 }, 8, 3, 0);
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(p - col)),
					8, tasks, v), -EBADMSG);
		/* the same as MTF or LIST: read */
		col[2] = moves ? 8 : 10;
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(p - col)),
					8, tasks, v), 0);
	}
	/* LIST: more than 16 literals, the later ones all into the last slot;
	 * the indices read the values their slots hold then */
	for (unsigned i = 0; i < 40; i++)
		v[i] = i < 20 ? 1000 + i : 1000 + 4 + (i % 16), tasks[i] = 0;
	{
		unsigned nl = t_mtf(v, tasks, 40, false, false, ix, lit);
		uint8_t *end;

		assert_int_equal(ix[20], 9);	/* 1008, the 9th literal: slot 8 */
		assert_int_equal(ix[26], 15);	/* 1014, the 15th: slot 14 */
		assert_int_equal(ix[28], 0);	/* 1016, the 17th, replaced in slot 15 */
		assert_int_equal(nl, 25);	/* 1015-1019 again, each in slot 15 */
		end = t_mtf_col(col, false, false, ix, 40, lit, nl, true, 0);
		assert_int_equal(t_load(buf, t_payload(buf, 40, 1, tasks, col, (size_t)(end - col)),
					40, tasks, v), 0);
	}
	/* indices as HUFF of more symbols than an index has values (the same
	 * index twice: no writer's, read as any HUFF) */
	{
		uint8_t *p = col, *end;

		for (unsigned i = 0; i < 8; i++)
			v[i] = 0, tasks[i] = 0;
		*p++ = 10, *p++ = 0;			/* LIST, no literal */
		*p++ = 0;
		p = t_for(p, NULL, 0, 64, 0);
		*p++ = 7, *p++ = 0, *p++ = 2;		/* HUFF, 2 symbols: 1 and 1 */
		*p++ = 0;
		p = t_for(p, (uint64_t[]){ 1, 1 }, 2, 64, 0);
		*p++ = 0x11;				/* lengths 1, 1 */
		*p++ = 2, *p++ = 1, *p++ = 0x0f, *p++ = 0x0f;	/* 2 streams of 4 bits */
		end = p;
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(end - col)),
					8, tasks, v), 0);
		/* ... and with a symbol 17 (the second's low byte): refused */
		p[-13] = 17;
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(end - col)),
					8, tasks, v), -EBADMSG);
	}
}

/* A stream like bench_format's: the writer picks the entropy-coded schemes,
 * which take 5% off or more; without them (a 1.1 writer) or without the
 * lists (a 1.2 writer) the events are the same; cut at every length or
 * with bytes changed, the payload is refused or decoded, never read out of
 * bounds. */
static void test_entropy_stream(void **state)
{
	enum { N = 3000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	static const uint32_t nrs[] = { 0, 1, 3, 232, 202, 257, 0, 1, 0, 1 };
	uint64_t t = 1000000000, fds[6][3], bufs[6][3];
	uint8_t *good, *plain, *v12;
	size_t len, plen, len12;

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	for (unsigned k = 0; k < 6; k++)
		for (unsigned j = 0; j < 3; j++) {
			fds[k][j] = 3 + rnd() % 30;
			bufs[k][j] = 0x7ffd00000000ull + (rnd() & 0xffffff000ull);
		}
	for (unsigned i = 0, k = 0; i < N; i++) {
		struct nxr_event *x = &evs[i];

		if (rnd() % 20 == 0)
			k = (unsigned)(rnd() % 6);
		/* now and then a long gap: a symbol past HUFF's histogram */
		t += rnd() % 64 ? 200 + rnd() % 1801 : rnd() % (1u << 30);
		x->kind = NX_KIND_SYSCALL;
		x->pid = 4000 + k / 2;
		x->tid = 4000 + k;
		x->ts_ns = t;
		x->syscall.nr = nrs[rnd() % 10];
		x->syscall.arg1 = fds[k][rnd() % 3];
		x->syscall.arg2 = bufs[k][rnd() % 3];
		x->syscall.arg3 = (uint64_t[]){ 1, 8, 512, 4096 }[rnd() % 4];
		x->syscall.ret = rnd() % 4 ? (int64_t)x->syscall.arg3 : -11;
		x->syscall.dur_ns = 100 + rnd() % 3000;
		x->syscall.flags = NX_SYS_EXITED;
	}
	len = round_trip(evs, N);
	nxr_colenc_set_entropy(e, false);	/* a 1.1 writer */
	nxr_colenc_set_context(e, false);
	nxr_colenc_set_copy(e, false);
	plain = encode(e, evs, N, &plen);
	assert_true(len * 20 < plen * 19);	/* 9% here */
	expect_decoded(d, plain, plen, evs, N);
	nxr_colenc_set_entropy(e, true);
	nxr_colenc_set_context(e, true);
	good = encode(e, evs, N, &len);
	assert_true(damage(d, good, len, N, 64, 3) > 0);
	/* a 1.2 writer (no LIST, TLIST): the same events */
	nxr_colenc_set_lists(e, false);
	v12 = encode(e, evs, N, &len12);
	expect_decoded(d, v12, len12, evs, N);
	free(v12);
	free(good);
	free(plain);
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * The writer's LIST, TLIST and MTF searches (a guessed slot, checked; MTF's
 * single list without moves, by the times its slots were used) against
 * columns that take them: returns that repeat as in a move-to-front list
 * with many zeros (and the zeros all pushed off it now and then), a task's
 * few fds with a new one at times (more than 16: the last slot reused),
 * buffers from pools wider than the guess table over many payloads (stale
 * and shared guesses). Every payload decodes exactly.
 */
static void test_list_and_mtf_writer(void **state)
{
	enum { N = 6000, SEGS = 12 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	uint64_t mtf[16] = { 0 }, fds[3][4], t = 1000000000;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	for (unsigned k = 0; k < 3; k++)
		for (unsigned j = 0; j < 4; j++)
			fds[k][j] = 3 + j;
	for (unsigned s = 0; s < SEGS; s++) {
		for (unsigned i = 0; i < N; i++) {
			struct nxr_event *x = &evs[i];
			unsigned k = (unsigned)(rnd() % 3), j = (unsigned)(rnd() % 16);
			uint64_t r;

			j = j < 8 ? j / 4 : j < 14 ? j - 6 : (unsigned)(rnd() % 16);
			if (rnd() % 12 == 0)	/* new: 0 (once the zeros are gone), or any */
				r = rnd() % 4 == 0 ? 0 : rnd() % 3 ? rnd() % 100000 : rnd();
			else
				r = mtf[j];
			for (j = 15; j && mtf[j] != r; j--)
				;
			memmove(mtf + 1, mtf, j * sizeof(*mtf));
			mtf[0] = r;
			if (rnd() % 50 == 0)
				fds[k][rnd() % 4] = 3 + rnd() % 40;
			t += 100 + rnd() % 1000;
			x->kind = NX_KIND_SYSCALL;
			x->pid = 4000 + k;
			x->tid = 4000 + k;
			x->ts_ns = t;
			x->syscall.nr = 0;
			x->syscall.arg1 = fds[k][rnd() % 4];
			x->syscall.arg2 = 0x7f0000000000ull + (rnd() % 20 + 20 * (s * 3 + k)) * 4096;
			x->syscall.arg3 = 4096;
			x->syscall.ret = (int64_t)r;
			x->syscall.dur_ns = 100 + rnd() % 3000;
			x->syscall.flags = NX_SYS_EXITED;
		}
		buf = encode(e, evs, N, &len);
		expect_decoded(d, buf, len, evs, N);
		free(buf);
	}
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/* t_payload()'s payload (len bytes at src, n events, ntasks tasks) with
 * its keys column (FOR, width 0) replaced by the klen bytes at kcol, into
 * dst; the new length */
static size_t t_with_keys(uint8_t *dst, const uint8_t *src, size_t len, unsigned n,
			  unsigned ntasks, const uint8_t *kcol, size_t klen)
{
	size_t nb = (n + 127) / 128, at = 1 + 2 * ntasks + 1 + 2 * nb + 1 + 2 * nb + n;
	size_t was = 1 + 2 * nb;

	for (size_t k = 0; k < was; k++)	/* FOR, each block width 0, base 0 */
		assert_int_equal(src[at + k], 0);
	memcpy(dst, src, at);
	memcpy(dst + at, kcol, klen);
	memcpy(dst + at + klen, src + at + was, len - at - was);
	return len - was + klen;
}

/* TNEAR by the spec, each value's index given (any, even not the nearest):
 * the zigzag differences to the references, rings of 16 per task (< 8) */
static void t_tnear(const uint64_t *v, const uint64_t *tasks, unsigned n, const uint64_t *ix,
		    uint64_t *dz)
{
	uint64_t ring[8][16], cnt[8] = { 0 };

	memset(ring, 0, sizeof(ring));
	for (unsigned i = 0; i < n; i++) {
		uint64_t *r = ring[tasks[i]], c = cnt[tasks[i]], j = ix[i];
		uint64_t d = v[i] - (j < 16 ? r[(c - 1 - j) % 16] : 0);

		dz[i] = nxr_zigzag((int64_t)d);
		if (d || j == 16)
			r[cnt[tasks[i]]++ % 16] = v[i];
	}
}

/* TNEAR: the indices (FOR, width iw) and the differences (FOR, width 64) */
static uint8_t *t_tnear_col(uint8_t *p, const uint64_t *ix, const uint64_t *dz, unsigned n,
			    unsigned iw)
{
	*p++ = 12;
	*p++ = 0;
	p = t_for(p, ix, n, iw, 0);
	*p++ = 0;
	return t_for(p, dz, n, 64, 0);
}

/*
 * Hand-made TNEAR columns over 1-3 tasks, every length, each value's
 * reference any of its task's ring or 0 (a ring entry never stored, 0;
 * the latest as often as the others): decoded exactly. An index past 16
 * (17, or one of 64 bits), a column cut short or with a byte left over,
 * TNEAR nested (in a DICT) and in a column without tasks (the keys) are
 * refused.
 */
static void test_tnear_columns(void **state)
{
	static uint64_t v[300], tasks[300], ix[300], dz[300], keys[300];
	static uint8_t col[300 * 20 + 64], buf[300 * 20 + 1024];

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {
			uint8_t *end;

			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % nt;
				/* pointers near a task's base, small values, repeats */
				v[i] = rnd() % 4 ? 0x7f0000000000ull * (tasks[i] + 1) + rnd() % 4096
						 : rnd() % 8;
				ix[i] = rnd() % 17;
			}
			t_tnear(v, tasks, n, ix, dz);
			end = t_tnear_col(col, ix, dz, n, 8);
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
								(size_t)(end - col)),
						n, tasks, v), 0);
			/* values equal to a reference: the ring keeps its values */
			for (unsigned i = 0; i < n; i++)
				v[i] = 100 + tasks[i] * 10 + rnd() % 3, ix[i] = i < 9 ? 16 : rnd() % 3;
			t_tnear(v, tasks, n, ix, dz);
			end = t_tnear_col(col, ix, dz, n, 8);
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
								(size_t)(end - col)),
						n, tasks, v), 0);
			/* cut short by a byte, a byte left over */
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
								(size_t)(end - col) - 1),
						n, tasks, v), -EBADMSG);
			*end = 0;
			assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
								(size_t)(end - col) + 1),
						n, tasks, v), -EBADMSG);
			/* an index past the ring's 0 */
			for (int k = 0; k < 2; k++) {
				ix[n - 1] = k ? ~0ull : 17;
				end = t_tnear_col(col, ix, dz, n, k ? 64 : 8);
				assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
									(size_t)(end - col)),
							n, tasks, v), -EBADMSG);
			}
		}
	}
	for (unsigned i = 0; i < 8; i++)
		v[i] = i, tasks[i] = 0, ix[i] = 16, keys[i] = 0;
	t_tnear(v, tasks, 8, ix, dz);
	/* TNEAR nested in a DICT (no tasks there) */
	{
		uint8_t *p = col;

		*p++ = 2, *p++ = 8;			/* DICT of 8 values */
		p = t_tnear_col(p, ix, dz, 8, 8);
		p = t_for(p, (uint64_t[]){ 0, 1, 2, 3, 4, 5, 6, 7 }, 8, 3, 0);
		assert_int_equal(t_load(buf, t_payload(buf, 8, 1, tasks, col, (size_t)(p - col)),
					8, tasks, v), -EBADMSG);
	}
	/* TNEAR as the keys column, which has no tasks */
	{
		size_t len = t_payload(buf, 8, 1, tasks, col, (size_t)(t_tnear_col(col, ix, dz, 8,
										      8) - col));
		static uint8_t kcol[300], buf2[sizeof(buf)];
		uint8_t *kend = t_tnear_col(kcol, ix, (uint64_t[8]){ 0 }, 8, 8);

		assert_int_equal(t_load(buf, len, 8, tasks, v), 0);
		len = t_with_keys(buf2, buf, len, 8, 1, kcol, (size_t)(kend - kcol));
		assert_int_equal(t_load(buf2, len, 8, tasks, keys), -EBADMSG);
	}
}

/* A TNEAR column whose nested columns take other schemes: the indices
 * FOR (ih 0) or HUFF (ih 1); the differences (dh) FOR, HUFF, HUFF with 2
 * raw bits, HUFF of the differences, DICT or RLE */
static uint8_t *t_tnear_any(uint8_t *p, const uint64_t *ix, const uint64_t *dz, unsigned n,
			    int ih, int dh)
{
	uint64_t dv[300], di[300], rl[300];
	unsigned nd = 0, nr = 0;

	*p++ = 12;
	if (ih) {
		p = t_huff(p, ix, n, 0, false, 0);
	} else {
		*p++ = 0;
		p = t_for(p, ix, n, 8, 0);
	}
	switch (dh) {
	case 0:
		*p++ = 0;
		return t_for(p, dz, n, 64, 0);
	case 1:
	case 2:
	case 3:
		return t_huff(p, dz, n, dh == 2 ? 2 : 0, dh == 3, 0);
	case 4:					/* DICT: the distinct values, FOR indices */
		for (unsigned i = 0; i < n; i++) {
			unsigned k = 0;

			while (k < nd && dv[k] != dz[i])
				k++;
			if (k == nd)
				dv[nd++] = dz[i];
			di[i] = k;
		}
		*p++ = 2;
		p = nxr_put_varint(p, nd);
		*p++ = 0;
		p = t_for(p, dv, nd, 64, 0);
		return t_for(p, di, n, 16, 0);
	default:				/* RLE: the runs' values, lengths - 1 */
		for (unsigned i = 0; i < n; i++) {
			if (i && dz[i] == dz[i - 1]) {
				rl[nr - 1]++;
				continue;
			}
			dv[nr] = dz[i];
			rl[nr++] = 0;
		}
		*p++ = 3;
		p = nxr_put_varint(p, nr);
		*p++ = 0;
		p = t_for(p, dv, nr, 64, 0);
		*p++ = 0;
		return t_for(p, rl, nr, 16, 0);
	}
}

/*
 * TNEAR's nested columns in the schemes the reader treats apart (Huffman
 * indices read as bytes; differences whose distinct values it unzigzags
 * once: HUFF, DICT, RLE; the others value by value), over 1-3 tasks and
 * every length, references of every index, 16 (0) with a difference 0
 * among them, differences in runs: decoded exactly. A Huffman index of
 * 17 is refused.
 */
static void test_tnear_nested_schemes(void **state)
{
	static uint64_t v[300], tasks[300], ix[300], dz[300];
	static uint8_t col[300 * 20 + 4096], buf[300 * 20 + 8192];

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {
			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % nt;
				/* runs of one value (RLE), repeats of a ring's, and
				 * 0 by index 16, stored (difference 0) */
				v[i] = i && rnd() % 3 == 0 ? v[i - 1]
					: rnd() % 5 == 0 ? 0
					: 0x7f0000000000ull * (tasks[i] + 1) + rnd() % 65536;
				ix[i] = rnd() % 4 ? rnd() % 17 : 16;
			}
			t_tnear(v, tasks, n, ix, dz);
			for (int ih = 0; ih < 2; ih++) {
				for (int dh = 0; dh < 6; dh++) {
					uint8_t *end = t_tnear_any(col, ix, dz, n, ih, dh);

					assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
										(size_t)(end - col)),
								n, tasks, v), 0);
				}
			}
			/* a Huffman-coded index of 17 */
			ix[n / 2] = 17;
			{
				uint8_t *end = t_tnear_any(col, ix, dz, n, 1, 1);

				assert_int_equal(t_load(buf, t_payload(buf, n, nt, tasks, col,
									(size_t)(end - col)),
							n, tasks, v), -EBADMSG);
			}
		}
	}
}

/*
 * Many short processes, each mapping its regions at fresh random bases and
 * repeating one sequence of pointers into them (the shell loop): the writer
 * takes TNEAR (format 1.3), 30% smaller here than without it, and the
 * events read back; cut or with bytes changed, the payload is refused or
 * decoded, never read out of bounds.
 */
static void test_tnear_stream(void **state)
{
	enum { N = 6000, SEQ = 60 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	struct nxr_coldec *d = nxr_coldec_new();
	uint64_t t = 1000000, base[3] = { 0 };
	uint8_t *good, *plain;
	size_t len, plen;

	(void)state;
	assert_non_null(evs);
	assert_non_null(e);
	assert_non_null(d);
	for (unsigned i = 0; i < N; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned k = i % SEQ;

		if (k == 0) {
			base[0] = 0x7f0000000000ull + (rnd() & 0xfffffff000ull);
			base[1] = 0x550000000000ull + (rnd() & 0xfffffff000ull);
			base[2] = 0x7ff000000000ull + (rnd() & 0xffffff0ull);
		}
		t += 500 + rnd() % 3000;
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = ev->tid = 1000 + i / SEQ;
		ev->ts_ns = t;
		ev->syscall.nr = k % 5;
		ev->syscall.arg1 = k % 3 ? 3 + k % 4 : base[k % 2] + k * 4096;
		ev->syscall.arg2 = base[(k + 1) % 3] + (k * 40 & 0xfff);
		ev->syscall.arg3 = base[2] - k * 16;
		ev->syscall.arg4 = base[k % 3] + 0x100;
		ev->syscall.ret = (int64_t)(k % 2 ? base[0] + k * 8192 : k);
		ev->syscall.dur_ns = 300 + k * 17 + rnd() % 8;
		ev->syscall.flags = NX_SYS_EXITED;
	}
	len = round_trip(evs, N);
	nxr_colenc_set_context(e, false);
	plain = encode(e, evs, N, &plen);
	assert_true(len * 10 < plen * 7);
	nxr_colenc_free(e);	/* a new writer: its first segment chooses */
	e = nxr_colenc_new();
	assert_non_null(e);
	good = encode(e, evs, N, &len);
	assert_true(damage(d, good, len, N, 64, 3) > 0);
	/* the next segments: by the first's schemes, then (the ninth) the
	 * first's clear outcome without comparing: as small, read back */
	for (unsigned k = 1; k <= MEMO_SEGS_T; k++) {
		uint8_t *again;
		size_t alen;

		again = encode(e, evs, N, &alen);
		if (k == MEMO_SEGS_T)
			assert_int_equal(alen, len);
		expect_decoded(d, again, alen, evs, N);
		free(again);
	}
	free(good);
	free(plain);
	free(evs);
	nxr_colenc_free(e);
	nxr_coldec_free(d);
}

/*
 * TNEAR's search at its edges, each in a stream of its own (arg2): over
 * 600 tasks (their rings side by side; a sample's cleared as its tasks
 * come, try_tnear()'s lazy pass), one of 17 values per task or near
 * one, every other one 2^63 up (differences too wide for the SSE2 search's
 * keys), each task's first 3 zeros (the zeros a ring starts with tie);
 * over 5 tasks, one of 17 values per task whose tags (the writer's byte of
 * hash) are all equal, or near one; over 600 tasks, a cycle of 16 (equal
 * in the oldest slot; other schemes win there, TNEAR is only tried).
 * test_colcodec and test_colcodec_scalar run it: the SSE2 search and the
 * scalar one, which choose alike. Read back equal, the first also with
 * DAZ set (the SSE2 search's MINPD then reads its small keys as zeros);
 * TNEAR an eighth smaller than without it where it wins.
 */
static void test_tnear_search(void **state)
{
	enum { N = 24000, T = 600 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	uint64_t (*same)[17] = calloc(T, sizeof(*same)), t0 = 1000000;

	(void)state;
	assert_non_null(evs);
	assert_non_null(same);
	/* per task, 17 values with one tag: (x * 0x9E3779B97F4A7C15) >> 56,
	 * colcodec.c's */
	for (unsigned t = 0; t < T; t++) {
		unsigned ns = 0;

		for (uint64_t x = 0x5500000000ull + ((uint64_t)t << 32); ns < 17; x += 8)
			if ((uint8_t)((x * 0x9E3779B97F4A7C15ull) >> 56) == 0x5a)
				same[t][ns++] = x;
	}
	for (unsigned pat = 0; pat < 3; pat++) {
		struct nxr_colenc *e = nxr_colenc_new();
		uint32_t k[T] = { 0 };
		size_t len, plen;
		uint8_t *plain;

		assert_non_null(e);
		for (unsigned i = 0; i < N; i++) {
			struct nxr_event *ev = &evs[i];
			unsigned t = (unsigned)(rnd() % (pat == 1 ? 5 : T)), c = k[t]++;
			uint64_t r = rnd(), j = r % 17, x;

			if (pat == 0)
				x = c < 3 ? 0 : (j & 1 ? 0x8000000000000000ull : 0) +
				    0x7f0000000000ull + ((uint64_t)t << 24) + j * 0x10000 +
				    (r >> 8) % 4 * (r >> 12) % 64;
			else if (pat == 1)
				x = same[t][j] + ((r >> 8) % 4 ? 0 : 8);
			else
				x = 0x7f0000000000ull + ((uint64_t)t << 24) + (c % 16) * 4096;
			memset(ev, 0, sizeof(*ev));
			ev->kind = NX_KIND_SYSCALL;
			ev->pid = ev->tid = 1000 + t;
			ev->ts_ns = t0 += 1000;
			ev->syscall.arg2 = x;
			ev->syscall.flags = NX_SYS_EXITED;
		}
		len = round_trip(evs, N);
#if defined(__SSE2__)
		if (pat == 0) {	/* DAZ on: subnormal keys read as zeros */
			unsigned csr = _mm_getcsr();

			_mm_setcsr(csr | 0x40);
			round_trip(evs, N);
			_mm_setcsr(csr);
		}
#endif
		nxr_colenc_set_context(e, false);
		plain = encode(e, evs, N, &plen);
		if (pat < 2)
			assert_true(len * 8 < plen * 7);
		free(plain);
		nxr_colenc_free(e);
	}
	free(same);
	free(evs);
}

/*
 * ENTRY keys, hand-made over t_payload()'s syscalls (durations 0): each
 * key the sum of the differences, every length; refused cut short, with a
 * byte left over, with a nested column that needs tasks (TREP) or is ZSTD,
 * and as a section's column (arg2).
 */
static void test_entry_keys(void **state)
{
	static uint64_t v[300], tasks[300], g[300], want[300];
	static uint8_t col[300 * 10 + 64], kcol[300 * 10 + 64], buf[300 * 20 + 1024],
		buf2[300 * 20 + 1024];

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];
		struct nxr_coldec *d = nxr_coldec_new();
		struct nxr_event ev;
		const char *why;
		uint64_t acc = 0;
		size_t len, klen;
		uint8_t *end;

		assert_non_null(d);
		for (unsigned i = 0; i < n; i++) {
			tasks[i] = 0;
			v[i] = 0;
			g[i] = rnd() % 5000;
			want[i] = acc += g[i];
		}
		*col = 0;
		end = t_for(col + 1, v, n, 0, 0);
		len = t_payload(buf, n, 1, tasks, col, (size_t)(end - col));
		kcol[0] = 13, kcol[1] = 0;
		klen = (size_t)(t_for(kcol + 2, g, n, 16, 0) - kcol);
		len = t_with_keys(buf2, buf, len, n, 1, kcol, klen);
		assert_int_equal(nxr_coldec_load(d, buf2, len, n, dctx, &why), 0);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(nxr_coldec_next(d, &ev), 1);
			assert_int_equal(ev.ts_ns, want[i]);
		}
		/* cut short by a byte, a byte left over (in the keys column) */
		len = t_with_keys(buf2, buf, t_payload(buf, n, 1, tasks, col, (size_t)(end - col)),
				  n, 1, kcol, klen - 1);
		assert_int_equal(nxr_coldec_load(d, buf2, len, n, dctx, &why), -EBADMSG);
		kcol[klen] = 0;
		len = t_with_keys(buf2, buf, t_payload(buf, n, 1, tasks, col, (size_t)(end - col)),
				  n, 1, kcol, klen + 1);
		assert_int_equal(nxr_coldec_load(d, buf2, len, n, dctx, &why), -EBADMSG);
		/* nested TREP (no tasks there), nested ZSTD */
		for (int m = 4; m <= 6; m += 2) {
			kcol[1] = (uint8_t)m;
			len = t_with_keys(buf2, buf, t_payload(buf, n, 1, tasks, col,
							       (size_t)(end - col)),
					  n, 1, kcol, klen);
			assert_int_equal(nxr_coldec_load(d, buf2, len, n, dctx, &why), -EBADMSG);
		}
		/* as arg2's column */
		kcol[1] = 0;
		assert_int_equal(t_load(buf, t_payload(buf, n, 1, tasks, kcol, klen), n, tasks, g),
				 -EBADMSG);
		nxr_coldec_free(d);
	}
}

/*
 * A task's syscalls, their durations long against the time between them
 * (ls): the writer takes ENTRY for the keys and the events read back, the
 * kinds in one run, or in many with other kinds between (one by one when
 * they are not RLE), grouped by syscall number; cut or with bytes changed,
 * the payload is refused or decoded.
 */
static void test_entry_stream(void **state)
{
	enum { N = 4000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_colenc *e;
	struct nxr_coldec *d = nxr_coldec_new();
	uint8_t *good, *plain;
	size_t len, plen;

	(void)state;
	assert_non_null(evs);
	assert_non_null(d);
	for (int mixed = 0; mixed < 3; mixed++) {
		uint64_t t = 1000000;

		for (unsigned i = 0; i < N; i++) {
			struct nxr_event *ev = &evs[i];

			memset(ev, 0, sizeof(*ev));
			ev->pid = ev->tid = 1000 + (mixed == 2 ? (unsigned)(rnd() % 3) : 0);
			if (mixed && rnd() % (mixed == 1 ? 50 : 3) == 0) {
				t += 100 + rnd() % 100;
				ev->kind = NX_KIND_EXIT;
				ev->ts_ns = t;
				ev->exit.code = (uint32_t)i;
				continue;
			}
			ev->kind = NX_KIND_SYSCALL;
			ev->syscall.nr = (uint32_t)(rnd() % 4);
			ev->syscall.dur_ns = 5000 + rnd() % 60000;
			ev->syscall.arg1 = 3 + ev->syscall.nr;
			ev->syscall.flags = NX_SYS_EXITED;
			t += 200 + rnd() % 300;
			ev->ts_ns = t;
			t += ev->syscall.dur_ns;
		}
		len = round_trip(evs, N);
		e = nxr_colenc_new();	/* new writers: their first segment chooses */
		assert_non_null(e);
		nxr_colenc_set_context(e, false);
		nxr_colenc_set_timing(e, false);	/* (TGAP keys gain as ENTRY does) */
		plain = encode(e, evs, N, &plen);
		nxr_colenc_free(e);
		if (mixed < 2)
			assert_true(len * 10 < plen * 9);
		e = nxr_colenc_new();
		assert_non_null(e);
		good = encode(e, evs, N, &len);
		nxr_colenc_free(e);
		assert_true(damage(d, good, len, N, 64, 3) > 0);
		free(good);
		free(plain);
	}
	free(evs);
	nxr_coldec_free(d);
}

/* ---- LOGH columns and TGAP keys (format 1.4) ---- */

/* A bit stream written one bit at a time: the reference the decoder's
 * word loads must agree with */
struct t_bits {
	uint8_t *p;
	size_t n;
};

static void t_bit(struct t_bits *b, unsigned bit)
{
	if (bit)
		b->p[b->n / 8] |= (uint8_t)(1u << (b->n % 8));
	b->n++;
}

/* LOGH's symbol of v with sub bits, and its raw bits, by the spec */
static unsigned t_logh_sym(uint64_t v, unsigned sub, unsigned *r)
{
	unsigned b = 0;

	if (v < 2ull << sub) {
		*r = 0;
		return (unsigned)v;
	}
	while (b < 64 && v >> b)
		b++;
	*r = b - 1 - sub;
	return (2u << sub) + ((b - sub - 2) << sub) + (unsigned)((v >> *r) & ((1u << sub) - 1));
}

/*
 * A LOGH part of v[0..n) with sub bits, coding symbols lo .. lo + cnt - 1
 * (cnt a power of 2) each with a code of log2(cnt) bits (the canonical
 * code of symbol lo + k is k, written most significant bit first), then
 * the raw bits, least significant first. nb_adj is added to the stream's
 * length as written.
 */
static uint8_t *t_logh_part_of(uint8_t *p, const uint64_t *v, size_t n, unsigned sub,
				unsigned lo, unsigned cnt, int nb_adj)
{
	unsigned len = 0;
	struct t_bits b;
	uint8_t *s;

	while (1u << len < cnt)
		len++;
	p = nxr_put_varint(p, lo);
	p = nxr_put_varint(p, cnt);
	for (unsigned k = 0; cnt > 1 && k < cnt; k += 2)
		*p++ = (uint8_t)(len | len << 4);
	s = calloc(1, n * 10 + 16);
	assert_non_null(s);
	b = (struct t_bits){ s, 0 };
	for (size_t i = 0; i < n; i++) {
		unsigned r, y = t_logh_sym(v[i], sub, &r);

		assert_true(y >= lo && y < lo + cnt);
		for (unsigned k = len; k-- > 0;)
			t_bit(&b, (y - lo) >> k & 1);
		for (unsigned k = 0; k < r; k++)
			t_bit(&b, v[i] >> k & 1);
	}
	p = nxr_put_varint(p, (b.n + 7) / 8 + (size_t)nb_adj);
	memcpy(p, s, (b.n + 7) / 8);
	p += (b.n + 7) / 8 + (size_t)(nb_adj > 0 ? nb_adj : 0);
	free(s);
	return p;
}

/* A LOGH column (mode byte and all) of v[0..n), that one part, flags sub */
static uint8_t *t_logh(uint8_t *p, const uint64_t *v, size_t n, unsigned sub, unsigned lo,
		       unsigned cnt, int nb_adj)
{
	*p++ = 14;
	*p++ = (uint8_t)sub;
	return t_logh_part_of(p, v, n, sub, lo, cnt, nb_adj);
}

/* A random value of random bit length, by the shape: 0 any, 1 not 0, 2 of
 * 4-35 bits, 3 with the top bits of 1011 << 36 */
static uint64_t t_logh_value(unsigned shape)
{
	unsigned b = (unsigned)(rnd() % 65);
	uint64_t v = b ? rnd() >> (64 - b) | 1ull << (b - 1) : 0;

	switch (shape) {
	case 1:
		return v ? v : 1;
	case 2:
		return 8 + rnd() % ((1ull << 35) - 8);
	case 3:
		return 11ull << 36 | (rnd() & ((1ull << 36) - 1));
	}
	return v;
}

/* Loads buf2 (n syscalls, every duration 0) and checks each time key */
static int t_load_keys_d(struct nxr_coldec *d, const uint8_t *buf, size_t len, unsigned n,
			 const uint64_t *want)
{
	struct nxr_event ev;
	const char *why = NULL;
	int rc;

	rc = nxr_coldec_load(d, buf, len, n, dctx, &why);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		assert_int_equal(nxr_coldec_next(d, &ev), 1);
		if (ev.ts_ns != want[i])
			fail_msg("key %u of %u: %" PRIu64 ", want %" PRIu64, i, n, ev.ts_ns,
				 want[i]);
	}
	if (rc)
		assert_non_null(why);
	return rc;
}

/* The same through a decoder of its own */
static int t_load_keys(const uint8_t *buf, size_t len, unsigned n, const uint64_t *want)
{
	struct nxr_coldec *d = nxr_coldec_new();
	int rc;

	assert_non_null(d);
	rc = t_load_keys_d(d, buf, len, n, want);
	nxr_coldec_free(d);
	return rc;
}

/*
 * LOGH as arg2's column, every sub, in columns of every length: decoded
 * exactly (values of every bit length, 0 and 2^64 - 1 among them; small
 * values that are their own symbols, of one symbol or many); as the keys
 * column too. Refused: a stream longer or shorter than its codes, a
 * grouped one in a section without a selector, unknown flags, a symbol
 * range past the alphabet, and LOGH nested in a DICT.
 */
static void test_logh_columns(void **state)
{
	/* (shapes 4-7: every symbol its own value, no raw bits, which the
	 * reader decodes several a lookup: logh_small_part(); 8: the same but
	 * the last symbol, 8, of values 8 and 9, a raw bit: not that way) */
	static const unsigned sub[] = { 1, 0, 2, 3, 3, 3, 2, 3, 2 },
			      lo[] = { 0, 1, 8, 0, 2, 0, 0, 5, 1 },
			      cnt[] = { 128, 64, 128, 1, 8, 16, 8, 1, 8 },
			      span[] = { 0, 0, 0, 0, 8, 16, 8, 1, 9 };
	static uint64_t v[300], tasks[300], zero[300];
	static uint8_t col[300 * 10 + 256], buf[300 * 20 + 2048], buf2[300 * 20 + 2048];
	static const uint8_t bad[][8] = {
		{ 14, 1, 128, 1, 1, 0 },	/* lo = 128: past sub 1's 128 symbols */
		{ 14, 1, 0, 129, 1 },		/* 129 symbols from 0 */
		{ 14, 0, 65, 1, 0 },		/* sub 0: 65 symbols */
		{ 14, 3, 0, 0, 0 },		/* no symbols */
		{ 2, 1, 14, 1, 0, 1, 0 },	/* nested in a DICT */
	};

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned s = 0; s < 9; s++) {
			unsigned l = lo[s], r;
			uint8_t *end;
			size_t len;

			for (unsigned i = 0; i < n; i++) {
				tasks[i] = 0;
				v[i] = s < 4 ? t_logh_value(s) : lo[s] + rnd() % span[s];
			}
			if (s == 0 && n > 2)
				v[0] = 0, v[1] = UINT64_MAX;
			if (s == 3)
				l = t_logh_sym(v[0], 3, &r);
			end = t_logh(col, v, n, sub[s], l, cnt[s], 0);
			len = t_payload(buf, n, 1, tasks, col, (size_t)(end - col));
			assert_int_equal(t_load(buf, len, n, tasks, v), 0);
			/* the same column as the keys (arg2 all 0) */
			*buf2 = 0;
			len = t_payload(buf, n, 1, tasks, buf2, (size_t)(t_for(buf2 + 1, zero, n, 0, 0) - buf2));
			len = t_with_keys(buf2, buf, len, n, 1, col, (size_t)(end - col));
			assert_int_equal(t_load_keys(buf2, len, n, v), 0);
			/* a stream a byte longer, or shorter, than its codes */
			for (int adj = -1; adj <= 1; adj += 2) {
				end = t_logh(col, v, n, sub[s], l, cnt[s], adj);
				len = t_payload(buf, n, 1, tasks, col, (size_t)(end - col));
				assert_int_equal(t_load(buf, len, n, tasks, v), -EBADMSG);
			}
			/* grouped without a selector; flags past the known ones */
			end = t_logh(col, v, n, sub[s], l, cnt[s], 0);
			for (unsigned f = 0; f < 2; f++) {
				col[1] = (uint8_t)(sub[s] | (f ? 16 : 4));
				len = t_payload(buf, n, 1, tasks, col, (size_t)(end - col));
				assert_int_equal(t_load(buf, len, n, tasks, v), -EBADMSG);
			}
		}
		for (unsigned b = 0; b < sizeof(bad) / sizeof(*bad); b++) {
			size_t len;

			memset(col, 0, 64);
			memcpy(col, bad[b], sizeof(bad[b]));
			len = t_payload(buf, n, 1, tasks, col, 32);
			assert_int_equal(t_load(buf, len, n, tasks, v), -EBADMSG);
		}
	}
}

/* TGAP's keys by the spec from the zigzag differences z, every syscall's
 * duration 0: each its task's key before (or the key before, 0 first) + d */
static void t_tgap(const uint64_t *z, const uint64_t *tasks, unsigned n, uint64_t *want)
{
	uint64_t last[8], prev = 0;
	bool seen[8] = { false };

	for (unsigned i = 0; i < n; i++) {
		uint64_t t = tasks[i], d = z[i] >> 1 ^ (0 - (z[i] & 1));

		want[i] = prev = last[t] = (seen[t] ? last[t] : prev) + d;
		seen[t] = true;
	}
}

/*
 * TGAP keys over 1-3 tasks, their nested column FOR or LOGH: each key
 * its task's key before plus its difference, by the spec (differences
 * of either sign). Refused: nested TREP, ZSTD, TNEAR, a grouped LOGH, and
 * TGAP as a section's column (arg2).
 */
static void test_tgap_keys(void **state)
{
	static uint64_t z[300], tasks[300], want[300], zero[300];
	static uint8_t col[300 * 10 + 64], kcol[300 * 10 + 64], buf[300 * 20 + 1024],
		buf2[300 * 20 + 1024];

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {	/* (ntasks <= n) */
			size_t len, klen;

			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % nt;
				z[i] = rnd() % 60000;
			}
			if (nt == 3)	/* the tasks in any order: the table need not follow */
				tasks[0] = 2;
			t_tgap(z, tasks, n, want);
			*col = 0;
			len = t_payload(buf, n, nt, tasks, col,
					(size_t)(t_for(col + 1, zero, n, 0, 0) - col));
			for (unsigned m = 0; m < 2; m++) {
				kcol[0] = 15;
				if (m) {
					klen = (size_t)(t_logh(kcol + 1, z, n, 1, 0, 128, 0) - kcol);
				} else {
					kcol[1] = 0;
					klen = (size_t)(t_for(kcol + 2, z, n, 16, 0) - kcol);
				}
				assert_int_equal(t_load_keys(buf2, t_with_keys(buf2, buf, len, n, nt,
									 kcol, klen),
							     n, want), 0);
			}
			/* nested TREP, ZSTD, TNEAR; LOGH grouped (no selector there) */
			for (unsigned m = 0; m < 4; m++) {
				static const uint8_t mode[] = { 4, 6, 12, 14 };

				kcol[0] = 15;
				if (mode[m] == 14) {
					klen = (size_t)(t_logh(kcol + 1, z, n, 1, 0, 128, 0) - kcol);
					kcol[2] |= 4;
				} else {
					kcol[1] = mode[m];
					klen = (size_t)(t_for(kcol + 2, z, n, 16, 0) - kcol);
				}
				assert_int_equal(t_load_keys(buf2, t_with_keys(buf2, buf, len, n, nt,
									 kcol, klen),
							     n, want), -EBADMSG);
			}
			/* as arg2's column */
			kcol[1] = 0;
			klen = (size_t)(t_for(kcol + 2, z, n, 16, 0) - kcol);
			assert_int_equal(t_load(buf2, t_payload(buf2, n, nt, tasks, kcol, klen), n,
						tasks, z),
					 -EBADMSG);
		}
	}
}

/* Places of n events grouped by nrs[] (first appearance, stable): pos[j]
 * the place of event j, inv[q] the event at place q */
static void t_grouping(const uint64_t *nrs, unsigned n, unsigned *pos, unsigned *inv)
{
	uint64_t order[300];
	unsigned no = 0, q = 0;

	for (unsigned j = 0; j < n; j++) {
		unsigned k = 0;

		while (k < no && order[k] != nrs[j])
			k++;
		if (k == no)
			order[no++] = nrs[j];
	}
	for (unsigned k = 0; k < no; k++)
		for (unsigned j = 0; j < n; j++)
			if (nrs[j] == order[k]) {
				pos[j] = q;
				inv[q++] = j;
			}
}

/* ---- LOGH parts by the syscall before (format 1.6) ---- */

/* One LOGH part of v[0..m) at p: sub 1's 128 symbols, 7-bit codes */
static uint8_t *t_logh_part(uint8_t *p, const uint64_t *v, size_t m, int nb_adj)
{
	return t_logh_part_of(p, v, m, 1, 0, 128, nb_adj);
}

/*
 * Each of n syscalls' class by the spec, in grouped order (inv[q]: the
 * syscall at q; the groups the runs of nrs[inv[]]): 1 + the group of its
 * task's syscall before it, 0 for a task's first
 */
static void t_prev_classes(const uint64_t *nrs, const uint64_t *tasks, const unsigned *pos,
			   const unsigned *inv, unsigned n, uint64_t *cls)
{
	uint64_t grp[300], last[8] = { 0 };

	for (unsigned q = 0, g = 0; q < n; q++) {
		g += q && nrs[inv[q]] != nrs[inv[q - 1]];
		grp[q] = g;
	}
	for (unsigned j = 0; j < n; j++) {
		cls[pos[j]] = last[tasks[j]];
		last[tasks[j]] = 1 + grp[pos[j]];
	}
}

/*
 * LOGH with G and P of the grouped values vg[0..n) (classes cls, groups
 * the runs of gsel) at col: group g's part split by the classes own[g][0..
 * nown[g]), each value in the part of the last listing of its class, else
 * the rest's. what = 1: the rest's stream of the first group a byte short;
 * 2: its classes 9; 3: its first class past the groups (ngroups + 1, an
 * empty part); 4: its first class listed again at its end (the first
 * listing's part empty). Its end.
 */
static uint8_t *t_logh_prev(uint8_t *col, const uint64_t *vg, const uint64_t *cls,
			    const uint64_t *gsel, unsigned n, uint64_t own[][3],
			    const unsigned *nown, unsigned ngroups, int what)
{
	static uint64_t part[300];
	uint8_t *p = col;

	*p++ = 14;
	*p++ = 1 | 4 | 8;
	for (unsigned i = 0, g = 0; i < n; g++) {
		uint64_t lst[10];
		unsigned m = 1, k = nown[g];

		while (i + m < n && gsel[i + m] == gsel[i])
			m++;
		memcpy(lst, own[g], k * sizeof(*lst));
		if (g == 0 && what == 2)
			for (k = 0; k < 9; k++)
				lst[k] = k;
		if (g == 0 && what == 3)
			lst[0] = ngroups + 1;
		if (g == 0 && what == 4)
			lst[k++] = lst[0];
		p = nxr_put_varint(p, k);
		for (unsigned c = 0; c < k; c++)
			p = nxr_put_varint(p, lst[c]);
		for (unsigned c = 0; c <= k; c++) {	/* the listed classes' parts, then the rest's */
			size_t pm = 0;

			for (unsigned j = i; j < i + m; j++) {
				unsigned o = k;

				for (unsigned x = 0; x < k; x++)
					if (lst[x] == cls[j])
						o = x;	/* (the last listing) */
				if (o == c)
					part[pm++] = vg[j];
			}
			p = t_logh_part(p, part, pm, what == 1 && g == 0 && c == k ? -1 : 0);
		}
		i += m;
	}
	return p;
}

/*
 * LOGH with a part per syscall number split by the syscall before (flag P,
 * format 1.6), as arg2's column of syscalls grouped by number over 1-3
 * tasks and 1-4 numbers: each group with 0-2 classes of its own (the
 * task's first, 0, among them; the first group 1-2), every value decoded
 * by the spec. Refused: a part a byte short, 9 classes, a class past the
 * groups or given twice, P without G, a flag past P, and P in a section
 * grouped by another field.
 */
static void test_logh_prev_columns(void **state)
{
	static uint64_t v[300], vg[300], cls[300], gsel[300], tasks[300], nrs[300];
	static uint64_t own[8][3];
	static unsigned pos[300], inv[300], nown[8];
	static uint8_t col[300 * 12 + 512], buf[300 * 24 + 2048];
	const uint8_t *cols[10] = { NULL, col };
	size_t lens[10] = { 0 };

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {
			unsigned nn = 1 + (unsigned)(rnd() % 4), ngroups = 0;

			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % nt;
				nrs[i] = 40 + rnd() % nn;
				v[i] = rnd() >> (rnd() % 64);
			}
			t_grouping(nrs, n, pos, inv);
			t_prev_classes(nrs, tasks, pos, inv, n, cls);
			for (unsigned q = 0; q < n; q++) {
				vg[q] = v[inv[q]];
				gsel[q] = nrs[inv[q]];
				ngroups += !q || gsel[q] != gsel[q - 1];
			}
			for (unsigned g = 0, q = 0; g < ngroups; g++) {
				/* (0, a task's first, and the class of the group's
				 * first value, or the last group's) */
				nown[g] = g ? (unsigned)(rnd() % 3) : 1 + (unsigned)(rnd() % 2);
				own[g][0] = 0;
				own[g][1] = cls[q] ? cls[q] : ngroups;
				for (q++; q < n && gsel[q] == gsel[q - 1]; q++)
					;
			}
			for (int what = 0; what <= 4; what++) {
				lens[1] = (size_t)(t_logh_prev(col, vg, cls, gsel, n, own, nown, ngroups,
							       what) - col);
				assert_int_equal(t_load(buf, t_payload_any(buf, n, nt, tasks, cols, lens,
									    nrs),
							n, tasks, v),
						 what ? -EBADMSG : 0);
			}
			/* P without G, and a flag past P */
			for (unsigned f = 0; f < 2; f++) {
				lens[1] = (size_t)(t_logh_prev(col, vg, cls, gsel, n, own, nown, ngroups,
							       0) - col);
				col[1] = (uint8_t)(f ? 1 | 4 | 8 | 16 : 1 | 8);
				assert_int_equal(t_load(buf, t_payload_any(buf, n, nt, tasks, cols, lens,
									    nrs),
							n, tasks, v),
						 -EBADMSG);
			}
			/* grouped by arg1, not by number: no classes */
			lens[1] = (size_t)(t_logh_prev(col, vg, cls, gsel, n, own, nown, ngroups, 0) -
					   col);
			assert_int_equal(t_load(buf, t_payload_sel(buf, n, nt, tasks, cols, lens, nrs, 0),
						n, tasks, v),
					 -EBADMSG);
		}
	}
	/* 10 numbers in turn, one task: a group with 8 classes of its own is
	 * read, one with 9 (each a class there is) refused */
	for (unsigned i = 0; i < 300; i++) {
		tasks[i] = 0;
		nrs[i] = 40 + i % 10;
		v[i] = rnd() % 100000;
	}
	t_grouping(nrs, 300, pos, inv);
	for (unsigned q = 0; q < 300; q++) {
		vg[q] = v[inv[q]];
		gsel[q] = nrs[inv[q]];
	}
	for (unsigned j = 0; j < 300; j++)	/* (the one before a syscall's is the number before) */
		cls[pos[j]] = j ? 1 + (j - 1) % 10 : 0;
	for (unsigned k = 8; k <= 9; k++) {
		uint8_t *p = col;

		*p++ = 14;
		*p++ = 1 | 4 | 8;
		for (unsigned g = 0; g < 10; g++) {
			unsigned nk = g ? 0 : k;

			p = nxr_put_varint(p, nk);
			for (unsigned c = 0; c < nk; c++)	/* classes 1..nk: none holds a value */
				p = nxr_put_varint(p, 1 + c);
			for (unsigned c = 0; c < nk; c++)
				p = t_logh_part(p, vg, 0, 0);
			p = t_logh_part(p, vg + g * 30, 30, 0);
		}
		lens[1] = (size_t)(p - col);
		assert_int_equal(t_load(buf, t_payload_any(buf, 300, 1, tasks, cols, lens, nrs), 300,
					tasks, v),
				 k == 9 ? -EBADMSG : 0);
	}
}

/* TGAPN's keys by the spec: as TGAP's, the differences of a task's later
 * events not zigzagged */
static void t_tgapn(const uint64_t *z, const uint64_t *tasks, unsigned n, uint64_t *want)
{
	uint64_t last[8], prev = 0;
	bool seen[8] = { false };

	for (unsigned i = 0; i < n; i++) {
		uint64_t t = tasks[i];

		want[i] = prev = last[t] = seen[t] ? last[t] + z[i]
						   : prev + (z[i] >> 1 ^ (0 - (z[i] & 1)));
		seen[t] = true;
	}
}

/*
 * TGAPN keys (format 1.5) over 1-3 tasks and 1-4 syscall numbers: the
 * nested column (FOR, or LOGH of one part) holds TGAP's differences (a
 * task's first zigzagged, the others as they are) with the syscalls' in
 * their grouped order; each key decoded by the spec.
 * Refused: TGAPN where the syscalls are not grouped, a length past the
 * payload or short of its column, and TGAPN as arg2's column.
 */
static void test_tgapn_keys(void **state)
{
	static uint64_t z[300], zg[300], tasks[300], want[300], nrs[300];
	static unsigned pos[300], inv[300];
	static uint8_t kcol[300 * 10 + 64], nest[300 * 10 + 64], buf[300 * 20 + 1024],
		buf2[300 * 20 + 1024];
	const uint8_t *cols[10] = { NULL };
	size_t lens[10] = { 0 };

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {
			unsigned nn = 1 + (unsigned)(rnd() % 4);
			size_t len, nl;

			for (unsigned i = 0; i < n; i++) {
				tasks[i] = rnd() % nt;
				z[i] = rnd() % 60000;
				nrs[i] = 40 + rnd() % nn;
			}
			t_tgapn(z, tasks, n, want);
			t_grouping(nrs, n, pos, inv);
			for (unsigned q = 0; q < n; q++)
				zg[q] = z[inv[q]];
			len = t_payload_any(buf, n, nt, tasks, cols, lens, nrs);
			for (unsigned m = 0; m < 2; m++) {
				nest[0] = 0;
				nl = m ? (size_t)(t_logh(nest, zg, n, 1, 0, 128, 0) - nest)
				       : (size_t)(t_for(nest + 1, zg, n, 16, 0) - nest);
				kcol[0] = 19;
				memcpy(nxr_put_varint(kcol + 1, nl), nest, nl);
				assert_int_equal(t_load_keys(buf2, t_with_keys(buf2, buf, len, n, nt, kcol,
									 1 + nxr_varint_len(nl) + nl),
							     n, want), 0);
				/* a length one past the column's end, one short, one
				 * with a byte left inside it, and one past the payload */
				for (int adj = -1; adj <= 2; adj++) {
					size_t cl = adj == 0 ? nl + 1 : adj == 2 ? 1u << 20
										 : nl + (size_t)adj;
					uint8_t *p = nxr_put_varint(kcol + 1, cl);

					memcpy(p, nest, nl);
					p[nl] = 0;
					assert_int_equal(t_load_keys(buf2,
								     t_with_keys(buf2, buf, len, n, nt, kcol,
										 (size_t)(p - kcol) + nl +
										 (adj == 0)),
								     n, want), -EBADMSG);
				}
			}
			/* one decoder: these keys, then TGAP's of the same
			 * differences (each zigzagged: z is below 2^16), read right */
			{
				struct nxr_coldec *d = nxr_coldec_new();
				static uint64_t zz[300], want4[300];

				assert_non_null(d);
				nest[0] = 0;
				nl = (size_t)(t_for(nest + 1, zg, n, 16, 0) - nest);
				kcol[0] = 19;
				memcpy(nxr_put_varint(kcol + 1, nl), nest, nl);
				assert_int_equal(t_load_keys_d(d, buf2, t_with_keys(buf2, buf, len, n, nt,
									kcol,
									1 + nxr_varint_len(nl) + nl),
							       n, want), 0);
				for (unsigned i = 0; i < n; i++)
					zz[i] = z[i] << 1;
				t_tgap(zz, tasks, n, want4);
				kcol[0] = 15;
				kcol[1] = 0;
				nl = (size_t)(t_for(kcol + 2, zz, n, 24, 0) - kcol);
				assert_int_equal(t_load_keys_d(d, buf2, t_with_keys(buf2, buf, len, n, nt,
									kcol, nl),
							       n, want4), 0);
				nxr_coldec_free(d);
			}
			/* the syscalls grouped by another field (arg1) */
			nest[0] = 0;
			nl = (size_t)(t_for(nest + 1, zg, n, 16, 0) - nest);
			kcol[0] = 19;
			memcpy(nxr_put_varint(kcol + 1, nl), nest, nl);
			{
				size_t l1 = t_payload_sel(buf2, n, nt, tasks, cols, lens, nrs, 0);

				memcpy(buf, buf2, l1);
				assert_int_equal(t_load_keys(buf2, t_with_keys(buf2, buf, l1, n, nt, kcol,
									 1 + nxr_varint_len(nl) + nl),
							     n, want), -EBADMSG);
			}
			/* the same, the syscalls not grouped */
			nest[0] = 0;
			nl = (size_t)(t_for(nest + 1, z, n, 16, 0) - nest);
			kcol[0] = 19;
			memcpy(nxr_put_varint(kcol + 1, nl), nest, nl);
			len = t_payload_any(buf, n, nt, tasks, cols, lens, NULL);
			assert_int_equal(t_load_keys(buf2, t_with_keys(buf2, buf, len, n, nt, kcol,
								 1 + nxr_varint_len(nl) + nl),
						     n, want), -EBADMSG);
			/* as arg2's column */
			assert_int_equal(t_load(buf2, t_payload(buf2, n, nt, tasks, kcol,
							      1 + nxr_varint_len(nl) + nl),
						n, tasks, z),
					 -EBADMSG);
		}
	}
}

static int t_by_key(const void *a, const void *b)
{
	const struct nxr_event *x = a, *y = b;
	uint64_t kx = x->ts_ns + (x->kind == NX_KIND_SYSCALL ? x->syscall.dur_ns : 0);
	uint64_t ky = y->ts_ns + (y->kind == NX_KIND_SYSCALL ? y->syscall.dur_ns : 0);

	return kx < ky ? -1 : kx > ky;
}

/* n syscalls of 4 numbers over 6 tasks, in the order of their keys: each
 * task's next entry 200-700 ns after its last exit (gap_by_nr: plus
 * 150-300 ns, 3-6 us, 40-80 us or 0.9-1.8 ms by the number it enters),
 * durations 80-200 ns, 2-4 us, 20-60 us or 0.5-2 ms by number; every 7th
 * event (mixed) an exit */
static void t_timed_gaps(struct nxr_event *evs, unsigned n, bool mixed, bool gap_by_nr)
{
	static const uint64_t lo[] = { 80, 2000, 20000, 500000 }, span[] = { 120, 2000, 40000,
									     1500000 };
	static const uint64_t glo[] = { 150, 3000, 40000, 900000 };
	uint64_t next[6];

	for (unsigned t = 0; t < 6; t++)
		next[t] = 1000000 + rnd() % 5000;
	for (unsigned i = 0; i < n; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned t = i % 6, nr = (unsigned)(rnd() % 4);

		memset(ev, 0, sizeof(*ev));
		ev->pid = ev->tid = 500 + t;
		ev->ts_ns = next[t];
		if (mixed && i % 7 == 3) {
			ev->kind = NX_KIND_EXIT;
			ev->exit.code = i;
			next[t] += 1000;
			continue;
		}
		ev->kind = NX_KIND_SYSCALL;
		ev->syscall.nr = nr;
		if (gap_by_nr)	/* (the time before this entry by its number) */
			ev->ts_ns = next[t] += glo[nr] + rnd() % glo[nr];
		ev->syscall.dur_ns = lo[nr] + rnd() % span[nr];
		ev->syscall.arg1 = 3;
		ev->syscall.flags = NX_SYS_EXITED;
		next[t] += ev->syscall.dur_ns + 200 + rnd() % 500;
	}
	qsort(evs, n, sizeof(*evs), t_by_key);
}

/*
 * A stream of N events gen(evs, N, arg) makes, encoded with the feature
 * off() turns off and without: with it smaller by at least a frac-th (what
 * names the feature); then N-event segments of it through one encoder,
 * read back in the segment that chooses and in the ones that follow, the
 * second also damaged (refused or decoded).
 */
static void t_stream_gains(void (*gen)(struct nxr_event *, unsigned, int), int arg,
			   void (*off)(struct nxr_colenc *), unsigned frac, const char *what)
{
	enum { N = 6000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_colenc *e = nxr_colenc_new();
	uint8_t *good, *plain;
	size_t len, plen;

	assert_non_null(evs);
	assert_non_null(d);
	assert_non_null(e);
	gen(evs, N, arg);
	len = round_trip(evs, N);
	off(e);
	plain = encode(e, evs, N, &plen);
	nxr_colenc_free(e);
	free(plain);
	if (len * frac >= plen * (frac - 1))
		fail_msg("%s: %zu bytes, without: %zu", what, len, plen);
	e = nxr_colenc_new();
	assert_non_null(e);
	for (unsigned s = 0; s < MEMO_SEGS_T + 1; s++) {
		gen(evs, N, arg);
		good = encode(e, evs, N, &len);
		expect_decoded(d, good, len, evs, N);
		if (s == 1)
			assert_true(damage(d, good, len, N, 64, 3) > 0);
		free(good);
	}
	nxr_colenc_free(e);
	free(evs);
	nxr_coldec_free(d);
}

static void t_timing_off(struct nxr_colenc *e)
{
	nxr_colenc_set_timing(e, false);
}

static void t_copy_off(struct nxr_colenc *e)
{
	nxr_colenc_set_copy(e, false);
}

/* t_timed_gaps() as t_stream_gains() calls it: arg bit 0 mixed, bit 1
 * gaps by number */
static void t_timed_arg(struct nxr_event *evs, unsigned n, int arg)
{
	t_timed_gaps(evs, n, arg & 1, arg & 2);
}

/*
 * Times by syscall number over interleaved tasks: the writer takes LOGH
 * for the durations (a code per number) and TGAP for the keys, a tenth
 * smaller than without them; the events read back, in the segment that
 * chooses and in the ones that follow it; cut or with bytes changed, the
 * payload is refused or decoded.
 */
static void test_timing_stream(void **state)
{
	(void)state;
	for (int mixed = 0; mixed < 2; mixed++)
		t_stream_gains(t_timed_arg, mixed, t_timing_off, 10, "timing modes");
}

/* ---- Choosing afresh on slow segments ---- */

/*
 * n read()s of 6 tasks, step_ns apart: arg2 random below 2^20 (late false)
 * or each task's own 40-bit counter (late true), which a scheme by task
 * takes to next to nothing and a kept bit packing does not.
 */
static void t_phase(struct nxr_event *evs, unsigned n, bool late, uint64_t t0, uint64_t step_ns)
{
	for (unsigned i = 0; i < n; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned t = i % 6;

		memset(ev, 0, sizeof(*ev));
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = ev->tid = 700 + t;
		ev->ts_ns = t0 + i * step_ns;
		ev->syscall.nr = 0;
		ev->syscall.arg1 = 3;
		ev->syscall.arg2 = late ? ((uint64_t)(t + 1) << 36) + i / 6 : rnd() % (1u << 20);
		ev->syscall.dur_ns = 100;
		ev->syscall.flags = NX_SYS_EXITED;
	}
}

/*
 * A segment that follows the choosing one keeps its schemes, but where its
 * events span 250 ms (they came slowly: the writer has the time) its
 * syscall fields are also coded afresh and the smaller kept: after a
 * segment of random arg2, one of task counters is far smaller spread over
 * 300 ms than over 12 ms; both read back, and the segment after the slow
 * one too.
 */
static void test_rechoose_slow_segments(void **state)
{
	enum { N = 6000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_coldec *d = nxr_coldec_new();
	size_t len[2];

	(void)state;
	assert_non_null(evs);
	assert_non_null(d);
	for (int slow = 0; slow < 2; slow++) {
		struct nxr_colenc *e = nxr_colenc_new();
		uint64_t step = slow ? 50000 : 2000;	/* N steps: 300 or 12 ms */
		uint8_t *buf;

		assert_non_null(e);
		t_phase(evs, N, false, 1000000, 1000);
		buf = encode(e, evs, N, &len[slow]);
		expect_decoded(d, buf, len[slow], evs, N);
		free(buf);
		t_phase(evs, N, true, 1000000000, step);
		buf = encode(e, evs, N, &len[slow]);
		expect_decoded(d, buf, len[slow], evs, N);
		free(buf);
		t_phase(evs, N, true, 2000000000, step);
		expect_segment(e, d, evs, N);
		nxr_colenc_free(e);
	}
	if (len[1] * 4 >= len[0])
		fail_msg("slow segment %zu bytes, fast %zu", len[1], len[0]);
	free(evs);
	nxr_coldec_free(d);
}

/* ---- TCOPY (format 1.5) ---- */

/* arg1..arg6, ret of syscall j: the reference TCOPY decodes to */
struct t_regs {
	uint64_t v[7];
};

/* What slot s (not 0) of column f names, at[] the places of this syscall
 * and its task's two before (< 0: none, every field 0) */
static uint64_t t_slot_value(const struct t_regs *regs, const int *at, unsigned s, unsigned f)
{
	uint64_t x, r;

	if (s < 24) {
		unsigned g = s < 3 ? f : (s - 3) % 7, w = s < 3 ? s : (s - 3) / 7;

		return at[w] < 0 ? 0 : regs[at[w]].v[g];
	}
	x = at[1] < 0 ? 0 : regs[at[1]].v[f];	/* steps (1.6) */
	r = at[1] < 0 ? 0 : regs[at[1]].v[6];
	return s == 24 ? x + r : x - r;
}

/*
 * What TCOPY column f's slots ix[] and literals lit[] (in order) decode to
 * in a payload of n syscalls not grouped (event order), of tasks tasks[],
 * whose other fields are regs[]: regs[j].v[f] filled in event order.
 */
static void t_copy_ref(struct t_regs *regs, unsigned n, const uint64_t *tasks, unsigned f,
		       const uint64_t *ix, const uint64_t *lit)
{
	int last[3][2];
	unsigned m = 0;

	memset(last, -1, sizeof(last));
	for (unsigned j = 0; j < n; j++) {
		unsigned t = (unsigned)tasks[j], s = (unsigned)ix[j];
		int at[3] = { (int)j, last[t][0], last[t][1] };

		if (!s)
			regs[j].v[f] = lit[m++];
		else
			regs[j].v[f] = t_slot_value(regs, at, s, f);
		last[t][1] = last[t][0];
		last[t][0] = (int)j;
	}
}

/* Loads buf and checks every syscall's arg1..arg6, ret and task */
static int t_load_regs(const uint8_t *buf, size_t len, unsigned n, const uint64_t *tasks,
		       const struct t_regs *want)
{
	struct nxr_coldec *d = nxr_coldec_new();
	const char *why = NULL;
	struct nxr_event ev;
	int rc;

	assert_non_null(d);
	rc = nxr_coldec_load(d, buf, len, n, dctx, &why);
	for (unsigned j = 0; rc == 0 && j < n; j++) {
		const struct nxr_syscall *sc = &ev.syscall;
		uint64_t got[7];

		assert_int_equal(nxr_coldec_next(d, &ev), 1);
		got[0] = sc->arg1, got[1] = sc->arg2, got[2] = sc->arg3, got[3] = sc->arg4;
		got[4] = sc->arg5, got[5] = sc->arg6, got[6] = (uint64_t)sc->ret;
		assert_int_equal(ev.tid, 7 + tasks[j]);
		for (unsigned f = 0; f < 7; f++)
			if (got[f] != want[j].v[f])
				fail_msg("syscall %u of %u, field %u: %#" PRIx64 ", want %#" PRIx64,
					 j, n, f, got[f], want[j].v[f]);
	}
	if (rc)
		assert_non_null(why);
	nxr_coldec_free(d);
	return rc;
}

/* A FOR column (mode and blocks, width 64) of v[0..n) at p */
static uint8_t *t_for_col(uint8_t *p, const uint64_t *v, size_t n)
{
	*p++ = 0;
	return t_for(p, v, n, 64, 0);
}

/*
 * TCOPY as arg3's column, between arg1 and ret columns of random values,
 * in columns of every length over 1-3 tasks: every slot (the task's last
 * two syscalls' fields, none yet for a task's first two: 0, this
 * syscall's arg1 and arg2, the steps of 1.6: arg3 of the syscall before
 * plus, minus its return) decoded as the reference says, the slots FOR or
 * LOGH, the literals FOR or ZSTD. Refused: a slot past 25, one naming this
 * syscall's arg3 or later, LOGH by groups where the section has none,
 * TCOPY as the literals' column, wrapped in ZSTD, and as the durations'.
 */
static void test_copy_columns(void **state)
{
	static uint64_t tasks[300], ix[300], lit[300], a1[300], a2[300], r[300];
	static struct t_regs want[300];
	static uint8_t c1[300 * 10 + 64], c2[300 * 10 + 64], c6[300 * 10 + 64],
		cc[300 * 20 + 256], zc[16384], buf[300 * 40 + 1024];
	const unsigned f = 2;

	(void)state;
	for (unsigned li = 0; li < sizeof(t_lengths) / sizeof(*t_lengths); li++) {
		unsigned n = t_lengths[li];

		for (unsigned nt = 1; nt <= 3 && nt <= n; nt++) {
			const uint8_t *cols[10] = { c1, c2, cc, NULL, NULL, NULL, c6 };
			size_t lens[10], m = 0;
			uint8_t *p;

			for (unsigned j = 0; j < n; j++) {
				unsigned s;

				tasks[j] = rnd() % nt;
				a1[j] = rnd() >> (rnd() % 64);
				a2[j] = rnd() % 5;
				r[j] = rnd() % 3 ? rnd() : 0;
				do	/* 0, 1, 2, 3, 4 (arg1, arg2), 10-23, 24-25 */
					s = (unsigned)(rnd() % 26);
				while (s >= 5 && s < 10);
				ix[j] = s;
				if (!s)
					lit[m++] = rnd();
				want[j].v[0] = a1[j];
				want[j].v[1] = a2[j];
				want[j].v[3] = want[j].v[4] = want[j].v[5] = 0;
				want[j].v[6] = r[j];
			}
			t_copy_ref(want, n, tasks, f, ix, lit);
			lens[0] = (size_t)(t_for_col(c1, a1, n) - c1);
			lens[1] = (size_t)(t_for_col(c2, a2, n) - c2);
			lens[6] = (size_t)(t_for_col(c6, r, n) - c6);
			for (unsigned way = 0; way < 3; way++) {
				p = cc;
				*p++ = 18;
				if (way == 1) {	/* the slots LOGH, sub 3, one 5-bit code */
					p = t_logh(p, ix, n, 3, 0, 32, 0);
				} else {
					p = t_for_col(p, ix, n);
				}
				if (way == 2) {	/* the literals in a ZSTD frame */
					uint8_t *q = zc;
					size_t zl, fl = (size_t)(t_for_col(zc + 600, lit, m) - (zc + 600));

					zl = ZSTD_compressCCtx(cctx, q + 9000, 7000, zc + 600, fl, 1);
					assert_false(ZSTD_isError(zl));
					*q++ = 6;
					q = nxr_put_varint(q, fl);
					q = nxr_put_varint(q, zl);
					memcpy(p, zc, (size_t)(q - zc));
					p += q - zc;
					memcpy(p, zc + 9000, zl);
					p += zl;
				} else {
					p = t_for_col(p, lit, m);
				}
				lens[2] = (size_t)(p - cc);
				assert_int_equal(t_load_regs(buf, t_payload_cols(buf, n, nt, tasks, cols,
										  lens),
							     n, tasks, want), 0);
			}
			/* refused: a slot of 26, of this syscall's arg3 (5) or ret (8) */
			for (unsigned bad = 0; bad < 3; bad++) {
				static const uint64_t slot[] = { 26, 5, 8 };
				uint64_t keep = ix[n - 1];

				ix[n - 1] = slot[bad];
				p = cc;
				*p++ = 18;
				p = t_for_col(p, ix, n);
				p = t_for_col(p, lit, m - (keep == 0));
				ix[n - 1] = keep;
				lens[2] = (size_t)(p - cc);
				assert_int_equal(t_load_regs(buf, t_payload_cols(buf, n, nt, tasks, cols,
										  lens),
							     n, tasks, want), -EBADMSG);
			}
			/* LOGH by groups, in a section without a selector */
			p = cc;
			*p++ = 18;
			p = t_logh(p, ix, n, 3, 0, 32, 0);
			cc[2] |= 4;
			p = t_for_col(p, lit, m);
			lens[2] = (size_t)(p - cc);
			assert_int_equal(t_load_regs(buf, t_payload_cols(buf, n, nt, tasks, cols, lens),
						     n, tasks, want), -EBADMSG);
			/* the literals' column TCOPY itself */
			p = cc;
			*p++ = 18;
			p = t_for_col(p, ix, n);
			*p++ = 18;
			p = t_for_col(p, ix, m);
			p = t_for_col(p, lit, m);
			lens[2] = (size_t)(p - cc);
			assert_int_equal(t_load_regs(buf, t_payload_cols(buf, n, nt, tasks, cols, lens),
						     n, tasks, want), -EBADMSG);
			/* the whole column in a ZSTD frame */
			{
				size_t fl, zl;
				uint8_t *q = zc;

				p = cc;
				*p++ = 18;
				p = t_for_col(p, ix, n);
				p = t_for_col(p, lit, m);
				fl = (size_t)(p - cc);
				zl = ZSTD_compressCCtx(cctx, zc + 9000, 7000, cc, fl, 1);
				assert_false(ZSTD_isError(zl));
				*q++ = 6;
				q = nxr_put_varint(q, fl);
				q = nxr_put_varint(q, zl);
				memcpy(q, zc + 9000, zl);
				q += zl;
				cols[2] = zc;
				lens[2] = (size_t)(q - zc);
				assert_int_equal(t_load_regs(buf, t_payload_cols(buf, n, nt, tasks, cols,
										  lens),
							     n, tasks, want), -EBADMSG);
				cols[2] = cc;
			}
			/* TCOPY as the durations' column (field 7): only arg1..ret */
			p = cc;
			*p++ = 18;
			for (unsigned j = 0; j < n; j++)
				lit[j] = 0;
			p = t_for_col(p, lit, n);
			p = t_for_col(p, lit, n);
			cols[7] = cc;
			lens[7] = (size_t)(p - cc);
			cols[2] = NULL;
			assert_int_equal(t_load_regs(buf, t_payload_cols(buf, n, nt, tasks, cols, lens),
						     n, tasks, want), -EBADMSG);
		}
	}
}

/* An RLE column of one run: x, n times */
static uint8_t *t_rle1(uint8_t *p, uint64_t x, size_t n)
{
	uint64_t l = n - 1;

	*p++ = 3;
	*p++ = 1;
	p = t_for_col(p, &x, 1);
	return t_for_col(p, &l, 1);
}

/*
 * A TCOPY column (FOR slots, FOR literals) of field f at p, its slots
 * ix[] and literals lit[] given in event order, stored in the order of
 * the places inv[] (NULL: event order)
 */
static uint8_t *t_copy_col(uint8_t *p, unsigned n, const unsigned *inv, const uint64_t *ix,
			   const uint64_t *lit)
{
	static uint64_t sv[300], lv[300];
	unsigned m = 0;

	for (unsigned q = 0; q < n; q++) {
		unsigned j = inv ? inv[q] : q;

		sv[q] = ix[j];
		if (!ix[j])
			lv[m++] = lit[j];
	}
	*p++ = 18;
	p = t_for_col(p, sv, n);
	return t_for_col(p, lv, m);
}

/* The reference of several TCOPY fields at once: want[j].v[f] for each f
 * with ix[f] (event order; the literal lit[f][j] where the slot is 0),
 * fields in order */
static void t_copy_ref_all(struct t_regs *want, unsigned n, const uint64_t *tasks,
			   uint64_t *const ix[7], uint64_t *const lit[7])
{
	int last[3][2];

	memset(last, -1, sizeof(last));
	for (unsigned j = 0; j < n; j++) {
		unsigned t = (unsigned)tasks[j];
		int at[3] = { (int)j, last[t][0], last[t][1] };

		for (unsigned f = 0; f < 7; f++) {
			unsigned s;

			if (!ix[f])
				continue;
			s = (unsigned)ix[f][j];
			want[j].v[f] = !s ? lit[f][j] : t_slot_value(want, at, s, f);
		}
		last[t][1] = last[t][0];
		last[t][0] = (int)j;
	}
}

/* Reads buf through d in batches of 1, 2, 3 ... events, each syscall's
 * registers checked against want */
static void t_batches_regs(struct nxr_coldec *d, const uint8_t *buf, size_t len, unsigned n,
			   const struct t_regs *want)
{
	static struct nxr_event evs[300];
	const char *why = NULL;
	uint32_t used;
	unsigned j = 0;

	assert_int_equal(nxr_coldec_load(d, buf, len, n, dctx, &why), 0);
	for (size_t step = 1; j < n; step++) {
		size_t k = nxr_coldec_next_batch(d, evs, step, &used);

		assert_true(k > 0);
		for (size_t i = 0; i < k; i++, j++) {
			const struct nxr_syscall *sc = &evs[i].syscall;
			uint64_t got[7] = { sc->arg1, sc->arg2, sc->arg3, sc->arg4, sc->arg5,
					    sc->arg6, (uint64_t)sc->ret };

			for (unsigned f = 0; f < 7; f++)
				if (got[f] != want[j].v[f])
					fail_msg("syscall %u of %u, field %u: %#" PRIx64
						 ", want %#" PRIx64, j, n, f, got[f], want[j].v[f]);
		}
	}
}

/*
 * TCOPY in a grouped section, several fields at once: arg2 copying the
 * task's syscalls before (filled in event order), arg3 copying arg2 of its
 * own syscall (so filled in event order too), arg5 copying arg1 only
 * (filled as its column is read), ret any slot; read in uneven batches by
 * one decoder, which then reads, right, segments that follow:
 * - a segment without TCOPY (nothing of the copies' state left over);
 * - a segment cut inside a later column after a TCOPY one, refused, then
 *   a good one without TCOPY;
 * - segments of 100, 50 and 80 events whose arg4 is one constant run
 *   (cached from one segment to the next), the 50-event one with TCOPY
 *   (which puts a 0 past its last event in every column it may copy).
 * Refused: LOGH by groups as the literals' column of a grouped section.
 */
static void test_copy_decoder_state(void **state)
{
	static uint64_t tasks[300], nrs[300], ix[7][300], lit[7][300], a1[300];
	static unsigned pos[300], inv[300];
	static struct t_regs want[300];
	static uint8_t cb[7][300 * 20 + 256], c1[300 * 10 + 64], c3[64],
		buf[300 * 80 + 2048];
	struct nxr_coldec *d = nxr_coldec_new();
	const uint8_t *cols[10] = { NULL };
	size_t lens[10] = { 0 }, len;
	uint64_t *ixp[7] = { NULL }, *litp[7] = { NULL };
	const unsigned n = 300;

	(void)state;
	assert_non_null(d);
	for (unsigned j = 0; j < n; j++) {
		tasks[j] = rnd() % 3;
		nrs[j] = rnd() % 4;
		a1[j] = rnd() % 7;
		for (unsigned f = 0; f < 7; f++)
			lit[f][j] = rnd() >> (rnd() % 64);
		ix[1][j] = rnd() % 3 ? 0 : 1 + rnd() % 2;		/* arg2: 0, 1, 2 */
		ix[2][j] = rnd() % 4 ? 4 : 0;				/* arg3: its arg2 */
		ix[4][j] = rnd() % 2 ? 3 : 0;				/* arg5: its arg1 */
		do
			ix[6][j] = rnd() % 24;				/* ret: any */
		while (ix[6][j] >= 3 && ix[6][j] < 10 && ix[6][j] - 3 >= 6);
	}
	memset(want, 0, sizeof(want));
	for (unsigned j = 0; j < n; j++)
		want[j].v[0] = a1[j];
	ixp[1] = ix[1], ixp[2] = ix[2], ixp[4] = ix[4], ixp[6] = ix[6];
	litp[1] = lit[1], litp[2] = lit[2], litp[4] = lit[4], litp[6] = lit[6];
	t_copy_ref_all(want, n, tasks, ixp, litp);
	t_grouping(nrs, n, pos, inv);
	{
		static uint64_t ga1[300];

		for (unsigned q = 0; q < n; q++)
			ga1[q] = a1[inv[q]];
		c1[0] = 0;
		lens[0] = (size_t)(t_for(c1 + 1, ga1, n, 64, 0) - c1);
		cols[0] = c1;
	}
	for (unsigned f = 1; f < 7; f++)
		if (ixp[f]) {
			lens[f] = (size_t)(t_copy_col(cb[f], n, inv, ix[f], lit[f]) - cb[f]);
			cols[f] = cb[f];
		}
	len = t_payload_any(buf, n, 3, tasks, cols, lens, nrs);
	t_batches_regs(d, buf, len, n, want);

	/* then a segment without TCOPY: arg1, arg2, arg3 and ret of their own */
	{
		static uint8_t c0b[3][300 * 10 + 64];
		const uint8_t *c0[10] = { c1, c0b[0], c0b[1], NULL, NULL, NULL, c0b[2] };
		size_t l0[10] = { lens[0] };
		static struct t_regs w0[300];
		static uint64_t v0[300];

		memset(w0, 0, sizeof(w0));
		for (unsigned j = 0; j < n; j++)
			w0[j].v[0] = a1[j];
		for (unsigned k = 0; k < 3; k++) {
			unsigned f = k < 2 ? k + 1 : 6;

			for (unsigned q = 0; q < n; q++)
				w0[inv[q]].v[f] = v0[q] = rnd();
			l0[f] = (size_t)(t_for_col(c0b[k], v0, n) - c0b[k]);
		}
		t_batches_regs(d, buf, t_payload_any(buf, n, 3, tasks, c0, l0, nrs), n, w0);
		/* the TCOPY segment again, cut inside ret's column (after arg2's
		 * and arg3's TCOPY): refused; then the one without again */
		lens[6] -= 3;
		len = t_payload_any(buf, n, 3, tasks, cols, lens, nrs);
		lens[6] += 3;
		{
			const char *why = NULL;

			assert_int_equal(nxr_coldec_load(d, buf, len, n, dctx, &why), -EBADMSG);
		}
		t_batches_regs(d, buf, t_payload_any(buf, n, 3, tasks, c0, l0, nrs), n, w0);
	}

	/* arg4 one constant run in segments of 100, 50 (with TCOPY) and 80 */
	for (unsigned k = 0; k < 3; k++) {
		static const unsigned sn[] = { 100, 50, 80 };
		const uint8_t *ck[10] = { NULL };
		size_t lk[10] = { 0 };
		static struct t_regs wk[300];
		unsigned m = sn[k];

		memset(wk, 0, sizeof(wk));
		for (unsigned j = 0; j < m; j++)
			wk[j].v[3] = 0x1234;
		lk[3] = (size_t)(t_rle1(c3, 0x1234, m) - c3);
		ck[3] = c3;
		if (k == 1) {	/* arg2: the task's syscall before's arg4, or a literal */
			for (unsigned j = 0; j < m; j++) {
				ix[1][j] = j % 2 ? 13 : 0;
				lit[1][j] = j;
			}
			memset(ixp, 0, sizeof(ixp));
			ixp[1] = ix[1];
			litp[1] = lit[1];
			t_copy_ref_all(wk, m, tasks, ixp, litp);
			lk[1] = (size_t)(t_copy_col(cb[1], m, NULL, ix[1], lit[1]) - cb[1]);
			ck[1] = cb[1];
		}
		t_batches_regs(d, buf, t_payload_any(buf, m, 3, tasks, ck, lk, NULL), m, wk);
	}

	/* the literals' column LOGH by groups, in a section grouped by one
	 * number (its one part would fit the section's one group): refused;
	 * the same LOGH without groups: read */
	for (unsigned j = 0; j < n; j++)
		nrs[j] = 5;
	for (unsigned g = 0; g < 2; g++) {
		const char *why = NULL;
		uint8_t *p = cb[1], *lg;
		unsigned m = 0;

		for (unsigned j = 0; j < n; j++) {
			ix[1][j] = j % 2;
			if (!ix[1][j])
				lit[1][m++] = j;	/* (small: symbols below 128) */
		}
		*p++ = 18;
		p = t_for_col(p, ix[1], n);
		lg = p;
		p = t_logh(p, lit[1], m, 3, 0, 128, 0);
		assert_int_equal(lg[0], 14);
		lg[1] |= (uint8_t)(g ? 0 : 4);	/* (the flags follow the mode) */
		memset(cols, 0, sizeof(cols));
		memset(lens, 0, sizeof(lens));
		cols[1] = cb[1];
		lens[1] = (size_t)(p - cb[1]);
		len = t_payload_any(buf, n, 3, tasks, cols, lens, nrs);
		assert_int_equal(nxr_coldec_load(d, buf, len, n, dctx, &why), g ? 0 : -EBADMSG);
	}
	nxr_coldec_free(d);
}

/*
 * n syscalls of 5 tasks, as grep's: openat, newfstatat, read, read, close
 * in turn, each task's registers it does not set keeping what its syscall
 * before left (now and then a fresh address in one), a read's sixth
 * register its own buffer, a close's fourth the read's before it.
 */
static void t_flowing(struct nxr_event *evs, unsigned n)
{
	static const unsigned nr[] = { 257, 262, 0, 0, 3 };
	uint64_t reg[5][7], path[5], ts = 1000000;
	unsigned step[5] = { 0 };

	for (unsigned t = 0; t < 5; t++) {
		for (unsigned g = 0; g < 7; g++)
			reg[t][g] = 0x7ffc00000000ull + (rnd() & 0xffffff0);
		path[t] = 0x7ffd00000000ull + t * 0x100000;
	}
	for (unsigned i = 0; i < n; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned t = (unsigned)(rnd() % 5), k = step[t]++ % 5;
		uint64_t *r = reg[t];

		memset(ev, 0, sizeof(*ev));
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = 900 + t;
		ev->tid = 900 + t;
		ev->ts_ns = ts += 300 + rnd() % 3000;
		ev->syscall.nr = nr[k];
		ev->syscall.flags = NX_SYS_EXITED;
		ev->syscall.dur_ns = 500 + rnd() % 5000;
		if (rnd() % 16 == 0)	/* the process's code used a register */
			r[3 + rnd() % 3] = 0x55d000000000ull + (rnd() & 0xfffff8);
		switch (k) {
		case 0:
			r[0] = (uint64_t)-100;
			r[1] = path[t] += 16 + rnd() % 48;
			r[2] = 0x90800;
			r[6] = 3;
			break;
		case 1:
			r[0] = 3;
			r[1] = 0x7f3f25baddd5ull;
			r[2] = 0x7ffe44dacbd0ull;
			r[3] = 0x1000;
			r[6] = 0;
			break;
		case 2:
		case 3:
			r[1] = k == 2 ? 0x55c74e1e6000ull : r[1] + r[6];
			r[2] = 0x18000;
			r[5] = r[1];
			r[6] = k == 2 ? rnd() % 0x18000 : 0;
			break;
		default:
			r[3] = r[4];
			r[6] = 0;
			break;
		}
		ev->syscall.arg1 = r[0], ev->syscall.arg2 = r[1], ev->syscall.arg3 = r[2];
		ev->syscall.arg4 = r[3], ev->syscall.arg5 = r[4], ev->syscall.arg6 = r[5];
		ev->syscall.ret = (int64_t)r[6];
	}
}

static void t_flowing_arg(struct nxr_event *evs, unsigned n, int arg)
{
	(void)arg;
	t_flowing(evs, n);
}

/*
 * Registers that flow from a task's syscall to its next: the writer takes
 * TCOPY for some of them, a tenth smaller in all than without it; the
 * events read back, in the segment that chooses and in the ones that
 * follow it (TCOPY kept); cut or with bytes changed, the payload is refused
 * or decoded.
 */
static void test_copy_stream(void **state)
{
	(void)state;
	t_stream_gains(t_flowing_arg, 0, t_copy_off, 10, "TCOPY");
}

static void t_step_off(struct nxr_colenc *e)
{
	nxr_colenc_set_step(e, false);
}

/*
 * Files read whole by 4 tasks, grep's way: openat, a read into the buffer
 * at its start, a second one past the bytes the first read (its buffer
 * and count the first's plus and minus what it returned), close.
 */
static void t_read_loop(struct nxr_event *evs, unsigned n, int arg)
{
	uint64_t now[4] = { 0 }, base[4];

	(void)arg;
	for (unsigned t = 0; t < 4; t++)
		base[t] = 0x55e0f09bf000ull + ((uint64_t)t << 32);
	for (unsigned i = 0; i < n; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned t = i % 4, step = i / 4 % 4;
		struct nxr_syscall *sc = &ev->syscall;
		const struct nxr_syscall *was = i >= 4 ? &evs[i - 4].syscall : NULL;

		memset(ev, 0, sizeof(*ev));
		ev->kind = NX_KIND_SYSCALL;
		ev->pid = ev->tid = 900 + t;
		ev->ts_ns = now[t] += 1000 + rnd() % 3000;
		sc->flags = NX_SYS_EXITED;
		sc->dur_ns = 500 + rnd() % 2000;
		sc->arg1 = 3;
		if (step == 0) {	/* openat(AT_FDCWD, path, O_RDONLY) */
			sc->nr = 257;
			sc->arg1 = 0xffffff9c;
			sc->arg2 = 0x7fff2babe548ull + i;
			sc->ret = 3;
		} else if (step == 1) {	/* read(3, buf, 0x18000) */
			sc->arg2 = base[t];
			sc->arg3 = 0x18000;
			sc->ret = 1 + (int64_t)(rnd() % 0x10000);
		} else if (step == 2) {	/* read(3, buf + got, 0x18000 - got) = 0 */
			sc->arg2 = was->arg2 + (uint64_t)was->ret;
			sc->arg3 = was->arg3 - (uint64_t)was->ret;
		} else {	/* close(3) */
			sc->nr = 3;
		}
		ev->ts_ns = now[t] += sc->dur_ns;
	}
}

static void t_prevnr_off(struct nxr_colenc *e)
{
	nxr_colenc_set_prevnr(e, false);
}

/*
 * 4 tasks each reading files: fstat(), then read()s, 1-3 of them (arg bit
 * 0: 1-6, the reads most of the syscalls): a read after fstat() takes
 * 40-80 us (it reads the file), after a read() 0.5-1 us (it finds the
 * end); fstat() 1-2 us; 300 ns between a task's syscalls, or (arg bit 1)
 * 300-400 ns before a read after fstat(), 5-6 us before the others, with
 * an exit event among every 7 (TGAPN's part for the other events)
 */
static void t_reads_after(struct nxr_event *evs, unsigned n, int arg)
{
	uint64_t now[4] = { 0 };
	unsigned left[4] = { 0 }, before[4] = { 5, 5, 5, 5 };

	for (unsigned i = 0; i < n; i++) {
		struct nxr_event *ev = &evs[i];
		unsigned t = i % 4, nr = left[t] ? 0 : 5;

		memset(ev, 0, sizeof(*ev));
		ev->pid = ev->tid = 300 + t;
		if (arg & 2 && i % 7 == 3) {
			ev->kind = NX_KIND_EXIT;
			ev->ts_ns = now[t] += 700;
			ev->exit.code = i;
			continue;
		}
		ev->kind = NX_KIND_SYSCALL;
		if (!(arg & 2))
			ev->ts_ns = now[t] += 300;
		else if (nr == 0 && before[t] == 5)
			ev->ts_ns = now[t] += 300 + rnd() % 100;
		else
			ev->ts_ns = now[t] += 5000 + rnd() % 1000;
		ev->syscall.nr = nr;
		ev->syscall.arg1 = 3;
		ev->syscall.flags = NX_SYS_EXITED;
		if (nr == 5)
			ev->syscall.dur_ns = 1000 + rnd() % 1000;
		else if (before[t] == 5)
			ev->syscall.dur_ns = 40000 + rnd() % 40000;
		else
			ev->syscall.dur_ns = 500 + rnd() % 500;
		left[t] = nr == 5 ? 1 + (unsigned)(rnd() % (arg & 1 ? 6 : 3)) : left[t] - 1;
		before[t] = nr;
		now[t] += ev->syscall.dur_ns;
	}
	qsort(evs, n, sizeof(*evs), t_by_key);
}

/*
 * Durations that follow the syscall before (format 1.6): the writer splits
 * the reads' LOGH part by it, a 25th smaller than without; with times
 * before a syscall that follow it too, and exit events among them, TGAPN's
 * keys as well, a 25th too; the events read back, in the segment that chooses
 * and in the ones that follow it; damaged, refused or decoded. With the
 * reads most of the syscalls, the segments that follow the choice are no
 * larger than it by a tenth (they keep the parts).
 */
static void test_logh_prev_stream(void **state)
{
	enum { N = 6000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_colenc *e = nxr_colenc_new();
	size_t first = 0, len;

	(void)state;
	t_stream_gains(t_reads_after, 0, t_prevnr_off, 25, "LOGH by the syscall before");
	t_stream_gains(t_reads_after, 2, t_prevnr_off, 25, "TGAPN by the syscall before");
	assert_non_null(evs);
	assert_non_null(e);
	for (unsigned s = 0; s < MEMO_SEGS_T; s++) {
		t_reads_after(evs, N, 1);
		free(encode(e, evs, N, &len));
		if (!s)
			first = len;
		else if (len * 10 > first * 11)
			fail_msg("segment %u: %zu bytes, the choosing one %zu", s, len, first);
	}
	nxr_colenc_free(e);
	free(evs);
}

/*
 * Files read the way grep reads them (format 1.6): the second read's
 * buffer and count are the first's plus and minus what it returned, which
 * TCOPY's steps copy; with them the stream is a tenth smaller than with
 * TCOPY alone, and reads back, in the segment that chooses and in the ones
 * that follow; damaged, refused or decoded.
 */
static void test_copy_steps_stream(void **state)
{
	(void)state;
	t_stream_gains(t_read_loop, 0, t_step_off, 10, "TCOPY steps");
}

/*
 * Times between a task's syscalls that follow the number of the syscall
 * before (format 1.5): the writer takes TGAPN, a twentieth smaller than
 * without it (TGAP then); the events read back, in the segment that
 * chooses and in the ones that follow; damaged, refused or decoded.
 */
static void test_tgapn_stream(void **state)
{
	(void)state;
	for (int mixed = 0; mixed < 2; mixed++)
		t_stream_gains(t_timed_arg, mixed | 2, t_copy_off, 20, "TGAPN");
}

/*
 * test_copy_stream()'s flows with syscall numbers spread over more than
 * NXR_COL_MAX_GROUPS values: the section is not grouped, and TCOPY's slots
 * are stored in event order (the writer's comparisons have a path for
 * each); read back in the segment that chooses and in those that follow.
 */
static void test_copy_stream_ungrouped(void **state)
{
	enum { N = 6000 };
	struct nxr_event *evs = calloc(N, sizeof(*evs));
	struct nxr_coldec *d = nxr_coldec_new();
	struct nxr_colenc *e;
	uint8_t *buf;
	size_t len, plen;

	(void)state;
	assert_non_null(evs);
	assert_non_null(d);
	e = nxr_colenc_new();
	assert_non_null(e);
	nxr_colenc_set_copy(e, false);
	t_flowing(evs, N);
	for (unsigned i = 0; i < N; i++)
		evs[i].syscall.nr = 1000 + i % (NXR_COL_MAX_GROUPS + 44);
	buf = encode(e, evs, N, &plen);
	free(buf);
	nxr_colenc_free(e);
	e = nxr_colenc_new();
	assert_non_null(e);
	for (unsigned s = 0; s < MEMO_SEGS_T + 1; s++) {
		if (s) {	/* (the first: the events coded without TCOPY) */
			t_flowing(evs, N);
			for (unsigned i = 0; i < N; i++)
				evs[i].syscall.nr = 1000 + i % (NXR_COL_MAX_GROUPS + 44);
		}
		buf = encode(e, evs, N, &len);
		expect_decoded(d, buf, len, evs, N);
		if (s == 0 && len * 20 >= plen * 19)
			fail_msg("TCOPY: %zu bytes, without: %zu", len, plen);
		free(buf);
	}
	nxr_colenc_free(e);
	free(evs);
	nxr_coldec_free(d);
}

static int setup(void **state)
{
	(void)state;
	cctx = ZSTD_createCCtx();
	dctx = ZSTD_createDCtx();
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	return cctx && dctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ZSTD_freeCCtx(cctx);
	ZSTD_freeDCtx(dctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_edge_values),
		cmocka_unit_test(test_every_block_width),
		cmocka_unit_test(test_every_scheme),
		cmocka_unit_test(test_similar_processes),
		cmocka_unit_test(test_random_streams_match_the_row_codec),
		cmocka_unit_test(test_fixture_stream),
		cmocka_unit_test(test_unknown_kinds_and_appended_fields),
		cmocka_unit_test(test_damaged_payloads),
		cmocka_unit_test(test_value_out_of_range_is_refused),
		cmocka_unit_test(test_trep_flags),
		cmocka_unit_test(test_dict_indices),
		cmocka_unit_test(test_selector_dict),
		cmocka_unit_test(test_next_batch),
		cmocka_unit_test(test_every_width_and_length),
		cmocka_unit_test(test_hostile_widths),
		cmocka_unit_test(test_trep_every_density),
		cmocka_unit_test(test_tdelta_runs),
		cmocka_unit_test(test_kinds_as_runs),
		cmocka_unit_test(test_dict_tables),
		cmocka_unit_test(test_syscall_groups),
		cmocka_unit_test(test_selector_zstd),
		cmocka_unit_test(test_selector_quarters),
		cmocka_unit_test(test_constant_columns),
		cmocka_unit_test(test_patched_blocks),
		cmocka_unit_test(test_huff_columns),
		cmocka_unit_test(test_mtf_columns),
		cmocka_unit_test(test_entropy_stream),
		cmocka_unit_test(test_list_and_mtf_writer),
		cmocka_unit_test(test_tnear_columns),
		cmocka_unit_test(test_one_decoder_many_sizes),
		cmocka_unit_test(test_tnear_nested_schemes),
		cmocka_unit_test(test_tnear_stream),
		cmocka_unit_test(test_tnear_search),
		cmocka_unit_test(test_entry_keys),
		cmocka_unit_test(test_entry_stream),
		cmocka_unit_test(test_logh_columns),
		cmocka_unit_test(test_tgap_keys),
		cmocka_unit_test(test_tgapn_keys),
		cmocka_unit_test(test_timing_stream),
		cmocka_unit_test(test_logh_prev_columns),
		cmocka_unit_test(test_logh_prev_stream),
		cmocka_unit_test(test_rechoose_slow_segments),
		cmocka_unit_test(test_kept_schemes_meet_other_columns),
		cmocka_unit_test(test_copy_columns),
		cmocka_unit_test(test_copy_stream),
		cmocka_unit_test(test_copy_steps_stream),
		cmocka_unit_test(test_copy_decoder_state),
		cmocka_unit_test(test_tgapn_stream),
		cmocka_unit_test(test_copy_stream_ungrouped),
	};

	return cmocka_run_group_tests_name("colcodec", tests, setup, teardown);
}
