#ifndef NX_BPF_SYSEMIT_BPF_H	/* bpf/sysemit.bpf.h: SYSCALL records, through the per-cpu slot */
#define NX_BPF_SYSEMIT_BPF_H
/*
 * The hot path keeps a syscall's entry and the completed records in a
 * per-cpu slot (struct nx_cpu): an inlined array lookup instead of two task
 * storage lookups per syscall, which cost ~55 ns each here. The slot stays
 * right because a thread leaves its cpu only through the scheduler, and
 * on_switch (bpf/syscalls.bpf.c) then empties the slot: the batch goes to
 * the ring (so a thread's records keep their order when it moves to
 * another cpu) and an entry still open moves to the thread's task storage,
 * where its sys_exit, on whatever cpu, finds it.
 *
 * Tracing programs run with migration disabled but, under full preemption,
 * may be preempted: a program holds the slot's lock while it uses the slot,
 * and a program that finds it taken (another thread's program was preempted
 * inside it) uses the task storage and a ring record of its own instead.
 * Whoever holds the lock is the only one on this cpu that can have records
 * in the batch, so that path loses no order either.
 */
#include "bpf/maps.bpf.h"

static __always_inline struct nx_cpu *nx_cpu_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nx_cpu, &zero);
}

static __always_inline int nx_cpu_lock(struct nx_cpu *c)
{
	return __sync_val_compare_and_swap(&c->lock, 0, 1) == 0;
}

static __always_inline void nx_cpu_unlock(struct nx_cpu *c)
{
	barrier();	/* only this cpu uses the slot: the compiler is all to order */
	*(volatile __u64 *)&c->lock = 0;
}

/* Hands the buffered records to the ring buffer as one record of b->nbuf
 * wire records back to back; counts them lost if the ring is full. */
static __always_inline void nx_sys_flush(struct nx_sysbuf *b)
{
	__u32 n = b->nbuf;
	__u64 size;

	if (!n)
		return;
	if (n > NX_SYS_BATCH)
		n = NX_SYS_BATCH;
	size = (__u64)n * NX_SYS_REC;
	barrier_var(size);	/* bound the size itself, where the verifier can see it */
	if (size > sizeof(b->buf))
		size = sizeof(b->buf);
	if (bpf_ringbuf_output(&nx_events, b->buf, size, nx_wake_flags()) < 0)
		nx_count_lost(n);
	b->nbuf = 0;
}

/*
 * The record of entry p. pt: the thread's pid_tgid now (an exec by a
 * non-leader thread changes its tid). flags NX_SYS_EXITED: ret and the
 * duration are valid; 0: flushed unreturned.
 */
static __always_inline void nx_sys_fill(struct nx_wire_syscall *e, const struct nx_pending *p,
					__u64 pt, __s64 ret, __u32 flags)
{
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
}

/* Appends the record of p to the batch, handed over when full. */
static __always_inline void nx_sys_emit(struct nx_sysbuf *b, const struct nx_pending *p, __u64 pt,
					__s64 ret, __u32 flags)
{
	__u32 i = b->nbuf;

	if (i >= NX_SYS_BATCH) {
		nx_sys_flush(b);
		i = 0;
	}
	nx_sys_fill((void *)&b->buf[(i & (NX_SYS_BATCH - 1)) * NX_SYS_REC], p, pt, ret, flags);
	b->nbuf = i + 1;
	if (b->nbuf >= NX_SYS_BATCH)
		nx_sys_flush(b);
}

/* The record of p in a ring record of its own: the slot was taken. */
static __always_inline void nx_sys_emit_one(const struct nx_pending *p, __u64 pt, __s64 ret,
					    __u32 flags)
{
	struct nx_wire_syscall *e = bpf_ringbuf_reserve(&nx_events, sizeof(*e), 0);

	if (!e) {
		nx_count_lost(1);
		return;
	}
	nx_sys_fill(e, p, pt, ret, flags);
	bpf_ringbuf_submit(e, nx_wake_flags());
}

/* Into the batch of a held slot (b), or alone (b NULL). */
static __always_inline void nx_sys_out(struct nx_sysbuf *b, const struct nx_pending *p, __u64 pt,
				       __s64 ret, __u32 flags)
{
	if (b)
		nx_sys_emit(b, p, pt, ret, flags);
	else
		nx_sys_emit_one(p, pt, ret, flags);
}

/* Moves the slot's open entry, owned by task, to task's storage. Only
 * here, when a thread leaves its cpu inside a syscall, is storage made. */
static __always_inline void nx_sys_park(struct nx_cpu *c, struct task_struct *task)
{
	struct nx_pending *s;

	s = bpf_task_storage_get(&nx_pending, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (s) {
		*s = c->pend;
		s->active = 1;
	} else {
		nx_count_lost(1);
	}
	c->owner = 0;
}

/* Hands this cpu's buffered records to the ring, before an event that must
 * follow them (exec, fork, a uprobe's record). A slot held by a preempted
 * program holds none of the current thread's records. */
static __always_inline void nx_sys_flush_current(void)
{
	struct nx_cpu *c = nx_cpu_get();

	if (!c || !c->batch.nbuf || !nx_cpu_lock(c))
		return;
	nx_sys_flush(&c->batch);
	nx_cpu_unlock(c);
}

/* The open entry of a thread whose tid changed (an exec by a thread that
 * is not the leader) keeps it for its sys_exit. */
static __always_inline void nx_sys_rename_current(__u64 old_pt, __u64 new_pt)
{
	struct nx_cpu *c = nx_cpu_get();

	if (!c || !nx_cpu_lock(c))
		return;
	if (c->owner == old_pt) {
		c->owner = new_pt;
		c->pend.pt = new_pt;
	}
	nx_cpu_unlock(c);
}

/* The current thread's open syscall forgotten: its process stopped being
 * recorded inside it (an exec into a process filtered out), so its exit
 * records nothing, and a later exit must not pair with it. old_pt: its
 * pid_tgid before the exec (a thread's exec takes the leader's tid). */
static __always_inline void nx_sys_drop_current(__u64 pt, __u64 old_pt)
{
	struct nx_cpu *c = nx_cpu_get();
	struct nx_pending *s;

	if (c && nx_cpu_lock(c)) {
		if (c->owner == pt || c->owner == old_pt)
			c->owner = 0;
		nx_cpu_unlock(c);
	}
	s = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL, 0);
	if (s)
		s->active = 0;
}

/*
 * The current thread's open syscall, if any, recorded unreturned (it exits
 * inside exit or exit_group, which never reach sys_exit), then this cpu's
 * records handed over.
 */
static __always_inline void nx_sys_end_current(__u64 pt)
{
	struct nx_cpu *c = nx_cpu_get();
	struct nx_sysbuf *b = NULL;
	struct nx_pending *s;

	if (c && nx_cpu_lock(c)) {
		b = &c->batch;
		if (c->owner == pt) {
			nx_sys_emit(b, &c->pend, pt, 0, 0);
			c->owner = 0;
		}
	}
	s = bpf_task_storage_get(&nx_pending, bpf_get_current_task_btf(), NULL, 0);
	if (s && s->active) {
		nx_sys_out(b, s, pt, 0, 0);
		s->active = 0;
	}
	if (b) {
		nx_sys_flush(b);
		nx_cpu_unlock(c);
	}
}

#endif
