#ifndef NX_CAPTURE_SYSFILT_H	/* capture/sysfilt.h: syscall filters as kernel map values */
#define NX_CAPTURE_SYSFILT_H

#include <linux/types.h>
#include <stdint.h>

#include "bpf/sysfilt.h"
#include "format/err.h"

struct nx_config_sysfilter;

/* The argument PathPrefix applies to (the syscall's first path, bpf/payload.h),
 * 0 when the syscall has none. */
uint32_t nx_sysfilt_path_arg(uint32_t nr);

/* The kernel value of one filter: its trigger compiled, its prefix copied.
 * -EINVAL (a trigger that does not parse, a prefix too long or on a syscall
 * without a path) with the reason in err. */
int nx_sysfilt_build(const struct nx_config_sysfilter *f, struct nx_sysfilt *out,
		     struct nx_err *err);

#endif
