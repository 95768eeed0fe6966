#ifndef NX_FORMAT_CODEC_H	/* format/codec.h: one event <-> its bytes inside a segment */
#define NX_FORMAT_CODEC_H
/*
 * The row-wise event encoding of FORMAT.md ("Event records"). Records are
 * delta-coded against the previous record of the same segment, so a codec
 * state lives exactly as long as one segment: reset it at each segment start.
 * The per-kind code is generated from the table in bpf/events.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/event.h"

struct nxr_codec {
	uint64_t key;		/* previous record's time key (FORMAT.md) */
	uint32_t pid, tid;	/* previous record's process and thread */
	struct {		/* previous record of each kind: absent fields repeat it */
#define NXR_CODEC_PREV(KIND, id, member, str) struct nxr_##member member;
		NX_KINDS(NXR_CODEC_PREV)
#undef NXR_CODEC_PREV
	} prev;
};

static inline void nxr_codec_reset(struct nxr_codec *c)
{
	memset(c, 0, sizeof(*c));
}

/* An upper bound of the bytes nxr_codec_encode() writes for ev, or 0 when the
 * writer cannot encode ev (unknown kind, string too long or NULL). */
size_t nxr_codec_check_bound(const struct nxr_event *ev);
/* Encodes a checked ev at out (room for its bound); returns the bytes written. */
size_t nxr_codec_encode(struct nxr_codec *c, const struct nxr_event *ev, uint8_t *out);

/*
 * Decodes the record at *pp (bytes up to end), advances *pp past it.
 * 1: *ev filled (strings point into the record). 0: a kind this build does
 * not know, skipped by its length (*ev holds only kind, pid, tid, ts_ns).
 * -1: the bytes are not a valid record.
 */
int nxr_codec_decode(struct nxr_codec *c, const uint8_t **pp, const uint8_t *end,
		     struct nxr_event *ev);

/* Record tag bits (FORMAT.md) */
#define NXR_TAG_KIND_MASK 0x1fu
#define NXR_TAG_KIND_ESC 0x1fu		/* kind >= 31: a varint kind follows the tag */
#define NXR_TAG_SAME_TASK 0x20u		/* pid and tid as in the previous record */
#define NXR_TAG_TID_IS_PID 0x40u	/* tid == pid: no tid varint */

#endif
