#ifndef NX_FORMAT_ALLOC_H	/* format/alloc.h: every allocation of the format library goes through malloc */
#define NX_FORMAT_ALLOC_H

/*
 * The failure-injection tests wrap malloc (-Wl,--wrap=malloc) to fail the
 * k-th allocation. strdup and zstd's default allocator would bypass the
 * wrap, so the reader and writer use these instead. (One allocation is an
 * mmap: the column writer's DICT table, whose untouched pages must cost
 * nothing; test_writer wraps mmap too.)
 */
#include <stddef.h>

/* Like strdup; NULL when out of memory. */
char *nxr_strdup(const char *s);
/* zstd's ZSTD_allocFunction / ZSTD_freeFunction over malloc and free:
 * `ZSTD_customMem mem = { nxr_zstd_alloc, nxr_zstd_free, NULL };` */
void *nxr_zstd_alloc(void *opaque, size_t size);
void nxr_zstd_free(void *opaque, void *p);

#endif
