/*
 * format/err.c: the project-wide error value.
 *
 * An error is a negative errno plus one line of text, filled where the
 * failure is understood and carried up unchanged; only binaries print it.
 */
#include "format/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nx_err_set(struct nx_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int nx_err_prefix(struct nx_err *err, const char *fmt, ...)
{
	char head[NX_ERR_MSG_MAX], old[NX_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* two steps: gcc's -Wformat-truncation flags "%s: %s" of two full buffers */
	size_t n = strnlen(head, sizeof(err->msg) - 3);
	memcpy(err->msg, head, n);
	memcpy(err->msg + n, ": ", 3);
	strncat(err->msg, old, sizeof(err->msg) - n - 3);
	return err->code;
}

void nx_err_clear(struct nx_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int nx_err_col(struct nx_err *err, uint32_t *col, size_t off, const char *fmt, ...)
{
	char what[NX_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (char *c = what; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (col)
		*col = (uint32_t)off + 1;
	return nx_err_set(err, -EINVAL, "column %zu: %s", off + 1, what);
}
