/*
 * bpf/proc.bpf.c: process lifecycle (exec, fork/clone, exit) and relevancy.
 *
 * Relevancy lives in nx_shared.rel[tgid]: the loader marks the launched
 * command and -p pids; fork marks a relevant parent's child (nx_follow);
 * exec marks a process whose new comm is in nx_names (NoExec: comm is the
 * basename of the file executed, cut at 15 bytes, set before this
 * tracepoint fires); the last thread's exit clears the byte so a reused pid
 * starts untraced. nx_shared.live counts the NX_REL_WAIT groups alive: the
 * recorder stops when it drops to zero.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/maps.bpf.h"
#include "bpf/sysemit.bpf.h"

static __always_inline void hdr_fill(struct nx_wire_hdr *h, __u16 kind, __u16 len, __u32 pid,
				     __u32 tid)
{
	h->kind = kind;
	h->len = len;
	h->pid = pid;
	h->tid = tid;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct nx_wire_fork *e;
	struct nx_shared *s;
	long n;

	if (!nx_selected(ptgid))
		return 0;
	if (nx_relevant(ptgid))		/* (a parent filtered out still has its children followed) */
		nx_sys_flush_current();	/* the parent's earlier syscalls come first */
	if (ctgid != ptgid && nx_follow && !nx_trace_all) {
		s = nx_shared_get();
		if (s) {
			__u8 *r = &s->rel[ctgid & (NX_PID_LIMIT - 1)];

			if ((*r & NX_REL_SEL) == NX_REL_NO) {
				*r = NX_REL_WAIT;	/* undecided: judged at its first event */
				__sync_fetch_and_add(&s->live, 1);
			}
		}
	}
	if (nx_filter_on && !nx_relevant(ptgid))
		return 0;
	e = bpf_ringbuf_reserve(&nx_events, sizeof(*e) + NX_NAME_LEN, 0);
	if (!e) {
		nx_count_lost(1);
		return 0;
	}
	e->child_pid = ctgid;
	e->child_tid = child->pid;
	e->flags = ctgid == ptgid ? NX_FORK_THREAD : 0;
	n = bpf_probe_read_kernel_str(e + 1, NX_NAME_LEN, child->comm);
	e->comm = n > 0 ? n - 1 : 0;
	hdr_fill(&e->hdr, NX_KIND_FORK, sizeof(*e) + e->comm, ptgid, parent->pid);
	bpf_ringbuf_submit(e, nx_wake_flags());
	return 0;
}

#define EXEC_REC (sizeof(struct nx_wire_exec) + NX_NAME_LEN + NX_PATH_MAX)

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct nx_wire_exec *e;
	char *str;
	long n;

	if (!nx_selected(tgid)) {
		char name[NX_NAME_LEN] = {};
		struct nx_shared *s;

		if (!nx_noexec)
			return 0;
		bpf_probe_read_kernel_str(name, sizeof(name), p->comm);
		if (!bpf_map_lookup_elem(&nx_names, name))
			return 0;
		s = nx_shared_get();
		if (!s)
			return 0;
		s->rel[tgid & (NX_PID_LIMIT - 1)] = NX_REL_YES;
	}
	if (nx_filter_on) {		/* a new comm and maybe uid: judged again */
		struct nx_shared *s = nx_shared_get();

		if (s)
			s->rel[tgid & (NX_PID_LIMIT - 1)] &= ~NX_REL_DECIDED;
		if (!nx_relevant(tgid)) {
			nx_sys_drop_current((__u64)tgid << 32 | (__u32)p->pid,
					    (__u64)tgid << 32 | (__u32)old_pid);
			return 0;
		}
	}
	nx_sys_flush_current();
	if (old_pid != p->pid)	/* a thread's exec: it takes the leader's tid */
		nx_sys_rename_current((__u64)tgid << 32 | (__u32)old_pid,
				      (__u64)tgid << 32 | (__u32)p->pid);
	e = bpf_ringbuf_reserve(&nx_events, EXEC_REC, 0);
	if (!e) {
		nx_count_lost(1);
		return 0;
	}
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = BPF_CORE_READ(p, cred, uid.val);
	e->gid = BPF_CORE_READ(p, cred, gid.val);
	e->flags = 0;
	str = (char *)(e + 1);
	n = bpf_probe_read_kernel_str(str, NX_NAME_LEN, p->comm);
	e->comm = n > 0 ? (n - 1) & (NX_NAME_LEN - 1) : 0;
	str += e->comm;
	n = bpf_probe_read_kernel_str(str, NX_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n < 0)
		n = 1;
	/* The kernel refuses an exec path of PATH_MAX bytes or more (NUL
	 * included), and NX_PATH_MAX is PATH_MAX: a 4095-byte name fits whole.
	 * n == NX_PATH_MAX with no NUL before it cannot happen, so
	 * NX_EXEC_TRUNCATED is only set if the limit is ever made smaller. */
	if (n > NX_PATH_MAX - 1 && str[(NX_PATH_MAX - 1) & (NX_PATH_MAX - 1)] != '\0')
		e->flags |= NX_EXEC_TRUNCATED;
	e->filename = n > 0 ? (n - 1) & (NX_PATH_MAX - 1) : 0;
	hdr_fill(&e->hdr, NX_KIND_EXEC, sizeof(*e) + e->comm + e->filename, tgid, p->pid);
	bpf_ringbuf_submit(e, nx_wake_flags());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p, bool group_dead)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32;
	struct nx_wire_exit *e;
	struct nx_shared *s;

	if (!nx_selected(tgid))
		return 0;
	if (nx_filter_on && !nx_relevant(tgid))
		goto gone;
	/* exit and exit_group never reach sys_exit: their entry is flushed here. */
	nx_sys_end_current(pt);
	e = bpf_ringbuf_reserve(&nx_events, sizeof(*e), 0);
	if (e) {
		e->code = BPF_CORE_READ(p, exit_code);
		e->flags = group_dead ? NX_EXIT_GROUP : 0;
		hdr_fill(&e->hdr, NX_KIND_EXIT, sizeof(*e), tgid, (__u32)pt);
		bpf_ringbuf_submit(e, nx_wake_flags());
	} else {
		nx_count_lost(1);
	}
gone:
	if (group_dead && (!nx_trace_all || nx_filter_on)) {	/* a reused pid starts afresh */
		s = nx_shared_get();
		if (s) {
			__u8 *r = &s->rel[tgid & (NX_PID_LIMIT - 1)];

			if ((*r & NX_REL_SEL) == NX_REL_WAIT)
				__sync_fetch_and_add(&s->live, -1);
			*r = NX_REL_NO;
		}
	}
	return 0;
}
