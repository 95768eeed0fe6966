/*
 * format/crc.c: CRC-32C, no dependency. Polynomial 0x1EDC6F41, reflected
 * (0x82F63B78), initial value and final xor 0xFFFFFFFF.
 *
 * Two implementations with identical results: the SSE4.2 crc32 instruction
 * (x86-64, chosen at run time when the CPU has it: about 8 bytes per cycle
 * against 1-2 for the table), and table-driven slicing by 8 everywhere else.
 * The choice and the tables are made once, on first use.
 */
#include "format/crc.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static uint32_t table[8][256];
static bool use_hw;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & -(c & 1));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
#if defined(__x86_64__) && !defined(NXR_CRC_NO_HW)
	__builtin_cpu_init();
	use_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* On the inverted crc, like the table loop. */
static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			      (uint32_t)p[7] << 24;

		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
		      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
		      table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
		      table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && !defined(NXR_CRC_NO_HW)
/* x86 is little-endian: a 64-bit load is the bytes in file order. */
__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

uint32_t nxr_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&init_once, init);
#if defined(__x86_64__) && !defined(NXR_CRC_NO_HW)
	if (use_hw)
		return ~crc_hw(~crc, buf, len);
#endif
	return ~crc_table(~crc, buf, len);
}

/* The table path alone, for tests that compare the two. */
uint32_t nxr_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&init_once, init);
	return ~crc_table(~crc, buf, len);
}
