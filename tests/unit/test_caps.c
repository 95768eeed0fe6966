/* tests/unit/test_caps.c: capability answers (capture/caps.h): what a missing one says, the output, privileges against /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/caps.h"

static void all_ok(struct nx_caps *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < NX_CAP_COUNT; i++) {
		c->r[i].ok = true;
		snprintf(c->r[i].detail, sizeof(c->r[i].detail), "probe %d \"quoted\"", i);
	}
	c->probed = (1u << NX_CAP_COUNT) - 1;
}

static void test_a_missing_capability_is_named(void **state)
{
	struct nx_caps c;
	struct nx_err err = { 0 };

	(void)state;
	all_ok(&c);
	assert_int_equal(nx_caps_require(&c, NX_CAPS_BASE | NX_CAPS_UPROBE, &err), 0);
	c.r[NX_CAP_KPROBE].ok = c.r[NX_CAP_FENTRY].ok = false;	/* not needed by any run */
	assert_int_equal(nx_caps_require(&c, NX_CAPS_BASE | NX_CAPS_URETPROBE, &err), 0);
	c.r[NX_CAP_COOKIE].ok = false;
	assert_int_equal(nx_caps_require(&c, NX_CAPS_BASE, &err), 0);
	assert_int_equal(nx_caps_require(&c, NX_CAPS_BASE | NX_CAPS_UPROBE, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "this machine has no attach_cookie (probe 7"));
	assert_non_null(strstr(err.msg, "Targets are refused"));
	c.r[NX_CAP_TP_BTF].ok = false;
	assert_int_equal(nx_caps_require(&c, NX_CAPS_BASE, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "no tp_btf"));
	c.r[NX_CAP_PRIV].ok = false;		/* the first missing one is said */
	assert_int_equal(nx_caps_require(&c, NX_CAPS_BASE, &err), -EPERM);
	assert_non_null(strstr(err.msg, "must run as root (or with CAP_BPF and CAP_PERFMON)"));
}

static char *printed(const struct nx_caps *c, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	nx_caps_print(f, c, json);
	fclose(f);
	return buf;
}

static void test_output_has_one_line_per_probed_capability(void **state)
{
	struct nx_caps c;
	char *text, *json;
	int lines = 0;

	(void)state;
	all_ok(&c);
	c.r[NX_CAP_KPROBE].ok = false;
	c.probed &= ~(1u << NX_CAP_FENTRY);
	text = printed(&c, false);
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, NX_CAP_COUNT - 1);
	assert_non_null(strstr(text, "uprobe         yes  probe 5 \"quoted\"\n"));
	assert_non_null(strstr(text, "kprobe         no   probe 8 \"quoted\"; without it: nothing: "
				     "nexus does not use kprobes"));
	assert_null(strstr(text, "fentry"));
	json = printed(&c, true);
	assert_non_null(strstr(json, "\"kprobe\":{\"ok\":false,\"detail\":\"probe 8 \\\"quoted\\\"\""));
	assert_non_null(strstr(json, "\"uprobe\":{\"ok\":true,"));
	assert_null(strstr(json, "fentry"));
	assert_int_equal(json[0], '{');
	assert_string_equal(json + strlen(json) - 2, "}\n");
	free(text);
	free(json);
}

/* CapEff from /proc/self/status: the kernel's own view of our privileges. */
static unsigned long long cap_eff(void)
{
	char line[256];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void test_probed_answers_match_the_machine(void **state)
{
	unsigned long long eff = cap_eff();
	bool want = ((eff >> 39) & 1 && (eff >> 38) & 1) || ((eff >> 21) & 1);
	struct nx_caps c;
	char v[32];

	(void)state;
	assert_int_equal(nx_caps_probe(&c, 1u << NX_CAP_LIBBPF), 0);
	/* privileges are always probed: the other answers refer to them */
	assert_int_equal(c.probed, (1u << NX_CAP_LIBBPF) | (1u << NX_CAP_PRIV));
	assert_int_equal(c.r[NX_CAP_PRIV].ok, want);
	snprintf(v, sizeof(v), "libbpf %s at run time", libbpf_version_string());
	assert_non_null(strstr(c.r[NX_CAP_LIBBPF].detail, v));
	/* BTF: the file is there or not, whoever asks */
	assert_int_equal(nx_caps_probe(&c, 1u << NX_CAP_BTF), 0);
	assert_int_equal(c.r[NX_CAP_BTF].ok, access("/sys/kernel/btf/vmlinux", R_OK) == 0);
	/* a uprobe needs the uprobe PMU, whatever else */
	assert_int_equal(nx_caps_probe(&c, 1u << NX_CAP_UPROBE), 0);
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK) != 0)
		assert_false(c.r[NX_CAP_UPROBE].ok);
	if (!want)
		assert_false(c.r[NX_CAP_UPROBE].ok);
	assert_int_equal(nx_caps_probe(&c, 1u << NX_CAP_KPROBE), 0);
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) != 0) {
		assert_false(c.r[NX_CAP_KPROBE].ok);
		assert_non_null(strstr(c.r[NX_CAP_KPROBE].detail, "no kprobe PMU"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_missing_capability_is_named),
		cmocka_unit_test(test_output_has_one_line_per_probed_capability),
		cmocka_unit_test(test_probed_answers_match_the_machine),
	};

	return cmocka_run_group_tests_name("caps", tests, NULL, NULL);
}
