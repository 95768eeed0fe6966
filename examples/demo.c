/*
 * examples/demo.c: a small program for `sudo make demo` to record.
 *
 * Does some file work (a scratch folder under /tmp: write N files, read
 * them back, rename, stat, delete) and some process work (a child that runs
 * /bin/ls on the folder, and a second thread), so the recording has
 * syscalls, exec, fork and exit events to look at. Each file's text goes
 * through demo_checksum(), the function examples/demo.yaml hooks with a
 * uprobe and a uretprobe, so the recording has calls, returns and triggers
 * too. Prints one line.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Hooked by the demo config: arg1 the file name, arg2 its length, the return
 * value a checksum. noinline and not static, so its symbol stays. */
__attribute__((noinline)) long demo_checksum(const char *name, long len, const char *text)
{
	long sum = 0;

	for (long i = 0; i < len; i++)
		sum = sum * 31 + (unsigned char)text[i];
	return sum ^ (long)strlen(name);
}

static void *counter(void *arg)
{
	long *n = arg;

	for (int i = 0; i < 1000; i++)
		*n += getppid() > 0;
	return NULL;
}

int main(int argc, char **argv)
{
	int nfiles = argc > 1 ? atoi(argv[1]) : 20;
	char dir[] = "/tmp/nexus-demo.XXXXXX", path[512], to[512], buf[256];
	long bytes = 0, calls = 0, sums = 0;
	pthread_t th;
	struct stat st;
	pid_t pid;
	int status;

	if (nfiles < 1 || nfiles > 10000 || !mkdtemp(dir)) {
		perror("demo");
		return 1;
	}
	pthread_create(&th, NULL, counter, &calls);
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/file-%03d.txt", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0)
			continue;
		int n = snprintf(buf, sizeof(buf), "demo file %d of %d\n", i, nfiles);

		bytes += write(fd, buf, n) == n ? n : 0;
		sums ^= demo_checksum(path, n, buf);
		close(fd);
	}
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/file-%03d.txt", dir, i);
		snprintf(to, sizeof(to), "%s/renamed-%03d.txt", dir, i);
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		rename(path, to);
		stat(to, &st);
	}
	pid = fork();
	if (pid == 0) {
		execl("/bin/ls", "ls", "-d", dir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	for (int i = 0; i < nfiles; i++) {
		snprintf(to, sizeof(to), "%s/renamed-%03d.txt", dir, i);
		unlink(to);
	}
	rmdir(dir);
	pthread_join(th, NULL);
	printf("demo: wrote %ld bytes in %d files (checksum %lx), ls exited %d, %ld getppid calls\n",
	       bytes, nfiles, (unsigned long)sums, WIFEXITED(status) ? WEXITSTATUS(status) : -1, calls);
	return 0;
}
