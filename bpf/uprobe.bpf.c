/*
 * bpf/uprobe.bpf.c: CALL and RETURN records of hooked functions (Targets).
 *
 * Two generic programs, attached by capture/probes.c once per hooked
 * function with libbpf's uprobe attach and the probe id as the attach
 * cookie: nx_uprobe (HookType uprobe) records the six argument registers
 * and the strings Args asks for, nx_uretprobe (HookType uretprobe) the return
 * value. Per probe, nx_up_probes says what to do (bpf/uprobe.h).
 *
 * Triggers: each one sets bit i of the call's (or the return's) mask. Manual and health ones
 * run their predicate program (bpf/trigger.bpf.h); an `auto` one holds
 * unless its tuple is in nx_up_common, which user space fills with what it
 * learned to be common (capture/adapt.c). Mode triggered drops a call whose
 * mask is 0 and counts it per probe and cpu (nx_up_filtered): the recorder
 * writes the deltas as FILTER events, so recorded + filtered = calls. A
 * record the ring buffer has no room for is counted per probe and cpu too
 * (nx_up_lost), written as LOSS events naming the probe.
 *
 * Order: a thread's completed syscalls wait in its task storage
 * (bpf/sysemit.bpf.h). A call or return flushes them before its own record,
 * so that a reader sees the thread's events in the order they happened;
 * the price is one extra ring-buffer reservation when a thread alternates
 * syscalls and calls, none when it makes calls only.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/maps.bpf.h"
#include "bpf/sysemit.bpf.h"
#include "bpf/trigger.bpf.h"
#include "bpf/uprobe.h"

/* libbpf 1.1's bpf_tracing.h stops at the fifth argument register. */
#ifndef PT_REGS_PARM6
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6(x) (((const struct pt_regs *)(x))->r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6(x) (((const struct user_pt_regs *)(x))->regs[5])
#else
#error "the sixth argument register of this architecture is not known"
#endif
#endif

/* Sized by the loader to the run's probes and triggers (1 when none). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_up_probe);
} nx_up_probes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_up_trig);
} nx_up_trigs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NX_UP_COMMON_MAX);
	__type(key, struct nx_up_common_key);
	__type(value, __u8);
} nx_up_common SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nx_up_filtered SEC(".maps");

/* Per probe and cpu: records the ring buffer had no room for (LOSS events
 * with the probe's id). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nx_up_lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_up_health);
} nx_up_health SEC(".maps");

/* The trigger input and a common-map key: too big for the stack beside
 * bpf_loop's frames. Per cpu is safe: uprobe programs do not nest on a cpu. */
struct nx_up_scratch {
	struct nx_trig_input in;
	struct nx_up_common_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_up_scratch);
} nx_up_scratch SEC(".maps");

struct mask_run {
	struct nx_up_scratch *s;
	__u32 probe;
	__u32 base;
	__u32 ntrig;
	__u32 pad;
	__u64 mask;
};

/* Trigger i of the probe: one bpf_loop step, so the verifier sees it once. */
static long trig_step(__u32 i, void *ctx)
{
	struct mask_run *m = ctx;
	struct nx_up_scratch *s = m->s;
	struct nx_up_trig *t;
	__u32 idx;
	int j;

	if (i >= m->ntrig)
		return 1;
	idx = m->base + i;
	t = bpf_map_lookup_elem(&nx_up_trigs, &idx);
	if (!t)
		return 0;
	if (t->type == NX_UP_TRIG_AUTO) {
		s->key.probe = m->probe;
		s->key.trigger = i;
		for (j = 0; j < 6; j++)
			s->key.vals[j] = j < (int)t->nvars ?
				(__u64)nx_trig_bpf_var(&s->in, t->vars[j]) : 0;
		if (!bpf_map_lookup_elem(&nx_up_common, &s->key))
			m->mask |= 1ull << (i & 63);
		return 0;
	}
	if (nx_trig_bpf_eval(&t->prog, &s->in))
		m->mask |= 1ull << (i & 63);
	return 0;
}

/* per cpu, and programs do not nest on a cpu: a plain increment */
static __always_inline void count_in(void *map, __u32 id)
{
	__u64 *c = bpf_map_lookup_elem(map, &id);

	if (c)
		*c += 1;
}

static __always_inline void hdr_set(struct nx_wire_hdr *h, __u16 kind, __u16 len, __u64 pt,
				    __u64 ts)
{
	h->kind = kind;
	h->len = len;
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = ts;
}

static __always_inline void call_fill(struct nx_wire_call *e, const struct nx_trig_input *in,
				      __u32 id, __u64 mask)
{
	e->arg1 = in->args[0];
	e->arg2 = in->args[1];
	e->arg3 = in->args[2];
	e->arg4 = in->args[3];
	e->arg5 = in->args[4];
	e->arg6 = in->args[5];
	e->triggers = mask;
	e->probe = id;
	e->flags = 0;
	e->data = 0;
}

#define STR_AREA (NX_UP_MAX_STR * NX_UP_STR_LEN)

/* The strings Args asks for, back to back after the fixed part, each
 * NUL-terminated (an unreadable one as an empty string, flagged). */
static __always_inline __u32 call_strings(struct nx_wire_call *e, const struct nx_up_probe *p,
					  const struct nx_trig_input *in)
{
	char *data = (char *)(e + 1);
	__u32 off = 0, nstr = p->nstr;
	int k;

	for (k = 0; k < NX_UP_MAX_STR; k++) {
		__u64 ptr;
		long n;
		char c;

		if (k >= (int)nstr)
			break;
		ptr = (__u64)nx_trig_bpf_var(in, NX_TRIG_VAR_ARG1 + (p->str_arg[k] & 7));
		if (off > STR_AREA - NX_UP_STR_LEN)
			break;
		n = ptr ? bpf_probe_read_user_str(data + off, NX_UP_STR_LEN, (void *)ptr) : -1;
		if (n <= 0) {
			data[off] = 0;
			n = 1;
			e->flags |= NX_CALL_FAULT;
		} else if (n >= NX_UP_STR_LEN) {
			n = NX_UP_STR_LEN;
			/* 255 characters fit: cut only when the 256th is not the end */
			if (bpf_probe_read_user(&c, 1, (void *)(ptr + NX_UP_STR_LEN - 1)) || c)
				e->flags |= NX_CALL_TRUNCATED;
		}
		off += n;
	}
	return off;
}

static __always_inline int on_hit(struct pt_regs *ctx, int is_ret)
{
	__u64 pt = bpf_get_current_pid_tgid(), ts = bpf_ktime_get_ns(), mask = 0;
	struct nx_up_scratch *s;
	struct nx_up_health *h;
	struct nx_up_probe *p;
	struct nx_trig_input *in;
	__u32 id, zero = 0;

	if (!nx_relevant(pt >> 32))
		return 0;
	id = bpf_get_attach_cookie(ctx);
	p = bpf_map_lookup_elem(&nx_up_probes, &id);
	s = bpf_map_lookup_elem(&nx_up_scratch, &zero);
	if (!p || !s)
		return 0;
	in = &s->in;
	if (is_ret) {
		__builtin_memset(in->args, 0, sizeof(in->args));
		in->ret = PT_REGS_RC(ctx);
	} else {
		in->args[0] = PT_REGS_PARM1(ctx);
		in->args[1] = PT_REGS_PARM2(ctx);
		in->args[2] = PT_REGS_PARM3(ctx);
		in->args[3] = PT_REGS_PARM4(ctx);
		in->args[4] = PT_REGS_PARM5(ctx);
		in->args[5] = PT_REGS_PARM6(ctx);
		in->ret = 0;
	}
	if (p->ntrig) {
		struct mask_run m = { .s = s, .probe = id, .base = p->trig_base,
				      .ntrig = p->ntrig };

		__u32 needs = p->needs;

		/* only what the triggers read: each helper call costs on every call */
		in->pid = pt >> 32;
		in->tid = (__u32)pt;
		in->uid = needs & NX_UP_NEED_UID ? (__u32)bpf_get_current_uid_gid() : 0;
		h = needs & NX_UP_NEED_HEALTH ? bpf_map_lookup_elem(&nx_up_health, &zero) : NULL;
		in->health_flags = h ? h->flags : 0;
		in->cpu_busy = h ? h->cpu_busy : 0;
		in->disk_busy = h ? h->disk_busy : 0;
		if (needs & NX_UP_NEED_COMM)
			bpf_get_current_comm(in->comm, sizeof(in->comm));
		bpf_loop(NX_UP_MAX_TRIGS, trig_step, &m, 0);
		mask = m.mask;
		if (p->triggered && !mask) {
			count_in(&nx_up_filtered, id);
			return 0;
		}
	}
	nx_sys_flush_current();		/* the thread's earlier syscalls come first */
	if (is_ret) {
		struct nx_wire_uret *r = bpf_ringbuf_reserve(&nx_events, sizeof(*r), 0);

		if (!r) {
			count_in(&nx_up_lost, id);
			return 0;
		}
		r->ret = in->ret;
		r->probe = id;
		r->flags = 0;
		r->triggers = mask;
		hdr_set(&r->hdr, NX_KIND_RETURN, sizeof(*r), pt, ts);
		bpf_ringbuf_submit(r, nx_wake_flags());
		return 0;
	}
	if (!p->nstr) {
		struct nx_wire_call *e = bpf_ringbuf_reserve(&nx_events, sizeof(*e), 0);

		if (!e) {
			count_in(&nx_up_lost, id);
			return 0;
		}
		call_fill(e, in, id, mask);
		hdr_set(&e->hdr, NX_KIND_CALL, sizeof(*e), pt, ts);
		bpf_ringbuf_submit(e, nx_wake_flags());
	} else {
		/* reserved at the most the strings can take; hdr.len is the used part */
		struct nx_wire_call *e = bpf_ringbuf_reserve(&nx_events, sizeof(*e) + STR_AREA, 0);
		__u32 len;

		if (!e) {
			count_in(&nx_up_lost, id);
			return 0;
		}
		call_fill(e, in, id, mask);
		len = call_strings(e, p, in);
		e->data = len;
		hdr_set(&e->hdr, NX_KIND_CALL, sizeof(*e) + len, pt, ts);
		bpf_ringbuf_submit(e, nx_wake_flags());
	}
	return 0;
}

SEC("uprobe")
int nx_uprobe(struct pt_regs *ctx)
{
	return on_hit(ctx, 0);
}

SEC("uretprobe")
int nx_uretprobe(struct pt_regs *ctx)
{
	return on_hit(ctx, 1);
}
