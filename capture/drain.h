#ifndef NX_CAPTURE_DRAIN_H	/* capture/drain.h: the thread that empties the BPF ring buffer */
#define NX_CAPTURE_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "capture/queue.h"
#include "format/err.h"

/*
 * Converts one ring-buffer record (bpf/events.h wire layout, size bytes as
 * the ring handed it over) into the next event of b, copying its strings
 * into b's arena. 1: added; 0: b has no room (nothing changed); -EBADMSG:
 * the record is malformed (bad kind, length or string bounds), err says why.
 */
int nx_drain_convert(const void *rec, size_t size, struct nx_batch *b, struct nx_err *err);

struct nx_drain_opts {
	int ringbuf_fd;			/* the BPF ring buffer map (borrowed) */
	struct nx_queue *queue;		/* batches go here (borrowed) */
	uint32_t batch_events;		/* 0 = 4096 */
	size_t batch_arena;		/* string bytes per batch, 0 = 256 KiB */
	int poll_ms;			/* 0 = 10: the programs wake us only past a fill level */
};

struct nx_drain_stats {
	uint64_t records;		/* converted and queued or counted lost */
	uint64_t bytes;			/* ring bytes consumed */
	uint64_t bad;			/* malformed records skipped */
	uint64_t backlog_lost;		/* events dropped because the queue was full */
	uint64_t by_kind[NX_KIND_MAX_ID + 1];
};

struct nx_drain;

/* Starts the thread. NULL with err set. */
struct nx_drain *nx_drain_start(const struct nx_drain_opts *opts, struct nx_err *err);
/* Consumes what is left in the ring (call after nx_loader_detach), queues
 * it, stops and joins the thread. Idempotent. */
void nx_drain_stop(struct nx_drain *d);
/* Safe from any thread while running. */
void nx_drain_get_stats(struct nx_drain *d, struct nx_drain_stats *st);
void nx_drain_free(struct nx_drain *d);	/* stops first if needed; NULL: no-op */

#endif
