/*
 * analyze/sqlimport.c: a recording imported into SQLite (sqlimport.h has the
 * schema).
 *
 * The event tables are generated from the event table's descriptors, so a
 * new kind gets a table of its own with no change here; syscalls and calls
 * are paired (entry with exit, call with return, per thread) and processes,
 * threads and syscall_counts are summaries kept in memory while the events
 * stream by and written at the end.
 *
 * Speed: one transaction, journal and sync off (the database is a temporary
 * file until the rename: a crash leaves no half cache under the real name).
 * The syscall rows are not SQLite rows: syscall_rows is an nx_columns
 * virtual table (sqlvtab.h) and each row is appended, as integers, to a
 * column chunk of 4096 rows and to the pid, tid and nr posting lists, the
 * indexes, built in the same pass (no sort, no B-tree). A row goes in at
 * its entry event, so rows are in event_id order; the exit record patches
 * ret, duration_ns and flags (in place, or at the end for a chunk already
 * written). The rows carry no name (the syscalls view joins it from
 * syscall_counts). Memory is bounded by the number of processes, threads and
 * syscall numbers, by the calls pending on each thread (PEND_CALLS at most),
 * and by the posting lists pending (16 MB, then written as segments).
 *
 * Measured (bench_tools; the machine is shared, 2 cores, wall times move
 * 2x from run to run, so each figure is read beside SQLite alone in the same
 * run: the same rows as a native table with 16-row INSERTs and the same
 * three B-tree indexes, no decoding):
 *   2 M syscalls, four runs: 3.9-5.4 M rows/s, 1.9-2.6 s per 10 M with the
 *     indexes, 0.37-0.48 s CPU against SQLite alone's 3.2-4.0 s (x0.11-0.12);
 *   10 M syscalls, two runs: 3.15-3.19 M rows/s, 3.1-3.2 s (2.1 s CPU)
 *     against SQLite alone's 19.8-21.9 s (19.0-19.6 s CPU): x0.14-0.16
 *     wall, x0.11 CPU;
 *   the posting lists cost ~0.09 s CPU per 2 M rows (~20 % of the import:
 *     imports with and without them, two runs each); SQLite's CREATE INDEX
 *     needs 0.35-0.7 s per million rows and index.
 *   Queries at 10 M, virtual table against the native table: GROUP BY nr
 *     0.68 s vs 0.59 s (x1.15), count and sum of one pid 0.041 vs 0.19 s
 *     (x0.21), 10 000 rows by time 1.0 vs 1.6 ms, a full scan of two
 *     columns 1.00 vs 1.22 s (x0.82), a random lookup by event_id 50 vs
 *     26 us.
 * Schema 4 (native rows) took x0.97-1.02 of SQLite alone: 18-22 s per 10 M,
 * after trying a WITHOUT ROWID table clustered on (pid, event_id), every
 * index kept during the rows, one (pid, nr) index, 16 KB pages, 64-row
 * INSERTs, mmap and sorter threads (none beyond x0.8-1.2): native tables
 * cannot reach 2 M rows/s here, hence the chunks.
 *
 * Invariant: every row of an event table has the event's position in the
 * file as its rowid, so rows join back to nexus-dump's event_id.
 */
#include "analyze/sqlimport.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/fmtev.h"
#include "analyze/payjoin.h"
#include "analyze/sqlvtab.h"
#include "analyze/syscalls.h"
#include "format/event.h"

#define SYS_MAX_COLS 24
#define PEND_CALLS 32
#define MAX_TABLE_COLS 48

/* ---- a small u32 -> u32 map (open addressing, grows at 1/2 load) ---- */

struct u32map {
	uint32_t *keys, *vals;	/* vals: index + 1, 0 = empty */
	uint32_t cap, n;
};

static uint32_t *u32map_slot(struct u32map *m, uint32_t key)
{
	uint32_t mask = m->cap - 1, i = (key * 0x9e3779b1u) & mask;

	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & mask;
	return &m->vals[i];
}

/* The value slot of key (0 when new), NULL when out of memory. */
static uint32_t *u32map_get(struct u32map *m, uint32_t key)
{
	uint32_t *v;

	if ((m->n + 1) * 2 > m->cap) {
		struct u32map g = { 0 };

		g.cap = m->cap ? m->cap * 2 : 1024;
		g.keys = calloc(g.cap, sizeof(uint32_t));
		g.vals = calloc(g.cap, sizeof(uint32_t));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return NULL;
		}
		for (uint32_t i = 0; i < m->cap; i++) {
			if (!m->vals[i])
				continue;
			v = u32map_slot(&g, m->keys[i]);
			*v = m->vals[i];
			g.keys[v - g.vals] = m->keys[i];
		}
		g.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	v = u32map_slot(m, key);
	if (!*v) {
		m->keys[v - m->vals] = key;
		m->n++;
	}
	return v;
}

static uint32_t u32map_find(struct u32map *m, uint32_t key)
{
	return m->cap ? *u32map_slot(m, key) : 0;
}

static void u32map_free(struct u32map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- rows kept in memory ---- */

struct prow {
	uint32_t pid, ppid, uid;
	bool comm_known, ended;
	uint8_t comm_len;
	char comm[NX_PROC_COMM_MAX + 1];
	char *filename;
	uint64_t start, end, syscalls;
	uint32_t exit_code, exit_sig;
};

struct trow {
	uint32_t tid, pid;
	bool ended;
	uint64_t start, end, syscalls;
};

struct crow {			/* syscall_counts */
	uint32_t nr;
	uint64_t calls, errors, total_ns;
};

struct pend_sys {		/* an entry waiting for its exit record */
	uint64_t row;		/* its syscall_rows row, written with ret NULL */
	struct nxr_event ev;
	bool used;
};

struct pend_call {
	uint64_t id;
	struct nxr_event ev;	/* data points into data_copy */
	char *data_copy;
};

struct call_stack {
	uint32_t n;
	struct pend_call c[PEND_CALLS];
};

/*
 * A pairing is right only if neither side of the function was dropped: in
 * Mode: triggered the kernel filters a call or its return on its own (an old
 * call would take an unrelated return), and a loss drops one side too. The
 * FILTER and LOSS events that say so come after the fact (one per window), so
 * pairs are made as the events stream by and, at the end, those of a function
 * whose uprobe or uretprobe has per-probe FILTER or LOSS events are split
 * back into a call row and a return row (unsure_split). A loss in user space
 * (writer backlog, disk) names no probe and may have taken any CALL or
 * RETURN: then no pair is sure. A ring-buffer loss without a probe is the
 * syscall programs' (the uprobe programs count theirs per probe). A
 * recording not closed cleanly lacks the FILTER and LOSS counts of its last
 * window: no pair in it is sure either.
 */
struct unsure {
	uint32_t *dropped;		/* probe ids with FILTER or LOSS events */
	uint32_t ndropped;
	bool all_dropped;		/* the recorder lost events of any kind */
	uint32_t (*kind)[2];		/* (call probe, return probe) of the pairs made */
	uint32_t nkinds;
	char *functions;		/* the split functions, comma-separated, for meta */
};

struct ktable {
	const struct nxr_kind_desc *d;
	char name[40];
	sqlite3_stmt *ins;
	bool lost;		/* + reason_name */
};

struct imp {
	sqlite3 *db;
	struct nxr_reader *r;
	const struct nxr_meta *meta;
	struct nx_err *err;
	struct nx_sqlimport_stats *st;

	const struct nxr_kind_desc *sysd;
	struct nx_colstore *sys;	/* syscall_rows */
	sqlite3_stmt *call_ins;
	unsigned sys_cols, col_ret, col_dur, col_flags, col_nr;
	struct ktable kt[NX_KIND_MAX_ID + 1];
	uint64_t kind_counts[NX_KIND_MAX_ID + 1];
	uint64_t other_kinds;

	struct prow *procs;
	uint32_t nprocs, procs_cap;
	struct u32map pidmap;		/* pid -> current procs index + 1 */
	struct trow *threads;
	uint32_t nthreads, threads_cap;
	struct u32map tidmap;
	struct crow *counts;
	uint32_t ncounts, counts_cap;
	struct u32map nrmap;
	uint32_t last_nr, last_nr_idx;

	struct pend_sys *psys;		/* pending syscall entries */
	uint32_t npsys, psys_cap;
	struct u32map psysmap;		/* tid -> psys index + 1 */
	struct call_stack **cstacks;
	uint32_t ncstacks, cstacks_cap;
	struct u32map cstackmap;	/* tid -> cstacks index + 1 */
	struct unsure unsure;		/* calls paired, to be split if a side was dropped */
	uint64_t filtered[2];		/* FILTER counts: [0] uprobe calls, [1] syscalls */
};

static int db_err(struct imp *im, const char *what)
{
	return nx_err_set(im->err, -EIO, "sqlite: %s: %s", what, sqlite3_errmsg(im->db));
}

static int exec_sql(struct imp *im, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(im->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		nx_err_set(im->err, -EIO, "sqlite: %s: %s", sql, msg ? msg : "error");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/* SQL column name of a field: the table's name but dur_ns -> duration_ns. */
static const char *col_name(const struct nxr_field_desc *f)
{
	return strcmp(f->name, "dur_ns") == 0 ? "duration_ns" : f->name;
}

static const char *table_of(const struct nxr_kind_desc *d, char *buf, size_t len)
{
	static const struct { const char *kind, *table; } names[] = {
		{ "syscall", "syscalls" }, { "exec", "execs" },	     { "fork", "forks" },
		{ "exit", "exits" },	   { "health", "health" },   { "adapt", "adaptations" },
		{ "loss", "lost" },	   { "filter", "filtered" },
		{ "payload", "payloads" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].kind, d->name) == 0)
			return names[i].table;
	snprintf(buf, len, "%s_events", d->name);
	return buf;
}

/* ---- the schema text: generated once from the descriptors ---- */

struct scol {
	const char *name, *type, *doc;
};

static void schema_table(struct nx_json_buf *b, const char *table, const struct scol *c,
			 unsigned n)
{
	nx_json_printf(b, "CREATE TABLE %s (\n", table);
	for (unsigned i = 0; i < n; i++)
		nx_json_printf(b, "  %s %s%s%s%s\n", c[i].name, c[i].type, i + 1 < n ? "," : "",
			       c[i].doc ? " -- " : "", c[i].doc ? c[i].doc : "");
	nx_json_puts(b, ");\n");
}

/* event_id, ts_ns, pid, tid, the kind's fields, then extra; returns the count. */
static unsigned event_cols(struct scol *c, const struct nxr_kind_desc *d)
{
	unsigned n = 0;

	c[n++] = (struct scol){ "event_id", "INTEGER PRIMARY KEY", "position in the file" };
	c[n++] = (struct scol){ "ts_ns", "INTEGER", "kernel monotonic ns (meta mono_to_wall_ns)" };
	c[n++] = (struct scol){ "pid", "INTEGER", NULL };
	c[n++] = (struct scol){ "tid", "INTEGER", NULL };
	for (unsigned i = 0; i < d->nfields && n < MAX_TABLE_COLS - 8; i++)
		c[n++] = (struct scol){ col_name(&d->fields[i]),
					d->fields[i].type == NXR_FT_STR ? "TEXT" : "INTEGER",
					d->fields[i].doc };
	return n;
}

/*
 * syscall_rows: a virtual table over column chunks (sqlvtab.h), read-only;
 * event_id is its rowid, and pid, tid and nr have posting lists. Its
 * columns keep the event table's comments: SQLite reads the text between
 * the commas as the column definitions, comments after a comma are outside.
 */
static void sys_vtab(struct nx_json_buf *b, struct scol *c, unsigned n)
{
	c[0] = (struct scol){ "event_id", "INTEGER", "position in the file, the rowid" };
	nx_json_puts(b, "-- a virtual table (module " NX_SQLVTAB_MODULE ", read-only): rows "
			"stored as column chunks in\n-- syscall_rows_chunks, indexes on pid, tid "
			"and nr as posting lists in syscall_rows_postings,\n-- event_id and ts_ns "
			"ranges through each chunk's first/last event_id and min/max ts_ns\n"
			"-- (README \"nexus-query\"); the sqlite3 shell needs .load "
			"<prefix>/lib/nexus/nx_columns\n");
	nx_json_puts(b, "CREATE VIRTUAL TABLE syscall_rows USING " NX_SQLVTAB_MODULE "(\n");
	for (unsigned i = 0; i < n; i++)
		nx_json_printf(b, "  %s %s%s%s%s\n", c[i].name, c[i].type, i + 1 < n ? "," : "",
			       c[i].doc ? " -- " : "", c[i].doc ? c[i].doc : "");
	nx_json_puts(b, ");\n");
}

/* syscall_rows with the name of each number: syscall_counts has a row for
 * every number seen, so the LEFT JOIN never yields NULL; it is LEFT so that
 * SQLite drops the join from queries that do not read name (count(*), GROUP
 * BY nr), and turns it into an inner join, free to start from the name, when
 * the WHERE clause tests name. */
static void syscalls_view(struct nx_json_buf *b)
{
	struct scol c[MAX_TABLE_COLS];
	unsigned k = event_cols(c, nxr_kind_desc(NX_KIND_SYSCALL));

	nx_json_puts(b, "-- syscall_rows with each number's name (syscall_<nr> when unknown)\n"
			"CREATE VIEW syscalls AS SELECT");
	for (unsigned i = 0; i < k; i++)
		nx_json_printf(b, "%s r.%s", i ? "," : "", c[i].name);
	nx_json_puts(b, ", c.name\n  FROM syscall_rows r LEFT JOIN syscall_counts c ON c.nr = "
			"r.nr;\n");
}

static void schema_build(struct nx_json_buf *b)
{
	unsigned n, k;
	const struct nxr_kind_desc *ds = nxr_kind_descs(&n);
	struct scol c[MAX_TABLE_COLS];
	char buf[40];

	nx_json_printf(b, "-- nexus-query schema, version %d. Event tables follow from the event "
			"table (bpf/events.h):\n-- event_id, ts_ns, pid, tid, then the kind's "
			"fields (dur_ns named duration_ns).\n", NX_SQLIMPORT_SCHEMA_VERSION);
	for (unsigned i = 0; i < n; i++) {
		const struct nxr_kind_desc *d = &ds[i];

		if (d->kind == NX_KIND_CALL || d->kind == NX_KIND_RETURN)
			continue;
		k = event_cols(c, d);
		if (d->kind == NX_KIND_SYSCALL) {
			/* no name per row: the syscalls view joins it from syscall_counts */
			nx_json_puts(b, "-- syscalls, entry and exit paired: ret and duration_ns "
					"are NULL for one that never returned;\n-- query the "
					"syscalls view, which adds each number's name\n");
			sys_vtab(b, c, k);
			continue;
		} else if (d->kind == NX_KIND_PAYLOAD) {
			nx_json_puts(b, "-- data behind syscall arguments (README \"Payloads\"), joined to "
					"syscalls on (tid, ts_ns);\n-- data: a path as TEXT, argv as a "
					"JSON array of strings (TEXT), I/O bytes as a BLOB\n");
		} else if (d->kind == NX_KIND_LOSS) {
			c[k++] = (struct scol){ "reason_name", "TEXT", "ringbuf, backlog, disk" };
			nx_json_puts(b, "-- events the kernel or the recorder could not keep\n");
		} else {
			nx_json_printf(b, "-- %s events\n", d->name);
		}
		schema_table(b, table_of(d, buf, sizeof(buf)), c, k);
	}
	k = event_cols(c, nxr_kind_desc(NX_KIND_CALL));
	c[0].doc = "of the call (of the return when no call was seen)";
	c[k++] = (struct scol){ "function", "TEXT", "the probe's function" };
	c[k++] = (struct scol){ "ret", "INTEGER", "NULL when the return was not seen or not "
				"paired" };
	c[k++] = (struct scol){ "duration_ns", "INTEGER", "return time minus call time" };
	c[k++] = (struct scol){ "ret_triggers", "INTEGER", "the return's triggers mask (bit i: "
				"trigger i of its uretprobe held); NULL without a return, or "
				"in a recording made before returns carried one" };
	c[k++] = (struct scol){ "ret_event_id", "INTEGER", NULL };
	nx_json_puts(b, "-- uprobe calls paired with their return on the same thread; never paired "
			"(a row each) for a function\n-- whose uprobe or uretprobe has FILTER or "
			"LOSS events (meta calls_unpaired)\n");
	schema_table(b, "calls", c, k);
	nx_json_puts(b,
		"-- one row per process lifetime (a reused pid starts a new row)\n"
		"CREATE TABLE processes (\n"
		"  pid INTEGER,\n  ppid INTEGER,\n  comm TEXT, -- after its last exec\n"
		"  filename TEXT, -- of its last exec\n  uid INTEGER,\n"
		"  start_ns INTEGER, -- fork, else its first event\n"
		"  end_ns INTEGER, -- exit of its last thread, NULL if not seen\n"
		"  exit_code INTEGER,\n  exit_signal INTEGER,\n  duration_ns INTEGER,\n"
		"  syscalls INTEGER\n);\n"
		"CREATE TABLE threads (\n  tid INTEGER,\n  pid INTEGER,\n  start_ns INTEGER,\n"
		"  end_ns INTEGER,\n  syscalls INTEGER\n);\n"
		"-- built at import: per-number totals without scanning syscalls\n"
		"CREATE TABLE syscall_counts (\n  nr INTEGER PRIMARY KEY,\n  name TEXT,\n"
		"  calls INTEGER,\n  errors INTEGER, -- returned -4095..-1\n"
		"  total_ns INTEGER\n);\n"
		);
	syscalls_view(b);
	nx_json_puts(b,
		"CREATE TABLE kinds (\n  kind INTEGER PRIMARY KEY,\n  name TEXT,\n"
		"  events INTEGER\n);\n"
		"CREATE TABLE probes (\n  id INTEGER PRIMARY KEY,\n  hook TEXT, -- uprobe, "
		"uretprobe\n  path TEXT,\n  function TEXT,\n  spec TEXT\n);\n"
		"-- header metadata, source identity (source_size, source_mtime_ns, source_ino,\n"
		"-- source_dev), totals (events, lost_*, filtered, damaged_segments)\n"
		"CREATE TABLE meta (\n  key TEXT PRIMARY KEY,\n  value TEXT\n);\n"
		"-- one row per path argument of a syscall (open, stat, rename's two...)\n"
		"CREATE VIEW paths AS SELECT s.event_id AS syscall_id, s.ts_ns, s.pid, s.tid, "
		"s.nr, s.name,\n  p.arg, p.data AS path, p.full_len, p.flags, s.ret\n"
		"  FROM payloads p JOIN syscalls s ON s.tid = p.tid AND s.ts_ns = p.ts_ns\n"
		"  WHERE p.type = 1;\n"
		"-- one row per exec with its arguments (argv: a JSON array; argc: the full count)\n"
		"CREATE VIEW argv AS SELECT s.event_id AS syscall_id, s.ts_ns, s.pid, s.tid, "
		"s.name,\n  p.data AS argv, p.full_len AS argc, p.flags, s.ret\n"
		"  FROM payloads p JOIN syscalls s ON s.tid = p.tid AND s.ts_ns = p.ts_ns\n"
		"  WHERE p.type = 2;\n"
		"-- tells SQLite that name = '...' is one row: it then starts there and walks the\n"
		"-- nr posting list instead of scanning syscall_rows\n"
		"CREATE INDEX syscall_counts_name ON syscall_counts(name);\n"
		"CREATE INDEX calls_pid ON calls(pid);\n"
		"CREATE INDEX calls_function ON calls(function);\n"
		"CREATE INDEX payloads_tid_ts ON payloads(tid, ts_ns);\n");
}

const char *nx_sqlimport_schema(void)
{
	static struct nx_json_buf b;	/* built once, kept for the process */

	if (!b.len)
		schema_build(&b);
	return nx_json_cstr(&b);
}

/*
 * The schema text split in two: tables and views (before the rows), then
 * the indexes of the native tables (after them: sorted once).
 */
static const char *late_indexes(void)
{
	return strstr(nx_sqlimport_schema(), "CREATE INDEX ");
}

static int create_tables(struct imp *im)
{
	const char *s = nx_sqlimport_schema();
	const char *late = late_indexes();
	char *tables;
	int rc;

	if (!late)
		return nx_err_set(im->err, -EINVAL, "schema has no index");
	tables = strndup(s, (size_t)(late - s));
	if (!tables)
		return nx_err_set(im->err, -ENOMEM, "out of memory");
	rc = exec_sql(im, tables);
	free(tables);
	return rc;
}

/*
 * The native tables' indexes, then their statistics: without them SQLite
 * takes every table for a million rows and, say, scans all syscalls for
 * "name = 'getppid'" instead of starting from its one syscall_counts row.
 * analysis_limit makes ANALYZE sample each index instead of reading it all.
 */
static int create_indexes(struct imp *im)
{
	int rc = exec_sql(im, late_indexes());

	return rc ?: exec_sql(im, "PRAGMA analysis_limit=1000; ANALYZE");
}

static int prepare(struct imp *im, const char *table, unsigned ncols, unsigned rows,
		   sqlite3_stmt **st)
{
	struct nx_json_buf b = { 0 };
	int rc = 0;

	nx_json_printf(&b, "INSERT INTO %s VALUES ", table);
	for (unsigned r = 0; r < rows; r++) {
		nx_json_puts(&b, r ? ",(" : "(");
		for (unsigned c = 0; c < ncols; c++)
			nx_json_puts(&b, c ? ",?" : "?");
		nx_json_putc(&b, ')');
	}
	if (b.oom)
		rc = nx_err_set(im->err, -ENOMEM, "out of memory");
	else if (sqlite3_prepare_v3(im->db, nx_json_cstr(&b), -1, SQLITE_PREPARE_PERSISTENT, st,
				    NULL) != SQLITE_OK)
		rc = db_err(im, table);
	nx_json_release(&b);
	return rc;
}

static int prepare_all(struct imp *im)
{
	unsigned n;
	const struct nxr_kind_desc *ds = nxr_kind_descs(&n);
	int rc;

	im->sysd = nxr_kind_desc(NX_KIND_SYSCALL);
	im->sys_cols = 4 + im->sysd->nfields;
	if (im->sys_cols > SYS_MAX_COLS)
		return nx_err_set(im->err, -EINVAL, "syscall kind has %u columns, at most %u",
				  im->sys_cols, SYS_MAX_COLS);
	for (unsigned k = 0; k < im->sysd->nfields; k++) {
		size_t off = im->sysd->fields[k].offset;

		if (off == offsetof(struct nxr_event, syscall.ret))
			im->col_ret = 4 + k;
		else if (off == offsetof(struct nxr_event, syscall.dur_ns))
			im->col_dur = 4 + k;
		else if (off == offsetof(struct nxr_event, syscall.flags))
			im->col_flags = 4 + k;
		else if (off == offsetof(struct nxr_event, syscall.nr))
			im->col_nr = 4 + k;
	}
	if (!im->col_ret || !im->col_dur || !im->col_flags || !im->col_nr)
		return nx_err_set(im->err, -EINVAL, "syscall kind lacks ret, dur_ns, flags or nr");
	/* posting lists on pid, tid and nr */
	im->sys = nx_colstore_new(im->db, "syscall_rows", im->sys_cols,
				  1u << 2 | 1u << 3 | 1u << im->col_nr, im->err);
	if (!im->sys)
		return im->err->code;
	rc = prepare(im, "calls", 4 + nxr_kind_desc(NX_KIND_CALL)->nfields + 5, 1,
		     &im->call_ins);
	for (unsigned k = 0; rc == 0 && k < n; k++) {
		const struct nxr_kind_desc *d = &ds[k];
		struct ktable *t;
		char buf[40];

		if (d->kind == NX_KIND_SYSCALL || d->kind == NX_KIND_CALL ||
		    d->kind == NX_KIND_RETURN || d->kind > NX_KIND_MAX_ID)
			continue;
		t = &im->kt[d->kind];
		t->d = d;
		snprintf(t->name, sizeof(t->name), "%s", table_of(d, buf, sizeof(buf)));
		t->lost = d->kind == NX_KIND_LOSS;
		rc = prepare(im, t->name, 4 + d->nfields + (t->lost ? 1 : 0), 1, &t->ins);
	}
	return rc;
}

/* ---- binding ---- */

static inline void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static inline void bind_str(sqlite3_stmt *s, int i, struct nxr_str v)
{
	sqlite3_bind_text(s, i, v.len ? v.ptr : "", (int)v.len, SQLITE_TRANSIENT);
}

/* event_id, ts, pid, tid, then the kind's fields; returns the next index. */
static int bind_event(sqlite3_stmt *s, int i, uint64_t id, const struct nxr_event *ev,
		      const struct nxr_kind_desc *d)
{
	bind_u64(s, i++, id);
	bind_u64(s, i++, ev->ts_ns);
	bind_u64(s, i++, ev->pid);
	bind_u64(s, i++, ev->tid);
	for (unsigned k = 0; k < d->nfields; k++, i++) {
		const struct nxr_field_desc *f = &d->fields[k];

		if (f->type == NXR_FT_STR)
			bind_str(s, i, nxr_field_str(ev, f));
		else
			bind_u64(s, i, nxr_field_u64(ev, f));
	}
	return i;
}

static int step(struct imp *im, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_err(im, what);
	return 0;
}

static int count_syscall(struct imp *im, const struct nxr_event *ev)
{
	struct crow *c;
	uint32_t idx;

	if (im->ncounts && ev->syscall.nr == im->last_nr) {
		idx = im->last_nr_idx;
	} else {
		uint32_t *v = u32map_get(&im->nrmap, ev->syscall.nr);

		if (!v)
			return nx_err_set(im->err, -ENOMEM, "out of memory");
		if (!*v) {
			if (im->ncounts == im->counts_cap) {
				uint32_t cap = im->counts_cap ? im->counts_cap * 2 : 512;
				struct crow *n = realloc(im->counts, cap * sizeof(*n));

				if (!n)
					return nx_err_set(im->err, -ENOMEM, "out of memory");
				im->counts = n;
				im->counts_cap = cap;
			}
			memset(&im->counts[im->ncounts], 0, sizeof(struct crow));
			im->counts[im->ncounts].nr = ev->syscall.nr;
			*v = ++im->ncounts;
		}
		idx = *v - 1;
		im->last_nr = ev->syscall.nr;
		im->last_nr_idx = idx;
	}
	c = &im->counts[idx];
	c->calls++;
	if (ev->syscall.flags & NX_SYS_EXITED) {
		if (ev->syscall.ret < 0 && ev->syscall.ret >= -4095)
			c->errors++;
		c->total_ns += ev->syscall.dur_ns;
	}
	return 0;
}


/* Appends the row (event_id, ts, pid, tid, the fields); an entry's ret and
 * duration_ns are NULL until its exit record patches them. */
static int insert_syscall(struct imp *im, uint64_t id, const struct nxr_event *ev,
			  uint64_t *row)
{
	const struct nxr_kind_desc *d = im->sysd;
	int64_t v[SYS_MAX_COLS];
	uint32_t nulls = 0;
	unsigned c = 0;

	v[c++] = (int64_t)id;
	v[c++] = (int64_t)ev->ts_ns;
	v[c++] = ev->pid;
	v[c++] = ev->tid;
	for (unsigned k = 0; k < d->nfields; k++, c++)
		v[c] = (int64_t)nxr_field_u64(ev, &d->fields[k]);
	if (!(ev->syscall.flags & NX_SYS_EXITED))
		nulls = 1u << im->col_ret | 1u << im->col_dur;
	im->st->syscall_rows++;
	return nx_colstore_append(im->sys, v, nulls, row, im->err);
}

/* ---- processes and threads ---- */

static struct prow *proc_new(struct imp *im, uint32_t pid, uint64_t ts)
{
	uint32_t *v = u32map_get(&im->pidmap, pid);
	struct prow *p;

	if (!v)
		return NULL;
	if (im->nprocs == im->procs_cap) {
		uint32_t cap = im->procs_cap ? im->procs_cap * 2 : 256;
		struct prow *n = realloc(im->procs, cap * sizeof(*n));

		if (!n)
			return NULL;
		im->procs = n;
		im->procs_cap = cap;
	}
	p = &im->procs[im->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->uid = UINT32_MAX;
	p->start = ts;
	*v = ++im->nprocs;
	return p;
}

/* The current row of pid, added (started at ts) when none. */
static struct prow *proc_cur(struct imp *im, uint32_t pid, uint64_t ts)
{
	uint32_t v = u32map_find(&im->pidmap, pid);

	return v ? &im->procs[v - 1] : proc_new(im, pid, ts);
}

static struct trow *thread_cur(struct imp *im, uint32_t tid, uint32_t pid, uint64_t ts,
			       bool fresh)
{
	uint32_t *v = u32map_get(&im->tidmap, tid);
	struct trow *t;

	if (!v)
		return NULL;
	if (*v && !(fresh && im->threads[*v - 1].ended))
		return &im->threads[*v - 1];
	if (im->nthreads == im->threads_cap) {
		uint32_t cap = im->threads_cap ? im->threads_cap * 2 : 256;
		struct trow *n = realloc(im->threads, cap * sizeof(*n));

		if (!n)
			return NULL;
		im->threads = n;
		im->threads_cap = cap;
	}
	t = &im->threads[im->nthreads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	t->start = ts;
	*v = ++im->nthreads;
	return t;
}

static void set_comm(struct prow *p, struct nxr_str s)
{
	uint32_t n = s.len > NX_PROC_COMM_MAX ? NX_PROC_COMM_MAX : s.len;
	const char *nul = n ? memchr(s.ptr, '\0', n) : NULL;

	if (nul)
		n = (uint32_t)(nul - s.ptr);
	memcpy(p->comm, s.ptr, n);
	p->comm[n] = '\0';
	p->comm_len = (uint8_t)n;
	p->comm_known = true;
}

static int track(struct imp *im, const struct nxr_event *ev)
{
	struct prow *p;
	struct trow *t;

	switch (ev->kind) {
	case NX_KIND_EXEC: {
		char *f;

		p = proc_cur(im, ev->pid, ev->ts_ns);
		if (!p)
			return -ENOMEM;
		f = strndup(ev->exec.filename.ptr ? ev->exec.filename.ptr : "",
			    ev->exec.filename.len);
		if (!f)
			return -ENOMEM;
		free(p->filename);
		p->filename = f;
		set_comm(p, ev->exec.comm);
		p->ppid = ev->exec.ppid;
		p->uid = ev->exec.uid;
		break;
	}
	case NX_KIND_FORK: {
		struct prow *parent;
		uint32_t uid;

		if (ev->fork.flags & NX_FORK_THREAD) {
			t = thread_cur(im, ev->fork.child_tid, ev->fork.child_pid, ev->ts_ns, true);
			return t ? 0 : -ENOMEM;
		}
		parent = proc_cur(im, ev->pid, ev->ts_ns);
		if (!parent)
			return -ENOMEM;
		uid = parent->uid;
		{
			uint32_t v = u32map_find(&im->pidmap, ev->fork.child_pid);

			p = v ? &im->procs[v - 1] : NULL;
		}
		/* a row whose process ended is a reused pid: a new row */
		if (!p || p->ended)
			p = proc_new(im, ev->fork.child_pid, ev->ts_ns);
		if (!p)
			return -ENOMEM;
		if (ev->ts_ns < p->start)
			p->start = ev->ts_ns;
		p->ppid = ev->pid;
		p->uid = uid;
		if (!p->comm_known)
			set_comm(p, ev->fork.comm);
		t = thread_cur(im, ev->fork.child_tid, ev->fork.child_pid, ev->ts_ns, true);
		return t ? 0 : -ENOMEM;
	}
	case NX_KIND_EXIT:
		t = thread_cur(im, ev->tid, ev->pid, ev->ts_ns, false);
		if (!t)
			return -ENOMEM;
		t->end = ev->ts_ns;
		t->ended = true;
		if (ev->exit.flags & NX_EXIT_GROUP) {
			p = proc_cur(im, ev->pid, ev->ts_ns);
			if (!p)
				return -ENOMEM;
			p->end = ev->ts_ns;
			p->ended = true;
			p->exit_code = (ev->exit.code >> 8) & 0xff;
			p->exit_sig = ev->exit.code & 0x7f;
		}
		break;
	case NX_KIND_SYSCALL:
		p = proc_cur(im, ev->pid, ev->ts_ns);
		t = thread_cur(im, ev->tid, ev->pid, ev->ts_ns, false);
		if (!p || !t)
			return -ENOMEM;
		p->syscalls++;
		t->syscalls++;
		break;
	default:
		if (ev->pid && ev->kind != NX_KIND_HEALTH && ev->kind != NX_KIND_LOSS &&
		    ev->kind != NX_KIND_FILTER) {
			if (!proc_cur(im, ev->pid, ev->ts_ns) ||
			    !thread_cur(im, ev->tid, ev->pid, ev->ts_ns, false))
				return -ENOMEM;
		}
		break;
	}
	return 0;
}

/* ---- syscall pairing: an entry without NX_SYS_EXITED waits for its exit ---- */

static int sys_event(struct imp *im, uint64_t id, const struct nxr_event *ev)
{
	uint32_t v = im->psysmap.cap ? u32map_find(&im->psysmap, ev->tid) : 0;
	struct pend_sys *p = v ? &im->psys[v - 1] : NULL;
	int rc;

	if (ev->syscall.flags & NX_SYS_EXITED) {
		/* the exit record of the pending entry (same number, and the entry's time
		 * or no duration of its own): one row, with the entry's id */
		if (p && p->used && p->ev.syscall.nr == ev->syscall.nr &&
		    (ev->ts_ns == p->ev.ts_ns || ev->syscall.dur_ns == 0)) {
			struct nxr_event m = p->ev;

			m.syscall.ret = ev->syscall.ret;
			m.syscall.dur_ns = ev->syscall.dur_ns ? ev->syscall.dur_ns
				: (ev->ts_ns > m.ts_ns ? ev->ts_ns - m.ts_ns : 0);
			m.syscall.flags |= NX_SYS_EXITED;
			p->used = false;
			rc = count_syscall(im, &m);
			if (rc < 0)
				return rc;
			im->counts[im->last_nr_idx].calls--;	/* counted at its entry */
			rc = nx_colstore_patch(im->sys, p->row, im->col_ret, m.syscall.ret, false,
					       im->err);
			rc = rc ?: nx_colstore_patch(im->sys, p->row, im->col_dur,
						     (int64_t)m.syscall.dur_ns, false, im->err);
			return rc ?: nx_colstore_patch(im->sys, p->row, im->col_flags,
						       m.syscall.flags, false, im->err);
		}
		rc = count_syscall(im, ev);
		return rc < 0 ? rc : insert_syscall(im, id, ev, NULL);
	}
	/* an entry (the previous one of this thread, if any, never got its exit and
	 * keeps its row as it is) */
	rc = count_syscall(im, ev);
	if (rc < 0)
		return rc;
	if (!p) {
		uint32_t *slot = u32map_get(&im->psysmap, ev->tid);

		if (!slot)
			return nx_err_set(im->err, -ENOMEM, "out of memory");
		if (im->npsys == im->psys_cap) {
			uint32_t cap = im->psys_cap ? im->psys_cap * 2 : 64;
			struct pend_sys *n = realloc(im->psys, cap * sizeof(*n));

			if (!n)
				return nx_err_set(im->err, -ENOMEM, "out of memory");
			im->psys = n;
			im->psys_cap = cap;
		}
		p = &im->psys[im->npsys];
		*slot = ++im->npsys;
	}
	p->ev = *ev;
	p->used = true;
	return insert_syscall(im, id, ev, &p->row);
}

/* The entries still waiting stay rows with ret NULL; the rows go out. */
static int flush_pending_sys(struct imp *im)
{
	for (uint32_t i = 0; i < im->npsys; i++)
		im->psys[i].used = false;
	return nx_colstore_finish(im->sys, im->err);
}

/* ---- calls: CALL pushed per thread, RETURN pops the latest of its function ---- */

static int u32_add(uint32_t **a, uint32_t *n, uint32_t v)
{
	uint32_t *p;

	for (uint32_t i = 0; i < *n; i++)
		if ((*a)[i] == v)
			return 0;
	p = realloc(*a, (*n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	p[(*n)++] = v;
	*a = p;
	return 0;
}

/* A FILTER or LOSS event of a probe: one side of its function's calls was dropped. */
static int unsure_drop(struct imp *im, const struct nxr_event *ev)
{
	uint32_t probe = ev->kind == NX_KIND_FILTER ? ev->filter.probe : ev->loss.probe;

	if (ev->kind == NX_KIND_LOSS && !probe && ev->loss.reason != NX_LOSS_RINGBUF &&
	    ev->loss.count)
		im->unsure.all_dropped = true;
	if (!probe || (ev->kind == NX_KIND_FILTER && (probe & NX_FILTER_PROBE_SYSCALL)))
		return 0;	/* syscalls and process events: no calls of theirs */
	if (ev->kind == NX_KIND_FILTER ? !ev->filter.count : !ev->loss.count)
		return 0;
	return u32_add(&im->unsure.dropped, &im->unsure.ndropped, probe);
}

static int unsure_pair(struct imp *im, uint32_t call, uint32_t ret)
{
	struct unsure *u = &im->unsure;
	uint32_t (*k)[2];

	if (u->nkinds && u->kind[u->nkinds - 1][0] == call && u->kind[u->nkinds - 1][1] == ret)
		return 0;	/* the usual case: the same pair as last time */
	for (uint32_t i = 0; i < u->nkinds; i++)
		if (u->kind[i][0] == call && u->kind[i][1] == ret) {
			/* keep the last one last for the check above */
			u->kind[i][0] = u->kind[u->nkinds - 1][0];
			u->kind[i][1] = u->kind[u->nkinds - 1][1];
			u->kind[u->nkinds - 1][0] = call;
			u->kind[u->nkinds - 1][1] = ret;
			return 0;
		}
	k = realloc(u->kind, (u->nkinds + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	k[u->nkinds][0] = call;
	k[u->nkinds][1] = ret;
	u->nkinds++;
	u->kind = k;
	return 0;
}

static bool unsure_func_dropped(struct imp *im, const char *f)
{
	char b[32];

	if (im->unsure.all_dropped)
		return true;
	for (uint32_t i = 0; i < im->unsure.ndropped; i++)
		if (!strcmp(nx_fmtev_probe_func(im->meta, im->unsure.dropped[i], b, sizeof(b)), f))
			return true;
	return false;
}

/*
 * The pairs of calls probe C with returns of probe R, for a function with a
 * dropped side: each row becomes the call alone (ret, duration_ns and
 * ret_event_id NULL) plus a row of the return alone, as if never paired. The
 * return's time is the call's plus the duration (a thread's events come in
 * time order, so the duration was never clamped). When C was paired with
 * returns of several probes (one function name in two binaries), the rows do
 * not say which: the split rows name the first return probe of C's binary.
 */
static int unsure_split(struct imp *im)
{
	static const char *const sql[2] = {
		"INSERT INTO calls (event_id, ts_ns, pid, tid, probe, function, ret, "
		"ret_triggers, ret_event_id) SELECT ret_event_id, ts_ns + duration_ns, pid, tid, "
		"?2, function, ret, ret_triggers, ret_event_id FROM calls WHERE probe = ?1 AND "
		"ret_event_id <> event_id",
		"UPDATE calls SET ret = NULL, duration_ns = NULL, ret_triggers = NULL, "
		"ret_event_id = NULL WHERE probe = ?1 AND ret_event_id <> event_id",
	};
	struct unsure *u = &im->unsure;
	struct nx_json_buf names = { 0 };
	struct nxr_reader_stats rs;
	int rc = 0;

	nxr_reader_get_stats(im->r, &rs);
	if (!rs.closed_cleanly)
		u->all_dropped = true;
	for (uint32_t i = 0; rc == 0 && i < u->nkinds; i++) {
		uint32_t c = u->kind[i][0], r = u->kind[i][1];
		const struct nxr_probe *cp = nxr_meta_probe(im->meta, c);
		char b[32];
		const char *f = nx_fmtev_probe_func(im->meta, c, b, sizeof(b));
		bool seen = false;

		for (uint32_t j = 0; j < i; j++)
			seen |= u->kind[j][0] == c;
		if (seen || !unsure_func_dropped(im, f))
			continue;	/* C's rows split already, or sure */
		for (uint32_t j = u->nkinds; j-- > i && cp && cp->path;) {
			const struct nxr_probe *rp = nxr_meta_probe(im->meta, u->kind[j][1]);

			if (u->kind[j][0] == c && rp && rp->path && !strcmp(rp->path, cp->path))
				r = u->kind[j][1];
		}
		for (int k = 0; rc == 0 && k < 2; k++) {
			sqlite3_stmt *s = NULL;

			if (sqlite3_prepare_v2(im->db, sql[k], -1, &s, NULL) != SQLITE_OK) {
				rc = db_err(im, "calls");
				break;
			}
			bind_u64(s, 1, c);
			bind_u64(s, 2, r);
			if (sqlite3_step(s) != SQLITE_DONE)
				rc = db_err(im, "calls");
			else if (k == 0)
				im->st->call_rows += (uint64_t)sqlite3_changes(im->db);
			sqlite3_finalize(s);
		}
		if (names.len)
			nx_json_putc(&names, ',');
		nx_json_puts(&names, f);
	}
	if (rc == 0 && names.len) {
		const char *t = nx_json_cstr(&names);

		u->functions = t && !names.oom ? strdup(t) : NULL;
		if (!u->functions)
			rc = nx_err_set(im->err, -ENOMEM, "out of memory");
	}
	nx_json_release(&names);
	return rc;
}

static const char *probe_func(struct imp *im, uint32_t probe, char *buf, size_t len)
{
	return nx_fmtev_probe_func(im->meta, probe, buf, len);
}

static void bind_opt_u64(sqlite3_stmt *s, int i, bool have, uint64_t v)
{
	if (have)
		bind_u64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int insert_call(struct imp *im, uint64_t id, const struct nxr_event *call,
		       const struct nxr_event *ret, uint64_t ret_id)
{
	const struct nxr_kind_desc *d = nxr_kind_desc(NX_KIND_CALL);
	sqlite3_stmt *s = im->call_ins;
	char nb[32];
	const char *f;
	int i;

	if (call) {
		i = bind_event(s, 1, id, call, d);
		f = probe_func(im, call->call.probe, nb, sizeof(nb));
	} else {
		i = 1;
		bind_u64(s, i++, ret_id);
		bind_u64(s, i++, ret->ts_ns);
		bind_u64(s, i++, ret->pid);
		bind_u64(s, i++, ret->tid);
		for (unsigned k = 0; k < d->nfields; k++, i++) {
			if (d->fields[k].offset == offsetof(struct nxr_event, call.probe))
				bind_u64(s, i, ret->uret.probe);
			else
				sqlite3_bind_null(s, i);
		}
		f = probe_func(im, ret->uret.probe, nb, sizeof(nb));
	}
	sqlite3_bind_text(s, i++, f, -1, SQLITE_TRANSIENT);
	if (ret) {
		bind_u64(s, i++, (uint64_t)ret->uret.ret);
		if (call)
			bind_u64(s, i++, ret->ts_ns >= call->ts_ns ? ret->ts_ns - call->ts_ns : 0);
		else
			sqlite3_bind_null(s, i++);
		/* older recordings hold no mask: unknown, not "none held" */
		bind_opt_u64(s, i++, nxr_meta_get(im->meta, NX_META_RETURN_TRIGGERS) != NULL,
			     ret->uret.triggers);
		bind_u64(s, i++, ret_id);
	} else {
		sqlite3_bind_null(s, i++);
		sqlite3_bind_null(s, i++);
		sqlite3_bind_null(s, i++);
		sqlite3_bind_null(s, i++);
	}
	im->st->call_rows++;
	return step(im, s, "calls");
}

static struct call_stack *stack_of(struct imp *im, uint32_t tid, bool create)
{
	uint32_t *v;

	if (!create) {
		uint32_t k = u32map_find(&im->cstackmap, tid);

		return k ? im->cstacks[k - 1] : NULL;
	}
	v = u32map_get(&im->cstackmap, tid);
	if (!v)
		return NULL;
	if (!*v) {
		struct call_stack *cs = calloc(1, sizeof(*cs));

		if (!cs)
			return NULL;
		if (im->ncstacks == im->cstacks_cap) {
			uint32_t cap = im->cstacks_cap ? im->cstacks_cap * 2 : 64;
			struct call_stack **n = realloc(im->cstacks, cap * sizeof(*n));

			if (!n) {
				free(cs);
				return NULL;
			}
			im->cstacks = n;
			im->cstacks_cap = cap;
		}
		im->cstacks[im->ncstacks] = cs;
		*v = ++im->ncstacks;
	}
	return im->cstacks[*v - 1];
}

static int call_event(struct imp *im, uint64_t id, const struct nxr_event *ev)
{
	struct call_stack *cs = stack_of(im, ev->tid, ev->kind == NX_KIND_CALL);
	int rc;

	if (ev->kind == NX_KIND_CALL) {
		struct pend_call *pc;

		if (!cs)
			return nx_err_set(im->err, -ENOMEM, "out of memory");
		if (cs->n == PEND_CALLS) {
			/* too deep: the oldest pending call is written without its return */
			rc = insert_call(im, cs->c[0].id, &cs->c[0].ev, NULL, 0);
			free(cs->c[0].data_copy);
			memmove(&cs->c[0], &cs->c[1], (PEND_CALLS - 1) * sizeof(cs->c[0]));
			cs->n--;
			if (rc < 0)
				return rc;
		}
		pc = &cs->c[cs->n];
		pc->id = id;
		pc->ev = *ev;
		pc->data_copy = malloc(ev->call.data.len + 1);
		if (!pc->data_copy)
			return nx_err_set(im->err, -ENOMEM, "out of memory");
		if (ev->call.data.len)
			memcpy(pc->data_copy, ev->call.data.ptr, ev->call.data.len);
		pc->ev.call.data.ptr = pc->data_copy;
		cs->n++;
		return 0;
	}
	/* RETURN: the latest pending call of the same function (or probe) */
	if (cs) {
		char b1[32], b2[32];
		const char *rf = probe_func(im, ev->uret.probe, b1, sizeof(b1));

		for (uint32_t k = cs->n; k-- > 0;) {
			struct pend_call *pc = &cs->c[k];

			if (pc->ev.call.probe != ev->uret.probe &&
			    strcmp(probe_func(im, pc->ev.call.probe, b2, sizeof(b2)), rf) != 0)
				continue;
			if (unsure_pair(im, pc->ev.call.probe, ev->uret.probe) < 0)
				return nx_err_set(im->err, -ENOMEM, "out of memory");
			rc = insert_call(im, pc->id, &pc->ev, ev, id);
			free(pc->data_copy);
			memmove(&cs->c[k], &cs->c[k + 1], (cs->n - k - 1) * sizeof(cs->c[0]));
			cs->n--;
			return rc;
		}
	}
	return insert_call(im, 0, NULL, ev, id);
}

static int flush_pending_calls(struct imp *im)
{
	int rc = 0;

	for (uint32_t i = 0; i < im->ncstacks; i++) {
		struct call_stack *cs = im->cstacks[i];

		for (uint32_t k = 0; k < cs->n; k++) {
			if (rc == 0)
				rc = insert_call(im, cs->c[k].id, &cs->c[k].ev, NULL, 0);
			free(cs->c[k].data_copy);
		}
		cs->n = 0;
	}
	return rc;
}

/* ---- the generic tables ---- */

/* An iovec payload's bytes, the iovecs' one after the other (the bytes the
 * call moved, as for a plain buffer), as a BLOB. */
static int bind_iov_bytes(struct imp *im, sqlite3_stmt *s, int i, const struct nxr_event *ev)
{
	struct nx_iov_entry e;
	uint32_t pos = 0, len = 0;
	char *cat = malloc(ev->payload.data.len + 1);	/* at least the bytes kept */

	if (!cat)
		return nx_err_set(im->err, -ENOMEM, "out of memory");
	while (nx_iov_next(ev->payload.data, &pos, &e)) {
		memcpy(cat + len, e.bytes, e.n);
		len += e.n;
	}
	sqlite3_bind_blob(s, i, cat, (int)len, free);
	return 0;
}

/* A payload's data column: argv as a JSON array (its NUL-separated bytes
 * would read as one string cut at the first NUL), I/O bytes as a BLOB. */
static int bind_payload_data(struct imp *im, sqlite3_stmt *s, int i, const struct nxr_event *ev)
{
	const char *p = ev->payload.data.ptr, *end = p + ev->payload.data.len, *z;
	struct nx_json_buf b = { 0 };
	int rc = 0;

	if (ev->payload.type == NX_PAYLOAD_BUF) {
		sqlite3_bind_blob(s, i, ev->payload.data.len ? p : "", (int)ev->payload.data.len,
				  SQLITE_TRANSIENT);
		return 0;
	}
	if (ev->payload.type == NX_PAYLOAD_IOV)
		return bind_iov_bytes(im, s, i, ev);
	if (ev->payload.type != NX_PAYLOAD_ARGV)
		return 0;
	nx_json_putc(&b, '[');
	for (unsigned n = 0; p < end; n++, p = z + 1) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			z = end;
		if (n)
			nx_json_putc(&b, ',');
		nx_json_str(&b, p, (size_t)(z - p));
	}
	nx_json_putc(&b, ']');
	if (b.oom)
		rc = nx_err_set(im->err, -ENOMEM, "out of memory");
	else
		sqlite3_bind_text(s, i, b.p, (int)b.len, SQLITE_TRANSIENT);
	nx_json_release(&b);
	return rc;
}

static int kind_event(struct imp *im, uint64_t id, const struct nxr_event *ev)
{
	struct ktable *t = ev->kind <= NX_KIND_MAX_ID ? &im->kt[ev->kind] : NULL;
	int i;

	if (!t || !t->ins)
		return 0;
	i = bind_event(t->ins, 1, id, ev, t->d);
	/* data: the last field */
	if (ev->kind == NX_KIND_PAYLOAD && bind_payload_data(im, t->ins, i - 1, ev) < 0)
		return im->err->code;
	if (t->lost)
		sqlite3_bind_text(t->ins, i, nx_fmtev_loss_reason(ev->loss.reason), -1,
				  SQLITE_STATIC);
	return step(im, t->ins, t->name);
}

/* ---- summaries written at the end ---- */

static int write_summaries(struct imp *im)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	rc = prepare(im, "processes", 11, 1, &s);
	for (uint32_t i = 0; rc == 0 && i < im->nprocs; i++) {
		const struct prow *p = &im->procs[i];

		bind_u64(s, 1, p->pid);
		bind_opt_u64(s, 2, p->ppid != 0, p->ppid);
		if (p->comm_known)
			sqlite3_bind_text(s, 3, p->comm, p->comm_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 3);
		if (p->filename)
			sqlite3_bind_text(s, 4, p->filename, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 4);
		bind_opt_u64(s, 5, p->uid != UINT32_MAX, p->uid);
		bind_u64(s, 6, p->start);
		bind_opt_u64(s, 7, p->ended, p->end);
		bind_opt_u64(s, 8, p->ended, p->exit_code);
		bind_opt_u64(s, 9, p->ended, p->exit_sig);
		bind_opt_u64(s, 10, p->ended, p->end >= p->start ? p->end - p->start : 0);
		bind_u64(s, 11, p->syscalls);
		rc = step(im, s, "processes");
		im->st->process_rows++;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == 0)
		rc = prepare(im, "threads", 5, 1, &s);
	for (uint32_t i = 0; rc == 0 && i < im->nthreads; i++) {
		const struct trow *t = &im->threads[i];

		bind_u64(s, 1, t->tid);
		bind_u64(s, 2, t->pid);
		bind_u64(s, 3, t->start);
		bind_opt_u64(s, 4, t->ended, t->end);
		bind_u64(s, 5, t->syscalls);
		rc = step(im, s, "threads");
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == 0)
		rc = prepare(im, "syscall_counts", 5, 1, &s);
	for (uint32_t i = 0; rc == 0 && i < im->ncounts; i++) {
		const struct crow *c = &im->counts[i];
		char nb[32];

		bind_u64(s, 1, c->nr);
		sqlite3_bind_text(s, 2, nx_syscall_name(c->nr, nb, sizeof(nb)), -1,
				  SQLITE_TRANSIENT);
		bind_u64(s, 3, c->calls);
		bind_u64(s, 4, c->errors);
		bind_u64(s, 5, c->total_ns);
		rc = step(im, s, "syscall_counts");
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == 0)
		rc = prepare(im, "kinds", 3, 1, &s);
	for (uint32_t k = 1; rc == 0 && k <= NX_KIND_MAX_ID; k++) {
		const struct nxr_kind_desc *d = nxr_kind_desc(k);

		if (!d)
			continue;
		bind_u64(s, 1, k);
		sqlite3_bind_text(s, 2, d->name, -1, SQLITE_STATIC);
		bind_u64(s, 3, im->kind_counts[k]);
		rc = step(im, s, "kinds");
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == 0)
		rc = prepare(im, "probes", 5, 1, &s);
	for (uint32_t i = 0; rc == 0 && i < im->meta->nprobes; i++) {
		const struct nxr_probe *p = &im->meta->probes[i];

		bind_u64(s, 1, p->id);
		sqlite3_bind_text(s, 2, p->hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe",
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, p->path ? p->path : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, p->func ? p->func : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, p->spec ? p->spec : "", -1, SQLITE_STATIC);
		rc = step(im, s, "probes");
	}
	sqlite3_finalize(s);
	return rc;
}

static int meta_put(struct imp *im, sqlite3_stmt *s, const char *key, const char *value)
{
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, value ? value : "", -1, SQLITE_TRANSIENT);
	return step(im, s, "meta");
}

static int meta_putu(struct imp *im, sqlite3_stmt *s, const char *key, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	return meta_put(im, s, key, b);
}

static int write_meta(struct imp *im, const struct stat *src)
{
	const struct nxr_meta *m = im->meta;
	struct nxr_reader_stats rs;
	sqlite3_stmt *s = NULL;
	char b[64];
	int rc;

	nxr_reader_get_stats(im->r, &rs);
	rc = prepare(im, "meta", 2, 1, &s);
	if (rc < 0)
		return rc;
	rc = meta_putu(im, s, "schema_version", NX_SQLIMPORT_SCHEMA_VERSION);
	rc = rc ?: meta_put(im, s, "source_path", nxr_reader_path(im->r));
	rc = rc ?: meta_putu(im, s, "source_size", (uint64_t)src->st_size);
	rc = rc ?: meta_putu(im, s, "source_mtime_ns", (uint64_t)src->st_mtim.tv_sec *
				     1000000000ull + (uint64_t)src->st_mtim.tv_nsec);
	rc = rc ?: meta_putu(im, s, "source_ino", (uint64_t)src->st_ino);
	rc = rc ?: meta_putu(im, s, "source_dev", (uint64_t)src->st_dev);
	rc = rc ?: meta_put(im, s, "hostname", m->hostname);
	rc = rc ?: meta_put(im, s, "kernel", m->kernel);
	rc = rc ?: meta_put(im, s, "arch", m->arch);
	rc = rc ?: meta_put(im, s, "tool_version", m->tool_version);
	rc = rc ?: meta_put(im, s, "command", m->command);
	rc = rc ?: meta_put(im, s, "config_text", m->config_text);
	rc = rc ?: meta_putu(im, s, "created_wall_ns", m->created_wall_ns);
	snprintf(b, sizeof(b), "%" PRId64, m->mono_to_wall_ns);
	rc = rc ?: meta_put(im, s, "mono_to_wall_ns", b);
	rc = rc ?: meta_putu(im, s, "events", im->st->events);
	rc = rc ?: meta_putu(im, s, "segments", rs.segments);
	rc = rc ?: meta_putu(im, s, "damaged_segments", rs.damaged_segments);
	rc = rc ?: meta_put(im, s, "closed_cleanly", rs.closed_cleanly ? "1" : "0");
	rc = rc ?: meta_putu(im, s, "lost_ringbuf", rs.lost[NX_LOSS_RINGBUF]);
	rc = rc ?: meta_putu(im, s, "lost_backlog", rs.lost[NX_LOSS_BACKLOG]);
	rc = rc ?: meta_putu(im, s, "lost_disk", rs.lost[NX_LOSS_DISK]);
	rc = rc ?: meta_putu(im, s, "filtered", rs.filtered);
	rc = rc ?: meta_putu(im, s, "filtered_calls", im->filtered[0]);
	rc = rc ?: meta_putu(im, s, "filtered_syscalls", im->filtered[1]);
	rc = rc ?: meta_put(im, s, "calls_unpaired", im->unsure.functions);
	for (uint32_t i = 0; rc == 0 && i < m->nkv; i++) {
		char key[256];

		snprintf(key, sizeof(key), "kv.%s", m->kv[i].key ? m->kv[i].key : "");
		rc = meta_put(im, s, key, m->kv[i].value);
	}
	rc = rc ?: meta_put(im, s, "import_complete", "1");
	sqlite3_finalize(s);
	return rc;
}

/* ---- the import ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int import_events(struct imp *im, const struct nx_sqlimport_opts *o)
{
	struct nxr_reader_stats rs;
	struct nxr_event ev;
	uint64_t id = 0;
	int n, rc;

	nxr_reader_get_stats(im->r, &rs);
	while ((n = nxr_reader_next(im->r, &ev, im->err)) > 0) {
		uint64_t this_id = id++;

		if (ev.kind <= NX_KIND_MAX_ID)
			im->kind_counts[ev.kind]++;
		if (track(im, &ev) < 0)
			return nx_err_set(im->err, -ENOMEM, "out of memory");
		switch (ev.kind) {
		case NX_KIND_SYSCALL:
			rc = sys_event(im, this_id, &ev);
			break;
		case NX_KIND_CALL:
		case NX_KIND_RETURN:
			rc = call_event(im, this_id, &ev);
			break;
		case NX_KIND_FILTER:
		case NX_KIND_LOSS:
			if (ev.kind == NX_KIND_FILTER)
				im->filtered[!!(ev.filter.probe & NX_FILTER_PROBE_SYSCALL)] +=
					ev.filter.count;
			if (unsure_drop(im, &ev) < 0)
				return nx_err_set(im->err, -ENOMEM, "out of memory");
			rc = kind_event(im, this_id, &ev);
			break;
		default:
			rc = kind_event(im, this_id, &ev);
			break;
		}
		if (rc < 0)
			return rc;
		if (o && o->on_progress && (id & 0xfffff) == 0)
			o->on_progress(o->ctx, "events", id, rs.events);
	}
	im->st->events = id;
	if (n < 0)
		return n;
	rc = flush_pending_calls(im);
	rc = rc ?: unsure_split(im);
	if (o && o->on_progress)
		o->on_progress(o->ctx, "events", id, id);
	return rc;
}

static void imp_release(struct imp *im)
{
	nx_colstore_free(im->sys);
	sqlite3_finalize(im->call_ins);
	for (unsigned k = 0; k <= NX_KIND_MAX_ID; k++)
		sqlite3_finalize(im->kt[k].ins);
	for (uint32_t i = 0; i < im->nprocs; i++)
		free(im->procs[i].filename);
	free(im->procs);
	free(im->threads);
	free(im->counts);
	free(im->psys);
	for (uint32_t i = 0; i < im->ncstacks; i++) {
		for (uint32_t k = 0; k < im->cstacks[i]->n; k++)
			free(im->cstacks[i]->c[k].data_copy);
		free(im->cstacks[i]);
	}
	free(im->cstacks);
	free(im->unsure.dropped);
	free(im->unsure.kind);
	free(im->unsure.functions);
	u32map_free(&im->pidmap);
	u32map_free(&im->tidmap);
	u32map_free(&im->nrmap);
	u32map_free(&im->psysmap);
	u32map_free(&im->cstackmap);
	/* idempotent: everything from the statements on is released */
	memset(&im->sys, 0, sizeof(*im) - offsetof(struct imp, sys));
}

int nx_sqlimport_build(struct nxr_reader *r, const struct stat *src, const char *db,
		       const struct nx_sqlimport_opts *opts, struct nx_sqlimport_stats *st,
		       struct nx_err *err)
{
	struct nx_sqlimport_stats local_st;
	struct nx_err local = { 0 };
	struct imp im = { 0 };
	char *tmp = NULL;
	double t0 = now_s(), ti;
	int fd = -1, rc;

	if (!st)
		st = &local_st;
	memset(st, 0, sizeof(*st));
	im.r = r;
	im.meta = nxr_reader_meta(r);
	im.err = err ? err : &local;
	im.st = st;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", db) < 0) {
		tmp = NULL;
		rc = nx_err_set(im.err, -ENOMEM, "out of memory");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);	/* 0600, O_EXCL: never an existing file */
	if (fd < 0) {
		rc = nx_err_set(im.err, -errno, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (sqlite3_open_v2(tmp, &im.db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = nx_err_set(im.err, -EIO, "%s: %s", tmp,
				im.db ? sqlite3_errmsg(im.db) : "cannot open");
		goto out;
	}
	if (nx_sqlvtab_register(im.db) != SQLITE_OK) {
		rc = db_err(&im, NX_SQLVTAB_MODULE);
		goto out;
	}
	rc = exec_sql(&im, "PRAGMA page_size=8192; PRAGMA journal_mode=OFF; "
			   "PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; "
			   "PRAGMA cache_size=-262144; PRAGMA threads=2; "
			   "BEGIN");
	rc = rc ?: create_tables(&im);
	rc = rc ?: prepare_all(&im);
	rc = rc ?: import_events(&im, opts);
	ti = now_s();
	if (rc == 0 && opts && opts->on_progress)
		opts->on_progress(opts->ctx, "indexes", 0, 1);
	rc = rc ?: flush_pending_sys(&im);	/* the last chunk, posting lists, patches */
	rc = rc ?: write_summaries(&im);
	rc = rc ?: write_meta(&im, src);
	rc = rc ?: create_indexes(&im);
	if (rc == 0 && opts && opts->on_progress)
		opts->on_progress(opts->ctx, "indexes", 1, 1);
	rc = rc ?: exec_sql(&im, "COMMIT");
	st->index_seconds = now_s() - ti;
	if (rc < 0)
		goto out;
	imp_release(&im);	/* statements finalized before the close */
	if (sqlite3_close(im.db) != SQLITE_OK) {
		rc = nx_err_set(im.err, -EIO, "%s: cannot close: %s", tmp, sqlite3_errmsg(im.db));
		goto out;
	}
	im.db = NULL;
	if (rename(tmp, db) < 0) {
		rc = nx_err_set(im.err, -errno, "%s: cannot replace: %s", db, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	st->seconds = now_s() - t0;
out:
	imp_release(&im);
	if (im.db)
		sqlite3_close_v2(im.db);
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}

/* ---- the cache check ---- */

static bool meta_is(sqlite3 *db, const char *key, const char *want)
{
	sqlite3_stmt *s = NULL;
	bool ok = false;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &s, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 0);

		ok = v && strcmp((const char *)v, want) == 0;
	}
	sqlite3_finalize(s);
	return ok;
}

static bool meta_is_u(sqlite3 *db, const char *key, uint64_t want)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, want);
	return meta_is(db, key, b);
}

int nx_sqlimport_cache_valid(const char *db, const struct stat *src)
{
	struct stat st;
	sqlite3 *h = NULL;
	bool ok;

	if (lstat(db, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		sqlite3_close_v2(h);
		return 0;
	}
	ok = meta_is_u(h, "schema_version", NX_SQLIMPORT_SCHEMA_VERSION) &&
	     meta_is_u(h, "source_size", (uint64_t)src->st_size) &&
	     meta_is_u(h, "source_mtime_ns", (uint64_t)src->st_mtim.tv_sec * 1000000000ull +
						 (uint64_t)src->st_mtim.tv_nsec) &&
	     meta_is_u(h, "source_ino", (uint64_t)src->st_ino) &&
	     meta_is_u(h, "source_dev", (uint64_t)src->st_dev) &&
	     meta_is(h, "import_complete", "1");
	sqlite3_close_v2(h);
	return ok ? 1 : 0;
}
