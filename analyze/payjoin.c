/*
 * analyze/payjoin.c: PAYLOAD events held per thread until their SYSCALL.
 *
 * Few threads have payloads pending at once (a payload is followed by its
 * syscall within the same thread's next records), so the pending sets are a
 * small array searched linearly. Every kept event owns a copy of its data.
 * Orphans are a growable array, swapped with the one last handed out. When
 * that array cannot grow (out of memory) the payload is freed and counted in
 * j->lost, which the caller must report (nx_payjoin_lost): never silent.
 */
#include "analyze/payjoin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pend {
	uint32_t tid;
	uint64_t ts_ns;
	struct nx_payset set;
};

struct nx_payjoin {
	struct pend *p;
	uint32_t np, cap;
	struct nx_payset cur;		/* the last set handed out by take */
	struct nxr_event *orph;		/* orphans */
	uint32_t norph, orph_cap;
	struct nxr_event *orph_out;	/* handed out by nx_payjoin_orphans */
	uint32_t nout, out_cap;
	uint64_t lost;			/* payloads freed unseen: no memory to keep them */
};

static void set_clear(struct nx_payset *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		free((void *)s->ev[i].payload.data.ptr);
	s->n = 0;
}

struct nx_payjoin *nx_payjoin_new(void)
{
	return calloc(1, sizeof(struct nx_payjoin));
}

static void orphans_clear(struct nxr_event *o, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free((void *)o[i].payload.data.ptr);
}

void nx_payjoin_free(struct nx_payjoin *j)
{
	if (!j)
		return;
	for (uint32_t i = 0; i < j->np; i++)
		set_clear(&j->p[i].set);
	set_clear(&j->cur);
	orphans_clear(j->orph, j->norph);
	orphans_clear(j->orph_out, j->nout);
	free(j->orph);
	free(j->orph_out);
	free(j->p);
	free(j);
}

/* Moves ev (its data owned) to the orphans; on no memory the data is freed,
 * counted in j->lost, and -ENOMEM returned. */
static int orphan(struct nx_payjoin *j, struct nxr_event *ev)
{
	if (j->norph == j->orph_cap) {
		uint32_t cap = j->orph_cap ? j->orph_cap * 2 : 16;
		struct nxr_event *o = realloc(j->orph, cap * sizeof(*o));

		if (!o) {
			free((void *)ev->payload.data.ptr);
			j->lost++;
			return -ENOMEM;
		}
		j->orph = o;
		j->orph_cap = cap;
	}
	j->orph[j->norph++] = *ev;
	return 0;
}

static int orphan_set(struct nx_payjoin *j, struct nx_payset *s)
{
	int rc = 0;

	for (uint32_t i = 0; i < s->n; i++)
		if (orphan(j, &s->ev[i]) < 0)
			rc = -ENOMEM;
	s->n = 0;
	return rc;
}

static struct pend *find(struct nx_payjoin *j, uint32_t tid)
{
	for (uint32_t i = 0; i < j->np; i++)
		if (j->p[i].tid == tid)
			return &j->p[i];
	return NULL;
}

static void drop(struct nx_payjoin *j, struct pend *p)
{
	*p = j->p[--j->np];
}

int nx_payjoin_add(struct nx_payjoin *j, const struct nxr_event *ev, struct nx_err *err)
{
	struct pend *p = find(j, ev->tid);
	struct nxr_event c = *ev;
	char *d;

	if (p && p->ts_ns != ev->ts_ns && orphan_set(j, &p->set) < 0)
		return nx_err_set(err, -ENOMEM, "out of memory");
	if (!p) {
		if (j->np == j->cap) {
			uint32_t cap = j->cap ? j->cap * 2 : 16;
			struct pend *n = realloc(j->p, cap * sizeof(*n));

			if (!n)
				return nx_err_set(err, -ENOMEM, "out of memory");
			j->p = n;
			j->cap = cap;
		}
		p = &j->p[j->np++];
		p->tid = ev->tid;
		p->set.n = 0;
	}
	p->ts_ns = ev->ts_ns;
	d = malloc(ev->payload.data.len + 1);
	if (!d)
		return nx_err_set(err, -ENOMEM, "out of memory");
	memcpy(d, ev->payload.data.ptr, ev->payload.data.len);
	d[ev->payload.data.len] = '\0';
	c.payload.data.ptr = d;
	if (p->set.n == NX_PAYSET_MAX)
		return orphan(j, &c) < 0 ? nx_err_set(err, -ENOMEM, "out of memory") : 0;
	p->set.ev[p->set.n++] = c;
	return 0;
}

const struct nx_payset *nx_payjoin_take(struct nx_payjoin *j, const struct nxr_event *sys)
{
	struct pend *p = find(j, sys->tid);

	set_clear(&j->cur);
	if (!p)
		return &j->cur;
	if (p->ts_ns == sys->ts_ns) {
		j->cur = p->set;
		p->set.n = 0;
	} else {
		orphan_set(j, &p->set);	/* on no memory: counted in j->lost */
	}
	drop(j, p);
	return &j->cur;
}

const struct nxr_event *nx_payjoin_orphans(struct nx_payjoin *j, uint32_t *n)
{
	struct nxr_event *t = j->orph_out;
	uint32_t tcap = j->out_cap;

	orphans_clear(j->orph_out, j->nout);
	j->orph_out = j->orph;
	j->out_cap = j->orph_cap;
	j->nout = j->norph;
	j->orph = t;
	j->orph_cap = tcap;
	j->norph = 0;
	*n = j->nout;
	return j->orph_out;
}

void nx_payjoin_finish(struct nx_payjoin *j)
{
	while (j->np) {
		orphan_set(j, &j->p[0].set);
		drop(j, &j->p[0]);
	}
}

uint64_t nx_payjoin_lost(const struct nx_payjoin *j)
{
	return j ? j->lost : 0;
}

const struct nxr_event *nx_payset_find(const struct nx_payset *s, uint32_t arg, uint32_t type)
{
	for (uint32_t i = 0; s && i < s->n; i++)
		if (s->ev[i].payload.arg == arg && s->ev[i].payload.type == type)
			return &s->ev[i];
	return NULL;
}

bool nx_iov_next(struct nxr_str data, uint32_t *pos, struct nx_iov_entry *e)
{
	const unsigned char *h;
	uint32_t left;

	if (*pos > data.len || data.len - *pos < 8)
		return false;
	h = (const unsigned char *)data.ptr + *pos;
	e->iov_len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
		     (uint32_t)h[3] << 24;
	e->n = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
	left = data.len - *pos - 8;
	if (e->n > left)
		e->n = left;
	e->bytes = data.ptr + *pos + 8;
	*pos += 8 + e->n;
	return true;
}
