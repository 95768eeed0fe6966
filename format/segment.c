/*
 * format/segment.c: the fixed-layout blocks of a .nxr file (FORMAT.md):
 * segment header and end, trailer with the segment index, footer.
 *
 * Every parse function trusts nothing: it checks the magic, the stated
 * length against the bytes it was given, the CRC, then every length and
 * count against format/limits.h, in that order, before anything is used.
 */
#include "format/segment.h"

#include <string.h>

#include "format/bytes.h"
#include "format/crc.h"
#include "format/limits.h"

/* The trailer has room for four loss counters (FORMAT.md): a new reason is a
 * format change, not a silent truncation. */
_Static_assert(NX_LOSS_NREASONS == 4, "trailer layout holds 4 loss counters");

void nxr_seg_hdr_pack(const struct nxr_seg_hdr *h, uint8_t out[NXR_SEG_HDR_SIZE])
{
	memcpy(out, NXR_SEG_MAGIC, 4);
	nxr_put_le32(out + 4, NXR_SEG_HDR_SIZE);
	memcpy(out + 8, h->file_id, 16);
	nxr_put_le32(out + 24, h->seq);
	nxr_put_le32(out + 28, h->events);
	nxr_put_le32(out + 32, h->zlen);
	nxr_put_le32(out + 36, h->rawlen);
	nxr_put_le64(out + 40, h->first_ts);
	nxr_put_le64(out + 48, h->last_ts);
	nxr_put_le64(out + 56, h->lost);
	nxr_put_le32(out + 64, h->zcrc);
	nxr_put_le32(out + 68, h->flags);
	nxr_put_le32(out + 72, nxr_crc32c(0, out, 72));
}

const char *nxr_seg_hdr_parse(const uint8_t *buf, size_t avail, struct nxr_seg_hdr *h)
{
	if (avail < NXR_SEG_HDR_SIZE)
		return "segment header cut short";
	if (memcmp(buf, NXR_SEG_MAGIC, 4) != 0)
		return "no segment magic";
	h->hdr_len = nxr_get_le32(buf + 4);
	if (h->hdr_len < NXR_SEG_HDR_SIZE || h->hdr_len > NXR_SEG_HDR_MAX || h->hdr_len % 4)
		return "segment header length out of range";
	if (avail < h->hdr_len)
		return "segment header cut short";
	if (nxr_crc32c(0, buf, h->hdr_len - 4) != nxr_get_le32(buf + h->hdr_len - 4))
		return "segment header checksum mismatch";
	memcpy(h->file_id, buf + 8, 16);
	h->seq = nxr_get_le32(buf + 24);
	h->events = nxr_get_le32(buf + 28);
	h->zlen = nxr_get_le32(buf + 32);
	h->rawlen = nxr_get_le32(buf + 36);
	h->first_ts = nxr_get_le64(buf + 40);
	h->last_ts = nxr_get_le64(buf + 48);
	h->lost = nxr_get_le64(buf + 56);
	h->zcrc = nxr_get_le32(buf + 64);
	h->flags = nxr_get_le32(buf + 68);
	if (h->zlen == 0 || h->zlen > NXR_MAX_SEG_Z)
		return "segment compressed size out of range";
	if (h->rawlen == 0 || h->rawlen > NXR_MAX_SEG_RAW)
		return "segment decoded size out of range";
	if (h->flags & ~NXR_SEG_FLAGS_KNOWN)
		return "segment uses unknown flags";
	if (h->flags & NXR_SEG_COLUMNS) {
		/* a column payload is not compressed as a whole: raw_len repeats zlen */
		if (h->rawlen != h->zlen)
			return "column segment sizes disagree";
		if (h->events == 0 || h->events > NXR_COL_MAX_EVENTS)
			return "segment event count out of range";
	} else if (h->events == 0 || h->events > NXR_MAX_SEG_EVENTS || h->events > h->rawlen / 3) {
		return "segment event count out of range";
	}
	if (h->first_ts > h->last_ts)
		return "segment time range reversed";
	return NULL;
}

void nxr_seg_end_pack(uint64_t total, uint8_t out[NXR_SEG_END_SIZE])
{
	nxr_put_le32(out, (uint32_t)total);
	memcpy(out + 4, NXR_SEG_END_MAGIC, 4);
}

const char *nxr_seg_end_check(const uint8_t buf[NXR_SEG_END_SIZE], uint64_t total)
{
	if (memcmp(buf + 4, NXR_SEG_END_MAGIC, 4) != 0)
		return "segment end magic missing";
	if (nxr_get_le32(buf) != total)
		return "segment end length mismatch";
	return NULL;
}

static void entry_pack(const struct nxr_index_entry *e, uint8_t *p)
{
	nxr_put_le64(p, e->offset);
	nxr_put_le32(p + 8, e->seq);
	nxr_put_le32(p + 12, e->events);
	nxr_put_le64(p + 16, e->first_ts);
	nxr_put_le64(p + 24, e->last_ts);
	nxr_put_le32(p + 32, e->rawlen);
	nxr_put_le32(p + 36, e->zlen);
	nxr_put_le64(p + 40, e->lost);
}

void nxr_trailer_pack(struct nxr_trailer *t, const struct nxr_index_entry *idx, uint8_t *out)
{
	uint64_t len = nxr_trailer_size(t->nsegs);

	t->trailer_len = (uint32_t)len;
	t->fixed_len = NXR_TRAILER_FIXED;
	t->entry_size = NXR_INDEX_ENTRY_SIZE;
	memcpy(out, NXR_TRAILER_MAGIC, 4);
	nxr_put_le32(out + 4, t->trailer_len);
	memcpy(out + 8, t->file_id, 16);
	nxr_put_le32(out + 24, t->nsegs);
	nxr_put_le32(out + 28, t->flags);
	nxr_put_le64(out + 32, t->events);
	nxr_put_le64(out + 40, t->raw_bytes);
	nxr_put_le64(out + 48, t->zbytes);
	nxr_put_le64(out + 56, t->first_ts);
	nxr_put_le64(out + 64, t->last_ts);
	for (int i = 0; i < NX_LOSS_NREASONS; i++)
		nxr_put_le64(out + 72 + 8 * i, t->lost[i]);
	nxr_put_le64(out + 104, t->filtered);
	nxr_put_le32(out + 112, t->fixed_len);
	nxr_put_le32(out + 116, t->entry_size);
	for (uint32_t i = 0; i < t->nsegs; i++)
		entry_pack(&idx[i], out + NXR_TRAILER_FIXED + (size_t)NXR_INDEX_ENTRY_SIZE * i);
	nxr_put_le32(out + len - 4, nxr_crc32c(0, out, len - 4));
}

const char *nxr_trailer_parse(const uint8_t *buf, size_t len, struct nxr_trailer *t)
{
	if (len < NXR_TRAILER_FIXED + 4 || len > NXR_MAX_TRAILER)
		return "trailer length out of range";
	if (memcmp(buf, NXR_TRAILER_MAGIC, 4) != 0)
		return "no trailer magic";
	t->trailer_len = nxr_get_le32(buf + 4);
	if (t->trailer_len != len)
		return "trailer length mismatch";
	if (nxr_crc32c(0, buf, len - 4) != nxr_get_le32(buf + len - 4))
		return "trailer checksum mismatch";
	memcpy(t->file_id, buf + 8, 16);
	t->nsegs = nxr_get_le32(buf + 24);
	t->flags = nxr_get_le32(buf + 28);
	t->events = nxr_get_le64(buf + 32);
	t->raw_bytes = nxr_get_le64(buf + 40);
	t->zbytes = nxr_get_le64(buf + 48);
	t->first_ts = nxr_get_le64(buf + 56);
	t->last_ts = nxr_get_le64(buf + 64);
	for (int i = 0; i < NX_LOSS_NREASONS; i++)
		t->lost[i] = nxr_get_le64(buf + 72 + 8 * i);
	t->filtered = nxr_get_le64(buf + 104);
	t->fixed_len = nxr_get_le32(buf + 112);
	t->entry_size = nxr_get_le32(buf + 116);
	if (t->fixed_len < NXR_TRAILER_FIXED || t->fixed_len > 4096 || t->fixed_len % 8)
		return "trailer fixed length out of range";
	if (t->entry_size < NXR_INDEX_ENTRY_SIZE || t->entry_size > 1024 || t->entry_size % 8)
		return "trailer index entry size out of range";
	if (t->nsegs > NXR_MAX_SEGMENTS ||
	    (uint64_t)t->fixed_len + (uint64_t)t->entry_size * t->nsegs + 4 != len)
		return "trailer segment count does not match its length";
	return NULL;
}

void nxr_trailer_entry(const uint8_t *buf, const struct nxr_trailer *t, uint32_t i,
		       struct nxr_index_entry *e)
{
	const uint8_t *p = buf + t->fixed_len + (size_t)t->entry_size * i;

	e->offset = nxr_get_le64(p);
	e->seq = nxr_get_le32(p + 8);
	e->events = nxr_get_le32(p + 12);
	e->first_ts = nxr_get_le64(p + 16);
	e->last_ts = nxr_get_le64(p + 24);
	e->rawlen = nxr_get_le32(p + 32);
	e->zlen = nxr_get_le32(p + 36);
	e->lost = nxr_get_le64(p + 40);
}

void nxr_footer_pack(const struct nxr_footer *f, uint8_t out[NXR_FOOTER_SIZE])
{
	memcpy(out, NXR_FOOTER_MAGIC, 4);
	nxr_put_le32(out + 4, f->trailer_len);
	nxr_put_le64(out + 8, f->trailer_off);
	memcpy(out + 16, f->file_id, 16);
	nxr_put_le32(out + 32, nxr_crc32c(0, out, 32));
	memcpy(out + 36, NXR_FOOTER_END_MAGIC, 4);
}

const char *nxr_footer_parse(const uint8_t buf[NXR_FOOTER_SIZE], struct nxr_footer *f)
{
	if (memcmp(buf, NXR_FOOTER_MAGIC, 4) != 0 || memcmp(buf + 36, NXR_FOOTER_END_MAGIC, 4) != 0)
		return "no footer magic";
	if (nxr_crc32c(0, buf, 32) != nxr_get_le32(buf + 32))
		return "footer checksum mismatch";
	f->trailer_len = nxr_get_le32(buf + 4);
	f->trailer_off = nxr_get_le64(buf + 8);
	memcpy(f->file_id, buf + 16, 16);
	if (f->trailer_len < NXR_TRAILER_FIXED + 4 || f->trailer_len > NXR_MAX_TRAILER)
		return "footer trailer length out of range";
	return NULL;
}
