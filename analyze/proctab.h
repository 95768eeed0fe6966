#ifndef NX_ANALYZE_PROCTAB_H	/* analyze/proctab.h: pid -> process name, from events */
#define NX_ANALYZE_PROCTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "format/event.h"

/*
 * The offline tools follow process names through a recording: an EXEC gives
 * the process its new comm (and ppid, uid), a FORK of a process gives the
 * child its parent's comm (carried in the event) and ppid = the forking
 * process. Before either, a process's comm is unknown (comm_known false,
 * comm "?"). Threads share their process's entry (keyed by pid, the thread
 * group id).
 */
#define NX_PROC_COMM_MAX 16		/* bytes kept of a comm (the kernel's TASK_COMM_LEN) */
#define NX_PROC_UNKNOWN_COMM "?"

struct nx_proc {
	uint32_t pid;
	uint32_t ppid;			/* 0 until known */
	uint32_t uid;			/* UINT32_MAX until known */
	uint8_t comm_len;
	bool comm_known;
	char comm[NX_PROC_COMM_MAX + 1];	/* NUL-terminated; may hold any byte but NUL */
	uint64_t user;			/* free for the caller; 0 in a new entry */
};

struct nx_proctab;			/* opaque: an open-addressing table keyed by pid */

struct nx_proctab *nx_proctab_new(void);	/* NULL when out of memory */
void nx_proctab_free(struct nx_proctab *t);	/* NULL: no-op */

/* The entry of pid, or NULL when absent. Borrowed until the next call that may add. */
struct nx_proc *nx_proctab_find(struct nx_proctab *t, uint32_t pid);
/* The entry of pid, added (comm unknown) when absent; NULL when out of memory. */
struct nx_proc *nx_proctab_get(struct nx_proctab *t, uint32_t pid);

/*
 * Applies an EXEC or FORK event (others are ignored). Returns the entry whose
 * comm changed (the exec'ing process, or the forked child), NULL when nothing
 * changed; *oom is set when an entry could not be added.
 */
struct nx_proc *nx_proctab_observe(struct nx_proctab *t, const struct nxr_event *ev, bool *oom);

/* Number of entries, and iteration: *pos starts at 0; NULL at the end. */
uint32_t nx_proctab_count(const struct nx_proctab *t);
struct nx_proc *nx_proctab_iter(struct nx_proctab *t, uint32_t *pos);

#endif
