/*
 * tests/unit/replayfx.c: the recordings of replayfx.h, written through the
 * real writer. Deterministic (but for the writer's random file id).
 */
#include "tests/unit/replayfx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "format/event.h"
#include "format/writer.h"
#include "tests/unit/fixture.h"	/* nxr_memsink */

#define MS 1000000ull

#define CONFIG_HEAD                                                                           \
	"TraceCondition:\n"                                                                   \
	"  Command: ./fx\n"                                                                   \
	"  Health:\n"                                                                         \
	"    Cpu: 50\n"                                                                       \
	"  Targets:\n"                                                                        \
	"  - FilePath: /opt/fx/libfx.so\n"                                                   \
	"    Functions:\n"                                                                    \
	"      - Func: fx_work\n"                                                             \
	"        Triggers:\n"                                                                 \
	"          - arg2 == 0x541c\n"                                                        \
	"          - auto arg1 arg2\n"                                                        \
	"          - cpu\n"                                                                   \
	"      - Func: fx_work\n"                                                             \
	"        HookType: uretprobe\n"                                                       \
	"        Triggers: [\"ret < 0\", \"auto ret\"]\n"

static const struct nxr_probe probes[] = {
	{ 1, NXR_HOOK_UPROBE, "/opt/fx/libfx.so", "fx_work", "" },
	{ 2, NXR_HOOK_URETPROBE, "/opt/fx/libfx.so", "fx_work", "" },
	{ 3, NXR_HOOK_UPROBE, "/opt/fx/libfx.so", "fx_idle", "" },
};

const struct nxr_meta *replayfx_meta(const char *scenario)
{
	static const struct nxr_kv kv[] = { { NX_META_RETURN_TRIGGERS, "1" } };
	static struct nxr_meta meta;

	meta = (struct nxr_meta){
		.created_wall_ns = 1763773200000000000ull,
		.mono_to_wall_ns = 1763773199000000000ll,
		.hostname = "replayhost",
		.kernel = "6.18.0-test",
		.arch = "x86_64",
		.tool_version = "0.1.0",
		.command = "./fx",
		.config_text = CONFIG_HEAD "  Mode: full\n",
		.probes = probes,
		.nprobes = 3,
		.kv = kv,
		.nkv = 1,
	};
	if (!strcmp(scenario, "calls-triggered"))
		meta.config_text = CONFIG_HEAD "  Mode: triggered\n";
	else if (!strcmp(scenario, "calls-noconfig"))
		meta.config_text = "";
	else if (!strcmp(scenario, "calls-newconfig"))	/* a key this build does not know */
		meta.config_text = CONFIG_HEAD "  Mode: full\n  Sampling: 10\n";
	else if (!strcmp(scenario, "noprobes"))
		meta.nprobes = 0;
	else if (strcmp(scenario, "calls") && strcmp(scenario, "calls-sysfilter"))
		return NULL;
	return &meta;
}

uint64_t replayfx_call_event(uint64_t n, uint64_t i)
{
	uint64_t id = 2 + 5 + 2 * i;	/* exec, health, fx_idle calls, earlier calls */

	id += i >= 3 * n / 4;
	id += i >= 3 * n / 4 + 10;
	id += i >= n - 20 ? 2 : 0;
	return id;
}

struct gen {
	struct nxr_writer *w;
	struct nx_err *err;
	uint64_t t;
	uint32_t per_seg, since_flush;
	int rc;
};

static void put(struct gen *g, struct nxr_event *ev)
{
	ev->ts_ns = g->t;
	g->t += MS;
	if (g->rc >= 0)
		g->rc = nxr_writer_append(g->w, ev, g->err);
	if (g->rc >= 0 && g->per_seg && ++g->since_flush == g->per_seg) {
		g->since_flush = 0;
		g->rc = nxr_writer_flush(g->w, g->err);
	}
}

static void health(struct gen *g, uint32_t cpu)
{
	struct nxr_event ev = { .kind = NX_KIND_HEALTH };

	ev.health.cpu_busy = cpu;
	ev.health.disk_busy = 0;
	ev.health.flags = cpu > 5000 ? NX_HEALTH_CPU_HIGH : 0;
	put(g, &ev);
}

static void exec_(struct gen *g, uint32_t pid, uint32_t ppid, uint32_t uid, const char *comm)
{
	struct nxr_event ev = { .kind = NX_KIND_EXEC, .pid = pid, .tid = pid };

	ev.exec.ppid = ppid;
	ev.exec.uid = uid;
	ev.exec.gid = uid;
	ev.exec.comm = (struct nxr_str){ comm, (uint32_t)strlen(comm) };
	ev.exec.filename = (struct nxr_str){ "/opt/fx/fx", 10 };
	put(g, &ev);
}

static void calls(struct gen *g, uint64_t n, bool triggered, bool sysfilter)
{
	uint32_t pid = 500, hi = 0;
	struct nxr_event ev;

	exec_(g, 500, 1, 1000, "fx");
	health(g, 1000);
	for (uint64_t i = 0; i < 5; i++) {
		ev = (struct nxr_event){ .kind = NX_KIND_CALL, .pid = 500, .tid = 500 };
		ev.call.probe = 3;
		ev.call.arg1 = i;
		put(g, &ev);
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a1, a2;
		int64_t ret = 0;

		if (i == 3 * n / 4) {
			health(g, 9500);
			hi = 1;
		}
		if (i == 3 * n / 4 + 10) {
			health(g, 1000);
			hi = 0;
		}
		if (i == n - 20) {
			ev = (struct nxr_event){ .kind = NX_KIND_FORK, .pid = 500, .tid = 500 };
			ev.fork.child_pid = 501;
			ev.fork.child_tid = 501;
			ev.fork.comm = (struct nxr_str){ "fx", 2 };
			put(g, &ev);
			exec_(g, 501, 500, 0, "worker");
			pid = 501;
		}
		switch (i % 4) {
		case 0: case 1: a1 = 3; a2 = 0x5401; break;
		case 2: a1 = 4; a2 = 0x5402; break;
		default: a1 = 5; a2 = 0x5403; break;
		}
		if (i == 100) {
			a1 = 3;
			a2 = 0x541c;
		} else if (i == n / 2) {
			a1 = 7;
			a2 = 0x541c;
		} else if (i == n - 10 || i == n - 5) {
			a1 = a2 = 9;
		}
		if (i == 200)
			ret = -5;
		else if (i == 300)
			ret = -11;
		ev = (struct nxr_event){ .kind = NX_KIND_CALL, .pid = pid, .tid = pid };
		ev.call.probe = 1;
		ev.call.arg1 = a1;
		ev.call.arg2 = a2;
		ev.call.arg3 = i;
		ev.call.triggers = (a2 == 0x541c ? 1u : 0u) | (hi ? 4u : 0u);
		put(g, &ev);
		ev = (struct nxr_event){ .kind = NX_KIND_RETURN, .pid = pid, .tid = pid };
		ev.uret.probe = 2;
		ev.uret.ret = ret;
		ev.uret.triggers = ret < 0 ? 1u : 0u;	/* its "ret < 0" */
		put(g, &ev);
	}
	if (triggered) {
		ev = (struct nxr_event){ .kind = NX_KIND_FILTER };
		ev.filter.count = 12345;
		ev.filter.since_ns = REPLAYFX_T0;
		ev.filter.probe = 1;
		put(g, &ev);
		ev = (struct nxr_event){ .kind = NX_KIND_FILTER };
		ev.filter.count = 678;
		ev.filter.since_ns = REPLAYFX_T0;
		ev.filter.probe = 2;
		put(g, &ev);
		ev = (struct nxr_event){ .kind = NX_KIND_LOSS };
		ev.loss.count = 7;
		ev.loss.since_ns = REPLAYFX_T0;
		ev.loss.reason = NX_LOSS_RINGBUF;
		ev.loss.cpu = 0;
		ev.loss.probe = 1;
		put(g, &ev);
	}
	if (triggered || sysfilter) {	/* a Syscalls filter on mmap: no call of a probe */
		ev = (struct nxr_event){ .kind = NX_KIND_FILTER };
		ev.filter.count = triggered ? 99 : 12;
		ev.filter.since_ns = REPLAYFX_T0;
		ev.filter.probe = NX_FILTER_PROBE_SYSCALL | 9;
		put(g, &ev);
	}
	ev = (struct nxr_event){ .kind = NX_KIND_EXIT, .pid = pid, .tid = pid };
	ev.exit.flags = NX_EXIT_GROUP;
	put(g, &ev);
}

static void noprobes(struct gen *g)
{
	exec_(g, 600, 1, 1000, "plain");
	for (int i = 0; i < 10; i++) {
		struct nxr_event ev = { .kind = NX_KIND_SYSCALL, .pid = 600, .tid = 600 };

		ev.syscall.nr = 39;
		ev.syscall.ret = 600;
		ev.syscall.flags = NX_SYS_EXITED;
		put(g, &ev);
	}
}

uint8_t *replayfx_build(const char *scenario, uint64_t n, uint32_t per_seg, size_t *len,
			struct nx_err *err)
{
	struct nxr_writer_opts opts = { .segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE };
	const struct nxr_meta *meta = replayfx_meta(scenario);
	struct nxr_memsink m = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&m);
	struct gen g = { .err = err, .t = REPLAYFX_T0, .per_seg = per_seg };

	if (!meta) {
		nx_err_set(err, -EINVAL, "unknown scenario '%s'", scenario);
		return NULL;
	}
	if (n < 400 && strcmp(scenario, "noprobes")) {
		nx_err_set(err, -EINVAL, "scenario '%s' needs at least 400 calls", scenario);
		return NULL;
	}
	g.w = nxr_writer_new(&sink, "replayfx", meta, &opts, err);
	if (!g.w)
		goto fail;
	if (!strcmp(scenario, "noprobes"))
		noprobes(&g);
	else
		calls(&g, n, !strcmp(scenario, "calls-triggered"),
		      !strcmp(scenario, "calls-sysfilter"));
	if (g.rc < 0) {
		nxr_writer_free(g.w);
		goto fail;
	}
	if (nxr_writer_close(g.w, err) < 0)
		goto fail;
	*len = m.len;
	return m.buf;
fail:
	nxr_memsink_release(&m);
	return NULL;
}
