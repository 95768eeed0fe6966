/*
 * tests/unit/fixture.c: recordings built in memory, through the real writer,
 * from a deterministic event stream covering every kind and edge values.
 */
#include "tests/unit/fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/crc.h"
#include "format/limits.h"

static char long_str[NXR_MAX_EVENT_STR];

static const struct nxr_str strs[] = {
	{ "", 0 },
	{ "bash", 4 },
	{ "/usr/bin/python3.11", 19 },
	{ "a\0b\nc\x01\xff", 7 },
	{ "0123456789abcdef", 16 },
};

static struct nxr_str pick_str(uint64_t i)
{
	if (i % 4093 == 17) {
		memset(long_str, 'x', sizeof(long_str));
		return (struct nxr_str){ long_str, (uint32_t)sizeof(long_str) };
	}
	return strs[i % (sizeof(strs) / sizeof(strs[0]))];
}

void nxr_fixture_event(uint64_t i, struct nxr_event *ev)
{
	static const uint32_t pids[] = { 1000, 1000, 1000, 1001, 4242, 1, 0xffffffffu };
	uint64_t h = i * 0x9E3779B97F4A7C15ull;

	memset(ev, 0, sizeof(*ev));
	ev->pid = pids[i % 7 < 5 ? (i / 16) % 3 : i % 7];
	ev->tid = (i % 5 == 0) ? ev->pid + 1 : ev->pid;
	/* mostly increasing, with syscalls stamped a little in the past */
	ev->ts_ns = 1000000000ull + i * 750 - ((i % 3 == 0) ? 1000 : 0);
	if (i % 1001 == 500)
		ev->ts_ns = UINT64_MAX - i;	/* edge: huge time */
	switch (i % 16) {
	default:
		ev->kind = NX_KIND_SYSCALL;
		ev->syscall.nr = (uint32_t)(h >> 59);
		ev->syscall.arg1 = i % 8;
		ev->syscall.arg2 = 0x7ffd12340000ull + (i % 4) * 64;
		ev->syscall.arg3 = (i % 11 == 0) ? UINT64_MAX : 4096;
		ev->syscall.arg4 = 0;
		ev->syscall.arg5 = h;
		ev->syscall.arg6 = i;
		ev->syscall.ret = (i % 7 == 0) ? -11
				  : (i % 13 == 0 ? INT64_MIN : (int64_t)(i % 4096));
		if (i % 17 == 0)
			ev->syscall.ret = INT64_MAX;
		ev->syscall.dur_ns = 300 + i % 1000;
		ev->syscall.flags = NX_SYS_EXITED;
		break;
	case 1:
		ev->kind = NX_KIND_EXEC;
		ev->exec.ppid = 1;
		ev->exec.uid = (i & 32) ? 0 : UINT32_MAX;
		ev->exec.gid = 1000;
		ev->exec.flags = NX_EXEC_TRUNCATED;
		ev->exec.comm = pick_str(i);
		ev->exec.filename = pick_str(i + 2);
		break;
	case 2:
		ev->kind = NX_KIND_FORK;
		ev->fork.child_pid = (uint32_t)i;
		ev->fork.child_tid = (uint32_t)i + 1;
		ev->fork.flags = (i & 1) ? NX_FORK_THREAD : 0;
		ev->fork.comm = pick_str(i + 1);
		break;
	case 3:
		ev->kind = NX_KIND_EXIT;
		ev->exit.code = (uint32_t)(i % 256) << 8;
		ev->exit.flags = NX_EXIT_GROUP;
		break;
	case 4:
		ev->kind = NX_KIND_CALL;
		ev->call.arg1 = UINT64_MAX;
		ev->call.arg2 = 0;
		ev->call.arg3 = h;
		ev->call.arg4 = 1;
		ev->call.arg5 = 0x541c;
		ev->call.arg6 = h >> 32;
		ev->call.triggers = 5;
		ev->call.probe = 1 + (uint32_t)(i % 2);
		ev->call.flags = NX_CALL_TRUNCATED;
		ev->call.data = pick_str(i + 3);
		break;
	case 5:
		ev->kind = NX_KIND_RETURN;
		ev->uret.ret = (i & 64) ? INT64_MIN : -1;
		ev->uret.probe = 2;
		break;
	case 6:
		ev->kind = NX_KIND_HEALTH;
		ev->pid = 0;
		ev->tid = 0;
		ev->health.cpu_busy = 10000;
		ev->health.disk_busy = (uint32_t)(i % 10001);
		ev->health.flags = NX_HEALTH_CPU_HIGH;
		break;
	case 7:
		ev->kind = NX_KIND_ADAPT;
		ev->adapt.value = h;
		ev->adapt.probe = 1;
		ev->adapt.action = NX_ADAPT_COMMON_ADD;
		ev->adapt.note = pick_str(i + 4);
		break;
	case 8:
		ev->kind = NX_KIND_LOSS;
		ev->pid = 0;
		ev->tid = 0;
		ev->loss.count = 1 + i % 100;
		ev->loss.since_ns = ev->ts_ns - 1000;
		ev->loss.reason = 1 + (uint32_t)(i % 3);
		ev->loss.cpu = (i & 16) ? UINT32_MAX : 1;
		ev->loss.probe = 0;
		break;
	case 9:
		ev->kind = NX_KIND_FILTER;
		ev->filter.count = i;
		ev->filter.since_ns = ev->ts_ns - 5000;
		ev->filter.probe = 2;
		break;
	case 10:
		ev->kind = NX_KIND_PAYLOAD;
		ev->payload.nr = 257;
		ev->payload.arg = 1 + (uint32_t)(i % 6);
		ev->payload.type = 1 + (uint32_t)(i % 3);
		ev->payload.full_len = (i & 8) ? UINT32_MAX : (uint32_t)i;
		ev->payload.flags = (uint32_t)(i % 4);
		ev->payload.data = pick_str(i + 5);
		break;
	}
}

const struct nxr_meta *nxr_fixture_meta(void)
{
	static const struct nxr_probe probes[] = {
		{ 1, NXR_HOOK_UPROBE, "/lib/x86_64-linux-gnu/libc.so.6", "ioctl",
		  "arg2 == 0x541c" },
		{ 2, NXR_HOOK_URETPROBE, "/usr/bin/app", "main", "" },
	};
	static const struct nxr_kv kv[] = {
		{ "user", "alice" },
		{ "sync", "segment" },
	};
	static const struct nxr_meta meta = {
		.created_wall_ns = 1763773200000000000ull,
		.mono_to_wall_ns = -42,
		.hostname = "testhost",
		.kernel = "6.18.0",
		.arch = "x86_64",
		.tool_version = "0.1.0",
		.command = "./app --flag \"two words\"",
		.config_text = "TraceCondition:\n  Command: ./app\n",
		.probes = probes,
		.nprobes = 2,
		.kv = kv,
		.nkv = 2,
	};
	return &meta;
}

/* ---- memory sink ---- */

static ssize_t ms_write(void *ctx, const void *buf, size_t len)
{
	struct nxr_memsink *ms = ctx;

	ms->writes++;
	if (ms->fail_write && (ms->writes == ms->fail_write ||
			       (ms->fail_forever && ms->writes > ms->fail_write)))
		return -(ms->write_errno ? ms->write_errno : EIO);
	if (ms->short_writes && len > 7)
		len = 7;
	if (ms->len + len > ms->cap) {
		size_t cap = ms->cap ? ms->cap : 4096;
		uint8_t *p;

		while (cap < ms->len + len)
			cap *= 2;
		p = realloc(ms->buf, cap);
		if (!p)
			return -ENOMEM;
		ms->buf = p;
		ms->cap = cap;
	}
	memcpy(ms->buf + ms->len, buf, len);
	ms->len += len;
	return (ssize_t)len;
}

static int ms_sync(void *ctx)
{
	struct nxr_memsink *ms = ctx;

	ms->syncs++;
	if (ms->fail_sync && (ms->syncs == ms->fail_sync ||
			      (ms->fail_forever && ms->syncs > ms->fail_sync)))
		return -EIO;
	return 0;
}

struct nxr_sink nxr_memsink_sink(struct nxr_memsink *ms)
{
	return (struct nxr_sink){ ms_write, ms_sync, ms };
}

void nxr_memsink_release(struct nxr_memsink *ms)
{
	free(ms->buf);
	memset(ms, 0, sizeof(*ms));
}

/* ---- builder ---- */

enum nxr_layout nxr_fixture_layout;

int nxr_fixture_columns(void **state)
{
	(void)state;
	nxr_fixture_layout = NXR_LAYOUT_COLUMNS;
	return 0;
}

int nxr_fixture_rows(void **state)
{
	(void)state;
	nxr_fixture_layout = NXR_LAYOUT_ROWS;
	return 0;
}

int nxr_fixture_columns_1_1(void **state)
{
	(void)state;
	nxr_fixture_layout = NXR_LAYOUT_COLUMNS_1_1;
	return 0;
}

int nxr_fixture_columns_1_4(void **state)
{
	(void)state;
	nxr_fixture_layout = NXR_LAYOUT_COLUMNS_1_4;
	return 0;
}

int nxr_fixture_columns_1_5(void **state)
{
	(void)state;
	nxr_fixture_layout = NXR_LAYOUT_COLUMNS_1_5;
	return 0;
}

struct nxr_fixture *nxr_fixture_build(uint32_t nsegs, uint32_t per_seg, bool closed)
{
	struct nxr_writer_opts opts = { .segment_bytes = NXR_MAX_SEG_BYTES,
					.segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE,
					.layout = nxr_fixture_layout };
	struct nxr_memsink ms = { 0 };
	struct nxr_sink sink = nxr_memsink_sink(&ms);
	struct nxr_fixture *fx;
	struct nxr_writer *w;
	struct nxr_event ev;
	uint64_t i = 0;

	fx = calloc(1, sizeof(*fx));
	if (!fx)
		return NULL;
	fx->seg_off = calloc(nsegs + 1, sizeof(uint64_t));
	fx->seg_end = calloc(nsegs + 1, sizeof(uint64_t));
	if (!fx->seg_off || !fx->seg_end)
		goto fail;
	w = nxr_writer_new(&sink, "fixture", nxr_fixture_meta(), &opts, NULL);
	if (!w)
		goto fail;
	fx->header_len = ms.len;
	for (uint32_t s = 0; s < nsegs; s++) {
		fx->seg_off[s] = ms.len;
		for (uint32_t k = 0; k < per_seg; k++, i++) {
			nxr_fixture_event(i, &ev);
			if (nxr_writer_append(w, &ev, NULL) < 0)
				goto fail_w;
		}
		if (nxr_writer_flush(w, NULL) < 0)
			goto fail_w;
		fx->seg_end[s] = ms.len;
	}
	if (closed) {
		if (nxr_writer_close(w, NULL) < 0)
			goto fail;
	} else {
		nxr_writer_free(w);
	}
	fx->buf = ms.buf;
	fx->len = ms.len;
	fx->nsegs = nsegs;
	fx->per_seg = per_seg;
	fx->nevents = (uint64_t)nsegs * per_seg;
	fx->closed = closed;
	return fx;
fail_w:
	nxr_writer_free(w);
fail:
	nxr_memsink_release(&ms);
	nxr_fixture_free(fx);
	return NULL;
}

void nxr_fixture_free(struct nxr_fixture *fx)
{
	if (!fx)
		return;
	free(fx->buf);
	free(fx->seg_off);
	free(fx->seg_end);
	free(fx);
}

void nxr_fixture_set_major(struct nxr_fixture *fx, uint16_t major)
{
	uint32_t hlen;

	fx->buf[8] = (uint8_t)major;
	fx->buf[9] = (uint8_t)(major >> 8);
	hlen = (uint32_t)fx->buf[12] | (uint32_t)fx->buf[13] << 8 | (uint32_t)fx->buf[14] << 16 |
	       (uint32_t)fx->buf[15] << 24;
	if (hlen >= 68 && hlen <= fx->len) {
		uint32_t c = nxr_crc32c(0, fx->buf, hlen - 4);

		for (int k = 0; k < 4; k++)
			fx->buf[hlen - 4 + k] = (uint8_t)(c >> (8 * k));
	}
}

int fixture_setup(void **state)
{
	struct nxr_fixture *fx = nxr_fixture_build(3, 100, true);

	*state = fx;
	return fx ? 0 : -1;
}

int fixture_teardown(void **state)
{
	nxr_fixture_free(*state);
	*state = NULL;
	return 0;
}
