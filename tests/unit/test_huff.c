/*
 * tests/unit/test_huff.c: the length-limited canonical Huffman codes of
 * format/huff.c: round trips over every alphabet size edge and count shape,
 * the length limit, tables read back exactly, and hostile tables and
 * truncated or overlong bit streams refused, never read out of bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/huff.h"

static uint64_t rs = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static struct nxr_huff_enc enc;
static struct nxr_huff_dec dec;

/* Kraft sum of h's lengths, in units of 2^-NXR_HUFF_MAXLEN */
static uint32_t kraft(const struct nxr_huff_enc *h)
{
	uint32_t k = 0;

	for (unsigned i = 0; i < h->nsym; i++)
		if (h->len[i])
			k += 1u << (NXR_HUFF_MAXLEN - h->len[i]);
	return k;
}

/* The n symbols sym[] (each with s raw bits of low[], or 0) in enc's code
 * at p as nxr_huff_decode() reads them: the values at even places, then
 * (from *nb0 on) those at odd places. Returns the bytes. */
static size_t put2(uint8_t *p, const uint32_t *sym, const uint64_t *low, size_t n, unsigned s,
		   size_t *nb0)
{
	uint8_t *odd = malloc(n * 6 + 16);
	struct nxr_bitw bw[2];
	size_t nb1;

	assert_non_null(odd);
	nxr_bitw_init(&bw[0], p);
	nxr_bitw_init(&bw[1], odd);
	for (size_t i = 0; i < n; i++)
		nxr_huff_put(&bw[i & 1], &enc, sym[i], low ? low[i] : 0, s);
	*nb0 = (size_t)(nxr_bitw_end(&bw[0]) - p);
	nb1 = (size_t)(nxr_bitw_end(&bw[1]) - odd);
	memcpy(p + *nb0, odd, nb1);
	free(odd);
	return *nb0 + nb1;
}

/*
 * The multi-symbol decoder (nsym <= 256, no raw bits) against the one at a
 * time, on the same bytes: the same verdict and, when both accept, the same
 * symbols, mapped through map (a symbol k decodes to map[k]). The bytes
 * are written into a buffer of exactly what the contract allows (8 past
 * each half), so ASan sees a store beyond it.
 */
static bool bytes_agree(const uint8_t *p, uint64_t nb, uint64_t nb0, size_t n)
{
	uint64_t *one = malloc((n + 1) * sizeof(*one));
	uint8_t *j0 = malloc((n + 1) / 2 + 8), *j1 = malloc(n / 2 + 8), map[256];
	bool a, b;

	assert_non_null(one);
	assert_non_null(j0);
	assert_non_null(j1);
	for (unsigned k = 0; k < 256; k++)
		map[k] = (uint8_t)(255 - k);
	nxr_huff_multi_init(&dec, map);
	a = nxr_huff_decode(&dec, p, nb, nb0, n, 0, NULL, one);
	b = nxr_huff_decode_bytes(&dec, p, nb, nb0, n, j0, j1);
	assert_int_equal(a, b);
	for (size_t i = 0; a && i < n; i++)
		assert_int_equal((i & 1 ? j1 : j0)[i / 2], map[one[i]]);
	free(one);
	free(j0);
	free(j1);
	return a;
}

/*
 * Builds the code of count[0..nsym), writes its table and the n symbols
 * sym[] (each with s raw bits of low[]), reads the table back and decodes:
 * every value equal, the stream exactly consumed. Returns the stream bytes.
 */
static size_t round_trip(const uint32_t *count, unsigned nsym, const uint32_t *sym,
			 const uint64_t *low, size_t n, unsigned s)
{
	size_t tb = nxr_huff_table_size(nsym), cap = tb + n * 6 + 16, nb, nb0;
	uint8_t *buf = calloc(1, cap + 8), *p;
	const uint8_t *r;
	uint64_t *out = malloc((n + 1) * sizeof(*out)), *symv = malloc(nsym * sizeof(*symv));

	assert_non_null(buf);
	assert_non_null(out);
	assert_non_null(symv);
	assert_int_equal(nxr_huff_build(&enc, count, nsym), 0);
	for (unsigned i = 0; i < nsym; i++) {
		assert_true(enc.len[i] <= NXR_HUFF_MAXLEN);
		if (count[i])	/* every used symbol has a code, unless alone */
			assert_true(enc.len[i] > 0 || nsym == 1);
		symv[i] = 1000 + i;
	}
	if (nsym > 1)
		assert_int_equal(kraft(&enc), 1u << NXR_HUFF_MAXLEN);
	p = nxr_huff_table_put(buf, &enc);
	assert_int_equal((size_t)(p - buf), tb);
	nb = put2(p, sym, low, n, s, &nb0);
	assert_true(nxr_huff_cost(&enc, count) <= nb * 8);
	r = buf;
	assert_int_equal(nxr_huff_table_get(&dec, nsym, &r, buf + tb), 0);
	assert_ptr_equal(r, p);
	assert_true(nxr_huff_decode(&dec, p, nb, nb0, n, s, symv, out));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], symv[sym[i]] << s |
						 (low ? low[i] & ((1ull << s) - 1) : 0));
	/* the symbols themselves, when no raw bits follow, one at a time
	 * and several a lookup */
	if (s == 0) {
		assert_true(nxr_huff_decode(&dec, p, nb, nb0, n, 0, NULL, out));
		for (size_t i = 0; i < n; i++)
			assert_int_equal(out[i], sym[i]);
		if (nsym <= 256)
			assert_true(bytes_agree(p, nb, nb0, n));
	}
	free(buf);
	free(out);
	free(symv);
	return nb;
}

/* n symbols drawn from count[] (its shape), counted back into count[] */
static void draw(uint32_t *count, unsigned nsym, uint32_t *sym, size_t n)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < nsym; i++)
		total += count[i];
	for (size_t i = 0; i < n; i++) {
		uint64_t x = rnd() % total;
		unsigned k = 0;

		while (x >= count[k])
			x -= count[k++];
		sym[i] = k;
	}
	memset(count, 0, nsym * sizeof(*count));
	for (size_t i = 0; i < n; i++)
		count[sym[i]]++;
}

static void test_round_trip_every_alphabet_size_edge(void **state)
{
	static const unsigned sizes[] = { 1, 2, 3, 4, 15, 16, 17, 255, 256, 257, 2047, 2048,
					  4095, NXR_HUFF_MAXSYM };
	uint32_t *count = malloc(NXR_HUFF_MAXSYM * sizeof(*count));
	uint32_t *sym = malloc(20000 * sizeof(*sym));

	(void)state;
	assert_non_null(count);
	assert_non_null(sym);
	for (unsigned z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		unsigned nsym = sizes[z];

		for (int shape = 0; shape < 3; shape++) {
			for (unsigned i = 0; i < nsym; i++) {	/* flat, geometric, sparse */
				if (shape == 0)
					count[i] = 1;
				else if (shape == 1)
					count[i] = 1 + (1u << (i < 20 ? 20 - i : 0));
				else
					count[i] = rnd() % 4 == 0 ? 0 : 1 + (uint32_t)(rnd() % 100);
			}
			count[rnd() % nsym] += 1;	/* at least one used */
			draw(count, nsym, sym, 20000);
			round_trip(count, nsym, sym, NULL, 20000, 0);
		}
	}
	free(count);
	free(sym);
}

/* One symbol: 0 bits when it is the whole alphabet, else a 1-bit code (the
 * table must stay a complete code); no symbols at all codes nothing. */
static void test_single_symbol(void **state)
{
	uint32_t count[300] = { 0 }, sym[64];

	(void)state;
	count[0] = 64;
	memset(sym, 0, sizeof(sym));
	assert_int_equal(round_trip(count, 1, sym, NULL, 64, 0), 0);
	for (unsigned at = 0; at < 300; at += 299) {
		memset(count, 0, sizeof(count));
		count[at] = 64;
		for (unsigned i = 0; i < 64; i++)
			sym[i] = at;
		assert_int_equal(round_trip(count, 300, sym, NULL, 64, 0), 8);
	}
	memset(count, 0, sizeof(count));
	assert_int_equal(nxr_huff_build(&enc, count, 5), 0);
	assert_int_equal(kraft(&enc), 1u << NXR_HUFF_MAXLEN);
}

/* Counts of the Fibonacci sequence make a Huffman tree as deep as the
 * alphabet (24 here): the code is cut to NXR_HUFF_MAXLEN bits and stays
 * complete; a stream of exactly those counts round-trips. */
static void test_length_limit(void **state)
{
	uint32_t count[25], *sym = malloc(200000 * sizeof(*sym));
	unsigned maxl = 0;
	size_t n = 0;

	(void)state;
	assert_non_null(sym);
	count[0] = count[1] = 1;
	for (unsigned i = 2; i < 25; i++)
		count[i] = count[i - 1] + count[i - 2];
	for (unsigned i = 0; i < 25; i++)
		for (uint32_t k = 0; k < count[i]; k++)
			sym[n++] = i;
	assert_true(n <= 200000);
	assert_int_equal(nxr_huff_build(&enc, count, 25), 0);
	for (unsigned i = 0; i < 25; i++)
		maxl = enc.len[i] > maxl ? enc.len[i] : maxl;
	assert_true(maxl <= NXR_HUFF_MAXLEN && maxl >= 10);
	assert_int_equal(kraft(&enc), 1u << NXR_HUFF_MAXLEN);
	round_trip(count, 25, sym, NULL, n, 0);
	free(sym);
}

/* Raw low bits after each code, every shift up to 32: values come back. */
static void test_raw_bits_after_codes(void **state)
{
	uint32_t count[7], sym[3000];
	uint64_t low[3000];

	(void)state;
	for (unsigned s = 0; s <= 32; s++) {
		for (unsigned i = 0; i < 7; i++)
			count[i] = 1 + i * i;
		draw(count, 7, sym, 3000);
		for (unsigned i = 0; i < 3000; i++)
			low[i] = rnd();
		round_trip(count, 7, sym, low, 3000, s);
	}
}

/* A skewed source costs about its entropy: 90% one symbol, 10% nine others. */
static void test_cost_near_entropy(void **state)
{
	uint32_t count[10] = { 900, 12, 12, 11, 11, 11, 11, 11, 11, 10 };
	uint32_t *sym = malloc(100000 * sizeof(*sym));
	size_t nb;

	(void)state;
	assert_non_null(sym);
	draw(count, 10, sym, 100000);
	nb = round_trip(count, 10, sym, NULL, 100000, 0);
	/* entropy 0.79 bits a symbol, which no code beats; Huffman about 1.33
	 * (1 for the first symbol, 4-5 for the others); FOR would take 4 */
	assert_true(nb * 8 < 100000 * 14 / 10);
	assert_true(nb * 8 > 100000 * 78 / 100);
	free(sym);
}

static void test_bad_sizes_are_refused(void **state)
{
	uint32_t count[2] = { 1, 1 };
	uint8_t t[8] = { 0x11 };
	const uint8_t *p = t;

	(void)state;
	assert_int_equal(nxr_huff_build(&enc, count, 0), -EINVAL);
	assert_int_equal(nxr_huff_build(&enc, count, NXR_HUFF_MAXSYM + 1), -EINVAL);
	assert_int_equal(nxr_huff_table_get(&dec, 0, &p, t + 8), -EBADMSG);
	assert_int_equal(nxr_huff_table_get(&dec, NXR_HUFF_MAXSYM + 1, &p, t + 8), -EBADMSG);
	assert_ptr_equal(p, t);
}

/* Every table of 2 and of 3 symbols: accepted exactly when its lengths make
 * a complete prefix code; a refused table leaves *pp where it was. */
static void test_every_small_table(void **state)
{
	uint8_t t[2];

	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		unsigned a0 = b & 15, a1 = b >> 4;
		const uint8_t *p = t;
		bool ok = a0 == 1 && a1 == 1;

		t[0] = (uint8_t)b;
		assert_int_equal(nxr_huff_table_get(&dec, 2, &p, t + 1), ok ? 0 : -EBADMSG);
		assert_ptr_equal(p, ok ? t + 1 : t);
	}
	for (unsigned b = 0; b < 65536; b++) {
		unsigned l[3] = { b & 15, (b >> 4) & 15, (b >> 8) & 15 };
		const uint8_t *p = t;
		uint32_t k = 0;
		bool ok = true;

		t[0] = (uint8_t)b;
		t[1] = (uint8_t)(b >> 8);
		for (int i = 0; i < 3; i++) {
			ok &= l[i] <= NXR_HUFF_MAXLEN;
			if (l[i] && l[i] <= NXR_HUFF_MAXLEN)
				k += 1u << (NXR_HUFF_MAXLEN - l[i]);
		}
		ok &= k == 1u << NXR_HUFF_MAXLEN && (b >> 12) == 0;	/* the spare half is 0 */
		assert_int_equal(nxr_huff_table_get(&dec, 3, &p, t + 2), ok ? 0 : -EBADMSG);
	}
}

/* Random and cut tables of a large alphabet: refused unless complete; never
 * read past the given end (ASan watches the heap copy). */
static void test_hostile_tables(void **state)
{
	uint32_t count[1000];
	uint8_t *t;
	size_t tb = nxr_huff_table_size(1000);

	(void)state;
	for (unsigned i = 0; i < 1000; i++)
		count[i] = 1 + (uint32_t)(rnd() % 50);
	assert_int_equal(nxr_huff_build(&enc, count, 1000), 0);
	for (size_t cut = 0; cut <= tb; cut++) {
		const uint8_t *p;

		t = malloc(cut ? cut : 1);
		assert_non_null(t);
		{
			uint8_t full[512];

			nxr_huff_table_put(full, &enc);
			memcpy(t, full, cut);
		}
		p = t;
		assert_int_equal(nxr_huff_table_get(&dec, 1000, &p, t + cut),
				 cut == tb ? 0 : -EBADMSG);
		free(t);
	}
	t = malloc(tb);
	assert_non_null(t);
	for (int round = 0; round < 2000; round++) {
		const uint8_t *p = t;

		for (size_t i = 0; i < tb; i++)
			t[i] = (uint8_t)rnd();
		if (round & 1)	/* lengths in range: only the Kraft sum refuses */
			for (size_t i = 0; i < tb; i++)
				t[i] = (uint8_t)((t[i] & 0x77) | 0x11);
		assert_int_equal(nxr_huff_table_get(&dec, 1000, &p, t + tb), -EBADMSG);
	}
	/* one length longer than the others allow: over- and under-full */
	nxr_huff_table_put(t, &enc);
	for (unsigned i = 0; i < 1000; i++) {
		const uint8_t *p = t;
		uint8_t was = t[i / 2], l = (uint8_t)((was >> (4 * (i & 1))) & 15);

		t[i / 2] = (uint8_t)((was & ~(15u << (4 * (i & 1)))) |
				     ((l > 1 ? l - 1 : l + 1) << (4 * (i & 1))));
		assert_int_equal(nxr_huff_table_get(&dec, 1000, &p, t + tb), -EBADMSG);
		t[i / 2] = was;
	}
	free(t);
}

/* Streams cut at every byte, with a byte too many or split a byte off are
 * refused; their codes are never read past 8 bytes beyond the given length. */
static void test_truncated_streams(void **state)
{
	uint32_t count[5] = { 40, 30, 20, 9, 1 }, sym[500];
	uint64_t low[500], out[500];
	uint8_t tbl[8], *buf = calloc(1, 4096);
	const uint8_t *p = tbl;
	size_t nb, nb0;

	(void)state;
	assert_non_null(buf);
	draw(count, 5, sym, 500);
	for (unsigned i = 0; i < 500; i++)
		low[i] = rnd();
	assert_int_equal(nxr_huff_build(&enc, count, 5), 0);
	nxr_huff_table_put(tbl, &enc);
	assert_int_equal(nxr_huff_table_get(&dec, 5, &p, tbl + sizeof(tbl)), 0);
	for (unsigned s = 0; s <= 32; s += 8) {
		nb = put2(buf, sym, low, 500, s, &nb0);
		assert_true(nxr_huff_decode(&dec, buf, nb, nb0, 500, s, (uint64_t[5]){ 0 }, out));
		for (size_t cut = 0; cut < nb; cut++) {
			/* a heap copy of exactly cut + 8 bytes: the 8 the loads may read */
			uint8_t *c = malloc(cut + 8);

			assert_non_null(c);
			memcpy(c, buf, cut);
			memset(c + cut, 0xff, 8);
			/* the second stream cut, or (nb0 > cut) the first */
			assert_false(nxr_huff_decode(&dec, c, cut, nb0, 500, s, (uint64_t[5]){ 0 },
						     out));
			if (s == 0)	/* and several a lookup: the same verdict */
				assert_false(bytes_agree(c, cut, nb0 <= cut ? nb0 : cut, 500));
			free(c);
		}
		/* a byte too many; the streams split a byte off */
		assert_false(nxr_huff_decode(&dec, buf, nb + 1, nb0, 500, s, (uint64_t[5]){ 0 },
					     out));
		assert_false(nxr_huff_decode(&dec, buf, nb, nb0 - 1, 500, s, (uint64_t[5]){ 0 },
					     out));
		assert_false(nxr_huff_decode(&dec, buf, nb, nb0 + 1, 500, s, (uint64_t[5]){ 0 },
					     out));
		if (s == 0) {
			assert_false(bytes_agree(buf, nb + 1, nb0, 500));
			assert_false(bytes_agree(buf, nb, nb0 - 1, 500));
			assert_false(bytes_agree(buf, nb, nb0 + 1, 500));
		}
	}
	free(buf);
}

/*
 * Random bytes as the streams of random codes (1-256 symbols, lengths up
 * to 12 bits, so some first codes are longer than a multi-symbol window):
 * the multi-symbol decoder accepts and refuses exactly what the other
 * does, and agrees on every symbol.
 */
static void test_multi_symbol_random_bytes(void **state)
{
	static const unsigned sizes[] = { 1, 2, 3, 5, 17, 64, 256 };
	uint8_t tbl[200], *buf = calloc(1, 4096 + 8);
	uint32_t count[256];
	unsigned accepted = 0;

	(void)state;
	assert_non_null(buf);
	for (unsigned round = 0; round < 600; round++) {
		unsigned nsym = sizes[round % 7];
		const uint8_t *p = tbl;
		size_t n = rnd() % 700, nb = rnd() % 300, nb0 = nb ? rnd() % (nb + 1) : 0;

		for (unsigned k = 0; k < nsym; k++)	/* skewed: long codes too */
			count[k] = k % 5 == 0 ? 1 : 1 + (uint32_t)(rnd() % (1u << (rnd() % 16)));
		assert_int_equal(nxr_huff_build(&enc, count, nsym), 0);
		nxr_huff_table_put(tbl, &enc);
		assert_int_equal(nxr_huff_table_get(&dec, nsym, &p, tbl + sizeof(tbl)), 0);
		for (size_t i = 0; i < nb; i++)
			buf[i] = (uint8_t)rnd();
		accepted += bytes_agree(buf, nb, nb0, n);
		/* the same bytes as the streams of exactly the values they hold */
		if (nsym > 1) {
			uint32_t sym[700];
			size_t mb, mb0;

			draw(count, nsym, sym, n);
			assert_int_equal(nxr_huff_build(&enc, count, nsym), 0);
			nxr_huff_table_put(tbl, &enc);
			p = tbl;
			assert_int_equal(nxr_huff_table_get(&dec, nsym, &p, tbl + sizeof(tbl)), 0);
			mb = put2(buf, sym, NULL, n, 0, &mb0);
			assert_true(bytes_agree(buf, mb, mb0, n));
			accepted++;
		}
	}
	assert_true(accepted > 300);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_alphabet_size_edge),
		cmocka_unit_test(test_single_symbol),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_raw_bits_after_codes),
		cmocka_unit_test(test_cost_near_entropy),
		cmocka_unit_test(test_bad_sizes_are_refused),
		cmocka_unit_test(test_every_small_table),
		cmocka_unit_test(test_hostile_tables),
		cmocka_unit_test(test_truncated_streams),
		cmocka_unit_test(test_multi_symbol_random_bytes),
	};

	return cmocka_run_group_tests_name("huff", tests, NULL, NULL);
}
