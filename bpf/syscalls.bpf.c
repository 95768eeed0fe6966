/*
 * bpf/syscalls.bpf.c: one SYSCALL record per syscall of a relevant thread.
 *
 * sys_enter keeps the entry (time, number, six argument registers) in the
 * thread's task storage; sys_exit makes one record with the return value and
 * the duration (NX_SYS_EXITED). One record per syscall instead of two halves
 * the ring traffic, and a thread buffers NX_SYS_BATCH of them per ring-buffer
 * reservation (flushed when it is switched out, execs, forks or exits, and
 * by nx_flush at the end), so that the reserve/submit cost is shared. A syscall that
 * never returns (exit, exit_group) is flushed by proc.bpf.c at
 * sched_process_exit with NX_SYS_EXITED clear; one still blocked when the
 * recording stops is flushed the same way by nx_flush, a task iterator.
 *
 * Every reservation that fails is counted in nx_lost (per cpu): the loader
 * writes the deltas into the recording, so loss is never silent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/maps.bpf.h"
#include "bpf/sysemit.bpf.h"
#include "bpf/payload.bpf.h"

const volatile __u32 nx_sys_filter_on = 0;	/* 0: every syscall */
const volatile __u64 nx_sys_filter[NX_SYS_WORDS] = {};

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int sys_wanted(long id)
{
	if (!nx_sys_filter_on)
		return 1;
	if ((__u64)id >= NX_SYS_MAX)
		return 0;
	return (nx_sys_filter[(id >> 6) & (NX_SYS_WORDS - 1)] >> (id & 63)) & 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct nx_pending *p;

	if (!nx_relevant(bpf_get_current_pid_tgid() >> 32) || !sys_wanted(id))
		return 0;
	p = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p) {
		nx_count_lost(1);
		return 0;
	}
	p->ts_ns = bpf_ktime_get_ns();
	p->args[0] = regs->di;
	p->args[1] = regs->si;
	p->args[2] = regs->dx;
	p->args[3] = regs->r10;
	p->args[4] = regs->r8;
	p->args[5] = regs->r9;
	p->nr = id;
	p->active = 1;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct nx_pending *p;

	if (!nx_relevant(pt >> 32))
		return 0;
	p = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL, 0);
	if (!p || !p->active)
		return 0;
	if (!nx_pay_exit(p, pt, ret)) {	/* a Syscalls filter dropped it */
		p->active = 0;
		return 0;
	}
	nx_sys_emit(p, pt, ret, NX_SYS_EXITED);
	p->active = 0;
	return 0;
}

/*
 * Run once by the loader after the other programs are detached (a task
 * iterator): every syscall still blocked keeps its entry, flushed as a
 * record with NX_SYS_EXITED clear, like exit_group's; every thread's
 * buffered records go to the ring.
 */
SEC("iter/task")
int nx_flush(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct nx_pending *p;

	if (!task)
		return 0;
	p = bpf_task_storage_get(&nx_pending, task, NULL, 0);
	if (!p)
		return 0;
	if (p->active) {
		nx_sys_emit(p, (__u64)task->tgid << 32 | (__u32)task->pid, 0, 0);
		p->active = 0;
	}
	nx_sys_flush(p);
	return 0;
}

/* A thread leaving the cpu hands its buffered records over: they are never
 * held longer than the thread runs. */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev)
{
	struct nx_pending *p;

	if (!nx_relevant(prev->tgid))
		return 0;
	p = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL, 0);
	if (p && p->nbuf)
		nx_sys_flush(p);
	return 0;
}
