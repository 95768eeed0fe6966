#ifndef NX_CAPTURE_PROCFILTER_H	/* capture/procfilter.h: the process filter, judged in user space */
#define NX_CAPTURE_PROCFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/config.h"

/*
 * The same judgement bpf/filter.bpf.h makes in the kernel, for what user
 * space reports itself (the synthetic exec of a process already running):
 * every kind in use must hold, any value of a kind will do; a Comm pattern
 * is exact or a glob with * and ? on the first 15 bytes of comm. f NULL or
 * empty: everything passes.
 */
bool nx_procfilter_match(const struct nx_config_filter *f, uint32_t pid, uint32_t uid,
			 const char *comm);
/* Any kind in use? */
bool nx_procfilter_on(const struct nx_config_filter *f);

#endif
