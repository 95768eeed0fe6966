/*
 * format/codec.c: the event record encoding (FORMAT.md, "Event records").
 *
 * A record is: tag byte (kind, same-task bits), [varint kind], [varint pid],
 * [varint tid], varint body length, body. The body is the zigzag delta of the
 * record's time key to the previous record's, a varint presence mask, then
 * the kind's present fields in table order (U32/U64 varint, S64 zigzag
 * varint, STR varint length + bytes); a field whose mask bit is clear repeats
 * the previous record of the same kind in the segment (0 at its start). The
 * time key is ts_ns, or for a syscall ts_ns + dur_ns: records are emitted at
 * the exit, so exit times grow and their deltas stay small and positive.
 * The length up front lets an older reader skip a kind it does not know and
 * the fields appended to a kind it knows.
 *
 * Invariants: encode never writes more than nxr_codec_check_bound(); decode never
 * reads outside [*pp, end) and rejects any value its field type cannot hold.
 * Per-kind encoders and decoders are expanded from NX_KINDS: no per-field
 * loop or type switch at run time. Varints move as one 64-bit word
 * (format/bytes.h, *_wide): encode relies on the NXR_VARINT_MAX bytes
 * nxr_codec_check_bound() reserves per value; decode loads 8 bytes only while they
 * lie before the end of the caller's buffer, and checks every value's end
 * against its record's body as the byte-wise reader does.
 */
#include "format/codec.h"

#include <errno.h>
#include <string.h>

#include "format/bytes.h"
#include "format/limits.h"

/* ---- check and bound ---- */

#define BND_U32(v) NXR_VARINT_MAX +
#define BND_U64(v) NXR_VARINT_MAX +
#define BND_S64(v) NXR_VARINT_MAX +
#define BND_STR(v) NXR_VARINT_MAX + (size_t)(v).len +
#define BND_FIELD(C, T, name, doc) BND_##T(ev->C.name)

/* tag, kind, pid, tid, body length (3), time delta, presence mask */
#define HEAD_BOUND (1 + 5 * NXR_VARINT_MAX + 3)

/* One pass per event on the writer's path: the strings are checked, then the
 * bound is summed from the same field list. */
size_t nxr_codec_check_bound(const struct nxr_event *ev)
{
	switch (ev->kind) {
#define CHB_KIND(KIND, id, member, str)				\
	case id:						\
		NX_FIELDS_##KIND(CHB_FIELD, member)			\
		return HEAD_BOUND + NX_FIELDS_##KIND(BND_FIELD, member) 0;
#define CHB_FIELD(C, T, name, doc) CHB_##T(ev->C.name)
#define CHB_U32(v)
#define CHB_U64(v)
#define CHB_S64(v)
#define CHB_STR(v)							\
	if ((v).len > NXR_MAX_EVENT_STR || ((v).len && !(v).ptr))	\
		return 0;
	NX_KINDS(CHB_KIND)
#undef CHB_KIND
	}
	return 0;
}

/* ---- encode ---- */

/*
 * Pass 1 sets bit i of the presence mask when field i differs from the same
 * field of the previous record of this kind (strings: always present); pass
 * 2 writes the present fields. The bit counter is a constant per expansion:
 * the compiler folds it, leaving straight-line code per kind.
 */
#define MASK_U32(C, name) m |= (uint64_t)(ev->C.name != c->prev.C.name) << bit;
#define MASK_U64(C, name) m |= (uint64_t)(ev->C.name != c->prev.C.name) << bit;
#define MASK_S64(C, name) m |= (uint64_t)(ev->C.name != c->prev.C.name) << bit;
#define MASK_STR(C, name) m |= 1ull << bit;
#define MASK_FIELD(C, T, name, doc) MASK_##T(C, name) bit++;

#define PUT_U32(C, name) p = nxr_put_varint_wide(p, ev->C.name);
#define PUT_U64(C, name) p = nxr_put_varint_wide(p, ev->C.name);
#define PUT_S64(C, name) p = nxr_put_varint_wide(p, nxr_zigzag(ev->C.name));
#define PUT_STR(C, name)					\
	p = nxr_put_varint_wide(p, ev->C.name.len);		\
	if (ev->C.name.len)					\
		memcpy(p, ev->C.name.ptr, ev->C.name.len);	\
	p += ev->C.name.len;
/* (a branch-free variant, writing absent fields as scratch, measured slower) */
#define PUT_FIELD(C, T, name, doc)				\
	if ((m >> bit) & 1) {					\
		PUT_##T(C, name)				\
	}							\
	bit++;

#define ENC_KIND(KIND, id, member, str)						\
	static inline uint8_t *enc_##member(struct nxr_codec *c, uint8_t *p,		\
					    const struct nxr_event *ev)		\
	{									\
		uint64_t m = 0;							\
		unsigned bit = 0;						\
										\
		NX_FIELDS_##KIND(MASK_FIELD, member)				\
		p = nxr_put_varint_wide(p, m);					\
		bit = 0;							\
		NX_FIELDS_##KIND(PUT_FIELD, member)				\
		c->prev.member = ev->member;					\
		return p;							\
	}
NX_KINDS(ENC_KIND)
#undef ENC_KIND

/* The time a record is ordered by: a syscall record is emitted at its exit,
 * so its exit time keeps the deltas small and positive. */
static inline uint64_t time_key(const struct nxr_event *ev)
{
	return ev->kind == NX_KIND_SYSCALL ? ev->ts_ns + ev->syscall.dur_ns : ev->ts_ns;
}

size_t nxr_codec_encode(struct nxr_codec *c, const struct nxr_event *ev, uint8_t *out)
{
	uint8_t *p = out, *body, *end;
	uint64_t key = time_key(ev);
	size_t blen;
	unsigned tag, lenlen;

	tag = ev->kind < NXR_TAG_KIND_ESC ? ev->kind : NXR_TAG_KIND_ESC;
	if (ev->pid == c->pid && ev->tid == c->tid)
		tag |= NXR_TAG_SAME_TASK;
	else if (ev->tid == ev->pid)
		tag |= NXR_TAG_TID_IS_PID;
	*p++ = (uint8_t)tag;
	if ((tag & NXR_TAG_KIND_MASK) == NXR_TAG_KIND_ESC)
		p = nxr_put_varint_wide(p, ev->kind);
	if (!(tag & NXR_TAG_SAME_TASK)) {
		p = nxr_put_varint_wide(p, ev->pid);
		if (!(tag & NXR_TAG_TID_IS_PID))
			p = nxr_put_varint_wide(p, ev->tid);
	}
	/* one byte reserved for the body length, moved along if it needs more */
	body = p + 1;
	end = nxr_put_varint_wide(body, nxr_zigzag((int64_t)(key - c->key)));
	switch (ev->kind) {
#define ENC_CASE(KIND, id, member, str)		\
	case id:				\
		end = enc_##member(c, end, ev);	\
		break;
	NX_KINDS(ENC_CASE)
#undef ENC_CASE
	}
	blen = (size_t)(end - body);
	lenlen = nxr_varint_len(blen);
	if (lenlen > 1)
		memmove(body + lenlen - 1, body, blen);
	nxr_put_varint(p, blen);
	c->key = key;
	c->pid = ev->pid;
	c->tid = ev->tid;
	return (size_t)(p + lenlen + blen - out);
}

/* ---- decode ---- */

#define GET_U32(dst)								\
	if (nxr_get_varint_wide(&p, end, limit, &v) || v > UINT32_MAX)	\
		return -1;							\
	dst = (uint32_t)v;
#define GET_U64(dst)								\
	if (nxr_get_varint_wide(&p, end, limit, &v))				\
		return -1;							\
	dst = v;
#define GET_S64(dst)								\
	if (nxr_get_varint_wide(&p, end, limit, &v))				\
		return -1;							\
	dst = nxr_unzigzag(v);
#define GET_STR(dst)								\
	if (nxr_get_varint_wide(&p, end, limit, &v) || v > NXR_MAX_EVENT_STR ||	\
	    v > (uint64_t)(end - p))						\
		return -1;							\
	dst.ptr = (const char *)p;						\
	dst.len = (uint32_t)v;							\
	p += v;
/* present fields land in the kind's previous record, which then is the event */
#define GET_FIELD(C, T, name, doc)						\
	if (m & (1ull << bit)) {						\
		GET_##T(c->prev.C.name)						\
	}									\
	bit++;

/* 1 ok, -1 corrupt. Present fields past the known ones (appended by a newer
 * writer) are left for the caller to skip with the body. The body ends at
 * end; bytes up to limit (>= end) may be loaded, never used. */
#define DEC_KIND(KIND, id, member, str)							\
	static inline int dec_##member(struct nxr_codec *c, const uint8_t *p,		\
				       const uint8_t *end, const uint8_t *limit,	\
				       struct nxr_event *ev)				\
	{										\
		uint64_t m, v;								\
		unsigned bit = 0;							\
											\
		if (nxr_get_varint_wide(&p, end, limit, &m))				\
			return -1;							\
		NX_FIELDS_##KIND(GET_FIELD, member)					\
		(void)v;								\
		ev->member = c->prev.member;						\
		return 1;								\
	}
NX_KINDS(DEC_KIND)
#undef DEC_KIND

int nxr_codec_decode(struct nxr_codec *c, const uint8_t **pp, const uint8_t *end,
		     struct nxr_event *ev)
{
	const uint8_t *p = *pp, *bend;
	uint64_t v, kind, blen;
	unsigned tag;
	int rc;

	if (p >= end)
		return -1;
	tag = *p++;
	if (tag & 0x80)
		return -1;
	kind = tag & NXR_TAG_KIND_MASK;
	if (kind == NXR_TAG_KIND_ESC) {
		if (nxr_get_varint_wide(&p, end, end, &kind) || kind < NXR_TAG_KIND_ESC ||
		    kind > UINT32_MAX)
			return -1;
	}
	if (kind == 0)
		return -1;
	if (tag & NXR_TAG_SAME_TASK) {
		if (tag & NXR_TAG_TID_IS_PID)
			return -1;
	} else {
		if (nxr_get_varint_wide(&p, end, end, &v) || v > UINT32_MAX)
			return -1;
		c->pid = (uint32_t)v;
		if (tag & NXR_TAG_TID_IS_PID) {
			c->tid = c->pid;
		} else {
			if (nxr_get_varint_wide(&p, end, end, &v) || v > UINT32_MAX)
				return -1;
			c->tid = (uint32_t)v;
		}
	}
	if (nxr_get_varint_wide(&p, end, end, &blen) || blen == 0 || blen > NXR_MAX_EVENT_BYTES ||
	    blen > (uint64_t)(end - p))
		return -1;
	bend = p + blen;
	if (nxr_get_varint_wide(&p, bend, end, &v))
		return -1;
	c->key += (uint64_t)nxr_unzigzag(v);
	ev->kind = (uint32_t)kind;
	ev->pid = c->pid;
	ev->tid = c->tid;
	ev->ts_ns = c->key;
	*pp = bend;
	switch (kind) {
#define DEC_CASE(KIND, id, member, str)			\
	case id:					\
		rc = dec_##member(c, p, bend, end, ev);	\
		break;
	NX_KINDS(DEC_CASE)
#undef DEC_CASE
	default:
		return 0;	/* a kind from a newer writer: skipped by its length */
	}
	if (rc == 1 && kind == NX_KIND_SYSCALL)
		ev->ts_ns -= ev->syscall.dur_ns;	/* the key was its exit time */
	return rc;
}
