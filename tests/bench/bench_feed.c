/*
 * tests/bench/bench_feed.c: the recorder's pipeline capacity, with
 * synthetic records fed into its real ring buffer from a BPF program.
 *
 * The storm (bench_record.sh: threads of getppid under nexus-record) is
 * bound by its generator on a small machine: a traced getppid costs more
 * cpu than the recorder spends per event. This bench takes the syscalls
 * out: per step it starts `nexus-record -o FILE` on a Command that only
 * sleeps, takes the recorder's own ring buffer map (pidfd_getfd of the
 * BPF_MAP_TYPE_RINGBUF fd found in /proc/PID/fdinfo), loads
 * tests/bpf/feed_test.bpf.c with that ring in place of its own, and runs it
 * with BPF_PROG_TEST_RUN: each run writes K valid SYSCALL records batched
 * as the real programs batch them. User space paces the runs by the clock
 * to a target rate for a few seconds, then stops the recorder (SIGINT) and
 * reads the recording back: every fed record (pid FEED_PID, sequence in
 * arg1) must be there exactly once. What is measured is ring -> drain ->
 * encode -> compress -> disk; the kernel's syscall path is not in it (that
 * is the storm's, beside it in the README).
 *
 * Per step it prints the target and achieved rates, records fed, fed
 * records found in the recording, the loss (the ring refusing a batch, as
 * the feeder counted it, plus the recording's own loss counts by reason)
 * and the recorder's own cpu line; then a met/MISSED verdict for issue 3's
 * "3 M events/s sustained, zero loss". Usage: bench_feed [SECONDS
 * [RATE_M...]] (default 4 s at 3, 4 and 5 M/s; O=build folder). Without
 * root it says so and exits 0, as the other benchmarks do (one that cannot
 * run is not a failure of `make bench`); nexus-record not built: exit 77; a
 * recorder that fails, a ring not found or a program that will not load:
 * one line and exit 1.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "format/reader.h"
#include "feed_test.skel.h"

#define FEED_PID 0x7fff0000u
#define RUN_RECORDS 4096	/* per BPF_PROG_TEST_RUN: 512 ring records of NX_SYS_BATCH */
#define TARGET_RATE 3e6

struct step {
	double target, achieved;	/* records per second */
	uint64_t fed, found, dup, feeder_lost, rec_lost[NX_LOSS_NREASONS];
	double feeder_cpu_ns;		/* this process's cpu per record: the BPF program's */
	uint64_t max_fill;		/* most bytes the ring held after a run */
	uint32_t ring_size;
	double busy[3], waited[3];	/* % of the time fed each of main, drain, writer
					 * ran, and waited for a cpu */
	char cpu_line[160], sum_line[400];
};

static char tmpdir[64];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bench_feed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int libbpf_quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return lvl == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Starts the recorder on a Command that sleeps; returns once it is
 * tracing (its --ready-file exists). */
static pid_t recorder_start(const char *rec, const char *out, const char *errpath)
{
	char cfg[128], ready[128];
	pid_t pid;
	FILE *f;

	snprintf(cfg, sizeof(cfg), "%s/c.yaml", tmpdir);
	snprintf(ready, sizeof(ready), "%s/ready", tmpdir);
	unlink(ready);
	f = fopen(cfg, "w");
	if (!f)
		die("%s: %s", cfg, strerror(errno));
	fputs("TraceCondition:\n  Command: sleep 600\n  Sudo: True\n", f);
	fclose(f);
	fflush(stdout);	/* the child's freopen would write our buffer twice */
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 2) < 0 || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(rec, "nexus-record", "-f", "-o", out, "--ready-file", ready, cfg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 6000; i++) {
		int st;

		if (!access(ready, F_OK))
			return pid;
		if (waitpid(pid, &st, WNOHANG) == pid)
			die("nexus-record exited (status %d) before it was ready; see %s", st, errpath);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	die("nexus-record not ready after 60 s");
}

/* The recorder's ring buffer map, as an fd of ours; *size its bytes. */
static int ring_fd_of(pid_t pid, uint32_t *size)
{
	char path[300], line[128];
	int pidfd, fd = -1, found = -1, n = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	d = opendir(path);
	if (!d)
		die("%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		unsigned type = 0, max = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, de->d_name);
		f = de->d_name[0] != '.' ? fopen(path, "r") : NULL;
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "map_type: %u", &type);
			sscanf(line, "max_entries: %u", &max);
		}
		fclose(f);
		if (type == BPF_MAP_TYPE_RINGBUF) {
			found = atoi(de->d_name);
			*size = max;
			n++;
		}
	}
	closedir(d);
	if (n != 1)
		die("nexus-record %d holds %d ring buffer maps, not 1", (int)pid, n);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0)
		fd = syscall(SYS_pidfd_getfd, pidfd, found, 0);
	if (fd < 0)
		die("cannot take nexus-record's ring (fd %d): %s", found, strerror(errno));
	close(pidfd);
	return fd;
}

/*
 * The recorder's threads, in creation order (tid order): main, then the
 * drain, then the writer (capture/record.c starts them so); per thread the
 * ns it ran and the ns it waited, runnable, for a cpu (schedstat). Where a
 * step loses, these tell a stage that cannot keep up (on cpu throughout)
 * from one the machine did not run (waiting) or one blocked on something.
 */
static void thread_ns(pid_t pid, unsigned long long run[3], unsigned long long wait[3])
{
	char path[300];
	int tids[3] = { 0 };
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	for (int k = 0; k < 3; k++)
		run[k] = wait[k] = 0;
	while (d && (de = readdir(d))) {
		int tid = atoi(de->d_name), i, j;
		unsigned long long r, w;
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		j = fscanf(f, "%llu %llu", &r, &w);
		fclose(f);
		if (j != 2)
			continue;
		for (i = 0; i < 3 && tids[i] && tids[i] < tid; i++)
			;
		if (i == 3)
			continue;
		for (j = 2; j > i; j--) {
			tids[j] = tids[j - 1];
			run[j] = run[j - 1];
			wait[j] = wait[j - 1];
		}
		tids[i] = tid;
		run[i] = r;
		wait[i] = w;
	}
	if (d)
		closedir(d);
}

/* Feeds st->target records per second for secs seconds into the ring. */
static void feed(struct feed_test *skel, struct step *st, int stepno, double secs, pid_t rec)
{
	unsigned long long r0[3], w0[3], r1[3], w1[3];
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int prog = bpf_program__fd(skel->progs.feed_run);
	uint64_t runs = (uint64_t)(st->target * secs / RUN_RECORDS), lost[256] = { 0 };
	double t0, c0, t;
	uint32_t zero = 0;
	int ncpu = libbpf_num_possible_cpus();

	skel->bss->feed_count = RUN_RECORDS;
	skel->bss->feed_step = stepno;
	skel->bss->feed_seq = 0;
	thread_ns(rec, r0, w0);
	c0 = cpu_s();
	t0 = now_s();
	for (uint64_t i = 0; i < runs; i++) {
		struct timespec ts;

		if (bpf_prog_test_run_opts(prog, &topts) || topts.retval)
			die("feed_run failed: %s", strerror(errno));
		/* the next run's time on the schedule; late runs do not sleep */
		t = t0 + (i + 1) * RUN_RECORDS / st->target - now_s();
		if (t > 0) {
			ts.tv_sec = (time_t)t;
			ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	t = now_s() - t0;
	thread_ns(rec, r1, w1);
	for (int k = 0; k < 3; k++) {
		st->busy[k] = (r1[k] - r0[k]) / 1e7 / t;
		st->waited[k] = (w1[k] - w0[k]) / 1e7 / t;
	}
	st->max_fill = skel->bss->feed_max_fill;
	st->fed = skel->bss->feed_seq;
	st->achieved = st->fed / t;
	st->feeder_cpu_ns = (cpu_s() - c0) * 1e9 / (st->fed ? st->fed : 1);
	if (ncpu > 256 || bpf_map__lookup_elem(skel->maps.nx_lost, &zero, sizeof(zero), lost,
					      sizeof(uint64_t) * ncpu, 0))
		die("cannot read the feeder's loss count");
	for (int c = 0; c < ncpu; c++)
		st->feeder_lost += lost[c];
}

/* The last line of errpath that starts with prefix, after it, into out. */
static void grep_line(const char *errpath, const char *prefix, char *out, size_t n)
{
	char line[1024];
	FILE *f = fopen(errpath, "r");

	snprintf(out, n, "(no such line)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, prefix);

		if (p) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, n, "%s", p + strlen(prefix));
		}
	}
	fclose(f);
}

/* Every fed record (0..fed-1 of this step) found exactly once? */
static void check(const char *path, struct step *st, int stepno)
{
	struct nxr_reader_stats rs;
	struct nx_err err = { 0 };
	struct nxr_event ev;
	struct nxr_reader *r;
	uint8_t *seen;
	int rc;

	seen = calloc(st->fed / 8 + 1, 1);
	if (!seen)
		die("out of memory");
	r = nxr_reader_open(path, NULL, &err);
	if (!r)
		die("%s", err.msg);
	while ((rc = nxr_reader_next(r, &ev, &err)) == 1) {
		uint64_t s = ev.syscall.arg1;

		if (ev.kind != NX_KIND_SYSCALL || ev.pid != FEED_PID)
			continue;
		if (ev.syscall.arg2 != (uint64_t)stepno || s >= st->fed ||
		    !(ev.syscall.flags & NX_SYS_EXITED))
			die("%s: a fed record with step %" PRIu64 ", sequence %" PRIu64
			    " was never fed", path, ev.syscall.arg2, s);
		if (seen[s / 8] & (1u << (s % 8)))
			st->dup++;
		else
			st->found++;
		seen[s / 8] |= 1u << (s % 8);
	}
	if (rc < 0)
		die("%s: %s", path, err.msg);
	nxr_reader_get_stats(r, &rs);
	memcpy(st->rec_lost, rs.lost, sizeof(st->rec_lost));
	nxr_reader_close(r);
	free(seen);
}

static uint64_t lost_total(const struct step *st)
{
	uint64_t n = st->feeder_lost;

	for (int i = 0; i < NX_LOSS_NREASONS; i++)
		n += st->rec_lost[i];
	return n;
}

static void run_step(const char *rec, struct step *st, int stepno, double secs)
{
	char out[128], errpath[128];
	struct feed_test *skel;
	uint32_t size = 0;
	pid_t pid;
	int ring, rc, status;

	snprintf(out, sizeof(out), "%s/r%d.nxr", tmpdir, stepno);
	snprintf(errpath, sizeof(errpath), "%s/r%d.err", tmpdir, stepno);
	pid = recorder_start(rec, out, errpath);
	ring = ring_fd_of(pid, &size);
	st->ring_size = size;
	skel = feed_test__open();
	rc = skel ? bpf_map__set_max_entries(skel->maps.nx_events, size) : -errno;
	if (!rc)
		rc = bpf_map__reuse_fd(skel->maps.nx_events, ring);
	if (!rc) {
		/* the recorder's wakeup policy (capture/loader.c) */
		skel->rodata->nx_wake_bytes = size / 4 < (8u << 20) ? size / 4 : 8u << 20;
		rc = feed_test__load(skel);
	}
	if (rc) {
		kill(pid, SIGKILL);
		die("cannot load tests/bpf/feed_test.bpf.c on the recorder's ring: %s",
		    strerror(-rc));
	}
	feed(skel, st, stepno, secs, pid);
	kill(pid, SIGINT);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		die("nexus-record did not exit after SIGINT; see %s", errpath);
	feed_test__destroy(skel);
	close(ring);
	grep_line(errpath, "recorder cpu ", st->cpu_line, sizeof(st->cpu_line));
	grep_line(errpath, "segments); ", st->sum_line, sizeof(st->sum_line));
	check(out, st, stepno);
	unlink(out);
}

static void print_load(void)
{
	double l[3] = { 0 };
	FILE *f = fopen("/proc/loadavg", "r");

	if (f && fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
		l[0] = l[1] = l[2] = 0;
	if (f)
		fclose(f);
	printf("load average during the run: %.2f %.2f %.2f on %ld cpus\n", l[0], l[1], l[2],
	       sysconf(_SC_NPROCESSORS_ONLN));
}

int main(int argc, char **argv)
{
	static const double dflt[] = { 3, 4, 5 };
	const char *o = getenv("O") ? getenv("O") : "build";
	double secs = argc > 1 ? atof(argv[1]) : 4;
	struct step steps[16] = { 0 };
	int nsteps = argc > 2 ? argc - 2 : 3, met = -1;
	char rec[512];

	if (geteuid()) {
		printf("bench_feed: skipped: needs root (it loads BPF programs)\n");
		return 0;
	}
	if (secs <= 0 || nsteps > 16) {
		fprintf(stderr, "usage: bench_feed [SECONDS [RATE_M...]] (at most 16 rates)\n");
		return 2;
	}
	snprintf(rec, sizeof(rec), "%s/nexus-record", o);
	if (access(rec, X_OK)) {
		printf("bench_feed: build %s first\n", rec);
		return 77;
	}
	libbpf_set_print(libbpf_quiet);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nxfeed.XXXXXX");
	if (!mkdtemp(tmpdir))
		die("mkdtemp: %s", strerror(errno));

	printf("synthetic SYSCALL records fed from a BPF program (BPF_PROG_TEST_RUN, %d per run,\n"
	       "batched as the real programs batch them) into nexus-record's own ring buffer, %.0f s\n"
	       "per step: measures ring -> drain -> encode -> compress -> disk, not the syscall path\n"
	       "(the storm in bench_record measures that).\n", RUN_RECORDS, secs);
	printf("%9s %10s %10s %10s %8s %12s %10s  %s\n", "target/s", "achieved/s", "fed",
	       "recorded", "lost", "lost: ring", "backlog", "recorder's own cpu line");
	for (int i = 0; i < nsteps; i++) {
		struct step *st = &steps[i];

		st->target = (argc > 2 ? atof(argv[i + 2]) : dflt[i]) * 1e6;
		if (st->target <= 0)
			die("rate %s: not a positive number of M events/s", argv[i + 2]);
		run_step(rec, st, i, secs);
		printf("%8.2fM %9.2fM %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %12" PRIu64 " %10"
		       PRIu64 "  %s\n", st->target / 1e6, st->achieved / 1e6, st->fed, st->found,
		       lost_total(st), st->feeder_lost + st->rec_lost[NX_LOSS_RINGBUF],
		       st->rec_lost[NX_LOSS_BACKLOG], st->cpu_line);
		printf("%9s feeder (the BPF program, charged to this bench) %.0f ns of cpu per "
		       "record;%s recorder's summary (blind to the feeder's ring-full count): %s\n",
		       "", st->feeder_cpu_ns, st->dup ? " DUPLICATES in the recording;" : "",
		       st->sum_line);
		printf("%9s while fed: ring held at most %.1f of %.0f MiB; recorder threads ran "
		       "(waited for a cpu): main %.0f%% (%.0f%%), drain %.0f%% (%.0f%%), writer %.0f%% "
		       "(%.0f%%) of the time\n", "", st->max_fill / 1048576.0,
		       st->ring_size / 1048576.0, st->busy[0], st->waited[0], st->busy[1],
		       st->waited[1], st->busy[2], st->waited[2]);
		if (st->target == TARGET_RATE) {
			met = st->achieved >= 0.99 * TARGET_RATE && st->found == st->fed &&
			      !lost_total(st) && !st->dup;
		}
	}
	printf("\ntarget:\n  %-58s %s\n", "3 M events/s sustained through the pipeline, zero loss",
	       met < 0 ? "not measured (no 3 M/s step)" : met ? "met" : "MISSED");
	print_load();
	rmdir(tmpdir);
	return 0;
}
