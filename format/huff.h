#ifndef NX_FORMAT_HUFF_H	/* format/huff.h: length-limited canonical Huffman codes */
#define NX_FORMAT_HUFF_H
/*
 * A static Huffman code over an alphabet of nsym symbols (0 .. nsym-1), for
 * the entropy-coded columns (FORMAT.md, "Columns", HUFF). The writer counts
 * its symbols, builds a code (no code longer than NXR_HUFF_MAXLEN bits),
 * stores its table and writes codes into a bit stream; the reader reads the
 * table (checked: a complete prefix code, or a single symbol) into a lookup
 * table of 2^bits entries and decodes a symbol with one load and one lookup.
 *
 * Bit streams are little-endian, least significant bit first; a code is
 * stored bit-reversed so that the next `bits` bits of the stream index the
 * lookup table directly. Tables: nsym = 1 stores nothing (the symbol costs
 * 0 bits); nsym >= 2 stores each symbol's code length (0 = unused, 1 ..
 * NXR_HUFF_MAXLEN) in 4 bits, two per byte, the even symbol in the low half.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bytes.h"

#define NXR_HUFF_MAXLEN 12u
#define NXR_HUFF_MAXSYM 4096u

struct nxr_huff_enc {
	unsigned nsym;
	uint8_t len[NXR_HUFF_MAXSYM];	/* code length, 0 for an unused symbol */
	uint16_t code[NXR_HUFF_MAXSYM];	/* the code, bit-reversed (written LSB first) */
};

/* Builds the code of count[0..nsym) (1 <= nsym <= NXR_HUFF_MAXSYM; counts
 * may be 0). 0, or -EINVAL for a bad nsym. */
int nxr_huff_build(struct nxr_huff_enc *h, const uint32_t *count, unsigned nsym);
/* Bits the symbols of count[] take in h's code. */
uint64_t nxr_huff_cost(const struct nxr_huff_enc *h, const uint32_t *count);
/* Bytes of h's table; nxr_huff_table_put() writes them at p, returns the byte after. */
size_t nxr_huff_table_size(unsigned nsym);
uint8_t *nxr_huff_table_put(uint8_t *p, const struct nxr_huff_enc *h);

struct nxr_huff_dec {
	unsigned nsym, bits;		/* lookup index width: the longest code */
	uint16_t lut[1u << NXR_HUFF_MAXLEN];	/* symbol << 4 | code length */
};

/* Reads a table of nsym symbols from [*pp, end) and advances *pp. 0, or
 * -EBADMSG: truncated, a length over NXR_HUFF_MAXLEN, not a complete code. */
int nxr_huff_table_get(struct nxr_huff_dec *d, unsigned nsym, const uint8_t **pp,
		       const uint8_t *end);

/* ---- bit streams ---- */

struct nxr_bitw {
	uint8_t *p;
	uint64_t acc;
	unsigned n;			/* bits in acc, < 8 between calls */
};

static inline void nxr_bitw_init(struct nxr_bitw *b, uint8_t *p)
{
	b->p = p;
	b->acc = 0;
	b->n = 0;
}

/* Appends the nb (<= 56) low bits of v (no bits above them set). Stores 8
 * bytes at b->p: the buffer has room for the stream plus 8 bytes. */
static inline void nxr_bitw_put(struct nxr_bitw *b, uint64_t v, unsigned nb)
{
	b->acc |= v << b->n;
	b->n += nb;
	nxr_store_le64(b->p, b->acc);
	b->p += b->n >> 3;
	b->acc >>= b->n & ~7u;	/* n <= 63: a shift below 64 */
	b->n &= 7;
}

/* Ends the stream; returns the byte after its last (partial) byte. */
static inline uint8_t *nxr_bitw_end(struct nxr_bitw *b)
{
	if (b->n)
		*b->p++ = (uint8_t)b->acc;
	b->acc = 0;
	b->n = 0;
	return b->p;
}

/* The next 57 or more bits at bit pos of p (8 readable bytes at pos / 8). */
static inline uint64_t nxr_bits_peek(const uint8_t *p, uint64_t pos)
{
	return nxr_load_le64(p + (pos >> 3)) >> (pos & 7);
}

/* Appends symbol k's code, then the s (<= 32) low bits of low. */
static inline void nxr_huff_put(struct nxr_bitw *b, const struct nxr_huff_enc *h, unsigned k,
				uint64_t low, unsigned s)
{
	nxr_bitw_put(b, h->code[k] | (s ? low & ((1ull << s) - 1) : 0) << h->len[k], h->len[k] + s);
}

/* One value from a stream at bit *pos (<= its end, lim): the code, then s
 * raw bits; false when they run past lim. */
static NXR_ALWAYS_INLINE bool nxr_huff_one(const struct nxr_huff_dec *h, const uint8_t *bits,
					   uint64_t *pos, uint64_t lim, unsigned s,
					   const uint64_t *sym, uint64_t *out)
{
	uint64_t w = nxr_bits_peek(bits, *pos), mask = (1ull << h->bits) - 1;
	unsigned ent = h->lut[w & mask], l = ent & 15u;

	*out = sym ? sym[ent >> 4] << s | ((w >> l) & ((1ull << s) - 1)) : ent >> 4;
	*pos += l + s;
	return *pos <= lim;
}

/*
 * Decodes n values from two streams, nb bytes at bits (8 more readable
 * after them): the values at even places from the first nb0 bytes, those
 * at odd places from the rest. Each value is a code, then s (<= 32) raw
 * bits; out[i] = sym[symbol] << s | raw bits, or the symbol when sym is
 * NULL (then s = 0). A value's place in its stream waits for the code
 * before it: two streams are two such chains, side by side. Each load is
 * made at a bit position within its stream, so it reads at most 8 bytes
 * past the stream (a value takes at most 12 + 32 bits). false when codes
 * run past their stream, or a stream ends before its last byte.
 */
static NXR_ALWAYS_INLINE bool nxr_huff_decode(const struct nxr_huff_dec *h, const uint8_t *bits,
					      uint64_t nb, uint64_t nb0, size_t n, unsigned s,
					      const uint64_t *sym, uint64_t *out)
{
	uint64_t p0 = 0, p1 = nb0 * 8, l0 = nb0 * 8, l1 = nb * 8;
	size_t i = 0;

	if (nb0 > nb)
		return false;
	for (; i + 2 <= n; i += 2)
		if (!nxr_huff_one(h, bits, &p0, l0, s, sym, &out[i]) ||
		    !nxr_huff_one(h, bits, &p1, l1, s, sym, &out[i + 1]))
			return false;
	if (i < n && !nxr_huff_one(h, bits, &p0, l0, s, sym, &out[i]))
		return false;
	return (p0 + 7) / 8 == nb0 && (p1 - l0 + 7) / 8 == nb - nb0;
}

#endif
