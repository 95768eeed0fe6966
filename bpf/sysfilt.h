#ifndef NX_BPF_SYSFILT_H	/* bpf/sysfilt.h: syscall filters, shared with the loader */
#define NX_BPF_SYSFILT_H
/*
 * A Syscalls item with a Trigger or a PathPrefix (capture/config.h) becomes
 * one value of the nx_sysfilt map, keyed by syscall number. At sys_exit
 * (bpf/payload.bpf.h) a syscall whose filter does not hold leaves nothing in
 * the ring, and is counted in nx_sysfilt_drops[nr] (per cpu); the recorder
 * writes the counts as FILTER events with probe NX_FILTER_PROBE_SYSCALL | nr.
 *
 * Plain header: include vmlinux.h or <linux/types.h> first.
 */
#include "bpf/trigger.h"

#define NX_SYSFILT_MAX 64		/* filters in a run */
#define NX_SYSFILT_PREFIX_MAX 64	/* bytes of a PathPrefix */

enum nx_sysfilt_flags {
	NX_SYSFILT_TRIGGER = 1u << 0,	/* prog must hold (args, ret, pid, tid, uid, comm) */
	NX_SYSFILT_PREFIX = 1u << 1,	/* the path argument must start with prefix */
};

struct nx_sysfilt {
	__u32 flags;
	__u32 path_arg;			/* 1..6: the argument PathPrefix applies to */
	__u32 prefix_len;		/* 1..NX_SYSFILT_PREFIX_MAX */
	__u32 pad;
	__u8 prefix[NX_SYSFILT_PREFIX_MAX];
	struct nx_trig_prog prog;
};

#endif
