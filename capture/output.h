#ifndef NX_CAPTURE_OUTPUT_H	/* capture/output.h: create the recording file safely */
#define NX_CAPTURE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "format/err.h"

struct nx_output_opts {
	bool force;		/* replace an existing file (never a symlink) */
	bool chown;		/* hand the file (and folders we create) to uid:gid */
	uid_t uid;
	gid_t gid;
};

/*
 * Creates path with mode 0600, O_EXCL | O_NOFOLLOW | O_CLOEXEC, owned by
 * uid:gid when opts->chown, and syncs its folder. A symlink at path is
 * refused (-ELOOP), an existing file too (-EEXIST) unless opts->force.
 * Returns the fd or a negative errno with "path: what" in err.
 */
int nx_output_create(const char *path, const struct nx_output_opts *opts, struct nx_err *err);

/*
 * Creates path as nx_output_create() does and writes len bytes of text to it
 * (then fsync). On a write error the partial file is removed. Returns 0 or a
 * negative errno with "path: cannot write it: why" in err.
 */
int nx_output_write_file(const char *path, const char *text, size_t len,
			 const struct nx_output_opts *opts, struct nx_err *err);

/*
 * Creates logs_dir (and its parents, mode 0750, handed to uid:gid as above)
 * and a new file logs_dir/run-<UTC time>.nxr in it (run-<time>-N.nxr when
 * taken). *path_out receives the path (malloc'd, the caller frees it).
 */
int nx_output_create_in(const char *logs_dir, const struct nx_output_opts *opts, char **path_out,
			struct nx_err *err);

#endif
