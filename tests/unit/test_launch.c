/*
 * tests/unit/test_launch.c: the held child, the go pipe and the privilege drop.
 *
 * Runs as root (the drop needs it; otherwise exit 77). The privilege tests run
 * the fixture build/fixtures/fx_ids, found beside this suite's binary
 * ($O/tests/../fixtures/fx_ids) and copied to a world-readable temporary
 * folder so that the dropped user can execute it whatever the build tree's
 * permissions; it prints its ids, groups, capabilities, signal state and
 * extra descriptors as key=value lines, which its stdout (a file) brings back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/launch.h"

static char tmpdir[64];
static char fx_ids[PATH_MAX];

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* opendir's own */
}

static int wait_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* Waits up to 5 s; then kills it and fails, so a broken launcher fails rather than hangs. */
static int wait_status_5s(pid_t pid)
{
	int st, i;

	for (i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		assert_true(r >= 0);
		if (r == pid)
			return st;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("process %d still alive after 5 s", (int)pid);
	return -1;
}

/* ---- the go pipe ---- */

/* The syscall pid sleeps in, from /proc/<pid>/syscall; -1 when none. */
static long proc_syscall_nr(pid_t pid)
{
	char path[40], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;	/* "running" or "-1 ...": not in a syscall */
	return strtol(buf, NULL, 10);
}

static void test_held_child_does_not_run_until_go(void **state)
{
	char path[128];
	char *argv[] = { "touch", path, NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	int before = count_fds(), st;
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s/ran", tmpdir);
	unlink(path);
	assert_int_equal(nx_launch_start(&l, argv, NULL, &err), 0);
	assert_true(l.pid > 0);
	assert_int_equal(count_fds(), before + 2);	/* go_fd and status_fd */
	/* already asleep in its read of "go", not still on its way there */
	assert_int_equal(proc_syscall_nr(l.pid), SYS_read);
	sleep_ms(200);
	assert_int_equal(stat(path, &sb), -1);	/* held: nothing ran */
	assert_int_equal(waitpid(l.pid, &st, WNOHANG), 0);	/* and it is alive */
	assert_int_equal(nx_launch_go(&l, &err), 0);
	assert_true(l.pid > 0);
	assert_int_equal(l.go_fd, -1);
	assert_int_equal(l.status_fd, -1);
	st = wait_status(l.pid);
	l.pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(count_fds(), before);	/* no pipe leaked */
	unlink(path);
}

static void test_closing_without_go_never_runs_the_command(void **state)
{
	char path[128];
	char *argv[] = { "touch", path, NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	struct stat sb;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/ran", tmpdir);
	unlink(path);
	assert_int_equal(nx_launch_start(&l, argv, NULL, &err), 0);
	close(l.go_fd);		/* what the recorder's death does */
	l.go_fd = -1;
	st = wait_status(l.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 127);
	assert_int_equal(stat(path, &sb), -1);
	close(l.status_fd);
}

static void test_abort_kills_and_reaps(void **state)
{
	char path[128];
	char *argv[] = { "touch", path, NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	int before = count_fds();
	struct stat sb;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/ran", tmpdir);
	unlink(path);
	assert_int_equal(nx_launch_start(&l, argv, NULL, &err), 0);
	pid = l.pid;
	nx_launch_abort(&l);
	assert_int_equal(l.pid, 0);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);	/* reaped already */
	assert_int_equal(errno, ECHILD);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(count_fds(), before);
	nx_launch_abort(&l);	/* idempotent */
	nx_launch_abort(NULL);
	memset(&l, 0, sizeof(l));	/* all-zero: "no child", stdin stays open */
	nx_launch_abort(&l);
	assert_true(fcntl(0, F_GETFD) >= 0 || errno != EBADF);
	assert_int_equal(nx_launch_go(&l, &err), -EINVAL);
}

/*
 * The recorder killed between start and go: the held child dies with it, by
 * PR_SET_PDEATHSIG even while another process (here a helper the recorder
 * forked) still holds the go socket open, so that end-of-file never comes.
 */
static void test_recorder_death_never_runs_the_command(void **state)
{
	char path[128];
	char *argv[] = { "touch", path, NULL };
	struct stat sb;
	int st, sync_pipe[2];
	pid_t rec, ids[2];

	(void)state;
	snprintf(path, sizeof(path), "%s/ran", tmpdir);
	unlink(path);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);	/* orphans come to us */
	assert_int_equal(pipe(sync_pipe), 0);
	rec = fork();
	assert_true(rec >= 0);
	if (rec == 0) {
		struct nx_launch l;

		close(sync_pipe[0]);
		if (nx_launch_start(&l, argv, NULL, NULL) < 0)
			_exit(1);
		ids[0] = l.pid;
		ids[1] = fork();	/* the helper: inherits go_fd and sleeps */
		if (ids[1] == 0) {	/* bounded, and holding none of the test's output */
			int null = open("/dev/null", O_RDWR);

			dup2(null, 1);
			dup2(null, 2);
			close(sync_pipe[1]);
			alarm(10);
			pause();
			_exit(0);
		}
		if (write(sync_pipe[1], ids, sizeof(ids)) != sizeof(ids))
			_exit(1);
		kill(getpid(), SIGKILL);	/* dies holding the child */
		_exit(1);
	}
	close(sync_pipe[1]);
	assert_int_equal(read(sync_pipe[0], ids, sizeof(ids)), sizeof(ids));
	close(sync_pipe[0]);
	st = wait_status(rec);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* reparented to us; the helper goes first, so that a failure leaves nothing behind */
	for (st = 0; st < 500; st++) {
		siginfo_t si = { 0 };

		assert_int_equal(waitid(P_PID, (id_t)ids[0], &si, WEXITED | WNOHANG | WNOWAIT), 0);
		if (si.si_pid)
			break;
		sleep_ms(10);
	}
	kill(ids[1], SIGKILL);
	wait_status(ids[1]);
	st = wait_status_5s(ids[0]);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

/* Anything but "go" on the socket is no go. */
static void test_only_go_runs_the_command(void **state)
{
	char path[128];
	char *argv[] = { "touch", path, NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	struct stat sb;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/ran", tmpdir);
	unlink(path);
	assert_int_equal(nx_launch_start(&l, argv, NULL, &err), 0);
	assert_int_equal(write(l.go_fd, "GO", 2), 2);
	st = wait_status(l.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	assert_int_equal(stat(path, &sb), -1);
	close(l.go_fd);
	close(l.status_fd);
}

static void test_missing_command_is_reported(void **state)
{
	char *abs[] = { "/nonexistent/nx-no-such-command", NULL };
	char *rel[] = { "nx-no-such-command-0x5f", "--flag", NULL };
	char *noexec[] = { "/dev/null", NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	int before = count_fds();

	(void)state;
	assert_int_equal(nx_launch_start(&l, abs, NULL, &err), 0);	/* found out at exec */
	assert_int_equal(nx_launch_go(&l, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "cannot run '/nonexistent/nx-no-such-command': No such file or directory");
	assert_int_equal(l.pid, 0);	/* reaped */
	assert_int_equal(nx_launch_start(&l, rel, NULL, &err), 0);
	assert_int_equal(nx_launch_go(&l, &err), -ENOENT);
	assert_string_equal(err.msg, "cannot run 'nx-no-such-command-0x5f': No such file or directory");
	assert_int_equal(nx_launch_start(&l, noexec, NULL, &err), 0);
	assert_int_equal(nx_launch_go(&l, &err), -EACCES);
	assert_string_equal(err.msg, "cannot run '/dev/null': Permission denied");
	assert_int_equal(count_fds(), before);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);	/* every child reaped */
	assert_int_equal(errno, ECHILD);

	assert_int_equal(nx_launch_start(&l, (char *[]){ NULL }, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "no command to run");
	assert_int_equal(nx_launch_start(&l, NULL, NULL, &err), -EINVAL);
}

/* ---- privileges ---- */

struct ids_report {
	char text[4096];
};

/* Runs fx_ids with ids, its stdout into a file; returns the report. */
static void run_fx_ids(const struct nx_launch_ids *ids, struct ids_report *r)
{
	char out[128];
	char *argv[] = { fx_ids, NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	int fd, saved, st, leak;
	ssize_t n;

	snprintf(out, sizeof(out), "%s/ids.out", tmpdir);
	unlink(out);
	fd = open(out, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	assert_true(fd >= 0);
	saved = dup(1);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 1), 1);
	leak = open("/dev/null", O_RDONLY);	/* not close-on-exec: must not reach the child */
	assert_true(leak > 2);
	st = nx_launch_start(&l, argv, ids, &err);
	close(leak);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	if (st < 0)
		fail_msg("start: %s", err.msg);
	if (nx_launch_go(&l, &err) < 0)
		fail_msg("go: %s", err.msg);
	st = wait_status(l.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = pread(fd, r->text, sizeof(r->text) - 1, 0);
	assert_true(n > 0);
	r->text[n] = '\0';
	close(fd);
	unlink(out);
}

static void assert_line(const struct ids_report *r, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "%s\n", line);
	if (!strstr(r->text, want) || (r->text != strstr(r->text, want) &&
				       strstr(r->text, want)[-1] != '\n'))
		fail_msg("no line '%s' in:\n%s", line, r->text);
}

static void test_privilege_drop(void **state)
{
	struct nx_launch_ids ids = { .drop = true, .uid = 65534, .gid = 65534, .user = NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_term;
	struct ids_report r;
	sigset_t block, old_mask;

	(void)state;
	/* a recorder typically blocks or ignores some signals: the command must not inherit that */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGINT);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
	assert_int_equal(sigaction(SIGTERM, &ign, &old_term), 0);

	run_fx_ids(&ids, &r);	/* no passwd name: the only group is gid */
	assert_line(&r, "ruid=65534");
	assert_line(&r, "euid=65534");
	assert_line(&r, "suid=65534");
	assert_line(&r, "rgid=65534");
	assert_line(&r, "egid=65534");
	assert_line(&r, "sgid=65534");
	assert_line(&r, "groups=65534");
	assert_line(&r, "CapEff=0000000000000000");
	assert_line(&r, "CapPrm=0000000000000000");
	assert_line(&r, "SigBlk=0000000000000000");
	assert_line(&r, "SigIgn=0000000000000000");
	assert_line(&r, "fds=");
	{	/* the environment names the user, not root */
		struct passwd *pw = getpwuid(65534);
		char want[PATH_MAX + 16];

		if (pw) {
			snprintf(want, sizeof(want), "HOME=%s", pw->pw_dir);
			assert_line(&r, want);
			snprintf(want, sizeof(want), "USER=%s", pw->pw_name);
			assert_line(&r, want);
			snprintf(want, sizeof(want), "LOGNAME=%s", pw->pw_name);
			assert_line(&r, want);
		}
	}

	/* the same through the environment, with the passwd name for the groups */
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	assert_int_equal(nx_launch_ids_from_env(&ids, false, NULL), 0);
	assert_true(ids.drop);
	run_fx_ids(&ids, &r);
	assert_line(&r, "euid=65534");
	assert_line(&r, "egid=65534");
	assert_line(&r, "CapEff=0000000000000000");
	assert_line(&r, "fds=");
	if (ids.user) {	/* nobody's groups: only nogroup on Debian */
		gid_t *g;
		int n;
		char want[64];

		assert_int_equal(nx_launch_ids_groups(&ids, &g, &n, NULL), 0);
		assert_true(n >= 1);
		snprintf(want, sizeof(want), "groups=%u", (unsigned)g[0]);
		assert_true(strstr(r.text, want) != NULL);
		free(g);
	}
	nx_launch_ids_release(&ids);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");

	assert_int_equal(sigprocmask(SIG_SETMASK, &old_mask, NULL), 0);
	assert_int_equal(sigaction(SIGTERM, &old_term, NULL), 0);
}

static void test_keep_root_keeps_root(void **state)
{
	struct nx_launch_ids ids;
	struct ids_report r;

	(void)state;
	setenv("SUDO_UID", "1000", 1);
	setenv("SUDO_GID", "1000", 1);
	assert_int_equal(nx_launch_ids_from_env(&ids, true, NULL), 0);
	assert_false(ids.drop);
	assert_int_equal(ids.uid, 1000);	/* still known, e.g. to own the output */
	assert_int_equal(ids.gid, 1000);
	run_fx_ids(&ids, &r);
	assert_line(&r, "ruid=0");
	assert_line(&r, "euid=0");
	assert_null(strstr(r.text, "CapEff=0000000000000000"));
	assert_line(&r, "fds=");
	nx_launch_ids_release(&ids);
	run_fx_ids(NULL, &r);	/* NULL ids: same */
	assert_line(&r, "euid=0");
	{	/* and the environment is ours, untouched */
		char want[PATH_MAX + 16];

		snprintf(want, sizeof(want), "HOME=%s", getenv("HOME") ? getenv("HOME") : "");
		assert_line(&r, want);
	}
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
}

static void test_a_failed_drop_stops_at_start(void **state)
{
	/* setgroups with more groups than the kernel takes fails in the child */
	struct nx_launch_ids ids = { .drop = true, .uid = 65534, .gid = 65534 };
	char *argv[] = { "true", NULL };
	struct nx_launch l;
	struct nx_err err = { 0 };
	pid_t pid;

	(void)state;
	/* as nobody, the child cannot set ids at all: fork a nobody "recorder" */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(3);
		ids.uid = 1;
		ids.gid = 1;
		if (nx_launch_start(&l, argv, &ids, &err) != -EPERM)
			_exit(1);
		if (strcmp(err.msg, "cannot drop privileges to uid 1: setgroups: Operation not "
			   "permitted"))
			_exit(2);
		_exit(l.pid == 0 ? 0 : 4);
	}
	assert_int_equal(wait_status(pid), 0);
}

static void test_sudo_ids_are_parsed_strictly(void **state)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+1", "1e3", "99999999999", " 1000", "1000 ", "10 00", "0x10",
		"4294967295", "4294967296", "01000", "1000\n",
	};
	struct nx_launch_ids ids;
	struct nx_err err = { 0 };
	char want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("SUDO_UID", bad[i], 1);
		setenv("SUDO_GID", "1000", 1);
		memset(&ids, 0, sizeof(ids));
		if (nx_launch_ids_from_env(&ids, false, &err) != -EINVAL)
			fail_msg("SUDO_UID '%s' was accepted", bad[i]);
		assert_false(ids.drop);
		assert_null(ids.user);
		if (!strchr(bad[i], '\n')) {
			snprintf(want, sizeof(want), "SUDO_UID '%s' is not a user id", bad[i]);
			assert_string_equal(err.msg, want);
		}
		/* refused the same way with keep_root: a malformed value never passes */
		assert_int_equal(nx_launch_ids_from_env(&ids, true, &err), -EINVAL);
		setenv("SUDO_UID", "1000", 1);
		setenv("SUDO_GID", bad[i], 1);
		assert_int_equal(nx_launch_ids_from_env(&ids, false, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "is not a group id"));
	}
	setenv("SUDO_UID", "1000", 1);
	unsetenv("SUDO_GID");
	assert_int_equal(nx_launch_ids_from_env(&ids, false, &err), -EINVAL);
	assert_string_equal(err.msg, "SUDO_UID is set but SUDO_GID is not");

	/* well-formed: 0 means root invoked sudo, nothing to drop */
	setenv("SUDO_UID", "0", 1);
	setenv("SUDO_GID", "0", 1);
	assert_int_equal(nx_launch_ids_from_env(&ids, false, &err), 0);
	assert_false(ids.drop);
	nx_launch_ids_release(&ids);
	setenv("SUDO_UID", "4294967294", 1);
	setenv("SUDO_GID", "4294967294", 1);
	assert_int_equal(nx_launch_ids_from_env(&ids, false, &err), 0);
	assert_true(ids.drop);
	assert_int_equal(ids.uid, 4294967294u);
	assert_null(ids.user);	/* no passwd entry */
	nx_launch_ids_release(&ids);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	assert_int_equal(nx_launch_ids_from_env(&ids, false, &err), 0);	/* not under sudo */
	assert_false(ids.drop);
	assert_int_equal(ids.uid, getuid());
	nx_launch_ids_release(&ids);
	nx_launch_ids_release(NULL);
}

/* Copies the fixture where the dropped user can run it. */
static int copy_fixture(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

static void remove_tmpdir(void)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/fx_ids", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/ran", tmpdir);
	unlink(p);
	rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_child_does_not_run_until_go),
		cmocka_unit_test(test_closing_without_go_never_runs_the_command),
		cmocka_unit_test(test_abort_kills_and_reaps),
		cmocka_unit_test(test_recorder_death_never_runs_the_command),
		cmocka_unit_test(test_only_go_runs_the_command),
		cmocka_unit_test(test_missing_command_is_reported),
		cmocka_unit_test(test_privilege_drop),
		cmocka_unit_test(test_keep_root_keeps_root),
		cmocka_unit_test(test_a_failed_drop_stops_at_start),
		cmocka_unit_test(test_sudo_ids_are_parsed_strictly),
	};
	char self[PATH_MAX], built[PATH_MAX + 32];
	ssize_t n;
	int rc;

	if (geteuid() != 0) {
		printf("test_launch: the privilege drop needs root\n");
		return 77;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';	/* $O/tests */
	snprintf(built, sizeof(built), "%s/../fixtures/fx_ids", self);
	if (access(built, X_OK) < 0) {
		printf("test_launch: %s missing: make O=<dir> <dir>/fixtures/fx_ids\n", built);
		return 77;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nx-test-launch-XXXXXX");
	if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755) < 0)
		return 1;
	snprintf(fx_ids, sizeof(fx_ids), "%s/fx_ids", tmpdir);
	if (copy_fixture(built, fx_ids) < 0) {
		remove_tmpdir();
		return 1;
	}
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	rc = cmocka_run_group_tests_name("launch", tests, NULL, NULL);
	remove_tmpdir();
	return rc;
}
