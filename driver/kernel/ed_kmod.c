// SPDX-License-Identifier: GPL-2.0-only
/*
 * earlydata.ko: the Earlydata vLink driver core (driver/core/) hosted in
 * the Linux kernel. On load the core finds every "earlydata" vlink of
 * this VM through nkops (exported by the NKDDI provider); each channel
 * becomes a character device /dev/earlydata/<channel> of class
 * "earlydata". On unload the devices go first, then the core detaches its
 * XIRQs and sets the links OFF.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>

#include "ed_kernel.h"

static dev_t edk_devt;
static struct cdev edk_cdev;
static struct class *edk_class;
static int edk_nchan;

/* Device nodes go to /dev/earlydata/<device name>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *edk_devnode(const struct device *dev, umode_t *mode)
#else
static char *edk_devnode(struct device *dev, umode_t *mode)
#endif
{
	return kasprintf(GFP_KERNEL, "earlydata/%s", dev_name(dev));
}

/*
 * The device name is the channel name; when both ends of a (loopback)
 * vlink are in this VM, both get their role appended: NAME.producer and
 * NAME.consumer.
 */
static void edk_name_device(struct edk_chan *kc)
{
	const struct ed_channel *ch = kc->ch;
	const struct ed_channel *other;
	int i;

	for (i = 0; i < edk_nchan; i++) {
		other = ed_channel_get(i);
		if (other != ch && !strcmp(other->cfg.name, ch->cfg.name)) {
			snprintf(kc->devname, sizeof(kc->devname), "%s.%s",
				 ch->cfg.name, edk_role_name(ch));
			return;
		}
	}
	strscpy(kc->devname, ch->cfg.name, sizeof(kc->devname));
}

/* Remove the first n devices and free every channel's buffers. */
static void edk_remove_devices(int n)
{
	int i;

	for (i = 0; i < edk_nchan; i++) {
		WRITE_ONCE(edk_chans[i].gone, true);
		wake_up_interruptible_all(&edk_chans[i].wq);
	}
	for (i = 0; i < n; i++) {
		device_destroy(edk_class, MKDEV(MAJOR(edk_devt), i));
		edk_chans[i].dev = NULL;
	}
}

static void edk_free_channels(void)
{
	int i;

	for (i = 0; i < ED_MAX_CHANNELS; i++) {
		kvfree(edk_chans[i].wbuf);
		edk_chans[i].wbuf = NULL;
		kvfree(edk_chans[i].rbuf);
		edk_chans[i].rbuf = NULL;
		edk_chans[i].ch = NULL;
	}
}

static int edk_setup_channels(void)
{
	struct edk_chan *kc;
	void *buf;
	int i;

	for (i = 0; i < edk_nchan; i++) {
		kc = &edk_chans[i];
		kc->ch = ed_channel_get(i);
		if (WARN_ON(!kc->ch || kc->ch->index != i))
			return -EINVAL;
	}
	for (i = 0; i < edk_nchan; i++) {
		kc = &edk_chans[i];
		edk_name_device(kc);
		/* Producer: the record written; consumer: the one read. */
		buf = kvmalloc(max_t(u32, kc->ch->cfg.record_max, 1),
			       GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		if (kc->ch->role == ED_PRODUCER)
			kc->wbuf = buf;
		else
			kc->rbuf = buf;
	}
	return 0;
}

static int edk_create_devices(void)
{
	struct edk_chan *kc;
	int i, r;

	r = alloc_chrdev_region(&edk_devt, 0, edk_nchan, "earlydata");
	if (r)
		return r;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	edk_class = class_create("earlydata");
#else
	edk_class = class_create(THIS_MODULE, "earlydata");
#endif
	if (IS_ERR(edk_class)) {
		r = PTR_ERR(edk_class);
		goto err_region;
	}
	edk_class->devnode = edk_devnode;
	edk_class->dev_groups = edk_groups;
	cdev_init(&edk_cdev, &edk_fops);
	edk_cdev.owner = THIS_MODULE;
	r = cdev_add(&edk_cdev, edk_devt, edk_nchan);
	if (r)
		goto err_class;
	for (i = 0; i < edk_nchan; i++) {
		kc = &edk_chans[i];
		kc->dev = device_create(edk_class, NULL,
					MKDEV(MAJOR(edk_devt), i), kc, "%s",
					kc->devname);
		if (IS_ERR(kc->dev)) {
			r = PTR_ERR(kc->dev);
			kc->dev = NULL;
			edk_remove_devices(i);
			goto err_cdev;
		}
	}
	return 0;

err_cdev:
	cdev_del(&edk_cdev);
err_class:
	class_destroy(edk_class);
err_region:
	unregister_chrdev_region(edk_devt, edk_nchan);
	return r;
}

/* Log what each channel is, once its device exists. */
static void edk_announce(void)
{
	const struct ed_channel *ch;
	int i;

	for (i = 0; i < edk_nchan; i++) {
		ch = edk_chans[i].ch;
		dev_info(edk_chans[i].dev,
			 "channel %s: %s, %s, ring %llu bytes, record-max %u\n",
			 ch->cfg.name, edk_role_name(ch),
			 ed_cfg_policy_name(ch->cfg.policy),
			 (unsigned long long)ch->cfg.ring_size,
			 ch->cfg.record_max);
	}
}

static int __init edk_init(void)
{
	char err[128];
	int r;

	edk_host_init();
	edk_hv_get();
	r = ed_init(&edk_host, err, sizeof(err));
	if (r < 0) {
		pr_err("earlydata: %s (error %d)\n", err, r);
		ed_exit();
		edk_hv_put();
		return r;
	}
	if (!r) {
		pr_info("earlydata: no earlydata vlink in this VM\n");
		ed_exit();
		edk_hv_put();
		return -ENODEV;
	}
	edk_nchan = r;
	r = edk_setup_channels();
	if (!r)
		r = edk_create_devices();
	if (r) {
		ed_exit();
		edk_free_channels();
		edk_hv_put();
		return r;
	}
	edk_announce();
	return 0;
}

/*
 * No file is open here (each holds a module reference), so nobody sleeps
 * on a channel; `gone` and the wake-ups are for safety. The devices and
 * their sysfs files go first, then ed_exit() detaches the XIRQ handlers
 * (none runs once it returns) and sets the links OFF.
 */
static void __exit edk_exit(void)
{
	edk_remove_devices(edk_nchan);
	cdev_del(&edk_cdev);
	class_destroy(edk_class);
	unregister_chrdev_region(edk_devt, edk_nchan);
	edk_port_exit(edk_nchan);
	edk_free_channels();
	edk_hv_put();
}

module_init(edk_init);
module_exit(edk_exit);

MODULE_DESCRIPTION("Earlydata vLink driver: early-boot records between VMs");
MODULE_LICENSE("GPL");
