/* tests/unit/test_sysfilt.c: Syscalls filters turned into kernel map values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "analyze/trigger.h"
#include "capture/config.h"
#include "capture/sysfilt.h"

static void test_path_argument_of_each_syscall(void **state)
{
	(void)state;
	assert_int_equal(nx_sysfilt_path_arg(2), 1);	/* open */
	assert_int_equal(nx_sysfilt_path_arg(257), 2);	/* openat */
	assert_int_equal(nx_sysfilt_path_arg(264), 2);	/* renameat: the first of two */
	assert_int_equal(nx_sysfilt_path_arg(266), 1);	/* symlinkat: target */
	assert_int_equal(nx_sysfilt_path_arg(59), 1);	/* execve */
	assert_int_equal(nx_sysfilt_path_arg(322), 2);	/* execveat */
	assert_int_equal(nx_sysfilt_path_arg(0), 0);	/* read */
}

static void test_trigger_and_prefix_are_built(void **state)
{
	struct nx_config_sysfilter f = { .nr = 257, .trigger = "arg3 & 0x40 && ret >= 0",
					 .path_prefix = "/etc/" };
	struct nx_trig_input in = { 0 };
	struct nx_sysfilt v;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_sysfilt_build(&f, &v, &err), 0);
	assert_int_equal(v.flags, NX_SYSFILT_TRIGGER | NX_SYSFILT_PREFIX);
	assert_int_equal(v.path_arg, 2);
	assert_int_equal(v.prefix_len, 5);
	assert_memory_equal(v.prefix, "/etc/", 5);
	in.args[2] = 0x41;
	in.ret = 3;
	assert_true(nx_trig_prog_eval(&v.prog, &in));
	in.ret = -2;
	assert_false(nx_trig_prog_eval(&v.prog, &in));
	in.ret = 3;
	in.args[2] = 0;
	assert_false(nx_trig_prog_eval(&v.prog, &in));
}

static void test_bad_filters_are_refused(void **state)
{
	struct nx_config_sysfilter f = { .nr = 0, .path_prefix = "/etc/" };
	struct nx_sysfilt v;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_sysfilt_build(&f, &v, &err), -EINVAL);	/* read has no path */
	f.path_prefix = NULL;
	f.trigger = "arg3 >";
	assert_int_equal(nx_sysfilt_build(&f, &v, &err), -EINVAL);
	f.trigger = "auto arg1";
	assert_int_equal(nx_sysfilt_build(&f, &v, &err), -EINVAL);	/* no program */
	/* err may be NULL (format/err.h): the code still comes back */
	f.trigger = "arg3 >";
	assert_int_equal(nx_sysfilt_build(&f, &v, NULL), -EINVAL);
	f.trigger = "auto arg1";
	assert_int_equal(nx_sysfilt_build(&f, &v, NULL), -EINVAL);
	f.trigger = NULL;
	f.path_prefix = "/etc/";
	assert_int_equal(nx_sysfilt_build(&f, &v, NULL), -EINVAL);
}

/* The syscall context of the trigger language: arguments and ret together. */
static void test_syscall_triggers_see_args_and_ret(void **state)
{
	struct nx_trigger_ctx sys = { .syscall = 1 }, up = { 0 };
	struct nx_err err = { 0 };
	struct nx_trigger *t;

	(void)state;
	t = nx_trigger_parse("arg1 == 1 && ret < 0", &sys, NULL, &err);
	assert_non_null(t);
	nx_trigger_free(t);
	assert_null(nx_trigger_parse("arg1 == 1 && ret < 0", &up, NULL, &err));
	assert_non_null(strstr(err.msg, "'ret' is only available"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_argument_of_each_syscall),
		cmocka_unit_test(test_trigger_and_prefix_are_built),
		cmocka_unit_test(test_bad_filters_are_refused),
		cmocka_unit_test(test_syscall_triggers_see_args_and_ret),
	};

	return cmocka_run_group_tests_name("sysfilt", tests, NULL, NULL);
}
