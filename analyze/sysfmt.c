/*
 * analyze/sysfmt.c: syscall arguments decoded as strace prints them.
 *
 * One short signature string per syscall says what each argument is (the
 * letters below); adding a syscall is one table line. Flag values are the
 * kernel's x86_64 ones, written here as numbers rather than taken from libc
 * headers, because libc redefines some (O_LARGEFILE is 0 in glibc on
 * 64-bit) and the recording holds what the kernel saw.
 */
#include "analyze/sysfmt.h"

#include <stdint.h>
#include <string.h>

#include "analyze/syscalls.h"
#include "bpf/events.h"
#include "bpf/payload.h"

/*
 * Argument letters:
 *   f fd (int)          d dirfd (AT_FDCWD or int)   P path (payload)
 *   O open flags        M mode, only after O_CREAT or O_TMPFILE
 *   m mode (octal)      A access mode (F_OK, R_OK|W_OK|X_OK)
 *   a AT_* flags        R renameat2 flags           p pointer (NULL or hex)
 *   u unsigned decimal  l signed decimal            x hex
 *   o uid/gid (-1 shown as -1)                      V argv (payload)
 *   B buffer (payload)  E envp (pointer)
 *   I iovec array (payload; its count is the next argument)
 *   G msghdr (payload: its iovecs)
 */
static const struct {
	uint32_t nr;
	const char *sig;
} sigs[] = {
	{ 0, "fBu" },		/* read */
	{ 1, "fBu" },		/* write */
	{ 2, "POM" },		/* open */
	{ 3, "f" },		/* close */
	{ 4, "Pp" },		/* stat */
	{ 5, "fp" },		/* fstat */
	{ 6, "Pp" },		/* lstat */
	{ 17, "fBul" },		/* pread64 */
	{ 18, "fBul" },		/* pwrite64 */
	{ 19, "fIu" },		/* readv */
	{ 20, "fIu" },		/* writev */
	{ 21, "PA" },		/* access */
	{ 32, "f" },		/* dup */
	{ 33, "ff" },		/* dup2 */
	{ 44, "fBuxpu" },	/* sendto */
	{ 45, "fBuxpp" },	/* recvfrom */
	{ 46, "fGx" },		/* sendmsg */
	{ 47, "fGx" },		/* recvmsg */
	{ 59, "PVE" },		/* execve */
	{ 76, "Pl" },		/* truncate */
	{ 80, "P" },		/* chdir */
	{ 82, "PP" },		/* rename */
	{ 83, "Pm" },		/* mkdir */
	{ 84, "P" },		/* rmdir */
	{ 85, "Pm" },		/* creat */
	{ 86, "PP" },		/* link */
	{ 87, "P" },		/* unlink */
	{ 88, "PP" },		/* symlink */
	{ 89, "Ppu" },		/* readlink */
	{ 90, "Pm" },		/* chmod */
	{ 92, "Poo" },		/* chown */
	{ 94, "Poo" },		/* lchown */
	{ 133, "Pmu" },		/* mknod */
	{ 161, "P" },		/* chroot */
	{ 257, "dPOM" },	/* openat */
	{ 258, "dPm" },		/* mkdirat */
	{ 259, "dPmu" },	/* mknodat */
	{ 260, "dPooa" },	/* fchownat */
	{ 262, "dPpa" },	/* newfstatat */
	{ 263, "dPa" },		/* unlinkat */
	{ 264, "dPdP" },	/* renameat */
	{ 265, "dPdPa" },	/* linkat */
	{ 266, "PdP" },		/* symlinkat */
	{ 267, "dPpu" },	/* readlinkat */
	{ 268, "dPm" },		/* fchmodat */
	{ 269, "dPA" },		/* faccessat */
	{ 280, "dPpa" },	/* utimensat */
	{ 295, "fIul" },	/* preadv */
	{ 296, "fIul" },	/* pwritev */
	{ 316, "dPdPR" },	/* renameat2 */
	{ 322, "dPVEa" },	/* execveat */
	{ 327, "fIul" },	/* preadv2 */
	{ 328, "fIul" },	/* pwritev2 */
	{ 332, "dPaxp" },	/* statx */
	{ 437, "dPpu" },	/* openat2 */
	{ 439, "dPAa" },	/* faccessat2 */
	{ 452, "dPma" },	/* fchmodat2 */
};

struct flag {
	unsigned long long mask;	/* all of it set: the name applies */
	const char *name;
};

static const struct flag open_flags[] = {
	{ 0100, "O_CREAT" },	   { 0200, "O_EXCL" },	       { 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },	   { 02000, "O_APPEND" },      { 04000, "O_NONBLOCK" },
	{ 04010000, "O_SYNC" },	   { 010000, "O_DSYNC" },      { 020000, "O_ASYNC" },
	{ 040000, "O_DIRECT" },	   { 0100000, "O_LARGEFILE" }, { 020200000, "O_TMPFILE" },
	{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" }, { 010000000, "O_PATH" },
};

static const struct flag at_flags[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x200, "AT_REMOVEDIR" },
	{ 0x400, "AT_SYMLINK_FOLLOW" },	  { 0x800, "AT_NO_AUTOMOUNT" },
	{ 0x1000, "AT_EMPTY_PATH" },	  { 0x8000, "AT_RECURSIVE" },
};

static const struct flag rename_flags[] = {
	{ 1, "RENAME_NOREPLACE" }, { 2, "RENAME_EXCHANGE" }, { 4, "RENAME_WHITEOUT" },
};

static const struct flag access_flags[] = { { 4, "R_OK" }, { 2, "W_OK" }, { 1, "X_OK" } };

#define NFLAGS(a) (sizeof(a) / sizeof((a)[0]))

/* Names of the set flags joined by '|', leftover bits as 0x...; zero: none. */
static void put_flags(struct nx_json_buf *b, unsigned long long f, const struct flag *t, size_t n,
		      bool first, const char *zero)
{
	for (size_t i = 0; i < n; i++) {
		if ((f & t[i].mask) != t[i].mask)
			continue;
		if (!first)
			nx_json_putc(b, '|');
		nx_json_puts(b, t[i].name);
		f &= ~t[i].mask;
		first = false;
	}
	if (f) {
		if (!first)
			nx_json_putc(b, '|');
		nx_json_printf(b, "%#llx", f);
	} else if (first) {
		nx_json_puts(b, zero);
	}
}

void nx_sysfmt_open_flags(struct nx_json_buf *b, unsigned long long f)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	f &= 0xffffffffull;
	nx_json_puts(b, acc[f & 3]);
	put_flags(b, f & ~3ull, open_flags, NFLAGS(open_flags), false, "");
}

void nx_sysfmt_at_flags(struct nx_json_buf *b, unsigned long long f)
{
	put_flags(b, f & 0xffffffffull, at_flags, NFLAGS(at_flags), true, "0");
}

void nx_sysfmt_quote(struct nx_json_buf *b, const char *s, size_t n, bool cut)
{
	const unsigned char *u = (const unsigned char *)s;

	nx_json_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned c = u[i];
		char o[5];
		int k = 0;

		switch (c) {
		case '"': nx_json_put(b, "\\\"", 2); continue;
		case '\\': nx_json_put(b, "\\\\", 2); continue;
		case '\f': nx_json_put(b, "\\f", 2); continue;
		case '\n': nx_json_put(b, "\\n", 2); continue;
		case '\r': nx_json_put(b, "\\r", 2); continue;
		case '\t': nx_json_put(b, "\\t", 2); continue;
		case '\v': nx_json_put(b, "\\v", 2); continue;
		}
		if (c >= ' ' && c <= '~') {
			nx_json_putc(b, (char)c);
			continue;
		}
		o[k++] = '\\';
		if (i + 1 < n && u[i + 1] >= '0' && u[i + 1] <= '7') {
			o[k++] = (char)('0' + (c >> 6));
			o[k++] = (char)('0' + ((c >> 3) & 7));
		} else if (c >> 3) {
			if (c >> 6)
				o[k++] = (char)('0' + (c >> 6));
			o[k++] = (char)('0' + ((c >> 3) & 7));
		}
		o[k++] = (char)('0' + (c & 7));
		nx_json_put(b, o, (size_t)k);
	}
	nx_json_putc(b, '"');
	if (cut)
		nx_json_put(b, "...", 3);
}

static void put_ptr(struct nx_json_buf *b, uint64_t v)
{
	if (v)
		nx_json_hex(b, v);
	else
		nx_json_puts(b, "NULL");
}

static void put_fd(struct nx_json_buf *b, uint64_t v, bool dirfd)
{
	int32_t fd = (int32_t)v;

	if (dirfd && fd == -100)
		nx_json_puts(b, "AT_FDCWD");
	else
		nx_json_printf(b, "%d", fd);
}

/* A path or buffer argument: its payload quoted, else the raw pointer. */
static void put_data(struct nx_json_buf *b, const struct nx_payset *set, uint32_t arg,
		     uint32_t type, uint64_t v)
{
	const struct nxr_event *p = nx_payset_find(set, arg, type);

	if (!p || (p->payload.flags & NX_PAYLOAD_FAULT)) {
		put_ptr(b, v);
		return;
	}
	nx_sysfmt_quote(b, p->payload.data.ptr, p->payload.data.len,
			(p->payload.flags & NX_PAYLOAD_TRUNCATED) ||
			p->payload.full_len > p->payload.data.len);
}

/* Whether the buffers of syscall nr are what it read (their bytes end at
 * its return value), as opposed to what it was given to write. */
static bool buf_is_read(uint32_t nr)
{
	int64_t x = nx_syscall_nr64(nr);

#define READS(name, n, slot, ret, vec) if (x == n) return ret;
	NX_BUF_SYSCALLS(READS)
#undef READS
	return false;
}

/* Each entry of an iovec payload: {iov_base="..", iov_len=N}; left (the
 * bytes a read returned and not yet placed, NULL for a write or when
 * unknown) says where the bytes end, so that only a cut entry gets "...". */
static uint32_t put_iov_entries(struct nx_json_buf *b, const struct nxr_payload *p, uint64_t *left)
{
	struct nx_iov_entry e;
	uint32_t pos = 0, k = 0;
	uint64_t want;

	for (; nx_iov_next(p->data, &pos, &e); k++) {
		want = e.iov_len;
		if (left) {
			want = want < *left ? want : *left;
			*left -= want;
		}
		nx_json_puts(b, k ? ", {iov_base=" : "{iov_base=");
		nx_sysfmt_quote(b, e.bytes, e.n, e.n < want);
		nx_json_printf(b, ", iov_len=%u}", e.iov_len);
	}
	return k;
}

/*
 * An iovec array as strace prints it: [{iov_base="ab", iov_len=2}, ...].
 * A read's iovecs hold what it returned, in order: each shows the bytes it
 * got (none past the return value), "..." after the ones the limit cut.
 * cnt: the call's iovec count (-1: unknown, a msghdr's), for the ", ..."
 * of iovecs left out (NX_PAY_IOV_MAX are described at most).
 */
static void put_iov(struct nx_json_buf *b, const struct nx_payset *set, const struct nxr_event *sys,
		    uint64_t v, int64_t cnt)
{
	const struct nxr_event *p = nx_payset_find(set, 2, NX_PAYLOAD_IOV);
	uint64_t left = sys->syscall.ret > 0 ? (uint64_t)sys->syscall.ret : 0;
	uint32_t k;

	if (!p || ((p->payload.flags & NX_PAYLOAD_FAULT) && !p->payload.data.len)) {
		put_ptr(b, v);
		return;
	}
	nx_json_putc(b, '[');
	k = put_iov_entries(b, &p->payload, buf_is_read(sys->syscall.nr) ? &left : NULL);
	/* a msghdr's count is not recorded: at the most described, cut ones may follow */
	if ((cnt >= 0 && k < cnt) ||
	    (cnt < 0 && k >= NX_PAY_IOV_MAX && (p->payload.flags & NX_PAYLOAD_TRUNCATED)))
		nx_json_puts(b, k ? ", ..." : "...");
	nx_json_putc(b, ']');
}

/* argv: ["a", "b"]; ", ..." when arguments were left out; a cut last one
 * (no NUL after it) "x"... */
static void put_argv(struct nx_json_buf *b, const struct nx_payset *set, uint32_t arg, uint64_t v)
{
	const struct nxr_event *p = nx_payset_find(set, arg, NX_PAYLOAD_ARGV);
	const char *s, *end, *z;
	uint32_t n = 0;

	if (!p || ((p->payload.flags & NX_PAYLOAD_FAULT) && !p->payload.data.len)) {
		put_ptr(b, v);
		return;
	}
	s = p->payload.data.ptr;
	end = s + p->payload.data.len;
	nx_json_putc(b, '[');
	while (s < end) {
		z = memchr(s, '\0', (size_t)(end - s));
		if (!z)
			z = end;
		if (n++)
			nx_json_put(b, ", ", 2);
		nx_sysfmt_quote(b, s, (size_t)(z - s), z == end);	/* no NUL: cut */
		s = z + 1;
	}
	if (n < p->payload.full_len || (p->payload.flags & NX_PAYLOAD_FAULT))
		nx_json_puts(b, n ? ", ..." : "...");
	nx_json_putc(b, ']');
}

/*
 * An ia32 syscall (NX_SYS_IA32 | i386 number) takes the signature of its
 * x86-64 namesake: their arguments are alike, but for pread64 and pwrite64,
 * whose 64-bit offset i386 splits over two registers (printed raw).
 */
static const char *sig_of(uint32_t nr)
{
	int64_t x = nx_syscall_nr64(nr);

	if (x < 0 || (x != nr && (x == 17 || x == 18)))	/* none; ia32 pread64, pwrite64 */
		return NULL;
	nr = (uint32_t)x;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i].nr == nr)
			return sigs[i].sig;
	return NULL;
}

bool nx_sysfmt_args(struct nx_json_buf *b, const struct nxr_event *sys, const struct nx_payset *set)
{
	const uint64_t a[6] = { sys->syscall.arg1, sys->syscall.arg2, sys->syscall.arg3,
				sys->syscall.arg4, sys->syscall.arg5, sys->syscall.arg6 };
	const char *sig = sig_of(sys->syscall.nr);
	bool ia32 = NX_SYS_IS_IA32(sys->syscall.nr);	/* 32-bit longs */
	uint64_t oflags = 0;

	if (!sig)
		return false;
	nx_json_putc(b, '(');
	for (uint32_t i = 0; sig[i] && i < 6; i++) {
		uint64_t v = a[i];

		if (sig[i] == 'M' && !(oflags & 0100) && (oflags & 020200000) != 020200000)
			break;
		if (i)
			nx_json_put(b, ", ", 2);
		switch (sig[i]) {
		case 'f': put_fd(b, v, false); break;
		case 'd': put_fd(b, v, true); break;
		case 'P': put_data(b, set, i + 1, NX_PAYLOAD_PATH, v); break;
		case 'B': put_data(b, set, i + 1, NX_PAYLOAD_BUF, v); break;
		case 'V': put_argv(b, set, i + 1, v); break;
		case 'I':	/* its count is the next argument */
			put_iov(b, set, sys, v, i + 1 < 6 ? (int64_t)(ia32 ? (uint32_t)a[i + 1] :
								    a[i + 1]) : -1);
			break;
		case 'G': {
			const struct nxr_event *p = nx_payset_find(set, 2, NX_PAYLOAD_IOV);

			if (!p || ((p->payload.flags & NX_PAYLOAD_FAULT) && !p->payload.data.len)) {
				put_ptr(b, v);	/* the msghdr's own address */
				break;
			}
			nx_json_puts(b, "{msg_iov=");
			put_iov(b, set, sys, v, -1);
			nx_json_putc(b, '}');
			break;
		}
		case 'O': oflags = v; nx_sysfmt_open_flags(b, v); break;
		case 'M':
		case 'm': nx_json_printf(b, "%#03o", (unsigned)(v & 07777777)); break;
		case 'A':
			put_flags(b, v & 0xffffffffull, access_flags, NFLAGS(access_flags), true,
				  "F_OK");
			break;
		case 'a': nx_sysfmt_at_flags(b, v); break;
		case 'R':
			put_flags(b, v & 0xffffffffull, rename_flags, NFLAGS(rename_flags), true,
				  "0");
			break;
		case 'o': nx_json_printf(b, "%d", (int32_t)v); break;
		case 'u': nx_json_u64(b, v); break;
		case 'l': nx_json_s64(b, ia32 ? (int32_t)v : (int64_t)v); break;
		case 'x': nx_json_hex(b, v); break;
		case 'E':
		case 'p':
		default: put_ptr(b, v); break;
		}
	}
	nx_json_putc(b, ')');
	return true;
}

void nx_sysfmt_payload(struct nx_json_buf *b, const struct nxr_event *pay)
{
	static const char *const types[] = { "type0", "path", "argv", "buf", "iov" };
	const struct nxr_payload *p = &pay->payload;
	char nbuf[32];

	nx_json_puts(b, "payload ");
	nx_json_puts(b, nx_syscall_name(p->nr, nbuf, sizeof(nbuf)));
	nx_json_printf(b, " arg%u %s ", p->arg, p->type < 5 ? types[p->type] : "type?");
	if (p->type == NX_PAYLOAD_IOV) {
		nx_json_putc(b, '[');
		put_iov_entries(b, p, NULL);
		nx_json_putc(b, ']');
	} else {
		nx_sysfmt_quote(b, p->data.ptr, p->data.len, p->flags & NX_PAYLOAD_TRUNCATED);
	}
	if (p->flags & NX_PAYLOAD_TRUNCATED)
		nx_json_printf(b, " (%u %s)", p->full_len,
			       p->type == NX_PAYLOAD_ARGV ? "args" : "bytes");
	if (p->flags & NX_PAYLOAD_FAULT)
		nx_json_puts(b, " fault");
}
