#ifndef NX_BPF_UPROBE_H	/* bpf/uprobe.h: the uprobe programs' map values, shared with the loader */
#define NX_BPF_UPROBE_H
/*
 * bpf/uprobe.bpf.c runs one generic uprobe and one generic uretprobe program,
 * attached once per hooked function with the probe id as the attach cookie.
 * Everything a probe needs is in maps that capture/probes.c fills before
 * attaching:
 *
 *   nx_up_probes[id]            struct nx_up_probe: hook, mode, triggers, strings
 *   nx_up_trigs[trig_base + i]  struct nx_up_trig: trigger i of that probe
 *   nx_up_common               struct nx_up_common_key -> 1: tuples an `auto`
 *                              trigger no longer wants (learned or preloaded)
 *   nx_up_filtered[id]          per cpu: calls dropped in Mode triggered
 *   nx_up_health[0]             struct nx_up_health: the latest health sample
 *
 * Plain header, includes nothing: include <linux/types.h> or vmlinux.h and
 * bpf/trigger.h first.
 */

#define NX_UP_MAX_STR 6		/* captured strings per call (Args: argN:str) */
#define NX_UP_STR_LEN 256	/* bytes per captured string, NUL included: longer is cut */
#define NX_UP_MAX_TRIGS 64	/* = NX_CONFIG_MAX_TRIGGERS: one bit each in the mask */
#define NX_UP_COMMON_MAX 65536	/* room in the common-value map for learned tuples; the
				 * loader adds one entry per preloaded tuple */
#define NX_UP_PRELOAD_MAX 131072	/* preloaded tuples (Common: lists), all triggers together */

enum nx_up_trig_type {
	NX_UP_TRIG_PROG = 1,	/* manual or health: run prog */
	NX_UP_TRIG_AUTO = 2,	/* holds unless its tuple is in nx_up_common */
};

struct nx_up_trig {
	__u32 type;		/* enum nx_up_trig_type */
	__u32 nvars;		/* AUTO: values in the tuple, 1..6 */
	__u8 vars[8];		/* AUTO: enum nx_trig_var of each (ARG1..ARG6, RET) */
	struct nx_trig_prog prog;	/* PROG only */
};

enum nx_up_needs {
	NX_UP_NEED_UID = 1u << 0,
	NX_UP_NEED_COMM = 1u << 1,
	NX_UP_NEED_HEALTH = 1u << 2,	/* health flags, cpu_busy, disk_busy */
};

struct nx_up_probe {
	__u32 hook;		/* enum nxr_hook (format/meta.h): 0 uprobe, 1 uretprobe */
	__u32 triggered;	/* Mode triggered: a call whose mask is 0 is dropped, counted.
				 * The same for every probe, yet kept here: as const volatile
				 * rodata it measured no faster (bench_uprobe, BPF ns/call,
				 * 3 alternating runs: triggered 350 -> 382, full 403 -> 412) */
	__u32 ntrig;		/* triggers, 0..NX_UP_MAX_TRIGS */
	__u32 trig_base;	/* index of trigger 0 in nx_up_trigs */
	__u32 nstr;		/* strings captured, 0..NX_UP_MAX_STR */
	__u32 needs;		/* NX_UP_NEED_*: inputs its triggers read beyond args, ret, pid, tid */
	__u8 str_arg[8];	/* argument of each string, 0..5 (arg1..arg6), in Args order */
};

/* An `auto` trigger's tuple: unused vals are 0. */
struct nx_up_common_key {
	__u32 probe;
	__u32 trigger;		/* its index among the probe's triggers */
	__u64 vals[6];
};

/* Written by the recorder at every health sample; read by every call. */
struct nx_up_health {
	__u32 flags;		/* NX_HEALTH_* */
	__u32 cpu_busy;		/* percent x 100 */
	__u32 disk_busy;
	__u32 pad;
};

#endif
