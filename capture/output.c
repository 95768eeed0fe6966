/*
 * capture/output.c: where a recording is created, and how.
 *
 * nexus-record runs as root, so the file is created the way that cannot be
 * turned against the system: O_CREAT | O_EXCL | O_NOFOLLOW (never through a
 * symlink someone planted, never over an existing file unless -f, and then
 * only after unlinking a regular file), mode 0600, owned by the invoking
 * user so that the user can read their recording and nobody else can.
 *
 * With opts->chown every file-system step (lstat, unlink, mkdir, open) runs
 * with the invoking user's file-system ids (setfsuid/setfsgid, per thread):
 * root's rights are never lent to the path the user chose, so `-o
 * /etc/x` or a LogsDir under a folder the user cannot write is refused as it
 * would be for the user. The folder is synced so the new name survives a
 * power loss.
 */
#include "capture/output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* File-system ids of the thread before fs_as_user, for fs_restore. */
struct fs_ids {
	uid_t uid;
	gid_t gid;
	bool changed;
};

/*
 * Takes the invoking user's file-system ids when o->chown. setfsuid reports
 * no error, so a second call reads back what is in force: a refused switch
 * is -EPERM, never a silent create as root.
 */
static int fs_as_user(const struct nx_output_opts *o, struct fs_ids *saved, struct nx_err *err)
{
	saved->changed = false;
	if (!o->chown)
		return 0;
	saved->gid = setfsgid(o->gid);
	saved->uid = setfsuid(o->uid);
	saved->changed = true;
	if ((uid_t)setfsuid(o->uid) != o->uid || (gid_t)setfsgid(o->gid) != o->gid)
		return nx_err_set(err, -EPERM, "cannot take the file-system ids of uid %u gid %u",
				  (unsigned)o->uid, (unsigned)o->gid);
	return 0;
}

static void fs_restore(const struct fs_ids *saved)
{
	if (!saved->changed)
		return;
	setfsuid(saved->uid);
	setfsgid(saved->gid);
}

static int output_create(const char *path, const struct nx_output_opts *o, struct nx_err *err)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return nx_err_set(err, -ELOOP, "%s: is a symbolic link, refusing to write "
					  "through it", path);
		if (!o->force)
			return nx_err_set(err, -EEXIST, "%s: exists (use -f to replace it)", path);
		if (!S_ISREG(st.st_mode))
			return nx_err_set(err, -EEXIST, "%s: exists and is not a regular file", path);
		if (unlink(path) < 0)
			return nx_err_set(err, -errno, "%s: cannot replace it: %s", path,
					  strerror(errno));
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		if (e == ELOOP)
			return nx_err_set(err, -e, "%s: is a symbolic link, refusing to write "
					  "through it", path);
		if (e == EEXIST)
			return nx_err_set(err, -e, "%s: exists (use -f to replace it)", path);
		return nx_err_set(err, -e, "%s: cannot create it: %s", path, strerror(e));
	}
	if (o->chown && fchown(fd, o->uid, o->gid) < 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return nx_err_set(err, -e, "%s: cannot hand it to uid %u: %s", path,
				  (unsigned)o->uid, strerror(e));
	}
	if (fchmod(fd, 0600) < 0) {	/* the umask only ever removes bits, but be exact */
		int e = errno;

		close(fd);
		unlink(path);
		return nx_err_set(err, -e, "%s: cannot set its mode: %s", path, strerror(e));
	}
	sync_dir_of(path);
	return fd;
}

int nx_output_create(const char *path, const struct nx_output_opts *opts, struct nx_err *err)
{
	static const struct nx_output_opts none = { 0 };
	struct fs_ids saved;
	int rc;

	if (!opts)
		opts = &none;
	rc = fs_as_user(opts, &saved, err);
	if (rc == 0)
		rc = output_create(path, opts, err);
	fs_restore(&saved);
	return rc;
}

static int mkdirs(const char *dir, const struct nx_output_opts *o, struct nx_err *err)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return nx_err_set(err, -EINVAL, "LogsDir %s: empty or too long", dir);
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0750) == 0) {
			if (o->chown && fchownat(AT_FDCWD, buf, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0)
				return nx_err_set(err, -errno, "%s: cannot hand it to uid %u: %s",
						  buf, (unsigned)o->uid, strerror(errno));
		} else if (errno != EEXIST) {
			return nx_err_set(err, -errno, "%s: cannot create it: %s", buf,
					  strerror(errno));
		}
		*p = c;
		if (!c)
			break;
	}
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return nx_err_set(err, -ENOTDIR, "LogsDir %s: not a folder", dir);
	return 0;
}

int nx_output_create_in(const char *logs_dir, const struct nx_output_opts *o, char **path_out,
			struct nx_err *err)
{
	char stamp[32], path[PATH_MAX];
	struct fs_ids saved;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	*path_out = NULL;
	if (!o)
		o = &(struct nx_output_opts){ 0 };
	rc = fs_as_user(o, &saved, err);
	if (rc == 0)
		rc = mkdirs(logs_dir, o, err);
	fs_restore(&saved);
	if (rc < 0)
		return rc;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 0; i < 100; i++) {
		if (i)
			rc = snprintf(path, sizeof(path), "%s/run-%s-%d.nxr", logs_dir, stamp, i);
		else
			rc = snprintf(path, sizeof(path), "%s/run-%s.nxr", logs_dir, stamp);
		if (rc < 0 || (size_t)rc >= sizeof(path))
			return nx_err_set(err, -ENAMETOOLONG, "LogsDir %s: path too long", logs_dir);
		struct nx_output_opts oo = *o;

		oo.force = false;
		rc = nx_output_create(path, &oo, err);
		if (rc != -EEXIST)
			break;
	}
	if (rc >= 0) {
		*path_out = strdup(path);
		if (!*path_out) {
			close(rc);
			return nx_err_set(err, -ENOMEM, "out of memory");
		}
	}
	return rc;
}

/* A file written whole or not at all: a partial one would pass for the real thing. */
int nx_output_write_file(const char *path, const char *text, size_t len,
			  const struct nx_output_opts *opts, struct nx_err *err)
{
	int fd, rc = 0;

	fd = nx_output_create(path, opts, err);
	if (fd < 0)
		return fd;
	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = nx_err_set(err, n < 0 ? -errno : -EIO, "%s: cannot write it: %s", path,
					n < 0 ? strerror(errno) : "short write");
			break;
		}
		text += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
		rc = nx_err_set(err, -errno, "%s: cannot write it: %s", path, strerror(errno));
	if (close(fd) < 0 && rc == 0 && errno != EINTR)
		rc = nx_err_set(err, -errno, "%s: cannot write it: %s", path, strerror(errno));
	if (rc < 0)
		unlink(path);
	return rc;
}
