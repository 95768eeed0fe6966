/*
 * tools/nexus-replay.c: a recording run through the trigger engine, to see
 * what triggers would keep and to tune the config of the next run.
 *
 *	nexus-replay run.nxr [-c config.yaml] [-t EXPR]... [-o tuned.yaml] [--json]
 *
 * The config is the one recorded in the file's header unless -c names
 * another; -t adds candidate triggers. The work is analyze/replay.c's (the
 * engine) and capture/tune.c's (config <-> probes, the tuned config); this
 * file holds the options, the report and the exit codes: 0 ok, 1 runtime
 * error (unreadable recording, nothing to replay), 2 bad usage, config or
 * trigger.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/json.h"
#include "analyze/replay.h"
#include "capture/cfgwrite.h"
#include "capture/config.h"
#include "capture/launch.h"
#include "capture/output.h"
#include "capture/tune.h"
#include "format/reader.h"
#include "tools/tool.h"

#define MAX_CANDIDATES 64

struct args {
	const char *path, *config, *output;
	const char *cand[MAX_CANDIDATES];
	unsigned ncand;
	bool json, force;
	int mode;		/* of the tuned config: -1 = the replayed config's */
	unsigned list;
	uint64_t max_tuples;	/* 0: the exact counter's default */
};

const char *argp_program_version = "nexus-replay " NX_VERSION;
static const char doc[] =
	"Replays the uprobe calls of a .nxr recording through the trigger engine.\v"
	"Every CALL (uprobe) and RETURN (uretprobe) of the recording is evaluated by the "
	"triggers of the config recorded in the file (or -c), and by the candidates given "
	"with -t: per trigger the hits, the selectivity (hits / calls of its probe), the first "
	"and last hit; for each auto trigger the exact count of every tuple, with the rare "
	"ones and where they occurred. -o writes the config for the next run: each auto "
	"trigger with the tuples found common preloaded (Common), so the run starts adapted; "
	"with --mode triggered, the next run keeps only the calls a trigger wants.\n\n"
	"-t EXPR tries EXPR on every probe where it parses (`ret < 0`: uretprobes); "
	"-t FUNC:EXPR on the probes of function FUNC; -t ID:EXPR on probe ID.\n\n"
	"Exit status: 0 ok, 1 runtime error, 2 bad usage, config or trigger.";

enum { OPT_FORCE = 'f', OPT_LIST = 'n', OPT_MODE = 'm', OPT_MAX_TUPLES = 0x100 };

static const struct argp_option options[] = {
	{ "config", 'c', "FILE", 0, "replay this config instead of the recorded one", 0 },
	{ "trigger", 't', "[FUNC:|ID:]EXPR", 0, "a candidate trigger (repeatable)", 0 },
	{ "output", 'o', "FILE", 0, "write the tuned config for the next run", 0 },
	{ "force", OPT_FORCE, NULL, 0, "replace an existing -o file", 0 },
	{ "mode", OPT_MODE, "MODE", 0, "Mode of the -o config: full or triggered (default: the "
	  "replayed config's)", 0 },
	{ "json", 'j', NULL, 0, "one JSON object", 0 },
	{ "list", OPT_LIST, "N", 0, "rare tuples listed per auto trigger (default 10)", 0 },
	{ "max-tuples", OPT_MAX_TUPLES, "N", 0, "distinct tuples an auto trigger may count "
	  "(default 4194304, at most 2147483648)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;
	unsigned long v;

	switch (key) {
	case 'c':
		a->config = arg;
		break;
	case 't':
		if (a->ncand == MAX_CANDIDATES)
			argp_error(state, "-t: at most %d candidate triggers", MAX_CANDIDATES);
		if (!*arg)
			argp_error(state, "-t: an empty trigger");
		a->cand[a->ncand++] = arg;
		break;
	case 'o':
		a->output = arg;
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case OPT_MODE:
		if (!strcmp(arg, "full"))
			a->mode = NX_MODE_FULL;
		else if (!strcmp(arg, "triggered"))
			a->mode = NX_MODE_TRIGGERED;
		else
			argp_error(state, "--mode: '%s' is not full or triggered", arg);
		break;
	case 'j':
		a->json = true;
		break;
	case OPT_LIST:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || v < 1 || v > 100000)
			argp_error(state, "--list: '%s' is not a count from 1 to 100000", arg);
		a->list = (unsigned)v;
		break;
	case OPT_MAX_TUPLES:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || v < 1 || v > (1ul << 31))
			argp_error(state, "--max-tuples: '%s' is not a count from 1 to 2147483648",
				   arg);
		a->max_tuples = v;
		break;
	case ARGP_KEY_ARG:
		if (a->path)
			argp_error(state, "one recording at a time");
		a->path = arg;
		break;
	case ARGP_KEY_END:
		if (!a->path)
			argp_error(state, "no recording given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct unmatched_ctx {
	const char *prog, *path;
	unsigned n;
};

static void on_unmatched(void *ctx, const struct nx_config_target *t, const struct nx_config_func *f)
{
	struct unmatched_ctx *u = ctx;

	u->n++;
	fprintf(stderr, "%s: warning: %s: %s:%s (%s) has no probe in the recording: its triggers "
		"are not replayed\n", u->prog, u->path, t->path, f->func,
		f->hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe");
}

static const char *hook_name(uint32_t hook)
{
	return hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe";
}

static const char *type_name(enum nx_trigger_type t)
{
	return t == NX_TRIGGER_AUTO ? "auto" : t == NX_TRIGGER_HEALTH ? "health" : "manual";
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* ---- text report ---- */

/* Text from the user (a trigger, a path) as is, unless it holds bytes a
 * terminal should not get: then C-escaped. */
static void put_text(struct nx_json_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f) {
			nx_json_cesc(b, s, strlen(s));
			return;
		}
	nx_json_puts(b, s);
}

static void text_source(struct nx_json_buf *b, const struct nx_replay_trigger *r)
{
	if (r->tag & NX_TUNE_TAG_CONFIG)
		nx_json_printf(b, "config trigger %u", NX_TUNE_TAG_INDEX(r->tag));
	else
		nx_json_printf(b, "-t %" PRIu64, r->tag + 1);
}

static void text_trigger(struct nx_json_buf *b, const struct nx_replay_trigger *r, uint64_t t0,
			 bool recorded_cfg, unsigned list)
{
	char x[160], y[160], v[256];

	nx_json_puts(b, "  [");
	text_source(b, r);
	nx_json_printf(b, ", %s] ", type_name(r->type));
	put_text(b, r->text);
	nx_json_printf(b, "\n    hits %" PRIu64 " of %" PRIu64 " calls (%.4g %%)", r->hits, r->calls,
		       pct(r->hits, r->calls));
	/* auto: what the live detector let through (warm-up included), beside
	 * the exact count; the others should agree call for call */
	if (recorded_cfg && r->mask_bit >= 0)
		nx_json_printf(b, "; the recorder%s marked %" PRIu64,
			       r->type == NX_TRIGGER_AUTO ? "'s live detector" : "", r->recorded);
	nx_json_putc(b, '\n');
	if (r->hits) {
		nx_replay_at_format(&r->first, t0, x, sizeof(x));
		nx_replay_at_format(&r->last, t0, y, sizeof(y));
		nx_json_printf(b, "    first %s\n    last  %s\n", x, y);
	}
	if (r->type != NX_TRIGGER_AUTO)
		return;
	nx_json_printf(b, "    %" PRIu64 " distinct tuples, threshold %" PRIu64
		       " calls: %u common, %" PRIu64 " rare\n", r->distinct, r->threshold,
		       r->ncommon, r->nrare);
	for (uint32_t i = 0; i < r->ncommon && i < list; i++) {
		nx_replay_value_format(&r->common[i], v, sizeof(v));
		nx_json_printf(b, "    common %s x%" PRIu64 "\n", v, r->common[i].count);
	}
	if (r->ncommon > list)
		nx_json_printf(b, "    ... %u more common tuples\n", r->ncommon - list);
	for (uint32_t i = 0; i < r->nlisted; i++) {
		const struct nx_replay_value *rv = &r->rare[i];

		nx_replay_value_format(rv, v, sizeof(v));
		nx_replay_at_format(&rv->first, t0, x, sizeof(x));
		nx_json_printf(b, "    rare   %s x%" PRIu64 " first %s", v, rv->count, x);
		if (rv->count > 1) {
			nx_replay_at_format(&rv->last, t0, y, sizeof(y));
			nx_json_printf(b, ", last %s", y);
		}
		nx_json_putc(b, '\n');
	}
	if (r->nrare > r->nlisted)
		nx_json_printf(b, "    ... %" PRIu64 " more rare tuples (--list)\n",
			       r->nrare - r->nlisted);
}

/* ---- JSON report ---- */

static void json_at(struct nx_json_buf *b, const char *key, const struct nx_replay_at *at,
		    uint64_t t0)
{
	uint64_t d = at->ts_ns >= t0 ? at->ts_ns - t0 : 0;

	nx_json_key(b, key, false);
	nx_json_printf(b, "{\"event\":%" PRIu64 ",\"ts_ns\":%" PRIu64 ",\"t\":%.9f,\"pid\":%u,"
		       "\"tid\":%u}", at->event, at->ts_ns, (double)d / 1e9, at->pid, at->tid);
}

static void json_value(struct nx_json_buf *b, const struct nx_replay_value *v, uint64_t t0,
		       bool where)
{
	nx_json_puts(b, "{\"values\":[");
	for (uint32_t i = 0; i < v->n; i++)
		nx_json_printf(b, "%s%" PRIu64, i ? "," : "", v->vals[i]);
	nx_json_printf(b, "],\"count\":%" PRIu64, v->count);
	if (where) {
		json_at(b, "first", &v->first, t0);
		json_at(b, "last", &v->last, t0);
	}
	nx_json_putc(b, '}');
}

static void json_trigger(struct nx_json_buf *b, const struct nx_replay_trigger *r, uint64_t t0,
			 bool recorded_cfg)
{
	nx_json_puts(b, "{\"text\":");
	nx_json_str(b, r->text, strlen(r->text));
	if (r->tag & NX_TUNE_TAG_CONFIG)
		nx_json_printf(b, ",\"source\":\"config\",\"index\":%u", NX_TUNE_TAG_INDEX(r->tag));
	else
		nx_json_printf(b, ",\"source\":\"-t\",\"index\":%" PRIu64, r->tag + 1);
	nx_json_printf(b, ",\"type\":\"%s\",\"calls\":%" PRIu64 ",\"hits\":%" PRIu64
		       ",\"selectivity\":%.9g", type_name(r->type), r->calls, r->hits,
		       r->calls ? (double)r->hits / (double)r->calls : 0.0);
	if (recorded_cfg && r->mask_bit >= 0)
		nx_json_printf(b, ",\"recorded\":%" PRIu64, r->recorded);
	if (r->hits) {
		json_at(b, "first", &r->first, t0);
		json_at(b, "last", &r->last, t0);
	}
	if (r->type == NX_TRIGGER_AUTO) {
		nx_json_printf(b, ",\"distinct\":%" PRIu64 ",\"threshold\":%" PRIu64
			       ",\"rare_tuples\":%" PRIu64 ",\"common\":[", r->distinct,
			       r->threshold, r->nrare);
		for (uint32_t i = 0; i < r->ncommon; i++) {
			if (i)
				nx_json_putc(b, ',');
			json_value(b, &r->common[i], t0, false);
		}
		nx_json_puts(b, "],\"rare\":[");
		for (uint32_t i = 0; i < r->nlisted; i++) {
			if (i)
				nx_json_putc(b, ',');
			json_value(b, &r->rare[i], t0, true);
		}
		nx_json_putc(b, ']');
	}
	nx_json_putc(b, '}');
}

/* ---- the tuned config ---- */

/* Created like a recording (0600, never over a file unless -f, never through
 * a symlink, as the invoking user under sudo), written whole or removed. */
static int write_tuned(const struct args *a, const char *prog, struct nx_config *cfg,
		       const struct nx_replay *rp, const char *note)
{
	struct nx_output_opts oo = { .force = a->force };
	struct nx_launch_ids owner = { 0 };
	struct nx_err err = { 0 };
	char *text = NULL, *comment = NULL;
	size_t len = 0;
	FILE *f;
	int rc = 1, wrc, cut;

	if (a->mode >= 0)
		cfg->mode = (enum nx_mode)a->mode;
	cut = nx_tune_apply(cfg, rp, a->path, &err);
	if (cut < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 1;
	}
	if (cut)
		fprintf(stderr, "%s: warning: %s: %d Common tuples cut: a trigger holds at most %u "
			"(the comments in the file say which trigger)\n", prog, a->output, cut,
			NX_CONFIG_MAX_COMMON);
	if (nx_launch_ids_from_env(&owner, false, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 2;
	}
	oo.chown = owner.drop;
	oo.uid = owner.uid;
	oo.gid = owner.gid;
	if (asprintf(&comment, "Tuned by %s from %s.\n"
		     "Each auto trigger carries the tuples the replay found common (Common):\n"
		     "nexus-record preloads them, so the run starts adapted.\n%s",
		     argp_program_version, a->path, note) < 0) {
		comment = NULL;
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	wrc = nx_config_write(f, cfg, comment, &err);
	if (fclose(f) || wrc < 0) {
		fprintf(stderr, "%s: %s\n", prog, wrc < 0 ? err.msg : "out of memory");
		goto out;
	}
	if (nx_output_write_file(a->output, text, len, &oo, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		goto out;
	}
	rc = 0;
out:
	nx_launch_ids_release(&owner);
	free(text);
	free(comment);
	return rc;
}

/* ---- main: the config, the replay, the report ---- */

struct run {
	const struct args *a;
	const char *prog;
	const struct nxr_meta *m;
	struct nx_config cfg;
	bool have_cfg, recorded_cfg;
	bool triggered;		/* the recording's: its config's Mode, or uprobe FILTER events */
	bool rec_mode_known;	/* its config said full or triggered */
	struct nx_replay *rp;
	struct nx_replay_totals tot;
	const struct nx_replay_probe *probes;
	const struct nx_replay_trigger *trigs;
	uint32_t nprobes, ntrigs;
	char note[1024];	/* what the recording does not hold, one line each */
};

/* The Mode of the config recorded in the file, whatever -c says: -1 when
 * the file holds none this build understands. */
static int recorded_mode(const struct nxr_meta *m)
{
	struct nx_config_opts co = { .command_optional = true };
	struct nx_config c;
	struct nx_err err = { 0 };
	int mode = -1;

	if (!m->config_text || !*m->config_text)
		return -1;
	nx_config_init(&c);
	if (nx_config_parse_opts(&c, "recorded", m->config_text, strlen(m->config_text), &co,
				 &err) == 0)
		mode = (int)c.mode;
	nx_config_release(&c);
	return mode;
}

/* The config to replay: -c, else the recorded one. 0, or the exit status. */
static int load_config(struct run *x)
{
	struct nx_config_opts co = { .command_optional = true };
	const struct nxr_meta *m = x->m;
	struct nx_err err = { 0 };
	char name[4096];

	if (x->a->config) {
		if (nx_config_load_opts(&x->cfg, x->a->config, &co, &err) < 0) {
			fprintf(stderr, "%s: %s\n", x->prog, err.msg);
			return 2;
		}
		x->have_cfg = true;
	} else if (m->config_text && *m->config_text) {
		snprintf(name, sizeof(name), "%s (recorded config)", x->a->path);
		if (nx_config_parse_opts(&x->cfg, name, m->config_text, strlen(m->config_text), &co,
					 &err) < 0) {
			/* e.g. written by a nexus-record that knows keys this build does not */
			fprintf(stderr, "%s: %s (give a config with -c)\n", x->prog, err.msg);
			return 1;
		}
		x->have_cfg = x->recorded_cfg = true;
	}
	if (x->a->output && !x->have_cfg) {
		fprintf(stderr, "%s: %s: the recording holds no config to tune: give one with -c\n",
			x->prog, x->a->path);
		return 2;
	}
	return 0;
}

static void note_add(struct run *x, size_t *nl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note_add(struct run *x, size_t *nl, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*nl >= sizeof(x->note) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(x->note + *nl, sizeof(x->note) - *nl, fmt, ap);
	va_end(ap);
	*nl += k > 0 ? (size_t)k : 0;
	if (*nl > sizeof(x->note) - 1)
		*nl = sizeof(x->note) - 1;
}

/* What the recording does not hold, said on stderr (and in the tuned config's
 * opening comment, from x->note). Triggered is the recording's own: its
 * recorded Mode, or FILTER events of its uprobes (a syscall filter drops no
 * call). */
static void warnings(struct run *x)
{
	const struct nx_replay_totals *tot = &x->tot;
	uint64_t lost = nx_replay_lost_total(tot);
	size_t nl = 0;

	if (x->triggered) {
		note_add(x, &nl, "recorded in Mode: triggered: the replay saw only the calls kept; "
			 "%" PRIu64 " were filtered out", tot->filtered);
		for (uint32_t i = 0; i < x->nprobes; i++)
			if (x->probes[i].filtered)
				note_add(x, &nl, ", %" PRIu64 " of probe %u (%s %s)",
					 x->probes[i].filtered, x->probes[i].id, x->probes[i].func,
					 hook_name(x->probes[i].hook));
		note_add(x, &nl, ".\n");
	}
	if (lost)
		note_add(x, &nl, "%" PRIu64 " events were lost while recording (ring buffer %" PRIu64
			 ", backlog %" PRIu64 ", disk %" PRIu64 "): the replay misses them.\n", lost,
			 tot->lost[NX_LOSS_RINGBUF], tot->lost[NX_LOSS_BACKLOG],
			 tot->lost[NX_LOSS_DISK]);
	for (char *line = x->note; *line;) {	/* one warning per line of the note */
		char *e = strchr(line, '\n');

		fprintf(stderr, "%s: warning: %s: %.*s\n", x->prog, x->a->path,
			(int)(e ? e - line : (long)strlen(line)), line);
		line = e ? e + 1 : line + strlen(line);
	}
	if (tot->unknown_probe || tot->wrong_hook)
		fprintf(stderr, "%s: warning: %s: %" PRIu64 " calls name no probe of the table and %"
			PRIu64 " have the wrong kind for their probe: not replayed\n", x->prog,
			x->a->path, tot->unknown_probe, tot->wrong_hook);
}

static const char *mode_name(const struct run *x)
{
	return x->triggered ? "triggered" : x->rec_mode_known ? "full" : "unknown";
}

static void report_json(const struct run *x, struct nx_json_buf *out)
{
	const struct nx_replay_totals *tot = &x->tot;

	nx_json_puts(out, "{\"file\":");
	nx_json_str(out, x->a->path, strlen(x->a->path));
	nx_json_printf(out, ",\"config\":\"%s\"", x->a->config ? "file" : x->have_cfg ? "recorded"
										: "none");
	nx_json_printf(out, ",\"mode\":\"%s\"", mode_name(x));
	nx_json_printf(out, ",\"events\":%" PRIu64 ",\"calls\":%" PRIu64 ",\"health_samples\":%"
		       PRIu64 ",\"filtered\":%" PRIu64 ",\"filtered_syscalls\":%" PRIu64
		       ",\"lost\":%" PRIu64 ",\"lost_ringbuf\":%" PRIu64 ",\"lost_backlog\":%" PRIu64
		       ",\"lost_disk\":%" PRIu64 ",\"unknown_probe\":%" PRIu64 ",\"probes\":[",
		       tot->events, tot->calls, tot->health, tot->filtered, tot->filtered_syscalls,
		       nx_replay_lost_total(tot), tot->lost[NX_LOSS_RINGBUF],
		       tot->lost[NX_LOSS_BACKLOG], tot->lost[NX_LOSS_DISK], tot->unknown_probe);
	for (uint32_t i = 0; i < x->nprobes; i++) {
		const struct nx_replay_probe *p = &x->probes[i];
		bool first = true;

		nx_json_printf(out, "%s{\"id\":%u,\"hook\":\"%s\",\"path\":", i ? "," : "", p->id,
			       hook_name(p->hook));
		nx_json_str(out, p->path, strlen(p->path));
		nx_json_puts(out, ",\"function\":");
		nx_json_str(out, p->func, strlen(p->func));
		nx_json_printf(out, ",\"calls\":%" PRIu64 ",\"filtered\":%" PRIu64 ",\"lost\":%"
			       PRIu64 ",\"triggers\":[", p->calls, p->filtered, p->lost);
		for (uint32_t t = 0; t < x->ntrigs; t++) {
			if (x->trigs[t].probe != p->id)
				continue;
			if (!first)
				nx_json_putc(out, ',');
			first = false;
			json_trigger(out, &x->trigs[t], tot->first_ts_ns, x->recorded_cfg);
		}
		nx_json_puts(out, "]}");
	}
	nx_json_puts(out, "]}\n");
}

static void report_text(const struct run *x, struct nx_json_buf *out)
{
	const struct nx_replay_totals *tot = &x->tot;

	nx_json_puts(out, "recording ");
	put_text(out, x->a->path);
	nx_json_printf(out, " (config: %s, Mode: %s)\n", x->a->config ? x->a->config :
		       x->have_cfg ? "recorded" : "none", mode_name(x));
	nx_json_printf(out, "events %" PRIu64 ", calls %" PRIu64 " of %u probes, health samples %"
		       PRIu64 ", filtered %" PRIu64 " calls by triggers", tot->events, tot->calls,
		       x->nprobes, tot->health, tot->filtered);
	if (tot->filtered_syscalls)
		nx_json_printf(out, " and %" PRIu64 " syscalls by Syscalls filters",
			       tot->filtered_syscalls);
	nx_json_printf(out, ", lost %" PRIu64 "\n", nx_replay_lost_total(tot));
	for (uint32_t i = 0; i < x->nprobes; i++) {
		const struct nx_replay_probe *p = &x->probes[i];

		nx_json_printf(out, "\nprobe %u %s ", p->id, hook_name(p->hook));
		put_text(out, p->path);
		nx_json_putc(out, ':');
		put_text(out, p->func);
		nx_json_printf(out, ": %" PRIu64 " calls", p->calls);
		if (p->filtered)
			nx_json_printf(out, ", %" PRIu64 " filtered", p->filtered);
		if (p->lost)
			nx_json_printf(out, ", %" PRIu64 " lost", p->lost);
		nx_json_putc(out, '\n');
		for (uint32_t t = 0; t < x->ntrigs; t++)
			if (x->trigs[t].probe == p->id)
				text_trigger(out, &x->trigs[t], tot->first_ts_ns, x->recorded_cfg,
					     x->a->list);
	}
}

/* The engine set up and run over the recording. 0, or the exit status. */
static int replay(struct run *x, struct nxr_reader *r, struct unmatched_ctx *um)
{
	const struct args *a = x->a;
	struct nx_replay_opts ro = { 0 };
	struct nx_err err = { 0 };

	if (x->have_cfg) {
		ro.health_thresholds = true;
		ro.cpu_pct = x->cfg.health.cpu_pct;
		ro.disk_pct = x->cfg.health.disk_pct;
	}
	ro.max_listed = a->list;
	ro.rare.exact_max = a->max_tuples;
	x->rp = nx_replay_new(x->m, &ro, &err);
	if (!x->rp) {
		fprintf(stderr, "%s: %s\n", x->prog, err.msg);
		return 1;
	}
	if (x->have_cfg && nx_tune_attach(x->rp, &x->cfg, x->m, on_unmatched, um, &err) < 0) {
		fprintf(stderr, "%s: %s\n", x->prog, err.msg);
		return err.code == -EINVAL ? 2 : 1;
	}
	for (unsigned i = 0; i < a->ncand; i++) {
		if (nx_replay_add_candidate(x->rp, a->cand[i], i, NULL, &err) < 0) {
			fprintf(stderr, "%s: -t '%s': %s\n", x->prog, a->cand[i], err.msg);
			return err.code == -EINVAL ? 2 : 1;
		}
	}
	nx_replay_triggers(x->rp, &x->ntrigs);
	if (!x->ntrigs)
		fprintf(stderr, "%s: warning: %s: no trigger to replay (%s): only the calls are "
			"counted\n", x->prog, a->path,
			x->have_cfg ? "the config has none on the recorded probes" :
				      "the recording holds no config: give -c or -t");
	if (nx_replay_run(x->rp, r, &err) < 0) {
		if (err.code == -E2BIG) {	/* the exact counter is full: say how to raise it */
			nx_err_prefix(&err, "%s", a->path);
			fprintf(stderr, "%s: %s (--max-tuples)\n", x->prog, err.msg);
		} else {
			struct nx_tool tool = { .prog = x->prog };

			nx_tool_error(&tool, a->path, &err);
		}
		return 1;
	}
	nx_replay_get_totals(x->rp, &x->tot);
	x->probes = nx_replay_probes(x->rp, &x->nprobes);
	x->trigs = nx_replay_triggers(x->rp, &x->ntrigs);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { .list = 10, .mode = -1 };
	struct argp argp = { options, parse_opt, "RECORDING", doc, NULL, NULL, NULL };
	struct nx_tool tool = { .prog = "nexus-replay" };
	struct unmatched_ctx um = { .prog = "nexus-replay" };
	struct run x = { .a = &a, .prog = "nexus-replay" };
	struct nx_json_buf out = { 0 };
	struct nxr_reader *r = NULL;
	int rc = 1, mode;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	nx_config_init(&x.cfg);
	um.path = a.path;
	r = nx_tool_open(&tool, a.path, NULL);
	if (!r)
		goto out;
	x.m = nxr_reader_meta(r);
	if (!x.m->nprobes) {
		fprintf(stderr, "%s: %s: the recording has no probes (no Targets were traced): "
			"nothing to replay\n", tool.prog, a.path);
		goto out;
	}
	rc = load_config(&x);
	rc = rc ?: replay(&x, r, &um);
	if (rc)
		goto out;
	rc = 1;
	/* the recording's mode, not -c's: the kernel filtered what it was told then */
	mode = x.recorded_cfg ? (int)x.cfg.mode : recorded_mode(x.m);
	x.rec_mode_known = mode >= 0;
	x.triggered = mode == NX_MODE_TRIGGERED || x.tot.filtered;
	warnings(&x);
	if (a.json)
		report_json(&x, &out);
	else
		report_text(&x, &out);
	if (out.oom) {
		fprintf(stderr, "%s: out of memory\n", tool.prog);
		goto out;
	}
	if (nx_tool_flush(stdout, &out) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: standard output: %s\n", tool.prog, strerror(errno));
		goto out;
	}
	if (a.output)
		rc = write_tuned(&a, tool.prog, &x.cfg, x.rp, x.note);
	else
		rc = 0;
out:
	nx_json_release(&out);
	nx_replay_free(x.rp);
	nx_config_release(&x.cfg);
	nxr_reader_close(r);
	return rc;
}
