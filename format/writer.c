/*
 * format/writer.c: append events to a .nxr recording (FORMAT.md).
 *
 * The writer owns one open segment: events are encoded into w->raw as they
 * come (format/codec.c); when the raw bytes pass opts.segment_bytes, or the
 * segment is older than opts.segment_age_ns, it is compressed as one zstd
 * frame and appended as header + payload + end. close() appends the trailer
 * (index and totals) and the footer. Nothing written is ever rewritten.
 *
 * Invariants: w->offset is the number of bytes the sink has taken; every
 * index entry describes a segment wholly written before it; once w->failed is
 * set nothing more is written (a half-written segment is the file's tail, and
 * a reader reports it as "not closed cleanly"). Single-threaded object.
 * Allocations go through malloc/realloc/free only (zstd's too, via
 * ZSTD_customMem), so tests can fail any one of them.
 */
#include "format/writer.h"

#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createCCtx_advanced, for ZSTD_customMem */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format/alloc.h"
#include "format/codec.h"
#include "format/colcodec.h"
#include "format/crc.h"
#include "format/header.h"
#include "format/limits.h"
#include "format/segment.h"

#define DEFAULT_SEG_BYTES (1u << 20)
/* Format 1.5's columns: the only layout within 5 bytes a syscall on real
 * recordings too (FORMAT.md, "The default layout"); rows stay a choice
 * (opts.layout), for 1.0 readers. */
#define NXR_LAYOUT_DEFAULT_IS NXR_LAYOUT_COLUMNS
#define DEFAULT_SEG_AGE_NS 1000000000ull
#define SYNC_INTERVAL_NS 1000000000ull
#define AGE_CHECK_EVERY 1024u	/* appends between two clock reads */

struct nxr_writer {
	struct nxr_sink sink;
	int fd;			/* owned, -1 for nxr_writer_new() */
	char *name;
	uint8_t file_id[16];
	uint32_t seg_bytes;
	uint64_t seg_age_ns;
	enum nxr_sync sync;
	ZSTD_CCtx *cctx;

	uint8_t *raw;		/* the open segment, encoded */
	size_t raw_len, raw_cap;
	uint8_t *zbuf;
	size_t zcap;
	struct nxr_codec codec;
	struct nxr_colenc *col;	/* column layout: the open segment, staged (raw unused) */
	/* ... syscalls it takes before col_check() (due, or at an age check;
	 * each stages NXR_COL_STAGE_PER_EVENT bytes, no string); 0 when not
	 * known or failed */
	uint32_t col_room;
	uint32_t seg_events;
	uint64_t seg_min_ts, seg_max_ts, seg_lost;
	uint64_t seg_opened_ns;	/* CLOCK_MONOTONIC at its first event */

	struct nxr_index_entry *idx;
	uint32_t nidx, idx_cap;
	uint64_t offset;
	uint64_t zbytes, first_ts, last_ts;
	uint64_t last_sync_ns;
	struct nxr_writer_stats st;

	int failed;		/* 0, or the error every later call returns */
	struct nx_err fail;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static ssize_t fd_write(void *ctx, const void *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int fd_sync(void *ctx)
{
	return fdatasync(*(int *)ctx) < 0 ? -errno : 0;
}

/* Marks w failed (the first failure is kept) and fills err from it. */
__attribute__((format(printf, 4, 5)))
static int wfail(struct nxr_writer *w, struct nx_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	w->col_room = 0;
	if (!w->failed) {
		w->failed = code;
		w->fail.code = code;
		va_start(ap, fmt);
		vsnprintf(w->fail.msg, sizeof(w->fail.msg), fmt, ap);
		va_end(ap);
	}
	if (err)
		*err = w->fail;
	return w->failed;
}

static int failed_again(struct nxr_writer *w, struct nx_err *err)
{
	if (err)
		*err = w->fail;
	return w->failed;
}

static int sink_put(struct nxr_writer *w, const void *buf, size_t len, const char *what,
		    struct nx_err *err)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = w->sink.write(w->sink.ctx, p, len);

		if (n <= 0 || (size_t)n > len) {
			int code = n < 0 ? (int)n : -EIO;

			return wfail(w, err, code, "%s: cannot write %s at offset %" PRIu64 ": %s",
				     w->name, what, w->offset, strerror(-code));
		}
		p += n;
		len -= (size_t)n;
		w->offset += (uint64_t)n;
		w->st.file_bytes += (uint64_t)n;
	}
	return 0;
}

static int do_sync(struct nxr_writer *w, struct nx_err *err)
{
	int rc;

	if (!w->sink.sync)
		return 0;
	rc = w->sink.sync(w->sink.ctx);
	if (rc < 0) {
		return wfail(w, err, rc, "%s: cannot sync: %s", w->name, strerror(-rc));
	}
	w->last_sync_ns = mono_ns();
	return 0;
}

/* Compresses and writes the open segment (it holds at least one event). */
static int segment_close(struct nxr_writer *w, struct nx_err *err)
{
	struct nxr_seg_hdr h = { 0 };
	struct nxr_index_entry *e;
	uint8_t hbuf[NXR_SEG_HDR_SIZE], ebuf[NXR_SEG_END_SIZE];
	const uint8_t *payload;
	size_t zn;
	int rc;

	if (w->nidx >= NXR_MAX_SEGMENTS) {
		return wfail(w, err, -EFBIG, "%s: recording has the most segments a file may "
			     "hold (%u)", w->name, NXR_MAX_SEGMENTS);
	}
	if (w->nidx == w->idx_cap) {
		uint32_t cap = w->idx_cap ? w->idx_cap * 2 : 64;
		void *p = realloc(w->idx, (size_t)cap * sizeof(*w->idx));

		if (!p)
			return wfail(w, err, -ENOMEM, "%s: out of memory for the segment index",
				     w->name);
		w->idx = p;
		w->idx_cap = cap;
	}
	if (w->col) {
		rc = nxr_colenc_finish(w->col, w->cctx, &payload, &zn);
		if (rc < 0)
			return wfail(w, err, rc, "%s: cannot encode segment %u: %s", w->name,
				     w->nidx, strerror(-rc));
		if (zn > NXR_MAX_SEG_RAW)
			return wfail(w, err, -EFBIG, "%s: segment %u encodes to %zu bytes, "
				     "more than %u", w->name, w->nidx, zn, NXR_MAX_SEG_RAW);
		w->raw_len = zn;	/* a column payload is its own decoded form */
		h.flags = NXR_SEG_COLUMNS;
	} else {
		zn = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, w->raw, w->raw_len);
		if (ZSTD_isError(zn)) {
			int code = ZSTD_getErrorCode(zn) == ZSTD_error_memory_allocation ? -ENOMEM
											  : -EIO;

			return wfail(w, err, code, "%s: cannot compress segment %u: %s", w->name,
				     w->nidx, ZSTD_getErrorName(zn));
		}
		payload = w->zbuf;
	}
	memcpy(h.file_id, w->file_id, 16);
	h.hdr_len = NXR_SEG_HDR_SIZE;
	h.seq = w->nidx;
	h.events = w->seg_events;
	h.zlen = (uint32_t)zn;
	h.rawlen = (uint32_t)w->raw_len;
	h.first_ts = w->seg_min_ts;
	h.last_ts = w->seg_max_ts;
	h.lost = w->seg_lost;
	h.zcrc = nxr_crc32c(0, payload, zn);
	nxr_seg_hdr_pack(&h, hbuf);
	nxr_seg_end_pack(nxr_seg_total(&h), ebuf);

	e = &w->idx[w->nidx];
	e->offset = w->offset;
	e->seq = h.seq;
	e->events = h.events;
	e->first_ts = h.first_ts;
	e->last_ts = h.last_ts;
	e->rawlen = h.rawlen;
	e->zlen = h.zlen;
	e->lost = h.lost;
	rc = sink_put(w, hbuf, sizeof(hbuf), "a segment header", err);
	if (rc == 0)
		rc = sink_put(w, payload, zn, "a segment", err);
	if (rc == 0)
		rc = sink_put(w, ebuf, sizeof(ebuf), "a segment end", err);
	if (rc < 0)
		return rc;
	if (w->nidx == 0 || h.first_ts < w->first_ts)
		w->first_ts = h.first_ts;
	if (w->nidx == 0 || h.last_ts > w->last_ts)
		w->last_ts = h.last_ts;
	w->nidx++;
	w->zbytes += zn;
	w->st.segments++;
	w->st.raw_bytes += w->raw_len;
	w->raw_len = 0;
	w->seg_events = 0;
	w->col_room = 0;
	w->seg_lost = 0;
	if (w->sync == NXR_SYNC_SEGMENT && mono_ns() - w->last_sync_ns >= SYNC_INTERVAL_NS)
		return do_sync(w, err);
	return 0;
}

struct nxr_writer *nxr_writer_new(const struct nxr_sink *sink, const char *name,
				  const struct nxr_meta *meta, const struct nxr_writer_opts *opts,
				  struct nx_err *err)
{
	static const struct nxr_writer_opts defaults;
	ZSTD_customMem mem = { nxr_zstd_alloc, nxr_zstd_free, NULL };
	struct nxr_writer *w = NULL;
	uint8_t *hdr = NULL;
	size_t hlen;
	int level, rc;
	enum nxr_layout layout;

	if (!opts)
		opts = &defaults;
	if (!name)
		name = "recording";
	if (!sink || !sink->write) {
		nx_err_set(err, -EINVAL, "%s: no sink to write to", name);
		return NULL;
	}
	if (opts->segment_bytes > NXR_MAX_SEG_BYTES) {
		nx_err_set(err, -EINVAL, "%s: segment size %u exceeds %u bytes", name,
			   opts->segment_bytes, NXR_MAX_SEG_BYTES);
		return NULL;
	}
	if (opts->layout > NXR_LAYOUT_COLUMNS_1_5) {
		nx_err_set(err, -EINVAL, "%s: unknown segment layout %d", name, opts->layout);
		return NULL;
	}
	if (opts->sync > NXR_SYNC_NONE) {
		nx_err_set(err, -EINVAL, "%s: unknown sync mode %d", name, opts->sync);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto nomem;
	w->fd = -1;
	w->sink = *sink;
	w->name = nxr_strdup(name);
	if (!w->name)
		goto nomem;
	w->seg_bytes = opts->segment_bytes ? opts->segment_bytes : DEFAULT_SEG_BYTES;
	w->seg_age_ns = opts->segment_age_ns ? opts->segment_age_ns : DEFAULT_SEG_AGE_NS;
	w->sync = opts->sync;
	level = opts->zstd_level ? opts->zstd_level : NXR_ZSTD_LEVEL_DEFAULT;
	if (level > NXR_ZSTD_LEVEL_MAX)
		level = NXR_ZSTD_LEVEL_MAX;
	if (level < ZSTD_minCLevel())
		level = ZSTD_minCLevel();
	if (getrandom(w->file_id, sizeof(w->file_id), GRND_NONBLOCK) != sizeof(w->file_id)) {
		/* no entropy yet: time and pid still tell two recordings apart */
		uint64_t a = mono_ns(), b = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		memcpy(w->file_id, &a, 8);
		memcpy(w->file_id + 8, &b, 8);
	}
	w->cctx = ZSTD_createCCtx_advanced(mem);
	if (!w->cctx)
		goto nomem;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0))) {
		nx_err_set(err, -EINVAL, "%s: zstd refused compression level %d", name, level);
		goto out;
	}
	layout = opts->layout ? opts->layout : NXR_LAYOUT_DEFAULT_IS;
	if (layout != NXR_LAYOUT_ROWS) {
		w->col = nxr_colenc_new();
		if (!w->col)
			goto nomem;
		nxr_colenc_set_entropy(w->col, layout != NXR_LAYOUT_COLUMNS_1_1);
		nxr_colenc_set_context(w->col, layout != NXR_LAYOUT_COLUMNS_1_1);
		nxr_colenc_set_timing(w->col, layout != NXR_LAYOUT_COLUMNS_1_1);
		nxr_colenc_set_copy(w->col, layout == NXR_LAYOUT_COLUMNS ||
						    layout == NXR_LAYOUT_COLUMNS_1_5);
		nxr_colenc_set_step(w->col, layout == NXR_LAYOUT_COLUMNS);
		nxr_colenc_set_prevnr(w->col, layout == NXR_LAYOUT_COLUMNS);
	} else {
		w->raw_cap = (size_t)w->seg_bytes + (64u << 10);
		w->raw = malloc(w->raw_cap);
		if (!w->raw)
			goto nomem;
		w->zcap = ZSTD_compressBound(w->raw_cap);
		w->zbuf = malloc(w->zcap);
		if (!w->zbuf)
			goto nomem;
	}
	rc = nxr_header_encode(meta, w->file_id, &hdr, &hlen, err);
	if (rc < 0) {
		nx_err_prefix(err, "%s", name);
		goto out;
	}
	/* a file of row segments only is a 1.0 file: 1.0 readers read it */
	if (!w->col)
		nxr_header_set_features(hdr, hlen, 0, 0);
	/* ... and one without the entropy-coded schemes a 1.1 file */
	else if (layout == NXR_LAYOUT_COLUMNS_1_1)
		nxr_header_set_features(hdr, hlen, 1, NXR_INCOMPAT_COLUMNS);
	/* ... and one without TCOPY a 1.4 file, one without its steps a 1.5 file */
	else if (layout == NXR_LAYOUT_COLUMNS_1_4)
		nxr_header_set_features(hdr, hlen, 4,
					NXR_INCOMPAT_KNOWN & ~(NXR_INCOMPAT_COPY | NXR_INCOMPAT_1_6));
	else if (layout == NXR_LAYOUT_COLUMNS_1_5)
		nxr_header_set_features(hdr, hlen, 5, NXR_INCOMPAT_KNOWN & ~NXR_INCOMPAT_1_6);
	w->last_sync_ns = mono_ns();
	if (sink_put(w, hdr, hlen, "the header", err) < 0)
		goto out;
	free(hdr);
	return w;
nomem:
	nx_err_set(err, -ENOMEM, "%s: out of memory", name);
out:
	free(hdr);
	if (w)
		w->fd = -1;	/* the caller keeps its fd on failure */
	nxr_writer_free(w);
	return NULL;
}

struct nxr_writer *nxr_writer_open_fd(int fd, const char *name, const struct nxr_meta *meta,
				      const struct nxr_writer_opts *opts, struct nx_err *err)
{
	struct nxr_sink sink = { fd_write, fd_sync, NULL };
	struct nxr_writer *w;

	/* the header goes out through the parameter; later writes through w->fd */
	sink.ctx = &fd;
	if (fd < 0) {
		nx_err_set(err, -EBADF, "%s: bad file descriptor", name ? name : "recording");
		return NULL;
	}
	w = nxr_writer_new(&sink, name, meta, opts, err);
	if (!w) {
		close(fd);
		return NULL;
	}
	w->fd = fd;
	w->sink.ctx = &w->fd;
	return w;
}

/* The open segment has reached its age: asked only every AGE_CHECK_EVERY
 * events, the clock being dearer than an append */
static bool seg_old(const struct nxr_writer *w)
{
	return w->seg_events % AGE_CHECK_EVERY == 0 && mono_ns() - w->seg_opened_ns >= w->seg_age_ns;
}

/* The open column segment closed when due (full, or old at a check point),
 * else the syscalls it takes before it must be asked again. */
static int col_check(struct nxr_writer *w, struct nx_err *err)
{
	uint32_t room, age;

	if (nxr_colenc_full(w->col, w->seg_bytes))
		return segment_close(w, err);
	if (seg_old(w))
		return segment_close(w, err);
	room = nxr_colenc_room(w->col, w->seg_bytes);	/* > 0: not full */
	age = AGE_CHECK_EVERY - w->seg_events % AGE_CHECK_EVERY;
	w->col_room = room < age ? room : age;
	return 0;
}

/* Any event (out of line: the column layout's syscalls below keep a small
 * frame). */
static __attribute__((noinline)) int append_any(struct nxr_writer *w, const struct nxr_event *ev,
						struct nx_err *err)
{
	size_t bound;

	if (w->failed)
		return failed_again(w, err);
	/* a syscall has no string: always recordable, and columns need no bound */
	bound = w->col && ev->kind == NX_KIND_SYSCALL ? 1 : nxr_codec_check_bound(ev);
	if (!bound)
		return nx_err_set(err, -EINVAL, "%s: event of kind %u cannot be recorded "
				  "(unknown kind or string longer than %u bytes)", w->name,
				  ev->kind, NXR_MAX_EVENT_STR);
	if (!w->col && w->raw_len + bound > w->raw_cap) {
		size_t cap = w->raw_len + bound + (64u << 10);
		uint8_t *raw = NULL, *zbuf = NULL;

		raw = realloc(w->raw, cap);
		if (raw) {
			w->raw = raw;
			zbuf = realloc(w->zbuf, ZSTD_compressBound(cap));
		}
		if (!zbuf)
			return wfail(w, err, -ENOMEM, "%s: out of memory for the open segment",
				     w->name);
		w->raw_cap = cap;
		w->zbuf = zbuf;
		w->zcap = ZSTD_compressBound(cap);
	}
	if (w->seg_events == 0) {
		nxr_codec_reset(&w->codec);
		w->seg_min_ts = ev->ts_ns;
		w->seg_max_ts = ev->ts_ns;
		w->seg_opened_ns = mono_ns();
	} else {	/* no branch: entry times come in exit order, at random */
		w->seg_min_ts = ev->ts_ns < w->seg_min_ts ? ev->ts_ns : w->seg_min_ts;
		w->seg_max_ts = ev->ts_ns > w->seg_max_ts ? ev->ts_ns : w->seg_max_ts;
	}
	if (w->col) {
		int rc = nxr_colenc_add(w->col, ev);

		if (rc < 0)
			return wfail(w, err, rc, "%s: out of memory for the open segment", w->name);
	} else {
		w->raw_len += nxr_codec_encode(&w->codec, ev, w->raw + w->raw_len);
	}
	w->seg_events++;
	w->st.events++;
	if (ev->kind == NX_KIND_LOSS) {
		w->seg_lost += ev->loss.count;
		w->st.lost[ev->loss.reason < NX_LOSS_NREASONS ? ev->loss.reason : 0] += ev->loss.count;
	} else if (ev->kind == NX_KIND_FILTER) {
		w->st.filtered += ev->filter.count;
	}
	if (w->col)
		return col_check(w, err);
	if (w->raw_len >= w->seg_bytes)
		return segment_close(w, err);
	if (seg_old(w))
		return segment_close(w, err);
	return 0;
}

int nxr_writer_append(struct nxr_writer *w, const struct nxr_event *ev, struct nx_err *err)
{
	/* the column layout's common case, as append_any() does it: a syscall
	 * (no string: no bound) in an open segment with room (col_check()) */
	if (w->col_room && ev->kind == NX_KIND_SYSCALL) {
		int rc;

		w->seg_min_ts = ev->ts_ns < w->seg_min_ts ? ev->ts_ns : w->seg_min_ts;
		w->seg_max_ts = ev->ts_ns > w->seg_max_ts ? ev->ts_ns : w->seg_max_ts;
		rc = nxr_colenc_add(w->col, ev);
		if (rc < 0)
			return wfail(w, err, rc, "%s: out of memory for the open segment", w->name);
		w->seg_events++;
		w->st.events++;
		return --w->col_room ? 0 : col_check(w, err);
	}
	return append_any(w, ev, err);
}

int nxr_writer_tick(struct nxr_writer *w, struct nx_err *err)
{
	if (w->failed)
		return failed_again(w, err);
	if (w->seg_events && mono_ns() - w->seg_opened_ns >= w->seg_age_ns)
		return segment_close(w, err);
	return 0;
}

int nxr_writer_flush(struct nxr_writer *w, struct nx_err *err)
{
	if (w->failed)
		return failed_again(w, err);
	if (w->seg_events)
		return segment_close(w, err);
	return 0;
}

void nxr_writer_get_stats(const struct nxr_writer *w, struct nxr_writer_stats *st)
{
	*st = w->st;
}

static int write_trailer(struct nxr_writer *w, struct nx_err *err)
{
	struct nxr_trailer t = { 0 };
	struct nxr_footer f = { 0 };
	uint8_t fbuf[NXR_FOOTER_SIZE], *tbuf;
	int rc;

	memcpy(t.file_id, w->file_id, 16);
	t.nsegs = w->nidx;
	t.flags = NXR_TRAILER_CLEAN;
	t.events = w->st.events;
	t.raw_bytes = w->st.raw_bytes;
	t.zbytes = w->zbytes;
	t.first_ts = w->first_ts;
	t.last_ts = w->last_ts;
	memcpy(t.lost, w->st.lost, sizeof(t.lost));
	t.filtered = w->st.filtered;
	tbuf = malloc(nxr_trailer_size(t.nsegs));
	if (!tbuf)
		return wfail(w, err, -ENOMEM, "%s: out of memory for the trailer", w->name);
	nxr_trailer_pack(&t, w->idx, tbuf);
	f.trailer_off = w->offset;
	f.trailer_len = t.trailer_len;
	memcpy(f.file_id, w->file_id, 16);
	nxr_footer_pack(&f, fbuf);
	rc = sink_put(w, tbuf, t.trailer_len, "the trailer", err);
	free(tbuf);
	if (rc == 0)
		rc = sink_put(w, fbuf, sizeof(fbuf), "the footer", err);
	return rc;
}

int nxr_writer_close(struct nxr_writer *w, struct nx_err *err)
{
	int rc;

	if (!w)
		return 0;
	rc = nxr_writer_flush(w, err);
	if (rc == 0)
		rc = write_trailer(w, err);
	if (rc == 0 && w->sync != NXR_SYNC_NONE)
		rc = do_sync(w, err);
	if (w->fd >= 0) {
		if (close(w->fd) < 0 && rc == 0)
			rc = nx_err_set(err, -errno, "%s: cannot close: %s", w->name,
					strerror(errno));
		w->fd = -1;
	}
	nxr_writer_free(w);
	return rc;
}

void nxr_writer_free(struct nxr_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	nxr_colenc_free(w->col);
	free(w->raw);
	free(w->zbuf);
	free(w->idx);
	free(w->name);
	free(w);
}
