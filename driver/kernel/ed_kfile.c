// SPDX-License-Identifier: GPL-2.0-only
/*
 * File operations of /dev/earlydata/<channel> (include/earlydata/
 * ed_chardev.h, docs/earlydata-linux.md).
 *
 * Consumer: read() fetches the next record into the channel's bounce
 * buffer (the core copies it out of the ring and checks its CRC on the
 * copy, with the spinlock dropped for the copy), copies that checked copy
 * to the user buffer, and only then commits it: a record is consumed
 * exactly when the read() returning it succeeds, and user space gets only
 * bytes that were checked. Readers are serialised by a mutex that is
 * never held while sleeping for data.
 *
 * Producer: write() copies the payload into a per-channel buffer (the core
 * writes the ring under the spinlock, where user memory cannot be
 * touched) and appends one record, sleeping for space under the block
 * policy.
 *
 * Every sleep is bounded (one second) and re-checks the ring: a hostile or
 * dead peer may never send the XIRQ that would wake us.
 *
 * Once nkhv is gone (edk_hv_lost(): the provider raised SYSCONF, which
 * wakes every sleeper), a read that finds nothing left to read, every
 * write, and a write or read waiting fail with -ENOLINK; poll() reports
 * EPOLLERR with EPOLLIN or EPOLLOUT so that the next call gets it.
 *
 * Every operation runs inside an edk_srcu read-side section and fails
 * with -ENODEV once its channel is gone (the module is unloaded, or the
 * NKDDI provider lost the device of the shared memory: ed_kernel.h).
 */
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <earlydata/ed_chardev.h>

#include "ed_kernel.h"

/* The core's error codes are Linux errno values; its kinds are ours. */
static_assert(ED_EINVAL == EINVAL && ED_EAGAIN == EAGAIN &&
	      ED_ENOSPC == ENOSPC && ED_EMSGSIZE == EMSGSIZE &&
	      ED_EPROTO == EPROTO && ED_ENOMEM == ENOMEM &&
	      ED_ENODEV == ENODEV && ED_ESTALE == ESTALE &&
	      ED_ENOBUFS == ENOBUFS);
static_assert(ED_LOSS_DROPPED == ED_CHR_LOSS_DROPPED &&
	      ED_LOSS_OVERWRITTEN == ED_CHR_LOSS_OVERWRITTEN &&
	      ED_LOSS_CORRUPT == ED_CHR_LOSS_CORRUPT &&
	      ED_LOSS_RESET == ED_CHR_LOSS_RESET);
static_assert(ED_CFG_BLOCK == ED_CHR_POLICY_BLOCK &&
	      ED_CFG_DROP_NEW == ED_CHR_POLICY_DROP_NEW &&
	      ED_CFG_OVERWRITE_OLDEST == ED_CHR_POLICY_OVERWRITE_OLDEST);
static_assert(ED_PRODUCER == ED_CHR_ROLE_PRODUCER &&
	      ED_CONSUMER == ED_CHR_ROLE_CONSUMER);
static_assert(sizeof(struct ed_chr_msg) == ED_CHR_HDR_SIZE);
static_assert(ED_CHANNEL_NAME_MAX <= sizeof(((struct ed_chr_info *)0)->name));

#define EDK_WAIT_MAX HZ /* longest sleep before looking at the ring again */
#define EDK_RETRY_MAX 16 /* vanished messages in a row before waiting */

/* Per open file. */
struct edk_file {
	struct edk_chan *kc;
	u16 type; /* producer: record type of the next writes */
	u32 batch; /* consumer: most messages per read(), 0 = no limit */
	/* Producer poll: the last write found the ring full. */
	bool refused;
	u32 refused_len;
	int refused_ev; /* kc->events when it was refused */
};

/*
 * Outcomes of delivering one message, besides negative errnos; distinct
 * from the ED_MSG_* kinds that edk_peek() also returns.
 */
enum edk_dlv {
	EDK_DELIVERED = 16, /* copied out and consumed */
	EDK_NONE, /* nothing to read now */
	EDK_FAULTED, /* the ring broke the protocol: wait for the peer */
	EDK_RETRY, /* the message vanished (overwritten): look again */
	EDK_LIMIT, /* read() delivered its batch of messages */
};

static_assert(ED_MSG_NONE < EDK_DELIVERED && ED_MSG_RECORD < EDK_DELIVERED &&
	      ED_MSG_LOSS < EDK_DELIVERED);

/* Wake sleepers and pollers so that they look at the ring again. */
static void edk_kick(struct edk_chan *kc)
{
	atomic_inc(&kc->events);
	wake_up_interruptible_all(&kc->wq);
}

static void edk_fill_hdr(struct ed_chr_msg *h, const struct ed_msg *m, u32 size)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(ED_CHR_MAGIC);
	h->epoch = cpu_to_le64(m->epoch);
	h->size = cpu_to_le32(size);
	if (m->kind == ED_MSG_LOSS) {
		h->kind = cpu_to_le16(ED_CHR_LOSS);
		h->type = cpu_to_le16((u16)m->loss_reason);
		h->seq = cpu_to_le64(m->loss_first);
		h->lost = cpu_to_le64(m->loss_count);
		return;
	}
	h->kind = cpu_to_le16(ED_CHR_RECORD);
	h->type = cpu_to_le16(m->type);
	h->len = cpu_to_le32(m->len);
	h->seq = cpu_to_le64(m->seq);
	h->ts_ns = cpu_to_le64(m->ts_ns);
}

/*
 * Next message, or EDK_NONE / EDK_FAULTED. A loss is taken off the core
 * by the peek itself: it is kept in kc->pending until a read copies it
 * out. rlock held.
 */
static int edk_peek(struct edk_chan *kc, struct ed_msg *m)
{
	int r, tries = 0;

	if (kc->has_pending) {
		*m = kc->pending;
		return ED_MSG_LOSS;
	}
	do {
		r = ed_fetch(kc->ch, m, kc->rbuf, kc->ch->cfg.record_max);
	} while (r == -ED_EPROTO && ++tries < 2); /* resynchronised: again */
	if (r == -ED_ENOBUFS)
		return ED_MSG_RECORD; /* m->len above record_max, held */
	if (r == ED_MSG_LOSS) {
		kc->pending = *m;
		kc->has_pending = true;
	}
	if (r == ED_MSG_NONE || r == -ED_EAGAIN)
		return EDK_NONE;
	if (r == -ED_EPROTO)
		return EDK_FAULTED;
	return r == ED_MSG_RECORD || r == ED_MSG_LOSS ? r : -EIO;
}

/*
 * A record longer than the channel's record-max (a producer header
 * announcing a larger one): no documented buffer can hold it. Consume it
 * and report it as a fault and a loss of one record. rlock held.
 */
static int edk_skip_oversized(struct edk_chan *kc, const struct ed_msg *m)
{
	struct ed_fault f = { .field = "record.len",
			      .rule = "above the channel's record-max",
			      .value = m->len,
			      .pos = m->seq };
	unsigned long flags;

	if (ed_commit(kc->ch)) /* skips the record only looked at */
		return -EIO;
	spin_lock_irqsave(&kc->lock, flags);
	kc->oversized++;
	edk_report_fault(kc->ch, &f);
	spin_unlock_irqrestore(&kc->lock, flags);
	memset(&kc->pending, 0, sizeof(kc->pending));
	kc->pending.kind = ED_MSG_LOSS;
	kc->pending.epoch = m->epoch;
	kc->pending.loss_first = m->seq;
	kc->pending.loss_count = 1;
	kc->pending.loss_reason = ED_LOSS_CORRUPT;
	kc->has_pending = true;
	return EDK_RETRY;
}

/*
 * Copy the next message to ubuf (left bytes) and consume it. Returns an
 * enum edk_dlv (*used set for EDK_DELIVERED), -EMSGSIZE when it does not
 * fit (nothing consumed), -EFAULT, -EIO. rlock held, no spinlock.
 */
static int edk_deliver(struct edk_chan *kc, char __user *ubuf, size_t left,
		       size_t *used)
{
	struct ed_chr_msg h;
	struct ed_msg m;
	u32 size;
	int r;

	r = edk_peek(kc, &m);
	if (r != ED_MSG_RECORD && r != ED_MSG_LOSS)
		return r;
	if (r == ED_MSG_LOSS) {
		if (left < ED_CHR_HDR_SIZE)
			return -EMSGSIZE;
		edk_fill_hdr(&h, &m, ED_CHR_HDR_SIZE);
		if (copy_to_user(ubuf, &h, sizeof(h)))
			return -EFAULT;
		kc->has_pending = false;
		/* Persist the position after it (not for our own losses). */
		ed_commit(kc->ch);
		*used = ED_CHR_HDR_SIZE;
		return EDK_DELIVERED;
	}
	if (m.len > kc->ch->cfg.record_max)
		return edk_skip_oversized(kc, &m);
	size = (u32)ED_CHR_MSG_SIZE(m.len);
	if (size > left)
		return -EMSGSIZE;
	edk_fill_hdr(&h, &m, size);
	/*
	 * m.data is the bounce buffer: the bytes whose CRC was checked, out
	 * of the producer's reach. The copy may fault and sleep, so no
	 * spinlock is held; the record is consumed only once it succeeded.
	 */
	if (copy_to_user(ubuf, &h, sizeof(h)) ||
	    copy_to_user(ubuf + ED_CHR_HDR_SIZE, m.data, m.len) ||
	    clear_user(ubuf + ED_CHR_HDR_SIZE + m.len,
		       size - ED_CHR_HDR_SIZE - m.len))
		return -EFAULT;
	r = ed_commit(kc->ch);
	if (r)
		return -EIO; /* a fetched copy cannot go stale */
	*used = size;
	return EDK_DELIVERED;
}

/*
 * As many whole messages as fit in ubuf (batch of them at most, if not
 * 0). Returns EDK_NONE/EDK_FAULTED when nothing more is there,
 * EDK_LIMIT, or a negative errno; *done counts the bytes delivered.
 */
static int edk_read_batch(struct edk_chan *kc, char __user *ubuf, size_t count,
			  u32 batch, size_t *done)
{
	u32 n = 0, retries = 0;
	size_t used;
	int r;

	for (;;) {
		r = edk_deliver(kc, ubuf + *done, count - *done, &used);
		if (r == EDK_DELIVERED) {
			retries = 0;
			*done += used;
			if (++n == batch)
				return EDK_LIMIT;
		} else if (r != EDK_RETRY) {
			return r;
		} else if (++retries == EDK_RETRY_MAX) {
			return EDK_FAULTED; /* a producer moving its tail madly */
		}
		cond_resched();
	}
}

static ssize_t edk_do_read(struct file *file, char __user *ubuf,
			   size_t count)
{
	struct edk_file *f = file->private_data;
	struct edk_chan *kc = f->kc;
	int r, ev, armed = 0;
	size_t done = 0;
	long w;

	if (count < ED_CHR_HDR_SIZE)
		return -EMSGSIZE;
	for (;;) {
		if (READ_ONCE(kc->gone))
			return -ENODEV;
		ev = atomic_read(&kc->events);
		if (mutex_lock_interruptible(&kc->rlock))
			return -ERESTARTSYS;
		r = edk_read_batch(kc, ubuf, count, READ_ONCE(f->batch), &done);
		mutex_unlock(&kc->rlock);
		if (done) {
			if (r == -EMSGSIZE || r == EDK_LIMIT)
				edk_kick(kc); /* messages left for others */
			return done;
		}
		if (r < 0)
			return r;
		if (READ_ONCE(kc->gone))
			return -ENODEV;
		if (edk_hv_lost())
			return -ENOLINK; /* nothing left, nothing will come */
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		/*
		 * Ask for a data XIRQ; if data came meanwhile, look again
		 * (twice at most: a broken ring may keep saying so). After a
		 * fault, only wait for the peer's next move.
		 */
		if (r == EDK_NONE && armed < 2 && ed_arm(kc->ch)) {
			armed++;
			continue;
		}
		w = wait_event_interruptible_timeout(
			kc->wq,
			atomic_read(&kc->events) != ev || READ_ONCE(kc->gone),
			EDK_WAIT_MAX);
		if (w < 0)
			return -ERESTARTSYS;
		armed = 0;
	}
}

static ssize_t edk_do_write(struct file *file, const char __user *ubuf,
			    size_t count)
{
	struct edk_file *f = file->private_data;
	struct edk_chan *kc = f->kc;
	bool nonblock = file->f_flags & O_NONBLOCK;
	ssize_t ret;
	int r, ev;
	long w;

	if (count > kc->ch->cfg.record_max)
		return -EMSGSIZE;
	if (nonblock) {
		if (!mutex_trylock(&kc->wlock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&kc->wlock)) {
		return -ERESTARTSYS;
	}
	if (copy_from_user(kc->wbuf, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}
	for (;;) {
		if (READ_ONCE(kc->gone)) {
			ret = -ENODEV;
			goto out;
		}
		if (edk_hv_lost()) {
			ret = -ENOLINK; /* nothing would reach the consumer */
			goto out;
		}
		ev = atomic_read(&kc->events);
		r = ed_write(kc->ch, READ_ONCE(f->type), kc->wbuf, (u32)count,
			     NULL);
		if (r != -ED_EAGAIN)
			break;
		/* Block policy, ring full: the write asked for a space XIRQ. */
		WRITE_ONCE(f->refused_len, (u32)count);
		WRITE_ONCE(f->refused_ev, ev);
		WRITE_ONCE(f->refused, true);
		if (READ_ONCE(kc->gone)) {
			ret = -ENODEV;
			goto out;
		}
		if (nonblock) {
			ret = -EAGAIN;
			goto out;
		}
		w = wait_event_interruptible_timeout(
			kc->wq,
			atomic_read(&kc->events) != ev || READ_ONCE(kc->gone),
			EDK_WAIT_MAX);
		if (w < 0) {
			ret = -ERESTARTSYS;
			goto out;
		}
	}
	WRITE_ONCE(f->refused, false);
	ret = r ? r : (ssize_t)count;
out:
	mutex_unlock(&kc->wlock);
	return ret;
}

/* Is a message readable? A loss found is kept for the next read. */
static __poll_t edk_poll_consumer(struct edk_chan *kc)
{
	struct ed_msg m;
	int r;

	/* A reader is at work: only make sure a data XIRQ will wake us. */
	if (!mutex_trylock(&kc->rlock))
		return ed_arm(kc->ch) ? EPOLLIN | EPOLLRDNORM : 0;
	r = edk_peek(kc, &m);
	if (r == EDK_NONE && ed_arm(kc->ch))
		r = edk_peek(kc, &m);
	mutex_unlock(&kc->rlock);
	if (r == ED_MSG_RECORD || r == ED_MSG_LOSS)
		return EPOLLIN | EPOLLRDNORM;
	if (edk_hv_lost()) /* read() says why */
		return EPOLLIN | EPOLLRDNORM | EPOLLERR;
	return r < 0 ? EPOLLERR : 0;
}

/*
 * Writable unless the last write of this file found the ring full and
 * neither has a record of its size fitted since nor did the consumer
 * signal space (a write after such a signal asks for the next one).
 */
static __poll_t edk_poll_producer(struct edk_file *f)
{
	struct edk_chan *kc = f->kc;

	if (edk_hv_lost()) /* write() says why */
		return EPOLLOUT | EPOLLWRNORM | EPOLLERR;
	if (kc->ch->cfg.policy != ED_CFG_BLOCK || !READ_ONCE(f->refused) ||
	    atomic_read(&kc->events) != READ_ONCE(f->refused_ev) ||
	    ed_write_ready(kc->ch, READ_ONCE(f->refused_len)))
		return EPOLLOUT | EPOLLWRNORM;
	return 0;
}

static __poll_t edk_poll(struct file *file, poll_table *wait)
{
	struct edk_file *f = file->private_data;
	struct edk_chan *kc = f->kc;
	__poll_t mask;
	int idx;

	poll_wait(file, &kc->wq, wait);
	idx = srcu_read_lock(&edk_srcu);
	if (READ_ONCE(kc->gone))
		mask = EPOLLERR | EPOLLHUP;
	else if (kc->ch->role == ED_CONSUMER)
		mask = edk_poll_consumer(kc);
	else
		mask = edk_poll_producer(f);
	srcu_read_unlock(&edk_srcu, idx);
	return mask;
}

static long edk_info(struct edk_chan *kc, void __user *arg)
{
	const struct ed_channel *ch = kc->ch;
	struct ed_chr_info info;

	memset(&info, 0, sizeof(info));
	strscpy(info.name, ch->cfg.name, sizeof(info.name));
	info.role = ch->role;
	info.index = ch->index;
	info.policy = ch->cfg.policy;
	info.record_max = ch->cfg.record_max;
	info.ring_size = ch->cfg.ring_size;
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long edk_rewind(struct edk_chan *kc)
{
	int r;

	if (mutex_lock_interruptible(&kc->rlock))
		return -ERESTARTSYS;
	kc->has_pending = false; /* the records it was about are re-read */
	r = ed_rewind(kc->ch);
	mutex_unlock(&kc->rlock);
	edk_kick(kc);
	return r;
}

static long edk_do_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct edk_file *f = file->private_data;
	struct edk_chan *kc = f->kc;
	u32 v;

	switch (cmd) {
	case ED_CHR_IOC_INFO:
		return edk_info(kc, (void __user *)arg);
	case ED_CHR_IOC_SET_TYPE:
		if (kc->ch->role != ED_PRODUCER)
			return -EINVAL;
		if (get_user(v, (u32 __user *)arg))
			return -EFAULT;
		if (v > ED_REC_TYPE_MAX)
			return -EINVAL;
		/* write() of another thread reads it with READ_ONCE() */
		WRITE_ONCE(f->type, (u16)v);
		return 0;
	case ED_CHR_IOC_SET_BATCH:
		if (kc->ch->role != ED_CONSUMER)
			return -EINVAL;
		if (get_user(v, (u32 __user *)arg))
			return -EFAULT;
		WRITE_ONCE(f->batch, v);
		return 0;
	case ED_CHR_IOC_REWIND:
		if (kc->ch->role != ED_CONSUMER)
			return -EINVAL;
		return edk_rewind(kc);
	}
	return -ENOTTY;
}

static ssize_t edk_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct edk_file *f = file->private_data;
	ssize_t r = -ENODEV;
	int idx;

	idx = srcu_read_lock(&edk_srcu);
	if (!READ_ONCE(f->kc->gone))
		r = edk_do_read(file, ubuf, count);
	srcu_read_unlock(&edk_srcu, idx);
	return r;
}

static ssize_t edk_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct edk_file *f = file->private_data;
	ssize_t r = -ENODEV;
	int idx;

	idx = srcu_read_lock(&edk_srcu);
	if (!READ_ONCE(f->kc->gone))
		r = edk_do_write(file, ubuf, count);
	srcu_read_unlock(&edk_srcu, idx);
	return r;
}

static long edk_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edk_file *f = file->private_data;
	long r = -ENODEV;
	int idx;

	idx = srcu_read_lock(&edk_srcu);
	if (!READ_ONCE(f->kc->gone))
		r = edk_do_ioctl(file, cmd, arg);
	srcu_read_unlock(&edk_srcu, idx);
	return r;
}

/* Consumer devices open read-only, producer devices write-only. */
static int edk_open(struct inode *inode, struct file *file)
{
	unsigned int minor = iminor(inode);
	struct edk_chan *kc;
	struct edk_file *f;
	fmode_t need;

	if (minor >= ED_MAX_CHANNELS || !edk_chans[minor].ch)
		return -ENODEV;
	kc = &edk_chans[minor];
	if (READ_ONCE(kc->gone))
		return -ENODEV;
	need = kc->ch->role == ED_CONSUMER ? FMODE_READ : FMODE_WRITE;
	if ((file->f_mode & (FMODE_READ | FMODE_WRITE)) != need)
		return -EACCES;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->kc = kc;
	f->type = ED_CHR_DEFAULT_TYPE;
	file->private_data = f;
	return stream_open(inode, file);
}

static int edk_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

const struct file_operations edk_fops = {
	.owner = THIS_MODULE,
	.open = edk_open,
	.release = edk_release,
	.read = edk_read,
	.write = edk_write,
	.poll = edk_poll,
	.unlocked_ioctl = edk_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};
