// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tests/bpf/feed_test.bpf.c: writes synthetic SYSCALL records into a
 * running nexus-record's ring buffer, for tests/bench/bench_feed.c; never
 * part of the product skeleton.
 *
 * bench_feed replaces this object's nx_events (bpf/maps.bpf.h) with the
 * recorder's own ring (bpf_map__reuse_fd before load) and runs feed_run
 * with BPF_PROG_TEST_RUN (a syscall program). Each run writes feed_count
 * records through bpf/sysemit.bpf.h's own nx_sys_emit and nx_sys_flush, so
 * they reach the ring exactly as the real programs hand them over:
 * NX_SYS_BATCH records back to back per bpf_ringbuf_output, the same wakeup
 * policy (nx_wake_bytes, set like capture/loader.c sets it), ts_ns from
 * bpf_ktime_get_ns. A record is marked as fed by its pid (FEED_PID) and
 * carries its sequence number in arg1 and the step in arg2. What the ring
 * refused is counted in this object's own nx_lost, which bench_feed reads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpf/sysemit.bpf.h"

#define FEED_PID 0x7fff0000u
#define FEED_NR 110	/* getppid: what the storm makes */

__u64 feed_seq;		/* next sequence number; read and reset by bench_feed */
__u32 feed_count;	/* records per run, a multiple of NX_SYS_BATCH */
__u32 feed_step;
__u64 feed_max_fill;	/* most bytes the ring held after a run: did it fill? */

static long feed_one(__u32 k, void *ctx)
{
	struct nx_cpu *c = nx_cpu_get();	/* bpf_loop's ctx must be on the stack */
	struct nx_pending p = {};

	if (!c)
		return 1;
	p.ts_ns = bpf_ktime_get_ns();
	p.args[0] = feed_seq++;
	p.args[1] = feed_step;
	p.nr = FEED_NR;
	nx_sys_emit(&c->batch, &p, (__u64)FEED_PID << 32 | (FEED_PID + (k & 3)), 0, NX_SYS_EXITED);
	return 0;
}

SEC("syscall")
int feed_run(void *ctx)
{
	struct nx_cpu *c = nx_cpu_get();
	__u64 fill;

	if (!c)
		return -1;
	c->batch.nbuf = 0;
	bpf_loop(feed_count, feed_one, NULL, 0);
	nx_sys_flush(&c->batch);	/* a partial last batch, when count is not a multiple */
	fill = bpf_ringbuf_query(&nx_events, BPF_RB_AVAIL_DATA);
	if (fill > feed_max_fill)
		feed_max_fill = fill;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
