/*
 * tools/nexus-query.c: SQL over a recording. The recording is imported into
 * a SQLite cache beside it (analyze/sqlimport.h: schema, staleness rules),
 * then the user's SQL runs on a read-only connection that cannot attach or
 * write anything.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/json.h"
#include "analyze/sqlimport.h"
#include "analyze/sqlvtab.h"
#include "format/reader.h"
#include "tools/tool.h"

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

struct args {
	const char *path;
	const char *sql;
	const char *db;
	enum fmt fmt;
	bool schema, rebuild, quiet;
};

const char *argp_program_version = "nexus-query " NX_VERSION;
static const char doc[] =
	"Run SQL over a .nxr recording.\v"
	"The recording is imported into SQLite once, cached as RECORDING.sqlite (or --db), "
	"and rebuilt when the recording changed (size, mtime, inode) or the cache is not "
	"ours. The SQL runs read-only. Without SQL, on a terminal, the sqlite3 shell opens "
	"on the cache. --schema prints the tables. Example:\n"
	"  nexus-query run.nxr \"SELECT name, count(*) FROM syscalls GROUP BY name "
	"ORDER BY 2 DESC LIMIT 5\"\n"
	"Exit status: 0 ok, 1 runtime or SQL error, 2 bad usage.";

static const struct argp_option options[] = {
	{ "db", 'd', "FILE", 0, "the SQLite cache (default: RECORDING.sqlite)", 0 },
	{ "format", 'f', "FMT", 0, "table (default), csv or json", 0 },
	{ "schema", 's', NULL, 0, "print the schema and exit", 0 },
	{ "rebuild", 'r', NULL, 0, "import again even if the cache is current", 0 },
	{ "quiet", 'q', NULL, 0, "no progress", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'd':
		a->db = arg;
		break;
	case 'f':
		if (strcmp(arg, "table") == 0)
			a->fmt = FMT_TABLE;
		else if (strcmp(arg, "csv") == 0)
			a->fmt = FMT_CSV;
		else if (strcmp(arg, "json") == 0)
			a->fmt = FMT_JSON;
		else
			argp_error(state, "--format: '%s' is not table, csv or json", arg);
		break;
	case 's':
		a->schema = true;
		break;
	case 'r':
		a->rebuild = true;
		break;
	case 'q':
		a->quiet = true;
		break;
	case ARGP_KEY_ARG:
		if (!a->path)
			a->path = arg;
		else if (!a->sql)
			a->sql = arg;
		else
			argp_error(state, "one recording and one SQL text");
		break;
	case ARGP_KEY_END:
		if (!a->path && !a->schema)
			argp_error(state, "no recording given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void on_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	const char *prog = ctx;

	if (strcmp(phase, "indexes") == 0) {
		fprintf(stderr, done ? "done\n" : "%s: building indexes... ", prog);
		return;
	}
	if (total)
		fprintf(stderr, "\r%s: importing events %3u%%", prog,
			(unsigned)(done >= total ? 100 : done * 100 / total));
	if (done >= total)
		fputc('\n', stderr);
}

/* The user's SQL may read; it may not attach files or flip the read-only switches. */
static int authorize(void *ctx, int action, const char *a1, const char *a2, const char *a3,
		     const char *a4)
{
	(void)ctx;
	(void)a2;
	(void)a3;
	(void)a4;
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	case SQLITE_PRAGMA:
		if (a1 && (strcasecmp(a1, "query_only") == 0 ||
			   strcasecmp(a1, "writable_schema") == 0))
			return SQLITE_DENY;
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* ---- output ---- */

static void put_cell_text(struct nx_json_buf *b, sqlite3_stmt *s, int c, enum fmt f)
{
	int t = sqlite3_column_type(s, c);

	if (f == FMT_JSON) {
		switch (t) {
		case SQLITE_NULL:
			nx_json_puts(b, "null");
			return;
		case SQLITE_INTEGER:
			nx_json_s64(b, sqlite3_column_int64(s, c));
			return;
		case SQLITE_FLOAT:
			nx_json_printf(b, "%.17g", sqlite3_column_double(s, c));
			return;
		case SQLITE_BLOB: {
			const unsigned char *p = sqlite3_column_blob(s, c);
			int n = sqlite3_column_bytes(s, c);

			nx_json_putc(b, '"');
			for (int i = 0; i < n; i++)
				nx_json_printf(b, "%02x", p[i]);
			nx_json_putc(b, '"');
			return;
		}
		default:
			nx_json_str(b, (const char *)sqlite3_column_text(s, c),
				    (size_t)sqlite3_column_bytes(s, c));
			return;
		}
	}
	if (t == SQLITE_NULL) {
		if (f == FMT_TABLE)
			nx_json_puts(b, "NULL");
		return;
	}
	{
		const char *p = (const char *)sqlite3_column_text(s, c);
		size_t n = (size_t)sqlite3_column_bytes(s, c);

		if (f == FMT_TABLE) {
			nx_json_cesc(b, p ? p : "", n);
		} else if (p && strpbrk(p, ",\"\r\n") != NULL) {
			nx_json_putc(b, '"');
			for (size_t i = 0; i < n; i++) {
				if (p[i] == '"')
					nx_json_putc(b, '"');
				nx_json_putc(b, p[i]);
			}
			nx_json_putc(b, '"');
		} else if (p) {
			nx_json_put(b, p, n);
		}
	}
}

#define TABLE_SAMPLE 1000

struct table {
	int ncols;
	size_t *width;
	bool *right;
	char **cells;		/* sampled rows, ncols each, NUL-terminated */
	size_t nrows, cap;
};

static void table_line(struct nx_json_buf *out, const struct table *t, char *const *cells)
{
	for (int c = 0; c < t->ncols; c++) {
		size_t n = strlen(cells[c]), pad = t->width[c] > n ? t->width[c] - n : 0;

		if (c)
			nx_json_put(out, "  ", 2);
		if (t->right[c])
			for (size_t k = 0; k < pad; k++)
				nx_json_putc(out, ' ');
		nx_json_put(out, cells[c], n);
		if (!t->right[c] && c + 1 < t->ncols)
			for (size_t k = 0; k < pad; k++)
				nx_json_putc(out, ' ');
	}
	nx_json_putc(out, '\n');
}

static char *cell_dup(sqlite3_stmt *s, int c)
{
	struct nx_json_buf b = { 0 };
	char *r;

	put_cell_text(&b, s, c, FMT_TABLE);
	r = strdup(nx_json_cstr(&b));
	nx_json_release(&b);
	return r;
}

/* Runs one prepared statement and prints its rows; SQLite's rc. */
static int run_stmt(sqlite3_stmt *s, enum fmt f, bool *first_set, struct nx_json_buf *out)
{
	int ncols = sqlite3_column_count(s), rc;
	struct table t = { .ncols = ncols };
	bool header_done = false;
	uint64_t rows = 0;

	if (ncols == 0) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		return rc;
	}
	if (f == FMT_TABLE) {
		t.width = calloc((size_t)ncols, sizeof(size_t));
		t.right = calloc((size_t)ncols, sizeof(bool));
		if (!t.width || !t.right) {
			free(t.width);
			free(t.right);
			return SQLITE_NOMEM;
		}
		for (int c = 0; c < ncols; c++)
			t.width[c] = strlen(sqlite3_column_name(s, c));
	}
	if (!*first_set && f == FMT_TABLE)
		nx_json_putc(out, '\n');
	if (f == FMT_CSV) {
		for (int c = 0; c < ncols; c++) {
			if (c)
				nx_json_putc(out, ',');
			nx_json_puts(out, sqlite3_column_name(s, c));
		}
		nx_json_putc(out, '\n');
	}
	if (f == FMT_JSON)
		nx_json_puts(out, *first_set ? "[" : "\n[");	/* an array per statement */
	*first_set = false;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (f == FMT_JSON) {
			nx_json_puts(out, rows ? ",\n{" : "\n{");
			for (int c = 0; c < ncols; c++) {
				const char *nm = sqlite3_column_name(s, c);

				if (c)
					nx_json_putc(out, ',');
				nx_json_str(out, nm, strlen(nm));
				nx_json_putc(out, ':');
				put_cell_text(out, s, c, f);
			}
			nx_json_putc(out, '}');
		} else if (f == FMT_CSV) {
			for (int c = 0; c < ncols; c++) {
				if (c)
					nx_json_putc(out, ',');
				put_cell_text(out, s, c, f);
			}
			nx_json_putc(out, '\n');
		} else if (t.nrows < TABLE_SAMPLE) {
			char **row;

			if (t.nrows == t.cap) {
				size_t cap = t.cap ? t.cap * 2 : 64;
				char **n = realloc(t.cells, cap * (size_t)ncols * sizeof(char *));

				if (!n) {
					rc = SQLITE_NOMEM;
					break;
				}
				t.cells = n;
				t.cap = cap;
			}
			row = &t.cells[t.nrows * (size_t)ncols];
			for (int c = 0; c < ncols; c++) {
				int ty = sqlite3_column_type(s, c);

				row[c] = cell_dup(s, c);
				if (!row[c])
					row[c] = strdup("");
				if (row[c] && strlen(row[c]) > t.width[c])
					t.width[c] = strlen(row[c]);
				if (t.nrows == 0 || ty == SQLITE_INTEGER || ty == SQLITE_FLOAT)
					t.right[c] = (t.nrows == 0 || t.right[c]) &&
						     (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT);
			}
			t.nrows++;
		} else {
			/* past the sample: widths are fixed, rows stream */
			char *cells[256];
			int n = ncols < 256 ? ncols : 256;

			if (!header_done) {
				char **names = calloc((size_t)ncols, sizeof(char *));

				for (int c = 0; names && c < ncols; c++)
					names[c] = (char *)sqlite3_column_name(s, c);
				if (names)
					table_line(out, &t, names);
				free(names);
				for (size_t r = 0; r < t.nrows; r++)
					table_line(out, &t, &t.cells[r * (size_t)ncols]);
				header_done = true;
			}
			for (int c = 0; c < n; c++)
				cells[c] = cell_dup(s, c);
			t.ncols = n;
			table_line(out, &t, cells);
			t.ncols = ncols;
			for (int c = 0; c < n; c++)
				free(cells[c]);
		}
		rows++;
		if (out->len > (64u << 10)) {
			if (fwrite(out->p, 1, out->len, stdout) != out->len)
				break;
			out->len = 0;
		}
	}
	if (f == FMT_TABLE && !header_done) {
		char **names = calloc((size_t)ncols, sizeof(char *));

		for (int c = 0; names && c < ncols; c++)
			names[c] = (char *)sqlite3_column_name(s, c);
		if (names)
			table_line(out, &t, names);
		free(names);
		for (size_t r = 0; r < t.nrows; r++)
			table_line(out, &t, &t.cells[r * (size_t)ncols]);
	}
	if (f == FMT_JSON)
		nx_json_puts(out, rows ? "\n]" : "]");
	for (size_t i = 0; i < t.nrows * (size_t)ncols; i++)
		free(t.cells[i]);
	free(t.cells);
	free(t.width);
	free(t.right);
	return rc;
}

static int run_sql(const char *prog, const char *db, const char *sql, enum fmt f)
{
	struct nx_json_buf out = { 0 };
	sqlite3 *h = NULL;
	const char *tail = sql;
	bool first = true;
	int rc = 1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, db, h ? sqlite3_errmsg(h) : "cannot open");
		goto out;
	}
	sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 0);
	if (nx_sqlvtab_register(h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, db, sqlite3_errmsg(h));
		goto out;
	}
	sqlite3_set_authorizer(h, authorize, NULL);
	while (tail && *tail) {
		sqlite3_stmt *s = NULL;
		const char *next = NULL;
		int k;

		if (sqlite3_prepare_v2(h, tail, -1, &s, &next) != SQLITE_OK) {
			fprintf(stderr, "%s: SQL error: %s\n", prog, sqlite3_errmsg(h));
			goto out;
		}
		tail = next;
		if (!s)		/* whitespace or a comment */
			continue;
		k = run_stmt(s, f, &first, &out);
		sqlite3_finalize(s);
		if (k != SQLITE_DONE) {
			nx_tool_flush(stdout, &out);
			fprintf(stderr, "%s: SQL error: %s\n", prog,
				k == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(h));
			goto out;
		}
	}
	if (f == FMT_JSON && !first)
		nx_json_putc(&out, '\n');
	if (out.oom) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	if (nx_tool_flush(stdout, &out) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	nx_json_release(&out);
	sqlite3_close_v2(h);
	return rc;
}

/*
 * The sqlite3 shell needs nx_columns.so for syscall_rows: in lib/nexus beside
 * the folder of this binary (installed: PREFIX/bin and PREFIX/lib/nexus) or
 * inside it (the build tree: build/ and build/lib/nexus). A ".load" command
 * for the shell into buf, or NULL when it is not there.
 */
static const char *shell_load_cmd(char *buf, size_t len)
{
	static const char *const rel[] = { "/../lib/nexus/nx_columns.so",
					   "/lib/nexus/nx_columns.so" };
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s%s", exe, rel[i]);
		if (access(path, R_OK) == 0 && !strchr(path, '\'') &&
		    (size_t)snprintf(buf, len, ".load '%s'", path) < len)
			return buf;
	}
	return NULL;
}

/*
 * A cache is only ever replaced when it is one: an existing file that is not
 * an SQLite database (a typo in --db, the recording itself) is left alone.
 */
static int check_replaceable(const struct nx_tool *t, const char *db, const struct stat *src)
{
	char magic[16];
	struct stat st;
	ssize_t n;
	int fd;

	if (lstat(db, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode))
		return 0;	/* replaced by the rename, never followed */
	if (st.st_dev == src->st_dev && st.st_ino == src->st_ino) {
		fprintf(stderr, "%s: %s: is the recording itself, not a cache\n", t->prog, db);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file, not replaced\n", t->prog, db);
		return -1;
	}
	if (st.st_size == 0)
		return 0;
	fd = open(db, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	n = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;
	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)sizeof(magic) && memcmp(magic, "SQLite format 3", 16) == 0)
		return 0;
	if (fd < 0 && st.st_uid != geteuid())
		return 0;	/* someone else's unreadable file: the rename replaces it */
	fprintf(stderr, "%s: %s: exists and is not an SQLite database, not replaced\n", t->prog,
		db);
	return -1;
}

/* A cache made from a damaged recording says so again each time it is used. */
static void warn_cached_damage(const struct nx_tool *t, const char *path, const char *db)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT (SELECT value FROM meta WHERE key='damaged_segments'),"
				  "(SELECT value FROM meta WHERE key='closed_cleanly')", -1, &s,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		long long damaged = sqlite3_column_int64(s, 0);
		int closed = sqlite3_column_int(s, 1);

		if (damaged || !closed)
			fprintf(stderr, "%s: warning: %s: %lld damaged segment(s) skipped%s when "
				"imported; results cover what was readable\n", t->prog, path,
				damaged,
				closed ? "" : ", not closed cleanly");
	}
	sqlite3_finalize(s);
	sqlite3_close_v2(h);
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct argp argp = { options, parse_opt, "RECORDING [SQL]", doc, NULL, NULL, NULL };
	struct nx_tool tool = { .prog = "nexus-query" };
	struct nx_sqlimport_opts io = { 0 };
	struct nx_sqlimport_stats ist;
	struct nxr_reader *r = NULL;
	struct nx_err err = { 0 };
	struct stat src;
	char *dbpath = NULL;
	int rc = 1;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	if (a.schema) {
		fputs(nx_sqlimport_schema(), stdout);
		return fflush(stdout) == EOF ? 1 : 0;
	}
	if (!a.sql && !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
		fprintf(stderr, "%s: no SQL given (the sqlite3 shell opens only on a terminal)\n",
			tool.prog);
		return 2;
	}
	if (stat(a.path, &src) < 0) {
		fprintf(stderr, "%s: %s: %s\n", tool.prog, a.path, strerror(errno));
		return 1;
	}
	if (a.db) {
		dbpath = strdup(a.db);
	} else if (asprintf(&dbpath, "%s.sqlite", a.path) < 0) {
		dbpath = NULL;
	}
	if (!dbpath) {
		fprintf(stderr, "%s: out of memory\n", tool.prog);
		return 1;
	}
	if (a.rebuild || !nx_sqlimport_cache_valid(dbpath, &src)) {
		if (check_replaceable(&tool, dbpath, &src) < 0)
			goto out;
		r = nx_tool_open(&tool, a.path, NULL);
		if (!r)
			goto out;
		if (!a.quiet && isatty(STDERR_FILENO)) {
			io.on_progress = on_progress;
			io.ctx = (void *)tool.prog;
		}
		if (nx_sqlimport_build(r, &src, dbpath, &io, &ist, &err) < 0) {
			nx_tool_error(&tool, a.path, &err);
			goto out;
		}
		nxr_reader_close(r);
		r = NULL;
	} else {
		warn_cached_damage(&tool, a.path, dbpath);
	}
	if (!a.sql) {
		char load[4300];

		if (shell_load_cmd(load, sizeof(load))) {
			execlp("sqlite3", "sqlite3", "-readonly", "-cmd", load, dbpath,
			       (char *)NULL);
		} else {
			fprintf(stderr, "%s: warning: nx_columns.so not found beside %s: the shell "
				"cannot read syscall_rows and its views\n", tool.prog, tool.prog);
			execlp("sqlite3", "sqlite3", "-readonly", dbpath, (char *)NULL);
		}
		fprintf(stderr, "%s: sqlite3 shell: %s (give SQL as the second argument)\n",
			tool.prog, strerror(errno));
		goto out;
	}
	rc = run_sql(tool.prog, dbpath, a.sql, a.fmt);
out:
	nxr_reader_close(r);
	free(dbpath);
	return rc;
}
