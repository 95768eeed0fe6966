/*
 * capture/loader.c: the BPF side of a run, from skeleton to detach.
 *
 * Open the skeleton, write the run's settings into rodata (so the verifier
 * prunes what this run does not use), size the ring buffer, load, fill the
 * NoExec names, attach, and map the relevancy table (struct nx_shared) so
 * that marking a pid is a byte store and reading the live count a load.
 *
 * libbpf's messages go through one libbpf_set_print hook to the caller's log
 * callback (the verifier log with -v); the last warning is kept for the
 * one-line error. Invariants: one loader at a time (the hook is global);
 * after nx_loader_detach no program runs, so counters read then are final.
 */
#include "capture/loader.h"

#include <errno.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "analyze/syscalls.h"
#include "bpf/events.h"
#include "bpf/nxbpf.h"
#include "bpf/payload.h"
#include "bpf/trigger.h"
#include "bpf/uprobe.h"
#include "capture/config.h"
#include "capture/sysfilt.h"
#include "nexus.skel.h"

_Static_assert(sizeof(struct nx_wire_syscall) == NX_SYS_REC, "NX_SYS_REC is not the wire size");
_Static_assert(sizeof(struct nx_wire_syscall) % 8 == 0, "syscall records must pack 8-aligned");

#define DEFAULT_RING (64ull << 20)
#define MIN_RING (16ull << 10)

struct nx_loader {
	struct nexus_bpf *skel;
	struct nx_shared *shared;	/* mmap of nx_shared, owned */
	size_t shared_len;
	uint64_t ring_bytes;
	unsigned ncpus;
	bool no_syscalls;
};

static const struct nx_loader_opts *log_opts;	/* the loader being opened, for the hook */
static char last_warn[256];

static int print_hook(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *buf, *line, *save = NULL;

	if (vasprintf(&buf, fmt, ap) < 0)	/* a verifier log comes as one message */
		return 0;
	if (level == LIBBPF_WARN) {
		size_t n = strcspn(buf, "\n");

		snprintf(last_warn, sizeof(last_warn), "%.*s", (int)n, buf);
	}
	if (log_opts && log_opts->log)
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			log_opts->log(log_opts->log_ctx, line);
	free(buf);
	return 0;
}

static int fail(struct nx_err *err, int rc, const char *step)
{
	if (rc == -EPERM)
		return nx_err_set(err, rc, "%s failed: %s (loading BPF programs needs root)", step,
				  strerror(-rc));
	if (rc == -EACCES)
		return nx_err_set(err, rc, "%s failed: the kernel's verifier refused them (%s; -v "
				  "shows its log)", step, last_warn[0] ? last_warn : strerror(-rc));
	if (rc == -ENOSYS || rc == -EOPNOTSUPP)
		return nx_err_set(err, rc, "%s failed: this kernel has no BPF support (%s)", step,
				  strerror(-rc));
	if (last_warn[0])
		return nx_err_set(err, rc, "%s failed: %s (%s)", step, strerror(-rc), last_warn);
	return nx_err_set(err, rc, "%s failed: %s", step, strerror(-rc));
}

static int fill_names(struct nx_loader *l, const struct nx_loader_opts *o, struct nx_err *err)
{
	int fd = bpf_map__fd(l->skel->maps.nx_names);
	__u8 one = 1;

	for (uint32_t i = 0; i < o->nnames; i++) {
		char key[NX_NAME_LEN] = { 0 };

		strncpy(key, o->names[i], NX_NAME_LEN - 1);
		if (bpf_map_update_elem(fd, key, &one, BPF_ANY) < 0)
			return nx_err_set(err, -errno, "NoExec name %s: cannot add it to the kernel "
					  "map: %s", o->names[i], strerror(errno));
	}
	return 0;
}

/* Filter values into rodata: the verifier prunes the kinds not in use. */
static int set_filter(struct nexus_bpf__rodata *ro, const struct nx_config_filter *f,
		      struct nx_err *err)
{
	if (!f)
		return 0;
	if (f->npids > NX_FILT_MAX || f->nuids > NX_FILT_MAX || f->ncomms > NX_FILT_MAX)
		return nx_err_set(err, -EINVAL, "Filter: more than %u values of one kind",
				  NX_FILT_MAX);
	for (uint32_t i = 0; i < f->npids; i++)
		ro->nx_filt_pids[i] = f->pids[i];
	for (uint32_t i = 0; i < f->nuids; i++)
		ro->nx_filt_uids[i] = f->uids[i];
	for (uint32_t i = 0; i < f->ncomms; i++) {
		strncpy((char *)ro->nx_filt_comms[i], f->comms[i], NX_NAME_LEN - 1);
		ro->nx_filt_comm_len[i] = strnlen(f->comms[i], NX_NAME_LEN - 1);
	}
	ro->nx_filt_npids = f->npids;
	ro->nx_filt_nuids = f->nuids;
	ro->nx_filt_ncomms = f->ncomms;
	ro->nx_filter_on = (f->npids ? NX_FILT_PID : 0) | (f->nuids ? NX_FILT_UID : 0) |
			   (f->ncomms ? NX_FILT_COMM : 0);
	return 0;
}

static int set_payloads(struct nexus_bpf__rodata *ro, const struct nx_paycfg *c,
			struct nx_err *err)
{
	struct nx_pay_rodata pr;
	int rc = nx_paycfg_rodata(c, &pr, err);

	if (rc < 0)
		return rc;
	_Static_assert(sizeof(ro->nx_pay_class) == sizeof(pr.cls), "class array size");
	_Static_assert(sizeof(ro->nx_pay_buf) == sizeof(pr.buf), "buffer limits size");
	ro->nx_pay_on = pr.on;
	memcpy((void *)ro->nx_pay_class, pr.cls, sizeof(pr.cls));
	ro->nx_pay_path_max = pr.path_max;
	ro->nx_pay_argc_max = pr.argc_max;
	ro->nx_pay_argv_bytes = pr.argv_bytes;
	ro->nx_pay_iov_pow2 = pr.iov_pow2;
	ro->nx_pay_argv_pow2 = pr.argv_pow2;
	memcpy((void *)ro->nx_pay_buf, pr.buf, sizeof(pr.buf));
	ro->nx_pay_buf_max = pr.buf_max;
	return 0;
}

static int fill_sysfilters(struct nx_loader *l, const struct nx_loader_opts *o,
			   struct nx_err *err)
{
	int fd = bpf_map__fd(l->skel->maps.nx_sysfilt);
	struct nx_sysfilt v;
	int rc;

	for (uint32_t i = 0; i < o->nsysfilters; i++) {
		__u32 nr = o->sysfilters[i].nr;

		rc = nx_sysfilt_build(&o->sysfilters[i], &v, err);
		if (rc < 0)
			return rc;
		if (bpf_map_update_elem(fd, &nr, &v, BPF_ANY) < 0)
			return nx_err_set(err, -errno, "syscall filter %u: cannot add it to the "
					  "kernel map: %s", nr, strerror(errno));
	}
	return 0;
}

int nx_loader_read_filtered(const struct nx_loader *l, uint32_t nr, uint64_t *total,
			    struct nx_err *err)
{
	uint64_t v[l->ncpus];

	*total = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.nx_sysfilt_drops), &nr, v) < 0)
		return nx_err_set(err, -errno, "reading the syscall filter counters: %s",
				  strerror(errno));
	for (unsigned c = 0; c < l->ncpus; c++)
		*total += v[c];
	return 0;
}

/*
 * sys_exit, then sys_enter, after every other program: an entry waits in a
 * per-cpu slot that only on_switch empties when its thread blocks or moves
 * (bpf/sysemit.bpf.h), so with --all, where every process is traced from
 * the first attach, a syscall entered before on_switch was attached could be
 * overwritten unseen. The links go into the skeleton, which destroys them.
 */
static int attach_syscalls(struct nx_loader *l, struct nx_err *err)
{
	struct bpf_link *link;

	if (l->no_syscalls)
		return 0;
	link = bpf_program__attach(l->skel->progs.on_sys_exit);
	if (!link)
		return fail(err, -errno, "attaching the sys_exit program");
	l->skel->links.on_sys_exit = link;
	link = bpf_program__attach(l->skel->progs.on_sys_enter);
	if (!link)
		return fail(err, -errno, "attaching the sys_enter program");
	l->skel->links.on_sys_enter = link;
	return 0;
}

struct nx_loader *nx_loader_open(const struct nx_loader_opts *o, struct nx_err *err)
{
	static const struct nx_loader_opts none = { 0 };
	struct nx_loader *l;
	struct nexus_bpf__rodata *ro;
	int rc, ncpus;

	if (!o)
		o = &none;
	l = calloc(1, sizeof(*l));
	if (!l) {
		nx_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	log_opts = o;
	last_warn[0] = '\0';
	libbpf_set_print(print_hook);
	l->ring_bytes = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RING;
	if (l->ring_bytes < MIN_RING || (l->ring_bytes & (l->ring_bytes - 1)) ||
	    l->ring_bytes > (1ull << 31)) {
		nx_err_set(err, -EINVAL, "ring buffer size %llu: not a power of two between 16 KiB "
			   "and 2 GiB", (unsigned long long)l->ring_bytes);
		goto fail;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fail(err, ncpus ? ncpus : -EINVAL, "counting cpus");
		goto fail;
	}
	l->ncpus = ncpus;
	{
		/* with a log callback (-v), the verifier's log of every program too */
		LIBBPF_OPTS(bpf_object_open_opts, oo, .kernel_log_level = o->log ? 1 : 0);

		l->skel = nexus_bpf__open_opts(&oo);
	}
	if (!l->skel) {
		fail(err, -errno, "opening the BPF skeleton");
		goto fail;
	}
	ro = l->skel->rodata;
	ro->nx_self_tgid = getpid();
	ro->nx_trace_all = o->trace_all;
	ro->nx_follow = o->follow;
	ro->nx_noexec = o->noexec;
	ro->nx_ncpus = l->ncpus;
	/* ia32 syscalls meet filters and payload classes by name (bpf/ia32.bpf.h) */
	nx_syscall_ia32_map((uint16_t *)ro->nx_ia32_to64,
			    sizeof(ro->nx_ia32_to64) / sizeof(ro->nx_ia32_to64[0]));
	if (o->wake_bytes == UINT32_MAX)
		ro->nx_wake_bytes = 0;
	else if (o->wake_bytes)
		ro->nx_wake_bytes = o->wake_bytes;
	else
		ro->nx_wake_bytes = l->ring_bytes / 4 < (8u << 20) ? l->ring_bytes / 4 : 8u << 20;
	if (o->syscalls) {
		ro->nx_sys_filter_on = 1;
		for (uint32_t i = 0; i < o->nsyscalls; i++) {
			uint32_t nr = o->syscalls[i], bit = nr;

			if (NX_SYS_IS_IA32(nr))	/* i386-only: past the x86-64 numbers */
				bit = (nr & ~NX_SYS_IA32) < NX_SYS_MAX ? NX_SYS_MAX + (nr & ~NX_SYS_IA32)
								       : NX_SYS_FILTER_BITS;
			if (bit >= NX_SYS_FILTER_BITS || (!NX_SYS_IS_IA32(nr) && nr >= NX_SYS_MAX)) {
				nx_err_set(err, -EINVAL, "syscall number %#x: beyond the filter's", nr);
				goto fail;
			}
			ro->nx_sys_filter[bit / 64] |= 1ull << (bit % 64);
		}
	}
	if (set_filter(ro, o->filter, err) < 0)
		goto fail;
	if (o->payloads && set_payloads(ro, o->payloads, err) < 0)
		goto fail;
	for (uint32_t i = 0; i < o->nsysfilters; i++) {	/* decided at exit, bpf/payload.bpf.h */
		uint32_t nr = o->sysfilters[i].nr;

		if (nr >= NX_SYS_MAX) {
			nx_err_set(err, -EINVAL, "syscall number %u: beyond the filter's %u", nr,
				   NX_SYS_MAX);
			goto fail;
		}
		((__u32 *)ro->nx_pay_class)[nr] |= NX_PAYC_FILTER;
		ro->nx_pay_on = 1;
	}
	rc = bpf_map__set_max_entries(l->skel->maps.nx_events, l->ring_bytes);
	if (rc) {
		fail(err, rc, "sizing the ring buffer");
		goto fail;
	}
	if (o->no_syscalls) {
		bpf_program__set_autoload(l->skel->progs.on_sys_enter, false);
		bpf_program__set_autoload(l->skel->progs.on_sys_exit, false);
		bpf_program__set_autoload(l->skel->progs.on_switch, false);
	}
	/* uprobes are attached per hooked function by capture/probes.c */
	bpf_program__set_autoattach(l->skel->progs.nx_uprobe, false);
	bpf_program__set_autoattach(l->skel->progs.nx_uretprobe, false);
	if (o->ncommon > NX_UP_PRELOAD_MAX) {
		nx_err_set(err, -EINVAL, "%u preloaded common tuples: more than the kernel map's %u",
			   o->ncommon, NX_UP_PRELOAD_MAX);
		goto fail;
	}
	if (!o->nprobes) {
		bpf_program__set_autoload(l->skel->progs.nx_uprobe, false);
		bpf_program__set_autoload(l->skel->progs.nx_uretprobe, false);
	} else if (bpf_map__set_max_entries(l->skel->maps.nx_up_probes, o->nprobes + 1) ||
		   bpf_map__set_max_entries(l->skel->maps.nx_up_filtered, o->nprobes + 1) ||
		   bpf_map__set_max_entries(l->skel->maps.nx_up_lost, o->nprobes + 1) ||
		   bpf_map__set_max_entries(l->skel->maps.nx_up_trigs, o->ntrigs ? o->ntrigs : 1) ||
		   bpf_map__set_max_entries(l->skel->maps.nx_up_common,
					    NX_UP_COMMON_MAX + o->ncommon)) {
		fail(err, -errno, "sizing the probe maps");
		goto fail;
	}
	bpf_program__set_autoattach(l->skel->progs.nx_flush, false);	/* run at the end */
	/* attached last, by attach_syscalls */
	bpf_program__set_autoattach(l->skel->progs.on_sys_enter, false);
	bpf_program__set_autoattach(l->skel->progs.on_sys_exit, false);
	if (o->no_syscalls)
		bpf_program__set_autoload(l->skel->progs.nx_flush, false);
	l->no_syscalls = o->no_syscalls;
	rc = nexus_bpf__load(l->skel);
	if (rc) {
		fail(err, rc, "loading the BPF programs");
		goto fail;
	}
	l->shared_len = (sizeof(struct nx_shared) + 4095) & ~4095ul;
	l->shared = mmap(NULL, l->shared_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(l->skel->maps.nx_shared), 0);
	if (l->shared == MAP_FAILED) {
		l->shared = NULL;
		fail(err, -errno, "mapping the relevancy table");
		goto fail;
	}
	if (fill_names(l, o, err) < 0 || fill_sysfilters(l, o, err) < 0)
		goto fail;
	rc = nexus_bpf__attach(l->skel);
	if (rc) {
		fail(err, rc, "attaching the BPF programs");
		goto fail;
	}
	if (attach_syscalls(l, err) < 0)
		goto fail;
	log_opts = NULL;
	return l;
fail:
	log_opts = NULL;
	nx_loader_close(l);
	return NULL;
}

int nx_loader_mark(struct nx_loader *l, pid_t tgid, bool wait, struct nx_err *err)
{
	__u8 *r;

	if (tgid <= 0 || (uint32_t)tgid >= NX_PID_LIMIT)
		return nx_err_set(err, -EINVAL, "pid %d: out of range", (int)tgid);
	r = &l->shared->rel[tgid];
	if (wait) {
		if (__atomic_exchange_n(r, NX_REL_WAIT, __ATOMIC_SEQ_CST) != NX_REL_WAIT)
			__atomic_fetch_add(&l->shared->live, 1, __ATOMIC_SEQ_CST);
	} else {
		__u8 exp = NX_REL_NO;

		__atomic_compare_exchange_n(r, &exp, NX_REL_YES, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	}
	return 0;
}

int64_t nx_loader_live(const struct nx_loader *l)
{
	return __atomic_load_n(&l->shared->live, __ATOMIC_SEQ_CST);
}

int nx_loader_ringbuf_fd(const struct nx_loader *l)
{
	return bpf_map__fd(l->skel->maps.nx_events);
}

unsigned nx_loader_ncpus(const struct nx_loader *l)
{
	return l->ncpus;
}

int nx_loader_read_lost(const struct nx_loader *l, uint64_t *lost, struct nx_err *err)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.nx_lost), &zero, lost) < 0)
		return nx_err_set(err, -errno, "reading the kernel's loss counters: %s",
				  strerror(errno));
	return 0;
}

struct bpf_object *nx_loader_object(const struct nx_loader *l)
{
	return l->skel->obj;
}

void nx_loader_detach(struct nx_loader *l)
{
	if (l && l->skel)
		nexus_bpf__detach(l->skel);
}

int nx_loader_flush_pending(struct nx_loader *l, struct nx_err *err)
{
	struct bpf_link *link;
	char buf[64];
	int fd, rc = 0;
	ssize_t n;

	if (l->no_syscalls)
		return 0;
	link = bpf_program__attach_iter(l->skel->progs.nx_flush, NULL);
	if (!link)
		return fail(err, -errno, "starting the task iterator for blocked syscalls");
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		rc = fail(err, -errno, "starting the task iterator for blocked syscalls");
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		rc = nx_err_set(err, -errno, "walking the tasks for blocked syscalls: %s",
				strerror(errno));
	close(fd);
out:
	bpf_link__destroy(link);
	return rc;
}

void nx_loader_close(struct nx_loader *l)
{
	if (!l)
		return;
	if (l->shared)
		munmap(l->shared, l->shared_len);
	nexus_bpf__destroy(l->skel);
	free(l);
}
