#ifndef NX_CAPTURE_LOADER_H	/* capture/loader.h: load, configure and attach the BPF programs */
#define NX_CAPTURE_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture/config.h"
#include "capture/paycfg.h"
#include "format/err.h"

struct nx_loader_opts {		/* zero: trace nothing until nx_loader_mark, every syscall */
	uint64_t ringbuf_bytes;	/* power of two, >= 16 KiB; 0 = 64 MiB */
	uint32_t wake_bytes;	/* wake the drain past this much data; 0 = a quarter of the ring,
				 * at most 8 MiB; UINT32_MAX: libbpf's default wakeup per event */
	bool trace_all;		/* every process but the recorder */
	bool follow;		/* children of relevant processes are relevant */
	bool noexec;		/* an exec of a name in names makes its process relevant */
	char *const *names;	/* NoExec basenames (matched on their first 15 bytes, as comm) */
	uint32_t nnames;
	bool no_syscalls;	/* process events only */
	const uint32_t *syscalls;	/* only these numbers; NULL = every syscall */
	uint32_t nsyscalls;
	const struct nx_config_filter *filter;	/* processes recorded (kernel-side); NULL: all */
	uint32_t nprobes;	/* hooked functions (capture/probes.h): 0 leaves the uprobe
				 * programs unloaded; probe ids are 1..nprobes */
	uint32_t ntrigs;	/* their triggers, all probes together */
	uint32_t ncommon;	/* tuples preloaded into nx_up_common (<= NX_UP_PRELOAD_MAX):
				 * the map holds them and NX_UP_COMMON_MAX learned ones */
	const struct nx_paycfg *payloads;	/* PAYLOAD capture; NULL: none */
	const struct nx_config_sysfilter *sysfilters;	/* kernel syscall filters */
	uint32_t nsysfilters;
	/* libbpf's messages, verifier log included, one call per line; NULL: dropped. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct nx_config_sysfilter;	/* capture/config.h */
struct nx_loader;		/* opaque: the skeleton and the mapped relevancy table */

/*
 * Opens the skeleton, sets the run's settings, loads and attaches. NULL with
 * err set: -EPERM (not root), -ENOSYS/-EOPNOTSUPP (no BPF support), or the
 * errno of the step that failed, with libbpf's last complaint in the message.
 */
struct nx_loader *nx_loader_open(const struct nx_loader_opts *opts, struct nx_err *err);

/* Marks thread group tgid relevant; wait: counted in nx_loader_live until it exits. */
int nx_loader_mark(struct nx_loader *l, pid_t tgid, bool wait, struct nx_err *err);
/* Relevant processes marked with wait that are still alive. */
int64_t nx_loader_live(const struct nx_loader *l);
/* The ring buffer map's fd, for the drain (borrowed). */
int nx_loader_ringbuf_fd(const struct nx_loader *l);
/* Number of cpus the loss counters cover. */
unsigned nx_loader_ncpus(const struct nx_loader *l);
/* Reads the per-cpu count of events the kernel could not hand over into
 * lost[0..ncpus-1] (totals since load). */
int nx_loader_read_lost(const struct nx_loader *l, uint64_t *lost, struct nx_err *err);
/* The loaded BPF object, for capture/probes.c to find its maps and programs
 * (borrowed, valid until nx_loader_close). */
struct bpf_object *nx_loader_object(const struct nx_loader *l);
/* Detaches every program: no event is generated after this returns. */
void nx_loader_detach(struct nx_loader *l);
/* After detach: emits the entry of every syscall still blocked (NX_SYS_EXITED
 * clear) into the ring buffer, so that the drain records it. */
int nx_loader_flush_pending(struct nx_loader *l, struct nx_err *err);
/* Syscalls the filter of syscall nr dropped so far (every cpu). */
int nx_loader_read_filtered(const struct nx_loader *l, uint32_t nr, uint64_t *total,
			    struct nx_err *err);
void nx_loader_close(struct nx_loader *l);	/* detaches and unloads; NULL: no-op */

#endif
