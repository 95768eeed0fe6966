#ifndef NX_FORMAT_HEADER_H	/* format/header.h: the .nxr file header, see FORMAT.md */
#define NX_FORMAT_HEADER_H
/*
 * The header is the file's first block: magic, version, feature flags, file
 * id, clocks, then the metadata of struct nxr_meta as varints and
 * length-prefixed strings, then its CRC. Written once, never rewritten.
 */
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/meta.h"

#define NXR_HEADER_FIXED 64u	/* bytes before the metadata body */

struct nxr_header {
	uint16_t major, minor;
	uint32_t header_len;
	uint64_t compat, incompat;
	uint8_t file_id[16];
	struct nxr_meta meta;	/* strings and tables owned by the header */
	/* private: what nxr_header_release() frees */
	char *arena;
	struct nxr_probe *probes;
	struct nxr_kv *kv;
};

/* Encodes meta into a new buffer (*out, *len; the caller frees it).
 * -EINVAL when meta passes a limit (string, config, probe or kv count). */
int nxr_header_encode(const struct nxr_meta *meta, const uint8_t file_id[16], uint8_t **out,
		      size_t *len, struct nx_err *err);

/* Rewrites the minor version and incompat flags of an encoded header (and
 * its CRC): a writer that uses no 1.1 feature writes a 1.0 file. */
void nxr_header_set_features(uint8_t *buf, size_t len, uint16_t minor, uint64_t incompat);

/* Reads the fixed part from the first 16 bytes: 0, or -EBADMSG (not .nxr)
 * or -EPROTONOSUPPORT (newer major); sets *header_len (bounded). */
int nxr_header_peek(const uint8_t *buf, size_t avail, uint32_t *header_len, struct nx_err *err);
/* Parses and checks a whole header of len bytes; h owns copies afterwards. */
int nxr_header_parse(const uint8_t *buf, size_t len, struct nxr_header *h, struct nx_err *err);
void nxr_header_release(struct nxr_header *h);

#endif
