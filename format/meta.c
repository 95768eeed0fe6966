/*
 * format/meta.c: lookups in a recording's metadata (struct nxr_meta).
 * Linear scans: tables are small (bounded by NXR_MAX_PROBES, NXR_MAX_KV).
 */
#include "format/meta.h"

#include <string.h>

const struct nxr_probe *nxr_meta_probe(const struct nxr_meta *m, uint32_t id)
{
	if (!m)
		return NULL;
	for (uint32_t i = 0; i < m->nprobes; i++)
		if (m->probes[i].id == id)
			return &m->probes[i];
	return NULL;
}

const char *nxr_meta_get(const struct nxr_meta *m, const char *key)
{
	if (!m || !key)
		return NULL;
	for (uint32_t i = 0; i < m->nkv; i++)
		if (m->kv[i].key && strcmp(m->kv[i].key, key) == 0)
			return m->kv[i].value ? m->kv[i].value : "";
	return NULL;
}
