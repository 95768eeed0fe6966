/*
 * bpf/syscalls.bpf.c: one SYSCALL record per syscall of a relevant thread.
 *
 * sys_enter keeps the entry (time, number, six argument registers; an ia32
 * syscall's as bpf/ia32.bpf.h says) in the
 * cpu's slot (bpf/sysemit.bpf.h: moved to task storage if the thread blocks);
 * sys_exit makes one record with the return value and the duration
 * (NX_SYS_EXITED). One record per syscall instead of two halves the ring
 * traffic, and a cpu buffers NX_SYS_BATCH of them per ring-buffer
 * reservation (flushed when a thread is switched out, execs, forks or
 * exits, and by nx_flush at the end), so that the reserve/submit cost is
 * shared. A syscall that never returns (exit, exit_group) is flushed by
 * proc.bpf.c at sched_process_exit with NX_SYS_EXITED clear; one still
 * blocked when the recording stops is flushed the same way by nx_flush, a
 * task iterator.
 *
 * Every reservation that fails is counted in nx_lost (per cpu): the loader
 * writes the deltas into the recording, so loss is never silent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/maps.bpf.h"
#include "bpf/sysemit.bpf.h"
#include "bpf/ia32.bpf.h"
#include "bpf/payload.bpf.h"

const volatile __u32 nx_sys_filter_on = 0;	/* 0: every syscall */
const volatile __u64 nx_sys_filter[NX_SYS_WORDS] = {};

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* nr as recorded: an ia32 syscall goes by its x86-64 namesake (bpf/ia32.bpf.h),
 * an i386-only one by its own bit past the x86-64 numbers (bpf/nxbpf.h). */
static __always_inline int sys_wanted(__u32 nr)
{
	__u32 bit;

	if (!nx_sys_filter_on)
		return 1;
	bit = nx_sys_nr64(nr);
	if (bit >= NX_SYS_MAX) {	/* only an i386-only syscall has a bit up there */
		if (!(nr & NX_SYS_IA32) || (nr & ~NX_SYS_IA32) >= NX_IA32_MAX)
			return 0;
		bit = NX_SYS_MAX + (nr & ~NX_SYS_IA32);
	}
	if (bit >= NX_SYS_FILTER_BITS)
		return 0;
	barrier_var(bit);	/* keep the mask: clang drops it after the compare */
	return (nx_sys_filter[(bit >> 6) & (NX_SYS_WORDS - 1)] >> (bit & 63)) & 1;
}

/*
 * An entry to fill: the cpu slot's when this program holds it (*held), else
 * the thread's task storage (the slot is held by a preempted program). An
 * entry of another thread still in the slot is one whose thread stopped
 * being traced inside its syscall (an exec into a process filtered out):
 * its sys_exit records nothing, so it is dropped here.
 */
static __always_inline struct nx_pending *entry_slot(struct nx_cpu *c, struct task_struct *task,
						     __u64 pt, int *held)
{
	struct nx_pending *p;

	*held = c && nx_cpu_lock(c);
	if (*held) {
		c->owner = pt;
		return &c->pend;
	}
	p = bpf_task_storage_get(&nx_pending, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (p)
		p->active = 1;
	return p;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	/* one helper call for the ids and the ABI both */
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pt = (__u64)task->tgid << 32 | (__u32)task->pid;
	struct nx_pending *p;
	struct nx_cpu *c;
	int held, ia32;
	__u32 nr;

	if (!nx_relevant(pt >> 32))
		return 0;
	ia32 = nx_sys_ia32(task);
	nr = ia32 ? NX_SYS_IA32 | (__u32)id : (__u32)id;
	if (!sys_wanted(nr))
		return 0;
	c = nx_cpu_get();
	p = entry_slot(c, task, pt, &held);
	if (!p) {
		nx_count_lost(1);
		return 0;
	}
	p->ts_ns = bpf_ktime_get_ns();
	if (ia32) {	/* i386: ebx, ecx, edx, esi, edi, ebp */
		p->args[0] = (__u32)regs->bx;
		p->args[1] = (__u32)regs->cx;
		p->args[2] = (__u32)regs->dx;
		p->args[3] = (__u32)regs->si;
		p->args[4] = (__u32)regs->di;
		p->args[5] = (__u32)regs->bp;
	} else {
		p->args[0] = regs->di;
		p->args[1] = regs->si;
		p->args[2] = regs->dx;
		p->args[3] = regs->r10;
		p->args[4] = regs->r8;
		p->args[5] = regs->r9;
	}
	p->pt = pt;
	p->nr = nr;
	if (held && c)
		nx_cpu_unlock(c);
	return 0;
}

/* The record of entry p (its syscall returned ret) into batch b (NULL: alone). */
static __always_inline void sys_done(struct nx_sysbuf *b, struct nx_pending *p, __u64 pt, long ret)
{
	if (nx_pay_exit(p, b, pt, ret))	/* 0: a Syscalls filter dropped it */
		nx_sys_out(b, p, pt, ret, NX_SYS_EXITED);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct nx_sysbuf *b = NULL;
	struct nx_pending *p;
	struct nx_cpu *c;

	if (!nx_relevant(pt >> 32))
		return 0;
	c = nx_cpu_get();
	if (c && nx_cpu_lock(c))
		b = &c->batch;	/* else held by a preempted program: a record alone */
	if (b && c && c->owner == pt) {
		c->owner = 0;
		sys_done(b, &c->pend, pt, ret);
	} else {		/* it blocked: parked by on_switch */
		p = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL, 0);
		if (p && p->active) {
			p->active = 0;
			sys_done(b, p, pt, ret);
		}
	}
	if (b && c)
		nx_cpu_unlock(c);
	return 0;
}

/* Every cpu's slot, at the end: an entry still open there (its thread was
 * running in a syscall when the programs were detached), then the batch. */
static long flush_cpu(__u32 cpu, void *unused)
{
	__u32 zero = 0;
	struct nx_cpu *c = bpf_map_lookup_percpu_elem(&nx_cpu, &zero, cpu);

	if (!c)
		return 1;
	if (!nx_cpu_lock(c)) {	/* held by a program that never ended: never silent */
		nx_count_lost(c->batch.nbuf + (c->owner ? 1 : 0));
		return 0;
	}
	if (c->owner) {
		nx_sys_emit(&c->batch, &c->pend, c->pend.pt, 0, 0);
		c->owner = 0;
	}
	nx_sys_flush(&c->batch);
	nx_cpu_unlock(c);
	return 0;
}

/*
 * Run once by the loader after the other programs are detached (a task
 * iterator): first every cpu's slot, then every syscall still blocked keeps
 * its entry, flushed as a record with NX_SYS_EXITED clear, like
 * exit_group's.
 */
SEC("iter/task")
int nx_flush(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct nx_pending *p;

	if (ctx->meta->seq_num == 0)
		bpf_loop(nx_ncpus, flush_cpu, NULL, 0);
	if (!task)
		return 0;
	p = bpf_task_storage_get(&nx_pending, task, NULL, 0);
	if (p && p->active) {
		nx_sys_emit_one(p, (__u64)task->tgid << 32 | (__u32)task->pid, 0, 0);
		p->active = 0;
	}
	return 0;
}

/* A thread leaving the cpu takes nothing of its own along in the slot: its
 * records go to the ring, an entry still open (it blocks) to its task
 * storage. */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev)
{
	struct nx_cpu *c = nx_cpu_get();
	__u64 pt = (__u64)prev->tgid << 32 | (__u32)prev->pid;
	int mine;

	if (!c)
		return 0;
	mine = pt && c->owner == pt;	/* the idle task's pt is 0, an empty slot's too */
	if ((!mine && !c->batch.nbuf) || !nx_cpu_lock(c))
		return 0;
	if (mine && c->owner == pt)	/* again, under the lock */
		nx_sys_park(c, prev);
	nx_sys_flush(&c->batch);
	nx_cpu_unlock(c);
	return 0;
}
