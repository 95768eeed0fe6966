/* tests/unit/test_split.c: nexus-split's engine on recordings whose content is known (toolfx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/split.h"
#include "format/reader.h"
#include "format/writer.h"
#include "tests/unit/toolfx.h"

struct ctx {
	char dir[64];
	int dirfd;
	uint8_t *rec;
	size_t len;
	struct nxr_reader *r;
};

static int open_rec(struct ctx *c, const char *scenario, uint64_t n, uint32_t per_seg)
{
	struct nx_err err = { 0 };

	c->rec = toolfx_build(scenario, n, per_seg, 1, &c->len, &err);
	if (!c->rec)
		return -1;
	c->r = nxr_reader_open_mem(c->rec, c->len, NULL, &err);
	return c->r ? 0 : -1;
}

static int setup_basic(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/test_split.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY);
	*state = c;
	return (c->dirfd < 0 || open_rec(c, "basic", 0, 0) < 0) ? -1 : 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[128];

	if (!c)
		return 0;
	nxr_reader_close(c->r);
	free(c->rec);
	if (c->dirfd >= 0)
		close(c->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		return -1;
	free(c);
	return 0;
}

/* The whole content of dir/name, NUL-terminated; NULL if absent. */
static char *slurp(struct ctx *c, const char *name, size_t *len)
{
	int fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW);
	char *buf;
	ssize_t n;
	size_t cap = 1 << 16, l = 0;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (n = read(fd, buf + l, cap - l)) > 0) {
		l += (size_t)n;
		if (l == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[l] = '\0';
	if (len)
		*len = l;
	return buf;
}

static unsigned count_files(struct ctx *c)
{
	DIR *d = opendir(c->dir);
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

static void expect_file(struct ctx *c, const char *name, const char *content)
{
	char *got = slurp(c, name, NULL);
	struct stat st;

	if (!got)
		fail_msg("%s: missing", name);
	assert_string_equal(got, content);
	free(got);
	assert_int_equal(fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_log_files_hold_each_process_syscalls_byte_for_byte(void **state)
{
	struct ctx *c = *state;
	struct nx_split_stats st;
	struct nx_err err = { 0 };

	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, NULL, &st, &err), 0);
	expect_file(c, "sh:100.log", "39 56 61 35\n");
	expect_file(c, "sh:101.log", "110\n");		/* before its exec: the inherited name */
	expect_file(c, "ls:101.log", "257 257 0\n");	/* thread 102's read is the process's */
	expect_file(c, "ev%2F..%2Fil%0A:101.log", "1\n");
	expect_file(c, "%3F:200.log", "39\n");		/* no exec or fork seen */
	assert_int_equal(count_files(c), 5);
	assert_int_equal(st.outputs, 5);
	assert_int_equal(st.events, TOOLFX_BASIC_EVENTS);
	assert_int_equal(st.written, TOOLFX_BASIC_SYSCALLS);
}

/*
 * Two processes interleaved event by event, one renamed by an exec between
 * two of the other's syscalls (the per-pid output cache must follow it), and
 * numbers at each digit-count boundary.
 */
static void test_interleaved_processes_and_exec_between(void **state)
{
	static const uint32_t nrs[] = { 0, 9, 10, 99, 100, 999, 1000, 4242 };
	static const struct nxr_meta meta = { .hostname = "h", .kernel = "k", .arch = "x86_64",
					      .tool_version = "t", .command = "c",
					      .config_text = "" };
	struct nxr_writer_opts wo = { .segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE };
	struct ctx *c = *state;
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	struct nxr_event ev;
	struct nxr_writer *w;
	struct nxr_reader *r;
	char rec[128], out[128];
	uint64_t t = 1000;
	int fd, dfd;

	snprintf(rec, sizeof(rec), "%s/i.nxr", c->dir);
	snprintf(out, sizeof(out), "%s/out", c->dir);
	assert_int_equal(mkdir(out, 0700), 0);
	fd = open(rec, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	w = nxr_writer_open_fd(fd, rec, &meta, &wo, &err);
	assert_non_null(w);
	for (uint32_t pid = 300; pid <= 301; pid++) {
		ev = (struct nxr_event){ .kind = NX_KIND_EXEC, .pid = pid, .tid = pid, .ts_ns = t++ };
		ev.exec.comm = (struct nxr_str){ "a", 1 };
		ev.exec.filename = (struct nxr_str){ "/a", 2 };
		assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	}
	for (unsigned i = 0; i < 8; i++) {
		for (uint32_t pid = 300; pid <= 301; pid++) {
			ev = (struct nxr_event){ .kind = NX_KIND_SYSCALL, .pid = pid, .tid = pid,
						 .ts_ns = t++ };
			ev.syscall.nr = pid == 300 ? nrs[i] : nrs[7 - i];
			ev.syscall.flags = NX_SYS_EXITED;
			assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
		}
		if (i == 3) {	/* 301 becomes "b" while 300 keeps going */
			ev = (struct nxr_event){ .kind = NX_KIND_EXEC, .pid = 301, .tid = 301,
						 .ts_ns = t++ };
			ev.exec.comm = (struct nxr_str){ "b", 1 };
			ev.exec.filename = (struct nxr_str){ "/b", 2 };
			assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
		}
	}
	assert_int_equal(nxr_writer_close(w, &err), 0);
	r = nxr_reader_open(rec, NULL, &err);
	assert_non_null(r);
	dfd = open(out, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(nx_split_run(r, dfd, out, NULL, &st, &err), 0);
	nxr_reader_close(r);
	close(c->dirfd);
	c->dirfd = dfd;	/* expect_file reads from there; teardown closes it */
	expect_file(c, "a:300.log", "0 9 10 99 100 999 1000 4242\n");
	expect_file(c, "a:301.log", "4242 1000 999 100\n");
	expect_file(c, "b:301.log", "99 10 9 0\n");
	assert_int_equal(st.outputs, 3);
}

static void test_names_option_writes_syscall_names(void **state)
{
	struct ctx *c = *state;
	struct nx_split_opts o = { .names = true };
	struct nx_split_stats st;
	struct nx_err err = { 0 };

	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), 0);
	expect_file(c, "sh:100.log", "getpid clone wait4 nanosleep\n");
	expect_file(c, "ls:101.log", "openat openat read\n");
}

static void test_existing_output_needs_force(void **state)
{
	struct ctx *c = *state;
	struct nx_split_opts o = { 0 };
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	int fd = openat(c->dirfd, "ls:101.log", O_WRONLY | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old", 3), 3);
	close(fd);
	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "ls:101.log"));
	assert_non_null(strstr(err.msg, "-f"));
	assert_int_equal(nxr_reader_rewind(c->r, &err), 0);
	o.force = true;
	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), 0);
	expect_file(c, "ls:101.log", "257 257 0\n");
}

static void test_symlink_in_the_way_is_never_followed(void **state)
{
	struct ctx *c = *state;
	struct nx_split_opts o = { .force = true };
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	char target[128], *victim;
	int fd;

	snprintf(target, sizeof(target), "%s/victim", c->dir);
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(symlinkat(target, c->dirfd, "sh:100.log"), 0);
	/* without -f: refused; with -f: the link is replaced, its target untouched */
	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, NULL, &st, &err), -EEXIST);
	assert_int_equal(nxr_reader_rewind(c->r, &err), 0);
	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), 0);
	expect_file(c, "sh:100.log", "39 56 61 35\n");
	victim = slurp(c, "victim", NULL);
	assert_non_null(victim);
	assert_string_equal(victim, "keep");
	free(victim);
}

static void test_file_names_are_safe(void **state)
{
	static const struct {
		const char *comm;
		size_t len;
		const char *want;
	} cases[] = {
		{ "ls", 2, "ls:7.log" },
		{ "a/b", 3, "a%2Fb:7.log" },
		{ "..", 2, "%2E.:7.log" },
		{ ".hidden", 7, "%2Ehidden:7.log" },
		{ "x:y", 3, "x%3Ay:7.log" },
		{ "sp ace", 6, "sp%20ace:7.log" },
		{ "%", 1, "%25:7.log" },
		{ "\n\x01\xff", 3, "%0A%01%FF:7.log" },
		{ "a\0b", 3, "a%00b:7.log" },
		{ "", 0, ":7.log" },
		{ "Ok_-.9", 6, "Ok_-.9:7.log" },
	};
	char buf[NX_SPLIT_NAME_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = nx_split_name(buf, sizeof(buf), cases[i].comm, cases[i].len, 7, "log");

		assert_int_equal(n, strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
		assert_null(strchr(buf, '/'));
	}
	/* the longest comm fits NX_SPLIT_NAME_MAX, a short buffer is refused */
	assert_true(nx_split_name(buf, sizeof(buf), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
				  "\xff\xff\xff\xff\xff\xff", 16, UINT32_MAX, "jsonl") > 0);
	assert_int_equal(nx_split_name(buf, 8, "abcdef", 6, 1, "log"), 0);
}

static void test_ten_thousand_pids_with_few_descriptors(void **state)
{
	struct ctx *c = *state;
	struct nx_split_opts o = { .max_open = 16 };
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	struct rlimit old, low = { 64, 64 };
	char name[64], want[64];

	nxr_reader_close(c->r);
	free(c->rec);
	assert_int_equal(open_rec(c, "many", 10000, 5000), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(st.outputs, 10000);
	assert_true(st.reopens >= 10000);	/* the LRU did close and reopen */
	assert_int_equal(count_files(c), 10000);
	for (unsigned i = 0; i < 10000; i += 997) {
		snprintf(name, sizeof(name), "p%u:%u.log", i % 10, 1000 + i);
		snprintf(want, sizeof(want), "%u %u 39\n", i % 300, i % 300 + 1);
		expect_file(c, name, want);
	}
}

static void test_jsonl_holds_every_event_of_the_process(void **state)
{
	struct ctx *c = *state;
	struct nx_split_opts o = { .format = NX_SPLIT_JSONL };
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	char *s, *line;
	unsigned lines = 0;

	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), 0);
	s = slurp(c, "ls:101.jsonl", NULL);
	assert_non_null(s);
	/* exec, 2 openat, clone thread, read, call, return, adapt */
	for (line = s; (line = strchr(line, '\n')); line++)
		lines++;
	assert_int_equal(lines, 8);
	assert_memory_equal(s, "{\"event_id\":5,\"event_type\":\"exec\"", 33);
	assert_non_null(strstr(s, "\"name\":\"openat\""));
	assert_non_null(strstr(s, "\"data\":\"tty\\n\""));
	free(s);
	s = slurp(c, "ev%2F..%2Fil%0A:101.jsonl", NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"comm\":\"ev/../il\\n\""));
	free(s);
	/* health, loss and filter belong to no process */
	assert_int_equal(st.unowned, 3);
}

static void test_nxr_outputs_read_back_with_the_source_header(void **state)
{
	struct ctx *c = *state;
	struct nx_split_opts o = { .format = NX_SPLIT_NXR, .nxr_batch = 2 };
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nxr_event ev;
	char path[128];
	unsigned n = 0, sys = 0;
	int k;

	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, &o, &st, &err), 0);
	assert_int_equal(st.outputs, 5);
	assert_int_equal(st.passes, 3);		/* 5 outputs, 2 writers at a time */
	snprintf(path, sizeof(path), "%s/sh:100.nxr", c->dir);
	r = nxr_reader_open(path, NULL, &err);
	assert_non_null(r);
	assert_string_equal(nxr_reader_meta(r)->command, "sh -c ls");
	assert_int_equal(nxr_reader_meta(r)->nprobes, 2);
	while ((k = nxr_reader_next(r, &ev, &err)) > 0) {
		assert_int_equal(ev.pid, 100);
		n++;
		sys += ev.kind == NX_KIND_SYSCALL;
	}
	assert_int_equal(k, 0);
	/* exec, getpid, clone, fork, wait4, exit, nanosleep */
	assert_int_equal(n, 7);
	assert_int_equal(sys, 4);
	nxr_reader_close(r);
}

static void test_damaged_segment_leaves_the_rest(void **state)
{
	struct ctx *c = *state;
	struct nx_split_stats st;
	struct nx_err err = { 0 };
	const struct nxr_segment_info *segs;
	uint32_t nsegs;
	unsigned damage = 0;
	char *s;

	nxr_reader_close(c->r);
	free(c->rec);
	assert_int_equal(open_rec(c, "many", 30, 30), 0);	/* 5 segments of 30 events */
	segs = nxr_reader_segments(c->r, &nsegs);
	assert_int_equal(nsegs, 5);
	/* the second segment holds the first syscall of every process: damage it */
	c->rec[segs[1].offset + segs[1].zbytes / 2 + 40] ^= 0x55;
	nxr_reader_close(c->r);
	{
		struct nxr_reader_opts ro = { 0 };

		c->r = nxr_reader_open_mem(c->rec, c->len, &ro, &err);
	}
	assert_non_null(c->r);
	assert_int_equal(nx_split_run(c->r, c->dirfd, c->dir, NULL, &st, &err), 0);
	s = slurp(c, "p3:1003.log", NULL);
	assert_non_null(s);
	assert_string_equal(s, "4 39\n");	/* "3" was in the damaged segment */
	free(s);
	{
		struct nxr_reader_stats rs;

		nxr_reader_get_stats(c->r, &rs);
		damage = rs.damaged_segments;
	}
	assert_int_equal(damage, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_log_files_hold_each_process_syscalls_byte_for_byte,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_interleaved_processes_and_exec_between,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_names_option_writes_syscall_names, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_existing_output_needs_force, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_in_the_way_is_never_followed,
						setup_basic, teardown),
		cmocka_unit_test(test_file_names_are_safe),
		cmocka_unit_test_setup_teardown(test_ten_thousand_pids_with_few_descriptors,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_jsonl_holds_every_event_of_the_process,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_nxr_outputs_read_back_with_the_source_header,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_segment_leaves_the_rest, setup_basic,
						teardown),
	};

	return cmocka_run_group_tests_name("split", tests, NULL, NULL);
}
