#ifndef NX_CAPTURE_CAPS_H	/* capture/caps.h: what this machine lets nexus-record do, probed */
#define NX_CAPTURE_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "format/err.h"

/*
 * Every answer comes from an actual probe of the machine, never from a list
 * of kernel versions: capget(2) for the privileges, the BTF file parsed,
 * maps created, tiny programs (raw instructions) loaded and attached for a
 * moment (a tp_btf program, a uprobe and a uretprobe on a function of this
 * binary, a perf link with a cookie, a kprobe, an fentry program), the PMUs
 * in /sys/bus/event_source/devices. Nothing stays loaded or attached after
 * nx_caps_probe returns.
 */
enum nx_cap {
	NX_CAP_PRIV = 0,	/* root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN) */
	NX_CAP_BTF,		/* /sys/kernel/btf/vmlinux present and parsable */
	NX_CAP_BPF_SYSCALL,	/* bpf(2) works: a map can be created */
	NX_CAP_RINGBUF,		/* BPF_MAP_TYPE_RINGBUF */
	NX_CAP_TP_BTF,		/* BTF-typed raw tracepoints load and attach */
	NX_CAP_UPROBE,
	NX_CAP_URETPROBE,
	NX_CAP_COOKIE,		/* bpf_get_attach_cookie and perf links carrying a cookie */
	NX_CAP_KPROBE,
	NX_CAP_FENTRY,
	NX_CAP_LIBBPF,		/* the libbpf version: always yes, for the record */
	NX_CAP_COUNT,
};

struct nx_cap_result {
	bool ok;
	char detail[200];	/* why: what was tried and what the machine said */
};

struct nx_caps {
	struct nx_cap_result r[NX_CAP_COUNT];
	uint32_t probed;	/* mask of 1u << enum nx_cap actually probed */
};

/* The short name ("tp_btf", "uprobe"...), used as the JSON key too. */
const char *nx_cap_name(enum nx_cap c);
/* What nexus-record does when c is missing, in one sentence. */
const char *nx_cap_without(enum nx_cap c);

/*
 * Probes the capabilities in mask (1u << enum nx_cap; 0 = all) into *caps.
 * Checks that a capability depends on (privileges, bpf(2)) are probed with it,
 * and a check that cannot run because of them says so in its detail. Returns
 * 0; a failed probe is an answer (ok false), not an error.
 */
int nx_caps_probe(struct nx_caps *caps, uint32_t mask);
/*
 * The same before a run, but uprobes, uretprobes and cookies are answered
 * by their PMU and by loading the program, not by attaching it: taking a
 * uprobe down waits for a kernel grace period (~100 ms each, 0.3 s for the
 * three), and the run attaches its own a moment later, its failure named by
 * the loader.
 */
int nx_caps_probe_prerun(struct nx_caps *caps, uint32_t mask);

/* The capabilities every run needs, and those Targets add. */
#define NX_CAPS_BASE ((1u << NX_CAP_PRIV) | (1u << NX_CAP_BTF) | (1u << NX_CAP_BPF_SYSCALL) | \
		      (1u << NX_CAP_RINGBUF) | (1u << NX_CAP_TP_BTF))
#define NX_CAPS_UPROBE ((1u << NX_CAP_UPROBE) | (1u << NX_CAP_COOKIE))
#define NX_CAPS_URETPROBE ((1u << NX_CAP_URETPROBE) | (1u << NX_CAP_COOKIE))

/*
 * 0 when every capability in need was probed and found, else -EPERM (no
 * privileges) or -EOPNOTSUPP with err "no NAME: DETAIL; WITHOUT" for the
 * first missing one.
 */
int nx_caps_require(const struct nx_caps *caps, uint32_t need, struct nx_err *err);

/* One line per probed capability: "name  yes|no  detail" (+ what nexus does
 * without it when no); or, json, one JSON object. */
void nx_caps_print(FILE *f, const struct nx_caps *caps, bool json);

#endif
