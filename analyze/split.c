/*
 * analyze/split.c: nexus-split's engine (split.h says what goes where).
 *
 * Invariants:
 *  - outs[] holds one entry per (comm, pid) output ever seen, found through
 *    an open-addressing index; a proctab entry's `user` caches the output
 *    index + 1 of its current comm, cleared when the comm changes;
 *  - at most max_open outputs have an open fd and a buffer (the LRU slots),
 *    so descriptors and buffer memory are bounded; every other output is
 *    closed with its bytes on disk;
 *  - a file is created (O_EXCL) once, the first time its output gets bytes,
 *    and only ever appended to after that;
 *  - every name comes from nx_split_name(): no '/', never "." or "..", so
 *    openat(dirfd, name) stays inside the output directory.
 */
#include "analyze/split.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/fmtev.h"
#include "analyze/json.h"
#include "analyze/proctab.h"
#include "analyze/syscalls.h"
#include "format/writer.h"

#define SLOT_BUF (16u << 10)
#define NO_SLOT UINT32_MAX
#define PID_CACHE 1024		/* power of two */

struct out {
	uint32_t pid;
	uint8_t comm_len;
	bool created;		/* the file exists: reopen with O_APPEND */
	bool nonempty;		/* LOG: a separator goes before the next number */
	char comm[NX_PROC_COMM_MAX + 1];
	uint32_t slot;		/* LRU slot, or NO_SLOT */
};

struct pid_out {
	uint32_t pid, oi, gen;
};

struct slot {
	uint32_t out;		/* output using this slot, or NO_SLOT */
	int fd;
	uint64_t used;		/* s->clock at its last use: the least recent is closed */
	uint32_t len;
	struct nxr_writer *w;	/* NXR only */
	char *buf;
};

struct split {
	const struct nx_split_opts *o;
	struct nxr_reader *r;
	int dirfd;
	const char *dirname;
	const char *ext;
	struct nx_split_stats *st;
	struct nx_err *err;

	struct out *outs;
	uint32_t nouts, outs_cap;
	uint32_t *index;	/* out index + 1, 0 empty */
	uint32_t index_cap;	/* power of two */

	struct slot *slots;
	uint32_t nslots, used_slots;
	uint32_t nslots_limit;	/* <= nslots: lowered when descriptors run out */
	uint64_t clock;		/* ticks once per slot use */
	/* LOG: pid -> output of its current comm, valid while gen == pid_gen
	 * (bumped by every EXEC and FORK, the only events that change a comm) */
	struct pid_out pid_cache[PID_CACHE];
	uint32_t pid_gen;

	struct nx_proctab *procs;
	struct nx_json_buf line;
	struct nx_fmtev_opts fo;
	uint32_t batch_lo, batch_hi;	/* NXR: outputs written in this pass */
};

size_t nx_split_name(char *buf, size_t len, const char *comm, size_t comm_len, uint32_t pid,
		     const char *ext)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	int k;

	for (size_t i = 0; i < comm_len; i++) {
		unsigned char c = (unsigned char)comm[i];
		bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || c == '-' || (c == '.' && i > 0);

		if (n + 4 > len)
			return 0;
		if (safe) {
			buf[n++] = (char)c;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	k = snprintf(buf + n, len - n, ":%u.%s", pid, ext);
	if (k < 0 || (size_t)k >= len - n)
		return 0;
	return n + (size_t)k;
}

static uint32_t key_hash(uint32_t pid, const char *comm, size_t n)
{
	uint32_t h = 2166136261u ^ (pid * 0x9e3779b1u);

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)comm[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int index_grow(struct split *s)
{
	uint32_t cap = s->index_cap ? s->index_cap * 2 : 1024;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -1;
	for (uint32_t i = 0; i < s->nouts; i++) {
		const struct out *o = &s->outs[i];
		uint32_t j = key_hash(o->pid, o->comm, o->comm_len) & (cap - 1);

		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(s->index);
	s->index = idx;
	s->index_cap = cap;
	return 0;
}

/* The output of p's current (comm, pid), added when new; -1 when out of memory. */
static int64_t out_of(struct split *s, struct nx_proc *p)
{
	uint32_t j, m;
	struct out *o;

	if (p->user)
		return (int64_t)p->user - 1;
	if ((s->nouts + 1) * 2 > s->index_cap && index_grow(s) < 0)
		return -1;
	m = s->index_cap - 1;
	for (j = key_hash(p->pid, p->comm, p->comm_len) & m; s->index[j]; j = (j + 1) & m) {
		o = &s->outs[s->index[j] - 1];
		if (o->pid == p->pid && o->comm_len == p->comm_len &&
		    memcmp(o->comm, p->comm, p->comm_len) == 0) {
			p->user = s->index[j];
			return s->index[j] - 1;
		}
	}
	if (s->nouts == s->outs_cap) {
		uint32_t cap = s->outs_cap ? s->outs_cap * 2 : 256;
		struct out *n = realloc(s->outs, cap * sizeof(*n));

		if (!n)
			return -1;
		s->outs = n;
		s->outs_cap = cap;
	}
	o = &s->outs[s->nouts];
	memset(o, 0, sizeof(*o));
	o->pid = p->pid;
	o->comm_len = p->comm_len;
	memcpy(o->comm, p->comm, p->comm_len);
	o->slot = NO_SLOT;
	s->index[j] = ++s->nouts;
	p->user = s->nouts;
	return s->nouts - 1;
}

static int name_of(struct split *s, const struct out *o, char *name)
{
	if (!nx_split_name(name, NX_SPLIT_NAME_MAX, o->comm, o->comm_len, o->pid, s->ext))
		return nx_err_set(s->err, -EINVAL, "%s: output name too long", s->dirname);
	return 0;
}

static int write_all(struct split *s, int fd, const char *name, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return nx_err_set(s->err, -errno, "%s/%s: %s", s->dirname, name,
					  strerror(errno));
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int slot_flush(struct split *s, struct slot *sl)
{
	char name[NX_SPLIT_NAME_MAX];
	int rc;

	if (!sl->len || sl->w)
		return 0;
	rc = name_of(s, &s->outs[sl->out], name);
	if (rc < 0)
		return rc;
	rc = write_all(s, sl->fd, name, sl->buf, sl->len);
	sl->len = 0;
	return rc;
}

/*
 * The least recently used open slot, NO_SLOT when none. A scan, not a list:
 * it runs only when a file must be closed (beside an open and a close), while
 * a list would be relinked on every event of an interleaved recording.
 */
static uint32_t lru_oldest(const struct split *s)
{
	uint32_t best = NO_SLOT;

	for (uint32_t i = 0; i < s->nslots; i++)
		if (s->slots[i].out != NO_SLOT &&
		    (best == NO_SLOT || s->slots[i].used < s->slots[best].used))
			best = i;
	return best;
}

/* Flushes and closes slot i (its output keeps its file on disk). */
static int slot_close(struct split *s, uint32_t i)
{
	struct slot *sl = &s->slots[i];
	int rc = 0;

	if (sl->out == NO_SLOT)
		return 0;
	if (sl->w) {
		rc = nxr_writer_close(sl->w, s->err);	/* closes the fd */
		sl->w = NULL;
		sl->fd = -1;
	} else {
		rc = slot_flush(s, sl);
		if (close(sl->fd) < 0 && rc == 0) {
			char name[NX_SPLIT_NAME_MAX];

			if (name_of(s, &s->outs[sl->out], name) == 0)
				rc = nx_err_set(s->err, -errno, "%s/%s: %s", s->dirname, name,
						strerror(errno));
		}
		sl->fd = -1;
	}
	s->outs[sl->out].slot = NO_SLOT;
	sl->out = NO_SLOT;
	s->used_slots--;
	return rc;
}

static int create_file(struct split *s, const char *name)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(s->dirfd, name, flags, 0600);

	if (fd < 0 && errno == EEXIST && s->o->force) {
		if (unlinkat(s->dirfd, name, 0) < 0)
			return nx_err_set(s->err, -errno, "%s/%s: cannot replace: %s", s->dirname,
					  name, strerror(errno));
		fd = openat(s->dirfd, name, flags, 0600);
	}
	if (fd < 0 && errno == EEXIST)
		return nx_err_set(s->err, -EEXIST, "%s/%s: exists (-f replaces it)", s->dirname,
				  name);
	if (fd < 0)
		return nx_err_set(s->err, -errno, "%s/%s: %s", s->dirname, name, strerror(errno));
	return fd;
}

/* The slot of output oi, opening (or creating) its file; NULL with err set. */
static struct slot *slot_get(struct split *s, uint32_t oi)
{
	struct out *o = &s->outs[oi];
	char name[NX_SPLIT_NAME_MAX];
	struct slot *sl;
	uint32_t i;
	int fd;

	if (o->slot != NO_SLOT) {
		s->slots[o->slot].used = ++s->clock;
		return &s->slots[o->slot];
	}
	while (s->used_slots && s->used_slots >= s->nslots_limit)
		if (slot_close(s, lru_oldest(s)) < 0)
			return NULL;
	if (name_of(s, o, name) < 0)
		return NULL;
	if (o->created) {
		fd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		/* fewer descriptors than max_open: make do with what is open */
		while (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->used_slots) {
			if (slot_close(s, lru_oldest(s)) < 0)
				return NULL;
			s->nslots_limit = s->used_slots ? s->used_slots : 1;
			fd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			nx_err_set(s->err, -errno, "%s/%s: cannot reopen: %s", s->dirname, name,
				   strerror(errno));
			return NULL;
		}
		s->st->reopens++;
	} else {
		fd = create_file(s, name);
		while (fd == -EMFILE || fd == -ENFILE) {
			if (!s->used_slots || slot_close(s, lru_oldest(s)) < 0)
				return NULL;
			s->nslots_limit = s->used_slots ? s->used_slots : 1;
			fd = create_file(s, name);
		}
		if (fd < 0)
			return NULL;
		o->created = true;
		s->st->outputs++;
	}
	for (i = 0; i < s->nslots && s->slots[i].out != NO_SLOT; i++)
		;
	sl = &s->slots[i];
	sl->fd = fd;
	sl->len = 0;
	sl->w = NULL;
	if (s->o->format == NX_SPLIT_NXR) {
		struct nxr_writer_opts wo = { .segment_bytes = 256u << 10,
					      .segment_age_ns = UINT64_MAX,
					      .sync = NXR_SYNC_NONE };

		sl->w = nxr_writer_open_fd(fd, name, nxr_reader_meta(s->r), &wo, s->err);
		if (!sl->w) {
			nx_err_prefix(s->err, "%s", s->dirname);
			return NULL;	/* the writer closed fd */
		}
	}
	sl->out = oi;
	sl->used = ++s->clock;
	o->slot = i;
	s->used_slots++;
	return sl;
}

static int slot_put(struct split *s, struct slot *sl, const char *p, size_t n)
{
	if (sl->len + n > SLOT_BUF) {
		int rc = slot_flush(s, sl);

		if (rc < 0)
			return rc;
		if (n > SLOT_BUF) {
			char name[NX_SPLIT_NAME_MAX];

			rc = name_of(s, &s->outs[sl->out], name);
			return rc < 0 ? rc : write_all(s, sl->fd, name, p, n);
		}
	}
	memcpy(sl->buf + sl->len, p, n);
	sl->len += (uint32_t)n;
	return 0;
}

static int put_log(struct split *s, uint32_t oi, uint32_t nr)
{
	struct out *o = &s->outs[oi];
	struct slot *sl;
	char *b;
	size_t n = 0;

	if (o->slot != NO_SLOT) {	/* slot_get's common case, inline */
		sl = &s->slots[o->slot];
		sl->used = ++s->clock;
	} else {
		sl = slot_get(s, oi);
	}
	if (!sl)
		return s->err ? s->err->code : -EIO;
	/* room for a separator and a name or number (48 bytes at most), then the
	 * bytes go straight into the buffer */
	if (sl->len + 48 > SLOT_BUF && slot_flush(s, sl) < 0)
		return s->err->code;
	b = sl->buf + sl->len;
	if (o->nonempty)
		b[n++] = ' ';
	o->nonempty = true;
	if (s->o->names) {
		char nb[32];
		const char *nm = nx_syscall_name(nr, nb, sizeof(nb));
		size_t k = strlen(nm);

		if (k > 47 - n)
			k = 47 - n;
		memcpy(b + n, nm, k);
		n += k;
	} else if (nr < 1000) {	/* every syscall number: no loop, no memcpy */
		if (nr >= 100)
			b[n++] = (char)('0' + nr / 100);
		if (nr >= 10)
			b[n++] = (char)('0' + nr / 10 % 10);
		b[n++] = (char)('0' + nr % 10);
	} else {
		char d[12];
		int k = sizeof(d);
		uint32_t v = nr;

		do {
			d[--k] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		memcpy(b + n, d + k, sizeof(d) - (size_t)k);
		n += sizeof(d) - (size_t)k;
	}
	sl->len += (uint32_t)n;
	return 0;
}

static int put_event(struct split *s, uint32_t oi, const struct nxr_event *ev,
		     const struct nx_proc *p, uint64_t id)
{
	struct slot *sl;

	if (s->o->format == NX_SPLIT_LOG)
		return put_log(s, oi, ev->syscall.nr);
	if (s->o->format == NX_SPLIT_NXR && (oi < s->batch_lo || oi >= s->batch_hi))
		return 0;
	sl = slot_get(s, oi);
	if (!sl)
		return s->err ? s->err->code : -EIO;
	if (sl->w)
		return nxr_writer_append(sl->w, ev, s->err);
	nx_json_reset(&s->line);
	nx_fmtev_json(&s->line, ev, id, p, &s->fo);
	nx_json_putc(&s->line, '\n');
	if (s->line.oom)
		return nx_err_set(s->err, -ENOMEM, "out of memory");
	return slot_put(s, sl, s->line.p, s->line.len);
}

/* Invalidates every pid_cache entry in O(1): a new generation (0 is never one). */
static void pid_cache_clear(struct split *s)
{
	if (++s->pid_gen == 0) {
		memset(s->pid_cache, 0, sizeof(s->pid_cache));
		s->pid_gen = 1;
	}
}

/* One pass over the recording. */
static int pass(struct split *s, bool first)
{
	struct nxr_event ev;
	uint64_t id = 0;
	bool oom = false;
	int n, rc;

	nx_proctab_free(s->procs);
	s->procs = nx_proctab_new();
	if (!s->procs)
		return nx_err_set(s->err, -ENOMEM, "out of memory");
	pid_cache_clear(s);	/* a new pass: no cached output is valid */
	while ((n = nxr_reader_next(s->r, &ev, s->err)) > 0) {
		struct pid_out *pc;
		struct nx_proc *p;
		int64_t oi;

		id++;
		if (ev.kind == NX_KIND_EXEC || ev.kind == NX_KIND_FORK) {
			pid_cache_clear(s);	/* a comm may change: every cached output is stale */
			p = nx_proctab_observe(s->procs, &ev, &oom);
			if (p)
				p->user = 0;	/* new comm: new output */
			if (oom)
				return nx_err_set(s->err, -ENOMEM, "out of memory");
		}
		if (first)
			s->st->events++;
		if (s->o->format == NX_SPLIT_LOG && ev.kind != NX_KIND_SYSCALL)
			continue;
		if (!ev.pid || ev.kind == NX_KIND_HEALTH || ev.kind == NX_KIND_LOSS ||
		    ev.kind == NX_KIND_FILTER) {
			if (first)
				s->st->unowned++;
			continue;
		}
		pc = &s->pid_cache[ev.pid & (PID_CACHE - 1)];
		if (s->o->format == NX_SPLIT_LOG && pc->gen == s->pid_gen && pc->pid == ev.pid) {
			/* no exec or fork since the lookup: the output cannot have changed */
			p = NULL;
			oi = pc->oi;
		} else {
			p = nx_proctab_get(s->procs, ev.pid);
			if (!p)
				return nx_err_set(s->err, -ENOMEM, "out of memory");
			oi = out_of(s, p);
			if (oi < 0)
				return nx_err_set(s->err, -ENOMEM, "out of memory");
			*pc = (struct pid_out){ ev.pid, (uint32_t)oi, s->pid_gen };
		}
		rc = put_event(s, (uint32_t)oi, &ev, p, id - 1);
		if (rc < 0)
			return rc;
		if (s->o->format != NX_SPLIT_NXR || ((uint32_t)oi >= s->batch_lo &&
						     (uint32_t)oi < s->batch_hi))
			s->st->written++;
	}
	return n;
}

/* LOG: every output ends with a newline. */
static int finish_logs(struct split *s)
{
	for (uint32_t i = 0; i < s->nouts; i++) {
		struct slot *sl;
		int rc;

		if (!s->outs[i].created)
			continue;
		sl = slot_get(s, i);
		if (!sl)
			return s->err ? s->err->code : -EIO;
		rc = slot_put(s, sl, "\n", 1);	/* s->err may be NULL */
		if (rc < 0)
			return rc;
	}
	return 0;
}

int nx_split_run(struct nxr_reader *r, int dirfd, const char *dirname,
		 const struct nx_split_opts *opts, struct nx_split_stats *st, struct nx_err *err)
{
	static const struct nx_split_opts defaults = { 0 };
	struct nx_err local = { 0 };
	struct split s = { 0 };
	int rc = 0;

	memset(st, 0, sizeof(*st));
	s.o = opts ? opts : &defaults;
	s.r = r;
	s.dirfd = dirfd;
	s.dirname = dirname;
	s.st = st;
	s.err = err ? err : &local;
	s.ext = s.o->format == NX_SPLIT_JSONL ? "jsonl"
		: s.o->format == NX_SPLIT_NXR ? "nxr"
		: "log";
	s.fo.meta = nxr_reader_meta(r);
	{
		const struct nxr_segment_info *seg;
		uint32_t nseg;
		uint64_t t0 = UINT64_MAX;

		seg = nxr_reader_segments(r, &nseg);
		for (uint32_t i = 0; i < nseg; i++)
			if (seg[i].events && seg[i].first_ts_ns < t0)
				t0 = seg[i].first_ts_ns;
		s.fo.t0_ns = t0 == UINT64_MAX ? 0 : t0;
	}
	s.nslots = s.o->max_open ? s.o->max_open : 256;
	if (s.o->format == NX_SPLIT_NXR)
		s.nslots = s.o->nxr_batch ? s.o->nxr_batch : 64;
	s.slots = calloc(s.nslots, sizeof(*s.slots));
	if (!s.slots) {
		rc = nx_err_set(s.err, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < s.nslots; i++) {
		s.slots[i].out = NO_SLOT;
		s.slots[i].fd = -1;
		if (s.o->format != NX_SPLIT_NXR) {
			s.slots[i].buf = malloc(SLOT_BUF);
			if (!s.slots[i].buf) {
				rc = nx_err_set(s.err, -ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	s.nslots_limit = s.nslots;
	s.batch_lo = 0;
	s.batch_hi = s.nslots;
	for (;;) {
		rc = pass(&s, st->passes == 0);
		st->passes++;
		if (rc < 0)
			goto out;
		if (s.o->on_pass)
			s.o->on_pass(s.o->ctx, st->passes,
				     s.o->format == NX_SPLIT_NXR ?
					     (s.nouts + s.nslots - 1) / s.nslots : 1);
		if (s.o->format != NX_SPLIT_NXR || s.batch_hi >= s.nouts)
			break;
		for (uint32_t i = 0; i < s.nslots; i++) {
			rc = slot_close(&s, i);
			if (rc < 0)
				goto out;
		}
		s.batch_lo = s.batch_hi;
		s.batch_hi += s.nslots;
		rc = nxr_reader_rewind(r, s.err);
		if (rc < 0)
			goto out;
	}
	if (s.o->format == NX_SPLIT_LOG)
		rc = finish_logs(&s);
out:
	for (uint32_t i = 0; s.slots && i < s.nslots; i++) {
		int k = slot_close(&s, i);

		if (k < 0 && rc == 0)
			rc = k;
	}
	for (uint32_t i = 0; s.slots && i < s.nslots; i++)
		free(s.slots[i].buf);
	free(s.slots);
	free(s.outs);
	free(s.index);
	nx_proctab_free(s.procs);
	nx_json_release(&s.line);
	return rc < 0 ? rc : 0;
}
