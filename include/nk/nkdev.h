/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NKDDI device repository: device classes and types (NkDevDesc.class_id
 * and dev_id), the data layouts of VLX's shared devices, and the vlink
 * end-point descriptor NkDevVlink. Free of libc and kernel headers.
 *
 * In this model the repository is private to each VM (it lives in the
 * VM's PDEV): it lists one NK_DEV_ID_VLINK device per vlink end-point of
 * the VM and whatever the VM's own drivers add. The other layouts are
 * here so that drivers written for VLX compile; the model provides none
 * of those devices itself (docs/nkddi.md).
 */
#ifndef NK_NKDEV_H
#define NK_NKDEV_H

#include "nk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device classes. */
#define NK_DEV_CLASS_GEN 0 /* not a hardware bus device */
#define NK_DEV_CLASS_PCI 1
#define NK_DEV_CLASS_PCI64 2
#define NK_DEV_CLASS_ISA 3
#define NK_DEV_CLASS_VME 4
#define NK_DEV_CLASS_QUICC 5

/* Device types: four ASCII characters, big-endian in the value. */
#define NK_DEV_ID_NKIO 0x4e4b494f /* "NKIO" */
#define NK_DEV_ID_SYSBUS 0x53595342 /* "SYSB" */
#define NK_DEV_ID_QUICCBUS 0x51434342 /* "QCCB" */
#define NK_DEV_ID_PCI_BRIDGE 0x50434942 /* "PCIB" */
#define NK_DEV_ID_PIC 0x50494320 /* "PIC " */
#define NK_DEV_ID_XPIC 0x58504943 /* "XPIC" */
#define NK_DEV_ID_TICK 0x5449434b /* "TICK" */
#define NK_DEV_ID_RTC 0x50544320 /* "PTC " (sic: VLX's value) */
#define NK_DEV_ID_IOBUS 0x494f4220 /* "IOB " */
#define NK_DEV_ID_APIC 0x41504943 /* "APIC" */
#define NK_DEV_ID_LTICK 0x4c544943 /* "LTIC" */
#define NK_DEV_ID_RING 0x50494e47 /* "PING" (sic: VLX's value) */
#define NK_DEV_ID_FB 0x46422020 /* "FB  " */
#define NK_DEV_ID_SHM 0x53484d20 /* "SHM " */
#define NK_DEV_ID_WDT 0x57445420 /* "WDT " */
#define NK_DEV_ID_SIO 0x53494f20 /* "SIO " */
#define NK_DEV_ID_VGA 0x56474120 /* "VGA " */
#define NK_DEV_ID_VBE 0x56424520 /* "VBE " */
#define NK_DEV_ID_VESA 0x56455341 /* "VESA" */
#define NK_DEV_ID_UART 0x55415254 /* "UART" */
#define NK_DEV_ID_LCD 0x4c434420 /* "LCD " */
#define NK_DEV_ID_VLINK 0x564c4e4b /* "VLNK" */

/* ------------------------------------------------------------------ */
/* PCI                                                                */
/* ------------------------------------------------------------------ */

typedef struct NkPciHeader {
	nku16_f vend_id;
	nku16_f dev_id;
} NkPciHeader;

#define NK_PCI_BUS_BITS 8
#define NK_PCI_BUS_MASK ((1 << NK_PCI_BUS_BITS) - 1)
#define NK_PCI_DEV_BITS 5
#define NK_PCI_DEV_MASK ((1 << NK_PCI_DEV_BITS) - 1)
#define NK_PCI_FUN_BITS 3
#define NK_PCI_FUN_MASK ((1 << NK_PCI_FUN_BITS) - 1)
#define NK_PCI_OS_ID_BITS 5
#define NK_PCI_OS_ID_MASK ((1 << NK_PCI_OS_ID_BITS) - 1)

/* Owner table of configuration headers: NK_PCI_OS_ID_BITS per function. */
#define NK_PCI_CONF_SLOT(bus, dev, fun)                             \
	(((bus) << (NK_PCI_DEV_BITS + NK_PCI_FUN_BITS)) |           \
	 ((dev) << NK_PCI_FUN_BITS) | (fun))
#define NK_PCI_CONF_ADDR(bus, dev, fun) \
	(NK_PCI_CONF_SLOT(bus, dev, fun) * NK_PCI_OS_ID_BITS)
#define NK_PCI_CONF_BYTE(confaddr) ((confaddr) >> 3)
#define NK_PCI_CONF_BIT(confaddr) ((confaddr)&0x7)
#define NK_PCI_CONF_SIZE(lastbus)                                       \
	(NK_PCI_CONF_BYTE(NK_PCI_CONF_ADDR(lastbus, NK_PCI_DEV_MASK,    \
					   NK_PCI_FUN_MASK)) +          \
	 1)

typedef nku8_f *NkPciConfSpace;
typedef nku32_f NkPciAddr;

typedef struct NkPciRange {
	NkPciAddr start;
	NkPciAddr end;
	NkPhAddr base; /* CPU address of start */
} NkPciRange;

#define NK_DEV_PCI_MEM_FIRST 1
#define NK_DEV_PCI_MEM_LAST 3

typedef struct NkDevPciBridge {
	NkPhAddr parent;
	NkPciRange pci[NK_DEV_PCI_MEM_LAST + 1];
	NkPciAddr ram_base;
	nku32_f indirect;
	nku32_f ind_addr;
	nku32_f ind_data;
	NkPhAddr conf_space; /* an NkPciConfSpace */
	nku32_f conf_lastbus;
	nku32_f bus_start;
	nku32_f bus_end;
	NkSpcDesc_32 io_space;
	NkSpcDesc_32 mem_space;
} NkDevPciBridge;

/* ------------------------------------------------------------------ */
/* Buses and interrupt controllers                                    */
/* ------------------------------------------------------------------ */

#define NK_QUICC_BRG_LIMIT 8
#define NK_QUICC_PORT_LIMIT 4
#define NK_QUICC_RESERVED 0x80
#define NK_QUICC_OS_ID(byte) ((byte) & ~NK_QUICC_RESERVED)

typedef struct NkDevQuiccBus {
	nku32_f cpm_hz;
	nku32_f pit_hz;
	nku32_f brg_hz;
	NkPhAddr immr;
	nku8_f brg[NK_QUICC_BRG_LIMIT];
	nku8_f iopin[NK_QUICC_PORT_LIMIT][32];
	NkSpcDesc_32 imap;
	volatile nku32_f cpcr[NK_OS_LIMIT];
	volatile NkOsMask cpcr_update;
	NkXIrq cpcr_xirq;
} NkDevQuiccBus;

typedef struct NkDevIoBus {
	NkSpcDesc_32 io;
} NkDevIoBus;

typedef nku32_f NkDevIrqMask;

typedef struct NkDevPicIrq {
	NkDevIrqMask irq_mask;
	volatile NkOsMask os_enabled;
	volatile NkOsMask os_pending;
	nku32_f vex_mask;
	NkXIrq xirq;
	NkHwIrq hwirq;
} NkDevPicIrq;

typedef struct NkDevPicOs {
	NkOsMask os_mask;
	volatile NkDevIrqMask irq_pending;
	NkPhAddr vex_addr;
	NkCpuId vex_cpu;
} NkDevPicOs;

typedef struct NkDevPic {
	NkHwIrq irq_base;
	NkHwIrq irq_limit;
	NkXIrq xirq;
	NkDevPicIrq irq[NK_HW_IRQ_LIMIT];
	NkDevPicOs os[NK_OS_LIMIT];
} NkDevPic;

typedef struct NkDevXPicIrq {
	volatile NkOsMask os_enabled;
} NkDevXPicIrq;

typedef struct NkDevXPicOs {
	NkOsMask os_mask;
	NkPhAddr vex_addr;
	nku32_f vex_mask;
	NkCpuId vex_cpu;
} NkDevXPicOs;

/* irq[] is empty here: the model has no hardware XIRQs. */
typedef struct NkDevXPic {
	NkHwIrq irq_limit;
	NkXIrq xirq;
	NkDevXPicIrq irq[NK_HW_XIRQ_LIMIT];
	NkDevXPicOs os[NK_OS_LIMIT];
} NkDevXPic;

#define NK_APIC_PIN_LIMIT 32

typedef struct NkDevApicPin {
	nku32_f irq;
	nku32_f vector;
	nku32_f level; /* 0 edge, 1 level */
	NkOsId owner;
} NkDevApicPin;

typedef struct NkDevApic {
	nku32_f id;
	nku32_f npins;
	NkDevApicPin pins[NK_APIC_PIN_LIMIT];
} NkDevApic;

typedef struct NkDevNkIO {
	nku32_f base;
	nku32_f size;
} NkDevNkIO;

/* ------------------------------------------------------------------ */
/* Time: tick, watchdog, real-time clock                              */
/* ------------------------------------------------------------------ */

typedef nku32_f NkTickFreq; /* Hz */
typedef nku32_f NkTickCounter;
typedef nku32_f NkTickPeriod; /* ns */

typedef struct NkDevTick {
	volatile NkOsMask enabled;
	NkTickFreq freq;
	NkTickPeriod period;
	volatile NkTickCounter counter;
	NkXIrq xirq[NK_OS_LIMIT];
	volatile nku64_f last_stamp;
	volatile NkTickCounter silent[NK_OS_LIMIT];
} NkDevTick;

typedef struct NkDevLTick {
	NkCpuId cpuid;
	NkDevTick tick;
} NkDevLTick;

typedef nku32_f NkWdtPeriod; /* ms */
typedef nku32_f NkWdtVex;

typedef struct NkDevWdt {
	volatile NkOsMask enabled;
	volatile NkOsMask pat;
	NkWdtPeriod period;
	NkXIrq xirq;
	NkPhAddr vex_addr[NK_OS_LIMIT];
	NkWdtVex vex_mask[NK_OS_LIMIT];
} NkDevWdt;

typedef struct NkUnivTime {
	nku32_f secs; /* since 1970-01-01 */
	nku32_f nsecs;
} NkUnivTime;

typedef nku32_f NkTimeStamp;

typedef struct NkDevRTC {
	volatile NkTimeStamp stamp;
	volatile NkUnivTime utime[NK_OS_LIMIT];
	volatile NkOsMask update;
	NkXIrq xirq;
} NkDevRTC;

/* ------------------------------------------------------------------ */
/* Communication: system bus, rings, shared memory, serial            */
/* ------------------------------------------------------------------ */

typedef struct NkDevSysBridge {
	NkPhAddr pmem_start;
	NkPhSize pmem_size;
	NkXIrq xirq_base;
	NkXIrq xirq_limit;
	NkTimeStamp stamp;
} NkDevSysBridge;

typedef struct NkDevSysBus {
	volatile NkOsMask connected;
	NkDevSysBridge bridge[NK_OS_LIMIT];
} NkDevSysBus;

/*
 * A ring offered by a consumer VM to a producer VM. The indexes run
 * freely; mask them with imask. pxirq 0: no producer connected yet.
 */
typedef struct NkDevRing {
	NkOsId pid; /* producer, 0 until one connects */
	nku32_f type; /* four ASCII characters, e.g. the ring's use */
	nku32_f cxirq; /* the consumer's XIRQ */
	nku32_f pxirq; /* the producer's XIRQ */
	nku32_f dsize; /* bytes per descriptor */
	nku32_f imask;
	nku32_f iresp; /* next response (consumer) */
	nku32_f ireq; /* next request (producer) */
	NkPhAddr base; /* the ring, contiguous */
} NkDevRing;

typedef struct NkDevFb {
	NkPhAddr start;
	NkPhSize size;
	nku32_f bpp;
	nku32_f width;
	nku32_f height;
} NkDevFb;

typedef struct NkDevShm {
	NkPhAddr start;
	NkPhSize size;
} NkDevShm;

#define NK_DEV_SIO_RING_SIZE 64
#define NK_DEV_SIO_RING_MASK (NK_DEV_SIO_RING_SIZE - 1)
#define NK_DEV_SIO_IDX(x) ((x)&NK_DEV_SIO_RING_MASK)

typedef struct NkDevSioRing {
	nku32_f start; /* next character to read */
	nku32_f limit; /* next character to write */
	nku8_f ring[NK_DEV_SIO_RING_SIZE];
} NkDevSioRing;

typedef struct NkDevSio {
	nku32_f port;
	nku32_f type; /* NK_DEV_SIO_TYPE_* */
	NkOsId fid; /* front-end VM, 0 until it connects */
	nku32_f fxirq;
	nku32_f bxirq;
	NkDevSioRing iring;
	NkDevSioRing oring;
} NkDevSio;

#define NK_DEV_SIO_TYPE 0xff000000UL
#define NK_DEV_SIO_TYPE_XT 0x00000000UL
#define NK_DEV_SIO_TYPE_8042 0x01000000UL
#define NK_DEV_SIO_TYPE_RS232 0x02000000UL
#define NK_DEV_SIO_TYPE_HIL_MLC 0x03000000UL
#define NK_DEV_SIO_TYPE_PS_PSTHRU 0x05000000UL
#define NK_DEV_SIO_TYPE_8042_XL 0x06000000UL

/* ------------------------------------------------------------------ */
/* Displays                                                           */
/* ------------------------------------------------------------------ */

typedef struct NkDevLcdCtlRegs {
	nku32_f control;
	nku32_f timing0;
	nku32_f timing1;
	nku32_f timing2;
	nku32_f status;
	nku32_f subpanel;
	nku32_f line_int;
} NkDevLcdCtlRegs;

typedef struct NkDevLcdDmaRegs {
	nku16_f csdp;
	nku16_f ccr;
	nku16_f control;
	nku16_f spare1;
	nku16_f top_b1_l;
	nku16_f top_b1_u;
	nku16_f bot_b1_l;
	nku16_f bot_b1_u;
	nku16_f top_b2_l;
	nku16_f top_b2_u;
	nku16_f bot_b2_l;
	nku16_f bot_b2_u;
	nku16_f src_ei_b1;
	nku16_f src_fi_b1_l;
	nku16_f spare2[2];
	nku16_f src_en_b1;
	nku16_f spare3;
	nku16_f src_fn_b1;
	nku16_f spare4[2];
	nku16_f lch_ctrl;
	nku16_f spare5[4];
	nku16_f src_fi_b1_u;
	nku16_f spare6;
} NkDevLcdDmaRegs;

typedef struct NkDevLcd {
	NkOsId owner;
	NkPhAddr palette_base[NK_OS_LIMIT];
	nku32_f palette_size[NK_OS_LIMIT];
	NkDevLcdCtlRegs ctl_regs[NK_OS_LIMIT];
	NkDevLcdDmaRegs dma_regs[NK_OS_LIMIT];
	NkXIrq ctl_xirq[NK_OS_LIMIT];
	NkXIrq dma_xirq[NK_OS_LIMIT];
} NkDevLcd;

#define NK_DEV_VGA_CRT_MAX 0x19
#define NK_DEV_VGA_ATT_MAX 0x15
#define NK_DEV_VGA_GFX_MAX 0x09
#define NK_DEV_VGA_SEQ_MAX 0x05
#define NK_DEV_VGA_NCOLORS 256
#define NK_DEV_VGA_PAL(x) ((x)*3)

typedef struct NkDevVgaRegs {
	nku8_f misc;
	nku8_f attr;
	nku8_f crti;
	nku8_f seqi;
	nku8_f gfxi;
	nku8_f pelm;
	nku8_f peliw;
	nku8_f pelir;
	nku8_f ftc;
	nku8_f crt[NK_DEV_VGA_CRT_MAX];
	nku8_f att[NK_DEV_VGA_ATT_MAX];
	nku8_f gfx[NK_DEV_VGA_GFX_MAX];
	nku8_f seq[NK_DEV_VGA_SEQ_MAX];
	nku8_f pal[NK_DEV_VGA_NCOLORS * 3];
} NkDevVgaRegs;

#define NK_DEV_VGA_PLANE_SIZE 0x10000
#define NK_DEV_VGA_PLANE_MAX 4
#define NK_DEV_VGA_PLANE_BASE(x) (NK_DEV_VGA_PLANE_SIZE * (x))
#define NK_DEV_VGA_MEM_SIZE (NK_DEV_VGA_PLANE_SIZE * NK_DEV_VGA_PLANE_MAX)

typedef struct NkDevVgaState {
	nku32_f valid;
	NkPhAddr regs;
	NkPhAddr mem;
} NkDevVgaState;

typedef struct NkDevVga {
	NkOsId cowner;
	NkOsId nowner;
	NkOsMask enabled;
	NkOsMask connected;
	NkDevVgaState vgas[NK_OS_LIMIT];
} NkDevVga;

#define NK_DEV_VBE_MODE_MAX 64
#define NK_DEV_VBE_MODE_INVALID 0xffff

typedef struct NkDevVbeMode {
	nku16_f mode;
	nku16_f xsize;
	nku16_f ysize;
	nku8_f bpp;
	nku8_f red_msize;
	nku8_f red_fpos;
	nku8_f green_msize;
	nku8_f green_fpos;
	nku8_f blue_msize;
	nku8_f blue_fpos;
	nku8_f res_msize;
	nku8_f res_fpos;
} NkDevVbeMode;

typedef struct NkDevVbe {
	NkOsId frontend;
	nku16_f cmode;
	nku16_f rmode;
	NkOsId backend;
	NkPhAddr base;
	NkPhSize size;
	NkDevVbeMode modes[NK_DEV_VBE_MODE_MAX];
} NkDevVbe;

#define NK_DEV_VESA_MODE_MAX 64
#define NK_DEV_VESA_MODE_INVALID 0xffff
#define NK_DEV_VESA_NCOLORS 256

typedef struct NkDevVesaInfo {
	NkPhAddr base;
	NkPhSize size;
	nku16_f cmode;
	nku16_f rmode;
	nku32_f cpstamp;
	nku32_f rpstamp;
	nku32_f psize;
	nku32_f palette[NK_DEV_VESA_NCOLORS];
} NkDevVesaInfo;

typedef struct NkDevVesa {
	NkOsId cowner;
	NkOsId nowner;
	NkOsMask enabled;
	NkOsMask connected;
	NkPhAddr base;
	NkPhSize size;
	NkDevVbeMode modes[NK_DEV_VESA_MODE_MAX];
	NkPhAddr infos[NK_OS_LIMIT];
} NkDevVesa;

/* ------------------------------------------------------------------ */
/* vLink end-point descriptors                                        */
/* ------------------------------------------------------------------ */

#define NK_DEV_VLINK_OFF 0 /* end-point down: no driver, or it died */
#define NK_DEV_VLINK_RESET 1 /* driver up, (re)initialising the link */
#define NK_DEV_VLINK_ON 2 /* driver up, link usable */

/* Name limit: at most 15 characters and the terminating NUL. */
#define NK_DEV_VLINK_NAME_LIMIT 16

typedef nku32_f NkDevPower;

#define NK_DEV_POWER_ON 0x00
#define NK_DEV_POWER_OFF 0xff

/*
 * One vlink end-point descriptor, in the PDEV of the VM that sees it. Each
 * VM owning an end-point has its own copy; the hypervisor keeps both copies
 * in step. A guest writes only the state of its own side (s_state when it is
 * the server, c_state when it is the client) and then triggers
 * NK_XIRQ_SYSCONF. Every other field is set by the hypervisor; changes a
 * guest makes to them are refused and undone.
 *
 * s_info and c_info are guest-physical addresses of NUL-terminated strings
 * in the same PDEV (the "info" of each end-point in the device tree), or 0.
 */
typedef struct NkDevVlink {
	char name[NK_DEV_VLINK_NAME_LIMIT]; /* vlink name, NUL terminated */
	int link; /* link id, distinguishes vlinks sharing a name */
	NkOsId s_id; /* server OS id */
	volatile int s_state; /* server state: NK_DEV_VLINK_* */
	NkPhAddr s_info; /* server info string, or 0 */
	NkOsId c_id; /* client OS id */
	volatile int c_state; /* client state: NK_DEV_VLINK_* */
	NkPhAddr c_info; /* client info string, or 0 */
	NkDevPower c_power; /* client power state (unused, always ON) */
	NkPhAddr resrc; /* reserved, 0: nkhv keeps the labels */
	nku32_f lock; /* reserved, 0 */
} NkDevVlink;

#ifdef __cplusplus
}
#endif

#endif /* NK_NKDEV_H */
