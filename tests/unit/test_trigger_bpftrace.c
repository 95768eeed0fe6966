/*
 * tests/unit/test_trigger_bpftrace.c: nx_trigger_to_bpftrace() means what
 * the trigger means.
 *
 * Random manual triggers (the generator of test_trigger.c) become the
 * filters of a bpftrace program with one uprobe or uretprobe per trigger on
 * functions of this very binary; bpftrace counts in a map which trigger held
 * on which call. The process then makes the calls with random arguments and
 * return values, and every (trigger, call) pair bpftrace saw must be exactly
 * the set the tree evaluator computes for the same values, pid, tid, uid and
 * comm. Needs root and bpftrace (exit 77 otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyze/trigger.h"
#include "format/meta.h"
#include "tests/unit/trig_gen.h"

#define NTRIG 100	/* probes; bpftrace compiles one program each */
#define NCALLS 48
#define MAX_INSNS 32	/* of the trigger's program; see the loop below */
#define COMM "systemd-journal"	/* 15 bytes: the generator's names probe its edges */

extern char **environ;

/* The probed functions: noipa keeps them real calls with their own symbols. */
__attribute__((noipa)) void trig_bt_mark(long k)
{
	__asm__ volatile("" : : "r"(k) : "memory");
}

__attribute__((noipa)) long trig_bt_call(long a1, long a2, long a3, long a4, long a5, long a6)
{
	__asm__ volatile("" : : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6) : "memory");
	return 0;
}

__attribute__((noipa)) long trig_bt_ret(long r)
{
	__asm__ volatile("" : "+r"(r) : : "memory");
	return r;
}

__attribute__((noipa)) void trig_bt_done(void)
{
	__asm__ volatile("" : : : "memory");
}

struct bt_case {
	struct nx_trigger *t;
	bool uret;
};

static bool seen[NTRIG][NCALLS];

/* Reads bpftrace's stdout until a line starting with want; false at EOF. */
static bool read_until(FILE *f, const char *want, char *line, size_t len)
{
	while (fgets(line, (int)len, f)) {
		int i, k, n;

		if (sscanf(line, "@h[%d, %d]: %d", &i, &k, &n) == 3 && i >= 0 && i < NTRIG &&
		    k >= 0 && k < NCALLS)
			seen[i][k] = true;
		if (!strncmp(line, want, strlen(want)))
			return true;
	}
	return false;
}

/* Polls bpftrace's fds until it holds `want` perf events (one per attached
 * probe) or `secs` pass; false when it died or timed out. */
static bool wait_attached(pid_t pid, int want, int secs)
{
	char dir[64], link[PATH_MAX], target[256];

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	for (int tick = 0; tick < secs * 10; tick++) {
		DIR *d = opendir(dir);
		struct dirent *e;
		int n = 0;

		if (!d)
			return false;
		while ((e = readdir(d))) {
			ssize_t len;

			snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
			len = readlink(link, target, sizeof(target) - 1);
			if (len > 0) {
				target[len] = '\0';
				n += strcmp(target, "anon_inode:[perf_event]") == 0;
			}
		}
		closedir(d);
		if (n >= want)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static void test_bpftrace_filters_agree_with_the_tree(void **state)
{
	struct trig_rng rng = { 0x62707472616365ULL };
	struct bt_case cases[NTRIG];
	struct nx_trig_prog p;
	struct nx_trig_input ins[NCALLS];
	char exe[4096], dir[] = "/tmp/nx-trigbt-XXXXXX", path[4200], text[4096], bt[8192];
	char line[512];
	int pipefd[2], status;
	unsigned held = 0;
	ssize_t n;
	FILE *f, *out;
	pid_t child;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.bt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "uprobe:%s:trig_bt_mark { @k = arg0; }\n", exe);
	for (int i = 0; i < NTRIG;) {
		bool uret = trig_below(&rng, 4) == 0;
		struct nx_trigger_ctx ctx = { .hook = uret ? NXR_HOOK_URETPROBE : NXR_HOOK_UPROBE };
		struct nx_trigger *t;

		trig_gen_text(&rng, text, sizeof(text), uret);
		t = nx_trigger_parse(text, &ctx, NULL, NULL);
		/* bpftrace compiles && and || to branches: dozens of them in one
		 * filter exceed the verifier's budget, so the big ones stay out */
		if (!t || nx_trigger_type(t) != NX_TRIGGER_MANUAL ||
		    nx_trigger_compile(t, &p, NULL) || p.len > MAX_INSNS) {
			nx_trigger_free(t);
			continue;
		}
		assert_true(nx_trigger_to_bpftrace(t, bt, sizeof(bt), NULL) < (int)sizeof(bt));
		fprintf(f, "%s:%s:%s /%s/ { @h[%d, @k] = count(); }\n", uret ? "uretprobe" : "uprobe",
			exe, uret ? "trig_bt_ret" : "trig_bt_call", bt, i);
		cases[i].t = t;
		cases[i].uret = uret;
		i++;
	}
	fprintf(f, "uprobe:%s:trig_bt_done { exit(); }\n", exe);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(pipe(pipefd), 0);
	{
		posix_spawn_file_actions_t fa;
		char *argv[] = { "bpftrace", "-B", "line", path, NULL };

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
		posix_spawn_file_actions_addclose(&fa, pipefd[0]);
		assert_int_equal(posix_spawnp(&child, "bpftrace", &fa, NULL, argv, environ), 0);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(pipefd[1]);
	out = fdopen(pipefd[0], "r");
	assert_non_null(out);
	if (!read_until(out, "Attaching", line, sizeof(line)))
		fail_msg("bpftrace did not start (see its stderr above)");
	/* "Attaching" comes first, the attachments after: wait for them all */
	if (!wait_attached(child, NTRIG + 2, 600))
		fail_msg("bpftrace did not attach its %d probes", NTRIG + 2);

	prctl(PR_SET_NAME, COMM);
	for (int k = 0; k < NCALLS; k++) {
		struct nx_trig_input *in = &ins[k];

		trig_input(&rng, in);
		in->pid = (uint32_t)getpid();
		in->tid = (uint32_t)gettid();
		in->uid = (uint32_t)getuid();
		memset(in->comm, 0, sizeof(in->comm));
		memcpy(in->comm, COMM, strlen(COMM));
		trig_bt_mark(k);
		trig_bt_call((long)in->args[0], (long)in->args[1], (long)in->args[2],
			     (long)in->args[3], (long)in->args[4], (long)in->args[5]);
		trig_bt_ret((long)in->ret);
	}
	trig_bt_done();
	/* the maps print at exit: @k last written, NCALLS - 1, proves they did */
	if (!read_until(out, "@k: ", line, sizeof(line)) || atoi(line + 4) != NCALLS - 1)
		fail_msg("bpftrace did not print its maps at exit");
	while (read_until(out, "", line, sizeof(line)))
		;
	fclose(out);
	/* its exit status is not checked: without tracefs, bpftrace 0.17 fails to
	 * detach perf-event uprobes ("failed to detach probe") after a good run */
	assert_int_equal(waitpid(child, &status, 0), child);

	for (int i = 0; i < NTRIG; i++) {
		for (int k = 0; k < NCALLS; k++) {
			bool want = nx_trigger_eval_tree(cases[i].t, &ins[k]);

			if (want != seen[i][k]) {
				nx_trigger_format(cases[i].t, text, sizeof(text));
				nx_trigger_to_bpftrace(cases[i].t, bt, sizeof(bt), NULL);
				fail_msg("'%s' on call %d: nexus %d, bpftrace %d (filter %s)", text,
					 k, want, seen[i][k], bt);
			}
			held += want;
		}
		nx_trigger_free(cases[i].t);
	}
	assert_true(held > NTRIG * NCALLS / 10 && held < NTRIG * NCALLS - NTRIG * NCALLS / 10);
	print_message("%d triggers x %d calls through bpftrace, %u held\n", NTRIG, NCALLS, held);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpftrace_filters_agree_with_the_tree),
	};

	if (geteuid() != 0) {
		printf("test_trigger_bpftrace: running bpftrace needs root\n");
		return 77;
	}
	if (system("command -v bpftrace >/dev/null 2>&1") != 0) {
		printf("test_trigger_bpftrace: bpftrace is not installed (apt install bpftrace)\n");
		return 77;
	}
	return cmocka_run_group_tests_name("trigger_bpftrace", tests, NULL, NULL);
}
