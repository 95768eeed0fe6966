/*
 * analyze/printfmt.c: BCC-style print formats ("read %d bytes", arg3), parsed
 * once (nexus-record checks them, nexus-dump renders them) and the table of a
 * recording's formats.
 *
 * The format is kept as a literal with one \x01 marker per conversion, each
 * conversion as a printf spec of our own making (flags, width, precision
 * and the conversion letter, never a size modifier, never %n), so rendering
 * never hands text from a recording to printf as a format.
 */
#include "analyze/printfmt.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/syscalls.h"
#include "bpf/trigger.h"

#define MARK '\x01'


/* One conversion at text[*i] == '%'; appends its spec to c. 1: a conversion,
 * 0: "%%", <0: error. */
static int parse_conv(const char *text, size_t *i, struct nx_printfmt_conv *c,
		      uint32_t *err_col, struct nx_err *err)
{
	size_t at = *i, j = at + 1, n = 0;

	c->spec[n++] = '%';
	if (text[j] == '%') {
		*i = j + 1;
		return 0;
	}
	while (strchr("-+ #0", text[j]) && text[j] && n < 8)
		c->spec[n++] = text[j++];
	for (int k = 0; isdigit((unsigned char)text[j]) && k < 3; k++)
		c->spec[n++] = text[j++];
	if (text[j] == '.') {
		c->spec[n++] = text[j++];
		for (int k = 0; isdigit((unsigned char)text[j]) && k < 3; k++)
			c->spec[n++] = text[j++];
	}
	if (isdigit((unsigned char)text[j]))
		return nx_err_col(err, err_col, at, "width or precision too large in the conversion");
	c->wide = false;
	while (strchr("hlzjt", text[j]) && text[j]) {
		if (text[j] != 'h')
			c->wide = true;
		j++;
	}
	if (!text[j] || !strchr("diuxXocps", text[j]))
		return nx_err_col(err, err_col, at, "unknown conversion '%%%.*s': expected %%d %%i %%u %%x "
			   "%%X %%o %%c %%p %%s or %%%%", text[j] ? (int)(j - at) : (int)(j - at - 1),
			   text + at + 1);
	c->conv = text[j];
	c->spec[n] = '\0';
	*i = j + 1;
	return 1;
}

static int var_of(const char *s, size_t len)
{
	if (len == 4 && !strncmp(s, "arg", 3) && s[3] >= '1' && s[3] <= '6')
		return NX_TRIG_VAR_ARG1 + (s[3] - '1');
	if ((len == 3 && !strncmp(s, "ret", 3)) || (len == 6 && !strncmp(s, "retval", 6)))
		return NX_TRIG_VAR_RET;
	return -1;
}

int nx_printfmt_parse(struct nx_printfmt *pf, const char *text, uint32_t allow,
		      uint32_t *err_col, struct nx_err *err)
{
	size_t len = strlen(text), i = 0, open, nlit = 0, nargs = 0;
	size_t conv_at[NX_PRINTFMT_MAX];
	int rc;

	memset(pf, 0, sizeof(*pf));
	if (err_col)
		*err_col = 0;
	while (text[i] == ' ' || text[i] == '\t')
		i++;
	if (len - i > NX_PRINTFMT_MAX_TEXT)
		return nx_err_col(err, err_col, i + NX_PRINTFMT_MAX_TEXT, "format longer than %u characters",
			   NX_PRINTFMT_MAX_TEXT);
	pf->lit = malloc(len + 1);
	if (!pf->lit)
		return nx_err_set(err, -ENOMEM, "out of memory");
	if (text[i] != '"') {
		rc = nx_err_col(err, err_col, i, "expected a double-quoted format string");
		goto fail;
	}
	open = i++;
	for (;;) {
		char ch = text[i];

		if (!ch) {
			rc = nx_err_col(err, err_col, i, "unterminated format string (opened at column %zu)",
				 open + 1);
			goto fail;
		}
		if (ch == '"') {
			i++;
			break;
		}
		if (ch == '\\') {
			const char *from = "\"\\nt", *to = "\"\\\n\t", *p = strchr(from, text[i + 1]);

			if (!text[i + 1] || !p) {
				rc = nx_err_col(err, err_col, i, "unknown escape '\\%c': expected \\\" \\\\ "
					 "\\n or \\t", text[i + 1] ? text[i + 1] : ' ');
				goto fail;
			}
			pf->lit[nlit++] = to[p - from];
			i += 2;
			continue;
		}
		if (ch == '%') {
			struct nx_printfmt_conv c = { 0 };
			size_t at = i;

			rc = parse_conv(text, &i, &c, err_col, err);
			if (rc < 0)
				goto fail;
			if (rc == 0) {
				pf->lit[nlit++] = '%';
				continue;
			}
			if (pf->nconv == NX_PRINTFMT_MAX) {
				rc = nx_err_col(err, err_col, at, "more than %u conversions", NX_PRINTFMT_MAX);
				goto fail;
			}
			conv_at[pf->nconv] = at;
			pf->conv[pf->nconv++] = c;
			pf->lit[nlit++] = MARK;
			continue;
		}
		pf->lit[nlit++] = (unsigned char)ch < 0x20 ? '?' : ch;
		i++;
	}
	pf->lit[nlit] = '\0';
	for (;;) {
		size_t at, n;
		int v;

		while (text[i] == ' ' || text[i] == '\t')
			i++;
		if (!text[i])
			break;
		if (text[i] != ',') {
			rc = nx_err_col(err, err_col, i, "expected ',' and a value after the format string");
			goto fail;
		}
		i++;
		while (text[i] == ' ' || text[i] == '\t')
			i++;
		at = i;
		for (n = 0; isalnum((unsigned char)text[i]) || text[i] == '_'; n++)
			i++;
		v = var_of(text + at, n);
		if (v < 0) {
			rc = nx_err_col(err, err_col, at, n ? "unknown value '%.*s': expected arg1..arg6 or ret"
				 : "expected a value (arg1..arg6 or ret)%.*s", (int)n, text + at);
			goto fail;
		}
		if (nargs == pf->nconv) {
			rc = nx_err_col(err, err_col, at, "more values than conversions (%u)", pf->nconv);
			goto fail;
		}
		if (v == NX_TRIG_VAR_RET && !(allow & NX_PRINTFMT_RET)) {
			rc = nx_err_col(err, err_col, at, "'ret' is only known at return (r:)");
			goto fail;
		}
		if (v != NX_TRIG_VAR_RET && !(allow & NX_PRINTFMT_ARGS)) {
			rc = nx_err_col(err, err_col, at, "'%.*s' is gone at return: expected ret", (int)n,
				 text + at);
			goto fail;
		}
		if (pf->conv[nargs].conv == 's') {
			size_t cat = conv_at[nargs];

			if (v == NX_TRIG_VAR_RET || !(allow & NX_PRINTFMT_STR)) {
				rc = nx_err_col(err, err_col, cat, "%%s needs an argument whose string can be "
					 "captured%s", v == NX_TRIG_VAR_RET ? ", not ret" : " here");
				goto fail;
			}
		}
		pf->conv[nargs++].var = (uint8_t)v;
	}
	if (nargs < pf->nconv) {
		rc = nx_err_col(err, err_col, i, "%u conversions but %zu values", pf->nconv, nargs);
		goto fail;
	}
	return 0;
fail:
	nx_printfmt_release(pf);
	return rc;
}

void nx_printfmt_release(struct nx_printfmt *pf)
{
	if (!pf)
		return;
	free(pf->lit);
	memset(pf, 0, sizeof(*pf));
}

void nx_printfmt_render(const struct nx_printfmt *pf, const struct nx_printfmt_in *in,
			struct nx_json_buf *b)
{
	unsigned k = 0;

	for (const char *p = pf->lit; *p; p++) {
		const struct nx_printfmt_conv *c;
		char spec[32], out[96];
		uint64_t v;

		if (*p != MARK) {
			const char *q = p;

			while (q[1] && q[1] != MARK)
				q++;
			nx_json_cesc(b, p, (size_t)(q - p + 1));
			p = q;
			continue;
		}
		if (k >= pf->nconv)
			break;
		c = &pf->conv[k++];
		v = c->var <= NX_TRIG_VAR_RET ? in->vals[c->var] : 0;
		if (c->conv == 's' && c->var < 6 && in->str[c->var]) {
			nx_json_cesc(b, in->str[c->var], in->str_len[c->var]);
			continue;
		}
		if (c->conv == 's' || c->conv == 'p') {
			nx_json_hex(b, v);
			continue;
		}
		if (c->conv == 'c') {
			char ch = (char)v;

			nx_json_cesc(b, &ch, 1);
			continue;
		}
		/* spec is ours ("%-08" and the like): a 64-bit conversion of v */
		snprintf(spec, sizeof(spec), "%sll%c", c->spec, c->conv);
		if (c->conv == 'd' || c->conv == 'i')
			snprintf(out, sizeof(out), spec, c->wide ? (long long)v : (long long)(int32_t)v);
		else
			snprintf(out, sizeof(out), spec,
				 c->wide ? (unsigned long long)v : (unsigned long long)(uint32_t)v);
		nx_json_puts(b, out);
	}
}

/* ---- a recording's formats ---- */

struct probe_fmt {
	uint32_t id;
	struct nx_printfmt fmt;
	bool has_fmt;
	int8_t str_arg[6];		/* captured string i is argument str_arg[i] (0-based) */
};

struct sys_fmt {
	uint32_t nr;
	struct nx_printfmt fmt;
};

struct nx_printtab {
	struct sys_fmt *sys;
	uint32_t nsys;
	struct probe_fmt *probes;
	uint32_t nprobes;
};

int nx_printtab_probe_key(char *buf, size_t len, const char *what, uint32_t hook,
			  const char *path, const char *func)
{
	return snprintf(buf, len, "%s.%s:%s:%s", what,
			hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe", path ? path : "",
			func ? func : "");
}

static void parse_strings(const char *s, int8_t out[6])
{
	unsigned n = 0;

	for (int i = 0; i < 6; i++)
		out[i] = -1;
	while (s && *s && n < 6) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, "arg", 3) && s[3] >= '1' && s[3] <= '6')
			out[n++] = (int8_t)(s[3] - '1');
		while (*s && *s != ' ')
			s++;
	}
}

struct nx_printtab *nx_printtab_new(const struct nxr_meta *m)
{
	struct nx_printtab *t = calloc(1, sizeof(*t));
	struct nx_err err = { 0 };
	char key[4200];

	if (!t || !m)
		goto fail;
	for (uint32_t i = 0; i < m->nkv; i++) {
		const struct nxr_kv *kv = &m->kv[i];
		struct sys_fmt *s;
		int nr;

		if (!kv->key || !kv->value || strncmp(kv->key, "print.sys.", 10))
			continue;
		nr = nx_syscall_number(kv->key + 10);
		if (nr < 0)
			continue;
		s = realloc(t->sys, sizeof(*s) * (t->nsys + 1));
		if (!s)
			goto fail;
		t->sys = s;
		s[t->nsys].nr = (uint32_t)nr;
		if (nx_printfmt_parse(&s[t->nsys].fmt, kv->value, NX_PRINTFMT_ARGS | NX_PRINTFMT_RET |
				      NX_PRINTFMT_STR, NULL, &err) == 0)
			t->nsys++;
	}
	if (m->nprobes) {
		t->probes = calloc(m->nprobes, sizeof(*t->probes));
		if (!t->probes)
			goto fail;
	}
	for (uint32_t i = 0; i < m->nprobes; i++) {
		const struct nxr_probe *p = &m->probes[i];
		struct probe_fmt *pf = &t->probes[t->nprobes];
		uint32_t allow = p->hook == NXR_HOOK_URETPROBE ? NX_PRINTFMT_RET :
				 NX_PRINTFMT_ARGS | NX_PRINTFMT_STR;
		const char *v;

		nx_printtab_probe_key(key, sizeof(key), "print", p->hook, p->path, p->func);
		v = nxr_meta_get(m, key);
		if (!v || nx_printfmt_parse(&pf->fmt, v, allow, NULL, &err) < 0)
			continue;
		pf->id = p->id;
		pf->has_fmt = true;
		nx_printtab_probe_key(key, sizeof(key), "strings", p->hook, p->path, p->func);
		parse_strings(nxr_meta_get(m, key), pf->str_arg);
		t->nprobes++;
	}
	return t;
fail:
	nx_printtab_free(t);
	return NULL;
}

void nx_printtab_free(struct nx_printtab *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nsys; i++)
		nx_printfmt_release(&t->sys[i].fmt);
	for (uint32_t i = 0; i < t->nprobes; i++)
		nx_printfmt_release(&t->probes[i].fmt);
	free(t->sys);
	free(t->probes);
	free(t);
}

const struct nx_printfmt *nx_printtab_sys(const struct nx_printtab *t, uint32_t nr)
{
	int64_t x = nx_syscall_nr64(nr);	/* an ia32 syscall: by name, as its filter */

	for (uint32_t i = 0; t && x >= 0 && i < t->nsys; i++)
		if (t->sys[i].nr == x)
			return &t->sys[i].fmt;
	return NULL;
}

static const struct probe_fmt *probe_get(const struct nx_printtab *t, uint32_t probe)
{
	for (uint32_t i = 0; t && i < t->nprobes; i++)
		if (t->probes[i].id == probe)
			return &t->probes[i];
	return NULL;
}

const struct nx_printfmt *nx_printtab_probe(const struct nx_printtab *t, uint32_t probe)
{
	const struct probe_fmt *p = probe_get(t, probe);

	return p ? &p->fmt : NULL;
}

int nx_printtab_str_arg(const struct nx_printtab *t, uint32_t probe, unsigned i)
{
	const struct probe_fmt *p = probe_get(t, probe);

	return p && i < 6 ? p->str_arg[i] : -1;
}
