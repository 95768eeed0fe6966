/*
 * format/huff.c: length-limited canonical Huffman codes (see huff.h).
 *
 * Building: the code lengths of a Huffman tree over the used symbols (two
 * queues over the symbols sorted by count); when a length passes
 * NXR_HUFF_MAXLEN the counts are halved (kept >= 1) and the tree built
 * again, which flattens it; a few rounds always end, as equal counts give
 * lengths of at most ceil(log2(nsym)) <= NXR_HUFF_MAXLEN. Codes are then
 * assigned canonically: by length, then by symbol.
 *
 * Invariants: a table read from a file is accepted only when its lengths
 * form a complete prefix code (Kraft sum exactly 1) or name one symbol, so
 * every entry of the lookup table is filled and decoding never meets a
 * hole; nothing read sizes an allocation.
 */
#include "format/huff.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hsym {
	uint32_t count;
	uint16_t sym;
};

/* Sorts s[0..m) by count, stably (ties stay in symbol order): a byte of the
 * count at a time, as many passes as the largest count has bytes. */
static void sort_by_count(struct hsym *s, struct hsym *tmp, unsigned m)
{
	uint32_t mx = 0;

	for (unsigned i = 0; i < m; i++)
		mx |= s[i].count;
	for (unsigned sh = 0; sh < 32 && mx >> sh; sh += 8) {
		unsigned cnt[257] = { 0 };

		for (unsigned i = 0; i < m; i++)
			cnt[((s[i].count >> sh) & 255u) + 1]++;
		for (unsigned b = 1; b < 257; b++)
			cnt[b] += cnt[b - 1];
		for (unsigned i = 0; i < m; i++)
			tmp[cnt[(s[i].count >> sh) & 255u]++] = s[i];
		memcpy(s, tmp, m * sizeof(*s));
	}
}

/* Code lengths of the m (>= 2) used symbols, sorted by count, into depth[];
 * the longest. Two queues: leaves in order, internal nodes as made. */
static unsigned tree_lengths(const struct hsym *s, unsigned m, uint32_t *wt, uint16_t *parent,
			     uint8_t *depth)
{
	unsigned leaf = 0, node = m, made = m, maxd = 0;

	for (unsigned i = 0; i < m; i++)
		wt[i] = s[i].count;
	/* nodes m .. 2m-2; parent[] indexes them */
	for (; made < 2 * m - 1; made++) {
		unsigned pick[2];

		for (int k = 0; k < 2; k++) {
			if (leaf < m && (node >= made || wt[leaf] <= wt[node]))
				pick[k] = leaf++;
			else
				pick[k] = node++;
		}
		wt[made] = wt[pick[0]] + wt[pick[1]];
		parent[pick[0]] = parent[pick[1]] = (uint16_t)made;
	}
	depth[2 * m - 2] = 0;
	for (unsigned i = 2 * m - 2; i-- > 0;) {
		depth[i] = (uint8_t)(depth[parent[i]] + 1);
		if (i < m && depth[i] > maxd)
			maxd = depth[i];
	}
	return maxd;
}

/* The 16 bits of x in reverse order */
static inline unsigned rev16(unsigned x)
{
	x = ((x & 0x5555u) << 1) | ((x >> 1) & 0x5555u);
	x = ((x & 0x3333u) << 2) | ((x >> 2) & 0x3333u);
	x = ((x & 0x0f0fu) << 4) | ((x >> 4) & 0x0f0fu);
	return ((x & 0x00ffu) << 8) | ((x >> 8) & 0x00ffu);
}

/* The first canonical code of each length 1..maxl into next[], from the
 * number of codes of each length (nlen[0], unused symbols, ignored): the
 * one rule writer and reader share. */
static void first_codes(const unsigned *nlen, unsigned maxl, unsigned *next)
{
	unsigned code = 0;

	for (unsigned l = 1; l <= maxl; l++) {
		code = (code + (l > 1 ? nlen[l - 1] : 0)) << 1;
		next[l] = code;
	}
}

/* The next code of length l (>= 1), bit-reversed: the stream's order */
static inline unsigned take_code(unsigned *next, unsigned l)
{
	return rev16(next[l]++) >> (16 - l);
}

/* Canonical codes from h->len: by length, then symbol; stored bit-reversed. */
static void assign_codes(struct nxr_huff_enc *h)
{
	unsigned nlen[NXR_HUFF_MAXLEN + 1] = { 0 }, next[NXR_HUFF_MAXLEN + 1];

	for (unsigned i = 0; i < h->nsym; i++)
		nlen[h->len[i]]++;
	first_codes(nlen, NXR_HUFF_MAXLEN, next);
	for (unsigned i = 0; i < h->nsym; i++)
		h->code[i] = h->len[i] ? (uint16_t)take_code(next, h->len[i]) : 0;
}

int nxr_huff_build(struct nxr_huff_enc *h, const uint32_t *count, unsigned nsym)
{
	struct hsym *s, *tmp;
	uint32_t *wt;
	uint16_t *parent;
	uint8_t *depth;
	void *mem = NULL;
	unsigned m = 0;

	if (nsym == 0 || nsym > NXR_HUFF_MAXSYM)
		return -EINVAL;
	h->nsym = nsym;
	memset(h->len, 0, nsym);
	for (unsigned i = 0; i < nsym; i++)
		m += count[i] != 0;
	if (m <= 1) {
		/* one symbol (or none): 0 bits when it is the alphabet, else
		 * two codes of 1 bit, so that the table is a complete code */
		unsigned u = 0;

		while (u < nsym - 1 && !count[u])
			u++;
		if (nsym >= 2) {
			h->len[u] = 1;
			h->len[u ? 0 : 1] = 1;
		}
		assign_codes(h);
		return 0;
	}
	/* one block: the symbols twice (sorting), 2m weights, parents, depths */
	mem = malloc(m * (2 * sizeof(*s) + 2 * sizeof(*wt) + 2 * sizeof(*parent) + 2));
	if (!mem)
		return -ENOMEM;
	s = mem;
	tmp = s + m;
	wt = (uint32_t *)(tmp + m);
	parent = (uint16_t *)(wt + 2 * m);
	depth = (uint8_t *)(parent + 2 * m);
	m = 0;
	for (unsigned i = 0; i < nsym; i++)
		if (count[i])
			s[m++] = (struct hsym){ count[i], (uint16_t)i };
	for (;;) {
		sort_by_count(s, tmp, m);
		if (tree_lengths(s, m, wt, parent, depth) <= NXR_HUFF_MAXLEN)
			break;
		for (unsigned i = 0; i < m; i++)
			s[i].count = (s[i].count >> 1) | 1;
	}
	for (unsigned i = 0; i < m; i++)
		h->len[s[i].sym] = depth[i];
	assign_codes(h);
	free(mem);
	return 0;
}

uint64_t nxr_huff_cost(const struct nxr_huff_enc *h, const uint32_t *count)
{
	uint64_t bits = 0;

	for (unsigned i = 0; i < h->nsym; i++)
		bits += (uint64_t)count[i] * h->len[i];
	return bits;
}

size_t nxr_huff_table_size(unsigned nsym)
{
	return nsym <= 1 ? 0 : (nsym + 1) / 2;
}

uint8_t *nxr_huff_table_put(uint8_t *p, const struct nxr_huff_enc *h)
{
	if (h->nsym <= 1)
		return p;
	for (unsigned i = 0; i < h->nsym; i += 2)
		*p++ = (uint8_t)(h->len[i] | (i + 1 < h->nsym ? h->len[i + 1] << 4 : 0));
	return p;
}

static int table_get(struct nxr_huff_dec *d, unsigned nsym, const uint8_t **pp,
		     const uint8_t *end, const uint8_t *xb)
{
	uint8_t len[NXR_HUFF_MAXSYM];
	unsigned nlen[NXR_HUFF_MAXLEN + 1] = { 0 }, next[NXR_HUFF_MAXLEN + 1];
	unsigned maxl = 0;
	uint32_t kraft = 0;
	const uint8_t *p = *pp;
	size_t tb = nxr_huff_table_size(nsym);

	if (nsym == 0 || nsym > NXR_HUFF_MAXSYM)
		return -EBADMSG;
	d->nsym = nsym;
	if (nsym == 1) {
		d->bits = 0;
		d->lut[0] = 0;	/* symbol 0, 0 bits */
		if (xb)
			d->xlut[0] = (uint32_t)xb[0] << 4;
		return 0;
	}
	if ((size_t)(end - p) < tb)
		return -EBADMSG;
	for (unsigned i = 0; i < nsym; i++) {
		unsigned l = (p[i / 2] >> (4 * (i & 1))) & 15u;

		if (l > NXR_HUFF_MAXLEN)
			return -EBADMSG;
		len[i] = (uint8_t)l;
		nlen[l]++;
		if (l) {
			kraft += 1u << (NXR_HUFF_MAXLEN - l);
			maxl = l > maxl ? l : maxl;
		}
	}
	/* odd nsym: the last byte's high half must be 0 (one coding per table) */
	if ((nsym & 1) && p[tb - 1] >> 4)
		return -EBADMSG;
	if (kraft != 1u << NXR_HUFF_MAXLEN)
		return -EBADMSG;
	first_codes(nlen, maxl, next);
	d->bits = maxl;
	for (unsigned i = 0; i < nsym; i++) {
		unsigned l = len[i];

		if (!l)
			continue;
		if (xb) {
			uint32_t e = l | (uint32_t)(l + xb[i]) << 4 | i << 11;

			for (unsigned k = take_code(next, l); k < 1u << maxl; k += 1u << l)
				d->xlut[k] = e;
			continue;
		}
		for (unsigned k = take_code(next, l); k < 1u << maxl; k += 1u << l)
			d->lut[k] = (uint16_t)(i << 4 | l);
	}
	*pp = p + tb;
	return 0;
}

int nxr_huff_table_get(struct nxr_huff_dec *d, unsigned nsym, const uint8_t **pp,
		       const uint8_t *end)
{
	return table_get(d, nsym, pp, end, NULL);
}

int nxr_huff_table_get_x(struct nxr_huff_dec *d, unsigned nsym, const uint8_t **pp,
			 const uint8_t *end, const uint8_t *xb)
{
	return table_get(d, nsym, pp, end, xb);
}

/*
 * The multi-symbol table, from the shortest windows up: the entry of a
 * window of b bits x is x's first code (when it ends within the b bits)
 * followed by the entry of the b - l bits after it, so each entry is one
 * step (2^(NXR_HUFF_MBITS + 1) of them), not a decode of up to 7 codes. A
 * window of 7 bits holds at most 7 codes of 1 bit or more, so the symbols
 * always fit; codes of 0 bits (one symbol) are 7 to an entry.
 */
void nxr_huff_multi_init(struct nxr_huff_dec *d, const uint8_t *map)
{
	uint64_t mask = (1ull << d->bits) - 1, *t = d->mtab;

	assert(d->nsym <= sizeof(d->map));
	for (unsigned k = 0; k < d->nsym; k++)
		d->map[k] = map ? map[k] : (uint8_t)k;
	if (!d->bits) {
		for (unsigned w = 0; w < 1u << NXR_HUFF_MBITS; w++)
			t[(1u << NXR_HUFF_MBITS) + w] =
				0x01010101010101ull * d->map[0] << 8 | 7u << 4;
		return;
	}
	t[1] = 0;	/* a window of 0 bits: no code */
	for (unsigned b = 1; b <= NXR_HUFF_MBITS; b++) {
		uint64_t *tb = t + (1u << b);

		for (unsigned x = 0; x < 1u << b; x++) {
			unsigned ent = d->lut[x & mask], l = ent & 15u;
			uint64_t r;

			if (l > b) {
				tb[x] = 0;
				continue;
			}
			r = t[(1u << (b - l)) + (x >> l)];
			tb[x] = (r >> 8) << 16 | (uint64_t)d->map[ent >> 4] << 8 |
				(((r >> 4) & 15u) + 1) << 4 | ((r & 15u) + l);
		}
	}
}
