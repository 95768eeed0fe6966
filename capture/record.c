/*
 * capture/record.c: one recording run, the orchestration of the modules.
 *
 *   loader (BPF loaded and attached) -> output file -> writer (header)
 *   -> drain thread -> queue -> writer thread -> launch, mark relevant, go
 *   -> wait for: command and descendants gone, -d, a signal, a write error
 *   -> detach -> drain the rest -> final loss -> trailer.
 *
 * BPF is loaded before the file is created, so a machine without BPF or a
 * user without root leaves no file behind. The child is held until its pid
 * is in the relevancy table, so its first syscall after exec is recorded.
 * Loss: the writer thread turns the kernel's per-cpu counters and the
 * drain's backlog counter into LOSS events every second and once more after
 * detach (when they are final), so recorded + lost = generated.
 *
 * Threads: the caller's (control loop, status), drain, writer. The writer
 * object is touched by the writer thread only while it runs; stats cross
 * threads under stats_mu.
 */
#include "capture/record.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/types.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/sysfilt.h"
#include "capture/config.h"
#include "capture/drain.h"
#include "capture/loader.h"
#include "capture/output.h"
#include "capture/procfilter.h"
#include "capture/queue.h"

#define QUEUE_BATCHES 64
#define LOSS_EVERY_NS 1000000000ull
#define LOOP_MS 10

struct run {
	const struct nx_record_opts *o;
	struct nx_loader *ld;
	struct nx_drain *dr;
	struct nx_queue *q;
	struct nxr_writer *w;
	pthread_t wthread;
	int wstarted;
	/* writer thread state */
	uint64_t *lost_prev;		/* per cpu, reported so far */
	uint64_t *lost_now;
	uint64_t backlog_prev;
	uint64_t filtered_prev[NX_SYSFILT_MAX];	/* per Syscalls filter, reported so far */
	uint64_t loss_since;
	uint64_t *filt_prev;		/* per probe id, reported so far */
	uint64_t *filt_now;
	uint64_t *plost_prev;		/* per probe id, ring-full, reported so far */
	uint64_t *plost_now;
	int failed;			/* the writer returned an error */
	struct nx_err werr;
	/* shared */
	pthread_mutex_t stats_mu;
	struct nx_record_status st;
	uint64_t t0;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t ts_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* wall - monotonic, from the tightest of a few bracketed samples. */
static int64_t mono_to_wall(void)
{
	uint64_t best = UINT64_MAX;
	int64_t off = 0;

	for (int i = 0; i < 16; i++) {
		uint64_t a = ts_ns(CLOCK_MONOTONIC), w = ts_ns(CLOCK_REALTIME);
		uint64_t b = ts_ns(CLOCK_MONOTONIC);

		if (b - a < best) {
			best = b - a;
			off = (int64_t)(w - (a + (b - a) / 2));
		}
	}
	return off;
}

/* ---- the writer thread ---- */

/* Once the file failed (disk full, I/O error), what reaches here is lost to
 * the disk: counted, so the summary never says "no events lost" after it. */
static void count_unwritten(struct run *r, const struct nxr_event *ev)
{
	if (ev->kind == NX_KIND_LOSS && ev->loss.reason < NX_LOSS_NREASONS)
		r->st.lost[ev->loss.reason] += ev->loss.count;
	else
		r->st.lost[NX_LOSS_DISK]++;
}

static void append(struct run *r, const struct nxr_event *ev)
{
	if (r->failed) {
		count_unwritten(r, ev);
		return;
	}
	if (nxr_writer_append(r->w, ev, &r->werr) < 0) {
		__atomic_store_n(&r->failed, 1, __ATOMIC_SEQ_CST);
		count_unwritten(r, ev);
		return;
	}
	r->st.events++;
	if (ev->kind <= NX_KIND_MAX_ID)
		r->st.by_kind[ev->kind]++;
	if (ev->kind == NX_KIND_LOSS && ev->loss.reason < NX_LOSS_NREASONS)
		r->st.lost[ev->loss.reason] += ev->loss.count;
	if (ev->kind == NX_KIND_FILTER && (ev->filter.probe & NX_FILTER_PROBE_SYSCALL))
		r->st.filtered_syscalls += ev->filter.count;
	else if (ev->kind == NX_KIND_FILTER)
		r->st.filtered += ev->filter.count;
}

static void loss_event(struct run *r, uint64_t now, uint64_t count, uint32_t reason, uint32_t cpu)
{
	struct nxr_event ev = { .kind = NX_KIND_LOSS, .ts_ns = now };

	ev.loss.count = count;
	ev.loss.since_ns = r->loss_since;
	ev.loss.reason = reason;
	ev.loss.cpu = cpu;
	append(r, &ev);
}

/* One FILTER or LOSS event per probe whose counter grew since the last report. */
static void report_deltas(struct run *r, uint64_t now, uint32_t kind, const uint64_t *cur,
			  uint64_t *prev)
{
	for (uint32_t id = 1; id <= nx_probes_count(r->o->probes); id++) {
		struct nxr_event ev = { .kind = kind, .ts_ns = now };

		if (cur[id] <= prev[id])
			continue;
		if (kind == NX_KIND_FILTER) {
			ev.filter.count = cur[id] - prev[id];
			ev.filter.since_ns = r->loss_since;
			ev.filter.probe = id;
		} else {
			ev.loss.count = cur[id] - prev[id];
			ev.loss.since_ns = r->loss_since;
			ev.loss.reason = NX_LOSS_RINGBUF;
			ev.loss.cpu = 0xffffffffu;	/* summed over cpus */
			ev.loss.probe = id;
		}
		append(r, &ev);
		prev[id] = cur[id];
	}
}

/* Per probe: the calls its triggers dropped in the kernel since the last
 * report, as FILTER events (recorded + filtered = calls), and those the ring
 * buffer had no room for, as LOSS events naming the probe. Returns the
 * kernel's total of the latter. */
static uint64_t report_probes(struct run *r, uint64_t now)
{
	uint32_t n = nx_probes_count(r->o->probes);
	uint64_t kernel = 0;

	if (!n)
		return 0;
	if (nx_probes_read_filtered(r->o->probes, r->filt_now, NULL) == 0)
		report_deltas(r, now, NX_KIND_FILTER, r->filt_now, r->filt_prev);
	if (nx_probes_read_lost(r->o->probes, r->plost_now, NULL) == 0)
		report_deltas(r, now, NX_KIND_LOSS, r->plost_now, r->plost_prev);
	for (uint32_t id = 1; id <= n; id++)
		kernel += r->plost_prev[id];
	return kernel;
}

/* What the kernel's syscall filters dropped since the last report, as
 * FILTER events (probe NX_FILTER_PROBE_SYSCALL | nr): filtered, never silent. */
static void report_syscall_filtered(struct run *r, uint64_t now)
{
	for (uint32_t i = 0; i < r->o->nsysfilters && i < NX_SYSFILT_MAX; i++) {
		struct nxr_event ev = { .kind = NX_KIND_FILTER, .ts_ns = now };
		uint32_t nr = r->o->sysfilters[i].nr;
		uint64_t total;

		if (nx_loader_read_filtered(r->ld, nr, &total, NULL) < 0 ||
		    total <= r->filtered_prev[i])
			continue;
		ev.filter.count = total - r->filtered_prev[i];
		ev.filter.since_ns = r->loss_since;
		ev.filter.probe = NX_FILTER_PROBE_SYSCALL | nr;
		r->filtered_prev[i] = total;
		append(r, &ev);
	}
}

/* Called with stats_mu held. */
static void report_loss(struct run *r)
{
	unsigned ncpu = nx_loader_ncpus(r->ld);
	uint64_t now = mono_ns(), kernel = 0;
	struct nx_drain_stats ds;

	if (nx_loader_read_lost(r->ld, r->lost_now, NULL) == 0) {
		for (unsigned c = 0; c < ncpu; c++) {
			if (r->lost_now[c] > r->lost_prev[c])
				loss_event(r, now, r->lost_now[c] - r->lost_prev[c], NX_LOSS_RINGBUF,
					   c);
			r->lost_prev[c] = r->lost_now[c];
			kernel += r->lost_now[c];
		}
	}
	nx_drain_get_stats(r->dr, &ds);
	if (ds.backlog_lost > r->backlog_prev)
		loss_event(r, now, ds.backlog_lost - r->backlog_prev, NX_LOSS_BACKLOG, 0xffffffffu);
	r->backlog_prev = ds.backlog_lost;
	kernel += report_probes(r, now);
	report_syscall_filtered(r, now);
	r->loss_since = now;
	r->st.lost_kernel = kernel;
	r->st.ring_bytes = ds.bytes;
}

static void publish(struct run *r)
{
	struct nxr_writer_stats ws;

	nxr_writer_get_stats(r->w, &ws);
	pthread_mutex_lock(&r->stats_mu);
	r->st.file_bytes = ws.file_bytes;
	r->st.raw_bytes = ws.raw_bytes;
	r->st.segments = ws.segments;
	pthread_mutex_unlock(&r->stats_mu);
}

/* capture/live's way into the recording (ADAPT and HEALTH events). */
static int live_record(void *ctx, const struct nxr_event *ev)
{
	struct run *r = ctx;

	append(r, ev);
	return r->failed ? -EIO : 0;
}

static void *writer_main(void *arg)
{
	struct run *r = arg;
	uint64_t next = mono_ns() + LOSS_EVERY_NS;
	struct nx_batch *b;

	for (;;) {
		b = nx_queue_pop(r->q, nx_live_wait_ms(r->o->live, mono_ns()));
		if (b) {
			/* st.events etc. are written here only; readers take stats_mu */
			pthread_mutex_lock(&r->stats_mu);
			for (uint32_t i = 0; i < b->n; i++) {
				nx_live_observe(r->o->live, &b->ev[i]);
				append(r, &b->ev[i]);
			}
			pthread_mutex_unlock(&r->stats_mu);
			nx_queue_recycle(r->q, b);
		}
		if (nx_live_active(r->o->live)) {
			pthread_mutex_lock(&r->stats_mu);
			nx_live_tick(r->o->live, mono_ns(), NULL);	/* counted in its stats */
			pthread_mutex_unlock(&r->stats_mu);
		}
		if (mono_ns() >= next) {
			pthread_mutex_lock(&r->stats_mu);
			report_loss(r);
			pthread_mutex_unlock(&r->stats_mu);
			next = mono_ns() + LOSS_EVERY_NS;
		}
		/* closes a segment once it is a second old: a kill loses at most that */
		if (!r->failed && nxr_writer_tick(r->w, &r->werr) < 0)
			__atomic_store_n(&r->failed, 1, __ATOMIC_SEQ_CST);
		if (b)
			publish(r);
		else if (nx_queue_closed_empty(r->q))
			break;
	}
	/* The drain has stopped after detach: the counters are final now. */
	pthread_mutex_lock(&r->stats_mu);
	report_loss(r);
	pthread_mutex_unlock(&r->stats_mu);
	if (!r->failed && nxr_writer_flush(r->w, &r->werr) < 0)
		__atomic_store_n(&r->failed, 1, __ATOMIC_SEQ_CST);
	publish(r);
	return NULL;
}

/* ---- synthetic EXEC events for processes that were running already ---- */

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static void synth_exec(struct run *r, struct nx_batch *b, pid_t pid)
{
	char path[64], buf[4096], exe[PATH_MAX], comm[32];
	struct nxr_event *ev;
	uint32_t ppid = 0, uid = 0, gid = 0;
	ssize_t n;
	char *p;

	if (b->n >= b->cap)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return;
	if ((p = strstr(buf, "\nPPid:")))
		ppid = strtoul(p + 6, NULL, 10);
	if ((p = strstr(buf, "\nUid:")))
		uid = strtoul(p + 5, NULL, 10);
	if ((p = strstr(buf, "\nGid:")))
		gid = strtoul(p + 5, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_small(path, comm, sizeof(comm)) < 0)
		comm[0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (!nx_procfilter_match(r->o->filter, pid, uid, comm))
		return;			/* Filter: the kernel judges it out too */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	ev = &b->ev[b->n];
	memset(ev, 0, sizeof(*ev));
	ev->kind = NX_KIND_EXEC;
	ev->pid = ev->tid = pid;
	ev->ts_ns = mono_ns();
	ev->exec.ppid = ppid;
	ev->exec.uid = uid;
	ev->exec.gid = gid;
	ev->exec.flags = NX_EXEC_SYNTHETIC;
	ev->exec.comm.ptr = nx_batch_strdup(b, comm, strlen(comm));
	ev->exec.comm.len = strlen(comm);
	ev->exec.filename.ptr = nx_batch_strdup(b, exe, strlen(exe));
	ev->exec.filename.len = strlen(exe);
	if (!ev->exec.comm.ptr || !ev->exec.filename.ptr)
		return;
	b->n++;
}

/* The thread group of a pid or tid (-p accepts either); -ESRCH when gone. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nTgid:")))
		return -ESRCH;
	return (pid_t)strtol(p + 6, NULL, 10);
}

static void push_synth(struct run *r, struct nx_batch *b)
{
	if (b->n && nx_queue_push(r->q, b) == 0)
		return;
	nx_batch_free(b);
}

/* -p pids, or with --all every process there is, get an EXEC from /proc. */
static int attach_existing(struct run *r, struct nx_err *err)
{
	const struct nx_record_opts *o = r->o;
	struct nx_batch *b = nx_batch_new(4096, 4u << 20);
	int rc = 0;

	if (!b)
		return nx_err_set(err, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < o->npids; i++) {
		pid_t tgid = tgid_of(o->pids[i]);

		if (tgid <= 0)		/* it exited since the check at the start */
			continue;
		rc = nx_loader_mark(r->ld, tgid, true, err);
		if (rc < 0) {
			nx_batch_free(b);
			return rc;
		}
		synth_exec(r, b, tgid);
	}
	if (o->all) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid_t pid = atoi(de->d_name);

			if (pid != getpid())
				synth_exec(r, b, pid);
		}
		if (d)
			closedir(d);
	}
	push_synth(r, b);
	return 0;
}

/* ---- the run ---- */

static void fill_meta(struct nxr_meta *m, struct utsname *u, char *host, size_t hlen,
		      const struct nx_record_opts *o, struct nxr_kv *kv, char *ring, size_t rlen)
{
	memset(m, 0, sizeof(*m));
	uname(u);
	if (gethostname(host, hlen) < 0)
		snprintf(host, hlen, "%s", u->nodename);
	host[hlen - 1] = '\0';
	m->created_wall_ns = ts_ns(CLOCK_REALTIME);
	m->mono_to_wall_ns = mono_to_wall();
	m->hostname = host;
	m->kernel = u->release;
	m->arch = u->machine;
	m->tool_version = "nexus-record " NX_VERSION;
	m->command = o->command ? o->command : "";
	m->config_text = o->config_text ? o->config_text : "";
	snprintf(ring, rlen, "%" PRIu64, (uint64_t)(o->ringbuf_bytes ? o->ringbuf_bytes : 64ull << 20));
	kv[0] = (struct nxr_kv){ "recorder", "nexus-record" };
	kv[1] = (struct nxr_kv){ "ringbuf_bytes", ring };
	kv[2] = (struct nxr_kv){ "target", o->argv ? "launch" : o->all ? "all" :
				 o->noexec ? "noexec" : "pids" };
	kv[3] = (struct nxr_kv){ NX_META_RETURN_TRIGGERS, "1" };
	for (uint32_t i = 0; i < o->nmeta_kv; i++)
		kv[4 + i] = o->meta_kv[i];
	m->kv = kv;
	m->nkv = 4 + o->nmeta_kv;
}

static void status_now(struct run *r, struct nx_record_status *st)
{
	pthread_mutex_lock(&r->stats_mu);
	*st = r->st;
	pthread_mutex_unlock(&r->stats_mu);
	st->elapsed_s = (mono_ns() - r->t0) / 1e9;
}

int nx_record_run(const struct nx_record_opts *o, struct nx_record_result *res,
		  struct nx_err *err)
{
	struct nx_loader_opts lo = {
		.ringbuf_bytes = o->ringbuf_bytes, .wake_bytes = o->wake_bytes,
		.trace_all = o->all, .follow = o->follow, .noexec = o->noexec,
		.names = o->names, .nnames = o->nnames, .no_syscalls = o->no_syscalls,
		.syscalls = o->syscalls, .nsyscalls = o->nsyscalls, .filter = o->filter, .log = o->log,
		.log_ctx = o->log_ctx, .nprobes = nx_probes_count(o->probes),
		.ntrigs = nx_probes_ntrigs(o->probes), .ncommon = nx_probes_ncommon(o->probes),
		.payloads = o->payloads, .sysfilters = o->sysfilters,
		.nsysfilters = o->nsysfilters,
	};
	struct nx_output_opts oo = { .force = o->force, .chown = o->chown, .uid = o->uid,
				     .gid = o->gid };
	struct nxr_writer_opts wo = { .sync = o->sync, .layout = o->layout };
	struct nx_launch launch = { .pid = 0, .go_fd = -1, .status_fd = -1 };
	struct nx_drain_opts dopts = { 0 };
	struct run *r;
	struct nxr_meta meta;
	struct utsname uts;
	struct nxr_kv *kv = NULL;
	char host[256], ring[32];
	uint64_t next_status, deadline = 0;
	int rc = 0, fd = -1, launched = 0;

	memset(res, 0, sizeof(*res));
	r = calloc(1, sizeof(*r));
	if (!r)
		return nx_err_set(err, -ENOMEM, "out of memory");
	r->o = o;
	pthread_mutex_init(&r->stats_mu, NULL);
	for (uint32_t i = 0; i < o->npids; i++) {
		if (tgid_of(o->pids[i]) <= 0) {
			rc = nx_err_set(err, -ESRCH, "-p %d: no such process", (int)o->pids[i]);
			goto out;
		}
	}

	r->ld = nx_loader_open(&lo, err);
	if (!r->ld) {
		rc = err ? err->code : -EINVAL;
		goto out;
	}
	r->lost_prev = calloc(nx_loader_ncpus(r->ld), sizeof(uint64_t));
	r->lost_now = calloc(nx_loader_ncpus(r->ld), sizeof(uint64_t));
	r->filt_prev = calloc(nx_probes_count(o->probes) + 1, sizeof(uint64_t));
	r->filt_now = calloc(nx_probes_count(o->probes) + 1, sizeof(uint64_t));
	r->plost_prev = calloc(nx_probes_count(o->probes) + 1, sizeof(uint64_t));
	r->plost_now = calloc(nx_probes_count(o->probes) + 1, sizeof(uint64_t));
	if (!r->lost_prev || !r->lost_now || !r->filt_prev || !r->filt_now || !r->plost_prev ||
	    !r->plost_now) {
		rc = nx_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* before the file exists: a function libbpf cannot hook leaves nothing behind */
	rc = nx_probes_attach(o->probes, nx_loader_object(r->ld), err);
	if (rc < 0)
		goto out;
	if (o->out_path) {
		fd = nx_output_create(o->out_path, &oo, err);
		if (fd >= 0 && !(res->path = strdup(o->out_path))) {
			close(fd);
			fd = nx_err_set(err, -ENOMEM, "out of memory");
		}
	} else {
		fd = nx_output_create_in(o->logs_dir ? o->logs_dir : "./tracer_logs", &oo,
					 &res->path, err);
	}
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	kv = calloc(4 + o->nmeta_kv, sizeof(*kv));
	if (!kv) {
		close(fd);
		fd = -1;
		rc = nx_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	fill_meta(&meta, &uts, host, sizeof(host), o, kv, ring, sizeof(ring));
	meta.probes = nx_probes_table(o->probes);
	meta.nprobes = nx_probes_count(o->probes);
	r->w = nxr_writer_open_fd(fd, res->path, &meta, &wo, err);
	fd = -1;	/* the writer's now, closed by it even on failure */
	if (!r->w) {
		rc = err ? err->code : -EIO;
		goto out;
	}
	r->q = nx_queue_new(QUEUE_BATCHES, err);
	if (!r->q) {
		rc = err ? err->code : -ENOMEM;
		goto out;
	}
	dopts.ringbuf_fd = nx_loader_ringbuf_fd(r->ld);
	dopts.queue = r->q;
	r->dr = nx_drain_start(&dopts, err);
	if (!r->dr) {
		rc = err ? err->code : -ENOMEM;
		goto out;
	}
	r->t0 = mono_ns();
	r->loss_since = r->t0;
	/* preloaded common values: in the kernel before the command starts */
	rc = nx_live_start(o->live, live_record, r, r->t0, err);
	if (rc < 0)
		goto out;
	rc = pthread_create(&r->wthread, NULL, writer_main, r);
	if (rc) {
		rc = nx_err_set(err, -rc, "starting the writer thread: %s", strerror(rc));
		goto out;
	}
	r->wstarted = 1;
	rc = attach_existing(r, err);
	if (rc < 0)
		goto stop;
	if (o->argv) {
		rc = nx_launch_start(&launch, o->argv, o->ids, err);
		if (rc < 0)
			goto stop;
		launched = 1;
		rc = nx_loader_mark(r->ld, launch.pid, true, err);
		if (rc < 0) {
			nx_launch_abort(&launch);
			goto stop;
		}
		rc = nx_launch_go(&launch, err);
		if (rc < 0) {
			nx_launch_abort(&launch);
			goto stop;
		}
	}
	if (o->ready)
		o->ready(o->ready_ctx, res->path);
	if (o->duration_s > 0)
		deadline = r->t0 + (uint64_t)(o->duration_s * 1e9);
	next_status = mono_ns() + (o->status_ms ? o->status_ms : 1000) * 1000000ull;
	for (;;) {
		struct timespec nap = { 0, LOOP_MS * 1000000L };
		uint64_t now;

		if (o->stop_sig && *o->stop_sig) {
			res->stop_signal = *o->stop_sig;
			break;
		}
		if (__atomic_load_n(&r->failed, __ATOMIC_SEQ_CST))
			break;
		if (launched && !res->cmd_exited) {
			int status;

			if (waitpid(launch.pid, &status, WNOHANG) == launch.pid) {
				res->cmd_exited = true;
				res->cmd_status = status;
			}
		}
		if (launched && res->cmd_exited && (!o->wait_children || nx_loader_live(r->ld) <= 0))
			break;
		if (!launched && o->npids && nx_loader_live(r->ld) <= 0)
			break;
		now = mono_ns();
		if (deadline && now >= deadline) {
			res->timed_out = true;
			break;
		}
		if (o->status && now >= next_status) {
			struct nx_record_status st;

			status_now(r, &st);
			o->status(o->status_ctx, &st);
			next_status = now + (o->status_ms ? o->status_ms : 1000) * 1000000ull;
		}
		nanosleep(&nap, NULL);
	}
	rc = 0;
stop:
	nx_probes_detach(o->probes);
	nx_loader_detach(r->ld);
	nx_loader_flush_pending(r->ld, NULL);	/* best effort: the entries of blocked syscalls */
	nx_drain_stop(r->dr);
	nx_queue_close(r->q);
	if (r->wstarted) {
		pthread_join(r->wthread, NULL);
		r->wstarted = 0;
	}
	if (r->failed && rc == 0) {
		*err = r->werr;
		rc = r->werr.code ? r->werr.code : -EIO;
	}
	if (launched && !res->cmd_exited) {
		int status;

		if (waitpid(launch.pid, &status, WNOHANG) == launch.pid) {
			res->cmd_exited = true;
			res->cmd_status = status;
		}
	}
	{
		struct nx_drain_stats ds;

		nx_drain_get_stats(r->dr, &ds);
		res->bad_records = ds.bad;
	}
	status_now(r, &res->st);
	{
		struct nx_err cerr = { 0 };
		int crc = nxr_writer_close(r->w, &cerr);

		r->w = NULL;
		if (crc < 0 && rc == 0) {
			if (err)
				*err = cerr;
			rc = crc;
		}
	}
out:
	if (r->wstarted) {
		nx_queue_close(r->q);
		pthread_join(r->wthread, NULL);
	}
	nx_drain_free(r->dr);
	nx_queue_free(r->q);
	if (r->w)
		nxr_writer_close(r->w, NULL);
	if (fd >= 0)
		close(fd);
	nx_probes_detach(o->probes);
	nx_loader_close(r->ld);
	free(r->lost_prev);
	free(r->lost_now);
	free(r->filt_prev);
	free(r->filt_now);
	free(r->plost_prev);
	free(r->plost_now);
	pthread_mutex_destroy(&r->stats_mu);
	free(r);
	free(kv);
	return rc;
}

void nx_record_result_release(struct nx_record_result *res)
{
	if (!res)
		return;
	free(res->path);
	res->path = NULL;
}
