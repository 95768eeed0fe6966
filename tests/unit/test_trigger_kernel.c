/*
 * tests/unit/test_trigger_kernel.c: the kernel's trigger evaluator
 * (bpf/trigger.bpf.h) against user space's (analyze/trigger.c).
 *
 * tests/bpf/trigger_test.bpf.c is loaded with libbpf; batches of 64 programs
 * x 8 inputs go through its .bss and one BPF_PROG_TEST_RUN of a syscall
 * program evaluates them all. Every kernel answer must equal the tree
 * evaluator's and the user-space program evaluator's: thousands of random
 * triggers (the generator of test_trigger.c), then thousands of random raw
 * programs, malformed ones included, where only the two program evaluators
 * can be compared. Needs root (exit 77 otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "analyze/trigger.h"
#include "format/meta.h"
#include "tests/unit/trig_gen.h"
#include "trigger_test.skel.h"

#define NPROGS 64
#define NINPUTS 8

static char libbpf_log[16384];
static size_t libbpf_log_len;

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG || libbpf_log_len >= sizeof(libbpf_log) - 1)
		return 0;
	n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
	if (n > 0)
		libbpf_log_len += (size_t)n < sizeof(libbpf_log) - libbpf_log_len ?
				  (size_t)n : sizeof(libbpf_log) - libbpf_log_len - 1;
	return 0;
}

static int setup(void **state)
{
	struct trigger_test *skel;

	libbpf_set_print(on_libbpf_print);
	skel = trigger_test__open_and_load();
	if (!skel) {
		fprintf(stderr, "loading tests/bpf/trigger_test.bpf.o failed (%s):\n%s\n",
			strerror(errno), libbpf_log);
		return -1;
	}
	*state = skel;
	return 0;
}

static int teardown(void **state)
{
	trigger_test__destroy(*state);
	return 0;
}

/* Runs the batch in skel->bss (nprogs programs x NINPUTS inputs) in the kernel. */
static void kernel_run(struct trigger_test *skel, unsigned nprogs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int rc;

	skel->bss->nprogs = nprogs;
	memset(skel->bss->results, 0xee, sizeof(skel->bss->results));
	rc = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.trig_run), &opts);
	if (rc)
		fail_msg("BPF_PROG_TEST_RUN: %s", strerror(errno));
	assert_int_equal(opts.retval, 0);
	for (unsigned i = 0; i < nprogs; i++)	/* every cell written, 0 or 1 */
		for (unsigned j = 0; j < NINPUTS; j++)
			assert_true(skel->bss->results[i][j] <= 1);
}

static void test_uprobe_type_program_passes_the_verifier(void **state)
{
	struct trigger_test *skel = *state;

	/* loaded in setup as BPF_PROG_TYPE_KPROBE, the type of the recorder's uprobes */
	assert_int_equal(bpf_program__type(skel->progs.trig_uprobe), BPF_PROG_TYPE_KPROBE);
	assert_true(bpf_program__fd(skel->progs.trig_uprobe) >= 0);
	assert_int_equal(bpf_program__type(skel->progs.trig_run), BPF_PROG_TYPE_SYSCALL);
}

static void test_fixed_cases(void **state)
{
	static const struct {
		const char *text;
		bool uret;
		uint64_t a1;
		int64_t ret;
		const char *comm;
		bool want;
	} cases[] = {
		{ "arg1 == -1", false, UINT64_MAX, 0, "x", true },
		{ "arg1 < 0", false, 0x8000000000000000ULL, 0, "x", true },
		{ "arg1 > 0", false, 0x8000000000000000ULL, 0, "x", false },
		{ "arg1 == 0xffffffffffffffff", false, UINT64_MAX, 0, "x", true },
		{ "arg1 & 0xff == 3", false, 0x103, 0, "x", true },
		{ "ret < 0", true, 0, -5, "x", true },
		{ "ret >= 0", true, 0, INT64_MIN, "x", false },
		{ "comm == \"systemd-journal\"", false, 0, 0, "systemd-journal", true },
		{ "comm == \"systemd-journa\"", false, 0, 0, "systemd-journal", false },
		{ "comm != \"bash\"", false, 0, 0, "bash", false },
		{ "comm == \"abcdefgh\"", false, 0, 0, "abcdefgh", true },
		{ "!arg1 == 0", false, 9, 0, "x", true },
	};
	struct trigger_test *skel = *state;
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct nx_err err = { 0 };

	assert_true(n <= NPROGS);
	memset(skel->bss->inputs, 0, sizeof(skel->bss->inputs));
	for (size_t i = 0; i < n; i++) {
		struct nx_trigger_ctx ctx = {
			.hook = cases[i].uret ? NXR_HOOK_URETPROBE : NXR_HOOK_UPROBE
		};
		struct nx_trigger *t = nx_trigger_parse(cases[i].text, &ctx, NULL, &err);

		assert_non_null(t);
		assert_int_equal(nx_trigger_compile(t, &skel->bss->progs[i], &err), 0);
		for (int j = 0; j < NINPUTS; j++) {
			struct nx_trig_input *in = &skel->bss->inputs[i][j];

			in->args[0] = cases[i].a1;
			in->ret = cases[i].ret;
			strncpy((char *)in->comm, cases[i].comm, sizeof(in->comm));
		}
		nx_trigger_free(t);
	}
	kernel_run(skel, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		if (skel->bss->results[i][0] != cases[i].want)
			fail_msg("'%s': kernel says %d, want %d", cases[i].text,
				 skel->bss->results[i][0], cases[i].want);
}

static void test_differential_random_triggers(void **state)
{
	struct trigger_test *skel = *state;
	struct trig_rng rng = { 0x6b65726e656c5f31ULL };
	struct nx_trigger *ts[NPROGS];
	unsigned total = 0, evals = 0, held = 0, n;
	char text[4096];

	while (total < 16384) {
		for (n = 0; n < NPROGS;) {
			bool uret = trig_below(&rng, 4) == 0;
			struct nx_trigger_ctx ctx = {
				.hook = uret ? NXR_HOOK_URETPROBE : NXR_HOOK_UPROBE
			};
			struct nx_err err = { 0 };

			trig_gen_text(&rng, text, sizeof(text), uret);
			ts[n] = nx_trigger_parse(text, &ctx, NULL, &err);
			if (!ts[n])
				continue;	/* too long or a comparison chain */
			assert_int_equal(nx_trigger_compile(ts[n], &skel->bss->progs[n], &err), 0);
			for (int j = 0; j < NINPUTS; j++)
				trig_input(&rng, &skel->bss->inputs[n][j]);
			n++;
		}
		kernel_run(skel, n);
		for (unsigned i = 0; i < n; i++) {
			for (unsigned j = 0; j < NINPUTS; j++) {
				const struct nx_trig_input *in = &skel->bss->inputs[i][j];
				bool tree = nx_trigger_eval_tree(ts[i], in);
				bool prog = nx_trig_prog_eval(&skel->bss->progs[i], in);
				bool kern = skel->bss->results[i][j];

				if (tree != prog || tree != kern) {
					nx_trigger_format(ts[i], text, sizeof(text));
					fail_msg("'%s' input %u: tree %d, program %d, kernel %d",
						 text, j, tree, prog, kern);
				}
				held += kern;
				evals++;
			}
			nx_trigger_free(ts[i]);
		}
		total += n;
	}
	assert_true(held > evals / 10 && held < evals - evals / 10);
	print_message("%u triggers, %u evaluations in the kernel, %u held\n", total, evals, held);
}

static void test_differential_raw_programs(void **state)
{
	struct trigger_test *skel = *state;
	struct trig_rng rng = { 0x7261775f70726f67ULL };
	unsigned evals = 0, held = 0;

	for (int batch = 0; batch < 256; batch++) {
		for (unsigned i = 0; i < NPROGS; i++) {
			trig_gen_prog(&rng, &skel->bss->progs[i]);
			for (int j = 0; j < NINPUTS; j++)
				trig_input(&rng, &skel->bss->inputs[i][j]);
		}
		kernel_run(skel, NPROGS);
		for (unsigned i = 0; i < NPROGS; i++) {
			for (unsigned j = 0; j < NINPUTS; j++) {
				bool prog = nx_trig_prog_eval(&skel->bss->progs[i],
							      &skel->bss->inputs[i][j]);
				bool kern = skel->bss->results[i][j];

				if (prog != kern)
					fail_msg("raw program %d/%u (len %u) input %u: program %d, "
						 "kernel %d", batch, i, skel->bss->progs[i].len, j,
						 prog, kern);
				held += kern;
				evals++;
			}
		}
	}
	assert_true(held > evals / 20 && held < evals - evals / 20);
	print_message("%u raw program evaluations, %u held\n", evals, held);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uprobe_type_program_passes_the_verifier),
		cmocka_unit_test(test_fixed_cases),
		cmocka_unit_test(test_differential_random_triggers),
		cmocka_unit_test(test_differential_raw_programs),
	};

	if (geteuid() != 0) {
		printf("test_trigger_kernel: loading BPF programs needs root\n");
		return 77;
	}
	return cmocka_run_group_tests_name("trigger_kernel", tests, setup, teardown);
}
