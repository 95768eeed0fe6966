/*
 * capture/launch.c: start the traced command, held until "go".
 *
 * The recorder forks the command before it loads and attaches its BPF
 * programs (they need the pid), so the child must wait until tracing is in
 * place, and must never run untraced: it blocks reading a socket pair whose
 * other end only the recorder holds, and on end-of-file without "go" (the
 * recorder died or gave up) it exits 127 without exec. PR_SET_PDEATHSIG kills
 * it outright when the forking thread dies.
 *
 * Invariants:
 * - the child calls only async-signal-safe functions (the recorder has
 *   threads: after fork only the forking one exists, with whatever locks the
 *   others held): everything that may allocate or consult NSS (the group
 *   list, the user name) is computed by the parent before fork;
 * - the child drops privileges before it reports ready, and verifies the
 *   drop with getres*id and a setuid(0) that must fail; a failed step is
 *   reported on the status pipe as {step, errno} and the child exits 127;
 * - the status pipe's write end is close-on-exec: end-of-file after "go"
 *   means the exec succeeded, a record means it failed;
 * - the parent keeps exactly two descriptors per held child (go_fd,
 *   status_fd), both close-on-exec, and closes them on every path;
 * - nx_launch_start returns only once the child sleeps in its read of "go"
 *   (its own /proc/<pid>/syscall says so): the recorder marks it relevant
 *   next, and a read entered after the mark would be recorded, as the
 *   command's first syscall, though the command has not run yet.
 */
#include "capture/launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum step {
	STEP_READY = 0,
	STEP_GROUPS,
	STEP_GID,
	STEP_UID,
	STEP_VERIFY,
	STEP_DEATHSIG,
	STEP_STDIO,
	STEP_FDS,
	STEP_EXEC,
};

struct report {
	int32_t step;
	int32_t err;
};

/* ---- ids ---- */

/* Strict decimal id: digits only, no sign, space or leading zero, below (id_t)-1. */
static int parse_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v >= UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* An environment value as shown in a message: short, control bytes as '?'. */
static const char *shown(const char *s, char buf[40])
{
	size_t i;

	for (i = 0; s[i] && i < 32; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

int nx_launch_ids_from_env(struct nx_launch_ids *ids, bool keep_root, struct nx_err *err)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	char buf[40], *pwbuf = NULL;
	struct passwd pw, *res = NULL;
	uint32_t uid, gid;
	long pwlen;
	int rc = 0;

	ids->drop = false;
	ids->uid = getuid();
	ids->gid = getgid();
	ids->user = NULL;
	if (!su && !sg)
		return 0;	/* not under sudo: stay who we are */
	if (!su)
		return nx_err_set(err, -EINVAL, "SUDO_GID is set but SUDO_UID is not");
	if (parse_id(su, &uid) < 0)
		return nx_err_set(err, -EINVAL, "SUDO_UID '%s' is not a user id", shown(su, buf));
	if (!sg)
		return nx_err_set(err, -EINVAL, "SUDO_UID is set but SUDO_GID is not");
	if (parse_id(sg, &gid) < 0)
		return nx_err_set(err, -EINVAL, "SUDO_GID '%s' is not a group id", shown(sg, buf));
	ids->uid = uid;
	ids->gid = gid;
	/* only root can drop, and dropping to root is no drop */
	ids->drop = !keep_root && uid != 0 && geteuid() == 0;
	pwlen = sysconf(_SC_GETPW_R_SIZE_MAX);
	if (pwlen < 1024)
		pwlen = 16384;
	for (;;) {
		pwbuf = malloc((size_t)pwlen);
		if (!pwbuf)
			return nx_err_set(err, -ENOMEM, "out of memory");
		rc = getpwuid_r(uid, &pw, pwbuf, (size_t)pwlen, &res);
		if (rc != ERANGE || pwlen > (1 << 22))
			break;
		free(pwbuf);
		pwlen *= 4;
	}
	rc = 0;
	if (res) {	/* no entry (or no NSS answer): groups fall back to just gid */
		ids->user = strdup(pw.pw_name);
		if (!ids->user)
			rc = nx_err_set(err, -ENOMEM, "out of memory");
	}
	free(pwbuf);
	return rc;
}

void nx_launch_ids_release(struct nx_launch_ids *ids)
{
	if (!ids)
		return;
	free(ids->user);
	ids->user = NULL;
	ids->drop = false;
}

int nx_launch_ids_groups(const struct nx_launch_ids *ids, gid_t **groups, int *ngroups,
			 struct nx_err *err)
{
	gid_t *g = NULL, *ng;
	int n = 16, want;

	*groups = NULL;
	*ngroups = 0;
	if (!ids->user) {
		g = malloc(sizeof(*g));
		if (!g)
			return nx_err_set(err, -ENOMEM, "out of memory");
		g[0] = ids->gid;
		*groups = g;
		*ngroups = 1;
		return 0;
	}
	for (;;) {
		ng = realloc(g, sizeof(*g) * (size_t)n);
		if (!ng) {
			free(g);
			return nx_err_set(err, -ENOMEM, "out of memory");
		}
		g = ng;
		want = n;
		if (getgrouplist(ids->user, ids->gid, g, &want) >= 0) {
			*groups = g;
			*ngroups = want;
			return 0;
		}
		if (want <= n || want > 65536) {
			free(g);
			return nx_err_set(err, -EINVAL, "cannot list the groups of user '%s'",
					  ids->user);
		}
		n = want;
	}
}

/* ---- the child ---- */

static void child_report(int fd, int step, int e)
{
	struct report r = { step, e };
	ssize_t n;

	do
		n = write(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
}

static __attribute__((noreturn)) void child_fail(int fd, int step, int e)
{
	child_report(fd, step, e);
	_exit(127);
}

static int close_range_raw(unsigned first, unsigned last)
{
	if (first > last)
		return 0;
	return (int)syscall(SYS_close_range, first, last, 0u);
}

/* Closes every fd from 3 on but keep_a and keep_b (both > 2). */
static int close_others(int keep_a, int keep_b)
{
	char buf[4096];
	int a = keep_a < keep_b ? keep_a : keep_b, b = keep_a < keep_b ? keep_b : keep_a;
	int dfd, fd;
	long n, off;

	if (close_range_raw(3, (unsigned)a - 1) == 0 &&
	    close_range_raw((unsigned)a + 1, (unsigned)b - 1) == 0 &&
	    close_range_raw((unsigned)b + 1, ~0u) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	/* before Linux 5.9: walk /proc/self/fd with the raw getdents64 (no malloc) */
	dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			const char *p = d->d_name;

			off += d->d_reclen;
			if (*p < '0' || *p > '9')
				continue;
			for (fd = 0; *p >= '0' && *p <= '9'; p++)
				fd = fd * 10 + (*p - '0');
			if (fd > 2 && fd != keep_a && fd != keep_b && fd != dfd)
				close(fd);
		}
	}
	close(dfd);
	return n < 0 ? -errno : 0;
}

/*
 * The dropped command's environment: ours with HOME, USER and LOGNAME of the
 * user it runs as (sudo set them for root), built before fork. *envp holds
 * borrowed pointers into environ plus *own, the three new strings.
 */
static int user_env(uid_t uid, char ***envp, char *own[3])
{
	static const char *const replaced[] = { "HOME=", "USER=", "LOGNAME=" };
	struct passwd pw, *res = NULL;
	char buf[16384], **e;
	size_t n = 0, i, j;

	*envp = NULL;
	own[0] = own[1] = own[2] = NULL;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
		return 0;	/* no passwd entry: nothing better to say */
	for (e = environ; e && *e; e++)
		n++;
	*envp = calloc(n + 4, sizeof(**envp));
	if (asprintf(&own[0], "HOME=%s", pw.pw_dir) < 0)
		own[0] = NULL;
	if (asprintf(&own[1], "USER=%s", pw.pw_name) < 0)
		own[1] = NULL;
	if (asprintf(&own[2], "LOGNAME=%s", pw.pw_name) < 0)
		own[2] = NULL;
	if (!*envp || !own[0] || !own[1] || !own[2])
		return -ENOMEM;
	for (i = 0, e = environ; e && *e; e++) {
		for (j = 0; j < 3; j++)
			if (!strncmp(*e, replaced[j], strlen(replaced[j])))
				break;
		if (j == 3)
			(*envp)[i++] = *e;
	}
	for (j = 0; j < 3; j++)
		(*envp)[i++] = own[j];
	return 0;
}

struct child_args {
	char *const *argv;
	char **envp;		/* NULL: keep environ */
	const struct nx_launch_ids *ids;
	const gid_t *groups;
	int ngroups;
	pid_t parent;
	int go_fd;		/* the child's end of the go socket */
	int status_fd;		/* write end of the status pipe */
};

/* The kernel's struct sigaction for rt_sigaction(2) on the arches where
 * it is { handler, flags, restorer, mask } (x86_64, arm64 and most others). */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static void reset_signal_raw(int sig)
{
	struct kernel_sigaction dfl = { .handler = SIG_DFL };

	syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}

static __attribute__((noreturn)) void child_run(const struct child_args *a)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	uid_t r, e, s;
	gid_t rg, eg, sg;
	sigset_t none;
	char go[2];
	size_t got = 0;
	ssize_t n;
	int sig, fd, st = a->status_fd;

	/* dispositions and mask: ignored signals stay ignored across exec.
	 * glibc refuses its own two real-time signals (32, 33) with EINVAL, yet
	 * an ignored one is inherited too: reset those through the kernel. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &dfl, NULL) < 0)
			reset_signal_raw(sig);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (a->ids && a->ids->drop) {
		uid_t uid = a->ids->uid;
		gid_t gid = a->ids->gid;

		if (setgroups((size_t)a->ngroups, a->groups) < 0)
			child_fail(st, STEP_GROUPS, errno);
		if (setresgid(gid, gid, gid) < 0)
			child_fail(st, STEP_GID, errno);
		if (setresuid(uid, uid, uid) < 0)
			child_fail(st, STEP_UID, errno);
		if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
			child_fail(st, STEP_VERIFY, errno);
		if (r != uid || e != uid || s != uid || rg != gid || eg != gid || sg != gid)
			child_fail(st, STEP_VERIFY, EPERM);
		if (setuid(0) == 0)
			child_fail(st, STEP_VERIFY, EPERM);
	}
	/* after the drop: a change of ids clears the parent-death signal */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail(st, STEP_DEATHSIG, errno);
	if (getppid() != a->parent)
		_exit(127);	/* the recorder is already gone */

	/* the command gets a stdin, stdout and stderr even if we had none */
	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		n = open("/dev/null", O_RDWR);
		if (n < 0)
			child_fail(st, STEP_STDIO, errno);
		if (n != fd) {
			if (dup2((int)n, fd) < 0)
				child_fail(st, STEP_STDIO, errno);
			close((int)n);
		}
	}
	n = close_others(a->go_fd, st);
	if (n < 0)
		child_fail(st, STEP_FDS, (int)-n);

	child_report(st, STEP_READY, 0);
	while (got < sizeof(go)) {
		n = read(a->go_fd, go + got, sizeof(go) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(127);	/* no "go": never run untraced */
		got += (size_t)n;
	}
	if (memcmp(go, "go", 2))
		_exit(127);
	/* go_fd is close-on-exec: closing it here would be the first syscall
	 * recorded, before the command's own */
	if (a->envp)
		environ = a->envp;
	execvp(a->argv[0], a->argv);
	child_fail(st, STEP_EXEC, errno);
}

/* ---- the parent ---- */

/* Ours are all lifted above 2: a zeroed struct nx_launch never closes stdin. */
static void close_fd(int *fd)
{
	if (*fd > 2)
		close(*fd);
	*fd = -1;
}

/* Moves *fd to 3 or above (keeping close-on-exec), so that the child's 0-2 stay free. */
static int lift_fd(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

static void reap(pid_t pid, int *status)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (status)
		*status = st;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * 1 when pid sleeps in read(fd, ...), 0 when it does not (yet), <0 when
 * /proc cannot tell (-errno). /proc/<pid>/syscall shows "running" while the
 * task runs, "-1 sp pc" outside a syscall, else "nr arg1 ... sp pc".
 */
static int in_read_of(pid_t pid, int fd)
{
	char path[40], buf[128], want[40];
	ssize_t n;
	int sfd, len;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	n = read(sfd, buf, sizeof(buf) - 1);
	close(sfd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	len = snprintf(want, sizeof(want), "%d 0x%x ", SYS_read, (unsigned)fd);
	return strncmp(buf, want, (size_t)len) == 0;
}

/*
 * Waits (polling, from 10 us up to 1 ms apart) until the held child sleeps
 * in its read of go_fd, for at most 2 s. Past that, or where /proc cannot
 * tell, the launch goes on: the worst case is that read recorded, as before.
 */
static void await_go_read(pid_t pid, int go_fd)
{
	struct timespec pause = { 0, 10000 };
	int64_t deadline = mono_ns() + 2000000000;

	while (in_read_of(pid, go_fd) == 0 && mono_ns() < deadline) {
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 1000000)
			pause.tv_nsec *= 2;
	}
}

/* Reads one report: 1 = got it, 0 = end of file, <0 = -errno. */
static int read_report(int fd, struct report *r)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*r)) {
		n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPROTO : 0;
		got += (size_t)n;
	}
	return 1;
}

static int report_err(const struct nx_launch *l, const struct report *r, struct nx_err *err)
{
	int e = r->err > 0 ? r->err : EPERM;

	switch (r->step) {
	case STEP_GROUPS:
		return nx_err_set(err, -e, "cannot drop privileges to uid %u: setgroups: %s",
				  (unsigned)l->uid, strerror(e));
	case STEP_GID:
		return nx_err_set(err, -e, "cannot drop privileges to uid %u: setresgid: %s",
				  (unsigned)l->uid, strerror(e));
	case STEP_UID:
		return nx_err_set(err, -e, "cannot drop privileges to uid %u: setresuid: %s",
				  (unsigned)l->uid, strerror(e));
	case STEP_VERIFY:
		return nx_err_set(err, -e, "cannot drop privileges to uid %u: the ids did not "
				  "all change, or root could be regained", (unsigned)l->uid);
	case STEP_DEATHSIG:
		return nx_err_set(err, -e, "cannot prepare '%s': prctl(PR_SET_PDEATHSIG): %s",
				  l->name, strerror(e));
	case STEP_STDIO:
		return nx_err_set(err, -e, "cannot prepare '%s': no /dev/null for stdio: %s",
				  l->name, strerror(e));
	case STEP_FDS:
		return nx_err_set(err, -e, "cannot prepare '%s': closing inherited descriptors: %s",
				  l->name, strerror(e));
	case STEP_EXEC:
		return nx_err_set(err, -e, "cannot run '%s': %s", l->name, strerror(e));
	default:
		return nx_err_set(err, -EPROTO, "cannot run '%s': the child reported step %d",
				  l->name, (int)r->step);
	}
}

int nx_launch_start(struct nx_launch *l, char *const argv[], const struct nx_launch_ids *ids,
		    struct nx_err *err)
{
	int go[2] = { -1, -1 }, st[2] = { -1, -1 };
	struct child_args a = { .argv = argv, .ids = ids };
	gid_t *groups = NULL;
	char *env_own[3] = { NULL, NULL, NULL };
	struct report r;
	pid_t pid;
	int rc;

	l->pid = 0;
	l->go_fd = -1;
	l->status_fd = -1;
	l->uid = ids && ids->drop ? ids->uid : geteuid();
	l->name[0] = '\0';
	if (!argv || !argv[0] || !argv[0][0])
		return nx_err_set(err, -EINVAL, "no command to run");
	snprintf(l->name, sizeof(l->name), "%s", argv[0]);
	if (ids && ids->drop) {
		rc = nx_launch_ids_groups(ids, &groups, &a.ngroups, err);
		if (rc < 0)
			return rc;
		a.groups = groups;
		rc = user_env(ids->uid, &a.envp, env_own);
		if (rc < 0) {
			nx_err_set(err, rc, "cannot start '%s': out of memory", l->name);
			goto out;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0 ||
	    pipe2(st, O_CLOEXEC) < 0) {
		rc = nx_err_set(err, -errno, "cannot start '%s': %s", l->name, strerror(errno));
		goto out;
	}
	if ((rc = lift_fd(&go[0])) < 0 || (rc = lift_fd(&go[1])) < 0 ||
	    (rc = lift_fd(&st[0])) < 0 || (rc = lift_fd(&st[1])) < 0) {
		nx_err_set(err, rc, "cannot start '%s': %s", l->name, strerror(-rc));
		goto out;
	}
	a.parent = getpid();
	a.go_fd = go[1];
	a.status_fd = st[1];
	pid = fork();
	if (pid < 0) {
		rc = nx_err_set(err, -errno, "cannot start '%s': fork: %s", l->name,
				strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(go[0]);	/* else the child would hold the recorder's end open itself */
		close(st[0]);
		child_run(&a);
	}
	close_fd(&go[1]);
	close_fd(&st[1]);
	rc = read_report(st[0], &r);
	if (rc == 1 && r.step == STEP_READY) {
		await_go_read(pid, a.go_fd);
		l->pid = pid;
		l->go_fd = go[0];
		l->status_fd = st[0];
		go[0] = st[0] = -1;
		rc = 0;
		goto out;
	}
	reap(pid, NULL);
	if (rc == 1)
		rc = report_err(l, &r, err);
	else
		rc = nx_err_set(err, rc < 0 ? rc : -ECHILD,
				"cannot start '%s': its process died before it was ready", l->name);
out:
	close_fd(&go[0]);
	close_fd(&go[1]);
	close_fd(&st[0]);
	close_fd(&st[1]);
	free(groups);
	free(a.envp);
	free(env_own[0]);
	free(env_own[1]);
	free(env_own[2]);
	return rc;
}

int nx_launch_go(struct nx_launch *l, struct nx_err *err)
{
	struct report r;
	ssize_t n;
	int rc;

	if (!l || l->pid <= 0 || l->go_fd < 0)
		return nx_err_set(err, -EINVAL, "no command is waiting to run");
	do
		n = send(l->go_fd, "go", 2, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	close_fd(&l->go_fd);
	if (n != 2) {	/* the held child is gone (killed?): it cannot have run */
		rc = nx_err_set(err, -ECHILD, "cannot run '%s': its process died before it "
				"could start", l->name);
		goto fail;
	}
	rc = read_report(l->status_fd, &r);
	close_fd(&l->status_fd);
	if (rc == 0)
		return 0;	/* end of file: the exec closed the pipe */
	if (rc == 1)
		rc = report_err(l, &r, err);
	else
		nx_err_set(err, rc, "cannot run '%s': %s", l->name, strerror(-rc));
fail:
	nx_launch_abort(l);
	return rc;
}

void nx_launch_abort(struct nx_launch *l)
{
	if (!l)
		return;
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		reap(l->pid, NULL);
	}
	l->pid = 0;
	close_fd(&l->go_fd);
	close_fd(&l->status_fd);
}
