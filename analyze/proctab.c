/*
 * analyze/proctab.c: pid -> process name table for the offline tools.
 *
 * Linear probing over a power-of-two array, grown at 1/2 load; entries are
 * never removed (a reused pid keeps its entry and gets the new name from its
 * FORK or EXEC), so memory is one entry per distinct pid. Strings from the
 * recording are cut to NX_PROC_COMM_MAX bytes and an embedded NUL ends them.
 */
#include "analyze/proctab.h"

#include <stdlib.h>
#include <string.h>

struct nx_proctab {
	struct nx_proc *slots;
	uint8_t *used;
	uint32_t cap;		/* power of two */
	uint32_t count;
};

static inline uint32_t pid_hash(uint32_t pid)
{
	return (pid * 0x9e3779b1u) ^ (pid >> 16);
}

struct nx_proctab *nx_proctab_new(void)
{
	struct nx_proctab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 256;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	t->used = calloc(t->cap, 1);
	if (!t->slots || !t->used) {
		nx_proctab_free(t);
		return NULL;
	}
	return t;
}

void nx_proctab_free(struct nx_proctab *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->used);
	free(t);
}

static uint32_t probe_slot(const struct nx_proctab *t, uint32_t pid)
{
	uint32_t m = t->cap - 1, i = pid_hash(pid) & m;

	while (t->used[i] && t->slots[i].pid != pid)
		i = (i + 1) & m;
	return i;
}

struct nx_proc *nx_proctab_find(struct nx_proctab *t, uint32_t pid)
{
	uint32_t i = probe_slot(t, pid);

	return t->used[i] ? &t->slots[i] : NULL;
}

static int grow(struct nx_proctab *t)
{
	struct nx_proctab n = { 0 };

	if (t->cap > UINT32_MAX / 4)
		return -1;
	n.cap = t->cap * 2;
	n.slots = calloc(n.cap, sizeof(*n.slots));
	n.used = calloc(n.cap, 1);
	if (!n.slots || !n.used) {
		free(n.slots);
		free(n.used);
		return -1;
	}
	for (uint32_t i = 0; i < t->cap; i++) {
		if (!t->used[i])
			continue;
		uint32_t j = probe_slot(&n, t->slots[i].pid);

		n.used[j] = 1;
		n.slots[j] = t->slots[i];
	}
	free(t->slots);
	free(t->used);
	t->slots = n.slots;
	t->used = n.used;
	t->cap = n.cap;
	return 0;
}

struct nx_proc *nx_proctab_get(struct nx_proctab *t, uint32_t pid)
{
	uint32_t i = probe_slot(t, pid);
	struct nx_proc *p;

	if (t->used[i])
		return &t->slots[i];
	if ((t->count + 1) * 2 > t->cap) {
		if (grow(t) < 0)
			return NULL;
		i = probe_slot(t, pid);
	}
	t->used[i] = 1;
	t->count++;
	p = &t->slots[i];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->uid = UINT32_MAX;
	memcpy(p->comm, NX_PROC_UNKNOWN_COMM, sizeof(NX_PROC_UNKNOWN_COMM));
	p->comm_len = sizeof(NX_PROC_UNKNOWN_COMM) - 1;
	return p;
}

static void set_comm(struct nx_proc *p, struct nxr_str s)
{
	uint32_t n = s.len > NX_PROC_COMM_MAX ? NX_PROC_COMM_MAX : s.len;
	const char *nul = n ? memchr(s.ptr, '\0', n) : NULL;

	if (nul)
		n = (uint32_t)(nul - s.ptr);
	memcpy(p->comm, s.ptr, n);
	p->comm[n] = '\0';
	p->comm_len = (uint8_t)n;
	p->comm_known = true;
}

struct nx_proc *nx_proctab_observe(struct nx_proctab *t, const struct nxr_event *ev, bool *oom)
{
	struct nx_proc *p, *parent;
	uint32_t uid;

	switch (ev->kind) {
	case NX_KIND_EXEC:
		p = nx_proctab_get(t, ev->pid);
		if (!p)
			goto nomem;
		set_comm(p, ev->exec.comm);
		p->ppid = ev->exec.ppid;
		p->uid = ev->exec.uid;
		return p;
	case NX_KIND_FORK:
		if (ev->fork.flags & NX_FORK_THREAD)
			return NULL;
		parent = nx_proctab_find(t, ev->pid);
		uid = parent ? parent->uid : UINT32_MAX;
		p = nx_proctab_get(t, ev->fork.child_pid);
		if (!p)
			goto nomem;
		set_comm(p, ev->fork.comm);
		p->ppid = ev->pid;
		p->uid = uid;
		return p;
	default:
		return NULL;
	}
nomem:
	if (oom)
		*oom = true;
	return NULL;
}

uint32_t nx_proctab_count(const struct nx_proctab *t)
{
	return t->count;
}

struct nx_proc *nx_proctab_iter(struct nx_proctab *t, uint32_t *pos)
{
	while (*pos < t->cap) {
		uint32_t i = (*pos)++;

		if (t->used[i])
			return &t->slots[i];
	}
	return NULL;
}
