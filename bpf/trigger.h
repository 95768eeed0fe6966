#ifndef NX_BPF_TRIGGER_H	/* bpf/trigger.h: the trigger predicate program, shared with BPF */
#define NX_BPF_TRIGGER_H
/*
 * A manual or health trigger (analyze/trigger.h) compiles to a predicate
 * program: a stack machine of at most NX_TRIG_MAX_INSNS instructions over a
 * stack of NX_TRIG_STACK signed 64-bit values, run on one nx_trig_input. The
 * kernel (bpf/trigger.bpf.h) and user space (nx_trig_prog_eval) run it with
 * the same algorithm:
 *
 *	sp = 0, stack[] = 0
 *	for i in 0 .. min(len, NX_TRIG_MAX_INSNS) - 1:
 *		IMM    push imm
 *		VAR    push the variable a (NX_TRIG_VAR_*), zero-extended if u32
 *		COMM   push ((comm word a ^ imm) & low b bytes) == 0,
 *		       comm word a = comm[8a .. 8a+7] read little-endian
 *		NOT    top = (top == 0)
 *		binary y = pop, x = pop, push x OP y: EQ NE LT LE GT GE (signed),
 *		       BAND BOR (bitwise), LAND LOR (x != 0 && / || y != 0)
 *		other  stop: the result is false
 *	result: stack top != 0
 *
 * Every stack index is taken modulo NX_TRIG_STACK (sp is a __u32 that wraps),
 * so a malformed program reads garbage but never out of bounds, and both
 * evaluators still agree on it. The compiler never emits one.
 *
 * This header includes nothing: the includer provides __u8 .. __u64, __s64
 * (vmlinux.h in BPF, <linux/types.h> in user space).
 */

#define NX_TRIG_MAX_INSNS 64	/* a power of two: the BPF side masks the index */
#define NX_TRIG_STACK 8		/* a power of two; Sethi-Ullman order needs <= 7 for 64 insns */
#define NX_TRIG_COMM_LEN 16	/* TASK_COMM_LEN */

enum nx_trig_op {
	NX_TRIG_OP_IMM = 1,
	NX_TRIG_OP_VAR = 2,
	NX_TRIG_OP_COMM = 3,
	NX_TRIG_OP_NOT = 4,
	NX_TRIG_OP_EQ = 5,
	NX_TRIG_OP_NE = 6,
	NX_TRIG_OP_LT = 7,
	NX_TRIG_OP_LE = 8,
	NX_TRIG_OP_GT = 9,
	NX_TRIG_OP_GE = 10,
	NX_TRIG_OP_BAND = 11,
	NX_TRIG_OP_BOR = 12,
	NX_TRIG_OP_LAND = 13,
	NX_TRIG_OP_LOR = 14,
};

enum nx_trig_var {
	NX_TRIG_VAR_ARG1 = 0,	/* .. NX_TRIG_VAR_ARG1 + 5 = arg6 */
	NX_TRIG_VAR_RET = 6,
	NX_TRIG_VAR_PID = 7,
	NX_TRIG_VAR_TID = 8,
	NX_TRIG_VAR_UID = 9,
	NX_TRIG_VAR_HEALTH = 10,	/* health_flags (NX_HEALTH_* of bpf/events.h) */
	NX_TRIG_VAR_CPU = 11,		/* cpu_busy */
	NX_TRIG_VAR_DISK = 12,		/* disk_busy */
	NX_TRIG_VAR_COUNT = 13,		/* any other a pushes 0 */
};

struct nx_trig_insn {
	__u8 op;		/* enum nx_trig_op */
	__u8 a;			/* VAR: enum nx_trig_var; COMM: word 0 or 1 */
	__u8 b;			/* COMM: bytes of the word compared, 0..8 */
	__u8 pad[5];
	__s64 imm;		/* IMM: the value; COMM: the expected word */
};

struct nx_trig_prog {
	__u32 len;		/* instructions used, <= NX_TRIG_MAX_INSNS */
	__u32 pad;
	struct nx_trig_insn insns[NX_TRIG_MAX_INSNS];
};

/* What a trigger is evaluated on: one uprobe call or uretprobe return. */
struct nx_trig_input {
	__u64 args[6];		/* argument registers arg1..arg6 (uprobe) */
	__s64 ret;		/* return value (uretprobe) */
	__u32 pid, tid, uid;	/* tgid, thread id, real uid */
	__u32 health_flags;	/* NX_HEALTH_* of the latest health sample */
	__u32 cpu_busy;		/* latest sample, percent x 100 */
	__u32 disk_busy;	/* latest sample, percent x 100 */
	__u32 pad;
	__u8 comm[NX_TRIG_COMM_LEN];	/* task name; bytes after its NUL do not matter */
};

#endif
