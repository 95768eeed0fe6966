/*
 * tests/bench/bench_replay.c: nexus-replay's engine on a synthetic recording
 * of N uprobe calls (default 10 M), beside its target (issue 6: at least
 * 5 M events/s) and beside the reader alone measured in the same run (the
 * floor every replay pays: decoding the file), as a ratio.
 *
 * The calls carry (arg1, arg2) from 8 common tuples and a rare one every
 * 1000 calls; three triggers are replayed on their probe: a manual one
 * (arg2 == 0x541c), an exact auto one (auto arg1 arg2) and a health one
 * (cpu), with a health sample every 100000 events. The file goes to
 * $TMPDIR (default /tmp) and is removed at the end. Usage: bench_replay [events]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "analyze/replay.h"
#include "format/reader.h"
#include "format/writer.h"

#define TARGET_EPS 5e6

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static const struct nxr_probe probe = { 1, NXR_HOOK_UPROBE, "/opt/bench/libb.so", "work", "" };

static int write_recording(const char *path, uint64_t n, struct nx_err *err)
{
	const struct nxr_meta meta = { .hostname = "bench", .kernel = "6.18", .arch = "x86_64",
				       .tool_version = NX_VERSION, .command = "bench_replay",
				       .config_text = "", .probes = &probe, .nprobes = 1 };
	struct nxr_writer_opts wo = { .segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE };
	struct nxr_writer *w;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return nx_err_set(err, -errno, "%s: %s", path, strerror(errno));
	w = nxr_writer_open_fd(fd, path, &meta, &wo, err);
	if (!w)
		return err->code;
	for (uint64_t i = 0; i < n; i++) {
		struct nxr_event ev = { .kind = NX_KIND_CALL, .pid = 3000 + (uint32_t)(i % 4),
					.tid = 3000 + (uint32_t)(i % 4), .ts_ns = 1000000000ull + i * 100 };

		if (i % 100000 == 0) {
			struct nxr_event h = { .kind = NX_KIND_HEALTH, .ts_ns = ev.ts_ns };

			h.health.cpu_busy = (uint32_t)(i / 100000 % 2 ? 9500 : 1000);
			h.health.flags = h.health.cpu_busy > 9000 ? NX_HEALTH_CPU_HIGH : 0;
			if (nxr_writer_append(w, &h, err) < 0)
				goto fail;
		}
		ev.call.probe = 1;
		ev.call.arg1 = i % 8;
		ev.call.arg2 = i % 1000 == 999 ? 0x541c + i : 0x5401;
		ev.call.arg3 = i;
		if (nxr_writer_append(w, &ev, err) < 0)
			goto fail;
	}
	return nxr_writer_close(w, err);
fail:
	nxr_writer_free(w);
	return err->code;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000ull, events = 0;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	static const char *const trig[] = { "arg2 == 0x541c", "auto arg1 arg2", "cpu" };
	struct nx_err err = { 0 };
	struct nxr_reader *r = NULL;
	struct nx_replay *rp = NULL;
	struct nx_replay_totals tot;
	struct nxr_event ev;
	double t, t_read, t_replay;
	char path[4096];
	int rc = 1, k;

	snprintf(path, sizeof(path), "%s/bench_replay.%d.nxr", tmp, (int)getpid());
	if (write_recording(path, n, &err) < 0)
		goto out;
	r = nxr_reader_open(path, NULL, &err);
	if (!r)
		goto out;
	t = cpu_s();
	while ((k = nxr_reader_next(r, &ev, &err)) > 0)
		events++;
	if (k < 0)
		goto out;
	t_read = cpu_s() - t;
	if (nxr_reader_rewind(r, &err) < 0)
		goto out;
	rp = nx_replay_new(nxr_reader_meta(r), NULL, &err);
	if (!rp)
		goto out;
	for (unsigned i = 0; i < 3; i++)
		if (nx_replay_add_trigger(rp, 1, trig[i], i, -1, NULL, &err) < 0)
			goto out;
	t = cpu_s();
	if (nx_replay_run(rp, r, &err) < 0)
		goto out;
	t_replay = cpu_s() - t;
	nx_replay_get_totals(rp, &tot);
	printf("events        %" PRIu64 " (%" PRIu64 " calls, 3 triggers: manual, auto, health)\n",
	       events, tot.calls);
	printf("read          %.2f M events/s (the reader alone, cpu time)\n",
	       events / t_read / 1e6);
	printf("replay        %.2f M events/s, target >= %.0f M: %.2fx the target, %.2fx the "
	       "reader's speed\n", events / t_replay / 1e6, TARGET_EPS / 1e6,
	       events / t_replay / TARGET_EPS, t_read / t_replay);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_replay: %s\n", err.msg);
	nx_replay_free(rp);
	nxr_reader_close(r);
	unlink(path);
	return rc;
}
