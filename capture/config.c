/*
 * capture/config.c: the TraceCondition YAML, loaded and checked.
 *
 * Two passes. libyaml's event stream is first built into a small tree of our
 * own (struct node) that keeps each node's 1-based line and column; aliases
 * are refused (they would let a small file expand into a huge tree) and the
 * nesting depth is bounded, so memory stays proportional to the file, which
 * is itself bounded by NX_CONFIG_MAX_BYTES. The tree is then walked against
 * the schema, key by key. Every mapping is checked for unknown and duplicate
 * keys before any of its values is read (libyaml accepts duplicates; a config
 * that says Sudo twice has no meaning we could guess).
 *
 * Invariants:
 * - every error is -EINVAL (or the errno of the file) with one line
 *   "name:line:col: what is wrong", naming the key or echoing the token at
 *   fault (truncated, control bytes shown as '?');
 * - on error the config is released and initialised again: a caller never
 *   sees half a config;
 * - trigger texts are kept verbatim with their positions; the trigger
 *   language is analyze/trigger's business, not ours.
 */
#include "capture/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <yaml.h>

#include "analyze/printfmt.h"
#include "analyze/syscalls.h"
#include "analyze/trigger.h"
#include "bpf/payload.h"
#include "capture/sysfilt.h"
#include "capture/launch.h"
#include "format/meta.h"

#define MAX_DEPTH 16			/* the schema needs 7 */
#define MAX_DURATION_S 31536000.0	/* a year */
#define MIN_INTERVAL_S 0.01
#define MAX_INTERVAL_S 3600.0
#define MAX_PROBES 4096u		/* NXR_MAX_PROBES: the recording's probe table */
#define TOKEN_SHOWN 40			/* bytes of a token echoed in a message */

static char default_logs_dir[] = "./tracer_logs";

/* ---- the tree ---- */

enum ntype { N_SCALAR, N_SEQ, N_MAP };

struct node {
	enum ntype type;
	struct nx_pos pos;
	bool plain;			/* scalar written without quotes */
	char *str;			/* scalar: NUL-terminated value */
	size_t len;
	struct node **kids;		/* seq: items; map: key0, value0, key1, value1... */
	uint32_t nkids;
};

struct ctx {
	const char *name;		/* file name for messages */
	const char *text;
	size_t len;
	struct nx_err *err;
	yaml_parser_t parser;
};

static void node_free(struct node *n)
{
	uint32_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static int verr(struct ctx *c, struct nx_pos pos, const char *fmt, va_list ap)
{
	char what[NX_ERR_MSG_MAX];

	vsnprintf(what, sizeof(what), fmt, ap);
	return nx_err_set(c->err, -EINVAL, "%s:%u:%u: %s", c->name, pos.line, pos.col, what);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const struct node *n, const char *fmt, ...)
{
	struct nx_pos pos = n ? n->pos : (struct nx_pos){ 1, 1 };
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verr(c, pos, fmt, ap);
	va_end(ap);
	return rc;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct ctx *c, struct nx_pos pos, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verr(c, pos, fmt, ap);
	va_end(ap);
	return rc;
}

static struct nx_pos mark_pos(yaml_mark_t m)
{
	return (struct nx_pos){ (uint32_t)m.line + 1, (uint32_t)m.column + 1 };
}

/* Line and column of a byte offset (libyaml's reader errors give only that). */
static struct nx_pos offset_pos(const struct ctx *c, size_t off)
{
	struct nx_pos pos = { 1, 1 };
	size_t i;

	for (i = 0; i < off && i < c->len; i++) {
		if (c->text[i] == '\n') {
			pos.line++;
			pos.col = 1;
		} else if (((unsigned char)c->text[i] & 0xc0) != 0x80) {
			pos.col++;
		}
	}
	return pos;
}

/* A token as shown in messages: at most TOKEN_SHOWN bytes, control bytes as '?'. */
static const char *shown(const char *s, size_t len, char buf[TOKEN_SHOWN + 4])
{
	size_t i, n = len < TOKEN_SHOWN ? len : TOKEN_SHOWN;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n < len)
		memcpy(buf + n, "...", 4);
	else
		buf[n] = '\0';
	return buf;
}

static int yaml_fail(struct ctx *c)
{
	yaml_parser_t *p = &c->parser;
	struct nx_pos pos, cpos;
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR)
		return nx_err_set(c->err, -ENOMEM, "%s: out of memory", c->name);
	if (p->error == YAML_READER_ERROR) {
		pos = offset_pos(c, p->problem_offset);
		return fail_at(c, pos, "invalid YAML: %s", problem);
	}
	pos = mark_pos(p->problem_mark);
	if (p->problem_mark.index < c->len && c->text[p->problem_mark.index] == '\t')
		return fail_at(c, pos, "invalid YAML: a tab (YAML indents with spaces only)");
	if (p->context) {
		cpos = mark_pos(p->context_mark);
		return fail_at(c, pos, "invalid YAML: %s (%s at %u:%u)", problem, p->context,
			       cpos.line, cpos.col);
	}
	return fail_at(c, pos, "invalid YAML: %s", problem);
}

static int next_event(struct ctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->parser, ev))
		return yaml_fail(c);
	return 0;
}

static int add_kid(struct ctx *c, struct node *parent, struct node *kid)
{
	struct node **k;

	if ((parent->nkids & (parent->nkids - 1)) == 0) {	/* 0, 1, 2, 4...: grow */
		k = realloc(parent->kids, sizeof(*k) * (parent->nkids ? parent->nkids * 2 : 1));
		if (!k) {
			node_free(kid);
			return nx_err_set(c->err, -ENOMEM, "%s: out of memory", c->name);
		}
		parent->kids = k;
	}
	parent->kids[parent->nkids++] = kid;
	return 0;
}

/* Builds the node that starts with *ev (consumed). */
static int build(struct ctx *c, yaml_event_t *ev, int depth, struct node **out)
{
	yaml_event_type_t end;
	yaml_event_t kev;
	struct node *n, *kid;
	char tok[TOKEN_SHOWN + 4];
	int rc = 0;

	*out = NULL;
	if (ev->type == YAML_ALIAS_EVENT) {
		const char *a = (const char *)ev->data.alias.anchor;

		return fail_at(c, mark_pos(ev->start_mark), "aliases are not supported (*%s)",
			       shown(a, strlen(a), tok));
	}
	if (depth > MAX_DEPTH)
		return fail_at(c, mark_pos(ev->start_mark), "nested deeper than %d levels",
			       MAX_DEPTH);
	n = calloc(1, sizeof(*n));
	if (!n)
		return nx_err_set(c->err, -ENOMEM, "%s: out of memory", c->name);
	n->pos = mark_pos(ev->start_mark);
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n->type = N_SCALAR;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->len = ev->data.scalar.length;
		n->str = malloc(n->len + 1);
		if (!n->str) {
			rc = nx_err_set(c->err, -ENOMEM, "%s: out of memory", c->name);
			goto out;
		}
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		if (strlen(n->str) != n->len)
			rc = fail(c, n, "a value holds a NUL byte");
		goto out;
	case YAML_SEQUENCE_START_EVENT:
		n->type = N_SEQ;
		end = YAML_SEQUENCE_END_EVENT;
		break;
	case YAML_MAPPING_START_EVENT:
		n->type = N_MAP;
		end = YAML_MAPPING_END_EVENT;
		break;
	default:
		rc = fail(c, n, "unexpected YAML event %d", (int)ev->type);
		goto out;
	}
	for (;;) {
		rc = next_event(c, &kev);
		if (rc < 0)
			goto out;
		if (kev.type == end) {
			yaml_event_delete(&kev);
			break;
		}
		rc = build(c, &kev, depth + 1, &kid);
		yaml_event_delete(&kev);
		if (rc < 0)
			goto out;
		rc = add_kid(c, n, kid);
		if (rc < 0)
			goto out;
	}
out:
	if (rc < 0)
		node_free(n);
	else
		*out = n;
	return rc;
}

/* Reads the one document of the stream into *root. */
static int load_tree(struct ctx *c, struct node **root)
{
	yaml_event_t ev;
	bool have_ev = false;
	int rc;

	*root = NULL;
	rc = next_event(c, &ev);	/* STREAM_START */
	if (rc < 0)
		return rc;
	yaml_event_delete(&ev);
	rc = next_event(c, &ev);
	if (rc < 0)
		return rc;
	have_ev = true;
	if (ev.type == YAML_STREAM_END_EVENT) {
		rc = fail_at(c, (struct nx_pos){ 1, 1 },
			     "the config is empty: expected a mapping with TraceCondition");
		goto out;
	}
	yaml_event_delete(&ev);		/* DOCUMENT_START */
	have_ev = false;
	rc = next_event(c, &ev);
	if (rc < 0)
		goto out;
	have_ev = true;
	rc = build(c, &ev, 1, root);
	if (rc < 0)
		goto out;
	yaml_event_delete(&ev);
	have_ev = false;
	rc = next_event(c, &ev);	/* DOCUMENT_END */
	if (rc < 0)
		goto out;
	yaml_event_delete(&ev);
	rc = next_event(c, &ev);
	if (rc < 0)
		goto out;
	have_ev = true;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail_at(c, mark_pos(ev.start_mark),
			     "a second YAML document: the config is one document");
out:
	if (have_ev)
		yaml_event_delete(&ev);
	if (rc < 0) {
		node_free(*root);
		*root = NULL;
	}
	return rc;
}

/* ---- typed access ---- */

static bool is_null(const struct node *n)
{
	return n->type == N_SCALAR && n->plain &&
	       (n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

/* What a node is, for "expected X, found Y". */
static const char *found(const struct node *n, char buf[TOKEN_SHOWN + 8])
{
	char tok[TOKEN_SHOWN + 4];

	if (n->type == N_MAP)
		return "a mapping";
	if (n->type == N_SEQ)
		return "a list";
	if (is_null(n))
		return "nothing";
	snprintf(buf, TOKEN_SHOWN + 8, "'%s'", shown(n->str, n->len, tok));
	return buf;
}

static int want_scalar(struct ctx *c, const struct node *n, const char *key, const char *what)
{
	char b[TOKEN_SHOWN + 8];

	if (n->type != N_SCALAR || is_null(n))
		return fail(c, n, "%s: expected %s, found %s", key, what, found(n, b));
	return 0;
}

static int get_str(struct ctx *c, const struct node *n, const char *key, char **out)
{
	int rc = want_scalar(c, n, key, "a string");

	if (rc < 0)
		return rc;
	if (n->len == 0)
		return fail(c, n, "%s is empty", key);
	*out = strdup(n->str);
	if (!*out)
		return nx_err_set(c->err, -ENOMEM, "%s: out of memory", c->name);
	return 0;
}

static int get_bool(struct ctx *c, const struct node *n, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on",
					   "On", "ON", "y", "Y" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off",
					  "Off", "OFF", "n", "N" };
	char b[TOKEN_SHOWN + 8];
	size_t i;

	if (n->type == N_SCALAR) {
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcmp(n->str, yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp(n->str, no[i])) {
				*out = false;
				return 0;
			}
		}
	}
	return fail(c, n, "%s: expected true or false, found %s", key, found(n, b));
}

/* A plain decimal number: digits with at most one '.', no sign, no exponent. */
static bool parse_number(const char *s, double *out)
{
	size_t digits = 0, dots = 0;
	const char *p;
	char *end;

	for (p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.')
			dots++;
		else
			return false;
	}
	if (!digits || dots > 1 || p - s > 32)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !*end && !errno && isfinite(*out);
}

/* Seconds in (0, max], or [min, max] when min > 0. */
static int get_seconds(struct ctx *c, const struct node *n, const char *key, double min,
		       double max, double *out)
{
	char b[TOKEN_SHOWN + 8];
	double v;

	if (n->type != N_SCALAR || !parse_number(n->str, &v))
		return fail(c, n, "%s: expected a positive number of seconds, found %s", key,
			    found(n, b));
	if (v <= 0)
		return fail(c, n, "%s must be more than 0 seconds, found %s", key, n->str);
	if (v < min)
		return fail(c, n, "%s must be at least %.15g seconds, found %s", key, min, n->str);
	if (v > max)
		return fail(c, n, "%s must be at most %.15g seconds, found %s", key, max, n->str);
	*out = v;
	return 0;
}

static int get_percent(struct ctx *c, const struct node *n, const char *key, uint32_t *out)
{
	char b[TOKEN_SHOWN + 8];
	double v;

	if (n->type != N_SCALAR || !parse_number(n->str, &v) || strchr(n->str, '.'))
		return fail(c, n, "%s: expected a whole percentage from 0 to 100, found %s", key,
			    found(n, b));
	if (v > 100)
		return fail(c, n, "%s must be from 0 to 100 percent, found %s", key, n->str);
	*out = (uint32_t)v;
	return 0;
}

/* One of words[] (case-insensitive); its index in *out. */
static int get_word(struct ctx *c, const struct node *n, const char *key,
		    const char *const *words, size_t nwords, const char *expected, int *out)
{
	char b[TOKEN_SHOWN + 8];
	size_t i;

	if (n->type == N_SCALAR)
		for (i = 0; i < nwords; i++)
			if (!strcasecmp(n->str, words[i])) {
				*out = (int)i;
				return 0;
			}
	return fail(c, n, "%s: expected %s, found %s", key, expected, found(n, b));
}

/* ---- mappings ---- */

static size_t min3(size_t a, size_t b, size_t c)
{
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

/* Levenshtein distance, case-insensitive (a key written in the wrong case is 0 away). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, d[33];

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = d[j];
			if (tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]))
				d[j] = prev;
			else
				d[j] = 1 + min3(prev, d[j], d[j - 1]);
			prev = cur;
		}
	}
	return d[lb];
}

/*
 * Checks a mapping's keys: scalars, each known (keys[], NULL-terminated),
 * none twice. `where` names the mapping in messages.
 */
static int check_keys(struct ctx *c, const struct node *map, const char *const *keys,
		      const char *where)
{
	char tok[TOKEN_SHOWN + 4], b[TOKEN_SHOWN + 8], hint[64];
	const struct node *k;
	uint32_t i, j;
	size_t best, d;
	const char *const *kw;
	const char *guess;

	for (i = 0; i < map->nkids; i += 2) {
		k = map->kids[i];
		if (k->type != N_SCALAR || is_null(k))
			return fail(c, k, "%s: expected a key name, found %s", where, found(k, b));
		for (kw = keys; *kw; kw++)
			if (!strcmp(*kw, k->str))
				break;
		if (!*kw) {
			best = 3;
			guess = NULL;
			for (kw = keys; *kw; kw++) {
				d = edit_distance(k->str, *kw);
				if (d < best) {
					best = d;
					guess = *kw;
				}
			}
			hint[0] = '\0';
			if (guess)
				snprintf(hint, sizeof(hint), " (did you mean '%s'?)", guess);
			return fail(c, k, "unknown key '%s' in %s%s", shown(k->str, k->len, tok),
				    where, hint);
		}
		for (j = 0; j < i; j += 2)
			if (!strcmp(map->kids[j]->str, k->str))
				return fail(c, k, "duplicate key '%s' in %s (first at line %u)",
					    shown(k->str, k->len, tok), where,
					    map->kids[j]->pos.line);
	}
	return 0;
}

static const struct node *map_get(const struct node *map, const char *key)
{
	uint32_t i;

	for (i = 0; i < map->nkids; i += 2)
		if (!strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

static int want_map(struct ctx *c, const struct node *n, const char *key)
{
	char b[TOKEN_SHOWN + 8];

	if (n->type != N_MAP)
		return fail(c, n, "%s: expected a mapping, found %s", key, found(n, b));
	return 0;
}

/* want_map, then check_keys: a mapping of known keys, none twice. */
static int want_keyed_map(struct ctx *c, const struct node *n, const char *key,
			  const char *const *keys, const char *where)
{
	int rc = want_map(c, n, key);

	return rc < 0 ? rc : check_keys(c, n, keys, where);
}

/*
 * A list of strings, also written as one string (Triggers: cpu) or nothing.
 * Calls each(c, item, arg) per item.
 */
static int each_string(struct ctx *c, const struct node *n, const char *key,
		       int (*each)(struct ctx *c, const struct node *item, void *arg), void *arg)
{
	char b[TOKEN_SHOWN + 8];
	uint32_t i;
	int rc;

	if (is_null(n))
		return 0;
	if (n->type == N_SCALAR)
		return each(c, n, arg);
	if (n->type != N_SEQ)
		return fail(c, n, "%s: expected a list of strings, found %s", key, found(n, b));
	for (i = 0; i < n->nkids; i++) {
		const struct node *it = n->kids[i];

		if (it->type != N_SCALAR || is_null(it))
			return fail(c, it, "%s: expected a string, found %s", key, found(it, b));
		if (it->len == 0)
			return fail(c, it, "%s: an empty string", key);
		rc = each(c, it, arg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int nomem(struct ctx *c)
{
	return nx_err_set(c->err, -ENOMEM, "%s: out of memory", c->name);
}

/* ---- the schema ---- */

static int add_trigger(struct ctx *c, const struct node *it, void *arg)
{
	struct nx_config_func *f = arg;
	struct nx_config_trigger *t;
	char tok[TOKEN_SHOWN + 4];

	if (it->len == 0)
		return fail(c, it, "Triggers: an empty trigger");
	if (f->ntriggers >= NX_CONFIG_MAX_TRIGGERS)
		return fail(c, it, "Triggers: more than %u triggers for function '%s'",
			    NX_CONFIG_MAX_TRIGGERS, shown(f->func, strlen(f->func), tok));
	t = realloc(f->triggers, sizeof(*t) * (f->ntriggers + 1));
	if (!t)
		return nomem(c);
	f->triggers = t;
	memset(&t[f->ntriggers], 0, sizeof(*t));	/* common, ncommon: none */
	t[f->ntriggers].text = strdup(it->str);
	if (!t[f->ntriggers].text)
		return nomem(c);
	t[f->ntriggers].pos = it->pos;
	t[f->ntriggers].comment = NULL;
	t[f->ntriggers].common = NULL;
	t[f->ntriggers].ncommon = 0;
	t[f->ntriggers].ncommon_vals = 0;
	f->ntriggers++;
	return 0;
}

/* An integer as the trigger language writes one: decimal, -decimal (its
 * 64-bit pattern) or 0x hex, at most 64 bits. */
static bool parse_u64(const char *s, uint64_t *out)
{
	bool neg = s[0] == '-';
	const char *p = s + neg;
	uint64_t v = 0;
	unsigned base = 10, d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (neg)
			return false;
		base = 16;
		p += 2;
	}
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		v = (uint64_t)0 - v;
	}
	*out = v;
	return true;
}

/*
 * Common: the tuples a tuned config (nexus-replay -o) preloads for an auto
 * trigger: a list of lists of n integers (a list of integers when n is 1).
 */
static int load_common(struct ctx *c, const struct node *n, struct nx_config_func *f,
		       struct nx_config_trigger *t)
{
	struct nx_trigger_ctx tctx = { .hook = f->hook };
	uint8_t vars[NX_TRIGGER_MAX_AUTO];
	char b[TOKEN_SHOWN + 8], tok[TOKEN_SHOWN + 4];
	struct nx_trigger *tr;
	unsigned nvars;

	tr = nx_trigger_parse(t->text, &tctx, NULL, NULL);
	nvars = tr ? nx_trigger_auto_vars(tr, vars) : 0;
	nx_trigger_free(tr);
	if (!nvars)
		return fail(c, n, "Common: only an auto trigger has common values, not '%s'",
			    shown(t->text, strlen(t->text), tok));
	if (is_null(n))
		return 0;
	if (n->type != N_SEQ)
		return fail(c, n, "Common: expected a list of tuples, found %s", found(n, b));
	if (n->nkids > NX_CONFIG_MAX_COMMON)
		return fail(c, n->kids[NX_CONFIG_MAX_COMMON],
			    "Common: more than %u tuples for trigger '%s'", NX_CONFIG_MAX_COMMON,
			    shown(t->text, strlen(t->text), tok));
	if (!n->nkids)
		return 0;
	t->common = calloc((size_t)n->nkids * nvars, sizeof(*t->common));
	if (!t->common)
		return nomem(c);
	t->ncommon_vals = nvars;
	for (uint32_t i = 0; i < n->nkids; i++) {
		const struct node *tu = n->kids[i];
		const struct node *one = tu;
		uint32_t nv = 1;

		if (tu->type == N_SEQ) {
			nv = tu->nkids;
		} else if (tu->type != N_SCALAR || is_null(tu) || nvars != 1) {
			return fail(c, tu, "Common: expected a list of %u values like the trigger "
				    "'%s', found %s", nvars, shown(t->text, strlen(t->text), tok),
				    found(tu, b));
		}
		if (nv != nvars)
			return fail(c, tu, "Common: a tuple of %u value%s, but trigger '%s' watches %u",
				    nv, nv == 1 ? "" : "s", shown(t->text, strlen(t->text), tok),
				    nvars);
		for (uint32_t k = 0; k < nv; k++) {
			if (tu->type == N_SEQ)
				one = tu->kids[k];
			if (one->type != N_SCALAR || !parse_u64(one->str, &t->common[i * nvars + k]))
				return fail(c, one, "Common: expected a 64-bit integer (decimal, "
					    "-decimal or 0x hex), found %s", found(one, b));
		}
		t->ncommon++;
	}
	return 0;
}

static const char *const trigger_keys[] = { "Trigger", "Common", NULL };

/* A Triggers item written as a mapping: {Trigger: "auto arg1", Common: [...]}. */
static int add_trigger_map(struct ctx *c, const struct node *it, struct nx_config_func *f)
{
	const struct node *v;
	char b[TOKEN_SHOWN + 8];
	int rc;

	rc = check_keys(c, it, trigger_keys, "a trigger");
	if (rc < 0)
		return rc;
	v = map_get(it, "Trigger");
	if (!v)
		return fail(c, it, "missing key 'Trigger' in a trigger");
	if (v->type != N_SCALAR || is_null(v))
		return fail(c, v, "Trigger: expected a string, found %s", found(v, b));
	rc = add_trigger(c, v, f);
	if (rc < 0)
		return rc;
	v = map_get(it, "Common");
	if (v)
		rc = load_common(c, v, f, &f->triggers[f->ntriggers - 1]);
	return rc;
}

/* Triggers: one string, or a list of strings and {Trigger, Common} mappings. */
static int load_triggers(struct ctx *c, const struct node *n, struct nx_config_func *f)
{
	char b[TOKEN_SHOWN + 8];
	int rc;

	if (n->type != N_SEQ)
		return each_string(c, n, "Triggers", add_trigger, f);
	for (uint32_t i = 0; i < n->nkids; i++) {
		const struct node *it = n->kids[i];

		if (it->type == N_MAP)
			rc = add_trigger_map(c, it, f);
		else if (it->type != N_SCALAR || is_null(it))
			rc = fail(c, it, "Triggers: expected a string, found %s", found(it, b));
		else if (it->len == 0)
			rc = fail(c, it, "Triggers: an empty string");
		else
			rc = add_trigger(c, it, f);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* "argN:str", N from 1 to 6: the only capture the recorder knows. */
static int add_arg(struct ctx *c, const struct node *it, void *arg)
{
	struct nx_config_func *f = arg;
	char tok[TOKEN_SHOWN + 4];
	char **a;
	uint32_t i;

	if (strncmp(it->str, "arg", 3) || it->str[3] < '1' || it->str[3] > '6' ||
	    strcmp(it->str + 4, ":str"))
		return fail(c, it, "Args: '%s' is not argN:str (N from 1 to 6)",
			    shown(it->str, it->len, tok));
	if (f->hook == NXR_HOOK_URETPROBE)
		return fail(c, it, "Args: a uretprobe sees only the return value, not '%s'",
			    it->str);
	for (i = 0; i < f->nargs; i++)
		if (!strcmp(f->args[i], it->str))
			return fail(c, it, "Args: '%s' twice", it->str);
	a = realloc(f->args, sizeof(*a) * (f->nargs + 2));
	if (!a)
		return nomem(c);
	f->args = a;
	a[f->nargs] = strdup(it->str);
	if (!a[f->nargs])
		return nomem(c);
	a[++f->nargs] = NULL;
	return 0;
}

/*
 * A print format (Print, SyscallPrint values): checked by analyze/printfmt,
 * its error placed at the character of the scalar it points to.
 */
static int get_print(struct ctx *c, const struct node *n, const char *key, uint32_t allow,
		     char **out, struct nx_pos *pos)
{
	struct nx_printfmt pf;
	struct nx_err e = { 0 };
	uint32_t col = 0;
	int rc = want_scalar(c, n, key, "a format like '\"read %d bytes\", arg3'");

	if (rc < 0)
		return rc;
	if (nx_printfmt_parse(&pf, n->str, allow, &col, &e) < 0) {
		const char *what = strstr(e.msg, ": ");

		return fail_at(c, (struct nx_pos){ n->pos.line, n->pos.col + (col ? col - 1 : 0) +
						   !n->plain }, "%s: %s", key, what ? what + 2 : e.msg);
	}
	nx_printfmt_release(&pf);
	*pos = n->pos;
	*out = strdup(n->str);
	return *out ? 0 : nomem(c);
}

static const char *const func_keys[] = { "Func", "HookType", "Triggers", "Args", "Print", NULL };

static int load_func(struct ctx *c, const struct node *n, struct nx_config_func *f)
{
	static const char *const hooks[] = { "uprobe", "uretprobe" };
	const struct node *v;
	int rc, hook;

	f->pos = n->pos;
	rc = want_keyed_map(c, n, "Functions", func_keys, "a function");
	if (rc < 0)
		return rc;
	v = map_get(n, "Func");
	if (!v)
		return fail(c, n, "missing key 'Func' in a function");
	rc = get_str(c, v, "Func", &f->func);
	if (rc < 0)
		return rc;
	f->hook = NXR_HOOK_UPROBE;
	v = map_get(n, "HookType");
	if (v) {
		rc = get_word(c, v, "HookType", hooks, 2, "uprobe or uretprobe", &hook);
		if (rc < 0)
			return rc;
		f->hook = hook ? NXR_HOOK_URETPROBE : NXR_HOOK_UPROBE;
	}
	v = map_get(n, "Triggers");
	if (v) {
		rc = load_triggers(c, v, f);
		if (rc < 0)
			return rc;
	}
	v = map_get(n, "Args");
	if (v && (rc = each_string(c, v, "Args", add_arg, f)) < 0)
		return rc;
	v = map_get(n, "Print");
	if (v)
		rc = get_print(c, v, "Print", f->hook == NXR_HOOK_URETPROBE ? NX_PRINTFMT_RET :
			       NX_PRINTFMT_ARGS | NX_PRINTFMT_STR, &f->print, &f->print_pos);
	return rc;
}

static const char *const target_keys[] = { "FilePath", "Functions", NULL };

static int load_target(struct ctx *c, const struct node *n, struct nx_config_target *t,
		       uint32_t *nprobes)
{
	char b[TOKEN_SHOWN + 8], tok[TOKEN_SHOWN + 4];
	const struct node *v;
	uint32_t i;
	int rc;

	t->pos = n->pos;
	rc = want_keyed_map(c, n, "Targets", target_keys, "a target");
	if (rc < 0)
		return rc;
	v = map_get(n, "FilePath");
	if (!v)
		return fail(c, n, "missing key 'FilePath' in a target");
	rc = get_str(c, v, "FilePath", &t->path);
	if (rc < 0)
		return rc;
	v = map_get(n, "Functions");
	if (!v)
		return fail(c, n, "missing key 'Functions' in the target '%s'",
			    shown(t->path, strlen(t->path), tok));
	if (v->type != N_SEQ)
		return fail(c, v, "Functions: expected a list of functions, found %s",
			    found(v, b));
	if (v->nkids == 0)
		return fail(c, v, "Functions: an empty list for the target '%s'",
			    shown(t->path, strlen(t->path), tok));
	if (*nprobes + v->nkids > MAX_PROBES)
		return fail(c, v, "Functions: more than %u functions in all", MAX_PROBES);
	*nprobes += v->nkids;
	t->funcs = calloc(v->nkids, sizeof(*t->funcs));
	if (!t->funcs)
		return nomem(c);
	for (i = 0; i < v->nkids; i++) {
		t->nfuncs = i + 1;	/* so that release frees what the failing one holds */
		rc = load_func(c, v->kids[i], &t->funcs[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_targets(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	char b[TOKEN_SHOWN + 8];
	uint32_t i, nprobes = 0;
	int rc;

	if (is_null(v))
		return 0;
	if (v->type != N_SEQ)
		return fail(c, v, "Targets: expected a list of targets, found %s", found(v, b));
	if (!v->nkids)
		return 0;
	cfg->targets = calloc(v->nkids, sizeof(*cfg->targets));
	if (!cfg->targets)
		return nomem(c);
	for (i = 0; i < v->nkids; i++) {
		cfg->ntargets = i + 1;
		rc = load_target(c, v->kids[i], &cfg->targets[i], &nprobes);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A name of the list: its x86-64 number (both ABIs' syscalls of that name),
 * or NX_SYS_IA32 | n for an i386-only syscall (mmap2, socketcall ...). */
static int add_syscall(struct ctx *c, const struct node *it, void *arg)
{
	struct nx_config *cfg = arg;
	char tok[TOKEN_SHOWN + 4];
	uint32_t *s, i;
	int64_t nr = nx_syscall_number(it->str);

	if (nr < 0)
		nr = nx_syscall_ia32_only(it->str);
	if (nr < 0)
		return fail(c, it, "Syscalls: unknown syscall '%s'", shown(it->str, it->len, tok));
	for (i = 0; i < cfg->nsyscalls; i++)
		if (cfg->syscalls[i] == (uint32_t)nr)
			return 0;
	s = realloc(cfg->syscalls, sizeof(*s) * (cfg->nsyscalls + 1));
	if (!s)
		return nomem(c);
	cfg->syscalls = s;
	s[cfg->nsyscalls++] = (uint32_t)nr;
	return 0;
}

/* The trigger of a syscall filter, checked now so that a typo is a config
 * error at its own line and column: arg1..arg6, ret, pid, tid, uid, comm. */
static int check_sysfilter_trigger(struct ctx *c, const struct node *x, const char *name)
{
	struct nx_trigger_ctx tctx = { .syscall = 1 };
	struct nx_trigger *t;
	struct nx_err e = { 0 };
	struct nx_pos at = x->pos;
	uint32_t col = 0;
	const char *msg;

	if (x->type != N_SCALAR || is_null(x) || !x->len)
		return fail(c, x, "Syscalls.%s: expected a trigger expression", name);
	t = nx_trigger_parse(x->str, &tctx, &col, &e);
	if (!t) {
		if (e.code == -ENOMEM)
			return nomem(c);
		msg = strstr(e.msg, ": ");
		/* point at the token when the scalar is written as it reads */
		if (col && !strchr(x->str, '\n') && (x->plain || !strpbrk(x->str, "\\'\"")))
			at.col += col - (x->plain ? 1 : 0);
		return fail_at(c, at, "Syscalls.%s: %s", name, msg ? msg + 2 : e.msg);
	}
	if (nx_trigger_type(t) != NX_TRIGGER_MANUAL) {
		nx_trigger_free(t);
		return fail(c, x, "Syscalls.%s: only an expression filters a syscall (not auto, "
			    "cpu or disk)", name);
	}
	nx_trigger_free(t);
	return 0;
}

static const char *const sysfilter_keys[] = { "Trigger", "PathPrefix", NULL };

/*
 * A Syscalls item written as a map: `read: "arg3 > 1024"` or
 * `openat: {Trigger: "...", PathPrefix: /etc/}` (bpf/payload.h names the
 * syscalls that have a path; PathPrefix needs one).
 */
static int add_sysfilter(struct ctx *c, const struct node *it, struct nx_config *cfg)
{
	char tok[TOKEN_SHOWN + 4];
	const struct node *k, *x, *y;
	struct nx_config_sysfilter *f;
	uint32_t nr;
	int rc, n;

	if (it->nkids != 2)
		return fail(c, it, "Syscalls: a filter names one syscall (name: trigger)");
	k = it->kids[0];
	x = it->kids[1];
	if (k->type == N_SCALAR && nx_syscall_ia32_only(k->str) >= 0)
		return fail(c, k, "Syscalls: %s is i386-only: a filter needs a syscall with an "
			    "x86-64 number", shown(k->str, k->len, tok));
	if (k->type != N_SCALAR || (n = nx_syscall_number(k->str)) < 0)
		return fail(c, k, "Syscalls: unknown syscall '%s'",
			    k->type == N_SCALAR ? shown(k->str, k->len, tok) : "?");
	nr = (uint32_t)n;
	for (uint32_t i = 0; i < cfg->nsysfilters; i++)
		if (cfg->sysfilters[i].nr == nr)
			return fail(c, k, "Syscalls: a second filter for %s", k->str);
	if (cfg->nsysfilters >= NX_SYSFILT_MAX)
		return fail(c, k, "Syscalls: more than %u filters", NX_SYSFILT_MAX);
	rc = add_syscall(c, k, cfg);
	if (rc < 0)
		return rc;
	f = realloc(cfg->sysfilters, sizeof(*f) * (cfg->nsysfilters + 1));
	if (!f)
		return nomem(c);
	cfg->sysfilters = f;
	f = &f[cfg->nsysfilters++];
	memset(f, 0, sizeof(*f));
	f->nr = nr;
	f->pos = k->pos;
	if (x->type == N_SCALAR) {
		y = x;
		x = NULL;
	} else {
		rc = want_keyed_map(c, x, "Syscalls filter", sysfilter_keys, "a syscall filter");
		if (rc < 0)
			return rc;
		y = map_get(x, "Trigger");
	}
	if (y) {
		rc = check_sysfilter_trigger(c, y, k->str);
		if (rc < 0)
			return rc;
		f->trigger = strdup(y->str);
		if (!f->trigger)
			return nomem(c);
		f->trigger_pos = y->pos;
	}
	y = x ? map_get(x, "PathPrefix") : NULL;
	if (y) {
		if (y->type != N_SCALAR || is_null(y) || !y->len)
			return fail(c, y, "Syscalls.%s.PathPrefix: expected a path", k->str);
		if (y->len > NX_SYSFILT_PREFIX_MAX)
			return fail(c, y, "Syscalls.%s.PathPrefix: longer than %u bytes", k->str,
				    NX_SYSFILT_PREFIX_MAX);
		if (!nx_sysfilt_path_arg(nr))
			return fail(c, y, "Syscalls.%s.PathPrefix: %s has no path argument",
				    k->str, k->str);
		f->path_prefix = strdup(y->str);
		if (!f->path_prefix)
			return nomem(c);
	}
	if (!f->trigger && !f->path_prefix)
		return fail(c, x ? x : k, "Syscalls.%s: a filter needs a Trigger or a PathPrefix",
			    k->str);
	return 0;
}

static int load_syscalls(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	char b[TOKEN_SHOWN + 8];

	if (v->type == N_SCALAR && !strcasecmp(v->str, "all"))
		return 0;
	if (v->type == N_SCALAR && !strcasecmp(v->str, "none")) {
		cfg->syscalls_none = true;
		return 0;
	}
	if (is_null(v) || v->type == N_MAP)
		return fail(c, v, "Syscalls: expected all, none or a list of syscall names, "
			    "found %s", found(v, b));
	if (v->type == N_SEQ && v->nkids == 0)
		return fail(c, v, "Syscalls: an empty list (write 'none' to record no syscalls)");
	if (v->type == N_SEQ) {
		bool all = false;	/* [all, {openat: ...}]: every syscall, some filtered */

		for (uint32_t i = 0; i < v->nkids; i++) {
			const struct node *it = v->kids[i];
			int rc;

			if (it->type == N_SCALAR && !strcasecmp(it->str, "all")) {
				all = true;
				continue;
			}
			rc = it->type == N_MAP ? add_sysfilter(c, it, cfg)
					       : each_string(c, it, "Syscalls", add_syscall, cfg);
			if (rc < 0)
				return rc;
		}
		if (all) {
			free(cfg->syscalls);
			cfg->syscalls = NULL;
			cfg->nsyscalls = 0;
		}
		return 0;
	}
	return each_string(c, v, "Syscalls", add_syscall, cfg);
}

/* Filter.Pid / Filter.Uid: one number or a list of them. */
static int get_ids(struct ctx *c, const struct node *n, const char *key, uint32_t max,
		   uint32_t **out, uint32_t *nout)
{
	char b[TOKEN_SHOWN + 8];
	const struct node *one = n;
	uint32_t count = n->type == N_SEQ ? n->nkids : 1;

	if (n->type == N_MAP || is_null(n) || !count)
		return fail(c, n, "%s: expected a number or a list of numbers, found %s", key,
			    n->type == N_SEQ ? "an empty list" : found(n, b));
	if (count > NX_FILTER_MAX)
		return fail(c, n->kids[NX_FILTER_MAX], "%s: more than %u values", key, NX_FILTER_MAX);
	*out = calloc(count, sizeof(**out));
	if (!*out)
		return nomem(c);
	for (uint32_t i = 0; i < count; i++) {
		char *end;
		unsigned long long v;

		if (n->type == N_SEQ)
			one = n->kids[i];
		errno = 0;
		v = one->type == N_SCALAR ? strtoull(one->str, &end, 10) : 0;
		if (one->type != N_SCALAR || !one->len || !isdigit((unsigned char)one->str[0]) ||
		    errno || *end || v > max)
			return fail(c, one, "%s: expected a number from 0 to %u, found %s", key, max,
				    found(one, b));
		(*out)[(*nout)++] = (uint32_t)v;
	}
	return 0;
}

static int strv_push(char ***v, uint32_t *n, const char *s);

static int add_comm(struct ctx *c, const struct node *it, void *arg)
{
	struct nx_config_filter *f = arg;
	char tok[TOKEN_SHOWN + 4];

	if (it->len > 15)
		return fail(c, it, "Comm: '%s' is longer than a process name (15 characters)",
			    shown(it->str, it->len, tok));
	if (strpbrk(it->str, "[]\\"))
		return fail(c, it, "Comm: '%s': only * and ? are wildcards ([, ] and \\ are not "
			    "allowed)", shown(it->str, it->len, tok));
	if (f->ncomms == NX_FILTER_MAX)
		return fail(c, it, "Comm: more than %u values", NX_FILTER_MAX);
	if (strv_push(&f->comms, &f->ncomms, it->str) < 0)
		return nomem(c);
	return 0;
}

static const char *const filter_keys[] = { "Pid", "Uid", "Comm", NULL };

static int load_filter(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	struct nx_config_filter *f = &cfg->filter;
	const struct node *x;
	int rc;

	rc = want_keyed_map(c, v, "Filter", filter_keys, "Filter");
	if (rc < 0)
		return rc;
	f->pos = v->pos;
	if ((x = map_get(v, "Pid")) && (rc = get_ids(c, x, "Pid", 4194304, &f->pids, &f->npids)) < 0)
		return rc;
	if ((x = map_get(v, "Uid")) && (rc = get_ids(c, x, "Uid", UINT32_MAX - 1, &f->uids,
						     &f->nuids)) < 0)
		return rc;
	if ((x = map_get(v, "Comm"))) {
		char b[TOKEN_SHOWN + 8];

		if (is_null(x) || (x->type == N_SEQ && !x->nkids))
			return fail(c, x, "Comm: expected a name or a list of names, found %s",
				    x->type == N_SEQ ? "an empty list" : found(x, b));
		rc = each_string(c, x, "Comm", add_comm, f);
	}
	return rc;
}

/* SyscallPrint: {read: '"read %d bytes", arg3', ...} */
static int load_sysprints(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	char tok[TOKEN_SHOWN + 4];
	int rc = want_map(c, v, "SyscallPrint");

	if (rc < 0)
		return rc;
	cfg->sysprints = calloc(v->nkids / 2 + 1, sizeof(*cfg->sysprints));
	if (!cfg->sysprints)
		return nomem(c);
	for (uint32_t i = 0; i < v->nkids; i += 2) {
		const struct node *k = v->kids[i];
		struct nx_config_sysprint *sp = &cfg->sysprints[cfg->nsysprints];
		int nr = k->type == N_SCALAR ? nx_syscall_number(k->str) : -1;

		if (nr < 0)
			return fail(c, k, "SyscallPrint: unknown syscall '%s'",
				    k->type == N_SCALAR ? shown(k->str, k->len, tok) : "?");
		for (uint32_t j = 0; j < i; j += 2)
			if (!strcmp(v->kids[j]->str, k->str))
				return fail(c, k, "duplicate key '%s' in SyscallPrint (first at line %u)",
					    k->str, v->kids[j]->pos.line);
		rc = get_print(c, v->kids[i + 1], "SyscallPrint", NX_PRINTFMT_ARGS | NX_PRINTFMT_RET |
			       NX_PRINTFMT_STR, &sp->print, &sp->pos);
		if (rc < 0)
			return rc;
		sp->nr = (uint32_t)nr;
		cfg->nsysprints++;
	}
	return 0;
}

/*
 * Payloads: {write: 256, read: 64, Paths: 512, Argv: 16, ArgvBytes: 2048}:
 * bytes of the I/O buffers kept per syscall (off unless named), and the
 * limits of path and argv payloads (0 turns them off).
 */
static int load_payloads(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	static const char *const opt_keys[] = { "Paths", "Argv", "ArgvBytes" };
	static const uint32_t opt_max[] = { NX_PAY_PATH_LIMIT, NX_PAY_ARGC_LIMIT,
					    NX_PAY_ARGV_LIMIT };
	uint32_t *opt_out[] = { &cfg->payloads.path_max, &cfg->payloads.argc_max,
				&cfg->payloads.argv_bytes };
	const char *keys[3 + NX_PAY_BUF_SLOTS + 1];
	char tok[TOKEN_SHOWN + 4], b[TOKEN_SHOWN + 8], what[64];
	uint32_t i, nk = 0, max, *out;
	double d;
	int rc, slot;

	if (is_null(v))
		return 0;
	rc = want_map(c, v, "Payloads");
	if (rc < 0)
		return rc;
	for (i = 0; i < 3; i++)
		keys[nk++] = opt_keys[i];
#define BUFKEY(name, nr, slot, ret, vec) keys[nk++] = #name;
	NX_BUF_SYSCALLS(BUFKEY)
#undef BUFKEY
	keys[nk] = NULL;
	for (i = 0; i < v->nkids; i += 2) {
		const struct node *k = v->kids[i];

		if (k->type == N_SCALAR && nx_syscall_number(k->str) >= 0 &&
		    nx_paycfg_buf_slot((uint32_t)nx_syscall_number(k->str)) < 0)
			return fail(c, k, "Payloads: %s has no buffer nexus captures (read, write, "
				    "pread64, pwrite64, readv, writev, preadv, pwritev, preadv2, "
				    "pwritev2, sendto, recvfrom, sendmsg, recvmsg have)",
				    shown(k->str, k->len, tok));
	}
	rc = check_keys(c, v, keys, "Payloads");
	if (rc < 0)
		return rc;
	for (i = 0; i < v->nkids; i += 2) {
		const struct node *k = v->kids[i], *x = v->kids[i + 1];

		slot = -1;
		for (uint32_t j = 0; j < 3; j++)
			if (!strcmp(k->str, opt_keys[j]))
				slot = (int)j;
		if (slot >= 0) {
			max = opt_max[slot];
			out = opt_out[slot];
		} else {
			max = NX_PAY_BUF_LIMIT;
			out = &cfg->payloads.buf[nx_paycfg_buf_slot(
				(uint32_t)nx_syscall_number(k->str)) & (NX_PAY_BUF_SLOTS - 1)];
		}
		snprintf(what, sizeof(what), "Payloads.%s", k->str);
		if (x->type != N_SCALAR || !parse_number(x->str, &d) || strchr(x->str, '.'))
			return fail(c, x, "%s: expected a whole number of %s from 0 to %u, found "
				    "%s", what, slot == 1 ? "arguments" : "bytes", max, found(x, b));
		if (d > max)
			return fail(c, x, "%s: %s is past the limit of %u", what, x->str, max);
		*out = (uint32_t)d;
	}
	return 0;
}

static const char *const health_keys[] = { "Interval", "Cpu", "Disk", NULL };

static int load_health(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	const struct node *x;
	double s;
	int rc;

	if (is_null(v))
		return 0;
	rc = want_keyed_map(c, v, "Health", health_keys, "Health");
	if (rc < 0)
		return rc;
	x = map_get(v, "Interval");
	if (x) {
		rc = get_seconds(c, x, "Health.Interval", MIN_INTERVAL_S, MAX_INTERVAL_S, &s);
		if (rc < 0)
			return rc;
		cfg->health.interval_ms = (uint32_t)llround(s * 1000);
	}
	x = map_get(v, "Cpu");
	if (x) {
		rc = get_percent(c, x, "Health.Cpu", &cfg->health.cpu_pct);
		if (rc < 0)
			return rc;
	}
	x = map_get(v, "Disk");
	if (x)
		rc = get_percent(c, x, "Health.Disk", &cfg->health.disk_pct);
	return rc;
}

static int strv_push(char ***v, uint32_t *n, const char *s)
{
	char **a = realloc(*v, sizeof(*a) * (*n + 2));

	if (!a)
		return -ENOMEM;
	*v = a;
	a[*n] = strdup(s);
	if (!a[*n])
		return -ENOMEM;
	a[++*n] = NULL;
	return 0;
}

/* NoExec: the basename a process must exec to be traced, or '*' for all. */
static int add_noexec_name(struct ctx *c, const struct node *at, const char *s,
			   struct nx_config *cfg)
{
	char tok[TOKEN_SHOWN + 4];
	const char *base = strrchr(s, '/');

	if (!strcmp(s, "*")) {
		cfg->noexec_all = true;
		return 0;
	}
	base = base ? base + 1 : s;
	if (!*base)
		return fail(c, at, "Command: '%s' is not a program name", shown(s, strlen(s), tok));
	if (strv_push(&cfg->noexec_names, &cfg->nnoexec_names, base) < 0)
		return nomem(c);
	return 0;
}

static int noexec_item(struct ctx *c, const struct node *it, void *arg)
{
	return add_noexec_name(c, it, it->str, arg);
}

static int load_command(struct ctx *c, const struct node *v, struct nx_config *cfg)
{
	char b[TOKEN_SHOWN + 8];
	struct nx_err e = { 0 };
	uint32_t i;
	size_t len = 0;
	int rc;

	if (cfg->noexec && v->type == N_SEQ) {
		if (!v->nkids)
			return fail(c, v, "Command: an empty list of names to match");
		rc = each_string(c, v, "Command", noexec_item, cfg);
		if (rc < 0)
			return rc;
		for (i = 0; i < v->nkids; i++)
			len += v->kids[i]->len + 1;
		cfg->command = calloc(1, len);
		if (!cfg->command)
			return nomem(c);
		for (i = 0; i < v->nkids; i++) {
			if (i)
				strcat(cfg->command, " ");
			strcat(cfg->command, v->kids[i]->str);
		}
		return 0;
	}
	if (v->type != N_SCALAR || is_null(v))
		return fail(c, v, "Command: expected a string, found %s%s", found(v, b),
			    v->type == N_SEQ ? " (a list of names needs NoExec: True)" : "");
	if (v->len == 0)
		return fail(c, v, "Command is empty");
	cfg->command = strdup(v->str);
	if (!cfg->command)
		return nomem(c);
	if (cfg->noexec && !strcmp(v->str, "*")) {
		cfg->noexec_all = true;
		return 0;
	}
	rc = nx_argv_split(v->str, &cfg->argv, &cfg->argc, &e);
	if (rc == -ENOMEM)
		return nomem(c);
	if (rc < 0)
		return fail(c, v, "Command: %s", e.msg);
	if (cfg->argc == 0)
		return fail(c, v, "Command is empty");
	if (!cfg->noexec && cfg->argc == 1 && !strcmp(cfg->argv[0], "*"))
		return fail(c, v, "Command: '*' (every process) needs NoExec: True");
	if (cfg->noexec)
		return add_noexec_name(c, v, cfg->argv[0], cfg);
	return 0;
}

static const char *const tc_keys[] = { "Command", "Sudo", "NoExec", "LogsDir", "ScriptPath",
				       "Targets", "Duration", "Syscalls", "Follow", "Mode",
				       "Health", "Payloads", "Filter", "SyscallPrint", NULL };
static const char *const root_keys[] = { "TraceCondition", NULL };

static int load_root(struct ctx *c, const struct node *root, const struct nx_config_opts *opts,
		     struct nx_config *cfg)
{
	static const char *const modes[] = { "full", "triggered" };
	const struct node *tc, *tck, *v;
	char b[TOKEN_SHOWN + 8];
	int rc, mode;

	if (root->type != N_MAP)
		return fail(c, root, "expected a mapping with TraceCondition at the top, found %s",
			    found(root, b));
	rc = check_keys(c, root, root_keys, "the top level");
	if (rc < 0)
		return rc;
	if (!root->nkids)	/* the only key check_keys lets through is TraceCondition */
		return fail(c, root, "missing key 'TraceCondition'");
	tck = root->kids[0];
	tc = root->kids[1];
	if (tc->type != N_MAP)
		return fail(c, tc, "TraceCondition: expected a mapping, found %s", found(tc, b));
	rc = check_keys(c, tc, tc_keys, "TraceCondition");
	if (rc < 0)
		return rc;

	if ((v = map_get(tc, "Sudo")) && (rc = get_bool(c, v, "Sudo", &cfg->sudo)) < 0)
		return rc;
	if ((v = map_get(tc, "NoExec")) && (rc = get_bool(c, v, "NoExec", &cfg->noexec)) < 0)
		return rc;
	if ((v = map_get(tc, "Follow")) && (rc = get_bool(c, v, "Follow", &cfg->follow)) < 0)
		return rc;
	v = map_get(tc, "Command");
	if (v) {
		rc = load_command(c, v, cfg);
		if (rc < 0)
			return rc;
	} else if (cfg->noexec) {
		return fail(c, tck, "missing key 'Command' in TraceCondition: NoExec needs the "
			    "names to match");
	} else if (!opts || !opts->command_optional) {
		return fail(c, tck, "missing key 'Command' in TraceCondition");
	}
	v = map_get(tc, "LogsDir");
	if (v) {
		char *s;

		rc = get_str(c, v, "LogsDir", &s);
		if (rc < 0)
			return rc;
		cfg->logs_dir = s;
	}
	if ((v = map_get(tc, "ScriptPath")) &&
	    (rc = get_str(c, v, "ScriptPath", &cfg->script_path)) < 0)
		return rc;
	if ((v = map_get(tc, "Targets")) && (rc = load_targets(c, v, cfg)) < 0)
		return rc;
	if ((v = map_get(tc, "Duration")) &&
	    (rc = get_seconds(c, v, "Duration", 0, MAX_DURATION_S, &cfg->duration_s)) < 0)
		return rc;
	if ((v = map_get(tc, "Syscalls")) && (rc = load_syscalls(c, v, cfg)) < 0)
		return rc;
	v = map_get(tc, "Mode");
	if (v) {
		rc = get_word(c, v, "Mode", modes, 2, "full or triggered", &mode);
		if (rc < 0)
			return rc;
		cfg->mode = mode ? NX_MODE_TRIGGERED : NX_MODE_FULL;
	}
	if ((v = map_get(tc, "Health")) && (rc = load_health(c, v, cfg)) < 0)
		return rc;
	if ((v = map_get(tc, "Payloads")) && (rc = load_payloads(c, v, cfg)) < 0)
		return rc;
	if ((v = map_get(tc, "Filter")) && (rc = load_filter(c, v, cfg)) < 0)
		return rc;
	if ((v = map_get(tc, "SyscallPrint")) && (rc = load_sysprints(c, v, cfg)) < 0)
		return rc;
	return 0;
}

/* ---- entry points ---- */

void nx_config_init(struct nx_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->logs_dir = default_logs_dir;
	cfg->follow = true;
	cfg->mode = NX_MODE_FULL;
	cfg->health.interval_ms = 1000;
	cfg->health.cpu_pct = 90;
	cfg->health.disk_pct = 90;
	nx_paycfg_default(&cfg->payloads);
}

void nx_config_release(struct nx_config *cfg)
{
	uint32_t i, j;

	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->text);
	free(cfg->command);
	nx_argv_free(cfg->argv);
	nx_argv_free(cfg->noexec_names);
	if (cfg->logs_dir != default_logs_dir)
		free(cfg->logs_dir);
	free(cfg->script_path);
	for (i = 0; i < cfg->ntargets; i++) {
		struct nx_config_target *t = &cfg->targets[i];

		for (j = 0; j < t->nfuncs; j++) {
			struct nx_config_func *f = &t->funcs[j];

			free(f->func);
			for (uint32_t k = 0; k < f->ntriggers; k++) {
				free(f->triggers[k].text);
				free(f->triggers[k].comment);
				free(f->triggers[k].common);
			}
			free(f->triggers);
			nx_argv_free(f->args);
			free(f->print);
		}
		free(t->funcs);
		free(t->path);
	}
	free(cfg->targets);
	free(cfg->syscalls);
	for (i = 0; i < cfg->nsysfilters; i++) {
		free(cfg->sysfilters[i].trigger);
		free(cfg->sysfilters[i].path_prefix);
	}
	free(cfg->sysfilters);
	free(cfg->filter.pids);
	free(cfg->filter.uids);
	nx_argv_free(cfg->filter.comms);
	for (i = 0; i < cfg->nsysprints; i++)
		free(cfg->sysprints[i].print);
	free(cfg->sysprints);
	nx_config_init(cfg);
}

/* Parses text it takes ownership of (text[len] == '\0'). */
static int parse_owned(struct nx_config *cfg, const char *name, char *text, size_t len,
		       const struct nx_config_opts *opts, struct nx_err *err)
{
	struct ctx c = { .name = name, .text = text, .len = len, .err = err };
	struct node *root = NULL;
	int rc;

	nx_config_init(cfg);
	cfg->text = text;
	cfg->text_len = len;
	cfg->path = strdup(name);
	if (!cfg->path) {
		rc = nx_err_set(err, -ENOMEM, "%s: out of memory", name);
		goto out;
	}
	if (len > NX_CONFIG_MAX_BYTES) {
		rc = nx_err_set(err, -EINVAL, "%s: the config is larger than %u bytes", name,
				NX_CONFIG_MAX_BYTES);
		goto out;
	}
	if (!yaml_parser_initialize(&c.parser)) {
		rc = nx_err_set(err, -ENOMEM, "%s: out of memory", name);
		goto out;
	}
	yaml_parser_set_input_string(&c.parser, (const unsigned char *)text, len);
	rc = load_tree(&c, &root);
	yaml_parser_delete(&c.parser);
	if (rc < 0)
		goto out;
	rc = load_root(&c, root, opts, cfg);
out:
	node_free(root);
	if (rc < 0)
		nx_config_release(cfg);
	return rc;
}

int nx_config_parse_opts(struct nx_config *cfg, const char *name, const char *text, size_t len,
			 const struct nx_config_opts *opts, struct nx_err *err)
{
	char *copy;

	nx_config_init(cfg);
	if (len > NX_CONFIG_MAX_BYTES)
		return nx_err_set(err, -EINVAL, "%s: the config is larger than %u bytes", name,
				  NX_CONFIG_MAX_BYTES);
	copy = malloc(len + 1);
	if (!copy)
		return nx_err_set(err, -ENOMEM, "%s: out of memory", name);
	memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_owned(cfg, name, copy, len, opts, err);
}

int nx_config_parse(struct nx_config *cfg, const char *name, const char *text, size_t len,
		    struct nx_err *err)
{
	return nx_config_parse_opts(cfg, name, text, len, NULL, err);
}

/*
 * Under sudo the file is opened with the invoking user's file-system ids and
 * groups, set on a short-lived thread with the raw syscalls (glibc's wrappers
 * would change every thread of the process): the kernel keeps these ids per
 * thread, and an fsuid other than 0 drops the file capabilities, so the
 * permission check is exactly the user's, ACLs included.
 */
struct user_open {
	const char *path;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	int fd;
	int err;
};

static void *open_as_user(void *arg)
{
	struct user_open *u = arg;

	u->fd = -1;
	if (syscall(SYS_setgroups, (size_t)u->ngroups, u->groups) < 0) {
		u->err = errno;
		return NULL;
	}
	syscall(SYS_setfsgid, u->gid);
	syscall(SYS_setfsuid, u->uid);
	/* setfs*id return the previous id and cannot report failure: ask again */
	if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != u->uid ||
	    (gid_t)syscall(SYS_setfsgid, (gid_t)-1) != u->gid) {
		u->err = EPERM;
		return NULL;
	}
	u->fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	u->err = u->fd < 0 ? errno : 0;
	return NULL;
}

static int open_config(const char *path, struct nx_err *err)
{
	struct nx_launch_ids ids = { 0 };
	struct user_open u = { .path = path, .fd = -1 };
	pthread_t th;
	int rc, fd;

	if (geteuid() != 0 || !getenv("SUDO_UID")) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return nx_err_set(err, -errno, "%s: cannot open the config: %s", path,
					  strerror(errno));
		return fd;
	}
	rc = nx_launch_ids_from_env(&ids, false, err);
	if (rc < 0)
		return rc;
	if (!ids.drop) {	/* SUDO_UID=0: root invoked sudo */
		nx_launch_ids_release(&ids);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return nx_err_set(err, -errno, "%s: cannot open the config: %s", path,
					  strerror(errno));
		return fd;
	}
	rc = nx_launch_ids_groups(&ids, &u.groups, &u.ngroups, err);
	if (rc < 0)
		goto out;
	u.uid = ids.uid;
	u.gid = ids.gid;
	rc = -pthread_create(&th, NULL, open_as_user, &u);
	if (rc < 0) {
		nx_err_set(err, rc, "%s: cannot open the config: %s", path, strerror(-rc));
		goto out;
	}
	pthread_join(th, NULL);
	if (u.fd < 0) {
		rc = nx_err_set(err, -u.err, "%s: cannot open the config as uid %u: %s", path,
				(unsigned)ids.uid, strerror(u.err));
		goto out;
	}
	rc = u.fd;
out:
	free(u.groups);
	nx_launch_ids_release(&ids);
	return rc;
}

int nx_config_load_opts(struct nx_config *cfg, const char *path,
			const struct nx_config_opts *opts, struct nx_err *err)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd, rc;

	nx_config_init(cfg);
	fd = open_config(path, err);
	if (fd < 0)
		return fd;
	buf = malloc(cap);
	if (!buf) {
		rc = nx_err_set(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > NX_CONFIG_MAX_BYTES) {
				rc = nx_err_set(err, -EINVAL, "%s: the config is larger than "
						"%u bytes", path, NX_CONFIG_MAX_BYTES);
				goto out;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				rc = nx_err_set(err, -ENOMEM, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = nx_err_set(err, -errno, "%s: cannot read the config: %s", path,
					strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	fd = -1;
	rc = parse_owned(cfg, path, buf, len, opts, err);
	buf = NULL;		/* owned by cfg, or freed with it */
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

int nx_config_load(struct nx_config *cfg, const char *path, struct nx_err *err)
{
	return nx_config_load_opts(cfg, path, NULL, err);
}

/* ---- command lines ---- */

void nx_argv_free(char **argv)
{
	char **a;

	if (!argv)
		return;
	for (a = argv; *a; a++)
		free(*a);
	free(argv);
}

/*
 * Like a POSIX shell's word splitting with nothing expanded: blanks (space,
 * tab, newline) separate words; '...' keeps everything literally; "..."
 * keeps everything but \" \\ \$ \` and backslash-newline; a backslash
 * outside quotes takes the next character literally (backslash-newline
 * joins lines), and at the very end stands for itself, as in sh.
 */
int nx_argv_split(const char *line, char ***argvp, uint32_t *argcp, struct nx_err *err)
{
	size_t n, i, w = 0, quote_at = 0;
	char **argv = NULL, *word = NULL;
	uint32_t argc = 0;
	bool in_word = false;
	char quote = 0, ch;
	int rc = 0;

	*argvp = NULL;
	*argcp = 0;
	if (!line)
		return nx_err_set(err, -EINVAL, "no command line");
	n = strlen(line);
	word = malloc(n + 1);
	argv = calloc(1, sizeof(*argv));
	if (!word || !argv) {
		rc = nx_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i <= n; i++) {
		ch = line[i];
		if (quote == '\'') {
			if (i == n)
				break;
			if (ch == '\'')
				quote = 0;
			else
				word[w++] = ch;
			continue;
		}
		if (quote == '"') {
			if (i == n)
				break;
			if (ch == '"') {
				quote = 0;
			} else if (ch == '\\' && strchr("\"\\$`\n", line[i + 1]) && line[i + 1]) {
				if (line[++i] != '\n')
					word[w++] = line[i];
			} else {
				word[w++] = ch;
			}
			continue;
		}
		if (i == n || ch == ' ' || ch == '\t' || ch == '\n') {
			if (in_word) {
				char **a = realloc(argv, sizeof(*a) * (argc + 2));

				if (!a) {
					rc = nx_err_set(err, -ENOMEM, "out of memory");
					goto out;
				}
				argv = a;
				argv[argc] = strndup(word, w);
				if (!argv[argc]) {
					rc = nx_err_set(err, -ENOMEM, "out of memory");
					goto out;
				}
				argv[++argc] = NULL;
				in_word = false;
				w = 0;
			}
			continue;
		}
		if (ch == '\\') {
			if (i + 1 == n) {
				word[w++] = '\\';	/* sh keeps a final backslash */
			} else if (line[++i] == '\n') {
				continue;		/* line continuation */
			} else {
				word[w++] = line[i];
			}
			in_word = true;
			continue;
		}
		in_word = true;
		if (ch == '\'' || ch == '"') {
			quote = ch;
			quote_at = i + 1;
			continue;
		}
		word[w++] = ch;
	}
	if (quote)
		rc = nx_err_set(err, -EINVAL, "unterminated %s quote (opened at character %zu)",
				quote == '"' ? "double" : "single", quote_at);
out:
	free(word);
	if (rc < 0) {
		nx_argv_free(argv);
		return rc;
	}
	*argvp = argv;
	*argcp = argc;
	return 0;
}
