/*
 * capture/probes.c: the config's Targets as probes, checked, then attached.
 *
 * nx_probes_new does every check a run can do without BPF: each trigger
 * parses (analyze/trigger.h, its column mapped back into the config file),
 * each FilePath is an ELF file, each Func a defined function symbol in its
 * .symtab or .dynsym (libelf). So a typo stops nexus-record before a file is
 * created or a program loaded, with one line naming the file and the symbol.
 *
 * nx_probes_attach writes the per-probe settings and compiled triggers into
 * the maps of bpf/uprobe.h and attaches the generic programs of
 * bpf/uprobe.bpf.c to each function by name, with the probe id as the attach
 * cookie (libbpf resolves the symbol to its file offset again; we checked it
 * only to fail early and clearly).
 *
 * Invariants: probe ids are 1..n in config order, p->defs[id - 1]; the
 * triggers of probe id are nx_up_trigs[trig_base .. trig_base + ntrig).
 */
#include "capture/probes.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/trigger.h"
#include "bpf/uprobe.h"

struct preload {
	uint64_t *vals;			/* n tuples of nvals values, owned */
	uint32_t n, nvals;
};

struct def {
	char *path;			/* as written, for the table and messages */
	char *abspath;			/* for libbpf */
	char *func;
	char *spec;
	uint32_t hook;
	uint32_t ntrig;
	uint32_t trig_base;
	struct nx_trigger **trigs;
	struct preload *pre;		/* per trigger: common tuples from a tuned config */
	uint32_t npre;			/* slots of pre (all the function's triggers) */
	uint32_t nstr;
	uint8_t str_arg[NX_UP_MAX_STR];
	struct bpf_link *link;
};

struct nx_probes {
	struct def *defs;
	uint32_t n;
	uint32_t ntrigs;
	uint32_t ncommon;		/* preloaded tuples, all triggers: <= NX_UP_PRELOAD_MAX */
	bool triggered;
	struct nxr_probe *table;
	int fd_common, fd_filtered, fd_lost, fd_health;
	unsigned ncpus;
	uint64_t *percpu;		/* ncpus values, for reading nx_up_filtered */
};

/* ---- building ---- */

/* Column of a trigger's first character: the scalar's, plus one when the
 * YAML quotes it ('...' or "..."). */
static uint32_t text_col(const struct nx_config *cfg, struct nx_pos pos)
{
	const char *s = cfg->text, *end = cfg->text ? cfg->text + cfg->text_len : NULL;
	uint32_t line = 1;

	if (!s)
		return pos.col;
	while (s < end && line < pos.line) {
		const char *nl = memchr(s, '\n', end - s);

		if (!nl)
			return pos.col;
		s = nl + 1;
		line++;
	}
	if (pos.col >= 1 && (size_t)(end - s) >= pos.col && (s[pos.col - 1] == '"' ||
							    s[pos.col - 1] == '\''))
		return pos.col + 1;
	return pos.col;
}

static int parse_trigger(const struct nx_config *cfg, const struct nx_config_func *f,
			 const struct nx_config_trigger *t, struct nx_trigger **out,
			 struct nx_err *err)
{
	struct nx_trigger_ctx tc = { .hook = f->hook };
	struct nx_err terr = { 0 };
	uint32_t col = 0;
	const char *msg;

	*out = nx_trigger_parse(t->text, &tc, &col, &terr);
	if (*out)
		return 0;
	if (terr.code == -ENOMEM)
		return nx_err_set(err, -ENOMEM, "out of memory");
	msg = strstr(terr.msg, ": ");
	msg = msg && col ? msg + 2 : terr.msg;
	return nx_err_set(err, -EINVAL, "%s:%u:%u: trigger '%s': %s", cfg->path, t->pos.line,
			  text_col(cfg, t->pos) + (col ? col - 1 : 0), t->text, msg);
}

/* Is func a defined function in the ELF file at fd? 1 yes, 0 no, -ENOEXEC. */
static int elf_has_func(int fd, const char *func)
{
	Elf_Scn *scn = NULL;
	int found = 0;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		return -ENOEXEC;
	}
	while (!found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			int type;

			if (!gelf_getsym(d, i, &sym))
				break;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && !strcmp(name, func)) {
				found = 1;
				break;
			}
		}
	}
	elf_end(e);
	return found;
}

static int check_target(const struct nx_config *cfg, const struct nx_config_target *t,
			struct nx_err *err)
{
	const char *f0 = t->nfuncs ? t->funcs[0].func : "?";
	int fd, rc = 0;

	fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nx_err_set(err, -ENOENT, "%s:%u:%u: FilePath %s: %s (function %s)",
				  cfg->path, t->pos.line, t->pos.col, t->path, strerror(errno), f0);
	for (uint32_t i = 0; i < t->nfuncs && rc == 0; i++) {
		const struct nx_config_func *f = &t->funcs[i];
		int has = elf_has_func(fd, f->func);

		if (has == -ENOEXEC)
			rc = nx_err_set(err, -ENOEXEC, "%s:%u:%u: FilePath %s: not an ELF file "
					"(function %s)", cfg->path, t->pos.line, t->pos.col,
					t->path, f->func);
		else if (!has)
			rc = nx_err_set(err, -ENOENT, "%s:%u:%u: function '%s' is not in %s (no "
					"such function in its symbol tables)", cfg->path,
					f->pos.line, f->pos.col, f->func, t->path);
	}
	close(fd);
	return rc;
}

/* The triggers and Args as the config wrote them, as YAML. */
static char *make_spec(const struct nx_config_func *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	if (f->ntriggers) {
		fputs("Triggers:\n", m);
		for (uint32_t i = 0; i < f->ntriggers; i++)
			fprintf(m, "- %s\n", f->triggers[i].text);
	}
	if (f->nargs) {
		fputs("Args: [", m);
		for (uint32_t i = 0; i < f->nargs; i++)
			fprintf(m, "%s%s", i ? ", " : "", f->args[i]);
		fputs("]\n", m);
	}
	if (fclose(m))
		return NULL;
	return buf;
}

static int add_def(struct nx_probes *p, const struct nx_config *cfg,
		   const struct nx_config_target *t, const struct nx_config_func *f,
		   struct nx_err *err)
{
	struct def *d = &p->defs[p->n];
	char real[PATH_MAX];

	p->n++;		/* counted now: nx_probes_free releases what is set */
	d->hook = f->hook;
	d->path = strdup(t->path);
	d->func = strdup(f->func);
	d->spec = make_spec(f);
	d->abspath = realpath(t->path, real) ? strdup(real) : strdup(t->path);
	d->trigs = calloc(f->ntriggers ? f->ntriggers : 1, sizeof(*d->trigs));
	d->pre = calloc(f->ntriggers ? f->ntriggers : 1, sizeof(*d->pre));
	if (!d->path || !d->func || !d->spec || !d->abspath || !d->trigs || !d->pre)
		return nx_err_set(err, -ENOMEM, "out of memory");
	d->npre = f->ntriggers;	/* freed up to here even when a trigger fails below */
	for (uint32_t i = 0; i < f->ntriggers; i++) {
		const struct nx_config_trigger *t = &f->triggers[i];
		size_t bytes = (size_t)t->ncommon * t->ncommon_vals * sizeof(uint64_t);

		if (!t->ncommon || !t->ncommon_vals || !t->common)
			continue;
		/* the kernel map is sized for them at load: bounded here, with a
		 * position, rather than refused by the kernel mid-preload */
		if (t->ncommon > NX_UP_PRELOAD_MAX - p->ncommon)
			return nx_err_set(err, -EINVAL, "%s:%u:%u: trigger '%s': Common: more than "
					  "%u common tuples in the config, all auto triggers "
					  "together (the kernel map's bound)", cfg->path,
					  t->pos.line, text_col(cfg, t->pos), t->text,
					  NX_UP_PRELOAD_MAX);
		p->ncommon += t->ncommon;
		d->pre[i].vals = malloc(bytes);
		if (!d->pre[i].vals)
			return nx_err_set(err, -ENOMEM, "out of memory");
		memcpy(d->pre[i].vals, t->common, bytes);
		d->pre[i].n = t->ncommon;
		d->pre[i].nvals = t->ncommon_vals;
	}
	d->trig_base = p->ntrigs;
	for (uint32_t i = 0; i < f->ntriggers; i++) {
		int rc = parse_trigger(cfg, f, &f->triggers[i], &d->trigs[i], err);

		if (rc < 0)
			return rc;
		d->ntrig++;
	}
	p->ntrigs += d->ntrig;
	for (uint32_t i = 0; i < f->nargs && d->nstr < NX_UP_MAX_STR; i++)
		d->str_arg[d->nstr++] = f->args[i][3] - '1';	/* "argN:str", checked by config.c */
	return 0;
}

struct nx_probes *nx_probes_new(const struct nx_config *cfg, struct nx_err *err)
{
	struct nx_probes *p = calloc(1, sizeof(*p));
	uint32_t total = 0;

	if (!p) {
		nx_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	p->fd_common = p->fd_filtered = p->fd_lost = p->fd_health = -1;
	p->triggered = cfg->mode == NX_MODE_TRIGGERED;
	for (uint32_t i = 0; i < cfg->ntargets; i++)
		total += cfg->targets[i].nfuncs;
	p->defs = calloc(total ? total : 1, sizeof(*p->defs));
	p->table = calloc(total ? total : 1, sizeof(*p->table));
	if (!p->defs || !p->table) {
		nx_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	/* triggers first: a typo in one is the likeliest mistake, and needs no file */
	for (uint32_t i = 0; i < cfg->ntargets; i++)
		for (uint32_t j = 0; j < cfg->targets[i].nfuncs; j++)
			if (add_def(p, cfg, &cfg->targets[i], &cfg->targets[i].funcs[j], err) < 0)
				goto fail;
	for (uint32_t i = 0; i < cfg->ntargets; i++)
		if (check_target(cfg, &cfg->targets[i], err) < 0)
			goto fail;
	for (uint32_t i = 0; i < p->n; i++)
		p->table[i] = (struct nxr_probe){ .id = i + 1, .hook = p->defs[i].hook,
						  .path = p->defs[i].path,
						  .func = p->defs[i].func,
						  .spec = p->defs[i].spec };
	return p;
fail:
	nx_probes_free(p);
	return NULL;
}

void nx_probes_free(struct nx_probes *p)
{
	if (!p)
		return;
	nx_probes_detach(p);
	for (uint32_t i = 0; i < p->n; i++) {
		struct def *d = &p->defs[i];

		for (uint32_t k = 0; k < d->ntrig; k++)
			nx_trigger_free(d->trigs[k]);
		for (uint32_t k = 0; d->pre && k < d->npre; k++)
			free(d->pre[k].vals);
		free(d->pre);
		free(d->trigs);
		free(d->path);
		free(d->abspath);
		free(d->func);
		free(d->spec);
	}
	free(p->defs);
	free(p->table);
	free(p->percpu);
	free(p);
}

uint32_t nx_probes_count(const struct nx_probes *p)
{
	return p ? p->n : 0;
}

uint32_t nx_probes_ntrigs(const struct nx_probes *p)
{
	return p ? p->ntrigs : 0;
}

uint32_t nx_probes_ncommon(const struct nx_probes *p)
{
	return p ? p->ncommon : 0;
}

const struct nxr_probe *nx_probes_table(const struct nx_probes *p)
{
	return p && p->n ? p->table : NULL;
}

uint32_t nx_probes_ntriggers_of(const struct nx_probes *p, uint32_t id)
{
	return p && id >= 1 && id <= p->n ? p->defs[id - 1].ntrig : 0;
}

const struct nx_trigger *nx_probes_trigger(const struct nx_probes *p, uint32_t id, uint32_t i)
{
	if (i >= nx_probes_ntriggers_of(p, id))
		return NULL;
	return p->defs[id - 1].trigs[i];
}

const uint64_t *nx_probes_preload(const struct nx_probes *p, uint32_t id, uint32_t i,
				  uint32_t *ntuples, uint32_t *nvals)
{
	const struct preload *pre;

	*ntuples = *nvals = 0;
	if (i >= nx_probes_ntriggers_of(p, id))
		return NULL;
	pre = &p->defs[id - 1].pre[i];
	*ntuples = pre->n;
	*nvals = pre->nvals;
	return pre->vals;
}

/* ---- the kernel side ---- */

static int map_fd(struct bpf_object *obj, const char *name, struct nx_err *err)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m || bpf_map__fd(m) < 0)
		return nx_err_set(err, -ENOENT, "the BPF object has no loaded map %s", name);
	return bpf_map__fd(m);
}

static int fill_maps(struct nx_probes *p, int fd_probes, int fd_trigs, struct nx_err *err)
{
	for (uint32_t id = 1; id <= p->n; id++) {
		struct def *d = &p->defs[id - 1];
		struct nx_up_probe up = { .hook = d->hook, .triggered = p->triggered,
					  .ntrig = d->ntrig, .trig_base = d->trig_base,
					  .nstr = d->nstr };

		memcpy(up.str_arg, d->str_arg, sizeof(d->str_arg));
		for (uint32_t i = 0; i < d->ntrig; i++) {
			struct nx_up_trig t = { 0 };
			__u32 key = d->trig_base + i;
			int rc;

			if (nx_trigger_type(d->trigs[i]) == NX_TRIGGER_AUTO) {
				t.type = NX_UP_TRIG_AUTO;
				t.nvars = nx_trigger_auto_vars(d->trigs[i], t.vars);
			} else {
				t.type = NX_UP_TRIG_PROG;
				rc = nx_trigger_compile(d->trigs[i], &t.prog, err);
				if (rc < 0)
					return rc;
				up.needs |= nx_trig_prog_needs(&t.prog);
			}
			if (bpf_map_update_elem(fd_trigs, &key, &t, BPF_ANY) < 0)
				return nx_err_set(err, -errno, "probe %u (%s): cannot store trigger "
						  "%u in the kernel: %s", id, d->func, i,
						  strerror(errno));
		}
		if (bpf_map_update_elem(fd_probes, &id, &up, BPF_ANY) < 0)
			return nx_err_set(err, -errno, "probe %u (%s): cannot store its settings in "
					  "the kernel: %s", id, d->func, strerror(errno));
	}
	return 0;
}

int nx_probes_attach(struct nx_probes *p, struct bpf_object *obj, struct nx_err *err)
{
	struct bpf_program *prog[2];
	int fd_probes, fd_trigs, ncpus, rc;

	if (!p || !p->n)
		return 0;
	prog[NXR_HOOK_UPROBE] = bpf_object__find_program_by_name(obj, "nx_uprobe");
	prog[NXR_HOOK_URETPROBE] = bpf_object__find_program_by_name(obj, "nx_uretprobe");
	if (!prog[0] || !prog[1])
		return nx_err_set(err, -ENOENT, "the BPF object has no uprobe programs");
	if ((fd_probes = map_fd(obj, "nx_up_probes", err)) < 0 ||
	    (fd_trigs = map_fd(obj, "nx_up_trigs", err)) < 0 ||
	    (p->fd_common = map_fd(obj, "nx_up_common", err)) < 0 ||
	    (p->fd_filtered = map_fd(obj, "nx_up_filtered", err)) < 0 ||
	    (p->fd_lost = map_fd(obj, "nx_up_lost", err)) < 0 ||
	    (p->fd_health = map_fd(obj, "nx_up_health", err)) < 0)
		return err ? err->code : -ENOENT;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return nx_err_set(err, ncpus ? ncpus : -EINVAL, "counting cpus failed");
	p->ncpus = ncpus;
	free(p->percpu);
	p->percpu = calloc(ncpus, sizeof(uint64_t));
	if (!p->percpu)
		return nx_err_set(err, -ENOMEM, "out of memory");
	rc = fill_maps(p, fd_probes, fd_trigs, err);
	if (rc < 0)
		return rc;
	for (uint32_t id = 1; id <= p->n; id++) {
		struct def *d = &p->defs[id - 1];
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = d->func,
			    .retprobe = d->hook == NXR_HOOK_URETPROBE, .bpf_cookie = id);

		d->link = bpf_program__attach_uprobe_opts(prog[d->hook ? 1 : 0], -1, d->abspath, 0,
							  &uo);
		if (!d->link) {
			rc = -errno;
			d->link = NULL;
			nx_probes_detach(p);
			return nx_err_set(err, rc ? rc : -EINVAL, "attaching a %s to %s in %s "
					  "failed: %s", d->hook ? "uretprobe" : "uprobe", d->func,
					  d->path, strerror(rc ? -rc : EINVAL));
		}
	}
	return 0;
}

void nx_probes_detach(struct nx_probes *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->n; i++) {
		bpf_link__destroy(p->defs[i].link);
		p->defs[i].link = NULL;
	}
}

/* Per-probe totals of a per-cpu counter map, summed over cpus. */
static int read_counts(struct nx_probes *p, int fd, const char *what, uint64_t *out,
		       struct nx_err *err)
{
	out[0] = 0;
	for (uint32_t id = 1; id <= nx_probes_count(p); id++) {
		out[id] = 0;
		if (fd < 0)
			continue;
		if (bpf_map_lookup_elem(fd, &id, p->percpu) < 0)
			return nx_err_set(err, -errno, "reading the %s counters: %s", what,
					  strerror(errno));
		for (unsigned c = 0; c < p->ncpus; c++)
			out[id] += p->percpu[c];
	}
	return 0;
}

int nx_probes_read_filtered(struct nx_probes *p, uint64_t *out, struct nx_err *err)
{
	return read_counts(p, p ? p->fd_filtered : -1, "filtered-call", out, err);
}

int nx_probes_read_lost(struct nx_probes *p, uint64_t *out, struct nx_err *err)
{
	return read_counts(p, p ? p->fd_lost : -1, "lost-call", out, err);
}

int nx_probes_set_common(struct nx_probes *p, uint32_t probe, uint32_t trigger,
			 const uint64_t *vals, unsigned n, bool common, struct nx_err *err)
{
	struct nx_up_common_key k = { .probe = probe, .trigger = trigger };
	__u8 one = 1;
	int rc;

	if (n > 6 || p->fd_common < 0)
		return nx_err_set(err, -EINVAL, "probe %u trigger %u: no common-value map for %u "
				  "values", probe, trigger, n);
	memcpy(k.vals, vals, n * sizeof(*vals));
	rc = common ? bpf_map_update_elem(p->fd_common, &k, &one, BPF_ANY)
		    : bpf_map_delete_elem(p->fd_common, &k);
	if (rc < 0 && !(errno == ENOENT && !common))
		return nx_err_set(err, -errno, "probe %u trigger %u: updating the kernel's common "
				  "values failed: %s", probe, trigger, strerror(errno));
	return 0;
}

int nx_probes_set_health(struct nx_probes *p, uint32_t flags, uint32_t cpu_busy,
			 uint32_t disk_busy, struct nx_err *err)
{
	struct nx_up_health h = { .flags = flags, .cpu_busy = cpu_busy, .disk_busy = disk_busy };
	__u32 zero = 0;

	if (p->fd_health < 0)
		return 0;
	if (bpf_map_update_elem(p->fd_health, &zero, &h, BPF_ANY) < 0)
		return nx_err_set(err, -errno, "updating the kernel's health sample failed: %s",
				  strerror(errno));
	return 0;
}
