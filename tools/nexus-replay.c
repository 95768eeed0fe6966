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
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/json.h"
#include "analyze/replay.h"
#include "capture/cfgwrite.h"
#include "capture/config.h"
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
		nx_json_printf(b, "config trigger %" PRIu64, r->tag & 0xffff);
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
		nx_json_printf(b, ",\"source\":\"config\",\"index\":%" PRIu64, r->tag & 0xffff);
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

static int write_tuned(const struct args *a, const char *prog, struct nx_config *cfg,
		       const struct nx_replay *rp, const char *note)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	struct nx_err err = { 0 };
	char *text = NULL, *comment = NULL;
	size_t len = 0, off = 0;
	FILE *f;
	int fd = -1, rc = 1, wrc;

	if (a->mode >= 0)
		cfg->mode = (enum nx_mode)a->mode;
	if (nx_tune_apply(cfg, rp, a->path, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 1;
	}
	if (asprintf(&comment, "Tuned by %s from %s.\n"
		     "Each auto trigger carries the tuples the replay found common (Common):\n"
		     "nexus-record preloads them, so the run starts adapted.\n%s",
		     argp_program_version, a->path, note) < 0) {
		comment = NULL;
		goto nomem;
	}
	f = open_memstream(&text, &len);
	if (!f)
		goto nomem;
	wrc = nx_config_write(f, cfg, comment, &err);
	if (fclose(f) || wrc < 0) {
		fprintf(stderr, "%s: %s\n", prog, wrc < 0 ? err.msg : "out of memory");
		goto out;
	}
	fd = open(a->output, flags, 0600);
	if (fd < 0 && errno == EEXIST && a->force) {
		if (unlink(a->output) < 0) {
			fprintf(stderr, "%s: %s: cannot replace: %s\n", prog, a->output,
				strerror(errno));
			goto out;
		}
		fd = open(a->output, flags, 0600);
	}
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s%s\n", prog, a->output, strerror(errno),
			errno == EEXIST ? " (-f replaces it)" : "");
		goto out;
	}
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, a->output, strerror(errno));
			goto out;
		}
		off += (size_t)k;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		rc = 1;
		fprintf(stderr, "%s: %s: %s\n", prog, a->output, strerror(errno));
	}
	goto out;
nomem:
	fprintf(stderr, "%s: out of memory\n", prog);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(comment);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { .list = 10, .mode = -1 };
	struct argp argp = { options, parse_opt, "RECORDING", doc, NULL, NULL, NULL };
	struct nx_tool tool = { .prog = "nexus-replay" };
	struct unmatched_ctx um = { .prog = "nexus-replay" };
	struct nx_replay_opts ro = { 0 };
	struct nx_json_buf out = { 0 };
	struct nx_config cfg;
	bool have_cfg = false, recorded_cfg = false;
	struct nx_replay *rp = NULL;
	struct nxr_reader *r = NULL;
	const struct nxr_meta *m;
	const struct nx_replay_probe *probes;
	const struct nx_replay_trigger *trigs;
	struct nx_replay_totals tot;
	struct nx_err err = { 0 };
	char note[1024] = "";
	size_t nl = 0;
	uint32_t nprobes, ntrigs;
	int rc = 1, k;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	nx_config_init(&cfg);
	um.path = a.path;
	r = nx_tool_open(&tool, a.path, NULL);
	if (!r)
		goto out;
	m = nxr_reader_meta(r);
	if (!m->nprobes) {
		fprintf(stderr, "%s: %s: the recording has no probes (no Targets were traced): "
			"nothing to replay\n", tool.prog, a.path);
		goto out;
	}
	if (a.config) {
		struct nx_config_opts co = { .command_optional = true };

		if (nx_config_load_opts(&cfg, a.config, &co, &err) < 0) {
			fprintf(stderr, "%s: %s\n", tool.prog, err.msg);
			rc = 2;
			goto out;
		}
		have_cfg = true;
	} else if (m->config_text && *m->config_text) {
		struct nx_config_opts co = { .command_optional = true };
		char name[4096];

		snprintf(name, sizeof(name), "%s (recorded config)", a.path);
		if (nx_config_parse_opts(&cfg, name, m->config_text, strlen(m->config_text), &co,
					 &err) < 0) {
			/* e.g. written by a nexus-record that knows keys this build does not */
			fprintf(stderr, "%s: %s (give a config with -c)\n", tool.prog, err.msg);
			goto out;
		}
		have_cfg = recorded_cfg = true;
	}
	if (a.output && !have_cfg) {
		fprintf(stderr, "%s: %s: the recording holds no config to tune: give one with -c\n",
			tool.prog, a.path);
		rc = 2;
		goto out;
	}
	if (have_cfg) {
		ro.health_thresholds = true;
		ro.cpu_pct = cfg.health.cpu_pct;
		ro.disk_pct = cfg.health.disk_pct;
	}
	ro.max_listed = a.list;
	ro.rare.exact_max = a.max_tuples;
	rp = nx_replay_new(m, &ro, &err);
	if (!rp) {
		fprintf(stderr, "%s: %s\n", tool.prog, err.msg);
		goto out;
	}
	if (have_cfg && nx_tune_attach(rp, &cfg, m, on_unmatched, &um, &err) < 0) {
		fprintf(stderr, "%s: %s\n", tool.prog, err.msg);
		rc = err.code == -EINVAL ? 2 : 1;
		goto out;
	}
	for (unsigned i = 0; i < a.ncand; i++) {
		if (nx_replay_add_candidate(rp, a.cand[i], i, NULL, &err) < 0) {
			fprintf(stderr, "%s: -t '%s': %s\n", tool.prog, a.cand[i], err.msg);
			rc = err.code == -EINVAL ? 2 : 1;
			goto out;
		}
	}
	nx_replay_triggers(rp, &ntrigs);
	if (!ntrigs)
		fprintf(stderr, "%s: warning: %s: no trigger to replay (%s): only the calls are "
			"counted\n", tool.prog, a.path,
			have_cfg ? "the config has none on the recorded probes" :
				   "the recording holds no config: give -c or -t");
	if (nx_replay_run(rp, r, &err) < 0) {
		if (err.code == -E2BIG) {	/* the exact counter is full: say how to raise it */
			nx_err_prefix(&err, "%s", a.path);
			fprintf(stderr, "%s: %s (--max-tuples)\n", tool.prog, err.msg);
		} else {
			nx_tool_error(&tool, a.path, &err);
		}
		goto out;
	}
	nx_replay_get_totals(rp, &tot);
	probes = nx_replay_probes(rp, &nprobes);
	trigs = nx_replay_triggers(rp, &ntrigs);

	/* what the recording does not hold, said on stderr and in the tuned config */
	if (have_cfg && cfg.mode == NX_MODE_TRIGGERED) {
		k = snprintf(note + nl, sizeof(note) - nl,
			     "recorded in Mode: triggered: the replay saw only the calls kept; "
			     "%" PRIu64 " were filtered out", tot.filtered);
		nl += k > 0 ? (size_t)k : 0;
		for (uint32_t i = 0; i < nprobes && nl < sizeof(note); i++) {
			if (!probes[i].filtered)
				continue;
			k = snprintf(note + nl, sizeof(note) - nl, ", %" PRIu64 " of probe %u (%s %s)",
				     probes[i].filtered, probes[i].id, probes[i].func,
				     hook_name(probes[i].hook));
			nl += k > 0 ? (size_t)k : 0;
		}
		if (nl < sizeof(note))
			nl += (size_t)snprintf(note + nl, sizeof(note) - nl, ".\n");
	}
	if (tot.lost_total && nl < sizeof(note))
		nl += (size_t)snprintf(note + nl, sizeof(note) - nl,
				       "%" PRIu64 " events were lost while recording (ring buffer %"
				       PRIu64 ", backlog %" PRIu64 ", disk %" PRIu64
				       "): the replay misses them.\n", tot.lost_total,
				       tot.lost[NX_LOSS_RINGBUF], tot.lost[NX_LOSS_BACKLOG],
				       tot.lost[NX_LOSS_DISK]);
	if (nl > sizeof(note) - 1)
		nl = sizeof(note) - 1;
	if (nl) {
		char *line = note;

		while (*line) {	/* one warning per line of the note */
			char *e = strchr(line, '\n');

			fprintf(stderr, "%s: warning: %s: %.*s\n", tool.prog, a.path,
				(int)(e ? e - line : (long)strlen(line)), line);
			line = e ? e + 1 : line + strlen(line);
		}
	}
	if (tot.unknown_probe || tot.wrong_hook)
		fprintf(stderr, "%s: warning: %s: %" PRIu64 " calls name no probe of the table and %"
			PRIu64 " have the wrong kind for their probe: not replayed\n", tool.prog,
			a.path, tot.unknown_probe, tot.wrong_hook);

	if (a.json) {
		nx_json_puts(&out, "{\"file\":");
		nx_json_str(&out, a.path, strlen(a.path));
		nx_json_printf(&out, ",\"config\":\"%s\"", a.config ? "file" : have_cfg ? "recorded"
							     : "none");
		nx_json_printf(&out, ",\"mode\":\"%s\"", !have_cfg ? "unknown" :
			       cfg.mode == NX_MODE_TRIGGERED ? "triggered" : "full");
		nx_json_printf(&out, ",\"events\":%" PRIu64 ",\"calls\":%" PRIu64
			       ",\"health_samples\":%" PRIu64 ",\"filtered\":%" PRIu64
			       ",\"lost\":%" PRIu64 ",\"lost_ringbuf\":%" PRIu64
			       ",\"lost_backlog\":%" PRIu64 ",\"lost_disk\":%" PRIu64
			       ",\"unknown_probe\":%" PRIu64 ",\"probes\":[", tot.events, tot.calls,
			       tot.health, tot.filtered, tot.lost_total, tot.lost[NX_LOSS_RINGBUF],
			       tot.lost[NX_LOSS_BACKLOG], tot.lost[NX_LOSS_DISK],
			       tot.unknown_probe);
		for (uint32_t i = 0; i < nprobes; i++) {
			const struct nx_replay_probe *p = &probes[i];
			bool first = true;

			nx_json_printf(&out, "%s{\"id\":%u,\"hook\":\"%s\",\"path\":", i ? "," : "",
				       p->id, hook_name(p->hook));
			nx_json_str(&out, p->path, strlen(p->path));
			nx_json_puts(&out, ",\"function\":");
			nx_json_str(&out, p->func, strlen(p->func));
			nx_json_printf(&out, ",\"calls\":%" PRIu64 ",\"filtered\":%" PRIu64
				       ",\"lost\":%" PRIu64 ",\"triggers\":[", p->calls, p->filtered,
				       p->lost);
			for (uint32_t t = 0; t < ntrigs; t++) {
				if (trigs[t].probe != p->id)
					continue;
				if (!first)
					nx_json_putc(&out, ',');
				first = false;
				json_trigger(&out, &trigs[t], tot.first_ts_ns, recorded_cfg);
			}
			nx_json_puts(&out, "]}");
		}
		nx_json_puts(&out, "]}\n");
	} else {
		nx_json_puts(&out, "recording ");
		put_text(&out, a.path);
		nx_json_printf(&out, " (config: %s, Mode: %s)\n", a.config ? a.config : have_cfg ?
			       "recorded" : "none", !have_cfg ? "unknown" :
			       cfg.mode == NX_MODE_TRIGGERED ? "triggered" : "full");
		nx_json_printf(&out, "events %" PRIu64 ", calls %" PRIu64 " of %u probes, health "
			       "samples %" PRIu64 ", filtered %" PRIu64 ", lost %" PRIu64 "\n",
			       tot.events, tot.calls, nprobes, tot.health, tot.filtered,
			       tot.lost_total);
		for (uint32_t i = 0; i < nprobes; i++) {
			const struct nx_replay_probe *p = &probes[i];

			nx_json_printf(&out, "\nprobe %u %s ", p->id, hook_name(p->hook));
			put_text(&out, p->path);
			nx_json_putc(&out, ':');
			put_text(&out, p->func);
			nx_json_printf(&out, ": %" PRIu64 " calls", p->calls);
			if (p->filtered)
				nx_json_printf(&out, ", %" PRIu64 " filtered", p->filtered);
			if (p->lost)
				nx_json_printf(&out, ", %" PRIu64 " lost", p->lost);
			nx_json_putc(&out, '\n');
			for (uint32_t t = 0; t < ntrigs; t++)
				if (trigs[t].probe == p->id)
					text_trigger(&out, &trigs[t], tot.first_ts_ns, recorded_cfg,
						     a.list);
		}
	}
	if (out.oom) {
		fprintf(stderr, "%s: out of memory\n", tool.prog);
		goto out;
	}
	if (nx_tool_flush(stdout, &out) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: standard output: %s\n", tool.prog, strerror(errno));
		goto out;
	}
	if (a.output && write_tuned(&a, tool.prog, &cfg, rp, note) != 0)
		goto out;
	rc = 0;
out:
	nx_json_release(&out);
	nx_replay_free(rp);
	nx_config_release(&cfg);
	nxr_reader_close(r);
	return rc;
}
