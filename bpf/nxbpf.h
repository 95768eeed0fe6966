#ifndef NX_BPF_NXBPF_H	/* bpf/nxbpf.h: limits and map values shared by the BPF programs and the loader */
#define NX_BPF_NXBPF_H
/*
 * Plain header, includes nothing: include <linux/types.h> (user space) or
 * vmlinux.h (BPF) first. The wire records themselves live in bpf/events.h.
 */

#define NX_PID_LIMIT (1u << 22)		/* PID_MAX_LIMIT on 64-bit: every possible pid */
#define NX_SYS_MAX 512u			/* syscall numbers the filter bitmap covers */
/* The Syscalls filter's bitmap: x86-64 numbers, then NX_SYS_MAX + n for the
 * i386-only syscall n (no x86-64 namesake: mmap2, socketcall ...). */
#define NX_SYS_FILTER_BITS (2 * NX_SYS_MAX)
#define NX_SYS_WORDS (NX_SYS_FILTER_BITS / 64)
#define NX_NAME_LEN 16			/* TASK_COMM_LEN: NoExec names match comm */
#define NX_PATH_MAX 4096		/* exec filename capture limit, NUL included */

/* Values of nx_shared.rel[pid]: is the thread group pid traced? */
enum nx_rel {
	NX_REL_NO = 0,
	NX_REL_YES = 1,			/* traced (NoExec match): not waited for */
	NX_REL_WAIT = 2,		/* traced and counted in nx_shared.live */
};

/*
 * With process filters on (Filter, --comm/--uid), rel[pid] also carries two
 * flags beside the enum nx_rel in its low bits: the process was judged since
 * its last exec or fork, and judged out (still followed and waited for, but
 * nothing of it recorded). Without filters neither is ever set.
 */
#define NX_REL_SEL 0x03			/* mask of the enum nx_rel value */
#define NX_REL_DECIDED 0x40
#define NX_REL_MUTED 0x80

/* Filter kinds, nx_filter_on bits (bpf/filter.bpf.h). */
#define NX_FILT_PID (1u << 0)
#define NX_FILT_UID (1u << 1)
#define NX_FILT_COMM (1u << 2)
#define NX_FILT_MAX 16			/* values of one kind: NX_FILTER_MAX of capture/config.h */

/*
 * The relevancy table, one mmap-able array element so that the hot path is
 * one inlined array lookup plus a byte load, and user space sets bytes with
 * plain stores into the mapping (a byte store never races a neighbour).
 */
struct nx_shared {
	__s64 live;			/* NX_REL_WAIT thread groups still alive */
	__u64 reserved;
	__u8 rel[NX_PID_LIMIT];		/* enum nx_rel, indexed by thread group id */
};

#define NX_SYS_REC 96			/* sizeof(struct nx_wire_syscall), checked in loader.c */
#define NX_SYS_BATCH 8			/* completed syscalls buffered per ring record */

/* The syscall a thread is in: from sys_enter until its sys_exit. */
struct nx_pending {
	__u64 ts_ns;
	__u64 args[6];
	__u64 pt;			/* pid_tgid (tgid << 32 | tid) at entry */
	__u32 nr;
	__u32 active;			/* in task storage: set while the entry is valid */
};

/* Completed SYSCALL records, handed to the ring NX_SYS_BATCH at a time. */
struct nx_sysbuf {
	__u32 nbuf;			/* records in buf */
	__u32 pad;
	__u8 buf[NX_SYS_BATCH * NX_SYS_REC];	/* struct nx_wire_syscall each */
};

/*
 * Per cpu (bpf/sysemit.bpf.h): the entry of the syscall the thread running
 * here is in, and the records of the syscalls completed here since the
 * last thread switch. An entry moves to the thread's task storage only when
 * the thread leaves the cpu inside its syscall (it blocks), so the common
 * syscall never touches task storage. lock is a try-lock taken with one
 * compare-and-swap: a program preempted on this cpu (full preemption only)
 * keeps others out of the slot, and they take the task storage path.
 */
struct nx_cpu {
	__u64 owner;			/* pid_tgid of the thread whose entry pend is; 0: none */
	__u64 lock;			/* 64 bits: BPF's compare-and-swap before cpu v3 */
	struct nx_pending pend;
	struct nx_sysbuf batch;
};

#endif
