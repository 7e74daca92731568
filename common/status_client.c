// SPDX-License-Identifier: GPL-2.0-only
/* Reading nkhv's status document; see include/nkhv/status_client.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nkhv/status_client.h>

#define STATUS_MAX (16u << 20)

json_t *nkhv_status_fetch(const char *run_dir, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 0;
	char *buf = NULL;
	json_error_t jerr;
	json_t *doc = NULL;
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nkhv.sock", run_dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "run dir path too long: %s", run_dir);
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "no nkhv serves %s: %s", run_dir,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			char *nb = cap >= STATUS_MAX ?
					   NULL :
					   realloc(buf, cap + 65536);

			if (!nb) {
				snprintf(err, errlen,
					 "status document too large");
				goto out;
			}
			buf = nb;
			cap += 65536;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "reading status: %s",
				 strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	doc = json_loadb(buf, len, 0, &jerr);
	if (!doc)
		snprintf(err, errlen, "status document: line %d: %s", jerr.line,
			 jerr.text);
out:
	close(fd);
	free(buf);
	return doc;
}
