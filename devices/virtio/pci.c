// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio transport's PCI face (see pci.h). Section names are those of
 * the virtio 1.2 specification, "Virtio Over PCI Bus"; offsets are
 * <linux/virtio_pci.h>'s and <linux/pci_regs.h>'s.
 */
#include "devices/virtio/pci.h"
#include "devices/virtio/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_pci.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/kvm.h"
#include "vmm/stats.h"
#include "vmm/util.h"

/* "PCI Device Discovery": vendor 0x1af4, device 0x1040 + the virtio device id. */
#define RV_VPCI_VENDOR 0x1af4
#define RV_VPCI_DEVICE_BASE 0x1040
/* Non-transitional devices have revision 1 or more. */
#define RV_VPCI_REVISION 1

#define RV_VPCI_BAR_NOTIFY 0
#define RV_VPCI_BAR_REGS 1
#define RV_VPCI_NOTIFY_SIZE 4
#define RV_VPCI_REGS_SIZE 0x4000
#define RV_VPCI_COMMON 0x0000
#define RV_VPCI_COMMON_SIZE 0x3c /* through queue_reset */
#define RV_VPCI_ISR 0x1000
#define RV_VPCI_DEVCFG 0x2000
#define RV_VPCI_MSIX_TABLE 0x3000
#define RV_VPCI_MSIX_PBA 0x3800

/* struct virtio_pci_cap's bytes (cap_vndr ... length), and the two longer ones. */
#define RV_VPCI_CAP_LEN 16
#define RV_VPCI_CAP_EXT_LEN 20
#define RV_VPCI_MSIX_CAP_LEN 12

/* A class code for the device, so that lspci says what it is. */
static uint32_t rv_vpci_class(uint32_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return 0x020000; /* network, ethernet */
	case VIRTIO_ID_BLOCK:
		return 0x018000; /* mass storage, other */
	case VIRTIO_ID_CONSOLE:
		return 0x078000; /* communication, other */
	default:
		return 0xff0000; /* unassigned class */
	}
}

/* Lock held. Send vector @v as the driver programmed it (api.rst, KVM_SIGNAL_MSI). */
static void rv_vpci_send(struct rv_virtio_pci *p, unsigned int v)
{
	const struct rv_vpci_msix_entry *e = &p->table[v];
	struct kvm_msi msi = { .address_lo = e->addr_lo,
			       .address_hi = e->addr_hi,
			       .data = e->data };
	int ret;

	p->stats.msis++;
	if (p->t->env->vm_fd < 0)
		return; /* unit tests count it */
	ret = __rv_kvm_ioctl(p->t->env->vm_fd, KVM_SIGNAL_MSI, (unsigned long)&msi);
	if (ret < 0 && p->stats.msis == 1)
		rv_warn("%s: KVM_SIGNAL_MSI: %s", p->t->dev->name, strerror(-ret));
}

/* Lock held. Can vector @v be sent now: MSI-X on, neither function nor entry masked? */
static bool rv_vpci_unmasked(const struct rv_virtio_pci *p, unsigned int v)
{
	return p->msix_on && !p->msix_masked && !(p->table[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

/* Lock held. A mask went away: send what it held ("MSI-X Capability", pending bits). */
static void rv_vpci_unpend(struct rv_virtio_pci *p)
{
	for (unsigned int v = 0; v < p->nr_vectors; v++) {
		if (!(p->pba & (1u << v)) || !rv_vpci_unmasked(p, v))
			continue;
		p->pba &= ~(1u << v);
		rv_vpci_send(p, v);
	}
}

void rv_vpci_interrupt(struct rv_virtio *t, int q)
{
	struct rv_virtio_pci *p = t->pci;
	unsigned int v = q < 0 ? p->config_vector : p->queue_vector[q];

	/*
	 * "ISR status capability": the config bit always, the queue bit
	 * only without MSI-X (where it is what INTx would have said).
	 */
	if (q < 0)
		t->isr |= VIRTIO_MMIO_INT_CONFIG;
	else if (!p->msix_on)
		t->isr |= VIRTIO_MMIO_INT_VRING;
	if (!p->msix_on || v >= p->nr_vectors) {
		p->stats.lost++;
		/*
		 * A driver that chose no vector for the config space wants no
		 * config interrupts; one that never enabled MSI-X waits for
		 * an interrupt this function cannot send. Say why, once.
		 */
		if (!p->msix_on && q >= 0 && !p->said_no_msix) {
			p->said_no_msix = true;
			rv_warn("%s: the guest did not enable MSI-X, and this PCI function has no "
				"INTx pin: its interrupts are lost (booted with pci=nomsi? use "
				"--virtio-transport mmio)",
				t->dev->name);
		}
		return;
	}
	if (!rv_vpci_unmasked(p, v)) {
		p->pba |= 1u << v;
		p->stats.pended++;
		return;
	}
	rv_vpci_send(p, v);
}

void rv_vpci_reset(struct rv_virtio *t)
{
	struct rv_virtio_pci *p = t->pci;

	p->config_vector = VIRTIO_MSI_NO_VECTOR;
	for (unsigned int q = 0; q < RV_VIRTIO_MAX_QUEUES; q++)
		p->queue_vector[q] = VIRTIO_MSI_NO_VECTOR;
}

/* Lock held. The common configuration's bytes, as a read of the whole structure returns them. */
static void rv_vpci_common_image(struct rv_virtio *t, uint8_t *img)
{
	struct rv_virtio_pci *p = t->pci;
	struct rv_virtio_queue *q = t->queue_sel < t->nr_queues ? &t->q[t->queue_sel] : NULL;
	uint32_t df = t->device_features_sel < 2 ?
			      (uint32_t)(t->device_features >> (32 * t->device_features_sel)) :
			      0;
	uint32_t gf = t->driver_features_sel < 2 ?
			      (uint32_t)(t->driver_features >> (32 * t->driver_features_sel)) :
			      0;

	memset(img, 0, RV_VPCI_COMMON_SIZE);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_DFSELECT, t->device_features_sel);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_DF, df);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_GFSELECT, t->driver_features_sel);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_GF, gf);
	rv_pci_put16(img + VIRTIO_PCI_COMMON_MSIX, p->config_vector);
	rv_pci_put16(img + VIRTIO_PCI_COMMON_NUMQ, (uint16_t)t->nr_queues);
	img[VIRTIO_PCI_COMMON_STATUS] = (uint8_t)t->status;
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = (uint8_t)t->config_generation;
	rv_pci_put16(img + VIRTIO_PCI_COMMON_Q_SELECT, (uint16_t)t->queue_sel);
	if (!q)
		return; /* "queue_size": 0 for a queue that does not exist */
	/* The size the driver wrote, or the maximum the device offers. */
	rv_pci_put16(img + VIRTIO_PCI_COMMON_Q_SIZE, (uint16_t)(q->num ? q->num : RV_VQ_MAX_SIZE));
	rv_pci_put16(img + VIRTIO_PCI_COMMON_Q_MSIX, p->queue_vector[q->index]);
	rv_pci_put16(img + VIRTIO_PCI_COMMON_Q_ENABLE, q->ready);
	rv_pci_put16(img + VIRTIO_PCI_COMMON_Q_NOFF, 0); /* every queue notifies at BAR 0 + 0 */
	rv_pci_put32(img + VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)q->desc);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_Q_DESCHI, (uint32_t)(q->desc >> 32));
	rv_pci_put32(img + VIRTIO_PCI_COMMON_Q_AVAILLO, (uint32_t)q->driver);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_Q_AVAILHI, (uint32_t)(q->driver >> 32));
	rv_pci_put32(img + VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)q->device);
	rv_pci_put32(img + VIRTIO_PCI_COMMON_Q_USEDHI, (uint32_t)(q->device >> 32));
}

/* A vector the driver chose: one the table has, else "no vector" (read back, refused). */
static uint16_t rv_vpci_vector(const struct rv_virtio_pci *p, uint32_t v)
{
	return v < p->nr_vectors ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR;
}

/*
 * Lock held. A write of @len bytes at @off of the common configuration:
 * each field at its own width (the 64-bit addresses as two 32-bit
 * halves), mapped onto the virtio-mmio register that means the same.
 * Anything else (a read-only field, a partial write) is ignored.
 */
static void rv_vpci_common_write(struct rv_virtio *t, uint64_t off, uint32_t v, unsigned int len)
{
	static const struct {
		uint8_t off, len;
		uint16_t mmio; /* the virtio-mmio register, or 0: handled here */
	} map[] = {
		{ VIRTIO_PCI_COMMON_DFSELECT, 4, VIRTIO_MMIO_DEVICE_FEATURES_SEL },
		{ VIRTIO_PCI_COMMON_GFSELECT, 4, VIRTIO_MMIO_DRIVER_FEATURES_SEL },
		{ VIRTIO_PCI_COMMON_GF, 4, VIRTIO_MMIO_DRIVER_FEATURES },
		{ VIRTIO_PCI_COMMON_MSIX, 2, 0 },
		{ VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_MMIO_STATUS },
		{ VIRTIO_PCI_COMMON_Q_SELECT, 2, VIRTIO_MMIO_QUEUE_SEL },
		{ VIRTIO_PCI_COMMON_Q_SIZE, 2, VIRTIO_MMIO_QUEUE_NUM },
		{ VIRTIO_PCI_COMMON_Q_MSIX, 2, 0 },
		{ VIRTIO_PCI_COMMON_Q_ENABLE, 2, VIRTIO_MMIO_QUEUE_READY },
		{ VIRTIO_PCI_COMMON_Q_DESCLO, 4, VIRTIO_MMIO_QUEUE_DESC_LOW },
		{ VIRTIO_PCI_COMMON_Q_DESCHI, 4, VIRTIO_MMIO_QUEUE_DESC_HIGH },
		{ VIRTIO_PCI_COMMON_Q_AVAILLO, 4, VIRTIO_MMIO_QUEUE_AVAIL_LOW },
		{ VIRTIO_PCI_COMMON_Q_AVAILHI, 4, VIRTIO_MMIO_QUEUE_AVAIL_HIGH },
		{ VIRTIO_PCI_COMMON_Q_USEDLO, 4, VIRTIO_MMIO_QUEUE_USED_LOW },
		{ VIRTIO_PCI_COMMON_Q_USEDHI, 4, VIRTIO_MMIO_QUEUE_USED_HIGH },
	};
	struct rv_virtio_pci *p = t->pci;
	struct rv_virtio_queue *q = t->queue_sel < t->nr_queues ? &t->q[t->queue_sel] : NULL;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(map); i++) {
		if (map[i].off != off || map[i].len != len)
			continue;
		if (off == VIRTIO_PCI_COMMON_MSIX) {
			p->config_vector = rv_vpci_vector(p, v);
		} else if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
			if (q)
				p->queue_vector[q->index] = rv_vpci_vector(p, v);
		} else {
			/* "queue_size" starts at the maximum: a queue enabled without a size gets it. */
			if (off == VIRTIO_PCI_COMMON_Q_ENABLE && v && q && !q->ready && !q->num)
				q->num = RV_VQ_MAX_SIZE;
			rv_virtio_reg_write(t, map[i].mmio, v);
		}
		return;
	}
}

static void rv_vpci_table_write(struct rv_virtio_pci *p, uint64_t off, uint32_t v)
{
	struct rv_vpci_msix_entry *e = &p->table[off / PCI_MSIX_ENTRY_SIZE];

	switch (off % PCI_MSIX_ENTRY_SIZE) {
	case PCI_MSIX_ENTRY_LOWER_ADDR:
		e->addr_lo = v;
		break;
	case PCI_MSIX_ENTRY_UPPER_ADDR:
		e->addr_hi = v;
		break;
	case PCI_MSIX_ENTRY_DATA:
		e->data = v;
		break;
	case PCI_MSIX_ENTRY_VECTOR_CTRL:
		e->ctrl = v & PCI_MSIX_ENTRY_CTRL_MASKBIT;
		rv_vpci_unpend(p);
		break;
	}
}

static uint32_t rv_vpci_table_read(const struct rv_virtio_pci *p, uint64_t off)
{
	const struct rv_vpci_msix_entry *e = &p->table[off / PCI_MSIX_ENTRY_SIZE];
	const uint32_t w[] = { e->addr_lo, e->addr_hi, e->data, e->ctrl };

	return w[(off % PCI_MSIX_ENTRY_SIZE) / 4];
}

/*
 * BAR 1. The guest chose @off and @len within the BAR (the bus checked);
 * each region takes the widths its fields have, other accesses read 0
 * and write nothing.
 */
static void rv_vpci_regs_access(struct rv_virtio *t, uint64_t off, void *data, unsigned int len,
				bool is_write)
{
	struct rv_virtio_pci *p = t->pci;
	uint8_t img[RV_VPCI_COMMON_SIZE];
	uint32_t v = 0;

	if (off >= RV_VPCI_DEVCFG &&
	    off < RV_VPCI_DEVCFG + RV_VIRTIO_MMIO_SIZE - RV_VIRTIO_MMIO_CONFIG) {
		/* The device's config space: virtio-mmio's, byte-addressable, own locking. */
		off = off - RV_VPCI_DEVCFG + RV_VIRTIO_MMIO_CONFIG;
		if (off + len > RV_VIRTIO_MMIO_SIZE)
			return;
		if (is_write)
			rv_virtio_mmio_write(t, off, data, len);
		else
			rv_virtio_mmio_read(t, off, data, len);
		return;
	}
	if (is_write && len <= 4)
		memcpy(&v, data, len);
	pthread_mutex_lock(&t->lock);
	if (off < RV_VPCI_COMMON_SIZE && len <= 4 && off + len <= RV_VPCI_COMMON_SIZE) {
		if (is_write) {
			rv_vpci_common_write(t, off, v, len);
		} else {
			rv_vpci_common_image(t, img);
			memcpy(data, img + off, len);
		}
	} else if (off == RV_VPCI_ISR && len == 1 && !is_write) {
		/* "ISR status": reading it clears it. */
		*(uint8_t *)data = (uint8_t)t->isr;
		rv_vmmio_irq_ack(t, t->isr);
	} else if (off >= RV_VPCI_MSIX_TABLE && len == 4 && !(off & 3) &&
		   off < RV_VPCI_MSIX_TABLE + p->nr_vectors * PCI_MSIX_ENTRY_SIZE) {
		if (is_write) {
			rv_vpci_table_write(p, off - RV_VPCI_MSIX_TABLE, v);
		} else {
			v = rv_vpci_table_read(p, off - RV_VPCI_MSIX_TABLE);
			memcpy(data, &v, 4);
		}
	} else if (off == RV_VPCI_MSIX_PBA && (len == 4 || len == 8) && !is_write) {
		memcpy(data, &p->pba, 4);
	}
	pthread_mutex_unlock(&t->lock);
}

static void rv_vpci_regs_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	memset(data, 0, len);
	rv_vpci_regs_access(opaque, off, data, len, false);
}

static void rv_vpci_regs_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	rv_vpci_regs_access(opaque, off, (void *)data, len, true);
}

static const struct rv_bus_ops rv_vpci_regs_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = rv_vpci_regs_read,
	.write = rv_vpci_regs_write,
};

/* BAR 0, where no ioeventfd matched: a queue index, as QueueNotify takes it. */
static void rv_vpci_notify_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_virtio *t = opaque;
	uint16_t q;

	if (off || len != 2)
		return;
	memcpy(&q, data, 2);
	pthread_mutex_lock(&t->lock);
	if (q < t->nr_queues)
		rv_virtio_kick(t, q);
	pthread_mutex_unlock(&t->lock);
}

static void rv_vpci_notify_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
}

static const struct rv_bus_ops rv_vpci_notify_ops = {
	.access_sizes = RV_BUS_SIZE_1 | RV_BUS_SIZE_2 | RV_BUS_SIZE_4,
	.read = rv_vpci_notify_read,
	.write = rv_vpci_notify_write,
};

int rv_vpci_ioeventfd(struct rv_virtio *t, unsigned int q, int fd, bool deassign)
{
	struct kvm_ioeventfd io = {
		.datamatch = q,
		.addr = t->pci->notify,
		.len = 2,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0),
	};

	return __rv_kvm_ioctl(t->env->vm_fd, KVM_IOEVENTFD, (unsigned long)&io);
}

/*
 * "PCI configuration access capability": the driver names a BAR, an
 * offset and a length in the capability, then reads or writes
 * pci_cfg_data, which reaches the BAR there. Bus lock held; the BARs'
 * handlers take the transport lock (always after the bus's).
 */
static bool rv_vpci_cfg_window(struct rv_virtio_pci *p, unsigned int off, unsigned int len,
			       uint64_t *at, unsigned int *n, unsigned int *bar)
{
	const uint8_t *c = p->func.cfg + p->cfg_cap;
	unsigned int data = p->cfg_cap + RV_VPCI_CAP_LEN;

	if (off >= data + 4 || off + len <= data)
		return false;
	*bar = c[VIRTIO_PCI_CAP_BAR];
	*at = rv_pci_get32(c + VIRTIO_PCI_CAP_OFFSET);
	*n = rv_pci_get32(c + VIRTIO_PCI_CAP_LENGTH);
	/* All the driver's: a length of 1, 2 or 4, aligned, inside one of our BARs. */
	if ((*n != 1 && *n != 2 && *n != 4) || (*at & (*n - 1)) || *bar > RV_VPCI_BAR_REGS)
		return false;
	return *at + *n <= p->func.bar_size[*bar];
}

static void rv_vpci_cfg_read(struct rv_pci_func *f, unsigned int off, unsigned int len)
{
	struct rv_virtio_pci *p = f->opaque;
	uint8_t *data = f->cfg + p->cfg_cap + RV_VPCI_CAP_LEN;
	unsigned int n, bar;
	uint64_t at;

	if (!rv_vpci_cfg_window(p, off, len, &at, &n, &bar))
		return;
	memset(data, 0, 4);
	if (bar == RV_VPCI_BAR_REGS)
		rv_vpci_regs_read(p->t, at, data, n);
}

static void rv_vpci_cfg_written(struct rv_pci_func *f, unsigned int off, unsigned int len)
{
	struct rv_virtio_pci *p = f->opaque;
	struct rv_virtio *t = p->t;
	unsigned int n, bar, flags = p->msix_cap + PCI_MSIX_FLAGS;
	uint64_t at;

	if (off < flags + 2 && flags < off + len) {
		uint16_t ctl = rv_pci_get16(f->cfg + flags);

		pthread_mutex_lock(&t->lock);
		p->msix_on = ctl & PCI_MSIX_FLAGS_ENABLE;
		p->msix_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
		rv_vpci_unpend(p);
		pthread_mutex_unlock(&t->lock);
	}
	if (!rv_vpci_cfg_window(p, off, len, &at, &n, &bar))
		return;
	if (bar == RV_VPCI_BAR_REGS)
		rv_vpci_regs_write(t, at, f->cfg + p->cfg_cap + RV_VPCI_CAP_LEN, n);
	else
		rv_vpci_notify_write(t, at, f->cfg + p->cfg_cap + RV_VPCI_CAP_LEN, n);
}

static const struct rv_pci_func_ops rv_vpci_func_ops = {
	.cfg_read = rv_vpci_cfg_read,
	.cfg_written = rv_vpci_cfg_written,
};

/* A struct virtio_pci_cap (and @extra's 4 bytes after it, when @len says so). */
static int rv_vpci_add_cap(struct rv_virtio_pci *p, uint8_t type, uint8_t bar, uint32_t off,
			   uint32_t length, unsigned int len, uint32_t extra)
{
	uint8_t c[RV_VPCI_CAP_EXT_LEN] = { PCI_CAP_ID_VNDR, 0, (uint8_t)len, type, bar };

	rv_pci_put32(c + VIRTIO_PCI_CAP_OFFSET, off);
	rv_pci_put32(c + VIRTIO_PCI_CAP_LENGTH, length);
	rv_pci_put32(c + RV_VPCI_CAP_LEN, extra);
	return rv_pci_func_cap(&p->func, c, len);
}

static int rv_vpci_caps(struct rv_virtio_pci *p)
{
	struct rv_virtio *t = p->t;
	uint8_t msix[RV_VPCI_MSIX_CAP_LEN] = { PCI_CAP_ID_MSIX };
	int at;

	/* "Virtio Structure PCI Capabilities", each in BAR 1 but the notify register. */
	if (rv_vpci_add_cap(p, VIRTIO_PCI_CAP_COMMON_CFG, RV_VPCI_BAR_REGS, RV_VPCI_COMMON,
			    RV_VPCI_COMMON_SIZE, RV_VPCI_CAP_LEN, 0) < 0 ||
	    /* notify_off_multiplier 0: every queue's notify address is BAR 0's first. */
	    rv_vpci_add_cap(p, VIRTIO_PCI_CAP_NOTIFY_CFG, RV_VPCI_BAR_NOTIFY, 0, 2,
			    RV_VPCI_CAP_EXT_LEN, 0) < 0 ||
	    rv_vpci_add_cap(p, VIRTIO_PCI_CAP_ISR_CFG, RV_VPCI_BAR_REGS, RV_VPCI_ISR, 1,
			    RV_VPCI_CAP_LEN, 0) < 0 ||
	    (t->config_len &&
	     rv_vpci_add_cap(p, VIRTIO_PCI_CAP_DEVICE_CFG, RV_VPCI_BAR_REGS, RV_VPCI_DEVCFG,
			     t->config_len, RV_VPCI_CAP_LEN, 0) < 0))
		return -ENOSPC;
	at = rv_vpci_add_cap(p, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0, RV_VPCI_CAP_EXT_LEN, 0);
	if (at < 0)
		return -ENOSPC;
	p->cfg_cap = (unsigned int)at;
	/* The driver picks the window: bar, offset, length, and the data itself. */
	p->func.wmask[at + VIRTIO_PCI_CAP_BAR] = 0xff;
	memset(p->func.wmask + at + VIRTIO_PCI_CAP_OFFSET, 0xff, 8 + 4);

	/* "MSI-X Capability" (PCI Local Bus 3.0, 6.8.2): table and PBA in BAR 1. */
	rv_pci_put16(msix + PCI_MSIX_FLAGS, (uint16_t)(p->nr_vectors - 1));
	rv_pci_put32(msix + PCI_MSIX_TABLE, RV_VPCI_MSIX_TABLE | RV_VPCI_BAR_REGS);
	rv_pci_put32(msix + PCI_MSIX_PBA, RV_VPCI_MSIX_PBA | RV_VPCI_BAR_REGS);
	at = rv_pci_func_cap(&p->func, msix, RV_VPCI_MSIX_CAP_LEN);
	if (at < 0)
		return -ENOSPC;
	p->msix_cap = (unsigned int)at;
	rv_pci_put16(p->func.wmask + at + PCI_MSIX_FLAGS,
		     PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	return 0;
}

int rv_vpci_setup(struct rv_virtio *t, const char *name)
{
	struct rv_device_env *env = t->env;
	uint32_t id = t->ops->device_id;
	struct rv_virtio_pci *p;
	int ret;

	if (!env->pci)
		return rv_err(-ENODEV, "%s: virtio-pci: this machine has no PCI bus", name);
	p = calloc(1, sizeof(*p));
	if (!p)
		return rv_err(-ENOMEM, "%s: out of memory", name);
	t->pci = p;
	p->t = t;
	/* No line to model: MSI-X alone. */
	t->edge = true;
	p->nr_vectors = t->nr_queues + 1;
	rv_vpci_reset(t);
	for (unsigned int v = 0; v < RV_VPCI_MAX_VECTORS; v++)
		p->table[v].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT; /* masked until the driver says */
	rv_pci_func_init(&p->func, RV_VPCI_VENDOR, (uint16_t)(RV_VPCI_DEVICE_BASE + id),
			 rv_vpci_class(id), RV_VPCI_REVISION, RV_VPCI_VENDOR,
			 (uint16_t)(RV_VPCI_DEVICE_BASE + id));
	p->func.ops = &rv_vpci_func_ops;
	p->func.opaque = p;
	ret = rv_pci_func_bar(env->pci, &p->func, RV_VPCI_BAR_NOTIFY, true, RV_VPCI_NOTIFY_SIZE,
			      &p->notify);
	if (!ret)
		ret = rv_pci_func_bar(env->pci, &p->func, RV_VPCI_BAR_REGS, false,
				      RV_VPCI_REGS_SIZE, &p->regs);
	if (ret)
		return rv_err(ret, "%s: virtio-pci: no room for its BARs in the PCI windows", name);
	ret = rv_vpci_caps(p);
	if (!ret)
		ret = rv_pci_add(env->pci, &p->func);
	if (ret)
		return rv_err(ret, "%s: virtio-pci: %s", name,
			      ret == -ENOSPC ? "no free PCI slot" : strerror(-ret));
	ret = rv_bus_register(env->pio, p->notify, RV_VPCI_NOTIFY_SIZE, &rv_vpci_notify_ops, t,
			      t->dev);
	if (!ret)
		ret = rv_bus_register(env->mmio, p->regs, RV_VPCI_REGS_SIZE, &rv_vpci_regs_ops, t,
				      t->dev);
	if (ret)
		return rv_err(ret, "%s: virtio-pci BARs 0x%" PRIx64 " / 0x%" PRIx64 ": %s", name,
			      p->notify, p->regs, strerror(-ret));
	return 0;
}

void rv_vpci_fini(struct rv_virtio *t)
{
	struct rv_virtio_pci *p = t->pci;

	if (!p)
		return;
	if (t->env->pci && t->env->pci->slots[p->func.slot] == &p->func) {
		pthread_mutex_lock(&t->env->pci->lock);
		t->env->pci->slots[p->func.slot] = NULL;
		pthread_mutex_unlock(&t->env->pci->lock);
	}
	t->pci = NULL;
	free(p);
}

/*
 * After a load. A snapshot saves the vCPUs (their local APICs) before the
 * devices, and a device finishes its requests in flight when it saves:
 * the MSIs those completions sent reached APIC state nobody saved.
 * virtio-mmio keeps such an interrupt in InterruptStatus; an MSI leaves
 * no trace. So each ready queue's vector goes once more, and the config
 * vector when ISR says a change was signalled: at worst a spurious
 * interrupt, after which the driver finds its used ring as it left it.
 */
void rv_vpci_restored(struct rv_virtio *t)
{
	rv_vpci_unpend(t->pci);
	if (!(t->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	for (unsigned int q = 0; q < t->nr_queues; q++)
		if (t->q[q].ready && !rv_vq_broken(&t->q[q].vq))
			rv_vpci_interrupt(t, (int)q);
	if (t->isr & VIRTIO_MMIO_INT_CONFIG)
		rv_vpci_interrupt(t, -1);
}

void rv_vpci_stats(struct rv_virtio *t, struct rv_stats_sink *s)
{
	struct rv_virtio_pci *p = t->pci;

	rv_stats_str(s, "transport", "pci");
	rv_stats_u64(s, "pci_slot", p->func.slot);
	rv_stats_u64(s, "msix_enabled", p->msix_on);
	rv_stats_u64(s, "msis", p->stats.msis);
	rv_stats_u64(s, "msis_pended", p->stats.pended);
	rv_stats_u64(s, "msis_lost", p->stats.lost);
}
