#ifndef NX_FORMAT_BYTES_H	/* format/bytes.h: little-endian integers and varints */
#define NX_FORMAT_BYTES_H
/*
 * Explicit byte-order helpers: file bytes are never cast to structs. The
 * put_* functions write to a buffer the caller has sized; the get_*
 * functions read from [p, end) and never read past end.
 *
 * Varints are LEB128: 7 bits per byte, least significant group first, high
 * bit set on every byte but the last; at most 10 bytes for 64 bits. Signed
 * values are zigzag-mapped first (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...).
 */
#include <stdint.h>
#include <string.h>

#define NXR_VARINT_MAX 10

static inline void nxr_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void nxr_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void nxr_put_le64(uint8_t *p, uint64_t v)
{
	nxr_put_le32(p, (uint32_t)v);
	nxr_put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t nxr_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t nxr_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t nxr_get_le64(const uint8_t *p)
{
	return (uint64_t)nxr_get_le32(p) | (uint64_t)nxr_get_le32(p + 4) << 32;
}

static inline uint64_t nxr_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t nxr_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Writes v at p (room for NXR_VARINT_MAX bytes); returns the byte after. */
static inline uint8_t *nxr_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline unsigned nxr_varint_len(uint64_t v)
{
	unsigned n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/*
 * Reads a varint from [*pp, end) into *v and advances *pp. Returns 0, or -1
 * when the bytes end first or the value has more than 10 bytes (*pp is then
 * unspecified). A 10th byte may only carry the top bit of 64.
 */
static inline int nxr_get_varint_slow(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;
	unsigned shift = 0;

	while (p < end) {
		uint8_t b = *p++;

		if (shift == 63 && b > 1)
			return -1;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*v = r;
			*pp = p;
			return 0;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return -1;
}

static inline int nxr_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (p < end && *p < 0x80) {	/* the common one-byte case */
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && p[1] < 0x80) {	/* two bytes: time deltas, durations */
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	return nxr_get_varint_slow(pp, end, v);
}

/*
 * The codec's fast paths (format/codec.c): the same varints, moved as one
 * unaligned 64-bit little-endian word. nxr_put_varint_wide() may write up to
 * 8 bytes at p even when v needs fewer (its caller reserves NXR_VARINT_MAX).
 * nxr_get_varint_wide() reads 8 bytes at *pp, so it needs *pp + 8 <= limit;
 * the varint itself must end by end (<= limit), as for nxr_get_varint().
 */
static inline uint64_t nxr_load_le64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

static inline void nxr_store_le64(uint8_t *p, uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	memcpy(p, &x, 8);
}

#define NXR_ALWAYS_INLINE inline __attribute__((always_inline))

static NXR_ALWAYS_INLINE uint8_t *nxr_put_varint_wide(uint8_t *p, uint64_t v)
{
	uint64_t x;
	unsigned n;

	if (v < 0x80) {
		*p = (uint8_t)v;
		return p + 1;
	}
	if (v < 0x4000) {	/* two bytes: time deltas, durations, masks */
		p[0] = (uint8_t)(v | 0x80);
		p[1] = (uint8_t)(v >> 7);
		return p + 2;
	}
	if (v >> 56)
		return nxr_put_varint(p, v);
	/* spread 56 bits into 8 groups of 7, one per byte */
	x = (v & 0x000000000fffffffull) | (v & 0x00fffffff0000000ull) << 4;
	x = (x & 0x00003fff00003fffull) | (x & 0x0fffc0000fffc000ull) << 2;
	x = (x & 0x007f007f007f007full) | (x & 0x3f803f803f803f80ull) << 1;
	n = (unsigned)(63 - __builtin_clzll(v)) / 7;	/* bytes - 1, 2..7 */
	x |= 0x8080808080808080ull & ((1ull << (8 * n)) - 1);
	nxr_store_le64(p, x);
	return p + n + 1;
}

static NXR_ALWAYS_INLINE int nxr_get_varint_wide(const uint8_t **pp, const uint8_t *end,
						 const uint8_t *limit, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x, stop;
	unsigned n;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && p[1] < 0x80) {
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	if (limit - p < 8)
		return nxr_get_varint_slow(pp, end, v);
	x = nxr_load_le64(p);
	stop = ~x & 0x8080808080808080ull;
	if (!stop)
		return nxr_get_varint_slow(pp, end, v);	/* 9 or 10 bytes */
	n = ((unsigned)__builtin_ctzll(stop) + 1) >> 3;	/* bytes, 1..8 */
	if ((size_t)(end - p) < n)
		return -1;
	x &= ((stop & -stop) << 1) - 1;
	/* gather the 7-bit groups back into 56 bits */
	x = (x & 0x007f007f007f007full) | (x & 0x7f007f007f007f00ull) >> 1;
	x = (x & 0x00003fff00003fffull) | (x & 0x3fff00003fff0000ull) >> 2;
	x = (x & 0x000000000fffffffull) | (x & 0x0fffffff00000000ull) >> 4;
	*v = x;
	*pp = p + n;
	return 0;
}

#endif
