#ifndef NX_CAPTURE_LAUNCH_H	/* capture/launch.h: start the traced command, held until "go" */
#define NX_CAPTURE_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "format/err.h"

/*
 * Who the command runs as. nx_launch_ids_from_env() parses SUDO_UID and
 * SUDO_GID strictly (decimal digits, no sign, spaces or leading zeros, below
 * 2^32-1): absent means stay who we are, malformed is -EINVAL "SUDO_UID 'x'
 * is not a user id" (the run stops, exit 2), never a fallback to root.
 * uid/gid hold the invoking user's ids whenever SUDO_UID is set (also with
 * keep_root, e.g. to chown output files), else the current real ids; drop is
 * true when running as root under sudo for a user other than root, unless
 * keep_root. user is that uid's passwd name, NULL if it has none (the
 * command then gets just gid as its only group).
 */
struct nx_launch_ids {
	bool drop;			/* false: keep the current ids */
	uid_t uid;
	gid_t gid;
	char *user;			/* for the group list; owned, freed by release */
};
int nx_launch_ids_from_env(struct nx_launch_ids *ids, bool keep_root, struct nx_err *err);
void nx_launch_ids_release(struct nx_launch_ids *ids);
/* The supplementary groups the command gets: the user's (getgrouplist) or just
 * ids->gid when the uid has no passwd entry. *groups is malloc'ed, caller frees. */
int nx_launch_ids_groups(const struct nx_launch_ids *ids, gid_t **groups, int *ngroups,
			 struct nx_err *err);

/*
 * A child forked and held: it has dropped privileges (the user's groups,
 * setresgid, setresuid, verified with getres*id and a setuid(0) that must
 * fail; HOME, USER and LOGNAME then name that user, as sudo -u would set
 * them), reset its signal mask and every disposition, closed every other
 * descriptor (0-2 are kept, opened on /dev/null if we had none), and waits on
 * a socket pair for "go". nx_launch_go() lets it exec; if the recorder dies or
 * calls nx_launch_abort() first, the socket closes and the child exits (status
 * 127) without running the command untraced. It also gets PR_SET_PDEATHSIG
 * SIGKILL, which fires when the *thread* that forked it exits: call
 * nx_launch_start from a thread that outlives the held child (the main one).
 */
struct nx_launch {
	pid_t pid;			/* the child, 0 when none */
	int go_fd;			/* our end of the go socket, -1 once used */
	int status_fd;			/* read end: a failed step's errno, CLOEXEC */
	uid_t uid;			/* who the command runs as, for messages */
	char name[128];			/* argv[0], for messages */
};

/*
 * Forks and holds the child (argv[0] is looked up in PATH as execvp does;
 * ids NULL or !ids->drop: keep our ids). Returns once the child is ready and
 * sleeps in its read of "go" (so a syscall of the held child seen after this
 * call is the command's own: see launch.c; at most 2 s are spent waiting), or
 * -errno with "cannot drop privileges to uid 1000: setresuid: ..." and the
 * child reaped. All-zero *l is a valid "no child" for nx_launch_abort.
 */
int nx_launch_start(struct nx_launch *l, char *const argv[], const struct nx_launch_ids *ids,
		    struct nx_err *err);
/*
 * Lets the child exec and waits until the exec happened: 0 and l->pid is the
 * running command (both descriptors closed; the caller waits for it, and
 * sets l->pid = 0 once it reaped it), or -errno with "cannot run 'foo': No
 * such file or directory" and the child reaped (l->pid = 0).
 */
int nx_launch_go(struct nx_launch *l, struct nx_err *err);
/* Kills (SIGKILL) l->pid if any, held or running, reaps it and closes the
 * descriptors; NULL-safe, idempotent. */
void nx_launch_abort(struct nx_launch *l);

#endif
