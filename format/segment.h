#ifndef NX_FORMAT_SEGMENT_H	/* format/segment.h: fixed blocks of .nxr files, FORMAT.md */
#define NX_FORMAT_SEGMENT_H
/*
 * Packing and checking of the fixed-layout blocks: segment header and end,
 * trailer (with the segment index) and footer. Pack functions write exactly
 * the documented bytes; parse functions read from a buffer of known length,
 * verify magic, length, CRC and the limits of format/limits.h, and return
 * NULL or a static phrase saying what is wrong (for the caller's message).
 */
#include <stddef.h>
#include <stdint.h>

#include "format/event.h"	/* NX_LOSS_NREASONS */

#define NXR_FILE_MAGIC "\x89NXR\r\n\x1a\n"	/* 8 bytes, the file's first */
#define NXR_FILE_MAGIC_LEN 8
#define NXR_SEG_MAGIC "NXSG"
#define NXR_SEG_END_MAGIC "GSXN"
#define NXR_TRAILER_MAGIC "NXTR"
#define NXR_FOOTER_MAGIC "NXFT"
#define NXR_FOOTER_END_MAGIC "TFXN"

#define NXR_SEG_HDR_SIZE 76u		/* version 1.0 */
#define NXR_SEG_HDR_MAX 256u		/* a later minor may grow it up to this */
#define NXR_SEG_END_SIZE 8u
#define NXR_TRAILER_FIXED 120u		/* version 1.0 fixed part, before the index */
#define NXR_INDEX_ENTRY_SIZE 48u
#define NXR_FOOTER_SIZE 40u

#define NXR_SEG_COLUMNS 1u		/* segment flag: a column payload, not a zstd frame (1.1) */
#define NXR_SEG_FLAGS_KNOWN NXR_SEG_COLUMNS

#define NXR_TRAILER_CLEAN 1u		/* trailer flag: the writer closed the file */

struct nxr_seg_hdr {
	uint32_t hdr_len;
	uint8_t file_id[16];
	uint32_t seq;
	uint32_t events;
	uint32_t zlen, rawlen;
	uint64_t first_ts, last_ts;
	uint64_t lost;
	uint32_t zcrc;
	uint32_t flags;
};

/* Whole segment size on disk. */
static inline uint64_t nxr_seg_total(const struct nxr_seg_hdr *h)
{
	return (uint64_t)h->hdr_len + h->zlen + NXR_SEG_END_SIZE;
}

void nxr_seg_hdr_pack(const struct nxr_seg_hdr *h, uint8_t out[NXR_SEG_HDR_SIZE]);
/* buf holds avail bytes from the segment's start (needs the header's hdr_len). */
const char *nxr_seg_hdr_parse(const uint8_t *buf, size_t avail, struct nxr_seg_hdr *h);
void nxr_seg_end_pack(uint64_t total, uint8_t out[NXR_SEG_END_SIZE]);
/* The 8 bytes after the payload: the total length repeated, end magic. */
const char *nxr_seg_end_check(const uint8_t buf[NXR_SEG_END_SIZE], uint64_t total);

struct nxr_index_entry {
	uint64_t offset;
	uint32_t seq, events;
	uint64_t first_ts, last_ts;
	uint32_t rawlen, zlen;
	uint64_t lost;
};

struct nxr_trailer {
	uint32_t trailer_len;
	uint8_t file_id[16];
	uint32_t nsegs;
	uint32_t flags;
	uint64_t events, raw_bytes, zbytes;
	uint64_t first_ts, last_ts;
	uint64_t lost[NX_LOSS_NREASONS];
	uint64_t filtered;
	uint32_t fixed_len, entry_size;
};

static inline uint64_t nxr_trailer_size(uint32_t nsegs)
{
	return NXR_TRAILER_FIXED + (uint64_t)NXR_INDEX_ENTRY_SIZE * nsegs + 4;
}

/* out holds nxr_trailer_size(t->nsegs) bytes; t->trailer_len is set to it. */
void nxr_trailer_pack(struct nxr_trailer *t, const struct nxr_index_entry *idx, uint8_t *out);
/* Checks the whole trailer (len bytes); entries are read with nxr_trailer_entry(). */
const char *nxr_trailer_parse(const uint8_t *buf, size_t len, struct nxr_trailer *t);
void nxr_trailer_entry(const uint8_t *buf, const struct nxr_trailer *t, uint32_t i,
		       struct nxr_index_entry *e);

struct nxr_footer {
	uint32_t trailer_len;
	uint64_t trailer_off;
	uint8_t file_id[16];
};

void nxr_footer_pack(const struct nxr_footer *f, uint8_t out[NXR_FOOTER_SIZE]);
const char *nxr_footer_parse(const uint8_t buf[NXR_FOOTER_SIZE], struct nxr_footer *f);

#endif
