/*
 * tests/fuzz/replay.c: runs a fuzz target over every file of a folder, so
 * that the corpus and every crasher found so far are replayed by `make test`
 * without libFuzzer (zstd's regression driver does the same). Linked with
 * one tests/fuzz/fuzz_*.c; usage: replay_<target> DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(len ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			rc = 0;
		}
	}
	free(buf);
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "replay";
	struct dirent **names;
	int n, files = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", prog);
		return 2;
	}
	n = scandir(argv[1], &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (run_file(path) < 0) {
				fprintf(stderr, "%s: %s: cannot read\n", prog, path);
				return 1;
			}
			files++;
		}
		free(names[i]);
	}
	free(names);
	if (files == 0) {
		fprintf(stderr, "%s: %s: no corpus files\n", prog, argv[1]);
		return 1;
	}
	printf("%s: %d files replayed\n", prog, files);
	return 0;
}
