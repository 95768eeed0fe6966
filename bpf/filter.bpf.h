#ifndef NX_BPF_FILTER_BPF_H	/* bpf/filter.bpf.h: process filters (Filter: Pid, Uid, Comm) */
#define NX_BPF_FILTER_BPF_H
/*
 * Which of the traced processes get recorded, judged in the kernel once per
 * process: at its first event after the recorder marked it, after its fork
 * and after each exec (a new comm, maybe a new uid), and cached in the
 * relevancy byte (NX_REL_DECIDED, NX_REL_MUTED). Kinds AND, values OR.
 * The values are rodata written by capture/loader.c; with nx_filter_on 0
 * the verifier prunes all of it and nx_relevant is what it was.
 *
 * A comm pattern is exact or a glob with * and ? (capture/config.c refuses
 * anything else, and user space judges processes already running with
 * fnmatch(3), which agrees on those two: test_procfilter compares them),
 * matched by bpf/glob.h's walk, one step per bpf_loop iteration.
 *
 * Needs vmlinux.h, bpf_helpers.h and bpf/nxbpf.h first.
 */
#include "bpf/glob.h"

const volatile __u32 nx_filter_on __weak = 0;		/* NX_FILT_* kinds in use */
const volatile __u32 nx_filt_npids __weak = 0;
const volatile __u32 nx_filt_pids[NX_FILT_MAX] __weak = {};
const volatile __u32 nx_filt_nuids __weak = 0;
const volatile __u32 nx_filt_uids[NX_FILT_MAX] __weak = {};
const volatile __u32 nx_filt_ncomms __weak = 0;
const volatile char nx_filt_comms[NX_FILT_MAX][NX_NAME_LEN] __weak = {};
const volatile __u32 nx_filt_comm_len[NX_FILT_MAX] __weak = {};	/* strlen of each */

static long nx_glob_cb(__u32 i, struct nx_glob *g)
{
	char pc = g->p < g->plen ?
		  nx_filt_comms[g->idx & (NX_FILT_MAX - 1)][g->p & (NX_NAME_LEN - 1)] : 0;

	return nx_glob_step(g, pc);
}

static __noinline int nx_filt_comm_ok(void)
{
	struct nx_glob g = {};

	bpf_get_current_comm(g.str, sizeof(g.str));
	for (int i = 0; i < NX_NAME_LEN - 1 && g.str[i]; i++)
		g.slen = i + 1;
	for (__u32 i = 0; i < NX_FILT_MAX; i++) {
		if (i >= nx_filt_ncomms)	/* rodata: the verifier knows where this ends */
			break;
		g.idx = i;
		nx_glob_init(&g, nx_filt_comm_len[i] & (NX_NAME_LEN - 1), g.slen);
		bpf_loop(NX_GLOB_STEPS, nx_glob_cb, &g, 0);
		if (g.match)
			return 1;
	}
	return 0;
}

static __always_inline int nx_filt_in(const volatile __u32 *vals, __u32 n, __u32 v)
{
	for (int i = 0; i < NX_FILT_MAX; i++) {
		if (i >= n)
			break;
		if (vals[i] == v)
			return 1;
	}
	return 0;
}

/* Does the current task (of thread group tgid) pass every filter in use? */
static __always_inline int nx_filter_pass(__u32 tgid)
{
	if ((nx_filter_on & NX_FILT_PID) && !nx_filt_in(nx_filt_pids, nx_filt_npids, tgid))
		return 0;
	if ((nx_filter_on & NX_FILT_UID) &&
	    !nx_filt_in(nx_filt_uids, nx_filt_nuids, (__u32)bpf_get_current_uid_gid()))
		return 0;
	if ((nx_filter_on & NX_FILT_COMM) && !nx_filt_comm_ok())
		return 0;
	return 1;
}

/* Judges the current task's process and caches the answer in its byte. */
static __always_inline __u8 nx_filter_decide(__u8 *rel, __u8 r, __u32 tgid)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != tgid)
		return r;			/* not ours to judge: the caller's view stands */
	r = (r & NX_REL_SEL) | NX_REL_DECIDED | (nx_filter_pass(tgid) ? 0 : NX_REL_MUTED);
	*rel = r;
	return r;
}

#endif
