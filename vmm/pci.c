// SPDX-License-Identifier: GPL-2.0
/*
 * PCI bus 0 behind configuration mechanism #1 (see pci.h). Register
 * names and offsets are <linux/pci_regs.h>'s, which follow the PCI Local
 * Bus specification's type-0 header.
 */
#include "pci.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/util.h"

/* 0xcf8: enable bit, bus, device, function, register (PCI Local Bus 3.0, 3.2.2.3.2). */
#define RV_PCI_ADDR_ENABLE 0x80000000u
#define RV_PCI_CFG_PORTS 8
/* A host bridge (class 06, subclass 00): Red Hat's id for a generic one, as QEMU's microvm uses. */
#define RV_PCI_HOST_VENDOR 0x1b36
#define RV_PCI_HOST_DEVICE 0x0008
#define RV_PCI_CLASS_HOST_BRIDGE 0x060000

void rv_pci_func_init(struct rv_pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_code,
		      uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id)
{
	memset(f, 0, sizeof(*f));
	rv_pci_put16(f->cfg + PCI_VENDOR_ID, vendor);
	rv_pci_put16(f->cfg + PCI_DEVICE_ID, device);
	f->cfg[PCI_REVISION_ID] = revision;
	f->cfg[PCI_CLASS_PROG] = (uint8_t)class_code;
	rv_pci_put16(f->cfg + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
	f->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	rv_pci_put16(f->cfg + PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	rv_pci_put16(f->cfg + PCI_SUBSYSTEM_ID, subsys_id);
	/* Decode, bus mastering and INTx disable are the driver's to set. */
	rv_pci_put16(f->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
						     PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	/* Scratch registers a driver may write freely. */
	f->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	f->wmask[PCI_LATENCY_TIMER] = 0xff;
	f->wmask[PCI_INTERRUPT_LINE] = 0xff;
	f->cap_end = RV_PCI_CAP_START;
}

int rv_pci_func_bar(struct rv_pci *pci, struct rv_pci_func *f, unsigned int bar, bool io,
		    uint32_t size, uint64_t *addr)
{
	uint64_t base, end;
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;

	if (bar >= RV_PCI_NR_BARS || size < (io ? 4u : 16u) || (size & (size - 1)) ||
	    f->bar_size[bar])
		return -EINVAL;
	base = io ? pci->pio_next : pci->mmio_next;
	end = io ? pci->pio_end : pci->mmio_end;
	base = (base + size - 1) & ~((uint64_t)size - 1);
	if (base > end || end - base < size || (!io && base + size > 0x100000000ULL))
		return -ENOSPC;
	if (io)
		pci->pio_next = (uint32_t)(base + size);
	else
		pci->mmio_next = base + size;
	f->bar_size[bar] = size;
	f->bar_addr[bar] = base;
	rv_pci_put32(f->cfg + off, (uint32_t)base | (io ? PCI_BASE_ADDRESS_SPACE_IO : 0));
	/* Address bits above the size are the guest's to write (sizing); pci_written() checks. */
	rv_pci_put32(f->wmask + off, ~(size - 1) & (io ? ~3u : ~0xfu));
	*addr = base;
	return 0;
}

int rv_pci_func_cap(struct rv_pci_func *f, const void *cap, unsigned int len)
{
	unsigned int at = (f->cap_end + 3u) & ~3u;

	if (len < 2 || at + len > RV_PCI_CFG_SIZE)
		return -ENOSPC;
	memcpy(f->cfg + at, cap, len);
	f->cfg[at + PCI_CAP_LIST_NEXT] = 0;
	if (f->cap_last)
		f->cfg[f->cap_last + PCI_CAP_LIST_NEXT] = (uint8_t)at;
	else
		f->cfg[PCI_CAPABILITY_LIST] = (uint8_t)at;
	rv_pci_put16(f->cfg + PCI_STATUS, rv_pci_get16(f->cfg + PCI_STATUS) | PCI_STATUS_CAP_LIST);
	f->cap_last = at;
	f->cap_end = at + len;
	return (int)at;
}

int rv_pci_add(struct rv_pci *pci, struct rv_pci_func *f)
{
	for (unsigned int s = 0; s < RV_PCI_NR_SLOTS; s++) {
		if (pci->slots[s])
			continue;
		f->slot = s;
		pci->slots[s] = f;
		return 0;
	}
	return -ENOSPC;
}

static struct rv_pci_func *rv_pci_func_at(struct rv_pci *pci, unsigned int devfn)
{
	/* Single-function devices only: function 0 of each slot. */
	if (devfn & 7)
		return NULL;
	return pci->slots[(devfn >> 3) & (RV_PCI_NR_SLOTS - 1)];
}

/* The guest chose @off and @len (the port and the latch): 1, 2 or 4 bytes, aligned, inside. */
static bool rv_pci_cfg_fits(unsigned int off, unsigned int len)
{
	return (len == 1 || len == 2 || len == 4) && off < RV_PCI_CFG_SIZE &&
	       len <= RV_PCI_CFG_SIZE - off && !(off & (len - 1));
}

void rv_pci_cfg_read(struct rv_pci *pci, unsigned int devfn, unsigned int off, void *data,
		     unsigned int len)
{
	struct rv_pci_func *f;

	memset(data, 0xff, len);
	if (!rv_pci_cfg_fits(off, len))
		return;
	pthread_mutex_lock(&pci->lock);
	pci->cfg_accesses++;
	f = rv_pci_func_at(pci, devfn);
	if (f) {
		if (f->ops && f->ops->cfg_read)
			f->ops->cfg_read(f, off, len);
		memcpy(data, f->cfg + off, len);
	}
	pthread_mutex_unlock(&pci->lock);
}

/*
 * After a write to a BAR: the mask read back (sizing) and the BAR's own
 * address stand; any other address is refused, since BARs do not move.
 */
static void rv_pci_bar_written(struct rv_pci *pci, struct rv_pci_func *f, unsigned int bar)
{
	uint8_t *reg = f->cfg + PCI_BASE_ADDRESS_0 + 4 * bar;
	uint32_t mask = rv_pci_get32(f->wmask + PCI_BASE_ADDRESS_0 + 4 * bar);
	uint32_t v = rv_pci_get32(reg);
	uint32_t flags = v & ~mask;

	if (!f->bar_size[bar] || (v & mask) == mask || (v & mask) == (uint32_t)f->bar_addr[bar])
		return;
	pci->bar_refused++;
	rv_pci_put32(reg, (uint32_t)f->bar_addr[bar] | flags);
}

void rv_pci_cfg_write(struct rv_pci *pci, unsigned int devfn, unsigned int off, const void *data,
		      unsigned int len)
{
	const uint8_t *src = data;
	struct rv_pci_func *f;

	if (!rv_pci_cfg_fits(off, len))
		return;
	pthread_mutex_lock(&pci->lock);
	pci->cfg_accesses++;
	f = rv_pci_func_at(pci, devfn);
	if (f) {
		for (unsigned int i = 0; i < len; i++)
			f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~f->wmask[off + i]) |
						    (src[i] & f->wmask[off + i]));
		for (unsigned int bar = 0; bar < RV_PCI_NR_BARS; bar++) {
			unsigned int b = PCI_BASE_ADDRESS_0 + 4 * bar;

			if (off < b + 4 && b < off + len)
				rv_pci_bar_written(pci, f, bar);
		}
		if (f->ops && f->ops->cfg_written)
			f->ops->cfg_written(f, off, len);
	}
	pthread_mutex_unlock(&pci->lock);
}

/*
 * The ports: 0xcf8 takes a 32-bit address (other widths there are not
 * configuration cycles: ignored, read as all-ones), 0xcfc-0xcff move
 * data to or from the register it selects, at the port's byte offset.
 */

/* Data port @off: the function and register the latch selects, or false (bus 0 only, enabled). */
static bool rv_pci_port_target(struct rv_pci *pci, uint64_t off, unsigned int *devfn,
			       unsigned int *reg)
{
	uint32_t a;

	if (off < 4)
		return false;
	pthread_mutex_lock(&pci->lock);
	a = pci->address;
	pthread_mutex_unlock(&pci->lock);
	if (!(a & RV_PCI_ADDR_ENABLE) || ((a >> 16) & 0xff))
		return false;
	*devfn = (a >> 8) & 0xff;
	*reg = (a & 0xfc) + (unsigned int)(off - 4);
	return true;
}

static void rv_pci_port_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct rv_pci *pci = opaque;
	unsigned int devfn, reg;

	if (off == 0 && len == 4) {
		pthread_mutex_lock(&pci->lock);
		memcpy(data, &pci->address, 4);
		pthread_mutex_unlock(&pci->lock);
		return;
	}
	memset(data, 0xff, len);
	if (rv_pci_port_target(pci, off, &devfn, &reg))
		rv_pci_cfg_read(pci, devfn, reg, data, len);
}

static void rv_pci_port_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_pci *pci = opaque;
	unsigned int devfn, reg;

	if (off == 0 && len == 4) {
		pthread_mutex_lock(&pci->lock);
		memcpy(&pci->address, data, 4);
		pthread_mutex_unlock(&pci->lock);
		return;
	}
	if (rv_pci_port_target(pci, off, &devfn, &reg))
		rv_pci_cfg_write(pci, devfn, reg, data, len);
}

static const struct rv_bus_ops rv_pci_port_ops = {
	.access_sizes = RV_BUS_SIZE_1 | RV_BUS_SIZE_2 | RV_BUS_SIZE_4,
	.read = rv_pci_port_read,
	.write = rv_pci_port_write,
};

int rv_pci_init(struct rv_pci *pci, struct rv_bus *pio, uint16_t cfg_port, uint64_t mmio_base,
		uint64_t mmio_size, uint32_t pio_base, uint32_t pio_size)
{
	int ret;

	memset(pci, 0, sizeof(*pci));
	pthread_mutex_init(&pci->lock, NULL);
	pci->mmio_base = pci->mmio_next = mmio_base;
	pci->mmio_end = mmio_base + mmio_size;
	pci->pio_base = pci->pio_next = pio_base;
	pci->pio_end = pio_base + pio_size;
	rv_pci_func_init(&pci->host, RV_PCI_HOST_VENDOR, RV_PCI_HOST_DEVICE,
			 RV_PCI_CLASS_HOST_BRIDGE, 0, 0, 0);
	pci->slots[0] = &pci->host;
	if (!pio)
		return 0; /* unit tests: configuration accesses without ports */
	ret = rv_bus_register(pio, cfg_port, RV_PCI_CFG_PORTS, &rv_pci_port_ops, pci, NULL);
	if (ret)
		return rv_err(ret, "PCI: configuration ports 0x%x: %s", cfg_port, strerror(-ret));
	return 0;
}

void rv_pci_destroy(struct rv_pci *pci)
{
	pthread_mutex_destroy(&pci->lock);
}
