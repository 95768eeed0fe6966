/*
 * format/colcodec.c: the column payload of a segment (FORMAT.md, "Column
 * payload", format 1.1).
 *
 * The writer stages a segment's events by field (one array per field of each
 * kind, plus the kind, task and time key of every event) and, at segment
 * close, codes every array as one column. A column is an integer sequence of
 * known length coded with one of six schemes, the cheapest for it:
 *  FOR    blocks of 128 values: width w, base (the block's signed minimum),
 *         then each value - base in w bits, packed little-endian. Uniform
 *         random low bits cost their entropy; constant blocks cost 2 bytes;
 *         a "patched" block keeps a few much larger values (time gaps,
 *         durations) out of the others' width.
 *  DELTA  the same blocks over the differences to the previous value.
 *  DICT   the distinct values (a nested column), then their indices in FOR
 *         blocks: for a few large values (addresses, sizes, flags).
 *  RLE    runs: their values and lengths as nested columns (kinds, tasks).
 *  TREP   one bit per value: "differs from this task's previous value in this
 *         column", then the values that differ (unused argument registers).
 *  TDELTA the differences to this task's previous value (pointers).
 * Format 1.2 adds HUFF, MTF and TMTF (entropy-coded, below); format 1.3
 * TNEAR, the nearest of this task's last 16 values in the column plus the
 * difference (pointers of processes whose bases ASLR draws anew), and ENTRY
 * keys (a syscall's key gap less its duration, added back after the
 * sections are read); format 1.4 LOGH, a Huffman code of each value's bit
 * length and top bits with the rest raw (times: a code per syscall number
 * for the durations), and TGAP keys (each event's entry time less its
 * task's last key).
 * The scheme is chosen on the whole column when it is short, else on a
 * sample of it (SAMPLE_RUNS x BLK values); FOR and DELTA costs come exactly
 * from block statistics. The choice is kept for the next MEMO_SEGS - 1
 * segments (streams change slowly; choosing is the costly part). Nesting is
 * at most two levels deep.
 *
 * The fields of a kind that has a selector field (named "nr" or "probe":
 * syscall number, probe id) are stored grouped by its value, so that one
 * block holds the durations, arguments and returns of one syscall; the
 * selector column itself stays in event order and tells the reader the
 * grouping.
 *
 * Invariants: the decoder reads only inside [p, p + len + NXR_COL_PAD),
 * and uses a byte past len only inside a 64-bit load whose extra bits it
 * masks off; every count it reads is checked against the segment's event
 * count, which the caller bounded by NXR_COL_MAX_EVENTS; it rejects values
 * their field cannot hold, exactly as the row decoder. Nesting depth is
 * bounded, so is recursion.
 */
#include "format/colcodec.h"

#define ZSTD_STATIC_LINKING_ONLY
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zstd.h>
#include <zstd_errors.h>
/* SSE2 paths (x86-64 always has it); NXR_COL_SCALAR builds the scalar
 * ones, which test_colcodec_scalar runs (Makefile) */
#if defined(__SSE2__) && !defined(NXR_COL_SCALAR)
#define COL_SSE2 1
#include <emmintrin.h>
#else
#define COL_SSE2 0
#endif
/* AVX2 paths, taken when the CPU has it (checked at run time; GCC and
 * clang on x86-64); the same scalar or SSE2 code otherwise */
#if COL_SSE2 && defined(__x86_64__) && defined(__GNUC__)
#define COL_AVX2 1
#include <immintrin.h>
#else
#define COL_AVX2 0
#endif

#include "format/bytes.h"
#include "format/huff.h"
#include "format/limits.h"

#define BLK 128u		/* values per FOR block */
#define COPY_FIELDS_MAX 7u	/* TCOPY (format 1.5): the fields it may code */
#define COPY_TRY 8u		/* ... the slots a writer compares a value with */
#define MAXF 16u		/* most fields a kind may have, for this build */
#define DEPTHS 3		/* column nesting levels: 0 top, 1 and 2 nested */
#define DICT_MAX 2048u		/* most distinct values a writer puts in a dictionary */
#define HM_DIRECT 4096u		/* map keys below this skip the hash */
#define SAMPLE_RUNS 8u		/* a long column's scheme is chosen on 8 x BLK values */
#define MEMO_SEGS 16u		/* ... in one segment of 16, and kept for the next 15 */
#define RECHOOSE_SPAN_NS 250000000u	/* ... but also in every one whose events span
					 * 250 ms: they came slowly enough (a full
					 * segment's at most 131 k a second) for its
					 * writer to code its syscalls twice */
#define TCACHE_BITS 6u		/* task_of()'s cache: 64 slots */
#define TCACHE (1u << TCACHE_BITS)
#define DT_SIZE (1u << 17)	/* a dictionary's direct table: values in [-DT_NEG, DT_SIZE - DT_NEG) */
#define DT_NEG (1u << 15)
#define DT_IXB 12u		/* its entries: tag << DT_IXB | index (< DICT_MAX) */
#define DH_BITS 12u		/* try_dict()'s hash table: slots, at most half of them used */
#define SG_DIRECT 1024u		/* syscall numbers below this find their group in a direct table */
#define SG_TAGB 9u		/* ... whose entries are tag << SG_TAGB | group */
#define LSLOT_BITS 14u		/* LIST's slot guesses: 16 KiB */
_Static_assert(NXR_COL_MAX_GROUPS < 1u << SG_TAGB, "group tags");
_Static_assert(DICT_MAX <= 1u << DT_IXB && 2 * DICT_MAX <= 1u << DH_BITS, "dictionary tables");
/* LOGH's symbols: sub bits below a value's top bit, 0-3 (format 1.4) */
#define LOGH_SUBS 4u
#define LOGH_NSYM(sub) ((2u << (sub)) + (63u - (sub)) * (1u << (sub)))
#define LOGH_MAXSYM LOGH_NSYM(3)
#define LOGH_GAIN_MIN 8u	/* a section's LOGH column saves n / 8 bytes, a bit a value */
#define LOGH_PREV_MAX 8u	/* (1.6) most classes of the syscall before with a
				 * part of their own in a group's part */
#define LOGH_PREV_MIN 32u	/* ... each of at least 32 values */
#define LOGH_PREV_GAIN_MIN 32u	/* ... kept where they take n / 32 bytes off */
/* the memo of a top-level column's i-th nested column (deeper ones have none) */
#define CHILD(memo, i) ((memo) && depth == 0 ? (memo) + (i) : NULL)

enum {
	M_FOR = 0, M_DELTA = 1, M_DICT = 2, M_RLE = 3, M_TREP = 4, M_TDELTA = 5, M_ZSTD = 6,
	M_HUFF = 7, M_MTF = 8, M_TMTF = 9,	/* format 1.2: NXR_INCOMPAT_ENTROPY */
	M_LIST = 10, M_TLIST = 11,		/* format 1.3: NXR_INCOMPAT_LISTS */
	M_TNEAR = 12, M_ENTRY = 13,		/* format 1.3: NXR_INCOMPAT_CONTEXT */
	M_LOGH = 14, M_TGAP = 15,		/* format 1.4: NXR_INCOMPAT_TIMING */
	M_TCOPY = 18, M_TGAPN = 19,		/* format 1.5: NXR_INCOMPAT_COPY */
	M_DECIDE = 255,		/* (encoder only: FOR or DELTA, whichever is smaller) */
	M_STR_RAW = 16, M_STR_ZSTD = 17,
};

/* ---- the kinds, from bpf/events.h ---- */

#define CNT_FIELD(C, T, name, doc) +1
#define TY_FIELD(C, T, name, doc) NXR_FT_##T,
#define KTY(KIND, id, member, str) \
	static const uint8_t kty_##member[] = { NX_FIELDS_##KIND(TY_FIELD, member) }; \
	_Static_assert(0 NX_FIELDS_##KIND(CNT_FIELD, member) <= MAXF, "too many fields");
NX_KINDS(KTY)
#undef KTY
#define KNF(KIND, id, member, str) [id] = 0 NX_FIELDS_##KIND(CNT_FIELD, member),
static const uint8_t knf[NX_KIND_MAX_ID + 1] = { NX_KINDS(KNF) };
#undef KNF
#define KTP(KIND, id, member, str) [id] = kty_##member,
static const uint8_t *const kty[NX_KIND_MAX_ID + 1] = { NX_KINDS(KTP) };
#undef KTP

/* Writer policy: the field a kind's others are grouped by, or -1. */
#define SEL_FIELD(C, T, name, doc)						\
	do {									\
		if (sel < 0 && (!strcmp(#name, "nr") || !strcmp(#name, "probe")))	\
			sel = bit;						\
		bit++;								\
	} while (0);
static int selector_field(uint32_t kind)
{
	int sel = -1, bit = 0;

	switch (kind) {
#define SEL_KIND(KIND, id, member, str) case id: NX_FIELDS_##KIND(SEL_FIELD, member) break;
	NX_KINDS(SEL_KIND)
#undef SEL_KIND
	}
	(void)bit;
	return sel;
}

/* Bits to hold x: 0 for 0. Without a branch: widths vary at random. */
static inline unsigned bitw(uint64_t x)
{
	return 64u - (unsigned)__builtin_clzll(x | 1) - (x == 0);
}

/* The index of x's highest set bit, x > 0: one bsr on x86-64 (GCC folds
 * 63 ^ clz into it, not 63 - clz where the result indexes an array) */
static inline unsigned top_bit(uint64_t x)
{
	return 63u ^ (unsigned)__builtin_clzll(x);
}

/* ---- a small hash map from u64 to u32, cleared by generation ---- */

struct hmap {
	uint64_t *k;
	uint32_t *v, *g;
	uint32_t *dv, *dg;	/* keys below HM_DIRECT: a direct table, no hashing */
	uint32_t gen, n;
	unsigned bits;
};

static void hm_free(struct hmap *h)
{
	free(h->k);
	free(h->v);
	free(h->g);
	free(h->dv);
	free(h->dg);
	memset(h, 0, sizeof(*h));
}

static int hm_alloc(struct hmap *h, unsigned bits)
{
	size_t n = (size_t)1 << bits;
	struct hmap x = { .bits = bits, .gen = 1 };

	x.k = malloc(n * sizeof(*x.k));
	x.v = malloc(n * sizeof(*x.v));
	x.g = calloc(n, sizeof(*x.g));
	x.dv = malloc(HM_DIRECT * sizeof(*x.dv));
	x.dg = calloc(HM_DIRECT, sizeof(*x.dg));
	if (!x.k || !x.v || !x.g || !x.dv || !x.dg) {
		hm_free(&x);
		return -ENOMEM;
	}
	hm_free(h);
	*h = x;
	return 0;
}

static void hm_clear(struct hmap *h)
{
	h->n = 0;
	if (++h->gen == 0) {
		memset(h->g, 0, ((size_t)1 << h->bits) * sizeof(*h->g));
		memset(h->dg, 0, HM_DIRECT * sizeof(*h->dg));
		h->gen = 1;
	}
}

/* The value of key, or inserts key -> val (the map must have room): in the
 * hashed table only. For keys of any size mixed at random (a dictionary's
 * values) this is the one predictable path; a map used this way between
 * two hm_clear() must not be used through hm_get_put() for small keys. */
static inline uint32_t hm_get_put_hashed(struct hmap *h, uint64_t key, uint32_t val, bool *isnew)
{
	size_t mask = ((size_t)1 << h->bits) - 1;
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - h->bits));

	for (;; i = (i + 1) & mask) {
		if (h->g[i] != h->gen) {
			h->g[i] = h->gen;
			h->k[i] = key;
			h->v[i] = val;
			h->n++;
			*isnew = true;
			return val;
		}
		if (h->k[i] == key) {
			*isnew = false;
			return h->v[i];
		}
	}
}

/* The value of key, or inserts key -> val (the map must have room); keys
 * below HM_DIRECT in the direct table. */
static inline uint32_t hm_get_put(struct hmap *h, uint64_t key, uint32_t val, bool *isnew)
{
	if (key < HM_DIRECT) {
		*isnew = h->dg[key] != h->gen;
		if (*isnew) {
			h->dg[key] = h->gen;
			h->dv[key] = val;
			h->n++;
		}
		return h->dv[key];
	}
	return hm_get_put_hashed(h, key, val, isnew);
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	void *p;

	if (need <= *cap)
		return 0;
	if (need < 2 * *cap)
		need = 2 * *cap;
	p = realloc(*buf, need * elem);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
}

/* As grow(), for scratch whose bytes need not survive: a new block instead
 * of realloc()'s copy of the old one, which touched (and faulted in) every
 * page of the new block before any use. */
static int grow_fresh(void **buf, size_t *cap, size_t need)
{
	void *p;

	if (need <= *cap)
		return 0;
	if (need < 2 * *cap)
		need = 2 * *cap;
	free(*buf);
	*cap = 0;
	p = malloc(need);
	*buf = p;
	if (!p)
		return -ENOMEM;
	*cap = need;
	return 0;
}

/* ---- bit packing ---- */

/*
 * Packs cnt values v[i] - base (each < 2^w) in w bits each; returns the
 * byte after. Writes up to 8 bytes past it: the caller's buffer has room.
 * Eight values fill w bytes, built in registers and stored once: every
 * offset and shift is a constant, and no store is loaded back (a load
 * overlapping an earlier store at another offset stalls the CPU).
 */
static NXR_ALWAYS_INLINE uint8_t *pack_w(uint8_t *p, const uint64_t *v, size_t cnt,
					 uint64_t base, const unsigned w)
{
	size_t bytes = (cnt * w + 7) / 8, i = 0;
	uint8_t *q = p;
	uint64_t acc = 0;
	unsigned nb = 0;

	for (; i + 8 <= cnt; i += 8, q += w) {
		uint64_t wd[9] = { 0 };

#pragma GCC unroll 8
		for (unsigned k = 0; k < 8; k++) {
			const unsigned bit = k * w, s = bit & 63;
			uint64_t x = v[i + k] - base;

			wd[bit >> 6] |= x << s;
			if (s && s + w > 64)
				wd[(bit >> 6) + 1] |= x >> (64 - s);
		}
#pragma GCC unroll 8
		for (unsigned k = 0; k < (w + 7) / 8; k++)
			nxr_store_le64(q + 8 * k, wd[k]);
	}
	/* the rest through a 64-bit accumulator, a word stored when full */
	for (; i < cnt; i++) {
		uint64_t x = v[i] - base;

		acc |= x << nb;
		if (nb + w >= 64) {
			nxr_store_le64(q, acc);
			q += 8;
			acc = nb ? x >> (64 - nb) : 0;
			nb = nb + w - 64;
		} else {
			nb += w;
		}
	}
	if (nb)
		nxr_store_le64(q, acc);
	return p + bytes;
}

/* (a constant w lets the compiler drop the masks and fold the shifts) */
static uint8_t *pack(uint8_t *p, const uint64_t *v, size_t cnt, uint64_t base, unsigned w)
{
	switch (w) {
#define P1(W) case W: return pack_w(p, v, cnt, base, W);
#define P8(W) P1(W + 1) P1(W + 2) P1(W + 3) P1(W + 4) P1(W + 5) P1(W + 6) P1(W + 7) P1(W + 8)
	P8(0) P8(8) P8(16) P8(24) P8(32) P8(40) P8(48) P8(56)
#undef P8
#undef P1
	}
	return p;	/* w == 0: nothing to store */
}

/*
 * What unpacking does with each value x (base already added): UM_NONE
 * stores it; UM_MAP stores map[x] (a DICT block whose range lies inside
 * the dictionary); UM_CHECK stores map[x] when x < nmap, and records in
 * *bad a value that is not (with no branch: it is hostile input only).
 */
enum { UM_NONE, UM_MAP, UM_CHECK };

static NXR_ALWAYS_INLINE uint64_t um_value(uint64_t x, const unsigned mode, const uint64_t *map,
					   uint64_t nmap, uint64_t *bad)
{
	if (mode == UM_NONE)
		return x;
	if (mode == UM_MAP)
		return map[x];
	*bad |= x >= nmap;
	return map[x < nmap ? x : 0];
}

/* Unpacks cnt values of w bits (1..64) from p, adding base, mapped as
 * mode says. Reads up to 8 bytes past the packed bytes' end. */
static void unpack_any(const uint8_t *p, size_t cnt, uint64_t base, unsigned w, uint64_t *out,
		       unsigned mode, const uint64_t *map, uint64_t nmap, uint64_t *bad)
{
	uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1;
	size_t pos = 0;

	for (size_t i = 0; i < cnt; i++, pos += w) {
		const uint8_t *q = p + (pos >> 3);
		unsigned s = pos & 7;
		uint64_t x = nxr_load_le64(q) >> s;

		if (s && s + w > 64)
			x |= (uint64_t)q[8] << (64 - s);
		x = base + (x & mask);
		out[i] = mode == UM_NONE ? x : um_value(x, mode == UM_MAP ? UM_MAP : UM_CHECK,
							 map, nmap, bad);
	}
}

/* The same for a constant w and mode: eight values (w bytes) at a time,
 * every shift and offset a constant, then the rest. */
static NXR_ALWAYS_INLINE void unpack_w(const uint8_t *p, size_t cnt, uint64_t base,
				       const unsigned w, uint64_t *out, const unsigned mode,
				       const uint64_t *map, uint64_t nmap, uint64_t *bad)
{
	const uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1;
	size_t i = 0;
	uint64_t b = 0;

	for (; i + 8 <= cnt; i += 8, p += w) {
#pragma GCC unroll 8
		for (unsigned k = 0; k < 8; k++) {
			const unsigned bit = k * w, s = bit & 7;
			uint64_t x = nxr_load_le64(p + (bit >> 3)) >> s;

			if (s && s + w > 64)
				x |= (uint64_t)p[(bit >> 3) + 8] << (64 - s);
			out[i + k] = um_value(base + (x & mask), mode, map, nmap, &b);
		}
	}
	if (i < cnt)
		unpack_any(p, cnt - i, base, w, out + i, mode, map, nmap, &b);
	*bad |= b;
}

/* Unpacks as unpack_w() for w 1..64; true when a value is out of the map. */
static bool unpack(const uint8_t *p, size_t cnt, uint64_t base, unsigned w, uint64_t *out,
		   unsigned mode, const uint64_t *map, uint64_t nmap)
{
	uint64_t bad = 0;

#define U1(W)										case W:											if (mode == UM_NONE)									unpack_w(p, cnt, base, W, out, UM_NONE, map, nmap, &bad);			else if (mode == UM_MAP)								unpack_w(p, cnt, base, W, out, UM_MAP, map, nmap, &bad);			else											unpack_w(p, cnt, base, W, out, UM_CHECK, map, nmap, &bad);			break;
#define U8(W) U1(W + 1) U1(W + 2) U1(W + 3) U1(W + 4) U1(W + 5) U1(W + 6) U1(W + 7) U1(W + 8)
	switch (w) {
	U8(0) U8(8) U8(16) U8(24) U8(32) U8(40) U8(48) U8(56)
	}
#undef U8
#undef U1
	return bad != 0;
}

/* ---- integer column encoding ---- */

/* Worst case of one integer column of n values: mode, FOR blocks. */
static size_t col_bound(size_t n)
{
	return 16 + n * 8 + (n / BLK + 1) * (1 + NXR_VARINT_MAX);
}

static inline size_t block_cost(int64_t mn, int64_t mx, size_t cnt)
{
	return 1 + nxr_varint_len(nxr_zigzag(mn)) +
	       (cnt * bitw((uint64_t)mx - (uint64_t)mn) + 7) / 8;
}

/* How many of v[0..cnt) have bit sh of v[i] - mn set, all of them being
 * below 2^(sh+1): two lanes at a time (SSE2's 64-bit subtract, shift and
 * add), four values an iteration. */
static inline size_t count_top(const uint64_t *v, size_t cnt, uint64_t mn, unsigned sh)
{
	typedef uint64_t v2 __attribute__((vector_size(16), aligned(8)));
	v2 a = { 0, 0 }, b = { 0, 0 };
	size_t i = 0, top;

	for (; i + 4 <= cnt; i += 4) {
		a += (*(const v2 *)(v + i) - mn) >> sh;
		b += (*(const v2 *)(v + i + 2) - mn) >> sh;
	}
	a += b;
	top = a[0] + a[1];
	for (; i < cnt; i++)
		top += (v[i] - mn) >> sh;
	return top;
}

/* Each block's minimum and width, from int_stats() to put_for() */
struct bstats {
	int64_t *mn[3];		/* [0] FOR, [1] DELTA, [2] DICT indices */
	uint8_t *w[3];
};

#if COL_AVX2
/* The signed minimum (or maximum) of four 64-bit lanes */
static __attribute__((target("avx2"))) inline int64_t ext4(__m256i a, const bool max)
{
	__m256i b = _mm256_permute4x64_epi64(a, 0x4e), c;

	a = _mm256_blendv_epi8(a, b, max ? _mm256_cmpgt_epi64(b, a) : _mm256_cmpgt_epi64(a, b));
	c = _mm256_shuffle_epi32(a, 0x4e);
	a = _mm256_blendv_epi8(a, c, max ? _mm256_cmpgt_epi64(c, a) : _mm256_cmpgt_epi64(a, c));
	return _mm256_extract_epi64(a, 0);
}
#define min4(a) ext4(a, false)
#define max4(a) ext4(a, true)

/*
 * int_stats()'s loop over a block, four values a step (AVX2 compares
 * 64-bit lanes: SSE2 does not) from *at while four remain before end: into
 * the minimum and maximum (*mn, *mx) and those of their differences to the
 * value before (*dmn, *dmx); returns the number of them that differ from
 * it, *at where the caller's loop takes the rest one by one.
 */
static __attribute__((target("avx2"))) size_t block_stats_avx2(const uint64_t *v, size_t *at,
								size_t end, int64_t *mn,
								int64_t *mx, int64_t *dmn,
								int64_t *dmx)
{
	__m256i a = _mm256_set1_epi64x(*mn), b = a, da = _mm256_set1_epi64x(*dmn), db = da;
	__m256i eq = _mm256_setzero_si256();
	size_t i = *at;

	for (; i + 4 <= end; i += 4) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(v + i));
		__m256i y = _mm256_loadu_si256((const __m256i *)(v + i - 1));
		__m256i d = _mm256_sub_epi64(x, y);

		a = _mm256_blendv_epi8(a, x, _mm256_cmpgt_epi64(a, x));
		b = _mm256_blendv_epi8(b, x, _mm256_cmpgt_epi64(x, b));
		da = _mm256_blendv_epi8(da, d, _mm256_cmpgt_epi64(da, d));
		db = _mm256_blendv_epi8(db, d, _mm256_cmpgt_epi64(d, db));
		eq = _mm256_sub_epi64(eq, _mm256_cmpeq_epi64(x, y));	/* (-1 where equal) */
	}
	*mn = min4(a);
	*mx = max4(b);
	*dmn = min4(da);
	*dmx = max4(db);
	eq = _mm256_add_epi64(eq, _mm256_permute4x64_epi64(eq, 0x4e));
	eq = _mm256_add_epi64(eq, _mm256_shuffle_epi32(eq, 0x4e));
	i -= *at;	/* values seen */
	*at += i;
	return i - (size_t)_mm256_extract_epi64(eq, 0);
}

/* put_for()'s loop over v[0..cnt), four values a step while four remain,
 * into the signed minimum and maximum (*mn, *mx: v[0] at first); returns
 * where the caller's loop takes the rest one by one. */
static __attribute__((target("avx2"))) size_t minmax_avx2(const uint64_t *v, size_t cnt,
							   int64_t *mn, int64_t *mx)
{
	__m256i a = _mm256_set1_epi64x(*mn), b = a;
	size_t i = 0;

	for (; i + 4 <= cnt; i += 4) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(v + i));

		a = _mm256_blendv_epi8(a, x, _mm256_cmpgt_epi64(a, x));
		b = _mm256_blendv_epi8(b, x, _mm256_cmpgt_epi64(x, b));
	}
	*mn = min4(a);
	*mx = max4(b);
	return i ? i : 1;
}

/*
 * put_block()'s split of a patched block, four values a step while four
 * remain (*at: where it stopped): each value's low lw bits into low[], and
 * the exceptions (values with bits above them: a quarter at most, mostly
 * none in a step) their place and high bits, one by one. Returns their
 * count.
 */
static __attribute__((target("avx2"))) unsigned split_avx2(const uint64_t *v, size_t cnt,
							   uint64_t mn, unsigned lw, uint64_t *low,
							   uint8_t *pos, uint64_t *hi, size_t *at)
{
	const __m256i base = _mm256_set1_epi64x((int64_t)mn), zero = _mm256_setzero_si256();
	const __m256i mask = _mm256_set1_epi64x(lw ? (int64_t)((1ull << lw) - 1) : 0);
	const __m128i sh = _mm_cvtsi32_si128((int)lw);
	unsigned nexc = 0;
	size_t i = 0;

	for (; i + 4 <= cnt; i += 4) {
		__m256i x = _mm256_sub_epi64(_mm256_loadu_si256((const __m256i *)(v + i)), base);
		__m256i h = _mm256_srl_epi64(x, sh);
		unsigned lowz = (unsigned)_mm256_movemask_pd(
			_mm256_castsi256_pd(_mm256_cmpeq_epi64(h, zero)));

		_mm256_storeu_si256((__m256i *)(low + i), _mm256_and_si256(x, mask));
		for (unsigned k = 0; lowz != 0xf && k < 4; k++) {
			if (lowz >> k & 1)
				continue;
			pos[nexc] = (uint8_t)(i + k);
			hi[nexc++] = (v[i + k] - mn) >> lw;
		}
	}
	*at = i;
	return nexc;
}

static bool have_avx2(void)
{
	static int has = -1;

	if (has < 0) {
		__builtin_cpu_init();
		has = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	return has;
}
#endif

/* Exact bytes of FOR and of DELTA blocks over v, and the number of runs;
 * each block's minimum and width in *bs. */
static void int_stats(const uint64_t *v, size_t n, size_t *c_for, size_t *c_delta, size_t *runs,
		      struct bstats *bs)
{
	size_t cf = 0, cd = 0, r = n ? 1 : 0;
	uint64_t prev = 0;
#if COL_AVX2
	bool avx2 = n >= 64 && have_avx2();
#endif

	for (size_t s = 0; s < n; s += BLK) {
		size_t cnt = n - s < BLK ? n - s : BLK, i = s + 1;
		int64_t mn = (int64_t)v[s], mx = mn;
		int64_t dmn = (int64_t)(v[s] - prev), dmx = dmn;

#if COL_AVX2
		if (avx2)
			r += block_stats_avx2(v, &i, s + cnt, &mn, &mx, &dmn, &dmx);
#endif
#pragma GCC unroll 4
		for (; i < s + cnt; i++) {
			int64_t x = (int64_t)v[i], d = (int64_t)(v[i] - v[i - 1]);

			mn = x < mn ? x : mn;
			mx = x > mx ? x : mx;
			dmn = d < dmn ? d : dmn;
			dmx = d > dmx ? d : dmx;
			r += v[i] != v[i - 1];
		}
		prev = v[s + cnt - 1];
		cf += block_cost(mn, mx, cnt);
		cd += block_cost(dmn, dmx, cnt);
		bs->mn[0][s / BLK] = mn;
		bs->w[0][s / BLK] = (uint8_t)bitw((uint64_t)mx - (uint64_t)mn);
		bs->mn[1][s / BLK] = dmn;
		bs->w[1][s / BLK] = (uint8_t)bitw((uint64_t)dmx - (uint64_t)dmn);
	}
	*c_for = cf;
	*c_delta = cd;
	*runs = r;
}

/*
 * One FOR block of cnt values over base mn, w bits each; when a few values
 * need many more bits than the rest (time gaps, durations), a patched block
 * is smaller: low bits of all values at a width lw < w, then the exceptions'
 * positions and high bits.
 */
static uint8_t *put_block(uint8_t *p, const uint64_t *v, size_t cnt, int64_t mn, unsigned w,
			  bool dry)
{
	uint64_t low[BLK], hi[BLK];
	uint8_t pos[BLK], *hdr;
	unsigned best_w = w, above = 0, nexc;
	size_t best = (cnt * w + 7) / 8, top = 0, i;

	/* The values of the top width (all are below 2^w) first, counted in a
	 * register: when they are more than a quarter, as in most blocks, the
	 * search below stops at once, and the histogram is not needed (its
	 * increments in memory form a chain where neighbours share a width). */
	if (w >= 6 && cnt >= 16)
		top = count_top(v, cnt, (uint64_t)mn, w - 1);
	if (w >= 6 && cnt >= 16 && top <= cnt / 4) {
		unsigned hist[65] = { 0 };

		/* bitw(x) is the top bit of 2x + 1: two instructions (x < 2^63) */
		if (w < 64)
#pragma GCC unroll 4
			for (size_t i = 0; i < cnt; i++)
				hist[top_bit(((v[i] - (uint64_t)mn) << 1) | 1)]++;
		else
			for (size_t i = 0; i < cnt; i++)
				hist[bitw(v[i] - (uint64_t)mn)]++;
		for (unsigned lw = w; lw-- > 0;) {
			size_t c;

			above += hist[lw + 1];	/* values needing more than lw bits */
			if (above > cnt / 4)
				break;
			c = (cnt * lw + 7) / 8 + 2 + above + (above * (w - lw) + 7) / 8;
			if (c < best) {
				best = c;
				best_w = lw;
			}
		}
	}
	hdr = p++;
	p = nxr_put_varint(p, nxr_zigzag(mn));
	if (dry)	/* a trial's size only: best is what packing would write */
		return p + best;
	if (best_w == w) {
		*hdr = (uint8_t)w;
		return pack(p, v, cnt, (uint64_t)mn, w);
	}
	*hdr = (uint8_t)(best_w | 0x80);
	nexc = 0;
	i = 0;
#if COL_AVX2
	if (have_avx2())
		nexc = split_avx2(v, cnt, (uint64_t)mn, best_w, low, pos, hi, &i);
#endif
	/* every value written as a candidate exception, kept when it is one:
	 * no branch to mispredict */
#pragma GCC unroll 4
	for (; i < cnt; i++) {
		uint64_t x = v[i] - (uint64_t)mn, h = x >> best_w;

		low[i] = best_w ? x & ((1ull << best_w) - 1) : 0;
		pos[nexc] = (uint8_t)i;
		hi[nexc] = h;
		nexc += h != 0;
	}
	p = pack(p, low, cnt, 0, best_w);
	*p++ = (uint8_t)nexc;
	memcpy(p, pos, nexc);
	p += nexc;
	*p++ = (uint8_t)(w - best_w);
	return pack(p, hi, nexc, 0, w - best_w);
}

/* FOR blocks whose minimum and width are known */
static uint8_t *put_for_known(uint8_t *p, const uint64_t *v, size_t n, const int64_t *mn,
			      const uint8_t *w, bool dry)
{
	for (size_t s = 0; s < n; s += BLK) {
		size_t cnt = n - s < BLK ? n - s : BLK;

		p = put_block(p, v + s, cnt, mn[s / BLK], w[s / BLK], dry);
	}
	return p;
}

static uint8_t *put_for(uint8_t *p, const uint64_t *v, size_t n)
{
#if COL_AVX2
	bool avx2 = n >= 64 && have_avx2();
#endif

	for (size_t s = 0; s < n; s += BLK) {
		size_t cnt = n - s < BLK ? n - s : BLK, i = s + 1;
		int64_t mn = (int64_t)v[s], mx = mn;

#if COL_AVX2
		if (avx2)
			i = s + minmax_avx2(v + s, cnt, &mn, &mx);
#endif
#pragma GCC unroll 4
		for (; i < s + cnt; i++) {
			int64_t x = (int64_t)v[i];

			mn = x < mn ? x : mn;
			mx = x > mx ? x : mx;
		}
		p = put_block(p, v + s, cnt, mn, bitw((uint64_t)mx - (uint64_t)mn), false);
	}
	return p;
}

struct nxr_colenc;
static size_t enc_int(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
		      const uint32_t *ctx, uint32_t ntasks, uint8_t *out);
static size_t enc_int_memo(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			   const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo);

struct kstage {
	uint32_t n;
	size_t cap;
	uint32_t *task;			/* task of each event of the kind */
	uint64_t *f[MAXF];		/* field values in event order (STR: byte count) */
	uint64_t *soff[MAXF];		/* STR: offset of the bytes in the string stage */
	uint32_t *gid;			/* syscalls: each event's group by nr */
};

/* a syscall's fields by number: SF_arg1 = 0 ... */
#define SF_ENUM(C, T, name, doc) SF_##name,
enum { NX_FIELDS_SYSCALL(SF_ENUM, syscall) };
#undef SF_ENUM

struct nxr_colenc {
	uint32_t n;
	size_t cap;
	uint64_t *key;
	/* the kinds as runs (kind krun_kind[r] from event krun_at[r] on), and
	 * each event's task only in its kind's stage: the kinds and tasks
	 * columns are built at the payload, not stored per event */
	uint32_t *krun_at, *krun_kind;
	uint32_t nkrun, klast;
	size_t krcap;
	uint32_t ntasks;
	size_t tcap;
	uint32_t *tpid, *ttid;
	struct hmap tmap;		/* pid << 32 | tid -> task */
	uint64_t tc_key[TCACHE];	/* task_of()'s cache, valid where tc_gen = segs + 1 */
	uint32_t tc_val[TCACHE], tc_gen[TCACHE];
	uint64_t last_pt;
	uint32_t last_task;
	struct kstage k[NX_KIND_MAX_ID + 1];
	uint8_t *str;
	size_t slen, scap;

	/* finish() scratch, sized for the staged events */
	size_t scr_n;
	uint64_t *a[DEPTHS], *b[DEPTHS], *prev, *grp[MAXF], *evcol;
	struct bstats bs[DEPTHS];
	uint32_t *pos, *inv, *gid, *gtask;
	uint8_t *trial[DEPTHS][3];
	uint64_t sv[DEPTHS][SAMPLE_RUNS * BLK];	/* the sample */
	uint32_t sc[DEPTHS][SAMPLE_RUNS * BLK];
	uint8_t *blob;
	size_t blobcap;
	struct hmap h;			/* dictionaries and selector groups */
	uint32_t *dt;			/* try_dict()'s direct table: dtag << DT_IXB | index */
	uint32_t *dh;			/* ... and hash table (the same; the keys in the dictionary) */
	uint32_t dtag;
	/* the last grouping: its selector column, the group of each value
	 * (ggid: gid, or the syscalls' staged one) and each group's value,
	 * which DICT reuses on that column */
	const uint64_t *gsel;
	const uint32_t *ggid;
	uint32_t gsel_n, ngroups;
	uint64_t gval[NXR_COL_MAX_GROUPS];
	/* the syscalls' grouping by nr, numbered while staging: a number below
	 * SG_DIRECT finds its group in sg_dir (sg_tag | group), others in
	 * sg_map; sg_over when there are more than NXR_COL_MAX_GROUPS */
	uint32_t sg_dir[SG_DIRECT];
	uint32_t sg_tag, sg_n;
	bool sg_over;
	uint32_t sg_cnt[NXR_COL_MAX_GROUPS];
	uint64_t sg_val[NXR_COL_MAX_GROUPS];
	struct hmap sg_map;
	uint32_t segs;			/* payloads encoded */
	bool choose;			/* this payload chooses its columns' schemes
					 * afresh (else it follows their memos) */
	bool dry;			/* choosing on a sample: blocks sized, not packed */
	/* per column: 1 + its scheme, 1 + its nested ones' schemes, whether zstd
	 * shrinks it (0 not known, 1 no, 2 yes) */
	uint8_t memo[NX_KIND_MAX_ID + 1][MAXF + 1][4];
	void *zctx;			/* the writer's ZSTD_CCtx, during finish() */
	uint8_t *zbuf;
	size_t zcap;
	uint8_t *out;
	size_t ocap;
	/* the entropy-coded schemes (format 1.2) */
	bool entropy;			/* allowed */
	bool lists;			/* ... and LIST, TLIST (format 1.3) */
	struct nxr_huff_enc huff[DEPTHS];	/* a nested HUFF must not overwrite its parent's */
	uint32_t hcount[NXR_HUFF_MAXSYM];
	uint64_t hsym[DEPTHS][NXR_HUFF_MAXSYM];
	/* HUFF's flags + 1 (0: not known), a byte per byte of memo */
	uint8_t hmemo[(NX_KIND_MAX_ID + 1) * (MAXF + 1) * 4];
	uint32_t dcount[4096];		/* huff_map()'s histogram, HUFF_DENSE */
	uint16_t drank[4096];
	uint64_t rsym[NXR_HUFF_MAXSYM];	/* ... and its symbols above it */
	uint32_t rcount[NXR_HUFF_MAXSYM], hdense;
	uint8_t *hbuf[DEPTHS];		/* HUFF's stream, before it is placed */
	size_t hbufcap[DEPTHS];
	uint64_t *mtf;			/* move-to-front lists, MTF_LEN per task */
	size_t mtfcap;
	uint8_t lslot[1u << LSLOT_BITS];	/* LIST's guess of a value's slot: list_hash() */
	/* the task's nearest recent value (format 1.3) */
	bool context;			/* allowed */
	uint64_t *ring;			/* TNEAR_LEN values per task */
	size_t ringcap;
	uint8_t *alt;			/* enc_field()'s second coding */
	size_t altcap;
	uint8_t *redo;			/* enc_syscall_field()'s coding afresh */
	size_t redocap;
	bool slow;			/* this payload's events span RECHOOSE_SPAN_NS */
	bool rechoose;			/* ... and follow memos: its syscall fields are
					 * coded both ways, as their memos say and afresh */
	/* per column (the keys: [0][2]), how the last comparison of TNEAR or
	 * ENTRY against the other schemes went: CTX_* */
	uint8_t ctxwon[NX_KIND_MAX_ID + 1][MAXF + 1];
	/* LOGH and TGAP (format 1.4) */
	bool timing;			/* allowed */
	uint32_t *lcount;		/* a part's histogram */
	/* LOGH's parts by the syscall before (format 1.6) */
	bool prevnr;			/* allowed */
	uint32_t *lcls;			/* the syscall columns' classes: logh_classes() */
	uint32_t lclsn;			/* ... how many are known */
	uint32_t *lidx;			/* a group's values by part */
	uint16_t lpk[NXR_COL_MAX_GROUPS + 1];	/* each group's classes with a part */
	uint16_t lpc[NXR_COL_MAX_GROUPS + 1][LOGH_PREV_MAX];	/* ... which */
	uint32_t lphist[LOGH_PREV_MAX + 2][LOGH_MAXSYM];	/* logh_prev_choose()'s */
	size_t lcountcap;
	uint32_t lgn;			/* the section's groups (ggid), 0 when not grouped */
	uint32_t ltail;			/* ... then values of one more part (TGAPN) */
	unsigned logh_sub;		/* try_logh()'s only sub when choosing; LOGH_SUBS: any */
	uint8_t lmemo[(NX_KIND_MAX_ID + 1) * (MAXF + 1) * 4];	/* LOGH's flags + 1, as hmemo */
	/* TCOPY (format 1.5) */
	bool copy;			/* allowed */
	bool step;			/* ... and its steps, slots 24 and 25 (1.6) */
	bool cphist;			/* cp1, cp2 hold this segment's history */
	uint32_t *cp1, *cp2;		/* each syscall's task's syscall before it, and
					 * the one before that (COPY_NONE) */
	uint32_t *clast;		/* copy_history()'s: 2 per task */
	uint64_t *cix, *clit;		/* a field's slots, its literals (grouped order) */
	uint32_t *cctx, cm;		/* ... their tasks, how many */
	uint8_t *cbuf;			/* a TCOPY column, before it is placed */
	size_t cbufcap;
	/* the slots a field's values are compared with, the likeliest first
	 * (chosen with the scheme, kept with it): field, 0 this syscall or 1, 2
	 * the one before or the one before that */
	uint8_t cslot_g[COPY_FIELDS_MAX][COPY_TRY], cslot_w[COPY_FIELDS_MAX][COPY_TRY];
	uint8_t ncslot[COPY_FIELDS_MAX];
	/* the varint length of each column's length in the last payload (the
	 * selector's at [MAXF], the section's at [MAXF + 1]; 0 not known) */
	uint8_t vlen[NX_KIND_MAX_ID + 1][MAXF + 2];
	/* the size of the best coding of the last top-level column's sample
	 * (enc_int_memo() choosing), which tnear_may_win() reads again; 0 when
	 * not known */
	size_t sample_best;
};

static size_t enc_for_or_delta(uint8_t *out, const uint64_t *v, size_t n, bool delta,
			       uint64_t *tmp, const struct bstats *bs, bool dry)
{
	uint8_t *p = out;

	*p++ = delta ? M_DELTA : M_FOR;
	if (delta) {
		uint64_t prev = 0;

		for (size_t i = 0; i < n; i++) {
			tmp[i] = v[i] - prev;
			prev = v[i];
		}
		v = tmp;
	}
	return (size_t)(put_for_known(p, v, n, bs->mn[delta], bs->w[delta], dry) - out);
}

/* RLE of nr runs: their values rv and lengths minus one rl */
static size_t put_rle(struct nxr_colenc *e, int depth, const uint64_t *rv, const uint64_t *rl,
		      size_t nr, uint8_t *out, uint8_t *memo)
{
	uint8_t *p = out;

	*p++ = M_RLE;
	p = nxr_put_varint(p, nr);
	p += enc_int_memo(e, depth + 1, rv, nr, NULL, 0, p, CHILD(memo, 1));
	p += enc_int_memo(e, depth + 1, rl, nr, NULL, 0, p, CHILD(memo, 2));
	return (size_t)(p - out);
}

static size_t try_rle(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n, uint8_t *out,
		      uint8_t *memo)
{
	uint64_t *rv = e->a[depth], *rl = e->b[depth];
	size_t nr = 0;

	/* a run at a time: one compare per value, one store per run */
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t x = v[i];

		for (j = i + 1; j < n && v[j] == x; j++)
			;
		rv[nr] = x;
		rl[nr++] = j - i - 1;	/* lengths are stored minus one */
	}
	return put_rle(e, depth, rv, rl, nr, out, memo);
}

/* The index of value x in the dictionary dv being built (tag: its
 * entries' tag), inserted as index *nd if new; false when the dictionary is
 * full. An entry is an index into dv, which holds the key: 16 KiB of table,
 * not 64 with the keys in it (its loads miss the cache, at random). */
static NXR_ALWAYS_INLINE bool dict_hashed(uint32_t *dh, uint32_t tag, uint64_t x, uint64_t *dv,
					  uint32_t *nd, uint32_t *ix)
{
	size_t i = (size_t)((x * 0x9E3779B97F4A7C15ull) >> (64 - DH_BITS));

	for (;; i = (i + 1) & ((1u << DH_BITS) - 1)) {
		uint32_t d = dh[i] - tag;	/* an older tag: far above DICT_MAX */

		if (d >= 1u << DT_IXB) {
			if (*nd == DICT_MAX)
				return false;
			dh[i] = tag | *nd;
			dv[*nd] = x;
			*ix = (*nd)++;
			return true;
		}
		if (dv[d] == x) {
			*ix = d;
			return true;
		}
	}
}

/* The smallest and largest of cnt > 0 indices below 2^15 held in 64-bit
 * values, into a block's minimum and width: with SSE2, its 16-bit maximum
 * over all their words (the three high words of each are 0), the smallest
 * through the largest 2^15 - 1 - x. Fewer instructions than a minimum and
 * a maximum per value in the loop that maps them. */
static NXR_ALWAYS_INLINE void ix_block(const uint64_t *ix, size_t cnt, int64_t *bmn, uint8_t *bw)
{
	uint32_t h = 0, l = 0;	/* the largest x, and 2^15 - 1 - x */
	size_t i = 0;

#if COL_SSE2
	const __m128i top = _mm_set1_epi64x(0x7fff);
	__m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();

#pragma GCC unroll 4
	for (; i + 2 <= cnt; i += 2) {
		__m128i x = _mm_loadu_si128((const __m128i *)(ix + i));

		hi = _mm_max_epi16(hi, x);
		lo = _mm_max_epi16(lo, _mm_sub_epi64(top, x));
	}
	h = (uint32_t)_mm_extract_epi16(hi, 0);
	h = (uint32_t)_mm_extract_epi16(hi, 4) > h ? (uint32_t)_mm_extract_epi16(hi, 4) : h;
	l = (uint32_t)_mm_extract_epi16(lo, 0);
	l = (uint32_t)_mm_extract_epi16(lo, 4) > l ? (uint32_t)_mm_extract_epi16(lo, 4) : l;
#endif
	for (; i < cnt; i++) {
		h = ix[i] > h ? (uint32_t)ix[i] : h;
		l = 0x7fff - ix[i] > l ? 0x7fff - (uint32_t)ix[i] : l;
	}
	*bmn = 0x7fff - l;
	*bw = (uint8_t)bitw(h - (0x7fff - l));
}
_Static_assert(DICT_MAX <= 0x7fff && NXR_COL_MAX_GROUPS <= 0x7fff, "ix_block()'s indices");

/* 0 when the values do not fit a dictionary. One pass maps the values to
 * their indices and takes each block's smallest and largest index, so the
 * blocks are then packed without another look at the values. Small values
 * (sizes, descriptors, kinds, returns) index a direct table, one load each;
 * from the first value outside it on, the column goes through a hash
 * table, which then receives the values seen so far. A column chooses once:
 * no branch per value between the two. Entries carry the dictionary's tag,
 * so neither table is cleared between dictionaries. */
static size_t try_dict(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n, uint8_t *out,
		       uint8_t *memo)
{
	uint64_t *dv = e->a[depth], *ix = e->b[depth];
	uint32_t *dt = e->dt, tag, nd = 0;
	uint32_t *dh = e->dh;
	int64_t *bmn = e->bs[depth].mn[2];
	uint8_t *bw = e->bs[depth].w[2];
	uint8_t *p = out;
	size_t s, i;

	if (v == e->gsel && n == e->gsel_n && depth == 0) {
		/* the selector column, grouped already: its group numbers are
		 * the indices (both count values in order of first appearance) */
		nd = e->ngroups;
		memcpy(dv, e->gval, nd * sizeof(*dv));
		for (s = 0; s < n; s += BLK) {
			size_t cnt = n - s < BLK ? n - s : BLK;

			for (i = s; i < s + cnt; i++)
				ix[i] = e->ggid[i];
			ix_block(ix + s, cnt, &bmn[s / BLK], &bw[s / BLK]);
		}
		goto put;
	}
	if (++e->dtag >> (32 - DT_IXB)) {
		memset(dt, 0, DT_SIZE * sizeof(*dt));
		memset(dh, 0, ((size_t)1 << DH_BITS) * sizeof(*dh));
		e->dtag = 1;
	}
	tag = e->dtag << DT_IXB;
	for (s = 0; s < n; s += BLK) {
		size_t end = n - s < BLK ? n : s + BLK;

#pragma GCC unroll 4
		for (i = s; i < end; i++) {
			uint64_t off = v[i] + DT_NEG;
			uint32_t x;

			if (off >= DT_SIZE)
				goto hashed;
			x = dt[off] - tag;	/* an older tag: far above DICT_MAX */
			if (__builtin_expect(x >= 1u << DT_IXB, 0)) {
				if (nd == DICT_MAX)
					return 0;
				dt[off] = tag | nd;
				dv[nd] = v[i];
				x = nd++;
			}
			ix[i] = x;
		}
		ix_block(ix + s, end - s, &bmn[s / BLK], &bw[s / BLK]);
	}
	goto put;
hashed:
	for (uint32_t k = 0, m = 0, x; k < nd; k++)
		dict_hashed(dh, tag, dv[k], dv, &m, &x);
	for (; s < n; s += BLK) {	/* from value i of the block at s on */
		size_t end = n - s < BLK ? n : s + BLK;

#pragma GCC unroll 2
		for (; i < end; i++) {
			uint32_t x;

			if (!dict_hashed(dh, tag, v[i], dv, &nd, &x))
				return 0;
			ix[i] = x;
		}
		ix_block(ix + s, end - s, &bmn[s / BLK], &bw[s / BLK]);
	}
put:
	if (nd * 2 > n)
		return 0;
	*p++ = M_DICT;
	p = nxr_put_varint(p, nd);
	p += enc_int_memo(e, depth + 1, dv, nd, NULL, 0, p, CHILD(memo, 1));
	p = put_for_known(p, ix, n, bmn, bw, e->dry);
	return (size_t)(p - out);
}

/*
 * TREP in one pass: each block's flags go straight into two 64-bit words
 * (FOR blocks of 0/1 values: width 0 when a block is all one value), and
 * every value is stored as a candidate exception, kept only when flagged.
 */
static size_t try_trep(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
		       const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	uint64_t *ms = e->b[depth], *prev = e->prev;
	size_t nm = 0;
	uint8_t *p = out;

	memset(prev, 0, ntasks * sizeof(*prev));
	*p++ = M_TREP;
	for (size_t s = 0; s < n; s += BLK) {
		size_t cnt = n - s < BLK ? n - s : BLK, first = nm, ones;
		uint64_t word[2] = { 0, 0 };

		/* a word at a time, so that it stays in a register */
		for (size_t h = 0; h < 2 && h * 64 < cnt; h++) {
			size_t lim = cnt - h * 64 < 64 ? cnt - h * 64 : 64;
			const uint64_t *vv = v + s + h * 64;
			const uint32_t *cc = ctx + s + h * 64;
			uint64_t wd = 0;

#pragma GCC unroll 4
			for (size_t i = 0; i < lim; i++) {
				uint64_t x = vv[i], *pv = &prev[cc[i]], f = x != *pv;

				*pv = x;
				wd |= f << i;
				ms[nm] = x;
				nm += f;
			}
			word[h] = wd;
		}
		ones = nm - first;
		if (ones == 0 || ones == cnt) {
			*p++ = 0;
			*p++ = ones ? 2 : 0;	/* zigzag base 1 or 0 */
			continue;
		}
		*p++ = 1;
		*p++ = 0;
		nxr_store_le64(p, word[0]);
		nxr_store_le64(p + 8, word[1]);
		p += (cnt + 7) / 8;
	}
	p += enc_int_memo(e, depth + 1, ms, nm, NULL, 0, p, CHILD(memo, 1));
	return (size_t)(p - out);
}

static size_t try_tdelta(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			 const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	uint64_t *d = e->a[depth];
	uint8_t *p = out;

	memset(e->prev, 0, ntasks * sizeof(*e->prev));
#pragma GCC unroll 4
	for (size_t i = 0; i < n; i++) {
		uint64_t *pv = &e->prev[ctx[i]];

		d[i] = v[i] - *pv;
		*pv = v[i];
	}
	*p++ = M_TDELTA;
	p += enc_int_memo(e, depth + 1, d, n, NULL, 0, p, CHILD(memo, 1));
	return (size_t)(p - out);
}

/*
 * ---- entropy-coded schemes (format 1.2, NXR_INCOMPAT_ENTROPY) ----
 *
 * HUFF: each value (or difference) split into a symbol, x >> s, coded
 * with a static Huffman code over the column's distinct symbols (a nested
 * column, like DICT's), and s raw low bits: small alphabets (syscall
 * numbers, returns, move-to-front indices) cost their entropy, wide
 * uniform values (time gaps, durations) the entropy of their high bits
 * plus s bits, instead of a block's power-of-two width.
 * MTF, TMTF: each value's place in a list of the last MTF_LEN distinct
 * values (of the column, or of the value's task), 0 for one not in it,
 * whose values follow in a nested column: tasks, and a task's few fds and
 * buffers, become small indices for HUFF.
 * LIST, TLIST (format 1.3, NXR_INCOMPAT_LISTS): the same lists without
 * moves, a value's index its slot (the order the column or task first
 * used it): decoding is a lookup, with no chain from value to value.
 */
#define MTF_LEN 16u		/* entries of a move-to-front list */
#define HUFF_SYM_MAX 2048u	/* most distinct symbols a writer codes (the hash map's half) */
#define HUFF_SHIFT_MAX 32u
#define HUFF_DENSE 4096u	/* symbols below this counted in a direct histogram */
_Static_assert(HUFF_DENSE <= sizeof(((struct nxr_colenc *)0)->dcount) / 4, "histogram");
/* An entropy-coded scheme is chosen when it takes at least n / 32 bytes (a
 * quarter of a bit per value) off the best other: it costs more to read */
#define ENTROPY_GAIN_MIN 32u

/*
 * Counts the distinct symbols of x[0..n) >> s (sym, e->hcount); their
 * number, or 0 when more than lim (<= HUFF_SYM_MAX). Symbols below
 * HUFF_DENSE (nearly all, after the shift) are counted in a direct
 * histogram (zero between calls) and numbered first, in increasing order
 * (e->drank; their nested column then costs little as DELTA); the few
 * others (a long gap) hashed (e->h), numbered after them (e->hdense on).
 */
static uint32_t huff_map(struct nxr_colenc *e, const uint64_t *x, size_t n, unsigned s,
			 uint64_t *sym, uint32_t lim)
{
	uint32_t *cnt = e->dcount, nd = 0, nh = 0;
	uint64_t top = 0;
	struct hmap h;
	bool isnew, many = false;

	hm_clear(&e->h);
	h = e->h;
	for (size_t i = 0; i < n; i++) {
		uint64_t y = x[i] >> s;
		uint32_t k;

		if (y < HUFF_DENSE) {
			cnt[y]++;
			top = y > top ? y : top;
			continue;
		}
		k = hm_get_put_hashed(&h, y, nh, &isnew);
		if (isnew) {
			if (nh == lim) {
				many = true;
				break;
			}
			e->rsym[nh] = y;
			e->rcount[nh++] = 0;
		}
		e->rcount[k]++;
	}
	e->h.n = h.n;
	if (n < HUFF_DENSE / 8) {
		/* a short column (a small segment's): its symbols found through
		 * a bitmap of the histogram's used entries, not a walk of all
		 * top + 1 of them, in the same increasing order */
		uint64_t used[HUFF_DENSE / 64] = { 0 };

		for (size_t i = 0; i < n; i++) {
			uint64_t y = x[i] >> s;

			if (y < HUFF_DENSE)
				used[y / 64] |= 1ull << (y % 64);
		}
		for (unsigned w = 0; w <= top / 64; w++)
			for (uint64_t b = used[w]; b; b &= b - 1) {
				unsigned y = w * 64 + (unsigned)__builtin_ctzll(b);

				e->drank[y] = (uint16_t)nd;
				e->hcount[nd] = cnt[y];
				sym[nd++] = y;
				cnt[y] = 0;
			}
	} else {
		for (size_t y = 0; y <= top; y++) {
			if (!cnt[y])
				continue;
			e->drank[y] = (uint16_t)nd;
			e->hcount[nd] = cnt[y];
			sym[nd++] = y;
			cnt[y] = 0;
		}
	}
	if (many || nd + nh > lim)
		return 0;
	e->hdense = nd;
	for (uint32_t k = 0; k < nh; k++) {
		sym[nd + k] = e->rsym[k];
		e->hcount[nd + k] = e->rcount[k];
	}
	return nd + nh;
}

/* The symbol of x[i] >> s, as the last huff_map() numbered it (or gid[i]) */
static NXR_ALWAYS_INLINE unsigned huff_sym(const struct nxr_colenc *e, struct hmap *h,
					   const uint32_t *gid, const uint64_t *x, size_t i,
					   unsigned s)
{
	uint64_t y = x[i] >> s;
	bool isnew;

	if (gid)
		return gid[i];
	if (y < HUFF_DENSE)
		return e->drank[y];
	return e->hdense + hm_get_put_hashed(h, y, 0, &isnew);
}

/* The codes of symbols a, b, c and d, in this order, put at once */
static NXR_ALWAYS_INLINE void huff_put4(struct nxr_bitw *w, const struct nxr_huff_enc *hc,
					unsigned a, unsigned b, unsigned c, unsigned d)
{
	unsigned la = hc->len[a], lab = la + hc->len[b], labc = lab + hc->len[c];

	_Static_assert(4 * NXR_HUFF_MAXLEN + 7 <= 64, "four codes and a byte's bits in a word");
	nxr_bitw_put(w, hc->code[a] | (uint64_t)hc->code[b] << la | (uint64_t)hc->code[c] << lab |
		     (uint64_t)hc->code[d] << labc, labc + hc->len[d]);
}

/* The codes of x[0..n) (the symbols numbered by the last huff_map(), or
 * by gid) and their s low bits, in two streams: the values at even places
 * at p (*nb0 bytes), those at odd places at q; the bytes at q. */
static size_t huff_stream(struct nxr_colenc *e, const struct nxr_huff_enc *hc, const uint64_t *x,
			  size_t n, unsigned s, const uint32_t *gid, uint8_t *p, uint8_t *q,
			  size_t *nb0)
{
	struct nxr_bitw b0, b1;
	struct hmap h = e->h;
	size_t i = 0;

	nxr_bitw_init(&b0, p);
	nxr_bitw_init(&b1, q);
	/* no low bits: four codes of a stream (48 bits at most) joined and
	 * put at once, a store and a shift for four values */
	if (s == 0) {
		for (; i + 8 <= n; i += 8) {
			huff_put4(&b0, hc, huff_sym(e, &h, gid, x, i, 0), huff_sym(e, &h, gid, x, i + 2, 0),
				  huff_sym(e, &h, gid, x, i + 4, 0), huff_sym(e, &h, gid, x, i + 6, 0));
			huff_put4(&b1, hc, huff_sym(e, &h, gid, x, i + 1, 0),
				  huff_sym(e, &h, gid, x, i + 3, 0), huff_sym(e, &h, gid, x, i + 5, 0),
				  huff_sym(e, &h, gid, x, i + 7, 0));
		}
	}
	/* two values a step, one per stream: each stream's writer stays in
	 * registers (as an array indexed by i & 1 it went through memory) */
	for (; i + 2 <= n; i += 2) {
		nxr_huff_put(&b0, hc, huff_sym(e, &h, gid, x, i, s), x[i], s);
		nxr_huff_put(&b1, hc, huff_sym(e, &h, gid, x, i + 1, s), x[i + 1], s);
	}
	if (i < n)
		nxr_huff_put(&b0, hc, huff_sym(e, &h, gid, x, i, s), x[i], s);
	*nb0 = (size_t)(nxr_bitw_end(&b0) - p);
	return (size_t)(nxr_bitw_end(&b1) - q);
}

/* Estimated bytes of a HUFF column of n values at shift s, nd symbols (the
 * code built in hc). */
static size_t huff_estimate(struct nxr_colenc *e, struct nxr_huff_enc *hc, const uint64_t *sym,
			    uint32_t nd, size_t n, unsigned s)
{
	uint64_t mx = 0;

	if (nxr_huff_build(hc, e->hcount, nd) < 0)
		return SIZE_MAX;
	for (uint32_t k = 0; k < nd; k++)
		mx = sym[k] > mx ? sym[k] : mx;
	/* the symbols in increasing order (mostly): DELTA, at the width of
	 * the mean gap and a bit */
	return 4 + (size_t)((nxr_huff_cost(hc, e->hcount) + (uint64_t)n * s + 7) / 8) +
	       nxr_huff_table_size(nd) + (nd * (bitw(mx / nd) + 1) + 7) / 8;
}

/*
 * 0 when no shift fits HUFF_SYM_MAX symbols, or when the estimate is not
 * below bar (a trial need not be written). The differences are coded when
 * their widths add up to less; the shift is 0 or the median width less 6
 * (64 symbols or so), whichever is estimated smaller. A top-level column
 * keeps its choice (e->hmemo) as long as its scheme (memo).
 */
static size_t try_huff(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
		       uint8_t *out, uint8_t *memo, size_t bar)
{
	uint64_t *dx = e->a[depth], *sym = e->hsym[depth], prev = 0;
	const uint64_t *x = v;
	const uint32_t *gid = NULL;
	struct nxr_huff_enc *hc = &e->huff[depth];
	uint8_t *hm = memo ? &e->hmemo[memo - &e->memo[0][0][0]] : NULL, *p = out, *sb;
	unsigned s0 = 0, best_s = 0, last_s = 0;
	size_t best = SIZE_MAX, got, nb0, half = (n + 1) / 2 * 6 + 16;
	uint32_t nd = 0, lim = (uint32_t)(n / 2 < HUFF_SYM_MAX ? n / 2 : HUFF_SYM_MAX);
	bool delta = false;

	/* the streams first, into a buffer of this depth (its two halves):
	 * the nested column may use huff_map() */
	if (grow((void **)&e->hbuf[depth], &e->hbufcap[depth], 2 * half, 1) < 0)
		return 0;
	sb = e->hbuf[depth];
	if (v == e->gsel && n == e->gsel_n && depth == 0) {
		/* the selector column, grouped already: its group numbers count
		 * values in order of first appearance, which lets the reader
		 * group by them without hashing (as DICT's) */
		nd = e->ngroups;
		memcpy(sym, e->gval, nd * sizeof(*sym));
		memset(e->hcount, 0, nd * sizeof(*e->hcount));
		for (size_t i = 0; i < n; i++)
			e->hcount[e->ggid[i]]++;
		if (nd * 2 > n || nxr_huff_build(hc, e->hcount, nd) < 0)
			return 0;
		gid = e->ggid;
		goto put;
	}
	if (hm && *hm && !e->choose) {
		s0 = (*hm - 1u) & 0x3f;
		delta = (*hm - 1u) & 0x40;
	} else {
		unsigned hv[65] = { 0 }, hd[65] = { 0 }, *hw;
		uint64_t sv = 0, sd = 0;
		size_t below = 0;

		for (size_t i = 0; i < n; i++) {
			unsigned a = bitw(v[i]), b = bitw(v[i] - prev);

			hv[a]++;
			hd[b]++;
			sv += a;
			sd += b;
			prev = v[i];
		}
		delta = sd < sv;
		hw = delta ? hd : hv;
		for (unsigned w = 0; w <= 64; w++) {
			below += hw[w];
			if (below * 2 >= n) {
				s0 = w > 6 ? w - 6 : 0;
				break;
			}
		}
		if (s0 > HUFF_SHIFT_MAX)
			s0 = HUFF_SHIFT_MAX;
	}
	if (delta) {
		prev = 0;
		for (size_t i = 0; i < n; i++) {
			dx[i] = v[i] - prev;
			prev = v[i];
		}
		x = dx;
	}
	/* shift 0 first (given up early when its symbols are many), then s0;
	 * the code built last is the winner's unless shift 0 wins over s0. A
	 * kept choice: s0 only. */
	for (unsigned s = hm && *hm && !e->choose ? s0 : 0;; s = s0) {
		nd = huff_map(e, x, n, s, sym, s < s0 ? lim / 2 : lim);
		if (nd) {
			got = huff_estimate(e, hc, sym, nd, n, s);
			if (got < best) {
				best = got;
				best_s = s;
			}
		}
		last_s = s;
		if (s == s0)
			break;
	}
	if (best == SIZE_MAX || best >= bar)
		return 0;
	if (best_s != last_s || !nd) {
		nd = huff_map(e, x, n, best_s, sym, lim);
		if (!nd || nxr_huff_build(hc, e->hcount, nd) < 0)
			return 0;
	}
	if (memo && (e->choose || !*hm))
		*hm = (uint8_t)(1 + (best_s | (delta ? 0x40 : 0)));
put:
	got = huff_stream(e, hc, x, n, best_s, gid, sb, sb + half, &nb0);
	*p++ = M_HUFF;
	*p++ = (uint8_t)(best_s | (delta ? 0x40 : 0));
	p = nxr_put_varint(p, nd);
	p += enc_int_memo(e, depth + 1, sym, nd, NULL, 0, p, CHILD(memo, 1));
	p = nxr_huff_table_put(p, hc);
	p = nxr_put_varint(p, nb0 + got);
	p = nxr_put_varint(p, nb0);
	memcpy(p, sb, nb0);
	memcpy(p + nb0, sb + half, got);
	return (size_t)(p + nb0 + got - out);
}

/*
 * Moves the first j - 1 (< MTF_LEN) entries of a move-to-front list one
 * place back and puts x in front. Scalar loads only, and no call to
 * memmove: the list was just stored, value by value, and a wider load over
 * narrower stores cannot take their data from the store buffer, and waits
 * (this was half of reading MTF columns). j <= 4 (a task's few fds or
 * buffers, in random order) with masks, not branches, which would
 * mispredict (GCC turns ?: back into branches here).
 */
static NXR_ALWAYS_INLINE void mtf_front(uint64_t *l, uint64_t j, uint64_t x)
{
	if (j <= 4) {
		uint64_t a0 = l[0], a1 = l[1], a2 = l[2], a3 = l[3];
		uint64_t m2 = 0 - (uint64_t)(j >= 2), m3 = 0 - (uint64_t)(j >= 3);
		uint64_t m4 = 0 - (uint64_t)(j >= 4);

		__asm__("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3));	/* four loads */
		l[3] = (a2 & m4) | (a3 & ~m4);
		l[2] = (a1 & m3) | (a2 & ~m3);
		l[1] = (a0 & m2) | (a1 & ~m2);
	} else {
		for (uint64_t t = j - 1; t; t--) {
			uint64_t y = l[t - 1];

			__asm__("" : "+r"(y));
			l[t] = y;
		}
	}
	l[0] = x;
}

/*
 * LIST's search: the first slot of l[0..MTF_LEN) that holds x, or MTF_LEN.
 * Where a value is is random, so all 16 compared, without a branch; with
 * SSE2 as 32-bit halves, both of which must match.
 */
static NXR_ALWAYS_INLINE unsigned list_find(const uint64_t *l, uint64_t x)
{
#if COL_SSE2
	const __m128i *q = (const __m128i *)l;
	__m128i xx = _mm_set1_epi64x((long long)x), a, b;
	uint32_t m;

	a = _mm_packs_epi16(_mm_packs_epi32(_mm_cmpeq_epi32(_mm_loadu_si128(q), xx),
					    _mm_cmpeq_epi32(_mm_loadu_si128(q + 1), xx)),
			    _mm_packs_epi32(_mm_cmpeq_epi32(_mm_loadu_si128(q + 2), xx),
					    _mm_cmpeq_epi32(_mm_loadu_si128(q + 3), xx)));
	b = _mm_packs_epi16(_mm_packs_epi32(_mm_cmpeq_epi32(_mm_loadu_si128(q + 4), xx),
					    _mm_cmpeq_epi32(_mm_loadu_si128(q + 5), xx)),
			    _mm_packs_epi32(_mm_cmpeq_epi32(_mm_loadu_si128(q + 6), xx),
					    _mm_cmpeq_epi32(_mm_loadu_si128(q + 7), xx)));
	/* a byte per 32-bit half: value k's bits 2k and 2k + 1 */
	m = (uint32_t)_mm_movemask_epi8(a) | (uint32_t)_mm_movemask_epi8(b) << 16;
	m &= m >> 1 & 0x55555555u;
	return m ? (unsigned)__builtin_ctz(m) / 2 : MTF_LEN;
#else
	unsigned hit = 0;

	for (unsigned k = 0; k < MTF_LEN; k++)
		hit |= (unsigned)(l[k] == x) << k;
	return hit ? (unsigned)__builtin_ctz(hit) : MTF_LEN;
#endif
}

/* The place of (list t, value x) in e->lslot: a guess, checked against the
 * list, so a stale or shared entry costs only a search */
static inline uint32_t list_hash(uint64_t t, uint64_t x)
{
	return (uint32_t)(((x ^ t << 40) * 0x9e3779b97f4a7c15ull) >> (64 - LSLOT_BITS));
}

/*
 * MTF's single list (no tasks) without moving values: each of MTF_LEN
 * slots keeps its value and the time it was last used, and a value's place
 * in the list is the number of slots used since (the same indices as
 * moving to front: the list starts as zeros used in slot order, a literal
 * takes the slot used longest ago, the one that falls off the list's end,
 * and the first of equal zeros is the one used last: zs, as a zero is
 * only taken as a literal when none is left). The times stay in
 * registers (the moves' branches on where a value is mispredicted: half
 * of writing such a column); a value's slot is guessed as LIST's, and
 * searched for only when the guess fails. Returns the literals' count.
 */
static size_t mtf_one_list(struct nxr_colenc *e, const uint64_t *v, size_t n, uint64_t *ix,
			   uint64_t *lit)
{
	uint64_t val[MTF_LEN] = { 0 };
	uint32_t st[MTF_LEN];
	unsigned zs = 0;	/* the zero used last (the first in the list), or MTF_LEN */
	size_t nl = 0;
#if COL_SSE2
	/* slots 0-3, 4-7, 8-11, 12-15: named, not an array, so that they
	 * stay in registers */
	const __m128i s0 = _mm_setr_epi32(0, 1, 2, 3), s1 = _mm_setr_epi32(4, 5, 6, 7);
	const __m128i s2 = _mm_setr_epi32(8, 9, 10, 11), s3 = _mm_setr_epi32(12, 13, 14, 15);
	const __m128i top = _mm_set1_epi32(MTF_LEN - 1);
	__m128i t0 = _mm_sub_epi32(top, s0), t1 = _mm_sub_epi32(top, s1);
	__m128i t2 = _mm_sub_epi32(top, s2), t3 = _mm_sub_epi32(top, s3);
#endif
	for (unsigned k = 0; k < MTF_LEN; k++)
		st[k] = MTF_LEN - 1 - k;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i];
		uint32_t h = list_hash(0, x), now = (uint32_t)(MTF_LEN + i), ts;
		unsigned s = x ? e->lslot[h] : zs, r = 0;

		if (x ? val[s] != x : zs == MTF_LEN) {	/* a literal or a wrong guess */
			s = x ? list_find(val, x) : MTF_LEN;
			if (s == MTF_LEN) {	/* the slot used longest ago */
				s = 0;
				for (unsigned k = 1; k < MTF_LEN; k++)
					s = st[k] < st[s] ? k : s;
				zs = s == zs ? MTF_LEN : zs;	/* (it was the last zero) */
				zs = x ? zs : s;
				val[s] = x;
				lit[nl++] = x;
				r = MTF_LEN;	/* (index 0) */
			}
			e->lslot[h] = (uint8_t)s;
		}
		ts = st[s];
		st[s] = now;
#if COL_SSE2
		{
			__m128i b = _mm_set1_epi32((int)ts), sl = _mm_set1_epi32((int)s);
			__m128i tn = _mm_set1_epi32((int)now), gt, sum;

			gt = _mm_packs_epi16(_mm_packs_epi32(_mm_cmpgt_epi32(t0, b),
							     _mm_cmpgt_epi32(t1, b)),
					     _mm_packs_epi32(_mm_cmpgt_epi32(t2, b),
							     _mm_cmpgt_epi32(t3, b)));
			sum = _mm_sad_epu8(_mm_and_si128(gt, _mm_set1_epi8(1)), _mm_setzero_si128());
			r = r ? 0 : (unsigned)(_mm_cvtsi128_si32(sum) +
					       _mm_cvtsi128_si32(_mm_unpackhi_epi64(sum, sum))) + 1;
#define MTF_USE(t, sq)								\
	do {									\
		__m128i eq = _mm_cmpeq_epi32(sq, sl);				\
		t = _mm_or_si128(_mm_andnot_si128(eq, t), _mm_and_si128(eq, tn));	\
	} while (0)
			MTF_USE(t0, s0);
			MTF_USE(t1, s1);
			MTF_USE(t2, s2);
			MTF_USE(t3, s3);
#undef MTF_USE
		}
#else
		if (!r) {
			r = 1;
			for (unsigned k = 0; k < MTF_LEN; k++)
				r += st[k] > ts && k != s;
		} else {
			r = 0;
		}
#endif
		ix[i] = r;
	}
	return nl;
}

/*
 * MTF (ctx NULL) or TMTF (a list per task of ctx): the number of values not
 * found and those values, then the indices, as nested columns. Every list
 * starts as MTF_LEN zeros. 0 when an estimate (the indices Huffman-coded,
 * the values at their width) is not below bar: choosing the nested
 * columns' schemes is the costly part, not done for a trial that loses.
 */
static size_t try_mtf(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
		      const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo,
		      size_t bar, bool moves)
{
	uint64_t *ix = e->b[depth], *lit = e->a[depth], *l = e->mtf;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	size_t nl = 0, nlists = ctx ? ntasks : 1, stride = moves ? MTF_LEN : MTF_LEN + 1;
	uint32_t cnt[MTF_LEN + 1] = { 0 };
	uint8_t *p = out;

	if (grow((void **)&e->mtf, &e->mtfcap, nlists * stride, sizeof(*e->mtf)) < 0)
		return 0;
	memset(e->mtf, 0, nlists * stride * sizeof(*e->mtf));
	l = e->mtf;
	for (size_t i = 0; !moves && i < n; i++) {
		uint64_t x = v[i], t = ctx ? ctx[i] : 0;
		uint32_t h = list_hash(t, x);
		unsigned s = e->lslot[h];

		l = e->mtf + t * stride;
		/* a value keeps its slot: the one it was last found in or put
		 * in, if it is still there (a nonzero value is in one slot at
		 * most; zeros, the unused slots, are searched for the first) */
		if (x && l[s] == x) {
			ix[i] = s + 1;
			continue;
		}
		s = list_find(l, x);
		if (s < MTF_LEN) {
			ix[i] = s + 1;
		} else {	/* a literal: the next free slot, then the last one */
			lit[nl++] = x;
			ix[i] = 0;
			s = (unsigned)l[MTF_LEN];
			l[s] = x;
			l[MTF_LEN] += l[MTF_LEN] < MTF_LEN - 1;
		}
		e->lslot[h] = (uint8_t)s;
	}
	if (moves && !ctx)
		nl = mtf_one_list(e, v, n, ix, lit);
	for (size_t i = 0; moves && ctx && i < n; i++) {
		uint64_t x = v[i];
		unsigned j, hit;

		l = e->mtf + (size_t)ctx[i] * MTF_LEN;
		/* the first four entries (nearly always) without a branch per
		 * entry: which one holds x is random */
		hit = (unsigned)(l[0] == x) | (unsigned)(l[1] == x) << 1 |
		      (unsigned)(l[2] == x) << 2 | (unsigned)(l[3] == x) << 3;
		if (hit) {
			j = (unsigned)__builtin_ctz(hit);
			ix[i] = j + 1;
			mtf_front(l, j + 1, x);
			continue;
		}
		j = 4;
		while (j < MTF_LEN && l[j] != x)
			j++;
		if (j == MTF_LEN) {	/* not in the list: a literal */
			lit[nl++] = x;
			ix[i] = 0;
		} else {
			ix[i] = j + 1;
		}
		mtf_front(l, j < MTF_LEN ? j + 1 : MTF_LEN, x);
	}
	if (bar != SIZE_MAX) {
		size_t est;

		for (size_t i = 0; i < n; i++)
			cnt[ix[i]]++;
		for (size_t i = 0; i < nl; i++) {	/* signed, as FOR's base */
			lo = (int64_t)lit[i] < lo ? (int64_t)lit[i] : lo;
			hi = (int64_t)lit[i] > hi ? (int64_t)lit[i] : hi;
		}
		if (nxr_huff_build(&e->huff[depth], cnt, MTF_LEN + 1) < 0)
			return 0;
		est = (size_t)(nxr_huff_cost(&e->huff[depth], cnt) + 7) / 8 +
		      (nl ? nl * bitw((uint64_t)hi - (uint64_t)lo) / 8 : 0);
		if (est * 3 / 4 >= bar)	/* (the nested columns often do better) */
			return 0;
	}
	*p++ = moves ? (ctx ? M_TMTF : M_MTF) : (ctx ? M_TLIST : M_LIST);
	p = nxr_put_varint(p, nl);
	p += enc_int_memo(e, depth + 1, lit, nl, NULL, 0, p, CHILD(memo, 2));
	p += enc_int_memo(e, depth + 1, ix, n, NULL, 0, p, CHILD(memo, 1));
	return (size_t)(p - out);
}

/* The entropy-coded schemes' part of enc_exact(): tries them into spare,
 * and keeps the best (*best bytes, at *bestbuf) if it gains enough */
static void try_entropy(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			const uint32_t *ctx, uint32_t ntasks, uint8_t *spare[2], size_t *best,
			uint8_t **bestbuf, int *slot)
{
	size_t got;

	if (!e->entropy || depth + 1 >= DEPTHS || n < 8)
		return;
	if (*bestbuf == spare[*slot])	/* (the last scheme tried keeps its slot) */
		*slot ^= 1;
	/* HUFF at depths 0 and 1; LIST and MTF at the top, TLIST and TMTF
	 * there with tasks: the lists first, as they read faster, the move-
	 * to-front ones then taken only when they gain enough over them */
	for (int m = 0; m < (depth ? 1 : 5); m++) {
		uint8_t *buf = spare[*slot];
		bool per_task = m == 2 || m == 4, moves = m >= 3 || !e->lists;
		size_t bar = *best > n / ENTROPY_GAIN_MIN ? *best - n / ENTROPY_GAIN_MIN : 0;

		if ((per_task && !ctx) || (!e->lists && m >= 3))
			continue;
		if (m == 0)
			got = try_huff(e, depth, v, n, buf, NULL, bar);
		else
			got = try_mtf(e, depth, v, n, per_task ? ctx : NULL, ntasks, buf, NULL, bar,
				      moves);
		if (got && got + n / ENTROPY_GAIN_MIN < *best && got <= col_bound(n)) {
			*best = got;
			*bestbuf = buf;
			*slot ^= 1;
		}
	}
}

/* emit()'s part: an entropy-coded scheme, through a trial buffer (it may
 * not fit col_bound(n)); 0 when it does not fit or cannot be used. */
static size_t emit_entropy(struct nxr_colenc *e, int depth, unsigned mode, const uint64_t *v,
			   size_t n, const uint32_t *ctx, uint32_t ntasks, uint8_t *out,
			   uint8_t *memo)
{
	uint8_t *buf = e->trial[depth][0];
	size_t got = 0;

	if (!e->entropy || depth + 1 >= DEPTHS || n < 8)
		return 0;
	if (mode == M_HUFF)
		got = try_huff(e, depth, v, n, buf, memo, SIZE_MAX);
	else if ((mode == M_MTF || mode == M_LIST) && depth == 0)
		got = try_mtf(e, depth, v, n, NULL, 0, buf, memo, SIZE_MAX, mode == M_MTF);
	else if ((mode == M_TMTF || mode == M_TLIST) && depth == 0 && ctx)
		got = try_mtf(e, depth, v, n, ctx, ntasks, buf, memo, SIZE_MAX, mode == M_TMTF);
	if (!got || got > col_bound(n))
		return 0;
	memcpy(out, buf, got);
	return got;
}

/*
 * ---- the task's nearest recent value (format 1.3, NXR_INCOMPAT_CONTEXT) ----
 *
 * TNEAR: each value as a reference and a difference: the reference one of
 * the last TNEAR_LEN values its task stored in this column (an index, 0 the
 * latest) or 0 (index TNEAR_LEN), the difference to it zigzag-mapped. A
 * process's pointers fall in a few regions (its stack, heap, libraries) at
 * bases ASLR draws anew for every process; against the nearest recent
 * value of the same region they become small offsets that repeat from one
 * process to the next, where the values themselves do not. A value equal
 * to a reference adds nothing to the ring (a task's few fds and buffers
 * stay in it); any other value goes in, over the oldest. Reading is a load
 * and an add per value; the search for the nearest is the writer's.
 */
#define TNEAR_LEN 16u		/* values of a task's ring; index TNEAR_LEN: 0 */
#define TNEAR_STRIDE (TNEAR_LEN + 2)	/* the writer's: a ring, then 16 tags */
/* TNEAR is chosen when it takes at least n / 32 bytes off the best other */
#define CONTEXT_GAIN_MIN 32u
/*
 * A column's last comparison with TNEAR (or ENTRY) and without: a clear
 * outcome (an eighth or more either way) is kept for the next 3 segments
 * that choose, which then code the column one way only (the comparison
 * codes it twice, each through zstd: a third of the writing of a segment
 * that chooses); a close one is compared again, but a field's close loss
 * only at every other segment that chooses (the synthetic stream's arg1:
 * a sixth of the writing of such a segment), the others coding it without.
 */
enum { CTX_UNKNOWN, CTX_LOST, CTX_WON, CTX_CLOSE, CTX_CLOSE_LOST };
#define CTX_KEEP 4u		/* segments that choose per comparison, when clear */

/* The outcome of a comparison: sizes with the context scheme and without */
static uint8_t ctx_outcome(size_t with, size_t without)
{
	if (with + with / 8 < without)
		return CTX_WON;
	return without + without / 8 < with ? CTX_LOST : CTX_CLOSE;
}

/* Whether a segment that chooses follows the column's last outcome
 * (*won: which) instead of comparing */
static bool ctx_follow(const struct nxr_colenc *e, uint8_t last, bool *won)
{
	*won = last == CTX_WON;
	if (last == CTX_CLOSE_LOST)
		return (e->segs / MEMO_SEGS) % 2;
	return (last == CTX_WON || last == CTX_LOST) && (e->segs / MEMO_SEGS) % CTX_KEEP;
}
static inline uint64_t zig(uint64_t d)
{
	return d << 1 ^ (0 - (d >> 63));
}

/*
 * The slot of ring r nearest to x (the smallest zigzag difference), where
 * no farther than *best (then in *best; a tie takes the highest slot), or
 * TNEAR_LEN: the scalar search.
 */
static NXR_ALWAYS_INLINE unsigned tnear_scan(const uint64_t *r, uint64_t x, uint64_t *best)
{
	unsigned bs = TNEAR_LEN;

	for (unsigned s = 0; s < TNEAR_LEN; s++) {
		uint64_t z = zig(x - r[s]);

		bs = z <= *best ? s : bs;
		*best = z <= *best ? z : *best;
	}
	return bs;
}

#if COL_SSE2
/*
 * A value's tag: a byte of its hash, 0 for 0 (the zeros a ring starts
 * with). Each task's ring is followed by its values' tags, which find the
 * candidates for an equal value in one compare of 16 bytes (one in 16 a
 * false one, where none is equal).
 */
static NXR_ALWAYS_INLINE uint8_t tnear_tag(uint64_t x)
{
	return (uint8_t)((x * 0x9E3779B97F4A7C15ull) >> 56);
}

/*
 * The nearest of ring q's 16 values to the broadcast x (none equal to it):
 * its slot, and its zigzag difference in *best where that is no more than
 * *best (else TNEAR_LEN). Each difference as a key, shifted left 4 with 15
 * less its slot below, so that the smallest key holds the smallest
 * difference and, of equal ones (only zeros never stored over), the
 * highest slot: the tie the scalar search takes. Keys below 2^62 order as
 * their bits read as doubles (positive, finite; the smallest subnormal):
 * SSE2 has no 64-bit integer minimum, but a double one (a quarter of the
 * scalar minimum's instructions). A difference of 2^58 or more, which a
 * key would not hold, is rare (values 2^57 apart): the scalar search then.
 * Not under DAZ (set in a process built with -ffast-math), where MINPD
 * reads subnormal keys as zeros and returns what need not be one.
 */
static NXR_ALWAYS_INLINE unsigned tnear_nearest(const __m128i *q, __m128i x, uint64_t *best)
{
	__m128i big = _mm_setzero_si128();
	__m128d k[TNEAR_LEN / 2];
	uint64_t mk;

#pragma GCC unroll 8
	for (unsigned j = 0; j < TNEAR_LEN / 2; j++) {
		__m128i d = _mm_sub_epi64(x, _mm_load_si128(q + j));
		__m128i sg = _mm_srai_epi32(_mm_shuffle_epi32(d, _MM_SHUFFLE(3, 3, 1, 1)), 31);
		__m128i z = _mm_xor_si128(_mm_add_epi64(d, d), sg);

		big = _mm_or_si128(big, z);
		k[j] = _mm_castsi128_pd(_mm_or_si128(_mm_slli_epi64(z, 4),
						     _mm_set_epi64x(14 - 2 * (long long)j,
								    15 - 2 * (long long)j)));
	}
	big = _mm_srli_epi64(big, 58);
	if (_mm_movemask_epi8(_mm_cmpeq_epi32(big, _mm_setzero_si128())) != 0xffff)
		return tnear_scan((const uint64_t *)q, (uint64_t)_mm_cvtsi128_si64(x), best);
	k[0] = _mm_min_pd(_mm_min_pd(_mm_min_pd(k[0], k[1]), _mm_min_pd(k[2], k[3])),
			  _mm_min_pd(_mm_min_pd(k[4], k[5]), _mm_min_pd(k[6], k[7])));
	k[0] = _mm_min_pd(k[0], _mm_unpackhi_pd(k[0], k[0]));
	mk = (uint64_t)_mm_cvtsi128_si64(_mm_castpd_si128(k[0]));
	if (mk >> 4 > *best)
		return TNEAR_LEN;
	*best = mk >> 4;
	return 15 - (unsigned)(mk & 15);
}
#endif

/*
 * The index (0 the latest) that codes x as TNEAR in task ring r (c values
 * stored): an equal value's, the latest first (several are equal only as
 * zeros never stored over), else the nearest's (the smallest zigzag
 * difference; a tie, again only between zeros, takes the highest slot; one
 * no nearer than x itself, TNEAR_LEN, takes the ring), or TNEAR_LEN. *dz:
 * the difference. The SSE2 search chooses as the scalar one (test_colcodec
 * and test_colcodec_scalar run the same streams) in a third of its
 * instructions: on the shell loop's columns 3 values in 4 have an equal
 * one, a third of them the latest (checked first, alone); the others look
 * at all 16.
 */
static NXR_ALWAYS_INLINE unsigned tnear_index(const uint64_t *r, uint64_t c, uint64_t x,
					      uint64_t *dz, bool keys)
{
	uint64_t best = zig(x);
	unsigned bs = TNEAR_LEN;

	*dz = 0;
	if (r[(c - 1) & (TNEAR_LEN - 1)] == x)
		return 0;
#if COL_SSE2
	{
		const __m128i *q = (const __m128i *)r;
		unsigned k = (unsigned)(c & (TNEAR_LEN - 1));
		uint32_t m = (uint32_t)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_load_si128(q + TNEAR_LEN / 2),
				       _mm_set1_epi8((char)tnear_tag(x))));

		/* the tags' mask turned: slot c - 1 - j to bit 15 - j; less
		 * the latest, not equal */
		m = (m >> k | m << (16 - k)) & 0x7fff;
		while (m) {
			unsigned j = (unsigned)__builtin_clz(m) - 16;

			if (r[(c - 1 - j) & (TNEAR_LEN - 1)] == x)
				return j;
			m &= ~(0x8000u >> j);
		}
		if (best)
			bs = keys ? tnear_nearest(q, _mm_set1_epi64x((long long)x), &best)
				  : tnear_scan(r, x, &best);
	}
#else
	(void)keys;
	for (unsigned j = 1; j < TNEAR_LEN; j++) {
		if (r[(c - 1 - j) & (TNEAR_LEN - 1)] == x)
			return j;
	}
	if (best)
		bs = tnear_scan(r, x, &best);
#endif
	*dz = best;
	return bs < TNEAR_LEN ? (unsigned)((c - 1 - bs) & (TNEAR_LEN - 1)) : TNEAR_LEN;
}

/*
 * try_tnear()'s pass over v[0..n): each value's index and difference at
 * ix, dz. lazy: the rings are not cleared yet, each is at its task's first
 * value (its count, in cnt, then 1 above the values stored); for a column
 * of few values over many tasks (a sample of one), where clearing all
 * rings would cost more than searching them.
 */
static NXR_ALWAYS_INLINE void tnear_enc_pass(const uint64_t *v, size_t n, const uint32_t *ctx,
					     uint64_t *ring, uint64_t *cnt, uint64_t *ix, uint64_t *dz,
					     const bool lazy, bool keys)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x = v[i], *r = ring + (size_t)ctx[i] * TNEAR_STRIDE, c = cnt[ctx[i]], z;
		unsigned j;

		if (lazy && !c) {
			memset(r, 0, TNEAR_STRIDE * sizeof(*r));
			c = cnt[ctx[i]] = 1;
		}
		c -= lazy;
		j = tnear_index(r, c, x, &z, keys);
		ix[i] = j;
		dz[i] = z;
		if (z || j == TNEAR_LEN) {
			r[c & (TNEAR_LEN - 1)] = x;
#if COL_SSE2
			((uint8_t *)(r + TNEAR_LEN))[c & (TNEAR_LEN - 1)] = tnear_tag(x);
#endif
			cnt[ctx[i]] = c + 1 + lazy;
		}
	}
}

/*
 * TNEAR: the indices, then the differences, as nested columns. Each task's
 * ring starts as zeros with nothing stored (its count, in e->prev, 0); the
 * rings are 16-byte aligned, each followed by its tags (TNEAR_STRIDE).
 */
static size_t try_tnear(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	uint64_t *ix = e->b[depth], *dz = e->a[depth], *cnt = e->prev, *ring;
	size_t words = (size_t)ntasks * TNEAR_STRIDE;
	uint8_t *p = out;
#if COL_SSE2
	bool keys = !(_mm_getcsr() & 0x40);	/* DAZ off: tnear_nearest() */
#else
	bool keys = false;
#endif

	if (grow((void **)&e->ring, &e->ringcap, words + 2, sizeof(*e->ring)) < 0)
		return 0;
	ring = (uint64_t *)(((uintptr_t)e->ring + 15) & ~(uintptr_t)15);
	memset(cnt, 0, ntasks * sizeof(*cnt));
	if (words > 8 * n) {
		tnear_enc_pass(v, n, ctx, ring, cnt, ix, dz, true, keys);
	} else {
		memset(ring, 0, words * sizeof(*ring));
		tnear_enc_pass(v, n, ctx, ring, cnt, ix, dz, false, keys);
	}
	*p++ = M_TNEAR;
	p += enc_int_memo(e, depth + 1, ix, n, NULL, 0, p, CHILD(memo, 1));
	p += enc_int_memo(e, depth + 1, dz, n, NULL, 0, p, CHILD(memo, 2));
	return (size_t)(p - out);
}

/* emit()'s part: TNEAR through a trial buffer; 0 when it does not fit */
static size_t emit_context(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			   const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	uint8_t *buf = e->trial[depth][0];
	size_t got;

	if (!e->context || depth != 0 || !ctx || n < 8)
		return 0;
	got = try_tnear(e, depth, v, n, ctx, ntasks, buf, memo);
	if (!got || got > col_bound(n))
		return 0;
	memcpy(out, buf, got);
	return got;
}

/* The cheapest coding of v[0..n), tried in full: see enc_int(). */
static size_t enc_exact(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			const uint32_t *ctx, uint32_t ntasks, uint8_t *out)
{
	size_t c_for, c_delta, runs, best, got;
	uint8_t *bestbuf = NULL;
	int slot = 0;

	int_stats(v, n, &c_for, &c_delta, &runs, &e->bs[depth]);
	best = 1 + (c_for <= c_delta ? c_for : c_delta);
	/* (with the entropy-coded schemes, whose nested HUFF codes the runs in
	 * their entropy, a column of long runs is worth a trial at more runs:
	 * the tasks column, whose runs read faster than MTF's indices) */
	if (depth + 1 < DEPTHS &&
	    (runs * 4 < best || (e->entropy && runs * 4 < n && runs * 2 < best))) {
		got = try_rle(e, depth, v, n, e->trial[depth][slot], NULL);
		if (got < best) {
			best = got;
			bestbuf = e->trial[depth][slot];
			slot ^= 1;
		}
	}
	if (depth + 1 < DEPTHS && n >= 8 && best * 2 > n) {
		got = try_dict(e, depth, v, n, e->trial[depth][slot], NULL);
		if (got && got < best) {
			best = got;
			bestbuf = e->trial[depth][slot];
			slot ^= 1;
		}
	}
	if (depth == 0 && ctx && best * 8 > n) {
		got = try_trep(e, depth, v, n, ctx, ntasks, e->trial[depth][slot], NULL);
		if (got < best) {
			best = got;
			bestbuf = e->trial[depth][slot];
			slot ^= 1;
		}
		got = try_tdelta(e, depth, v, n, ctx, ntasks, e->trial[depth][slot], NULL);
		if (got < best) {
			best = got;
			bestbuf = e->trial[depth][slot];
		}
	}
	try_entropy(e, depth, v, n, ctx, ntasks, e->trial[depth], &best, &bestbuf, &slot);
	if (bestbuf) {
		memcpy(out, bestbuf, best);
		return best;
	}
	return enc_for_or_delta(out, v, n, c_delta < c_for, e->a[depth], &e->bs[depth], e->dry);
}

/*
 * Writes the cheapest coding of v[0..n) at out (room for col_bound(n));
 * returns its bytes. ctx (NULL or the task of each value, < ntasks) allows
 * TREP. Depth 2 allows FOR and DELTA only, depth 1 no TREP. A long column
 * is coded with the scheme that wins on a sample of it (SAMPLE_RUNS runs of
 * BLK values spread over it), so each scheme but the winner costs only the
 * sample.
 */
static size_t enc_int(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
		      const uint32_t *ctx, uint32_t ntasks, uint8_t *out)
{
	return enc_int_memo(e, depth, v, n, ctx, ntasks, out, NULL);
}

/* Writes v in the given scheme (one that fits: DICT may not) at out. */
static size_t emit_kept(struct nxr_colenc *e, int depth, unsigned mode, const uint64_t *v,
			size_t n, const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	size_t c_for, c_delta, runs, got = 0;

	switch (mode) {
	case M_RLE:
		if (depth + 1 < DEPTHS)
			return try_rle(e, depth, v, n, out, memo);
		break;
	case M_DICT:
		if (depth + 1 < DEPTHS)
			got = try_dict(e, depth, v, n, out, memo);
		if (!got)	/* too many values this time: try them all */
			return enc_exact(e, depth, v, n, ctx, ntasks, out);
		break;
	case M_TREP:
		if (depth == 0 && ctx)
			return try_trep(e, depth, v, n, ctx, ntasks, out, memo);
		break;
	case M_TDELTA:
		if (depth == 0 && ctx)
			return try_tdelta(e, depth, v, n, ctx, ntasks, out, memo);
		break;
	case M_HUFF:
	case M_MTF:
	case M_TMTF:
	case M_LIST:
	case M_TLIST:
		got = emit_entropy(e, depth, mode, v, n, ctx, ntasks, out, memo);
		if (!got)
			return enc_exact(e, depth, v, n, ctx, ntasks, out);
		break;
	case M_TNEAR:
		got = emit_context(e, depth, v, n, ctx, ntasks, out, memo);
		if (!got)
			return enc_exact(e, depth, v, n, ctx, ntasks, out);
		break;
	case M_FOR:
		*out = M_FOR;
		return (size_t)(put_for(out + 1, v, n) - out);
	case M_DELTA:
		e->a[depth][0] = v[0];
#pragma GCC unroll 4
		for (size_t i = 1; i < n; i++)
			e->a[depth][i] = v[i] - v[i - 1];
		*out = M_DELTA;
		return (size_t)(put_for(out + 1, e->a[depth], n) - out);
	}
	if (got)
		return got;
	int_stats(v, n, &c_for, &c_delta, &runs, &e->bs[depth]);
	return enc_for_or_delta(out, v, n, c_delta < c_for, e->a[depth], &e->bs[depth], e->dry);
}

/*
 * Writes v in the given scheme at out (room for col_bound(n)). RLE, DICT,
 * TREP and TDELTA, kept from the segment that chose them, can take more
 * than that on values they no longer suit (and readers refuse a ZSTD
 * column that claims more): they are written to a trial buffer first,
 * which has room for any of them, and the values coded afresh when they
 * do not fit. (trial[depth][2] is free here: the sample that chose the
 * mode is read.)
 */
static size_t emit(struct nxr_colenc *e, int depth, unsigned mode, const uint64_t *v, size_t n,
		   const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	uint8_t *buf = e->trial[depth][2];
	size_t got;

	if (mode != M_RLE && mode != M_DICT && mode != M_TREP && mode != M_TDELTA)
		return emit_kept(e, depth, mode, v, n, ctx, ntasks, out, memo);
	got = emit_kept(e, depth, mode, v, n, ctx, ntasks, buf, memo);
	if (got > col_bound(n))
		return enc_exact(e, depth, v, n, ctx, ntasks, out);
	memcpy(out, buf, got);
	return got;
}

static size_t enc_int_memo(struct nxr_colenc *e, int depth, const uint64_t *v, size_t n,
			   const uint32_t *ctx, uint32_t ntasks, uint8_t *out, uint8_t *memo)
{
	uint64_t *sv = e->sv[depth];
	uint32_t *sc = e->sc[depth];
	size_t k = 0, got;
	unsigned mode;
	bool dry;

	if (n == 0) {
		*out = M_FOR;
		return 1;
	}
	if (memo && *memo && !e->choose) {
		got = emit(e, depth, *memo - 1u, v, n, ctx, ntasks, out, memo);
		*memo = (uint8_t)(out[0] + 1);
		return got;
	}
	if (n <= 2 * SAMPLE_RUNS * BLK) {
		got = enc_exact(e, depth, v, n, ctx, ntasks, out);
	} else {
		for (size_t r = 0; r < SAMPLE_RUNS; r++) {
			size_t at = (n - BLK) / (SAMPLE_RUNS - 1) * r;

			memcpy(sv + k, v + at, BLK * 8);
			if (ctx)
				memcpy(sc + k, ctx + at, BLK * 4);
			k += BLK;
		}
		/* only the winner's mode byte is read: the trials' blocks are
		 * sized, not packed (their mode bytes are written as ever) */
		dry = e->dry;
		e->dry = true;
		got = enc_exact(e, depth, sv, k, ctx ? sc : NULL, ntasks, e->trial[depth][2]);
		e->dry = dry;
		if (depth == 0)
			e->sample_best = got;
		mode = e->trial[depth][2][0];
		/* FOR against DELTA is decided on all values: the sample's runs
		 * join with jumps that only DELTA pays for */
		got = emit(e, depth, mode == M_FOR || mode == M_DELTA ? M_DECIDE : mode, v, n, ctx,
			   ntasks, out, memo);
	}
	if (memo)
		*memo = (uint8_t)(out[0] + 1);
	return got;
}

/* ---- writer: staging ---- */

/*
 * DICT's direct table, zeroed: mapped on its own, so that its pages are
 * the kernel's zero pages until a value touches them. (calloc() of it
 * zeroed all 512 KiB as soon as glibc served it from the heap, as it does
 * once an earlier mapping of that size was freed: a file per process,
 * nexus-split -F nxr, paid that for each.)
 */
static void *map_zeroed(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

struct nxr_colenc *nxr_colenc_new(void)
{
	struct nxr_colenc *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->dt = map_zeroed(DT_SIZE * sizeof(*e->dt));
	e->dh = calloc((size_t)1 << DH_BITS, sizeof(*e->dh));
	e->sg_tag = 1u << SG_TAGB;
	if (!e->dt || !e->dh || hm_alloc(&e->tmap, 8) < 0 || hm_alloc(&e->h, 12) < 0 ||
	    hm_alloc(&e->sg_map, 10) < 0) {
		nxr_colenc_free(e);
		return NULL;
	}
	e->entropy = true;
	e->lists = true;
	e->context = true;
	e->timing = true;
	e->copy = true;
	e->step = true;
	e->prevnr = true;
	e->logh_sub = LOGH_SUBS;
	return e;
}

void nxr_colenc_set_entropy(struct nxr_colenc *e, bool on)
{
	e->entropy = on;
}

void nxr_colenc_set_lists(struct nxr_colenc *e, bool on)
{
	e->lists = on;
}

void nxr_colenc_set_timing(struct nxr_colenc *e, bool on)
{
	e->timing = on;
}

void nxr_colenc_set_copy(struct nxr_colenc *e, bool on)
{
	e->copy = on;
}

void nxr_colenc_set_step(struct nxr_colenc *e, bool on)
{
	e->step = on;
}

void nxr_colenc_set_prevnr(struct nxr_colenc *e, bool on)
{
	e->prevnr = on;
}

void nxr_colenc_set_context(struct nxr_colenc *e, bool on)
{
	e->context = on;
}

void nxr_colenc_free(struct nxr_colenc *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->krun_at);
	free(e->krun_kind);
	free(e->tpid);
	free(e->ttid);
	hm_free(&e->tmap);
	hm_free(&e->h);
	hm_free(&e->sg_map);
	if (e->dt)
		munmap(e->dt, DT_SIZE * sizeof(*e->dt));
	free(e->dh);
	for (unsigned k = 0; k <= NX_KIND_MAX_ID; k++) {
		free(e->k[k].task);
		free(e->k[k].gid);
		for (unsigned f = 0; f < MAXF; f++) {
			free(e->k[k].f[f]);
			free(e->k[k].soff[f]);
		}
	}
	free(e->str);
	for (int d = 0; d < DEPTHS; d++) {
		free(e->a[d]);
		free(e->b[d]);
		free(e->trial[d][0]);
		free(e->trial[d][1]);
		free(e->trial[d][2]);
		for (int m = 0; m < 3; m++) {
			free(e->bs[d].mn[m]);
			free(e->bs[d].w[m]);
		}
	}
	free(e->prev);
	free(e->evcol);
	for (unsigned f = 0; f < MAXF; f++)
		free(e->grp[f]);
	free(e->pos);
	free(e->inv);
	free(e->gid);
	free(e->gtask);
	free(e->blob);
	free(e->out);
	free(e->zbuf);
	free(e->mtf);
	free(e->ring);
	free(e->alt);
	free(e->redo);
	free(e->lcount);
	free(e->lcls);
	free(e->lidx);
	free(e->cp1);
	free(e->cp2);
	free(e->clast);
	free(e->cix);
	free(e->clit);
	free(e->cctx);
	free(e->cbuf);
	for (int d = 0; d < DEPTHS; d++)
		free(e->hbuf[d]);
	free(e);
}

uint32_t nxr_colenc_events(const struct nxr_colenc *e)
{
	return e->n;
}

uint64_t nxr_colenc_staged(const struct nxr_colenc *e)
{
	return (uint64_t)e->n * NXR_COL_STAGE_PER_EVENT + e->slen;
}

uint64_t nxr_colenc_bound(const struct nxr_colenc *e)
{
	return (uint64_t)e->n * NXR_COL_BOUND_PER_EVENT + e->slen;
}

bool nxr_colenc_full(const struct nxr_colenc *e, uint64_t stage_bytes)
{
	return nxr_colenc_staged(e) >= stage_bytes || nxr_colenc_bound(e) >= NXR_MAX_SEG_BYTES ||
	       e->n >= NXR_COL_MAX_EVENTS;
}

/* Events of per bytes each that fit in the room left below limit */
static uint64_t events_below(uint64_t used, uint64_t limit, unsigned per)
{
	return used < limit ? (limit - used + per - 1) / per : 0;
}

uint32_t nxr_colenc_room(const struct nxr_colenc *e, uint64_t stage_bytes)
{
	uint64_t left = NXR_COL_MAX_EVENTS - e->n, by;

	by = events_below(nxr_colenc_staged(e), stage_bytes, NXR_COL_STAGE_PER_EVENT);
	left = by < left ? by : left;
	by = events_below(nxr_colenc_bound(e), NXR_MAX_SEG_BYTES, NXR_COL_BOUND_PER_EVENT);
	return (uint32_t)(by < left ? by : left);
}

static int kind_grow(struct kstage *ks, uint32_t kind)
{
	size_t cap = ks->cap ? ks->cap * 2 : 256;
	void *p;

	p = realloc(ks->task, cap * sizeof(*ks->task));
	if (!p)
		return -ENOMEM;
	ks->task = p;
	if (kind == NX_KIND_SYSCALL) {
		if (!(p = realloc(ks->gid, cap * sizeof(*ks->gid))))
			return -ENOMEM;
		ks->gid = p;
	}
	for (unsigned f = 0; f < knf[kind]; f++) {
		p = realloc(ks->f[f], cap * sizeof(uint64_t));
		if (!p)
			return -ENOMEM;
		ks->f[f] = p;
		if (kty[kind][f] == NXR_FT_STR) {
			p = realloc(ks->soff[f], cap * sizeof(uint64_t));
			if (!p)
				return -ENOMEM;
			ks->soff[f] = p;
		}
	}
	ks->cap = cap;
	return 0;
}

static int task_of_slow(struct nxr_colenc *e, uint64_t pt, uint32_t *out);

/* Two arrays of *cap entries grown together, to twice as many (or 64) */
static int grow_pair(uint32_t **a, uint32_t **b, size_t *cap)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *p;

	if (!(p = realloc(*a, c * sizeof(**a))))
		return -ENOMEM;
	*a = p;
	if (!(p = realloc(*b, c * sizeof(**b))))
		return -ENOMEM;
	*b = p;
	*cap = c;
	return 0;
}

/* task_of()'s slot of pid << 32 | tid: hashed (pid ^ tid put every
 * process's main thread, tid = pid, in one slot) */
static inline unsigned tc_slot(uint64_t pt)
{
	return (unsigned)((pt * 0x9E3779B97F4A7C15ull) >> (64 - TCACHE_BITS));
}

/* The task id of (pid, tid), added to the table if new: from a small
 * direct-mapped cache of this segment's tasks first (tasks alternate). */
static NXR_ALWAYS_INLINE int task_of(struct nxr_colenc *e, uint32_t pid, uint32_t tid,
				     uint32_t *out)
{
	uint64_t pt = (uint64_t)pid << 32 | tid;
	unsigned slot = tc_slot(pt);

	if (e->tc_gen[slot] == e->segs + 1 && e->tc_key[slot] == pt) {
		*out = e->tc_val[slot];
		return 0;
	}
	if (task_of_slow(e, pt, out) < 0)
		return -ENOMEM;
	e->tc_gen[slot] = e->segs + 1;
	e->tc_key[slot] = pt;
	e->tc_val[slot] = *out;
	return 0;
}

static int task_of_slow(struct nxr_colenc *e, uint64_t pt, uint32_t *out)
{
	uint32_t pid = (uint32_t)(pt >> 32), tid = (uint32_t)pt;
	bool isnew;
	uint32_t t;

	if (pt == e->last_pt && e->ntasks) {
		*out = e->last_task;
		return 0;
	}
	if ((e->tmap.n + 1) * 2 > (1u << e->tmap.bits)) {
		struct hmap bigger = { 0 };

		if (hm_alloc(&bigger, e->tmap.bits + 1) < 0)
			return -ENOMEM;
		for (uint32_t i = 0; i < e->ntasks; i++)
			hm_get_put(&bigger, (uint64_t)e->tpid[i] << 32 | e->ttid[i], i, &isnew);
		hm_free(&e->tmap);
		e->tmap = bigger;
	}
	if (e->ntasks == e->tcap && grow_pair(&e->tpid, &e->ttid, &e->tcap) < 0)
		return -ENOMEM;
	t = hm_get_put(&e->tmap, pt, e->ntasks, &isnew);
	if (isnew) {
		e->tpid[t] = pid;
		e->ttid[t] = tid;
		e->ntasks++;
	}
	e->last_pt = pt;
	e->last_task = t;
	*out = t;
	return 0;
}

#define SLEN_U32(C, name)
#define SLEN_U64(C, name)
#define SLEN_S64(C, name)
#define SLEN_STR(C, name) s += ev->C.name.len;
#define SLEN_FIELD(C, T, name, doc) SLEN_##T(C, name)

#define ST_U32(C, name) ks->f[bit][j] = ev->C.name;
#define ST_U64(C, name) ks->f[bit][j] = ev->C.name;
#define ST_S64(C, name) ks->f[bit][j] = (uint64_t)ev->C.name;
#define ST_STR(C, name)							\
	ks->f[bit][j] = ev->C.name.len;					\
	ks->soff[bit][j] = e->slen;					\
	if (ev->C.name.len)						\
		memcpy(e->str + e->slen, ev->C.name.ptr, ev->C.name.len);	\
	e->slen += ev->C.name.len;
#define ST_FIELD(C, T, name, doc) ST_##T(C, name) bit++;

static inline uint64_t time_key(const struct nxr_event *ev)
{
	return ev->kind == NX_KIND_SYSCALL ? ev->ts_ns + ev->syscall.dur_ns : ev->ts_ns;
}

/* The group of a syscall number not in sg_dir's current groups: a new
 * one, numbered in order of first appearance; past NXR_COL_MAX_GROUPS the
 * segment's syscalls are not grouped (sg_over). */
static __attribute__((noinline)) uint32_t sg_new(struct nxr_colenc *e, uint32_t nr)
{
	uint32_t g = e->sg_n;
	bool isnew = true;

	if (e->sg_over)
		return 0;
	if (nr >= SG_DIRECT) {	/* the map has room: at most 257 entries of 1024 */
		g = hm_get_put_hashed(&e->sg_map, nr, g, &isnew);
		if (!isnew)
			return g;
	}
	if (g == NXR_COL_MAX_GROUPS) {
		e->sg_over = true;
		return 0;
	}
	if (nr < SG_DIRECT)
		e->sg_dir[nr] = e->sg_tag | g;
	e->sg_val[g] = nr;
	e->sg_n = g + 1;
	return g;
}

/* The group of nr, < NXR_COL_MAX_GROUPS, if it has one in this segment */
static NXR_ALWAYS_INLINE uint32_t sg_find(const struct nxr_colenc *e, uint32_t nr)
{
	return nr < SG_DIRECT ? e->sg_dir[nr] - e->sg_tag : UINT32_MAX;	/* older tags: far above */
}

/* A syscall staged: its fields as columns in event order (each field's
 * pass at the payload then stays within the cache; rows had to be
 * transposed whole, bound by memory), and its group g by nr (FORMAT.md's
 * grouping, numbered here so that the payload need not hash them again).
 * The fields are copied one by one, each with a load of its own size: the
 * caller has usually just written the event, and a wider load (the
 * compiler's 16-byte copy of the struct) spanning two of its stores cannot
 * take its data from the store buffer, and waits for both to retire. */
static NXR_ALWAYS_INLINE void stage_syscall(struct nxr_colenc *e, struct kstage *ks,
					    const struct nxr_event *ev, uint32_t t, uint32_t g)
{
	uint32_t n = e->n, j = ks->n;

	e->key[n] = ev->ts_ns + ev->syscall.dur_ns;
	e->n = n + 1;
	ks->n = j + 1;
	ks->task[j] = t;
#define SR_FIELD(C, T, name, doc) do {					\
		NXR_CTYPE_##T x = ev->C.name;				\
									\
		__asm__("" : "+r"(x));	/* a scalar load: see above */	\
		ks->f[SF_##name][j] = (uint64_t)x;			\
	} while (0);
	NX_FIELDS_SYSCALL(SR_FIELD, syscall)
#undef SR_FIELD
	ks->gid[j] = g;
	e->sg_cnt[g]++;
}

/* The common case on its own: a syscall after a syscall (in the same run
 * of kinds), with room staged, its task in task_of()'s cache and its number
 * in a group; no string, and no call (a small frame). */
static NXR_ALWAYS_INLINE bool add_syscall_fast(struct nxr_colenc *e, const struct nxr_event *ev)
{
	struct kstage *ks = &e->k[NX_KIND_SYSCALL];
	uint64_t pt = (uint64_t)ev->pid << 32 | ev->tid;
	unsigned slot = tc_slot(pt);
	uint32_t g = sg_find(e, ev->syscall.nr);

	if (e->klast != NX_KIND_SYSCALL || e->n == e->cap || ks->n == ks->cap ||
	    e->tc_gen[slot] != e->segs + 1 ||
	    e->tc_key[slot] != pt || g >= NXR_COL_MAX_GROUPS)
		return false;
	stage_syscall(e, ks, ev, e->tc_val[slot], g);
	return true;
}

/* Any event: the stage grown as needed. (Out of line: the fast path's
 * frame stays small.) */
static __attribute__((noinline)) int add_any(struct nxr_colenc *e, const struct nxr_event *ev)
{
	struct kstage *ks;
	size_t s = 0;
	uint32_t t, j;
	unsigned bit = 0;

	if (ev->kind == 0 || ev->kind > NX_KIND_MAX_ID || !knf[ev->kind])
		return -EINVAL;
	ks = &e->k[ev->kind];
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 1024;
		void *p;

		if (!(p = realloc(e->key, cap * 8)))
			return -ENOMEM;
		e->key = p;
		e->cap = cap;
	}
	if (ev->kind != e->klast && e->nkrun == e->krcap &&
	    grow_pair(&e->krun_at, &e->krun_kind, &e->krcap) < 0)
		return -ENOMEM;
	if (ks->n == ks->cap && kind_grow(ks, ev->kind) < 0)
		return -ENOMEM;
	switch (ev->kind) {
#define SLEN_KIND(KIND, id, member, str) case id: NX_FIELDS_##KIND(SLEN_FIELD, member) break;
	NX_KINDS(SLEN_KIND)
#undef SLEN_KIND
	}
	if (s && grow((void **)&e->str, &e->scap, e->slen + s, 1) < 0)
		return -ENOMEM;
	if (task_of(e, ev->pid, ev->tid, &t) < 0)
		return -ENOMEM;
	if (ev->kind != e->klast) {	/* (nothing can fail from here on) */
		e->krun_at[e->nkrun] = e->n;
		e->krun_kind[e->nkrun++] = ev->kind;
		e->klast = ev->kind;
	}
	if (ev->kind == NX_KIND_SYSCALL) {
		uint32_t g = sg_find(e, ev->syscall.nr);

		stage_syscall(e, ks, ev, t, g < NXR_COL_MAX_GROUPS ? g : sg_new(e, ev->syscall.nr));
		return 0;
	}
	e->key[e->n] = time_key(ev);
	e->n++;
	j = ks->n++;
	ks->task[j] = t;
	switch (ev->kind) {
#define ST_KIND(KIND, id, member, str) case id: NX_FIELDS_##KIND(ST_FIELD, member) break;
	NX_KINDS(ST_KIND)
#undef ST_KIND
	}
	(void)bit;
	return 0;
}

int nxr_colenc_add(struct nxr_colenc *e, const struct nxr_event *ev)
{
	if (ev->kind == NX_KIND_SYSCALL && add_syscall_fast(e, ev))
		return 0;
	return add_any(e, ev);
}

/* ---- writer: the payload ---- */

static int scratch(struct nxr_colenc *e, size_t n)
{
	size_t tb;

	if (n <= e->scr_n)
		return 0;
	/* room for the larger segments to come too (their sizes vary a little
	 * with their strings), in new blocks: nothing here outlives a segment */
	n = n < 1024 ? 1024 : (size_t)1 << (64 - __builtin_clzll(n - 1));
	tb = col_bound(n) * 2 + 64;
	e->scr_n = 0;
#define RE(x, sz) do { free(e->x); if (!(e->x = malloc((sz)))) return -ENOMEM; } while (0)
	for (int d = 0; d < DEPTHS; d++) {
		RE(a[d], n * 8);
		RE(b[d], n * 8);
		for (int s = 0; s < 3; s++)
			RE(trial[d][s], tb);
		for (int m = 0; m < 3; m++) {
			RE(bs[d].mn[m], (n / BLK + 1) * 8);
			RE(bs[d].w[m], n / BLK + 1);
		}
	}
	RE(prev, n * 8);
	RE(evcol, n * 8);
	for (unsigned f = 0; f < MAXF; f++)
		RE(grp[f], n * 8);
	RE(pos, n * 4);
	RE(inv, n * 4);
	RE(gid, n * 4);
	RE(gtask, n * 4);
	RE(cp1, n * 4);
	RE(cp2, n * 4);
	RE(clast, n * 8);
	RE(cix, n * 8);
	RE(clit, n * 8);
	RE(cctx, n * 4);
	RE(lcls, n * 4);
	RE(lidx, n * 4);
#undef RE
	e->scr_n = n;
	return 0;
}

/* A varint length, then what fn wrote: moved along once its length is known. */
static uint8_t *put_sized(uint8_t *p, size_t len)
{
	unsigned ll = nxr_varint_len(len);

	memmove(p + ll, p + NXR_VARINT_MAX, len);
	nxr_put_varint(p, len);
	return p + ll + len;
}

/* Where a sized column or section is written, after p: at the length its
 * varint had in the last segment (*vl; NXR_VARINT_MAX at first), so that
 * put_guessed() seldom moves it (a section is most of the payload). */
static inline uint8_t *guess_at(uint8_t *p, const uint8_t *vl)
{
	return p + (*vl ? *vl : NXR_VARINT_MAX);
}

/* The varint length of what was written at guess_at(p, vl), len bytes,
 * put before it, which moves along only when its varint is not as long as
 * guessed; the byte after it */
static uint8_t *put_guessed(uint8_t *p, uint8_t *vl, size_t len)
{
	unsigned at = *vl ? *vl : NXR_VARINT_MAX, ll = nxr_varint_len(len);

	if (ll != at)
		memmove(p + ll, p + at, len);
	nxr_put_varint(p, len);
	*vl = (uint8_t)ll;
	return p + ll + len;
}

static int enc_str(struct nxr_colenc *e, struct kstage *ks, unsigned f, uint32_t n,
		   const uint32_t *inv, void *zctx, uint8_t *out, size_t *outlen)
{
	uint64_t *len = e->a[0];
	size_t total = 0, zn;
	uint8_t *p = out;

	for (uint32_t q = 0; q < n; q++)
		total += ks->f[f][inv ? inv[q] : q];
	if (grow_fresh((void **)&e->blob, &e->blobcap, total + 1) < 0)
		return -ENOMEM;
	total = 0;
	for (uint32_t q = 0; q < n; q++) {
		uint32_t j = inv ? inv[q] : q;

		len[q] = ks->f[f][j];
		if (len[q])
			memcpy(e->blob + total, e->str + ks->soff[f][j], len[q]);
		total += len[q];
	}
	*p++ = M_STR_RAW;
	p += enc_int(e, 1, len, n, NULL, 0, p);
	/* zstd only where it saves a tenth: short strings stay raw */
	if (total >= 64) {
		uint8_t *z = p + NXR_VARINT_MAX;

		zn = ZSTD_compress2(zctx, z, ZSTD_compressBound(total), e->blob, total);
		if (ZSTD_isError(zn))
			return ZSTD_getErrorCode(zn) == ZSTD_error_memory_allocation ? -ENOMEM
										      : -EIO;
		if (zn < total - total / 10) {
			out[0] = M_STR_ZSTD;
			p = put_sized(p, zn);
			*outlen = (size_t)(p - out);
			return 0;
		}
	}
	memcpy(p, e->blob, total);
	*outlen = (size_t)(p + total - out);
	return 0;
}

/* Events stably sorted by their group gid[j] < ng: pos[j] is event j's
 * place; start (room for ng counters) ends as each group's end. */
static void group_positions(const uint32_t *gid, uint32_t n, uint32_t ng, uint32_t *start,
			    uint32_t *pos)
{
	memset(start, 0, ng * sizeof(*start));
	for (uint32_t j = 0; j < n; j++)
		start[gid[j]]++;
	for (uint32_t g = 0, sum = 0; g < ng; g++) {
		uint32_t c = start[g];

		start[g] = sum;
		sum += c;
	}
	for (uint32_t j = 0; j < n; j++)
		pos[j] = start[gid[j]]++;
}

/* The grouping of FORMAT.md: selector values numbered in order of first
 * appearance (at most NXR_COL_MAX_GROUPS), events stably sorted by that
 * number; pos[j] is event j's place. start: room for a counter per group;
 * it ends as each group's end. gval: NULL, or room for NXR_COL_MAX_GROUPS
 * values, which receives each group's value. Returns the number of groups,
 * 0 when there are too many. Shared by the writer and the reader. */
static uint32_t group_order(struct hmap *h, const uint64_t *sel, uint32_t n, uint32_t *gid,
			    uint32_t *start, uint32_t *pos, uint64_t *gval)
{
	uint32_t ng = 0;
	bool isnew;
	struct hmap hl;

	hm_clear(h);
	hl = *h;	/* a local: its fields stay in registers across the stores */
	for (uint32_t j = 0; j < n; j++) {
		uint32_t g = hm_get_put(&hl, sel[j], ng, &isnew);

		if (isnew) {
			if (ng == NXR_COL_MAX_GROUPS)
				return 0;
			if (gval)
				gval[ng] = sel[j];
			ng++;
		}
		gid[j] = g;
	}
	group_positions(gid, n, ng, start, pos);
	return ng;
}

/* The writer's grouping of a kind's events (e->pos). */
static bool group(struct nxr_colenc *e, const uint64_t *sel, uint32_t n)
{
	e->ngroups = group_order(&e->h, sel, n, e->gid, (uint32_t *)e->a[0], e->pos, e->gval);
	e->gsel = e->ngroups ? sel : NULL;
	e->ggid = e->gid;
	e->gsel_n = n;
	return e->ngroups != 0;
}

/*
 * The syscalls' grouping by nr as numbered while staging, unless there were
 * too many numbers: each event's place in grouped order in e->pos, the
 * tasks in that order in e->gtask. The fields stay in event order, each
 * put in grouped order only just before it is encoded (syscall_field()).
 * Returns whether they are grouped (then also the grouping, as group()).
 */
static bool syscall_group(struct nxr_colenc *e, const struct kstage *ks)
{
	uint32_t start[NXR_COL_MAX_GROUPS];
	const uint32_t *gid = ks->gid, *task = ks->task;
	uint32_t *pos = e->pos, *gtask = e->gtask;

	if (e->sg_over)
		return false;
	for (uint32_t g = 0, sum = 0; g < e->sg_n; g++) {
		start[g] = sum;
		sum += e->sg_cnt[g];
	}
	for (uint32_t j = 0, n = ks->n; j < n; j++) {
		uint32_t q = start[gid[j]]++;

		pos[j] = q;
		gtask[q] = task[j];
	}
	e->ngroups = e->sg_n;
	memcpy(e->gval, e->sg_val, e->sg_n * sizeof(*e->gval));
	e->gsel = ks->f[SF_nr];
	e->ggid = ks->gid;
	e->gsel_n = ks->n;
	return true;
}

/* A syscall field in grouped order, in one scratch column reused by every
 * field (it stays in the cache for its encoder). */
static uint64_t *syscall_field(struct nxr_colenc *e, const struct kstage *ks, unsigned f)
{
	const uint64_t *v = ks->f[f];
	const uint32_t *pos = e->pos;
	uint64_t *g = e->grp[0];
	size_t n = ks->n;	/* (not reloaded after each store) */

#pragma GCC unroll 4
	for (size_t j = 0; j < n; j++)
		g[pos[j]] = v[j];
	return g;
}

/* A new segment's syscalls start with no groups. */
static void sg_reset(struct nxr_colenc *e)
{
	memset(e->sg_cnt, 0, e->sg_n * sizeof(*e->sg_cnt));	/* all of them when over */
	e->sg_n = 0;
	e->sg_over = false;
	e->sg_tag += 1u << SG_TAGB;
	if (e->sg_tag == 0) {
		memset(e->sg_dir, 0, sizeof(e->sg_dir));
		e->sg_tag = 1u << SG_TAGB;
	}
	hm_clear(&e->sg_map);
}

/* The kind's integer fields, its tasks and the inverse order, in grouped
 * order: one pass over the events, per kind. The selector's field is
 * copied too (and not used): no test per field and event. */
#define RG_U32(b) e->grp[b][q] = ks->f[b][j];
#define RG_U64(b) RG_U32(b)
#define RG_S64(b) RG_U32(b)
#define RG_STR(b)
#define RG_FIELD(C, T, name, doc) RG_##T(bit) bit++;
#define RG_KIND(KIND, id, member, str)						\
	static void regroup_##member(struct nxr_colenc *e, const struct kstage *ks) \
	{									\
		for (uint32_t j = 0; j < ks->n; j++) {				\
			uint32_t q = e->pos[j];					\
			unsigned bit = 0;					\
										\
			e->gtask[q] = ks->task[j];				\
			e->inv[q] = j;						\
			NX_FIELDS_##KIND(RG_FIELD, member)			\
			(void)bit;						\
		}								\
	}
NX_KINDS(RG_KIND)
#undef RG_KIND

static void regroup_fields(struct nxr_colenc *e, const struct kstage *ks, uint32_t kind)
{
	switch (kind) {
#define RG_CASE(KIND, id, member, str) case id: regroup_##member(e, ks); break;
	NX_KINDS(RG_CASE)
#undef RG_CASE
	}
}

static size_t str_total(const struct kstage *ks, unsigned f)
{
	size_t t = 0;

	for (uint32_t j = 0; j < ks->n; j++)
		t += ks->f[f][j];
	return t;
}

static size_t section_bound(const struct kstage *ks, uint32_t kind)
{
	size_t b = 4 * NXR_VARINT_MAX + 2;

	for (unsigned f = 0; f < knf[kind]; f++) {
		b += NXR_VARINT_MAX + col_bound(ks->n);
		if (kty[kind][f] == NXR_FT_STR)
			b += 1 + col_bound(ks->n) + NXR_VARINT_MAX + ZSTD_compressBound(str_total(ks, f));
	}
	return b;
}

/*
 * A top-level column of len bytes at col (n values), replaced in place by
 * ZSTD (mode, its length, the frame's length, the frame) when zstd takes a
 * tenth off: the bit-packed columns of recordings of many similar processes
 * repeat whole byte sequences. Tried on the segments that choose schemes,
 * kept for the others (memo[3]). A column longer than col_bound(n) (a
 * scheme kept from earlier segments that no longer suits the values) stays
 * as it is: readers refuse a ZSTD column that claims more. Returns the
 * column's new length, or < 0.
 */
static long maybe_zstd(struct nxr_colenc *e, uint8_t *col, size_t len, size_t n, uint8_t *memo)
{
	uint8_t *p;
	size_t zn;

	if (len < 64 || len > col_bound(n) || (memo[3] == 1 && !e->choose))
		return (long)len;
	if (grow_fresh((void **)&e->zbuf, &e->zcap, ZSTD_compressBound(len)) < 0)
		return -ENOMEM;
	zn = ZSTD_compress2(e->zctx, e->zbuf, e->zcap, col, len);
	if (ZSTD_isError(zn))
		return ZSTD_getErrorCode(zn) == ZSTD_error_memory_allocation ? -ENOMEM : -EIO;
	if (zn + 1 + 2 * NXR_VARINT_MAX >= len || zn > len - len / 10) {
		memo[3] = 1;
		return (long)len;
	}
	memo[3] = 2;
	p = col;
	*p++ = M_ZSTD;
	p = nxr_put_varint(p, len);
	p = nxr_put_varint(p, zn);
	memcpy(p, e->zbuf, zn);
	return (long)(p + zn - col);
}

/* A column's memos (its memo, HUFF's and LOGH's flags, 4 bytes each), kept
 * while another coding is tried and put back when it loses */
struct memo_keep {
	uint8_t b[12];
};

static void memo_keep(const struct nxr_colenc *e, const uint8_t *memo, struct memo_keep *k)
{
	size_t mi = (size_t)(memo - &e->memo[0][0][0]);

	memcpy(k->b, memo, 4);
	memcpy(k->b + 4, &e->hmemo[mi], 4);
	memcpy(k->b + 8, &e->lmemo[mi], 4);
}

static void memo_back(struct nxr_colenc *e, uint8_t *memo, const struct memo_keep *k)
{
	size_t mi = (size_t)(memo - &e->memo[0][0][0]);

	memcpy(memo, k->b, 4);
	memcpy(&e->hmemo[mi], k->b + 4, 4);
	memcpy(&e->lmemo[mi], k->b + 8, 4);
}

/*
 * ---- ENTRY keys (format 1.3, NXR_INCOMPAT_CONTEXT) ----
 *
 * A syscall's time key is its exit time, so the gap to the key before it
 * is its duration, which its own column stores, plus the time from that
 * event to its entry (in one task, the user time between two syscalls).
 * ENTRY codes the keys column as the gaps less each syscall's duration:
 * the reader adds the durations back once the syscall section is read.
 */

/* One past the last event of kind run r */
static inline uint32_t krun_end(const struct nxr_colenc *e, uint32_t r)
{
	return r + 1 < e->nkrun ? e->krun_at[r + 1] : e->n;
}

/* ENTRY at out: the differences as a nested column (its memo memo[1]).
 * The syscalls are still staged in event order (kinds as runs). */
static size_t put_entry(struct nxr_colenc *e, uint8_t *out, uint8_t *memo)
{
	const uint64_t *dur = e->k[NX_KIND_SYSCALL].f[SF_dur_ns];
	const uint64_t *key = e->key;
	uint64_t prev = 0, *g = e->evcol;	/* free once the tasks column is out */
	uint32_t q = 0;

	for (uint32_t r = 0, i = 0; r < e->nkrun; r++) {
		uint32_t end = krun_end(e, r);
		bool sys = e->krun_kind[r] == NX_KIND_SYSCALL;

		for (; i < end; i++) {
			uint64_t d = sys ? dur[q++] : 0;

			g[i] = key[i] - prev - d;
			prev = key[i];
		}
	}
	*out = M_ENTRY;
	return 1 + enc_int_memo(e, 1, g, e->n, NULL, 0, out + 1, memo + 1);
}

/*
 * ---- LOGH columns and TGAP keys (format 1.4, NXR_INCOMPAT_TIMING) ----
 *
 * Times (durations, the time between a task's syscalls) spread over many
 * binary orders of magnitude, each syscall number's around its own: a
 * value's bit length and the sub bits below its top bit are a symbol of a
 * Huffman code, its other bits raw (DEFLATE's distance codes), with a code
 * per group of a grouped column (per syscall number) where that is
 * smaller. HUFF's fixed count of raw bits fits none of them.
 */

/* The symbol of v with sub bits below its top bit; *nraw its raw bits */
static inline unsigned logh_sym(uint64_t v, unsigned sub, unsigned *nraw)
{
	unsigned b, r;

	if (v < (2ull << sub)) {
		*nraw = 0;
		return (unsigned)v;
	}
	b = top_bit(v) + 1;
	r = b - 1 - sub;
	*nraw = r;
	return (2u << sub) + ((b - sub - 2) << sub) + (unsigned)((v >> r) & ((1u << sub) - 1));
}

/* The sizes of the parts of a LOGH column of n values in cnt: one part,
 * or (grouped) one per group of the section; how many. */
static unsigned logh_parts(const struct nxr_colenc *e, bool grouped, uint32_t n, uint32_t *cnt)
{
	if (!grouped) {
		cnt[0] = n;
		return 1;
	}
	memset(cnt, 0, e->lgn * sizeof(*cnt));
	for (uint32_t j = 0; j < n - e->ltail; j++)
		cnt[e->ggid[j]]++;
	cnt[e->lgn] = e->ltail;	/* (TGAPN's other events: a part, when there are) */
	return e->lgn + (e->ltail != 0);
}

/* Bytes of one part's table, stream length and stream (count: its
 * symbols' histogram over the alphabet of nsym), its code built in *h;
 * *lo, *cnt: the range of symbols it codes. */
static size_t logh_part_cost(struct nxr_huff_enc *h, const uint32_t *count, unsigned nsym,
			     uint64_t rawbits, unsigned *lo, unsigned *cnt)
{
	unsigned a = 0, z = nsym;
	uint64_t bits;

	while (a + 1 < z && !count[a])
		a++;
	while (z - 1 > a && !count[z - 1])
		z--;
	if (nxr_huff_build(h, count + a, z - a) < 0)
		return SIZE_MAX / 4;
	bits = nxr_huff_cost(h, count + a) + rawbits;
	*lo = a;
	*cnt = z - a;
	return nxr_varint_len(a) + nxr_varint_len(z - a) + nxr_huff_table_size(z - a) +
	       nxr_varint_len((bits + 7) / 8) + (bits + 7) / 8;
}

/* The symbol with sub bits of the symbol y3 with 3 (bit lengths above 4
 * keep their top bits; smaller values are their own symbol with 3) */
static inline unsigned logh_resub(unsigned y3, unsigned sub)
{
	unsigned r;

	if (y3 < 16 || sub == 3)
		return y3 < 16 ? logh_sym(y3, sub, &r) : y3;
	return (2u << sub) + ((((y3 - 16) >> 3) + 3 - sub) << sub) +
	       (((y3 - 16) & 7u) >> (3 - sub));
}

/* Bytes of a part whose symbols with 3 sub bits are counted in c3, coded
 * with sub bits (tmp: room for a histogram) */
static size_t logh_resub_cost(struct nxr_huff_enc *h, const uint32_t *c3, unsigned sub,
			      uint32_t *tmp)
{
	unsigned nsym = LOGH_NSYM(sub), lo, cnt;
	uint64_t raw = 0;

	memset(tmp, 0, nsym * sizeof(*tmp));
	for (unsigned y = 0; y < LOGH_MAXSYM; y++) {
		unsigned z = logh_resub(y, sub);

		tmp[z] += c3[y];
		raw += (uint64_t)c3[y] * (z < 2u << sub ? 0 : ((z - (2u << sub)) >> sub) + 1);
	}
	return logh_part_cost(h, tmp, nsym, raw, &lo, &cnt);
}

/*
 * ---- LOGH parts by the syscall before (format 1.6, NXR_INCOMPAT_PREVNR) ----
 *
 * A syscall's duration, and the time before it, depend on the syscall its
 * task made before it as well as on its own number: grep's read() after
 * fstat() reads a file, after another read() finds its end. A group's part
 * of a LOGH column then splits by that syscall's number, the classes with
 * enough values each a part of their own.
 */
static void copy_history(struct nxr_colenc *e, const struct kstage *ks);
#define COPY_NONE UINT32_MAX	/* no syscall before (copy_history()): its values read as 0 */

/* Each of n values' class, in the grouped order of the syscall section
 * (then n - ks->n others: 0): 1 + the group of its task's syscall before
 * it in the segment, 0 when it has none. Computed once a segment (lclsn:
 * how many are; 0 at its start), for every LOGH column that asks. */
static const uint32_t *logh_classes(struct nxr_colenc *e, uint32_t n)
{
	const struct kstage *ks = &e->k[NX_KIND_SYSCALL];
	const uint32_t *cp1, *gid = ks->gid, *pos = e->pos;
	uint32_t *cls = e->lcls;

	if (!e->lclsn) {
		if (!e->cphist)
			copy_history(e, ks);
		cp1 = e->cp1;
		for (uint32_t j = 0; j < ks->n; j++)
			cls[pos[j]] = cp1[j] == COPY_NONE ? 0 : 1 + gid[cp1[j]];
		e->lclsn = ks->n;
	}
	for (; e->lclsn < n; e->lclsn++)
		cls[e->lclsn] = 0;
	return cls;
}

/* Bytes of a part of histogram c (symbols with sub bits), its code in *h */
static size_t logh_hist_cost(struct nxr_huff_enc *h, const uint32_t *c, unsigned sub)
{
	unsigned nsym = LOGH_NSYM(sub), lo, cnt;
	uint64_t raw = 0;

	for (unsigned y = 2u << sub; y < nsym; y++)
		raw += (uint64_t)c[y] * (((y - (2u << sub)) >> sub) + 1);
	return logh_part_cost(h, c, nsym, raw, &lo, &cnt);
}

/*
 * The classes of group k's m values v[i..i+m) (classes cls[]) that get a
 * part of their own (lpk[k], lpc[k]): of those with LOGH_PREV_MIN values,
 * the LOGH_PREV_MAX most frequent, each taken where its part and the rest
 * cost less than the rest with it. Returns the group's bytes so coded.
 */
static size_t logh_prev_choose(struct nxr_colenc *e, const uint64_t *v, const uint32_t *cls,
			       size_t i, uint32_t m, unsigned sub, unsigned k)
{
	uint32_t ccnt[NXR_COL_MAX_GROUPS + 1] = { 0 }, cand[LOGH_PREV_MAX];
	uint8_t slot[NXR_COL_MAX_GROUPS + 1];
	uint32_t (*hist)[LOGH_MAXSYM] = e->lphist, *rest = hist[LOGH_PREV_MAX];
	uint32_t *trial = hist[LOGH_PREV_MAX + 1], left = m;
	struct nxr_huff_enc *h = &e->huff[0];
	unsigned nc = 0, nsym = LOGH_NSYM(sub), r;
	size_t total, rest_cost;

	for (uint32_t j = 0; j < m; j++)
		ccnt[cls[i + j]]++;
	while (nc < LOGH_PREV_MAX) {	/* (the most frequent first, lower classes on ties) */
		uint32_t best = UINT32_MAX;

		for (uint32_t c = 0; c <= e->ngroups; c++)
			if (ccnt[c] >= LOGH_PREV_MIN && (best == UINT32_MAX || ccnt[c] > ccnt[best]))
				best = c;
		if (best == UINT32_MAX)
			break;
		cand[nc++] = best;
		ccnt[best] = 0;	/* (counted again below) */
	}
	memset(slot, 0xff, (size_t)e->ngroups + 1);
	memset(rest, 0, nsym * sizeof(*rest));
	for (unsigned c = 0; c < nc; c++) {
		slot[cand[c]] = (uint8_t)c;
		memset(hist[c], 0, nsym * sizeof(*hist[c]));
	}
	for (uint32_t j = 0; j < m; j++) {
		unsigned y = logh_sym(v[i + j], sub, &r), c = slot[cls[i + j]];

		rest[y]++;
		if (c != 0xff)
			hist[c][y]++;
	}
	rest_cost = logh_hist_cost(h, rest, sub);
	total = 1;	/* (the count of classes) */
	e->lpk[k] = 0;
	for (unsigned c = 0; c < nc; c++) {
		uint32_t cnt = 0;
		size_t own, without;

		for (unsigned y = 0; y < nsym; y++) {
			trial[y] = rest[y] - hist[c][y];
			cnt += hist[c][y];
		}
		/* (the rest keeps a value: a part of none has no code to build) */
		if (cnt == left)
			continue;
		own = logh_hist_cost(h, hist[c], sub) + nxr_varint_len(cand[c]);
		without = logh_hist_cost(h, trial, sub);
		if (own + without >= rest_cost)
			continue;
		memcpy(rest, trial, nsym * sizeof(*rest));
		rest_cost = without;
		total += own;
		left -= cnt;
		e->lpc[k][e->lpk[k]++] = (uint16_t)cand[c];
	}
	return total + rest_cost;
}

/* The bytes of a LOGH column with G and P (its mode and flags too) of the
 * np groups of pc[] values each, each group's classes chosen */
static size_t logh_prev_cost(struct nxr_colenc *e, const uint64_t *v, const uint32_t *cls,
			     const uint32_t *pc, unsigned np, unsigned sub)
{
	size_t cost = 2;

	for (size_t k = 0, i = 0; k < np; i += pc[k++])
		cost += logh_prev_choose(e, v, cls, i, pc[k], sub, (unsigned)k);
	return cost;
}

/* A LOGH value: the code of its symbol y (less the part's lo), then its r
 * raw bits low */
static inline void logh_put_value(struct nxr_bitw *bw, const struct nxr_huff_enc *h, unsigned y,
				  uint64_t low, unsigned r)
{
	if (h->len[y] + r <= 56) {
		nxr_bitw_put(bw, h->code[y] | low << h->len[y], h->len[y] + r);
	} else {
		nxr_bitw_put(bw, h->code[y], h->len[y]);
		nxr_bitw_put(bw, low & 0xffffffffu, 32);
		nxr_bitw_put(bw, low >> 32, r - 32);
	}
}

/* One part of LOGH with sub bits at *pp: the values v[idx[0..m)] */
static void put_logh_part(struct nxr_colenc *e, const uint64_t *v, const uint32_t *idx,
			  uint32_t m, unsigned sub, uint8_t **pp)
{
	struct nxr_huff_enc *h = &e->huff[0];
	unsigned nsym = LOGH_NSYM(sub), lo, cnt, r;
	uint32_t *c = e->lcount;
	uint64_t raw = 0, bits;
	struct nxr_bitw bw;
	uint8_t *p = *pp;

	memset(c, 0, nsym * sizeof(*c));
	for (uint32_t j = 0; j < m; j++) {
		c[logh_sym(v[idx[j]], sub, &r)]++;
		raw += r;
	}
	logh_part_cost(h, c, nsym, raw, &lo, &cnt);
	bits = nxr_huff_cost(h, c + lo) + raw;
	p = nxr_put_varint(p, lo);
	p = nxr_put_varint(p, cnt);
	p = nxr_huff_table_put(p, h);
	p = nxr_put_varint(p, (bits + 7) / 8);
	nxr_bitw_init(&bw, p);
	for (uint32_t j = 0; j < m; j++) {
		uint64_t x = v[idx[j]], low;
		unsigned y = logh_sym(x, sub, &r) - lo;

		low = x & ((1ull << r) - 1);
		logh_put_value(&bw, h, y, low, r);
	}
	*pp = nxr_bitw_end(&bw);
}

/* Group k's part (values v[i..i+m)) split by lpk[k], lpc[k] at *pp: the
 * count of classes, the classes, their parts, the rest's */
static void put_logh_prev(struct nxr_colenc *e, const uint64_t *v, const uint32_t *cls,
			  size_t i, uint32_t m, unsigned sub, unsigned k, uint8_t **pp)
{
	uint8_t slot[NXR_COL_MAX_GROUPS + 1];
	uint32_t at[LOGH_PREV_MAX + 2] = { 0 }, *idx = e->lidx;
	unsigned nk = e->lpk[k];
	uint8_t *p = nxr_put_varint(*pp, nk);

	memset(slot, nk, (size_t)e->ngroups + 1);
	for (unsigned c = 0; c < nk; c++) {
		slot[e->lpc[k][c]] = (uint8_t)c;
		p = nxr_put_varint(p, e->lpc[k][c]);
	}
	for (uint32_t j = 0; j < m; j++)
		at[slot[cls[i + j]] + 1]++;
	for (unsigned c = 1; c <= nk + 1; c++)
		at[c] += at[c - 1];
	for (uint32_t j = 0; j < m; j++)
		idx[at[slot[cls[i + j]]]++] = (uint32_t)(i + j);
	for (unsigned c = 0, from = 0; c <= nk; c++) {
		put_logh_part(e, v, idx + from, at[c] - from, sub, &p);
		from = at[c];
	}
	*pp = p;
}

/*
 * LOGH of v[0..n) at out (room for col_bound(n)): grouped (a code per
 * group of the section, e->ggid) or not, with the sub of 0-3 that is
 * smallest on the whole column, grouped where that is smaller, and (cls:
 * each value's class, logh_classes(); NULL: not tried) each group's part
 * split by the syscall before where that takes n / 32 bytes off; or as
 * *lm says (1 + the flags: a segment that follows its memo). *lm then says
 * what was chosen. Its bytes, or 0 when it would not fit col_bound(n) or
 * (choosing) would not be below limit.
 */
static size_t try_logh(struct nxr_colenc *e, const uint64_t *v, size_t n, bool grouped,
		       const uint32_t *cls, uint8_t *out, uint8_t *lm, size_t limit)
{
	uint32_t pc[NXR_COL_MAX_GROUPS + 1], *yr = (uint32_t *)e->a[0];	/* free here */
	size_t best = SIZE_MAX, cost;
	unsigned bsub = 0, bg = 0, bp = 0, np;
	struct nxr_huff_enc *h = &e->huff[0];
	uint8_t *p = out;
	bool follow;

	if (!grouped)
		cls = NULL;
	follow = *lm && !e->choose && (!((*lm - 1) & 4) || grouped) && (!((*lm - 1) & 8) || cls);
	np = logh_parts(e, grouped, (uint32_t)n, pc);
	if (grow((void **)&e->lcount, &e->lcountcap, (size_t)(np + 2) * LOGH_MAXSYM,
		 sizeof(*e->lcount)) < 0)
		return 0;
	if (follow) {
		bsub = (*lm - 1u) & 3;
		bg = (*lm - 1u) >> 2 & 1;
		bp = (*lm - 1u) >> 3 & 1;
		/* (its bytes, as they will be written: within the bound?) */
		if (bp && logh_prev_cost(e, v, cls, pc, np, bsub) > col_bound(n))
			return 0;
	} else {
		/* one pass: each part's symbols with 3 sub bits (the whole
		 * column's at [0], the parts' from [1] on, when grouped), the
		 * others counted from them */
		uint32_t *all = e->lcount, *tmp = e->lcount + (size_t)(np + 1) * LOGH_MAXSYM;

		memset(all, 0, (size_t)(np + 1) * LOGH_MAXSYM * sizeof(*all));
		for (size_t k = 0, i = 0; k < np; k++) {
			uint32_t *c = grouped ? all + (k + 1) * LOGH_MAXSYM : all;
			unsigned r;

			for (size_t end = i + pc[k]; i < end; i++)
				c[logh_sym(v[i], 3, &r)]++;
		}
		for (size_t k = 0; grouped && k < np; k++)
			for (unsigned y = 0; y < LOGH_MAXSYM; y++)
				all[y] += all[(k + 1) * LOGH_MAXSYM + y];
		for (unsigned sub = 0; sub < LOGH_SUBS; sub++) {
			if (e->logh_sub < LOGH_SUBS && sub != e->logh_sub)
				continue;
			cost = 2 + logh_resub_cost(h, all, sub, tmp);	/* + mode, flags */
			if (cost < best) {
				best = cost;
				bsub = sub;
			}
		}
		cost = 2;
		for (size_t k = 0; grouped && k < np; k++)
			cost += logh_resub_cost(h, all + (k + 1) * LOGH_MAXSYM, bsub, tmp);
		if (grouped && cost < best) {
			best = cost;
			bg = 1;
		}
		if (bg && cls) {
			cost = logh_prev_cost(e, v, cls, pc, np, bsub);
			if (cost + n / LOGH_PREV_GAIN_MIN < best) {
				best = cost;
				bp = 1;
			}
		}
		if (best > col_bound(n) || best >= limit)
			return 0;
	}
	np = logh_parts(e, bg, (uint32_t)n, pc);
	*p++ = M_LOGH;
	*p++ = (uint8_t)(bsub | bg << 2 | bp << 3);
	for (size_t k = 0, i = 0; bp && k < np; i += pc[k++])
		put_logh_prev(e, v, cls, i, pc[k], bsub, (unsigned)k, &p);
	for (size_t k = 0, i = 0; !bp && k < np; k++) {
		unsigned nsym = LOGH_NSYM(bsub), lo, cnt, r;
		uint32_t *c = e->lcount;
		uint64_t raw = 0, bits;
		struct nxr_bitw bw;

		memset(c, 0, nsym * sizeof(*c));
		for (size_t j = i; j < i + pc[k]; j++) {
			unsigned y = logh_sym(v[j], bsub, &r);

			yr[j] = y << 8 | r;
			c[y]++;
			raw += r;
		}
		logh_part_cost(h, c, nsym, raw, &lo, &cnt);
		bits = nxr_huff_cost(h, c + lo) + raw;
		/* (following the memo, a column that grew past the bound stops
		 * here, before its stream: none is longer than 16 bytes a value) */
		if (follow && (size_t)(p - out) + 32 + (bits + 7) / 8 > col_bound(n))
			return 0;
		p = nxr_put_varint(p, lo);
		p = nxr_put_varint(p, cnt);
		p = nxr_huff_table_put(p, h);
		p = nxr_put_varint(p, (bits + 7) / 8);
		nxr_bitw_init(&bw, p);
		for (size_t end = i + pc[k]; i < end; i++) {
			unsigned y = (yr[i] >> 8) - lo;
			uint64_t low;

			r = yr[i] & 0xff;	/* < 64 */
			low = v[i] & ((1ull << r) - 1);
			logh_put_value(&bw, h, y, low, r);
		}
		p = nxr_bitw_end(&bw);
	}
	if ((size_t)(p - out) > col_bound(n))
		return 0;
	*lm = (uint8_t)(1 + (bsub | bg << 2 | bp << 3));
	return (size_t)(p - out);
}

/*
 * TGAPN (format 1.5): TGAP's values (g, event order) with the syscalls'
 * first, in their section's grouped order, then the other events' in event
 * order (a scratch column free while the keys are coded): LOGH then codes
 * the times between a task's syscalls by syscall number, which they
 * depend on (ls's getdents64 after its openat, grep's read after its
 * fstat).
 */
static uint64_t *tgapn_order(struct nxr_colenc *e, const uint64_t *g)
{
	uint64_t *out = e->grp[1];
	uint32_t nsys = 0, other = e->k[NX_KIND_SYSCALL].n;

	for (uint32_t r = 0, i = 0; r < e->nkrun; r++) {
		uint32_t end = krun_end(e, r);

		if (e->krun_kind[r] == NX_KIND_SYSCALL)
			for (; i < end; i++)
				out[e->pos[nsys++]] = g[i];
		else
			for (; i < end; i++)
				out[other++] = g[i];
	}
	return out;
}

/*
 * TGAP keys at out: each event's entry time (a syscall's key less its
 * duration, another event's key) less the key of its task's event before
 * it in the segment (a task's first: the event before it; 0 for the
 * first), zigzag-mapped, as a nested column: LOGH (a reader takes any
 * nested column there; the times between a task's syscalls are what LOGH
 * is for, and trying the others would cost every segment that chooses),
 * or, should LOGH not fit, what enc_int_memo() finds. Choosing (limit <
 * SIZE_MAX): 0 unless its nested column is below limit. The syscalls are
 * still staged in event order.
 */
static size_t put_tgap(struct nxr_colenc *e, uint8_t *out, uint8_t *memo, size_t limit,
		       bool by_nr)
{
	uint8_t *lm = &e->lmemo[memo + 1 - &e->memo[0][0][0]], *col = out + 1;
	const uint64_t *dur = e->k[NX_KIND_SYSCALL].f[SF_dur_ns];
	uint32_t at[NX_KIND_MAX_ID + 1] = { 0 };
	const uint64_t *key = e->key;
	uint64_t *last = e->prev, *g = e->evcol;	/* free once the tasks column is out */
	uint8_t *seen = (uint8_t *)e->a[0];
	uint32_t n = e->n, nsys = e->k[NX_KIND_SYSCALL].n;
	size_t got;

	memset(seen, 0, e->ntasks);
	for (uint32_t r = 0, i = 0; r < e->nkrun; r++) {
		uint32_t end = krun_end(e, r), k = e->krun_kind[r], i0 = i;
		const uint32_t *t = e->k[k].task + at[k];
		bool sys = k == NX_KIND_SYSCALL;

		for (uint32_t j = 0; i < end; i++, j++) {
			uint32_t tk = t[j];
			uint64_t ref = seen[tk] ? last[tk] : i ? key[i - 1] : 0;
			uint64_t d = key[i] - (sys ? dur[at[k] + j] : 0) - ref;

			/* (TGAPN: a task's later events as they are, never below 0
			 * but in a damaged clock: zigzag took a bit a value) */
			g[i] = by_nr && seen[tk] ? d : zig(d);
			seen[tk] = 1;
			last[tk] = key[i];
		}
		at[k] += end - i0;
	}
	if (by_nr) {
		g = tgapn_order(e, g);
		col = out + 1 + NXR_VARINT_MAX;
		e->lgn = e->ngroups;
		e->ltail = n - nsys;
	}
	out[0] = by_nr ? M_TGAPN : M_TGAP;
	got = try_logh(e, g, n, by_nr, by_nr && e->prevnr ? logh_classes(e, n) : NULL, col, lm,
		       limit);
	e->lgn = e->ltail = 0;
	if (!got && limit != SIZE_MAX)	/* (choosing: it would not gain) */
		return 0;
	if (!got)
		got = enc_int_memo(e, 1, g, n, NULL, 0, col, memo + 1);
	return by_nr ? (size_t)(put_sized(out + 1, got) - out) : 1 + got;
}


/*
 * The keys column at out; its length, or < 0. With ENTRY allowed and
 * syscalls in the segment, a segment that chooses schemes codes the keys
 * both ways and keeps ENTRY where it takes n / 32 bytes off (memo[0], the
 * keys' memo, then says ENTRY for the next segments; HUFF's hmemo
 * restored with it otherwise).
 */
static long enc_keys_13(struct nxr_colenc *e, uint8_t *out)
{
	uint8_t *memo = e->memo[0][2], *last = &e->ctxwon[0][2];
	struct memo_keep keep;
	uint32_t n = e->n;
	size_t got, alt;
	bool won;

	if (!e->context || n < 8 || !e->k[NX_KIND_SYSCALL].n) {
		if (memo[0] == M_ENTRY + 1)
			memo[0] = 0;
		return (long)enc_int_memo(e, 0, e->key, n, NULL, 0, out, memo);
	}
	if (e->choose && ctx_follow(e, *last, &won)) {
		if (won) {
			memo[0] = M_ENTRY + 1;
			return (long)put_entry(e, out, memo);
		}
		memo[0] = 0;
	}
	if (!e->choose || ctx_follow(e, *last, &won))
		return (long)(memo[0] == M_ENTRY + 1 ? put_entry(e, out, memo)
						      : enc_int_memo(e, 0, e->key, n, NULL, 0, out, memo));
	got = enc_int_memo(e, 0, e->key, n, NULL, 0, out, memo);
	memo_keep(e, memo, &keep);
	if (grow_fresh((void **)&e->alt, &e->altcap, col_bound(n) + 64) < 0)
		return -ENOMEM;
	alt = put_entry(e, e->alt, memo);
	*last = ctx_outcome(alt, got);
	if (alt + n / CONTEXT_GAIN_MIN < got) {
		memo[0] = M_ENTRY + 1;
		memcpy(out, e->alt, alt);
		return (long)alt;
	}
	memo_back(e, memo, &keep);
	return (long)got;
}

/*
 * The keys column at out; its length, or < 0. With TGAP allowed and
 * syscalls in the segment, a segment that chooses schemes codes the keys
 * as format 1.3 would (enc_keys_13()), as TGAP, and (by_nr: the syscalls
 * grouped, format 1.5 allowed) as TGAPN, and keeps each of the last two
 * where it takes n / 32 bytes off the best before it (memo[0] then says
 * which for the next segments).
 */
static long enc_keys(struct nxr_colenc *e, uint8_t *out, bool by_nr)
{
	uint8_t *memo = e->memo[0][2], *buf[2], *bestbuf = out;
	struct memo_keep keep;
	uint32_t n = e->n;
	size_t best, alt;
	long got;

	by_nr = by_nr && e->copy && e->ngroups < NXR_COL_MAX_GROUPS;
	if (memo[0] == M_TGAPN + 1 && !by_nr)
		memo[0] = 0;
	if (!e->timing || n < 8 || !e->k[NX_KIND_SYSCALL].n) {
		if (memo[0] == M_TGAP + 1 || memo[0] == M_TGAPN + 1)
			memo[0] = 0;
		return enc_keys_13(e, out);
	}
	if (!e->choose)
		return memo[0] == M_TGAP + 1 || memo[0] == M_TGAPN + 1
			       ? (long)put_tgap(e, out, memo, SIZE_MAX, memo[0] == M_TGAPN + 1)
			       : enc_keys_13(e, out);
	if (memo[0] == M_TGAP + 1 || memo[0] == M_TGAPN + 1)
		memo[0] = 0;
	got = enc_keys_13(e, out);
	if (got < 0)
		return got;
	best = (size_t)got;
	if (grow_fresh((void **)&e->alt, &e->altcap, col_bound(n) + 64) < 0 ||
	    grow_fresh((void **)&e->cbuf, &e->cbufcap, 3 * col_bound(n) + 128) < 0)
		return -ENOMEM;
	buf[0] = e->alt;
	buf[1] = e->cbuf;
	/* TGAP, then (format 1.5) TGAPN: each kept where it takes n / 32
	 * bytes off the best before it, the memos of the best restored */
	for (unsigned w = 0; w < 1u + by_nr; w++) {
		memo_keep(e, memo, &keep);
		alt = put_tgap(e, buf[w], memo,
			       best > n / CONTEXT_GAIN_MIN + 1 ? best - n / CONTEXT_GAIN_MIN - 1 : 0,
			       w == 1);
		if (alt && alt + n / CONTEXT_GAIN_MIN < best) {
			memo[0] = w ? M_TGAPN + 1 : M_TGAP + 1;
			best = alt;
			bestbuf = buf[w];
			continue;
		}
		memo_back(e, memo, &keep);
	}
	if (bestbuf != out)
		memcpy(out, bestbuf, best);
	return (long)best;
}

/*
 * Whether TNEAR may take n / 32 bytes off v (tasks ctx, the section's),
 * whose scheme is being chosen and which zstd did not shrink: a long
 * column's sample (as enc_int_memo() takes it) sized both ways. (A column
 * that zstd shrank is tried in full: there what TNEAR gains shows only
 * over whole processes, which a sample does not hold.) The synthetic
 * stream's columns stop here, sparing the nearest-value search over the
 * whole column, its nested columns and a second zstd.
 */
static bool tnear_may_win(struct nxr_colenc *e, const uint64_t *v, size_t n, const uint32_t *ctx)
{
	uint64_t *sv = e->sv[0];
	uint32_t *sc = e->sc[0];
	size_t k = 0, plain, tn;
	bool dry = e->dry;

	if (n <= 2 * SAMPLE_RUNS * BLK)
		return true;
	for (size_t r = 0; r < SAMPLE_RUNS; r++, k += BLK) {
		size_t at = (n - BLK) / (SAMPLE_RUNS - 1) * r;

		memcpy(sv + k, v + at, BLK * 8);
		memcpy(sc + k, ctx + at, BLK * 4);
	}
	e->dry = true;
	e->context = false;
	plain = e->sample_best ? e->sample_best : enc_exact(e, 0, sv, k, sc, e->ntasks,
							     e->trial[0][2]);
	e->context = true;
	tn = try_tnear(e, 0, sv, k, sc, e->ntasks, e->alt, NULL);
	e->dry = dry;
	return tn + k / CONTEXT_GAIN_MIN < plain;
}

/*
 * A section's integer column (v, n values, tasks ctx) at out, ZSTD-wrapped
 * where zstd takes a tenth off; its length, or < 0. On a segment that
 * chooses schemes, with TNEAR allowed, the column is coded twice, without
 * TNEAR and with it, each through zstd, and TNEAR kept only if it takes
 * n / 32 bytes off: the recordings' columns are mostly ZSTD-wrapped, and
 * what zstd finds in each coding (the repeats of whole processes) is not
 * what a sample's sizes before zstd tell. The choice is kept for the next
 * segments with the others (memo, and HUFF's hmemo, restored to the
 * winner's).
 */
static long enc_field_ctx(struct nxr_colenc *e, const uint64_t *v, uint32_t n,
			  const uint32_t *ctx, uint8_t *out, uint8_t *memo, uint8_t *last)
{
	struct memo_keep keep;
	long got, alt;
	size_t cl;
	bool won;

	if (e->context && n >= 8 && e->choose && ctx_follow(e, *last, &won) && won) {
		cl = emit_context(e, 0, v, n, ctx, e->ntasks, out, memo);
		if (cl) {
			memo[0] = M_TNEAR + 1;
			return maybe_zstd(e, out, cl, n, memo);
		}
	}
	if (!e->context || n < 8 || !e->choose || ctx_follow(e, *last, &won)) {
		cl = enc_int_memo(e, 0, v, n, ctx, e->ntasks, out, memo);
		return maybe_zstd(e, out, cl, n, memo);
	}
	if (grow_fresh((void **)&e->alt, &e->altcap, col_bound(n) + 64) < 0)
		return -ENOMEM;
	e->context = false;
	e->sample_best = 0;
	cl = enc_int_memo(e, 0, v, n, ctx, e->ntasks, out, memo);
	e->context = true;
	got = maybe_zstd(e, out, cl, n, memo);
	if (got <= 0)
		return got;
	/* (a column of n / 32 bytes or less, as the unused arguments', cannot
	 * lose them) */
	if ((size_t)got <= n / CONTEXT_GAIN_MIN ||
	    (*out != M_ZSTD && !tnear_may_win(e, v, n, ctx))) {
		*last = CTX_LOST;
		return got;
	}
	memo_keep(e, memo, &keep);
	cl = emit_context(e, 0, v, n, ctx, e->ntasks, e->alt, memo);
	memo[0] = M_TNEAR + 1;
	alt = cl ? maybe_zstd(e, e->alt, cl, n, memo) : 0;
	if (alt < 0)
		return alt;
	*last = alt ? ctx_outcome((size_t)alt, (size_t)got) : CTX_LOST;
	if (alt && alt + n / CONTEXT_GAIN_MIN < got) {
		memcpy(out, e->alt, (size_t)alt);
		return alt;
	}
	if (*last == CTX_CLOSE)
		*last = CTX_CLOSE_LOST;
	memo_back(e, memo, &keep);
	return got;
}

/* A syscall field's classes for LOGH (logh_classes()) where the syscalls
 * are grouped by number and parts by the syscall before allowed, else NULL */
static const uint32_t *syscall_classes(struct nxr_colenc *e, uint32_t n)
{
	return e->prevnr && e->lgn > 1 ? logh_classes(e, n) : NULL;
}

/*
 * A section's integer column at out, as enc_field_ctx(); with LOGH allowed,
 * the syscalls' durations are also tried as LOGH on a segment that chooses
 * (a code per syscall number), kept where that takes n / 32 bytes off
 * (memo[0] then says LOGH for the next segments). Only the durations: the
 * other columns are not times, and trying each would cost every writer.
 */
static long enc_field(struct nxr_colenc *e, const uint64_t *v, uint32_t n, const uint32_t *ctx,
		      uint8_t *out, uint8_t *memo, uint8_t *last)
{
	uint8_t *lm = &e->lmemo[memo - &e->memo[0][0][0]];
	size_t alt;
	long got;

	if (!e->timing || n < 8 || memo != e->memo[NX_KIND_SYSCALL][SF_dur_ns])
		return enc_field_ctx(e, v, n, ctx, out, memo, last);
	if (!e->choose && memo[0] == M_LOGH + 1) {
		alt = try_logh(e, v, n, e->lgn > 1, syscall_classes(e, n), out, lm, SIZE_MAX);
		if (alt)
			return (long)alt;
	}
	got = enc_field_ctx(e, v, n, ctx, out, memo, last);
	if (got <= 0 || !e->choose)
		return got;
	if (grow_fresh((void **)&e->alt, &e->altcap, col_bound(n) + 64) < 0)
		return -ENOMEM;
	alt = try_logh(e, v, n, e->lgn > 1, syscall_classes(e, n), e->alt, lm,
		       (size_t)got > n / LOGH_GAIN_MIN ? (size_t)got - n / LOGH_GAIN_MIN : 0);
	if (alt && alt + n / LOGH_GAIN_MIN < (size_t)got) {
		memcpy(out, e->alt, alt);
		memo[0] = M_LOGH + 1;
		return (long)alt;
	}
	return got;
}

/*
 * ---- TCOPY (format 1.5, NXR_INCOMPAT_COPY) ----
 *
 * The registers a syscall does not take hold what its process's code left
 * in them, mostly what they held at its syscall before (the kernel keeps
 * them), or another register's or return value of that syscall or of its
 * own: a read()'s sixth register its own buffer address, the next close()'s
 * the same. Grouped by syscall number, as the columns are, a value's
 * neighbour is the task's last syscall of that number, which had other
 * syscalls in between: grep's read()s, 1.28 bytes a syscall in the sixth
 * register. TCOPY codes a column of arg1..arg6 or ret as each value's slot,
 * a place among the task's last two syscalls' values and its own earlier
 * ones where the same value is (0: none, the value is a literal), and the
 * literals as a column of their own.
 */
#define COPY_FIELDS COPY_FIELDS_MAX	/* arg1..arg6 and ret may be TCOPY columns */
#define COPY_SLOTS 26u		/* a slot: 1, 2 the same field of the task's last
				 * syscall and the one before; 3 + g this
				 * syscall's field g (g < the column's); 10 + g,
				 * 17 + g field g of those two syscalls; (1.6)
				 * 24, 25 the same field of the last plus, minus
				 * its return value */
#define COPY_SLOTS_1_5 24u	/* ... those of format 1.5 */
#define COPY_STEP 24u		/* the first of the steps */
#define COPY_SAMPLE 1024u	/* values a choosing segment looks at first */
#define COPY_MIN_HITS 4u	/* ... of which a quarter must be copies */
#define COPY_GAIN_MIN 8u	/* a TCOPY column saves n / 8 bytes, a bit a value */
#define COPY_LOGH_GAIN_MIN 8u	/* ... its slots LOGH where that saves n / 8 too, */
#define COPY_LOGH_GAIN_SLOW 32u	/* ... n / 32 in a slow payload (e->slow) */
_Static_assert(SF_ret + 1 == COPY_FIELDS, "the fields TCOPY covers");

/* cp1, cp2: each staged syscall's (event order) task's syscall before it
 * in the segment, and the one before that */
static void copy_history(struct nxr_colenc *e, const struct kstage *ks)
{
	uint32_t *l1 = e->clast, *l2 = e->clast + e->ntasks, *cp1 = e->cp1, *cp2 = e->cp2;
	const uint32_t *task = ks->task;
	uint32_t n = ks->n;	/* (locals: the stores would reload them) */

	memset(e->clast, 0xff, (size_t)e->ntasks * 2 * sizeof(*e->clast));
	for (uint32_t j = 0; j < n; j++) {
		uint32_t t = task[j], p1 = l1[t];

		cp1[j] = p1;
		cp2[j] = l2[t];
		l2[t] = p1;
		l1[t] = j;
	}
	e->cphist = true;
}

/* The field and the syscall slot s names: 0 this one, 1, 2 the ones
 * before, COPY_PLUS, COPY_MINUS the one before plus, minus its return */
enum { COPY_PLUS = 3, COPY_MINUS = 4 };

static inline unsigned copy_field(unsigned s, unsigned f)
{
	return s < 3 || s >= COPY_STEP ? f : (s - 3) % COPY_FIELDS;
}

static inline unsigned copy_which(unsigned s)
{
	return s < 3 ? s : s >= COPY_STEP ? COPY_PLUS + s - COPY_STEP : (s - 3) / COPY_FIELDS;
}

static NXR_ALWAYS_INLINE uint64_t copy_val(const struct kstage *ks, unsigned g, uint32_t j)
{
	return j == COPY_NONE ? 0 : ks->f[g][j];
}

/* The value of field g of syscall w (copy_which()) of the three at[] */
static NXR_ALWAYS_INLINE uint64_t copy_source(const struct kstage *ks, unsigned g, unsigned w,
					      const uint32_t *at)
{
	uint64_t x = copy_val(ks, g, at[w < 3 ? w : 1]), r;

	if (w < 3)
		return x;
	r = copy_val(ks, SF_ret, at[1]);
	return w == COPY_PLUS ? x + r : x - r;
}

/* The first slot (in slot order) of staged syscall j's field f: 0 none */
static unsigned copy_slot(const struct kstage *ks, unsigned f, uint32_t j, uint32_t p1,
			  uint32_t p2, unsigned nslots)
{
	const uint32_t at[3] = { j, p1, p2 };
	uint64_t x = ks->f[f][j];

	for (unsigned s = 1; s < nslots; s++)
		if ((s < 3 || s >= 3 + COPY_FIELDS || s - 3 < f) &&
		    x == copy_source(ks, copy_field(s, f), copy_which(s), at))
			return s;
	return 0;
}

/*
 * The slots field f's values are compared with (copy_split()), from
 * COPY_SAMPLE values spread over the column: those that hold a 64th of
 * them or more, the likeliest first (at most COPY_TRY); a value takes the
 * first that matches, not the first in slot order (a reader takes any).
 * Whether TCOPY may take n / COPY_GAIN_MIN bytes off got, the column's
 * bytes coded otherwise: a quarter of the sample copies, and the sample's
 * slots Huffman-coded plus the literals at got's bytes a value smaller by
 * that. (Trying TCOPY on every column with copies cost a segment that
 * chooses twice its time.)
 */
static bool copy_choose_slots(struct nxr_colenc *e, const struct kstage *ks, unsigned f,
			      size_t got)
{
	uint32_t n = ks->n, step = n > COPY_SAMPLE ? n / COPY_SAMPLE : 1, seen = 0;
	uint32_t cnt[COPY_SLOTS] = { 0 }, used[COPY_TRY + 1];
	/* (no steps for the return value: its step is 0 or twice the last,
	 * a zero's slot, which the synthetic stream's sample takes for 0.06
	 * bytes a syscall at a seventh of its reading) */
	unsigned k = 0, nslots = e->step && f != SF_ret ? COPY_SLOTS : COPY_SLOTS_1_5;
	uint64_t bits;

	for (uint32_t j = 0; j < n; j += step, seen++)
		cnt[copy_slot(ks, f, j, e->cp1[j], e->cp2[j], nslots)]++;
	used[0] = seen;
	while (k < COPY_TRY) {
		unsigned best = 0;

		for (unsigned s = 1; s < nslots; s++)
			if (cnt[s] > cnt[best] || (!best && cnt[s]))
				best = s;
		if (!best || cnt[best] * 64 < seen)
			break;
		e->cslot_g[f][k] = (uint8_t)copy_field(best, f);
		e->cslot_w[f][k++] = (uint8_t)copy_which(best);
		used[k] = cnt[best];
		used[0] -= cnt[best];
		cnt[best] = 0;
	}
	e->ncslot[f] = (uint8_t)k;
	if (!k || used[0] * COPY_MIN_HITS > seen * (COPY_MIN_HITS - 1) ||
	    nxr_huff_build(&e->huff[0], used, k + 1) < 0)
		return false;
	bits = nxr_huff_cost(&e->huff[0], used);
	/* (both sides scaled by seen / n; the literals, in a column of their
	 * own, often cost less than that: grep's fourth register) */
	return (bits / 8 * n + (uint64_t)got * used[0]) / seen < got;
}

/* The slot of field g of syscall w (0 this one) for column f */
static inline unsigned copy_slot_of(unsigned f, unsigned g, unsigned w)
{
	if (w >= COPY_PLUS)
		return COPY_STEP + w - COPY_PLUS;
	return w && g == f ? w : 3 + w * COPY_FIELDS + g;
}

/* The first of the ns chosen slots (the column's slot numbers in slot[])
 * that staged syscall j's value x matches, 0 none */
static NXR_ALWAYS_INLINE uint64_t copy_match(const struct nxr_colenc *e, const struct kstage *ks,
					     unsigned f, unsigned ns, const uint8_t *slot,
					     uint32_t j, uint64_t x)
{
	const uint8_t *sg = e->cslot_g[f], *sw = e->cslot_w[f];
	const uint32_t at[3] = { j, e->cp1[j], e->cp2[j] };

	for (unsigned k = 0; k < ns; k++)
		if (x == copy_source(ks, sg[k], sw[k], at))
			return slot[k];
	return 0;
}

#if COL_AVX2
/*
 * copy_split()'s comparisons, four syscalls a step while four remain: each
 * slot's values loaded (gathered from the syscalls before, masked where
 * there is none: 0) and compared at once, the last slot first so that a
 * value takes the first that matches; without a branch on the data (which
 * slot a value takes is random: the branches mispredicted, most of
 * TCOPY's writing). Returns where the caller's loop takes the rest.
 */
static __attribute__((target("avx2"))) uint32_t copy_split_avx2(const struct nxr_colenc *e,
								 const struct kstage *ks,
								 unsigned f, unsigned ns,
								 const uint8_t *slot,
								 bool grouped)
{
	const uint8_t *sg = e->cslot_g[f], *sw = e->cslot_w[f];
	const uint32_t *const cp[3] = { NULL, e->cp1, e->cp2 };
	const __m128i none = _mm_set1_epi32((int)COPY_NONE);
	const uint64_t *x = ks->f[f];
	uint32_t j = 0, n = ks->n;

	for (; j + 4 <= n; j += 4) {
		__m256i xv = _mm256_loadu_si256((const __m256i *)(x + j)), s;
		uint64_t got[4];

		s = _mm256_setzero_si256();
		for (unsigned k = ns; k--;) {
			const uint64_t *src = ks->f[sg[k]];
			__m256i y;

			if (sw[k]) {
				unsigned w = sw[k] < 3 ? sw[k] : 1;
				__m128i at = _mm_loadu_si128((const __m128i *)(cp[w] + j));
				__m256i some = _mm256_cvtepi32_epi64(
					_mm_xor_si128(_mm_cmpeq_epi32(at, none), none));

				y = _mm256_mask_i32gather_epi64(_mm256_setzero_si256(),
								(const long long *)src, at, some,
								8);
				if (sw[k] >= COPY_PLUS) {
					__m256i r = _mm256_mask_i32gather_epi64(
						_mm256_setzero_si256(),
						(const long long *)ks->f[SF_ret], at, some, 8);

					y = sw[k] == COPY_PLUS ? _mm256_add_epi64(y, r)
							       : _mm256_sub_epi64(y, r);
				}
			} else {
				y = _mm256_loadu_si256((const __m256i *)(src + j));
			}
			s = _mm256_blendv_epi8(s, _mm256_set1_epi64x(slot[k]),
					       _mm256_cmpeq_epi64(xv, y));
		}
		if (!grouped) {
			_mm256_storeu_si256((__m256i *)(e->cix + j), s);
			continue;
		}
		_mm256_storeu_si256((__m256i *)got, s);
		for (unsigned i = 0; i < 4; i++)
			e->cix[e->pos[j + i]] = got[i];
	}
	return j;
}
#endif

/* Field f's slots (cix) and literals (clit, cctx: cm of them) in the order
 * its column is stored, v (grouped: at pos[j] for staged syscall j), each
 * value's task ctx; each value compared with the chosen slots */
static void copy_split(struct nxr_colenc *e, const struct kstage *ks, unsigned f,
		       const uint64_t *v, const uint32_t *ctx, bool grouped)
{
	const uint8_t *sg = e->cslot_g[f], *sw = e->cslot_w[f];
	uint32_t n = ks->n, m = 0, j = 0;
	unsigned ns = e->ncslot[f];
	uint8_t slot[COPY_TRY];

	for (unsigned k = 0; k < ns; k++)
		slot[k] = (uint8_t)copy_slot_of(f, sg[k], sw[k]);
#if COL_AVX2
	if (have_avx2())
		j = copy_split_avx2(e, ks, f, ns, slot, grouped);
#endif
	for (; j < n; j++)
		e->cix[grouped ? e->pos[j] : j] = copy_match(e, ks, f, ns, slot, j, ks->f[f][j]);
	/* (without a branch: whether a value is a literal is random; m <= q) */
	for (uint32_t q = 0; q < n; q++) {
		e->clit[m] = v[q];
		e->cctx[m] = ctx[q];
		m += !e->cix[q];
	}
	e->cm = m;
}

/*
 * TCOPY of field f (copy_split() done) in cbuf: the mode, the slots as a
 * nested column (LOGH, a code per syscall number where the section is
 * grouped, its flags in the lmemo of memo[1]; a nested column of
 * enc_int_memo() should LOGH not fit), then the literals as a column of
 * their own, with their tasks (enc_field_ctx(), its memo the kinds
 * column's row's 3 + f: no kind has one). Its length, 0 when it would be
 * longer than col_bound(n), or < 0.
 */
static long put_copy(struct nxr_colenc *e, unsigned f, uint32_t n, uint8_t *memo)
{
	uint8_t *lm = &e->lmemo[memo + 1 - &e->memo[0][0][0]], *p;
	size_t il;
	long ll;

	if (grow_fresh((void **)&e->cbuf, &e->cbufcap, 3 * col_bound(n) + 128) < 0)
		return -ENOMEM;
	p = e->cbuf;
	*p++ = M_TCOPY;
	/* LOGH (a code per syscall number, split by the syscall before where
	 * that gains) where it takes n / 8 bytes off the nested column
	 * enc_int_memo() finds: it reads slower (one chain of loads), which
	 * cost the synthetic stream 39 -> 32 M records a second at n / 32; in
	 * a slow payload, a real recording's pace, n / 32 (grep 5.02 -> 4.78
	 * bytes a syscall). Tried on a segment that chooses, kept for the
	 * others. */
	if (e->timing && !e->choose && memo[1] == M_LOGH + 1) {
		il = try_logh(e, e->cix, n, e->lgn > 1, syscall_classes(e, n), p, lm, SIZE_MAX);
		if (!il)	/* (it no longer fits) */
			il = enc_int_memo(e, 1, e->cix, n, NULL, 0, p, memo + 1);
	} else {
		unsigned gain = e->slow ? COPY_LOGH_GAIN_SLOW : COPY_LOGH_GAIN_MIN;

		il = enc_int_memo(e, 1, e->cix, n, NULL, 0, p, memo + 1);
		if (e->timing && e->choose && e->lgn > 1 && il > n / gain) {
			uint8_t *alt = e->cbuf + col_bound(n) + 64;	/* (room past both) */
			size_t al;

			/* (sub 3: slots below 16 are their own symbols, which the
			 * reader takes several a lookup: logh_small_part()) */
			e->logh_sub = 3;
			al = try_logh(e, e->cix, n, true, syscall_classes(e, n), alt, lm,
				      il - n / gain);
			e->logh_sub = LOGH_SUBS;

			if (al) {
				memcpy(p, alt, al);
				il = al;
				memo[1] = M_LOGH + 1;
			}
		}
	}
	p += il;
	ll = enc_field_ctx(e, e->clit, e->cm, e->cctx, p, e->memo[0][3 + f],
			   &e->ctxwon[0][3 + f]);
	if (ll < 0)
		return ll;
	p += ll;
	return (size_t)(p - e->cbuf) <= col_bound(n) ? p - e->cbuf : 0;
}

/*
 * Syscall field f (< COPY_FIELDS) at out, as enc_field(), or as TCOPY:
 * tried on a segment that chooses where a sample says it may gain
 * (copy_choose_slots()), kept where it takes n / 8 bytes off, a bit a
 * value (it costs its reader a pass in event order, and its writer the
 * comparisons): memo[0] then says TCOPY for the next segments; the other
 * coding's memos are restored otherwise.
 */
static long enc_field_copy(struct nxr_colenc *e, const struct kstage *ks, unsigned f,
			   const uint64_t *v, const uint32_t *ctx, bool grouped, uint8_t *out)
{
	uint8_t *memo = e->memo[NX_KIND_SYSCALL][f];
	struct memo_keep keep;
	uint32_t n = ks->n;
	long got, alt;

	if (n >= 8 && !e->choose && memo[0] == M_TCOPY + 1) {
		if (!e->cphist)
			copy_history(e, ks);
		copy_split(e, ks, f, v, ctx, grouped);
		alt = put_copy(e, f, n, memo);
		if (alt) {
			if (alt > 0)
				memcpy(out, e->cbuf, (size_t)alt);
			return alt;
		}
		memo[0] = 0;	/* (it no longer fits: coded afresh) */
	}
	got = enc_field(e, v, n, ctx, out, memo, &e->ctxwon[NX_KIND_SYSCALL][f]);
	if (got <= 0 || n < 8 || !e->choose || (size_t)got <= n / CONTEXT_GAIN_MIN)
		return got;
	if (!e->cphist)
		copy_history(e, ks);
	if (!copy_choose_slots(e, ks, f, (size_t)got))
		return got;
	memo_keep(e, memo, &keep);
	copy_split(e, ks, f, v, ctx, grouped);
	alt = put_copy(e, f, n, memo);
	if (alt < 0)
		return alt;
	if (alt && alt + n / COPY_GAIN_MIN < got) {
		memcpy(out, e->cbuf, (size_t)alt);
		memo[0] = M_TCOPY + 1;
		return alt;
	}
	memo_back(e, memo, &keep);
	return got;
}

/* What coding syscall field f leaves for the segments after: its memos
 * and TNEAR's last outcome, and with TCOPY its literals' and its slots */
struct field_state {
	struct memo_keep memo, lit;
	uint8_t last, lit_last, ns;
	uint8_t sg[COPY_TRY], sw[COPY_TRY];
};

static void field_state_keep(const struct nxr_colenc *e, unsigned f, struct field_state *k)
{
	memo_keep(e, e->memo[NX_KIND_SYSCALL][f], &k->memo);
	k->last = e->ctxwon[NX_KIND_SYSCALL][f];
	if (f >= COPY_FIELDS)
		return;
	memo_keep(e, e->memo[0][3 + f], &k->lit);
	k->lit_last = e->ctxwon[0][3 + f];
	k->ns = e->ncslot[f];
	memcpy(k->sg, e->cslot_g[f], sizeof(k->sg));
	memcpy(k->sw, e->cslot_w[f], sizeof(k->sw));
}

static void field_state_back(struct nxr_colenc *e, unsigned f, const struct field_state *k)
{
	memo_back(e, e->memo[NX_KIND_SYSCALL][f], &k->memo);
	e->ctxwon[NX_KIND_SYSCALL][f] = k->last;
	if (f >= COPY_FIELDS)
		return;
	memo_back(e, e->memo[0][3 + f], &k->lit);
	e->ctxwon[0][3 + f] = k->lit_last;
	e->ncslot[f] = k->ns;
	memcpy(e->cslot_g[f], k->sg, sizeof(k->sg));
	memcpy(e->cslot_w[f], k->sw, sizeof(k->sw));
}

/* Syscall field f at out, TCOPY among its codings where it is allowed */
static long enc_syscall_field_once(struct nxr_colenc *e, const struct kstage *ks, unsigned f,
				   const uint64_t *v, const uint32_t *ctx, bool grouped,
				   uint8_t *out)
{
	if (f < COPY_FIELDS && e->copy)
		return enc_field_copy(e, ks, f, v, ctx, grouped, out);
	return enc_field(e, v, ks->n, ctx, out, e->memo[NX_KIND_SYSCALL][f],
			 &e->ctxwon[NX_KIND_SYSCALL][f]);
}

/*
 * Syscall field f at out. On a payload that rechooses (its events came
 * slowly: nxr_colenc_finish()), coded as its memos say, then afresh, and
 * the smaller kept with its memos: a scheme chosen on a recording's first
 * segment (its process starting) may not fit its later ones, and choosing
 * afresh from a sample may choose worse than what was kept.
 */
static long enc_syscall_field(struct nxr_colenc *e, const struct kstage *ks, unsigned f,
			      const uint64_t *v, const uint32_t *ctx, bool grouped, uint8_t *out)
{
	struct field_state before, kept;
	long got, alt;

	if (!e->rechoose)
		return enc_syscall_field_once(e, ks, f, v, ctx, grouped, out);
	field_state_keep(e, f, &before);
	got = enc_syscall_field_once(e, ks, f, v, ctx, grouped, out);
	if (got < 0)
		return got;
	field_state_keep(e, f, &kept);
	field_state_back(e, f, &before);
	if (grow_fresh((void **)&e->redo, &e->redocap, col_bound(ks->n) + 64) < 0)
		return -ENOMEM;
	e->choose = true;
	alt = enc_syscall_field_once(e, ks, f, v, ctx, grouped, e->redo);
	e->choose = false;
	if (alt < 0)
		return alt;
	if (alt && (!got || alt < got)) {
		memcpy(out, e->redo, (size_t)alt);
		return alt;
	}
	field_state_back(e, f, &kept);
	return got;
}

/*
 * A section's selector column (syscall numbers) at out; its length, or < 0.
 * A writer of format 1.3 wraps it in ZSTD too where zstd takes a tenth off
 * (a 1.2 reader reads that: ZSTD is any top-level column's scheme): the
 * shell loop's 2000 processes repeat one sequence of syscalls, 0.44 ->
 * 0.09 bytes per event. The 1.1 and 1.2 writers keep it as it was.
 */
static long enc_selector(struct nxr_colenc *e, const uint64_t *v, const struct kstage *ks,
			 uint8_t *out, uint8_t *memo)
{
	size_t cl = enc_int_memo(e, 0, v, ks->n, ks->task, e->ntasks, out, memo);

	return e->context ? maybe_zstd(e, out, cl, ks->n, memo) : (long)cl;
}

/* The kinds column, from the staged runs: as RLE straight from them when
 * that is the scheme kept (as try_rle() would find them), else as ever. */
static size_t enc_kinds(struct nxr_colenc *e, uint8_t *out)
{
	uint8_t *memo = e->memo[0][0];
	uint64_t *v = e->evcol;

	if (*memo == M_RLE + 1 && !e->choose) {
		for (uint32_t r = 0; r < e->nkrun; r++) {
			uint32_t end = krun_end(e, r);

			e->a[0][r] = e->krun_kind[r];
			e->b[0][r] = end - e->krun_at[r] - 1;
		}
		return put_rle(e, 0, e->a[0], e->b[0], e->nkrun, out, memo);
	}
	for (uint32_t r = 0, i = 0; r < e->nkrun; r++) {
		uint32_t end = krun_end(e, r);

		for (; i < end; i++)
			v[i] = e->krun_kind[r];
	}
	return enc_int_memo(e, 0, v, e->n, NULL, 0, out, memo);
}

/* The tasks column: each run's tasks from its kind's stage, in event order */
static size_t enc_tasks(struct nxr_colenc *e, uint8_t *out)
{
	uint32_t at[NX_KIND_MAX_ID + 1] = { 0 };
	uint64_t *v = e->evcol;

	for (uint32_t r = 0, i = 0; r < e->nkrun; r++) {
		uint32_t end = krun_end(e, r), k = e->krun_kind[r];
		const uint32_t *t = e->k[k].task + at[k];

		at[k] += end - i;
#pragma GCC unroll 4
		for (uint32_t j = 0; i < end; i++, j++)
			v[i] = t[j];
	}
	return enc_int_memo(e, 0, v, e->n, NULL, 0, out, e->memo[0][1]);
}

int nxr_colenc_finish(struct nxr_colenc *e, void *zctx, const uint8_t **out, size_t *len)
{
	uint32_t n = e->n, nsec = 0;
	bool sys_grouped = false;
	size_t bound;
	uint8_t *p;
	int rc;

	rc = scratch(e, n);
	if (rc < 0)
		return rc;
	e->zctx = zctx;
	e->cphist = false;
	e->lclsn = 0;
	e->choose = !(e->segs % MEMO_SEGS);
	e->slow = n > 1 && e->key[n - 1] > e->key[0] &&
		  e->key[n - 1] - e->key[0] >= RECHOOSE_SPAN_NS;
	e->rechoose = !e->choose && e->slow;
	bound = 64 + (size_t)e->ntasks * 10 + 3 * col_bound(n);
	for (uint32_t k = 1; k <= NX_KIND_MAX_ID; k++)
		if (e->k[k].n) {
			bound += section_bound(&e->k[k], k);
			nsec++;
		}
	if (grow_fresh((void **)&e->out, &e->ocap, bound) < 0)
		return -ENOMEM;
	p = e->out;
	p = nxr_put_varint(p, e->ntasks);
	for (uint32_t t = 0; t < e->ntasks; t++) {
		p = nxr_put_varint(p, e->tpid[t]);
		p = nxr_put_varint(p, e->ttid[t]);
	}
	p += enc_kinds(e, p);
	p += enc_tasks(e, p);
	{
		struct kstage *ks = &e->k[NX_KIND_SYSCALL];
		long kl;

		/* (the syscalls are grouped here: TGAPN codes the keys by them) */
		sys_grouped = ks->n && syscall_group(e, ks);
		kl = enc_keys(e, p, sys_grouped);

		if (kl < 0)
			return (int)kl;
		p += kl;
	}
	p = nxr_put_varint(p, nsec);
	for (uint32_t k = 1; k <= NX_KIND_MAX_ID; k++) {
		struct kstage *ks = &e->k[k];
		uint8_t *body, *q;
		int sel = selector_field(k);
		const uint32_t *ctx = ks->task, *inv = NULL;
		uint64_t *const *fv = ks->f;	/* the fields, in the order stored */
		long zl;

		if (!ks->n)
			continue;
		p = nxr_put_varint(p, k);
		p = nxr_put_varint(p, ks->n);
		body = q = guess_at(p, &e->vlen[k][MAXF + 1]);
		if (k == NX_KIND_SYSCALL) {
			assert(sel == SF_nr);
			if (!sys_grouped)
				sel = -1;
		} else if (sel >= 0 && !group(e, ks->f[sel], ks->n)) {
			sel = -1;
		}
		q = nxr_put_varint(q, knf[k]);
		q = nxr_put_varint(q, (uint64_t)(sel + 1));
		if (sel >= 0) {
			zl = enc_selector(e, fv[sel], ks, guess_at(q, &e->vlen[k][MAXF]),
					  e->memo[k][MAXF]);
			if (zl < 0)
				return (int)zl;
			q = put_guessed(q, &e->vlen[k][MAXF], (size_t)zl);
			e->gsel = NULL;
			if (k != NX_KIND_SYSCALL) {
				regroup_fields(e, ks, k);
				inv = e->inv;
				fv = e->grp;
			}
			ctx = e->gtask;
		}
		e->lgn = sel >= 0 ? e->ngroups : 0;
		for (unsigned f = 0; f < knf[k]; f++) {
			size_t cl;

			if ((int)f == sel)
				continue;
			if (kty[k][f] == NXR_FT_STR) {
				rc = enc_str(e, ks, f, ks->n, inv, zctx, guess_at(q, &e->vlen[k][f]),
					     &cl);
				if (rc < 0)
					return rc;
			} else {
				uint64_t *v = fv[f];

				if (k == NX_KIND_SYSCALL && sel >= 0)
					v = syscall_field(e, ks, f);
				if (k == NX_KIND_SYSCALL)
					zl = enc_syscall_field(e, ks, f, v, ctx, sel >= 0,
							       guess_at(q, &e->vlen[k][f]));
				else
					zl = enc_field(e, v, ks->n, ctx, guess_at(q, &e->vlen[k][f]),
						       e->memo[k][f], &e->ctxwon[k][f]);
				if (zl < 0)
					return (int)zl;
				cl = (size_t)zl;
			}
			q = put_guessed(q, &e->vlen[k][f], cl);
		}
		p = put_guessed(p, &e->vlen[k][MAXF + 1], (size_t)(q - body));
		ks->n = 0;
	}
	*out = e->out;
	*len = (size_t)(p - e->out);
	e->n = 0;
	e->ntasks = 0;
	e->slen = 0;
	e->segs++;
	e->nkrun = 0;
	e->klast = 0;
	hm_clear(&e->tmap);
	sg_reset(e);
	return 0;
}

/* ---- reader ---- */

struct kdec {
	uint32_t n, cur;
	bool present, grouped;
	size_t cap;
	uint32_t *task, *pos;
	uint64_t *f[MAXF];		/* in fblk[] (kdec_size()) */
	uint64_t cval[MAXF];		/* f[f][0..cn[f]) all hold cval[f] */
	uint32_t cn[MAXF];		/* (0: not known; dec_runs_field()) */
	void *fblk[MAXF];
	uint64_t *soff[MAXF];		/* STR: offset of each value's bytes in sbase */
	const uint8_t *sbase[MAXF];
	uint8_t *sbuf[MAXF];		/* STR: decompressed bytes */
	size_t sbufcap[MAXF];
};

struct nxr_coldec {
	uint32_t n, i;
	size_t cap;
	uint64_t *kind, *task, *key;
	uint32_t ntasks;
	size_t tcap;
	uint32_t *tpid, *ttid;
	struct kdec k[NX_KIND_MAX_ID + 1];
	uint64_t *a[DEPTHS], *b[DEPTHS], *prev, *sk;
	uint64_t *runv, *runl;		/* the kinds column's runs, when it is RLE */
	uint32_t nruns, krun, kend;	/* ... how many (0: in d->kind instead), the
					 * run of the last event read, its end */
	uint64_t *bits;			/* TREP's flags, a bit per value */
	uint32_t *gtask, *gid;
	struct hmap h;
	void *dctx;			/* the reader's ZSTD_DCtx, during load() */
	uint8_t *zcol;			/* a ZSTD column, decompressed */
	size_t zcolcap;
	bool nomem;
	struct nxr_huff_dec huff;	/* HUFF's code (format 1.2) */
	uint64_t *mtf;			/* MTF, TMTF: the lists */
	size_t mtfcap;
	uint8_t *jx;			/* their indices, a byte each (dec_scratch) */
	uint64_t *ring;			/* TNEAR: the rings (format 1.3) */
	size_t ringcap;
	const uint64_t *lgsel;		/* LOGH: the section's selector, grouped; NULL
					 * outside a section's fields (format 1.4) */
	bool unzig;			/* TNEAR's differences being read: a column at
					 * depth 1 may unzigzag its few distinct values
					 * (unzig_vals()) and clear it */
	/* TCOPY (format 1.5) */
	unsigned cpmask;		/* the syscall section's TCOPY fields whose
					 * copies copy_fill() fills */
	uint8_t *cpix;			/* their slots: field f's at f * cap */
	uint64_t *cpv;			/* a column's slots, as read */
	uint32_t *cpctx;		/* its literals' tasks */
	unsigned cpnf;			/* copy_fill(): how many fields, and each: */
	uint64_t *cpdst[COPY_FIELDS_MAX];	/* its column */
	const uint8_t *cpslot[COPY_FIELDS_MAX];	/* its slots */
	uint8_t cpsrc[COPY_FIELDS_MAX][32];	/* each slot's field (low 3 bits),
						 * syscall (at[] index, 2 bits) and
						 * step (COPY_SRC_*) */
	uint64_t *cplast;		/* ... each task's last two syscalls' places,
					 * the last in the low half */
	size_t cplastcap;
	/* TGAPN keys (format 1.5), read once the syscalls' section is */
	const uint8_t *tgn, *tgn_end;	/* the nested column; NULL: none */
	const uint64_t *sysgs;		/* the syscalls' selector column, grouped */
	uint64_t *tgs;			/* ... followed by a part for the others */
	/* LOGH's parts by the syscall before (format 1.6) */
	uint32_t *lcls;			/* each value's class: logh_classes_dec() */
	uint64_t *ltmp;			/* a group's values by part */
	uint32_t lngroups;		/* the syscalls' groups */
};

struct nxr_coldec *nxr_coldec_new(void)
{
	struct nxr_coldec *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (hm_alloc(&d->h, 12) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

void nxr_coldec_free(struct nxr_coldec *d)
{
	if (!d)
		return;
	free(d->kind);
	free(d->task);
	free(d->key);
	free(d->tpid);
	free(d->ttid);
	for (unsigned k = 0; k <= NX_KIND_MAX_ID; k++) {
		free(d->k[k].task);
		free(d->k[k].pos);
		for (unsigned f = 0; f < MAXF; f++) {
			free(d->k[k].fblk[f]);
			free(d->k[k].soff[f]);
			free(d->k[k].sbuf[f]);
		}
	}
	for (int i = 0; i < DEPTHS; i++) {
		free(d->a[i]);
		free(d->b[i]);
	}
	free(d->prev);
	free(d->ring);
	free(d->sk);
	free(d->runv);
	free(d->runl);
	free(d->bits);
	free(d->gtask);
	free(d->gid);
	free(d->zcol);
	hm_free(&d->h);
	free(d->mtf);
	free(d->jx);
	free(d->cpix);
	free(d->cpv);
	free(d->cpctx);
	free(d->cplast);
	free(d->tgs);
	free(d->lcls);
	free(d->ltmp);
	free(d);
}

/* out[0..cnt) = v: two values a store (a run, a constant block) */
static NXR_ALWAYS_INLINE void fill64(uint64_t *out, uint64_t v, size_t cnt)
{
	typedef uint64_t v2 __attribute__((vector_size(16), aligned(8)));
	v2 vv = { v, v };
	size_t i = 0;

	for (; i + 2 <= cnt; i += 2)
		*(v2 *)(out + i) = vv;
	if (i < cnt)
		out[i] = v;
}

/* out[0..cnt) summed in place (DELTA), after *acc, which receives the total */
static NXR_ALWAYS_INLINE void prefix_sum(uint64_t *out, size_t cnt, uint64_t *acc)
{
	uint64_t a = *acc;

	for (size_t i = 0; i < cnt; i++)
		out[i] = a += out[i];
	*acc = a;
}

/*
 * FOR blocks of n values into out. With map (DICT), each value is an index
 * below nmap replaced by map[index], block by block while the block is in
 * cache; a block whose range (base + 2^w - 1) stays below nmap needs no
 * check per value. With delta (DELTA, never with map), each block summed
 * while it is in cache too, not in a second pass over the column.
 */
static NXR_ALWAYS_INLINE const uint8_t *get_for_map(const uint8_t *p, const uint8_t *end,
						    size_t n, uint64_t *out,
						    const uint64_t *map, uint64_t nmap,
						    const bool delta)
{
	uint64_t acc = 0;

	for (size_t s = 0; s < n; s += BLK) {
		size_t cnt = n - s < BLK ? n - s : BLK, bytes;
		uint64_t zb, base, hi[BLK];
		const uint8_t *pos;
		unsigned w, wh, nexc;
		bool patched;

		if (p >= end)
			return NULL;
		w = *p & 0x7f;
		patched = *p++ & 0x80;
		if (w > 64 || (patched && w == 64) || nxr_get_varint(&p, end, &zb))
			return NULL;
		base = (uint64_t)nxr_unzigzag(zb);
		bytes = (cnt * w + 7) / 8;
		if (bytes > (size_t)(end - p))
			return NULL;
		if (!map || patched) {	/* (a patched block is mapped once whole) */
			if (w == 0)
				fill64(out + s, base, cnt);
			else
				unpack(p, cnt, base, w, out + s, UM_NONE, NULL, 0);
		} else if (w == 0) {
			if (base >= nmap)
				return NULL;
			fill64(out + s, map[base], cnt);
		} else if (unpack(p, cnt, base, w, out + s,
				  w < 64 && base < nmap && (1ull << w) - 1 < nmap - base ? UM_MAP
											 : UM_CHECK,
				  map, nmap)) {
			return NULL;
		}
		p += bytes;
		if (!patched) {
			if (delta)
				prefix_sum(out + s, cnt, &acc);
			continue;
		}
		/* exceptions: count, positions (increasing), high bits above w */
		if (p >= end)
			return NULL;
		nexc = *p++;
		if (nexc == 0 || nexc > cnt || (size_t)(end - p) < nexc + 1u)
			return NULL;
		pos = p;
		p += nexc;
		wh = *p++;
		bytes = (nexc * wh + 7) / 8;
		if (wh == 0 || wh > 64 - w || bytes > (size_t)(end - p))
			return NULL;
		unpack(p, nexc, 0, wh, hi, UM_NONE, NULL, 0);
		p += bytes;
		for (unsigned k = 0; k < nexc; k++) {
			if (pos[k] >= cnt || (k && pos[k] <= pos[k - 1]))
				return NULL;
			out[s + pos[k]] += hi[k] << w;
		}
		if (delta)
			prefix_sum(out + s, cnt, &acc);
		if (!map)
			continue;
		for (size_t i = s; i < s + cnt; i++) {
			if (out[i] >= nmap)
				return NULL;
			out[i] = map[out[i]];
		}
	}
	return p;
}

static const uint8_t *get_for(const uint8_t *p, const uint8_t *end, size_t n, uint64_t *out)
{
	return get_for_map(p, end, n, out, NULL, 0, false);
}

/* get_for() of a DELTA column: the values summed */
static const uint8_t *get_for_delta(const uint8_t *p, const uint8_t *end, size_t n,
				    uint64_t *out)
{
	return get_for_map(p, end, n, out, NULL, 0, true);
}

/* get_for_map() for DICT indices */
static const uint8_t *get_dict_ix(const uint8_t *p, const uint8_t *end, size_t n, uint64_t *out,
				  const uint64_t *map, uint64_t nmap)
{
	return get_for_map(p, end, n, out, map, nmap, false);
}

/*
 * TREP's flags: FOR blocks of n values, each 0 or 1, into bits (value i at
 * bit i % 64 of bits[i / 64]; room for n / 64 + 2 words); *ones receives
 * how many are 1. The writer's blocks (width 0 over base 0 or 1, width 1
 * over base 0) are read as bits; any other block is unpacked into tmp
 * (BLK values) and checked. NULL when malformed or a value is above 1.
 * Reads up to 16 bytes past a width-1 block (the payload's pad).
 */
static const uint8_t *get_flags(const uint8_t *p, const uint8_t *end, size_t n, uint64_t *bits,
				uint64_t *tmp, size_t *ones)
{
	size_t nm = 0;

	for (size_t s = 0; s < n; s += BLK) {
		size_t cnt = n - s < BLK ? n - s : BLK, bytes = (cnt + 7) / 8;
		uint64_t *wd = bits + s / 64;
		uint64_t lo = cnt >= 64 ? ~0ull : (1ull << cnt) - 1;
		uint64_t hi = cnt >= BLK ? ~0ull : cnt > 64 ? (1ull << (cnt - 64)) - 1 : 0;

		if (end - p >= 2 && p[0] == 0 && (p[1] == 0 || p[1] == 2)) {
			uint64_t all = p[1] ? ~0ull : 0;

			wd[0] = all & lo;
			wd[1] = all & hi;
			p += 2;
		} else if ((size_t)(end - p) >= 2 + bytes && p[0] == 1 && p[1] == 0) {
			wd[0] = nxr_load_le64(p + 2) & lo;
			wd[1] = nxr_load_le64(p + 10) & hi;
			p += 2 + bytes;
		} else {
			p = get_for(p, end, cnt, tmp);
			if (!p)
				return NULL;
			wd[0] = wd[1] = 0;
			for (size_t i = 0; i < cnt; i++) {
				if (tmp[i] > 1)
					return NULL;
				wd[i >> 6] |= tmp[i] << (i & 63);
			}
		}
		nm += (size_t)__builtin_popcountll(wd[0]) + (size_t)__builtin_popcountll(wd[1]);
	}
	*ones = nm;
	return p;
}

static const uint8_t *dec_int(struct nxr_coldec *d, int depth, const uint8_t *p,
			      const uint8_t *end, size_t n, const uint32_t *ctx, uint32_t ntasks,
			      uint64_t *out);


/* One zstd frame of zn bytes at p that must hold exactly want bytes, with
 * the window and frame checks of row payloads, decompressed into *buf
 * (grown to want + pad, the pad zeroed). false when malformed (or out of
 * memory: d->nomem). */
static bool unzstd(struct nxr_coldec *d, void *dctx, const uint8_t *p, uint64_t zn,
		   uint64_t want, uint8_t **buf, size_t *cap, size_t pad)
{
	ZSTD_frameHeader zfh;
	size_t got;

	if (ZSTD_getFrameHeader(&zfh, p, zn) != 0 || zfh.frameType != ZSTD_frame ||
	    zfh.windowSize > (1ull << NXR_ZSTD_WINDOWLOG_MAX) || zfh.frameContentSize != want)
		return false;
	got = ZSTD_findFrameCompressedSize(p, zn);
	if (ZSTD_isError(got) || got != zn)
		return false;
	if (grow((void **)buf, cap, want + pad, 1) < 0) {
		d->nomem = true;
		return false;
	}
	got = ZSTD_decompressDCtx(dctx, *buf, want, p, zn);
	if (ZSTD_isError(got) || got != want) {
		if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation)
			d->nomem = true;
		return false;
	}
	memset(*buf + want, 0, pad);
	return true;
}

/* A ZSTD column: its decoded length (at most what any column of n values
 * takes), one frame holding it; decoded, it is a column of the n values in
 * any scheme but ZSTD. */
static const uint8_t *dec_zstd(struct nxr_coldec *d, const uint8_t *p, const uint8_t *end,
			       size_t n, const uint32_t *ctx, uint32_t ntasks, uint64_t *out)
{
	uint64_t raw, zn;

	if (nxr_get_varint(&p, end, &raw) || raw == 0 || raw > col_bound(n) ||
	    nxr_get_varint(&p, end, &zn) || zn > (uint64_t)(end - p) ||
	    !unzstd(d, d->dctx, p, zn, raw, &d->zcol, &d->zcolcap, NXR_COL_PAD))
		return NULL;
	if (d->zcol[0] == M_ZSTD ||
	    dec_int(d, 0, d->zcol, d->zcol + raw, n, ctx, ntasks, out) != d->zcol + raw)
		return NULL;
	return p + zn;
}

/* Bits set in x, without the popcnt instruction (not in the x86-64 baseline). */
static inline unsigned popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* c ? a : b, as a conditional move: where c is random, a branch (GCC's
 * choice for ?: at times) mispredicts */
static NXR_ALWAYS_INLINE uint64_t sel64(uint64_t c, uint64_t a, uint64_t b)
{
#if defined(__x86_64__)
	__asm__("test %1, %1\n\tcmovne %2, %0" : "+r"(b) : "r"(c), "r"(a) : "cc");
	return b;
#else
	return c ? a : b;
#endif
}

/*
 * TREP's values from its flags (bits) and new values (b): each value is
 * its task's previous one unless flagged, each task's value in prev. 64
 * values (a flag word) at a time. A word of few flags (unused argument
 * registers, mostly) is a plain lookup of each task's value between flags;
 * a flag stores its new value as its task's. A word of many flags does the
 * same for every value without a branch: the task's value loaded before
 * the new value is stored (to the spare slot prev[ntasks] when not
 * flagged), so that a value waits at most for the store of one flag
 * before it, never for a chain of them; a branch per flag, or per change
 * of task with the value held in a register, would mispredict.
 */
static void trep_apply(const uint64_t *bits, const uint64_t *b, const uint32_t *ctx, size_t n,
		       uint64_t *prev, uint32_t ntasks, uint64_t *out)
{
	memset(prev, 0, ntasks * sizeof(*prev));
	for (size_t s = 0; s < n; s += 64) {
		size_t lim = n - s < 64 ? n - s : 64, from = 0;
		const uint32_t *c = ctx + s;
		uint64_t fl = bits[s / 64], *o = out + s;

		if (popcount64(fl) <= 8) {
			for (; fl; fl &= fl - 1) {
				size_t at = (size_t)__builtin_ctzll(fl);

				for (size_t i = from; i < at; i++)
					o[i] = prev[c[i]];
				o[at] = prev[c[at]] = *b++;
				from = at + 1;
			}
			for (size_t i = from; i < lim; i++)
				o[i] = prev[c[i]];
			continue;
		}
		for (size_t i = 0; i < lim; i++, fl >>= 1) {
			uint64_t x = *b, f = fl & 1, t = c[i], v = prev[t];

			prev[sel64(f, t, ntasks)] = x;
			o[i] = sel64(f, x, v);
			b += f;
		}
	}
}

/* v[0..n) unzigzagged in place: 0, 1, 2, 3 ... as 0, -1, 1, -2 ... */
static void unzig_all(uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = v[i] >> 1 ^ (0 - (v[i] & 1));
}

/* TNEAR's differences (d->unzig, set by dec_tnear()): a column at depth 1
 * whose values are its nv distinct values v (HUFF's symbols, DICT's
 * dictionary, RLE's runs) has them unzigzagged here, once each, not in
 * TNEAR's pass per value */
static NXR_ALWAYS_INLINE void unzig_vals(struct nxr_coldec *d, int depth, uint64_t *v, size_t nv)
{
	if (depth == 1 && d->unzig) {
		unzig_all(v, nv);
		d->unzig = false;
	}
}

/*
 * ---- entropy-coded schemes, reading (format 1.2) ----
 */

/* HUFF's head: flags (*fl), the nd symbols (into sym), the code's table
 * (d->huff), the streams' length (*nb) and the first one's (*nb0); p then
 * at the streams. */
static const uint8_t *huff_head(struct nxr_coldec *d, int depth, const uint8_t *p,
				const uint8_t *end, size_t n, unsigned *fl, uint64_t *nd,
				uint64_t *nb, uint64_t *nb0, uint64_t *sym)
{
	unsigned s;

	if (depth + 1 >= DEPTHS || p >= end)
		return NULL;
	*fl = *p++;
	s = *fl & 0x3f;
	if ((*fl & 0x80) || s > HUFF_SHIFT_MAX || nxr_get_varint(&p, end, nd) || *nd == 0 ||
	    *nd > n || *nd > NXR_HUFF_MAXSYM)
		return NULL;
	p = dec_int(d, depth + 1, p, end, (size_t)*nd, NULL, 0, sym);
	if (!p)
		return NULL;
	if (s) {	/* symbol << s must not lose bits: one coding per value */
		uint64_t hi = 0;

		for (uint64_t k = 0; k < *nd; k++)
			hi |= sym[k] >> (64 - s);
		if (hi)
			return NULL;
	}
	if (nxr_huff_table_get(&d->huff, (unsigned)*nd, &p, end) < 0 ||
	    nxr_get_varint(&p, end, nb) || nxr_get_varint(&p, end, nb0) ||
	    *nb > (uint64_t)(end - p) || *nb0 > *nb)
		return NULL;
	return p;
}

/*
 * HUFF's two streams without raw bits, of at most 256 symbols (selectors,
 * returns, indices: nearly all): decoded into bytes by the multi-symbol
 * table, several values a lookup, then each symbol number k written as
 * sym[k], or as k when sym is NULL. false when the streams are malformed.
 */
static bool huff_small(struct nxr_coldec *d, const uint8_t *bits, uint64_t nb, uint64_t nb0,
		       size_t n, const uint64_t *sym, uint64_t *out)
{
	uint8_t *j0 = d->jx, *j1 = d->jx + n / 2 + 16;
	size_t i = 0;

	nxr_huff_multi_init(&d->huff, NULL);
	if (!nxr_huff_decode_bytes(&d->huff, bits, nb, nb0, n, j0, j1))
		return false;
	for (; i + 2 <= n; i += 2) {
		out[i] = sym ? sym[j0[i / 2]] : j0[i / 2];
		out[i + 1] = sym ? sym[j1[i / 2]] : j1[i / 2];
	}
	if (i < n)
		out[i] = sym ? sym[j0[i / 2]] : j0[i / 2];
	return true;
}

/* HUFF: each value one code and s raw bits, or the differences so */
static const uint8_t *dec_huff(struct nxr_coldec *d, int depth, const uint8_t *p,
			       const uint8_t *end, size_t n, uint64_t *out)
{
	uint64_t nd, nb, nb0, *sym = d->a[depth];
	unsigned fl;
	bool ok;

	p = huff_head(d, depth, p, end, n, &fl, &nd, &nb, &nb0, sym);
	if (!p)
		return NULL;
	if (!(fl & 0x7f))	/* (the values are the symbols) */
		unzig_vals(d, depth, sym, (size_t)nd);
	if (!(fl & 0x3f) && nd <= 256)
		ok = huff_small(d, p, nb, nb0, n, sym, out);
	else
		ok = nxr_huff_decode(&d->huff, p, nb, nb0, n, fl & 0x3f, sym, out);
	if (!ok)
		return NULL;
	if (fl & 0x40)
		for (size_t i = 1; i < n; i++)
			out[i] += out[i - 1];
	return p + nb;
}

/* The bytes j0 (values at even places) and j1 (odd) of n values,
 * interleaved into out in their order: 32 values a step with SSE2 */
static void interleave_bytes(const uint8_t *j0, const uint8_t *j1, size_t n, uint8_t *out)
{
	size_t m = 0;

#if COL_SSE2
	for (; 2 * m + 32 <= n; m += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(j0 + m));
		__m128i b = _mm_loadu_si128((const __m128i *)(j1 + m));

		_mm_storeu_si128((__m128i *)(out + 2 * m), _mm_unpacklo_epi8(a, b));
		_mm_storeu_si128((__m128i *)(out + 2 * m + 16), _mm_unpackhi_epi8(a, b));
	}
#endif
	for (; 2 * m + 2 <= n; m++) {
		out[2 * m] = j0[m];
		out[2 * m + 1] = j1[m];
	}
	if (2 * m < n)
		out[2 * m] = j0[m];
}

/* A selector column coded HUFF without shift or differences, as DICT for
 * regroup_dict(): its values in d->a[0], their numbers in ix, a byte each
 * (*nd <= NXR_COL_MAX_GROUPS). 1 done, 0 not that case, -1 malformed. */
static int huff_ix(struct nxr_coldec *d, const uint8_t *p, const uint8_t *end, size_t n,
		   uint8_t *ix, uint64_t *nd)
{
	const uint8_t *q = p;
	uint8_t *j0 = d->jx, *j1 = d->jx + n / 2 + 16;
	uint64_t nb, nb0;
	unsigned fl;

	if (q >= end || *q++ != 0 || nxr_get_varint(&q, end, nd))
		return 0;
	if (*nd > NXR_COL_MAX_GROUPS)
		return 0;
	_Static_assert(NXR_COL_MAX_GROUPS <= 256, "symbols as bytes");
	p = huff_head(d, 0, p, end, n, &fl, nd, &nb, &nb0, d->a[0]);
	if (!p || p + nb != end)
		return -1;
	nxr_huff_multi_init(&d->huff, NULL);
	if (!nxr_huff_decode_bytes(&d->huff, p, nb, nb0, n, j0, j1))
		return -1;
	interleave_bytes(j0, j1, n, ix);
	return 1;
}

/*
 * One value of MTF, TMTF, LIST or TLIST from its index j and its list l:
 * 0 takes the next of the nl literals (*k so far). MTF moves the value to
 * the front; LIST leaves every value in its slot and puts a literal in
 * slot l[MTF_LEN], the next free one, then always the last (values used
 * before the list filled keep their slots: a new process's many one-time
 * values churn through one slot, not round the list). checked: j from a
 * column of any scheme, not yet known to be <= MTF_LEN. false when the
 * literals run out or j is out of range.
 */
static NXR_ALWAYS_INLINE bool list_one(uint64_t *l, uint64_t j, const uint64_t *lit, size_t nl,
				       size_t *k, uint64_t *out, const bool per_task,
				       const bool moves, const bool checked)
{
	uint64_t x;

	if (moves && !per_task && j == 1) {	/* the task of the event before: nearly always */
		*out = l[0];
		return true;
	}
	if (checked && j > MTF_LEN)
		return false;
	if (!moves && j) {	/* a plain lookup: no chain from value to value */
		*out = l[j - 1];
		return true;
	}
	if (j) {
		x = l[j - 1];
	} else {
		if (*k == nl)
			return false;
		x = lit[(*k)++];
		if (!moves) {
			l[l[MTF_LEN]] = x;
			l[MTF_LEN] += l[MTF_LEN] < MTF_LEN - 1;
			*out = x;
			return true;
		}
		j = MTF_LEN;
	}
	mtf_front(l, j, x);
	*out = x;
	return true;
}

#if COL_SSE2
/*
 * MTF and TMTF decoded without moving values: a list is its 16 values,
 * which keep their slots, and a vector of 16 byte ranks, each slot's place
 * in the list (a permutation of 0-15). Index j >= 1 is the slot of rank
 * j - 1; taking it to the front is three vector operations on the ranks
 * (those below it one more, it 0), with no branch on j and no value moved;
 * a literal takes the slot of rank 15 (the entry that drops out). The
 * chain from value to value is the ranks' three operations.
 */
#define MTF_RSTRIDE (MTF_LEN + 2)	/* a list: 16 values, then 16 ranks */

static const uint8_t mtf_splat[MTF_LEN][16] __attribute__((aligned(16))) = {
#define S4(r) { r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r }
	S4(0), S4(1), S4(2), S4(3), S4(4), S4(5), S4(6), S4(7),
	S4(8), S4(9), S4(10), S4(11), S4(12), S4(13), S4(14), S4(15),
#undef S4
};

/* Every list as it starts: 16 zeros, ranks 0-15 */
static void mtf_rank_init(uint64_t *lists, size_t nlists)
{
	for (size_t t = 0; t < nlists; t++) {
		uint64_t *l = lists + t * MTF_RSTRIDE;	/* its values zeroed by the caller */

		for (unsigned r = 0; r < MTF_LEN; r++)
			((uint8_t *)(l + MTF_LEN))[r] = (uint8_t)r;
	}
}

/* The slot of rank r (< 16) in *rk, and r moved to the front */
static NXR_ALWAYS_INLINE unsigned mtf_rank_take(__m128i *rk, unsigned r)
{
	__m128i R = _mm_load_si128((const __m128i *)mtf_splat[r]);
	__m128i eq = _mm_cmpeq_epi8(*rk, R), lt = _mm_cmplt_epi8(*rk, R);

	*rk = _mm_andnot_si128(eq, _mm_sub_epi8(*rk, lt));	/* lt is -1 where below */
	return (unsigned)__builtin_ctz((unsigned)_mm_movemask_epi8(eq));
}

/* One value of MTF or TMTF (list l, its ranks *rk) from its index j;
 * checked: j not yet known to be <= MTF_LEN */
static NXR_ALWAYS_INLINE bool mtf_rank_one(uint64_t *l, __m128i *rk, uint64_t j,
					   const uint64_t *lit, size_t *k, uint64_t *out,
					   const bool checked)
{
	unsigned slot;
	uint64_t x;

	if (checked && j > MTF_LEN)
		return false;
	/* index 0 takes rank 15's slot for the next literal, without a
	 * branch: literals are a third of `ls`'s indices or more, at random.
	 * The literal is read even when not taken, and past the last one
	 * (lit[] has a slot for each value, lit[nl] set: dec_list()); the
	 * caller checks that k ends at nl */
	slot = mtf_rank_take(rk, (unsigned)(j - 1) & (MTF_LEN - 1));
	x = sel64(j, l[slot], lit[*k]);
	l[slot] = x;
	*k += j == 0;
	*out = x;
	return true;
}

/* MTF (one list, its ranks in a register) or TMTF (a list per task of
 * ctx, its ranks in memory: tasks change too often for a register kept
 * while the task stays, whose branch mispredicts, 6 -> 12 cycles a
 * value), as list_apply() */
static NXR_ALWAYS_INLINE bool mtf_rank_apply(const uint8_t *j0, const uint8_t *j1,
					     const uint64_t *ix, const uint64_t *lit, size_t nl,
					     const uint32_t *ctx, uint64_t *lists, size_t n,
					     uint64_t *out, const bool per_task)
{
	__m128i rk = _mm_loadu_si128((const __m128i *)(lists + MTF_LEN));
	uint64_t *l = lists;
	size_t k = 0;
	const bool bytes = !ix;

	for (size_t i = 0; i < n; i++) {
		uint64_t j = bytes ? (i & 1 ? j1 : j0)[i / 2] : ix[i];
		bool ok;

		if (per_task) {
			l = lists + (size_t)ctx[i] * MTF_RSTRIDE;
			ok = mtf_rank_one(l, (__m128i *)(l + MTF_LEN), j, lit, &k, &out[i],
					  !bytes);
		} else {
			ok = mtf_rank_one(l, &rk, j, lit, &k, &out[i], !bytes);
		}
		if (!ok)
			return false;
	}
	return k == nl;
}
#endif

/*
 * The lists (one, or one per task of ctx when per_task; stride entries
 * each) applied to the n indices: those at even places in j0, at odd
 * places in j1 (HUFF's two streams, decoded to bytes first, each known to
 * be <= MTF_LEN), or all in ix (another scheme). false when an index is out
 * of range or the literals do not add up.
 */
static NXR_ALWAYS_INLINE bool list_apply(const uint8_t *j0, const uint8_t *j1, const uint64_t *ix,
					 const uint64_t *lit, size_t nl, const uint32_t *ctx,
					 uint64_t *lists, size_t stride, size_t n, uint64_t *out,
					 const bool per_task, const bool moves)
{
	uint64_t *l = lists;
	size_t k = 0, i = 0;
	const bool bytes = !ix;

	for (; i + 2 <= n; i += 2) {
		if (per_task)
			l = lists + (size_t)ctx[i] * stride;
		if (!list_one(l, bytes ? j0[i / 2] : ix[i], lit, nl, &k, &out[i], per_task, moves,
			      !bytes))
			return false;
		if (per_task)
			l = lists + (size_t)ctx[i + 1] * stride;
		if (!list_one(l, bytes ? j1[i / 2] : ix[i + 1], lit, nl, &k, &out[i + 1], per_task,
			      moves, !bytes))
			return false;
	}
	if (i < n) {
		if (per_task)
			l = lists + (size_t)ctx[i] * stride;
		if (!list_one(l, bytes ? j0[i / 2] : ix[i], lit, nl, &k, &out[i], per_task, moves,
			      !bytes))
			return false;
	}
	return k == nl;
}

/*
 * A nested index column (MTF, TMTF, LIST, TLIST) at depth, when it is HUFF
 * without shift or differences (the writer's, mostly) and its symbols are
 * at most 256, each <= lim (< 256): decoded by the multi-symbol table into
 * bytes, those at even places at j0, at odd places at j1 (8 bytes of room
 * past each half), each the value its symbol stands for; sym: scratch for
 * the symbols. The end of the column, or *p unchanged when it is not that
 * case, or NULL when malformed.
 */
static const uint8_t *index_bytes(struct nxr_coldec *d, int depth, const uint8_t *p,
				  const uint8_t *end, size_t n, uint64_t lim, uint64_t *sym,
				  uint8_t *j0, uint8_t *j1)
{
	uint64_t nd, nb, nb0;
	uint8_t map[256];
	unsigned fl;
	const uint8_t *q = p + 2;

	if (end - p < 2 || p[0] != M_HUFF || p[1] != 0 || nxr_get_varint(&q, end, &nd) ||
	    nd > sizeof(map))
		return p;
	q = huff_head(d, depth, p + 1, end, n, &fl, &nd, &nb, &nb0, sym);
	if (!q)
		return NULL;
	for (uint64_t k = 0; k < nd; k++) {
		if (sym[k] > lim)
			return NULL;
		map[k] = (uint8_t)sym[k];
	}
	nxr_huff_multi_init(&d->huff, map);
	if (!nxr_huff_decode_bytes(&d->huff, q, nb, nb0, n, j0, j1))
		return NULL;
	return q + nb;
}

/*
 * MTF, TMTF (moves), LIST, TLIST: the literals' count and values, then the
 * indices. Indices Huffman-coded are decoded into bytes first, several
 * values a lookup, then the lists applied.
 */
static const uint8_t *dec_list(struct nxr_coldec *d, int depth, const uint8_t *p,
			       const uint8_t *end, size_t n, const uint32_t *ctx, uint32_t ntasks,
			       uint64_t *out, bool moves)
{
	uint64_t *lit = d->b[depth], *ix = d->a[depth], nl;
	uint8_t *j0 = d->jx, *j1 = d->jx + n / 2 + 16;
	const uint8_t *q;
	size_t nlists = ctx ? ntasks : 1, stride = moves ? MTF_LEN : MTF_LEN + 1;
	bool ok;

	if (depth + 1 >= DEPTHS || nxr_get_varint(&p, end, &nl) || nl > n)
		return NULL;
	p = dec_int(d, depth + 1, p, end, (size_t)nl, NULL, 0, lit);
	if (!p)
		return NULL;
	lit[nl] = 0;	/* (read, not taken, by mtf_rank_one(); n + 1 slots: dec_scratch) */
	q = index_bytes(d, depth + 1, p, end, n, MTF_LEN, ix, j0, j1);
	if (q == p)
		q = dec_int(d, depth + 1, p, end, n, NULL, 0, ix);
	else
		ix = NULL;
	if (!q)
		return NULL;
#if COL_SSE2
	if (moves)
		stride = MTF_RSTRIDE;
#endif
	if (grow((void **)&d->mtf, &d->mtfcap, nlists * stride, sizeof(*d->mtf)) < 0) {
		d->nomem = true;
		return NULL;
	}
	memset(d->mtf, 0, nlists * stride * sizeof(*d->mtf));
#define APPLY(bytes, pt, mv)								\
	list_apply(j0, j1, bytes ? NULL : ix, lit, (size_t)nl, ctx, d->mtf, stride, n, out, pt, mv)
#if COL_SSE2
#define RANK(bytes, pt)								\
	mtf_rank_apply(j0, j1, bytes ? NULL : ix, lit, (size_t)nl, ctx, d->mtf, n, out, pt)
	if (moves) {
		mtf_rank_init(d->mtf, nlists);
		ok = ix ? (ctx ? RANK(false, true) : RANK(false, false))
			: (ctx ? RANK(true, true) : RANK(true, false));
	}
#undef RANK
#else
	if (moves)
		ok = ix ? (ctx ? APPLY(false, true, true) : APPLY(false, false, true))
			: (ctx ? APPLY(true, true, true) : APPLY(true, false, true));
#endif
	else
		ok = ix ? (ctx ? APPLY(false, true, false) : APPLY(false, false, false))
			: (ctx ? APPLY(true, true, false) : APPLY(true, false, false));
#undef APPLY
	return ok ? q : NULL;
}

/* n values from runs: the values a[0..nr), the lengths minus one in b
 * (checked to add up to n) */
static void runs_fill(const uint64_t *a, const uint64_t *b, uint64_t nr, size_t n, uint64_t *out)
{
	size_t at = 0;

	/* runs of one or two mostly (differences of a pointer that moves at
	 * times): four values, two stores, a run */
	if (nr > n / 4) {
		for (uint64_t r = 0; r < nr; r++) {
			if (b[r] < 4 && n - at >= 4)
				fill64(out + at, a[r], 4);
			else
				fill64(out + at, a[r], (size_t)b[r] + 1);
			at += (size_t)b[r] + 1;
		}
		return;
	}
	for (uint64_t r = 0; r < nr; r++) {
		/* a short run (the tasks column's: 8 events on average) as 16
		 * values, the next run's overwritten after: no loop whose end
		 * mispredicts with the run's length */
		if (b[r] < 16 && n - at >= 16)
			fill64(out + at, a[r], 16);	/* eight stores */
		else
			fill64(out + at, a[r], (size_t)b[r] + 1);
		at += (size_t)b[r] + 1;
	}
}

/* RLE's runs, at depth: the values into d->a[depth], the lengths minus one
 * into d->b[depth], *nruns of them, checked to add up to n; with out, the n
 * values into out too. */
static const uint8_t *get_runs(struct nxr_coldec *d, int depth, const uint8_t *p,
			       const uint8_t *end, size_t n, uint64_t *nruns, uint64_t *out)
{
	uint64_t x, *a = d->a[depth], *b = d->b[depth];
	size_t at = 0;

	if (depth + 1 >= DEPTHS || nxr_get_varint(&p, end, &x) || x > n)
		return NULL;
	p = dec_int(d, depth + 1, p, end, (size_t)x, NULL, 0, a);
	if (p)
		p = dec_int(d, depth + 1, p, end, (size_t)x, NULL, 0, b);
	for (size_t r = 0; p && r < x; r++) {
		if (b[r] >= n - at)
			return NULL;
		at += (size_t)b[r] + 1;
	}
	if (!p || at != n)
		return NULL;
	if (out) {
		unzig_vals(d, depth, a, (size_t)x);
		runs_fill(a, b, x, n, out);
	}
	*nruns = x;
	return p;
}

/*
 * TDELTA (top level): the differences, a nested column, added to each
 * task's previous value, which is held in a register (cv) while the task
 * stays. Differences in runs (RLE: a pointer that stays, mostly) are
 * applied a run at a time, not unpacked first: a run of zeros changes no
 * task's value, so each of its values is a plain lookup of its task's, with
 * no dependency from value to value and no branch on a change of task.
 */
static const uint8_t *dec_tdelta(struct nxr_coldec *d, const uint8_t *p, const uint8_t *end,
				 size_t n, const uint32_t *ctx, uint32_t ntasks, uint64_t *out)
{
	uint64_t *prev = d->prev, *a = d->a[0], *rv = d->a[1], *rl = d->b[1], nr = 0, cv = 0;
	uint32_t ct = 0;
	bool runs = p < end && *p == M_RLE;

	p = runs ? get_runs(d, 1, p + 1, end, n, &nr, NULL) : dec_int(d, 1, p, end, n, NULL, 0, a);
	if (!p)
		return NULL;
	memset(prev, 0, ntasks * sizeof(*prev));
	for (size_t i = 0; !runs && i < n; i++) {
		if (ctx[i] != ct) {
			prev[ct] = cv;
			ct = ctx[i];
			cv = prev[ct];
		}
		out[i] = cv += a[i];
	}
	for (size_t r = 0, i = 0; r < nr; r++) {
		size_t len = (size_t)rl[r] + 1;
		uint64_t v = rv[r];

		if (v == 0) {
			prev[ct] = cv;
			for (size_t j = i; j < i + len; j++)
				out[j] = prev[ctx[j]];
			ct = ctx[i + len - 1];
			cv = prev[ct];
		}
		for (size_t j = i; v && j < i + len; j++) {
			if (ctx[j] != ct) {
				prev[ct] = cv;
				ct = ctx[j];
				cv = prev[ct];
			}
			out[j] = cv += v;
		}
		i += len;
	}
	return p;
}

/*
 * TNEAR (top level, format 1.3): the indices and the zigzag differences,
 * nested columns, then each value its reference plus its difference, in
 * one pass without a branch on the data. The reader's ring has twice the
 * format's slots (TNEAR_RING): the task's last TNEAR_LEN stored values
 * before its count c, and at c a scratch slot, so that every value is
 * stored there and only a value that is not a reference (a difference, or
 * index TNEAR_LEN) moves c past it: no load of the old slot, no select.
 * Index TNEAR_LEN's reference is read masked, as is an index above it
 * (caught in *bad), inside the ring.
 */
#define TNEAR_RING (2 * TNEAR_LEN)

/* The pass over n values: their indices bytes (jb) or values (ix), their
 * differences unzigzagged in out, which receives the values. An index's
 * reference is the ring's value for j < TNEAR_LEN, 0 for TNEAR_LEN (or
 * above it: rejected by the caller): the mask keep, from j's sign less
 * TNEAR_LEN. */
static NXR_ALWAYS_INLINE void tnear_dec_pass(const uint8_t *jb, const uint64_t *ix,
					     const uint32_t *ctx, size_t n, uint64_t *ring,
					     uint64_t *cnt, uint64_t *out)
{
#pragma GCC unroll 2
	for (size_t i = 0; i < n; i++) {
		uint64_t j = jb ? jb[i] : ix[i], z = out[i], t = ctx[i], c = cnt[t];
		uint64_t keep = (uint64_t)((int64_t)(j - TNEAR_LEN) >> 63), *r = ring + t * TNEAR_RING;
		uint64_t x = (r[(c - j) & (TNEAR_RING - 1)] & keep) + z;

		r[(c + 1) & (TNEAR_RING - 1)] = x;
		cnt[t] = c + ((z | ~keep) != 0);
		out[i] = x;
	}
}

/* No index of ix[0..n) above TNEAR_LEN (16), with no branch, four values
 * a step: j | (j + 15) has a bit above 31 set when j is 17-31 or above */
static bool tnear_ix_ok(const uint64_t *ix, size_t n)
{
	typedef uint64_t v2 __attribute__((vector_size(16), aligned(8)));
	v2 m0 = { 0, 0 }, m1 = { 0, 0 };
	uint64_t m = 0;
	size_t i = 0;

	_Static_assert(TNEAR_LEN == 16, "tnear_ix_ok()");
	for (; i + 4 <= n; i += 4) {
		v2 a = *(const v2 *)(ix + i), b = *(const v2 *)(ix + i + 2);

		m0 |= a | (a + 15);
		m1 |= b | (b + 15);
	}
	m0 |= m1;
	m = m0[0] | m0[1];
	for (; i < n; i++)
		m |= ix[i] | (ix[i] + 15);
	return m < 32;
}

static const uint8_t *dec_tnear(struct nxr_coldec *d, const uint8_t *p, const uint8_t *end,
				size_t n, const uint32_t *ctx, uint32_t ntasks, uint64_t *out)
{
	uint64_t *ix = d->a[0], *cnt = d->prev, *ring;
	/* Huffman-coded indices as bytes (even places, odd places), in the
	 * second half of jx: the differences' own HUFF may use the first */
	uint8_t *j0 = d->jx + n + 48, *j1 = j0 + n / 2 + 16;
	const uint8_t *q;

	q = index_bytes(d, 1, p, end, n, TNEAR_LEN, ix, j0, j1);
	if (q == p)
		q = dec_int(d, 1, p, end, n, NULL, 0, ix);
	else
		ix = NULL;
	if (q) {	/* the differences into out, unzigzagged */
		d->unzig = true;
		q = dec_int(d, 1, q, end, n, NULL, 0, out);
		if (q && d->unzig)	/* (not by the column's scheme) */
			unzig_all(out, n);
		d->unzig = false;
	}
	if (!q || (ix && !tnear_ix_ok(ix, n)))
		return NULL;
	if (grow((void **)&d->ring, &d->ringcap, (size_t)ntasks * TNEAR_RING, sizeof(*d->ring)) < 0) {
		d->nomem = true;
		return NULL;
	}
	ring = d->ring;
	memset(ring, 0, (size_t)ntasks * TNEAR_RING * sizeof(*ring));
	memset(cnt, 0, ntasks * sizeof(*cnt));
	if (ix) {
		tnear_dec_pass(NULL, ix, ctx, n, ring, cnt, out);
		return q;
	}
	/* index_bytes() checked the indices; in event order in jx's first half */
	interleave_bytes(j0, j1, n, d->jx);
	tnear_dec_pass(d->jx, NULL, ctx, n, ring, cnt, out);
	return q;
}

/*
 * A LOGH part whose symbols all stand for themselves (below 2 << sub: no
 * raw bits; at most 256 of them from lo), as TCOPY's slots are: its cnt
 * symbols' code read at p (then past it), and its m values decoded from
 * the nb bytes after that through the multi-symbol table, several short
 * codes a lookup (the chain of one lookup a value took a slot column
 * longer to read than the literals), into out as lo + the symbol. False
 * when malformed.
 */
static bool logh_small_part(struct nxr_coldec *d, const uint8_t **pp, const uint8_t *end,
			    uint64_t lo, uint64_t cnt, size_t m, uint64_t *out)
{
	struct nxr_huff_dec *h = &d->huff;
	uint8_t *sym = d->jx;	/* (free in a LOGH column: 2 (n + 48) bytes) */
	const uint8_t *p = *pp;
	uint64_t nb, pos = 0, lim;
	size_t i = 0;

	if (nxr_huff_table_get(h, (unsigned)cnt, &p, end) < 0 ||
	    nxr_get_varint(&p, end, &nb) || nb > (uint64_t)(end - p))
		return false;
	nxr_huff_multi_init(h, NULL);
	lim = nb * 8;
	while (i + 7 <= m && pos <= lim) {
		uint64_t e = nxr_huff_mlook(h, nxr_bits_peek(p, pos));

		nxr_store_le64(sym + i, e >> 8);
		i += (e >> 4) & 15u;
		pos += e & 15u;
	}
	if (!nxr_huff_bytes_tail(h, p, &pos, lim, i, m, sym) || (pos + 7) / 8 != nb)
		return false;
	for (size_t j = 0; j < m; j++)
		out[j] = lo + sym[j];
	*pp = p + nb;
	return true;
}

/* One LOGH part of m values at *pp into out (the alphabet with sub bits:
 * each symbol's base and raw bits): its code, then its stream, each value
 * its symbol's code and raw bits, base[symbol] + the raw bits; false when
 * malformed */
static bool logh_part_dec(struct nxr_coldec *d, const uint8_t **pp, const uint8_t *end,
			  unsigned sub, const uint64_t *base, uint8_t *nraw, size_t m,
			  uint64_t *out)
{
	const struct nxr_huff_dec *h = &d->huff;
	unsigned nsym = LOGH_NSYM(sub);
	const uint8_t *p = *pp;
	uint64_t lo, cnt, nb, pos = 0, lim, mask;

	if (nxr_get_varint(&p, end, &lo) || lo >= nsym || nxr_get_varint(&p, end, &cnt) ||
	    cnt == 0 || cnt > nsym - lo)
		return false;
	if (lo + cnt <= 2u << sub && cnt <= 256) {
		*pp = p;
		return logh_small_part(d, pp, end, lo, cnt, m, out);
	}
	if (nxr_huff_table_get_x(&d->huff, (unsigned)cnt, &p, end, nraw + lo) < 0 ||
	    nxr_get_varint(&p, end, &nb) || nb > (uint64_t)(end - p))
		return false;
	lim = nb * 8;
	mask = (1ull << h->bits) - 1;
	/* the next position one lookup after the load at this one (the
	 * code's length and its raw bits in one entry: xlut), the
	 * symbol and its raw bits off that chain */
	for (size_t j = 0; j < m; j++) {
		uint64_t w = nxr_bits_peek(p, pos), x;
		uint32_t ent = h->xlut[w & mask];
		unsigned l = ent & 15u, t = (ent >> 4) & 127u, r = t - l;
		unsigned y = (unsigned)lo + (ent >> 11);

		if (pos + t > lim)
			return false;
		/* the raw bits from the same load when they are in it (57
		 * bits or more from pos), else from one or two more */
		if (__builtin_expect(t <= 57, 1))
			x = w >> l & ((1ull << r) - 1);
		else if (r <= 56)
			x = nxr_bits_peek(p, pos + l) & ((1ull << r) - 1);
		else
			x = (nxr_bits_peek(p, pos + l) & 0xffffffffu) |
			    (nxr_bits_peek(p, pos + l + 32) & ((1ull << (r - 32)) - 1)) << 32;
		pos += t;
		out[j] = base[y] | x;
	}
	if ((pos + 7) / 8 != nb)
		return false;
	*pp = p + nb;
	return true;
}

/*
 * LOGH's classes (format 1.6) of a column of n values grouped as the
 * syscalls are by number (their fields; TGAPN's keys, the syscalls' first):
 * each syscall's 1 + the group (run of the selector) of its task's syscall
 * before it in the segment, 0 when it has none; the other values 0. False
 * when the column is grouped otherwise.
 */
static bool logh_classes_dec(struct nxr_coldec *d, size_t n)
{
	const struct kdec *ks = &d->k[NX_KIND_SYSCALL];
	const uint64_t *gs = d->sysgs;
	uint64_t *rid = d->ltmp, *last = d->prev;
	uint32_t *cls = d->lcls, ns = ks->n;

	/* (gs NULL and n < ns follow from the groups' test; kept, as the
	 * groups' bound, which regroup() keeps too, against slot[]'s size) */
	if (!gs || (d->lgsel != gs && d->lgsel != d->tgs) || n < ns)
		return false;
	for (uint32_t q = 0, g = 0; q < ns; q++) {
		g += q && gs[q] != gs[q - 1];
		if (g >= NXR_COL_MAX_GROUPS)
			return false;
		rid[q] = g;
	}
	memset(last, 0, d->ntasks * sizeof(*last));
	for (uint32_t j = 0; j < ns; j++) {
		uint32_t q = ks->pos[j], t = ks->task[j];

		cls[q] = (uint32_t)last[t];
		last[t] = 1 + rid[q];
	}
	for (size_t q = ns; q < n; q++)
		cls[q] = 0;
	d->lngroups = ns ? (uint32_t)rid[ns - 1] + 1 : 0;
	return true;
}

/* A group's part split by the syscall before (format 1.6), its m values
 * out[0..m) of classes cls[0..m): the count of classes with a part of their
 * own, those classes, their parts, the rest's; each part decoded into
 * d->ltmp, then put back in order. False when malformed. */
static bool logh_prev_dec(struct nxr_coldec *d, const uint8_t **pp, const uint8_t *end,
			  unsigned sub, const uint64_t *base, uint8_t *nraw, const uint32_t *cls,
			  size_t m, uint64_t *out)
{
	uint8_t slot[NXR_COL_MAX_GROUPS + 1];
	size_t at[LOGH_PREV_MAX + 2] = { 0 };
	uint64_t nk, c, *tmp = d->ltmp;

	if (nxr_get_varint(pp, end, &nk) || nk > LOGH_PREV_MAX)
		return false;
	memset(slot, (int)nk, (size_t)d->lngroups + 1);
	for (unsigned k = 0; k < nk; k++) {
		if (nxr_get_varint(pp, end, &c) || c > d->lngroups || slot[c] != nk)
			return false;
		slot[c] = (uint8_t)k;
	}
	for (size_t j = 0; j < m; j++)
		at[slot[cls[j]] + 1]++;
	for (unsigned k = 1; k <= nk + 1; k++)
		at[k] += at[k - 1];
	for (unsigned k = 0; k <= nk; k++)
		if (!logh_part_dec(d, pp, end, sub, base, nraw, at[k + 1] - at[k], tmp + at[k]))
			return false;
	for (size_t j = 0; j < m; j++)
		out[j] = tmp[at[slot[cls[j]]]++];
	return true;
}

/*
 * LOGH (format 1.4) of n values into out: the flags, then one part, or
 * (flag G, 4, where may_group and the section is grouped: only in a
 * section's field, d->lgsel) one per group, the runs of the section's
 * grouped selector column, each (flag P, 8, format 1.6: where the groups
 * are the syscalls' by number) split by the syscall before. NULL when
 * malformed.
 */
static const uint8_t *dec_logh(struct nxr_coldec *d, const uint8_t *p, const uint8_t *end,
			       size_t n, bool may_group, uint64_t *out)
{
	uint64_t base[LOGH_MAXSYM];
	uint8_t nraw[LOGH_MAXSYM];
	const uint64_t *gs = d->lgsel;
	unsigned sub, nsym;
	bool grouped, by_prev;

	if (p >= end || *p & ~15u)
		return NULL;
	sub = *p & 3u;
	grouped = *p & 4u;
	by_prev = *p++ & 8u;
	if (grouped && (!may_group || !gs))
		return NULL;
	if (by_prev && (!grouped || !logh_classes_dec(d, n)))
		return NULL;
	nsym = LOGH_NSYM(sub);
	for (unsigned y = 0; y < nsym; y++) {
		unsigned k = y - (2u << sub), r = (k >> sub) + 1;

		nraw[y] = (uint8_t)(y < 2u << sub ? 0 : r);
		base[y] = y < 2u << sub ? y : (uint64_t)((1u << sub) | (k & ((1u << sub) - 1))) << r;
	}
	for (size_t i = 0; i < n;) {
		size_t m = n - i;

		if (grouped)
			for (m = 1; i + m < n && gs[i + m] == gs[i]; m++)
				;
		if (by_prev ? !logh_prev_dec(d, &p, end, sub, base, nraw, d->lcls + i, m, out + i)
			    : !logh_part_dec(d, &p, end, sub, base, nraw, m, out + i))
			return NULL;
		i += m;
	}
	return p;
}

/* Decodes an integer column of n values into out; NULL when malformed. */
static const uint8_t *dec_int(struct nxr_coldec *d, int depth, const uint8_t *p,
			      const uint8_t *end, size_t n, const uint32_t *ctx, uint32_t ntasks,
			      uint64_t *out)
{
	uint64_t x, *a = d->a[depth], *b = d->b[depth];
	size_t nm = 0;

	if (p >= end)
		return NULL;
	switch (*p++) {
	case M_FOR:
		return get_for(p, end, n, out);
	case M_DELTA:
		return get_for_delta(p, end, n, out);
	case M_DICT:
		if (depth + 1 >= DEPTHS || nxr_get_varint(&p, end, &x) || x == 0 || x > n)
			return NULL;
		p = dec_int(d, depth + 1, p, end, (size_t)x, NULL, 0, a);
		if (!p)
			return NULL;
		unzig_vals(d, depth, a, (size_t)x);
		return get_dict_ix(p, end, n, out, a, x);
	case M_RLE:
		return get_runs(d, depth, p, end, n, &x, out);
	case M_TREP:
		if (depth != 0 || !ctx)
			return NULL;
		p = get_flags(p, end, n, d->bits, a, &nm);
		if (p)
			p = dec_int(d, depth + 1, p, end, nm, NULL, 0, b);
		if (!p)
			return NULL;
		b[nm] = 0;	/* a slot past the nm values (dec_scratch): read, never used */
		trep_apply(d->bits, b, ctx, n, d->prev, ntasks, out);
		return p;
	case M_ZSTD:
		return depth == 0 ? dec_zstd(d, p, end, n, ctx, ntasks, out) : NULL;
	case M_HUFF:
		return dec_huff(d, depth, p, end, n, out);
	case M_LOGH:
		return depth == 0 ? dec_logh(d, p, end, n, true, out) : NULL;
	case M_MTF:
	case M_LIST:
		return dec_list(d, depth, p, end, n, NULL, 0, out, p[-1] == M_MTF);
	case M_TMTF:
	case M_TLIST:
		return depth == 0 && ctx ? dec_list(d, depth, p, end, n, ctx, ntasks, out,
						    p[-1] == M_TMTF) : NULL;
	case M_TDELTA:
		if (depth != 0 || !ctx)
			return NULL;
		return dec_tdelta(d, p, end, n, ctx, ntasks, out);
	case M_TNEAR:
		return depth == 0 && ctx ? dec_tnear(d, p, end, n, ctx, ntasks, out) : NULL;
	}
	return NULL;
}

static const uint8_t *dec_str(struct nxr_coldec *d, struct kdec *ks, unsigned f,
			      const uint8_t *p, const uint8_t *end, size_t n, void *dctx)
{
	uint64_t *len = ks->f[f], *off = ks->soff[f], total = 0, zn;
	unsigned mode;

	if (p >= end)
		return NULL;
	mode = *p++;
	if (mode != M_STR_RAW && mode != M_STR_ZSTD)
		return NULL;
	p = dec_int(d, 1, p, end, n, NULL, 0, len);
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (len[i] > NXR_MAX_EVENT_STR)
			return NULL;
		off[i] = total;
		total += len[i];
	}
	if (total > NXR_MAX_SEG_RAW)
		return NULL;
	if (mode == M_STR_RAW) {
		if (total > (uint64_t)(end - p))
			return NULL;
		ks->sbase[f] = p;
		return p + total;
	}
	if (nxr_get_varint(&p, end, &zn) || zn > (uint64_t)(end - p) ||
	    !unzstd(d, dctx, p, zn, total, &ks->sbuf[f], &ks->sbufcap[f], 1))
		return NULL;
	ks->sbase[f] = ks->sbuf[f];
	return p + zn;
}

/* A decoder's room for n events, rounded up to a multiple of 4096: the
 * event counts of segments differ by a few, and a buffer grown for each
 * larger one is a new block whose pages are all touched anew (page faults
 * cost about as much as decoding the events) */
static size_t grow_events(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

static int dec_scratch(struct nxr_coldec *d, size_t n)
{
	void *p;

	if (n <= d->cap)
		return 0;
	n = grow_events(n);
#define RE(x, sz) do { if (!(p = realloc(d->x, n * (sz)))) return -ENOMEM; d->x = p; } while (0)
	RE(kind, 8);
	RE(task, 8);
	RE(key, 8);
	for (int i = 0; i < DEPTHS; i++) {
		RE(a[i], 8);
		/* n + 1 values: TREP's decoder reads one past the last */
		if (!(p = realloc(d->b[i], (n + 1) * 8)))
			return -ENOMEM;
		d->b[i] = p;
	}
	/* n + 1: TREP stores to a spare slot past the tasks */
	if (!(p = realloc(d->prev, (n + 1) * 8)))
		return -ENOMEM;
	d->prev = p;
	RE(sk, 8);
	RE(runv, 8);
	/* n + 1 values: swapped with b[0] (nxr_coldec_load), which TREP needs so */
	if (!(p = realloc(d->runl, (n + 1) * 8)))
		return -ENOMEM;
	d->runl = p;
	if (!(p = realloc(d->bits, (n / 64 + 2) * 8)))
		return -ENOMEM;
	d->bits = p;
	RE(gtask, 4);
	RE(gid, 4);
	RE(cpix, COPY_FIELDS);
	RE(cpv, 8);
	RE(cpctx, 4);
	RE(tgs, 8);
	RE(lcls, 4);
	RE(ltmp, 8);
	/* two halves of indices, each with room for a last 8-byte store;
	 * twice: TNEAR's indices, then its differences' */
	if (!(p = realloc(d->jx, 2 * (n + 48))))
		return -ENOMEM;
	d->jx = p;
#undef RE
	d->cap = n;
	return 0;
}

static int kdec_size(struct kdec *ks, uint32_t kind, size_t n)
{
	void *p;

	if (n <= ks->cap)
		return 0;
	n = grow_events(n);
	/* n + 1: nxr_coldec_load() may write one past the syscalls' tasks */
	if (!(p = realloc(ks->task, (n + 1) * 4)))
		return -ENOMEM;
	ks->task = p;
	if (!(p = realloc(ks->pos, n * 4)))
		return -ENOMEM;
	ks->pos = p;
	/* column f starts 5f cache lines past a page boundary: the reader
	 * loads every field of an event at the same place q of its column,
	 * and columns all page-aligned (large blocks are mmap()ed) would put
	 * those loads in one set of the L1 cache */
	memset(ks->cn, 0, sizeof(ks->cn));
	for (unsigned f = 0; f < knf[kind]; f++) {
		/* (n + 1: TCOPY's copy_prepare() keeps 0 past the last) */
		if (!(p = malloc((n + 1) * 8 + 4096 + f * 5 * 64)))
			return -ENOMEM;
		free(ks->fblk[f]);
		ks->fblk[f] = p;
		ks->f[f] = (uint64_t *)((((uintptr_t)p + 4095) & ~(uintptr_t)4095) + f * 5 * 64);
		if (kty[kind][f] == NXR_FT_STR) {
			if (!(p = realloc(ks->soff[f], n * 8)))
				return -ENOMEM;
			ks->soff[f] = p;
		}
	}
	ks->cap = n;
	return 0;
}

/* No value of v[0..n) above 2^32 - 1 (a U32 field) */
static bool fits_u32(const uint64_t *v, size_t n)
{
	uint64_t hi = 0;	/* or-ed, no branch: the loop vectorizes */

	for (size_t j = 0; j < n; j++)
		hi |= v[j];
	return hi <= UINT32_MAX;
}

/* The grouped tasks and the selector column in grouped order (runs of each
 * group's value), once ks->pos and the groups' ends are known. */
static void regroup_apply(struct nxr_coldec *d, struct kdec *ks, uint64_t *sel,
			  const uint64_t *gval, const uint32_t *gend, uint32_t ng)
{
	uint32_t q = 0;

	for (uint32_t j = 0; j < ks->n; j++)
		d->gtask[ks->pos[j]] = ks->task[j];
	for (uint32_t g = 0; g < ng; g++)
		for (; q < gend[g]; q++)
			sel[q] = gval[g];
}

/* The grouping the writer made from the selector column sel (event order):
 * ks->pos, the grouped tasks in d->gtask; sel itself is put in grouped order. */
static bool regroup(struct nxr_coldec *d, struct kdec *ks, uint64_t *sel)
{
	uint64_t gval[NXR_COL_MAX_GROUPS];
	uint32_t *gend = (uint32_t *)d->a[0], ng;

	ng = group_order(&d->h, sel, ks->n, d->gid, gend, ks->pos, gval);
	if (!ng)
		return false;
	regroup_apply(d, ks, sel, gval, gend, ng);
	return true;
}

/* Whether the group numbers ix[0..n) are numbered in order of first
 * appearance (none above the largest before it + 1), *next then the
 * largest + 1. A block of 64 below *next (every block once the groups
 * have all appeared) is passed on its maximum alone. */
static bool first_order(const uint8_t *ix, size_t n, unsigned *next)
{
	unsigned nx = 0;

	for (size_t s = 0; s < n; s += 64) {
		size_t cnt = n - s < 64 ? n - s : 64, i = 0;
		unsigned m = 0;

#if COL_SSE2
		if (cnt == 64) {
			const __m128i *v = (const __m128i *)(ix + s);
			__m128i a = _mm_max_epu8(_mm_loadu_si128(v), _mm_loadu_si128(v + 1));

			a = _mm_max_epu8(a, _mm_max_epu8(_mm_loadu_si128(v + 2),
							 _mm_loadu_si128(v + 3)));
			a = _mm_max_epu8(a, _mm_srli_si128(a, 8));
			a = _mm_max_epu8(a, _mm_srli_si128(a, 4));
			a = _mm_max_epu8(a, _mm_srli_si128(a, 2));
			a = _mm_max_epu8(a, _mm_srli_si128(a, 1));
			m = (unsigned)_mm_cvtsi128_si32(a) & 0xff;
			i = cnt;
		}
#endif
		for (; i < cnt; i++)
			m = ix[s + i] > m ? ix[s + i] : m;
		if (m < nx)
			continue;
		for (i = 0; i < cnt; i++) {
			unsigned x = ix[s + i];

			if (x > nx)
				return false;
			nx = x + 1 > nx ? x + 1 : nx;
		}
	}
	*next = nx;
	return true;
}

/*
 * The selector column [p, end) as the writer codes it: DICT (or, format
 * 1.2, HUFF) of its distinct values numbered in order of first appearance.
 * Its numbers are then the group numbers, and the grouping needs no
 * hashing of the values. 1: done (as regroup()); 0: not that case, decode
 * it in full; -1: malformed (what the full decoding would refuse too).
 */
static int regroup_dict(struct nxr_coldec *d, struct kdec *ks, const uint8_t *p,
			const uint8_t *end, uint64_t *sel, bool u32)
{
	enum { QS = 4 };	/* quarters of the events, each with its own counts */
	uint64_t nd, gval[NXR_COL_MAX_GROUPS], *tmp = d->b[0], big = 0;
	uint32_t n = ks->n, q4 = n / QS, cur[QS][NXR_COL_MAX_GROUPS];
	uint32_t *pos = ks->pos, *gtask = d->gtask;
	const uint32_t *task = ks->task;
	uint8_t *ix = (uint8_t *)d->gid;	/* the numbers, a byte each */
	unsigned next;
	bool isnew;

	_Static_assert(NXR_COL_MAX_GROUPS <= 256, "numbers kept as bytes");
	if (p < end && *p == M_ZSTD) {	/* the same compressed (a shell loop's) */
		const uint8_t *z = p + 1;
		uint64_t raw, zn;

		/* dec_zstd()'s checks; an inner ZSTD is refused there too */
		if (nxr_get_varint(&z, end, &raw) || raw == 0 || raw > col_bound(n) ||
		    nxr_get_varint(&z, end, &zn) || zn != (uint64_t)(end - z) ||
		    !unzstd(d, d->dctx, z, zn, raw, &d->zcol, &d->zcolcap, NXR_COL_PAD) ||
		    d->zcol[0] == M_ZSTD)
			return -1;
		return regroup_dict(d, ks, d->zcol, d->zcol + raw, sel, u32);
	}
	if (p < end && *p == M_HUFF) {	/* (format 1.2) the same, Huffman-coded */
		int r = huff_ix(d, p + 1, end, n, ix, &nd);

		if (r <= 0)
			return r;
		p = end;
		goto numbered;
	}
	if (p >= end || *p++ != M_DICT)
		return 0;
	if (nxr_get_varint(&p, end, &nd) || nd == 0 || nd > n)
		return -1;
	if (nd > NXR_COL_MAX_GROUPS)
		return 0;
	p = dec_int(d, 1, p, end, nd, NULL, 0, d->a[0]);
	if (!p)
		return -1;
	/* unpacked a block at a time while in cache, kept as bytes (a number
	 * above 255 is caught in big: not in order of first appearance) */
	for (uint32_t s = 0; s < n; s += BLK) {
		uint32_t cnt = n - s < BLK ? n - s : BLK;

		if (!(p = get_for(p, end, cnt, tmp)))
			return -1;
		for (uint32_t i = 0; i < cnt; i++) {
			big |= tmp[i] >> 8;
			ix[s + i] = (uint8_t)tmp[i];
		}
	}
	if (p != end)
		return -1;
	if (big)
		return 0;
numbered:
	memcpy(gval, d->a[0], nd * sizeof(*gval));
	hm_clear(&d->h);
	for (uint32_t g = 0; g < nd; g++)
		if (hm_get_put(&d->h, gval[g], g, &isnew) != g)
			return 0;	/* a value twice: the groups merge */
	if (!first_order(ix, n, &next))
		return 0;	/* not in order: the full decoding refuses or regroups */
	/* then no number is above the largest, so next <= nd is the range
	 * check too */
	if (next > nd || (u32 && !fits_u32(gval, next)))
		return -1;
	/* each quarter counted and placed with its own counts and cursors,
	 * the four side by side: four chains of increments in memory (an
	 * increment waits for the store of the one before when neighbours
	 * share a group, as they mostly do) */
	memset(cur, 0, sizeof(cur));
	for (uint32_t j = 0; j < q4; j++) {
		cur[0][ix[j]]++;
		cur[1][ix[q4 + j]]++;
		cur[2][ix[2 * q4 + j]]++;
		cur[3][ix[3 * q4 + j]]++;
	}
	for (uint32_t j = QS * q4; j < n; j++)
		cur[QS - 1][ix[j]]++;
	for (uint32_t g = 0, sum = 0; g < next; g++) {
		for (unsigned k = 0; k < QS; k++) {
			uint32_t c = cur[k][g];

			cur[k][g] = sum;
			sum += c;
		}
	}
	for (uint32_t j = 0; j < q4; j++) {
#pragma GCC unroll 4
		for (unsigned k = 0; k < QS; k++) {
			uint32_t at = k * q4 + j, q = cur[k][ix[at]]++;

			pos[at] = q;
			gtask[q] = task[at];
		}
	}
	for (uint32_t j = QS * q4; j < n; j++) {
		uint32_t q = cur[QS - 1][ix[j]]++;

		pos[j] = q;
		gtask[q] = task[j];
	}
	/* the last quarter's cursors end their groups */
	for (uint32_t g = 0, q = 0; g < next; g++) {
		fill64(sel + q, gval[g], cur[QS - 1][g] - q);
		q = cur[QS - 1][g];
	}
	return 1;
}

/*
 * A field's column in runs (RLE) [p, end), past its mode, into field f.
 * A column of one run (a value every event has: flags, an argument a
 * syscall does not take) is not filled in again when the field's buffer
 * holds it from the segment before (cval, cn): 8 bytes an event stored
 * into a buffer out of the cache cost more than decoding most columns.
 * U32 fields: the runs' values checked, not the n values. The column's
 * end, or NULL when malformed.
 */
static const uint8_t *dec_runs_field(struct nxr_coldec *d, struct kdec *ks, unsigned f,
				     const uint8_t *p, const uint8_t *end, bool u32)
{
	uint64_t nr, *v = d->a[0];

	p = get_runs(d, 0, p, end, ks->n, &nr, NULL);
	if (!p || (u32 && !fits_u32(v, nr)))
		return NULL;
	if (nr == 1 && ks->cn[f] >= ks->n && ks->cval[f] == v[0])
		return p;
	runs_fill(v, d->b[0], nr, ks->n, ks->f[f]);
	ks->cval[f] = v[0];
	ks->cn[f] = nr == 1 ? ks->n : 0;
	return p;
}

/*
 * A syscall section's TCOPY column of field f (< COPY_FIELDS) after its
 * mode byte: the slots (LOGH, grouped where the section is, or a nested
 * column), then the literals, a top-level column of the values whose slot
 * is 0 with their tasks (not TCOPY, nor LOGH by groups: d->lgsel cleared),
 * put in their places. Copies of this syscall's own fields, read already,
 * are filled here, in the column's order; the others by copy_fill(),
 * in event order, once the section is read. The column's end, or NULL
 * when malformed.
 */
static const uint8_t *dec_copy(struct nxr_coldec *d, struct kdec *ks, unsigned f,
			       const uint8_t *p, const uint8_t *end, const uint32_t *ctx)
{
	const uint64_t *gs = d->lgsel, *src[32];
	uint8_t *cx = d->cpix + (size_t)f * d->cap;
	uint64_t *ix = d->cpv, *out = ks->f[f], hi = 0;
	uint32_t n = ks->n, m = 0, used = 0;
	/* slots past 25, or of this syscall's fields from f on (3 + g, g >= f) */
	const uint32_t bad = ~((1u << COPY_SLOTS) - 1) | (0x7fu << 3 & ~0u << (3 + f));

	p = p < end && *p == M_LOGH ? dec_logh(d, p + 1, end, n, true, ix)
				    : dec_int(d, 1, p, end, n, NULL, 0, ix);
	if (!p)
		return NULL;
	for (uint32_t q = 0; q < n; q++) {	/* (no branch per value) */
		uint64_t x = ix[q];

		hi |= x;
		cx[q] = (uint8_t)x;
		used |= 1u << (x & 31);
		d->cpctx[m] = ctx[q];
		m += !x;
	}
	if (hi >= 32 || used & bad)
		return NULL;
	d->lgsel = NULL;
	p = dec_int(d, 0, p, end, m, d->cpctx, d->ntasks, out);
	d->lgsel = gs;
	if (!p)
		return NULL;
	/* Copies of other syscalls' values (slots 1 and 2, 10 on) or of a
	 * field copy_fill() fills are copy_fill()'s; the others are put in
	 * place here, with the literals, from the back (the m-th literal goes
	 * to a place at or after m), a copy read from its own column's place
	 * (copy_fill() overwrites it) or from the field its slot names. */
	for (unsigned s = 0; s < 32; s++)
		src[s] = out;
	if (used & ~(0x7fu << 3 | 1u) || (used >> 3 & d->cpmask))
		d->cpmask |= 1u << f;
	else
		for (unsigned g = 0; g < f; g++)
			src[3 + g] = ks->f[g];
	for (uint32_t q = n; q-- > 0;) {
		uint64_t lit = out[m ? m - 1 : 0], cp = src[cx[q]][q];

		out[q] = cx[q] ? cp : lit;
		m -= !cx[q];
	}
	return p;
}

/* copy_value()'s source of slot s in column f: its field, its syscall
 * (at[] index) << 3, and COPY_SRC_PLUS or COPY_SRC_MINUS for a step */
enum { COPY_SRC_PLUS = 0x20, COPY_SRC_MINUS = 0x60 };

static uint8_t copy_src(unsigned s, unsigned f)
{
	if (s >= COPY_STEP)
		return (uint8_t)(1u << 3 | f | (s == COPY_STEP ? COPY_SRC_PLUS : COPY_SRC_MINUS));
	return (uint8_t)(s < 3 ? s << 3 | f : (s - 3) / COPY_FIELDS << 3 | (s - 3) % COPY_FIELDS);
}

/*
 * The TCOPY fields whose copies name other syscalls' values are filled in
 * event order, as the syscalls are read (copy_fill()): each syscall's slots
 * read the values of its task's syscall before it and the one before that
 * (grouped places, kept per task) and its own fields before the one read,
 * all in place by then. A pass of its own over the section, in event order
 * through grouped places, cost the reader more than the rest of the column
 * (the places are far apart; read with the event, each is at hand). This
 * sets it up. Without a branch: a literal (slot 0) copies itself, and no
 * syscall before is the place n, where every field holds 0 (kdec_size()
 * has room for it).
 */
static int copy_prepare(struct nxr_coldec *d, struct kdec *ks)
{
	uint64_t n = ks->n;

	if (grow((void **)&d->cplast, &d->cplastcap, d->ntasks, sizeof(*d->cplast)) < 0)
		return -ENOMEM;
	for (uint32_t t = 0; t < d->ntasks; t++)
		d->cplast[t] = n << 32 | n;
	d->cpnf = 0;
	for (unsigned f = 0; f < COPY_FIELDS; f++) {
		unsigned k = d->cpnf;

		ks->f[f][n] = 0;
		if (ks->cn[f] > n)	/* (f[f][0..cn) held one value) */
			ks->cn[f] = (uint32_t)n;
		if (!(d->cpmask >> f & 1))
			continue;
		d->cpdst[k] = ks->f[f];
		d->cpslot[k] = d->cpix + (size_t)f * d->cap;
		d->cpsrc[k][0] = (uint8_t)f;
		for (unsigned s = 1; s < COPY_SLOTS; s++)
			d->cpsrc[k][s] = copy_src(s, f);
		d->cpnf++;
	}
	d->cpmask = 0;
	return 0;
}

/* One copy: column dst's value at place q from the field and syscall its
 * slot names (src: copy_prepare()'s table; at: this syscall's place and
 * its task's two before), plus or minus the return value of the syscall
 * before for a step (1.6; the branch is never taken without them) */
static NXR_ALWAYS_INLINE void copy_value(uint64_t *dst, const uint8_t *slot, const uint8_t *src,
					 uint64_t *const *fv, const uint32_t *at, uint32_t q)
{
	unsigned y = src[slot[q]];
	uint64_t x = fv[y & 7][at[y >> 3 & 3]];

	if (y >= COPY_SRC_PLUS) {
		uint64_t r = fv[SF_ret][at[1]];

		x = y >= COPY_SRC_MINUS ? x - r : x + r;
	}
	dst[q] = x;
}

/* Syscall j's copies (copy_prepare()), at its place q */
static NXR_ALWAYS_INLINE void copy_fill(struct nxr_coldec *d, const struct kdec *ks,
					uint32_t j, uint32_t q)
{
	uint64_t *last = &d->cplast[ks->task[j]], h = *last;
	const uint32_t at[3] = { q, (uint32_t)h, (uint32_t)(h >> 32) };
	const unsigned nf = d->cpnf;
	uint64_t *const *fv = ks->f;

	/* (nf in a local: the stores below may alias d's fields for the compiler) */
	for (unsigned k = 0; k < nf; k++)
		copy_value(d->cpdst[k], d->cpslot[k], d->cpsrc[k], fv, at, q);
	*last = h << 32 | q;
}

/* copy_fill() of one field (dst, its slots, their sources) through
 * arguments the caller keeps in registers: the stores of the events it
 * fills may alias the decoder's fields for the compiler, which then loads
 * them again at every syscall */
static NXR_ALWAYS_INLINE void copy_fill_one(uint64_t *dst, const uint8_t *slot,
					    const uint8_t *src, uint64_t *last,
					    uint64_t *const *fv, uint32_t t, uint32_t q)
{
	uint64_t h = last[t];
	const uint32_t at[3] = { q, (uint32_t)h, (uint32_t)(h >> 32) };

	copy_value(dst, slot, src, fv, at, q);
	last[t] = h << 32 | q;
}

/* One kind's section body [p, end); NULL when malformed. */
static const uint8_t *dec_section(struct nxr_coldec *d, uint32_t kind, const uint8_t *p,
				  const uint8_t *end, void *dctx)
{
	struct kdec *ks = &d->k[kind];
	uint64_t nf, sel, clen;
	const uint32_t *ctx = ks->task;
	unsigned known = knf[kind];
	bool u32;

	d->cpmask = 0;
	if (nxr_get_varint(&p, end, &nf) || nf == 0 || nf > 64 ||
	    nxr_get_varint(&p, end, &sel) || sel > nf)
		return NULL;
	ks->grouped = sel != 0;
	if (sel) {
		uint64_t *col = sel - 1 < known ? ks->f[sel - 1] : d->sk;

		if (sel - 1 < known)
			ks->cn[sel - 1] = 0;

		if (sel - 1 < known && kty[kind][sel - 1] == NXR_FT_STR)
			return NULL;
		if (nxr_get_varint(&p, end, &clen) || clen > (uint64_t)(end - p))
			return NULL;
		u32 = sel - 1 < known && kty[kind][sel - 1] == NXR_FT_U32;
		switch (regroup_dict(d, ks, p, p + clen, col, u32)) {
		case 1:
			break;
		case 0:
			if (dec_int(d, 0, p, p + clen, ks->n, ks->task, d->ntasks, col) != p + clen ||
			    (u32 && !fits_u32(col, ks->n)) || !regroup(d, ks, col))
				return NULL;
			break;
		default:
			return NULL;
		}
		p += clen;
		ctx = d->gtask;
		d->lgsel = col;
		if (kind == NX_KIND_SYSCALL && sel - 1 == SF_nr)	/* (TGAPN's parts) */
			d->sysgs = col;
	}
	for (uint64_t f = 0; f < nf; f++) {
		const uint8_t *cend, *q;

		if (f + 1 == sel)
			continue;
		if (nxr_get_varint(&p, end, &clen) || clen > (uint64_t)(end - p))
			return NULL;
		cend = p + clen;
		if (f >= known) {	/* appended by a newer writer */
			p = cend;
			continue;
		}
		if (kty[kind][f] == NXR_FT_STR) {
			ks->cn[f] = 0;
			q = dec_str(d, ks, (unsigned)f, p, cend, ks->n, dctx);
		} else if (kind == NX_KIND_SYSCALL && f < COPY_FIELDS && p < cend &&
			   *p == M_TCOPY) {
			ks->cn[f] = 0;
			q = dec_copy(d, ks, (unsigned)f, p + 1, cend, ctx);
		} else if (p < cend && *p == M_RLE) {
			q = dec_runs_field(d, ks, (unsigned)f, p + 1, cend,
					   kty[kind][f] == NXR_FT_U32);
		} else {
			ks->cn[f] = 0;
			q = dec_int(d, 0, p, cend, ks->n, ctx, d->ntasks, ks->f[f]);
			if (q && kty[kind][f] == NXR_FT_U32 && !fits_u32(ks->f[f], ks->n))
				q = NULL;
		}
		if (q != cend)
			return NULL;
		p = cend;
	}
	d->lgsel = NULL;
	for (uint64_t f = nf; f < known; f++) {	/* fields this writer did not have */
		ks->cn[f] = 0;
		memset(ks->f[f], 0, (size_t)ks->n * 8);
		if (kty[kind][f] == NXR_FT_STR) {
			memset(ks->soff[f], 0, (size_t)ks->n * 8);
			ks->sbase[f] = (const uint8_t *)"";
		}
	}
	if (d->cpmask && copy_prepare(d, ks) < 0) {
		d->nomem = true;
		return NULL;
	}
	return p;
}

/* The keys column into d->key: ENTRY's differences (*entry, added up by
 * keys_from_entry() once the syscalls are read), TGAP's (*tgap, by
 * keys_from_tgap()), or any integer column without tasks */
static const uint8_t *dec_keys(struct nxr_coldec *d, const uint8_t *p, const uint8_t *end,
			       size_t n, bool *entry, bool *tgap)
{
	uint64_t len;

	*entry = p < end && *p == M_ENTRY;
	*tgap = p < end && (*p == M_TGAP || *p == M_TGAPN);
	if (p < end && *p == M_TGAPN) {	/* (its column is read after the sections) */
		p++;
		if (nxr_get_varint(&p, end, &len) || len > (uint64_t)(end - p))
			return NULL;
		d->tgn = p;
		d->tgn_end = p + len;
		return p + len;
	}
	if (*entry)
		return dec_int(d, 1, p + 1, end, n, NULL, 0, d->key);
	if (*tgap)	/* its nested column: LOGH, or one a nested column may be */
		return p + 1 < end && p[1] == M_LOGH ? dec_logh(d, p + 2, end, n, false, d->key)
						     : dec_int(d, 1, p + 1, end, n, NULL, 0, d->key);
	return dec_int(d, 0, p, end, n, NULL, 0, d->key);
}

/* ENTRY: each key the one before (0 before the first) plus its difference,
 * plus its duration for a syscall (the q-th syscall's at its grouped
 * place); the kinds in runs (nruns) or one by one. Sums are mod 2^64, as
 * the writer's differences. */
static void keys_from_entry(struct nxr_coldec *d, uint64_t nruns, uint32_t n)
{
	const struct kdec *ks = &d->k[NX_KIND_SYSCALL];
	const uint64_t *dur = ks->f[SF_dur_ns];
	const uint32_t *pos = ks->grouped ? ks->pos : NULL;
	uint64_t *key = d->key, acc = 0;
	uint32_t q = 0;

	for (uint64_t r = 0, i = 0; r < nruns; r++) {
		uint64_t len = d->runl[r] + 1, j;

		if (d->runv[r] != NX_KIND_SYSCALL) {
			for (j = i; j < i + len; j++)
				key[j] = acc += key[j];
		} else {
			for (j = i; j < i + len; j++, q++)
				key[j] = acc += key[j] + dur[pos ? pos[q] : q];
		}
		i += len;
	}
	for (uint32_t i = 0; !nruns && i < n; i++) {
		acc += key[i];
		if (d->kind[i] == NX_KIND_SYSCALL)
			acc += dur[pos ? pos[q] : q], q++;
		key[i] = acc;
	}
}

/*
 * TGAPN (format 1.5): its nested column, the syscalls' values in their
 * section's grouped order (LOGH with a part per group) then the other
 * events' in event order (one more part), read into d->key in event order
 * for keys_from_tgap(). Only where the syscalls are grouped by number. False when
 * malformed.
 */
static bool keys_from_tgapn(struct nxr_coldec *d, uint64_t nruns, uint32_t n)
{
	const struct kdec *ks = &d->k[NX_KIND_SYSCALL];
	const uint8_t *p = d->tgn, *end = d->tgn_end;
	uint64_t *z = d->cpv, *gs = d->tgs;
	uint32_t nsys = 0, other = ks->n;

	if (!ks->n || !ks->grouped || !d->sysgs)
		return false;
	/* the parts: the selector's runs, then one of a value no number has */
	memcpy(gs, d->sysgs, (size_t)ks->n * sizeof(*gs));
	fill64(gs + ks->n, UINT64_MAX, n - ks->n);
	d->lgsel = gs;
	p = p < end && *p == M_LOGH ? dec_logh(d, p + 1, end, n, true, z)
				    : dec_int(d, 1, p, end, n, NULL, 0, z);
	d->lgsel = NULL;
	if (p != end)
		return false;
	for (uint64_t r = 0, i = 0; i < n; r++) {
		uint64_t len = nruns ? d->runl[r] + 1 : n;

		for (uint64_t j = i; j < i + len; j++)
			if ((nruns ? d->runv[r] : d->kind[j]) == NX_KIND_SYSCALL)
				d->key[j] = z[ks->pos[nsys++]];
			else
				d->key[j] = z[other++];
		i += len;
	}
	return true;
}

/* TGAP (format 1.4): each key its task's key before it in the segment (a
 * task's first: the key before it, 0 for the first), plus its unzigzagged
 * difference, plus its duration for a syscall (as keys_from_entry()); d->task
 * already checked against the task table. Sums mod 2^64, as the writer's.
 * TGAPN's (format 1.5) differences are unzigzagged for a task's first event
 * only (later: zig_later false). */
static void keys_from_tgap(struct nxr_coldec *d, uint64_t nruns, uint32_t n, bool zig_later)
{
	const struct kdec *ks = &d->k[NX_KIND_SYSCALL];
	const uint64_t *dur = ks->f[SF_dur_ns];
	const uint32_t *pos = ks->grouped ? ks->pos : NULL;
	uint64_t *key = d->key, *last = d->prev, prev = 0;
	uint8_t *seen = (uint8_t *)d->a[0];
	uint32_t q = 0;

	memset(seen, 0, d->ntasks);
	for (uint64_t r = 0, i = 0; i < n; r++) {
		uint64_t len = nruns ? d->runl[r] + 1 : n;

		for (uint64_t j = i; j < i + len; j++) {
			uint64_t t = d->task[j], z = key[j];
			uint64_t x = seen[t] ? last[t] + (zig_later ? z >> 1 ^ (0 - (z & 1)) : z)
					     : prev + (z >> 1 ^ (0 - (z & 1)));

			if ((nruns ? d->runv[r] : d->kind[j]) == NX_KIND_SYSCALL)
				x += dur[pos ? pos[q] : q], q++;
			seen[t] = 1;
			key[j] = prev = last[t] = x;
		}
		i += len;
	}
}

int nxr_coldec_load(struct nxr_coldec *d, const uint8_t *p, size_t len, uint32_t events,
		    void *dctx, const char **why)
{
	const uint8_t *end = p + len;
	uint64_t x, y, nsec, nruns;
	uint32_t n = events;
	bool entry = false, tgap = false;

#define BAD(what) do { *why = what; return d->nomem ? -ENOMEM : -EBADMSG; } while (0)
	d->n = d->i = 0;
	d->nomem = false;
	d->cpnf = 0;
	d->tgn = NULL;
	d->sysgs = NULL;
	d->dctx = dctx;
	d->lgsel = NULL;
	if (n == 0 || n > NXR_COL_MAX_EVENTS)
		BAD("event count out of range");
	if (dec_scratch(d, n) < 0)
		return -ENOMEM;
	if (nxr_get_varint(&p, end, &x) || x == 0 || x > n)
		BAD("task table out of range");
	d->ntasks = (uint32_t)x;
	if (grow((void **)&d->tpid, &d->tcap, d->ntasks, 4) < 0)
		return -ENOMEM;
	{
		void *q = realloc(d->ttid, d->tcap * 4);

		if (!q)
			return -ENOMEM;
		d->ttid = q;
	}
	for (uint32_t t = 0; t < d->ntasks; t++) {
		if (nxr_get_varint(&p, end, &x) || x > UINT32_MAX ||
		    nxr_get_varint(&p, end, &y) || y > UINT32_MAX)
			BAD("task table malformed");
		d->tpid[t] = (uint32_t)x;
		d->ttid[t] = (uint32_t)y;
	}
	/* an RLE kinds column (the writer's, nearly always): its runs, kept
	 * for the checks below and for reading the events, are not unpacked
	 * into d->kind (a run has at least one value: nruns = 0 is the other
	 * case) */
	nruns = 0;
	if (p < end && *p == M_RLE)
		p = get_runs(d, 0, p + 1, end, n, &nruns, NULL);
	else
		p = dec_int(d, 0, p, end, n, NULL, 0, d->kind);
	if (p && nruns) {
		uint64_t *t = d->runv;

		d->runv = d->a[0];
		d->a[0] = t;
		t = d->runl;
		d->runl = d->b[0];
		d->b[0] = t;
	}
	if (p)
		p = dec_int(d, 0, p, end, n, NULL, 0, d->task);
	if (p)
		p = dec_keys(d, p, end, n, &entry, &tgap);
	if (!p)
		BAD("event columns malformed");
	{
		/* kinds and tasks checked without a branch per event (kind - 1
		 * wraps 0 to the top), counted per kind, then each kind's tasks
		 * written through a cursor (kinds this build does not know: to
		 * a sink slot that is overwritten); a run of kinds at a time
		 * when the column is RLE */
		uint32_t cnt[NX_KIND_MAX_ID + 2] = { 0 }, *cur[NX_KIND_MAX_ID + 2], sink;
		uint64_t kmax = 0, tmax = 0;

		for (uint64_t r = 0; r < nruns; r++) {
			uint64_t k = d->runv[r];

			kmax = k - 1 > kmax ? k - 1 : kmax;
			cnt[k <= NX_KIND_MAX_ID ? k : NX_KIND_MAX_ID + 1] += (uint32_t)d->runl[r] + 1;
		}
		for (uint32_t i = 0; !nruns && i < n; i++) {
			uint64_t k = d->kind[i];

			kmax = k - 1 > kmax ? k - 1 : kmax;
			cnt[k <= NX_KIND_MAX_ID ? k : NX_KIND_MAX_ID + 1]++;
		}
		if (kmax >= UINT32_MAX)
			BAD("event kind out of range");
		for (unsigned k = 0; k <= NX_KIND_MAX_ID + 1; k++) {
			struct kdec *ks = &d->k[k <= NX_KIND_MAX_ID ? k : 0];

			cur[k] = &sink;
			if (k == 0 || k > NX_KIND_MAX_ID)
				continue;
			ks->cur = 0;
			ks->present = false;
			ks->n = knf[k] ? cnt[k] : 0;
			if (ks->n && kdec_size(ks, k, ks->n) < 0)
				return -ENOMEM;
			if (ks->n)
				cur[k] = ks->task;
		}
		for (uint64_t r = 0, i = 0; r < nruns; r++) {
			uint64_t k = d->runv[r], len = d->runl[r] + 1;
			uint32_t **c = &cur[k <= NX_KIND_MAX_ID ? k : NX_KIND_MAX_ID + 1], *o = *c;
			const uint64_t *t = d->task + i;

			if (o == &sink) {
				for (uint64_t j = 0; j < len; j++)
					tmax = t[j] > tmax ? t[j] : tmax;
			} else {
				for (uint64_t j = 0; j < len; j++) {
					tmax = t[j] > tmax ? t[j] : tmax;
					o[j] = (uint32_t)t[j];
				}
				*c = o + len;
			}
			i += len;
		}
		if (!nruns) {
			/* syscalls through a cursor in a register, every task
			 * stored and the cursor moved by one when it is a syscall
			 * (one slot past them: kdec_size()); the other events'
			 * places listed, then distributed through cur[] (a
			 * cursor in memory: each waits for the store before) */
			uint32_t *sys = cur[NX_KIND_SYSCALL], *oth = d->gid, cs = 0, co = 0;

			for (uint32_t i = 0; i < n; i++) {
				uint64_t t = d->task[i];
				bool is = d->kind[i] == NX_KIND_SYSCALL;

				tmax = t > tmax ? t : tmax;
				sys[cs] = (uint32_t)t;
				cs += is;
				oth[co] = i;
				co += !is;
			}
			for (uint32_t j = 0; j < co; j++) {
				uint64_t k = d->kind[oth[j]];
				uint32_t **c = &cur[k <= NX_KIND_MAX_ID ? k : NX_KIND_MAX_ID + 1];

				**c = (uint32_t)d->task[oth[j]];
				*c += *c != &sink;
			}
		}
		if (tmax >= d->ntasks)
			BAD("event task out of range");
	}
	if (nxr_get_varint(&p, end, &nsec) || nsec > n)
		BAD("section count out of range");
	for (uint64_t s = 0; s < nsec; s++) {
		uint64_t kind, cnt, blen;
		const uint8_t *bend;

		if (nxr_get_varint(&p, end, &kind) || kind == 0 || kind > UINT32_MAX ||
		    nxr_get_varint(&p, end, &cnt) || cnt == 0 || cnt > n ||
		    nxr_get_varint(&p, end, &blen) || blen > (uint64_t)(end - p))
			BAD("section header malformed");
		bend = p + blen;
		if (kind <= NX_KIND_MAX_ID && knf[kind]) {
			struct kdec *ks = &d->k[kind];

			if (ks->present || cnt != ks->n)
				BAD("section disagrees with the event kinds");
			ks->present = true;
			if (dec_section(d, (uint32_t)kind, p, bend, dctx) != bend)
				BAD("section malformed");
		}
		p = bend;	/* a kind from a newer writer: skipped */
	}
	if (p != end)
		BAD("bytes after the last section");
	for (unsigned k = 1; k <= NX_KIND_MAX_ID; k++)
		if (d->k[k].n && !d->k[k].present)
			BAD("a kind's section is missing");
	if (d->tgn && !keys_from_tgapn(d, nruns, n))
		BAD("keys column malformed");
#undef BAD
	if (entry)
		keys_from_entry(d, nruns, n);
	if (tgap)
		keys_from_tgap(d, nruns, n, !d->tgn);
	d->nruns = (uint32_t)nruns;
	d->krun = 0;
	d->kend = nruns ? (uint32_t)d->runl[0] + 1 : 0;
	d->n = n;
	return 0;
}

/* The kind of event i, i never below the last call's since the load */
static NXR_ALWAYS_INLINE uint64_t kind_at(struct nxr_coldec *d, uint32_t i)
{
	if (!d->nruns)
		return d->kind[i];
	while (i >= d->kend)
		d->kend += (uint32_t)d->runl[++d->krun] + 1;
	return d->runv[d->krun];
}

#define UN_U32(C, name) ev->C.name = (uint32_t)ks->f[bit][q];
#define UN_U64(C, name) ev->C.name = ks->f[bit][q];
#define UN_S64(C, name) ev->C.name = (int64_t)ks->f[bit][q];
#define UN_STR(C, name)								\
	ev->C.name.ptr = (const char *)ks->sbase[bit] + ks->soff[bit][q];	\
	ev->C.name.len = (uint32_t)ks->f[bit][q];
#define UN_FIELD(C, T, name, doc) UN_##T(C, name) bit++;

/* Event i, of kind kind (kind_at()), into *ev: 1 filled, 0 a kind this
 * build does not know (only kind, pid, tid, ts_ns set). The syscall kind
 * first, every offset a constant. */
static NXR_ALWAYS_INLINE int fill_event(struct nxr_coldec *d, uint32_t i, uint64_t kind,
				       struct nxr_event *ev)
{
	uint32_t t = (uint32_t)d->task[i], j, q;
	struct kdec *ks;
	unsigned bit = 0;

	ev->kind = (uint32_t)kind;
	ev->pid = d->tpid[t];
	ev->tid = d->ttid[t];
	ev->ts_ns = d->key[i];
	if (kind == NX_KIND_SYSCALL) {
		ks = &d->k[NX_KIND_SYSCALL];
		j = ks->cur++;
		q = ks->grouped ? ks->pos[j] : j;
		if (d->cpnf)
			copy_fill(d, ks, j, q);
		NX_FIELDS_SYSCALL(UN_FIELD, syscall)
		ev->ts_ns -= ev->syscall.dur_ns;
		return 1;
	}
	if (kind > NX_KIND_MAX_ID || !knf[kind])
		return 0;
	ks = &d->k[kind];
	j = ks->cur++;
	q = ks->grouped ? ks->pos[j] : j;
	switch (kind) {
#define UN_KIND(KIND, id, member, str) case id: NX_FIELDS_##KIND(UN_FIELD, member) break;
	NX_KINDS(UN_KIND)
#undef UN_KIND
	}
	(void)bit;
	return 1;
}

int nxr_coldec_next(struct nxr_coldec *d, struct nxr_event *ev)
{
	if (d->i >= d->n)
		return -1;
	uint32_t i = d->i++;

	return fill_event(d, i, kind_at(d, i), ev);
}

/* A syscall from its place q in the fields and its task t */
static NXR_ALWAYS_INLINE void put_syscall(struct nxr_event *ev, const struct kdec *ks, uint32_t q,
					  uint32_t t, const uint32_t *tpid, const uint32_t *ttid,
					  uint64_t key)
{
	unsigned bit = 0;

	ev->kind = NX_KIND_SYSCALL;
	ev->pid = tpid[t];
	ev->tid = ttid[t];
	NX_FIELDS_SYSCALL(UN_FIELD, syscall)
	ev->ts_ns = key - ev->syscall.dur_ns;
	(void)bit;
}

/* The one TCOPY field next_batch_syscall() fills (dst NULL: none, or
 * several, through copy_fill()), in locals of the batch */
struct copy_one {
	uint64_t *dst, *last;
	const uint8_t *slot, *src;
};

/* Syscall cur of the section, its copies filled first, into *ev */
static NXR_ALWAYS_INLINE void next_batch_syscall(struct nxr_coldec *d, struct kdec *ks,
					       const struct copy_one *c1, bool cp,
					       const uint32_t *pos, const uint32_t *stask,
					       const uint32_t *tpid, const uint32_t *ttid,
					       uint32_t cur, uint64_t key, struct nxr_event *ev)
{
	uint32_t q = pos ? pos[cur] : cur;

	if (c1->dst)
		copy_fill_one(c1->dst, c1->slot, c1->src, c1->last, ks->f, stask[cur], q);
	else if (cp)
		copy_fill(d, ks, cur, q);
	put_syscall(ev, ks, q, stask[cur], tpid, ttid, key);
}

size_t nxr_coldec_next_batch(struct nxr_coldec *d, struct nxr_event *evs, size_t max,
			     uint32_t *used)
{
	uint32_t i = d->i, end = max < d->n - i ? i + (uint32_t)max : d->n;
	size_t k = 0;
	struct kdec *ks = &d->k[NX_KIND_SYSCALL];
	const uint64_t *kind = d->kind, *key = d->key;
	const uint32_t *tpid = d->tpid, *ttid = d->ttid;

	const uint32_t *pos = ks->grouped ? ks->pos : NULL, *stask = ks->task;
	uint32_t cur = ks->cur;
	const bool cp = d->cpnf > 1;
	const struct copy_one c1 = { d->cpnf == 1 ? d->cpdst[0] : NULL, d->cplast, d->cpslot[0],
				     d->cpsrc[0] };

	/* runs of syscalls with the cursor and the grouping in locals, other
	 * kinds between them through fill_event() (never a syscall here);
	 * with the kinds in runs, a run's end bounds its syscalls, else each
	 * event's kind is tested */
	while (!d->nruns && i < end) {
		for (; i < end && kind[i] == NX_KIND_SYSCALL; i++, k++, cur++)
			next_batch_syscall(d, ks, &c1, cp, pos, stask, tpid, ttid, cur, key[i],
					   &evs[k]);
		if (i < end) {
			k += (size_t)fill_event(d, i, kind[i], &evs[k]);
			i++;
		}
	}
	while (d->nruns && i < end) {
		uint64_t kd = kind_at(d, i);
		uint32_t stop = d->kend < end ? d->kend : end;

		if (kd != NX_KIND_SYSCALL) {
			for (; i < stop; i++)
				k += (size_t)fill_event(d, i, kd, &evs[k]);
			continue;
		}
		for (; i < stop; i++, k++, cur++)
			next_batch_syscall(d, ks, &c1, cp, pos, stask, tpid, ttid, cur, key[i],
					   &evs[k]);
	}
	ks->cur = cur;
	*used = i - d->i;
	d->i = i;
	return k;
}
