/*
 * capture/caps.c: nexus-record --check, and the same checks before a run.
 *
 * Each capability is answered by trying it: a kernel's version says little
 * (distributions backport, configs differ, lockdown and sysctls refuse), so
 * a program is loaded and attached the way nexus-record will, from raw
 * instructions (r0 = 0; exit, or a call of bpf_get_attach_cookie first) so
 * that no test program joins the skeleton. Uprobes go on a function of this
 * very binary, limited to this process (pid filter), and kprobes and fentry
 * on vfs_read; every fd is closed before the probe returns, so nothing is
 * left attached and nothing fires in another process.
 *
 * Invariants: a failed probe is an answer (ok false with the errno and, for
 * a refused program, the verifier's last line), never an error; libbpf's own
 * messages are silenced while probing.
 */
#include "capture/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define PMU_DIR "/sys/bus/event_source/devices"
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define KFUNC "vfs_read"		/* in every kernel's BTF, kprobe-able */
#define TP_BTF "btf_trace_sched_process_exit"

static const struct {
	const char *name;
	const char *without;
} caps_info[NX_CAP_COUNT] = {
	[NX_CAP_PRIV] = { "privileges", "nothing can be loaded: nexus-record refuses to start" },
	[NX_CAP_BTF] = { "btf", "the CO-RE programs cannot be relocated: nexus-record refuses to "
			 "start" },
	[NX_CAP_BPF_SYSCALL] = { "bpf_syscall", "no BPF at all: nexus-record refuses to start" },
	[NX_CAP_RINGBUF] = { "ringbuf", "events have no way to user space: nexus-record refuses "
			     "to start" },
	[NX_CAP_TP_BTF] = { "tp_btf", "syscalls and process events cannot be recorded: "
			    "nexus-record refuses to start" },
	[NX_CAP_UPROBE] = { "uprobe", "Targets with HookType uprobe (and -e p:...) are refused; "
			    "syscalls are still recorded" },
	[NX_CAP_URETPROBE] = { "uretprobe", "Targets with HookType uretprobe (and -e r:...) are "
			       "refused; syscalls are still recorded" },
	[NX_CAP_COOKIE] = { "attach_cookie", "probes cannot tell which function fired: Targets "
			    "are refused; syscalls are still recorded" },
	[NX_CAP_KPROBE] = { "kprobe", "nothing: nexus does not use kprobes (syscalls come from "
			    "tp_btf)" },
	[NX_CAP_FENTRY] = { "fentry", "nothing: nexus does not use fentry/fexit (tp_btf instead)" },
	[NX_CAP_LIBBPF] = { "libbpf", "-" },
};

const char *nx_cap_name(enum nx_cap c)
{
	return c < NX_CAP_COUNT ? caps_info[c].name : "?";
}

const char *nx_cap_without(enum nx_cap c)
{
	return c < NX_CAP_COUNT ? caps_info[c].without : "?";
}

__attribute__((format(printf, 3, 4)))
static void answer(struct nx_caps *caps, enum nx_cap c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(caps->r[c].detail, sizeof(caps->r[c].detail), fmt, ap);
	va_end(ap);
	caps->probed |= 1u << c;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* ---- the probes ---- */

static bool cap_effective(const struct __user_cap_data_struct d[2], int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void probe_priv(struct nx_caps *caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	bool bpf, perfmon, admin;

	if (syscall(SYS_capget, &h, d) < 0) {
		answer(caps, NX_CAP_PRIV, "capget failed: %s", strerror(errno));
		return;
	}
	bpf = cap_effective(d, CAP_BPF);
	perfmon = cap_effective(d, CAP_PERFMON);
	admin = cap_effective(d, CAP_SYS_ADMIN);
	caps->r[NX_CAP_PRIV].ok = (bpf && perfmon) || admin;
	answer(caps, NX_CAP_PRIV, "euid %u; effective: CAP_BPF %s, CAP_PERFMON %s, CAP_SYS_ADMIN %s",
	       (unsigned)geteuid(), bpf ? "yes" : "no", perfmon ? "yes" : "no",
	       admin ? "yes" : "no");
}

static void probe_btf(struct nx_caps *caps, struct btf **vmlinux)
{
	struct stat st;
	struct btf *b;

	if (stat(VMLINUX_BTF, &st) < 0) {
		answer(caps, NX_CAP_BTF, VMLINUX_BTF ": %s (kernel built without "
		       "CONFIG_DEBUG_INFO_BTF?)", strerror(errno));
		return;
	}
	b = btf__load_vmlinux_btf();
	if (!b) {
		answer(caps, NX_CAP_BTF, VMLINUX_BTF ": cannot parse it: %s", strerror(errno));
		return;
	}
	caps->r[NX_CAP_BTF].ok = true;
	answer(caps, NX_CAP_BTF, VMLINUX_BTF ": %u types (%lld KiB)", btf__type_cnt(b) - 1,
	       (long long)st.st_size / 1024);
	*vmlinux = b;
}

static void probe_bpf_syscall(struct nx_caps *caps)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nx_check", 4, 4, 1, NULL);

	if (fd >= 0) {
		close(fd);
		caps->r[NX_CAP_BPF_SYSCALL].ok = true;
		answer(caps, NX_CAP_BPF_SYSCALL, "bpf(BPF_MAP_CREATE) made an array map");
		return;
	}
	if (errno == ENOSYS)
		answer(caps, NX_CAP_BPF_SYSCALL, "bpf(2) is not implemented (CONFIG_BPF_SYSCALL off)");
	else
		answer(caps, NX_CAP_BPF_SYSCALL, "bpf(BPF_MAP_CREATE) failed: %s%s", strerror(errno),
		       errno == EPERM ? " (no privileges)" : "");
}

static void probe_ringbuf(struct nx_caps *caps)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "nx_check", 0, 0, 4096, NULL);

	if (fd >= 0) {
		close(fd);
		caps->r[NX_CAP_RINGBUF].ok = true;
		answer(caps, NX_CAP_RINGBUF, "a BPF_MAP_TYPE_RINGBUF map was created");
		return;
	}
	answer(caps, NX_CAP_RINGBUF, "BPF_MAP_TYPE_RINGBUF refused: %s%s", strerror(errno),
	       errno == EINVAL ? " (kernel older than 5.8)" : "");
}

/* The verifier's last non-empty line, for the reason a program was refused. */
static const char *log_tail(char *log)
{
	char *end = log + strlen(log), *p;

	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	p = strrchr(log, '\n');
	return p ? p + 1 : log;
}

/* r0 = 0; exit -- or, with cookie, r0 = bpf_get_attach_cookie(ctx) first. */
static int load_prog(enum bpf_prog_type type, enum bpf_attach_type expected, __u32 btf_id,
		     bool cookie, char *why, size_t whylen)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_attach_cookie },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = expected,
		    .attach_btf_id = btf_id, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	int fd;

	fd = bpf_prog_load(type, "nx_check", "Dual BSD/GPL", cookie ? insns : insns + 1,
			   cookie ? 3 : 2, &o);
	if (fd < 0) {
		int e = errno;

		if (!log[0]) {
			/* refused before the verifier wrote a word: maybe the log buffer
			 * itself (old kernels), so once more without it */
			o.log_buf = NULL;
			o.log_size = 0;
			o.log_level = 0;
			fd = bpf_prog_load(type, "nx_check", "Dual BSD/GPL",
					   cookie ? insns : insns + 1, cookie ? 3 : 2, &o);
			if (fd >= 0)
				return fd;
			e = errno;
		}
		snprintf(why, whylen, "the program was refused: %s%s%s", strerror(e),
			 log[0] ? ": " : "", log[0] ? log_tail(log) : "");
		errno = e;
	}
	return fd;
}

static void probe_btf_prog(struct nx_caps *caps, enum nx_cap c, const struct btf *b,
			   const char *target, int kind, enum bpf_attach_type at)
{
	char why[160];
	int id, fd, lfd;

	if (!b) {
		answer(caps, c, "no vmlinux BTF to find %s in", target);
		return;
	}
	id = btf__find_by_name_kind(b, target, kind);
	if (id <= 0) {
		answer(caps, c, "%s is not in the kernel's BTF", target);
		return;
	}
	fd = load_prog(BPF_PROG_TYPE_TRACING, at, id, false, why, sizeof(why));
	if (fd < 0) {
		answer(caps, c, "loading on %s: %s", target, why);
		return;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		answer(caps, c, "loaded, but attaching to %s failed: %s", target, strerror(errno));
	} else {
		caps->r[c].ok = true;
		answer(caps, c, "a program loaded and attached to %s", target);
		close(lfd);
	}
	close(fd);
}

static int pmu_int(const char *pmu, const char *file, int *out)
{
	char path[128], buf[64];
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), PMU_DIR "/%s/%s", pmu, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		const char *p = strchr(buf, ':');	/* format files say "config:0" */

		*out = atoi(p ? p + 1 : buf);
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* What uprobes attach to: a function of this binary that nothing calls while
 * probing, so the probe never fires. */
__attribute__((noinline, used)) int nx_caps_uprobe_target(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

/* The file and file offset of our own function, from /proc/self/maps. */
static int self_offset(char *path, size_t plen, uint64_t *off)
{
	uintptr_t addr = (uintptr_t)&nx_caps_uprobe_target;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, pgoff;
		char perms[8], file[400] = "";

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %399[^\n]", &lo, &hi, perms, &pgoff,
			   file) < 4)
			continue;
		if (addr < lo || addr >= hi || file[0] != '/')
			continue;
		snprintf(path, plen, "%s", file);
		*off = addr - lo + pgoff;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/*
 * A perf event of the uprobe or kprobe PMU (ret: the return probe), opened
 * for this process only. -1 with why set on failure.
 */
static int open_probe_event(const char *pmu, bool ret, const char *name, uint64_t off,
			    char *why, size_t whylen)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	int type, bit = 0, pfd;
	bool kernel = !strcmp(pmu, "kprobe");

	if (pmu_int(pmu, "type", &type) < 0) {
		snprintf(why, whylen, "no %s PMU in " PMU_DIR "%s", pmu,
			 kernel ? " (kernel built without CONFIG_KPROBES?)" :
				  " (kernel built without CONFIG_UPROBE_EVENTS?)");
		return -1;
	}
	if (ret && pmu_int(pmu, "format/retprobe", &bit) < 0) {
		snprintf(why, whylen, "the %s PMU has no retprobe format bit", pmu);
		return -1;
	}
	attr.type = type;
	attr.config = ret ? 1ull << bit : 0;
	attr.config1 = (uint64_t)(uintptr_t)name;	/* uprobe_path / kprobe_func */
	attr.config2 = off;				/* probe_offset */
	pfd = syscall(SYS_perf_event_open, &attr, kernel ? -1 : getpid(), kernel ? 0 : -1, -1,
		      PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		snprintf(why, whylen, "perf_event_open on the %s PMU (%s) failed: %s", pmu,
			 name, strerror(errno));
	return pfd;
}

/* Without attach (the check before a run): the PMU and the program only. */
static void probe_uprobe_quick(struct nx_caps *caps, enum nx_cap c, bool ret, bool cookie)
{
	char why[200];
	int type, bit, fd;

	if (pmu_int("uprobe", "type", &type) < 0) {
		answer(caps, c, "no uprobe PMU in " PMU_DIR " (kernel built without "
		       "CONFIG_UPROBE_EVENTS?)");
		return;
	}
	if (ret && pmu_int("uprobe", "format/retprobe", &bit) < 0) {
		answer(caps, c, "the uprobe PMU has no retprobe format bit");
		return;
	}
	fd = load_prog(BPF_PROG_TYPE_KPROBE, 0, 0, cookie, why, sizeof(why));
	if (fd < 0) {
		answer(caps, c, "%s%s", cookie ? "bpf_get_attach_cookie: " : "", why);
		return;
	}
	close(fd);
	caps->r[c].ok = true;
	answer(caps, c, "the uprobe PMU is there and the program loads (the run attaches)");
}

static void probe_uprobe(struct nx_caps *caps, enum nx_cap c, bool ret, bool cookie)
{
	char path[400], why[200];
	uint64_t off;
	int pfd, fd, lfd;

	if (self_offset(path, sizeof(path), &off) < 0) {
		answer(caps, c, "cannot find this binary's own code in /proc/self/maps");
		return;
	}
	{
		/* our own executable through /proc/self/exe: still found when the file
		 * was replaced (a rebuild) while we run */
		char exe[400];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		exe[n > 0 ? n : 0] = '\0';
		pfd = open_probe_event("uprobe", ret, strcmp(exe, path) ? path : "/proc/self/exe",
				       off, why, sizeof(why));
	}
	if (pfd < 0) {
		answer(caps, c, "%s", why);
		return;
	}
	fd = load_prog(BPF_PROG_TYPE_KPROBE, 0, 0, cookie, why, sizeof(why));
	if (fd < 0) {
		answer(caps, c, "%s%s", cookie ? "bpf_get_attach_cookie: " : "", why);
		close(pfd);
		return;
	}
	if (cookie) {
		LIBBPF_OPTS(bpf_link_create_opts, lo, .perf_event.bpf_cookie = 0x6e78);

		lfd = bpf_link_create(fd, pfd, BPF_PERF_EVENT, &lo);
		if (lfd < 0) {
			answer(caps, c, "a perf link with a cookie was refused: %s", strerror(errno));
		} else {
			caps->r[c].ok = true;
			answer(caps, c, "a program calling bpf_get_attach_cookie attached to a "
			       "uprobe through a perf link with cookie 0x6e78");
			close(lfd);
		}
	} else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd) < 0) {
		answer(caps, c, "a %s was created, but attaching the program failed: %s",
		       ret ? "uretprobe" : "uprobe", strerror(errno));
	} else {
		caps->r[c].ok = true;
		answer(caps, c, "a program attached to a %s on %s+0x%" PRIx64 " (perf uprobe PMU)",
		       ret ? "uretprobe" : "uprobe", path, off);
	}
	close(fd);
	close(pfd);
}

static void probe_kprobe(struct nx_caps *caps)
{
	char why[200];
	int pfd, fd;

	pfd = open_probe_event("kprobe", false, KFUNC, 0, why, sizeof(why));
	if (pfd < 0) {
		answer(caps, NX_CAP_KPROBE, "%s", why);
		return;
	}
	fd = load_prog(BPF_PROG_TYPE_KPROBE, 0, 0, false, why, sizeof(why));
	if (fd < 0) {
		answer(caps, NX_CAP_KPROBE, "%s", why);
	} else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd) < 0) {
		answer(caps, NX_CAP_KPROBE, "a kprobe on " KFUNC " was created, but attaching the "
		       "program failed: %s", strerror(errno));
	} else {
		caps->r[NX_CAP_KPROBE].ok = true;
		answer(caps, NX_CAP_KPROBE, "a program attached to a kprobe on " KFUNC);
	}
	if (fd >= 0)
		close(fd);
	close(pfd);
}

static int caps_probe(struct nx_caps *caps, uint32_t mask, bool attach_uprobes)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct btf *vmlinux = NULL;
	uint32_t want = mask ? mask : (1u << NX_CAP_COUNT) - 1;

	memset(caps, 0, sizeof(*caps));
	/* what the others stand on is always probed: their details refer to it */
	want |= 1u << NX_CAP_PRIV;
	if (want & ((1u << NX_CAP_TP_BTF) | (1u << NX_CAP_FENTRY)))
		want |= 1u << NX_CAP_BTF;
	probe_priv(caps);
	if (want & (1u << NX_CAP_BTF))
		probe_btf(caps, &vmlinux);
	if (want & (1u << NX_CAP_BPF_SYSCALL))
		probe_bpf_syscall(caps);
	if (want & (1u << NX_CAP_RINGBUF))
		probe_ringbuf(caps);
	if (want & (1u << NX_CAP_TP_BTF))
		probe_btf_prog(caps, NX_CAP_TP_BTF, vmlinux, TP_BTF, BTF_KIND_TYPEDEF,
			       BPF_TRACE_RAW_TP);
	if (want & (1u << NX_CAP_UPROBE))
		(attach_uprobes ? probe_uprobe : probe_uprobe_quick)(caps, NX_CAP_UPROBE, false, false);
	if (want & (1u << NX_CAP_URETPROBE))
		(attach_uprobes ? probe_uprobe : probe_uprobe_quick)(caps, NX_CAP_URETPROBE, true,
								      false);
	if (want & (1u << NX_CAP_COOKIE))
		(attach_uprobes ? probe_uprobe : probe_uprobe_quick)(caps, NX_CAP_COOKIE, false, true);
	if (want & (1u << NX_CAP_KPROBE))
		probe_kprobe(caps);
	if (want & (1u << NX_CAP_FENTRY))
		probe_btf_prog(caps, NX_CAP_FENTRY, vmlinux, KFUNC, BTF_KIND_FUNC,
			       BPF_TRACE_FENTRY);
	if (want & (1u << NX_CAP_LIBBPF)) {
		caps->r[NX_CAP_LIBBPF].ok = true;
		answer(caps, NX_CAP_LIBBPF, "libbpf %s at run time, built against %d.%d",
		       libbpf_version_string(), LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
	}
	/* a probe refused for want of privileges says so */
	if (!caps->r[NX_CAP_PRIV].ok)
		for (int c = NX_CAP_BTF + 1; c < NX_CAP_LIBBPF; c++) {
			struct nx_cap_result *r = &caps->r[c];
			size_t n = strlen(r->detail);

			if ((want & (1u << c)) && !r->ok && n + 40 < sizeof(r->detail) &&
			    (strstr(r->detail, "not permitted") ||
			     strstr(r->detail, "Permission denied")))
				snprintf(r->detail + n, sizeof(r->detail) - n,
					 " (without privileges: run as root)");
		}
	btf__free(vmlinux);
	libbpf_set_print(old);
	return 0;
}

int nx_caps_probe(struct nx_caps *caps, uint32_t mask)
{
	return caps_probe(caps, mask, true);
}

int nx_caps_probe_prerun(struct nx_caps *caps, uint32_t mask)
{
	return caps_probe(caps, mask, false);
}

int nx_caps_require(const struct nx_caps *caps, uint32_t need, struct nx_err *err)
{
	for (int c = 0; c < NX_CAP_COUNT; c++) {
		if (!(need & (1u << c)) || caps->r[c].ok)
			continue;
		if (c == NX_CAP_PRIV)
			return nx_err_set(err, -EPERM, "must run as root (or with CAP_BPF and "
					  "CAP_PERFMON): it loads BPF programs (%s)",
					  caps->r[c].detail);
		return nx_err_set(err, -EOPNOTSUPP, "this machine has no %s (%s): %s", nx_cap_name(c),
				  caps->r[c].detail, nx_cap_without(c));
	}
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void nx_caps_print(FILE *f, const struct nx_caps *caps, bool json)
{
	const char *sep = "";

	if (json)
		fputs("{", f);
	for (int c = 0; c < NX_CAP_COUNT; c++) {
		const struct nx_cap_result *r = &caps->r[c];

		if (!(caps->probed & (1u << c)))
			continue;
		if (json) {
			fprintf(f, "%s\"%s\":{\"ok\":%s,\"detail\":", sep, nx_cap_name(c),
				r->ok ? "true" : "false");
			json_str(f, r->detail);
			fputs(",\"without\":", f);
			json_str(f, nx_cap_without(c));
			fputs("}", f);
			sep = ",";
			continue;
		}
		fprintf(f, "%-14s %-3s  %s", nx_cap_name(c), r->ok ? "yes" : "no", r->detail);
		if (!r->ok)
			fprintf(f, "; without it: %s", nx_cap_without(c));
		fputc('\n', f);
	}
	if (json)
		fputs("}\n", f);
}
