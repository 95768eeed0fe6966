/*
 * capture/sysfilt.c: a Syscalls filter of the config turned into the value
 * the kernel evaluates (bpf/sysfilt.h). The trigger goes through the same
 * parser and compiler as the uprobe triggers (analyze/trigger.h), with the
 * syscall context: arg1..arg6 and ret both exist, since the filter is
 * decided at sys_exit.
 */
#include "capture/sysfilt.h"

#include <errno.h>
#include <string.h>

#include "analyze/trigger.h"
#include "bpf/payload.h"
#include "capture/config.h"

uint32_t nx_sysfilt_path_arg(uint32_t nr)
{
	uint32_t paths = 0;

#define PATHS(name, n, p, ...) if (nr == n) paths = p;
	NX_PATH_SYSCALLS(PATHS)
	NX_EXEC_SYSCALLS(PATHS)
#undef PATHS
	for (uint32_t i = 0; i < 6; i++)
		if (paths & (1u << i))
			return i + 1;
	return 0;
}

int nx_sysfilt_build(const struct nx_config_sysfilter *f, struct nx_sysfilt *out,
		     struct nx_err *err)
{
	struct nx_trigger_ctx tctx = { .syscall = 1 };
	struct nx_err terr = { 0 };
	struct nx_trigger *t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (f->path_prefix) {
		size_t n = strlen(f->path_prefix);

		out->path_arg = nx_sysfilt_path_arg(f->nr);
		if (!out->path_arg || !n || n > NX_SYSFILT_PREFIX_MAX)
			return nx_err_set(err, -EINVAL, "syscall %u: PathPrefix '%s' cannot apply",
					  f->nr, f->path_prefix);
		out->flags |= NX_SYSFILT_PREFIX;
		out->prefix_len = (uint32_t)n;
		memcpy(out->prefix, f->path_prefix, n);
	}
	if (!f->trigger)
		return 0;
	t = nx_trigger_parse(f->trigger, &tctx, NULL, &terr);	/* err may be NULL */
	if (!t) {
		if (err)
			*err = terr;
		return terr.code;
	}
	rc = nx_trigger_compile(t, &out->prog, err);
	nx_trigger_free(t);
	if (rc < 0)
		return rc;
	out->flags |= NX_SYSFILT_TRIGGER;
	return 0;
}
