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

/* The multi-symbol table's index width: every code that ends within the
 * next NXR_HUFF_MBITS bits (at most 7 of them) from one lookup; 2^7
 * entries, cheap to build per column (mtab holds 2 x 2^7: the levels
 * below are used while building it) */
#define NXR_HUFF_MBITS 7u

struct nxr_huff_dec {
	unsigned nsym, bits;		/* lookup index width: the longest code */
	uint16_t lut[1u << NXR_HUFF_MAXLEN];	/* symbol << 4 | code length */
	/* nxr_huff_multi_init(): bits 0-3 the bits taken, 4-7 the codes
	 * (0: the first code is longer than NXR_HUFF_MBITS), then their
	 * symbols, a byte each, the first in bits 8-15 (the last byte 0) */
	/* the entries of each window width b at 2^b: those of NXR_HUFF_MBITS
	 * bits, the ones decoding uses, from 2^NXR_HUFF_MBITS on */
	uint64_t mtab[2u << NXR_HUFF_MBITS];
	uint8_t map[256];		/* the byte each symbol decodes to */
	/* nxr_huff_table_get_x(): code length | (code length + the
	 * symbol's extra bits) << 4 | symbol << 11, by the next bits */
	uint32_t xlut[1u << NXR_HUFF_MAXLEN];
};

/* Reads a table of nsym symbols from [*pp, end) and advances *pp. 0, or
 * -EBADMSG: truncated, a length over NXR_HUFF_MAXLEN, not a complete code. */
int nxr_huff_table_get(struct nxr_huff_dec *d, unsigned nsym, const uint8_t **pp,
		       const uint8_t *end);
/* The same, the lookup table xlut[] instead of lut[]: each entry also
 * holds the code's length plus xb[symbol] (<= 64), the raw bits that
 * follow the symbol's code (LOGH), so that a stream's next position is one
 * lookup away (nsym <= 4096) */
int nxr_huff_table_get_x(struct nxr_huff_dec *d, unsigned nsym, const uint8_t **pp,
			 const uint8_t *end, const uint8_t *xb);

/* Builds d's multi-symbol table from its code (nsym <= 256, asserted): symbol k
 * decodes to map[k], or to k when map is NULL. */
void nxr_huff_multi_init(struct nxr_huff_dec *d, const uint8_t *map);

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
	/* no raw bits, symbols (HUFF's differences, its large alphabets):
	 * four codes of each stream a load (4 x 12 bits of its 57), each
	 * step waiting only for the shift of the one before; a position past
	 * its stream stops the steps, and the checks below reject it */
	if (s == 0 && sym) {
		const uint64_t mask = (1ull << h->bits) - 1;

		for (; i + 8 <= n && p0 <= l0 && p1 <= l1; i += 8) {
			uint64_t w0 = nxr_bits_peek(bits, p0), w1 = nxr_bits_peek(bits, p1);

			for (int k = 0; k < 8; k += 2) {
				unsigned e0 = h->lut[w0 & mask], e1 = h->lut[w1 & mask];

				out[i + k] = sym[e0 >> 4];
				out[i + k + 1] = sym[e1 >> 4];
				w0 >>= e0 & 15u;
				w1 >>= e1 & 15u;
				p0 += e0 & 15u;
				p1 += e1 & 15u;
			}
		}
		if (p0 > l0 || p1 > l1)	/* (every load below at a position within) */
			return false;
	}
	for (; i + 2 <= n; i += 2)
		if (!nxr_huff_one(h, bits, &p0, l0, s, sym, &out[i]) ||
		    !nxr_huff_one(h, bits, &p1, l1, s, sym, &out[i + 1]))
			return false;
	if (i < n && !nxr_huff_one(h, bits, &p0, l0, s, sym, &out[i]))
		return false;
	return (p0 + 7) / 8 == nb0 && (p1 - l0 + 7) / 8 == nb - nb0;
}

/* The multi-symbol entry for the next bits w: a code longer than
 * NXR_HUFF_MBITS (rare) as an entry of one symbol from the full table */
static NXR_ALWAYS_INLINE uint64_t nxr_huff_mlook(const struct nxr_huff_dec *h, uint64_t w)
{
	uint64_t e = h->mtab[(1u << NXR_HUFF_MBITS) + (w & ((1u << NXR_HUFF_MBITS) - 1))];

	if (__builtin_expect(!(e & 0xf0), 0)) {
		unsigned ent = h->lut[w & ((1ull << h->bits) - 1)];

		e = (ent & 15u) | 1u << 4 | (uint64_t)h->map[ent >> 4] << 8;
	}
	return e;
}

/* One stream's values from bit *pos (its end lim) into out[i..need), one
 * at a time: the last few, which a multi-symbol step could overrun */
static NXR_ALWAYS_INLINE bool nxr_huff_bytes_tail(const struct nxr_huff_dec *h,
						  const uint8_t *bits, uint64_t *pos,
						  uint64_t lim, size_t i, size_t need, uint8_t *out)
{
	uint64_t p = *pos, mask = (1ull << h->bits) - 1;

	for (; i < need; i++) {
		unsigned ent;

		if (p > lim)
			return false;
		ent = h->lut[nxr_bits_peek(bits, p) & mask];
		out[i] = h->map[ent >> 4];
		p += ent & 15u;
	}
	*pos = p;
	return p <= lim;
}

/*
 * nxr_huff_decode()'s two streams (s = 0, nsym <= 256, the multi-symbol
 * table built) into bytes: the values at even places into out0
 * (ceil(n / 2) of them), those at odd places into out1, each with 8
 * writable bytes past them. One lookup takes every code that ends within
 * the next NXR_HUFF_MBITS bits (up to 7), so a stream of 1-2 bit codes
 * (move-to-front indices) advances several values per step of its chain;
 * the two chains run side by side. Same checks as nxr_huff_decode(): a
 * position past its stream's end stops the steps, and rejects.
 */
static inline bool nxr_huff_decode_bytes(const struct nxr_huff_dec *h, const uint8_t *bits,
					 uint64_t nb, uint64_t nb0, size_t n, uint8_t *out0,
					 uint8_t *out1)
{
	uint64_t p0 = 0, p1 = nb0 * 8, l0 = nb0 * 8, l1 = nb * 8;
	size_t i0 = 0, i1 = 0, n0 = (n + 1) / 2, n1 = n / 2;

	if (nb0 > nb)
		return false;
	/* four steps a load: their codes take at most 4 x 12 of its 57 bits,
	 * and each step then waits only for the shift of the one before, not
	 * for a load at the position it leaves */
	while (i0 + 28 <= n0 && i1 + 28 <= n1 && p0 <= l0 && p1 <= l1) {
		uint64_t w0 = nxr_bits_peek(bits, p0), w1 = nxr_bits_peek(bits, p1);

		for (int k = 0; k < 4; k++) {
			uint64_t e0 = nxr_huff_mlook(h, w0), e1 = nxr_huff_mlook(h, w1);

			nxr_store_le64(out0 + i0, e0 >> 8);
			nxr_store_le64(out1 + i1, e1 >> 8);
			i0 += (e0 >> 4) & 15u;
			i1 += (e1 >> 4) & 15u;
			w0 >>= e0 & 15u;
			w1 >>= e1 & 15u;
			p0 += e0 & 15u;
			p1 += e1 & 15u;
		}
	}
	while (i0 + 7 <= n0 && i1 + 7 <= n1 && p0 <= l0 && p1 <= l1) {
		uint64_t e0 = nxr_huff_mlook(h, nxr_bits_peek(bits, p0));
		uint64_t e1 = nxr_huff_mlook(h, nxr_bits_peek(bits, p1));

		nxr_store_le64(out0 + i0, e0 >> 8);
		nxr_store_le64(out1 + i1, e1 >> 8);
		i0 += (e0 >> 4) & 15u;
		i1 += (e1 >> 4) & 15u;
		p0 += e0 & 15u;
		p1 += e1 & 15u;
	}
	for (; i0 + 7 <= n0 && p0 <= l0;) {	/* (one stream has more values) */
		uint64_t e0 = nxr_huff_mlook(h, nxr_bits_peek(bits, p0));

		nxr_store_le64(out0 + i0, e0 >> 8);
		i0 += (e0 >> 4) & 15u;
		p0 += e0 & 15u;
	}
	for (; i1 + 7 <= n1 && p1 <= l1;) {
		uint64_t e1 = nxr_huff_mlook(h, nxr_bits_peek(bits, p1));

		nxr_store_le64(out1 + i1, e1 >> 8);
		i1 += (e1 >> 4) & 15u;
		p1 += e1 & 15u;
	}
	if (!nxr_huff_bytes_tail(h, bits, &p0, l0, i0, n0, out0) ||
	    !nxr_huff_bytes_tail(h, bits, &p1, l1, i1, n1, out1))
		return false;
	return (p0 + 7) / 8 == nb0 && (p1 - l0 + 7) / 8 == nb - nb0;
}

#endif
