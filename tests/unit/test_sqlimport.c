/* tests/unit/test_sqlimport.c: the SQLite import on recordings whose content is known (toolfx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/sqlimport.h"
#include "analyze/sqlvtab.h"
#include "format/reader.h"
#include "format/writer.h"
#include "tests/unit/toolfx.h"

struct ctx {
	char dir[64], rec[128], db[128];
	struct stat src;
	sqlite3 *h;
};

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int import(struct ctx *c, struct nx_sqlimport_stats *st, struct nx_err *err)
{
	struct nxr_reader *r;
	int rc;

	if (stat(c->rec, &c->src) < 0)
		return -errno;
	r = nxr_reader_open(c->rec, NULL, err);
	if (!r)
		return err->code;
	rc = nx_sqlimport_build(r, &c->src, c->db, NULL, st, err);
	nxr_reader_close(r);
	if (rc == 0 && (sqlite3_open_v2(c->db, &c->h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
			nx_sqlvtab_register(c->h) != SQLITE_OK))
		rc = -EIO;
	return rc;
}

static int setup_rec(void **state, const char *scenario, uint64_t n)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct nx_sqlimport_stats st;
	struct nx_err err = { 0 };
	uint8_t *buf;
	size_t len;

	if (!c)
		return -1;
	*state = c;
	snprintf(c->dir, sizeof(c->dir), "/tmp/test_sqlimport.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->rec, sizeof(c->rec), "%s/run.nxr", c->dir);
	snprintf(c->db, sizeof(c->db), "%s/run.nxr.sqlite", c->dir);
	buf = toolfx_build(scenario, n, 0, 1, &len, &err);
	if (!buf || write_file(c->rec, buf, len) < 0)
		return -1;
	free(buf);
	if (import(c, &st, &err) < 0) {
		fprintf(stderr, "import: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int setup_basic(void **state)
{
	return setup_rec(state, "basic", 0);
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[128];

	if (!c)
		return 0;
	sqlite3_close(c->h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	if (system(cmd) != 0)
		return -1;
	free(c);
	return 0;
}

/* The first column of the first row of sql, as text ("NULL" for NULL). */
static char *q(struct ctx *c, const char *sql)
{
	static char out[4096];
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(c->h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(c->h));
	if (sqlite3_step(s) != SQLITE_ROW) {
		snprintf(out, sizeof(out), "(no row)");
	} else if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
		snprintf(out, sizeof(out), "NULL");
	} else {
		snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	return out;
}

static void test_syscalls_table_counts_and_names(void **state)
{
	struct ctx *c = *state;

	assert_string_equal(q(c, "SELECT count(*) FROM syscalls"), "10");
	assert_string_equal(q(c, "SELECT count(*) FROM syscalls WHERE name='getppid'"), "1");
	assert_string_equal(q(c, "SELECT count(*) FROM syscalls WHERE name='openat'"), "2");
	assert_string_equal(q(c, "SELECT ret FROM syscalls WHERE name='openat' ORDER BY ts_ns"),
			    "-2");
	assert_string_equal(q(c, "SELECT group_concat(nr, ' ') FROM (SELECT nr FROM syscalls "
				 "WHERE pid=100 ORDER BY event_id)"), "39 56 61 35");
	/* event_id is the position in the file, as nexus-dump numbers them */
	assert_string_equal(q(c, "SELECT event_id FROM syscalls WHERE name='write'"), "17");
	/* the syscall that never returned */
	assert_string_equal(q(c, "SELECT ret IS NULL AND duration_ns IS NULL FROM syscalls "
				 "WHERE name='nanosleep'"), "1");
	assert_string_equal(q(c, "SELECT duration_ns FROM syscalls WHERE name='read'"), "2000");
	assert_string_equal(q(c, "SELECT arg1 FROM syscalls WHERE name='wait4'"), "-1");
	assert_string_equal(q(c, "SELECT tid FROM syscalls WHERE name='read'"), "102");
}

static void test_summary_tables(void **state)
{
	struct ctx *c = *state;

	assert_string_equal(q(c, "SELECT calls || ',' || errors || ',' || total_ns FROM "
				 "syscall_counts WHERE name='openat'"), "2,1,4000");
	assert_string_equal(q(c, "SELECT sum(calls) FROM syscall_counts"), "10");
	assert_string_equal(q(c, "SELECT events FROM kinds WHERE name='syscall'"), "10");
	assert_string_equal(q(c, "SELECT sum(events) FROM kinds"), "23");
}

static void test_processes_and_threads(void **state)
{
	struct ctx *c = *state;

	assert_string_equal(q(c, "SELECT count(*) FROM processes"), "3");
	assert_string_equal(q(c, "SELECT ppid || ' ' || comm || ' ' || filename || ' ' || "
				 "exit_code || ' ' || duration_ns || ' ' || syscalls FROM processes "
				 "WHERE pid=100"), "1 sh /bin/sh 1 20000000 4");
	assert_string_equal(q(c, "SELECT ppid || ' ' || hex(comm) || ' ' || filename || ' ' || "
				 "start_ns || ' ' || end_ns FROM processes WHERE pid=101"),
			    "100 65762F2E2E2F696C0A /tmp/evil 1003000000 1018000000");
	assert_string_equal(q(c, "SELECT comm IS NULL AND ppid IS NULL AND end_ns IS NULL "
				 "FROM processes WHERE pid=200"), "1");
	assert_string_equal(q(c, "SELECT count(*) FROM threads WHERE pid=101"), "2");
	assert_string_equal(q(c, "SELECT syscalls FROM threads WHERE tid=102"), "1");
}

static void test_calls_paired_with_returns(void **state)
{
	struct ctx *c = *state;

	/* basic's probe 1 has a FILTER event: its call and return are rows of their own */
	assert_string_equal(q(c, "SELECT count(*) FROM calls"), "2");
	assert_string_equal(q(c, "SELECT function || ' ' || arg2 || ' ' || quote(ret) || ' ' || "
				 "quote(duration_ns) || ' ' || triggers || ' ' || "
				 "quote(ret_event_id) FROM calls WHERE event_id = 10"),
			    "ioctl 21532 NULL NULL 1 NULL");
	assert_string_equal(q(c, "SELECT data FROM calls WHERE event_id = 10"), "tty\n");
	assert_string_equal(q(c, "SELECT ret || ' ' || probe || ' ' || ret_event_id || ' ' || "
				 "quote(data) FROM calls WHERE event_id = 11"), "0 2 11 NULL");
	/* basic's header lacks return_triggers: its return's mask is unknown */
	assert_string_equal(q(c, "SELECT quote(ret_triggers) FROM calls WHERE event_id = 11"),
			    "NULL");
}

static void test_loss_health_meta_probes(void **state)
{
	struct ctx *c = *state;
	char want[64];

	assert_string_equal(q(c, "SELECT count || ' ' || cpu || ' ' || reason_name FROM lost"),
			    "5 1 ringbuf");
	assert_string_equal(q(c, "SELECT cpu_busy FROM health"), "1234");
	assert_string_equal(q(c, "SELECT count FROM filtered"), "7");
	assert_string_equal(q(c, "SELECT note FROM adaptations"), "learned");
	assert_string_equal(q(c, "SELECT filename FROM execs WHERE pid=101 ORDER BY ts_ns"),
			    "/bin/ls");
	assert_string_equal(q(c, "SELECT hook || ' ' || function FROM probes WHERE id=2"),
			    "uretprobe ioctl");
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key='hostname'"), "toolhost");
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key='lost_ringbuf'"), "5");
	snprintf(want, sizeof(want), "%lld", (long long)c->src.st_size);
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key='source_size'"), want);
}

/* Whether SQLite's plan for sql mentions what (an index's name). */
static bool plan_uses(struct ctx *c, const char *sql, const char *what)
{
	char eqp[512];
	sqlite3_stmt *s;
	bool used = false;

	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(c->h, eqp, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		used |= strstr((const char *)sqlite3_column_text(s, 3), what) != NULL;
	sqlite3_finalize(s);
	return used;
}

static void test_indexes_serve_pid_nr_and_time(void **state)
{
	struct ctx *c = *state;

	/* posting lists of pid (column 2), tid (3) and nr (12); ranges of event_id and
	 * ts_ns through the chunk directory */
	assert_string_equal(q(c, "SELECT group_concat(col, ',') FROM (SELECT DISTINCT col FROM "
				 "syscall_rows_postings ORDER BY col)"), "2,3,12");
	assert_string_equal(q(c, "SELECT count(*) FROM syscall_rows_chunks"), "1");
	/* through the syscalls view, whose name join must not hide them */
	assert_true(plan_uses(c, "SELECT nr, count(*) FROM syscalls GROUP BY nr", "ORDER BY nr"));
	assert_true(plan_uses(c, "SELECT * FROM syscalls WHERE pid = 101", "pid="));
	assert_true(plan_uses(c, "SELECT * FROM syscalls WHERE ts_ns BETWEEN 1 AND 2",
			      "ts_ns>=,ts_ns<="));
	assert_true(plan_uses(c, "SELECT * FROM syscalls WHERE event_id = 17", "event_id="));
	/* a name is one syscall_counts row (its index says so), then the nr list */
	assert_true(plan_uses(c, "SELECT * FROM syscalls WHERE name = 'getppid'", "nr="));
	assert_true(plan_uses(c, "SELECT * FROM syscalls WHERE name = 'getppid'",
			      "syscall_counts_name"));
	assert_false(plan_uses(c, "SELECT count(*) FROM syscalls", "syscall_counts"));
	/* basic's syscalls are in time order: ORDER BY ts_ns needs no sort */
	assert_false(plan_uses(c, "SELECT * FROM syscall_rows ORDER BY ts_ns", "TEMP B-TREE"));
	assert_true(plan_uses(c, "SELECT * FROM syscall_rows ORDER BY arg1", "TEMP B-TREE"));
	assert_string_equal(q(c, "SELECT group_concat(event_id, ' ') FROM syscalls WHERE pid = 100"),
			    q(c, "SELECT group_concat(event_id, ' ') FROM (SELECT event_id, pid + 0 "
				 "AS p FROM syscalls) WHERE p = 100"));
}

static void test_cache_validity_follows_the_recording(void **state)
{
	struct ctx *c = *state;
	struct stat st;
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 12345, 0 } };
	char link[160];

	assert_int_equal(nx_sqlimport_cache_valid(c->db, &c->src), 1);
	/* mode 0600, no journal left behind */
	assert_int_equal(stat(c->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the recording changed: its mtime moved */
	assert_int_equal(utimensat(AT_FDCWD, c->rec, ts, 0), 0);
	assert_int_equal(stat(c->rec, &st), 0);
	assert_int_equal(nx_sqlimport_cache_valid(c->db, &st), 0);
	/* a cache others may write is not trusted */
	assert_int_equal(chmod(c->db, 0666), 0);
	assert_int_equal(nx_sqlimport_cache_valid(c->db, &c->src), 0);
	assert_int_equal(chmod(c->db, 0600), 0);
	/* a symlink is not a cache */
	snprintf(link, sizeof(link), "%s/link.sqlite", c->dir);
	assert_int_equal(symlink(c->db, link), 0);
	assert_int_equal(nx_sqlimport_cache_valid(link, &c->src), 0);
	/* absent, or not a database */
	assert_int_equal(nx_sqlimport_cache_valid("/nonexistent/x.sqlite", &c->src), 0);
	assert_int_equal(nx_sqlimport_cache_valid(c->rec, &c->src), 0);
}

/* A cache of another schema version (v2 stored a name in every syscalls row) is rebuilt. */
static void test_cache_of_an_older_schema_is_not_valid(void **state)
{
	struct ctx *c = *state;
	sqlite3 *w = NULL;

	assert_int_equal(nx_sqlimport_cache_valid(c->db, &c->src), 1);
	assert_int_equal(sqlite3_open_v2(c->db, &w, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "UPDATE meta SET value = '2' WHERE key = "
				      "'schema_version'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(w);
	assert_int_equal(nx_sqlimport_cache_valid(c->db, &c->src), 0);
}

static void test_rebuild_replaces_a_symlinked_cache_without_following(void **state)
{
	struct ctx *c = *state;
	struct nx_sqlimport_stats st;
	struct nx_err err = { 0 };
	char victim[160];
	struct stat vs, ds;
	int fd;

	sqlite3_close(c->h);
	c->h = NULL;
	snprintf(victim, sizeof(victim), "%s/victim", c->dir);
	fd = open(victim, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(unlink(c->db), 0);
	assert_int_equal(symlink(victim, c->db), 0);
	assert_int_equal(import(c, &st, &err), 0);
	assert_int_equal(lstat(c->db, &ds), 0);
	assert_true(S_ISREG(ds.st_mode));
	assert_int_equal(stat(victim, &vs), 0);
	assert_int_equal(vs.st_size, 4);
	assert_string_equal(q(c, "SELECT count(*) FROM syscalls"), "10");
}

static void test_schema_text_names_every_table(void **state)
{
	const char *s = nx_sqlimport_schema();
	static const char *const tables[] = { "calls", "processes", "threads",
					      "health", "lost", "probes", "meta", "execs",
					      "forks", "exits", "adaptations", "filtered",
					      "syscall_counts", "kinds" };

	(void)state;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "CREATE TABLE %s (", tables[i]);
		if (!strstr(s, want))
			fail_msg("schema lacks %s", tables[i]);
	}
	assert_non_null(strstr(s, "duration_ns INTEGER"));
	assert_non_null(strstr(s, "arg6 INTEGER"));
	assert_non_null(strstr(s, "CREATE VIEW syscalls AS SELECT"));
	assert_non_null(strstr(s, "CREATE VIRTUAL TABLE syscall_rows USING nx_columns(\n"));
}

/* The recording replaced by these events (toolfx's header), closed or not
 * (no trailer, as after a crash), then imported. */
static void write_events_closed(struct ctx *c, const struct nxr_event *evs, size_t n, bool closed)
{
	struct nxr_writer_opts wo = { .segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE };
	struct nx_sqlimport_stats st;
	struct nx_err err = { 0 };
	struct nxr_writer *w;
	int fd;

	sqlite3_close(c->h);
	c->h = NULL;
	unlink(c->db);
	fd = open(c->rec, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	w = nxr_writer_open_fd(fd, c->rec, toolfx_meta(), &wo, &err);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(nxr_writer_append(w, &evs[i], &err), 0);
	if (closed) {
		assert_int_equal(nxr_writer_close(w, &err), 0);
	} else {
		assert_int_equal(nxr_writer_flush(w, &err), 0);
		nxr_writer_free(w);
	}
	assert_int_equal(import(c, &st, &err), 0);
}

static void write_events(struct ctx *c, const struct nxr_event *evs, size_t n)
{
	write_events_closed(c, evs, n, true);
}

/* A recorder may send a syscall's entry and exit as two records: one row. */
static void test_entry_and_exit_records_are_paired(void **state)
{
	struct ctx *c = *state;
	struct nxr_event ev[3] = {
		{ .kind = NX_KIND_SYSCALL, .pid = 5, .tid = 6, .ts_ns = 1000 },	/* read entry */
		{ .kind = NX_KIND_SYSCALL, .pid = 5, .tid = 7, .ts_ns = 1000 },	/* write entry */
		{ .kind = NX_KIND_SYSCALL, .pid = 5, .tid = 6, .ts_ns = 1500 },	/* read exit */
	};

	ev[0].syscall.arg1 = 3;
	ev[1].syscall.nr = 1;
	ev[1].syscall.arg1 = 3;
	ev[2].syscall.arg1 = 3;
	ev[2].syscall.ret = 42;
	ev[2].syscall.flags = NX_SYS_EXITED;
	write_events(c, ev, 3);
	assert_string_equal(q(c, "SELECT count(*) FROM syscalls"), "2");
	assert_string_equal(q(c, "SELECT event_id || ' ' || ret || ' ' || duration_ns || ' ' || "
				 "arg1 FROM syscalls WHERE nr=0"), "0 42 500 3");
	assert_string_equal(q(c, "SELECT ret IS NULL FROM syscalls WHERE nr=1"), "1");
	assert_string_equal(q(c, "SELECT calls FROM syscall_counts WHERE nr=0"), "1");
}

/* A call of ioctl (probe 1) and a return (probe 2) on one thread, then ev2. */
static void write_call_ret_then_closed(struct ctx *c, const struct nxr_event *ev2, bool closed)
{
	struct nxr_event ev[3] = {
		{ .kind = NX_KIND_CALL, .pid = 5, .tid = 6, .ts_ns = 100 },
		{ .kind = NX_KIND_RETURN, .pid = 5, .tid = 6, .ts_ns = 1430 },
		*ev2,
	};

	ev[0].call.probe = 1;
	ev[0].call.arg1 = 1000;
	ev[1].uret.probe = 2;
	ev[1].uret.ret = 1001;
	write_events_closed(c, ev, 3, closed);
}

static void write_call_ret_then(struct ctx *c, const struct nxr_event *ev2)
{
	write_call_ret_then_closed(c, ev2, true);
}

/* In Mode: triggered the kernel drops a call or a return on its own: a call
 * and a return of a function with FILTER (or per-probe LOSS) events are never
 * paired, whatever their order; syscall filters leave the pairing alone. */
static void test_calls_not_paired_when_a_side_was_dropped(void **state)
{
	struct ctx *c = *state;
	struct nxr_event f = { .kind = NX_KIND_FILTER, .ts_ns = 5000 };
	struct nxr_event l = { .kind = NX_KIND_LOSS, .ts_ns = 5000 };

	f.filter.probe = 1;
	f.filter.count = 3;
	write_call_ret_then(c, &f);
	assert_string_equal(q(c, "SELECT count(*) FROM calls"), "2");
	assert_string_equal(q(c, "SELECT quote(ret) || ' ' || quote(duration_ns) || ' ' || "
				 "quote(ret_event_id) || ' ' || arg1 || ' ' || probe FROM calls "
				 "WHERE event_id = 0"), "NULL NULL NULL 1000 1");
	assert_string_equal(q(c, "SELECT ts_ns || ' ' || ret || ' ' || ret_event_id || ' ' || "
				 "probe || ' ' || function || ' ' || quote(arg1) || ' ' || "
				 "quote(duration_ns) FROM calls WHERE event_id = 1"),
			    "1430 1001 1 2 ioctl NULL NULL");
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key = 'calls_unpaired'"), "ioctl");

	l.loss.probe = 2;	/* the uretprobe's side lost */
	l.loss.count = 1;
	l.loss.reason = NX_LOSS_RINGBUF;
	write_call_ret_then(c, &l);
	assert_string_equal(q(c, "SELECT count(*) FROM calls WHERE ret IS NULL"), "1");
	assert_string_equal(q(c, "SELECT count(*) FROM calls WHERE ret = 1001"), "1");

	l.loss.probe = 0;	/* the writer's backlog: any event may be gone */
	l.loss.reason = NX_LOSS_BACKLOG;
	write_call_ret_then(c, &l);
	assert_string_equal(q(c, "SELECT count(*) FROM calls WHERE ret IS NULL"), "1");
	l.loss.reason = NX_LOSS_RINGBUF;	/* the syscall programs' ring loss */
	write_call_ret_then(c, &l);
	assert_string_equal(q(c, "SELECT count(*) FROM calls"), "1");

	f.filter.probe = NX_FILTER_PROBE_SYSCALL | 16;	/* a Syscalls filter on ioctl */
	write_call_ret_then(c, &f);
	assert_string_equal(q(c, "SELECT count(*) FROM calls"), "1");
	assert_string_equal(q(c, "SELECT ret || ' ' || duration_ns || ' ' || ret_event_id FROM "
				 "calls"), "1001 1330 1");
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key = 'calls_unpaired'"), "");
	/* not closed cleanly: its last window's FILTER and LOSS counts are missing */
	write_call_ret_then_closed(c, &f, false);
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key = 'closed_cleanly'"), "0");
	assert_string_equal(q(c, "SELECT count(*) FROM calls WHERE ret IS NULL"), "1");
	assert_string_equal(q(c, "SELECT value FROM meta WHERE key = 'calls_unpaired'"), "ioctl");
}

static void append_payload(struct nxr_writer *w, uint32_t tid, uint64_t ts, uint32_t nr,
			   uint32_t arg, uint32_t type, const char *data, uint32_t len,
			   uint32_t full, uint32_t flags)
{
	struct nxr_event ev = { .kind = NX_KIND_PAYLOAD, .pid = tid, .tid = tid, .ts_ns = ts };
	struct nx_err err = { 0 };

	ev.payload.nr = nr;
	ev.payload.arg = arg;
	ev.payload.type = type;
	ev.payload.data.ptr = data;
	ev.payload.data.len = len;
	ev.payload.full_len = full;
	ev.payload.flags = flags;
	assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
}

/* Payloads: the payloads table, and the paths and argv views joined to their syscall. */
static void test_payloads_paths_and_argv(void **state)
{
	struct ctx *c = *state;
	struct nxr_writer_opts wo = { .segment_age_ns = UINT64_MAX, .sync = NXR_SYNC_NONE };
	struct nx_sqlimport_stats st;
	struct nx_err err = { 0 };
	struct nxr_writer *w;
	struct nxr_event ev = { .kind = NX_KIND_SYSCALL, .pid = 5, .tid = 5, .ts_ns = 1000 };
	int fd;

	sqlite3_close(c->h);
	c->h = NULL;
	fd = open(c->rec, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	w = nxr_writer_open_fd(fd, c->rec, toolfx_meta(), &wo, &err);
	assert_non_null(w);
	append_payload(w, 5, 1000, 82, 1, NX_PAYLOAD_PATH, "a.txt", 5, 5, 0);
	append_payload(w, 5, 1000, 82, 2, NX_PAYLOAD_PATH, "b.t", 3, 9, NX_PAYLOAD_TRUNCATED);
	ev.syscall.nr = 82;
	ev.syscall.flags = NX_SYS_EXITED;
	assert_int_equal(nxr_writer_append(w, &ev, &err), 0);	/* rename("a.txt", "b.t"...) */
	append_payload(w, 5, 2000, 59, 2, NX_PAYLOAD_ARGV, "ls\0-l\0a\"b\0", 10, 3, 0);
	ev.ts_ns = 2000;
	ev.syscall.nr = 59;
	assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	append_payload(w, 5, 3000, 1, 2, NX_PAYLOAD_BUF, "x\0y", 3, 3, 0);
	ev.ts_ns = 3000;
	ev.syscall.nr = 1;
	assert_int_equal(nxr_writer_append(w, &ev, &err), 0);
	assert_int_equal(nxr_writer_close(w, &err), 0);
	assert_int_equal(import(c, &st, &err), 0);
	assert_string_equal(q(c, "SELECT count(*) FROM payloads"), "4");
	assert_string_equal(q(c, "SELECT group_concat(path || ':' || full_len || ':' || flags, ' ') "
				 "FROM (SELECT * FROM paths WHERE name = 'rename' ORDER BY arg)"),
			    "a.txt:5:0 b.t:9:1");
	assert_string_equal(q(c, "SELECT syscall_id FROM paths WHERE arg = 2"), "2");
	assert_string_equal(q(c, "SELECT argv || ' ' || argc FROM argv"), "[\"ls\",\"-l\",\"a\\\"b\"] 3");
	assert_string_equal(q(c, "SELECT json_extract(argv, '$[2]') FROM argv"), "a\"b");
	assert_string_equal(q(c, "SELECT typeof(data) || ' ' || hex(data) FROM payloads WHERE type = 3"),
			    "blob 780079");
	assert_non_null(strstr(nx_sqlimport_schema(), "CREATE VIEW paths AS"));
	assert_non_null(strstr(nx_sqlimport_schema(), "CREATE TABLE payloads ("));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syscalls_table_counts_and_names, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_summary_tables, setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_processes_and_threads, setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_calls_not_paired_when_a_side_was_dropped,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_calls_paired_with_returns, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_loss_health_meta_probes, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_indexes_serve_pid_nr_and_time, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_cache_validity_follows_the_recording,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_replaces_a_symlinked_cache_without_following,
						setup_basic, teardown),
		cmocka_unit_test(test_schema_text_names_every_table),
		cmocka_unit_test_setup_teardown(test_cache_of_an_older_schema_is_not_valid,
						setup_basic, teardown),
		cmocka_unit_test_setup_teardown(test_entry_and_exit_records_are_paired, setup_basic,
						teardown),
		cmocka_unit_test_setup_teardown(test_payloads_paths_and_argv, setup_basic, teardown),
	};

	return cmocka_run_group_tests_name("sqlimport", tests, NULL, NULL);
}
