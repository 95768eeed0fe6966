/*
 * tests/fuzz/fuzz_roundtrip.c: libFuzzer target for write-then-read.
 *
 * The input is turned into events (every kind, field values and strings taken
 * from the bytes), written through the writer into memory with tiny
 * segments, closed or not, as rows or columns (first byte), and read back:
 * every event must come back identical, in order, and an unclosed file must
 * say so.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "format/event.h"
#include "format/reader.h"
#include "format/writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 512

struct mem {
	uint8_t *buf;
	size_t len, cap;
};

static ssize_t mem_write(void *ctx, const void *p, size_t len)
{
	struct mem *m = ctx;

	if (m->len + len > m->cap) {
		size_t cap = (m->len + len) * 2;
		uint8_t *b = realloc(m->buf, cap);

		if (!b)
			return -12;
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, len);
	m->len += len;
	return (ssize_t)len;
}

struct in {
	const uint8_t *p, *end;
};

static uint64_t take(struct in *in, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && in->p < in->end; i++)
		v = v << 8 | *in->p++;
	return v;
}

/* Fills ev from the input; false when the input is used up. */
static bool next_event(struct in *in, struct nxr_event *ev, uint64_t *ts)
{
	const struct nxr_kind_desc *d;
	unsigned nk;

	if (in->p >= in->end)
		return false;
	memset(ev, 0, sizeof(*ev));
	nxr_kind_descs(&nk);
	ev->kind = 1 + (uint32_t)(take(in, 1) % nk);
	d = nxr_kind_desc(ev->kind);
	ev->pid = (uint32_t)take(in, 1) * 1000;
	ev->tid = ev->pid + (uint32_t)take(in, 1) % 3;
	/* signed step: event times need not be sorted */
	*ts += (uint64_t)(int64_t)(int16_t)take(in, 2);
	ev->ts_ns = *ts;
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct nxr_field_desc *f = &d->fields[i];
		char *at = (char *)ev + f->offset;
		unsigned w = (unsigned)take(in, 1) % 9;

		switch (f->type) {
		case NXR_FT_U32:
			*(uint32_t *)at = (uint32_t)take(in, w > 4 ? 4 : w);
			break;
		case NXR_FT_U64:
			*(uint64_t *)at = take(in, w);
			break;
		case NXR_FT_S64:
			*(int64_t *)at = (int64_t)take(in, w);
			break;
		case NXR_FT_STR: {
			struct nxr_str *s = (struct nxr_str *)at;
			size_t left = (size_t)(in->end - in->p);

			s->len = (uint32_t)(w * 3 < left ? w * 3 : left);
			s->ptr = (const char *)in->p;
			in->p += s->len;
			break;
		}
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nxr_event evs[MAX_EVENTS];
	struct in in = { data, data + size };
	struct mem m = { 0 };
	struct nxr_sink sink = { mem_write, NULL, &m };
	struct nxr_writer_opts opts = { .sync = NXR_SYNC_NONE, .segment_age_ns = UINT64_MAX };
	struct nx_err err = { 0 };
	struct nxr_reader_stats st;
	struct nxr_writer *w;
	struct nxr_reader *r;
	struct nxr_event ev;
	uint64_t ts = 1ull << 40;
	size_t n = 0, got = 0;
	bool closed;

	if (size < 2)
		return 0;
	closed = data[0] & 1;
	opts.layout = data[0] & 2 ? NXR_LAYOUT_COLUMNS : NXR_LAYOUT_ROWS;
	opts.segment_bytes = 16 + data[1] * 4u;
	in.p += 2;
	w = nxr_writer_new(&sink, "fuzz", NULL, &opts, &err);
	if (!w)
		__builtin_trap();
	while (n < MAX_EVENTS && next_event(&in, &evs[n], &ts)) {
		if (nxr_writer_append(w, &evs[n], &err) < 0)
			__builtin_trap();
		n++;
	}
	if (closed) {
		if (nxr_writer_close(w, &err) < 0)
			__builtin_trap();
	} else {
		if (nxr_writer_flush(w, &err) < 0)
			__builtin_trap();
		nxr_writer_free(w);
	}
	r = nxr_reader_open_mem(m.buf, m.len, NULL, &err);
	if (!r)
		__builtin_trap();
	while (nxr_reader_next(r, &ev, &err) == 1) {
		if (got >= n || !nxr_event_equal(&ev, &evs[got]))
			__builtin_trap();
		got++;
	}
	nxr_reader_get_stats(r, &st);
	if (got != n || err.code || st.closed_cleanly != closed || st.damaged_segments)
		__builtin_trap();
	nxr_reader_close(r);
	free(m.buf);
	return 0;
}
