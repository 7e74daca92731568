// SPDX-License-Identifier: GPL-2.0-only
/*
 * edcat: print the records of an Earlydata consumer device of the kernel
 * driver (/dev/earlydata/<channel>, include/earlydata/ed_chardev.h), one
 * line per message, in the formats of `earlydata consume` (text, or JSON
 * lines with --json). Self-contained so that it links statically for a
 * minimal VM.
 *
 * edcat [--json] [--nonblock | --poll [--idle MS]] [--count N]
 *       [--from-start] [--buffer BYTES] CHANNEL|DEVICE
 *
 * Blocking reads by default, until SIGTERM or SIGINT (what was read is
 * printed and flushed first: a record is consumed when read() returns
 * it). --nonblock drains what is readable and exits; --poll waits in
 * poll() on a non-blocking descriptor (and exits after --idle MS without
 * data). --count N exits after N records without consuming more.
 *
 * --dlt FILE appends each message to FILE as a DLT message instead
 * (docs/earlydata-dlt.md): ECU id from --dlt-ecu, application and context
 * ids from --dlt-app/--dlt-ctx, else the device's sysfs attributes
 * dlt_app/dlt_ctx (the channel's info string), else the defaults.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <earlydata/ed_chardev.h>

#include "../dlt/ed_dlt.h"

struct edcat {
	bool json, nonblock, poll, from_start;
	const char *dlt, *dlt_ecu, *dlt_app, *dlt_ctx, *dlt_clock;
	int dlt_fd; /* --dlt FILE, or -1 */
	struct ed_dlt_ids ids;
	struct ed_dlt_clock clk;
	unsigned long long last_ts; /* of the last record: loss messages */
	unsigned char *dlt_buf;
	int idle_ms; /* --poll: exit after this long without data; -1 never */
	long count; /* records to print, 0 = no limit */
	size_t bufsize;
	const char *path;
	struct ed_chr_info info;
	long records, losses;
	unsigned long long lost;
};

static volatile sig_atomic_t stop;

/*
 * The text of the messages of one read(), written out by flush_out()
 * whole: stdio's own stdout would drop what a failed write() (EINTR on
 * SIGTERM, EAGAIN) left unsent, and the records are already consumed.
 */
static FILE *out;
static char *out_buf;
static size_t out_len;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *loss_reason(unsigned int r)
{
	switch (r) {
	case ED_CHR_LOSS_DROPPED:
		return "dropped";
	case ED_CHR_LOSS_OVERWRITTEN:
		return "overwritten";
	case ED_CHR_LOSS_CORRUPT:
		return "corrupt";
	case ED_CHR_LOSS_RESET:
		return "reset";
	}
	return "unknown";
}

/*
 * Write all n bytes to fd, again after a signal (EINTR: what a read()
 * took is consumed, it must come out), waiting while a non-blocking fd
 * is full. 0, or -1 with errno.
 */
static int write_all(int fd, const void *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	const char *b = buf;
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return -1;
		} else if (w == 0 || errno != EINTR) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
	}
	return 0;
}

/* Write the text of the messages so far to standard output: 0, or -1. */
static int flush_out(void)
{
	int r = 0;

	if (fflush(out)) {
		fprintf(stderr, "edcat: output buffer: %s\n", strerror(errno));
		return -1;
	}
	if (out_len && write_all(STDOUT_FILENO, out_buf, out_len)) {
		fprintf(stderr, "edcat: standard output: %s\n",
			strerror(errno));
		r = -1;
	}
	rewind(out);
	return r;
}

/* A JSON string of valid UTF-8, escaped as jansson does. */
static void json_string(const unsigned char *s, size_t n)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (s[i] < 0x20)
				fprintf(out, "\\u%04X", s[i]);
			else
				fputc(s[i], out);
		}
	}
	fputc('"', out);
}

static void print_loss(const struct edcat *e, const struct ed_chr_msg *h)
{
	unsigned long long first = le64toh(h->seq), count = le64toh(h->lost);
	unsigned long long epoch = le64toh(h->epoch);
	const char *why = loss_reason(le16toh(h->type));

	if (e->json) {
		fprintf(out, "{\"channel\":");
		json_string((const unsigned char *)e->info.name,
			    strlen(e->info.name));
		fprintf(out,
			",\"epoch\":%llu,\"loss\":{\"first\":%llu,\"count\":%llu,"
			"\"reason\":\"%s\"}}\n",
			epoch, first, count, why);
	} else if (count) {
		fprintf(out, "[%s] LOST seq %llu..%llu (%llu records, %s)\n",
			e->info.name, first, first + count - 1, count, why);
	} else {
		fprintf(out,
			"[%s] LOST from seq %llu: the producer started epoch "
			"%llu\n",
			e->info.name, first, epoch);
	}
}

static void print_record(const struct edcat *e, const struct ed_chr_msg *h,
			 const unsigned char *data)
{
	unsigned long long seq = le64toh(h->seq), ts = le64toh(h->ts_ns);
	unsigned int type = le16toh(h->type), len = le32toh(h->len), i;

	if (e->json) {
		fprintf(out, "{\"channel\":");
		json_string((const unsigned char *)e->info.name,
			    strlen(e->info.name));
		fprintf(out,
			",\"epoch\":%llu,\"seq\":%llu,\"type\":%u,\"ts_ns\":%llu,"
			"\"len\":%u,",
			(unsigned long long)le64toh(h->epoch), seq, type, ts,
			len);
		if (ed_dlt_utf8_valid(data, len)) {
			fprintf(out, "\"data\":");
			json_string(data, len);
		} else {
			fprintf(out, "\"hex\":\"");
			for (i = 0; i < len; i++)
				fprintf(out, "%02x", data[i]);
			fputc('"', out);
		}
		fprintf(out, "}\n");
		return;
	}
	fprintf(out,
		"[%s] #%llu type %u t=%llu.%06llus %u bytes: ", e->info.name,
		seq, type, ts / 1000000000u, ts % 1000000000u / 1000u, len);
	for (i = 0; i < len; i++) {
		if (data[i] >= 0x20 && data[i] < 0x7f)
			fputc(data[i], out);
		else
			fprintf(out, "\\x%02x", data[i]);
	}
	fputc('\n', out);
}

/* --dlt: message h (payload data) as one DLT message. 0, or -1. */
static int put_dlt(struct edcat *e, const struct ed_chr_msg *h,
		   const unsigned char *data)
{
	size_t n;

	struct timespec now;

	if (le16toh(h->kind) == ED_CHR_LOSS) {
		/* Before any record: this VM's clock now (the docs say). */
		if (!e->last_ts && !clock_gettime(CLOCK_MONOTONIC, &now))
			e->last_ts = (unsigned long long)now.tv_sec *
					     1000000000u +
				     (unsigned long long)now.tv_nsec;
		n = ed_dlt_loss(e->dlt_buf, &e->ids, &e->clk, e->info.name,
				e->last_ts, le64toh(h->seq), le64toh(h->lost),
				loss_reason(le16toh(h->type)),
				le64toh(h->epoch));
	} else if (le16toh(h->kind) == ED_CHR_RECORD) {
		e->last_ts = le64toh(h->ts_ns);
		n = ed_dlt_record(e->dlt_buf, &e->ids, &e->clk,
				  le16toh(h->type), le64toh(h->seq),
				  le64toh(h->ts_ns), data, le32toh(h->len));
	} else {
		return 0; /* refused by the caller */
	}
	if (write_all(e->dlt_fd, e->dlt_buf, n)) {
		fprintf(stderr, "edcat: %s: %s\n", e->dlt, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Print the n bytes of messages one read() returned. Returns 0, or -1
 * when the stream breaks the framing (a driver bug: said on stderr).
 */
static int print_messages(struct edcat *e, const unsigned char *buf, size_t n)
{
	struct ed_chr_msg h;
	size_t off = 0, size, len;

	while (off < n) {
		if (n - off < ED_CHR_HDR_SIZE) {
			fprintf(stderr,
				"edcat: %zu stray bytes after the last "
				"message\n",
				n - off);
			return -1;
		}
		memcpy(&h, buf + off, sizeof(h));
		size = le32toh(h.size);
		len = le32toh(h.len);
		if (le32toh(h.magic) != ED_CHR_MAGIC ||
		    size < ED_CHR_HDR_SIZE || size > n - off ||
		    len > size - ED_CHR_HDR_SIZE ||
		    size != ED_CHR_MSG_SIZE(len)) {
			fprintf(stderr,
				"edcat: bad message header at byte %zu (magic "
				"0x%08x, size %zu, len %zu)\n",
				off, le32toh(h.magic), size, len);
			return -1;
		}
		if (e->dlt_fd >= 0 &&
		    put_dlt(e, &h, buf + off + ED_CHR_HDR_SIZE))
			return -1;
		if (le16toh(h.kind) == ED_CHR_LOSS) {
			if (e->dlt_fd < 0)
				print_loss(e, &h);
			e->losses++;
			e->lost += le64toh(h.lost);
		} else if (le16toh(h.kind) == ED_CHR_RECORD) {
			if (e->dlt_fd < 0)
				print_record(e, &h,
					     buf + off + ED_CHR_HDR_SIZE);
			e->records++;
		} else {
			fprintf(stderr, "edcat: unknown message kind %u\n",
				le16toh(h.kind));
			return -1;
		}
		off += size;
	}
	return flush_out();
}

/* Wait for data in --poll mode: 1 readable, 0 idle timeout or signal. */
static int wait_readable(struct edcat *e, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	r = poll(&p, 1, e->idle_ms);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r < 0) {
		perror("edcat: poll");
		return -1;
	}
	if (r && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
	    !(p.revents & POLLIN)) {
		fprintf(stderr, "edcat: %s: device error (revents 0x%x)\n",
			e->path, p.revents);
		return -1;
	}
	return r;
}

/* Read and print until done. Returns the exit status. */
static int run(struct edcat *e, int fd)
{
	unsigned char *buf = malloc(e->bufsize);
	int r, rc = 1;
	__u32 batch;
	ssize_t n;

	if (!buf) {
		perror("edcat");
		return 1;
	}
	while (!stop && (!e->count || e->records < e->count)) {
		/* Never consume more records than --count still wants. */
		batch = e->count ? (__u32)(e->count - e->records) : 0;
		if (ioctl(fd, ED_CHR_IOC_SET_BATCH, &batch)) {
			perror("edcat: ED_CHR_IOC_SET_BATCH");
			goto out; /* the device failed: not a clean end */
		}
		if (e->poll) {
			r = wait_readable(e, fd);
			if (r < 0)
				goto out;
			if (!r && !stop)
				break; /* idle */
			if (!r)
				continue;
		}
		n = read(fd, buf, e->bufsize);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (e->nonblock)
				break; /* caught up */
			continue; /* poll said readable, another took it */
		}
		if (n < 0 && errno == ENOLINK) {
			fprintf(stderr,
				"edcat: %s: nkhv is gone (the hypervisor's heartbeat stopped); nothing more will come\n",
				e->path);
			goto out;
		}
		if (n < 0) {
			fprintf(stderr, "edcat: read %s: %s\n", e->path,
				strerror(errno));
			goto out;
		}
		if (print_messages(e, buf, (size_t)n))
			goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: edcat [--json] [--nonblock | --poll [--idle MS]] "
		"[--count N]\n"
		"             [--dlt FILE [--dlt-ecu ID] [--dlt-app ID] "
		"[--dlt-ctx ID]\n"
		"              [--dlt-clock wall|uptime|SECONDS]]\n"
		"             [--from-start] [--buffer BYTES] CHANNEL|DEVICE\n"
		"       edcat --version\n");
}

static int parse_args(struct edcat *e, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "nonblock", no_argument, 0, 'n' },
		{ "poll", no_argument, 0, 'p' },
		{ "idle", required_argument, 0, 'i' },
		{ "count", required_argument, 0, 'c' },
		{ "from-start", no_argument, 0, 's' },
		{ "buffer", required_argument, 0, 'b' },
		{ "dlt", required_argument, 0, 'D' },
		{ "dlt-ecu", required_argument, 0, 'E' },
		{ "dlt-app", required_argument, 0, 'A' },
		{ "dlt-ctx", required_argument, 0, 'X' },
		{ "dlt-clock", required_argument, 0, 'C' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "jnpi:c:sb:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			e->json = true;
			break;
		case 'n':
			e->nonblock = true;
			break;
		case 'p':
			e->poll = true;
			break;
		case 'i':
			e->idle_ms = (int)strtol(optarg, &end, 10);
			if (*end || e->idle_ms < 0)
				return -1;
			break;
		case 'c':
			e->count = strtol(optarg, &end, 10);
			if (*end || e->count <= 0 || e->count > UINT32_MAX)
				return -1;
			break;
		case 's':
			e->from_start = true;
			break;
		case 'b':
			e->bufsize = strtoul(optarg, &end, 10);
			if (*end || e->bufsize < ED_CHR_HDR_SIZE)
				return -1;
			break;
		case 'V':
			printf("edcat %s\n", NKHV_VERSION);
			exit(0);
		case 'D':
			e->dlt = optarg;
			break;
		case 'E':
		case 'A':
		case 'X':
			if (!*optarg || strlen(optarg) > 4)
				return -1; /* a DLT id: 1 to 4 characters */
			*(c == 'E' ? &e->dlt_ecu :
			  c == 'A' ? &e->dlt_app : &e->dlt_ctx) = optarg;
			break;
		case 'C':
			if (ed_dlt_clock_parse(optarg, &e->clk))
				return -1;
			e->dlt_clock = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || (e->nonblock && e->poll))
		return -1;
	e->path = argv[optind];
	return 0;
}

/*
 * A DLT id of the device from its sysfs attribute attr (dlt_app,
 * dlt_ctx: the channel's info string), into buf; NULL if it has none.
 */
static const char *sysfs_id(const struct edcat *e, const char *attr,
			    char *buf, size_t len)
{
	const char *dev = strrchr(e->path, '/');
	char path[160];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/sys/class/earlydata/%s/%s",
		 dev ? dev + 1 : e->path, attr);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return n ? buf : NULL;
}

/* --dlt: open FILE for appending, choose the ids. 0, or -1 said. */
static int open_dlt(struct edcat *e)
{
	char app[8], ctx[8];

	if (!e->dlt_clock)
		ed_dlt_clock_parse("wall", &e->clk);
	if (!e->dlt_app)
		e->dlt_app = sysfs_id(e, "dlt_app", app, sizeof(app));
	if (!e->dlt_ctx)
		e->dlt_ctx = sysfs_id(e, "dlt_ctx", ctx, sizeof(ctx));
	ed_dlt_default_ids(&e->ids, e->dlt_ecu, e->info.name, e->dlt_app,
			   e->dlt_ctx);
	e->dlt_buf = malloc(ED_DLT_BUF_MAX);
	e->dlt_fd = open(e->dlt, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			 0644);
	if (!e->dlt_buf || e->dlt_fd < 0) {
		fprintf(stderr, "edcat: %s: %s\n", e->dlt, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char path[64 + sizeof(((struct ed_chr_info *)0)->name)];
	struct edcat e = { .idle_ms = -1, .dlt_fd = -1 };
	struct sigaction sa;
	int fd, rc;

	if (parse_args(&e, argc, argv)) {
		usage();
		return 2;
	}
	if (!strchr(e.path, '/')) {
		snprintf(path, sizeof(path), "/dev/earlydata/%s", e.path);
		e.path = path;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open(e.path, O_RDONLY | O_CLOEXEC |
				  (e.nonblock || e.poll ? O_NONBLOCK : 0));
	if (fd < 0) {
		fprintf(stderr, "edcat: %s: %s\n", e.path, strerror(errno));
		return 1;
	}
	if (ioctl(fd, ED_CHR_IOC_INFO, &e.info)) {
		fprintf(stderr, "edcat: %s: not an Earlydata device: %s\n",
			e.path, strerror(errno));
		return 1;
	}
	e.info.name[sizeof(e.info.name) - 1] = 0;
	if (e.info.role != ED_CHR_ROLE_CONSUMER) {
		fprintf(stderr, "edcat: %s: channel %s is a producer here\n",
			e.path, e.info.name);
		return 1;
	}
	if (e.dlt && open_dlt(&e))
		return 1;
	out = open_memstream(&out_buf, &out_len);
	if (!out) {
		fprintf(stderr, "edcat: %s\n", strerror(errno));
		return 1;
	}
	if (!e.bufsize) {
		e.bufsize = ED_CHR_MSG_SIZE(e.info.record_max);
		if (e.bufsize < 65536)
			e.bufsize = 65536;
	}
	if (e.from_start && ioctl(fd, ED_CHR_IOC_REWIND) && errno != EAGAIN) {
		fprintf(stderr, "edcat: %s: rewind: %s\n", e.path,
			strerror(errno));
		return 1;
	}
	rc = run(&e, fd);
	fprintf(stderr,
		"edcat: channel %s: %ld records, %llu lost in %ld loss "
		"events\n",
		e.info.name, e.records, e.lost, e.losses);
	close(fd);
	if (e.dlt_fd >= 0 && close(e.dlt_fd))
		rc = 1;
	free(e.dlt_buf);
	fclose(out);
	free(out_buf);
	return rc;
}
