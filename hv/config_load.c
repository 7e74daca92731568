// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading a system description from a file: a .dtb is read as is, a .dts
 * is compiled with dtc into a temporary blob first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nkhv/config.h>

#define MAX_BLOB (16u << 20)

static int fail(struct nkhv_config_error *err, const char *rule,
		const char *path, const char *what)
{
	snprintf(err->path, sizeof(err->path), "/");
	snprintf(err->rule, sizeof(err->rule), "%s", rule);
	snprintf(err->message, sizeof(err->message), "%s: %s", path, what);
	return -1;
}

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= MAX_BLOB &&
	    (buf = malloc((size_t)st.st_size))) {
		n = read(fd, buf, (size_t)st.st_size);
		if (n != st.st_size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)st.st_size;
	} else if (fstat(fd, &st) == 0 &&
		   (st.st_size == 0 || st.st_size > MAX_BLOB)) {
		errno = EFBIG;
	}
	close(fd);
	return buf;
}

static bool is_source(const char *path, const void *buf, size_t len)
{
	size_t n = strlen(path);

	return (n > 4 && !strcmp(path + n - 4, ".dts")) ||
	       (len >= 8 && !memcmp(buf, "/dts-v1/", 8));
}

/* Run dtc on `src` into `out`; its stderr goes into err on failure. */
static int run_dtc(const char *src, const char *out,
		   struct nkhv_config_error *err)
{
	char log[] = "/tmp/nkhv-dtc-XXXXXX";
	int lfd = mkstemp(log), st;
	pid_t pid;
	ssize_t n;

	if (lfd < 0)
		return fail(err, "dtc", src, strerror(errno));
	pid = fork();
	if (pid == 0) {
		dup2(lfd, 2);
		dup2(lfd, 1);
		execlp("dtc", "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out,
		       src, (char *)NULL);
		dprintf(lfd,
			"cannot run dtc (install device-tree-compiler): %s",
			strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		char msg[400] = "dtc failed";

		lseek(lfd, 0, SEEK_SET);
		n = read(lfd, msg, sizeof(msg) - 1);
		if (n > 0) {
			msg[n] = 0;
			msg[strcspn(msg, "\n")] = 0;
		}
		close(lfd);
		unlink(log);
		return fail(err, "dtc", src, msg);
	}
	close(lfd);
	unlink(log);
	return 0;
}

int nkhv_config_load(const char *path, struct nkhv_system *sys,
		     struct nkhv_config_error *err)
{
	char tmp[] = "/tmp/nkhv-dtb-XXXXXX";
	size_t len = 0;
	void *buf = read_file(path, &len);
	int rc, tfd;

	memset(err, 0, sizeof(*err));
	if (!buf)
		return fail(err, "file", path, strerror(errno));
	if (is_source(path, buf, len)) {
		free(buf);
		tfd = mkstemp(tmp);
		if (tfd < 0)
			return fail(err, "file", tmp, strerror(errno));
		close(tfd);
		rc = run_dtc(path, tmp, err);
		buf = rc ? NULL : read_file(tmp, &len);
		unlink(tmp);
		if (rc)
			return -1;
		if (!buf)
			return fail(err, "dtc", path, "dtc produced no blob");
	}
	rc = nkhv_config_parse(buf, len, sys, err);
	free(buf);
	return rc;
}
