/*
 * tools/nexus-split.c: one file per (comm, pid) of a recording; the engine
 * and the naming rules are in analyze/split.h.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/json.h"
#include "analyze/split.h"
#include "format/reader.h"
#include "tools/tool.h"

struct args {
	const char *path;
	const char *dir;
	struct nx_split_opts o;
};

const char *argp_program_version = "nexus-split " NX_VERSION;
static const char doc[] =
	"Split a .nxr recording into one file per (comm, pid).\v"
	"Each file is DIR/<comm>:<pid>.log and holds the syscall numbers of that process, "
	"separated by spaces, in order, ending with a newline. The comm is the one the "
	"process had at each syscall: an exec that renames it starts a new file; before "
	"any exec or fork is seen the comm is \"?\". In file names every byte of the comm "
	"outside [A-Za-z0-9._-] (and a leading '.') is written %XX: \"ev/il\" gives "
	"ev%2Fil:42.log, \"?\" gives %3F:42.log.\n"
	"Files are created mode 0600 and never through a symlink; an existing file is an "
	"error unless -f. DIR (default: the current directory) is created if missing. "
	"Health, loss and filter events belong to no process and go to no file.\n"
	"Exit status: 0 ok, 1 runtime error, 2 bad usage.";

static const struct argp_option options[] = {
	{ "output", 'o', "DIR", 0, "write the files into DIR (created if missing)", 0 },
	{ "names", 'n', NULL, 0, "syscall names instead of numbers (log format)", 0 },
	{ "format", 'F', "FMT", 0, "log (default), jsonl (every event as JSON lines) or nxr "
				   "(a recording per process)", 0 },
	{ "force", 'f', NULL, 0, "replace existing output files", 0 },
	{ "max-open", 'm', "N", 0, "keep at most N files open (default 256)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	char *end;
	unsigned long v;

	switch (key) {
	case 'o':
		a->dir = arg;
		break;
	case 'n':
		a->o.names = true;
		break;
	case 'F':
		if (strcmp(arg, "log") == 0)
			a->o.format = NX_SPLIT_LOG;
		else if (strcmp(arg, "jsonl") == 0)
			a->o.format = NX_SPLIT_JSONL;
		else if (strcmp(arg, "nxr") == 0)
			a->o.format = NX_SPLIT_NXR;
		else
			argp_error(state, "--format: '%s' is not log, jsonl or nxr", arg);
		break;
	case 'f':
		a->o.force = true;
		break;
	case 'm':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || v < 1 || v > 65536)
			argp_error(state, "--max-open: '%s' is not a number from 1 to 65536", arg);
		a->o.max_open = (unsigned)v;
		a->o.nxr_batch = (unsigned)v;
		break;
	case ARGP_KEY_ARG:
		nx_tool_arg_recording(key, arg, state, &a->path);
		break;
	case ARGP_KEY_END:
		nx_tool_arg_recording(key, arg, state, &a->path);
		if (a->o.names && a->o.format != NX_SPLIT_LOG)
			argp_error(state, "--names applies to the log format only");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void on_pass(void *ctx, unsigned pass, unsigned passes)
{
	const char *prog = ctx;

	if (passes > 1 && isatty(STDERR_FILENO))
		fprintf(stderr, "\r%s: pass %u of %u", prog, pass, passes);
	if (passes > 1 && pass == passes && isatty(STDERR_FILENO))
		fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct args a = { .dir = "." };
	struct argp argp = { options, parse_opt, "RECORDING", doc, NULL, NULL, NULL };
	struct nx_tool tool = { .prog = "nexus-split" };
	struct nx_split_stats st;
	struct nxr_reader *r = NULL;
	struct nx_err err = { 0 };
	int dirfd = -1, rc = 1;

	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, &a);
	a.o.on_pass = on_pass;
	a.o.ctx = (void *)tool.prog;

	r = nx_tool_open(&tool, a.path, NULL);
	if (!r)
		goto out;
	if (mkdir(a.dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: cannot create: %s\n", tool.prog, a.dir, strerror(errno));
		goto out;
	}
	dirfd = open(a.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "%s: %s: %s\n", tool.prog, a.dir, strerror(errno));
		goto out;
	}
	if (nx_split_run(r, dirfd, a.dir, &a.o, &st, &err) < 0) {
		/* the message names the output file at fault */
		fprintf(stderr, "%s: %s\n", tool.prog, err.msg);
		goto out;
	}
	rc = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	nxr_reader_close(r);
	return rc;
}
