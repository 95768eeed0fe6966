/*
 * tests/e2e/mkrec.c: writes the scripted recordings of tests/unit/toolfx.h
 * (and replayfx.h's "calls*" and "noprobes") to a file, for the offline
 * tools' end-to-end tests (a test helper, not part of any tool).
 *
 *	mkrec [-n N] [-s EVENTS_PER_SEGMENT] [-u] [-F] SCENARIO OUT
 *
 * -u leaves the file unclosed (no trailer, as a killed recorder would);
 * -F rewrites the header's major version to one this build cannot read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/crc.h"
#include "format/limits.h"
#include "tests/unit/replayfx.h"
#include "tests/unit/toolfx.h"

int main(int argc, char **argv)
{
	uint64_t n = 1000;
	uint32_t per_seg = 0;
	int closed = 1, future = 0, c, fd, rc = 1;
	struct nx_err err = { 0 };
	uint8_t *buf;
	size_t len, off = 0;

	while ((c = getopt(argc, argv, "n:s:uF")) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 's': per_seg = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'u': closed = 0; break;
		case 'F': future = 1; break;
		default:
			fprintf(stderr, "usage: mkrec [-n N] [-s PER_SEG] [-u] [-F] SCENARIO OUT\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: mkrec [-n N] [-s PER_SEG] [-u] [-F] SCENARIO OUT\n");
		return 2;
	}
	if (replayfx_meta(argv[optind]))	/* nexus-replay's scenarios */
		buf = replayfx_build(argv[optind], n, per_seg, &len, &err);
	else
		buf = toolfx_build(argv[optind], n, per_seg, closed, &len, &err);
	if (!buf) {
		fprintf(stderr, "mkrec: %s\n", err.msg);
		return 1;
	}
	if (future && len >= 16) {
		uint32_t hlen = (uint32_t)buf[12] | (uint32_t)buf[13] << 8 |
				(uint32_t)buf[14] << 16 | (uint32_t)buf[15] << 24;

		buf[8] = NXR_VERSION_MAJOR + 1;
		buf[9] = 0;
		if (hlen >= 8 && hlen <= len) {
			uint32_t crc = nxr_crc32c(0, buf, hlen - 4);

			for (int k = 0; k < 4; k++)
				buf[hlen - 4 + k] = (uint8_t)(crc >> (8 * k));
		}
	}
	fd = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "mkrec: %s: %s\n", argv[optind + 1], strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t k = write(fd, buf + off, len - off);

		if (k < 0) {
			fprintf(stderr, "mkrec: %s: %s\n", argv[optind + 1], strerror(errno));
			close(fd);
			goto out;
		}
		off += (size_t)k;
	}
	if (close(fd) == 0)
		rc = 0;
out:
	free(buf);
	return rc;
}
