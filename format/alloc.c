/*
 * format/alloc.c: allocation through malloc only, so that a test wrapping
 * malloc sees, and can fail, every allocation the format library makes
 * (zstd's contexts included).
 */
#include "format/alloc.h"

#include <stdlib.h>
#include <string.h>

char *nxr_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void *nxr_zstd_alloc(void *opaque, size_t size)
{
	(void)opaque;
	return malloc(size);
}

void nxr_zstd_free(void *opaque, void *p)
{
	(void)opaque;
	free(p);
}
