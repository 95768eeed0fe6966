/*
 * tests/unit/test_probes.c: the probe table and the up-front checks of
 * capture/probes.c, without BPF: ids, hooks and specs from a config, trigger
 * errors mapped to file:line:column (quoted or not), a missing file, a
 * non-ELF file, a missing or non-function symbol. The ELF file probed is this
 * test binary itself (/proc/self/exe), whose symbol table holds the functions
 * below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/config.h"
#include "capture/probes.h"

__attribute__((noinline, used)) long nx_probe_test_func(long a)
{
	return a + 1;
}

long nx_probe_test_data = 5;

static char exe[PATH_MAX];

static struct nx_probes *build(const char *yaml, struct nx_config *cfg, struct nx_err *err)
{
	char text[4096];
	struct nx_probes *p;

	snprintf(text, sizeof(text), yaml, exe);
	assert_int_equal(nx_config_parse(cfg, "c.yaml", text, strlen(text), err), 0);
	p = nx_probes_new(cfg, err);
	return p;
}

static void test_table(void **state)
{
	struct nx_config cfg;
	struct nx_err err = { 0 };
	struct nx_probes *p;
	const struct nxr_probe *t;

	(void)state;
	p = build("TraceCondition:\n"
		  "  Command: ls\n"
		  "  Targets:\n"
		  "  - FilePath: %s\n"
		  "    Functions:\n"
		  "      - Func: nx_probe_test_func\n"
		  "        Triggers: [arg1 == 1, auto arg1 arg2, cpu > 50]\n"
		  "        Args: [arg2:str]\n"
		  "      - Func: nx_probe_test_func\n"
		  "        HookType: uretprobe\n"
		  "      - Func: main\n", &cfg, &err);
	assert_non_null(p);
	assert_int_equal(nx_probes_count(p), 3);
	assert_int_equal(nx_probes_ntrigs(p), 3);
	t = nx_probes_table(p);
	assert_int_equal(t[0].id, 1);
	assert_int_equal(t[0].hook, NXR_HOOK_UPROBE);
	assert_string_equal(t[0].func, "nx_probe_test_func");
	assert_string_equal(t[0].path, exe);
	assert_string_equal(t[0].spec, "Triggers:\n- arg1 == 1\n- auto arg1 arg2\n- cpu > 50\n"
			    "Args: [arg2:str]\n");
	assert_int_equal(t[1].id, 2);
	assert_int_equal(t[1].hook, NXR_HOOK_URETPROBE);
	assert_string_equal(t[1].spec, "");
	assert_int_equal(t[2].id, 3);
	assert_string_equal(t[2].func, "main");
	assert_int_equal(nx_probes_ntriggers_of(p, 1), 3);
	assert_int_equal(nx_probes_ntriggers_of(p, 2), 0);
	assert_int_equal(nx_probes_ntriggers_of(p, 4), 0);
	assert_int_equal(nx_trigger_type(nx_probes_trigger(p, 1, 1)), NX_TRIGGER_AUTO);
	assert_null(nx_probes_trigger(p, 1, 3));
	assert_null(nx_probes_trigger(p, 0, 0));
	nx_probes_free(p);
	nx_config_release(&cfg);
}

static void test_no_targets(void **state)
{
	struct nx_config cfg;
	struct nx_err err = { 0 };
	struct nx_probes *p;
	uint64_t out[1] = { 7 };

	(void)state;
	p = build("TraceCondition:\n  Command: ls\n", &cfg, &err);
	assert_non_null(p);
	assert_int_equal(nx_probes_count(p), 0);
	assert_null(nx_probes_table(p));
	assert_int_equal(nx_probes_attach(p, NULL, &err), 0);
	assert_int_equal(nx_probes_read_filtered(p, out, &err), 0);
	assert_int_equal(out[0], 0);
	nx_probes_free(p);
	nx_probes_free(NULL);
	assert_int_equal(nx_probes_count(NULL), 0);
	nx_config_release(&cfg);
}

/* yaml must fail with code and exactly msg (%s: this binary's path) */
static void expect_error(const char *yaml, int code, const char *msg)
{
	struct nx_config cfg;
	struct nx_err err = { 0 };
	char want[1024];

	assert_null(build(yaml, &cfg, &err));
	snprintf(want, sizeof(want), msg, exe);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, want);
	nx_config_release(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("TraceCondition:\n  Command: ls\n  Targets:\n  - FilePath: %s\n"
		     "    Functions:\n      - Func: nx_probe_test_func\n"
		     "        Triggers: [arg1 == 1 && arg9 == 2]\n", -EINVAL,
		     "c.yaml:7:33: trigger 'arg1 == 1 && arg9 == 2': no such argument 'arg9' "
		     "(arg1..arg6)");
	expect_error("TraceCondition:\n  Command: ls\n  Targets:\n  - FilePath: %s\n"
		     "    Functions:\n      - Func: nx_probe_test_func\n"
		     "        Triggers:\n          - \"ret > 1\"\n", -EINVAL,
		     "c.yaml:8:14: trigger 'ret > 1': 'ret' is only available on a uretprobe");
	expect_error("TraceCondition:\n  Command: ls\n  Targets:\n  - FilePath: %s\n"
		     "    Functions:\n      - Func: no_such_function_here\n", -ENOENT,
		     "c.yaml:6:9: function 'no_such_function_here' is not in %s (no such function "
		     "in its symbol tables)");
	expect_error("TraceCondition:\n  Command: ls\n  Targets:\n  - FilePath: %s\n"
		     "    Functions:\n      - Func: nx_probe_test_data\n", -ENOENT,
		     "c.yaml:6:9: function 'nx_probe_test_data' is not in %s (no such function "
		     "in its symbol tables)");
	expect_error("TraceCondition:\n  Command: ls\n  Targets:\n  - FilePath: /nonexistent/%s\n"
		     "    Functions:\n      - Func: f\n", -ENOENT,
		     "c.yaml:4:5: FilePath /nonexistent/%s: No such file or directory (function f)");
	expect_error("TraceCondition:\n  Command: ls\n  Targets:\n  - FilePath: /proc/self/status%.0s\n"
		     "    Functions:\n      - Func: f\n", -ENOEXEC,
		     "c.yaml:4:5: FilePath /proc/self/status: not an ELF file (function f)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_targets),
		cmocka_unit_test(test_errors),
	};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return 1;
	exe[n] = '\0';
	nx_probe_test_func(nx_probe_test_data);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
