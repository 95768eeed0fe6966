/*
 * capture/paycfg.c: the payload settings of a run, turned into the per-run
 * rodata of bpf/payload.bpf.h.
 *
 * The class array is built here from the one syscall table (bpf/payload.h),
 * so the kernel reads one 32-bit entry per syscall and needs no table of its
 * own; a part turned off leaves its bits clear, so a run without payloads
 * has nx_pay_on 0 and the verifier prunes every payload path.
 */
#include "capture/paycfg.h"

#include <errno.h>
#include <linux/types.h>
#include <string.h>

#include "bpf/payload.h"

void nx_paycfg_default(struct nx_paycfg *c)
{
	memset(c, 0, sizeof(*c));
	c->path_max = NX_PAY_PATH_DEFAULT;
	c->argc_max = NX_PAY_ARGC_DEFAULT;
	c->argv_bytes = NX_PAY_ARGV_DEFAULT;
}

int nx_paycfg_buf_slot(uint32_t nr)
{
#define SLOT(name, n, slot, ret, vec) if (nr == n) return slot;
	NX_BUF_SYSCALLS(SLOT)
#undef SLOT
	return -1;
}

int nx_paycfg_rodata(const struct nx_paycfg *c, struct nx_pay_rodata *ro, struct nx_err *err)
{
	memset(ro, 0, sizeof(*ro));
	if (c->path_max > NX_PAY_PATH_LIMIT)
		return nx_err_set(err, -EINVAL, "path payloads of %u bytes: at most %u",
				  c->path_max, NX_PAY_PATH_LIMIT);
	if (c->argc_max > NX_PAY_ARGC_LIMIT)
		return nx_err_set(err, -EINVAL, "argv payloads of %u arguments: at most %u",
				  c->argc_max, NX_PAY_ARGC_LIMIT);
	if (c->argv_bytes > NX_PAY_ARGV_LIMIT)
		return nx_err_set(err, -EINVAL, "argv payloads of %u bytes: at most %u",
				  c->argv_bytes, NX_PAY_ARGV_LIMIT);
	ro->path_max = c->path_max;
	ro->argc_max = c->argv_bytes ? c->argc_max : 0;
	ro->argv_bytes = c->argv_bytes;
	ro->argv_pow2 = 16;
	while (ro->argv_pow2 < ro->argv_bytes)
		ro->argv_pow2 <<= 1;
	for (int i = 0; i < NX_PAY_BUF_SLOTS; i++) {
		if (c->buf[i] > NX_PAY_BUF_LIMIT)
			return nx_err_set(err, -EINVAL, "I/O payloads of %u bytes: at most %u",
					  c->buf[i], NX_PAY_BUF_LIMIT);
		ro->buf[i] = c->buf[i];
		if (c->buf[i] > ro->buf_max)
			ro->buf_max = c->buf[i];
	}
	ro->iov_pow2 = 256;
	while (ro->iov_pow2 < ro->buf_max + 8 * NX_PAY_IOV_MAX)
		ro->iov_pow2 <<= 1;
	if (ro->path_max) {
#define PATHS(name, nr, paths) ro->cls[nr] |= paths;
		NX_PATH_SYSCALLS(PATHS)
#undef PATHS
	}
#define EXEC(name, nr, paths, argv)						\
	if (ro->path_max || ro->argc_max)					\
		ro->cls[nr] |= NX_PAYC_EXEC | (ro->path_max ? paths : 0) |	\
			       (ro->argc_max ? argv << NX_PAYC_ARGV_SHIFT : 0);
	NX_EXEC_SYSCALLS(EXEC)
#undef EXEC
#define BUF(name, nr, slot, ret, vec)						\
	if (ro->buf[slot])							\
		ro->cls[nr] |= (slot + 1) << NX_PAYC_SLOT_SHIFT | (ret ? NX_PAYC_BUFRET : 0) | \
			       (uint32_t)(vec) << NX_PAYC_VEC_SHIFT;
	NX_BUF_SYSCALLS(BUF)
#undef BUF
	for (unsigned i = 0; i < NX_SYS_MAX; i++)
		if (ro->cls[i])
			ro->on = 1;
	return 0;
}
