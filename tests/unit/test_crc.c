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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_values),
		cmocka_unit_test(test_incremental_equals_whole),
	};

	return cmocka_run_group_tests_name("crc", tests, NULL, NULL);
}
