#ifndef NX_ANALYZE_JSON_H	/* analyze/json.h: text buffer with JSON and C escaping */
#define NX_ANALYZE_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The output buffer of the offline tools: dump lines, JSON objects, split
 * files and query results are built here, then written by the caller.
 * Appends never fail visibly: after an allocation failure the buffer stops
 * growing and `oom` stays set, so a caller checks once per line or record.
 * A zero-initialised buffer is empty and valid. The buffer owns p.
 */
struct nx_json_buf {
	char *p;		/* not NUL-terminated unless nx_json_cstr() was called */
	size_t len, cap;
	bool oom;
};

void nx_json_release(struct nx_json_buf *b);	/* frees p; the buffer is empty again */
static inline void nx_json_reset(struct nx_json_buf *b)
{
	b->len = 0;
}
/* Room for n more bytes; false when out of memory. */
bool nx_json_reserve(struct nx_json_buf *b, size_t n);
void nx_json_put(struct nx_json_buf *b, const void *s, size_t n);
void nx_json_puts(struct nx_json_buf *b, const char *s);
void nx_json_putc(struct nx_json_buf *b, char c);
void nx_json_printf(struct nx_json_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nx_json_u64(struct nx_json_buf *b, uint64_t v);	/* decimal */
void nx_json_s64(struct nx_json_buf *b, int64_t v);	/* decimal */
void nx_json_hex(struct nx_json_buf *b, uint64_t v);	/* 0x... (0 prints "0") */
/* NUL-terminates (not counted in len) and returns p; "" when empty or out of memory. */
const char *nx_json_cstr(struct nx_json_buf *b);

/*
 * A JSON string with its quotes. Bytes are taken as they are: '"', '\\' and
 * control bytes are escaped (\n, \t, \u00XX), valid UTF-8 passes through and
 * every byte of invalid UTF-8 becomes \u00XX of that byte (Latin-1), so the
 * output is always valid JSON whatever the recording holds.
 */
void nx_json_str(struct nx_json_buf *b, const char *s, size_t n);
/* "key": (with a leading comma unless first) */
void nx_json_key(struct nx_json_buf *b, const char *key, bool first);

/*
 * Bytes for a terminal, C style without quotes: printable ASCII as is,
 * '\\' and '"' backslashed, \n \t \r \0 by name, any other byte \xNN.
 * The output never holds a control byte or a non-ASCII byte.
 */
void nx_json_cesc(struct nx_json_buf *b, const char *s, size_t n);

#endif
