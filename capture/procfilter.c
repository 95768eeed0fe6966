/*
 * capture/procfilter.c: Filter (Pid, Uid, Comm) judged in user space, the twin
 * of bpf/filter.bpf.h. fnmatch(3) without escapes agrees with the kernel's
 * walk on * and ?, the only wildcards config.c and --comm let through.
 */
#include "capture/procfilter.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

bool nx_procfilter_on(const struct nx_config_filter *f)
{
	return f && (f->npids || f->nuids || f->ncomms);
}

bool nx_procfilter_match(const struct nx_config_filter *f, uint32_t pid, uint32_t uid,
			 const char *comm)
{
	char name[16];
	bool ok;
	uint32_t i;

	if (!nx_procfilter_on(f))
		return true;
	for (ok = !f->npids, i = 0; !ok && i < f->npids; i++)
		ok = f->pids[i] == pid;
	if (!ok)
		return false;
	for (ok = !f->nuids, i = 0; !ok && i < f->nuids; i++)
		ok = f->uids[i] == uid;
	if (!ok)
		return false;
	snprintf(name, sizeof(name), "%s", comm);	/* comm is 15 bytes at most */
	for (ok = !f->ncomms, i = 0; !ok && i < f->ncomms; i++)
		ok = fnmatch(f->comms[i], name, FNM_NOESCAPE) == 0;
	return ok;
}
