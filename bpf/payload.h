#ifndef NX_BPF_PAYLOAD_H	/* bpf/payload.h: which syscall arguments carry payloads */
#define NX_BPF_PAYLOAD_H
/*
 * The one table of syscalls whose arguments point at data nexus captures as
 * PAYLOAD events (bpf/events.h): path strings, an exec's argv, the bytes of
 * an I/O buffer. The loader (capture/loader.c) expands it into the per-run
 * class array nx_pay_class[nr] the BPF side reads (bpf/payload.bpf.h); the
 * dump, the query and the tests expand it too, so the kernel and every
 * reader agree on which argument is which.
 *
 * Numbers are the x86_64 ones (the only ABI nexus builds for);
 * tests/unit/test_sysfmt.c checks each against <asm/unistd.h>.
 * This header includes nothing: it is shared by BPF and user space.
 */

/* P(name, nr, paths): bit i-1 of paths set when argument i is a path. */
#define NX_PATH_SYSCALLS(P)					\
	P(open, 2, 0x1)						\
	P(stat, 4, 0x1)						\
	P(lstat, 6, 0x1)					\
	P(access, 21, 0x1)					\
	P(truncate, 76, 0x1)					\
	P(chdir, 80, 0x1)					\
	P(rename, 82, 0x3)					\
	P(mkdir, 83, 0x1)					\
	P(rmdir, 84, 0x1)					\
	P(creat, 85, 0x1)					\
	P(link, 86, 0x3)					\
	P(unlink, 87, 0x1)					\
	P(symlink, 88, 0x3)					\
	P(readlink, 89, 0x1)					\
	P(chmod, 90, 0x1)					\
	P(chown, 92, 0x1)					\
	P(lchown, 94, 0x1)					\
	P(utime, 132, 0x1)					\
	P(mknod, 133, 0x1)					\
	P(statfs, 137, 0x1)					\
	P(pivot_root, 155, 0x3)					\
	P(chroot, 161, 0x1)					\
	P(acct, 163, 0x1)					\
	P(mount, 165, 0x3)					\
	P(umount2, 166, 0x1)					\
	P(swapon, 167, 0x1)					\
	P(swapoff, 168, 0x1)					\
	P(setxattr, 188, 0x1)					\
	P(lsetxattr, 189, 0x1)					\
	P(getxattr, 191, 0x1)					\
	P(lgetxattr, 192, 0x1)					\
	P(listxattr, 194, 0x1)					\
	P(llistxattr, 195, 0x1)					\
	P(removexattr, 197, 0x1)				\
	P(lremovexattr, 198, 0x1)				\
	P(utimes, 235, 0x1)					\
	P(inotify_add_watch, 254, 0x2)				\
	P(openat, 257, 0x2)					\
	P(mkdirat, 258, 0x2)					\
	P(mknodat, 259, 0x2)					\
	P(fchownat, 260, 0x2)					\
	P(futimesat, 261, 0x2)					\
	P(newfstatat, 262, 0x2)					\
	P(unlinkat, 263, 0x2)					\
	P(renameat, 264, 0xa)					\
	P(linkat, 265, 0xa)					\
	P(symlinkat, 266, 0x5)					\
	P(readlinkat, 267, 0x2)					\
	P(fchmodat, 268, 0x2)					\
	P(faccessat, 269, 0x2)					\
	P(utimensat, 280, 0x2)					\
	P(renameat2, 316, 0xa)					\
	P(statx, 332, 0x2)					\
	P(openat2, 437, 0x2)					\
	P(faccessat2, 439, 0x2)					\
	P(fchmodat2, 452, 0x2)

/* E(name, nr, paths, argv): exec: paths as above, argv the argument holding
 * the argument vector. A successful exec replaced that memory: both are read
 * from the new stack then (bpf/payload.bpf.h). */
#define NX_EXEC_SYSCALLS(E)					\
	E(execve, 59, 0x1, 2)					\
	E(execveat, 322, 0x2, 3)

/* B(name, nr, slot, ret, vec): I/O buffers, read at exit. slot indexes the
 * per-syscall limits (nx_pay_buf); ret 1: the bytes are what the call
 * returned (read), 0: what it was given (write). vec 0: the buffer is
 * argument 2 and its length argument 3 (write); NX_PAY_VEC_IOV: argument 2
 * is an iovec array of argument 3 entries (writev); NX_PAY_VEC_MSG:
 * argument 2 is a msghdr, whose iovecs are read (sendmsg). */
#define NX_PAY_VEC_IOV 1
#define NX_PAY_VEC_MSG 2
#define NX_BUF_SYSCALLS(B)					\
	B(read, 0, 0, 1, 0)					\
	B(write, 1, 1, 0, 0)					\
	B(pread64, 17, 2, 1, 0)					\
	B(pwrite64, 18, 3, 0, 0)				\
	B(sendto, 44, 4, 0, 0)					\
	B(recvfrom, 45, 5, 1, 0)				\
	B(readv, 19, 6, 1, NX_PAY_VEC_IOV)			\
	B(writev, 20, 7, 0, NX_PAY_VEC_IOV)			\
	B(preadv, 295, 8, 1, NX_PAY_VEC_IOV)			\
	B(pwritev, 296, 9, 0, NX_PAY_VEC_IOV)			\
	B(preadv2, 327, 10, 1, NX_PAY_VEC_IOV)			\
	B(pwritev2, 328, 11, 0, NX_PAY_VEC_IOV)			\
	B(sendmsg, 46, 12, 0, NX_PAY_VEC_MSG)			\
	B(recvmsg, 47, 13, 1, NX_PAY_VEC_MSG)
#define NX_PAY_BUF_SLOTS 16	/* a power of two >= the slots above */
#define NX_PAY_IOV_MAX 16	/* iovecs of one call described, at most */
#define NX_PAY_IOV_POW2_LIMIT 8192	/* >= NX_PAY_BUF_LIMIT + 8 * NX_PAY_IOV_MAX, a power of two */
#define NX_PAY_IOV_SCAN 1024	/* iovecs counted for full_len (the kernel's UIO_MAXIOV) */

/*
 * nx_pay_class[nr], set by the loader for this run (0: nothing to capture):
 * bits 0..5 the path arguments (only when paths are on), bit 6 exec (argv
 * in the argument bits 8..10 name), bits 11..14 the buffer slot + 1 (only
 * for a syscall with a limit), bit 15 the buffer's length is the return
 * value, bit 16 a filter (nx_sysfilt) applies, bits 17..18 the vec kind
 * (NX_PAY_VEC_*).
 */
#define NX_PAYC_PATHS 0x3fu
#define NX_PAYC_EXEC (1u << 6)
#define NX_PAYC_ARGV_SHIFT 8
#define NX_PAYC_SLOT_SHIFT 11
#define NX_PAYC_SLOT_MASK 0xfu
#define NX_PAYC_BUFRET (1u << 15)
#define NX_PAYC_FILTER (1u << 16)
#define NX_PAYC_VEC_SHIFT 17

/* Limits: defaults, and the largest a config may ask for. */
#define NX_PAY_PATH_DEFAULT 256		/* bytes of a path kept, NUL excluded */
#define NX_PAY_PATH_LIMIT 4095		/* PATH_MAX - 1: no longer path reaches the kernel */
#define NX_PAY_ARGC_DEFAULT 32		/* exec arguments kept */
#define NX_PAY_ARGC_LIMIT 64		/* the kernel loop's bound */
#define NX_PAY_ARGV_DEFAULT 1024	/* bytes of argv kept, each argument's NUL included */
#define NX_PAY_ARGV_LIMIT 4096
#define NX_PAY_ARGC_SCAN 4096		/* argument pointers counted for full_len, at most */
#define NX_PAY_BUF_LIMIT 4096		/* bytes of an I/O buffer kept */
#define NX_PAY_FULL_SCAN 4096		/* a cut path's full length is measured up to this */

#endif
