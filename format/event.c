/*
 * format/event.c: descriptors of the event table, so that tools which treat
 * every kind alike (dump, JSON, SQL) walk fields instead of naming them.
 * Everything here is expanded from bpf/events.h.
 */
#include "format/event.h"

#include <string.h>

#define FIELD_DESC(C, T, name, doc) \
	{ #name, NXR_FT_##T, offsetof(struct nxr_event, C.name), doc },
#define KIND_FIELDS(KIND, id, member, str) \
	static const struct nxr_field_desc fields_##member[] = { NX_FIELDS_##KIND(FIELD_DESC, member) };
NX_KINDS(KIND_FIELDS)

#define KIND_DESC(KIND, id, member, str) \
	{ id, str, fields_##member, sizeof(fields_##member) / sizeof(fields_##member[0]) },
static const struct nxr_kind_desc kind_descs[] = { NX_KINDS(KIND_DESC) };

#define NKINDS (sizeof(kind_descs) / sizeof(kind_descs[0]))

const struct nxr_kind_desc *nxr_kind_desc(uint32_t kind)
{
	/* ids are dense from 1 and the table is in id order */
	if (kind == 0 || kind > NKINDS)
		return NULL;
	return &kind_descs[kind - 1];
}

const struct nxr_kind_desc *nxr_kind_desc_by_name(const char *name)
{
	for (unsigned i = 0; i < NKINDS; i++)
		if (strcmp(kind_descs[i].name, name) == 0)
			return &kind_descs[i];
	return NULL;
}

const struct nxr_kind_desc *nxr_kind_descs(unsigned *n)
{
	*n = NKINDS;
	return kind_descs;
}

uint64_t nxr_field_u64(const struct nxr_event *ev, const struct nxr_field_desc *f)
{
	const char *p = (const char *)ev + f->offset;

	switch (f->type) {
	case NXR_FT_U32:
		return *(const uint32_t *)p;
	case NXR_FT_U64:
		return *(const uint64_t *)p;
	case NXR_FT_S64:
		return (uint64_t)*(const int64_t *)p;
	case NXR_FT_STR:
		break;
	}
	return 0;
}

struct nxr_str nxr_field_str(const struct nxr_event *ev, const struct nxr_field_desc *f)
{
	struct nxr_str none = { "", 0 };

	if (f->type != NXR_FT_STR)
		return none;
	return *(const struct nxr_str *)((const char *)ev + f->offset);
}

/* The table's promise that ids are dense and in order, checked at build time. */
#define KIND_ID_CHECK(KIND, id, member, str) \
	_Static_assert(id >= 1 && id <= NX_KIND_MAX_ID, "kind id out of range");
NX_KINDS(KIND_ID_CHECK)

bool nxr_event_equal(const struct nxr_event *a, const struct nxr_event *b)
{
	const struct nxr_kind_desc *d = nxr_kind_desc(a->kind);

	if (a->kind != b->kind || a->pid != b->pid || a->tid != b->tid || a->ts_ns != b->ts_ns)
		return false;
	for (unsigned i = 0; d && i < d->nfields; i++) {
		const struct nxr_field_desc *f = &d->fields[i];

		if (f->type == NXR_FT_STR) {
			struct nxr_str x = nxr_field_str(a, f), y = nxr_field_str(b, f);

			if (x.len != y.len || (x.len && memcmp(x.ptr, y.ptr, x.len)))
				return false;
		} else if (nxr_field_u64(a, f) != nxr_field_u64(b, f)) {
			return false;
		}
	}
	return true;
}
