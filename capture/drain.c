/*
 * capture/drain.c: one thread empties the BPF ring buffer into batches.
 *
 * It does as little as possible per record: check the wire header, widen
 * the record into a struct nxr_event (copying strings into the batch's
 * arena) and hand full batches to the queue. Encoding, compression and I/O
 * happen on the writer thread; when it falls behind and the queue is full,
 * this thread waits for room (bounded), leaving the burst in the ring. The programs
 * submit with BPF_RB_NO_WAKEUP below a fill level (bpf/maps.bpf.h), so the
 * thread also consumes on a short poll timeout.
 *
 * Invariants: every record taken from the ring is either queued or counted
 * (backlog_lost, bad); counters are written by this thread only and read
 * with atomic loads.
 */
#include "capture/drain.h"

#include <errno.h>
#include <linux/types.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "bpf/events.h"

#define DEFAULT_BATCH 4096u
#define DEFAULT_ARENA (256u << 10)
#define DEFAULT_POLL_MS 10
#define FLUSH_MS 50
#define PUSH_WAIT_MS 1000

struct nx_drain {
	struct nx_drain_opts o;
	struct ring_buffer *rb;
	pthread_t thread;
	int started, stopped;
	int stop;			/* set by nx_drain_stop, read by the thread: atomics */
	struct nx_batch *cur;
	struct nx_drain_stats st;
};

/* Copies a string field: len bytes at *cur, which must stay within end. */
static int take_str(const char **cur, const char *end, __u16 len, struct nxr_str *out,
		    struct nx_batch *b)
{
	if (len > end - *cur)
		return -EBADMSG;
	out->len = len;
	out->ptr = len ? nx_batch_strdup(b, *cur, len) : "";
	*cur += len;
	return out->ptr ? 0 : -ENOSPC;
}

#define CV_U32(C, name) ev->C.name = w.name;
#define CV_U64(C, name) ev->C.name = w.name;
#define CV_S64(C, name) ev->C.name = w.name;
#define CV_STR(C, name)							\
	rc = take_str(&cur, end, w.name, &ev->C.name, b);		\
	if (rc)								\
		goto str_fail;
#define CV_FIELD(C, T, name, doc) CV_##T(C, name)
#define CV_KIND(KIND, id, member, str)					\
	case id: {							\
		struct nx_wire_##member w;				\
		if (h.len < sizeof(w))					\
			goto short_rec;					\
		memcpy(&w, rec, sizeof(w));				\
		cur = (const char *)rec + sizeof(w);			\
		NX_FIELDS_##KIND(CV_FIELD, member)			\
		break;							\
	}

int nx_drain_convert(const void *rec, size_t size, struct nx_batch *b, struct nx_err *err)
{
	const char *cur, *end;
	struct nx_wire_hdr h;
	struct nxr_event *ev;
	size_t arena_mark = b->arena_len;
	int rc = 0;

	if (size < sizeof(h))
		return nx_err_set(err, -EBADMSG, "ring record of %zu bytes: shorter than its header",
				  size);
	memcpy(&h, rec, sizeof(h));
	if (h.len > size || h.len < sizeof(h))
		return nx_err_set(err, -EBADMSG, "ring record of kind %u: length %u, ring gave %zu",
				  h.kind, h.len, size);
	if (b->n >= b->cap)
		return 0;
	end = (const char *)rec + h.len;
	ev = &b->ev[b->n];
	memset(ev, 0, sizeof(*ev));
	ev->kind = h.kind;
	ev->pid = h.pid;
	ev->tid = h.tid;
	ev->ts_ns = h.ts_ns;
	switch (h.kind) {
		NX_KINDS(CV_KIND)
	default:
		return nx_err_set(err, -EBADMSG, "ring record of unknown kind %u", h.kind);
	}
	if (!b->n || h.ts_ns < b->first_ts)
		b->first_ts = h.ts_ns;
	if (h.ts_ns > b->last_ts)
		b->last_ts = h.ts_ns;
	b->n++;
	return 1;
short_rec:
	return nx_err_set(err, -EBADMSG, "ring record of kind %u: length %u too short", h.kind,
			  h.len);
str_fail:
	b->arena_len = arena_mark;
	if (rc == -ENOSPC)
		return 0;
	return nx_err_set(err, -EBADMSG, "ring record of kind %u: string past its length %u",
			  h.kind, h.len);
}

static struct nx_batch *batch_get(struct nx_drain *d)
{
	struct nx_batch *b = nx_queue_spare(d->o.queue);

	return b ? b : nx_batch_new(d->o.batch_events, d->o.batch_arena);
}

/*
 * Hands the current batch over. A full queue is waited for, up to
 * PUSH_WAIT_MS: meanwhile the ring buffer, not this thread's memory, holds
 * what keeps arriving (and the kernel counts what it cannot). Only a writer
 * stuck that long turns the batch into counted backlog loss.
 */
static void batch_flush(struct nx_drain *d)
{
	struct nx_batch *b = d->cur;

	if (!b || !b->n)
		return;
	if (nx_queue_push_wait(d->o.queue, b, PUSH_WAIT_MS) == 0) {
		d->cur = batch_get(d);
		return;
	}
	__atomic_fetch_add(&d->st.backlog_lost, b->n, __ATOMIC_RELAXED);
	nx_batch_reset(b);
}

/* One wire record (of a ring record that may hold several). */
static void take_one(struct nx_drain *d, const void *data, size_t size)
{
	struct nx_err err;
	int rc;

	__atomic_store_n(&d->st.records, d->st.records + 1, __ATOMIC_RELAXED);
	for (int tries = 0; tries < 2; tries++) {
		if (!d->cur) {
			d->cur = batch_get(d);
			if (!d->cur)
				break;
		}
		rc = nx_drain_convert(data, size, d->cur, &err);
		if (rc < 0) {
			__atomic_store_n(&d->st.bad, d->st.bad + 1, __ATOMIC_RELAXED);
			return;
		}
		if (rc == 1) {
			__u16 kind = d->cur->ev[d->cur->n - 1].kind;

			if (kind <= NX_KIND_MAX_ID)
				__atomic_store_n(&d->st.by_kind[kind], d->st.by_kind[kind] + 1,
						 __ATOMIC_RELAXED);
			if (d->cur->n == d->cur->cap)
				batch_flush(d);
			return;
		}
		batch_flush(d);		/* no room: hand it over and retry once */
	}
	__atomic_fetch_add(&d->st.backlog_lost, 1, __ATOMIC_RELAXED);	/* no memory */
}

/*
 * A ring record holds one wire record, or (syscalls, buffered per thread in
 * the kernel) several syscall records back to back, each 8-byte aligned with
 * its own length.
 */
static int on_record(void *ctx, void *data, size_t size)
{
	struct nx_drain *d = ctx;
	size_t off = 0;

	__atomic_store_n(&d->st.bytes, d->st.bytes + size, __ATOMIC_RELAXED);
	while (size - off >= sizeof(struct nx_wire_hdr)) {
		struct nx_wire_hdr h;

		memcpy(&h, (char *)data + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > size - off) {
			__atomic_store_n(&d->st.bad, d->st.bad + 1, __ATOMIC_RELAXED);
			break;
		}
		take_one(d, (char *)data + off, h.len);
		/* only syscall batches hold several; any other record is one,
		 * reserved at its maximum size with h.len its used part */
		if (h.kind != NX_KIND_SYSCALL)
			break;
		off += (h.len + 7u) & ~7u;
	}
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *drain_main(void *arg)
{
	struct nx_drain *d = arg;

	uint64_t last_flush = mono_ms();

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		ring_buffer__poll(d->rb, d->o.poll_ms);
		ring_buffer__consume(d->rb);	/* records submitted without a wakeup */
		/* part-filled batches go every FLUSH_MS: small batches would fill the queue */
		if (mono_ms() - last_flush >= FLUSH_MS) {
			batch_flush(d);
			last_flush = mono_ms();
		}
	}
	ring_buffer__consume(d->rb);
	batch_flush(d);
	return NULL;
}

struct nx_drain *nx_drain_start(const struct nx_drain_opts *o, struct nx_err *err)
{
	struct nx_drain *d = calloc(1, sizeof(*d));
	int rc;

	if (!d) {
		nx_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	d->o = *o;
	if (!d->o.batch_events)
		d->o.batch_events = DEFAULT_BATCH;
	if (!d->o.batch_arena)
		d->o.batch_arena = DEFAULT_ARENA;
	if (!d->o.poll_ms)
		d->o.poll_ms = DEFAULT_POLL_MS;
	d->rb = ring_buffer__new(o->ringbuf_fd, on_record, d, NULL);
	if (!d->rb) {
		nx_err_set(err, -errno, "opening the ring buffer: %s", strerror(errno));
		goto fail;
	}
	d->cur = batch_get(d);
	if (!d->cur) {
		nx_err_set(err, -ENOMEM, "out of memory for the first batch");
		goto fail;
	}
	rc = pthread_create(&d->thread, NULL, drain_main, d);
	if (rc) {
		nx_err_set(err, -rc, "starting the drain thread: %s", strerror(rc));
		goto fail;
	}
	d->started = 1;
	return d;
fail:
	nx_drain_free(d);
	return NULL;
}

void nx_drain_stop(struct nx_drain *d)
{
	if (!d || !d->started || d->stopped)
		return;
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	pthread_join(d->thread, NULL);
	d->stopped = 1;
}

void nx_drain_get_stats(struct nx_drain *d, struct nx_drain_stats *st)
{
	st->records = __atomic_load_n(&d->st.records, __ATOMIC_RELAXED);
	st->bytes = __atomic_load_n(&d->st.bytes, __ATOMIC_RELAXED);
	st->bad = __atomic_load_n(&d->st.bad, __ATOMIC_RELAXED);
	st->backlog_lost = __atomic_load_n(&d->st.backlog_lost, __ATOMIC_RELAXED);
	for (unsigned i = 0; i <= NX_KIND_MAX_ID; i++)
		st->by_kind[i] = __atomic_load_n(&d->st.by_kind[i], __ATOMIC_RELAXED);
}

void nx_drain_free(struct nx_drain *d)
{
	if (!d)
		return;
	nx_drain_stop(d);
	ring_buffer__free(d->rb);
	nx_batch_free(d->cur);
	free(d);
}
