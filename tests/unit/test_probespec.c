/* tests/unit/test_probespec.c: -e SPEC into a config (capture/probespec.h), library names, header key/values, --print-config round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/syscalls.h"
#include "capture/cfgwrite.h"
#include "capture/config.h"
#include "capture/probespec.h"
#include "format/meta.h"

/* The libc this very process runs with, as the dynamic loader found it. */
static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;

	(void)size;
	if (base && !strncmp(base + 1, "libc.so", 7)) {
		if (!realpath(info->dlpi_name, arg))
			return 0;
		return 1;
	}
	return 0;
}

static void loaded_libc(char out[PATH_MAX])
{
	out[0] = '\0';
	dl_iterate_phdr(find_libc, out);
	assert_true(out[0] == '/');
}

static const struct nx_config_func *func_of(const struct nx_config *cfg, const char *name,
					    const char **path)
{
	for (uint32_t i = 0; i < cfg->ntargets; i++)
		for (uint32_t j = 0; j < cfg->targets[i].nfuncs; j++)
			if (!strcmp(cfg->targets[i].funcs[j].func, name)) {
				*path = cfg->targets[i].path;
				return &cfg->targets[i].funcs[j];
			}
	return NULL;
}

static const struct nx_config_sysfilter *sysfilter_of(const struct nx_config *cfg, uint32_t nr)
{
	for (uint32_t i = 0; i < cfg->nsysfilters; i++)
		if (cfg->sysfilters[i].nr == nr)
			return &cfg->sysfilters[i];
	return NULL;
}

static const char *sysprint_of(const struct nx_config *cfg, uint32_t nr)
{
	for (uint32_t i = 0; i < cfg->nsysprints; i++)
		if (cfg->sysprints[i].nr == nr)
			return cfg->sysprints[i].print;
	return NULL;
}

/* One spec into a fresh config (as nexus-record -e without a config). */
struct good {
	const char *spec;
	const char *sys;		/* the syscall it names, or NULL for a function */
	const char *lib;		/* "libc", or the path expected */
	const char *func;
	uint32_t hook;
	const char *trigger;		/* its trigger or syscall filter, NULL: none */
	const char *print;
	const char *args;		/* "arg1:str arg2:str" or NULL */
};

static const struct good goods[] = {
	{ "sys_read (arg3 > 1024)", "read", NULL, NULL, 0, "arg3 > 1024", NULL, NULL },
	{ "r::sys_openat", "openat", NULL, NULL, 0, NULL, NULL, NULL },
	{ "r::sys_openat (ret < 0)", "openat", NULL, NULL, 0, "ret < 0", NULL, NULL },
	{ "r::sys_openat (ret < 0 && arg3 & 0x40)", "openat", NULL, NULL, 0,
	  "ret < 0 && arg3 & 0x40", NULL, NULL },
	{ "p::sys_write", "write", NULL, NULL, 0, NULL, NULL, NULL },
	{ "__x64_sys_close", "close", NULL, NULL, 0, NULL, NULL, NULL },
	{ "sys_read (arg3 > 1024) \"read %d bytes\", arg3", "read", NULL, NULL, 0, "arg3 > 1024",
	  "\"read %d bytes\", arg3", NULL },
	{ "r::sys_read \"got %ld\", ret", "read", NULL, NULL, 0, NULL, "\"got %ld\", ret", NULL },
	{ "p:c:ioctl (arg2 == 0x541c)", NULL, "libc", "ioctl", NXR_HOOK_UPROBE, "arg2 == 0x541c",
	  NULL, NULL },
	{ "p:/bin/sh:main", NULL, "/bin/sh", "main", NXR_HOOK_UPROBE, NULL, NULL, NULL },
	{ "r:c:malloc (ret == 0)", NULL, "libc", "malloc", NXR_HOOK_URETPROBE, "ret == 0", NULL,
	  NULL },
	{ "c:malloc", NULL, "libc", "malloc", NXR_HOOK_UPROBE, NULL, NULL, NULL },
	{ "p:sh:main", NULL, "sh", "main", NXR_HOOK_UPROBE, NULL, NULL, NULL },
	{ "p:c:ioctl (arg2 == 0x541c && (arg1 == 0 || comm == \"a)b\")) \"ioctl %x\", arg2", NULL,
	  "libc", "ioctl", NXR_HOOK_UPROBE, "arg2 == 0x541c && (arg1 == 0 || comm == \"a)b\")",
	  "\"ioctl %x\", arg2", NULL },
	{ "p:c:fopen \"open %s mode %s\", arg1, arg2", NULL, "libc", "fopen", NXR_HOOK_UPROBE,
	  NULL, "\"open %s mode %s\", arg1, arg2", "arg1:str arg2:str" },
	{ "p:c:write \"%s %s\", arg2, arg2", NULL, "libc", "write", NXR_HOOK_UPROBE, NULL,
	  "\"%s %s\", arg2, arg2", "arg2:str" },
	{ "r:c:getpid \"pid %d\", ret", NULL, "libc", "getpid", NXR_HOOK_URETPROBE, NULL,
	  "\"pid %d\", ret", NULL },
	{ "  p:c:ioctl(auto arg1 arg2)", NULL, "libc", "ioctl", NXR_HOOK_UPROBE, "auto arg1 arg2",
	  NULL, NULL },
};

static void check_good(const struct good *g, const char *libc)
{
	struct nx_config cfg;
	struct nx_err err = { 0 };
	uint32_t col = 99;

	nx_config_init(&cfg);
	cfg.syscalls_none = true;		/* nexus-record -e without a config */
	if (nx_probespec_add(&cfg, g->spec, &col, &err) < 0)
		fail_msg("%s: %s", g->spec, err.msg);
	assert_int_equal(col, 0);
	if (g->sys) {
		int nr = nx_syscall_number(g->sys);
		const struct nx_config_sysfilter *sf = sysfilter_of(&cfg, (uint32_t)nr);
		const char *pr = sysprint_of(&cfg, (uint32_t)nr);

		assert_false(cfg.syscalls_none);
		assert_int_equal(cfg.nsyscalls, 1);
		assert_int_equal(cfg.syscalls[0], nr);
		assert_int_equal(cfg.ntargets, 0);
		if (g->trigger) {
			assert_non_null(sf);
			assert_string_equal(sf->trigger, g->trigger);
			assert_null(sf->path_prefix);
		} else {
			assert_null(sf);
		}
		if (g->print)
			assert_string_equal(pr, g->print);
		else
			assert_null(pr);
		assert_int_equal(cfg.mode, NX_MODE_FULL);
	} else {
		const char *path = NULL;
		const struct nx_config_func *f = func_of(&cfg, g->func, &path);

		assert_non_null(f);
		assert_true(cfg.syscalls_none);	/* a function alone adds no syscall */
		if (!strcmp(g->lib, "sh")) {	/* a program from PATH: the sh of /bin */
			char a[PATH_MAX], b[PATH_MAX];

			assert_non_null(realpath(path, a));
			assert_non_null(realpath("/bin/sh", b));
			assert_string_equal(a, b);
		} else {
			assert_string_equal(path, strcmp(g->lib, "libc") ? g->lib : libc);
		}
		assert_int_equal(f->hook, g->hook);
		if (g->trigger) {
			assert_int_equal(f->ntriggers, 1);
			assert_string_equal(f->triggers[0].text, g->trigger);
			assert_int_equal(cfg.mode, NX_MODE_TRIGGERED);
		} else {
			assert_int_equal(f->ntriggers, 0);
			assert_int_equal(cfg.mode, NX_MODE_FULL);
		}
		if (g->print)
			assert_string_equal(f->print, g->print);
		else
			assert_null(f->print);
		if (g->args) {
			char joined[64] = "";

			for (uint32_t i = 0; i < f->nargs; i++)
				snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined),
					 "%s%s", i ? " " : "", f->args[i]);
			assert_string_equal(joined, g->args);
			assert_null(f->args[f->nargs]);
		} else {
			assert_int_equal(f->nargs, 0);
		}
	}
	nx_config_release(&cfg);
}

static void test_every_spec_form_parses_into_the_config(void **state)
{
	char libc[PATH_MAX], got[PATH_MAX];
	struct nx_err err = { 0 };

	(void)state;
	loaded_libc(libc);
	/* "c" is the libc the loader gives this process (the cache may name a link) */
	assert_int_equal(nx_probespec_find_lib("c", NULL, got, sizeof(got), &err), 0);
	{
		char real[PATH_MAX];

		assert_non_null(realpath(got, real));
		assert_string_equal(real, libc);
		snprintf(libc, sizeof(libc), "%s", got);
	}
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++)
		check_good(&goods[i], libc);
}

struct bad {
	const char *spec;
	int code;
	uint32_t col;
	const char *msg;
};

static const struct bad bads[] = {
	{ "", -EINVAL, 1, "expected a probe" },
	{ "u:lib:usdt_probe", -EOPNOTSUPP, 1, "USDT probes (u:lib:usdt_probe) are not supported" },
	{ "t:sched:sched_switch", -EOPNOTSUPP, 1, "tracepoints (t:) are not supported" },
	{ "x:c:f", -EINVAL, 1, "unknown probe type 'x'" },
	{ "pp:c:f", -EINVAL, 1, "unknown probe type 'pp'" },
	{ "a:b:c:d", -EINVAL, 6, "too many ':'" },
	{ "p:c:", -EINVAL, 5, "expected a function or syscall name" },
	{ "p:c:io-ctl", -EINVAL, 7, "unexpected '-' in the name" },
	{ "vfs_read", -EOPNOTSUPP, 1, "'vfs_read' is a kernel function" },
	{ "r::do_sys_open", -EOPNOTSUPP, 4, "'do_sys_open' is a kernel function" },
	{ "sys_reed", -EINVAL, 5, "unknown syscall 'reed'" },
	{ "p:nosuchlib_nx:f", -ENOENT, 3, "library 'nosuchlib_nx' not found (no "
	  "libnosuchlib_nx.so* in /etc/ld.so.cache nor in the default folders), nor a program "
	  "'nosuchlib_nx' in PATH" },
	{ "p:/no/such/file.so:f", -EINVAL, 3, "/no/such/file.so: No such file or directory" },
	{ "p:c:ioctl (arg7 == 1)", -EINVAL, 12, "no such argument 'arg7' (arg1..arg6)" },
	{ "p:c:ioctl (arg2 == 1", -EINVAL, 21, "unbalanced parenthesis: expected ')' to close "
	  "the '(' at column 11" },
	{ "p:c:ioctl (arg2 == 1))", -EINVAL, 22, "unexpected ')'" },
	{ "p:c:ioctl ()", -EINVAL, 12, "empty trigger" },
	{ "p:c:ioctl (ret == 1)", -EINVAL, 12, "'ret' is only available on a uretprobe" },
	{ "r:c:malloc (arg1 == 1)", -EINVAL, 13, "'arg1' is not available on a uretprobe" },
	{ "sys_read (ret > 0)", -EINVAL, 11, "'ret' is only known at return: write r::sys_read" },
	{ "sys_read (auto arg1)", -EINVAL, 11, "a syscall is filtered by an expression" },
	{ "sys_read (arg1 == 1 arg2)", -EINVAL, 21, "unexpected 'arg2' after the expression" },
	{ "p:c:ioctl junk", -EINVAL, 11, "unexpected 'j'" },
	{ "sys_read \"x %d\"", -EINVAL, 16, "1 conversions but 0 values" },
	{ "r:c:malloc \"%s\", ret", -EINVAL, 13, "%s needs an argument whose string can be "
	  "captured, not ret" },
	{ "r:c:malloc \"%d\", arg1", -EINVAL, 18, "'arg1' is gone at return" },
	{ "p:c:ioctl \"%d\", ret", -EINVAL, 17, "'ret' is only known at return" },
	{ "p:c:ioctl \"%q\", arg1", -EINVAL, 12, "unknown conversion '%q'" },
	{ "p:c:io\xff" "ctl", -EINVAL, 7, "not UTF-8 text (byte 0xff)" },
	{ "p:c:ioctl \"%-6\n\", arg1", -EINVAL, 12, "unknown conversion '%-6?'" },
	{ "p:c:io\x01" "ctl", -EINVAL, 7, "unexpected '?' in the name 'io?ctl'" },
	{ "p:c:ioctl (arg1 == 1) \"abc", -EINVAL, 27, "unterminated format string (opened at "
	  "column 23)" },
};

static void test_bad_specs_point_at_the_column(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct nx_config cfg;
		struct nx_err err = { 0 };
		uint32_t col = 99;
		char want[32];
		int rc;

		nx_config_init(&cfg);
		rc = nx_probespec_add(&cfg, b->spec, &col, &err);
		snprintf(want, sizeof(want), "column %u: ", b->col);
		if (rc != b->code || col != b->col || strncmp(err.msg, want, strlen(want)) ||
		    !strstr(err.msg, b->msg))
			fail_msg("'%s': rc %d col %u '%s'; want rc %d col %u '%s'", b->spec, rc, col,
				 err.msg, b->code, b->col, b->msg);
		/* nothing of a bad spec reaches the config */
		assert_int_equal(cfg.ntargets, 0);
		assert_int_equal(cfg.nsyscalls, 0);
		assert_int_equal(cfg.nsysfilters, 0);
		assert_int_equal(cfg.nsysprints, 0);
		nx_config_release(&cfg);
	}
}

static void test_specs_combine_with_a_config(void **state)
{
	static const char yaml[] =
		"TraceCondition:\n"
		"  Command: /bin/true\n"
		"  Syscalls: [getpid]\n"
		"  Targets:\n"
		"  - FilePath: /bin/sh\n"
		"    Functions:\n"
		"      - Func: main\n";
	struct nx_config cfg;
	struct nx_err err = { 0 };
	uint32_t col;

	(void)state;
	assert_int_equal(nx_config_parse(&cfg, "c.yaml", yaml, sizeof(yaml) - 1, &err), 0);
	assert_int_equal(nx_probespec_add(&cfg, "sys_read (arg1 == 0)", &col, &err), 0);
	assert_int_equal(nx_probespec_add(&cfg, "r:/bin/sh:main", &col, &err), 0);
	assert_int_equal(nx_probespec_add(&cfg, "sys_getpid", &col, &err), 0);
	assert_int_equal(cfg.nsyscalls, 2);		/* getpid once, read added */
	assert_int_equal(cfg.ntargets, 1);		/* the same file: one target */
	assert_int_equal(cfg.targets[0].nfuncs, 2);
	assert_int_equal(cfg.targets[0].funcs[1].hook, NXR_HOOK_URETPROBE);
	/* a function and hook probed twice, a second filter on one syscall: refused */
	assert_int_equal(nx_probespec_add(&cfg, "p:/bin/sh:main", &col, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "already probed"));
	assert_int_equal(nx_probespec_add(&cfg, "r::sys_read (ret > 0)", &col, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "already has a filter"));
	assert_int_equal(cfg.targets[0].nfuncs, 2);
	nx_config_release(&cfg);
}

/* --print-config: what the specs amount to loads back into the same config. */
static void test_printed_config_loads_back(void **state)
{
	static const char *const specs[] = {
		"p:c:ioctl (arg2 == 0x541c) \"ioctl %x on fd %d\", arg2, arg1",
		"r:c:malloc (ret == 0)",
		"p:c:fopen \"open %s\", arg1",
		"sys_write \"wrote %d\", arg3",
		"r::sys_openat (ret < 0)",
		"sys_read (arg3 > 1024)",
	};
	struct nx_config a, b;
	struct nx_config_opts opts = { .command_optional = true };
	struct nx_err err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	nx_config_init(&a);
	a.syscalls_none = true;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (nx_probespec_add(&a, specs[i], NULL, &err) < 0)
			fail_msg("%s: %s", specs[i], err.msg);
	a.filter.comms = calloc(2, sizeof(char *));
	a.filter.comms[0] = strdup("fx_*");
	a.filter.ncomms = 1;
	f = open_memstream(&text, &len);
	assert_int_equal(nx_config_write(f, &a, "from -e", &err), 0);
	fclose(f);
	if (nx_config_parse_opts(&b, "printed", text, len, &opts, &err) < 0)
		fail_msg("%s\n%s", err.msg, text);
	assert_int_equal(b.mode, NX_MODE_TRIGGERED);
	assert_int_equal(b.nsyscalls, 3);
	for (uint32_t i = 0; i < a.nsyscalls; i++) {
		bool found = false;

		for (uint32_t j = 0; j < b.nsyscalls; j++)
			found |= b.syscalls[j] == a.syscalls[i];
		assert_true(found);
	}
	assert_int_equal(b.nsysfilters, 2);
	for (uint32_t i = 0; i < 2; i++) {
		const struct nx_config_sysfilter *x = &a.sysfilters[i],
						 *y = sysfilter_of(&b, x->nr);

		assert_non_null(y);
		assert_string_equal(x->trigger, y->trigger);
	}
	assert_int_equal(b.nsysprints, 1);
	assert_string_equal(b.sysprints[0].print, "\"wrote %d\", arg3");
	assert_int_equal(b.ntargets, 1);
	assert_string_equal(b.targets[0].path, a.targets[0].path);
	assert_int_equal(b.targets[0].nfuncs, 3);
	for (uint32_t i = 0; i < 3; i++) {
		const struct nx_config_func *x = &a.targets[0].funcs[i], *y = &b.targets[0].funcs[i];

		assert_string_equal(x->func, y->func);
		assert_int_equal(x->hook, y->hook);
		assert_int_equal(x->ntriggers, y->ntriggers);
		if (x->ntriggers)
			assert_string_equal(x->triggers[0].text, y->triggers[0].text);
		assert_int_equal(x->nargs, y->nargs);
		if (x->print)
			assert_string_equal(x->print, y->print);
		else
			assert_null(y->print);
	}
	assert_int_equal(b.filter.ncomms, 1);
	assert_string_equal(b.filter.comms[0], "fx_*");
	free(text);
	nx_config_release(&a);
	nx_config_release(&b);
}

static void test_header_keys_name_formats_and_strings(void **state)
{
	struct nx_config cfg;
	struct nx_err err = { 0 };
	struct nxr_kv *kv;
	uint32_t nkv;
	char key[4200];
	struct nxr_meta m = { 0 };

	(void)state;
	nx_config_init(&cfg);
	assert_int_equal(nx_probespec_add(&cfg, "p:/bin/sh:main \"%s %s\", arg2, arg1", NULL,
					  &err), 0);
	assert_int_equal(nx_probespec_add(&cfg, "sys_read \"%d\", arg3", NULL, &err), 0);
	assert_int_equal(nx_probespec_meta_kv(&cfg, &kv, &nkv, &err), 0);
	m.kv = kv;
	m.nkv = nkv;
	assert_int_equal(nkv, 3);
	assert_string_equal(nxr_meta_get(&m, "print.sys.read"), "\"%d\", arg3");
	assert_string_equal(nxr_meta_get(&m, "print.uprobe:/bin/sh:main"), "\"%s %s\", arg2, arg1");
	snprintf(key, sizeof(key), "strings.uprobe:/bin/sh:main");
	assert_string_equal(nxr_meta_get(&m, key), "arg2 arg1");
	nx_probespec_kv_free(kv, nkv);
	nx_config_release(&cfg);
}

/* A crafted cache: the new-format table, an entry for libnxfake.so.1 pointing
 * at this test binary (an ELF of our machine) and one at a text file. */
static void write_cache(const char *path, const char *target, bool truncate)
{
	unsigned char buf[4096] = { 0 };
	const char *strs[] = { "libnxfake.so.1", target, "libnxtext.so", "/etc/hostname" };
	size_t off = 48 + 2 * 24, pos[4];
	FILE *f;

	memcpy(buf, "glibc-ld.so.cache1.1", 20);
	buf[20] = 2;					/* nlibs */
	for (int i = 0; i < 4; i++) {
		pos[i] = off;
		memcpy(buf + off, strs[i], strlen(strs[i]) + 1);
		off += strlen(strs[i]) + 1;
	}
	for (int e = 0; e < 2; e++) {
		unsigned char *ent = buf + 48 + e * 24;

		ent[0] = 3;
		ent[4] = (unsigned char)pos[2 * e];
		ent[5] = (unsigned char)(pos[2 * e] >> 8);
		ent[8] = (unsigned char)pos[2 * e + 1];
		ent[9] = (unsigned char)(pos[2 * e + 1] >> 8);
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(buf, 1, truncate ? 60 : off, f);
	fclose(f);
}

static void test_library_names_come_from_the_loader_cache(void **state)
{
	char self[PATH_MAX], cache[] = "/tmp/nx-test-ldcache-XXXXXX", out[PATH_MAX];
	struct nx_err err = { 0 };
	int fd;
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	fd = mkstemp(cache);
	assert_true(fd >= 0);
	close(fd);
	write_cache(cache, self, false);
	assert_int_equal(nx_probespec_find_lib("nxfake", cache, out, sizeof(out), &err), 0);
	assert_string_equal(out, self);
	/* an entry that is not an ELF of our machine is never taken */
	assert_int_equal(nx_probespec_find_lib("nxtext", cache, out, sizeof(out), &err), -ENOENT);
	/* a cut cache is refused whole: entries past its end are not read */
	write_cache(cache, self, true);
	assert_int_equal(nx_probespec_find_lib("nxfake", cache, out, sizeof(out), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "library 'nxfake' not found"));
	assert_int_equal(nx_probespec_find_lib("a/b", cache, out, sizeof(out), &err), -EINVAL);
	unlink(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_spec_form_parses_into_the_config),
		cmocka_unit_test(test_bad_specs_point_at_the_column),
		cmocka_unit_test(test_specs_combine_with_a_config),
		cmocka_unit_test(test_printed_config_loads_back),
		cmocka_unit_test(test_header_keys_name_formats_and_strings),
		cmocka_unit_test(test_library_names_come_from_the_loader_cache),
	};

	return cmocka_run_group_tests_name("probespec", tests, NULL, NULL);
}
