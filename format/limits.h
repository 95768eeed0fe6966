#ifndef NX_FORMAT_LIMITS_H	/* format/limits.h: the one set of limits of the .nxr format */
#define NX_FORMAT_LIMITS_H
/*
 * The writer never produces, and the reader never accepts, anything past
 * these limits. Every length or count read from a file is compared with one
 * of them before it sizes an allocation or a loop. Changing one is a format
 * change: readers of the same major version must accept what writers emit.
 */

#define NXR_VERSION_MAJOR 1
#define NXR_VERSION_MINOR 6	/* 1.1: column payloads (NXR_INCOMPAT_COLUMNS); 1.2: entropy-coded
				 * columns; 1.3: LIST and TLIST columns, the task's nearest recent
				 * value (TNEAR) and entry-time keys (ENTRY); 1.4: LOGH columns
				 * and TGAP keys; 1.5: TCOPY columns and TGAPN keys; 1.6: TCOPY's
				 * steps, LOGH parts by the syscall before */

/* Feature flags in the file header. Compatible: a reader that does not know
 * one ignores it. Incompatible: a reader that does not know one refuses. */
#define NXR_COMPAT_KNOWN 0ull
#define NXR_INCOMPAT_COLUMNS 1ull	/* segments may hold column payloads (NXR_SEG_COLUMNS) */
#define NXR_INCOMPAT_ENTROPY 2ull	/* column payloads may use HUFF, MTF, TMTF (format 1.2) */
#define NXR_INCOMPAT_LISTS 4ull	/* column payloads may use LIST, TLIST (format 1.3) */
#define NXR_INCOMPAT_CONTEXT 8ull	/* column payloads may use TNEAR, ENTRY (format 1.3) */
#define NXR_INCOMPAT_TIMING 16ull	/* column payloads may use LOGH, TGAP (format 1.4) */
#define NXR_INCOMPAT_COPY 32ull	/* column payloads may use TCOPY, TGAPN (format 1.5) */
#define NXR_INCOMPAT_STEP 64ull	/* TCOPY columns may use its steps, slots 24 and 25 (format 1.6) */
#define NXR_INCOMPAT_PREVNR 128ull	/* LOGH parts may split by the syscall before (format 1.6) */
#define NXR_INCOMPAT_KNOWN (NXR_INCOMPAT_COLUMNS | NXR_INCOMPAT_ENTROPY | NXR_INCOMPAT_LISTS | \
			    NXR_INCOMPAT_CONTEXT | NXR_INCOMPAT_TIMING | NXR_INCOMPAT_COPY | \
			    NXR_INCOMPAT_STEP | NXR_INCOMPAT_PREVNR)
#define NXR_INCOMPAT_1_6 (NXR_INCOMPAT_STEP | NXR_INCOMPAT_PREVNR)	/* format 1.6's bits */

/* File header */
#define NXR_MAX_HEADER (4u << 20)	/* whole header, config text included */
#define NXR_MAX_META_STR (64u << 10)	/* hostname, kernel, paths, kv strings... */
#define NXR_MAX_CONFIG (1u << 20)	/* the config text */
#define NXR_MAX_PROBES 4096u
#define NXR_MAX_KV 1024u

/* Segments */
#define NXR_MAX_SEG_BYTES (8u << 20)	/* largest opts.segment_bytes the writer accepts */
#define NXR_MAX_EVENT_STR 65535u	/* one string field of an event (the wire's __u16) */
#define NXR_MAX_EVENT_BYTES (1u << 20)	/* one encoded event (strings included) */
/* Raw (encoded) bytes of a segment: it closes once it passes segment_bytes,
 * so at most one event past NXR_MAX_SEG_BYTES. */
#define NXR_MAX_SEG_RAW (NXR_MAX_SEG_BYTES + NXR_MAX_EVENT_BYTES)
/* Compressed bytes: zstd's bound for NXR_MAX_SEG_RAW, rounded up. */
#define NXR_MAX_SEG_Z (NXR_MAX_SEG_RAW + (NXR_MAX_SEG_RAW >> 7) + 4096u)
/* Events per segment: every event encodes to at least 3 bytes. */
#define NXR_MAX_SEG_EVENTS (NXR_MAX_SEG_RAW / 3u)
/* zstd window: 2^24 = 16 MiB >= NXR_MAX_SEG_RAW, so one frame always fits. */
#define NXR_ZSTD_WINDOWLOG_MAX 24
#define NXR_ZSTD_LEVEL_DEFAULT 1	/* chosen on bench_format: see FORMAT.md */
#define NXR_ZSTD_LEVEL_MAX 19

/* Column segments (format 1.1, segment flag NXR_SEG_COLUMNS): at most this
 * many events. The writer closes one when NXR_COL_STAGE_PER_EVENT bytes per
 * event plus its string bytes reach segment_bytes (1 MiB: 32768 events, whose
 * columns compress far better than 8192's), or when its payload's bound,
 * NXR_COL_BOUND_PER_EVENT bytes per event plus its string bytes plus 4 KiB,
 * would pass NXR_MAX_SEG_BYTES: the payload stays within NXR_MAX_SEG_RAW
 * whatever its values. */
#define NXR_COL_MAX_EVENTS 65536u
#define NXR_COL_STAGE_PER_EVENT 32u
#define NXR_COL_BOUND_PER_EVENT 128u
/* A kind's events are grouped by at most this many selector values (a
 * writer with more does not group; a reader refuses more). */
#define NXR_COL_MAX_GROUPS 256u

/* Segments per file: the trailer's index must fit NXR_MAX_TRAILER. */
#define NXR_MAX_SEGMENTS (1u << 22)
#define NXR_MAX_TRAILER (128u + 48u * NXR_MAX_SEGMENTS)

#endif
