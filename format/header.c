/*
 * format/header.c: encoding and parsing of the .nxr file header.
 *
 * Layout (FORMAT.md, "File header"): 64 fixed bytes, a body of varints and
 * length-prefixed strings in a fixed order, a CRC-32C over everything before
 * it. The writer refuses metadata past format/limits.h and the parser
 * refuses the same, so a header one side writes the other always reads.
 * Parsed strings are copied, NUL-terminated, into one arena the header owns.
 */
#include "format/header.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"
#include "format/crc.h"
#include "format/limits.h"
#include "format/segment.h"

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static uint8_t *put_str(uint8_t *p, const char *s)
{
	size_t n = slen(s);

	p = nxr_put_varint(p, n);
	if (n)
		memcpy(p, s, n);
	return p + n;
}

int nxr_header_encode(const struct nxr_meta *meta, const uint8_t file_id[16], uint8_t **out,
		      size_t *len, struct nx_err *err)
{
	static const struct nxr_meta none;
	const char *strs[5];
	uint64_t total = NXR_HEADER_FIXED + 4;
	uint8_t *buf, *p;

	if (!meta)
		meta = &none;
	strs[0] = meta->hostname;
	strs[1] = meta->kernel;
	strs[2] = meta->arch;
	strs[3] = meta->tool_version;
	strs[4] = meta->command;
	for (int i = 0; i < 5; i++) {
		if (slen(strs[i]) > NXR_MAX_META_STR)
			return nx_err_set(err, -EINVAL, "header string of %zu bytes exceeds %u",
					  slen(strs[i]), NXR_MAX_META_STR);
		total += NXR_VARINT_MAX + slen(strs[i]);
	}
	if (slen(meta->config_text) > NXR_MAX_CONFIG)
		return nx_err_set(err, -EINVAL, "config text of %zu bytes exceeds %u",
				  slen(meta->config_text), NXR_MAX_CONFIG);
	total += NXR_VARINT_MAX + slen(meta->config_text);
	if (meta->nprobes > NXR_MAX_PROBES || (meta->nprobes && !meta->probes))
		return nx_err_set(err, -EINVAL, "%u probes exceed %u", meta->nprobes,
				  NXR_MAX_PROBES);
	if (meta->nkv > NXR_MAX_KV || (meta->nkv && !meta->kv))
		return nx_err_set(err, -EINVAL, "%u metadata keys exceed %u", meta->nkv,
				  NXR_MAX_KV);
	total += 2 * NXR_VARINT_MAX;
	for (uint32_t i = 0; i < meta->nprobes; i++) {
		const struct nxr_probe *pr = &meta->probes[i];

		if (pr->id == 0)
			return nx_err_set(err, -EINVAL, "probe %u has id 0", i);
		if (slen(pr->path) > NXR_MAX_META_STR || slen(pr->func) > NXR_MAX_META_STR ||
		    slen(pr->spec) > NXR_MAX_META_STR)
			return nx_err_set(err, -EINVAL, "probe %u: string exceeds %u bytes",
					  pr->id, NXR_MAX_META_STR);
		total += 5 * NXR_VARINT_MAX + slen(pr->path) + slen(pr->func) + slen(pr->spec);
	}
	for (uint32_t i = 0; i < meta->nkv; i++) {
		if (!meta->kv[i].key)
			return nx_err_set(err, -EINVAL, "metadata key %u is NULL", i);
		if (slen(meta->kv[i].key) > NXR_MAX_META_STR ||
		    slen(meta->kv[i].value) > NXR_MAX_META_STR)
			return nx_err_set(err, -EINVAL, "metadata '%.64s': string exceeds %u bytes",
					  meta->kv[i].key, NXR_MAX_META_STR);
		total += 2 * NXR_VARINT_MAX + slen(meta->kv[i].key) + slen(meta->kv[i].value);
	}
	if (total > NXR_MAX_HEADER)
		return nx_err_set(err, -EINVAL, "header of %" PRIu64 " bytes exceeds %u", total,
				  NXR_MAX_HEADER);
	buf = malloc(total);
	if (!buf)
		return nx_err_set(err, -ENOMEM, "out of memory for the header");
	memcpy(buf, NXR_FILE_MAGIC, NXR_FILE_MAGIC_LEN);
	nxr_put_le16(buf + 8, NXR_VERSION_MAJOR);
	nxr_put_le16(buf + 10, NXR_VERSION_MINOR);
	nxr_put_le64(buf + 16, NXR_COMPAT_KNOWN);
	nxr_put_le64(buf + 24, NXR_INCOMPAT_KNOWN);
	memcpy(buf + 32, file_id, 16);
	nxr_put_le64(buf + 48, meta->created_wall_ns);
	nxr_put_le64(buf + 56, (uint64_t)meta->mono_to_wall_ns);
	p = buf + NXR_HEADER_FIXED;
	for (int i = 0; i < 5; i++)
		p = put_str(p, strs[i]);
	p = put_str(p, meta->config_text);
	p = nxr_put_varint(p, meta->nprobes);
	for (uint32_t i = 0; i < meta->nprobes; i++) {
		const struct nxr_probe *pr = &meta->probes[i];

		p = nxr_put_varint(p, pr->id);
		p = nxr_put_varint(p, pr->hook);
		p = put_str(p, pr->path);
		p = put_str(p, pr->func);
		p = put_str(p, pr->spec);
	}
	p = nxr_put_varint(p, meta->nkv);
	for (uint32_t i = 0; i < meta->nkv; i++) {
		p = put_str(p, meta->kv[i].key);
		p = put_str(p, meta->kv[i].value);
	}
	nxr_put_le32(buf + 12, (uint32_t)(p - buf + 4));
	nxr_put_le32(p, nxr_crc32c(0, buf, (size_t)(p - buf)));
	*out = buf;
	*len = (size_t)(p - buf + 4);
	return 0;
}

void nxr_header_set_features(uint8_t *buf, size_t len, uint16_t minor, uint64_t incompat)
{
	nxr_put_le16(buf + 10, minor);
	nxr_put_le64(buf + 24, incompat);
	nxr_put_le32(buf + len - 4, nxr_crc32c(0, buf, len - 4));
}

int nxr_header_peek(const uint8_t *buf, size_t avail, uint32_t *header_len, struct nx_err *err)
{
	uint16_t major, minor;

	if (avail == 0)
		return nx_err_set(err, -EBADMSG, "empty file, not a .nxr recording");
	if (avail < 16 || memcmp(buf, NXR_FILE_MAGIC, NXR_FILE_MAGIC_LEN) != 0)
		return nx_err_set(err, -EBADMSG, "not a .nxr recording (no file magic)");
	major = nxr_get_le16(buf + 8);
	minor = nxr_get_le16(buf + 10);
	if (major != NXR_VERSION_MAJOR)
		return nx_err_set(err, -EPROTONOSUPPORT,
				  "format version %u.%u is not supported (this reader reads %u.x)",
				  major, minor, NXR_VERSION_MAJOR);
	*header_len = nxr_get_le32(buf + 12);
	if (*header_len < NXR_HEADER_FIXED + 4 || *header_len > NXR_MAX_HEADER)
		return nx_err_set(err, -EBADMSG, "header length %u out of range", *header_len);
	return 0;
}

struct rd {
	const uint8_t *p, *end;
	char *arena;		/* next free byte */
};

/* A string of at most max bytes without NUL, copied into the arena. */
static int get_str(struct rd *r, uint32_t max, const char **out)
{
	uint64_t n;

	if (nxr_get_varint(&r->p, r->end, &n) || n > max || n > (uint64_t)(r->end - r->p))
		return -1;
	if (n && memchr(r->p, 0, n))
		return -1;
	if (n)
		memcpy(r->arena, r->p, n);
	r->arena[n] = '\0';
	*out = r->arena;
	r->arena += n + 1;
	r->p += n;
	return 0;
}

static int get_u32(struct rd *r, uint32_t *v)
{
	uint64_t x;

	if (nxr_get_varint(&r->p, r->end, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int nxr_header_parse(const uint8_t *buf, size_t len, struct nxr_header *h, struct nx_err *err)
{
	struct rd r;
	struct nxr_meta *m = &h->meta;
	const char *what = "metadata";
	int rc;

	memset(h, 0, sizeof(*h));
	rc = nxr_header_peek(buf, len, &h->header_len, err);
	if (rc < 0)
		return rc;
	if (h->header_len > len)
		return nx_err_set(err, -EBADMSG, "header cut short (%zu of %u bytes)", len,
				  h->header_len);
	if (nxr_crc32c(0, buf, h->header_len - 4) != nxr_get_le32(buf + h->header_len - 4))
		return nx_err_set(err, -EBADMSG, "header checksum mismatch");
	h->major = nxr_get_le16(buf + 8);
	h->minor = nxr_get_le16(buf + 10);
	h->compat = nxr_get_le64(buf + 16);
	h->incompat = nxr_get_le64(buf + 24);
	if (h->incompat & ~NXR_INCOMPAT_KNOWN)
		return nx_err_set(err, -EPROTONOSUPPORT,
				  "recording uses unknown incompatible features 0x%" PRIx64
				  " (format %u.%u)", (uint64_t)(h->incompat & ~NXR_INCOMPAT_KNOWN),
				  h->major, h->minor);
	memcpy(h->file_id, buf + 32, 16);
	m->created_wall_ns = nxr_get_le64(buf + 48);
	m->mono_to_wall_ns = (int64_t)nxr_get_le64(buf + 56);

	/* every string takes at least one byte of the body, so its NULs fit too */
	h->arena = malloc((size_t)h->header_len * 2);
	if (!h->arena)
		return nx_err_set(err, -ENOMEM, "out of memory for the header");
	r.p = buf + NXR_HEADER_FIXED;
	r.end = buf + h->header_len - 4;
	r.arena = h->arena;
	if (get_str(&r, NXR_MAX_META_STR, &m->hostname) ||
	    get_str(&r, NXR_MAX_META_STR, &m->kernel) ||
	    get_str(&r, NXR_MAX_META_STR, &m->arch) ||
	    get_str(&r, NXR_MAX_META_STR, &m->tool_version) ||
	    get_str(&r, NXR_MAX_META_STR, &m->command) ||
	    get_str(&r, NXR_MAX_CONFIG, &m->config_text))
		goto bad;
	what = "probe table";
	/* a probe takes at least 5 bytes, a kv pair 2: counts past that are lies */
	if (get_u32(&r, &m->nprobes) || m->nprobes > NXR_MAX_PROBES ||
	    m->nprobes > (uint64_t)(r.end - r.p) / 5)
		goto bad;
	if (m->nprobes) {
		h->probes = calloc(m->nprobes, sizeof(*h->probes));
		if (!h->probes) {
			rc = nx_err_set(err, -ENOMEM, "out of memory for the probe table");
			goto out;
		}
	}
	for (uint32_t i = 0; i < m->nprobes; i++) {
		struct nxr_probe *pr = &h->probes[i];

		if (get_u32(&r, &pr->id) || pr->id == 0 || get_u32(&r, &pr->hook) ||
		    get_str(&r, NXR_MAX_META_STR, &pr->path) ||
		    get_str(&r, NXR_MAX_META_STR, &pr->func) ||
		    get_str(&r, NXR_MAX_META_STR, &pr->spec))
			goto bad;
	}
	m->probes = h->probes;
	what = "key/value metadata";
	if (get_u32(&r, &m->nkv) || m->nkv > NXR_MAX_KV || m->nkv > (uint64_t)(r.end - r.p) / 2)
		goto bad;
	if (m->nkv) {
		h->kv = calloc(m->nkv, sizeof(*h->kv));
		if (!h->kv) {
			rc = nx_err_set(err, -ENOMEM, "out of memory for the header metadata");
			goto out;
		}
	}
	for (uint32_t i = 0; i < m->nkv; i++)
		if (get_str(&r, NXR_MAX_META_STR, &h->kv[i].key) ||
		    get_str(&r, NXR_MAX_META_STR, &h->kv[i].value))
			goto bad;
	m->kv = h->kv;
	/* bytes left before the CRC: fields a later minor version appended */
	return 0;
bad:
	rc = nx_err_set(err, -EBADMSG, "header %s is malformed", what);
out:
	nxr_header_release(h);
	return rc;
}

void nxr_header_release(struct nxr_header *h)
{
	if (!h)
		return;
	free(h->arena);
	free(h->probes);
	free(h->kv);
	h->arena = NULL;
	h->probes = NULL;
	h->kv = NULL;
	memset(&h->meta, 0, sizeof(h->meta));
}
