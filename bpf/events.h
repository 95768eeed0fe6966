#ifndef NX_BPF_EVENTS_H	/* bpf/events.h: the one table of event kinds and their fields */
#define NX_BPF_EVENTS_H
/*
 * Every event kind nexus records is defined here, once. The kernel wire
 * structs (below), the in-memory event (format/event.h), the encoder and
 * decoder (format/codec.c), the SQL tables, the dump and the JSON field names
 * all expand these lists. Adding a kind means one NX_KINDS entry, its
 * NX_FIELDS_<KIND> list, and the code that fills it in the kernel.
 *
 * Rules, because the file format and the wire depend on them:
 *  - a kind's id never changes; fields are only ever appended to a list;
 *  - field types: U32, U64, S64 (integers), STR (length-prefixed bytes);
 *  - within a list, U64/S64 first, then U32, then STR, so the wire structs
 *    need no padding between fields; STR bytes follow the fixed part on the
 *    wire in list order.
 *
 * This header includes nothing: it is shared by BPF and user space.
 */

/* K(KIND, id, member, "name") */
#define NX_KINDS(K)						\
	K(SYSCALL,  1, syscall, "syscall")			\
	K(EXEC,     2, exec,    "exec")				\
	K(FORK,     3, fork,    "fork")				\
	K(EXIT,     4, exit,    "exit")				\
	K(CALL,     5, call,    "call")				\
	K(RETURN,   6, uret,    "return")			\
	K(HEALTH,   7, health,  "health")			\
	K(ADAPT,    8, adapt,   "adapt")			\
	K(LOSS,     9, loss,    "loss")				\
	K(FILTER,  10, filter,  "filter")				\
	K(PAYLOAD, 11, payload, "payload")

/* F(C, TYPE, name, "meaning"): C is passed through untouched, for expansions
 * that need to know the kind (e.g. offsetof(struct nxr_event, C.name)). */
#define NX_FIELDS_SYSCALL(F, C)						\
	F(C, U64, arg1, "first argument register")				\
	F(C, U64, arg2, "second argument register")			\
	F(C, U64, arg3, "third argument register")				\
	F(C, U64, arg4, "fourth argument register")			\
	F(C, U64, arg5, "fifth argument register")				\
	F(C, U64, arg6, "sixth argument register")				\
	F(C, S64, ret, "return value, -errno on failure; 0 until it returns") \
	F(C, U64, dur_ns, "exit time minus entry time; 0 until it returns") \
	F(C, U32, nr, "syscall number (native ABI; NX_SYS_IA32 | i386 number for ia32)") \
	F(C, U32, flags, "NX_SYS_* flags")

#define NX_FIELDS_EXEC(F, C)						\
	F(C, U32, ppid, "parent process id")				\
	F(C, U32, uid, "real user id")					\
	F(C, U32, gid, "real group id")					\
	F(C, U32, flags, "NX_EXEC_* flags")				\
	F(C, STR, comm, "command name after exec (at most 16 bytes)")	\
	F(C, STR, filename, "file executed, as the kernel resolved it")

#define NX_FIELDS_FORK(F, C)						\
	F(C, U32, child_pid, "new process id (the parent's, for a thread)") \
	F(C, U32, child_tid, "new thread id")				\
	F(C, U32, flags, "NX_FORK_* flags")				\
	F(C, STR, comm, "command name the child inherits")

#define NX_FIELDS_EXIT(F, C)						\
	F(C, U32, code, "exit status in wait(2) form: code << 8 | signal") \
	F(C, U32, flags, "NX_EXIT_* flags")

#define NX_FIELDS_CALL(F, C)						\
	F(C, U64, arg1, "first argument register")				\
	F(C, U64, arg2, "second argument register")			\
	F(C, U64, arg3, "third argument register")				\
	F(C, U64, arg4, "fourth argument register")			\
	F(C, U64, arg5, "fifth argument register")				\
	F(C, U64, arg6, "sixth argument register")				\
	F(C, U64, triggers, "bit i set: trigger i of the probe held")	\
	F(C, U32, probe, "probe id in the header's probe table")		\
	F(C, U32, flags, "NX_CALL_* flags")				\
	F(C, STR, data, "captured strings, each NUL-terminated")

#define NX_FIELDS_RETURN(F, C)						\
	F(C, S64, ret, "return value register")				\
	F(C, U32, probe, "probe id in the header's probe table")		\
	F(C, U32, flags, "reserved, 0")					\
	F(C, U64, triggers, "bit i set: trigger i of the probe held (appended: 0 in older files)")

/* Header metadata key (value "1") of a recording whose RETURN events carry
 * their triggers mask: in older ones the appended field reads 0, whatever held. */
#define NX_META_RETURN_TRIGGERS "return_triggers"

#define NX_FIELDS_HEALTH(F, C)						\
	F(C, U32, cpu_busy, "cpu busy since the last sample, percent x 100") \
	F(C, U32, disk_busy, "busiest disk since the last sample, percent x 100") \
	F(C, U32, flags, "NX_HEALTH_* flags: thresholds exceeded")

#define NX_FIELDS_ADAPT(F, C)						\
	F(C, U64, value, "value the filter change concerns")		\
	F(C, U32, probe, "probe id, or 0 for all")				\
	F(C, U32, action, "NX_ADAPT_* action")				\
	F(C, STR, note, "what changed, in words")

#define NX_FIELDS_LOSS(F, C)						\
	F(C, U64, count, "events lost in the window")			\
	F(C, U64, since_ns, "start of the window (ts_ns is its end)")	\
	F(C, U32, reason, "NX_LOSS_* reason")				\
	F(C, U32, cpu, "cpu that lost them, or 0xffffffff if not per cpu") \
	F(C, U32, probe, "probe id, or 0 for syscalls and process events")

#define NX_FIELDS_FILTER(F, C)						\
	F(C, U64, count, "events a trigger filtered out in the window")	\
	F(C, U64, since_ns, "start of the window (ts_ns is its end)")	\
	F(C, U32, probe, "probe id")

/* FILTER.probe of a syscall filter (a Syscalls item with a Trigger or a
 * PathPrefix): this bit or'ed with the syscall number. */
#define NX_FILTER_PROBE_SYSCALL 0x80000000u

/* SYSCALL.nr (and PAYLOAD.nr) of a syscall made through the ia32 ABI (a
 * 32-bit process, or int $0x80): this bit or'ed with its i386 number. Not
 * 0x40000000, x86-64's x32 bit, which the kernel leaves in nr. */
#define NX_SYS_IA32 0x20000000u
#define NX_SYS_IS_IA32(nr) (((nr) & 0xf0000000u) == NX_SYS_IA32)	/* not 0xffffffff */

/*
 * Data behind a syscall's arguments: a path string, an exec's argv, or the
 * first bytes of an I/O buffer. A PAYLOAD event carries the tid and the entry
 * ts_ns of the SYSCALL it belongs to, and in that thread's order it comes
 * right before that SYSCALL event (a syscall may have several: rename's two
 * paths). Readers join the two on (tid, ts_ns).
 */
#define NX_FIELDS_PAYLOAD(F, C)						\
	F(C, U32, nr, "syscall number of the syscall it belongs to")	\
	F(C, U32, arg, "argument it was read from, 1..6")			\
	F(C, U32, type, "NX_PAYLOAD_* type: what data holds")		\
	F(C, U32, full_len, "PATH: string bytes without the NUL; ARGV: argument count; BUF, IOV: byte count of the call (write: its count, or the sum of its iov_len; read: what it returned)") \
	F(C, U32, flags, "NX_PAYLOAD_* flags")				\
	F(C, STR, data, "the bytes captured, at most the configured limit")

enum nx_sys_flags {
	NX_SYS_EXITED = 1u << 0,	/* the exit was seen: ret and dur_ns are valid */
};
enum nx_exec_flags {
	NX_EXEC_SYNTHETIC = 1u << 0,	/* read from /proc at attach, not a real exec */
	NX_EXEC_TRUNCATED = 1u << 1,	/* filename was cut at the capture limit */
};
enum nx_fork_flags {
	NX_FORK_THREAD = 1u << 0,	/* a new thread, not a new process */
};
enum nx_exit_flags {
	NX_EXIT_GROUP = 1u << 0,	/* the last thread: the process is gone */
};
enum nx_call_flags {
	NX_CALL_TRUNCATED = 1u << 0,	/* a captured string was cut at its limit */
	NX_CALL_FAULT = 1u << 1,	/* user memory could not be read */
};
enum nx_payload_type {
	NX_PAYLOAD_PATH = 1,		/* a NUL-terminated string argument (data without the NUL) */
	NX_PAYLOAD_ARGV = 2,		/* exec argv: each argument NUL-terminated, in order
					 * (one cut by the byte limit has no NUL) */
	NX_PAYLOAD_BUF = 3,		/* the first bytes of an I/O buffer */
	NX_PAYLOAD_IOV = 4,		/* the first bytes of an iovec array's buffers: per
					 * iovec in order, u32 iov_len (capped at 2^32-1),
					 * u32 n, then its first n bytes (little-endian) */
};
enum nx_payload_flags {
	NX_PAYLOAD_TRUNCATED = 1u << 0,	/* data was cut at the capture limit */
	NX_PAYLOAD_FAULT = 1u << 1,	/* user memory could not be read: data is empty
					 * (ARGV: the arguments read before the fault) */
};
enum nx_health_flags {
	NX_HEALTH_CPU_HIGH = 1u << 0,
	NX_HEALTH_DISK_HIGH = 1u << 1,
};
enum nx_adapt_action {
	NX_ADAPT_COMMON_ADD = 1,	/* value learned as common: kernel now drops it */
	NX_ADAPT_COMMON_DEL = 2,
	NX_ADAPT_GATE_ON = 3,		/* a health gate opened */
	NX_ADAPT_GATE_OFF = 4,
};
enum nx_loss_reason {
	NX_LOSS_RINGBUF = 1,		/* ring buffer full: bpf_ringbuf_reserve failed */
	NX_LOSS_BACKLOG = 2,		/* the writer fell behind the drain */
	NX_LOSS_DISK = 3,		/* the file could not take them (disk full, I/O error) */
	NX_LOSS_NREASONS = 4,		/* size of per-reason arrays; index 0: unknown reason */
};

/* ---- kernel wire format: what the BPF programs put in the ring buffer ---- */

#define NX_WIRE_VERSION 1

/* Every ring-buffer record starts with this; len covers the whole record. */
struct nx_wire_hdr {
	__u16 kind;		/* an NX_KINDS id */
	__u16 len;		/* bytes, header, fixed part and string bytes */
	__u32 pid;		/* process (thread group) id */
	__u32 tid;		/* thread id */
	__u32 cpu;		/* cpu the event was generated on */
	__u64 ts_ns;		/* bpf_ktime_get_ns() at the event (entry, for syscalls) */
};

#define NX_WIRE_U32 __u32
#define NX_WIRE_U64 __u64
#define NX_WIRE_S64 __s64
#define NX_WIRE_STR __u16	/* byte count; the bytes start at sizeof(struct nx_wire_<kind>), in list order */
#define NX_WIRE_FIELD(C, T, name, doc) NX_WIRE_##T name;
#define NX_WIRE_STRUCT(KIND, id, member, str)				\
	struct nx_wire_##member {					\
		struct nx_wire_hdr hdr;					\
		NX_FIELDS_##KIND(NX_WIRE_FIELD, member)				\
	};
NX_KINDS(NX_WIRE_STRUCT)
#undef NX_WIRE_STRUCT

#define NX_KIND_ENUM(KIND, id, member, str) NX_KIND_##KIND = id,
enum nx_kind { NX_KINDS(NX_KIND_ENUM) NX_KIND_MAX_ID = 11 };
#undef NX_KIND_ENUM

#endif
