#ifndef NX_BPF_MAPS_BPF_H	/* bpf/maps.bpf.h: maps and run settings shared by every .bpf.c */
#define NX_BPF_MAPS_BPF_H
/*
 * Every .bpf.c is linked into one object (bpftool gen object), so what more
 * than one program file uses is defined here __weak: the linker keeps one.
 * Per-run settings are const volatile rodata, set by capture/loader.c before
 * load, so the verifier prunes what a run does not use.
 */
#include "bpf/nxbpf.h"
#include "bpf/events.h"

const volatile __u32 nx_self_tgid __weak = 0;	/* the recorder: never traced */
const volatile __u32 nx_trace_all __weak = 0;	/* every process but the recorder */
const volatile __u32 nx_follow __weak = 1;	/* children inherit relevancy */
const volatile __u32 nx_noexec __weak = 0;	/* exec of a name in nx_names makes relevant */
const volatile __u32 nx_wake_bytes __weak = 0;	/* wake the drain past this much data; 0: per event */
const volatile __u32 nx_ncpus __weak = 1;	/* possible cpus: the slots nx_flush empties */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} nx_events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct nx_shared);
} nx_shared SEC(".maps") __weak;

/* Failed bpf_ringbuf_reserve (and task storage) per cpu: written as LOSS events. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nx_lost SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[NX_NAME_LEN]);
	__type(value, __u8);
} nx_names SEC(".maps") __weak;

/* The hot path's per-cpu slot (struct nx_cpu, bpf/sysemit.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nx_cpu);
} nx_cpu SEC(".maps") __weak;

/* The entry of a syscall whose thread left its cpu before returning. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nx_pending);
} nx_pending SEC(".maps") __weak;

static __always_inline struct nx_shared *nx_shared_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nx_shared, &zero);
}

#include "bpf/filter.bpf.h"

/* The hot path: one inlined array lookup and a byte load. With filters
 * (nx_filter_on, pruned otherwise) a process's first event after its mark,
 * fork or exec judges it (bpf/filter.bpf.h). */
static __always_inline int nx_relevant(__u32 tgid)
{
	struct nx_shared *s;
	__u8 *rel, r;

	if (nx_trace_all && !nx_filter_on)
		return tgid != nx_self_tgid;
	s = nx_shared_get();
	if (!s)
		return 0;
	rel = &s->rel[tgid & (NX_PID_LIMIT - 1)];
	if (!nx_filter_on)
		return *rel != NX_REL_NO;
	if (tgid == nx_self_tgid)
		return 0;
	r = *rel;
	if (!nx_trace_all && !(r & NX_REL_SEL))
		return 0;
	if (!(r & NX_REL_DECIDED))
		r = nx_filter_decide(rel, r, tgid);
	return !(r & NX_REL_MUTED);
}

/* Traced, recorded or not: what following children and waiting go by. */
static __always_inline int nx_selected(__u32 tgid)
{
	struct nx_shared *s;

	if (nx_trace_all)
		return tgid != nx_self_tgid;
	s = nx_shared_get();
	if (!s)
		return 0;
	return (s->rel[tgid & (NX_PID_LIMIT - 1)] & NX_REL_SEL) != NX_REL_NO;
}

/* n events the ring buffer could not take, counted on this cpu */
static __always_inline void nx_count_lost(__u64 n)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&nx_lost, &zero);

	if (c)
		__sync_fetch_and_add(c, n);
}

static __always_inline __u64 nx_wake_flags(void)
{
	if (!nx_wake_bytes)
		return 0;
	if (bpf_ringbuf_query(&nx_events, BPF_RB_AVAIL_DATA) >= nx_wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

#endif
