// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tests/bpf/trigger_test.bpf.c: runs bpf/trigger.bpf.h in the kernel for the
 * differential test (tests/unit/test_trigger_kernel.c); never part of the
 * product skeleton.
 *
 * User space fills progs[] and inputs[][] through the mmaped .bss, runs
 * trig_run with BPF_PROG_TEST_RUN (a syscall program: test_run is what it is
 * for), and reads results[][]: 1 or 0 per (program, input). trig_uprobe is
 * never attached: loading it proves the evaluator passes the verifier as the
 * program type the recorder uses for uprobes (kprobe).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/trigger.bpf.h"

#define NPROGS 64
#define NINPUTS 8

struct nx_trig_prog progs[NPROGS];
struct nx_trig_input inputs[NPROGS][NINPUTS];
__u8 results[NPROGS][NINPUTS];
__u32 nprogs;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_trig_input);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_trig_prog);
} uprobe_prog SEC(".maps");

__u64 uprobe_hits;

static long run_one(__u32 k, void *ctx)
{
	__u32 i = (k / NINPUTS) & (NPROGS - 1), j = k % NINPUTS;

	if (i >= nprogs)
		return 1;
	results[i][j] = nx_trig_bpf_eval(&progs[i], &inputs[i][j]);
	return 0;
}

SEC("syscall")
int trig_run(void *ctx)
{
	bpf_loop(NPROGS * NINPUTS, run_one, NULL, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(trig_uprobe)
{
	struct nx_trig_input *in;
	struct nx_trig_prog *p;
	__u32 zero = 0;
	int j;

	in = bpf_map_lookup_elem(&scratch, &zero);
	p = bpf_map_lookup_elem(&uprobe_prog, &zero);
	if (!in || !p)
		return 0;
	in->args[0] = PT_REGS_PARM1(ctx);
	in->args[1] = PT_REGS_PARM2(ctx);
	in->args[2] = PT_REGS_PARM3(ctx);
	in->args[3] = PT_REGS_PARM4(ctx);
	in->args[4] = PT_REGS_PARM5(ctx);
#if defined(__TARGET_ARCH_x86)
	in->args[5] = ctx->r9;	/* libbpf 1.1 has no PT_REGS_PARM6 */
#else
	in->args[5] = 0;
#endif
	in->ret = 0;
	in->pid = bpf_get_current_pid_tgid() >> 32;
	in->tid = (__u32)bpf_get_current_pid_tgid();
	in->uid = (__u32)bpf_get_current_uid_gid();
	for (j = 0; j < NX_TRIG_COMM_LEN; j++)
		in->comm[j] = 0;
	bpf_get_current_comm(in->comm, sizeof(in->comm));
	if (nx_trig_bpf_eval(p, in))
		__sync_fetch_and_add(&uprobe_hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
