/* tests/unit/test_syscalls.c: syscall and errno numbers <-> names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "analyze/syscalls.h"
#include "bpf/events.h"

static void test_known_numbers_have_their_names(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(nx_syscall_name(SYS_read, buf, sizeof(buf)), "read");
	assert_string_equal(nx_syscall_name(SYS_write, buf, sizeof(buf)), "write");
	assert_string_equal(nx_syscall_name(SYS_openat, buf, sizeof(buf)), "openat");
	assert_string_equal(nx_syscall_name(SYS_execve, buf, sizeof(buf)), "execve");
	assert_string_equal(nx_syscall_name(SYS_exit_group, buf, sizeof(buf)), "exit_group");
	assert_string_equal(nx_syscall_name(SYS_clone3, buf, sizeof(buf)), "clone3");
}

static void test_names_map_back_to_numbers(void **state)
{
	(void)state;
	assert_int_equal(nx_syscall_number("read"), SYS_read);
	assert_int_equal(nx_syscall_number("openat"), SYS_openat);
	assert_int_equal(nx_syscall_number("ioctl"), SYS_ioctl);
	assert_int_equal(nx_syscall_number("exit_group"), SYS_exit_group);
}

static void test_every_named_number_round_trips(void **state)
{
	char buf[32], buf2[32];
	uint32_t nr, named = 0;

	(void)state;
	for (nr = 0; nr < nx_syscall_max(); nr++) {
		const char *n = nx_syscall_name(nr, buf, sizeof(buf));

		assert_non_null(n);
		/* a name or syscall_<n>: both map back to nr */
		assert_int_equal(nx_syscall_number(n), (int)nr);
		if (n != buf)
			named++;
		snprintf(buf2, sizeof(buf2), "syscall_%u", nr);
		assert_int_equal(nx_syscall_number(buf2), (int)nr);
	}
	assert_true(named > 300);
}

static void test_unknown_numbers_print_syscall_n(void **state)
{
	char buf[32];
	uint32_t max = nx_syscall_max();

	(void)state;
	assert_ptr_equal(nx_syscall_name(max, buf, sizeof(buf)), buf);
	snprintf(buf + 16, 16, "syscall_%u", max);
	assert_string_equal(buf, buf + 16);
	assert_string_equal(nx_syscall_name(100000, buf, sizeof(buf)), "syscall_100000");
	assert_string_equal(nx_syscall_name(UINT32_MAX, buf, sizeof(buf)), "syscall_4294967295");
	/* a buffer too small is cut, never overrun */
	assert_string_equal(nx_syscall_name(100000, buf, 5), "sysc");
	/* the holes of the table (x86_64 has none below 335 but 335..423) */
	assert_string_equal(nx_syscall_name(400, buf, sizeof(buf)), "syscall_400");
}

static void test_newer_kernel_syscalls_are_named(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(nx_syscall_name(451, buf, sizeof(buf)), "cachestat");
	assert_string_equal(nx_syscall_name(462, buf, sizeof(buf)), "mseal");
	assert_string_equal(nx_syscall_name(469, buf, sizeof(buf)), "file_setattr");
	assert_int_equal(nx_syscall_number("mseal"), 462);
	assert_true(nx_syscall_max() >= 470);
#ifdef __x86_64__
	/* what a uretprobe's trampoline calls: named, not syscall_335 */
	assert_string_equal(nx_syscall_name(335, buf, sizeof(buf)), "uretprobe");
	assert_int_equal(nx_syscall_number("uprobe"), 336);
#endif
}

static void test_unknown_names_are_minus_one(void **state)
{
	static const char *const bad[] = {
		"", "opnat", "READ", "read ", " read", "syscall_", "syscall_x", "syscall_-1",
		"syscall_01", "syscall_99999999999999999999", "syscall_100000", "syscall_4096",
	};
	size_t i;

	(void)state;
	assert_int_equal(nx_syscall_number(NULL), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nx_syscall_number(bad[i]) != -1)
			fail_msg("'%s' was taken for syscall %d", bad[i], nx_syscall_number(bad[i]));
	}
}

static void test_errno_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(nx_errno_name(EPERM, buf, sizeof(buf)), "EPERM");
	assert_string_equal(nx_errno_name(ENOENT, buf, sizeof(buf)), "ENOENT");
	assert_string_equal(nx_errno_name(-ENOENT, buf, sizeof(buf)), "ENOENT");
	assert_string_equal(nx_errno_name(EAGAIN, buf, sizeof(buf)), "EAGAIN");
	assert_string_equal(nx_errno_name(EHWPOISON, buf, sizeof(buf)), "EHWPOISON");
	assert_string_equal(nx_errno_name(512, buf, sizeof(buf)), "ERESTARTSYS");
	assert_string_equal(nx_errno_name(-516, buf, sizeof(buf)), "ERESTART_RESTARTBLOCK");
	assert_string_equal(nx_errno_name(0, buf, sizeof(buf)), "E0");
	assert_string_equal(nx_errno_name(4000, buf, sizeof(buf)), "E4000");
	assert_ptr_equal(nx_errno_name(-4000, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "E4000");
	assert_string_equal(nx_errno_name(-2147483647 - 1, buf, sizeof(buf)), "E-2147483648");
}

static void test_errno_numbers(void **state)
{
	int e;
	char buf[16];

	(void)state;
	assert_int_equal(nx_errno_number("ENOENT"), ENOENT);
	assert_int_equal(nx_errno_number("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(nx_errno_number("ENOTSUP"), EOPNOTSUPP);
	assert_int_equal(nx_errno_number("ERESTARTSYS"), 512);
	assert_int_equal(nx_errno_number("enoent"), -1);
	assert_int_equal(nx_errno_number("ENOPE"), -1);
	assert_int_equal(nx_errno_number(NULL), -1);
	for (e = 1; e < 134; e++) {	/* every Linux errno (41, 58: none) maps back */
		const char *n = nx_errno_name(e, buf, sizeof(buf));

		if (e == 41 || e == 58) {
			assert_ptr_equal(n, buf);
			continue;
		}
		assert_ptr_not_equal(n, buf);
		assert_int_equal(nx_errno_number(n), e);
	}
}

/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl; <asm/unistd_32.h>
 * cannot be included beside <sys/syscall.h>'s x86-64 ones): the names strace
 * shows, never the x86-64 syscall of that number. */
enum {
	I386_WRITE = 4, I386_EXECVE = 11, I386_GETPID = 20, I386_SOCKETCALL = 102,
	I386_LLSEEK = 140, I386_MMAP2 = 192, I386_EXIT_GROUP = 252, I386_OPENAT = 295,
};

static void test_ia32_numbers_have_their_i386_names(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | I386_GETPID, buf, sizeof(buf)),
			    "getpid");
	assert_string_equal(nx_syscall_name(20, buf, sizeof(buf)), "writev");	/* x86-64's 20 */
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | I386_WRITE, buf, sizeof(buf)), "write");
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | I386_OPENAT, buf, sizeof(buf)),
			    "openat");
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | I386_MMAP2, buf, sizeof(buf)), "mmap2");
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | I386_SOCKETCALL, buf, sizeof(buf)),
			    "socketcall");
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | I386_EXIT_GROUP, buf, sizeof(buf)),
			    "exit_group");
	/* newer than the headers: the generic numbers are i386's too */
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | 451, buf, sizeof(buf)), "cachestat");
	/* holes and numbers past the table */
	assert_string_equal(nx_syscall_name(NX_SYS_IA32 | 100000, buf, sizeof(buf)),
			    "syscall_ia32_100000");
	assert_ptr_equal(nx_syscall_name(NX_SYS_IA32 | 1430, buf, sizeof(buf)), buf);
	/* only the ia32 bit alone marks ia32: other high bits keep the plain form */
	assert_string_equal(nx_syscall_name(0x40000000u | 20, buf, sizeof(buf)),
			    "syscall_1073741844");
}

static void test_ia32_maps_by_name_to_x86_64(void **state)
{
	uint16_t map[512];
	uint32_t n, mapped = 0;
	char b1[32], b2[32];

	(void)state;
	assert_int_equal(nx_syscall_ia32_to64(I386_GETPID), nx_syscall_number("getpid"));
	assert_int_equal(nx_syscall_ia32_to64(I386_WRITE), 1);
	assert_int_equal(nx_syscall_ia32_to64(I386_OPENAT), 257);
	assert_int_equal(nx_syscall_ia32_to64(I386_EXECVE), 59);
	assert_int_equal(nx_syscall_ia32_to64(I386_EXIT_GROUP), nx_syscall_number("exit_group"));
	/* i386 only: no x86-64 syscall of that name */
	assert_int_equal(nx_syscall_ia32_to64(I386_MMAP2), -1);
	assert_int_equal(nx_syscall_ia32_to64(I386_SOCKETCALL), -1);
	assert_int_equal(nx_syscall_ia32_to64(I386_LLSEEK), -1);
	assert_int_equal(nx_syscall_ia32_to64(100000), -1);
	/* what a Syscalls list names them by */
	assert_int_equal(nx_syscall_ia32_only("mmap2"), NX_SYS_IA32 | I386_MMAP2);
	assert_int_equal(nx_syscall_ia32_only("socketcall"), NX_SYS_IA32 | I386_SOCKETCALL);
	assert_int_equal(nx_syscall_ia32_only("_llseek"), NX_SYS_IA32 | I386_LLSEEK);
	assert_int_equal(nx_syscall_ia32_only("openat"), -1);	/* x86-64 has it */
	assert_int_equal(nx_syscall_ia32_only("getuid"), -1);
	assert_int_equal(nx_syscall_ia32_only("syscall_5"), -1);
	assert_int_equal(nx_syscall_ia32_only("nosuchcall"), -1);
	assert_int_equal(nx_syscall_ia32_only(""), -1);
	assert_int_equal(nx_syscall_ia32_only(NULL), -1);
	assert_int_equal(nx_syscall_nr64(NX_SYS_IA32 | I386_OPENAT), 257);
	assert_int_equal(nx_syscall_nr64(NX_SYS_IA32 | I386_MMAP2), -1);
	assert_int_equal(nx_syscall_nr64(20), 20);		/* x86-64: itself */
	assert_int_equal(nx_syscall_nr64(UINT32_MAX), UINT32_MAX);
	nx_syscall_ia32_map(map, 512);
	for (n = 0; n < 512; n++) {
		int x = nx_syscall_ia32_to64(n);

		assert_int_equal(map[n], x < 0 ? 0xffff : x);
		if (x < 0)
			continue;
		mapped++;	/* the same name in both ABIs */
		assert_string_equal(nx_syscall_name(NX_SYS_IA32 | n, b1, sizeof(b1)),
				    nx_syscall_name((uint32_t)x, b2, sizeof(b2)));
	}
	assert_true(mapped > 250);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_numbers_have_their_names),
		cmocka_unit_test(test_names_map_back_to_numbers),
		cmocka_unit_test(test_every_named_number_round_trips),
		cmocka_unit_test(test_unknown_numbers_print_syscall_n),
		cmocka_unit_test(test_newer_kernel_syscalls_are_named),
		cmocka_unit_test(test_unknown_names_are_minus_one),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_errno_numbers),
		cmocka_unit_test(test_ia32_numbers_have_their_i386_names),
		cmocka_unit_test(test_ia32_maps_by_name_to_x86_64),
	};

	return cmocka_run_group_tests_name("syscalls", tests, NULL, NULL);
}
