#ifndef NX_CAPTURE_HEALTH_H /* capture/health.h: cpu and disk busy sampling for health triggers */
#define NX_CAPTURE_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "format/err.h"

/*
 * Samples how busy the system was since the previous sample, as the HEALTH
 * event carries it (bpf/events.h): percent x 100 integers and
 * NX_HEALTH_CPU_HIGH / NX_HEALTH_DISK_HIGH flags.
 * - cpu_busy: the aggregate "cpu" line of <proc>/stat; busy = total - idle -
 *   iowait between the two samples, total = user + nice + system + idle +
 *   iowait + irq + softirq + steal (guest time is already inside user/nice).
 * - disk_busy: <proc>/diskstats column 13, the milliseconds the device spent
 *   doing I/O, delta over the elapsed milliseconds, the highest over whole
 *   disks (partitions, loop, ram and zram devices skipped), capped at 100 %.
 *   A partition is a name that extends an earlier disk of the file the way
 *   the kernel names partitions: the disk name plus digits, or plus "p" and
 *   digits when the disk name ends in a digit (sda1, nvme0n1p2, mmcblk0p1).
 * Both are rounded to the nearest 0.01 %. A flag is set when its value is
 * above its threshold (strictly).
 */

struct nx_health_opts {	       /* NULL or zero: defaults */
	const char *proc_root; /* directory holding stat and diskstats; default "/proc" */
	uint32_t cpu_pct;      /* NX_HEALTH_CPU_HIGH when cpu_busy > cpu_pct %, default 90 */
	uint32_t disk_pct;     /* NX_HEALTH_DISK_HIGH when disk_busy > disk_pct %, default 90 */
};

struct nx_health_sample {
	uint32_t cpu_busy;   /* percent x 100, 0..10000 */
	uint32_t disk_busy;  /* percent x 100, 0..10000: the busiest disk */
	uint32_t flags;	     /* enum nx_health_flags */
	char disk[32];	     /* name of the busiest disk, "" when there is none */
	uint64_t elapsed_ms; /* since the previous sample */
};

struct nx_health_disk; /* private: previous io ticks per disk */

/* Embedded by the caller; every field is private to health.c. */
struct nx_health {
	char stat_path[4096];
	char disk_path[4096];
	uint32_t cpu_high, disk_high; /* thresholds, percent x 100 */
	int primed;
	uint64_t last_ms;
	uint64_t cpu_busy, cpu_idle;  /* ticks at the previous sample */
	struct nx_health_disk *disks; /* owned */
	size_t ndisks;
};

/*
 * Checks the options and that both files can be read and parsed (so that a
 * bad proc root fails here, not at the first sample). -EINVAL (threshold over
 * 100 or path too long), -ENOENT / -EACCES (file), -EBADMSG (malformed file).
 * h needs nx_health_release even after a failure.
 */
int nx_health_init(struct nx_health *h, const struct nx_health_opts *opts, struct nx_err *err);

/*
 * Reads both files. The first call only primes: it returns 0 with *out all
 * zero. Later calls return 1 with *out measured since the previous call (at
 * the CLOCK_MONOTONIC time of the call). Errors: -EBADMSG with "path:line: what"
 * for a malformed file, -errno for I/O; the previous sample is kept, so the
 * next good call measures from it.
 */
int nx_health_sample(struct nx_health *h, struct nx_health_sample *out, struct nx_err *err);
/* The same at a given time in milliseconds (monotonic): for tests and replays. */
int nx_health_sample_at(struct nx_health *h, uint64_t now_ms, struct nx_health_sample *out,
			struct nx_err *err);

void nx_health_release(struct nx_health *h); /* NULL: no-op; h may then be initialised again */

#endif
