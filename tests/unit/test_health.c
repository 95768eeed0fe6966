/* tests/unit/test_health.c: cpu and disk busy sampling over fake and real /proc files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/health.h"

#include "bpf/events.h"

struct fake {
	char dir[64];
};

static void put(const struct fake *fk, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fk->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* A plausible pair of files: an 8-cpu line per cpu, one disk. */
static const char good_stat[] = "cpu  100 0 100 800 0 0 0 0 0 0\n"
				"cpu0 50 0 50 400 0 0 0 0 0 0\n"
				"intr 12345 0 0\n"
				"ctxt 999\n";
static const char good_disk[] = "   8       0 sda 10 0 80 5 20 0 160 9 0 100 14 0 0 0 0 0 0\n";

static int fake_setup(void **state)
{
	struct fake *fk = calloc(1, sizeof(*fk));

	if (!fk)
		return -1;
	/* tmpfs when there is one: rewriting files thousands of times on ext4 flushes at close. */
	snprintf(fk->dir, sizeof(fk->dir), "%s/nx-health-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(fk->dir)) {
		free(fk);
		return -1;
	}
	put(fk, "stat", good_stat);
	put(fk, "diskstats", good_disk);
	*state = fk;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *fk = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/stat", fk->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/diskstats", fk->dir);
	unlink(path);
	rmdir(fk->dir);
	free(fk);
	return 0;
}

static void test_first_sample_only_primes(void **state)
{
	struct fake *fk = *state;
	struct nx_health_opts o = {.proc_root = fk->dir};
	struct nx_health h;
	struct nx_health_sample s;
	struct nx_err err = {0};

	assert_int_equal(nx_health_init(&h, &o, &err), 0);
	memset(&s, 0xff, sizeof(s));
	assert_int_equal(nx_health_sample_at(&h, 1000, &s, &err), 0);
	assert_int_equal(s.cpu_busy, 0);
	assert_int_equal(s.disk_busy, 0);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.elapsed_ms, 0);
	assert_string_equal(s.disk, "");
	/* Nothing moved: 0 % over 500 ms. */
	assert_int_equal(nx_health_sample_at(&h, 1500, &s, &err), 1);
	assert_int_equal(s.cpu_busy, 0);
	assert_int_equal(s.elapsed_ms, 500);
	assert_string_equal(s.disk, "sda");
	nx_health_release(&h);
	nx_health_release(&h); /* twice is harmless */
	nx_health_release(NULL);
}

/* cpu: each row moves from good_stat's "cpu 100 0 100 800 0 0 0 0 0 0". */
static void test_cpu_busy_is_exact(void **state)
{
	static const struct {
		const char *line;
		uint32_t busy;
		uint32_t threshold; /* percent */
		int high;
	} rows[] = {
	    /* user +300, system +100, idle +500, iowait +100: 400 / 1000 */
	    {"cpu  400 0 200 1300 100 0 0 0 0 0\n", 4000, 90, 0},
	    /* irq, softirq and steal are busy; guest time (inside user) is not added */
	    {"cpu  100 0 100 900 0 100 100 100 500 500\n", 7500, 70, 1},
	    /* exactly at the threshold is not above it */
	    {"cpu  150 0 150 900 0 0 0 0 0 0\n", 5000, 50, 0},
	    {"cpu  201 0 100 899 0 0 0 0 0 0\n", 5050, 50, 1},
	    /* 1 / 3 rounds to the nearest 0.01 %; nice counts as busy */
	    {"cpu  100 1 100 802 0 0 0 0 0 0\n", 3333, 90, 0},
	    /* all busy */
	    {"cpu  1100 0 100 800 0 0 0 0 0 0\n", 10000, 99, 1},
	    /* nothing moved */
	    {"cpu  100 0 100 800 0 0 0 0 0 0\n", 0, 1, 0},
	    /* old kernels: only user nice system idle */
	    {"cpu  200 0 100 900\n", 5000, 90, 0},
	    /* idle or iowait going backwards (a known kernel quirk) is not busy time */
	    {"cpu  200 0 100 790 0 0 0 0 0 0\n", 10000, 90, 1},
	};
	struct fake *fk = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct nx_health_opts o = {.proc_root = fk->dir, .cpu_pct = rows[i].threshold};
		struct nx_health h;
		struct nx_health_sample s;
		struct nx_err err = {0};

		put(fk, "stat", good_stat);
		assert_int_equal(nx_health_init(&h, &o, &err), 0);
		assert_int_equal(nx_health_sample_at(&h, 0, &s, &err), 0);
		put(fk, "stat", rows[i].line);
		assert_int_equal(nx_health_sample_at(&h, 1000, &s, &err), 1);
		print_message("row %zu: %u\n", i, s.cpu_busy);
		assert_int_equal(s.cpu_busy, rows[i].busy);
		assert_int_equal(!!(s.flags & NX_HEALTH_CPU_HIGH), rows[i].high);
		assert_int_equal(s.flags & NX_HEALTH_DISK_HIGH, 0);
		nx_health_release(&h);
	}
}

static const char disks_before[] = "   8       0 sda 1 0 1 1 1 0 1 1 0 1000 1 0 0 0 0\n"
				   "   8       1 sda1 1 0 1 1 1 0 1 1 0 1000 1 0 0 0 0\n"
				   "   7       0 loop0 1 0 1 1 1 0 1 1 0 1000 1 0 0 0 0\n"
				   "   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
				   " 252       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
				   " 259       0 nvme0n1 1 0 1 1 1 0 1 1 0 5000 1\n"
				   " 259       1 nvme0n1p1 1 0 1 1 1 0 1 1 0 5000 1\n"
				   "   9       1 md1 1 0 1 1 1 0 1 1 0 0 1\n"
				   "   9      12 md12 1 0 1 1 1 0 1 1 0 4294967000 1\n"
				   "   9      13 md1p1 1 0 1 1 1 0 1 1 0 0 1\n";

static void test_disk_busy_is_the_busiest_whole_disk(void **state)
{
	static const struct {
		uint64_t sda, sda1, loop0, ram0, nvme, nvmep1, md1, md12, md1p1;
		uint64_t elapsed;
		uint32_t busy;
		const char *disk;
		uint32_t threshold;
		int high;
	} rows[] = {
	    /* partitions, loop and ram devices are busier but do not count */
	    {1250, 1999, 2000, 999, 5200, 6000, 100, 4294967000, 999, 1000, 2500, "sda", 90, 0},
	    {1250, 1000, 1000, 0, 5600, 5000, 100, 4294967000, 0, 1000, 6000, "nvme0n1", 59, 1},
	    /* md12 is a disk, not a partition of md1 (md1's would be md1p12); its
	     * counter, an unsigned int in the kernel, wrapped: +496 ms */
	    {1000, 1000, 1000, 0, 5000, 5000, 0, 200, 0, 1000, 4960, "md12", 90, 0},
	    /* busier than the time elapsed (rounding in the kernel) is capped */
	    {1000, 1000, 1000, 0, 5900, 5000, 0, 4294967000, 0, 500, 10000, "nvme0n1", 99, 1},
	    /* no time elapsed: nothing measured */
	    {2000, 1000, 1000, 0, 6000, 5000, 0, 4294967000, 0, 0, 0, "sda", 1, 0},
	    /* 1 ms in 3 rounds to 33.33 % */
	    {1001, 1000, 1000, 0, 5000, 5000, 0, 4294967000, 0, 3, 3333, "sda", 33, 1},
	};
	struct fake *fk = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct nx_health_opts o = {.proc_root = fk->dir, .disk_pct = rows[i].threshold};
		struct nx_health h;
		struct nx_health_sample s;
		struct nx_err err = {0};
		char after[1024];

		snprintf(after, sizeof(after),
			 "   8       0 sda 1 0 1 1 1 0 1 1 0 %lu 1 0 0 0 0\n"
			 "   8       1 sda1 1 0 1 1 1 0 1 1 0 %lu 1 0 0 0 0\n"
			 "   7       0 loop0 1 0 1 1 1 0 1 1 0 %lu 1 0 0 0 0\n"
			 "   1       0 ram0 0 0 0 0 0 0 0 0 0 %lu 0 0 0 0 0\n"
			 " 252       0 zram0 0 0 0 0 0 0 0 0 0 999999 0 0 0 0 0\n"
			 " 259       0 nvme0n1 1 0 1 1 1 0 1 1 0 %lu 1\n"
			 " 259       1 nvme0n1p1 1 0 1 1 1 0 1 1 0 %lu 1\n"
			 "   9       1 md1 1 0 1 1 1 0 1 1 0 %lu 1\n"
			 "   9      12 md12 1 0 1 1 1 0 1 1 0 %lu 1\n"
			 "   9      13 md1p1 1 0 1 1 1 0 1 1 0 %lu 1\n",
			 (unsigned long)rows[i].sda, (unsigned long)rows[i].sda1,
			 (unsigned long)rows[i].loop0, (unsigned long)rows[i].ram0,
			 (unsigned long)rows[i].nvme, (unsigned long)rows[i].nvmep1,
			 (unsigned long)rows[i].md1, (unsigned long)rows[i].md12,
			 (unsigned long)rows[i].md1p1);
		put(fk, "stat", good_stat);
		put(fk, "diskstats", disks_before);
		assert_int_equal(nx_health_init(&h, &o, &err), 0);
		assert_int_equal(nx_health_sample_at(&h, 7000, &s, &err), 0);
		put(fk, "diskstats", after);
		assert_int_equal(nx_health_sample_at(&h, 7000 + rows[i].elapsed, &s, &err), 1);
		print_message("row %zu: %u %s\n", i, s.disk_busy, s.disk);
		assert_int_equal(s.disk_busy, rows[i].busy);
		assert_string_equal(s.disk, rows[i].disk);
		assert_int_equal(!!(s.flags & NX_HEALTH_DISK_HIGH), rows[i].high);
		assert_int_equal(s.flags & NX_HEALTH_CPU_HIGH, 0);
		nx_health_release(&h);
	}
}

static void test_disk_that_appears_later_is_measured_from_its_first_sample(void **state)
{
	struct fake *fk = *state;
	struct nx_health_opts o = {.proc_root = fk->dir};
	struct nx_health h;
	struct nx_health_sample s;
	struct nx_err err = {0};

	put(fk, "diskstats", good_disk);
	assert_int_equal(nx_health_init(&h, &o, &err), 0);
	assert_int_equal(nx_health_sample_at(&h, 0, &s, &err), 0);
	put(fk, "diskstats",
	    "8 16 sdb 0 0 0 0 0 0 0 0 0 900000 0\n"
	    "8 0 sda 10 0 80 5 20 0 160 9 0 300 14\n");
	assert_int_equal(nx_health_sample_at(&h, 1000, &s, &err), 1);
	assert_int_equal(s.disk_busy, 2000); /* sda: +200 ms; sdb is new */
	assert_string_equal(s.disk, "sda");
	put(fk, "diskstats",
	    "8 16 sdb 0 0 0 0 0 0 0 0 0 900900 0\n"
	    "8 0 sda 10 0 80 5 20 0 160 9 0 300 14\n");
	assert_int_equal(nx_health_sample_at(&h, 2000, &s, &err), 1);
	assert_int_equal(s.disk_busy, 9000);
	assert_string_equal(s.disk, "sdb");
	nx_health_release(&h);
}

static void test_malformed_files_give_one_line_errors(void **state)
{
	static const struct {
		const char *file, *text, *word;
	} rows[] = {
	    {"stat", "", "no aggregate"},
	    {"stat", "intr 5 6\ncpu0 1 2 3 4\n", "no aggregate"},
	    {"stat", "cpu  1 2 x 4 5 6 7 8\n", "field 4"},
	    {"stat", "cpu  1 2 3\n", "at least 4"},
	    {"stat", "cpu  -1 2 3 4\n", "not a number"},
	    {"stat", "cpu  99999999999999999999999 2 3 4\n", "not a number"},
	    {"stat", "cpu  18446744073709551615 1 3 4\n", "overflow"},
	    {"stat", "\x01\xff garbage\n\n", "no aggregate"},
	    {"diskstats", "8 0 sda 1 2 3\n", "column 7"},
	    {"diskstats", "x 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", "column 1"},
	    {"diskstats", "8 0\n", "name missing"},
	    {"diskstats", "8 0 sda 1 2 3 4 5 6 7 8 9 1x 11\n", "column 13"},
	    {"diskstats", "8 0 abcdefghijklmnopqrstuvwxyz0123456789 1 2 3 4 5 6 7 8 9 10\n",
	     "too long"},
	    {"diskstats", "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sdb 1 2\n", ":2:"},
	};
	struct fake *fk = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct nx_health_opts o = {.proc_root = fk->dir};
		struct nx_health h;
		struct nx_err err = {0};
		char path[128];

		put(fk, "stat", good_stat);
		put(fk, "diskstats", good_disk);
		put(fk, rows[i].file, rows[i].text);
		assert_int_equal(nx_health_init(&h, &o, &err), -EBADMSG);
		print_message("row %zu: %s\n", i, err.msg);
		snprintf(path, sizeof(path), "%s/%s", fk->dir, rows[i].file);
		assert_non_null(strstr(err.msg, path));
		assert_non_null(strstr(err.msg, rows[i].word));
		assert_null(strchr(err.msg, '\n'));
		nx_health_release(&h);
	}
}

/* Random bytes and random mutations of good files: 0 or a one-line -EBADMSG, never a crash. */
static void test_garbage_never_crashes(void **state)
{
	struct fake *fk = *state;
	struct nx_health_opts o = {.proc_root = fk->dir};
	uint64_t rng = 12345;
	unsigned ok = 0, bad = 0;
	char buf[512];

	for (int i = 0; i < 3000; i++) {
		const char *base = i & 1 ? good_disk : "cpu  1 2 3 4 5 6 7 8 9 10\n";
		size_t len = strlen(base);
		struct nx_health h;
		struct nx_health_sample s;
		struct nx_err err = {0};
		int rc;

		memcpy(buf, base, len + 1);
		for (int k = 0; k < 1 + i % 5; k++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			if (i % 3 == 0) /* any byte but NUL, which would end the string */
				buf[(rng >> 33) % len] = (char)(1 + (rng >> 13) % 255);
			else /* the characters that matter to the parser */
				buf[(rng >> 33) % len] = " \n9-xp0"[(rng >> 13) % 8];
		}
		put(fk, "stat", i & 1 ? good_stat : buf);
		put(fk, "diskstats", i & 1 ? buf : good_disk);
		rc = nx_health_init(&h, &o, &err);
		assert_true(rc == 0 || rc == -EBADMSG);
		if (rc == 0) {
			ok++;
			assert_int_equal(nx_health_sample_at(&h, 0, &s, &err), 0);
			assert_int_equal(nx_health_sample_at(&h, 10, &s, &err), 1);
			assert_true(s.cpu_busy <= 10000 && s.disk_busy <= 10000);
		} else {
			bad++;
			assert_null(strchr(err.msg, '\n'));
		}
		nx_health_release(&h);
	}
	print_message("garbage: %u accepted, %u refused\n", ok, bad);
	assert_true(ok > 100 && bad > 100); /* both paths were exercised */
}

static void test_bad_sample_keeps_the_previous_one(void **state)
{
	struct fake *fk = *state;
	struct nx_health_opts o = {.proc_root = fk->dir};
	struct nx_health h;
	struct nx_health_sample s;
	struct nx_err err = {0};

	assert_int_equal(nx_health_init(&h, &o, &err), 0);
	assert_int_equal(nx_health_sample_at(&h, 0, &s, &err), 0);
	put(fk, "stat", "cpu  oops\n");
	assert_int_equal(nx_health_sample_at(&h, 1000, &s, &err), -EBADMSG);
	put(fk, "stat", good_stat);
	put(fk, "diskstats", "8 0 sda 1 2 3\n");
	assert_int_equal(nx_health_sample_at(&h, 1000, &s, &err), -EBADMSG);
	put(fk, "stat", "cpu  300 0 100 900 0 0 0 0 0 0\n");
	put(fk, "diskstats", "   8       0 sda 10 0 80 5 20 0 160 9 0 600 14 0 0 0 0 0 0\n");
	assert_int_equal(nx_health_sample_at(&h, 2000, &s, &err), 1);
	assert_int_equal(s.cpu_busy, 6667);  /* 200 / 300 since the good sample */
	assert_int_equal(s.disk_busy, 2500); /* 500 ms in 2000 */
	assert_int_equal(s.elapsed_ms, 2000);
	nx_health_release(&h);
}

static void test_bad_options_and_missing_files(void **state)
{
	struct fake *fk = *state;
	struct nx_health h;
	struct nx_err err = {0};
	struct nx_health_opts high = {.proc_root = fk->dir, .cpu_pct = 101};
	struct nx_health_opts nodir = {.proc_root = "/nonexistent/nexus-proc"};
	struct nx_health_opts o = {.proc_root = fk->dir};
	char path[128];

	assert_int_equal(nx_health_init(&h, &high, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "101"));
	nx_health_release(&h);
	assert_int_equal(nx_health_init(&h, &nodir, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/nexus-proc/stat"));
	nx_health_release(&h);
	snprintf(path, sizeof(path), "%s/diskstats", fk->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(nx_health_init(&h, &o, &err), -ENOENT);
	assert_non_null(strstr(err.msg, path));
	nx_health_release(&h);
	put(fk, "diskstats", good_disk);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The real /proc: one busy child per online cpu for ~0.6 s. Other load on a
 * shared machine only adds busy time, so "above 50 %" holds unless the cpus
 * are throttled for us (a cgroup quota), which the message would show.
 */
static void test_real_proc_sees_cpu_burners(void **state)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct nx_health h;
	struct nx_health_sample s;
	struct nx_err err = {0};
	pid_t kids[256];
	long n = 0;
	int rc;

	(void)state;
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > 256)
		ncpu = 256;
	assert_int_equal(nx_health_init(&h, NULL, &err), 0);
	assert_int_equal(nx_health_sample(&h, &s, &err), 0);
	for (; n < ncpu; n++) {
		kids[n] = fork();
		assert_true(kids[n] >= 0);
		if (kids[n] == 0) {
			uint64_t end = mono_ms() + 700;
			volatile uint64_t x = 0;

			while (mono_ms() < end)
				for (int k = 0; k < 100000; k++)
					x += k;
			_exit(0);
		}
	}
	usleep(500 * 1000);
	rc = nx_health_sample(&h, &s, &err);
	for (long k = 0; k < n; k++)
		waitpid(kids[k], NULL, 0);
	assert_int_equal(rc, 1);
	print_message("real /proc: cpu %u.%02u %%, disk %u.%02u %% (%s) over %lu ms\n",
		      s.cpu_busy / 100, s.cpu_busy % 100, s.disk_busy / 100, s.disk_busy % 100,
		      s.disk[0] ? s.disk : "no disk", (unsigned long)s.elapsed_ms);
	assert_true(s.elapsed_ms >= 400);
	assert_true(s.cpu_busy > 5000);
	assert_true(s.cpu_busy <= 10000);
	assert_true(s.disk_busy <= 10000);
	nx_health_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_first_sample_only_primes, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(test_cpu_busy_is_exact, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_disk_busy_is_the_busiest_whole_disk, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(
		test_disk_that_appears_later_is_measured_from_its_first_sample, fake_setup,
		fake_teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_files_give_one_line_errors, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_never_crashes, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_sample_keeps_the_previous_one, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_options_and_missing_files, fake_setup,
					    fake_teardown),
	    cmocka_unit_test(test_real_proc_sees_cpu_burners),
	};

	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
