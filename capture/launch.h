#ifndef NX_CAPTURE_LAUNCH_H	/* capture/launch.h: start the traced command, held until "go" */
#define NX_CAPTURE_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "format/err.h"

/*
 * Who the command runs as. nx_launch_ids_from_env() parses SUDO_UID and
 * SUDO_GID strictly: absent means stay root, malformed is -EINVAL (the run
 * stops, exit 2), never a fallback to root.
 */
struct nx_launch_ids {
	bool drop;			/* false: keep the current ids */
	uid_t uid;
	gid_t gid;
	char *user;			/* for initgroups; owned, freed by release */
};
int nx_launch_ids_from_env(struct nx_launch_ids *ids, bool keep_root, struct nx_err *err);
void nx_launch_ids_release(struct nx_launch_ids *ids);

/*
 * A child forked and held: it has dropped privileges (initgroups,
 * setresgid, setresuid, verified with getres*id), reset its signal mask and
 * dispositions, and waits on a pipe. nx_launch_go() lets it exec; if the
 * recorder dies or calls nx_launch_abort() first, the pipe closes and the
 * child exits (status 127) without running the command untraced.
 */
struct nx_launch {
	pid_t pid;			/* the child, 0 when none */
	int go_fd;			/* write end of the go pipe, -1 once used */
	int status_fd;			/* read end: errno of a failed drop or exec, CLOEXEC */
};

int nx_launch_start(struct nx_launch *l, char *const argv[], const struct nx_launch_ids *ids,
		    struct nx_err *err);
/* Lets the child exec; returns -errno with a message if the drop or the exec failed. */
int nx_launch_go(struct nx_launch *l, struct nx_err *err);
/* Kills the held child and reaps it; NULL-safe, idempotent. */
void nx_launch_abort(struct nx_launch *l);

#endif
