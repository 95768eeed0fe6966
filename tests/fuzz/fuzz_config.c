/*
 * tests/fuzz/fuzz_config.c: libFuzzer target for the config loader and the
 * command-line splitter.
 *
 * The input is a config file. The loader must accept it or refuse it with
 * -EINVAL (or -ENOMEM) and one line "fuzz.yaml:line:col: ..." with 1-based
 * numbers, never crash, hang or leak; an accepted config must hold the
 * invariants its users rely on (NULL-terminated argv of argc words, trigger
 * counts within the limit). The same bytes, as a C string, go through
 * nx_argv_split.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/syscalls.h"	/* pulls analyze/ into the fuzz build */
#include "capture/config.h"
#include "capture/launch.h"	/* the loader uses it under sudo */
#include "capture/paycfg.h"	/* Payloads defaults and slots */
#include "capture/sysfilt.h"	/* Syscalls filters: which argument is a path */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config(const struct nx_config *c)
{
	uint32_t i, j;

	if (!c->text || c->text_len > NX_CONFIG_MAX_BYTES || !c->logs_dir || !c->logs_dir[0])
		__builtin_trap();
	if (!c->noexec && (!c->argv || !c->argc))
		__builtin_trap();
	for (i = 0; c->argv && i < c->argc; i++)
		if (!c->argv[i])
			__builtin_trap();
	if (c->argv && c->argv[c->argc])
		__builtin_trap();
	if (c->noexec && !c->noexec_all && !c->nnoexec_names)
		__builtin_trap();
	for (i = 0; i < c->ntargets; i++) {
		if (!c->targets[i].path || !c->targets[i].nfuncs)
			__builtin_trap();
		for (j = 0; j < c->targets[i].nfuncs; j++)
			if (!c->targets[i].funcs[j].func ||
			    c->targets[i].funcs[j].ntriggers > NX_CONFIG_MAX_TRIGGERS)
				__builtin_trap();
	}
	for (i = 0; i < c->nsyscalls; i++)
		if (c->syscalls[i] >= nx_syscall_max())
			__builtin_trap();
	if (c->health.cpu_pct > 100 || c->health.disk_pct > 100 || !c->health.interval_ms)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nx_config c;
	struct nx_err err = { 0 };
	unsigned line, col;
	char **argv, *s;
	uint32_t argc;
	int rc;

	rc = nx_config_parse(&c, "fuzz.yaml", (const char *)data, size, &err);
	if (rc == 0) {
		check_config(&c);
		nx_config_release(&c);
	} else {
		if (rc != err.code || (rc != -EINVAL && rc != -ENOMEM) || strchr(err.msg, '\n') ||
		    strncmp(err.msg, "fuzz.yaml:", 10))
			__builtin_trap();
		if (rc == -EINVAL && size <= NX_CONFIG_MAX_BYTES &&
		    (sscanf(err.msg, "fuzz.yaml:%u:%u:", &line, &col) != 2 || !line || !col))
			__builtin_trap();
		if (c.text || c.argv || c.targets)	/* released on error */
			__builtin_trap();
	}

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (nx_argv_split(s, &argv, &argc, NULL) == 0) {
		if (argv[argc])
			__builtin_trap();
		nx_argv_free(argv);
	}
	free(s);
	return 0;
}
