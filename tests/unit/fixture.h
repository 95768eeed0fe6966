#ifndef NX_TESTS_UNIT_FIXTURE_H	/* tests/unit/fixture.h: in-memory recordings for tests */
#define NX_TESTS_UNIT_FIXTURE_H
/*
 * nxr_fixture_build() writes a recording of known events through the real
 * writer into memory: n segments of per_seg events each, every kind, edge
 * values included. fx->buf/fx->len are the file's bytes, fx->seg_off[i] and
 * fx->seg_end[i] where segment i lies. nxr_fixture_event(i, ev) regenerates
 * event i (deterministic; its strings are static), so a test can check what a
 * reader returns without keeping a copy.
 *
 * For cmocka: fixture_setup builds a closed 3-segment recording of 100 events
 * per segment into *state; fixture_teardown frees it. Each test gets a fresh
 * copy, so it may damage it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/event.h"
#include "format/meta.h"
#include "format/writer.h"

struct nxr_fixture {
	uint8_t *buf;
	size_t len;
	uint32_t nsegs, per_seg;
	uint64_t nevents;
	uint64_t *seg_off, *seg_end;	/* [nsegs] */
	size_t header_len;
	bool closed;			/* trailer and footer written */
};

/* The segment layout fixtures (and suites that run twice) write: 0 is the
 * writer's default; suites set NXR_LAYOUT_ROWS to cover the 1.0 layout too. */
extern enum nxr_layout nxr_fixture_layout;
/* cmocka group setups selecting the layout */
int nxr_fixture_columns(void **state);
int nxr_fixture_rows(void **state);
int nxr_fixture_columns_1_1(void **state);	/* without the entropy-coded columns */
int nxr_fixture_columns_1_4(void **state);	/* without the copy columns of 1.5 */
int nxr_fixture_columns_1_5(void **state);	/* without the copy steps of 1.6 */

/* Recording of nsegs segments x per_seg events; closed: with trailer and footer.
 * NULL only when out of memory or the writer fails (a bug). */
struct nxr_fixture *nxr_fixture_build(uint32_t nsegs, uint32_t per_seg, bool closed);
void nxr_fixture_free(struct nxr_fixture *fx);	/* NULL: no-op */

/* The i-th event of every fixture (and of nxr_fixture_build's stream). */
void nxr_fixture_event(uint64_t i, struct nxr_event *ev);
/* The metadata fixtures are written with (two probes, two kv pairs). */
const struct nxr_meta *nxr_fixture_meta(void);
/* Rewrites the header's major version (and its CRC, so only the version is wrong). */
void nxr_fixture_set_major(struct nxr_fixture *fx, uint16_t major);

/*
 * A growable in-memory sink with failure injection: the fail_write-th call
 * to write (1-based, 0 = never) fails with write_errno, and every later one
 * too when fail_forever; likewise sync. short_writes: each write takes at
 * most 7 bytes.
 */
struct nxr_memsink {
	uint8_t *buf;
	size_t len, cap;
	unsigned writes, syncs;
	unsigned fail_write, fail_sync;
	bool fail_forever, short_writes;
	int write_errno;
};
struct nxr_sink nxr_memsink_sink(struct nxr_memsink *ms);
void nxr_memsink_release(struct nxr_memsink *ms);

int fixture_setup(void **state);
int fixture_teardown(void **state);

#endif
