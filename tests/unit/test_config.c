/*
 * tests/unit/test_config.c: the TraceCondition loader and the command-line splitter.
 *
 * The bad configs live as files, tests/configs/bad/NN-name.yaml, each with its
 * exact one-line message in NN-name.expect (so that an end-to-end test can run
 * nexus-record over the same files); the good ones in tests/configs/good/. The
 * suite runs from the repository root, as `make test` runs it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/config.h"
#include "format/meta.h"

/*
 * Allocation failure injection (the Makefile links this suite with
 * --wrap=malloc,calloc,realloc,strdup,strndup): when fail_at is k > 0, the
 * k-th allocation of our code fails. libyaml's allocations are its own.
 */
static long fail_at, nallocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static bool inject(void)
{
	return fail_at > 0 && ++nallocs == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return inject() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t m, size_t n)
{
	return inject() ? NULL : __real_calloc(m, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return inject() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return inject() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return inject() ? NULL : __real_strndup(s, n);
}

#define BAD_DIR "tests/configs/bad"
#define GOOD_DIR "tests/configs/good"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted .yaml files of a folder (NULL-terminated; free each, then the array). */
static char **list_yaml(const char *dir, size_t *n)
{
	char **v = NULL;
	struct dirent *d;
	DIR *dh = opendir(dir);

	*n = 0;
	assert_non_null(dh);
	while ((d = readdir(dh))) {
		size_t l = strlen(d->d_name);

		if (l < 6 || strcmp(d->d_name + l - 5, ".yaml"))
			continue;
		v = realloc(v, sizeof(*v) * (*n + 2));
		assert_non_null(v);
		assert_true(asprintf(&v[*n], "%s/%s", dir, d->d_name) > 0);
		v[++*n] = NULL;
	}
	closedir(dh);
	qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void free_list(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* A released config is back at its defaults. */
static void assert_defaults(const struct nx_config *c)
{
	assert_null(c->path);
	assert_null(c->text);
	assert_null(c->command);
	assert_null(c->argv);
	assert_null(c->targets);
	assert_string_equal(c->logs_dir, "./tracer_logs");
	assert_true(c->follow);
	assert_false(c->sudo);
	assert_int_equal(c->mode, NX_MODE_FULL);
	assert_int_equal(c->health.interval_ms, 1000);
	assert_int_equal(c->health.cpu_pct, 90);
	assert_int_equal(c->health.disk_pct, 90);
	assert_null(c->sysfilters);
	assert_int_equal(c->nsysfilters, 0);
	assert_int_equal(c->payloads.path_max, 256);
}

/* ---- good configs ---- */

static void test_design_example_parses_as_written(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };
	const struct nx_config_func *f;
	char *text = read_text(GOOD_DIR "/01-design-example.yaml");

	(void)state;
	assert_non_null(text);
	assert_int_equal(nx_config_load(&c, GOOD_DIR "/01-design-example.yaml", &err), 0);
	assert_string_equal(c.path, GOOD_DIR "/01-design-example.yaml");
	assert_int_equal(c.text_len, strlen(text));
	assert_memory_equal(c.text, text, c.text_len);
	assert_string_equal(c.command, "./app --flag \"two words\"");
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[0], "./app");
	assert_string_equal(c.argv[1], "--flag");
	assert_string_equal(c.argv[2], "two words");
	assert_null(c.argv[3]);
	assert_false(c.sudo);
	assert_false(c.noexec);
	assert_false(c.noexec_all);
	assert_null(c.noexec_names);
	assert_string_equal(c.logs_dir, "./tracer_logs");
	assert_string_equal(c.script_path, "./script.bt");
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(c.targets[0].pos.line, 11);
	assert_int_equal(c.targets[0].pos.col, 5);
	assert_int_equal(c.targets[0].nfuncs, 1);
	f = &c.targets[0].funcs[0];
	assert_string_equal(f->func, "ioctl");
	assert_int_equal(f->hook, NXR_HOOK_UPROBE);
	assert_int_equal(f->pos.line, 13);
	assert_int_equal(f->pos.col, 9);
	assert_int_equal(f->ntriggers, 3);
	assert_string_equal(f->triggers[0].text, "arg2 == 0x541c");
	assert_int_equal(f->triggers[0].pos.line, 16);
	assert_int_equal(f->triggers[0].pos.col, 13);
	assert_string_equal(f->triggers[1].text, "auto arg1 arg2");
	assert_int_equal(f->triggers[1].pos.line, 17);
	assert_string_equal(f->triggers[2].text, "cpu");
	assert_int_equal(f->triggers[2].pos.line, 18);
	assert_int_equal(f->nargs, 0);
	/* the extensions it leaves out keep their defaults */
	assert_true(c.duration_s == 0);
	assert_false(c.syscalls_none);
	assert_null(c.syscalls);
	assert_true(c.follow);
	assert_int_equal(c.mode, NX_MODE_FULL);
	assert_int_equal(c.health.interval_ms, 1000);
	nx_config_release(&c);
	assert_defaults(&c);
	nx_config_release(&c);	/* twice is fine */
	free(text);
}

static void test_every_key_is_read(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };
	const struct nx_config_func *f;

	(void)state;
	assert_int_equal(nx_config_load(&c, GOOD_DIR "/02-every-key.yaml", &err), 0);
	assert_int_equal(c.argc, 5);
	assert_string_equal(c.argv[0], "/bin/sh");
	assert_string_equal(c.argv[1], "-c");
	assert_string_equal(c.argv[2], "echo \"a b\" > /dev/null");
	assert_string_equal(c.argv[3], "arg one");
	assert_string_equal(c.argv[4], "");
	assert_true(c.sudo);
	assert_false(c.noexec);
	assert_string_equal(c.logs_dir, "/tmp/nexus logs");
	assert_string_equal(c.script_path, "./out/trace.bt");
	assert_true(c.duration_s == 2.5);
	assert_false(c.syscalls_none);
	assert_int_equal(c.nsyscalls, 3);	/* openat twice counts once */
	assert_int_equal(c.syscalls[0], SYS_openat);
	assert_int_equal(c.syscalls[1], SYS_read);
	assert_int_equal(c.syscalls[2], SYS_write);
	assert_false(c.follow);
	assert_int_equal(c.mode, NX_MODE_TRIGGERED);
	assert_int_equal(c.health.interval_ms, 250);
	assert_int_equal(c.health.cpu_pct, 75);
	assert_int_equal(c.health.disk_pct, 0);
	assert_int_equal(c.ntargets, 2);
	assert_int_equal(c.targets[0].nfuncs, 2);
	f = &c.targets[0].funcs[0];
	assert_string_equal(f->func, "open");
	assert_int_equal(f->hook, NXR_HOOK_UPROBE);
	assert_int_equal(f->ntriggers, 2);
	assert_string_equal(f->triggers[1].text, "comm == \"sh\"");
	assert_int_equal(f->nargs, 1);
	assert_string_equal(f->args[0], "arg1:str");
	assert_null(f->args[1]);
	f = &c.targets[0].funcs[1];
	assert_int_equal(f->hook, NXR_HOOK_URETPROBE);
	assert_int_equal(f->ntriggers, 1);	/* one string stands for a list of one */
	assert_string_equal(f->triggers[0].text, "ret < 0");
	assert_int_equal(c.targets[1].nfuncs, 1);
	assert_string_equal(c.targets[1].path, "./app");
	assert_int_equal(c.targets[1].funcs[0].hook, NXR_HOOK_UPROBE);	/* the default */
	assert_int_equal(c.targets[1].funcs[0].ntriggers, 0);
	nx_config_release(&c);
	assert_defaults(&c);
}

static void test_noexec_forms(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_config_load(&c, GOOD_DIR "/03-noexec-names.yaml", &err), 0);
	assert_true(c.noexec);
	assert_false(c.noexec_all);
	assert_int_equal(c.nnoexec_names, 2);
	assert_string_equal(c.noexec_names[0], "nginx");
	assert_string_equal(c.noexec_names[1], "sshd");	/* the basename */
	assert_null(c.noexec_names[2]);
	assert_null(c.argv);
	nx_config_release(&c);

	assert_int_equal(nx_config_load(&c, GOOD_DIR "/04-noexec-all.yaml", &err), 0);
	assert_true(c.noexec);
	assert_true(c.noexec_all);
	assert_int_equal(c.nnoexec_names, 0);
	assert_true(c.syscalls_none);
	nx_config_release(&c);

	assert_int_equal(nx_config_load(&c, GOOD_DIR "/07-noexec-command-line.yaml", &err), 0);
	assert_true(c.noexec);
	assert_int_equal(c.nnoexec_names, 1);
	assert_string_equal(c.noexec_names[0], "server");
	assert_int_equal(c.ntargets, 0);
	nx_config_release(&c);
}

static void test_minimal_and_flow_style(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_config_load(&c, GOOD_DIR "/05-minimal.yaml", &err), 0);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "ls");
	assert_string_equal(c.logs_dir, "./tracer_logs");
	assert_null(c.script_path);
	nx_config_release(&c);

	assert_int_equal(nx_config_load(&c, GOOD_DIR "/06-flow-style.yaml", &err), 0);
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[2], "/");
	assert_true(c.sudo);
	assert_null(c.syscalls);
	assert_false(c.syscalls_none);
	assert_int_equal(c.mode, NX_MODE_FULL);
	assert_int_equal(c.health.cpu_pct, 100);
	assert_int_equal(c.health.disk_pct, 90);
	nx_config_release(&c);
}

static void test_payloads(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_config_load(&c, GOOD_DIR "/05-minimal.yaml", &err), 0);
	assert_int_equal(c.payloads.path_max, 256);	/* the defaults: paths and argv on */
	assert_int_equal(c.payloads.argc_max, 32);
	assert_int_equal(c.payloads.argv_bytes, 1024);
	for (int i = 0; i < 8; i++)
		assert_int_equal(c.payloads.buf[i], 0);	/* I/O buffers off */
	nx_config_release(&c);

	assert_int_equal(nx_config_load(&c, GOOD_DIR "/60-payloads.yaml", &err), 0);
	assert_int_equal(c.payloads.path_max, 128);
	assert_int_equal(c.payloads.argc_max, 8);
	assert_int_equal(c.payloads.argv_bytes, 512);
	assert_int_equal(c.payloads.buf[nx_paycfg_buf_slot(1)], 256);	/* write */
	assert_int_equal(c.payloads.buf[nx_paycfg_buf_slot(45)], 64);	/* recvfrom */
	assert_int_equal(c.payloads.buf[nx_paycfg_buf_slot(0)], 0);	/* read: not named */
	nx_config_release(&c);
}

static void test_syscall_filters(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_config_load(&c, GOOD_DIR "/61-syscall-filters.yaml", &err), 0);
	assert_null(c.syscalls);			/* "all": every syscall */
	assert_int_equal(c.nsysfilters, 3);
	assert_int_equal(c.sysfilters[0].nr, 0);	/* read */
	assert_string_equal(c.sysfilters[0].trigger, "arg3 > 1024");
	assert_null(c.sysfilters[0].path_prefix);
	assert_int_equal(c.sysfilters[1].nr, 257);	/* openat */
	assert_string_equal(c.sysfilters[1].trigger, "ret >= 0");
	assert_string_equal(c.sysfilters[1].path_prefix, "/etc/");
	assert_int_equal(c.sysfilters[1].trigger_pos.line, 7);
	assert_null(c.sysfilters[2].trigger);
	assert_string_equal(c.sysfilters[2].path_prefix, "/tmp/");
	nx_config_release(&c);

	assert_int_equal(nx_config_load(&c, GOOD_DIR "/62-syscall-filters-list.yaml", &err), 0);
	assert_int_equal(c.nsyscalls, 2);		/* a filter names its syscall too */
	assert_int_equal(c.syscalls[0], 257);
	assert_int_equal(c.syscalls[1], 1);
	assert_int_equal(c.nsysfilters, 1);
	assert_string_equal(c.sysfilters[0].trigger, "arg1 == 1 || arg1 == 2");
	nx_config_release(&c);
}

static void test_every_good_config_loads(void **state)
{
	struct nx_config c;
	struct nx_err err = { 0 };
	size_t n, i;
	char **files = list_yaml(GOOD_DIR, &n);

	(void)state;
	assert_true(n >= 7);
	for (i = 0; i < n; i++) {
		if (nx_config_load(&c, files[i], &err) < 0)
			fail_msg("%s: %s", files[i], err.msg);
		nx_config_release(&c);
	}
	free_list(files);
}

static void test_boolean_spellings(void **state)
{
	static const struct {
		const char *word;
		bool value;
	} t[] = {
		{ "true", true },   { "True", true },   { "TRUE", true },   { "yes", true },
		{ "Yes", true },    { "YES", true },    { "on", true },     { "On", true },
		{ "ON", true },     { "y", true },      { "Y", true },      { "'true'", true },
		{ "false", false }, { "False", false }, { "FALSE", false }, { "no", false },
		{ "No", false },    { "NO", false },    { "off", false },   { "Off", false },
		{ "OFF", false },   { "n", false },     { "N", false },     { "\"no\"", false },
	};
	static const char *const bad[] = { "maybe", "1", "0", "tRUE", "yes please", "~", "[]",
					   "enabled", "t" };
	char text[128];
	struct nx_config c;
	struct nx_err err = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "TraceCondition:\n  Command: ls\n  Sudo: %s\n"
			 "  Follow: %s\n", t[i].word, t[i].word);
		if (nx_config_parse(&c, "b.yaml", text, strlen(text), &err) < 0)
			fail_msg("%s: %s", t[i].word, err.msg);
		assert_int_equal(c.sudo, t[i].value);
		assert_int_equal(c.follow, t[i].value);
		nx_config_release(&c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "TraceCondition:\n  Command: ls\n  Sudo: %s\n", bad[i]);
		assert_int_equal(nx_config_parse(&c, "b.yaml", text, strlen(text), &err), -EINVAL);
		assert_true(!strncmp(err.msg, "b.yaml:3:9: Sudo: expected true or false", 40));
		assert_defaults(&c);
	}
}

/* Shorthands and edge values that are valid. */
static void test_short_forms(void **state)
{
	static const char *const texts[] = {
		"TraceCondition:\n  Command: ls\n  Syscalls: openat\n  Duration: .5\n",
		"TraceCondition:\n  Command: ls\n  Syscalls: [syscall_2, close]\n  Health: ~\n",
		"TraceCondition:\n  Command: ls\n  Health: {Interval: 0.0104, Cpu: 0, Disk: 100}\n",
		"TraceCondition:\n  NoExec: true\n  Command: [a, '*', b]\n  Mode: TRIGGERED\n",
		"TraceCondition:\n  Command: ls\n  Targets: []\n  Syscalls: NONE\n",
	};
	struct nx_config c;
	struct nx_err err = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (nx_config_parse(&c, "s.yaml", texts[i], strlen(texts[i]), &err) < 0)
			fail_msg("%s: %s", texts[i], err.msg);
		switch (i) {
		case 0:
			assert_int_equal(c.nsyscalls, 1);
			assert_int_equal(c.syscalls[0], SYS_openat);
			assert_true(c.duration_s == 0.5);
			break;
		case 1:
			assert_int_equal(c.nsyscalls, 2);
			assert_int_equal(c.syscalls[0], 2);
			assert_int_equal(c.syscalls[1], SYS_close);
			assert_int_equal(c.health.interval_ms, 1000);
			break;
		case 2:
			assert_int_equal(c.health.interval_ms, 10);
			assert_int_equal(c.health.cpu_pct, 0);
			assert_int_equal(c.health.disk_pct, 100);
			break;
		case 3:
			assert_true(c.noexec_all);
			assert_int_equal(c.nnoexec_names, 2);
			assert_string_equal(c.command, "a * b");
			assert_int_equal(c.mode, NX_MODE_TRIGGERED);
			break;
		case 4:
			assert_int_equal(c.ntargets, 0);
			assert_true(c.syscalls_none);
			break;
		}
		nx_config_release(&c);
	}
}

/* ---- bad configs ---- */

static void test_bad_configs_give_their_exact_message(void **state)
{
	size_t n, i, l;
	char **files = list_yaml(BAD_DIR, &n);
	char *expect_path, *expect;
	struct nx_config c;
	struct nx_err err;

	(void)state;
	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		l = strlen(files[i]);
		assert_true(asprintf(&expect_path, "%.*s.expect", (int)(l - 5), files[i]) > 0);
		expect = read_text(expect_path);
		if (!expect)
			fail_msg("%s: missing", expect_path);
		l = strlen(expect);
		assert_true(l > 0 && expect[l - 1] == '\n');	/* one line */
		expect[l - 1] = '\0';
		assert_null(strchr(expect, '\n'));
		memset(&err, 0, sizeof(err));
		memset(&c, 0xa5, sizeof(c));	/* the loader must not read what it did not set */
		if (nx_config_load(&c, files[i], &err) == 0)
			fail_msg("%s: loaded, expected: %s", files[i], expect);
		if (strcmp(err.msg, expect))
			fail_msg("%s:\n  got:  %s\n  want: %s", files[i], err.msg, expect);
		assert_int_equal(err.code, -EINVAL);
		/* file:line:column: with 1-based numbers */
		{
			unsigned line = 0, col = 0;
			size_t fl = strlen(files[i]);

			assert_memory_equal(err.msg, files[i], fl);
			assert_int_equal(sscanf(err.msg + fl, ":%u:%u: ", &line, &col), 2);
			assert_true(line >= 1 && col >= 1);
		}
		assert_defaults(&c);
		free(expect);
		free(expect_path);
	}
	free_list(files);
}

static void test_unreadable_files(void **state)
{
	char dir[] = "/tmp/nx-test-config-XXXXXX", path[64];
	struct nx_config c;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_config_load(&c, "/nonexistent/nexus.yaml", &err), -ENOENT);
	assert_string_equal(err.msg,
			    "/nonexistent/nexus.yaml: cannot open the config: No such file or directory");
	assert_defaults(&c);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(nx_config_load(&c, dir, &err), -EISDIR);
	assert_non_null(strstr(err.msg, "cannot read the config: Is a directory"));
	snprintf(path, sizeof(path), "%s/none.yaml", dir);
	assert_int_equal(symlink("none-either.yaml", path), 0);	/* dangling */
	assert_int_equal(nx_config_load(&c, path, &err), -ENOENT);
	unlink(path);
	rmdir(dir);
}

/* Under sudo, the invoking user's permissions decide, and nothing is echoed. */
static void test_config_the_user_cannot_read_is_refused(void **state)
{
	char dir[] = "/tmp/nx-test-config-XXXXXX", path[64];
	static const char secret[] = "TraceCondition:\n  Command: ls\n  Secret: hunter2\n";
	struct nx_config c;
	struct nx_err err = { 0 };
	int fd;

	(void)state;
	if (geteuid() != 0) {
		skip();	/* needs root to stand for sudo */
		return;
	}
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/secret.yaml", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, secret, sizeof(secret) - 1), (ssize_t)sizeof(secret) - 1);
	close(fd);

	/* as root itself: read, and the unknown key is named */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	assert_int_equal(nx_config_load(&c, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "Secret"));

	/* under sudo for nobody: refused before anything is read */
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	assert_int_equal(nx_config_load(&c, path, &err), -EACCES);
	assert_null(strstr(err.msg, "Secret"));
	assert_null(strstr(err.msg, "hunter2"));
	assert_non_null(strstr(err.msg, "cannot open the config as uid 65534: Permission denied"));
	assert_defaults(&c);

	/* readable by others: nobody may load it */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(nx_config_load(&c, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown key 'Secret'"));

	/* a malformed SUDO_UID stops the load */
	setenv("SUDO_UID", "65534x", 1);
	assert_int_equal(nx_config_load(&c, path, &err), -EINVAL);
	assert_string_equal(err.msg, "SUDO_UID '65534x' is not a user id");

	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	unlink(path);
	rmdir(dir);
}

static void test_size_limit(void **state)
{
	const char *head = "TraceCondition:\n  Command: ls\n";
	size_t n = NX_CONFIG_MAX_BYTES;
	char *text = malloc(n + 2);
	struct nx_config c;
	struct nx_err err = { 0 };
	char dir[] = "/tmp/nx-test-config-XXXXXX", path[64];
	int fd;

	(void)state;
	assert_non_null(text);
	/* exactly the limit: fine (a comment fills it) */
	memset(text, ' ', n);
	memcpy(text, head, strlen(head));
	text[strlen(head)] = '#';
	text[n - 1] = '\n';
	assert_int_equal(nx_config_parse(&c, "big.yaml", text, n, &err), 0);
	assert_int_equal(c.text_len, n);
	nx_config_release(&c);
	/* one byte more: refused, in memory and from a file */
	text[n] = '\n';
	assert_int_equal(nx_config_parse(&c, "big.yaml", text, n + 1, &err), -EINVAL);
	assert_string_equal(err.msg, "big.yaml: the config is larger than 1048576 bytes");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n + 1), (ssize_t)(n + 1));
	close(fd);
	assert_int_equal(nx_config_load(&c, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ": the config is larger than 1048576 bytes"));
	assert_defaults(&c);
	unlink(path);
	rmdir(dir);
	free(text);
}

static void test_command_optional(void **state)
{
	static const char text[] = "TraceCondition:\n  Duration: 3\n";
	struct nx_config_opts opts = { .command_optional = true };
	struct nx_config c;
	struct nx_err err = { 0 };

	(void)state;
	assert_int_equal(nx_config_parse(&c, "o.yaml", text, strlen(text), &err), -EINVAL);
	assert_string_equal(err.msg, "o.yaml:1:1: missing key 'Command' in TraceCondition");
	assert_int_equal(nx_config_parse_opts(&c, "o.yaml", text, strlen(text), &opts, &err), 0);
	assert_null(c.command);
	assert_null(c.argv);
	assert_true(c.duration_s == 3);
	nx_config_release(&c);
}

/* Every prefix of a valid config: a config or one clean error, never a crash or a leak. */
static void test_every_truncation_is_handled(void **state)
{
	char *text = read_text(GOOD_DIR "/02-every-key.yaml");
	struct nx_config c;
	struct nx_err err;
	size_t len, i, ok = 0;

	(void)state;
	assert_non_null(text);
	len = strlen(text);
	for (i = 0; i <= len; i++) {
		memset(&err, 0, sizeof(err));
		if (nx_config_parse(&c, "t.yaml", text, i, &err) == 0) {
			ok++;
			nx_config_release(&c);
			continue;
		}
		assert_int_equal(err.code, -EINVAL);
		assert_true(!strncmp(err.msg, "t.yaml:", 7));
		assert_null(strchr(err.msg, '\n'));
		assert_defaults(&c);
	}
	assert_true(ok > 0);	/* the whole file, at least */
	free(text);
}

/* The k-th allocation fails, for every k: -ENOMEM and a released config (leaks: ASan, valgrind). */
static void test_every_allocation_failure_is_clean(void **state)
{
	static const char *const files[] = { GOOD_DIR "/02-every-key.yaml",
					     GOOD_DIR "/03-noexec-names.yaml",
					     GOOD_DIR "/61-syscall-filters.yaml",
					     BAD_DIR "/63-too-many-triggers.yaml" };
	struct nx_config c;
	struct nx_err err;
	size_t f;
	long k;
	int rc;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char *text = read_text(files[f]);
		int want;

		assert_non_null(text);
		want = nx_config_parse(&c, "m.yaml", text, strlen(text), &err);
		nx_config_release(&c);
		for (k = 1;; k++) {
			memset(&err, 0, sizeof(err));
			nallocs = 0;
			fail_at = k;
			rc = nx_config_parse(&c, "m.yaml", text, strlen(text), &err);
			fail_at = 0;
			if (nallocs < k) {	/* no allocation left to fail: the normal result */
				assert_int_equal(rc, want);
				nx_config_release(&c);
				break;
			}
			if (rc != -ENOMEM)
				fail_msg("%s: allocation %ld failed, got %d: %s", files[f], k, rc,
					 err.msg);
			assert_string_equal(err.msg, "m.yaml: out of memory");
			assert_defaults(&c);
		}
		assert_true(k > 20);
		free(text);
	}
	/* the splitter alone */
	for (k = 1;; k++) {
		char **argv;
		uint32_t argc;

		nallocs = 0;
		fail_at = k;
		rc = nx_argv_split("a 'b c' \\\"d e f g h i", &argv, &argc, &err);
		fail_at = 0;
		if (nallocs < k) {
			assert_int_equal(rc, 0);
			assert_int_equal(argc, 8);
			nx_argv_free(argv);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_null(argv);
	}
}

/* ---- nx_argv_split ---- */

static void test_argv_split(void **state)
{
	static const struct {
		const char *line;
		const char *want[8];	/* NULL-terminated */
	} t[] = {
		{ "ls", { "ls" } },
		{ "  ls   -l\t/tmp \n", { "ls", "-l", "/tmp" } },
		{ "./app --flag \"two words\"", { "./app", "--flag", "two words" } },
		{ "a 'single $HOME \\n' b", { "a", "single $HOME \\n", "b" } },
		{ "\"dq \\\" \\\\ \\$ \\` \\n\"", { "dq \" \\ $ ` \\n" } },
		{ "a\\ b c\\\\d \\'e", { "a b", "c\\d", "'e" } },
		{ "x\"y\"'z' \"\" ''", { "xyz", "", "" } },
		{ "one\\\ntwo \"th\\\nree\"", { "onetwo", "three" } },
		{ "end\\", { "end\\" } },
		{ "$HOME *.c ~ `id` a|b >out", { "$HOME", "*.c", "~", "`id`", "a|b", ">out" } },
		{ "\"\"", { "" } },
		{ "", { NULL } },
		{ " \t\n ", { NULL } },
	};
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "a \"b", "unterminated double quote (opened at character 3)" },
		{ "'", "unterminated single quote (opened at character 1)" },
		{ "a 'b\"c\" d", "unterminated single quote (opened at character 3)" },
		{ "\"a\\\"", "unterminated double quote (opened at character 1)" },
	};
	struct nx_err err = { 0 };
	char **argv;
	uint32_t argc, i, j;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (nx_argv_split(t[i].line, &argv, &argc, &err) < 0)
			fail_msg("'%s': %s", t[i].line, err.msg);
		for (j = 0; t[i].want[j]; j++) {
			if (j >= argc)
				fail_msg("'%s': %u words, want more", t[i].line, argc);
			if (strcmp(argv[j], t[i].want[j]))
				fail_msg("'%s': word %u is '%s', want '%s'", t[i].line, j, argv[j],
					 t[i].want[j]);
		}
		assert_int_equal(argc, j);
		assert_null(argv[argc]);
		nx_argv_free(argv);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv = (char **)1;
		assert_int_equal(nx_argv_split(bad[i].line, &argv, &argc, &err), -EINVAL);
		assert_string_equal(err.msg, bad[i].msg);
		assert_null(argv);
		assert_int_equal(argc, 0);
	}
	assert_int_equal(nx_argv_split(NULL, &argv, &argc, &err), -EINVAL);
	nx_argv_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example_parses_as_written),
		cmocka_unit_test(test_every_key_is_read),
		cmocka_unit_test(test_noexec_forms),
		cmocka_unit_test(test_minimal_and_flow_style),
		cmocka_unit_test(test_every_good_config_loads),
		cmocka_unit_test(test_payloads),
		cmocka_unit_test(test_syscall_filters),
		cmocka_unit_test(test_boolean_spellings),
		cmocka_unit_test(test_short_forms),
		cmocka_unit_test(test_bad_configs_give_their_exact_message),
		cmocka_unit_test(test_unreadable_files),
		cmocka_unit_test(test_config_the_user_cannot_read_is_refused),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_command_optional),
		cmocka_unit_test(test_every_truncation_is_handled),
		cmocka_unit_test(test_every_allocation_failure_is_clean),
		cmocka_unit_test(test_argv_split),
	};
	struct stat st;

	if (stat(BAD_DIR, &st) < 0 || stat(GOOD_DIR, &st) < 0) {
		printf("test_config: run from the repository root (%s not found)\n", BAD_DIR);
		return 77;
	}
	/* the loader reads SUDO_UID: start from a known environment */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
