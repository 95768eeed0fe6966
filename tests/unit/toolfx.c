/*
 * tests/unit/toolfx.c: the scripted recordings of toolfx.h, written through
 * the real writer. Deterministic: the same scenario gives the same bytes
 * (but for the writer's random file id).
 */
#include "tests/unit/toolfx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct nxr_meta *toolfx_meta(void)
{
	static const struct nxr_probe probes[] = {
		{ 1, NXR_HOOK_UPROBE, "/lib/x86_64-linux-gnu/libc.so.6", "ioctl",
		  "arg2 == 0x541c" },
		{ 2, NXR_HOOK_URETPROBE, "/lib/x86_64-linux-gnu/libc.so.6", "ioctl", "" },
	};
	static const struct nxr_kv kv[] = { { "user", "tester" } };
	static const struct nxr_meta meta = {
		.created_wall_ns = 1763773200000000000ull,
		.mono_to_wall_ns = 1763773199000000000ll,
		.hostname = "toolhost",
		.kernel = "6.18.0-test",
		.arch = "x86_64",
		.tool_version = "0.1.0",
		.command = "sh -c ls",
		.config_text = "TraceCondition:\n  Command: sh -c ls\n",
		.probes = probes,
		.nprobes = 2,
		.kv = kv,
		.nkv = 1,
	};
	return &meta;
}

struct gen {
	struct nxr_writer *w;
	uint32_t flush_every, since_flush;
	struct nx_err *err;
	int rc;
};

static struct nxr_str S(const char *s)
{
	return (struct nxr_str){ s, (uint32_t)strlen(s) };
}

static void put(struct gen *g, struct nxr_event *ev)
{
	if (g->rc < 0)
		return;
	g->rc = nxr_writer_append(g->w, ev, g->err);
	if (g->rc < 0 || !g->flush_every)
		return;
	if (++g->since_flush == g->flush_every) {
		g->since_flush = 0;
		g->rc = nxr_writer_flush(g->w, g->err);
	}
}

static void sys(struct gen *g, uint64_t ts, uint32_t pid, uint32_t tid, uint32_t nr, int64_t ret,
		uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct nxr_event ev = { .kind = NX_KIND_SYSCALL, .pid = pid, .tid = tid, .ts_ns = ts };

	ev.syscall.nr = nr;
	ev.syscall.arg1 = a1;
	ev.syscall.arg2 = a2;
	ev.syscall.arg3 = a3;
	ev.syscall.ret = ret;
	ev.syscall.dur_ns = 2000;
	ev.syscall.flags = NX_SYS_EXITED;
	put(g, &ev);
}

static void exec_(struct gen *g, uint64_t ts, uint32_t pid, uint32_t ppid, const char *comm,
		  const char *file)
{
	struct nxr_event ev = { .kind = NX_KIND_EXEC, .pid = pid, .tid = pid, .ts_ns = ts };

	ev.exec.ppid = ppid;
	ev.exec.uid = 1000;
	ev.exec.gid = 1000;
	ev.exec.comm = S(comm);
	ev.exec.filename = S(file);
	put(g, &ev);
}

static void exit_(struct gen *g, uint64_t ts, uint32_t pid, uint32_t code)
{
	struct nxr_event ev = { .kind = NX_KIND_EXIT, .pid = pid, .tid = pid, .ts_ns = ts };

	ev.exit.code = code;
	ev.exit.flags = NX_EXIT_GROUP;
	put(g, &ev);
}

static void basic(struct gen *g)
{
	const uint64_t ms = 1000000ull;
	uint64_t t = TOOLFX_T0;
	struct nxr_event ev;

	exec_(g, t, 100, 1, "sh", "/bin/sh");
	sys(g, t += ms, 100, 100, 39, 100, 0, 0, 0);
	sys(g, t += ms, 100, 100, 56, 101, 0x1200011, 0, 0);
	ev = (struct nxr_event){ .kind = NX_KIND_FORK, .pid = 100, .tid = 100, .ts_ns = t += ms };
	ev.fork.child_pid = 101;
	ev.fork.child_tid = 101;
	ev.fork.comm = S("sh");
	put(g, &ev);
	sys(g, t += ms, 101, 101, 110, 100, 0, 0, 0);
	exec_(g, t += ms, 101, 100, "ls", "/bin/ls");
	sys(g, t += ms, 101, 101, 257, -ENOENT, 0xffffff9c, 0x7ffd0000, 0x80000);
	sys(g, t += ms, 101, 101, 257, 3, 0xffffff9c, 0x7ffd0100, 0x80000);
	ev = (struct nxr_event){ .kind = NX_KIND_FORK, .pid = 101, .tid = 101, .ts_ns = t += ms };
	ev.fork.child_pid = 101;
	ev.fork.child_tid = 102;
	ev.fork.flags = NX_FORK_THREAD;
	ev.fork.comm = S("ls");
	put(g, &ev);
	sys(g, t += ms, 101, 102, 0, 10, 3, 0x7ffd0200, 10);
	ev = (struct nxr_event){ .kind = NX_KIND_CALL, .pid = 101, .tid = 101, .ts_ns = t += ms };
	ev.call.arg1 = 3;
	ev.call.arg2 = 0x541c;
	ev.call.arg3 = 0x7ffd0400;
	ev.call.triggers = 1;
	ev.call.probe = 1;
	ev.call.data = S("tty\n");
	put(g, &ev);
	ev = (struct nxr_event){ .kind = NX_KIND_RETURN, .pid = 101, .tid = 101, .ts_ns = t += ms };
	ev.uret.ret = 0;
	ev.uret.probe = 2;
	put(g, &ev);
	ev = (struct nxr_event){ .kind = NX_KIND_LOSS, .ts_ns = t += ms };
	ev.loss.count = 5;
	ev.loss.since_ns = t - ms;
	ev.loss.reason = NX_LOSS_RINGBUF;
	ev.loss.cpu = 1;
	put(g, &ev);
	ev = (struct nxr_event){ .kind = NX_KIND_HEALTH, .ts_ns = t += ms };
	ev.health.cpu_busy = 1234;
	ev.health.disk_busy = 50;
	put(g, &ev);
	ev = (struct nxr_event){ .kind = NX_KIND_FILTER, .ts_ns = t += ms };
	ev.filter.count = 7;
	ev.filter.since_ns = t - ms;
	ev.filter.probe = 1;
	put(g, &ev);
	ev = (struct nxr_event){ .kind = NX_KIND_ADAPT, .pid = 101, .tid = 101, .ts_ns = t += ms };
	ev.adapt.value = 0x541c;
	ev.adapt.probe = 1;
	ev.adapt.action = NX_ADAPT_COMMON_ADD;
	ev.adapt.note = S("learned");
	put(g, &ev);
	exec_(g, t += ms, 101, 100, "ev/../il\n", "/tmp/evil");
	sys(g, t += ms, 101, 101, 1, 5, 1, 0x7ffd0300, 5);
	exit_(g, t += ms, 101, 0);
	sys(g, t += ms, 100, 100, 61, 101, (uint64_t)-1, 0x7ffd0500, 0);
	exit_(g, t += ms, 100, 1 << 8);
	sys(g, t += ms, 200, 200, 39, 200, 0, 0, 0);
	ev = (struct nxr_event){ .kind = NX_KIND_SYSCALL, .pid = 100, .tid = 100, .ts_ns = t += ms };
	ev.syscall.nr = 35;
	ev.syscall.arg1 = 0x7ffd0600;
	put(g, &ev);
}

static void many(struct gen *g, uint64_t n)
{
	uint64_t t = TOOLFX_T0;
	char comm[8];

	for (uint64_t i = 0; i < n; i++) {
		snprintf(comm, sizeof(comm), "p%u", (unsigned)(i % 10));
		exec_(g, t++, 1000 + (uint32_t)i, 1, comm, "/bin/p");
	}
	for (uint64_t i = 0; i < n; i++)
		sys(g, t++, 1000 + (uint32_t)i, 1000 + (uint32_t)i, (uint32_t)(i % 300), 0, 0, 0, 0);
	for (uint64_t i = 0; i < n; i++)
		sys(g, t++, 1000 + (uint32_t)i, 1000 + (uint32_t)i, (uint32_t)(i % 300) + 1, 0, 0, 0,
		    0);
	for (uint64_t i = 0; i < n; i++)
		sys(g, t++, 1000 + (uint32_t)i, 1000 + (uint32_t)i, 39, 1000 + (int64_t)i, 0, 0, 0);
	for (uint64_t i = 0; i < n; i++)
		exit_(g, t++, 1000 + (uint32_t)i, 0);
}

static void big(struct gen *g, uint64_t n)
{
	uint64_t t = TOOLFX_T0;
	char comm[8];

	for (uint32_t k = 0; k < 64; k++) {
		snprintf(comm, sizeof(comm), "b%u", k);
		exec_(g, t++, 2000 + k, 1, comm, "/bin/b");
	}
	for (uint64_t i = 0; i < n && g->rc >= 0; i++) {
		uint32_t pid = 2000 + (uint32_t)(i % 64);

		sys(g, t += 100, pid, pid, (uint32_t)(i % 300), i % 7 == 0 ? -2 : (int64_t)(i % 4096),
		    i, 0x7ffd0000, 4096);
	}
}

static void getppid_(struct gen *g, uint64_t n)
{
	uint64_t t = TOOLFX_T0;

	exec_(g, t, 300, 1, "fx", "/fx");
	for (uint64_t i = 0; i < n; i++)
		sys(g, t += 1000, 300, 300, 110, 1, 0, 0, 0);
	exit_(g, t + 1000, 300, 0);
}

int toolfx_write(struct nxr_writer *w, const char *scenario, uint64_t n, uint32_t flush_every,
		 struct nx_err *err)
{
	struct gen g = { .w = w, .flush_every = flush_every, .err = err };

	if (strcmp(scenario, "basic") == 0)
		basic(&g);
	else if (strcmp(scenario, "many") == 0)
		many(&g, n);
	else if (strcmp(scenario, "big") == 0)
		big(&g, n);
	else if (strcmp(scenario, "getppid") == 0)
		getppid_(&g, n);
	else
		return nx_err_set(err, -EINVAL, "unknown scenario '%s'", scenario);
	return g.rc;
}

struct msink {
	uint8_t *buf;
	size_t len, cap;
};

static ssize_t msink_write(void *ctx, const void *buf, size_t len)
{
	struct msink *m = ctx;

	if (m->len + len > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		uint8_t *p;

		while (cap < m->len + len)
			cap *= 2;
		p = realloc(m->buf, cap);
		if (!p)
			return -ENOMEM;
		m->buf = p;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return (ssize_t)len;
}

static int msink_sync(void *ctx)
{
	(void)ctx;
	return 0;
}

uint8_t *toolfx_build(const char *scenario, uint64_t n, uint32_t flush_every, int closed,
		      size_t *len, struct nx_err *err)
{
	struct nxr_writer_opts opts = { .segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE };
	struct msink m = { 0 };
	struct nxr_sink sink = { msink_write, msink_sync, &m };
	struct nxr_writer *w;

	w = nxr_writer_new(&sink, "toolfx", toolfx_meta(), &opts, err);
	if (!w)
		goto fail;
	if (toolfx_write(w, scenario, n, flush_every, err) < 0) {
		nxr_writer_free(w);
		goto fail;
	}
	if (closed) {
		if (nxr_writer_close(w, err) < 0)
			goto fail;
	} else {
		if (nxr_writer_flush(w, err) < 0) {
			nxr_writer_free(w);
			goto fail;
		}
		nxr_writer_free(w);
	}
	*len = m.len;
	return m.buf;
fail:
	free(m.buf);
	return NULL;
}
