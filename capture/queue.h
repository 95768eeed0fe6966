#ifndef NX_CAPTURE_QUEUE_H	/* capture/queue.h: bounded hand-over of event batches between threads */
#define NX_CAPTURE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/event.h"

/*
 * A batch of events with its own string arena: strings of ev[i] point into
 * arena, so a batch is self-contained and moves between threads whole.
 * Whoever holds a batch owns it: nx_queue_push hands it over, nx_queue_pop
 * hands it to the caller, who frees it (nx_batch_free) or gives it back
 * (nx_queue_recycle) for the producer to reuse.
 */
struct nx_batch {
	struct nx_batch *next;		/* queue link, private */
	uint32_t n, cap;		/* events used / room */
	size_t arena_len, arena_cap;	/* string bytes used / room */
	uint64_t first_ts, last_ts;	/* time range of the events, for loss windows */
	struct nxr_event *ev;
	char *arena;
};

struct nx_batch *nx_batch_new(uint32_t cap, size_t arena_cap);
void nx_batch_reset(struct nx_batch *b);
/* Copies len bytes into the arena; NULL when there is no room. */
const char *nx_batch_strdup(struct nx_batch *b, const void *s, size_t len);
void nx_batch_free(struct nx_batch *b);		/* NULL: no-op */

struct nx_queue;

/* At most max_batches queued at once. */
struct nx_queue *nx_queue_new(uint32_t max_batches, struct nx_err *err);
/* Hands b over; -EAGAIN (b still the caller's) when the queue is full, -EPIPE once closed. */
int nx_queue_push(struct nx_queue *q, struct nx_batch *b);
/* The same, waiting up to timeout_ms for room first. */
int nx_queue_push_wait(struct nx_queue *q, struct nx_batch *b, int timeout_ms);
/* The oldest batch; NULL after timeout_ms (-1: forever) or once closed and empty. */
struct nx_batch *nx_queue_pop(struct nx_queue *q, int timeout_ms);
/* After close, pushes fail and pops drain what is left, then return NULL. */
void nx_queue_close(struct nx_queue *q);
int nx_queue_closed_empty(struct nx_queue *q);
uint32_t nx_queue_depth(struct nx_queue *q);
/* Give a popped batch back for reuse (kept up to max_batches); else freed. */
void nx_queue_recycle(struct nx_queue *q, struct nx_batch *b);
/* A recycled batch, reset, or NULL when none is spare. */
struct nx_batch *nx_queue_spare(struct nx_queue *q);
void nx_queue_free(struct nx_queue *q);		/* frees queued and spare batches; NULL: no-op */

#endif
