#ifndef NX_BPF_IA32_BPF_H	/* bpf/ia32.bpf.h: syscalls made through the ia32 ABI */
#define NX_BPF_IA32_BPF_H
/*
 * A 32-bit process, or 64-bit code running int $0x80, enters sys_enter
 * with its i386 syscall number and its arguments in ebx, ecx, edx, esi,
 * edi, ebp. The kernel marks such a syscall with TS_COMPAT in the thread's
 * thread_info.status from entry until the return to user mode: exact per
 * syscall, where regs->cs == 0x23 would miss int $0x80 from 64-bit code.
 *
 * Such a syscall is recorded as NX_SYS_IA32 | its i386 number (bpf/events.h),
 * its arguments the low 32 bits of those registers. Syscalls filters and
 * payload classes go by x86-64 number: nx_ia32_to64 (filled by the loader
 * from the i386 and x86-64 name tables the build generated, by name) maps
 * it to the x86-64 syscall of the same name. It is only read where a filter
 * or a payload is on, so a run without them has it pruned.
 */
#include "bpf/events.h"
#include "bpf/nxbpf.h"

#define NX_IA32_MAX 512u		/* i386 numbers the map covers; a power of two */
#define NX_TS_COMPAT 0x0002u		/* arch/x86/include/asm/thread_info.h */

const volatile __u16 nx_ia32_to64[NX_IA32_MAX] = {};	/* 0xffff: no x86-64 syscall of that name */

/* The syscall task (current, in sys_enter) is in came through the ia32 ABI. */
static __always_inline int nx_sys_ia32(const struct task_struct *task)
{
	return (task->thread_info.status & NX_TS_COMPAT) != 0;
}

/* The x86-64 number filters and payload classes key by: nr itself, or for
 * NX_SYS_IA32 | n the x86-64 syscall named like i386 n; NX_SYS_MAX (no
 * class, no filter bit) when there is none. */
static __always_inline __u32 nx_sys_nr64(__u32 nr)
{
	__u32 n = nr & ~NX_SYS_IA32;

	if (!(nr & NX_SYS_IA32))
		return nr;
	if (n >= NX_IA32_MAX)
		return NX_SYS_MAX;
	barrier_var(n);
	n = nx_ia32_to64[n & (NX_IA32_MAX - 1)];
	return n < NX_SYS_MAX ? n : NX_SYS_MAX;
}

#endif
