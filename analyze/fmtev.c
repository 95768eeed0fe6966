/*
 * analyze/fmtev.c: one event as text or JSON, the one place that decides how
 * an event reads (nexus-dump, nexus-split --format jsonl).
 *
 * JSON payloads walk the event table's field descriptors, so a new kind or
 * field shows up without a change here; the text lines name fields per kind
 * because a person reads them. Every string from the recording is escaped.
 */
#include "analyze/fmtev.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "analyze/syscalls.h"
#include "analyze/sysfmt.h"

const char *nx_fmtev_loss_reason(uint32_t reason)
{
	switch (reason) {
	case NX_LOSS_RINGBUF: return "ringbuf";
	case NX_LOSS_BACKLOG: return "backlog";
	case NX_LOSS_DISK: return "disk";
	default: return "unknown";
	}
}

const char *nx_fmtev_adapt_action(uint32_t action)
{
	switch (action) {
	case NX_ADAPT_COMMON_ADD: return "common_add";
	case NX_ADAPT_COMMON_DEL: return "common_del";
	case NX_ADAPT_GATE_ON: return "gate_on";
	case NX_ADAPT_GATE_OFF: return "gate_off";
	default: return "unknown";
	}
}

const char *nx_fmtev_probe_func(const struct nxr_meta *m, uint32_t probe, char *buf, size_t len)
{
	const struct nxr_probe *p = m ? nxr_meta_probe(m, probe) : NULL;

	if (p && p->func && p->func[0])
		return p->func;
	snprintf(buf, len, "probe%u", probe);
	return buf;
}

static void put_time(struct nx_json_buf *b, uint64_t ts, uint64_t t0)
{
	uint64_t d;

	if (ts < t0) {
		nx_json_putc(b, '-');
		d = t0 - ts;
	} else {
		d = ts - t0;
	}
	nx_json_printf(b, "%llu.%06llu", (unsigned long long)(d / 1000000000ull),
		       (unsigned long long)(d % 1000000000ull / 1000));
}

static void put_qstr(struct nx_json_buf *b, struct nxr_str s)
{
	nx_json_putc(b, '"');
	nx_json_cesc(b, s.ptr, s.len);
	nx_json_putc(b, '"');
}

static void put_args(struct nx_json_buf *b, const uint64_t *a)
{
	nx_json_putc(b, '(');
	for (int i = 0; i < 6; i++) {
		if (i)
			nx_json_put(b, ", ", 2);
		nx_json_hex(b, a[i]);
	}
	nx_json_putc(b, ')');
}

static void put_ret(struct nx_json_buf *b, int64_t ret)
{
	if (ret < 0 && ret >= -4095) {
		int e = (int)-ret;
		char ebuf[24];
		const char *desc = strerrordesc_np(e);

		nx_json_put(b, "-1 ", 3);
		nx_json_puts(b, nx_errno_name(e, ebuf, sizeof(ebuf)));
		if (desc) {
			nx_json_put(b, " (", 2);
			nx_json_puts(b, desc);
			nx_json_putc(b, ')');
		}
	} else if (ret > 0xffffffffll || ret < -0xffffffffll) {
		nx_json_hex(b, (uint64_t)ret);
	} else {
		nx_json_s64(b, ret);
	}
}

static void put_dur(struct nx_json_buf *b, uint64_t ns)
{
	nx_json_printf(b, " <%llu.%06llu>", (unsigned long long)(ns / 1000000000ull),
		       (unsigned long long)(ns % 1000000000ull / 1000));
}

/* %s of an iovec argument: its buffers' bytes one after the other, as the
 * call wrote or read them (the first sizeof(join->bytes)) */
struct iov_join {
	char bytes[4096];	/* the capture limit of a syscall's buffers */
	bool used;
};

static size_t iov_join(struct iov_join *join, struct nxr_str data)
{
	struct nx_iov_entry e;
	uint32_t pos = 0;
	size_t n = 0;

	while (nx_iov_next(data, &pos, &e) && n < sizeof(join->bytes)) {
		size_t take = e.n < sizeof(join->bytes) - n ? e.n : sizeof(join->bytes) - n;

		memcpy(join->bytes + n, e.bytes, take);
		n += take;
	}
	join->used = true;
	return n;
}

/* The strings %s of a syscall's arguments print: the payloads joined to
 * this very call (paths, buffers, an iovec array's buffers) */
static void syscall_strings(const struct nx_payset *pay, struct nx_printfmt_in *in,
			    struct iov_join *join)
{
	for (uint32_t i = 0; pay && i < pay->n; i++) {
		const struct nxr_payload *p = &pay->ev[i].payload;
		unsigned a = p->arg - 1;

		if (p->arg < 1 || p->arg > 6 || (p->flags & NX_PAYLOAD_FAULT))
			continue;
		if (p->type == NX_PAYLOAD_PATH || p->type == NX_PAYLOAD_BUF) {
			in->str[a] = p->data.ptr;
			in->str_len[a] = p->data.len;
		} else if (p->type == NX_PAYLOAD_IOV && !join->used) {
			in->str_len[a] = iov_join(join, p->data);
			in->str[a] = join->bytes;
		}
	}
}

/* The print format that applies to ev, with its values filled in; NULL if none. */
static const struct nx_printfmt *message_of(const struct nxr_event *ev,
					    const struct nx_fmtev_opts *o,
					    const struct nx_payset *pay, struct nx_printfmt_in *in,
					    struct iov_join *join)
{
	const struct nx_printfmt *pf = NULL;

	if (!o->prints)
		return NULL;
	memset(in, 0, sizeof(*in));
	if (ev->kind == NX_KIND_SYSCALL) {
		pf = nx_printtab_sys(o->prints, ev->syscall.nr);
		in->vals[0] = ev->syscall.arg1;
		in->vals[1] = ev->syscall.arg2;
		in->vals[2] = ev->syscall.arg3;
		in->vals[3] = ev->syscall.arg4;
		in->vals[4] = ev->syscall.arg5;
		in->vals[5] = ev->syscall.arg6;
		in->vals[6] = (uint64_t)ev->syscall.ret;
		if (pf)
			syscall_strings(pay, in, join);
	} else if (ev->kind == NX_KIND_CALL) {
		const char *s = ev->call.data.ptr, *end = s + ev->call.data.len;

		pf = nx_printtab_probe(o->prints, ev->call.probe);
		in->vals[0] = ev->call.arg1;
		in->vals[1] = ev->call.arg2;
		in->vals[2] = ev->call.arg3;
		in->vals[3] = ev->call.arg4;
		in->vals[4] = ev->call.arg5;
		in->vals[5] = ev->call.arg6;
		/* data: the captured strings, each NUL-terminated, in Args order */
		for (unsigned i = 0; pf && s && s < end && i < 6; i++) {
			const char *nul = memchr(s, '\0', (size_t)(end - s));
			size_t n = nul ? (size_t)(nul - s) : (size_t)(end - s);
			int a = nx_printtab_str_arg(o->prints, ev->call.probe, i);

			if (a >= 0) {
				in->str[a] = s;
				in->str_len[a] = n;
			}
			s += n + 1;
		}
	} else if (ev->kind == NX_KIND_RETURN) {
		pf = nx_printtab_probe(o->prints, ev->uret.probe);
		in->vals[6] = (uint64_t)ev->uret.ret;
	}
	return pf;
}

void nx_fmtev_text(struct nx_json_buf *b, const struct nxr_event *ev, const struct nx_proc *proc,
		   const struct nx_fmtev_opts *o)
{
	nx_fmtev_text_pay(b, ev, proc, o, NULL);
}

void nx_fmtev_text_pay(struct nx_json_buf *b, const struct nxr_event *ev,
		       const struct nx_proc *proc, const struct nx_fmtev_opts *o,
		       const struct nx_payset *pay)
{
	char nbuf[32];
	struct nx_printfmt_in pin;
	struct iov_join join;
	const struct nx_printfmt *pf;

	join.used = false;
	pf = message_of(ev, o, pay, &pin, &join);

	put_time(b, ev->ts_ns, o->t0_ns);
	nx_json_putc(b, ' ');
	if (ev->kind == NX_KIND_LOSS) {
		nx_json_printf(b, "[LOST %llu events, ", (unsigned long long)ev->loss.count);
		if (ev->loss.cpu == UINT32_MAX)
			nx_json_puts(b, "all cpus");
		else
			nx_json_printf(b, "cpu %u", ev->loss.cpu);
		nx_json_printf(b, ", %s", nx_fmtev_loss_reason(ev->loss.reason));
		if (ev->loss.probe)
			nx_json_printf(b, ", probe %u", ev->loss.probe);
		nx_json_putc(b, ']');
		return;
	}
	if (ev->kind == NX_KIND_FILTER) {
		if (ev->filter.probe & NX_FILTER_PROBE_SYSCALL)
			nx_json_printf(b, "[FILTERED %llu events, syscall %s]",
				       (unsigned long long)ev->filter.count,
				       nx_syscall_name(ev->filter.probe & ~NX_FILTER_PROBE_SYSCALL,
						       nbuf, sizeof(nbuf)));
		else
			nx_json_printf(b, "[FILTERED %llu events, probe %u]",
				       (unsigned long long)ev->filter.count, ev->filter.probe);
		return;
	}
	if (ev->kind == NX_KIND_HEALTH) {
		nx_json_printf(b, "health cpu %u.%02u%% disk %u.%02u%%", ev->health.cpu_busy / 100,
			       ev->health.cpu_busy % 100, ev->health.disk_busy / 100,
			       ev->health.disk_busy % 100);
		if (ev->health.flags & NX_HEALTH_CPU_HIGH)
			nx_json_puts(b, " cpu-high");
		if (ev->health.flags & NX_HEALTH_DISK_HIGH)
			nx_json_puts(b, " disk-high");
		return;
	}
	if (proc)
		nx_json_cesc(b, proc->comm, proc->comm_len);
	else
		nx_json_puts(b, NX_PROC_UNKNOWN_COMM);
	nx_json_printf(b, " %u/%u ", ev->pid, ev->tid);
	switch (ev->kind) {
	case NX_KIND_SYSCALL: {
		const uint64_t a[6] = { ev->syscall.arg1, ev->syscall.arg2, ev->syscall.arg3,
					ev->syscall.arg4, ev->syscall.arg5, ev->syscall.arg6 };

		nx_json_puts(b, nx_syscall_name(ev->syscall.nr, nbuf, sizeof(nbuf)));
		if (pf) {
			nx_json_put(b, ": ", 2);
			nx_printfmt_render(pf, &pin, b);
		} else if (!nx_sysfmt_args(b, ev, pay)) {
			put_args(b, a);
		}
		nx_json_put(b, " = ", 3);
		if (!(ev->syscall.flags & NX_SYS_EXITED)) {
			nx_json_putc(b, '?');
			break;
		}
		put_ret(b, ev->syscall.ret);
		put_dur(b, ev->syscall.dur_ns);
		break;
	}
	case NX_KIND_EXEC:
		nx_json_puts(b, "exec ");
		put_qstr(b, ev->exec.filename);
		nx_json_puts(b, " comm ");
		put_qstr(b, ev->exec.comm);
		nx_json_printf(b, " ppid %u uid %u", ev->exec.ppid, ev->exec.uid);
		if (ev->exec.flags & NX_EXEC_SYNTHETIC)
			nx_json_puts(b, " (already running)");
		break;
	case NX_KIND_FORK:
		nx_json_printf(b, "%s %u/%u comm ",
			       (ev->fork.flags & NX_FORK_THREAD) ? "clone thread" : "fork child",
			       ev->fork.child_pid, ev->fork.child_tid);
		put_qstr(b, ev->fork.comm);
		break;
	case NX_KIND_EXIT: {
		uint32_t sig = ev->exit.code & 0x7f;

		if (sig) {
			const char *s = sigabbrev_np((int)sig);

			nx_json_printf(b, "exit signal %u", sig);
			if (s)
				nx_json_printf(b, " (SIG%s)", s);
		} else {
			nx_json_printf(b, "exit code %u", (ev->exit.code >> 8) & 0xff);
		}
		if (ev->exit.flags & NX_EXIT_GROUP)
			nx_json_puts(b, " group");
		break;
	}
	case NX_KIND_CALL: {
		const uint64_t a[6] = { ev->call.arg1, ev->call.arg2, ev->call.arg3,
					ev->call.arg4, ev->call.arg5, ev->call.arg6 };

		const char *f = nx_fmtev_probe_func(o->meta, ev->call.probe, nbuf, sizeof(nbuf));

		nx_json_puts(b, "call ");
		nx_json_cesc(b, f, strlen(f));
		if (pf) {
			nx_json_put(b, ": ", 2);
			nx_printfmt_render(pf, &pin, b);
		} else {
			put_args(b, a);
		}
		nx_json_printf(b, " probe %u triggers ", ev->call.probe);
		nx_json_hex(b, ev->call.triggers);
		if (ev->call.data.len) {
			nx_json_puts(b, " data ");
			put_qstr(b, ev->call.data);
		}
		break;
	}
	case NX_KIND_RETURN: {
		const char *f = nx_fmtev_probe_func(o->meta, ev->uret.probe, nbuf, sizeof(nbuf));

		nx_json_puts(b, "return ");
		nx_json_cesc(b, f, strlen(f));
		if (pf) {
			nx_json_put(b, ": ", 2);
			nx_printfmt_render(pf, &pin, b);
		}
		nx_json_put(b, " = ", 3);
		nx_json_s64(b, ev->uret.ret);
		nx_json_printf(b, " probe %u", ev->uret.probe);
		if (o->meta && nxr_meta_get(o->meta, NX_META_RETURN_TRIGGERS)) {
			nx_json_puts(b, " triggers ");	/* older recordings hold none */
			nx_json_hex(b, ev->uret.triggers);
		}
		break;
	}
	case NX_KIND_ADAPT:
		nx_json_printf(b, "adapt %s probe %u value ",
			       nx_fmtev_adapt_action(ev->adapt.action), ev->adapt.probe);
		nx_json_hex(b, ev->adapt.value);
		if (ev->adapt.note.len) {
			nx_json_putc(b, ' ');
			put_qstr(b, ev->adapt.note);
		}
		break;
	case NX_KIND_PAYLOAD:
		nx_sysfmt_payload(b, ev);
		break;
	default:
		nx_json_printf(b, "kind%u", ev->kind);
		break;
	}
}

void nx_fmtev_json(struct nx_json_buf *b, const struct nxr_event *ev, uint64_t event_id,
		   const struct nx_proc *proc, const struct nx_fmtev_opts *o)
{
	nx_fmtev_json_pay(b, ev, event_id, proc, o, NULL);
}

void nx_fmtev_json_pay(struct nx_json_buf *b, const struct nxr_event *ev, uint64_t event_id,
		       const struct nx_proc *proc, const struct nx_fmtev_opts *o,
		       const struct nx_payset *pay)
{
	const struct nxr_kind_desc *d = nxr_kind_desc(ev->kind);
	char nbuf[32];
	struct nx_printfmt_in pin;
	struct iov_join join;
	const struct nx_printfmt *pf;

	join.used = false;
	pf = message_of(ev, o, pay, &pin, &join);

	nx_json_puts(b, "{\"event_id\":");
	nx_json_u64(b, event_id);
	nx_json_puts(b, ",\"event_type\":");
	if (d)
		nx_json_str(b, d->name, strlen(d->name));
	else
		nx_json_printf(b, "\"kind%u\"", ev->kind);
	nx_json_puts(b, ",\"timestamp_ns\":");
	nx_json_u64(b, ev->ts_ns);
	nx_json_puts(b, ",\"pid\":");
	nx_json_u64(b, ev->pid);
	nx_json_puts(b, ",\"tid\":");
	nx_json_u64(b, ev->tid);
	nx_json_puts(b, ",\"ppid\":");
	if (proc && proc->ppid)
		nx_json_u64(b, proc->ppid);
	else
		nx_json_puts(b, "null");
	nx_json_puts(b, ",\"comm\":");
	if (proc && proc->comm_known)
		nx_json_str(b, proc->comm, proc->comm_len);
	else
		nx_json_puts(b, "null");
	nx_json_puts(b, ",\"payload\":{");
	for (unsigned i = 0; d && i < d->nfields; i++) {
		const struct nxr_field_desc *f = &d->fields[i];

		nx_json_key(b, f->name, i == 0);
		switch (f->type) {
		case NXR_FT_STR: {
			struct nxr_str s = nxr_field_str(ev, f);

			nx_json_str(b, s.ptr, s.len);
			break;
		}
		case NXR_FT_S64:
			nx_json_s64(b, (int64_t)nxr_field_u64(ev, f));
			break;
		default:
			nx_json_u64(b, nxr_field_u64(ev, f));
			break;
		}
	}
	if (ev->kind == NX_KIND_SYSCALL || ev->kind == NX_KIND_PAYLOAD) {
		const char *n = nx_syscall_name(ev->kind == NX_KIND_SYSCALL ? ev->syscall.nr :
						ev->payload.nr, nbuf, sizeof(nbuf));

		nx_json_key(b, "name", !d || !d->nfields);
		nx_json_str(b, n, strlen(n));
	} else if (ev->kind == NX_KIND_CALL || ev->kind == NX_KIND_RETURN) {
		uint32_t probe = ev->kind == NX_KIND_CALL ? ev->call.probe : ev->uret.probe;
		const char *f = nx_fmtev_probe_func(o->meta, probe, nbuf, sizeof(nbuf));

		nx_json_key(b, "function", !d || !d->nfields);
		nx_json_str(b, f, strlen(f));
	}
	if (pf) {
		struct nx_json_buf m = { 0 };

		nx_printfmt_render(pf, &pin, &m);	/* C-escaped: plain ASCII */
		nx_json_key(b, "message", false);
		nx_json_str(b, m.p ? m.p : "", m.len);
		nx_json_release(&m);
	}
	nx_json_put(b, "}}", 2);
}
