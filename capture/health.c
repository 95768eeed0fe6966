/*
 * capture/health.c: cpu and disk busy sampling for the health triggers.
 *
 * Both measures are differences of kernel counters between two samples, so
 * the first sample only primes them. The files are read whole at every
 * sample and parsed with `if` checks (a test or an odd kernel may hand us
 * anything): a malformed file is a one-line -EBADMSG naming path and line,
 * and leaves the previous sample in place.
 *
 * Invariants: after a successful sample, h->disks holds the io ticks of
 * every whole disk of that sample (at most MAX_DISKS), h->cpu_* the cpu
 * counters, h->last_ms its time; a failed sample changes nothing.
 */
#include "capture/health.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/types.h> /* bpf/events.h includes nothing */

#include "bpf/events.h"

#define DEF_PCT 90u
#define MAX_DISKS 4096u
#define DISK_NAME_MAX 32 /* the kernel's DISK_NAME_LEN, NUL included */

struct nx_health_disk {
	char name[DISK_NAME_MAX];
	uint64_t ticks; /* column 13: ms spent doing I/O */
};

struct disks {
	struct nx_health_disk *v;
	size_t n, cap;
};

/* Next whitespace-separated token of *p, NUL-terminated in place; NULL at the end. */
static char *token(char **p)
{
	char *s = *p, *t;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '\n')
		return NULL;
	t = s;
	while (*s && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return t;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && errno != ERANGE;
}

static uint32_t ratio_x100(uint64_t part, uint64_t whole)
{
	unsigned __int128 v;

	if (!whole)
		return 0;
	v = ((unsigned __int128)part * 10000 + whole / 2) / whole;
	return v > 10000 ? 10000 : (uint32_t)v;
}

static int open_proc(const char *path, FILE **f, struct nx_err *err)
{
	*f = fopen(path, "re");
	if (!*f)
		return nx_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	return 0;
}

/* The aggregate "cpu" line: busy = user+nice+system+irq+softirq+steal, idle = idle+iowait. */
static int read_cpu(const char *path, uint64_t *busy, uint64_t *idle, struct nx_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc;

	rc = open_proc(path, &f, err);
	if (rc < 0)
		return rc;
	rc = nx_err_set(err, -EBADMSG, "%s: no aggregate \"cpu\" line", path);
	while (getline(&line, &cap, f) > 0) {
		uint64_t v[8] = {0}, b = 0, i = 0;
		char *p = line, *tok;
		unsigned k = 0;

		lineno++;
		tok = token(&p);
		if (!tok || strcmp(tok, "cpu"))
			continue;
		while ((tok = token(&p)) && k < 8) {
			if (!parse_u64(tok, &v[k])) {
				rc = nx_err_set(err, -EBADMSG,
						"%s:%u: cpu line: field %u \"%.24s\" "
						"is not a number",
						path, lineno, k + 2, tok);
				goto out;
			}
			k++;
		}
		if (k < 4) {
			rc = nx_err_set(err, -EBADMSG,
					"%s:%u: cpu line: %u numbers, at least 4 "
					"expected",
					path, lineno, k);
			goto out;
		}
		/* user nice system idle iowait irq softirq steal */
		if (__builtin_add_overflow(v[0], v[1], &b) || __builtin_add_overflow(b, v[2], &b) ||
		    __builtin_add_overflow(b, v[5], &b) || __builtin_add_overflow(b, v[6], &b) ||
		    __builtin_add_overflow(b, v[7], &b) || __builtin_add_overflow(v[3], v[4], &i)) {
			rc = nx_err_set(err, -EBADMSG, "%s:%u: cpu line: counters overflow", path,
					lineno);
			goto out;
		}
		*busy = b;
		*idle = i;
		rc = 0;
		break;
	}
	if (ferror(f))
		rc = nx_err_set(err, -EIO, "cannot read %s", path);
out:
	free(line);
	fclose(f);
	return rc;
}

/* Is `name` a partition of a disk already listed (kernel naming: sda1, nvme0n1p2)? */
static bool is_partition(const struct disks *d, const char *name)
{
	for (size_t k = 0; k < d->n; k++) {
		const char *disk = d->v[k].name, *rest;
		size_t len = strlen(disk);

		if (strncmp(name, disk, len))
			continue;
		rest = name + len;
		if (isdigit((unsigned char)disk[len - 1])) {
			if (*rest != 'p')
				continue;
			rest++;
		}
		if (!*rest)
			continue;
		while (isdigit((unsigned char)*rest))
			rest++;
		if (!*rest)
			return true;
	}
	return false;
}

static bool is_virtual(const char *name)
{
	return !strncmp(name, "loop", 4) || !strncmp(name, "ram", 3) || !strncmp(name, "zram", 4);
}

static int read_disks(const char *path, struct disks *d, struct nx_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc;

	rc = open_proc(path, &f, err);
	if (rc < 0)
		return rc;
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *tok, *name;
		uint64_t v;
		unsigned col;

		lineno++;
		for (col = 1; col <= 2; col++) {
			tok = token(&p);
			if (!tok && col == 1)
				break; /* blank line */
			if (!tok || !parse_u64(tok, &v)) {
				rc = nx_err_set(err, -EBADMSG,
						"%s:%u: column %u: device number "
						"expected",
						path, lineno, col);
				goto out;
			}
		}
		if (col == 1)
			continue;
		name = token(&p);
		if (!name || strlen(name) >= DISK_NAME_MAX) {
			rc = nx_err_set(err, -EBADMSG, "%s:%u: column 3: device name %s", path,
					lineno, name ? "too long" : "missing");
			goto out;
		}
		if (is_virtual(name) || is_partition(d, name))
			continue;
		for (col = 4; col <= 13; col++) {
			tok = token(&p);
			if (!tok || !parse_u64(tok, &v)) {
				rc =
				    nx_err_set(err, -EBADMSG, "%s:%u: %s: column %u: %s", path,
					       lineno, name, col, tok ? "not a number" : "missing");
				goto out;
			}
		}
		if (d->n == d->cap) {
			size_t ncap = d->cap ? d->cap * 2 : 16;
			struct nx_health_disk *nv;

			if (ncap > MAX_DISKS) {
				rc = nx_err_set(err, -EBADMSG, "%s:%u: more than %u disks", path,
						lineno, MAX_DISKS);
				goto out;
			}
			nv = realloc(d->v, ncap * sizeof(*nv));
			if (!nv) {
				rc = nx_err_set(err, -ENOMEM, "%s: out of memory", path);
				goto out;
			}
			d->v = nv;
			d->cap = ncap;
		}
		snprintf(d->v[d->n].name, DISK_NAME_MAX, "%s", name);
		d->v[d->n].ticks = v; /* column 13 */
		d->n++;
	}
	if (ferror(f))
		rc = nx_err_set(err, -EIO, "cannot read %s", path);
out:
	free(line);
	fclose(f);
	return rc;
}

/* io ticks delta; the kernel prints them as an unsigned int, which wraps. */
static uint64_t ticks_delta(uint64_t prev, uint64_t cur)
{
	if (cur >= prev)
		return cur - prev;
	if (prev <= UINT32_MAX)
		return (uint32_t)(cur - prev);
	return 0;
}

int nx_health_init(struct nx_health *h, const struct nx_health_opts *opts, struct nx_err *err)
{
	static const struct nx_health_opts zero;
	const char *root;
	uint64_t b, i;
	struct disks d = {0};
	int rc, n1, n2;

	memset(h, 0, sizeof(*h));
	if (!opts)
		opts = &zero;
	root = opts->proc_root ? opts->proc_root : "/proc";
	if (opts->cpu_pct > 100 || opts->disk_pct > 100)
		return nx_err_set(err, -EINVAL, "health: threshold %u%% over 100%%",
				  opts->cpu_pct > 100 ? opts->cpu_pct : opts->disk_pct);
	h->cpu_high = (opts->cpu_pct ? opts->cpu_pct : DEF_PCT) * 100;
	h->disk_high = (opts->disk_pct ? opts->disk_pct : DEF_PCT) * 100;
	n1 = snprintf(h->stat_path, sizeof(h->stat_path), "%s/stat", root);
	n2 = snprintf(h->disk_path, sizeof(h->disk_path), "%s/diskstats", root);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(h->stat_path) ||
	    (size_t)n2 >= sizeof(h->disk_path))
		return nx_err_set(err, -EINVAL, "health: proc root too long: %.64s...", root);
	rc = read_cpu(h->stat_path, &b, &i, err);
	if (rc >= 0)
		rc = read_disks(h->disk_path, &d, err);
	free(d.v);
	return rc < 0 ? rc : 0;
}

int nx_health_sample_at(struct nx_health *h, uint64_t now_ms, struct nx_health_sample *out,
			struct nx_err *err)
{
	struct disks d = {0};
	uint64_t busy, idle;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = read_cpu(h->stat_path, &busy, &idle, err);
	if (rc < 0)
		return rc;
	rc = read_disks(h->disk_path, &d, err);
	if (rc < 0)
		goto out;
	if (h->primed) {
		uint64_t db = busy >= h->cpu_busy ? busy - h->cpu_busy : 0;
		uint64_t di = idle >= h->cpu_idle ? idle - h->cpu_idle : 0;

		out->elapsed_ms = now_ms >= h->last_ms ? now_ms - h->last_ms : 0;
		out->cpu_busy = ratio_x100(db, db + di);
		for (size_t k = 0; k < d.n; k++) {
			size_t j =
			    k < h->ndisks && !strcmp(h->disks[k].name, d.v[k].name) ? k : SIZE_MAX;
			uint32_t pct;

			if (j == SIZE_MAX) /* order changed: look it up */
				for (j = 0; j < h->ndisks; j++)
					if (!strcmp(h->disks[j].name, d.v[k].name))
						break;
			if (j >= h->ndisks)
				continue; /* appeared since the last sample */
			pct = ratio_x100(ticks_delta(h->disks[j].ticks, d.v[k].ticks),
					 out->elapsed_ms);
			if (pct > out->disk_busy || !out->disk[0]) {
				out->disk_busy = pct;
				snprintf(out->disk, sizeof(out->disk), "%s", d.v[k].name);
			}
		}
		if (out->cpu_busy > h->cpu_high)
			out->flags |= NX_HEALTH_CPU_HIGH;
		if (out->disk_busy > h->disk_high)
			out->flags |= NX_HEALTH_DISK_HIGH;
	}
	rc = h->primed;
	h->primed = 1;
	h->cpu_busy = busy;
	h->cpu_idle = idle;
	h->last_ms = now_ms;
	free(h->disks);
	h->disks = d.v;
	h->ndisks = d.n;
	d.v = NULL;
out:
	free(d.v);
	return rc;
}

int nx_health_sample(struct nx_health *h, struct nx_health_sample *out, struct nx_err *err)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return nx_health_sample_at(h, (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, out, err);
}

void nx_health_release(struct nx_health *h)
{
	if (!h)
		return;
	free(h->disks);
	h->disks = NULL;
	h->ndisks = 0;
	h->primed = 0;
}
