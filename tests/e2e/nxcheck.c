/*
 * tests/e2e/nxcheck.c: the end-to-end tests' view of a recording.
 *
 * Prints one line per event, "kind pid=P tid=T ts=NS field=value ...", with
 * every field of the kind (the table of bpf/events.h, through the field
 * descriptors) and strings escaped so that a field never holds a space;
 * then "damage <msg>" per damaged part and a last line "stats closed=0|1
 * segments=N damaged=N events=N lost_ringbuf=N lost_backlog=N lost_disk=N".
 * The bash tests read it with awk. Exit 0, or 1 when the file cannot be read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format/reader.h"

static void on_damage(void *ctx, const struct nx_err *what)
{
	(void)ctx;
	printf("damage %s\n", what->msg);
}

static void put_str(struct nxr_str s)
{
	for (uint32_t i = 0; i < s.len; i++) {
		unsigned char c = s.ptr[i];

		if (c <= ' ' || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

int main(int argc, char **argv)
{
	struct nxr_reader_opts ro = { .on_damage = on_damage };
	struct nxr_reader_stats st;
	struct nxr_reader *r;
	struct nxr_event ev;
	struct nx_err err = { 0 };
	const struct nxr_meta *m;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: nxcheck FILE.nxr\n");
		return 2;
	}
	r = nxr_reader_open(argv[1], &ro, &err);
	if (!r) {
		fprintf(stderr, "nxcheck: %s\n", err.msg);
		return 1;
	}
	m = nxr_reader_meta(r);
	printf("meta host=%s kernel=%s arch=%s version=%s mono_to_wall=%" PRId64
	       " created=%" PRIu64 "\n", m->hostname, m->kernel, m->arch,
	       m->tool_version, m->mono_to_wall_ns, m->created_wall_ns);
	while ((rc = nxr_reader_next(r, &ev, &err)) == 1) {
		const struct nxr_kind_desc *kd = nxr_kind_desc(ev.kind);

		if (!kd) {
			printf("unknown%u pid=%u tid=%u ts=%" PRIu64 "\n", ev.kind, ev.pid, ev.tid,
			       ev.ts_ns);
			continue;
		}
		printf("%s pid=%u tid=%u ts=%" PRIu64, kd->name, ev.pid, ev.tid, ev.ts_ns);
		for (unsigned i = 0; i < kd->nfields; i++) {
			const struct nxr_field_desc *f = &kd->fields[i];

			printf(" %s=", f->name);
			if (f->type == NXR_FT_STR)
				put_str(nxr_field_str(&ev, f));
			else if (f->type == NXR_FT_S64)
				printf("%" PRId64, (int64_t)nxr_field_u64(&ev, f));
			else
				printf("%" PRIu64, nxr_field_u64(&ev, f));
		}
		putchar('\n');
	}
	if (rc < 0)
		printf("error %s\n", err.msg);
	nxr_reader_get_stats(r, &st);
	printf("stats closed=%d segments=%u damaged=%u events=%" PRIu64 " lost_ringbuf=%" PRIu64
	       " lost_backlog=%" PRIu64 " lost_disk=%" PRIu64 "\n", st.closed_cleanly, st.segments,
	       st.damaged_segments, st.events, st.lost[NX_LOSS_RINGBUF], st.lost[NX_LOSS_BACKLOG],
	       st.lost[NX_LOSS_DISK]);
	nxr_reader_close(r);
	return rc < 0 ? 1 : 0;
}
