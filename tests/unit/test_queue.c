/*
 * tests/unit/test_queue.c: the bounded queue between the drain and the
 * writer thread, and the batch arena (capture/queue.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/queue.h"

static struct nx_batch *batch_with(uint32_t n)
{
	struct nx_batch *b = nx_batch_new(8, 64);

	assert_non_null(b);
	b->n = n;
	return b;
}

static void test_full_queue_refuses_without_blocking(void **state)
{
	struct nx_queue *q = nx_queue_new(2, NULL);
	struct nx_batch *a = batch_with(1), *b = batch_with(2), *c = batch_with(3);

	(void)state;
	assert_int_equal(nx_queue_push(q, a), 0);
	assert_int_equal(nx_queue_push(q, b), 0);
	assert_int_equal(nx_queue_push(q, c), -EAGAIN);	/* still ours */
	assert_int_equal(nx_queue_depth(q), 2);
	assert_ptr_equal(nx_queue_pop(q, 0), a);		/* FIFO */
	assert_int_equal(nx_queue_push(q, c), 0);
	assert_ptr_equal(nx_queue_pop(q, 0), b);
	assert_ptr_equal(nx_queue_pop(q, 0), c);
	assert_null(nx_queue_pop(q, 0));
	nx_batch_free(a);
	nx_batch_free(b);
	nx_batch_free(c);
	nx_queue_free(q);
}

static void test_close_drains_then_ends(void **state)
{
	struct nx_queue *q = nx_queue_new(4, NULL);
	struct nx_batch *a = batch_with(1), *b;

	(void)state;
	assert_int_equal(nx_queue_push(q, a), 0);
	nx_queue_close(q);
	b = batch_with(1);
	assert_int_equal(nx_queue_push(q, b), -EPIPE);
	assert_false(nx_queue_closed_empty(q));
	assert_ptr_equal(nx_queue_pop(q, -1), a);
	assert_true(nx_queue_closed_empty(q));
	assert_null(nx_queue_pop(q, -1));		/* closed and empty: no wait */
	nx_batch_free(a);
	nx_batch_free(b);
	nx_queue_free(q);			/* frees nothing twice */
}

static void test_pop_times_out(void **state)
{
	struct nx_queue *q = nx_queue_new(1, NULL);

	(void)state;
	assert_null(nx_queue_pop(q, 20));
	nx_queue_free(q);
}

struct slow_consumer {
	struct nx_queue *q;
	struct nx_batch *got;
};

static void *pop_later(void *arg)
{
	struct slow_consumer *c = arg;

	usleep(50 * 1000);
	c->got = nx_queue_pop(c->q, -1);
	return NULL;
}

/* The drain's back-pressure: a full queue makes push_wait wait for room
 * (a pop on another thread), and give up with -EAGAIN only at its timeout. */
static void test_push_wait_waits_for_room_then_gives_up(void **state)
{
	struct nx_queue *q = nx_queue_new(1, NULL);
	struct nx_batch *a = batch_with(1), *b = batch_with(2), *c = batch_with(3);
	struct slow_consumer sc = { .q = q };
	struct timespec t0, t1;
	pthread_t t;

	(void)state;
	assert_int_equal(nx_queue_push(q, a), 0);
	assert_int_equal(pthread_create(&t, NULL, pop_later, &sc), 0);
	assert_int_equal(nx_queue_push_wait(q, b, 5000), 0);	/* room after the pop */
	pthread_join(t, NULL);
	assert_ptr_equal(sc.got, a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(nx_queue_push_wait(q, c, 30), -EAGAIN);	/* nobody pops */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) >=
		    25 * 1000000L);
	nx_queue_close(q);
	assert_int_equal(nx_queue_push_wait(q, c, 5000), -EPIPE);	/* closed: no wait */
	assert_ptr_equal(nx_queue_pop(q, 0), b);
	nx_batch_free(a);
	nx_batch_free(b);
	nx_batch_free(c);
	nx_queue_free(q);
}

static void test_recycled_batches_come_back_reset(void **state)
{
	struct nx_queue *q = nx_queue_new(1, NULL);
	struct nx_batch *a = batch_with(5), *b = batch_with(6), *s;

	(void)state;
	assert_non_null(nx_batch_strdup(a, "abc", 3));
	nx_queue_recycle(q, a);
	nx_queue_recycle(q, b);			/* over max spare: freed */
	s = nx_queue_spare(q);
	assert_ptr_equal(s, a);
	assert_int_equal(s->n, 0);
	assert_int_equal(s->arena_len, 0);
	assert_null(nx_queue_spare(q));
	nx_batch_free(s);
	nx_queue_free(q);
}

static void test_arena_refuses_what_does_not_fit(void **state)
{
	struct nx_batch *b = nx_batch_new(4, 8);
	const char *p;

	(void)state;
	p = nx_batch_strdup(b, "12345", 5);
	assert_non_null(p);
	assert_memory_equal(p, "12345", 5);
	assert_null(nx_batch_strdup(b, "6789", 4));
	assert_int_equal(b->arena_len, 5);
	assert_non_null(nx_batch_strdup(b, "678", 3));
	nx_batch_free(b);
	nx_batch_free(NULL);
}

struct producer {
	struct nx_queue *q;
	uint32_t pushed, refused;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (uint32_t i = 0; i < 20000; i++) {
		struct nx_batch *b = nx_queue_spare(p->q);

		if (!b)
			b = nx_batch_new(1, 8);
		b->n = 1;
		if (nx_queue_push(p->q, b) == 0) {
			p->pushed++;
		} else {
			p->refused++;
			nx_batch_free(b);
		}
	}
	nx_queue_close(p->q);
	return NULL;
}

static void test_every_batch_is_handed_over_or_refused(void **state)
{
	struct producer p = { .q = nx_queue_new(8, NULL) };
	struct nx_batch *b;
	uint32_t got = 0;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	while ((b = nx_queue_pop(p.q, -1))) {
		got += b->n;
		nx_queue_recycle(p.q, b);
	}
	pthread_join(t, NULL);
	assert_int_equal(got, p.pushed);
	assert_int_equal(p.pushed + p.refused, 20000);
	nx_queue_free(p.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_queue_refuses_without_blocking),
		cmocka_unit_test(test_close_drains_then_ends),
		cmocka_unit_test(test_pop_times_out),
		cmocka_unit_test(test_push_wait_waits_for_room_then_gives_up),
		cmocka_unit_test(test_recycled_batches_come_back_reset),
		cmocka_unit_test(test_arena_refuses_what_does_not_fit),
		cmocka_unit_test(test_every_batch_is_handed_over_or_refused),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
