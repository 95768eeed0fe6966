/*
 * tests/unit/test_replay.c: the replay engine on recordings whose calls are
 * known exactly (tests/unit/replayfx.h): hits, selectivity, first and last
 * hit, the exact rare values planted in the stream, health gating, the
 * filtered and lost counts of a triggered recording, and -t parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/replay.h"
#include "format/reader.h"
#include "tests/unit/replayfx.h"

#define N 1000
#define MS 1000000ull

struct fx {
	uint8_t *buf;
	size_t len;
	struct nxr_reader *r;
	struct nx_replay *rp;
};

/* Opens scenario (N calls) and a replay over it with opts. */
static void fx_open(struct fx *fx, const char *scenario, uint64_t n,
		    const struct nx_replay_opts *opts)
{
	struct nx_err err = { 0 };

	memset(fx, 0, sizeof(*fx));
	fx->buf = replayfx_build(scenario, n, 0, &fx->len, &err);
	if (!fx->buf)
		fail_msg("%s", err.msg);
	fx->r = nxr_reader_open_mem(fx->buf, fx->len, NULL, &err);
	if (!fx->r)
		fail_msg("%s", err.msg);
	fx->rp = nx_replay_new(nxr_reader_meta(fx->r), opts, &err);
	if (!fx->rp)
		fail_msg("%s", err.msg);
}

static void fx_close(struct fx *fx)
{
	nx_replay_free(fx->rp);
	nxr_reader_close(fx->r);
	free(fx->buf);
}

static int add(struct fx *fx, uint32_t probe, const char *text, int bit)
{
	struct nx_err err = { 0 };
	int rc = nx_replay_add_trigger(fx->rp, probe, text, 0, bit, NULL, &err);

	if (rc < 0)
		fail_msg("%s: %s", text, err.msg);
	return rc;
}

static void run(struct fx *fx)
{
	struct nx_err err = { 0 };

	if (nx_replay_run(fx->rp, fx->r, &err) < 0)
		fail_msg("%s", err.msg);
}

static const struct nx_replay_trigger *trig(struct fx *fx, int i)
{
	uint32_t n;
	const struct nx_replay_trigger *t = nx_replay_triggers(fx->rp, &n);

	assert_true(i >= 0 && (uint32_t)i < n);
	return &t[i];
}

/* A place is the event with that id: its time follows from the fixture's 1 ms steps. */
static void assert_at(const struct nx_replay_at *at, uint64_t event, uint32_t pid)
{
	assert_int_equal(at->event, event);
	assert_int_equal(at->ts_ns, REPLAYFX_T0 + event * MS);
	assert_int_equal(at->pid, pid);
	assert_int_equal(at->tid, pid);
}

static void test_hits_selectivity_first_and_last(void **state)
{
	struct nx_replay_totals tot;
	const struct nx_replay_probe *p;
	struct fx fx;
	int a, b, c;

	(void)state;
	fx_open(&fx, "calls", N, NULL);
	a = add(&fx, 1, "arg2 == 0x541c", 0);
	b = add(&fx, 2, "ret < 0", -1);
	c = add(&fx, 1, "arg1 == 3 && arg2 == 0x5401", -1);
	run(&fx);
	assert_int_equal(trig(&fx, a)->calls, N);
	assert_int_equal(trig(&fx, a)->hits, 2);
	assert_int_equal(trig(&fx, a)->recorded, 2);	/* agrees with the recorder's bit 0 */
	assert_at(&trig(&fx, a)->first, replayfx_call_event(N, 100), 500);
	assert_at(&trig(&fx, a)->last, replayfx_call_event(N, N / 2), 500);
	assert_int_equal(trig(&fx, b)->hits, 2);
	assert_at(&trig(&fx, b)->first, replayfx_call_event(N, 200) + 1, 500);
	assert_at(&trig(&fx, b)->last, replayfx_call_event(N, 300) + 1, 500);
	assert_int_equal(trig(&fx, b)->recorded, 0);
	/* i % 4 < 2, less the planted i = 100 and n/2 (both i % 4 == 0) */
	assert_int_equal(trig(&fx, c)->hits, N / 2 - 2);
	assert_at(&trig(&fx, c)->first, replayfx_call_event(N, 0), 500);
	assert_at(&trig(&fx, c)->last, replayfx_call_event(N, N - 3), 501);
	nx_replay_get_totals(fx.rp, &tot);
	assert_int_equal(tot.calls, 2 * N + 5);
	assert_int_equal(tot.health, 3);
	assert_int_equal(tot.unknown_probe, 0);
	assert_int_equal(tot.filtered, 0);
	assert_int_equal(nx_replay_lost_total(&tot), 0);
	p = nx_replay_probe(fx.rp, 3);
	assert_non_null(p);
	assert_int_equal(p->calls, 5);
	assert_int_equal(p->ntriggers, 0);
	assert_string_equal(p->func, "fx_idle");
	fx_close(&fx);
}

static void check_planted(struct fx *fx, int a, uint64_t n)
{
	const struct nx_replay_trigger *t = trig(fx, a);
	char buf[64];

	assert_int_equal(t->calls, n);
	assert_int_equal(t->distinct, 6);
	assert_int_equal(t->threshold, n / 1000 > 8 ? n / 1000 : 8);
	assert_int_equal(t->nrare, 3);
	assert_int_equal(t->hits, 4);
	assert_int_equal(t->nlisted, 3);
	/* by count, then first occurrence */
	nx_replay_value_format(&t->rare[0], buf, sizeof(buf));
	assert_string_equal(buf, "(3, 0x541c)");
	assert_int_equal(t->rare[0].count, 1);
	assert_at(&t->rare[0].first, replayfx_call_event(n, 100), 500);
	nx_replay_value_format(&t->rare[1], buf, sizeof(buf));
	assert_string_equal(buf, "(7, 0x541c)");
	assert_at(&t->rare[1].first, replayfx_call_event(n, n / 2), 500);
	nx_replay_value_format(&t->rare[2], buf, sizeof(buf));
	assert_string_equal(buf, "(9, 9)");
	assert_int_equal(t->rare[2].count, 2);
	assert_at(&t->rare[2].first, replayfx_call_event(n, n - 10), 501);
	assert_at(&t->rare[2].last, replayfx_call_event(n, n - 5), 501);
	assert_at(&t->first, replayfx_call_event(n, 100), 500);
	assert_at(&t->last, replayfx_call_event(n, n - 5), 501);
	/* the common tuples by count, with their exact counts */
	assert_int_equal(t->ncommon, 3);
	assert_int_equal(t->common[0].vals[0], 3);
	assert_int_equal(t->common[0].vals[1], 0x5401);
	assert_int_equal(t->common[0].count, n / 2 - 2);
	assert_int_equal(t->common[1].vals[0], 4);
	assert_int_equal(t->common[1].count, n / 4 - 1);
	assert_int_equal(t->common[2].vals[0], 5);
	assert_int_equal(t->common[2].count, n / 4 - 1);
}

static void test_auto_finds_exactly_the_planted_rare_values(void **state)
{
	const struct nx_replay_trigger *t;
	struct fx fx;
	char buf[64];
	int a, b;

	(void)state;
	fx_open(&fx, "calls", N, NULL);
	a = add(&fx, 1, "auto arg1 arg2", 1);
	b = add(&fx, 2, "auto ret", -1);
	run(&fx);
	check_planted(&fx, a, N);
	t = trig(&fx, b);
	assert_int_equal(t->nrare, 2);
	assert_int_equal(t->hits, 2);
	assert_int_equal(t->ncommon, 1);
	assert_int_equal(t->common[0].vals[0], 0);
	assert_int_equal(t->common[0].count, N - 2);
	nx_replay_value_format(&t->rare[0], buf, sizeof(buf));
	assert_string_equal(buf, "(-5)");
	assert_at(&t->rare[0].first, replayfx_call_event(N, 200) + 1, 500);
	nx_replay_value_format(&t->rare[1], buf, sizeof(buf));
	assert_string_equal(buf, "(-11)");
	fx_close(&fx);

	/* a longer stream: the threshold grows with it (0.1 % of 20000 = 20) */
	fx_open(&fx, "calls", 20000, NULL);
	a = add(&fx, 1, "auto arg1 arg2", 1);
	run(&fx);
	check_planted(&fx, a, 20000);
	fx_close(&fx);
}

static void test_rare_options_and_listing_bound(void **state)
{
	struct nx_replay_opts o = { .rare = { .min_count = 300 }, .max_listed = 2 };
	const struct nx_replay_trigger *t;
	struct fx fx;

	(void)state;
	fx_open(&fx, "calls", N, &o);
	add(&fx, 1, "auto arg1 arg2", 1);
	run(&fx);
	t = trig(&fx, 0);
	/* 249 calls of (4, 0x5402) and (5, 0x5403) are under 300 now */
	assert_int_equal(t->threshold, 300);
	assert_int_equal(t->ncommon, 1);
	assert_int_equal(t->nrare, 5);
	assert_int_equal(t->hits, 4 + 2 * (N / 4 - 1));
	assert_int_equal(t->nlisted, 2);
	assert_int_equal(t->rare[0].count, 1);
	assert_int_equal(t->rare[1].count, 1);
	assert_int_equal(t->rare[1].first.ts_ns, REPLAYFX_T0 + t->rare[1].first.event * MS);
	fx_close(&fx);
}

static void test_exact_counter_limit_is_an_error(void **state)
{
	struct nx_replay_opts o = { .rare = { .exact_max = 2 } };
	struct nx_err err = { 0 };
	struct fx fx;

	(void)state;
	fx_open(&fx, "calls", N, &o);
	add(&fx, 1, "auto arg1 arg2", 1);
	assert_int_equal(nx_replay_run(fx.rp, fx.r, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "auto arg1 arg2"));
	assert_non_null(strstr(err.msg, "distinct values"));
	fx_close(&fx);
}

static void test_health_triggers_use_the_latest_sample(void **state)
{
	struct nx_replay_opts o = { .health_thresholds = true, .cpu_pct = 50, .disk_pct = 90 };
	uint64_t hi = 3 * N / 4;
	struct fx fx;
	int a, b, c, d, e;

	(void)state;
	fx_open(&fx, "calls", N, &o);
	a = add(&fx, 1, "cpu", 2);
	b = add(&fx, 1, "cpu > 90", -1);
	c = add(&fx, 1, "cpu > 95", -1);	/* 95.00 % is not above 95 */
	d = add(&fx, 1, "disk", -1);
	e = add(&fx, 2, "cpu > 94", -1);	/* a uretprobe sees it too */
	run(&fx);
	assert_int_equal(trig(&fx, a)->hits, 10);
	assert_int_equal(trig(&fx, a)->recorded, 10);
	assert_at(&trig(&fx, a)->first, replayfx_call_event(N, hi), 500);
	assert_at(&trig(&fx, a)->last, replayfx_call_event(N, hi + 9), 500);
	assert_int_equal(trig(&fx, b)->hits, 10);
	assert_int_equal(trig(&fx, c)->hits, 0);
	assert_int_equal(trig(&fx, d)->hits, 0);
	assert_int_equal(trig(&fx, e)->hits, 10);
	assert_at(&trig(&fx, e)->last, replayfx_call_event(N, hi + 9) + 1, 500);
	fx_close(&fx);

	/* the config's threshold decides `cpu`, not the recorder's flag */
	o.cpu_pct = 96;
	fx_open(&fx, "calls", N, &o);
	a = add(&fx, 1, "cpu", 2);
	run(&fx);
	assert_int_equal(trig(&fx, a)->hits, 0);
	fx_close(&fx);

	/* without thresholds, the recorded flags */
	fx_open(&fx, "calls", N, NULL);
	a = add(&fx, 1, "cpu", 2);
	run(&fx);
	assert_int_equal(trig(&fx, a)->hits, 10);
	fx_close(&fx);
}

static void test_uid_and_comm_follow_exec_and_fork(void **state)
{
	struct fx fx;
	int a, b, c, d;

	(void)state;
	fx_open(&fx, "calls", N, NULL);
	a = add(&fx, 1, "comm == \"worker\"", -1);
	b = add(&fx, 1, "uid == 0", -1);
	c = add(&fx, 1, "uid == 1000 && comm == \"fx\"", -1);
	d = add(&fx, 3, "pid == 500 && tid == 500 && arg1 >= 3", -1);
	run(&fx);
	assert_int_equal(trig(&fx, a)->hits, 20);
	assert_at(&trig(&fx, a)->first, replayfx_call_event(N, N - 20), 501);
	assert_int_equal(trig(&fx, b)->hits, 20);
	assert_int_equal(trig(&fx, c)->hits, N - 20);
	assert_int_equal(trig(&fx, d)->hits, 2);
	assert_at(&trig(&fx, d)->first, 2 + 3, 500);
	fx_close(&fx);
}

static void test_triggered_recording_counts_filtered_and_lost(void **state)
{
	struct nx_replay_totals tot;
	struct fx fx;

	(void)state;
	fx_open(&fx, "calls-triggered", N, NULL);
	run(&fx);
	nx_replay_get_totals(fx.rp, &tot);
	assert_int_equal(tot.filtered, 12345 + 678);	/* the syscalls' 99 apart */
	assert_int_equal(tot.filtered_syscalls, 99);
	assert_int_equal(nx_replay_probe(fx.rp, 1)->filtered, 12345);
	assert_int_equal(nx_replay_probe(fx.rp, 2)->filtered, 678);
	assert_int_equal(nx_replay_probe(fx.rp, 3)->filtered, 0);
	assert_int_equal(nx_replay_lost_total(&tot), 7);
	assert_int_equal(tot.lost[NX_LOSS_RINGBUF], 7);
	assert_int_equal(nx_replay_probe(fx.rp, 1)->lost, 7);
	assert_int_equal(tot.calls, 2 * N + 5);
	fx_close(&fx);

	/* a Syscalls filter's FILTER event drops no call of a probe */
	fx_open(&fx, "calls-sysfilter", N, NULL);
	run(&fx);
	nx_replay_get_totals(fx.rp, &tot);
	assert_int_equal(tot.filtered, 0);
	assert_int_equal(tot.filtered_syscalls, 12);
	for (uint32_t id = 1; id <= 3; id++)
		assert_int_equal(nx_replay_probe(fx.rp, id)->filtered, 0);
	fx_close(&fx);
}

static void test_candidates_name_their_probes(void **state)
{
	static const struct {
		const char *arg;
		int rc;			/* probes it lands on, or -EINVAL */
		uint32_t col;		/* error column in arg */
		const char *msg;	/* error text */
	} cases[] = {
		{ "arg1 == 9", 2, 0, NULL },		/* uprobes 1 and 3 */
		{ "ret < 0", 1, 0, NULL },		/* the uretprobe */
		{ "cpu", 3, 0, NULL },
		{ "fx_idle:arg1 >= 3", 1, 0, NULL },
		{ "fx_work:auto arg1", 1, 0, NULL },	/* the uprobe of fx_work only */
		{ "2:ret == -11", 1, 0, NULL },
		{ "comm == \"a:b\"", 3, 0, NULL },	/* a ':' inside the expression */
		{ "nosuch:arg1 == 1", -EINVAL, 0, "no probe of function 'nosuch' in the recording" },
		{ "9:arg1 == 1", -EINVAL, 0, "no probe with id 9 in the recording" },
		{ "fx_work:arg7 == 1", -EINVAL, 9, "column 9: no such argument 'arg7' (arg1..arg6)" },
		{ "fx_idle:ret < 0", -EINVAL, 9, "column 9: 'ret' is only available on a uretprobe" },
		{ "arg1 ==", -EINVAL, 8, "column 8: " },
		{ "3:auto", -EINVAL, 7, "column 7: 'auto' needs the values to watch" },
		{ "4294967297:arg1 == 1000", -EINVAL, 0, "probe id 4294967297 is above 4294967295" },
		{ "99999999999999999999:arg1 == 1", -EINVAL, 0, "probe id 99999999999999999999 is above" },
		{ "-1:arg1 == 1", -EINVAL, 0, "probe id -1 is negative" },
	};
	struct fx fx;

	(void)state;
	fx_open(&fx, "calls", N, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nx_err err = { 0 };
		uint32_t col = 99;
		int rc = nx_replay_add_candidate(fx.rp, cases[i].arg, i, &col, &err);

		if (rc != cases[i].rc)
			fail_msg("%s: %d (%s), want %d", cases[i].arg, rc, err.msg, cases[i].rc);
		if (rc < 0) {
			assert_int_equal(col, cases[i].col);
			if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
				fail_msg("%s: '%s', want '%s'", cases[i].arg, err.msg, cases[i].msg);
		}
	}
	run(&fx);
	{
		uint32_t n;
		const struct nx_replay_trigger *t = nx_replay_triggers(fx.rp, &n);

		assert_int_equal(n, 2 + 1 + 3 + 1 + 1 + 1 + 3);
		/* fx_idle:arg1 >= 3 is the 7th (tag 3) */
		assert_int_equal(t[6].tag, 3);
		assert_int_equal(t[6].probe, 3);
		assert_int_equal(t[6].hits, 2);
		assert_int_equal(t[8].tag, 5);	/* 2:ret == -11 */
		assert_int_equal(t[8].hits, 1);
	}
	fx_close(&fx);

	fx_open(&fx, "noprobes", 0, NULL);
	{
		struct nx_err err = { 0 };

		assert_int_equal(nx_replay_add_candidate(fx.rp, "arg1 == 1", 0, NULL, &err),
				 -EINVAL);
		assert_non_null(strstr(err.msg, "no probes"));
	}
	fx_close(&fx);
}

static void test_calls_of_unknown_probes_and_wrong_kinds_are_counted(void **state)
{
	struct nx_replay_totals tot;
	struct nxr_event ev = { .kind = NX_KIND_CALL, .pid = 1, .tid = 1, .ts_ns = 5 };
	struct nx_err err = { 0 };
	struct fx fx;

	(void)state;
	fx_open(&fx, "calls", N, NULL);
	add(&fx, 1, "arg1 == 0", -1);
	ev.call.probe = 9;
	assert_int_equal(nx_replay_feed(fx.rp, &ev, &err), 0);
	ev.call.probe = 2;		/* a CALL of the uretprobe */
	assert_int_equal(nx_replay_feed(fx.rp, &ev, &err), 0);
	ev = (struct nxr_event){ .kind = NX_KIND_RETURN, .ts_ns = 6 };
	ev.uret.probe = 1;		/* a RETURN of the uprobe */
	assert_int_equal(nx_replay_feed(fx.rp, &ev, &err), 0);
	ev = (struct nxr_event){ .kind = NX_KIND_CALL, .ts_ns = 7 };
	ev.call.probe = 1;
	assert_int_equal(nx_replay_feed(fx.rp, &ev, &err), 0);
	assert_int_equal(nx_replay_finish(fx.rp, &err), 0);
	assert_int_equal(nx_replay_wanted_max(fx.rp), -1);
	nx_replay_get_totals(fx.rp, &tot);
	assert_int_equal(tot.events, 4);
	assert_int_equal(tot.unknown_probe, 1);
	assert_int_equal(tot.wrong_hook, 2);
	assert_int_equal(tot.calls, 1);
	assert_int_equal(trig(&fx, 0)->hits, 1);
	assert_int_equal(trig(&fx, 0)->first.event, 3);
	fx_close(&fx);
}

static void test_bad_options_and_probes(void **state)
{
	struct nx_replay_opts o = { .rare = { .rare_fraction = 2.0 } };
	struct nx_err err = { 0 };
	struct fx fx;

	(void)state;
	fx_open(&fx, "calls", N, NULL);
	assert_null(nx_replay_new(nxr_reader_meta(fx.r), &o, &err));
	assert_int_equal(err.code, -EINVAL);
	o = (struct nx_replay_opts){ .health_thresholds = true, .cpu_pct = 101 };
	assert_null(nx_replay_new(nxr_reader_meta(fx.r), &o, &err));
	assert_int_equal(nx_replay_add_trigger(fx.rp, 4, "cpu", 0, -1, NULL, &err), -ENOENT);
	assert_int_equal(nx_replay_add_trigger(fx.rp, 1, "arg1 ==", 0, -1, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "column 8"));
	fx_close(&fx);
}

static void test_value_and_place_formats(void **state)
{
	struct nx_replay_value v = { .vals = { 3, 0x541c, UINT64_MAX, (uint64_t)-4096, 4095 },
				     .n = 5 };
	struct nx_replay_at at = { .event = 42, .ts_ns = 3500000000ull + 1234567, .pid = 7,
				   .tid = 8 };
	char buf[128];
	int len;

	(void)state;
	len = nx_replay_value_format(&v, buf, sizeof(buf));

	assert_string_equal(buf, "(3, 0x541c, -1, 0xfffffffffffff000, 4095)");
	assert_int_equal(len, (int)strlen(buf));
	assert_int_equal(nx_replay_value_format(&v, buf, 5), (int)strlen("(3, 0x541c, -1, "
									 "0xfffffffffffff000, 4095)"));
	assert_string_equal(buf, "(3, ");
	nx_replay_at_format(&at, 1000000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "2.501234 s pid 7/8 event #42");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits_selectivity_first_and_last),
		cmocka_unit_test(test_auto_finds_exactly_the_planted_rare_values),
		cmocka_unit_test(test_rare_options_and_listing_bound),
		cmocka_unit_test(test_exact_counter_limit_is_an_error),
		cmocka_unit_test(test_health_triggers_use_the_latest_sample),
		cmocka_unit_test(test_uid_and_comm_follow_exec_and_fork),
		cmocka_unit_test(test_triggered_recording_counts_filtered_and_lost),
		cmocka_unit_test(test_candidates_name_their_probes),
		cmocka_unit_test(test_calls_of_unknown_probes_and_wrong_kinds_are_counted),
		cmocka_unit_test(test_bad_options_and_probes),
		cmocka_unit_test(test_value_and_place_formats),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
