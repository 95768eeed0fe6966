/* tests/unit/test_procfilter.c: the process filter in user space (capture/procfilter.h), and the kernel's glob walk (bpf/glob.h) against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fnmatch.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/glob.h"
#include "capture/procfilter.h"

/* The kernel's answer: bpf/glob.h run the way bpf_loop runs it. */
static int kernel_glob(const char *pat, const char *name)
{
	struct nx_glob g = { 0 };
	int plen = (int)strlen(pat), slen = (int)strlen(name);

	memcpy(g.str, name, (size_t)slen);
	nx_glob_init(&g, plen, slen);
	for (int i = 0; i < NX_GLOB_STEPS; i++)
		if (nx_glob_step(&g, g.p < g.plen ? pat[g.p] : 0))
			return (int)g.match;
	return 0;				/* bpf_loop ran out: no match */
}

static void test_kernel_glob_agrees_with_fnmatch(void **state)
{
	static const char alpha[] = "ab*?";
	static const struct {
		const char *pat, *name;
		int match;
	} fixed[] = {
		{ "fx_loop", "fx_loop", 1 }, { "fx_loop", "fx_loo", 0 }, { "fx_l*", "fx_loop", 1 },
		{ "*", "", 1 }, { "*", "anything", 1 }, { "?", "", 0 }, { "a*b*c", "aXbYc", 1 },
		{ "a*b*c", "aXbY", 0 }, { "*_l??p", "fx_loop", 1 }, { "**a**", "bab", 1 },
		{ "???????????????", "123456789012345", 1 }, { "*x", "xxxxxxxxxxxxxxy", 0 },
	};
	unsigned seed = 12345, n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		assert_int_equal(kernel_glob(fixed[i].pat, fixed[i].name), fixed[i].match);
		assert_int_equal(fnmatch(fixed[i].pat, fixed[i].name, FNM_NOESCAPE) == 0,
				 fixed[i].match);
	}
	/* random patterns over a b * ? and names over a b, up to 15 bytes each */
	for (int t = 0; t < 200000; t++) {
		char pat[16], name[16];
		int pl = (int)(rand_r(&seed) % 16), nl = (int)(rand_r(&seed) % 16);

		for (int i = 0; i < pl; i++)
			pat[i] = alpha[rand_r(&seed) % 4];
		for (int i = 0; i < nl; i++)
			name[i] = alpha[rand_r(&seed) % 2];
		pat[pl] = name[nl] = '\0';
		if (kernel_glob(pat, name) != (fnmatch(pat, name, FNM_NOESCAPE) == 0))
			fail_msg("pattern '%s', name '%s': kernel %d, fnmatch %d", pat, name,
				 kernel_glob(pat, name), fnmatch(pat, name, FNM_NOESCAPE) == 0);
		n += kernel_glob(pat, name);
	}
	assert_true(n > 1000);			/* the random cases do match, sometimes */
}

static void test_kinds_and_values_combine(void **state)
{
	uint32_t pids[] = { 10, 20 }, uids[] = { 0, 1000 };
	char *comms[] = { "fx_*", "sh", NULL };
	struct nx_config_filter none = { 0 }, f = { 0 };

	(void)state;
	assert_false(nx_procfilter_on(NULL));
	assert_false(nx_procfilter_on(&none));
	assert_true(nx_procfilter_match(NULL, 1, 1, "x"));
	assert_true(nx_procfilter_match(&none, 1, 1, "x"));
	f.comms = comms;
	f.ncomms = 2;
	assert_true(nx_procfilter_on(&f));
	assert_true(nx_procfilter_match(&f, 1, 5, "fx_loop"));
	assert_true(nx_procfilter_match(&f, 1, 5, "sh"));
	assert_false(nx_procfilter_match(&f, 1, 5, "bash"));
	/* a comm longer than the kernel's 15 bytes is cut as the kernel cuts it */
	assert_true(nx_procfilter_match(&f, 1, 5, "fx_0123456789abcdef"));
	f.uids = uids;
	f.nuids = 2;
	assert_true(nx_procfilter_match(&f, 1, 1000, "sh"));
	assert_false(nx_procfilter_match(&f, 1, 5, "sh"));	/* kinds AND */
	f.pids = pids;
	f.npids = 2;
	assert_true(nx_procfilter_match(&f, 20, 0, "fx_a"));
	assert_false(nx_procfilter_match(&f, 30, 0, "fx_a"));
	assert_false(nx_procfilter_match(&f, 10, 0, "zsh"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_glob_agrees_with_fnmatch),
		cmocka_unit_test(test_kinds_and_values_combine),
	};

	return cmocka_run_group_tests_name("procfilter", tests, NULL, NULL);
}
