#ifndef NX_FORMAT_ERR_H	/* format/err.h: one-line errors carried up to the binary */
#define NX_FORMAT_ERR_H

/*
 * Every fallible function takes `struct nx_err *err` last and returns a
 * negative errno (NULL for constructors). err->code holds that errno and
 * err->msg one line that says what is wrong first, then where (path, segment,
 * offset, file:line:col). Library code never prints: binaries print
 * "prog: <msg>". err may be NULL when the caller does not want the text.
 */
#include <stddef.h>
#include <stdint.h>

#define NX_ERR_MSG_MAX 512

struct nx_err {
	int code;			/* 0 or a negative errno */
	char msg[NX_ERR_MSG_MAX];
};

/* Fills err (when not NULL) and returns code, so `return nx_err_set(...)` works. */
int nx_err_set(struct nx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes err->msg with "what: " (e.g. a file name) and returns err->code. */
int nx_err_prefix(struct nx_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nx_err_clear(struct nx_err *err);
/*
 * For parsers of one line of text: -EINVAL with "column C: <what>", C = off + 1
 * (1-based), also in *col when col is not NULL. Control bytes in <what> (an
 * echoed token) become '?', so the message stays one line.
 */
int nx_err_col(struct nx_err *err, uint32_t *col, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
