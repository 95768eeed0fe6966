/*
 * analyze/syscalls.c: syscall and errno numbers <-> names.
 *
 * Syscall names come from build/gen/syscall_names.c, generated from the
 * <asm/unistd.h> the build compiles against (Debian 12: Linux 6.1 headers).
 * The running kernel may be newer; since Linux 5.1 every architecture but
 * alpha numbers new syscalls alike from 424 on, so the names added after 6.1
 * are listed here once (`newer`) and fill the generated table's holes only:
 * the generated table always wins where it has a name.
 *
 * ia32 syscalls (NX_SYS_IA32 | n in a recording) are named from the i386
 * table generated beside it from <asm/unistd_32.h>, and mapped by name to
 * the x86-64 number that filters and payload classes go by.
 *
 * Errno names come from glibc (strerrorname_np, the same table strace's
 * names follow) plus the kernel-internal codes a raw sys_exit can still
 * carry (ERESTARTSYS...), which no user-space header defines.
 *
 * Everything here is read-only static data: thread-safe, no allocation.
 */
#include "analyze/syscalls.h"

#include <errno.h>
#include <limits.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/events.h"

extern const char *const nx_syscall_names[];
extern const unsigned nx_syscall_names_len;
extern const char *const nx_syscall_names_ia32[];	/* <asm/unistd_32.h>, same file */
extern const unsigned nx_syscall_names_ia32_len;

/* The generic numbering new syscalls share on every architecture but alpha,
 * i386 included: `newer` entries from here on name ia32 numbers too. */
#define GENERIC_FIRST 424

/* Generic syscall numbers added after the 6.1 headers (include/uapi/asm-generic/unistd.h). */
static const struct {
	uint32_t nr;
	const char *name;
} newer[] = {
#ifdef __x86_64__
	/* x86-64 only: the trampolines of uretprobes (6.11) and uprobes (6.16)
	 * make these, so a hooked process shows them between its calls */
	{ 335, "uretprobe" },
	{ 336, "uprobe" },
#endif
	{ 451, "cachestat" },		/* 6.5 */
	{ 452, "fchmodat2" },		/* 6.6 */
	{ 453, "map_shadow_stack" },	/* 6.6 */
	{ 454, "futex_wake" },		/* 6.7 */
	{ 455, "futex_wait" },
	{ 456, "futex_requeue" },
	{ 457, "statmount" },		/* 6.8 */
	{ 458, "listmount" },
	{ 459, "lsm_get_self_attr" },
	{ 460, "lsm_set_self_attr" },
	{ 461, "lsm_list_modules" },
	{ 462, "mseal" },		/* 6.10 */
	{ 463, "setxattrat" },		/* 6.13 */
	{ 464, "getxattrat" },
	{ 465, "listxattrat" },
	{ 466, "removexattrat" },
	{ 467, "open_tree_attr" },	/* 6.15 */
	{ 468, "file_getattr" },	/* 6.17 */
	{ 469, "file_setattr" },
};

#define NNEWER (sizeof(newer) / sizeof(newer[0]))

/* Kernel-internal errnos (include/linux/errno.h): never in <errno.h>, yet a
 * syscall interrupted by a signal exits with them as tracers see it. */
static const struct {
	int e;
	const char *name;
} internal[] = {
	{ 512, "ERESTARTSYS" },
	{ 513, "ERESTARTNOINTR" },
	{ 514, "ERESTARTNOHAND" },
	{ 515, "ENOIOCTLCMD" },
	{ 516, "ERESTART_RESTARTBLOCK" },
	{ 517, "EPROBE_DEFER" },
	{ 518, "EOPENSTALE" },
	{ 519, "ENOPARAM" },
	{ 521, "EBADHANDLE" },
	{ 522, "ENOTSYNC" },
	{ 523, "EBADCOOKIE" },
	{ 524, "ENOTSUPP" },
	{ 525, "ETOOSMALL" },
	{ 526, "ESERVERFAULT" },
	{ 527, "EBADTYPE" },
	{ 528, "EJUKEBOX" },
	{ 529, "EIOCBQUEUED" },
	{ 530, "ERECALLCONFLICT" },
	{ 531, "ENOGRACE" },
};

#define NINTERNAL (sizeof(internal) / sizeof(internal[0]))

/* The highest errno glibc might name: Linux's are all below 256. */
#define ERRNO_USER_MAX 4095

static const char *known_name(uint32_t nr)
{
	size_t i;

	if (nr < nx_syscall_names_len && nx_syscall_names[nr])
		return nx_syscall_names[nr];
	for (i = 0; i < NNEWER; i++)
		if (newer[i].nr == nr)
			return newer[i].name;
	return NULL;
}

static const char *known_ia32(uint32_t n)
{
	size_t i;

	if (n < nx_syscall_names_ia32_len && nx_syscall_names_ia32[n])
		return nx_syscall_names_ia32[n];
	for (i = 0; n >= GENERIC_FIRST && i < NNEWER; i++)
		if (newer[i].nr == n)
			return newer[i].name;
	return NULL;
}

const char *nx_syscall_name(uint32_t nr, char *buf, size_t len)
{
	bool ia32 = NX_SYS_IS_IA32(nr);
	const char *name = ia32 ? known_ia32(nr & ~NX_SYS_IA32) : known_name(nr);

	if (name)
		return name;
	if (buf && len) {
		if (ia32)
			snprintf(buf, len, "syscall_ia32_%u", nr & ~NX_SYS_IA32);
		else
			snprintf(buf, len, "syscall_%u", nr);
		return buf;
	}
	return "syscall_?";
}

int nx_syscall_ia32_to64(uint32_t n)
{
	const char *name = known_ia32(n);
	int nr;

	if (!name)
		return -1;
	nr = nx_syscall_number(name);
	return nr >= 0 && known_name((uint32_t)nr) ? nr : -1;	/* never a syscall_<n> */
}

int64_t nx_syscall_nr64(uint32_t nr)
{
	if (!NX_SYS_IS_IA32(nr))
		return nr;
	return nx_syscall_ia32_to64(nr & ~NX_SYS_IA32);
}

void nx_syscall_ia32_map(uint16_t *map, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = nx_syscall_ia32_to64((uint32_t)i);

		map[i] = nr >= 0 && nr < 0xffff ? (uint16_t)nr : 0xffff;
	}
}

int64_t nx_syscall_ia32_only(const char *name)
{
	if (!name || !*name || nx_syscall_number(name) >= 0)
		return -1;
	for (uint32_t n = 0; n < nx_syscall_names_ia32_len; n++)
		if (nx_syscall_names_ia32[n] && !strcmp(nx_syscall_names_ia32[n], name))
			return NX_SYS_IA32 | n;
	return -1;
}

uint32_t nx_syscall_max(void)
{
	uint32_t max = 0, nr;
	size_t i;

	for (nr = 0; nr < nx_syscall_names_len; nr++)
		if (nx_syscall_names[nr])
			max = nr + 1;
	for (i = 0; i < NNEWER; i++)
		if (newer[i].nr + 1 > max)
			max = newer[i].nr + 1;
	return max;
}

/* Strict decimal: digits only, no sign, no leading zero (but "0"), <= limit. */
static int parse_dec(const char *s, unsigned long limit, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > limit)
			return -1;
	}
	*out = v;
	return 0;
}

int nx_syscall_number(const char *name)
{
	uint32_t nr, max = nx_syscall_max();
	unsigned long v;
	size_t i;

	if (!name || !*name)
		return -1;
	for (nr = 0; nr < nx_syscall_names_len; nr++)
		if (nx_syscall_names[nr] && !strcmp(nx_syscall_names[nr], name))
			return (int)nr;
	for (i = 0; i < NNEWER; i++)	/* only where the generated table has a hole */
		if (!strcmp(newer[i].name, name) && known_name(newer[i].nr) == newer[i].name)
			return (int)newer[i].nr;
	if (!strncmp(name, "syscall_", 8) && !parse_dec(name + 8, max - 1, &v))
		return (int)v;
	return -1;
}

const char *nx_errno_name(int e, char *buf, size_t len)
{
	const char *name = NULL;
	size_t i;

	if (e < 0 && e != INT_MIN)
		e = -e;
	if (e > 0 && e <= ERRNO_USER_MAX)
		name = strerrorname_np(e);
	for (i = 0; !name && i < NINTERNAL; i++)
		if (internal[i].e == e)
			name = internal[i].name;
	if (name)
		return name;
	if (buf && len) {
		snprintf(buf, len, "E%d", e);
		return buf;
	}
	return "E?";
}

int nx_errno_number(const char *name)
{
	const char *n;
	int e;
	size_t i;

	if (!name || name[0] != 'E')
		return -1;
	for (e = 1; e <= ERRNO_USER_MAX; e++) {
		n = strerrorname_np(e);
		if (n && !strcmp(n, name))
			return e;
	}
	for (i = 0; i < NINTERNAL; i++)
		if (!strcmp(internal[i].name, name))
			return internal[i].e;
	/* the aliases <errno.h> defines as another name's value */
	if (!strcmp(name, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	if (!strcmp(name, "EDEADLOCK"))
		return EDEADLOCK;
	if (!strcmp(name, "ENOTSUP"))
		return ENOTSUP;
	return -1;
}
