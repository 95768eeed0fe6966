/*
 * tests/unit/test_crc.c: CRC-32C against its published check values, and
 * the slicing path against the byte-at-a-time path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "format/crc.h"

static void test_check_values(void **state)
{
	uint8_t zeros[32] = { 0 }, ones[32];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(nxr_crc32c(0, "123456789", 9), 0xe3069283);
	/* RFC 3720 B.4 */
	assert_int_equal(nxr_crc32c(0, zeros, 32), 0x8a9136aa);
	assert_int_equal(nxr_crc32c(0, ones, 32), 0x62a8ab43);
	assert_int_equal(nxr_crc32c(0, "", 0), 0);
}

static void test_incremental_equals_whole(void **state)
{
	uint8_t buf[1000];

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (unsigned cut = 0; cut <= sizeof(buf); cut += 37) {
		uint32_t c = nxr_crc32c(0, buf, cut);

		assert_int_equal(nxr_crc32c(c, buf + cut, sizeof(buf) - cut),
				 nxr_crc32c(0, buf, sizeof(buf)));
	}
}

/* The crc32-instruction path (when this CPU has one) equals the table path
 * at every length and alignment, continuing from any crc. */
static void test_hw_equals_table(void **state)
{
	uint8_t buf[300];
	uint32_t seed = 0;

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 3) * 17 + 1);
	for (unsigned off = 0; off < 9; off++)
		for (unsigned len = 0; off + len <= sizeof(buf); len += 1 + len / 16) {
			assert_int_equal(nxr_crc32c(seed, buf + off, len),
					 nxr_crc32c_sw(seed, buf + off, len));
			seed = seed * 2654435761u + len;
		}
	assert_int_equal(nxr_crc32c_sw(0, "123456789", 9), 0xe3069283);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_values),
		cmocka_unit_test(test_incremental_equals_whole),
		cmocka_unit_test(test_hw_equals_table),
	};

	return cmocka_run_group_tests_name("crc", tests, NULL, NULL);
}
