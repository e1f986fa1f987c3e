/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One conventional PCI bus (bus 0) behind the PC's configuration
 * mechanism #1: the guest writes an address to port 0xcf8 and reads or
 * writes the function's configuration space through ports 0xcfc-0xcff
 * (PCI Local Bus 3.0, 3.2.2.3.2). Slot 0 is a host bridge, which is what
 * Linux's check of the mechanism looks for (arch/x86/pci/direct.c,
 * pci_sanity_check()); the functions devices add take slots 1 to 31.
 *
 * BARs are placed by ringvmm, from the platform's PCI windows, when a
 * device asks, and do not move: a guest may size them (write all-ones,
 * read the mask back) and write the address back, but any other address
 * is refused and the BAR keeps its own, which Linux accepts when the
 * firmware tables' windows hold every BAR already (the DSDT's PCI root).
 * The command register's decode bits are kept but not obeyed: a BAR
 * decodes from the start.
 *
 * Like vmm/bus.c this is the machine's wiring, not a device: devices add
 * their functions through rv_device_env.pci, and vmm/ names none of them.
 */
#ifndef RV_PCI_H
#define RV_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct rv_bus;

#define RV_PCI_NR_SLOTS 32
#define RV_PCI_CFG_SIZE 256
#define RV_PCI_NR_BARS 6
/* Where a type-0 header ends and the capability list may begin. */
#define RV_PCI_CAP_START 0x40

struct rv_pci_func;

struct rv_pci_func_ops {
	/*
	 * Optional, bus lock held: the guest is about to read, or has just
	 * written, [@off, @off + @len) of the configuration space (already
	 * merged through the write mask), for registers with side effects.
	 */
	void (*cfg_read)(struct rv_pci_func *f, unsigned int off, unsigned int len);
	void (*cfg_written)(struct rv_pci_func *f, unsigned int off, unsigned int len);
};

/* A PCI function: its configuration space as the guest sees it. */
struct rv_pci_func {
	uint8_t cfg[RV_PCI_CFG_SIZE];
	uint8_t wmask[RV_PCI_CFG_SIZE]; /* bits the guest may change */
	uint32_t bar_size[RV_PCI_NR_BARS];
	uint64_t bar_addr[RV_PCI_NR_BARS];
	unsigned int cap_end;  /* where the next capability goes */
	unsigned int cap_last; /* the last capability's offset, 0: none yet */
	unsigned int slot;
	const struct rv_pci_func_ops *ops;
	void *opaque;
};

struct rv_pci {
	pthread_mutex_t lock; /* the address latch and every configuration access */
	uint32_t address;     /* the last value written to port 0xcf8 */
	struct rv_pci_func *slots[RV_PCI_NR_SLOTS];
	struct rv_pci_func host;
	/* Free space of the windows the firmware tables give the root bridge. */
	uint64_t mmio_base, mmio_next, mmio_end;
	uint32_t pio_base, pio_next, pio_end;
	uint64_t cfg_accesses, bar_refused;
};

/*
 * The bus, its host bridge, and the configuration ports at @cfg_port
 * (8 ports) on @pio. Windows: [@mmio_base, +@mmio_size) for memory BARs,
 * [@pio_base, +@pio_size) for I/O BARs. 0 or -errno with a message.
 */
int rv_pci_init(struct rv_pci *pci, struct rv_bus *pio, uint16_t cfg_port, uint64_t mmio_base,
		uint64_t mmio_size, uint32_t pio_base, uint32_t pio_size);
void rv_pci_destroy(struct rv_pci *pci);

/* A type-0 header: ids, @class_code (class, subclass, prog-if: 0x018000), no interrupt pin. */
void rv_pci_func_init(struct rv_pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_code,
		      uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id);
/*
 * BAR @bar of @size bytes (a power of two, at least 16 for memory and 4
 * for I/O; memory BARs are 32-bit), placed in the matching window at its
 * natural alignment; its address in *@addr. -ENOSPC when the window is
 * full, -EINVAL for a bad size or BAR.
 */
int rv_pci_func_bar(struct rv_pci *pci, struct rv_pci_func *f, unsigned int bar, bool io,
		    uint32_t size, uint64_t *addr);
/*
 * Append capability @cap of @len bytes (cap[0] its id; cap[1], the next
 * pointer, is filled in) to the list. Returns its offset in the
 * configuration space, or -ENOSPC. Its bytes are read-only: the caller
 * opens what the guest may write in f->wmask.
 */
int rv_pci_func_cap(struct rv_pci_func *f, const void *cap, unsigned int len);
/* Plug @f into the next free slot. 0 or -ENOSPC. */
int rv_pci_add(struct rv_pci *pci, struct rv_pci_func *f);

/*
 * One configuration access to bus 0, @devfn, at @off (@len 1, 2 or 4,
 * naturally aligned): what the ports do after the latch. An absent
 * function reads all-ones and ignores writes.
 */
void rv_pci_cfg_read(struct rv_pci *pci, unsigned int devfn, unsigned int off, void *data,
		     unsigned int len);
void rv_pci_cfg_write(struct rv_pci *pci, unsigned int devfn, unsigned int off, const void *data,
		      unsigned int len);

/* Little-endian helpers on a configuration space. */
static inline uint16_t rv_pci_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t rv_pci_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void rv_pci_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void rv_pci_put32(uint8_t *p, uint32_t v)
{
	rv_pci_put16(p, (uint16_t)v);
	rv_pci_put16(p + 2, (uint16_t)(v >> 16));
}

#endif
