#ifndef NX_FORMAT_META_H	/* format/meta.h: what a recording's header says about it */
#define NX_FORMAT_META_H

#include <stdint.h>

enum nxr_hook { NXR_HOOK_UPROBE = 0, NXR_HOOK_URETPROBE = 1 };

/* One row of the probe table: CALL/RETURN events name their probe by id. */
struct nxr_probe {
	uint32_t id;			/* >= 1, unique in the table */
	uint32_t hook;			/* enum nxr_hook */
	const char *path;		/* binary or library */
	const char *func;		/* symbol */
	const char *spec;		/* argument spec and triggers, as the config wrote them */
};

struct nxr_kv {
	const char *key;
	const char *value;
};

/*
 * Header metadata, a plain value. The writer copies what it needs at open;
 * a reader's copy is owned by the reader and valid until nxr_reader_close().
 */
struct nxr_meta {
	uint64_t created_wall_ns;	/* CLOCK_REALTIME when the recording started */
	int64_t mono_to_wall_ns;	/* wall time = event ts_ns + this */
	const char *hostname;
	const char *kernel;		/* uname -r */
	const char *arch;		/* uname -m */
	const char *tool_version;
	const char *command;		/* what was traced, for people */
	const char *config_text;	/* the YAML as read, possibly empty */
	const struct nxr_probe *probes;
	uint32_t nprobes;
	const struct nxr_kv *kv;	/* free key/value metadata */
	uint32_t nkv;
};

/* NULL when no probe has that id. */
const struct nxr_probe *nxr_meta_probe(const struct nxr_meta *m, uint32_t id);
/* NULL when the key is absent. */
const char *nxr_meta_get(const struct nxr_meta *m, const char *key);

#endif
