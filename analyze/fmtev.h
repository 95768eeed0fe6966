#ifndef NX_ANALYZE_FMTEV_H	/* analyze/fmtev.h: an event as a strace-like line or JSON */
#define NX_ANALYZE_FMTEV_H

#include <stdint.h>

#include "analyze/json.h"
#include "analyze/payjoin.h"
#include "analyze/printfmt.h"
#include "analyze/proctab.h"
#include "format/event.h"
#include "format/meta.h"

/*
 * Shared by nexus-dump and nexus-split --format jsonl, so that one event reads
 * the same everywhere. Text (one line, no newline appended):
 *
 *	<secs.usecs> <comm> <pid>/<tid> <what>
 *
 * secs is relative to t0_ns (the recording's first event). <what> per kind:
 *	syscall  name(0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6) = ret <dur>
 *	         (the common syscalls decoded like strace, with their payloads:
 *	          openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3; sysfmt.h)
 *	payload  payload name argN path|argv|buf "..." [(N bytes|args)] [fault]
 *	         (one whose syscall is not shown with it)
 *	         (ret -4095..-1: "= -1 ENOENT (No such file or directory)";
 *	          not returned: "= ?")
 *	exec     exec "filename" comm "comm" ppid P uid U
 *	fork     fork child C/T comm "comm"   (clone thread C/T for a thread)
 *	exit     exit code N | exit signal N (SIGNAME)  [group]
 *	call     call func(0xa1, ..., 0xa6) probe P triggers 0xT data "..."
 *	return   return func = ret probe P
 *	health   health cpu 12.34% disk 0.50% [cpu-high] [disk-high]
 *	adapt    adapt action probe P value 0xV "note"
 *	loss     [LOST n events, cpu c, reason]
 *	filter   [FILTERED n events, probe P]
 *	         ([FILTERED n events, syscall name] for a Syscalls filter)
 * Strings are C-escaped (never a control byte). JSON (one object, no newline):
 *	{"event_id":N,"event_type":"syscall","timestamp_ns":T,"pid":P,"tid":T,
 *	 "ppid":P,"comm":"..","payload":{<every field of the event table>, ...}}
 * with "name" added to a syscall's payload and "function" to a call's or
 * return's. Integers are JSON numbers (u64 in full, s64 signed).
 */
struct nx_fmtev_opts {
	uint64_t t0_ns;				/* time origin of text lines */
	const struct nxr_meta *meta;		/* probe names; NULL: probes by id */
	/* print formats (nx_printtab_new(meta)); NULL: none. With one, a syscall,
	 * call or return reads "name: <message>" in place of "name(args)", and
	 * the JSON payload gets "message". %s of a syscall's argument prints
	 * the path or buffer payload joined to it (nx_fmtev_text_pay). */
	const struct nx_printtab *prints;
};

/* proc: the entry of ev->pid after nx_proctab_observe(ev), or NULL if none. */
void nx_fmtev_text(struct nx_json_buf *b, const struct nxr_event *ev, const struct nx_proc *proc,
		   const struct nx_fmtev_opts *o);
/* The same with the payloads of a SYSCALL event (nx_payjoin_take; NULL: none). */
void nx_fmtev_text_pay(struct nx_json_buf *b, const struct nxr_event *ev,
		       const struct nx_proc *proc, const struct nx_fmtev_opts *o,
		       const struct nx_payset *pay);
void nx_fmtev_json(struct nx_json_buf *b, const struct nxr_event *ev, uint64_t event_id,
		   const struct nx_proc *proc, const struct nx_fmtev_opts *o);
/* The same with the payloads of a SYSCALL event, for its message's %s. */
void nx_fmtev_json_pay(struct nx_json_buf *b, const struct nxr_event *ev, uint64_t event_id,
		       const struct nx_proc *proc, const struct nx_fmtev_opts *o,
		       const struct nx_payset *pay);

/* The word of a loss reason ("ringbuf", "backlog", "disk", "unknown"). */
const char *nx_fmtev_loss_reason(uint32_t reason);
/* The word of an adapt action ("common_add", ..., "unknown"). */
const char *nx_fmtev_adapt_action(uint32_t action);
/* The function a probe id names ("probe<id>" in buf when the table lacks it). */
const char *nx_fmtev_probe_func(const struct nxr_meta *m, uint32_t probe, char *buf, size_t len);

#endif
