// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the Earlydata ring (docs/earlydata-protocol.md).
 *
 * Input: a PMEM image written by a hostile peer, followed by a script
 * (the last SCRIPT_MAX bytes, or the second half of a short input). The
 * image is copied into a heap buffer of ED_RING_DATA_OFF + N bytes, N a
 * size class chosen from the image length, so that ASan catches any read
 * outside it.
 *
 * Consumer: the script drives peek, commit, read, arm, backlog, rewind
 * and restarts; between calls the "producer" changes a shared field or a
 * data word. Every return value must be documented, a record must lie
 * inside the data area and respect record_max, a loss must say how many
 * records it covers, a fault must be explained.
 *
 * Producer: attaches to a second copy of the image with a valid geometry
 * (resume or format), then writes records while the "consumer" moves its
 * read position. Return values must match the policy, the positions must
 * stay consistent, a new epoch must differ from both sides' old ones, and
 * unless the read position made it fault, the ring it resumed or formatted
 * and wrote must read back without a fault.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/ring_io.h>

#define SCRIPT_MAX 1024u /* script bytes at the end of the input */
#define PMEM_MAX (1u << 20) /* largest PMEM image */
#define STEPS 64 /* consumer calls per input */
#define WRITES 48 /* producer writes per input */
#define P_RMAX 256u /* record_max of the producer end */

/* Data area sizes; the smallest one holding the image is used. */
static const nku64_f data_sizes[] = {
	4096, 8192, 16384, 65536, 262144, PMEM_MAX - ED_RING_DATA_OFF,
};

/* Shared fields a hostile peer may change, as (offset, width). */
#define HSZ(f) sizeof(((struct ed_ring_hdr *)0)->f)
#define CSZ(f) sizeof(((struct ed_cons_ctl *)0)->f)
#define HDR(f) offsetof(struct ed_ring_hdr, f), HSZ(f)
#define CTL(f) ED_CONS_CTL_OFF + offsetof(struct ed_cons_ctl, f), CSZ(f)

enum {
	F_MAGIC,
	F_VERSION_MAJOR,
	F_VERSION_MINOR,
	F_HDR_SIZE,
	F_DATA_OFF,
	F_DATA_SIZE,
	F_RECORD_MAX,
	F_POLICY,
	F_EPOCH,
	F_HEAD,
	F_TAIL,
	F_NEXT_SEQ,
	F_PROD_WAIT_GEN,
	F_CTL_EPOCH,
	F_CTL_READ_POS,
	F_CTL_READ_SEQ,
	F_CTL_CONS_WAIT_GEN,
	NFIELDS
};

static const struct field {
	uint32_t off, width;
} fields[NFIELDS] = {
	[F_MAGIC] = { HDR(magic) },
	[F_VERSION_MAJOR] = { HDR(version_major) },
	[F_VERSION_MINOR] = { HDR(version_minor) },
	[F_HDR_SIZE] = { HDR(hdr_size) },
	[F_DATA_OFF] = { HDR(data_off) },
	[F_DATA_SIZE] = { HDR(data_size) },
	[F_RECORD_MAX] = { HDR(record_max) },
	[F_POLICY] = { HDR(policy) },
	[F_EPOCH] = { HDR(epoch) },
	[F_HEAD] = { HDR(head) },
	[F_TAIL] = { HDR(tail) },
	[F_NEXT_SEQ] = { HDR(next_seq) },
	[F_PROD_WAIT_GEN] = { HDR(prod_wait_gen) },
	[F_CTL_EPOCH] = { CTL(epoch) },
	[F_CTL_READ_POS] = { CTL(read_pos) },
	[F_CTL_READ_SEQ] = { CTL(read_seq) },
	[F_CTL_CONS_WAIT_GEN] = { CTL(cons_wait_gen) },
};

struct script {
	const uint8_t *p, *end;
};

/* Next script byte; 0 once the script is exhausted. */
static uint8_t u8(struct script *s)
{
	return s->p < s->end ? *s->p++ : 0;
}

static uint64_t u64(struct script *s)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)u8(s) << (8 * i);
	return v;
}

static uint64_t get_field(const uint8_t *pmem, const struct field *f)
{
	uint64_t v = 0;

	memcpy(&v, pmem + f->off, f->width); /* little-endian host */
	return v;
}

static void set_field(uint8_t *pmem, const struct field *f, uint64_t v)
{
	memcpy(pmem + f->off, &v, f->width);
}

/*
 * New value for a field, from the script: raw, a small step of 8 from the
 * current value or from `pos`, or one bit flipped.
 */
static uint64_t new_value(struct script *s, uint64_t cur, uint64_t pos,
			  uint32_t width)
{
	uint8_t mode = u8(s);

	switch (mode & 3) {
	case 0:
		return u64(s);
	case 1:
		return cur + (uint64_t)(int64_t)(int8_t)u8(s) * 8;
	case 2:
		return pos + (uint64_t)(int64_t)(int8_t)u8(s) * 8;
	default:
		return cur ^ 1ull << (u8(s) % (8 * width));
	}
}

/*
 * The producer changes something between two consumer calls: a shared
 * field, or a word of the data area near the read position (optionally
 * resealing the record there with a valid CRC, to get past the CRC check).
 */
static void mutate(struct script *s, uint8_t *pmem, size_t psize,
		   const struct ed_consumer *c)
{
	uint8_t sel = u8(s);
	size_t area = psize - ED_RING_DATA_OFF, ds, off;
	uint8_t *d = pmem + ED_RING_DATA_OFF;
	struct ed_rec_hdr h;

	if (sel % (NFIELDS + 1) < NFIELDS) {
		const struct field *f = &fields[sel % (NFIELDS + 1)];

		set_field(pmem, f,
			  new_value(s, get_field(pmem, f), c->read_pos,
				    f->width));
		return;
	}
	ds = c->data_size && c->data_size <= area ? c->data_size : area;
	off = (c->read_pos % ds + (size_t)u8(s) * 8) % ds;
	if (!(sel & 0x80)) {
		uint64_t v = u64(s);

		memcpy(d + off, &v, sizeof(v)); /* ds is a multiple of 8 */
		return;
	}
	if (ds - off < sizeof(h))
		return;
	memcpy(&h, d + off, sizeof(h));
	if (h.type != ED_REC_TYPE_PAD && h.len > ds - off - sizeof(h))
		return;
	h.crc = ed_rec_crc(&h, d + off + sizeof(h));
	memcpy(d + off, &h, sizeof(h));
}

/* Checks common to every call that may return a message or a fault. */
static void check_msg(const struct ed_consumer *c, int r,
		      const struct ed_msg *m)
{
	if (r == ED_MSG_LOSS) {
		if (m->loss_reason < ED_LOSS_DROPPED ||
		    m->loss_reason > ED_LOSS_RESET)
			abort();
		if (m->loss_reason != ED_LOSS_RESET && !m->loss_count)
			abort();
		if (m->loss_reason == ED_LOSS_RESET && m->loss_count)
			abort();
		/* Bounded by the ring's positions: 32 bytes a record. */
		if (c->policy != ED_POLICY_DROP_NEW &&
		    m->loss_count > c->read_pos / ED_REC_HDR_SIZE + 1)
			abort();
	}
	if (r == -ED_EPROTO && (!c->fault.field || !c->fault.rule))
		abort();
	if (r != ED_MSG_RECORD && r != ED_MSG_LOSS && r != ED_MSG_NONE &&
	    r != -ED_EAGAIN && r != -ED_EPROTO)
		abort();
}

/* A record handed out in place must lie in the data area. */
static void check_in_place(const struct ed_consumer *c, const struct ed_msg *m,
			   const uint8_t *pmem, size_t psize)
{
	const uint8_t *d = pmem + ED_RING_DATA_OFF, *p = m->data;

	if (m->len > c->record_max || c->data_size > psize - ED_RING_DATA_OFF)
		abort();
	if (p < d || p > d + c->data_size || m->len > d + c->data_size - p)
		abort();
}

static int do_read(struct ed_consumer *c, struct ed_msg *m, struct script *s)
{
	uint8_t b = u8(s);
	nku32_f len = c->record_max < PMEM_MAX ? c->record_max : PMEM_MAX;
	uint8_t *buf;
	int r, notify;

	if (b) /* 0 (and the exhausted script) reads with a full buffer */
		len = (nku32_f)(b - 1) * 4;
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	r = ed_consumer_read(c, m, buf, len, &notify);
	if (r == ED_MSG_RECORD &&
	    (m->data != buf || m->len > len || m->len > c->record_max))
		abort();
	if (r != -ED_ENOBUFS)
		check_msg(c, r, m);
	free(buf);
	return r;
}

/*
 * The three-step fetch, the producer changing the ring between the look
 * and the copy: a record that settles is one whose copy passed its CRC.
 */
static void do_split(struct ed_consumer *c, struct ed_msg *m, struct script *s,
		     uint8_t *pmem, size_t psize)
{
	static uint8_t buf[PMEM_MAX];
	int r, v, notify;

	r = ed_consumer_look(c, m);
	check_msg(c, r, m);
	if (r != ED_MSG_RECORD)
		return;
	check_in_place(c, m, pmem, psize);
	mutate(s, pmem, psize, c);
	v = ed_consumer_check(c, buf);
	if (v && v != -ED_ESTALE && v != -ED_EPROTO)
		abort();
	r = ed_consumer_settle(c, v, 1);
	if (r != v || (r == -ED_EPROTO && !c->fault.field))
		abort();
	if (r)
		return;
	if (ed_rec_crc(&c->held_hdr, buf) != c->held_hdr.crc)
		abort();
	if (ed_consumer_commit(c, &notify))
		abort(); /* a checked copy is never stale */
}

static void fuzz_consumer(uint8_t *pmem, size_t psize, struct script *s)
{
	struct ed_consumer c;
	struct ed_msg m;
	int i, r, notify;
	uint8_t op;

	ed_consumer_open(&c, pmem, psize);
	for (i = 0; i < STEPS; i++) {
		op = u8(s);
		switch (op & 7) {
		case 0:
			do_read(&c, &m, s);
			break;
		case 1:
		case 2:
			r = ed_consumer_peek(&c, &m);
			check_msg(&c, r, &m);
			if (r == ED_MSG_RECORD)
				check_in_place(&c, &m, pmem, psize);
			if (r == ED_MSG_RECORD && (op & 7) == 2) {
				r = ed_consumer_commit(&c, &notify);
				if (r && r != -ED_ESTALE)
					abort();
			}
			break;
		case 3:
			r = ed_consumer_commit(&c, &notify);
			if (r && r != -ED_ESTALE && r != -ED_EINVAL)
				abort();
			break;
		case 4:
			r = ed_consumer_arm(&c);
			if (r != 0 && r != 1)
				abort();
			break;
		case 5:
			if (ed_consumer_backlog(&c) > c.data_size)
				abort();
			do_split(&c, &m, s, pmem, psize);
			break;
		case 6:
			r = ed_consumer_rewind(&c);
			if (r && r != -ED_EAGAIN && r != -ED_EPROTO)
				abort();
			if (r == -ED_EPROTO &&
			    (!c.fault.field || !c.fault.rule))
				abort();
			break;
		default: /* the consumer restarts */
			ed_consumer_open(&c, pmem, psize);
			break;
		}
		if (op & 0x80)
			mutate(s, pmem, psize, &c);
		if (op & 0x40)
			mutate(s, pmem, psize, &c);
	}
}

/* The seq of the oldest record in the ring (or the next one). */
static nku64_f first_seq(const struct ed_producer *p, const uint8_t *pmem)
{
	const uint8_t *d = pmem + ED_RING_DATA_OFF;
	nku64_f pos = p->tail, off, room;
	struct ed_rec_hdr h;

	while (pos < p->head) {
		off = pos % p->data_size;
		room = p->data_size - off;
		if (room < sizeof(h)) {
			pos += room;
			continue;
		}
		memcpy(&h, d + off, sizeof(h));
		if (h.type != ED_REC_TYPE_PAD)
			return h.seq;
		pos += room;
	}
	return p->next_seq;
}

/* Read back what the producer wrote: no fault may show up. */
static void read_back(const struct ed_producer *p, uint8_t *pmem, size_t psize)
{
	struct ed_cons_ctl *ctl =
		(struct ed_cons_ctl *)(pmem + ED_CONS_CTL_OFF);
	static uint8_t buf[P_RMAX];
	struct ed_consumer c;
	struct ed_msg m;
	nku64_f i, seq = 0;
	int r, notify;

	ctl->epoch = p->epoch;
	ctl->read_pos = p->tail;
	ctl->read_seq = seq = first_seq(p, pmem);
	ed_consumer_open(&c, pmem, psize);
	/* At most one loss before each record, and one at the end. */
	for (i = 0; i < 2 * (p->data_size / ED_REC_HDR_SIZE) + 2; i++) {
		r = ed_consumer_read(&c, &m, buf, sizeof(buf), &notify);
		if (r == ED_MSG_NONE)
			return;
		if (r == ED_MSG_LOSS && m.loss_first == seq && m.loss_count) {
			seq += m.loss_count;
			continue;
		}
		if (r != ED_MSG_RECORD || m.seq != seq || m.len > P_RMAX)
			abort();
		seq++;
	}
	abort(); /* more records than fit in the ring */
}

static void fuzz_producer(const uint8_t *img, size_t n, size_t psize,
			  nku64_f ds, struct script *s)
{
	static const uint8_t payload[P_RMAX] = { 'e', 'd' };
	uint8_t *pmem = calloc(1, psize);
	const struct field *f;
	nku64_f old_epoch, old_ctl_epoch, seq, faults;
	struct ed_producer p;
	int i, r, att, notify;
	nku32_f pol;
	uint8_t b;

	if (!pmem)
		abort();
	memcpy(pmem, img, n);
	old_epoch = get_field(pmem, &fields[F_EPOCH]);
	old_ctl_epoch = get_field(pmem, &fields[F_CTL_EPOCH]);
	pol = u8(s) % 3;
	att = ed_producer_attach(&p, pmem, psize, ds, P_RMAX, pol, 1, 1);
	if (att != ED_ATTACH_RESUMED && att != ED_ATTACH_FORMATTED)
		abort();
	/* A new epoch is distinct from anything either side remembers. */
	if (att == ED_ATTACH_FORMATTED &&
	    (!p.epoch || p.epoch == old_epoch || p.epoch == old_ctl_epoch))
		abort();
	faults = p.st.faults;
	for (i = 0; i < WRITES; i++) {
		b = u8(s);
		if ((b & 0xc0) == 0xc0) { /* the consumer (re)attaches */
			f = &fields[F_CTL_EPOCH];
			set_field(pmem, f, b & 0x20 ? p.epoch : u64(s));
		} else if (b & 0x80) { /* it moves (or breaks) its position */
			f = &fields[F_CTL_READ_POS];
			set_field(pmem, f,
				  new_value(s, get_field(pmem, f),
					    b & 0x20 ? p.head : p.tail,
					    f->width));
		}
		r = ed_producer_write(&p, (nku16_f)i, payload,
				      (nku32_f)(b * 7 % (P_RMAX + 1)),
				      (nku64_f)i, &seq, &notify);
		if (pol == ED_POLICY_BLOCK    ? r && r != -ED_EAGAIN :
		    pol == ED_POLICY_DROP_NEW ? r && r != -ED_ENOSPC :
						r)
			abort();
		if ((p.head | p.tail) & (ED_REC_ALIGN - 1) || p.tail > p.head ||
		    p.head - p.tail > ds)
			abort();
	}
	/*
	 * Unless the consumer's read position made the producer fault, what
	 * it resumed and wrote reads back without a fault.
	 */
	if (p.st.faults == faults)
		read_back(&p, pmem, psize);
	free(pmem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t slen = size / 2 < SCRIPT_MAX ? size / 2 : SCRIPT_MAX;
	size_t n = size - slen, psize;
	struct script s = { data + n, data + size };
	uint8_t *pmem;
	unsigned int k;
	nku64_f ds;

	for (k = 0; data_sizes[k] + ED_RING_DATA_OFF < n &&
		    k + 1 < sizeof(data_sizes) / sizeof(data_sizes[0]);
	     k++)
		;
	ds = data_sizes[k];
	psize = ED_RING_DATA_OFF + ds;
	if (n > psize)
		n = psize;
	pmem = calloc(1, psize);
	if (!pmem)
		abort();
	memcpy(pmem, data, n);
	fuzz_consumer(pmem, psize, &s);
	free(pmem);
	fuzz_producer(data, n, psize, ds, &s);
	return 0;
}
