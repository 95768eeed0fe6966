#ifndef NX_BPF_SYSEMIT_BPF_H	/* bpf/sysemit.bpf.h: SYSCALL records, buffered per thread */
#define NX_BPF_SYSEMIT_BPF_H

#include "bpf/maps.bpf.h"

/* Hands the thread's buffered records to the ring buffer as one record of
 * p->nbuf wire records back to back; counts them lost if the ring is full. */
static __always_inline void nx_sys_flush(struct nx_pending *p)
{
	__u32 n = p->nbuf;
	__u64 size;

	if (!n)
		return;
	if (n > NX_SYS_BATCH)
		n = NX_SYS_BATCH;
	size = (__u64)n * NX_SYS_REC;
	barrier_var(size);	/* bound the size itself, where the verifier can see it */
	if (size > sizeof(p->buf))
		size = sizeof(p->buf);
	if (bpf_ringbuf_output(&nx_events, p->buf, size, nx_wake_flags()) < 0)
		nx_count_lost(n);
	p->nbuf = 0;
}

/*
 * Appends the pending syscall as a record to the thread's buffer (flushed
 * when full). pt: the thread's pid_tgid (tgid << 32 | tid). flags
 * NX_SYS_EXITED: ret and the duration are valid; 0: flushed unreturned.
 */
static __always_inline void nx_sys_emit(struct nx_pending *p, __u64 pt, __s64 ret, __u32 flags)
{
	struct nx_wire_syscall *e;
	__u32 i = p->nbuf;

	if (i >= NX_SYS_BATCH) {
		nx_sys_flush(p);
		i = 0;
	}
	e = (void *)&p->buf[(i & (NX_SYS_BATCH - 1)) * NX_SYS_REC];
	e->hdr.kind = NX_KIND_SYSCALL;
	e->hdr.len = sizeof(*e);
	e->hdr.pid = pt >> 32;
	e->hdr.tid = (__u32)pt;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.ts_ns = p->ts_ns;
	e->arg1 = p->args[0];
	e->arg2 = p->args[1];
	e->arg3 = p->args[2];
	e->arg4 = p->args[3];
	e->arg5 = p->args[4];
	e->arg6 = p->args[5];
	e->nr = p->nr;
	e->flags = flags;
	if (flags & NX_SYS_EXITED) {
		e->ret = ret;
		e->dur_ns = bpf_ktime_get_ns() - p->ts_ns;
	} else {
		e->ret = 0;
		e->dur_ns = 0;
	}
	p->nbuf = i + 1;
	if (p->nbuf >= NX_SYS_BATCH)
		nx_sys_flush(p);
}

/* Flushes the current thread's buffer, before an event that must follow it. */
static __always_inline void nx_sys_flush_current(void)
{
	struct nx_pending *p;

	p = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL, 0);
	if (p)
		nx_sys_flush(p);
}

#endif
