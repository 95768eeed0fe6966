/*
 * format/reader.c: read .nxr recordings (FORMAT.md).
 *
 * Open validates the header, then finds the segments: through the trailer's
 * index when the footer and trailer are valid, else by scanning forward from
 * the header (a killed writer, or a damaged footer). The scan accepts a
 * segment only when its header CRC, file id and an increasing sequence number
 * all hold and its end repeats its length; past damage it resynchronises on
 * the next such segment. Iteration loads one segment at a time, checks its
 * header again, its payload CRC, the zstd frame's content size and window,
 * then decodes its events lazily.
 *
 * Invariants: every length or count read from the file is compared with
 * format/limits.h or the file size before it sizes an allocation or a loop;
 * a damaged segment is reported once through on_damage and skipped, never
 * fatal; the index kept in r->segs is strictly increasing in offset and
 * every entry lies inside the file, so no loop can revisit bytes.
 */
#include "format/reader.h"

#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createDCtx_advanced */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format/alloc.h"
#include "format/bytes.h"
#include "format/codec.h"
#include "format/colcodec.h"
#include "format/crc.h"
#include "format/header.h"
#include "format/limits.h"
#include "format/segment.h"

#define SCAN_CHUNK (64u << 10)

enum { SEG_DAMAGE_REPORTED = 1, SEG_ACCOUNTED = 2 };

struct nxr_reader {
	char *path;
	struct nxr_reader_opts opts;
	int fd;				/* -1 for memory */
	const uint8_t *mem;
	uint64_t size;

	struct nxr_header hdr;
	struct nxr_segment_info *segs;
	uint8_t *seg_flags;		/* SEG_* per segment */
	uint32_t nsegs, segs_cap;
	uint64_t data_end;		/* end of segment data (trailer offset, or scan end) */
	uint64_t scan_from;		/* where a scan starts: the end of the header */
	struct nxr_reader_stats st;

	ZSTD_DCtx *dctx;
	uint8_t *zbuf, *raw;
	size_t zcap, rawcap;
	uint32_t cur;			/* next segment to load */
	uint32_t loaded;		/* segment being decoded */
	bool in_seg;
	const uint8_t *p, *end;
	uint32_t left;			/* events still to decode in it */
	struct nxr_codec codec;
	struct nxr_coldec *col;		/* column decoder, made at the first column segment */
	bool colseg;			/* the loaded segment is a column payload */
	bool filtered;			/* any event filter in opts */
};

/* ---- source: the file or the caller's bytes ---- */

static int src_read(struct nxr_reader *r, uint64_t off, void *buf, size_t len,
		    struct nx_err *err)
{
	if (off > r->size || len > r->size - off)
		return nx_err_set(err, -EBADMSG, "%s: read past the end at offset %" PRIu64,
				  r->path, off);
	if (r->mem) {
		memcpy(buf, r->mem + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(r->fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return nx_err_set(err, n < 0 ? -errno : -EIO, "%s: cannot read at offset %"
					  PRIu64 ": %s", r->path, off,
					  n < 0 ? strerror(errno) : "file shrank");
		buf = (uint8_t *)buf + n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

__attribute__((format(printf, 2, 3)))
static void damage(struct nxr_reader *r, const char *fmt, ...)
{
	struct nx_err what = { .code = -EBADMSG };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what.msg, sizeof(what.msg), fmt, ap);
	va_end(ap);
	if (r->opts.on_damage)
		r->opts.on_damage(r->opts.ctx, &what);
}

static int grow(void **buf, size_t *cap, size_t need)
{
	void *p;

	if (need <= *cap)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
}

static int seg_add(struct nxr_reader *r, const struct nxr_segment_info *si, struct nx_err *err)
{
	if (r->nsegs == r->segs_cap) {
		uint32_t cap = r->segs_cap ? r->segs_cap * 2 : 64;
		void *p;

		if (r->nsegs >= NXR_MAX_SEGMENTS)
			return nx_err_set(err, -EBADMSG, "%s: more than %u segments", r->path,
					  NXR_MAX_SEGMENTS);
		p = realloc(r->segs, (size_t)cap * sizeof(*r->segs));
		if (!p)
			return nx_err_set(err, -ENOMEM, "%s: out of memory", r->path);
		r->segs = p;
		p = realloc(r->seg_flags, cap);
		if (!p)
			return nx_err_set(err, -ENOMEM, "%s: out of memory", r->path);
		r->seg_flags = p;
		r->segs_cap = cap;
	}
	r->segs[r->nsegs] = *si;
	r->seg_flags[r->nsegs] = 0;
	r->nsegs++;
	return 0;
}

/* ---- opening through the footer and the trailer's index ---- */

/* 1: index loaded, 0: no usable footer (why in *why), <0: fatal error */
static int load_index(struct nxr_reader *r, const char **why, struct nx_err *err)
{
	uint8_t fbuf[NXR_FOOTER_SIZE], *tbuf = NULL;
	struct nxr_footer f;
	struct nxr_trailer t;
	uint64_t prev_end, sum = 0;
	int rc;

	*why = NULL;
	if (r->size < (uint64_t)r->hdr.header_len + NXR_TRAILER_FIXED + 4 + NXR_FOOTER_SIZE)
		return 0;
	rc = src_read(r, r->size - NXR_FOOTER_SIZE, fbuf, sizeof(fbuf), err);
	if (rc < 0)
		return rc;
	if (memcmp(fbuf, NXR_FOOTER_MAGIC, 4) != 0 &&
	    memcmp(fbuf + 36, NXR_FOOTER_END_MAGIC, 4) != 0)
		return 0;	/* no footer at all: not closed */
	*why = nxr_footer_parse(fbuf, &f);
	if (*why)
		return 0;
	if (memcmp(f.file_id, r->hdr.file_id, 16) != 0) {
		*why = "footer belongs to another recording";
		return 0;
	}
	if (f.trailer_off < r->hdr.header_len ||
	    f.trailer_off + f.trailer_len + NXR_FOOTER_SIZE != r->size) {
		*why = "footer trailer offset out of range";
		return 0;
	}
	tbuf = malloc(f.trailer_len);	/* bounded by NXR_MAX_TRAILER and the file size */
	if (!tbuf)
		return nx_err_set(err, -ENOMEM, "%s: out of memory for the trailer", r->path);
	rc = src_read(r, f.trailer_off, tbuf, f.trailer_len, err);
	if (rc < 0)
		goto out;
	*why = nxr_trailer_parse(tbuf, f.trailer_len, &t);
	if (*why)
		goto out;
	if (memcmp(t.file_id, r->hdr.file_id, 16) != 0) {
		*why = "trailer belongs to another recording";
		goto out;
	}
	prev_end = r->hdr.header_len;
	for (uint32_t i = 0; i < t.nsegs; i++) {
		struct nxr_index_entry e;
		struct nxr_segment_info si;

		nxr_trailer_entry(tbuf, &t, i, &e);
		if (e.offset < prev_end || e.seq != i || e.events == 0 ||
		    e.events > NXR_MAX_SEG_EVENTS || e.zlen == 0 || e.zlen > NXR_MAX_SEG_Z ||
		    e.rawlen == 0 || e.rawlen > NXR_MAX_SEG_RAW || e.first_ts > e.last_ts ||
		    e.offset + NXR_SEG_HDR_SIZE + e.zlen + NXR_SEG_END_SIZE > f.trailer_off) {
			*why = "trailer index entry out of range";
			goto reset;
		}
		prev_end = e.offset + NXR_SEG_HDR_SIZE + e.zlen + NXR_SEG_END_SIZE;
		si.offset = e.offset;
		si.seq = e.seq;
		si.events = e.events;
		si.first_ts_ns = e.first_ts;
		si.last_ts_ns = e.last_ts;
		si.raw_bytes = e.rawlen;
		si.zbytes = e.zlen;
		si.lost = e.lost;
		sum += e.events;
		rc = seg_add(r, &si, err);
		if (rc < 0)
			goto out;
	}
	if (sum != t.events) {
		*why = "trailer totals disagree with its index";
		goto reset;
	}
	r->data_end = f.trailer_off;
	r->st.closed_cleanly = t.flags & NXR_TRAILER_CLEAN;
	r->st.events = t.events;
	r->st.raw_bytes = t.raw_bytes;
	r->st.zbytes = t.zbytes;
	r->st.first_ts_ns = t.first_ts;
	r->st.last_ts_ns = t.last_ts;
	memcpy(r->st.lost, t.lost, sizeof(r->st.lost));
	r->st.filtered = t.filtered;
	rc = 1;
	goto out;
reset:
	r->nsegs = 0;
	rc = 0;
out:
	free(tbuf);
	return rc;
}

/* ---- opening by scanning ---- */

/* Is there a valid segment at off whose seq is past min_seq? Fills *si. */
static int seg_probe(struct nxr_reader *r, uint64_t off, int64_t last_seq,
		     struct nxr_segment_info *si, uint64_t *total_out, const char **why,
		     struct nx_err *err)
{
	uint8_t buf[NXR_SEG_HDR_MAX], ebuf[NXR_SEG_END_SIZE];
	struct nxr_seg_hdr h;
	size_t avail;
	uint64_t total;
	int rc;

	avail = r->size - off < sizeof(buf) ? (size_t)(r->size - off) : sizeof(buf);
	rc = src_read(r, off, buf, avail, err);
	if (rc < 0)
		return rc;
	*why = nxr_seg_hdr_parse(buf, avail, &h);
	if (*why)
		return 0;
	if (memcmp(h.file_id, r->hdr.file_id, 16) != 0) {
		*why = "segment belongs to another recording";
		return 0;
	}
	if ((int64_t)h.seq <= last_seq) {
		*why = "segment out of sequence";
		return 0;
	}
	total = nxr_seg_total(&h);
	if (total > r->size - off) {
		*why = "segment cut short";
		return 0;
	}
	rc = src_read(r, off + total - NXR_SEG_END_SIZE, ebuf, sizeof(ebuf), err);
	if (rc < 0)
		return rc;
	*why = nxr_seg_end_check(ebuf, total);
	if (*why)
		return 0;
	si->offset = off;
	si->seq = h.seq;
	si->events = h.events;
	si->first_ts_ns = h.first_ts;
	si->last_ts_ns = h.last_ts;
	si->raw_bytes = h.rawlen;
	si->zbytes = h.zlen;
	si->lost = h.lost;
	*total_out = total;
	return 1;
}

/* Next offset > from holding a valid segment, or r->size if none. */
static int resync(struct nxr_reader *r, uint64_t from, int64_t last_seq, uint64_t *found,
		  struct nx_err *err)
{
	uint8_t *chunk;
	uint64_t off = from;
	int rc = 0;

	chunk = malloc(SCAN_CHUNK);
	if (!chunk)
		return nx_err_set(err, -ENOMEM, "%s: out of memory", r->path);
	*found = r->size;
	while (off + 4 <= r->size) {
		size_t n = r->size - off < SCAN_CHUNK ? (size_t)(r->size - off) : SCAN_CHUNK;

		rc = src_read(r, off, chunk, n, err);
		if (rc < 0)
			goto out;
		for (size_t i = 0; i + 4 <= n; i++) {
			struct nxr_segment_info si;
			const char *why;
			uint64_t total;
			uint8_t *m = memchr(chunk + i, 'N', n - 3 - i);

			if (!m)
				break;
			i = (size_t)(m - chunk);
			if (memcmp(m, NXR_SEG_MAGIC, 4) != 0)
				continue;
			rc = seg_probe(r, off + i, last_seq, &si, &total, &why, err);
			if (rc < 0)
				goto out;
			if (rc == 1) {
				*found = off + i;
				rc = 0;
				goto out;
			}
		}
		if (n < SCAN_CHUNK)
			break;
		off += n - 3;	/* a magic may straddle two chunks */
	}
	rc = 0;
out:
	free(chunk);
	return rc;
}

static int scan(struct nxr_reader *r, struct nx_err *err)
{
	uint64_t off = r->scan_from;
	int64_t last_seq = -1;
	int rc;

	while (off < r->size) {
		struct nxr_segment_info si;
		const char *why;
		uint64_t next = 0, total;

		rc = seg_probe(r, off, last_seq, &si, &total, &why, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			rc = seg_add(r, &si, err);
			if (rc < 0)
				return rc;
			last_seq = si.seq;
			off += total;
			continue;
		}
		rc = resync(r, off + 1, last_seq, &next, err);
		if (rc < 0)
			return rc;
		if (next == r->size)
			break;	/* nothing valid after: the tail */
		r->st.damaged_segments++;
		damage(r, "%s: damaged data at offset %" PRIu64 " (%s); %" PRIu64
		       " bytes skipped", r->path, off, why, next - off);
		off = next;
	}
	r->data_end = off;
	r->st.tail_ignored = r->size - off;
	for (uint32_t i = 0; i < r->nsegs; i++) {
		const struct nxr_segment_info *s = &r->segs[i];

		r->st.events += s->events;
		r->st.raw_bytes += s->raw_bytes;
		r->st.zbytes += s->zbytes;
		if (i == 0 || s->first_ts_ns < r->st.first_ts_ns)
			r->st.first_ts_ns = s->first_ts_ns;
		if (i == 0 || s->last_ts_ns > r->st.last_ts_ns)
			r->st.last_ts_ns = s->last_ts_ns;
	}
	return 0;
}

/* ---- a damaged header ---- */

/*
 * The header failed its checks but starts with our magic and major version:
 * its metadata is lost, yet every segment carries the file id. Take the id
 * from a valid footer, else from the first segment whose header and end are
 * valid, and read on from there.
 */
static int header_fallback(struct nxr_reader *r, const char *why, struct nx_err *err)
{
	static const char none[] = "";
	struct nxr_meta *m = &r->hdr.meta;
	uint8_t fbuf[NXR_FOOTER_SIZE], *chunk = NULL;
	struct nxr_footer f;
	bool have_id = false;
	uint64_t off = 16;
	int rc = 0;

	nxr_header_release(&r->hdr);
	memset(&r->hdr, 0, sizeof(r->hdr));
	r->hdr.major = NXR_VERSION_MAJOR;
	r->hdr.header_len = 16;		/* magic, version: what could be checked */
	m->hostname = m->kernel = m->arch = none;
	m->tool_version = m->command = m->config_text = none;
	if (r->size >= 16 + NXR_FOOTER_SIZE) {
		rc = src_read(r, r->size - NXR_FOOTER_SIZE, fbuf, sizeof(fbuf), err);
		if (rc < 0)
			return rc;
		if (!nxr_footer_parse(fbuf, &f)) {
			memcpy(r->hdr.file_id, f.file_id, 16);
			have_id = true;
		}
	}
	chunk = malloc(SCAN_CHUNK);
	if (!chunk)
		return nx_err_set(err, -ENOMEM, "%s: out of memory", r->path);
	r->scan_from = r->size;
	while (off + NXR_SEG_HDR_SIZE <= r->size && r->scan_from == r->size) {
		size_t n = r->size - off < SCAN_CHUNK ? (size_t)(r->size - off) : SCAN_CHUNK;

		rc = src_read(r, off, chunk, n, err);
		if (rc < 0)
			goto out;
		for (size_t i = 0; i + 4 <= n; i++) {
			uint8_t hb[NXR_SEG_HDR_MAX], eb[NXR_SEG_END_SIZE];
			struct nxr_seg_hdr h;
			size_t avail;
			uint8_t *mg = memchr(chunk + i, 'N', n - 3 - i);

			if (!mg)
				break;
			i = (size_t)(mg - chunk);
			if (memcmp(mg, NXR_SEG_MAGIC, 4) != 0)
				continue;
			avail = r->size - (off + i) < sizeof(hb) ? (size_t)(r->size - (off + i))
								 : sizeof(hb);
			rc = src_read(r, off + i, hb, avail, err);
			if (rc < 0)
				goto out;
			if (nxr_seg_hdr_parse(hb, avail, &h) ||
			    (have_id && memcmp(h.file_id, r->hdr.file_id, 16) != 0) ||
			    nxr_seg_total(&h) > r->size - (off + i))
				continue;
			rc = src_read(r, off + i + nxr_seg_total(&h) - NXR_SEG_END_SIZE, eb,
				      sizeof(eb), err);
			if (rc < 0)
				goto out;
			if (nxr_seg_end_check(eb, nxr_seg_total(&h)))
				continue;
			memcpy(r->hdr.file_id, h.file_id, 16);
			have_id = true;
			r->scan_from = off + i;
			break;
		}
		if (n < SCAN_CHUNK)
			break;
		off += n - 3;
	}
	if (!have_id) {
		rc = nx_err_set(err, -EBADMSG, "%s: %s, and no segment follows it", r->path, why);
		goto out;
	}
	damage(r, "%s: header damaged (%s): its metadata is lost; reading the segments",
	       r->path, why);
	rc = 0;
out:
	free(chunk);
	return rc;
}

/* ---- open / close ---- */

static struct nxr_reader *reader_open(struct nxr_reader *r, const struct nxr_reader_opts *opts,
				      struct nx_err *err)
{
	ZSTD_customMem mem = { nxr_zstd_alloc, nxr_zstd_free, NULL };
	uint8_t peek[16], *hbuf = NULL;
	uint32_t hlen;
	const char *why = NULL;
	int rc;

	if (opts)
		r->opts = *opts;
	r->filtered = r->opts.kinds || r->opts.pid || r->opts.t_min_ns || r->opts.t_max_ns;
	r->st.file_bytes = r->size;
	rc = src_read(r, 0, peek, r->size < sizeof(peek) ? (size_t)r->size : sizeof(peek), err);
	if (rc < 0)
		goto fail;
	rc = nxr_header_peek(peek, r->size < sizeof(peek) ? (size_t)r->size : sizeof(peek), &hlen,
			     err);
	if (rc == -EBADMSG && r->size >= sizeof(peek) &&
	    memcmp(peek, NXR_FILE_MAGIC, NXR_FILE_MAGIC_LEN) == 0) {
		nx_err_clear(err);
		rc = header_fallback(r, "header length out of range", err);
		if (rc < 0)
			goto fail;
		goto segments;
	}
	if (rc < 0)
		goto prefixed;	/* empty, not .nxr, or another major version */
	if (hlen > r->size) {
		rc = header_fallback(r, "header cut short", err);
		if (rc < 0)
			goto fail;
		goto segments;
	}
	hbuf = malloc(hlen);
	if (!hbuf) {
		rc = nx_err_set(err, -ENOMEM, "out of memory for the header");
		goto prefixed;
	}
	rc = src_read(r, 0, hbuf, hlen, err);
	if (rc < 0)
		goto fail;
	/* a checksum mismatch is an accident: read the segments without the
	 * metadata; a header with a valid checksum that does not parse was
	 * written wrong on purpose or by a bug, and is refused */
	if (nxr_crc32c(0, hbuf, hlen - 4) != nxr_get_le32(hbuf + hlen - 4)) {
		free(hbuf);
		hbuf = NULL;
		rc = header_fallback(r, "header checksum mismatch", err);
		if (rc < 0)
			goto fail;
		goto segments;
	}
	rc = nxr_header_parse(hbuf, hlen, &r->hdr, err);
	free(hbuf);
	hbuf = NULL;
	if (rc < 0)
		goto prefixed;	/* unknown incompatible features, out of memory */
	r->scan_from = r->hdr.header_len;
segments:
	rc = load_index(r, &why, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		if (why)
			damage(r, "%s: %s; scanning the segments instead", r->path, why);
		rc = scan(r, err);
		if (rc < 0)
			goto fail;
		r->st.closed_cleanly = false;
		damage(r, "%s: not closed cleanly; %" PRIu64 " bytes ignored", r->path,
		       r->st.tail_ignored);
	}
	r->st.segments = r->nsegs;
	r->dctx = ZSTD_createDCtx_advanced(mem);
	if (!r->dctx ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax,
						NXR_ZSTD_WINDOWLOG_MAX))) {
		rc = nx_err_set(err, -ENOMEM, "%s: out of memory", r->path);
		goto fail;
	}
	return r;
prefixed:
	nx_err_prefix(err, "%s", r->path);
fail:
	free(hbuf);
	nxr_reader_close(r);
	return NULL;
}

static struct nxr_reader *reader_alloc(const char *path, struct nx_err *err)
{
	struct nxr_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		nx_err_set(err, -ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	r->fd = -1;
	r->path = nxr_strdup(path);
	if (!r->path) {
		free(r);
		nx_err_set(err, -ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	return r;
}

struct nxr_reader *nxr_reader_open(const char *path, const struct nxr_reader_opts *opts,
				   struct nx_err *err)
{
	struct nxr_reader *r;
	struct stat sb;

	r = reader_alloc(path, err);
	if (!r)
		return NULL;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &sb) < 0) {
		nx_err_set(err, -errno, "%s: %s", path, strerror(errno));
		nxr_reader_close(r);
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		nx_err_set(err, -EISDIR, "%s: is a directory, not a .nxr recording", path);
		nxr_reader_close(r);
		return NULL;
	}
	r->size = (uint64_t)sb.st_size;
	return reader_open(r, opts, err);
}

struct nxr_reader *nxr_reader_open_mem(const void *buf, size_t len,
				       const struct nxr_reader_opts *opts, struct nx_err *err)
{
	static const uint8_t none[1];
	struct nxr_reader *r = reader_alloc("<memory>", err);

	if (!r)
		return NULL;
	r->mem = buf ? buf : none;
	r->size = buf ? len : 0;
	return reader_open(r, opts, err);
}

void nxr_reader_close(struct nxr_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	nxr_header_release(&r->hdr);
	ZSTD_freeDCtx(r->dctx);
	nxr_coldec_free(r->col);
	free(r->segs);
	free(r->seg_flags);
	free(r->zbuf);
	free(r->raw);
	free(r->path);
	free(r);
}

/* ---- iteration ---- */

static void seg_damaged(struct nxr_reader *r, uint32_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seg_damaged(struct nxr_reader *r, uint32_t i, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	r->in_seg = false;
	if (r->seg_flags[i] & SEG_DAMAGE_REPORTED)
		return;
	r->seg_flags[i] |= SEG_DAMAGE_REPORTED;
	r->st.damaged_segments++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	damage(r, "%s: segment %u at offset %" PRIu64 ": %s; skipped", r->path, r->segs[i].seq,
	       r->segs[i].offset, what);
}

/* 1 loaded, 0 damaged (reported), <0 fatal */
static int seg_load(struct nxr_reader *r, uint32_t i, struct nx_err *err)
{
	const struct nxr_segment_info *si = &r->segs[i];
	uint8_t hbuf[NXR_SEG_HDR_MAX], ebuf[NXR_SEG_END_SIZE];
	struct nxr_seg_hdr h;
	ZSTD_frameHeader zfh;
	const char *why;
	size_t avail, n;
	int rc;

	avail = r->size - si->offset < sizeof(hbuf) ? (size_t)(r->size - si->offset)
						    : sizeof(hbuf);
	rc = src_read(r, si->offset, hbuf, avail, err);
	if (rc < 0)
		return rc;
	why = nxr_seg_hdr_parse(hbuf, avail, &h);
	if (why) {
		seg_damaged(r, i, "%s", why);
		return 0;
	}
	if (memcmp(h.file_id, r->hdr.file_id, 16) != 0 || h.seq != si->seq ||
	    h.events != si->events || h.zlen != si->zbytes || h.rawlen != si->raw_bytes ||
	    h.first_ts != si->first_ts_ns || h.last_ts != si->last_ts_ns ||
	    si->offset + nxr_seg_total(&h) > r->data_end) {
		seg_damaged(r, i, "header disagrees with the index");
		return 0;
	}
	if (grow((void **)&r->zbuf, &r->zcap, (size_t)h.zlen + NXR_COL_PAD) < 0 ||
	    (!(h.flags & NXR_SEG_COLUMNS) && grow((void **)&r->raw, &r->rawcap, h.rawlen) < 0))
		return nx_err_set(err, -ENOMEM, "%s: out of memory for segment %u", r->path,
				  h.seq);
	memset(r->zbuf + h.zlen, 0, NXR_COL_PAD);
	rc = src_read(r, si->offset + h.hdr_len, r->zbuf, h.zlen, err);
	if (rc == 0)
		rc = src_read(r, si->offset + h.hdr_len + h.zlen, ebuf, sizeof(ebuf), err);
	if (rc < 0)
		return rc;
	if (nxr_crc32c(0, r->zbuf, h.zlen) != h.zcrc) {
		seg_damaged(r, i, "checksum mismatch");
		return 0;
	}
	why = nxr_seg_end_check(ebuf, nxr_seg_total(&h));
	if (why) {
		seg_damaged(r, i, "%s", why);
		return 0;
	}
	if (h.flags & NXR_SEG_COLUMNS) {
		if (!r->col && !(r->col = nxr_coldec_new()))
			return nx_err_set(err, -ENOMEM, "%s: out of memory for segment %u",
					  r->path, h.seq);
		rc = nxr_coldec_load(r->col, r->zbuf, h.zlen, h.events, r->dctx, &why);
		if (rc == -ENOMEM)
			return nx_err_set(err, -ENOMEM, "%s: out of memory for segment %u",
					  r->path, h.seq);
		if (rc < 0) {
			seg_damaged(r, i, "column payload malformed: %s", why);
			return 0;
		}
		r->colseg = true;
		r->p = r->end = NULL;
		r->left = h.events;
		r->loaded = i;
		r->in_seg = true;
		return 1;
	}
	/* one frame, its window and content size within the limits, before
	 * anything is decoded (the one-shot decoder would not check the window) */
	if (ZSTD_getFrameHeader(&zfh, r->zbuf, h.zlen) != 0 || zfh.frameType != ZSTD_frame) {
		seg_damaged(r, i, "payload is not a zstd frame");
		return 0;
	}
	if (zfh.windowSize > (1ull << NXR_ZSTD_WINDOWLOG_MAX)) {
		seg_damaged(r, i, "zstd window of %llu bytes exceeds %llu", zfh.windowSize,
			    1ull << NXR_ZSTD_WINDOWLOG_MAX);
		return 0;
	}
	if (zfh.frameContentSize != h.rawlen) {
		seg_damaged(r, i, "frame content size %lld differs from the header's %u",
			    (long long)zfh.frameContentSize, h.rawlen);
		return 0;
	}
	n = ZSTD_findFrameCompressedSize(r->zbuf, h.zlen);
	if (ZSTD_isError(n) || n != h.zlen) {
		seg_damaged(r, i, "payload is not exactly one zstd frame");
		return 0;
	}
	ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	n = ZSTD_decompressDCtx(r->dctx, r->raw, h.rawlen, r->zbuf, h.zlen);
	if (ZSTD_isError(n) || n != h.rawlen) {
		if (ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
			return nx_err_set(err, -ENOMEM, "%s: out of memory for segment %u",
					  r->path, h.seq);
		seg_damaged(r, i, "cannot decompress: %s",
			    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
		return 0;
	}
	r->colseg = false;
	r->p = r->raw;
	r->end = r->raw + h.rawlen;
	r->left = h.events;
	r->loaded = i;
	r->in_seg = true;
	nxr_codec_reset(&r->codec);
	return 1;
}

static bool seg_wanted(const struct nxr_reader *r, const struct nxr_segment_info *si)
{
	if (r->opts.t_min_ns && si->last_ts_ns < r->opts.t_min_ns)
		return false;
	if (r->opts.t_max_ns && si->first_ts_ns > r->opts.t_max_ns)
		return false;
	return true;
}

static bool ev_wanted(const struct nxr_reader *r, const struct nxr_event *ev)
{
	if (r->opts.kinds && (ev->kind >= 32 || !(r->opts.kinds & (1u << ev->kind))))
		return false;
	if (r->opts.pid && ev->pid != r->opts.pid)
		return false;
	if (r->opts.t_min_ns && ev->ts_ns < r->opts.t_min_ns)
		return false;
	if (r->opts.t_max_ns && ev->ts_ns > r->opts.t_max_ns)
		return false;
	return true;
}

/* 1: a segment with events left is loaded; 0: no segment left; <0 fatal. */
static int seg_ready(struct nxr_reader *r, struct nx_err *err)
{
	int rc;

	for (;;) {
		if (!r->in_seg) {
			if (r->cur >= r->nsegs)
				return 0;
			if (!seg_wanted(r, &r->segs[r->cur])) {
				r->cur++;
				continue;
			}
			rc = seg_load(r, r->cur++, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (r->left)
			return 1;
		r->in_seg = false;
		r->seg_flags[r->loaded] |= SEG_ACCOUNTED;
		if (r->p != r->end)
			seg_damaged(r, r->loaded, "%td bytes after its last event", r->end - r->p);
	}
}

/* Whether the loaded segment's events need ev_keep(): loss counted from the
 * events themselves (no trailer), or a filter. */
static bool seg_needs_keep(const struct nxr_reader *r)
{
	return r->filtered ||
	       (!r->st.closed_cleanly && !(r->seg_flags[r->loaded] & SEG_ACCOUNTED));
}

/* Counts a decoded event's loss when the file has no trailer; whether the
 * filters keep it. */
static bool ev_keep(struct nxr_reader *r, const struct nxr_event *ev)
{
	if (!r->st.closed_cleanly && !(r->seg_flags[r->loaded] & SEG_ACCOUNTED)) {
		if (ev->kind == NX_KIND_LOSS)
			r->st.lost[ev->loss.reason < NX_LOSS_NREASONS ? ev->loss.reason : 0] +=
				ev->loss.count;
		else if (ev->kind == NX_KIND_FILTER)
			r->st.filtered += ev->filter.count;
	}
	return !r->filtered || ev_wanted(r, ev);
}

int nxr_reader_next(struct nxr_reader *r, struct nxr_event *ev, struct nx_err *err)
{
	int rc;

	for (;;) {
		rc = seg_ready(r, err);
		if (rc <= 0)
			return rc;
		rc = r->colseg ? nxr_coldec_next(r->col, ev)
			       : nxr_codec_decode(&r->codec, &r->p, r->end, ev);
		if (rc < 0) {
			seg_damaged(r, r->loaded, "event %u is malformed",
				    r->segs[r->loaded].events - r->left);
			continue;
		}
		r->left--;
		if (rc == 0)
			continue;	/* a kind from a newer writer */
		if (ev_keep(r, ev))
			return 1;
	}
}

/* Up to max events of the loaded row segment into evs; *used: consumed. */
static size_t rows_batch(struct nxr_reader *r, struct nxr_event *evs, size_t max, uint32_t *used)
{
	size_t k = 0;
	uint32_t u = 0;

	while (u < max) {
		int rc = nxr_codec_decode(&r->codec, &r->p, r->end, &evs[k]);

		if (rc < 0) {
			seg_damaged(r, r->loaded, "event %u is malformed",
				    r->segs[r->loaded].events - (r->left - u));
			break;
		}
		u++;
		k += (size_t)rc;	/* 0: a kind from a newer writer */
	}
	*used = u;
	return k;
}

int nxr_reader_next_batch(struct nxr_reader *r, struct nxr_event *evs, size_t max,
			  struct nx_err *err)
{
	if (max == 0)
		return nx_err_set(err, -EINVAL, "%s: a batch of 0 events", r->path);
	if (max > NXR_COL_MAX_EVENTS)
		max = NXR_COL_MAX_EVENTS;
	for (;;) {
		size_t want, k, got = 0;
		uint32_t used;
		int rc = seg_ready(r, err);

		if (rc <= 0)
			return rc;
		want = max < r->left ? max : r->left;
		k = r->colseg ? nxr_coldec_next_batch(r->col, evs, want, &used)
			      : rows_batch(r, evs, want, &used);
		r->left -= used;
		if (!seg_needs_keep(r)) {
			got = k;
		} else {
			for (size_t i = 0; i < k; i++)
				if (ev_keep(r, &evs[i]))
					evs[got++] = evs[i];
		}
		/* one segment per call: its strings stay valid until the next */
		if (got)
			return (int)got;
	}
}

int nxr_reader_seek(struct nxr_reader *r, uint64_t ts_ns, struct nx_err *err)
{
	uint32_t i;

	(void)err;
	for (i = 0; i < r->nsegs; i++)
		if (r->segs[i].last_ts_ns >= ts_ns)
			break;
	r->cur = i;
	r->in_seg = false;
	return 0;
}

int nxr_reader_rewind(struct nxr_reader *r, struct nx_err *err)
{
	(void)err;
	r->cur = 0;
	r->in_seg = false;
	return 0;
}

const struct nxr_meta *nxr_reader_meta(const struct nxr_reader *r)
{
	return &r->hdr.meta;
}

const char *nxr_reader_path(const struct nxr_reader *r)
{
	return r->path;
}

void nxr_reader_get_stats(const struct nxr_reader *r, struct nxr_reader_stats *st)
{
	*st = r->st;
}

const struct nxr_segment_info *nxr_reader_segments(const struct nxr_reader *r, uint32_t *n)
{
	*n = r->nsegs;
	return r->segs;
}
