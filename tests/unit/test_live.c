/*
 * tests/unit/test_live.c: capture/live.c without BPF. The probes come from a
 * config hooking a function of this test binary (never attached, so the
 * kernel maps are absent: health updates are no-ops, common-value updates
 * are refused), the health sampler reads fake /proc files: a `cpu` trigger
 * gets one HEALTH event per interval and a gate event per flip of its flag;
 * an `auto` trigger whose kernel update is refused records no ADAPT event
 * (a recording never claims a filter the kernel does not have); a run with
 * neither does nothing.
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

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/trigger.h"
#include "bpf/uprobe.h"
#include "capture/config.h"
#include "capture/live.h"
#include "capture/loader.h"
#include "capture/probes.h"

__attribute__((noinline, used)) long nx_live_test_func(long a)
{
	return a * 2;
}

static char exe[PATH_MAX];

struct rec {
	struct nxr_event ev[64];
	char notes[64][128];
	unsigned n;
};

static int rec_cb(void *ctx, const struct nxr_event *ev)
{
	struct rec *r = ctx;

	assert_true(r->n < 64);
	r->ev[r->n] = *ev;
	if (ev->kind == NX_KIND_ADAPT)
		snprintf(r->notes[r->n], sizeof(r->notes[0]), "%.*s", (int)ev->adapt.note.len,
			 ev->adapt.note.ptr);
	r->n++;
	return 0;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static struct nx_probes *probes_for(const char *trigger, struct nx_config *cfg)
{
	struct nx_err err = { 0 };
	char text[PATH_MAX + 512];
	struct nx_probes *p;

	snprintf(text, sizeof(text), "TraceCondition:\n  Command: ls\n  Targets:\n"
		 "  - FilePath: %s\n    Functions:\n      - Func: nx_live_test_func\n"
		 "        Triggers: ['%s']\n", exe, trigger);
	assert_int_equal(nx_config_parse(cfg, "c.yaml", text, strlen(text), &err), 0);
	p = nx_probes_new(cfg, &err);
	if (!p)
		fail_msg("%s", err.msg);
	return p;
}

static void test_health_gate(void **state)
{
	char dir[] = "/tmp/nx-live-XXXXXX";
	struct nx_config cfg;
	struct nx_probes *p;
	struct nx_live *l;
	struct nx_live_stats st;
	struct nx_err err = { 0 };
	struct rec *r = calloc(1, sizeof(*r));
	uint64_t t = 1000000000ull;

	(void)state;
	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	put(dir, "stat", "cpu  100 0 100 800 0 0 0 0 0 0\n");
	put(dir, "diskstats", "   8       0 sda 10 0 80 5 20 0 160 9 0 100 14 0 0 0 0 0 0\n");
	p = probes_for("cpu", &cfg);
	l = nx_live_new(&(struct nx_live_opts){ .probes = p, .health_interval_ms = 10,
						 .health_cpu_pct = 50, .health_disk_pct = 90,
						 .proc_root = dir }, &err);
	assert_non_null(l);
	assert_true(nx_live_active(l));
	assert_int_equal(nx_live_start(l, rec_cb, r, t, &err), 0);
	assert_int_equal(r->n, 0);			/* the first sample only primes */
	assert_int_equal(nx_live_wait_ms(l, t), 10);
	assert_int_equal(nx_live_tick(l, t + 5000000, &err), 0);	/* not due */
	assert_int_equal(r->n, 0);
	put(dir, "stat", "cpu  1100 0 100 800 0 0 0 0 0 0\n");	/* 100 % busy */
	assert_int_equal(nx_live_tick(l, t + 10000000, &err), 0);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->ev[0].kind, NX_KIND_HEALTH);
	assert_int_equal(r->ev[0].health.cpu_busy, 10000);
	assert_int_equal(r->ev[0].health.flags, NX_HEALTH_CPU_HIGH);
	assert_int_equal(r->ev[1].kind, NX_KIND_ADAPT);
	assert_int_equal(r->ev[1].adapt.action, NX_ADAPT_GATE_ON);
	assert_int_equal(r->ev[1].adapt.value, NX_HEALTH_CPU_HIGH);
	assert_int_equal(r->ev[1].adapt.probe, 0);
	assert_int_equal(r->ev[1].ts_ns, r->ev[0].ts_ns);
	assert_string_equal(r->notes[1], "cpu busy 100.00% > 50%: cpu triggers hold");
	put(dir, "stat", "cpu  2100 0 100 800 0 0 0 0 0 0\n");	/* still busy: no flip */
	assert_int_equal(nx_live_tick(l, t + 20000000, &err), 0);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->ev[2].kind, NX_KIND_HEALTH);
	put(dir, "stat", "cpu  2150 0 100 1750 0 0 0 0 0 0\n");	/* 5 % busy */
	assert_int_equal(nx_live_tick(l, t + 30000000, &err), 0);
	assert_int_equal(r->n, 5);
	assert_int_equal(r->ev[3].health.cpu_busy, 500);
	assert_int_equal(r->ev[3].health.flags, 0);
	assert_int_equal(r->ev[4].adapt.action, NX_ADAPT_GATE_OFF);
	assert_string_equal(r->notes[4], "cpu busy 5.00% <= 50%: cpu triggers no longer hold");
	nx_live_get_stats(l, &st);
	assert_int_equal(st.samples, 3);
	assert_int_equal(st.gate_flips, 2);
	assert_int_equal(st.errors, 0);
	nx_live_free(l);
	nx_probes_free(p);
	nx_config_release(&cfg);
	put(dir, "stat", "");
	unlink(strcat(strcpy(r->notes[0], dir), "/stat"));
	unlink(strcat(strcpy(r->notes[0], dir), "/diskstats"));
	rmdir(dir);
	free(r);
}

static void test_refused_filter_is_not_recorded(void **state)
{
	struct nx_config cfg;
	struct nx_probes *p;
	struct nx_live *l;
	struct nx_live_stats st;
	struct nx_err err = { 0 };
	struct rec *r = calloc(1, sizeof(*r));
	struct nxr_event ev = { .kind = NX_KIND_CALL, .pid = 1, .tid = 1 };

	(void)state;
	assert_non_null(r);
	p = probes_for("auto arg1", &cfg);
	l = nx_live_new(&(struct nx_live_opts){ .probes = p }, &err);
	assert_non_null(l);
	assert_true(nx_live_active(l));
	assert_int_equal(nx_live_start(l, rec_cb, r, 1, &err), 0);
	ev.call.probe = 1;
	for (uint64_t i = 0; i < 20000; i++) {
		ev.ts_ns = 100 + i;
		ev.call.arg1 = i & 1;
		nx_live_observe(l, &ev);
	}
	/* no kernel map: refused for good, so skipped and counted, not retried
	 * forever at the head of the queue, and never recorded */
	assert_int_equal(nx_live_tick(l, 1000000000ull, &err), 0);
	assert_int_equal(nx_live_tick(l, 2000000000ull, &err), 0);
	assert_int_equal(r->n, 0);
	nx_live_get_stats(l, &st);
	assert_int_equal(st.calls, 20000);
	assert_int_equal(st.calls_before, 20000);
	assert_int_equal(st.first_ns, 100);
	assert_int_equal(st.last_ns, 20099);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.adapt_ns, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.refused_errno, EINVAL);
	nx_live_free(l);
	nx_probes_free(p);
	nx_config_release(&cfg);
	free(r);
}

/*
 * Root only (it loads the BPF object, attaches nothing but the probe of this
 * binary, which is never called by a relevant process): the Common: tuples
 * of a tuned config (set here as config.c's parser would) land in the
 * kernel's common-value map under (probe, trigger, tuple) before anything
 * runs, each with its ADAPT event.
 */
static void test_preload_reaches_the_kernel(void **state)
{
	static const uint64_t common[] = { 3, 0x541c, 4, 21505 };
	struct nx_config cfg;
	struct nx_probes *p;
	struct nx_live *l;
	struct nx_loader *ld;
	struct nx_err err = { 0 };
	struct nx_up_common_key k, next, *kp = NULL;
	struct nx_live_stats st;
	struct rec *r;
	struct nx_config_trigger *t;
	unsigned found = 0, total = 0;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	p = probes_for("arg1 == 7", &cfg);	/* trigger 0; the auto one is 1 */
	nx_probes_free(p);
	t = realloc(cfg.targets[0].funcs[0].triggers, 2 * sizeof(*t));
	assert_non_null(t);
	cfg.targets[0].funcs[0].triggers = t;
	memset(&t[1], 0, sizeof(t[1]));
	t[1].text = strdup("auto arg1 arg2");
	t[1].common = malloc(sizeof(common));
	assert_non_null(t[1].common);
	memcpy(t[1].common, common, sizeof(common));
	t[1].ncommon = 2;
	t[1].ncommon_vals = 2;
	cfg.targets[0].funcs[0].ntriggers = 2;
	p = nx_probes_new(&cfg, &err);
	free(t[1].common);	/* the probes keep their own copy */
	t[1].common = NULL;
	t[1].ncommon = 0;
	assert_non_null(p);
	assert_int_equal(nx_probes_ncommon(p), 2);
	ld = nx_loader_open(&(struct nx_loader_opts){ .no_syscalls = true, .nprobes = 1,
						       .ntrigs = 2,
						       .ncommon = nx_probes_ncommon(p) }, &err);
	if (!ld)
		fail_msg("%s", err.msg);
	assert_int_equal(nx_probes_attach(p, nx_loader_object(ld), &err), 0);
	l = nx_live_new(&(struct nx_live_opts){ .probes = p }, &err);
	assert_non_null(l);
	assert_int_equal(nx_live_start(l, rec_cb, r, 42, &err), 0);
	assert_int_equal(r->n, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(r->ev[i].kind, NX_KIND_ADAPT);
		assert_int_equal(r->ev[i].adapt.action, NX_ADAPT_COMMON_ADD);
		assert_int_equal(r->ev[i].adapt.probe, 1);
		assert_int_equal(r->ev[i].ts_ns, 42);
		assert_non_null(strstr(r->notes[i], "preloaded from the config"));
	}
	assert_string_equal(r->notes[0], "trigger 1: arg1=3 arg2=0x541c preloaded from the config");
	fd = bpf_map__fd(bpf_object__find_map_by_name(nx_loader_object(ld), "nx_up_common"));
	assert_true(fd >= 0);
	while (bpf_map_get_next_key(fd, kp, &next) == 0) {
		k = next;
		kp = &k;
		total++;
		for (unsigned i = 0; i < 2; i++)
			if (k.probe == 1 && k.trigger == 1 && k.vals[0] == common[2 * i] &&
			    k.vals[1] == common[2 * i + 1] && !k.vals[2] && !k.vals[5])
				found++;
	}
	assert_int_equal(total, 2);
	assert_int_equal(found, 2);
	nx_live_get_stats(l, &st);
	assert_int_equal(st.preloaded, 2);
	assert_int_equal(st.added, 0);
	/* sized for the preloaded tuples plus NX_UP_COMMON_MAX learned ones */
	assert_int_equal(bpf_map__max_entries(bpf_object__find_map_by_name(nx_loader_object(ld),
									   "nx_up_common")),
			 NX_UP_COMMON_MAX + 2);
	/* fill it up: what is learned next is refused with E2BIG, skipped and
	 * counted, and ticks go on without error or ADAPT event */
	for (uint64_t i = 0; i < NX_UP_COMMON_MAX; i++)
		assert_int_equal(nx_probes_set_common(p, 1, 1, (uint64_t[]){ 1000 + i, 0 }, 2,
						      true, &err), 0);
	assert_int_equal(nx_probes_set_common(p, 1, 1, (uint64_t[]){ 1, 1 }, 2, true, &err),
			 -E2BIG);
	for (uint64_t i = 0; i < 20000; i++) {
		struct nxr_event ev = { .kind = NX_KIND_CALL, .pid = 1, .tid = 1, .ts_ns = 100 + i,
					.call = { .probe = 1, .arg1 = i & 1, .arg2 = 5 } };

		nx_live_observe(l, &ev);
	}
	assert_int_equal(nx_live_tick(l, 1000000000ull, &err), 0);
	assert_int_equal(nx_live_tick(l, 2000000000ull, &err), 0);
	assert_int_equal(r->n, 2);		/* the two preloads only */
	nx_live_get_stats(l, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.refused_errno, E2BIG);
	assert_int_equal(st.errors, 0);
	nx_live_free(l);
	nx_probes_free(p);
	nx_loader_close(ld);
	nx_config_release(&cfg);
	free(r);
}

static void test_nothing_to_do(void **state)
{
	struct nx_config cfg;
	struct nx_probes *p;
	struct nx_live *l;
	struct nx_err err = { 0 };

	(void)state;
	p = probes_for("arg1 == 1", &cfg);
	l = nx_live_new(&(struct nx_live_opts){ .probes = p }, &err);
	assert_non_null(l);
	assert_false(nx_live_active(l));
	assert_int_equal(nx_live_start(l, rec_cb, NULL, 1, &err), 0);
	assert_int_equal(nx_live_tick(l, 5000000000ull, &err), 0);
	assert_int_equal(nx_live_wait_ms(l, 0), 100);
	nx_live_free(l);
	nx_live_free(NULL);
	assert_false(nx_live_active(NULL));
	nx_probes_free(p);
	nx_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_gate),
		cmocka_unit_test(test_refused_filter_is_not_recorded),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_preload_reaches_the_kernel),
	};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return 1;
	exe[n] = '\0';
	nx_live_test_func(n);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
