/*
 * tests/fuzz/fuzz_probespec.c: libFuzzer target for -e SPEC and print formats.
 *
 * Input: the spec text. It must be added to a fresh config or refused with
 * one line "column C: ..." (C within the text + 1) leaving the config empty.
 * An accepted spec's config must write as YAML that loads back and give
 * header key/values whose formats nx_printtab_new reads; every format must
 * render without reading out of bounds, with values and strings taken from
 * the input. Violations trap.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/printfmt.h"
#include "capture/cfgwrite.h"
#include "capture/config.h"
#include "capture/launch.h"	/* the config loader uses it */
#include "capture/paycfg.h"	/* and these two, for Payloads and Syscalls filters */
#include "capture/probespec.h"
#include "capture/sysfilt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void render_all(const char *text, size_t len)
{
	struct nx_printfmt pf;
	struct nx_printfmt_in in = { 0 };
	struct nx_json_buf b = { 0 };
	struct nx_err err = { 0 };
	uint32_t col = 0;

	for (int i = 0; i < 7; i++)
		in.vals[i] = (uint64_t)len * 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	in.str[1] = text;			/* an arbitrary, unterminated string */
	in.str_len[1] = len;
	if (nx_printfmt_parse(&pf, text, NX_PRINTFMT_ARGS | NX_PRINTFMT_RET | NX_PRINTFMT_STR,
			      &col, &err) < 0) {
		check(err.code == -EINVAL || err.code == -ENOMEM);
		check(col >= 1 && col <= len + 1);
		return;
	}
	nx_printfmt_render(&pf, &in, &b);
	for (size_t i = 0; i < b.len; i++)	/* C-escaped: printable ASCII only */
		check(b.p[i] >= 0x20 && b.p[i] < 0x7f);
	nx_json_release(&b);
	nx_printfmt_release(&pf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nx_config cfg, back;
	struct nx_config_opts opts = { .command_optional = true };
	struct nx_err err = { 0 };
	uint32_t col = 99, nkv;
	struct nxr_kv *kv;
	char *text, *yaml = NULL;
	size_t ylen = 0;
	FILE *f;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	render_all(text, strlen(text));
	nx_config_init(&cfg);
	if (nx_probespec_add(&cfg, text, &col, &err) < 0) {
		check(err.msg[0] != '\0' && !strchr(err.msg, '\n'));
		check(col <= strlen(text) + 1);
		if (col) {
			char want[32];

			snprintf(want, sizeof(want), "column %u: ", col);
			check(!strncmp(err.msg, want, strlen(want)));
		}
		check(!cfg.ntargets && !cfg.nsyscalls && !cfg.nsysfilters && !cfg.nsysprints);
		goto out;
	}
	check(cfg.ntargets + cfg.nsyscalls == 1);
	if (nx_probespec_meta_kv(&cfg, &kv, &nkv, &err) == 0) {
		struct nxr_meta m = { .kv = kv, .nkv = nkv };

		nx_printtab_free(nx_printtab_new(&m));
		nx_probespec_kv_free(kv, nkv);
	}
	f = open_memstream(&yaml, &ylen);
	if (!f)
		goto out;
	check(nx_config_write(f, &cfg, NULL, &err) == 0);
	fclose(f);
	if (nx_config_parse_opts(&back, "printed", yaml, ylen, &opts, &err) < 0) {
		fprintf(stderr, "spec '%s' printed a config that does not load: %s\n%s", text,
			err.msg, yaml);
		check(0);
	}
	check(back.ntargets == cfg.ntargets && back.nsyscalls == cfg.nsyscalls);
	nx_config_release(&back);
out:
	free(yaml);
	nx_config_release(&cfg);
	free(text);
	return 0;
}
