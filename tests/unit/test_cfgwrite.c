/*
 * tests/unit/test_cfgwrite.c: a config written back as YAML reads back equal.
 *
 * Every config under tests/configs/good goes through load -> write -> parse,
 * and the two loaded structs are compared field by field; comments (the
 * document's and a trigger's) must come out as YAML comments, which the
 * parser ignores, and strings YAML would misread plainly must survive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/cfgwrite.h"
#include "capture/config.h"

static void assert_str_equal(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_func_equal(const struct nx_config_func *a, const struct nx_config_func *b)
{
	assert_string_equal(a->func, b->func);
	assert_int_equal(a->hook, b->hook);
	assert_int_equal(a->ntriggers, b->ntriggers);
	for (uint32_t i = 0; i < a->ntriggers; i++) {
		const struct nx_config_trigger *x = &a->triggers[i], *y = &b->triggers[i];

		assert_string_equal(x->text, y->text);
		assert_int_equal(x->ncommon, y->ncommon);
		assert_int_equal(x->ncommon_vals, y->ncommon_vals);
		assert_int_equal(!x->common, !y->common);
		if (x->ncommon)
			assert_memory_equal(x->common, y->common,
					    sizeof(*x->common) * x->ncommon * x->ncommon_vals);
	}
	assert_int_equal(a->nargs, b->nargs);
	for (uint32_t i = 0; i < a->nargs; i++)
		assert_string_equal(a->args[i], b->args[i]);
	assert_str_equal(a->print, b->print);
}

static void assert_config_equal(const struct nx_config *a, const struct nx_config *b)
{
	assert_str_equal(a->command, b->command);
	assert_int_equal(a->argc, b->argc);
	for (uint32_t i = 0; i < a->argc; i++)
		assert_string_equal(a->argv[i], b->argv[i]);
	assert_int_equal(a->sudo, b->sudo);
	assert_int_equal(a->noexec, b->noexec);
	assert_int_equal(a->noexec_all, b->noexec_all);
	assert_int_equal(a->nnoexec_names, b->nnoexec_names);
	for (uint32_t i = 0; i < a->nnoexec_names; i++)
		assert_string_equal(a->noexec_names[i], b->noexec_names[i]);
	assert_str_equal(a->logs_dir, b->logs_dir);
	assert_str_equal(a->script_path, b->script_path);
	assert_true(a->duration_s == b->duration_s);
	assert_int_equal(a->syscalls_none, b->syscalls_none);
	assert_int_equal(a->nsyscalls, b->nsyscalls);
	assert_int_equal(!a->syscalls, !b->syscalls);
	for (uint32_t i = 0; i < a->nsyscalls; i++)
		assert_int_equal(a->syscalls[i], b->syscalls[i]);
	assert_int_equal(a->follow, b->follow);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->health.interval_ms, b->health.interval_ms);
	assert_int_equal(a->health.cpu_pct, b->health.cpu_pct);
	assert_int_equal(a->health.disk_pct, b->health.disk_pct);
	assert_memory_equal(&a->payloads, &b->payloads, sizeof(a->payloads));
	assert_int_equal(a->nsysfilters, b->nsysfilters);
	for (uint32_t i = 0; i < a->nsysfilters; i++) {
		assert_int_equal(a->sysfilters[i].nr, b->sysfilters[i].nr);
		assert_str_equal(a->sysfilters[i].trigger, b->sysfilters[i].trigger);
		assert_str_equal(a->sysfilters[i].path_prefix, b->sysfilters[i].path_prefix);
	}
	assert_int_equal(a->ntargets, b->ntargets);
	for (uint32_t i = 0; i < a->ntargets; i++) {
		assert_string_equal(a->targets[i].path, b->targets[i].path);
		assert_int_equal(a->targets[i].nfuncs, b->targets[i].nfuncs);
		for (uint32_t j = 0; j < a->targets[i].nfuncs; j++)
			assert_func_equal(&a->targets[i].funcs[j], &b->targets[i].funcs[j]);
	}
	assert_int_equal(a->filter.npids, b->filter.npids);
	for (uint32_t i = 0; i < a->filter.npids; i++)
		assert_int_equal(a->filter.pids[i], b->filter.pids[i]);
	assert_int_equal(a->filter.nuids, b->filter.nuids);
	for (uint32_t i = 0; i < a->filter.nuids; i++)
		assert_int_equal(a->filter.uids[i], b->filter.uids[i]);
	assert_int_equal(a->filter.ncomms, b->filter.ncomms);
	for (uint32_t i = 0; i < a->filter.ncomms; i++)
		assert_string_equal(a->filter.comms[i], b->filter.comms[i]);
	assert_int_equal(a->nsysprints, b->nsysprints);
	for (uint32_t i = 0; i < a->nsysprints; i++) {
		assert_int_equal(a->sysprints[i].nr, b->sysprints[i].nr);
		assert_string_equal(a->sysprints[i].print, b->sysprints[i].print);
	}
}

/* Writes cfg (with comment), parses the text back into *out; returns the text. */
static char *write_and_parse(const struct nx_config *cfg, const char *comment,
			     struct nx_config *out)
{
	struct nx_err err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(nx_config_write(f, cfg, comment, &err), 0);
	assert_int_equal(fclose(f), 0);
	if (nx_config_parse(out, "written.yaml", text, len, &err) < 0)
		fail_msg("%s\n--- text ---\n%s", err.msg, text);
	return text;
}

static void test_good_configs_round_trip(void **state)
{
	const char *dir = "tests/configs/good";
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	(void)state;
	assert_non_null(dp);
	while ((d = readdir(dp))) {
		struct nx_config a, b;
		struct nx_err err = { 0 };
		char path[512];

		if (!strstr(d->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (nx_config_load(&a, path, &err) < 0)
			fail_msg("%s", err.msg);
		free(write_and_parse(&a, "generated\nfrom a test", &b));
		assert_config_equal(&a, &b);
		nx_config_release(&a);
		nx_config_release(&b);
		n++;
	}
	closedir(dp);
	assert_true(n >= 5);
}

static void test_comments_and_awkward_strings(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Command: \"./a 'yes' \\\"#x\\\" a:b\"\n"
		"  ScriptPath: \"yes\"\n"
		"  LogsDir: \"0x10\"\n"
		"  Targets:\n"
		"  - FilePath: \"/lib/#odd: path\"\n"
		"    Functions:\n"
		"      - Func: f\n"
		"        Triggers: [\"comm == \\\"a\\\\tb\\\"\", \"arg1 == 1\"]\n";
	struct nx_config a, b;
	struct nx_err err = { 0 };
	char *text;

	(void)state;
	if (nx_config_parse(&a, "in.yaml", yaml, sizeof(yaml) - 1, &err) < 0)
		fail_msg("%s", err.msg);
	a.targets[0].funcs[0].triggers[1].comment = strdup("seen 3 times\nfirst at 1.5 s");
	text = write_and_parse(&a, "tuned by a test", &b);
	assert_config_equal(&a, &b);
	assert_non_null(strstr(text, "# tuned by a test\n"));
	assert_non_null(strstr(text, "          # seen 3 times\n          # first at 1.5 s\n"
				     "          - \"arg1 == 1\""));
	free(text);
	nx_config_release(&a);
	nx_config_release(&b);
}

/* Common tuples go out as a mapping item, a tuple a line, and come back equal;
 * the trigger's comment stays right before its item. */
static void test_common_tuples_round_trip(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Command: ./a\n"
		"  Targets:\n"
		"  - FilePath: /lib/x.so\n"
		"    Functions:\n"
		"      - Func: f\n"
		"        Triggers: [\"auto arg1 arg2\", \"arg1 == 1\"]\n";
	static const uint64_t tuples[] = { 3, 0x541c, 4, 21505, UINT64_MAX, 0 };
	struct nx_config a, b;
	struct nx_config_trigger *t;
	struct nx_err err = { 0 };
	char *text;

	(void)state;
	if (nx_config_parse(&a, "in.yaml", yaml, sizeof(yaml) - 1, &err) < 0)
		fail_msg("%s", err.msg);
	t = &a.targets[0].funcs[0].triggers[0];
	t->common = malloc(sizeof(tuples));
	assert_non_null(t->common);
	memcpy(t->common, tuples, sizeof(tuples));
	t->ncommon = 3;
	t->ncommon_vals = 2;
	t->comment = strdup("replay: 3 common tuples");
	text = write_and_parse(&a, NULL, &b);
	assert_config_equal(&a, &b);
	assert_non_null(strstr(text, "          # replay: 3 common tuples\n"
				     "          - Trigger: \"auto arg1 arg2\"\n"
				     "            Common:\n"
				     "              - [3, 0x541c]\n"
				     "              - [4, 0x5401]\n"
				     "              - [0xffffffffffffffff, 0]\n"
				     "          - \"arg1 == 1\"\n"));
	assert_int_equal(b.targets[0].funcs[0].triggers[0].ncommon, 3);
	free(text);
	nx_config_release(&a);
	nx_config_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_configs_round_trip),
		cmocka_unit_test(test_comments_and_awkward_strings),
		cmocka_unit_test(test_common_tuples_round_trip),
	};

	return cmocka_run_group_tests_name("cfgwrite", tests, NULL, NULL);
}
