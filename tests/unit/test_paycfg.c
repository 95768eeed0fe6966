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
	assert_int_equal(ro.iov_pow2, 512);		/* 256 + 16 iovec heads of 8 */
	assert_int_equal(ro.cls[20], 0);		/* writev: not asked for */
	assert_int_equal(nx_paycfg_buf_slot(257), -1);
	/* the vectored ones: each its own slot, the iovecs or the msghdr flagged */
	c.buf[nx_paycfg_buf_slot(20)] = 4096;		/* writev */
	c.buf[nx_paycfg_buf_slot(47)] = 16;		/* recvmsg */
	assert_int_equal(nx_paycfg_rodata(&c, &ro, &err), 0);
	assert_int_equal(ro.cls[20], (nx_paycfg_buf_slot(20) + 1) << NX_PAYC_SLOT_SHIFT |
					     NX_PAY_VEC_IOV << NX_PAYC_VEC_SHIFT);
	assert_int_equal(ro.cls[47], (nx_paycfg_buf_slot(47) + 1) << NX_PAYC_SLOT_SHIFT |
					     NX_PAYC_BUFRET | NX_PAY_VEC_MSG << NX_PAYC_VEC_SHIFT);
	assert_int_equal(ro.iov_pow2, NX_PAY_IOV_POW2_LIMIT);	/* 4096 + 128 */
	assert_int_equal(ro.cls[19], 0);		/* readv: not asked for */
	/* every slot fits the class's bits, and no two syscalls share one */
	for (uint32_t nr = 0, seen = 0; nr < NX_SYS_MAX; nr++) {
		int slot = nx_paycfg_buf_slot(nr);

		if (slot < 0)
			continue;
		assert_true(slot + 1 <= (int)NX_PAYC_SLOT_MASK && slot < NX_PAY_BUF_SLOTS);
		assert_false(seen & 1u << slot);
		seen |= 1u << slot;
	}
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
