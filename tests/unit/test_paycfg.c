/* tests/unit/test_paycfg.c: payload settings turned into the BPF side's rodata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "bpf/payload.h"
#include "capture/paycfg.h"

static void test_defaults_capture_paths_and_argv_only(void **state)
{
	struct nx_paycfg c;
	struct nx_pay_rodata ro;
	struct nx_err err = { 0 };

	(void)state;
	nx_paycfg_default(&c);
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), 0);
	assert_int_equal(ro.on, 1);
	assert_int_equal(ro.path_max, NX_PAY_PATH_DEFAULT);
	assert_int_equal(ro.cls[2], 0x1);		/* open: arg1 */
	assert_int_equal(ro.cls[82], 0x3);		/* rename: both */
	assert_int_equal(ro.cls[264], 0xa);		/* renameat: args 2 and 4 */
	assert_int_equal(ro.cls[59], NX_PAYC_EXEC | 0x1 | 2 << NX_PAYC_ARGV_SHIFT);
	assert_int_equal(ro.cls[322], NX_PAYC_EXEC | 0x2 | 3 << NX_PAYC_ARGV_SHIFT);
	assert_int_equal(ro.cls[0], 0);			/* read: off by default */
	assert_int_equal(ro.cls[1], 0);
	assert_int_equal(ro.cls[39], 0);		/* getpid: nothing */
	assert_int_equal(ro.argv_pow2, 1024);
	assert_int_equal(ro.buf_max, 0);
}

static void test_buffers_and_parts_off(void **state)
{
	struct nx_paycfg c;
	struct nx_pay_rodata ro;
	struct nx_err err = { 0 };

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), 0);
	assert_int_equal(ro.on, 0);			/* the verifier prunes it all */
	c.buf[nx_paycfg_buf_slot(0)] = 64;		/* read */
	c.buf[nx_paycfg_buf_slot(1)] = 256;		/* write */
	c.argc_max = 4;
	c.argv_bytes = 100;
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), 0);
	assert_int_equal(ro.on, 1);
	assert_int_equal(ro.cls[2], 0);			/* paths off */
	assert_int_equal(ro.cls[59], NX_PAYC_EXEC | 2 << NX_PAYC_ARGV_SHIFT);
	assert_int_equal(ro.cls[0], (nx_paycfg_buf_slot(0) + 1) << NX_PAYC_SLOT_SHIFT |
					    NX_PAYC_BUFRET);
	assert_int_equal(ro.cls[1], (nx_paycfg_buf_slot(1) + 1) << NX_PAYC_SLOT_SHIFT);
	assert_int_equal(ro.buf_max, 256);
	assert_int_equal(ro.argv_pow2, 128);
	assert_int_equal(nx_paycfg_buf_slot(257), -1);
}

static void test_limits_are_checked(void **state)
{
	struct nx_paycfg c;
	struct nx_pay_rodata ro;
	struct nx_err err = { 0 };

	(void)state;
	nx_paycfg_default(&c);
	c.path_max = NX_PAY_PATH_LIMIT + 1;
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 4095"));
	nx_paycfg_default(&c);
	c.argc_max = NX_PAY_ARGC_LIMIT + 1;
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), -EINVAL);
	nx_paycfg_default(&c);
	c.argv_bytes = NX_PAY_ARGV_LIMIT + 1;
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), -EINVAL);
	nx_paycfg_default(&c);
	c.buf[3] = NX_PAY_BUF_LIMIT + 1;
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_capture_paths_and_argv_only),
		cmocka_unit_test(test_buffers_and_parts_off),
		cmocka_unit_test(test_limits_are_checked),
	};

	return cmocka_run_group_tests_name("paycfg", tests, NULL, NULL);
}
