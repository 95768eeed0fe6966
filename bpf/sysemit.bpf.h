#ifndef NX_BPF_SYSEMIT_BPF_H	/* bpf/sysemit.bpf.h: emit a pending syscall as one SYSCALL record */
#define NX_BPF_SYSEMIT_BPF_H

#include "bpf/maps.bpf.h"

/*
 * pt: the thread's pid_tgid (tgid << 32 | tid). flags NX_SYS_EXITED: ret and
 * the duration are valid; 0: flushed unreturned.
 */
static __always_inline void nx_sys_emit(struct nx_pending *p, __u64 pt, __s64 ret, __u32 flags)
{
	struct nx_wire_syscall *e;

	e = bpf_ringbuf_reserve(&nx_events, sizeof(*e), 0);
	if (!e) {
		nx_count_lost();
		return;
	}
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
	bpf_ringbuf_submit(e, nx_wake_flags());
}

#endif
