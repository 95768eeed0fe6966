/*
 * analyze/json.c: the offline tools' output buffer, with the two escapings
 * they need: JSON strings (always valid JSON, whatever bytes a recording
 * holds) and C-style escapes for terminals (never a control byte out).
 *
 * Invariant: len <= cap; after an allocation failure oom is set and the
 * content is a prefix of what was appended.
 */
#include "analyze/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nx_json_release(struct nx_json_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

bool nx_json_reserve(struct nx_json_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return true;
	if (b->oom)
		return false;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void nx_json_put(struct nx_json_buf *b, const void *s, size_t n)
{
	if (!n || !nx_json_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void nx_json_puts(struct nx_json_buf *b, const char *s)
{
	nx_json_put(b, s, strlen(s));
}

void nx_json_putc(struct nx_json_buf *b, char c)
{
	if (!nx_json_reserve(b, 1))
		return;
	b->p[b->len++] = c;
}

void nx_json_printf(struct nx_json_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !nx_json_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void nx_json_u64(struct nx_json_buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	nx_json_put(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void nx_json_s64(struct nx_json_buf *b, int64_t v)
{
	if (v < 0) {
		nx_json_putc(b, '-');
		nx_json_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		nx_json_u64(b, (uint64_t)v);
	}
}

void nx_json_hex(struct nx_json_buf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int i = sizeof(tmp);

	if (!v) {
		nx_json_putc(b, '0');
		return;
	}
	while (v) {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	}
	tmp[--i] = 'x';
	tmp[--i] = '0';
	nx_json_put(b, tmp + i, sizeof(tmp) - (size_t)i);
}

const char *nx_json_cstr(struct nx_json_buf *b)
{
	if (!nx_json_reserve(b, 1))
		return b->len && b->len < b->cap ? (b->p[b->len] = '\0', b->p) : "";
	b->p[b->len] = '\0';
	return b->p;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void nx_json_str(struct nx_json_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	nx_json_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		size_t k;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			size_t j = i + 1;

			while (j < n && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '"' && u[j] != '\\')
				j++;
			nx_json_put(b, s + i, j - i);
			i = j;
			continue;
		}
		switch (c) {
		case '"': nx_json_put(b, "\\\"", 2); i++; continue;
		case '\\': nx_json_put(b, "\\\\", 2); i++; continue;
		case '\n': nx_json_put(b, "\\n", 2); i++; continue;
		case '\t': nx_json_put(b, "\\t", 2); i++; continue;
		case '\r': nx_json_put(b, "\\r", 2); i++; continue;
		default: break;
		}
		k = c >= 0x80 ? utf8_len(u + i, n - i) : 0;
		if (k) {
			nx_json_put(b, s + i, k);
			i += k;
		} else {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			nx_json_put(b, e, sizeof(e));
			i++;
		}
	}
	nx_json_putc(b, '"');
}

void nx_json_key(struct nx_json_buf *b, const char *key, bool first)
{
	if (!first)
		nx_json_putc(b, ',');
	nx_json_putc(b, '"');
	nx_json_puts(b, key);
	nx_json_put(b, "\":", 2);
}

void nx_json_cesc(struct nx_json_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		unsigned c = u[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			nx_json_putc(b, (char)c);
			continue;
		}
		switch (c) {
		case '"': nx_json_put(b, "\\\"", 2); break;
		case '\\': nx_json_put(b, "\\\\", 2); break;
		case '\n': nx_json_put(b, "\\n", 2); break;
		case '\t': nx_json_put(b, "\\t", 2); break;
		case '\r': nx_json_put(b, "\\r", 2); break;
		case '\0': nx_json_put(b, "\\0", 2); break;
		default: {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			nx_json_put(b, e, sizeof(e));
		}
		}
	}
}
