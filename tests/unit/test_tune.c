/*
 * tests/unit/test_tune.c: a config's functions matched to a recording's
 * probes, its bad triggers refused with their place, and the tuned config:
 * auto triggers with the tuples the replay found common, which survive a
 * write and a load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/replay.h"
#include "analyze/trigger.h"
#include "bpf/uprobe.h"
#include "capture/cfgwrite.h"
#include "capture/config.h"
#include "capture/tune.h"
#include "format/reader.h"
#include "tests/unit/replayfx.h"

#define N 1000

struct fx {
	uint8_t *buf;
	size_t len;
	struct nxr_reader *r;
	struct nx_replay *rp;
	struct nx_config cfg;
	unsigned unmatched;
	char last_unmatched[128];
};

static void on_unmatched(void *ctx, const struct nx_config_target *t, const struct nx_config_func *f)
{
	struct fx *fx = ctx;

	fx->unmatched++;
	snprintf(fx->last_unmatched, sizeof(fx->last_unmatched), "%s:%s:%u", t->path, f->func,
		 f->hook);
}

/* The "calls" recording, cfg parsed from yaml (NULL: the recorded config). */
static int fx_open(struct fx *fx, const char *yaml, struct nx_err *err)
{
	const struct nx_config_opts co = { .command_optional = true };
	const struct nxr_meta *m;

	memset(fx, 0, sizeof(*fx));
	nx_config_init(&fx->cfg);
	fx->buf = replayfx_build("calls", N, 0, &fx->len, err);
	assert_non_null(fx->buf);
	fx->r = nxr_reader_open_mem(fx->buf, fx->len, NULL, err);
	assert_non_null(fx->r);
	m = nxr_reader_meta(fx->r);
	if (!yaml)
		yaml = m->config_text;
	if (nx_config_parse_opts(&fx->cfg, "c.yaml", yaml, strlen(yaml), &co, err) < 0)
		fail_msg("%s", err->msg);
	fx->rp = nx_replay_new(m, NULL, err);
	assert_non_null(fx->rp);
	return nx_tune_attach(fx->rp, &fx->cfg, m, on_unmatched, fx, err);
}

static void fx_close(struct fx *fx)
{
	nx_replay_free(fx->rp);
	nxr_reader_close(fx->r);
	nx_config_release(&fx->cfg);
	free(fx->buf);
}

static void test_functions_map_to_probes_by_path_func_and_hook(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Targets:\n"
		"  - FilePath: /opt/fx/libfx.so\n"
		"    Functions:\n"
		"      - {Func: fx_work, HookType: uretprobe, Triggers: [ret == -5]}\n"
		"      - {Func: fx_work, Triggers: [arg1 == 7]}\n"
		"      - {Func: fx_work, Triggers: [arg1 == 9]}\n"	/* a second fx_work: no probe */
		"      - {Func: fx_idle, Triggers: [arg1 == 1, auto arg1]}\n"
		"  - FilePath: /other/libfx.so\n"
		"    Functions:\n"
		"      - {Func: fx_idle, Triggers: [arg1 == 2]}\n";
	const struct nx_replay_trigger *t;
	struct nx_err err = { 0 };
	struct fx fx;
	uint32_t n;

	(void)state;
	if (fx_open(&fx, yaml, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(fx.unmatched, 2);
	assert_string_equal(fx.last_unmatched, "/other/libfx.so:fx_idle:0");
	if (nx_replay_run(fx.rp, fx.r, &err) < 0)
		fail_msg("%s", err.msg);
	t = nx_replay_triggers(fx.rp, &n);
	assert_int_equal(n, 4);
	assert_int_equal(t[0].probe, 2);
	assert_int_equal(t[0].tag, NX_TUNE_TAG(0, 0, 0));
	assert_int_equal(t[0].hits, 1);
	assert_int_equal(t[0].mask_bit, 0);	/* RETURNs carry their mask (the meta says so) */
	assert_int_equal(t[0].recorded, 2);	/* the fixture's "ret < 0" bit: -5 and -11 */
	assert_int_equal(t[1].probe, 1);
	assert_int_equal(t[1].tag, NX_TUNE_TAG(0, 1, 0));
	assert_int_equal(t[1].hits, 1);
	assert_int_equal(t[1].mask_bit, 0);
	assert_int_equal(t[2].probe, 3);
	assert_int_equal(t[2].tag, NX_TUNE_TAG(0, 3, 0));
	assert_int_equal(t[2].hits, 1);
	assert_int_equal(t[3].tag, NX_TUNE_TAG(0, 3, 1));
	assert_int_equal(t[3].mask_bit, 1);
	fx_close(&fx);
}

/* A recording made before RETURNs carried their mask (no NX_META_RETURN_TRIGGERS):
 * the uretprobe's trigger has no mask bit, so no "recorded" count of zeros. */
static void test_returns_of_older_recordings_have_no_mask(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Targets:\n"
		"  - FilePath: /opt/fx/libfx.so\n"
		"    Functions:\n"
		"      - {Func: fx_work, HookType: uretprobe, Triggers: [ret < 0]}\n"
		"      - {Func: fx_work, Triggers: [arg1 == 7]}\n";
	const struct nx_replay_trigger *t;
	struct nx_err err = { 0 };
	struct nx_replay *rp;
	struct nxr_meta old;
	struct fx fx;
	uint32_t n;

	(void)state;
	if (fx_open(&fx, yaml, &err) < 0)
		fail_msg("%s", err.msg);
	old = *nxr_reader_meta(fx.r);
	old.nkv = 0;
	rp = nx_replay_new(&old, NULL, &err);
	assert_non_null(rp);
	assert_int_equal(nx_tune_attach(rp, &fx.cfg, &old, NULL, NULL, &err), 0);
	t = nx_replay_triggers(rp, &n);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].probe, 2);
	assert_int_equal(t[0].mask_bit, -1);
	assert_int_equal(t[1].mask_bit, 0);	/* a CALL's mask is always there */
	nx_replay_free(rp);
	fx_close(&fx);
}

static void test_a_trigger_that_does_not_fit_its_probe_is_refused(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Targets:\n"
		"  - FilePath: /opt/fx/libfx.so\n"
		"    Functions:\n"
		"      - Func: fx_work\n"
		"        Triggers:\n"
		"          - ret < 0\n";
	struct nx_err err = { 0 };
	struct fx fx;

	(void)state;
	assert_int_equal(fx_open(&fx, yaml, &err), -EINVAL);
	assert_string_equal(err.msg, "c.yaml:7:13: trigger 'ret < 0': column 1: 'ret' is only "
				     "available on a uretprobe");
	fx_close(&fx);
}

static void test_tuned_config_preloads_the_common_tuples(void **state)
{
	static const uint64_t want[] = { 3, 0x5401, 4, 0x5402, 5, 0x5403 };
	struct nx_config back;
	struct nx_config_func *f;
	struct nx_err err = { 0 };
	struct fx fx;
	char *text = NULL;
	size_t len = 0;
	FILE *mf;

	(void)state;
	if (fx_open(&fx, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(fx.unmatched, 0);
	if (nx_replay_run(fx.rp, fx.r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(nx_tune_apply(&fx.cfg, fx.rp, "run.nxr", &err), 0);
	f = &fx.cfg.targets[0].funcs[0];
	assert_int_equal(f->triggers[1].ncommon, 3);
	assert_int_equal(f->triggers[1].ncommon_vals, 2);
	assert_memory_equal(f->triggers[1].common, want, sizeof(want));
	assert_int_equal(f->triggers[0].ncommon, 0);	/* manual: comment only */
	assert_non_null(strstr(f->triggers[0].comment, "held on 2 (0.2 %)"));
	assert_non_null(strstr(f->triggers[1].comment, "rare (9, 9) x2 first at"));
	assert_non_null(strstr(f->triggers[1].comment, "common (>= 8 calls): 3"));
	assert_int_equal(fx.cfg.targets[0].funcs[1].triggers[1].ncommon, 1);
	assert_int_equal(fx.cfg.targets[0].funcs[1].triggers[1].common[0], 0);

	/* written and loaded again: the same tuples */
	mf = open_memstream(&text, &len);
	assert_non_null(mf);
	assert_int_equal(nx_config_write(mf, &fx.cfg, "tuned", &err), 0);
	assert_int_equal(fclose(mf), 0);
	if (nx_config_parse(&back, "tuned.yaml", text, len, &err) < 0)
		fail_msg("%s\n%s", err.msg, text);
	assert_int_equal(back.targets[0].funcs[0].triggers[1].ncommon, 3);
	assert_memory_equal(back.targets[0].funcs[0].triggers[1].common, want, sizeof(want));
	assert_string_equal(back.targets[0].funcs[0].triggers[1].text, "auto arg1 arg2");
	assert_int_equal(back.mode, NX_MODE_FULL);
	assert_int_equal(back.health.cpu_pct, 50);
	nx_config_release(&back);
	free(text);
	fx_close(&fx);
}

/* A config's own Common tuples survive a replay that did not see them (a
 * triggered recording: the kernel dropped their calls), after the learned. */
static void test_the_config_common_tuples_are_kept(void **state)
{
	static const uint64_t old[] = { 7, 7, 4, 0x5402 };
	static const uint64_t want[] = { 3, 0x5401, 4, 0x5402, 5, 0x5403, 7, 7 };
	struct nx_config_trigger *tr;
	struct nx_err err = { 0 };
	struct fx fx;

	(void)state;
	if (fx_open(&fx, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	tr = &fx.cfg.targets[0].funcs[0].triggers[1];	/* auto arg1 arg2 */
	tr->common = malloc(sizeof(old));
	assert_non_null(tr->common);
	memcpy(tr->common, old, sizeof(old));
	tr->ncommon = 2;
	tr->ncommon_vals = 2;
	if (nx_replay_run(fx.rp, fx.r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(nx_tune_apply(&fx.cfg, fx.rp, "run.nxr", &err), 0);
	assert_int_equal(tr->ncommon, 4);	/* (4, 0x5402) learned too: once */
	assert_memory_equal(tr->common, want, sizeof(want));
	assert_non_null(strstr(tr->comment, "1 Common tuples of the replayed config kept below"));
	fx_close(&fx);
}

/* More common tuples than a config holds: the most frequent are kept. */
static void test_common_tuples_are_bounded(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Command: ./fx\n"
		"  Targets:\n"
		"  - FilePath: /opt/fx/libfx.so\n"
		"    Functions:\n"
		"      - {Func: fx_idle, Triggers: [auto arg1]}\n";
	static const struct nxr_probe probe = { 3, NXR_HOOK_UPROBE, "/opt/fx/libfx.so", "fx_idle",
						"" };
	const struct nxr_meta meta = { .probes = &probe, .nprobes = 1 };
	const struct nx_replay_opts ro = { .rare = { .min_count = 1, .rare_fraction = 1e-6 } };
	const uint32_t distinct = NX_CONFIG_MAX_COMMON + 100;
	struct nx_config cfg;
	struct nx_err err = { 0 };
	struct nx_replay *rp;

	(void)state;
	assert_int_equal(nx_config_parse(&cfg, "c.yaml", yaml, sizeof(yaml) - 1, &err), 0);
	rp = nx_replay_new(&meta, &ro, &err);
	assert_non_null(rp);
	assert_int_equal(nx_tune_attach(rp, &cfg, &meta, NULL, NULL, &err), 0);
	for (uint32_t i = 0; i < distinct; i++) {
		/* tuple i occurs twice when i < 10, so those come first */
		for (int k = 0; k < (i < 10 ? 2 : 1); k++) {
			struct nxr_event ev = { .kind = NX_KIND_CALL, .pid = 1, .tid = 1 };

			ev.call.probe = 3;
			ev.call.arg1 = i;
			assert_int_equal(nx_replay_feed(rp, &ev, &err), 0);
		}
	}
	assert_int_equal(nx_replay_finish(rp, &err), 0);
	assert_int_equal(nx_tune_apply(&cfg, rp, "x.nxr", &err), 100);	/* cut */
	assert_int_equal(cfg.targets[0].funcs[0].triggers[0].ncommon, NX_CONFIG_MAX_COMMON);
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(cfg.targets[0].funcs[0].triggers[0].common[i], i);
	assert_non_null(strstr(cfg.targets[0].funcs[0].triggers[0].comment,
			       "the 4096 most frequent preloaded below"));
	assert_non_null(strstr(cfg.targets[0].funcs[0].triggers[0].comment,
			       "100 tuples cut: a trigger holds at most 4096"));
	nx_replay_free(rp);
	nx_config_release(&cfg);
}

/* Tuples of all auto triggers together stay within what nexus-record
 * preloads (NX_UP_PRELOAD_MAX): a tuned config it would refuse is never written. */
static void test_common_tuples_of_all_triggers_fit_the_kernel_map(void **state)
{
	const uint32_t ntrig = NX_UP_PRELOAD_MAX / NX_CONFIG_MAX_COMMON + 8;
	const struct nxr_probe probe = { 3, NXR_HOOK_UPROBE, "/opt/fx/libfx.so", "fx_idle", "" };
	const struct nxr_meta meta = { .probes = &probe, .nprobes = 1 };
	const struct nx_replay_opts ro = { .rare = { .min_count = 1, .rare_fraction = 1e-6 } };
	char yaml[4096];
	size_t len;
	uint64_t total = 0;
	struct nx_config cfg;
	struct nx_err err = { 0 };
	struct nx_replay *rp;

	(void)state;
	len = (size_t)snprintf(yaml, sizeof(yaml), "TraceCondition:\n  Command: ./fx\n  Targets:\n"
			       "  - FilePath: /opt/fx/libfx.so\n    Functions:\n"
			       "      - Func: fx_idle\n        Triggers:\n");
	for (uint32_t t = 0; t < ntrig; t++)
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len, "          - auto arg1\n");
	assert_true(len < sizeof(yaml));
	assert_int_equal(nx_config_parse(&cfg, "c.yaml", yaml, len, &err), 0);
	rp = nx_replay_new(&meta, &ro, &err);
	assert_non_null(rp);
	assert_int_equal(nx_tune_attach(rp, &cfg, &meta, NULL, NULL, &err), 0);
	for (uint32_t i = 0; i < NX_CONFIG_MAX_COMMON; i++) {
		struct nxr_event ev = { .kind = NX_KIND_CALL, .pid = 1, .tid = 1 };

		ev.call.probe = 3;
		ev.call.arg1 = i;
		assert_int_equal(nx_replay_feed(rp, &ev, &err), 0);
	}
	assert_int_equal(nx_replay_finish(rp, &err), 0);
	assert_int_equal(nx_tune_apply(&cfg, rp, "x.nxr", &err),
			 (int)(ntrig * NX_CONFIG_MAX_COMMON - NX_UP_PRELOAD_MAX));
	for (uint32_t t = 0; t < ntrig; t++)
		total += cfg.targets[0].funcs[0].triggers[t].ncommon;
	assert_int_equal(total, NX_UP_PRELOAD_MAX);
	assert_int_equal(cfg.targets[0].funcs[0].triggers[ntrig - 1].ncommon, 0);
	nx_replay_free(rp);
	nx_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_functions_map_to_probes_by_path_func_and_hook),
		cmocka_unit_test(test_returns_of_older_recordings_have_no_mask),
		cmocka_unit_test(test_a_trigger_that_does_not_fit_its_probe_is_refused),
		cmocka_unit_test(test_tuned_config_preloads_the_common_tuples),
		cmocka_unit_test(test_the_config_common_tuples_are_kept),
		cmocka_unit_test(test_common_tuples_are_bounded),
		cmocka_unit_test(test_common_tuples_of_all_triggers_fit_the_kernel_map),
	};

	return cmocka_run_group_tests_name("tune", tests, NULL, NULL);
}
