#ifndef NX_BPF_PAYLOAD_BPF_H	/* bpf/payload.bpf.h: PAYLOAD records behind a syscall's arguments */
#define NX_BPF_PAYLOAD_BPF_H
/*
 * Path strings, exec argv and the first bytes of I/O buffers (plain, or
 * behind an iovec array: readv, writev, sendmsg ...), each as its
 * own variable-length ring record (struct nx_wire_payload), so that the
 * 96-byte SYSCALL record and its per-thread batching stay as they were.
 *
 * Ordering: a PAYLOAD carries the tid and entry ts_ns of its syscall and
 * must precede that SYSCALL in the thread's order. The SYSCALL record goes
 * into the cpu's batch (bpf/sysemit.bpf.h) at exit, so the batch is
 * flushed before the first payload of a syscall: the earlier syscalls come
 * first, then the payloads, then (later, from the buffer) this syscall.
 *
 * When: at sys_exit. By then the kernel has itself read the string, so its
 * pages are resident (a BPF program cannot fault a page in: at entry a path
 * literal in a freshly forked child reads as a fault), and the return value
 * is known (read keeps what it returned; a Syscalls filter may test it). A
 * successful exec has replaced the memory its arguments were in: they are
 * read from the new stack (nx_pay_exec). A syscall that never returns (or
 * is still blocked when the recording stops) has no payload.
 *
 * Records are reserved at their largest size (a run's limits are constants
 * to the verifier) and hdr.len gives the used part, as for the other
 * single records; a failed reservation is counted lost like any other.
 * Settings are const volatile rodata: with nx_pay_on 0 the verifier prunes
 * all of it, and a syscall whose class is 0 costs one array load.
 */
#include <bpf/bpf_core_read.h>

#include "bpf/ia32.bpf.h"
#include "bpf/maps.bpf.h"
#include "bpf/payload.h"
#include "bpf/sysemit.bpf.h"
#include "bpf/sysfilt.h"
#include "bpf/trigger.bpf.h"

const volatile __u32 nx_pay_on = 0;		/* any payload at all this run */
const volatile __u32 nx_pay_class[NX_SYS_MAX] = {};	/* NX_PAYC_* per syscall number */
const volatile __u32 nx_pay_path_max = NX_PAY_PATH_DEFAULT;
const volatile __u32 nx_pay_argc_max = NX_PAY_ARGC_DEFAULT;
const volatile __u32 nx_pay_argv_bytes = NX_PAY_ARGV_DEFAULT;
const volatile __u32 nx_pay_argv_pow2 = NX_PAY_ARGV_DEFAULT;	/* >= argv_bytes, a power of two */
const volatile __u32 nx_pay_buf[NX_PAY_BUF_SLOTS] = {};	/* bytes kept per I/O slot */
const volatile __u32 nx_pay_buf_max = 0;	/* the largest of nx_pay_buf */
const volatile __u32 nx_pay_iov_pow2 = 256;	/* >= buf_max + the iovecs' heads, a power of two */

/* Only the return value of a read into it matters (a cut path's full
 * length), so sharing it per cpu with a preempted program is harmless. */
struct nx_pay_scratch {
	char buf[NX_PAY_FULL_SCAN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_pay_scratch);
} nx_pay_scratch SEC(".maps");

/* Syscall filters (bpf/sysfilt.h), filled by the loader; what they drop is
 * counted per syscall number and cpu. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NX_SYSFILT_MAX);
	__type(key, __u32);
	__type(value, struct nx_sysfilt);
} nx_sysfilt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NX_SYS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nx_sysfilt_drops SEC(".maps");

/* nr as recorded: an ia32 syscall takes its x86-64 namesake's class. */
static __always_inline __u32 nx_pay_class_of(__u32 nr)
{
	if (!nx_pay_on)
		return 0;
	nr = nx_sys_nr64(nr);
	if (nr >= NX_SYS_MAX)
		return 0;
	barrier_var(nr);	/* keep the mask: clang drops it after the compare */
	return nx_pay_class[nr & (NX_SYS_MAX - 1)];
}

static __always_inline void nx_pay_fill(struct nx_wire_payload *e, const struct nx_pending *p,
					__u64 pt, __u32 arg, __u32 type, __u32 len)
{
	e->hdr.kind = NX_KIND_PAYLOAD;
	e->hdr.len = sizeof(*e) + len;
	e->hdr.pid = pt >> 32;
	e->hdr.tid = (__u32)pt;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.ts_ns = p->ts_ns;
	e->nr = p->nr;
	e->arg = arg;
	e->type = type;
	e->data = len;
}

/* The length of the string at uptr, up to NX_PAY_FULL_SCAN - 1. */
static __always_inline __u32 nx_pay_strlen(__u64 uptr)
{
	__u32 zero = 0;
	struct nx_pay_scratch *s = bpf_map_lookup_elem(&nx_pay_scratch, &zero);
	long n;

	if (!s)
		return 0;
	n = bpf_probe_read_user_str(s->buf, sizeof(s->buf), (const void *)uptr);
	return n > 0 ? n - 1 : 0;
}

/* One path argument (arg 1..6 at uptr, not NULL). */
static __always_inline void nx_pay_path(const struct nx_pending *p, __u64 pt, __u32 arg,
					__u64 uptr)
{
	struct nx_wire_payload *e;
	__u32 len = 0, full = 0, flags = 0;
	long n;

	e = bpf_ringbuf_reserve(&nx_events, sizeof(*e) + nx_pay_path_max + 1, 0);
	if (!e) {
		nx_count_lost(1);
		return;
	}
	n = bpf_probe_read_user_str(e + 1, nx_pay_path_max + 1, (const void *)uptr);
	if (n <= 0) {
		flags = NX_PAYLOAD_FAULT;
	} else {
		len = n - 1;
		full = len;
		if (len >= nx_pay_path_max) {	/* filled: exactly the limit, or cut */
			full = nx_pay_strlen(uptr);
			if (full > len)
				flags = NX_PAYLOAD_TRUNCATED;
			else
				full = len;
		}
	}
	if (len > nx_pay_path_max)
		len = nx_pay_path_max;
	nx_pay_fill(e, p, pt, arg, NX_PAYLOAD_PATH, len);
	e->full_len = full;
	e->flags = flags;
	bpf_ringbuf_submit(e, nx_wake_flags());
}

struct nx_pay_count {
	__u64 uargv;
	__u32 i;
	__u32 done;
	__u32 psz;			/* bytes of a pointer in argv: 8, or 4 (ia32) */
	__u32 pad;
};

/* bpf_loop step: one more argv pointer; stops at the NULL that ends argv. */
static long nx_pay_count_step(__u64 k, void *ctx)
{
	struct nx_pay_count *c = ctx;
	__u64 ptr = 0;

	__u32 psz = c->psz == 4 ? 4 : 8;

	if (bpf_probe_read_user(&ptr, psz, (const void *)(c->uargv + (__u64)c->i * psz)) || !ptr) {
		c->done = 1;
		return 1;
	}
	c->i++;
	return 0;
}

/*
 * exec's argv: each argument NUL-terminated, at most nx_pay_argc_max of them
 * and nx_pay_argv_bytes bytes (NULs included); an argument cut by the byte
 * limit keeps what fits and has no NUL, so a reader tells it apart. full_len:
 * the argument count. The record is reserved
 * at twice the byte limit's power of two, so that a masked offset plus a
 * bounded size stays inside it where the verifier can see it.
 */
static __always_inline void nx_pay_argv(const struct nx_pending *p, __u64 pt, __u32 arg,
					__u64 uargv, __u32 psz)
{
	struct nx_pay_count cnt = { .uargv = uargv };
	struct nx_wire_payload *e;
	__u32 off = 0, flags = 0, i;
	char *data;

	psz = psz == 4 ? 4 : 8;		/* a size the verifier sees bounded */
	cnt.psz = psz;

	e = bpf_ringbuf_reserve(&nx_events, sizeof(*e) + 2 * nx_pay_argv_pow2, 0);
	if (!e) {
		nx_count_lost(1);
		return;
	}
	data = (char *)(e + 1);
	for (i = 0; i < NX_PAY_ARGC_LIMIT; i++) {
		__u64 ptr = 0, room, want;
		long n;

		/* little-endian: a 4-byte pointer fills ptr's low half */
		if (bpf_probe_read_user(&ptr, psz, (const void *)(uargv + (__u64)i * psz))) {
			flags |= NX_PAYLOAD_FAULT;
			cnt.done = 1;
			break;
		}
		if (!ptr) {
			cnt.done = 1;
			break;
		}
		if (i >= nx_pay_argc_max || off >= nx_pay_argv_bytes) {
			flags |= NX_PAYLOAD_TRUNCATED;
			break;
		}
		room = nx_pay_argv_bytes - off;
		want = room + 1;	/* one more: tells a cut argument from one that fits */
		if (want > nx_pay_argv_pow2 + 1)
			want = nx_pay_argv_pow2 + 1;
		barrier_var(want);
		n = bpf_probe_read_user_str(data + (off & (nx_pay_argv_pow2 - 1)), want,
					    (const void *)ptr);
		if (n <= 0) {
			flags |= NX_PAYLOAD_FAULT;
			cnt.done = 1;
			break;
		}
		if ((__u64)n > room) {	/* cut: keep room bytes, without a NUL */
			off += room;
			flags |= NX_PAYLOAD_TRUNCATED;
			i++;
			break;
		}
		off += n;
	}
	cnt.i = i;
	if (!cnt.done)		/* count the arguments left out */
		bpf_loop(NX_PAY_ARGC_SCAN, nx_pay_count_step, &cnt, 0);
	if (cnt.i > i)		/* some were left out (the loop's bound, or the count) */
		flags |= NX_PAYLOAD_TRUNCATED;
	if (off > nx_pay_argv_bytes)
		off = nx_pay_argv_bytes;
	nx_pay_fill(e, p, pt, arg, NX_PAYLOAD_ARGV, off);
	e->full_len = cnt.i;
	e->flags = flags;
	bpf_ringbuf_submit(e, nx_wake_flags());
}

/* The first bytes of an I/O buffer, at exit. */
static __always_inline void nx_pay_buf_out(const struct nx_pending *p, __u64 pt, __u32 cls,
					   __s64 ret)
{
	__u32 slot = (((cls >> NX_PAYC_SLOT_SHIFT) & NX_PAYC_SLOT_MASK) - 1) &
		     (NX_PAY_BUF_SLOTS - 1);
	__s64 full = (cls & NX_PAYC_BUFRET) ? ret : (__s64)p->args[2];
	__u32 lim = nx_pay_buf[slot], flags = 0;
	struct nx_wire_payload *e;
	__u64 n;

	if (!lim || full <= 0)
		return;
	e = bpf_ringbuf_reserve(&nx_events, sizeof(*e) + nx_pay_buf_max, 0);
	if (!e) {
		nx_count_lost(1);
		return;
	}
	n = (__u64)full < lim ? (__u64)full : lim;
	if (n > nx_pay_buf_max)
		n = nx_pay_buf_max;
	barrier_var(n);
	if (n < (__u64)full)
		flags = NX_PAYLOAD_TRUNCATED;
	if (bpf_probe_read_user(e + 1, n, (const void *)p->args[1])) {
		flags = NX_PAYLOAD_FAULT;
		n = 0;
	}
	nx_pay_fill(e, p, pt, 2, NX_PAYLOAD_BUF, n);
	e->full_len = (__u64)full > 0xffffffffull ? 0xffffffffu : (__u32)full;
	e->flags = flags;
	bpf_ringbuf_submit(e, nx_wake_flags());
}

/*
 * An iovec payload is built in a per-cpu buffer by bpf_loop steps (a loop
 * the verifier walks once: unrolled, the sys_exit program grew past its
 * limit) and copied into the ring at its used size. busy keeps a program
 * that preempted another on this cpu (preempt=full) out of it: that one's
 * iovec payload is counted lost instead.
 */
struct nx_pay_iovbuf {
	__u32 busy;
	__u32 off;			/* bytes of data used */
	__u64 kept;			/* buffer bytes among them */
	__u64 left;			/* a read's bytes not yet placed; ~0: a write */
	struct nx_wire_payload e;
	char data[2 * NX_PAY_IOV_POW2_LIMIT];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_pay_iovbuf);
} nx_pay_iovbuf SEC(".maps");

struct nx_pay_iovrun {
	__u64 uiov;
	__u64 cnt;
	__u64 sum;			/* iov_len of the iovecs read so far */
	__u32 lim;
	__u32 flags;
	__u32 psz;			/* bytes of a pointer: 8, or 4 (ia32) */
	__u32 i;			/* iovecs read */
};

/*
 * bpf_loop step: iovec k, described (head, bytes) while fewer than
 * NX_PAY_IOV_MAX are, else only its iov_len summed; stops at the count or
 * a fault. The verifier walks the step again while the state it is handed
 * changes: so the index is k, and the offsets live in the map value, whose
 * contents it does not track (offsets on the stack, known to it after
 * each empty iovec, made every walk new: it gave up after 1M instructions).
 */
static long nx_pay_iov_step(__u64 k, void *ctx)
{
	struct nx_pay_iovrun *r = ctx;
	__u32 zero = 0, psz = r->psz == 4 ? 4 : 8, o;
	__u64 at = r->uiov + k * 2 * psz, base = 0, len = 0, n, placed;
	struct nx_pay_iovbuf *s;
	__u32 *head;

	if (k >= r->cnt)
		return 1;
	/* little-endian: a 4-byte ia32 field fills the low half */
	if (bpf_probe_read_user(&len, psz, (const void *)(at + psz))) {
		r->flags |= NX_PAYLOAD_FAULT;
		return 1;
	}
	r->sum += len;
	r->i = k + 1;
	if (k >= NX_PAY_IOV_MAX)
		return 0;	/* past those described: its length only */
	s = bpf_map_lookup_elem(&nx_pay_iovbuf, &zero);
	if (!s || bpf_probe_read_user(&base, psz, (const void *)at)) {
		r->flags |= NX_PAYLOAD_FAULT;
		return 1;
	}
	/* a read fills its iovecs in order: this one got placed of the bytes
	 * it returned (a write's left is ~0: all of it), n of them kept */
	placed = len < s->left ? len : s->left;
	n = placed;
	if (n > r->lim - s->kept)
		n = r->lim - s->kept;
	o = s->off & (nx_pay_iov_pow2 - 1);
	head = (__u32 *)(s->data + o);
	head[0] = len > 0xffffffffull ? 0xffffffffu : (__u32)len;
	head[1] = 0;
	s->off += 8;
	if (n > nx_pay_iov_pow2)
		n = nx_pay_iov_pow2;
	barrier_var(n);
	o = s->off & (nx_pay_iov_pow2 - 1);
	if (n && bpf_probe_read_user(s->data + o, n, (const void *)base)) {
		r->flags |= NX_PAYLOAD_FAULT;
		n = 0;
	}
	head[1] = (__u32)n;
	s->off += n;
	s->kept += n;
	s->left -= placed;
	/* a read's iovecs past its return value get no bytes, but are described */
	return 0;
}

/*
 * The buffers behind an iovec array (readv, writev ...; sendmsg and
 * recvmsg through their msghdr), at exit: per iovec its iov_len, the number
 * of bytes kept and those bytes (NX_PAYLOAD_IOV), for at most
 * NX_PAY_IOV_MAX iovecs and the slot's byte limit; a read keeps no more
 * than it returned. full_len: a read's return value, a write's sum of
 * iov_len (over up to NX_PAY_IOV_SCAN iovecs). A global function, so
 * that the verifier walks it once, not once per path of sys_exit that
 * reaches it (inlined, that passed its limit of 1M instructions).
 */
__noinline int nx_pay_iov_out(const struct nx_pending *p, __u64 pt, __u32 cls, __s64 ret)
{
	__u32 slot = (((cls >> NX_PAYC_SLOT_SHIFT) & NX_PAYC_SLOT_MASK) - 1) &
		     (NX_PAY_BUF_SLOTS - 1);
	struct nx_pay_iovrun r = { .lim = nx_pay_buf[slot] };
	__u64 full, left = ~0ull;
	struct nx_pay_iovbuf *s;
	__u32 zero = 0, off;

	if (!p || !r.lim)
		return 0;
	r.uiov = p->args[1];
	r.cnt = p->args[2];
	r.psz = p->nr & NX_SYS_IA32 ? 4 : 8;
	if (cls & NX_PAYC_BUFRET) {	/* a read: the bytes it returned */
		if (ret <= 0)
			return 0;
		left = (__u64)ret;
	} else if (ret < 0) {
		return 0;	/* a write that failed wrote nothing */
	}
	if (((cls >> NX_PAYC_VEC_SHIFT) & 3) == NX_PAY_VEC_MSG) {
		/* msghdr: msg_iov, msg_iovlen at 16 and 24; compat_msghdr: 8 and 12 */
		__u32 psz = r.psz == 4 ? 4 : 8;

		r.uiov = 0;
		r.cnt = 0;
		if (bpf_probe_read_user(&r.uiov, psz, (const void *)(p->args[1] + 2 * psz)) ||
		    bpf_probe_read_user(&r.cnt, psz, (const void *)(p->args[1] + 3 * psz)))
			return 0;
	}
	if (r.cnt > NX_PAY_IOV_SCAN)
		r.cnt = NX_PAY_IOV_SCAN;
	s = bpf_map_lookup_elem(&nx_pay_iovbuf, &zero);
	if (!s)
		return 0;
	if (s->busy) {
		nx_count_lost(1);
		return 0;
	}
	s->busy = 1;
	s->off = 0;
	s->kept = 0;
	s->left = left;
	/* a read stops at its last iovec described; a write counts them all */
	bpf_loop(cls & NX_PAYC_BUFRET ? NX_PAY_IOV_MAX : NX_PAY_IOV_SCAN, nx_pay_iov_step, &r, 0);
	full = cls & NX_PAYC_BUFRET ? (__u64)ret : r.sum;
	if (s->kept < full || r.i < r.cnt)
		r.flags |= NX_PAYLOAD_TRUNCATED;
	off = s->off;
	if (off > sizeof(s->data))
		off = sizeof(s->data);
	nx_pay_fill(&s->e, p, pt, 2, NX_PAYLOAD_IOV, off);
	s->e.full_len = full > 0xffffffffull ? 0xffffffffu : (__u32)full;
	s->e.flags = r.flags;
	if (bpf_ringbuf_output(&nx_events, &s->e, sizeof(s->e) + off, nx_wake_flags()))
		nx_count_lost(1);
	s->busy = 0;
	return 0;
}

/* The path arguments named in mask (bits 0..5), in argument order. */
static __always_inline void nx_pay_paths(const struct nx_pending *p, __u64 pt, __u32 mask)
{
#pragma unroll
	for (int i = 0; i < 6; i++)
		if ((mask >> i) & 1 && p->args[i])
			nx_pay_path(p, pt, i + 1, p->args[i]);
}

/*
 * exec: after a successful one the arguments' memory is gone, but the
 * kernel has just written the same strings on the new stack (pages present):
 * argv's pointers follow argc at mm->start_stack, and the file name as
 * given (AT_EXECFN) starts at mm->env_end. A failed exec still has the
 * caller's memory, which its path the kernel has read.
 *
 * argv's pointers are 4 bytes in a 32-bit image (its mm's task_size is
 * under 4 GB: argc is 4 bytes too) and, before a successful exec, in the
 * memory of an ia32 caller.
 */
static __always_inline void nx_pay_exec(struct nx_pending *p, __u64 pt, __u32 cls, __s64 ret)
{
	__u32 a = (cls >> NX_PAYC_ARGV_SHIFT) & 7;
	__u32 psz = p->nr & NX_SYS_IA32 ? 4 : 8;
	__u64 fname = 0, argv = 0;
	int i;

	if (ret == 0) {
		struct task_struct *task = bpf_get_current_task_btf();

		fname = BPF_CORE_READ(task, mm, env_end);
		argv = BPF_CORE_READ(task, mm, start_stack);
		psz = BPF_CORE_READ(task, mm, task_size) <= 1ull << 32 ? 4 : 8;
		if (argv)
			argv += psz;	/* past argc */
	} else {
		if (a >= 1 && a <= 6)
			argv = p->args[(a - 1) & 7];
	}
#pragma unroll
	for (i = 0; i < 6; i++) {
		if (!((cls >> i) & 1))
			continue;
		if (ret != 0)
			fname = p->args[i];
		if (fname)
			nx_pay_path(p, pt, i + 1, fname);
	}
	if (a >= 1 && a <= 6 && argv)
		nx_pay_argv(p, pt, a, argv, psz);
}

static __always_inline int nx_is_exec(__u32 nr)
{
#define EXECNR(name, n, ...) if (nr == n) return 1;
	NX_EXEC_SYSCALLS(EXECNR)
#undef EXECNR
	return 0;
}

/*
 * Whether the syscall's filter holds, at exit. PathPrefix compares the
 * start of the path argument (read onto the stack: a prefix is short), the
 * trigger runs on the arguments, the return value and the thread.
 */
static __always_inline int nx_sysfilt_pass(const struct nx_pending *p, __u64 pt, __s64 ret)
{
	__u32 nr = nx_sys_nr64(p->nr), len, i;
	struct nx_sysfilt *f = bpf_map_lookup_elem(&nx_sysfilt, &nr);
	char buf[NX_SYSFILT_PREFIX_MAX + 1];
	__u64 uptr;
	long n;

	if (!f)
		return 1;
	if (f->flags & NX_SYSFILT_PREFIX) {
		uptr = p->args[(f->path_arg - 1) & 7];
		if (nx_is_exec(nr) && ret == 0)		/* the old memory is gone */
			uptr = BPF_CORE_READ(bpf_get_current_task_btf(), mm, env_end);
		len = f->prefix_len;
		n = uptr ? bpf_probe_read_user_str(buf, sizeof(buf), (const void *)uptr) : -1;
		if (n <= 0 || (__u32)(n - 1) < len)
			return 0;
		for (i = 0; i < NX_SYSFILT_PREFIX_MAX; i++) {
			if (i >= len)
				break;
			if (buf[i] != (char)f->prefix[i])
				return 0;
		}
	}
	if (f->flags & NX_SYSFILT_TRIGGER) {
		struct nx_trig_input in = {};

		__builtin_memcpy(in.args, p->args, sizeof(in.args));
		in.ret = ret;
		in.pid = pt >> 32;
		in.tid = (__u32)pt;
		in.uid = (__u32)bpf_get_current_uid_gid();
		bpf_get_current_comm(in.comm, sizeof(in.comm));
		if (!nx_trig_bpf_eval(&f->prog, &in))
			return 0;
	}
	return 1;
}

/*
 * At sys_exit, before the SYSCALL record is buffered: the filter, then the
 * paths and buffers. 0: the filter dropped the syscall (counted): nothing
 * of it is recorded.
 */
static __always_inline int nx_pay_exit(struct nx_pending *p, struct nx_sysbuf *b, __u64 pt,
				       __s64 ret)
{
	__u32 cls = nx_pay_class_of(p->nr);

	if ((cls & NX_PAYC_FILTER) && !nx_sysfilt_pass(p, pt, ret)) {
		__u32 nr = nx_sys_nr64(p->nr);
		__u64 *c = bpf_map_lookup_elem(&nx_sysfilt_drops, &nr);

		if (c)
			*c += 1;	/* per cpu: no atomic needed */
		return 0;
	}
	if (!(cls & ~NX_PAYC_FILTER))
		return 1;
	if (b)		/* the earlier syscalls before this one's payloads */
		nx_sys_flush(b);
	if (cls & NX_PAYC_EXEC) {
		nx_pay_exec(p, pt, cls, ret);
		return 1;
	}
	nx_pay_paths(p, pt, cls & NX_PAYC_PATHS);
	if (!((cls >> NX_PAYC_SLOT_SHIFT) & NX_PAYC_SLOT_MASK))
		return 1;
	if ((cls >> NX_PAYC_VEC_SHIFT) & 3)
		nx_pay_iov_out(p, pt, cls, ret);
	else
		nx_pay_buf_out(p, pt, cls, ret);
	return 1;
}

#endif
