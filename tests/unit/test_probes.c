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

#include <linux/types.h>

#include "bpf/trigger.h"
#include "bpf/uprobe.h"
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

/*
 * The kernel's common-value map is sized at load for the config's Common:
 * tuples, all auto triggers together, up to NX_UP_PRELOAD_MAX: a config with
 * more is refused here, at the trigger that crosses the bound, rather than by
 * the kernel halfway through the preload. The tuples are set as config.c's
 * parser would (its per-trigger bound is NX_CONFIG_MAX_COMMON).
 */
static void try_common(uint32_t ntrig, struct nx_config *cfg, struct nx_probes **out,
		       struct nx_err *err)
{
	char text[4096];
	int off;

	off = snprintf(text, sizeof(text), "TraceCondition:\n  Command: ls\n  Targets:\n"
		       "  - FilePath: %s\n    Functions:\n      - Func: nx_probe_test_func\n"
		       "        Triggers:\n", exe);
	for (uint32_t i = 0; i < ntrig; i++)
		off += snprintf(text + off, sizeof(text) - off, "          - auto arg1\n");
	assert_true(off < (int)sizeof(text));
	assert_int_equal(nx_config_parse(cfg, "c.yaml", text, strlen(text), err), 0);
	for (uint32_t i = 0; i < ntrig; i++) {
		struct nx_config_trigger *t = &cfg->targets[0].funcs[0].triggers[i];

		t->common = calloc(NX_CONFIG_MAX_COMMON, sizeof(*t->common));
		assert_non_null(t->common);
		for (uint32_t k = 0; k < NX_CONFIG_MAX_COMMON; k++)
			t->common[k] = k;
		t->ncommon = NX_CONFIG_MAX_COMMON;
		t->ncommon_vals = 1;
	}
	*out = nx_probes_new(cfg, err);
}

static void test_common_total_bounded(void **state)
{
	uint32_t fit = NX_UP_PRELOAD_MAX / NX_CONFIG_MAX_COMMON;
	struct nx_err err = { 0 };
	struct nx_config cfg;
	struct nx_probes *p;
	char want[256];

	(void)state;
	try_common(fit, &cfg, &p, &err);
	if (!p)
		fail_msg("%s", err.msg);
	assert_int_equal(nx_probes_ncommon(p), NX_UP_PRELOAD_MAX);
	nx_probes_free(p);
	nx_config_release(&cfg);
	try_common(fit + 1, &cfg, &p, &err);
	assert_null(p);
	assert_int_equal(err.code, -EINVAL);
	snprintf(want, sizeof(want), "c.yaml:%u:13: trigger 'auto arg1': Common: more than %u "
		 "common tuples in the config, all auto triggers together (the kernel map's "
		 "bound)", 8 + fit, NX_UP_PRELOAD_MAX);
	assert_string_equal(err.msg, want);
	nx_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_targets),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_common_total_bounded),
	};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return 1;
	exe[n] = '\0';
	nx_probe_test_func(nx_probe_test_data);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
