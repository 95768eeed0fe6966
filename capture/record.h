#ifndef NX_CAPTURE_RECORD_H	/* capture/record.h: one recording run, from BPF load to closed file */
#define NX_CAPTURE_RECORD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture/config.h"
#include "capture/launch.h"
#include "capture/live.h"
#include "capture/probes.h"
#include "format/err.h"
#include "format/event.h"
#include "format/writer.h"

/* What the run has done so far; all counters are totals since the start. */
struct nx_record_status {
	double elapsed_s;
	uint64_t events;			/* appended to the recording */
	uint64_t by_kind[NX_KIND_MAX_ID + 1];
	uint64_t lost[NX_LOSS_NREASONS];			/* by enum nx_loss_reason, as written */
	uint64_t lost_kernel;			/* counted by the BPF programs */
	uint64_t file_bytes, raw_bytes, segments;
	uint64_t ring_bytes;			/* consumed from the ring buffer */
	uint64_t filtered;			/* uprobe calls triggers dropped (triggered) */
	uint64_t filtered_syscalls;		/* syscalls the Syscalls filters dropped */
};

struct nx_record_opts {
	/* what to trace */
	char *const *argv;		/* launch this (held until relevant); NULL: none */
	const struct nx_launch_ids *ids;	/* who it runs as */
	const pid_t *pids;		/* -p: existing processes */
	uint32_t npids;
	bool all;			/* every process but the recorder */
	bool noexec;			/* NoExec: names become relevant at exec */
	char *const *names;
	uint32_t nnames;
	bool follow;
	bool wait_children;		/* the run waits for the command's descendants */
	bool no_syscalls;
	const uint32_t *syscalls;	/* NULL: all */
	uint32_t nsyscalls;
	const struct nx_paycfg *payloads;	/* PAYLOAD capture; NULL: none */
	const struct nx_config_sysfilter *sysfilters;	/* syscall filters (FILTER events) */
	uint32_t nsysfilters;
	double duration_s;		/* 0: no limit */
	struct nx_probes *probes;	/* hooked functions (capture/probes.h), attached and
					 * detached by the run; NULL: none */
	struct nx_live *live;		/* live adaptation and health gating (capture/live.h),
					 * run on the writer thread; NULL: none */
	/* BPF */
	uint64_t ringbuf_bytes;		/* 0: 64 MiB */
	uint32_t wake_bytes;		/* see nx_loader_opts */
	void (*log)(void *ctx, const char *line);	/* libbpf messages */
	void *log_ctx;
	/* output */
	const char *out_path;		/* NULL: a new file in logs_dir */
	const char *logs_dir;
	bool force;
	bool chown;
	uid_t uid;
	gid_t gid;
	enum nxr_sync sync;
	const char *command;		/* header: what was traced */
	const char *config_text;	/* header: the YAML, may be NULL */
	const struct nxr_kv *meta_kv;	/* header: more key/values (print formats), may be NULL */
	uint32_t nmeta_kv;
	const struct nx_config_filter *filter;	/* Filter: processes recorded; NULL: all */
	/* control */
	volatile sig_atomic_t *stop_sig;	/* a signal handler sets the signal number */
	void (*status)(void *ctx, const struct nx_record_status *st);	/* every status_ms */
	void *status_ctx;
	uint32_t status_ms;		/* 0 = 1000 */
	void (*ready)(void *ctx, const char *path);	/* the file exists, tracing is on */
	void *ready_ctx;
};

struct nx_record_result {
	char *path;			/* the recording, malloc'd (freed by nx_record_result_release) */
	bool cmd_exited;		/* the launched command was reaped */
	int cmd_status;			/* its wait status then */
	int stop_signal;		/* the signal that ended the run, 0 if none */
	bool timed_out;			/* -d / Duration ended the run */
	struct nx_record_status st;	/* final */
	uint64_t bad_records;		/* malformed ring records (a bug if not 0) */
};

/*
 * Runs one recording. Returns 0 when the file was finalized, or a negative
 * errno with err set (nothing loaded: -EPERM etc.; output: the file's error;
 * a write error mid-run: the file is closed as far as possible, res->path set).
 */
int nx_record_run(const struct nx_record_opts *opts, struct nx_record_result *res,
		  struct nx_err *err);
void nx_record_result_release(struct nx_record_result *res);

#endif
