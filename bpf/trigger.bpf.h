#ifndef NX_BPF_TRIGGER_BPF_H	/* bpf/trigger.bpf.h: the trigger program evaluator, BPF side */
#define NX_BPF_TRIGGER_BPF_H
/*
 * nx_trig_bpf_eval() runs a predicate program (bpf/trigger.h) on one input,
 * in the kernel. It is the twin of nx_trig_prog_eval() in analyze/trigger.c:
 * the same algorithm, step by step, and tests/unit/test_trigger_kernel.c runs
 * thousands of programs through both (BPF_PROG_TEST_RUN) to prove it.
 *
 * Verifier notes: one step per bpf_loop() iteration, so the step is verified
 * once whatever the program; the instruction index and every stack index are
 * masked to their power-of-two array sizes; the input's comm is read as two
 * little-endian words before the loop. Include after vmlinux.h and
 * <bpf/bpf_helpers.h>.
 */
#include "bpf/trigger.h"

/* The machine's state: in a per-CPU map, not on the BPF stack, so that the
 * verifier sees unknown scalars and verifies the step once instead of
 * tracking every stack depth of every path. Safe per CPU: kprobe-type
 * programs do not nest on one CPU (bpf_prog_active), syscall programs run one
 * at a time per CPU. */
struct nx_trig_scratch {
	__s64 stack[NX_TRIG_STACK];
	__u64 comm[2];
	__u32 sp;
	__u32 len;
	__u32 bad;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_trig_scratch);
} nx_trig_scratch SEC(".maps") __weak;

struct nx_trig_run {
	const struct nx_trig_prog *p;
	const struct nx_trig_input *in;
	struct nx_trig_scratch *s;
};

static __always_inline __s64 nx_trig_bpf_var(const struct nx_trig_input *in, __u8 a)
{
	switch (a) {
	case NX_TRIG_VAR_ARG1 ... NX_TRIG_VAR_ARG1 + 5:
		return (__s64)in->args[(a - NX_TRIG_VAR_ARG1) & 7];
	case NX_TRIG_VAR_RET:
		return in->ret;
	case NX_TRIG_VAR_PID:
		return in->pid;
	case NX_TRIG_VAR_TID:
		return in->tid;
	case NX_TRIG_VAR_UID:
		return in->uid;
	case NX_TRIG_VAR_HEALTH:
		return in->health_flags;
	case NX_TRIG_VAR_CPU:
		return in->cpu_busy;
	case NX_TRIG_VAR_DISK:
		return in->disk_busy;
	default:
		return 0;
	}
}

/* One instruction; 1 stops bpf_loop. */
static __attribute__((unused)) long nx_trig_bpf_step(__u32 i, void *ctx)
{
	struct nx_trig_run *r = ctx;
	struct nx_trig_scratch *s = r->s;
	const struct nx_trig_insn *insn;
	__u32 sp = s->sp, m = NX_TRIG_STACK - 1;
	__s64 x, y, v;
	__u64 mask;
	__u8 b;

	if (i >= s->len)
		return 1;
	insn = &r->p->insns[i & (NX_TRIG_MAX_INSNS - 1)];
	switch (insn->op) {
	case NX_TRIG_OP_IMM:
		s->stack[sp & m] = insn->imm;
		s->sp = sp + 1;
		return 0;
	case NX_TRIG_OP_VAR:
		s->stack[sp & m] = nx_trig_bpf_var(r->in, insn->a);
		s->sp = sp + 1;
		return 0;
	case NX_TRIG_OP_COMM:
		b = insn->b;
		mask = b >= 8 ? ~0ULL : (1ULL << (8 * b)) - 1;
		s->stack[sp & m] = ((s->comm[insn->a & 1] ^ (__u64)insn->imm) & mask) == 0;
		s->sp = sp + 1;
		return 0;
	case NX_TRIG_OP_NOT:
		s->stack[(sp - 1) & m] = s->stack[(sp - 1) & m] == 0;
		return 0;
	case NX_TRIG_OP_EQ ... NX_TRIG_OP_LOR:
		break;
	default:
		s->bad = 1;
		return 1;
	}
	y = s->stack[(sp - 1) & m];
	x = s->stack[(sp - 2) & m];
	switch (insn->op) {
	case NX_TRIG_OP_EQ:
		v = x == y;
		break;
	case NX_TRIG_OP_NE:
		v = x != y;
		break;
	case NX_TRIG_OP_LT:
		v = x < y;
		break;
	case NX_TRIG_OP_LE:
		v = x <= y;
		break;
	case NX_TRIG_OP_GT:
		v = x > y;
		break;
	case NX_TRIG_OP_GE:
		v = x >= y;
		break;
	case NX_TRIG_OP_BAND:
		v = x & y;
		break;
	case NX_TRIG_OP_BOR:
		v = x | y;
		break;
	case NX_TRIG_OP_LAND:
		v = x != 0 && y != 0;
		break;
	default:	/* NX_TRIG_OP_LOR */
		v = x != 0 || y != 0;
		break;
	}
	s->stack[(sp - 2) & m] = v;
	s->sp = sp - 1;
	return 0;
}

/* True when the program holds on the input. p and in: map values or stack. */
static __always_inline int nx_trig_bpf_eval(const struct nx_trig_prog *p,
					    const struct nx_trig_input *in)
{
	struct nx_trig_run r;
	struct nx_trig_scratch *s;
	__u32 zero = 0;
	__u64 c0 = 0, c1 = 0;
	int j;

	s = bpf_map_lookup_elem(&nx_trig_scratch, &zero);
	if (!s)
		return 0;
	for (j = 0; j < NX_TRIG_STACK; j++)
		s->stack[j] = 0;
	for (j = 0; j < 8; j++) {
		c0 |= (__u64)in->comm[j] << (8 * j);
		c1 |= (__u64)in->comm[8 + j] << (8 * j);
	}
	s->comm[0] = c0;
	s->comm[1] = c1;
	s->sp = 0;
	s->len = p->len;
	s->bad = 0;
	r.p = p;
	r.in = in;
	r.s = s;
	bpf_loop(NX_TRIG_MAX_INSNS, nx_trig_bpf_step, &r, 0);
	if (s->bad)
		return 0;
	return s->stack[(s->sp - 1) & (NX_TRIG_STACK - 1)] != 0;
}

#endif
