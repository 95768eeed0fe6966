/*
 * tests/unit/test_adapt.c: live learning for auto triggers, without BPF.
 *
 * A fake kernel keeps the common set the recorder pushes and drops the calls
 * it covers, as the BPF side does in `triggered` mode; the tests check what
 * reaches the detectors, what is pushed, and the ADAPT events recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bpf/trigger.h"
#include "capture/adapt.h"

#define MAXSET 64

struct fake {
	struct { uint32_t probe, trigger; uint64_t vals[NX_RARE_MAX_VALS]; unsigned n; } set[MAXSET];
	unsigned nset;
	unsigned nevents, nadd, ndel;
	char last_note[256];
	int fail_set;		/* next set_common calls fail with this */
	int fail_record;
};

static int find(const struct fake *f, uint32_t probe, uint32_t trigger, const uint64_t *vals,
		unsigned n)
{
	for (unsigned i = 0; i < f->nset; i++)
		if (f->set[i].probe == probe && f->set[i].trigger == trigger && f->set[i].n == n &&
		    !memcmp(f->set[i].vals, vals, n * sizeof(*vals)))
			return (int)i;
	return -1;
}

static int fake_set(void *ctx, uint32_t probe, uint32_t trigger, const uint64_t *vals,
		    unsigned n, bool common)
{
	struct fake *f = ctx;
	int i = find(f, probe, trigger, vals, n);

	if (f->fail_set)
		return f->fail_set;
	if (common && i < 0) {
		assert_true(f->nset < MAXSET);
		f->set[f->nset].probe = probe;
		f->set[f->nset].trigger = trigger;
		memcpy(f->set[f->nset].vals, vals, n * sizeof(*vals));
		f->set[f->nset].n = n;
		f->nset++;
	} else if (!common && i >= 0) {
		f->set[i] = f->set[--f->nset];
	}
	return 0;
}

static int fake_record(void *ctx, const struct nxr_event *ev)
{
	struct fake *f = ctx;

	if (f->fail_record)
		return f->fail_record;
	assert_int_equal(ev->kind, NX_KIND_ADAPT);
	f->nevents++;
	f->nadd += ev->adapt.action == NX_ADAPT_COMMON_ADD;
	f->ndel += ev->adapt.action == NX_ADAPT_COMMON_DEL;
	snprintf(f->last_note, sizeof(f->last_note), "%.*s", (int)ev->adapt.note.len,
		 ev->adapt.note.ptr);
	return 0;
}

static const struct nx_adapt_ops ops = { fake_set, fake_record };

static struct nxr_event call(uint32_t probe, uint64_t a1, uint64_t a2)
{
	return (struct nxr_event){ .kind = NX_KIND_CALL, .pid = 7, .tid = 7,
				   .call = { .arg1 = a1, .arg2 = a2, .probe = probe } };
}

/* One call through the fake kernel: dropped when its tuple is common. */
static bool through_kernel(struct nx_adapt *a, struct fake *f, const struct nxr_event *ev,
			   uint32_t trigger)
{
	uint64_t vals[2] = { ev->call.arg1, ev->call.arg2 };

	if (find(f, ev->call.probe, trigger, vals, 2) >= 0)
		return false;
	nx_adapt_observe(a, ev);
	return true;
}

static void test_learns_common_keeps_rare(void **state)
{
	static const uint8_t vars[] = { NX_TRIG_VAR_ARG1, NX_TRIG_VAR_ARG1 + 1 };
	struct nx_rare_opts ro = { .warmup = 1000, .rare_fraction = 0.01 };
	struct nx_err err = { 0 };
	struct fake f = { 0 };
	struct nx_adapt *a = nx_adapt_new(&ro, &ops, &f, &err);
	struct nx_adapt_stats st;
	uint64_t sent = 0, sent_late = 0, rare_sent = 0;

	(void)state;
	assert_non_null(a);
	assert_int_equal(nx_adapt_add_trigger(a, 3, 1, vars, 2, &err), 0);
	for (uint64_t i = 0; i < 200000; i++) {
		bool planted = i % 20011 == 777;
		struct nxr_event ev = planted ? call(3, 1000 + i, 0x541c) : call(3, i % 4, 0x5401);

		if (through_kernel(a, &f, &ev, 1)) {
			sent++;
			sent_late += i >= 100000;
			rare_sent += planted;
		}
		if (i % 1000 == 999)
			assert_true(nx_adapt_apply(a, i, &err) >= 0);
	}
	/* the four common tuples are in the kernel, no planted one is */
	assert_int_equal(f.nset, 4);
	for (unsigned i = 0; i < f.nset; i++)
		assert_true(f.set[i].vals[0] < 4 && f.set[i].vals[1] == 0x5401);
	assert_int_equal(rare_sent, 10);	/* every planted call reached user space */
	assert_true(sent_late <= 5);		/* after warm-up only the rare ones pass */
	assert_true(sent < 2000);
	assert_int_equal(f.nadd, 4);
	assert_int_equal(f.ndel, 0);
	assert_non_null(strstr(f.last_note, "arg2=0x5401"));
	nx_adapt_get_stats(a, &st);
	assert_int_equal(st.added, 4);
	assert_int_equal(st.observed, sent);
	nx_adapt_free(a);
}

static void test_other_probes_and_kinds_ignored(void **state)
{
	static const uint8_t ret[] = { NX_TRIG_VAR_RET };
	struct nx_rare_opts ro = { .warmup = 10, .rare_fraction = 0.1, .min_count = 2 };
	struct nx_err err = { 0 };
	struct fake f = { 0 };
	struct nx_adapt *a = nx_adapt_new(&ro, &ops, &f, &err);
	struct nxr_event r = { .kind = NX_KIND_RETURN, .uret = { .ret = -1, .probe = 2 } };
	struct nxr_event c = call(2, 1, 1), other = call(9, 1, 1);
	struct nxr_event sys = { .kind = NX_KIND_SYSCALL };
	struct nx_adapt_stats st;

	(void)state;
	assert_int_equal(nx_adapt_add_trigger(a, 2, 0, ret, 1, &err), 0);
	for (int i = 0; i < 100; i++) {
		nx_adapt_observe(a, &r);
		nx_adapt_observe(a, &c);	/* a CALL has no ret */
		nx_adapt_observe(a, &other);
		nx_adapt_observe(a, &sys);
	}
	nx_adapt_get_stats(a, &st);
	assert_int_equal(st.observed, 100);
	assert_int_equal(nx_adapt_apply(a, 5, &err), 1);
	assert_int_equal(f.nset, 1);
	assert_int_equal(f.set[0].vals[0], UINT64_MAX);
	assert_non_null(strstr(f.last_note, "ret=0xffffffffffffffff"));
	nx_adapt_free(a);
}

static void test_transient_failure_is_retried(void **state)
{
	static const uint8_t vars[] = { NX_TRIG_VAR_ARG1 };
	struct nx_rare_opts ro = { .warmup = 10, .rare_fraction = 0.1, .min_count = 2 };
	struct nx_err err = { 0 };
	struct fake f = { 0 };
	struct nx_adapt *a = nx_adapt_new(&ro, &ops, &f, &err);
	struct nxr_event c = call(1, 42, 0);
	struct nx_adapt_stats st;

	(void)state;
	assert_int_equal(nx_adapt_add_trigger(a, 1, 0, vars, 1, &err), 0);
	for (int i = 0; i < 50; i++)
		nx_adapt_observe(a, &c);
	f.fail_set = -EAGAIN;
	assert_int_equal(nx_adapt_apply(a, 1, &err), -EAGAIN);
	assert_non_null(strstr(err.msg, "refused"));
	assert_int_equal(f.nevents, 0);	/* never recorded a filter the kernel lacks */
	f.fail_set = 0;
	f.fail_record = -ENOSPC;
	assert_int_equal(nx_adapt_apply(a, 2, &err), -ENOSPC);
	f.fail_record = 0;
	assert_int_equal(nx_adapt_apply(a, 3, &err), 1);
	assert_int_equal(f.nset, 1);
	assert_int_equal(f.nadd, 1);
	assert_int_equal(nx_adapt_apply(a, 4, &err), 0);
	nx_adapt_get_stats(a, &st);
	assert_int_equal(st.refused, 0);
	nx_adapt_free(a);
}

/* The kernel refuses one tuple for good (its map is full): that change is
 * skipped and counted, and the changes queued behind it still go through. */
static int full_after(void *ctx, uint32_t probe, uint32_t trigger, const uint64_t *vals,
		      unsigned n, bool common)
{
	struct fake *f = ctx;

	if (common && vals[0] == 7)
		return -E2BIG;
	if (common && vals[0] == 8)
		return -EPERM;
	return fake_set(f, probe, trigger, vals, n, common);
}

static void test_full_map_skips_the_change(void **state)
{
	static const struct nx_adapt_ops full_ops = { full_after, fake_record };
	static const uint8_t vars[] = { NX_TRIG_VAR_ARG1 };
	struct nx_rare_opts ro = { .warmup = 10, .rare_fraction = 0.1, .min_count = 2 };
	struct nx_err err = { 0 };
	struct fake f = { 0 };
	struct nx_adapt *a = nx_adapt_new(&ro, &full_ops, &f, &err);
	struct nx_adapt_stats st;

	(void)state;
	assert_int_equal(nx_adapt_add_trigger(a, 1, 0, vars, 1, &err), 0);
	for (int i = 0; i < 60; i++) {
		struct nxr_event c = call(1, 6 + i % 4, 0);	/* 6, 7, 8, 9: all common */

		nx_adapt_observe(a, &c);
	}
	assert_int_equal(nx_adapt_apply(a, 1, &err), 2);
	assert_int_equal(f.nset, 2);
	assert_int_equal(f.nadd, 2);		/* only what the kernel took is recorded */
	assert_true(find(&f, 1, 0, (uint64_t[]){ 6 }, 1) >= 0);
	assert_true(find(&f, 1, 0, (uint64_t[]){ 9 }, 1) >= 0);
	nx_adapt_get_stats(a, &st);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.refused, 2);
	assert_true(st.refused_errno == E2BIG || st.refused_errno == EPERM);
	/* nothing is left queued: the next apply neither retries nor fails */
	assert_int_equal(nx_adapt_apply(a, 2, &err), 0);
	nx_adapt_get_stats(a, &st);
	assert_int_equal(st.refused, 2);
	nx_adapt_free(a);
}

static void test_preload_and_bad_input(void **state)
{
	static const uint8_t vars[] = { NX_TRIG_VAR_ARG1, NX_TRIG_VAR_ARG1 + 2 };
	static const uint8_t bad[] = { NX_TRIG_VAR_PID };
	uint64_t v[2] = { 3, 0x541c };
	struct nx_err err = { 0 };
	struct fake f = { 0 };
	struct nx_adapt *a = nx_adapt_new(NULL, &ops, &f, &err);
	struct nx_adapt_stats st;

	(void)state;
	assert_non_null(a);
	assert_int_equal(nx_adapt_add_trigger(a, 1, 2, vars, 2, &err), 0);
	assert_int_equal(nx_adapt_add_trigger(a, 1, 3, bad, 1, &err), -EINVAL);
	assert_int_equal(nx_adapt_add_trigger(a, 1, 3, vars, 0, &err), -EINVAL);
	assert_int_equal(nx_adapt_add_trigger(a, 1u << 20, 3, vars, 1, &err), -EINVAL);
	assert_int_equal(nx_adapt_preload(a, 1, 9, v, 2, 5, &err), -EINVAL);
	assert_int_equal(nx_adapt_preload(a, 1, 2, v, 1, 5, &err), -EINVAL);
	assert_int_equal(nx_adapt_preload(a, 1, 2, v, 2, 5, &err), 0);
	assert_int_equal(f.nset, 1);
	assert_int_equal(f.nadd, 1);
	assert_non_null(strstr(f.last_note, "arg1=3 arg3=0x541c preloaded"));
	nx_adapt_get_stats(a, &st);
	assert_int_equal(st.preloaded, 1);
	nx_adapt_free(a);
	assert_null(nx_adapt_new(NULL, &(struct nx_adapt_ops){ 0 }, NULL, &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learns_common_keeps_rare),
		cmocka_unit_test(test_other_probes_and_kinds_ignored),
		cmocka_unit_test(test_transient_failure_is_retried),
		cmocka_unit_test(test_full_map_skips_the_change),
		cmocka_unit_test(test_preload_and_bad_input),
	};

	return cmocka_run_group_tests_name("adapt", tests, NULL, NULL);
}
