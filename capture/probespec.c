/*
 * capture/probespec.c: -e SPEC, BCC trace's one-line probes, as config
 * additions (probespec.h has the grammar and what each form becomes).
 *
 * The spec is cut into probe, predicate and format by hand so that every
 * error can point at its column; the predicate and the format go through
 * the same parsers as the YAML's Triggers and Print (analyze/trigger,
 * analyze/printfmt), whose columns are moved by the offset of their text in
 * the spec. What a spec adds to the config is built aside and only joined
 * to it once everything parsed, so a bad spec leaves the config as it was.
 *
 * Library names are resolved the way the dynamic loader would: ld.so.cache
 * first (its "glibc-ld.so.cache1.1" table, bounds-checked), then the folders
 * of the libraries this process already has (the loader's own answer for
 * this machine's layout), then /lib and /usr/lib; an entry counts only if its
 * ELF machine is ours, so a multiarch i386 libc is never taken.
 */
#include "capture/probespec.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/printfmt.h"
#include "analyze/syscalls.h"
#include "analyze/trigger.h"

#define LD_CACHE "/etc/ld.so.cache"
#define CACHE_MAX (64u << 20)


/* A sub-parser's "column C: msg" moved by off characters into the spec. */
static int moved(struct nx_err *err, uint32_t *err_col, size_t off, uint32_t col,
		 const struct nx_err *sub)
{
	const char *what = strstr(sub->msg, ": ");

	if (sub->code != -EINVAL)
		return nx_err_set(err, sub->code, "%s", sub->msg);
	*err_col = (uint32_t)off + (col ? col : 1);
	return nx_err_set(err, -EINVAL, "column %u: %s", *err_col, what ? what + 2 : sub->msg);
}

/* ---- library names ---- */

static int self_machine(void)
{
	static int machine = -1;
	unsigned char h[EI_NIDENT + 4];
	int fd;

	if (machine >= 0)
		return machine;
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, h, sizeof(h)) == (ssize_t)sizeof(h))
		machine = h[18] | h[19] << 8;	/* e_machine, little-endian hosts */
	close(fd);
	return machine < 0 ? 0 : machine;
}

/* A readable ELF shared object of our machine? */
static bool elf_ours(const char *path)
{
	unsigned char h[EI_NIDENT + 4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok = false;

	if (fd < 0)
		return false;
	if (read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) && !memcmp(h, ELFMAG, SELFMAG))
		ok = (h[18] | h[19] << 8) == self_machine();
	close(fd);
	return ok;
}

/* soname is lib<name>.so or lib<name>.so.<anything> */
static bool soname_is(const char *soname, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(soname, "lib", 3) && !strncmp(soname + 3, name, n) &&
	       !strncmp(soname + 3 + n, ".so", 3) &&
	       (soname[6 + n] == '\0' || soname[6 + n] == '.');
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1 found (out set), 0 not in the cache, <0 the cache cannot be read. */
static int cache_lookup(const char *cache, const char *name, char *out, size_t len)
{
	static const char magic[] = "glibc-ld.so.cache1.1";
	unsigned char *buf = NULL;
	struct stat st;
	size_t base = 0, size;
	uint32_t nlibs;
	int fd, rc = 0;

	fd = open(cache, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > CACHE_MAX) {
		rc = -EINVAL;
		goto out;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf || read(fd, buf, size) != (ssize_t)size) {
		rc = buf ? -EIO : -ENOMEM;
		goto out;
	}
	buf[size] = '\0';			/* strings end inside the buffer */
	if (size > 16 && !memcmp(buf, "ld.so-1.7.0", 11))	/* old table first: skip it */
		base = (16 + (size_t)le32(buf + 12) * 12 + 7) & ~(size_t)7;
	if (base + 48 > size || memcmp(buf + base, magic, sizeof(magic) - 1)) {
		rc = -EINVAL;
		goto out;
	}
	nlibs = le32(buf + base + 20);
	if (nlibs > (size - base - 48) / 24) {
		rc = -EINVAL;
		goto out;
	}
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *e = buf + base + 48 + (size_t)i * 24;
		size_t key = base + le32(e + 4), val = base + le32(e + 8);

		if (key >= size || val >= size)
			continue;
		if (!soname_is((const char *)buf + key, name) || !elf_ours((const char *)buf + val))
			continue;
		snprintf(out, len, "%s", (const char *)buf + val);
		rc = 1;
		break;
	}
out:
	free(buf);
	close(fd);
	return rc;
}

struct dirs {
	char d[16][256];
	unsigned n;
};

static void dirs_add(struct dirs *ds, const char *d, size_t len)
{
	if (!len || len >= sizeof(ds->d[0]) || ds->n == 16)
		return;
	for (unsigned i = 0; i < ds->n; i++)
		if (strlen(ds->d[i]) == len && !strncmp(ds->d[i], d, len))
			return;
	memcpy(ds->d[ds->n], d, len);
	ds->d[ds->n++][len] = '\0';
}

static int phdr_dir(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;

	(void)size;
	if (slash && info->dlpi_name[0] == '/')
		dirs_add(arg, info->dlpi_name, (size_t)(slash - info->dlpi_name));
	return 0;
}

/* In the default folders: lib<name>.so first, else the first lib<name>.so.N. */
static int dirs_lookup(const char *name, char *out, size_t len)
{
	struct dirs ds = { .n = 0 };

	dl_iterate_phdr(phdr_dir, &ds);
	dirs_add(&ds, "/lib", 4);
	dirs_add(&ds, "/usr/lib", 8);
	for (unsigned i = 0; i < ds.n; i++) {
		DIR *d = opendir(ds.d[i]);
		struct dirent *de;
		int found = 0;

		while (d && (de = readdir(d))) {
			char path[512];

			if (!soname_is(de->d_name, name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", ds.d[i], de->d_name);
			if (!elf_ours(path))
				continue;
			snprintf(out, len, "%s", path);
			found = 1;
			if (!de->d_name[6 + strlen(name)])
				break;			/* the plain lib<name>.so wins */
		}
		if (d)
			closedir(d);
		if (found)
			return 1;
	}
	return 0;
}

int nx_probespec_find_lib(const char *name, const char *cache, char *out, size_t len,
			  struct nx_err *err)
{
	if (!*name || strchr(name, '/'))
		return nx_err_set(err, -EINVAL, "'%s' is not a library name", name);
	if (cache_lookup(cache ? cache : LD_CACHE, name, out, len) == 1 ||
	    dirs_lookup(name, out, len) == 1)
		return 0;
	return nx_err_set(err, -ENOENT, "library '%s' not found (no lib%s.so* in %s nor in the "
			  "default folders)", name, name, cache ? cache : LD_CACHE);
}

int nx_probespec_find_exe(const char *name, char *out, size_t len, struct nx_err *err)
{
	const char *path = getenv("PATH"), *p, *end;

	if (!*name || strchr(name, '/'))
		return nx_err_set(err, -EINVAL, "'%s' is not a program name", name);
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		char file[4096];
		struct stat st;
		size_t n;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (!n || *p != '/')		/* an empty or relative entry: not for root */
			continue;
		snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0 &&
		    elf_ours(file)) {
			snprintf(out, len, "%s", file);
			return 0;
		}
	}
	return nx_err_set(err, -ENOENT, "program '%s' not found in PATH", name);
}

/* ---- the spec ---- */

struct parsed {
	char type;			/* 'p' or 'r' */
	char lib[4096];			/* resolved path, "" for a syscall */
	char func[256];
	int nr;				/* syscall number, -1 for a function */
	char *pred;			/* owned */
	char *print;			/* owned */
	char *strs[6];			/* "argN:str" the format needs, owned */
	unsigned nstrs;
};

static void parsed_release(struct parsed *p)
{
	free(p->pred);
	free(p->print);
	for (unsigned i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '@' || c == '$';
}

/* The probe part: [TYPE:[LIB]:]NAME, up to a blank, '(' or '"'. */
static int parse_probe(const char *spec, size_t *i, struct parsed *p, uint32_t *err_col,
		       struct nx_err *err)
{
	size_t start = *i, end = start, colon[3], ncolon = 0, name_at, lib_at = 0, lib_len = 0;
	const char *name;
	size_t name_len;

	while (spec[end] && !isspace((unsigned char)spec[end]) && spec[end] != '(' &&
	       spec[end] != '"') {
		if (spec[end] == ':' && ncolon < 3)
			colon[ncolon++] = end;
		end++;
	}
	if (end == start)
		return nx_err_col(err, err_col, start, "expected a probe: sys_NAME, p:LIB:FUNC or r:LIB:FUNC");
	if (ncolon > 2)
		return nx_err_col(err, err_col, colon[2], "too many ':': expected [p|r]:[LIB]:NAME");
	p->type = 'p';
	name_at = start;
	if (ncolon == 2) {
		size_t tlen = colon[0] - start;

		if (tlen != 1 || !strchr("prut", spec[start]))
			return nx_err_col(err, err_col, start, "unknown probe type '%.*s': expected p "
				   "(entry) or r (return)", (int)tlen, spec + start);
		p->type = spec[start];
		lib_at = colon[0] + 1;
		lib_len = colon[1] - lib_at;
		name_at = colon[1] + 1;
	} else if (ncolon == 1) {		/* LIB:NAME, BCC's p shorthand */
		lib_at = start;
		lib_len = colon[0] - start;
		name_at = colon[0] + 1;
	}
	name = spec + name_at;
	name_len = end - name_at;
	*i = end;
	if (p->type == 'u') {
		*err_col = (uint32_t)start + 1;
		return nx_err_set(err, -EOPNOTSUPP, "column %zu: USDT probes (u:%.*s:%.*s) are not "
				  "supported by this build: use p:LIB:FUNC on a function", start + 1,
				  (int)lib_len, spec + lib_at, (int)name_len, name);
	}
	if (p->type == 't') {
		*err_col = (uint32_t)start + 1;
		return nx_err_set(err, -EOPNOTSUPP, "column %zu: tracepoints (t:) are not supported: "
				  "use sys_NAME for a syscall", start + 1);
	}
	if (!name_len)
		return nx_err_col(err, err_col, name_at, "expected a function or syscall name after ':'");
	if (name_len >= sizeof(p->func))
		return nx_err_col(err, err_col, name_at, "name longer than %zu characters",
			   sizeof(p->func) - 1);
	for (size_t k = 0; k < name_len; k++)
		if (!ident_char(name[k]))
			return nx_err_col(err, err_col, name_at + k, "unexpected '%c' in the name '%.*s'",
				   name[k], (int)name_len, name);
	memcpy(p->func, name, name_len);
	p->func[name_len] = '\0';
	p->nr = -1;
	if (!lib_len) {				/* the kernel: syscalls only */
		const char *sys = !strncmp(p->func, "sys_", 4) ? p->func + 4 :
				  !strncmp(p->func, "__x64_sys_", 10) ? p->func + 10 :
				  !strncmp(p->func, "__arm64_sys_", 12) ? p->func + 12 : NULL;

		if (!sys) {
			*err_col = (uint32_t)name_at + 1;
			return nx_err_set(err, -EOPNOTSUPP, "column %zu: '%s' is a kernel function: "
					  "nexus traces syscalls (sys_NAME) and user functions "
					  "(p:LIB:FUNC), not kprobes", name_at + 1, p->func);
		}
		p->nr = nx_syscall_number(sys);
		if (p->nr < 0)
			return nx_err_col(err, err_col, name_at + (size_t)(sys - p->func),
				   "unknown syscall '%s'", sys);
		memmove(p->func, sys, strlen(sys) + 1);
		return 0;
	}
	if (lib_len >= sizeof(p->lib))
		return nx_err_col(err, err_col, lib_at, "library path too long");
	memcpy(p->lib, spec + lib_at, lib_len);
	p->lib[lib_len] = '\0';
	if (strchr(p->lib, '/')) {
		if (access(p->lib, R_OK) < 0)
			return nx_err_col(err, err_col, lib_at, "%s: %s", p->lib, strerror(errno));
	} else {
		char name_copy[sizeof(p->lib)];
		struct nx_err e = { 0 };

		memcpy(name_copy, p->lib, sizeof(name_copy));
		if (nx_probespec_find_lib(name_copy, NULL, p->lib, sizeof(p->lib), &e) < 0 &&
		    nx_probespec_find_exe(name_copy, p->lib, sizeof(p->lib), NULL) < 0) {
			*err_col = (uint32_t)lib_at + 1;
			return nx_err_set(err, e.code, "column %zu: %s, nor a program '%s' in PATH",
					  lib_at + 1, e.msg, name_copy);
		}
	}
	return 0;
}

/* "(...)" at spec[*i] == '(': the predicate, checked by the trigger parser. */
static int parse_pred(const char *spec, size_t *i, struct parsed *p, uint32_t *err_col,
		      struct nx_err *err)
{
	size_t open = *i, j = open + 1;
	int depth = 1;
	bool quoted = false;
	/* a syscall's r: sees its arguments too (nexus has both at sys_exit) */
	struct nx_trigger_ctx ctx = { .hook = p->type == 'r' ? NXR_HOOK_URETPROBE :
					      NXR_HOOK_UPROBE,
				      .syscall = p->nr >= 0 && p->type == 'r' };
	struct nx_trigger *t;
	struct nx_err e = { 0 };
	uint32_t col = 0;
	char *padded;

	for (; spec[j]; j++) {
		if (quoted) {
			if (spec[j] == '\\' && spec[j + 1])
				j++;
			else if (spec[j] == '"')
				quoted = false;
		} else if (spec[j] == '"') {
			quoted = true;
		} else if (spec[j] == '(') {
			depth++;
		} else if (spec[j] == ')' && !--depth) {
			break;
		}
	}
	if (depth)
		return nx_err_col(err, err_col, j, "unbalanced parenthesis: expected ')' to close the '(' "
			   "at column %zu, found end of text", open + 1);
	p->pred = strndup(spec + open + 1, j - open - 1);
	padded = strndup(spec, j);
	if (!p->pred || !padded) {
		free(padded);
		return nx_err_set(err, -ENOMEM, "out of memory");
	}
	/* blanks up to the '(': the parser's columns (in every message) are the spec's */
	memset(padded, ' ', open + 1);
	t = nx_trigger_parse(padded, &ctx, &col, &e);
	free(padded);
	if (!t && p->nr >= 0 && p->type == 'p' && strstr(e.msg, "'ret' is only available"))
		return nx_err_col(err, err_col, col - 1, "'ret' is only known at return: write "
			   "r::sys_%s", p->func);
	if (!t)
		return moved(err, err_col, 0, col, &e);
	if (p->nr >= 0 && nx_trigger_type(t) != NX_TRIGGER_MANUAL) {
		nx_trigger_free(t);
		return nx_err_col(err, err_col, open + 1, "a syscall is filtered by an expression, not by "
			   "'%s' (auto, cpu and disk watch functions)", p->pred);
	}
	nx_trigger_free(t);
	*i = j + 1;
	return 0;
}

static int parse_format(const char *spec, size_t *i, struct parsed *p, uint32_t *err_col,
			struct nx_err *err)
{
	uint32_t allow = p->nr >= 0 ? NX_PRINTFMT_ARGS | NX_PRINTFMT_RET | NX_PRINTFMT_STR :
			 p->type == 'r' ? NX_PRINTFMT_RET : NX_PRINTFMT_ARGS | NX_PRINTFMT_STR;
	struct nx_printfmt pf;
	struct nx_err e = { 0 };
	uint32_t col = 0;

	char *padded = strdup(spec);
	int rc;

	if (!padded)
		return nx_err_set(err, -ENOMEM, "out of memory");
	memset(padded, ' ', *i);	/* columns in every message are the spec's */
	rc = nx_printfmt_parse(&pf, padded, allow, &col, &e);
	free(padded);
	if (rc < 0)
		return moved(err, err_col, 0, col, &e);
	p->print = strdup(spec + *i);
	for (uint32_t k = 0; p->print && p->nr < 0 && k < pf.nconv; k++) {
		char want[16];
		unsigned n;

		if (pf.conv[k].conv != 's')
			continue;
		snprintf(want, sizeof(want), "arg%u:str", pf.conv[k].var - NX_TRIG_VAR_ARG1 + 1);
		for (n = 0; n < p->nstrs && strcmp(p->strs[n], want); n++)
			;
		if (n == p->nstrs && !(p->strs[p->nstrs++] = strdup(want)))
			p->print = (free(p->print), NULL);
	}
	nx_printfmt_release(&pf);
	if (!p->print)
		return nx_err_set(err, -ENOMEM, "out of memory");
	*i += strlen(spec + *i);
	return 0;
}

static int parse_spec(const char *spec, struct parsed *p, uint32_t *err_col, struct nx_err *err)
{
	size_t i = 0;
	int rc;

	while (isspace((unsigned char)spec[i]))
		i++;
	rc = parse_probe(spec, &i, p, err_col, err);
	if (rc < 0)
		return rc;
	while (isspace((unsigned char)spec[i]))
		i++;
	if (spec[i] == '(') {
		rc = parse_pred(spec, &i, p, err_col, err);
		if (rc < 0)
			return rc;
		while (isspace((unsigned char)spec[i]))
			i++;
	}
	if (spec[i] == '"') {
		rc = parse_format(spec, &i, p, err_col, err);
		if (rc < 0)
			return rc;
	}
	if (spec[i])
		return nx_err_col(err, err_col, i, "unexpected '%c': expected a (predicate) or a "
			   "\"format\", values", spec[i]);
	return 0;
}

/* ---- into the config ---- */

static int add_syscall(struct nx_config *cfg, struct parsed *p, const char *spec,
		       uint32_t *err_col, struct nx_err *err)
{
	uint32_t nr = (uint32_t)p->nr, *s;
	bool listed = false;	/* "all" (syscalls NULL) becomes the list of what -e names */

	for (uint32_t i = 0; i < cfg->nsysfilters; i++)
		if (cfg->sysfilters[i].nr == nr && p->pred)
			return nx_err_col(err, err_col, 0, "syscall %s already has a filter: write one "
				   "predicate joined with && or ||", p->func);
	for (uint32_t i = 0; i < cfg->nsysprints; i++)
		if (cfg->sysprints[i].nr == nr && p->print)
			return nx_err_col(err, err_col, 0, "syscall %s already has a print format", p->func);
	for (uint32_t i = 0; i < cfg->nsyscalls && !listed; i++)
		listed = cfg->syscalls[i] == nr;
	if (p->pred) {
		struct nx_config_sysfilter *f = realloc(cfg->sysfilters, sizeof(*f) *
							(cfg->nsysfilters + 1));

		if (!f)
			goto nomem;
		cfg->sysfilters = f;
		f += cfg->nsysfilters++;
		memset(f, 0, sizeof(*f));
		f->nr = nr;
		f->trigger = p->pred;
		p->pred = NULL;
		f->trigger_pos = (struct nx_pos){ 0, (uint32_t)(strchr(spec, '(') - spec) + 2 };
		f->pos = (struct nx_pos){ 0, 1 };
	}
	if (p->print) {
		struct nx_config_sysprint *sp = realloc(cfg->sysprints, sizeof(*sp) *
							(cfg->nsysprints + 1));

		if (!sp)
			goto nomem;
		cfg->sysprints = sp;
		sp += cfg->nsysprints++;
		sp->nr = nr;
		sp->print = p->print;
		p->print = NULL;
		sp->pos = (struct nx_pos){ 0, 1 };
	}
	if (listed)
		return 0;
	s = realloc(cfg->syscalls, sizeof(*s) * (cfg->nsyscalls + 1));
	if (!s)
		goto nomem;
	cfg->syscalls = s;
	s[cfg->nsyscalls++] = nr;
	cfg->syscalls_none = false;
	return 0;
nomem:
	return nx_err_set(err, -ENOMEM, "out of memory");
}

static int add_function(struct nx_config *cfg, struct parsed *p, uint32_t *err_col,
			struct nx_err *err)
{
	uint32_t hook = p->type == 'r' ? NXR_HOOK_URETPROBE : NXR_HOOK_UPROBE;
	struct nx_config_target *t = NULL;
	struct nx_config_func *f;

	for (uint32_t i = 0; i < cfg->ntargets && !t; i++)
		if (!strcmp(cfg->targets[i].path, p->lib))
			t = &cfg->targets[i];
	for (uint32_t i = 0; t && i < t->nfuncs; i++)
		if (!strcmp(t->funcs[i].func, p->func) && t->funcs[i].hook == hook)
			return nx_err_col(err, err_col, 0, "%s of %s in %s is already probed: one spec "
				   "per function and hook", hook == NXR_HOOK_URETPROBE ?
				   "the return" : "the entry", p->func, p->lib);
	if (!t) {
		t = realloc(cfg->targets, sizeof(*t) * (cfg->ntargets + 1));
		if (!t)
			goto nomem;
		cfg->targets = t;
		t += cfg->ntargets;
		memset(t, 0, sizeof(*t));
		t->path = strdup(p->lib);
		if (!t->path)
			goto nomem;
		t->pos = (struct nx_pos){ 0, 1 };
		cfg->ntargets++;
	}
	f = realloc(t->funcs, sizeof(*f) * (t->nfuncs + 1));
	if (!f)
		goto nomem;
	t->funcs = f;
	f += t->nfuncs;
	memset(f, 0, sizeof(*f));
	f->func = strdup(p->func);
	if (!f->func)
		goto nomem;
	f->hook = hook;
	f->pos = (struct nx_pos){ 0, 1 };
	t->nfuncs++;			/* from here on the config owns what f holds */
	if (p->pred) {
		f->triggers = calloc(1, sizeof(*f->triggers));
		if (!f->triggers)
			goto nomem;
		f->triggers[0].text = p->pred;
		f->triggers[0].pos = (struct nx_pos){ 0, 1 };
		p->pred = NULL;
		f->ntriggers = 1;
		cfg->mode = NX_MODE_TRIGGERED;	/* BCC: a predicate filters */
	}
	if (p->nstrs) {
		f->args = calloc(p->nstrs + 1, sizeof(*f->args));
		if (!f->args)
			goto nomem;
		memcpy(f->args, p->strs, p->nstrs * sizeof(*f->args));
		f->nargs = p->nstrs;
		p->nstrs = 0;
	}
	f->print = p->print;
	f->print_pos = (struct nx_pos){ 0, 1 };
	p->print = NULL;
	return 0;
nomem:
	return nx_err_set(err, -ENOMEM, "out of memory");
}

/* Offset of the first byte that is not part of valid UTF-8, or -1: a config
 * must be UTF-8 (libyaml refuses anything else), and a spec becomes one. */
static long bad_utf8(const unsigned char *s)
{
	for (const unsigned char *p = s; *p;) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 1 :
			(*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 3 : -1;

		if (n < 0)
			return p - s;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return p - s;
		if ((n == 2 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] > 0x9f))) ||
		    (n == 3 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] > 0x8f))))
			return p - s;		/* overlong, surrogate, beyond U+10FFFF */
		p += n + 1;
	}
	return -1;
}

int nx_probespec_add(struct nx_config *cfg, const char *spec, uint32_t *err_col,
		     struct nx_err *err)
{
	struct parsed p = { .nr = -1 };
	uint32_t col_dummy;
	int rc;

	if (!err_col)
		err_col = &col_dummy;
	*err_col = 0;
	if (strlen(spec) > NX_TRIGGER_MAX_TEXT)
		return nx_err_set(err, -EINVAL, "the spec is longer than %u characters",
				  NX_TRIGGER_MAX_TEXT);
	{
		long at = bad_utf8((const unsigned char *)spec);

		if (at >= 0)
			return nx_err_col(err, err_col, (size_t)at, "not UTF-8 text (byte 0x%02x)",
				   (unsigned char)spec[at]);
	}
	rc = parse_spec(spec, &p, err_col, err);
	if (rc == 0)
		rc = p.nr >= 0 ? add_syscall(cfg, &p, spec, err_col, err) :
				 add_function(cfg, &p, err_col, err);
	parsed_release(&p);
	return rc;
}

/* ---- the recording's header ---- */

static int kv_push(struct nxr_kv **kv, uint32_t *n, char *key, const char *value)
{
	struct nxr_kv *a;
	char *v = strdup(value);

	if (!key || !v || !(a = realloc(*kv, sizeof(*a) * (*n + 1)))) {
		free(key);
		free(v);
		return -ENOMEM;
	}
	*kv = a;
	a[*n].key = key;
	a[(*n)++].value = v;
	return 0;
}

int nx_probespec_meta_kv(const struct nx_config *cfg, struct nxr_kv **kv, uint32_t *nkv,
			 struct nx_err *err)
{
	char nbuf[32], *key;
	int rc = 0;

	*kv = NULL;
	*nkv = 0;
	for (uint32_t i = 0; i < cfg->nsysprints && rc == 0; i++) {
		if (asprintf(&key, "print.sys.%s", nx_syscall_name(cfg->sysprints[i].nr, nbuf,
								    sizeof(nbuf))) < 0)
			key = NULL;
		rc = kv_push(kv, nkv, key, cfg->sysprints[i].print);
	}
	for (uint32_t i = 0; i < cfg->ntargets && rc == 0; i++) {
		const struct nx_config_target *t = &cfg->targets[i];

		for (uint32_t j = 0; j < t->nfuncs && rc == 0; j++) {
			const struct nx_config_func *f = &t->funcs[j];
			char strs[64] = "";
			size_t klen = strlen(t->path) + strlen(f->func) + 32;

			if (f->print) {
				key = malloc(klen);
				if (key)
					nx_printtab_probe_key(key, klen, "print", f->hook, t->path,
							      f->func);
				rc = kv_push(kv, nkv, key, f->print);
			}
			for (uint32_t k = 0; k < f->nargs; k++)	/* "argN:str" */
				snprintf(strs + strlen(strs), sizeof(strs) - strlen(strs), "%s%.4s",
					 k ? " " : "", f->args[k]);
			if (f->nargs && rc == 0) {
				key = malloc(klen);
				if (key)
					nx_printtab_probe_key(key, klen, "strings", f->hook, t->path,
							      f->func);
				rc = kv_push(kv, nkv, key, strs);
			}
		}
	}
	if (rc < 0) {
		nx_probespec_kv_free(*kv, *nkv);
		*kv = NULL;
		*nkv = 0;
		return nx_err_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void nx_probespec_kv_free(struct nxr_kv *kv, uint32_t nkv)
{
	for (uint32_t i = 0; i < nkv; i++) {
		free((char *)kv[i].key);
		free((char *)kv[i].value);
	}
	free(kv);
}
