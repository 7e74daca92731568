// SPDX-License-Identifier: GPL-2.0-only
/*
 * edwrite: write records into an Earlydata producer device of the kernel
 * driver (/dev/earlydata/<channel>, include/earlydata/ed_chardev.h), one
 * write() per record. Static, for the test VMs' initramfs.
 *
 * edwrite [--count N] [--rate HZ] [--flip-type] CHANNEL|DEVICE
 *
 * With --count: N generated records, the self-checking payloads of
 * `earlydata produce --generate` ({"ch":..,"n":K,"fill":..}, K from 0),
 * at most HZ a second with --rate. Without: one record per line of
 * standard input (without its newline). Stops early on SIGTERM or SIGINT
 * (after the write under way) and prints "edwrite: CHANNEL: N records"
 * on standard error.
 *
 * With --flip-type, a child process shares the open file and sets the
 * record type (ED_CHR_IOC_SET_TYPE) to 1 and 2 in turn as fast as it can
 * while the records are written: the driver's write() reads the type
 * that ioctl() sets from another CPU (tests/vm/test_vm.sh typerace, where
 * KCSAN must find no data race).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <earlydata/ed_chardev.h>
#include <earlydata/ed_generate.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Write one record; 0, or -1 with a message (or when stopped). */
static int put(int fd, const char *path, const char *buf, size_t len)
{
	ssize_t w;

	do
		w = write(fd, buf, len);
	while (w < 0 && errno == EINTR && !stop);
	if (w == (ssize_t)len)
		return 0;
	if (w < 0 && errno == EINTR)
		return -1;
	if (w < 0 && errno == ENOLINK)
		fprintf(stderr,
			"edwrite: %s: nkhv is gone (the hypervisor's heartbeat stopped); nothing reaches the consumer any more\n",
			path);
	else if (w < 0)
		fprintf(stderr, "edwrite: write %s: %s\n", path,
			strerror(errno));
	else
		fprintf(stderr, "edwrite: write %s: %zd of %zu bytes\n", path,
			w, len);
	return -1;
}

/* Sleep until `t` + k / hz seconds (CLOCK_MONOTONIC). */
static void pace(const struct timespec *t0, long k, long hz)
{
	struct timespec t = *t0;
	long long ns = (long long)k * 1000000000ll / hz;

	t.tv_sec += (time_t)(ns / 1000000000ll);
	t.tv_nsec += (long)(ns % 1000000000ll);
	if (t.tv_nsec >= 1000000000l) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000l;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
		       EINTR &&
	       !stop)
		;
}

/*
 * Fork the child of --flip-type: it sets the type of `fd`'s records to 1
 * and 2 in turn until its parent is gone or stops it. Its pid, or -1.
 */
static pid_t flip_types(int fd, const char *path)
{
	pid_t pid = fork();
	unsigned int type = 1;

	if (pid != 0) {
		if (pid < 0)
			fprintf(stderr, "edwrite: fork: %s\n", strerror(errno));
		return pid;
	}
	while (!stop && getppid() != 1) {
		if (ioctl(fd, ED_CHR_IOC_SET_TYPE, &type) < 0) {
			fprintf(stderr, "edwrite: %s: set type %u: %s\n", path,
				type, strerror(errno));
			_exit(1);
		}
		type = 3 - type;
	}
	_exit(0);
}

static long number(const char *opt, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v <= 0) {
		fprintf(stderr,
			"edwrite: %s wants a positive number, not '%s'\n", opt,
			s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, 0, 'c' },
		{ "rate", required_argument, 0, 'r' },
		{ "flip-type", no_argument, 0, 'f' },
		{ 0, 0, 0, 0 }
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct ed_chr_info info;
	struct timespec t0;
	char path[128], buf[512], *line = NULL;
	long count = 0, rate = 0, done = 0;
	size_t cap = 0;
	ssize_t len;
	int c, fd, err = 0, flip = 0, status;
	pid_t flipper = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'c')
			count = number("--count", optarg);
		else if (c == 'r')
			rate = number("--rate", optarg);
		else if (c == 'f')
			flip = 1;
		else
			goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	if (strchr(argv[optind], '/'))
		snprintf(path, sizeof(path), "%s", argv[optind]);
	else
		snprintf(path, sizeof(path), "/dev/earlydata/%s", argv[optind]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "edwrite: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (ioctl(fd, ED_CHR_IOC_INFO, &info) < 0) {
		fprintf(stderr, "edwrite: %s: not an Earlydata device: %s\n",
			path, strerror(errno));
		return 1;
	}
	info.name[sizeof(info.name) - 1] = 0;
	if (info.role != ED_CHR_ROLE_PRODUCER) {
		fprintf(stderr,
			"edwrite: %s: channel %s is not produced here\n", path,
			info.name);
		return 1;
	}
	/* No SA_RESTART: a blocked write() returns on SIGTERM. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (flip) {
		flipper = flip_types(fd, path);
		if (flipper < 0)
			return 1;
	}

	while (!stop && (!count || done < count)) {
		if (count) {
			if (rate)
				pace(&t0, done, rate);
			if (stop)
				break;
			len = ed_gen_payload(buf, sizeof(buf), info.name, done);
			err = put(fd, path, buf, (size_t)len);
		} else {
			len = getline(&line, &cap, stdin);
			if (len <= 0)
				break;
			if (line[len - 1] == '\n')
				len--;
			err = put(fd, path, line, (size_t)len);
		}
		if (err)
			break;
		done++;
	}
	free(line);
	if (flipper > 0) {
		kill(flipper, SIGTERM);
		if (waitpid(flipper, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "edwrite: the type flipper failed\n");
			err = 1;
		}
	}
	close(fd);
	fprintf(stderr, "edwrite: %s: %ld records\n", info.name, done);
	return err && !stop ? 1 : 0;

usage:
	fprintf(stderr,
		"usage: edwrite [--count N] [--rate HZ] [--flip-type] CHANNEL|DEVICE\n");
	return 2;
}
