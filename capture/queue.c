/*
 * capture/queue.c: the bounded queue between the drain thread and the writer
 * thread.
 *
 * A mutex, condition variables for "not empty" and "not full", a FIFO of
 * batches and a spare list. A full queue is -EAGAIN, or with
 * nx_queue_push_wait a bounded wait for room: the drain then stops emptying
 * the ring buffer for a moment, so the ring (64 MiB by default, compact wire
 * records) absorbs a burst the writer cannot follow, and only what neither
 * holds is lost, counted by the kernel or as NX_LOSS_BACKLOG: never
 * unbounded memory.
 * Invariants: depth <= max; a batch is in at most one list; once closed
 * nothing new enters.
 */
#include "capture/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct nx_queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	struct nx_batch *head, *tail, *spare;
	uint32_t depth, max, nspare;
	int closed;
};

struct nx_batch *nx_batch_new(uint32_t cap, size_t arena_cap)
{
	struct nx_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->ev = malloc((size_t)cap * sizeof(*b->ev));
	b->arena = malloc(arena_cap);
	if (!b->ev || !b->arena) {
		nx_batch_free(b);
		return NULL;
	}
	b->cap = cap;
	b->arena_cap = arena_cap;
	return b;
}

void nx_batch_reset(struct nx_batch *b)
{
	b->next = NULL;
	b->n = 0;
	b->arena_len = 0;
	b->first_ts = b->last_ts = 0;
}

const char *nx_batch_strdup(struct nx_batch *b, const void *s, size_t len)
{
	char *p;

	if (len > b->arena_cap - b->arena_len)
		return NULL;
	p = b->arena + b->arena_len;
	memcpy(p, s, len);
	b->arena_len += len;
	return p;
}

void nx_batch_free(struct nx_batch *b)
{
	if (!b)
		return;
	free(b->ev);
	free(b->arena);
	free(b);
}

struct nx_queue *nx_queue_new(uint32_t max_batches, struct nx_err *err)
{
	pthread_condattr_t ca;
	struct nx_queue *q = calloc(1, sizeof(*q));

	if (!q || !max_batches) {
		free(q);
		nx_err_set(err, q ? -EINVAL : -ENOMEM, q ? "queue of zero batches" :
			   "out of memory");
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	/* deadlines on the monotonic clock: a wall-clock step neither stretches
	 * nor skips a wait */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_cond_init(&q->nonfull, &ca);
	pthread_condattr_destroy(&ca);
	q->max = max_batches;
	return q;
}

static void deadline_in(struct timespec *dl, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, dl);
	dl->tv_sec += timeout_ms / 1000;
	dl->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl->tv_nsec >= 1000000000) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000;
	}
}

int nx_queue_push_wait(struct nx_queue *q, struct nx_batch *b, int timeout_ms)
{
	struct timespec dl;
	int rc = 0;

	if (timeout_ms > 0)
		deadline_in(&dl, timeout_ms);
	pthread_mutex_lock(&q->mu);
	while (!q->closed && q->depth >= q->max && timeout_ms > 0)
		if (pthread_cond_timedwait(&q->nonfull, &q->mu, &dl) == ETIMEDOUT)
			break;
	if (q->closed) {
		rc = -EPIPE;
	} else if (q->depth >= q->max) {
		rc = -EAGAIN;
	} else {
		b->next = NULL;
		if (q->tail)
			q->tail->next = b;
		else
			q->head = b;
		q->tail = b;
		q->depth++;
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

int nx_queue_push(struct nx_queue *q, struct nx_batch *b)
{
	return nx_queue_push_wait(q, b, 0);
}

struct nx_batch *nx_queue_pop(struct nx_queue *q, int timeout_ms)
{
	struct nx_batch *b = NULL;
	struct timespec dl;

	if (timeout_ms >= 0)
		deadline_in(&dl, timeout_ms);
	pthread_mutex_lock(&q->mu);
	while (!q->head && !q->closed) {
		if (timeout_ms < 0)
			pthread_cond_wait(&q->nonempty, &q->mu);
		else if (pthread_cond_timedwait(&q->nonempty, &q->mu, &dl) == ETIMEDOUT)
			break;
	}
	if (q->head) {
		b = q->head;
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		q->depth--;
		b->next = NULL;
		pthread_cond_signal(&q->nonfull);
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

void nx_queue_close(struct nx_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
}

int nx_queue_closed_empty(struct nx_queue *q)
{
	int r;

	pthread_mutex_lock(&q->mu);
	r = q->closed && !q->head;
	pthread_mutex_unlock(&q->mu);
	return r;
}

uint32_t nx_queue_depth(struct nx_queue *q)
{
	uint32_t d;

	pthread_mutex_lock(&q->mu);
	d = q->depth;
	pthread_mutex_unlock(&q->mu);
	return d;
}

void nx_queue_recycle(struct nx_queue *q, struct nx_batch *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->nspare < q->max) {
		b->next = q->spare;
		q->spare = b;
		q->nspare++;
		b = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	nx_batch_free(b);
}

struct nx_batch *nx_queue_spare(struct nx_queue *q)
{
	struct nx_batch *b;

	pthread_mutex_lock(&q->mu);
	b = q->spare;
	if (b) {
		q->spare = b->next;
		q->nspare--;
	}
	pthread_mutex_unlock(&q->mu);
	if (b)
		nx_batch_reset(b);
	return b;
}

static void free_list(struct nx_batch *b)
{
	while (b) {
		struct nx_batch *next = b->next;

		nx_batch_free(b);
		b = next;
	}
}

void nx_queue_free(struct nx_queue *q)
{
	if (!q)
		return;
	free_list(q->head);
	free_list(q->spare);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	free(q);
}
