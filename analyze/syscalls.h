#ifndef NX_ANALYZE_SYSCALLS_H	/* analyze/syscalls.h: syscall and errno numbers <-> names */
#define NX_ANALYZE_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Names of the native ABI's syscalls, from the kernel headers the build saw
 * (build/gen/syscall_names.c) completed by the numbers newer kernels added
 * since (the generic numbers from 451 on, shared by x86_64 and arm64).
 */

/* The syscall's name, or "syscall_<nr>" written into buf (len >= 24 is always
 * enough) when the number has no name. Never NULL; the result is either a
 * static string or buf. NX_SYS_IA32 | n (bpf/events.h) is the i386 syscall n,
 * named from <asm/unistd_32.h> as strace names it ("getpid"), or
 * "syscall_ia32_<n>". */
const char *nx_syscall_name(uint32_t nr, char *buf, size_t len);
/* The x86-64 number of the syscall that has the name of i386 syscall n (so
 * that filters and payload classes, which go by x86-64 numbers, apply by
 * name), -1 when n has no name or x86-64 no syscall of that name. */
int nx_syscall_ia32_to64(uint32_t n);
/* The number a recorded nr goes by in configs: nr itself, or for NX_SYS_IA32 | n
 * nx_syscall_ia32_to64(n) (-1: none). */
int64_t nx_syscall_nr64(uint32_t nr);
/* map[i] = nx_syscall_ia32_to64(i), 0xffff for -1, for i < n: the kernel's table. */
void nx_syscall_ia32_map(uint16_t *map, size_t n);
/* The number of a name ("openat"), or of "syscall_<n>" for n < nx_syscall_max();
 * -1 when unknown. */
int nx_syscall_number(const char *name);
/* NX_SYS_IA32 | n for the name of an i386-only syscall ("mmap2", "socketcall":
 * i386 syscall n has that name and x86-64 none), -1 otherwise. */
int64_t nx_syscall_ia32_only(const char *name);
/* One past the highest number that has a name: every named syscall is below it. */
uint32_t nx_syscall_max(void);

/* "ENOENT" for 2 or -2 (a syscall's -errno return works as it is), the kernel's
 * internal restart codes too ("ERESTARTSYS" for 512), else "E<n>" written into
 * buf (len >= 16 is always enough). Never NULL; a static string or buf. */
const char *nx_errno_name(int e, char *buf, size_t len);
/* 2 for "ENOENT"; -1 when unknown. */
int nx_errno_number(const char *name);

#endif
