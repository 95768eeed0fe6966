#ifndef NX_FORMAT_COLCODEC_H	/* format/colcodec.h: a segment's events <-> column payload */
#define NX_FORMAT_COLCODEC_H
/*
 * The column encoding of FORMAT.md ("Column payload", format 1.1): a whole
 * segment of events is staged by field, then each field is coded as one
 * column with the cheapest of a few schemes (frame-of-reference bit packing
 * in blocks, deltas, dictionary, runs, repeats of the same task's previous
 * value). Per-kind staging and unstaging are expanded from bpf/events.h.
 *
 * Writer side: nxr_colenc_add() per event, nxr_colenc_finish() at segment
 * close. Reader side: nxr_coldec_load() per segment, nxr_coldec_next() per
 * event. Both objects are reused from segment to segment; all their memory
 * goes through malloc/realloc/free.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/event.h"

struct nxr_colenc;
struct nxr_coldec;

/* ---- writer ---- */

struct nxr_colenc *nxr_colenc_new(void);
void nxr_colenc_free(struct nxr_colenc *e);
/* Stages a checked event (nxr_codec_check_bound() != 0). 0 or -ENOMEM
 * (nothing staged then). */
int nxr_colenc_add(struct nxr_colenc *e, const struct nxr_event *ev);
/* Whether the encoder may use the entropy-coded schemes of format 1.2
 * (NXR_INCOMPAT_ENTROPY); on from nxr_colenc_new(). */
void nxr_colenc_set_entropy(struct nxr_colenc *e, bool on);
/* Whether it may use LIST and TLIST too (format 1.3, NXR_INCOMPAT_LISTS;
 * with entropy on only); on from nxr_colenc_new(). */
void nxr_colenc_set_lists(struct nxr_colenc *e, bool on);
/* Whether it may use TNEAR, the task's nearest recent value, and ENTRY keys
 * of format 1.3 (NXR_INCOMPAT_CONTEXT); on from nxr_colenc_new(). */
void nxr_colenc_set_context(struct nxr_colenc *e, bool on);
/* Whether it may use LOGH columns and TGAP keys of format 1.4
 * (NXR_INCOMPAT_TIMING); on from nxr_colenc_new(). */
void nxr_colenc_set_timing(struct nxr_colenc *e, bool on);
/* Whether it may use TCOPY columns and TGAPN keys of format 1.5
 * (NXR_INCOMPAT_COPY); on from nxr_colenc_new(). */
void nxr_colenc_set_copy(struct nxr_colenc *e, bool on);
/* TCOPY's steps, slots 24 and 25 (format 1.6, NXR_INCOMPAT_STEP): a value
 * as the same register of its task's syscall before plus or minus that
 * syscall's return value; on from nxr_colenc_new(), used only with TCOPY. */
void nxr_colenc_set_step(struct nxr_colenc *e, bool on);
/* Whether LOGH columns of the syscalls (durations, TCOPY's slots, TGAPN's
 * keys) may split a syscall number's part by the number of the task's
 * syscall before (format 1.6, NXR_INCOMPAT_PREVNR); on from
 * nxr_colenc_new(). */
void nxr_colenc_set_prevnr(struct nxr_colenc *e, bool on);
uint32_t nxr_colenc_events(const struct nxr_colenc *e);
/* The staging measure a segment closes at: NXR_COL_STAGE_PER_EVENT per event
 * plus string bytes. */
uint64_t nxr_colenc_staged(const struct nxr_colenc *e);
/* The payload nxr_colenc_finish() would write is at most this plus 4 KiB:
 * NXR_COL_BOUND_PER_EVENT per event plus string bytes. */
uint64_t nxr_colenc_bound(const struct nxr_colenc *e);
/* Whether the segment is due: staged() >= stage_bytes, bound() >=
 * NXR_MAX_SEG_BYTES, or the most events a column segment holds (one call per
 * event, where it counts). */
bool nxr_colenc_full(const struct nxr_colenc *e, uint64_t stage_bytes);
/* How many more syscalls (no strings) the segment takes before full() may
 * be true: 0 when it is full. */
uint32_t nxr_colenc_room(const struct nxr_colenc *e, uint64_t stage_bytes);
/* Encodes the staged events as one payload into a buffer the encoder owns
 * (*out, *len; valid until the next call) and empties the stage. zctx is a
 * ZSTD_CCtx for string bytes. 0, or -ENOMEM / -EIO. */
int nxr_colenc_finish(struct nxr_colenc *e, void *zctx, const uint8_t **out, size_t *len);

/* ---- reader ---- */

/* Bytes readable (zero or not) past a payload's end that nxr_coldec_load() needs. */
#define NXR_COL_PAD 16u

struct nxr_coldec *nxr_coldec_new(void);
void nxr_coldec_free(struct nxr_coldec *d);
/*
 * Checks and decodes a payload of len bytes (NXR_COL_PAD more readable after
 * it) holding events events; dctx is a ZSTD_DCtx. Strings point into p or the
 * decoder's buffers. 0 ok, -EBADMSG malformed (*why says what), -ENOMEM.
 */
int nxr_coldec_load(struct nxr_coldec *d, const uint8_t *p, size_t len, uint32_t events,
		    void *dctx, const char **why);
/* The next event: 1 filled, 0 a kind this build does not know (only kind,
 * pid, tid, ts_ns set), -1 none left. */
int nxr_coldec_next(struct nxr_coldec *d, struct nxr_event *ev);
/* Up to max next events into evs[]: returns how many were filled; *used
 * receives how many were consumed (kinds this build does not know are
 * consumed and not filled). 0 consumed: none left. */
size_t nxr_coldec_next_batch(struct nxr_coldec *d, struct nxr_event *evs, size_t max,
			     uint32_t *used);

#endif
