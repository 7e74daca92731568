// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysfs attributes of each channel device, /sys/class/earlydata/<dev>/:
 * what the channel is (channel, role, index, policy, record_max,
 * ring_size, dlt_app, dlt_ctx), under last_fault/ the last fault, and
 * under stats/ one file per counter of ed_stats() read fresh on every
 * access (-ENODEV once the channel is gone: ed_kernel.h). Described in
 * docs/ABI/sysfs-class-earlydata.
 */
#include <linux/device.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>

#include <nk/nkstate.h>

#include "ed_kernel.h"

static struct edk_chan *edk_dev_chan(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t channel_show(struct device *dev, struct device_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", edk_dev_chan(dev)->ch->cfg.name);
}
static DEVICE_ATTR_RO(channel);

static ssize_t role_show(struct device *dev, struct device_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", edk_role_name(edk_dev_chan(dev)->ch));
}
static DEVICE_ATTR_RO(role);

static ssize_t index_show(struct device *dev, struct device_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", edk_dev_chan(dev)->ch->index);
}
static DEVICE_ATTR_RO(index);

static ssize_t policy_show(struct device *dev, struct device_attribute *a,
			   char *buf)
{
	return sysfs_emit(
		buf, "%s\n",
		ed_cfg_policy_name(edk_dev_chan(dev)->ch->cfg.policy));
}
static DEVICE_ATTR_RO(policy);

static ssize_t record_max_show(struct device *dev, struct device_attribute *a,
			       char *buf)
{
	return sysfs_emit(buf, "%u\n", edk_dev_chan(dev)->ch->cfg.record_max);
}
static DEVICE_ATTR_RO(record_max);

static ssize_t ring_size_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	return sysfs_emit(
		buf, "%llu\n",
		(unsigned long long)edk_dev_chan(dev)->ch->cfg.ring_size);
}
static DEVICE_ATTR_RO(ring_size);

/* The DLT ids of the channel's info string (dlt-app=, dlt-ctx=), or "". */
static ssize_t dlt_app_show(struct device *dev, struct device_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", edk_dev_chan(dev)->ch->cfg.dlt_app);
}
static DEVICE_ATTR_RO(dlt_app);

static ssize_t dlt_ctx_show(struct device *dev, struct device_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", edk_dev_chan(dev)->ch->cfg.dlt_ctx);
}
static DEVICE_ATTR_RO(dlt_ctx);

/*
 * last_fault/: the channel's last fault, one value per file
 * (docs/ABI/sysfs-class-earlydata): field and rule ("none" before any),
 * value, position, time_ns (0 before any).
 */
static void edk_last_fault(struct device *dev, struct ed_fault *f, u64 *when)
{
	struct edk_chan *kc = edk_dev_chan(dev);
	unsigned long flags;

	spin_lock_irqsave(&kc->lock, flags);
	*f = kc->last_fault;
	*when = kc->last_fault_ns;
	spin_unlock_irqrestore(&kc->lock, flags);
}

static ssize_t field_show(struct device *dev, struct device_attribute *a,
			  char *buf)
{
	struct ed_fault f;
	u64 when;

	edk_last_fault(dev, &f, &when);
	return sysfs_emit(buf, "%s\n", f.field ? f.field : "none");
}
static DEVICE_ATTR_RO(field);

static ssize_t rule_show(struct device *dev, struct device_attribute *a,
			 char *buf)
{
	struct ed_fault f;
	u64 when;

	edk_last_fault(dev, &f, &when);
	return sysfs_emit(buf, "%s\n", f.field ? f.rule : "none");
}
static DEVICE_ATTR_RO(rule);

static ssize_t value_show(struct device *dev, struct device_attribute *a,
			  char *buf)
{
	struct ed_fault f;
	u64 when;

	edk_last_fault(dev, &f, &when);
	return sysfs_emit(buf, "0x%llx\n",
			  f.field ? (unsigned long long)f.value : 0ULL);
}
static DEVICE_ATTR_RO(value);

static ssize_t position_show(struct device *dev, struct device_attribute *a,
			     char *buf)
{
	struct ed_fault f;
	u64 when;

	edk_last_fault(dev, &f, &when);
	return sysfs_emit(buf, "%llu\n",
			  f.field ? (unsigned long long)f.pos : 0ULL);
}
static DEVICE_ATTR_RO(position);

static ssize_t time_ns_show(struct device *dev, struct device_attribute *a,
			    char *buf)
{
	struct ed_fault f;
	u64 when;

	edk_last_fault(dev, &f, &when);
	return sysfs_emit(buf, "%llu\n", f.field ? when : 0ULL);
}
static DEVICE_ATTR_RO(time_ns);

static struct attribute *edk_fault_attrs[] = {
	&dev_attr_field.attr,	 &dev_attr_rule.attr,	 &dev_attr_value.attr,
	&dev_attr_position.attr, &dev_attr_time_ns.attr, NULL,
};

static const struct attribute_group edk_fault_group = {
	.name = "last_fault",
	.attrs = edk_fault_attrs,
};

static struct attribute *edk_info_attrs[] = {
	&dev_attr_channel.attr,	   &dev_attr_role.attr,
	&dev_attr_index.attr,	   &dev_attr_policy.attr,
	&dev_attr_record_max.attr, &dev_attr_ring_size.attr,
	&dev_attr_dlt_app.attr,	   &dev_attr_dlt_ctx.attr,
	NULL,
};

static const struct attribute_group edk_info_group = {
	.attrs = edk_info_attrs,
};

/* The core's counters of the channel, unless it is gone (shared memory). */
static int edk_stats(struct device *dev, struct ed_channel_stats *st)
{
	struct edk_chan *kc = edk_dev_chan(dev);
	int idx, r = -ENODEV;

	idx = srcu_read_lock(&edk_srcu);
	if (!READ_ONCE(kc->gone)) {
		ed_stats(kc->ch, st);
		r = 0;
	}
	srcu_read_unlock(&edk_srcu, idx);
	return r;
}

/* stats/: a counter of struct ed_channel_stats, at offset `off`. */
struct edk_stat_attr {
	struct device_attribute attr;
	size_t off;
};

static ssize_t stat_show(struct device *dev, struct device_attribute *a,
			 char *buf)
{
	struct edk_stat_attr *sa = container_of(a, struct edk_stat_attr, attr);
	struct ed_channel_stats st;
	nku64_f v;

	if (edk_stats(dev, &st))
		return -ENODEV;
	memcpy(&v, (const char *)&st + sa->off, sizeof(v));
	return sysfs_emit(buf, "%llu\n", (unsigned long long)v);
}

#define EDK_STAT(name, field)                                          \
	static struct edk_stat_attr stat_##name = {                    \
		.attr = __ATTR(name, 0444, stat_show, NULL),           \
		.off = offsetof(struct ed_channel_stats, field),       \
	};                                                             \
	static_assert(sizeof(((struct ed_channel_stats *)0)->field) == \
		      sizeof(nku64_f))

EDK_STAT(records, ring.records);
EDK_STAT(bytes, ring.bytes);
EDK_STAT(dropped, ring.dropped);
EDK_STAT(overwritten, ring.overwritten);
EDK_STAT(blocked, ring.blocked);
EDK_STAT(lost, ring.lost);
EDK_STAT(loss_events, ring.loss_events);
EDK_STAT(notify_sent, ring.notify_sent);
EDK_STAT(notify_suppressed, ring.notify_suppressed);
EDK_STAT(faults, ring.faults);
EDK_STAT(formats, ring.formats);
EDK_STAT(resumes, ring.resumes);
EDK_STAT(backlog_bytes, backlog_bytes);
EDK_STAT(link_resets, link_resets);
EDK_STAT(xirqs, xirqs);
EDK_STAT(epoch, epoch);

/* Link states by name: "OFF", "RESET", "ON". */
static ssize_t own_state_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	struct ed_channel_stats st;

	if (edk_stats(dev, &st))
		return -ENODEV;
	return sysfs_emit(buf, "%s\n", nk_vlink_state_name(st.own_state));
}
static DEVICE_ATTR_RO(own_state);

static ssize_t peer_state_show(struct device *dev, struct device_attribute *a,
			       char *buf)
{
	struct ed_channel_stats st;

	if (edk_stats(dev, &st))
		return -ENODEV;
	return sysfs_emit(buf, "%s\n", nk_vlink_state_name(st.peer_state));
}
static DEVICE_ATTR_RO(peer_state);

/* Faults reported to the log (the core's and the driver's own). */
static ssize_t faults_reported_show(struct device *dev,
				    struct device_attribute *a, char *buf)
{
	return sysfs_emit(
		buf, "%lld\n",
		(long long)atomic64_read(&edk_dev_chan(dev)->faults_reported));
}
static DEVICE_ATTR_RO(faults_reported);

/* Consumer: records above the channel's record-max, skipped as lost. */
static ssize_t oversized_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	struct edk_chan *kc = edk_dev_chan(dev);
	unsigned long flags;
	u64 v;

	spin_lock_irqsave(&kc->lock, flags);
	v = kc->oversized;
	spin_unlock_irqrestore(&kc->lock, flags);
	return sysfs_emit(buf, "%llu\n", v);
}
static DEVICE_ATTR_RO(oversized);

static struct attribute *edk_stats_attrs[] = {
	&stat_records.attr.attr,
	&stat_bytes.attr.attr,
	&stat_dropped.attr.attr,
	&stat_overwritten.attr.attr,
	&stat_blocked.attr.attr,
	&stat_lost.attr.attr,
	&stat_loss_events.attr.attr,
	&stat_notify_sent.attr.attr,
	&stat_notify_suppressed.attr.attr,
	&stat_faults.attr.attr,
	&stat_formats.attr.attr,
	&stat_resumes.attr.attr,
	&stat_backlog_bytes.attr.attr,
	&stat_link_resets.attr.attr,
	&stat_xirqs.attr.attr,
	&stat_epoch.attr.attr,
	&dev_attr_own_state.attr,
	&dev_attr_peer_state.attr,
	&dev_attr_faults_reported.attr,
	&dev_attr_oversized.attr,
	NULL,
};

static const struct attribute_group edk_stats_group = {
	.name = "stats",
	.attrs = edk_stats_attrs,
};

const struct attribute_group *edk_groups[] = {
	&edk_info_group,
	&edk_fault_group,
	&edk_stats_group,
	NULL,
};
