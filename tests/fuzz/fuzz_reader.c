/*
 * tests/fuzz/fuzz_reader.c: libFuzzer target for the .nxr reader.
 *
 * The input is a recording. The reader must open it or refuse it with a
 * one-line error, then iterate, seek and rewind without crashing, hanging
 * or reading out of bounds, and report damage through on_damage. The first
 * byte of the input, when the file is long enough, also picks reader
 * filters, so that the filtered paths are fuzzed too (it is part of the
 * file: the header magic is checked regardless).
 *
 * Segment payloads sit behind a CRC and a zstd frame, which random bytes
 * seldom pass, so the same input is also fed to the event decoders directly:
 * as row records, and as a column payload (its first two bytes give the
 * event count) whose events must re-encode and decode to themselves.
 * Events are read one by one or in batches (nxr_reader_next_batch(),
 * nxr_coldec_next_batch()), as input bits pick.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <zstd.h>

#include "format/codec.h"
#include "format/colcodec.h"
#include "format/limits.h"
#include "format/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_damage(void *ctx, const struct nx_err *what)
{
	unsigned *n = ctx;

	(*n)++;
	if (what->code >= 0 || !what->msg[0] || strchr(what->msg, '\n'))
		__builtin_trap();
}

static uint64_t touch(const struct nxr_event *ev)
{
	const struct nxr_kind_desc *d = nxr_kind_desc(ev->kind);
	uint64_t sink = ev->ts_ns;

	for (unsigned i = 0; d && i < d->nfields; i++) {
		if (d->fields[i].type == NXR_FT_STR) {
			struct nxr_str s = nxr_field_str(ev, &d->fields[i]);

			/* touch every byte: ASan checks they are in bounds */
			for (uint32_t k = 0; k < s.len; k++)
				sink += (uint8_t)s.ptr[k];
		} else {
			sink += nxr_field_u64(ev, &d->fields[i]);
		}
	}
	return sink;
}

/* Reads up to limit events, one by one or (batch > 0) batch at a time. */
static void drain(struct nxr_reader *r, unsigned limit, unsigned batch)
{
	static struct nxr_event evs[64];
	struct nx_err err = { 0 };
	volatile uint64_t sink = 0;
	int k;

	if (!batch) {
		while (limit-- && nxr_reader_next(r, &evs[0], &err) == 1)
			sink += touch(&evs[0]);
		return;
	}
	while (limit && (k = nxr_reader_next_batch(r, evs, batch, &err)) > 0) {
		if ((unsigned)k > batch)
			__builtin_trap();
		for (int i = 0; i < k; i++)
			sink += touch(&evs[i]);
		limit = (unsigned)k < limit ? limit - (unsigned)k : 0;
	}
	(void)sink;
}

static void decode_raw(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct nxr_codec c;
	struct nxr_event ev;
	volatile uint64_t sink = 0;

	nxr_codec_reset(&c);
	while (p < end) {
		const uint8_t *before = p;
		int rc = nxr_codec_decode(&c, &p, end, &ev);

		if (rc < 0)
			break;
		if (p <= before || p > end)	/* must always progress, never overrun */
			__builtin_trap();
		if (rc == 1 && nxr_codec_check_bound(&ev) > 0) {
			/* whatever decodes re-encodes, and decodes to the same event */
			static uint8_t buf[4 * 65536 + 1024];
			struct nxr_codec c2 = { 0 }, c3 = { 0 };
			struct nxr_event back;
			const uint8_t *q = buf;
			size_t n;

			if (nxr_codec_check_bound(&ev) > sizeof(buf))
				__builtin_trap();
			n = nxr_codec_encode(&c2, &ev, buf);
			if (nxr_codec_decode(&c3, &q, buf + n, &back) != 1 || q != buf + n ||
			    back.ts_ns != ev.ts_ns || back.pid != ev.pid || back.kind != ev.kind)
				__builtin_trap();
			sink += n;
		}
	}
	(void)sink;
}

static void decode_columns(const uint8_t *data, size_t size)
{
	static struct nxr_event evs[4096];
	static struct nxr_coldec *d, *d2;
	static struct nxr_colenc *e;
	static ZSTD_DCtx *dctx;
	static ZSTD_CCtx *cctx;
	const uint8_t *out;
	uint8_t *buf, *copy;
	const char *why;
	uint32_t n, got = 0;
	size_t len;
	int rc;

	if (size < 2)
		return;
	if (!d) {
		d = nxr_coldec_new();
		d2 = nxr_coldec_new();
		e = nxr_colenc_new();
		dctx = ZSTD_createDCtx();
		cctx = ZSTD_createCCtx();
		if (!d || !d2 || !e || !dctx || !cctx)
			__builtin_trap();
	}
	n = 1 + (uint32_t)(data[0] | data[1] << 8) % 4096;
	buf = malloc(size - 2 + NXR_COL_PAD);
	if (!buf)
		return;
	memcpy(buf, data + 2, size - 2);
	memset(buf + size - 2, 0, NXR_COL_PAD);
	rc = nxr_coldec_load(d, buf, size - 2, n, dctx, &why);
	if (rc == 0 && (size & 1)) {	/* in batches of 1-64 */
		size_t k, max = 1 + data[0] % 64;
		uint32_t used;

		while (got < n && (k = nxr_coldec_next_batch(d, evs + got, max, &used)) + used) {
			if (k > used || used > max)
				__builtin_trap();
			for (size_t i = 0; i < k; i++)
				if (nxr_colenc_add(e, &evs[got++]) < 0)
					__builtin_trap();
		}
	} else if (rc == 0) {
		struct nxr_event ev;

		while ((rc = nxr_coldec_next(d, &ev)) >= 0) {
			if (rc == 1) {
				evs[got] = ev;
				if (nxr_colenc_add(e, &evs[got++]) < 0)
					__builtin_trap();
			}
		}
	} else if (rc == -EBADMSG && !why) {	/* a refusal always says why */
		__builtin_trap();
	}
	if (got) {	/* what decodes re-encodes, and decodes to the same events */
		if (nxr_colenc_finish(e, cctx, &out, &len) < 0)
			__builtin_trap();
		copy = malloc(len + NXR_COL_PAD);
		if (!copy)
			__builtin_trap();
		memcpy(copy, out, len);
		memset(copy + len, 0, NXR_COL_PAD);
		if (nxr_coldec_load(d2, copy, len, got, dctx, &why) != 0)
			__builtin_trap();
		for (uint32_t i = 0; i < got; i++) {
			struct nxr_event back;

			if (nxr_coldec_next(d2, &back) != 1 || !nxr_event_equal(&evs[i], &back))
				__builtin_trap();
		}
		free(copy);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nxr_reader_opts opts = { 0 };
	struct nx_err err = { 0 };
	const struct nxr_segment_info *segs;
	const struct nxr_meta *m;
	struct nxr_reader_stats st;
	struct nxr_reader *r;
	unsigned damage = 0, batch;
	uint32_t n;

	decode_raw(data, size);
	decode_columns(data, size);
	opts.on_damage = on_damage;
	opts.ctx = &damage;
	if (size > 20 && (data[16] & 1)) {
		opts.kinds = 1u << (data[17] % 11);
		opts.pid = data[18] & 1 ? 1000 : 0;
		opts.t_min_ns = data[19] & 1 ? 1000000000ull : 0;
	}
	r = nxr_reader_open_mem(data, size, &opts, &err);
	if (!r) {
		if (err.code >= 0 || !err.msg[0] || strchr(err.msg, '\n'))
			__builtin_trap();
		return 0;
	}
	m = nxr_reader_meta(r);
	for (uint32_t i = 0; i < m->nprobes; i++)
		if (nxr_meta_probe(m, m->probes[i].id) == NULL)
			__builtin_trap();
	(void)nxr_meta_get(m, "user");
	batch = size > 20 && (data[16] & 2) ? 1u + data[20] % 64 : 0;
	drain(r, 1u << 20, batch);
	segs = nxr_reader_segments(r, &n);
	if (n) {
		nxr_reader_seek(r, segs[n / 2].first_ts_ns, &err);
		drain(r, 1000, batch ? 0 : 7);
	}
	nxr_reader_rewind(r, &err);
	drain(r, 1000, batch);
	nxr_reader_get_stats(r, &st);
	nxr_reader_close(r);
	return 0;
}
