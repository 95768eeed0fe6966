#ifndef NX_TOOLS_TOOL_H	/* tools/tool.h: what every offline tool does alike (header only) */
#define NX_TOOLS_TOOL_H
/*
 * Opening a recording and reporting damage, the same way in every tool:
 * errors are one line "prog: path: what", damage a warning line per damaged
 * segment or unclosed file, and the tool goes on with what was readable.
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "format/reader.h"

struct nx_tool {
	const char *prog;
	unsigned warnings;
	uint64_t seen[64];	/* hashes of the warnings printed: a rewind repeats none */
};

/* Prints each distinct damage report once, however often the file is read. */
static inline void nx_tool_on_damage(void *ctx, const struct nx_err *what)
{
	struct nx_tool *t = ctx;
	uint64_t h = 1469598103934665603ull;

	for (const char *p = what->msg; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h |= 1;
	for (unsigned i = 0; i < t->warnings && i < 64; i++)
		if (t->seen[i] == h)
			return;
	if (t->warnings < 64)
		t->seen[t->warnings] = h;
	t->warnings++;
	fprintf(stderr, "%s: warning: %s\n", t->prog, what->msg);
}

/* The error line: the message names the path; prefix it when it does not. */
static inline void nx_tool_error(const struct nx_tool *t, const char *path, const struct nx_err *e)
{
	size_t n = path ? strlen(path) : 0;

	if (path && strncmp(e->msg, path, n) == 0 && e->msg[n] == ':')
		fprintf(stderr, "%s: %s\n", t->prog, e->msg);
	else
		fprintf(stderr, "%s: %s: %s\n", t->prog, path,
			e->msg[0] ? e->msg : strerror(-e->code));
}

/* Opens path with damage reported on stderr; NULL after printing the error. */
static inline struct nxr_reader *nx_tool_open(struct nx_tool *t, const char *path,
					      struct nxr_reader_opts *opts)
{
	struct nxr_reader_opts o = { 0 };
	struct nx_err err = { 0 };
	struct nxr_reader *r;

	if (opts)
		o = *opts;
	o.on_damage = nx_tool_on_damage;
	o.ctx = t;
	r = nxr_reader_open(path, &o, &err);
	if (!r)
		nx_tool_error(t, path, &err);
	return r;
}

/* The time origin of a recording: its smallest event time (0 when empty). */
static inline uint64_t nx_tool_t0(const struct nxr_reader *r)
{
	const struct nxr_segment_info *s;
	uint64_t t0 = UINT64_MAX;
	uint32_t n;

	s = nxr_reader_segments(r, &n);
	for (uint32_t i = 0; i < n; i++)
		if (s[i].events && s[i].first_ts_ns < t0)
			t0 = s[i].first_ts_ns;
	return t0 == UINT64_MAX ? 0 : t0;
}

/* Writes b to f and empties it; -1 on a write error (errno set). */
static inline int nx_tool_flush(FILE *f, struct nx_json_buf *b)
{
	if (b->len && fwrite(b->p, 1, b->len, f) != b->len)
		return -1;
	b->len = 0;
	return 0;
}

/*
 * The one positional RECORDING of a tool, for its argp parser: the second
 * one, or none at the end, is a usage error (exit 2). Returns true when key
 * was ARGP_KEY_ARG or ARGP_KEY_END and is handled.
 */
static inline bool nx_tool_arg_recording(int key, char *arg, struct argp_state *state,
					 const char **path)
{
	if (key == ARGP_KEY_ARG) {
		if (*path)
			argp_error(state, "one recording at a time");
		*path = arg;
		return true;
	}
	if (key == ARGP_KEY_END && !*path)
		argp_error(state, "no recording given");
	return key == ARGP_KEY_END;
}

#endif
