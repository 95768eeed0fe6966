#ifndef NX_ANALYZE_PAYJOIN_H	/* analyze/payjoin.h: PAYLOAD events joined to their SYSCALL */
#define NX_ANALYZE_PAYJOIN_H

#include <stdbool.h>
#include <stdint.h>

#include "format/err.h"
#include "format/event.h"

/*
 * A PAYLOAD comes before its SYSCALL in the thread's order, with the same
 * tid and ts_ns (bpf/events.h). A reader streaming the recording keeps the
 * payloads of each thread here until that thread's SYSCALL arrives. Those
 * that find no SYSCALL (it was lost, or the recording ends first) become
 * orphans, handed back to be shown on their own: nothing is dropped, but
 * for lack of memory, and that is counted (nx_payjoin_lost) for the caller
 * to report: take and finish return nothing that could say it.
 */
#define NX_PAYSET_MAX 8		/* payloads of one syscall kept: 6 paths, argv, buffer */

struct nx_payset {
	uint32_t n;
	struct nxr_event ev[NX_PAYSET_MAX];	/* PAYLOAD events; data owned by the set */
};

struct nx_payjoin;

struct nx_payjoin *nx_payjoin_new(void);	/* NULL: out of memory */
void nx_payjoin_free(struct nx_payjoin *j);	/* NULL: no-op */

/* Keeps a copy of the PAYLOAD ev. Pending payloads of the same thread with
 * another ts_ns become orphans, as does a ninth for one syscall. -ENOMEM. */
int nx_payjoin_add(struct nx_payjoin *j, const struct nxr_event *ev, struct nx_err *err);
/* The payloads of the SYSCALL sys (same tid and ts_ns), in the order they came; an
 * empty set when none. Pending ones of that thread that do not match become
 * orphans. Valid until the next call on j. */
const struct nx_payset *nx_payjoin_take(struct nx_payjoin *j, const struct nxr_event *sys);
/* Orphans so far, in the order they came, and forgets them; valid until
 * the next call on j. At the end of a stream, nx_payjoin_finish first turns
 * everything still pending into orphans. */
const struct nxr_event *nx_payjoin_orphans(struct nx_payjoin *j, uint32_t *n);
void nx_payjoin_finish(struct nx_payjoin *j);
/* Payloads freed without being handed out because memory ran out (turning
 * them into orphans failed): not 0 means the output lacks them. NULL: 0. */
uint64_t nx_payjoin_lost(const struct nx_payjoin *j);

/* Within a set: the payload of argument arg of type type, or NULL. */
const struct nxr_event *nx_payset_find(const struct nx_payset *s, uint32_t arg, uint32_t type);

/*
 * The entries of an NX_PAYLOAD_IOV payload's data, one per call: *pos
 * starts at 0; fills the iovec's iov_len and its first n bytes (bytes
 * points into data) and returns true, or false past the last entry. A
 * damaged tail (an entry cut short) ends the walk: n never reaches past
 * the data.
 */
struct nx_iov_entry {
	uint32_t iov_len;
	uint32_t n;
	const char *bytes;
};
bool nx_iov_next(struct nxr_str data, uint32_t *pos, struct nx_iov_entry *e);

#endif
