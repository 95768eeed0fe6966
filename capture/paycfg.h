#ifndef NX_CAPTURE_PAYCFG_H	/* capture/paycfg.h: what PAYLOAD events a run captures */
#define NX_CAPTURE_PAYCFG_H

#include <linux/types.h>
#include <stdint.h>

#include "bpf/nxbpf.h"
#include "bpf/payload.h"
#include "format/err.h"

/*
 * The payload settings of a run (the config's Payloads key, README
 * "Payloads"), and their translation into the BPF side's rodata
 * (bpf/payload.bpf.h). Zero turns a part off. Defaults: paths and argv on,
 * I/O buffers off.
 */
struct nx_paycfg {
	uint32_t path_max;	/* bytes of a path kept; 0: no paths (nor exec's filename) */
	uint32_t argc_max;	/* exec arguments kept; 0: no argv */
	uint32_t argv_bytes;	/* bytes of argv kept, NULs included */
	uint32_t buf[NX_PAY_BUF_SLOTS];	/* bytes kept per NX_BUF_SYSCALLS slot; 0: off */
};

void nx_paycfg_default(struct nx_paycfg *c);

/* The rodata values, computed once (loader.c copies them into the skeleton). */
struct nx_pay_rodata {
	uint32_t on;
	uint32_t cls[NX_SYS_MAX];
	uint32_t path_max, argc_max, argv_bytes, argv_pow2;
	uint32_t buf[NX_PAY_BUF_SLOTS];
	uint32_t buf_max;
	uint32_t iov_pow2;	/* >= buf_max + NX_PAY_IOV_MAX heads, a power of two */
};

/* -EINVAL when a limit is past its NX_PAY_*_LIMIT (bpf/payload.h). */
int nx_paycfg_rodata(const struct nx_paycfg *c, struct nx_pay_rodata *ro, struct nx_err *err);

/* The slot of an I/O syscall's limit (0..), -1 when it has none. */
int nx_paycfg_buf_slot(uint32_t nr);

#endif
