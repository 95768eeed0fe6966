#ifndef NX_FORMAT_EVENT_H	/* format/event.h: the in-memory event, expanded from bpf/events.h */
#define NX_FORMAT_EVENT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/events.h"

/* Bytes that are not NUL-terminated; borrowed from whoever filled the event. */
struct nxr_str {
	const char *ptr;
	uint32_t len;
};

#define NXR_CTYPE_U32 uint32_t
#define NXR_CTYPE_U64 uint64_t
#define NXR_CTYPE_S64 int64_t
#define NXR_CTYPE_STR struct nxr_str
#define NXR_FIELD_DECL(C, T, name, doc) NXR_CTYPE_##T name;
#define NXR_KIND_STRUCT(KIND, id, member, str) \
	struct nxr_##member { NX_FIELDS_##KIND(NXR_FIELD_DECL, member) };
NX_KINDS(NXR_KIND_STRUCT)
#undef NXR_KIND_STRUCT

/*
 * One event, a plain value. kind is an NX_KIND_* id; the union member of that
 * kind is valid. Strings point into memory owned by whoever filled the event
 * (the reader's segment buffer: valid until the next nxr_reader_next()).
 * pid and tid are 0 for events that belong to no process (health, loss).
 */
struct nxr_event {
	uint32_t kind;
	uint32_t pid;
	uint32_t tid;
	uint64_t ts_ns;		/* kernel monotonic clock; the header maps it to wall time */
	union {
#define NXR_KIND_MEMBER(KIND, id, member, str) struct nxr_##member member;
		NX_KINDS(NXR_KIND_MEMBER)
#undef NXR_KIND_MEMBER
	};
};

/* Field descriptions for generic consumers (dump, JSON, SQL schema). */
enum nxr_ftype { NXR_FT_U32, NXR_FT_U64, NXR_FT_S64, NXR_FT_STR };

struct nxr_field_desc {
	const char *name;
	enum nxr_ftype type;
	size_t offset;		/* within struct nxr_event */
	const char *doc;
};

struct nxr_kind_desc {
	uint32_t kind;
	const char *name;	/* "syscall", "exec", ...: JSON event_type, SQL table stem */
	const struct nxr_field_desc *fields;
	unsigned nfields;
};

/* NULL for a kind this build does not know. */
const struct nxr_kind_desc *nxr_kind_desc(uint32_t kind);
/* By name, e.g. "syscall"; NULL if none. */
const struct nxr_kind_desc *nxr_kind_desc_by_name(const char *name);
/* Every known kind, in id order; *n receives the count. */
const struct nxr_kind_desc *nxr_kind_descs(unsigned *n);

/* Field access through a descriptor: integer types widened to 64 bits. */
uint64_t nxr_field_u64(const struct nxr_event *ev, const struct nxr_field_desc *f);
struct nxr_str nxr_field_str(const struct nxr_event *ev, const struct nxr_field_desc *f);

/* Same kind, pid, tid, time, and every field of the kind (strings by their
 * bytes); for a kind this build does not know, the first four only. */
bool nxr_event_equal(const struct nxr_event *a, const struct nxr_event *b);

#endif
